"""Run every chapter the way Colab would, on Colab's package versions.

From an empty working directory this

1. creates a virtual environment with Python 3.13 (Colab's runtime);
2. installs only what Colab has preinstalled and the chapters need
   (TensorFlow, Keras, NumPy, Matplotlib, SciPy, ...), at the versions of
   ``references/colab-pip-freeze-*.txt`` (the newest one), plus the Jupyter
   kernel and nbclient, also at Colab's versions;
3. copies the chapters and runs each one top to bottom in quick mode
   (``CNN_COURSE_QUICK=1``) with nbclient. ``cnn_course`` is *not*
   installed beforehand: each chapter's first cell installs it, exactly as in
   Colab, with this checkout in place of the repository URL;
4. fails if a cell raises. Outputs are not compared with the stored ones
   (Colab's versions may print numbers slightly differently).

Usage::

    python3 scripts/colab_check.py                    # a new temporary directory
    python3 scripts/colab_check.py --workdir /tmp/cc  # must be empty or absent
    python3 scripts/colab_check.py book/03-classic-cnns.ipynb

Needs network access to PyPI (or pip's configured indexes) and, for the
chapters that train, Fashion-MNIST in ``$KERAS_HOME`` (see the README).
"""

import argparse
import glob
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: The packages the chapters (and the notebook runner) need that Colab
#: preinstalls; their versions, and those of every dependency, come from
#: the freeze (jinja2: pandas needs it for the styled tables of Chapter 3).
#: ``cnn_course`` adds what Colab lacks (visualkeras) itself.
COLAB_PACKAGES = [
    "tensorflow", "keras", "numpy", "matplotlib", "scipy", "pandas", "jinja2", "pillow",
    "ipykernel", "ipython", "jupyter_client", "nbclient", "nbformat",
    "matplotlib-inline",
]

#: The repository URL in the install cell, with any ``@ref``.
REPOSITORY_URL = re.compile(
    r"git\+https://github\.com/cnn-course/classic-cnns(?:\.git)?(?:@[^\"'\s#]+)?"
)

#: Seconds one chapter may take in quick mode before it counts as hung.
CHAPTER_TIMEOUT = 1200


def newest_freeze():
    freezes = sorted(glob.glob(str(ROOT / "references" / "colab-pip-freeze-*.txt")))
    if not freezes:
        raise SystemExit("No references/colab-pip-freeze-*.txt: the Colab pin list is missing.")
    return pathlib.Path(freezes[-1])


def constraints(freeze, path):
    """The freeze as pip constraints: ``name==version`` lines only (pip
    refuses direct URLs as constraints, and none of them is needed here)."""
    lines = [line for line in freeze.read_text().splitlines()
             if re.match(r"^[A-Za-z0-9_.\-\[\]]+==\S+$", line.strip())]
    path.write_text("\n".join(lines) + "\n")
    pins = dict(line.split("==") for line in lines)
    return {name.lower().replace("_", "-"): version for name, version in pins.items()}


