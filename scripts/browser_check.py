"""Open every page of the built book in headless Chromium and check it.

Run after ``jupyter-book build .``::

    python scripts/browser_check.py            # checks _build/html
    python scripts/browser_check.py --html _build/html --width 1280

Each page is loaded from disk at 1280 px (a laptop screen) with every
network request blocked, as a reader offline would see it, and fails on:

- a clipped output or code block: an element that scrolls sideways
  (``scrollWidth > clientWidth``), with the exercise solutions opened, or
  a box table (Keras' ``summary()``) stored without its right edge, or
  wider than its block, so that every line wraps;
- an output that scrolls vertically (a ``max-height`` on outputs);
- unrendered math: MathJax missing or failing, a math element it did not
  typeset, or raw TeX (``$...$``, ``\\(``) left in the text;
- a broken image (not loaded, or zero width);
- a figure shown so much smaller than drawn that its text would be
  unreadable (displayed below :data:`MIN_IMAGE_SCALE` of its width);
- a JavaScript error or a failed request in the console (see
  :data:`KNOWN_CONSOLE_ERRORS` for the ones of the theme itself).

A full-page screenshot of every page is kept in ``_build/screenshots/``
(CI keeps them as artifacts). Needs Debian's ``chromium`` and
``chromium-driver`` and the ``selenium`` package.
"""

import argparse
import base64
import json
import pathlib
import re
import sys

#: Console messages that are not the book's fault, with the reason.
KNOWN_CONSOLE_ERRORS = {
    # Sphinx 7.4 writes the inline scripts that sphinx-thebe registers after
    # the builder starts twice (once from the builder, once again from the
    # app's registry in prepare_writing), so the second `const THEBE_JS_URL`
    # fails. Harmless: the first one ran, and the book uses no live code.
    r"Identifier 'THEBE_JS_URL' has already been declared":
        "sphinx-thebe's inline script written twice by Sphinx 7.4",
    # pydata-sphinx-theme reads the light/dark mode from localStorage, which
    # is empty on a reader's first visit; it logs this and uses "auto".
    r"Got invalid theme mode: \. Resetting to auto\.":
        "pydata-sphinx-theme on a first visit (no mode stored yet)",
}

#: Problems already known on one page, with the reason and the most that
#: may occur: reported, but not failures. Keep this short and dated.
KNOWN_PAGE_PROBLEMS = {}

#: A figure may be shown smaller than drawn (the browser fits it to the
#: column), but not below this fraction of its width: the smallest text of
#: ``cnn_course.viz`` figures is 9 pt, 12.5 px at matplotlib's 100 dpi, and
#: a reader needs 11 px at 100 % zoom. viz draws every figure to fit.
MIN_IMAGE_SCALE = 0.88

# Elements whose content must fit their box: cell inputs and outputs,
# literal blocks, tables and display math.
_CLIPPABLE = (
    "div.cell_input pre, div.cell_output pre, div.cell_output, div.output, "
    "div.highlight pre, pre, table, div.pst-scrollable-table-container, "
    "div.math, mjx-container[display='true']"
)

_PAGE_STATE = r"""
const done = arguments[arguments.length - 1];
(async () => {
  // Wait for MathJax, when the page loads it.
  let mathjax = "absent";
  if (window.MathJax) {
    try {
      if (MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
      if (MathJax.typesetPromise) await MathJax.typesetPromise();
      mathjax = MathJax.version || "loaded";
    } catch (e) { mathjax = "error: " + e; }
  }
  // Let every image finish loading.
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  done({
    mathjax: mathjax,
    mathjaxScript: [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s)),
    mathElements: document.querySelectorAll("span.math, div.math").length,
    typeset: document.querySelectorAll("mjx-container").length,
  });
})();
"""

