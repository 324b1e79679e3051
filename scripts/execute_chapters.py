"""Run chapters top to bottom in full mode and store their outputs.

The book renders from the outputs stored in the notebooks, and nbval
compares the test run against them, so regenerate them with this script
after changing a chapter or the package::

    python scripts/execute_chapters.py                 # every chapter
    python scripts/execute_chapters.py book/01-*.ipynb  # some chapters

Quick mode is off here (chapters train with their full budget); the kernel
environment is the one the tests use (scripts/notebook_env.py).
"""

import argparse
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import nbclient  # noqa: E402
import nbformat  # noqa: E402
import notebook_env  # noqa: E402


def chapters():
    """Every notebook under book/, in name order."""
    return sorted((ROOT / "book").glob("*.ipynb"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args()
    notebook_env.configure(quick=False)
    for path in args.notebooks or chapters():
        start = time.time()
        notebook = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=None,
            resources={"metadata": {"path": str(path.resolve().parent)}},
        )
        client.execute()
        nbformat.write(notebook, path)
        print(f"{path}: {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
