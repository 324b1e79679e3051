#!/usr/bin/env bash
# Copy MathJax 3 into the book, so that its math renders without network.
# Only what the HTML pages load: the combined TeX-to-CommonHTML component
# with every TeX extension (tex-chtml-full.js, so nothing is fetched later),
# its web fonts, and its licence (Apache-2.0): about 1.8 MB, kept in git
# under _vendor/_static/mathjax/ (Sphinx copies _vendor/ into the build via
# html_extra_path; it is not in _static/ because Jupyter Book would then add
# every .js file there to every page). Re-run to update: needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-3.2.2}"
target=_vendor/_static/mathjax
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "mathjax@$version" >/dev/null && tar xzf mathjax-*.tgz)
rm -rf "$target"
mkdir -p "$target/output/chtml/fonts"
cp "$work/package/es5/tex-chtml-full.js" "$target/"
cp -r "$work/package/es5/output/chtml/fonts/woff-v2" "$target/output/chtml/fonts/"
cp "$work/package/LICENSE" "$target/"
echo "MathJax $version from npm (package mathjax), es5 build." > "$target/VERSION"
du -sh "$target"