_FIND_PROBLEMS = r"""
const selector = arguments[0];
const article = document.querySelector("article") || document.body;
const describe = el => {
  const text = (el.innerText || "").trim().split("\n")[0].slice(0, 80);
  const cell = el.closest("div.cell");
  const where = cell ? `cell ${[...document.querySelectorAll("div.cell")].indexOf(cell)}` : "";
  return `<${el.tagName.toLowerCase()} class="${el.className}"> ${where} "${text}"`;
};
const problems = [];
// Open every collapsed solution, so its cells are checked too.
for (const d of article.querySelectorAll("details")) d.open = true;
for (const el of article.querySelectorAll("div.toggle-hidden, .toggle-hidden")) el.classList.remove("toggle-hidden");
for (const el of article.querySelectorAll(selector)) {
  if (!el.offsetParent || el.clientWidth === 0) continue;  // not displayed
  if (el.scrollWidth > el.clientWidth + 1)
    problems.push(`clipped sideways (${el.scrollWidth} > ${el.clientWidth} px): ${describe(el)}`);
  const style = getComputedStyle(el);
  if (el.matches("div.cell_output, div.output") && el.scrollHeight > el.clientHeight + 1
      && /auto|scroll|hidden/.test(style.overflowY))
    problems.push(`clipped in height (${el.scrollHeight} > ${el.clientHeight} px): ${describe(el)}`);
}
// Box tables (Keras' summary, drawn by rich), two ways to lose them:
// - cut by the program that printed it: rich crops lines wider than its
//   console, losing the right columns in the stored output itself;
// - wider than its block: pre-wrap breaks every line, so it scrolls
//   nowhere but its right border lands on the next line.
for (const el of article.querySelectorAll("div.cell_output pre")) {
  const rows = (el.textContent || "").split("\n").map(l => l.trimEnd())
    .filter(l => /^[┏┡│└]/.test(l));
  if (!rows.length) continue;
  const open = rows.filter(l => /^[┏┡└]/.test(l) && !/[┓┩┘]$/.test(l));
  if (open.length)
    problems.push(`box table cut on the right in the stored output: ${describe(el)} "${open[0].slice(-20)}"`);
  if (!el.offsetParent) continue;  // not displayed
  const probe = document.createElement("span");
  probe.style.whiteSpace = "pre";
  probe.textContent = rows.reduce((a, b) => (b.length > a.length ? b : a));
  el.appendChild(probe);
  const wide = probe.getBoundingClientRect().width;
  probe.remove();
  const style = getComputedStyle(el);
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  if (wide > room + 0.5)
    problems.push(`box table wraps in the page (${wide.toFixed(0)} > ${room.toFixed(0)} px): ${describe(el)}`);
}
for (const img of article.querySelectorAll("img")) {
  if (!img.complete || img.naturalWidth === 0) {
    problems.push(`broken image: ${img.getAttribute("src")}`);
    continue;
  }
  if (img.offsetParent && img.closest("div.cell_output")
      && img.clientWidth < arguments[1] * img.naturalWidth)
    problems.push(`image shrunk to ${(100 * img.clientWidth / img.naturalWidth).toFixed(0)} % `
                  + `(${img.naturalWidth} px drawn, ${img.clientWidth} px shown): ${img.getAttribute("src")}`);
}
// Raw TeX left in the prose (code, outputs and typeset math excluded).
const clone = article.cloneNode(true);
for (const el of clone.querySelectorAll("pre, code, mjx-container, script, style, div.cell_output, .headerlink"))
  el.remove();
const text = clone.textContent;
const raw = text.match(/\\\(|\\\[|\$\$|(^|[^\w$])\$[^$\s][^$\n]{0,200}[^$\s\\]\$(?![\w$])/g);
if (raw) problems.push(`raw TeX in the text: ${raw.slice(0, 3).map(JSON.stringify).join(", ")}`);
return {problems: problems, contentWidth: article.clientWidth};
"""


