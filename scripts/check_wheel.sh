#!/usr/bin/env bash
# Build the sdist and the wheel, check them, and show that the wheel works
# on its own: installed into a fresh virtual environment beside TensorFlow
# (which the package deliberately does not require), it imports, builds a
# model, runs it and analyses it.
#
#   scripts/check_wheel.sh [PYTHON]
#
# PYTHON (default python3) must have `build` and `twine`, e.g. a virtual
# environment made with `pip install --group release`. Nothing is left
# behind: the build and the environment live in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

"$python" -m build --outdir "$work/dist" . > "$work/build.log" 2>&1 || {
  cat "$work/build.log"
  echo "check_wheel: python -m build failed (log above)" >&2
  exit 1
}
"$python" -m twine check --strict "$work"/dist/*

# The wheel holds the package and its metadata, nothing else (no tests/,
# book/, scripts/), and its version is cnn_course.__version__.
version=$("$python" -c 'import ast, sys
tree = ast.parse(open("cnn_course/__init__.py").read())
print(next(n.value.value for n in tree.body if isinstance(n, ast.Assign)
           and n.targets[0].id == "__version__"))')
wheel="$work/dist/cnn_course-$version-py3-none-any.whl"
if [ ! -f "$wheel" ]; then
  echo "check_wheel: expected $(basename "$wheel") (the version in cnn_course/__init__.py), built: $(ls "$work/dist")" >&2
  exit 1
fi
"$python" - "$wheel" "$version" <<'EOF'
import sys
import zipfile

wheel, version = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
allowed = ("cnn_course/", "cnn_course/models/", f"cnn_course-{version}.dist-info/")
stray = [n for n in names if not n.startswith(allowed)]
if stray:
    sys.exit(f"check_wheel: the wheel holds files outside the package: {stray}")
for needed in ("cnn_course/__init__.py", "cnn_course/models/__init__.py",
               f"cnn_course-{version}.dist-info/licenses/LICENSE"):
    if needed not in names:
        sys.exit(f"check_wheel: the wheel lacks {needed}")
print(f"wheel: {len(names)} files, all in cnn_course/ and its dist-info")
EOF
echo "built and checked in $((SECONDS - start)) s"

# A fresh environment: the wheel and a Keras backend, nothing from here.
python3 -m venv "$work/venv"
# --no-compile: byte-compiling all of TensorFlow would double the time.
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-compile "$wheel" tensorflow
echo "installed in $((SECONDS - start)) s"

# -I: neither this checkout nor PYTHONPATH can stand in for the wheel.
(cd "$work" && TF_CPP_MIN_LOG_LEVEL=3 "$work/venv/bin/python" -I - "$version" <<'EOF'
import sys

import numpy as np

import cnn_course
from cnn_course.analysis import analyze

assert cnn_course.__version__ == sys.argv[1], cnn_course.__version__
assert "site-packages" in cnn_course.__file__, cnn_course.__file__

# LeNet-5 runs: ten class scores for one 28x28 image.
lenet = cnn_course.build_model("lenet5", input_shape=(28, 28, 1), classes=10)
scores = lenet.predict(np.zeros((1, 28, 28, 1), "float32"), verbose=0)
assert scores.shape == (1, 10), scores.shape

# VGG-16 (configuration D) has 138,357,544 weights (Simonyan and Zisserman
# 2015, Table 2: 138 million; the count of keras.applications.VGG16), about
# 15.5 billion multiply-adds at 224x224, and a 212-pixel receptive field
# after its last pooling layer.
analysis = analyze(cnn_course.build_model("vgg16"))
assert analysis.total_params == 138_357_544, analysis.total_params
assert round(analysis.total_macs / 1e9, 1) == 15.5, analysis.total_macs
assert analysis.row("block5_pool").receptive_field == 212
print(f"cnn_course {cnn_course.__version__} from {cnn_course.__file__}: "
      f"lenet5 runs, vgg16 analysed ({analysis.total_params:,} parameters)")
EOF
)
rm -rf "$work"  # 2 GB of TensorFlow: part of the cost, so timed
echo "check_wheel: passed in $((SECONDS - start)) s"
