"""Build the course website: a static Jupyter Book 1.x site from the committed notebooks.

    python tools/book.py            # what `make book` runs; the site lands in book/_build/html

Nothing is executed: the pages show the outputs stored in the notebooks. The build runs
with warnings as errors (``-W -n --keep-going``), then copies in the browser assets that
the pages load, so that the site works with no network at all:

- MathJax 3 (npm package ``mathjax``) to ``<site>/mathjax/``. Not under ``_static/``:
  Jupyter Book would add a script tag for every file there.
- The Jupyter widgets renderer (npm package ``@jupyter-widgets/html-manager``) to
  ``<site>/widgets/``, so the tqdm progress bars show their final state.
- NanumGothic (in the koreanize-matplotlib package), as WOFF, to ``<site>/_static/fonts/``, so
  Hangul renders on machines without a Korean font (see book/_static/course.css).

The npm packages come from ``book/package-lock.json`` (``npm ci`` in ``make book``).
"""
from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SITE = BOOK / "_build" / "html"
NODE_MODULES = BOOK / "node_modules"
# (source inside book/node_modules, destination inside the site, files left out). The widgets
# page script is embed.js with the fonts it loads; its source map and the RequireJS builds are
# not used.
NPM_ASSETS = [
    ("mathjax/es5", "mathjax", ()),
    ("@jupyter-widgets/html-manager/dist", "widgets", ("*.map", "*-amd.js")),
]
FONTS = ["NanumGothic.ttf", "NanumGothicBold.ttf"]


class BookError(RuntimeError):
    """The site could not be built; the message says what to do."""


def font_dir() -> Path:
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or spec.origin is None:
        raise BookError("koreanize-matplotlib is not installed: run `make book` (it installs requirements.txt)")
    return Path(spec.origin).parent / "fonts"


def copy_assets(site: Path = SITE) -> None:
    """Copy MathJax, the widgets renderer and the Hangul font into a built site."""
    for source, dest, left_out in NPM_ASSETS:
        src = NODE_MODULES / source
        if not src.is_dir():
            raise BookError(f"{src.relative_to(ROOT)} is missing: run `npm ci` in book/ (`make book` does)")
        shutil.copytree(src, site / dest, ignore=shutil.ignore_patterns(*left_out), dirs_exist_ok=True)
    fonts = site / "_static" / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for name in FONTS:
        web_font(font_dir() / name, fonts / Path(name).with_suffix(".woff").name)


def web_font(ttf: Path, woff: Path) -> None:
    """Save a TrueType font as WOFF without its VTT tables (TSI0-TSI5).

    The NanumGothic files carry an empty TSI3 table; Chromium's font sanitiser (OTS) rejects
    the whole font for it ("OTS parsing error: TSI3: zero-length table"), and Hangul falls
    back to whatever the system has. Those tables only hold hinting sources for an editor.
    """
    from fontTools.ttLib import TTFont

    font = TTFont(ttf)
    for tag in [tag for tag in font.keys() if tag.startswith("TSI")]:
        del font[tag]
    font.flavor = "woff"
    font.save(woff)


def build(clean: bool = True) -> float:
    """Build the site into book/_build/html and return the wall time in seconds."""
    start = time.perf_counter()
    if clean and (BOOK / "_build").exists():
        shutil.rmtree(BOOK / "_build")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(jb), "build", str(ROOT),
        "--config", str(BOOK / "_config.yml"),
        "--toc", str(BOOK / "_toc.yml"),
        "--path-output", str(BOOK),
        "--builder", "html",
        "-W", "-n", "--keep-going",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        log = f"{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
        raise BookError(f"jupyter-book build failed (exit {proc.returncode}), warnings count as errors:\n{log}")
    copy_assets()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-clean", action="store_true", help="keep book/_build from the last build")
    args = parser.parse_args()
    try:
        seconds = build(clean=not args.no_clean)
    except BookError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"built {SITE.relative_to(ROOT)}/index.html in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