def chrome(width, height=900):
    """A headless Chromium session, offline: every http(s) request is blocked."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--hide-scrollbars",
                 f"--window-size={width},{height}", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    except Exception as error:  # noqa: BLE001 - say what to install
        raise SystemExit(
            f"Could not start headless Chromium ({error}). Install it with "
            "`apt-get install -y chromium chromium-driver` and `pip install selenium`."
        ) from error
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
    driver.set_script_timeout(60)
    return driver


def screenshot(driver, path, width):
    """Save the whole page, not just the window, as a PNG.

    The window is made as tall as the page and the page laid out again
    before the capture. (``captureBeyondViewport`` instead drew the theme's
    layout shifted left, the sidebar and the start of every line cut off,
    in Chromium 156; the page itself was fine.)
    """
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": min(height, 60000), "deviceScaleFactor": 1, "mobile": False})
    try:
        # two animation frames: the page has been laid out at the new size
        driver.execute_async_script(
            "requestAnimationFrame(() => requestAnimationFrame(arguments[arguments.length - 1]))")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))


def console_errors(driver):
    errors = []
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        message = entry["message"]
        if any(re.search(pattern, message) for pattern in KNOWN_CONSOLE_ERRORS):
            continue
        errors.append(f"console: {message}")
    return errors


def check_page(driver, page, shots, width):
    driver.get(page.resolve().as_uri())
    state = driver.execute_async_script(_PAGE_STATE)
    problems = []
    if state["mathElements"]:
        if not state["mathjaxScript"]:
            problems.append("math on the page but no MathJax script")
        elif any(src.startswith("http") for src in state["mathjaxScript"]):
            problems.append(f"MathJax loaded from the network: {state['mathjaxScript']}")
        if state["mathjax"] == "absent" or state["mathjax"].startswith("error"):
            problems.append(f"MathJax did not run ({state['mathjax']}; script {state['mathjaxScript']})")
        elif state["typeset"] < state["mathElements"]:
            problems.append(f"MathJax typeset {state['typeset']} of {state['mathElements']} math elements")
    screenshot(driver, shots / (page.stem + ".png"), width)
    found = driver.execute_script(_FIND_PROBLEMS, _CLIPPABLE, MIN_IMAGE_SCALE)
    problems += found["problems"]
    problems += console_errors(driver)
    return problems, found["contentWidth"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--html", default="_build/html", type=pathlib.Path,
                        help="the built book (default: _build/html)")
    parser.add_argument("--screenshots", default="_build/screenshots", type=pathlib.Path,
                        help="where to save a full-page PNG of each page")
    parser.add_argument("--width", default=1280, type=int, help="window width in px")
    parser.add_argument("pages", nargs="*", type=pathlib.Path,
                        help="pages to check, e.g. book/intro.html (default: every page)")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").exists():
        raise SystemExit(f"No book in {args.html}: build it first with "
                         "`jupyter-book build . --all`.")
    pages = [page if page.exists() else args.html / page for page in args.pages]
    missing = [str(page) for page in pages if not page.exists()]
    if missing:
        raise SystemExit(f"No such page in {args.html}: {', '.join(missing)}")
    pages = pages or sorted(
        p for p in args.html.rglob("*.html")
        if not p.relative_to(args.html).parts[0].startswith(("_", "."))
        and p.name not in ("index.html", "search.html", "genindex.html"))
    args.screenshots.mkdir(parents=True, exist_ok=True)
    driver = chrome(args.width)
    failures = {}
    try:
        for page in pages:
            problems, content = check_page(driver, page, args.screenshots, args.width)
            name = str(page.relative_to(args.html)) if page.is_relative_to(args.html) else str(page)
            known = KNOWN_PAGE_PROBLEMS.get(page.name)
            if known:
                pattern, most, reason = known
                matching = [p for p in problems if re.search(pattern, p)]
                if matching and len(matching) <= most:
                    for problem in matching:
                        print(f"     known ({reason}): {problem}")
                    problems = [p for p in problems if p not in matching]
            print(f"{'FAIL' if problems else 'ok  '} {name} (content {content} px wide)")
            for problem in problems:
                print(f"     {problem}")
            if problems:
                failures[name] = problems
    finally:
        driver.quit()
    (args.screenshots / "problems.json").write_text(json.dumps(failures, indent=1))
    print(f"{len(pages) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