def find_python(wanted):
    """An interpreter of Colab's Python version: ``--python``, else pyenv's."""
    major_minor = tuple(int(x) for x in wanted.split("."))
    candidates = [f"python{wanted}"]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{wanted}*/bin/python{wanted}")))
    for candidate in candidates:
        try:
            out = subprocess.run([candidate, "-c", "import sys; print(*sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and tuple(map(int, out.stdout.split())) == major_minor:
            return candidate
    raise SystemExit(
        f"No Python {wanted} found (tried {', '.join(candidates)}). Colab runs Python "
        f"{wanted}; install it (e.g. `pyenv install {wanted}`) or pass --python."
    )


def run(command, **kwargs):
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run(command, check=True, **kwargs)


def copy_checkout(destination):
    """The files of this checkout (tracked or new, not ignored), so that
    building the package leaves the checkout untouched."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def colab_notebook(chapter, destination, source):
    """Copy a chapter with its install cell pointed at ``source``."""
    import json

    notebook = json.loads(chapter.read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    first = "".join(code[0]["source"]) if code else ""
    if "pip" not in first or not REPOSITORY_URL.search(first):
        raise SystemExit(
            f"{chapter}: its first code cell does not install cnn_course from "
            f"{REPOSITORY_URL.pattern}; update scripts/colab_check.py to match the cell."
        )
    code[0]["source"] = REPOSITORY_URL.sub(source.as_uri(), first)
    destination.write_text(json.dumps(notebook))


def execute(notebook):
    """Run one notebook in place (called inside the Colab environment)."""
    import nbclient
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=CHAPTER_TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(pathlib.Path(notebook).parent)}})
    try:
        client.execute()
    finally:
        nbformat.write(nb, notebook)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chapters", nargs="*", type=pathlib.Path,
                        help="chapters to run (default: book/[0-9]*.ipynb)")
    parser.add_argument("--workdir", type=pathlib.Path,
                        help="an empty or new directory (default: a new temporary one)")
    parser.add_argument("--python-version", default="3.13", help="Colab's Python (default 3.13)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the working directory (by default a temporary one is "
                             "removed when every chapter passed; it holds about 2 GB)")
    parser.add_argument("--execute", type=pathlib.Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.execute:
        return execute(args.execute)

    start = time.monotonic()
    temporary = args.workdir is None
    workdir = args.workdir or pathlib.Path(tempfile.mkdtemp(prefix="colab-check-"))
    if workdir.exists() and any(workdir.iterdir()):
        raise SystemExit(f"--workdir {workdir} is not empty; give an empty or new directory.")
    workdir.mkdir(parents=True, exist_ok=True)
    workdir = workdir.resolve()
    chapters = [c.resolve() for c in args.chapters] or sorted((ROOT / "book").glob("[0-9]*.ipynb"))
    print(f"Colab check in {workdir}", flush=True)

    # 1-2. A fresh environment with Colab's versions only.
    freeze = newest_freeze()
    pins = constraints(freeze, workdir / "constraints.txt")
    venv = workdir / "venv"
    run([find_python(args.python_version), "-m", "venv", venv])
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", f"pip=={pins['pip']}"])
    run([python, "-m", "pip", "install", "--quiet", "-c", workdir / "constraints.txt",
         *COLAB_PACKAGES])
    installed = time.monotonic()
    print(f"Colab environment ({freeze.name}) installed in {installed - start:.0f} s", flush=True)

    # 3. The chapters, each installing cnn_course from a copy of this checkout.
    source = workdir / "classic-cnns"
    copy_checkout(source)
    book = workdir / "book"
    book.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "VIRTUAL_ENV", "CONDA"))}
    env.update(CNN_COURSE_QUICK="1", TF_CPP_MIN_LOG_LEVEL="3",
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv))
    failed = []
    for chapter in chapters:
        notebook = book / chapter.name
        colab_notebook(chapter, notebook, source)
        began = time.monotonic()
        result = subprocess.run([python, __file__, "--execute", notebook], cwd=book, env=env,
                                capture_output=True, text=True)
        seconds = time.monotonic() - began
        if result.returncode:
            failed.append(chapter.name)
            print(f"FAILED {chapter.name} ({seconds:.0f} s); executed copy: {notebook}")
            print(result.stdout[-4000:] + result.stderr[-12000:])
        else:
            print(f"passed {chapter.name} ({seconds:.0f} s)", flush=True)
    versions = subprocess.run(
        [python, "-c", "import sys, tensorflow, keras, numpy, cnn_course; print("
         "'Python', sys.version.split()[0], '| tensorflow', tensorflow.__version__, '| keras', "
         "keras.__version__, '| numpy', numpy.__version__, '| cnn_course', cnn_course.__version__)"],
        capture_output=True, text=True, env=env).stdout.strip()
    print(versions or "(cnn_course was not installed)")
    print(f"chapters run in {time.monotonic() - installed:.0f} s, "
          f"{time.monotonic() - start:.0f} s in all")
    if temporary and not failed and not args.keep:
        shutil.rmtree(workdir)
    print(f"{len(chapters) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
