"""Build the course website: a static Jupyter Book 1.x site from the committed notebooks.

    python tools/book.py            # what `make book` runs; the site lands in book/_build/html
    python tools/book.py --pdf      # also prints the whole book to one PDF in book/_build/pdf/
                                    # with headless Chromium (`make pdf`)

Nothing is executed: the pages show the outputs stored in the notebooks. The build runs
with warnings as errors (``-W -n --keep-going``), then finishes the pages and ships only the
assets they load, so that the site works with no network at all and stays light:

- Pages (``finish_pages``). Chapter pages get a "run this
  chapter yourself" box, exercises pages their ``solutions.py`` behind a toggle, the landing
  page a download of the whole course. The theme's 1.5 MB icon script is not loaded: its
  style sheet draws the same icons from its icon font, cut to the ~30 icons used (3 KB).
  Scripts of extensions a page does not use (Thebe, sphinx-design, togglebutton, the search
  index outside the search page) are dropped from it.
- MathJax 3 (npm package ``mathjax``): only the components the pages load (see
  book/_config.yml: no menu, no speech), to ``<site>/mathjax/``. Not under ``_static/``:
  Jupyter Book would add a script tag for every file there.
- Fonts: NanumGothic (koreanize-matplotlib) for Hangul and DejaVu Sans / Sans Mono (matplotlib)
  as the last fallback for every other character, each cut with ``fontTools.subset`` to the
  characters the built pages contain, as WOFF in ``<site>/_static/fonts/``; their
  ``@font-face`` rules (with the exact ``unicode-range`` of each subset) are appended to
  ``course.css``. The Korean edition's larger character set costs only what it uses.
- Source maps, fonts in formats no browser asks for and files no page names are removed.
- ``<site>/downloads/deep-learning-runnable.zip``: the repository's files (``git ls-files``,
  as in the working tree), linked from the landing page and from every chapter's run box.

The npm packages come from ``book/package-lock.json`` (``npm ci`` in ``make book``).
"""
from __future__ import annotations

import argparse
import html
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SITE = BOOK / "_build" / "html"
PDF_DIR = BOOK / "_build" / "pdf"
NODE_MODULES = BOOK / "node_modules"
ZIP_NAME = "downloads/deep-learning-runnable.zip"
# (source inside book/node_modules, destination inside the site, what is shipped). MathJax is
# loaded as components (startup.js loads the rest, book/_config.yml says which); the TeX
# extensions stay because MathJax's autoload fetches one when a page uses its macro.
NPM_ASSETS = [
    ("mathjax/es5", "mathjax", (
        "startup.js", "core.js", "input/tex.js", "input/tex/extensions/**/*.js", "output/chtml.js",
        "output/chtml/fonts/tex.js", "output/chtml/fonts/woff-v2/*.woff", "a11y/assistive-mml.js",
    )),
]
HANGUL_RANGE = "U+1100-11FF, U+3130-318F, U+A960-A97F, U+AC00-D7A3, U+D7B0-D7FF"
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")
# (CSS family, weight, source font, package holding it, "hangul" or "rest"): NanumGothic draws
# Hangul only (Latin keeps the theme's fonts); DejaVu closes every font stack, so that any other
# character the pages use has a glyph on a machine with no fonts of its own.
FONTS = [
    ("NanumGothic", 400, "NanumGothic.ttf", "koreanize_matplotlib", "hangul"),
    ("NanumGothic", 700, "NanumGothicBold.ttf", "koreanize_matplotlib", "hangul"),
    ("Course Sans", 400, "DejaVuSans.ttf", "matplotlib", "rest"),
    ("Course Sans", 700, "DejaVuSans-Bold.ttf", "matplotlib", "rest"),
    ("Course Mono", 400, "DejaVuSansMono.ttf", "matplotlib", "rest"),
]
FONT_DIRS = {"koreanize_matplotlib": "fonts", "matplotlib": "mpl-data/fonts/ttf"}
# Files of the theme and its extensions that no page loads.
UNUSED = ("**/*.map", "**/*.LICENSE.txt", "_static/scripts/fontawesome.js", "_static/vendor/**/*",
          "_static/webpack-macros.html", "_static/sbt-webpack-macros.html", "_static/locales/**/*")


class BookError(RuntimeError):
    """The site could not be built; the message says what to do."""


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise BookError(f"{name} is not installed: run `make book` (it installs requirements.txt)")
    return Path(spec.origin).parent


def pages(site: Path = SITE) -> list[Path]:
    """The site's HTML pages (not the ones inside the copied npm packages)."""
    return sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] not in ("mathjax", "_static"))


# --- the pages --------------------------------------------------------------------------------

ICON_SCRIPT = re.compile(r'<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\s*')
# pydata-sphinx-theme loads Sphinx's search index on every page for its search-as-you-type
# option, which is off here: the search box opens search.html, which loads them itself.
# Extensions Jupyter Book adds to every page, and what shows that a page uses them: Thebe (its
# launch buttons are off here, and it would load from unpkg.com), sphinx-design (no cards or
# tabs), sphinx-togglebutton (no cell is hidden behind a toggle). Unused, they are dropped.
UNUSED_EXTENSIONS = [
    (re.compile(r'<(?:link|script)[^>]*sphinx-thebe\.(?:css|js)[^>]*>(?:</script>)?\s*'
                r'|<script>const THEBE_JS_URL[^<]*</script>\s*'
                r'|<script type="text/x-thebe-config">.*?</script>\s*', re.S),
     None),
    (re.compile(r'<(?:link|script)[^>]*(?:sphinx-design\.min\.css|design-tabs\.js)[^>]*>(?:</script>)?\s*'),
     re.compile(r'class="(?:[^"]* )?sd-')),
    (re.compile(r'<(?:link|script)[^>]*togglebutton\.(?:css|js)[^>]*>(?:</script>)?\s*'),
     re.compile(r'class="(?:[^"]* )?(?:toggle|tag_hide-[a-z]+)[ "]|class="[^"]*admonition[^"]*dropdown')),
]
SEARCH_SCRIPTS = re.compile(
    r'<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>\s*')


def _after_title(page: str, snippet: str) -> str:
    """Insert HTML right after the page's first heading."""
    end = page.find("</h1>", page.find("<article"))
    if end < 0:
        raise BookError("a page has no <h1> inside its <article>")
    end += len("</h1>")
    return page[:end] + snippet + page[end:]


def _run_box(chapter: str, notebook: str, zip_href: str) -> str:
    path = f"chapters/{chapter}/{notebook}"
    return (
        '<details class="course-run course-box"><summary>'
        "Run this chapter yourself · 직접 실행하기</summary>"
        f'<p>Get the course (<a href="{zip_href}">download it as a zip</a> or clone the repository); '
        "you need Python 3.11+ and <code>make</code>. In the course folder:</p>"
        '<div class="highlight-bash notranslate"><div class="highlight"><pre>'
        "make lab   # the first time: creates .venv and installs the pinned packages; opens JupyterLab\n"
        f"{html.escape(f'.venv/bin/python -m pytest {path}')}   # runs this chapter top to bottom and checks it"
        "</pre></div></div>"
        f"<p>In JupyterLab, open <code>{html.escape(path)}</code> and run all cells; it runs on a laptop CPU, "
        "offline.</p></details>"
    )


def _solutions_box(solutions: Path) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    code = highlight(solutions.read_text(encoding="utf-8"), PythonLexer(), HtmlFormatter(nowrap=True))
    return (
        '<details class="course-solutions"><summary>Reference solutions · 참고 답안 '
        "(<code>solutions.py</code>): try the exercises first</summary>"
        '<p><a href="solutions.py" download>Download solutions.py</a>. Each function answers the '
        "exercise stub of the same name on this page.</p>"
        f'<div class="highlight-python notranslate"><div class="highlight"><pre>{code}</pre></div></div>'
        "</details>"
    )


def _download_box(zip_bytes: int) -> str:
    return (
        '<div class="course-download course-box"><p class="course-box-title">'
        "Download the course · 강의 내려받기</p>"
        f'<p><a href="{ZIP_NAME}" download><strong>The whole course as a zip</strong></a> '
        f"({zip_bytes / 1e6:.1f} MB): every notebook with its outputs, the exercises and their "
        "solutions, the <code>common/</code> package, tests and this website's sources. Unzip it, then "
        "<code>make lab</code> (see <em>Start</em> below).</p></div>"
    )


def finish_pages(site: Path = SITE, zip_bytes: int = 0) -> None:
    """No icon script, no unused scripts, the reader boxes; see the module docstring."""
    for path in pages(site):
        rel = path.relative_to(site)
        page = path.read_text(encoding="utf-8")
        page = ICON_SCRIPT.sub("", page)
        if rel.as_posix() != "search.html":
            page = SEARCH_SCRIPTS.sub("", page)
        for tags, used in UNUSED_EXTENSIONS:
            body = page[page.find("<body"):]
            if used is None or not used.search(body):
                page = tags.sub("", page)
        depth = "../" * (len(rel.parts) - 1)
        if len(rel.parts) == 3 and rel.parts[0] == "chapters":
            chapter = rel.parts[1]
            if rel.stem == chapter:
                page = _after_title(page, _run_box(chapter, f"{chapter}.ipynb", depth + ZIP_NAME))
            elif rel.stem == "exercises":
                solutions = ROOT / "chapters" / chapter / "solutions.py"
                if solutions.is_file():
                    shutil.copy2(solutions, path.with_name("solutions.py"))
                    marker = page.rfind("</article>")
                    page = page[:marker] + _solutions_box(solutions) + page[marker:]
        elif rel.as_posix() == "index.html" and 'rel="icon"' not in page:
            # Jupyter Book's redirect to the landing page: without an icon of its own the browser
            # asks for /favicon.ico, which no static host of this site has (a 404 in the console).
            page = '<link rel="icon" href="_static/favicon.svg" />\n' + page
        elif rel.as_posix() == "README.html":
            start = page.find('<section id="start">')
            if start < 0:
                page = _after_title(page, _download_box(zip_bytes))
            else:
                page = page[:start] + _download_box(zip_bytes) + page[start:]
        path.write_text(page, encoding="utf-8")


# --- fonts ------------------------------------------------------------------------------------

def site_characters(site: Path = SITE) -> set[str]:
    """Every character in the site's pages (text, TeX sources, attributes: a superset of what shows)."""
    chars = set()
    for path in pages(site):
        chars |= set(html.unescape(path.read_text(encoding="utf-8")))
    return {c for c in chars if ord(c) >= 0x20}


def _ranges(codepoints: list[int]) -> str:
    spans, start = [], None
    for i, cp in enumerate(codepoints):
        if start is None:
            start = cp
        if i + 1 == len(codepoints) or codepoints[i + 1] != cp + 1:
            spans.append(f"U+{start:X}" if start == cp else f"U+{start:X}-{cp:X}")
            start = None
    return ", ".join(spans)


def subset_fonts(chars: set[str], site: Path = SITE) -> tuple[str, dict]:
    """Cut the fonts to `chars`, save them as WOFF; return their @font-face CSS and sizes."""
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" is expected
    out = site / "_static" / "fonts"
    out.mkdir(parents=True, exist_ok=True)
    hangul = {c for c in chars if HANGUL.match(c)}
    # Characters that DejaVu lacks (e.g. the circled numbers ① ② of the Korean constitution in
    # chapter 09) are borrowed from NanumGothic where it has them: it sits before DejaVu in every stack.
    dejavu = [set(TTFont(_package_dir("matplotlib") / FONT_DIRS["matplotlib"] / name).getBestCmap())
              for name in ("DejaVuSans.ttf", "DejaVuSansMono.ttf")]
    borrowed = {c for c in chars - hangul if any(ord(c) not in cmap for cmap in dejavu)}
    css, sizes = [], {}
    for family, weight, filename, package, role in FONTS:
        source = _package_dir(package) / FONT_DIRS[package] / filename
        font = TTFont(source)
        # The NanumGothic files carry an empty TSI3 table (VTT hinting sources); Chromium's font
        # sanitiser rejects the whole font for it ("OTS parsing error: TSI3: zero-length table").
        for tag in [tag for tag in font.keys() if tag.startswith("TSI")]:
            del font[tag]
        cmap = font.getBestCmap()
        wanted = hangul | borrowed if role == "hangul" else chars - hangul
        codepoints = sorted(ord(c) for c in wanted if ord(c) in cmap)
        extra = sorted(ord(c) for c in borrowed if ord(c) in cmap) if role == "hangul" else []
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codepoints)
        subsetter.subset(font)
        name = Path(filename).stem + ".woff"
        font.flavor = "woff"
        font.save(out / name)
        sizes[name] = (out / name).stat().st_size
        unicode_range = _ranges(codepoints) if role != "hangul" else (
            HANGUL_RANGE + (", " + _ranges(extra) if extra else ""))
        css.append(f'@font-face {{\n  font-family: "{family}";\n  src: url("fonts/{name}") format("woff");\n'
                   f"  font-weight: {weight};\n  font-display: swap;\n  unicode-range: {unicode_range};\n}}")
    return "\n".join(css) + "\n", sizes


def icon_font(site: Path = SITE) -> dict:
    """The theme's solid icon font cut to the icons its style sheets draw (156 KB -> a few KB).

    pydata-sphinx-theme draws some icons (admonitions, page arrows) as characters of the Font
    Awesome solid font, named in its CSS as private-use code points; Chromium fetches that font
    for every page (for the empty icon elements' metrics). The theme's @font-face rules are
    pointed at the cut font.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    styles = "\n".join(p.read_text(encoding="utf-8") for p in (site / "_static").rglob("*.css"))
    # The theme's own icons (private-use characters in its CSS variables), the escapes outside
    # Font Awesome's class list (".fa-NAME:before{content:...}"), and that list's entries for
    # the icon classes the pages name.
    codepoints = {ord(c) for c in styles if 0xE000 <= ord(c) <= 0xF8FF}
    class_list = re.compile(r'((?:\.fa-[a-z0-9-]+:(?::)?before,?)+)\{content:"\\([0-9a-fA-F]{4})"\}')
    used = set()
    for path in pages(site):
        used |= set(re.findall(r"\bfa-([a-z0-9-]+)", path.read_text(encoding="utf-8")))
    for selectors, code in class_list.findall(styles):
        if used & set(re.findall(r"\.fa-([a-z0-9-]+):", selectors)):
            codepoints.add(int(code, 16))
    rest = class_list.sub("", styles)
    codepoints |= {int(h, 16) for h in re.findall(r"\\(f[0-9a-fA-F]{3})\b", rest)}
    source = site / "_static" / "vendor" / "fontawesome" / "webfonts" / "fa-solid-900.ttf"
    font = TTFont(source)
    codepoints = sorted(codepoints & set(font.getBestCmap()))
    options = subset.Options()
    options.flavor = "woff"
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    target = site / "_static" / "fonts" / "fa-solid-900.woff"
    font.flavor = "woff"
    font.save(target)
    # The theme's @font-face rules for its three icon fonts (solid, regular, brands: woff2 with a
    # TrueType fallback) all point at the cut solid font; the pages use no regular or brand icon.
    theme_css = site / "_static" / "styles" / "pydata-sphinx-theme.css"
    text, count = re.subn(r'src:url\(\.\./vendor/fontawesome/webfonts/fa-[a-z]+-[0-9]+\.woff2\) format\("woff2"\),'
                          r'url\(\.\./vendor/fontawesome/webfonts/fa-[a-z]+-[0-9]+\.ttf\) format\("truetype"\)',
                          'src:url(../fonts/fa-solid-900.woff) format("woff")', theme_css.read_text(encoding="utf-8"))
    if count != 3:
        raise BookError(f"pydata-sphinx-theme.css: expected 3 icon @font-face rules, found {count}; "
                        "is the theme pinned as in requirements.txt?")
    # Font Awesome's class list (about 1,400 rules, 67 KB) keeps only the icons the pages name.
    text = class_list.sub(lambda m: m.group(0) if used & set(re.findall(r"\.fa-([a-z0-9-]+):", m.group(1))) else "",
                          text)
    theme_css.write_text(text, encoding="utf-8")
    return {target.name: target.stat().st_size}


# --- assets -----------------------------------------------------------------------------------

def _copy_listed(src: Path, dest: Path, patterns: tuple[str, ...]) -> None:
    for pattern in patterns:
        files = [p for p in src.glob(pattern) if p.is_file()]
        if not files:
            raise BookError(f"{src.relative_to(ROOT)}/{pattern} matches nothing: is book/package-lock.json current?")
        for file in files:
            target = dest / file.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)


def copy_assets(site: Path = SITE) -> dict:
    """Ship MathJax and the cut fonts (text and icons); remove what no page loads. Returns font sizes."""
    for source, dest, shipped in NPM_ASSETS:
        src = NODE_MODULES / source
        if not src.is_dir():
            raise BookError(f"{src.relative_to(ROOT)} is missing: run `npm ci` in book/ (`make book` does)")
        _copy_listed(src, site / dest, shipped)
    font_css, sizes = subset_fonts(site_characters(site), site)
    sizes.update(icon_font(site))
    course_css = site / "_static" / "course.css"
    course_css.write_text(course_css.read_text(encoding="utf-8") + "\n/* Added by tools/book.py */\n"
                          + font_css, encoding="utf-8")
    for pattern in UNUSED:
        for path in sorted(site.glob(pattern), reverse=True):
            if path.is_file():
                path.unlink()
    restamp(site, ["_static/course.css", "_static/styles/pydata-sphinx-theme.css"])
    prune_static(site)
    for path in sorted(site.rglob("*"), reverse=True):  # folders left empty
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return sizes


def restamp(site: Path, changed: list[str]) -> None:
    """Give the style sheets changed after the build a new ?v= in every page, so no browser
    keeps an old copy from its cache (Sphinx stamped them with the source's checksum)."""
    import hashlib

    stamps = {}
    for rel in changed:
        digest = hashlib.sha1((site / rel).read_bytes()).hexdigest()[:8]
        stamps[Path(rel).name] = digest
    names = "|".join(map(re.escape, stamps))
    pattern = re.compile(rf"(/(?:{names}))\?(?:v|digest)=[0-9a-f]+")
    for path in pages(site):
        page = path.read_text(encoding="utf-8")
        path.write_text(pattern.sub(lambda m: f"{m.group(1)}?v={stamps[m.group(1)[1:]]}", page), encoding="utf-8")


def prune_static(site: Path = SITE) -> None:
    """Delete the files under _static/ that no page, style sheet or script names."""
    texts = [p.read_text(encoding="utf-8") for p in pages(site)]
    texts += [p.read_text(encoding="utf-8") for p in (site / "_static").rglob("*") if p.suffix in (".css", ".js")]
    text = "\n".join(texts)
    for path in (site / "_static").rglob("*"):
        if path.is_file() and path.name not in text:
            path.unlink()


def _course_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        files = [ROOT / name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (e.g. unpacked from the zip)
        skip = {".git", ".venv", "_build", "node_modules", "__pycache__", ".ipynb_checkpoints", "runs", "checkpoints"}
        files = [p for p in ROOT.rglob("*")
                 if not skip & set(p.relative_to(ROOT).parts) and not p.name.startswith("my_exercises")]
    return sorted(p for p in files if p.is_file())


def make_zip(site: Path = SITE) -> int:
    """The repository's files as <site>/downloads/...zip (one folder inside); returns its size."""
    target = site / ZIP_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(ZIP_NAME).stem
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in _course_files():
            info = zipfile.ZipInfo(f"{folder}/{path.relative_to(ROOT).as_posix()}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            archive.writestr(info, path.read_bytes())
    return target.stat().st_size


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
    zip_bytes = make_zip()
    finish_pages(zip_bytes=zip_bytes)
    copy_assets()
    return time.perf_counter() - start


# --- PDF --------------------------------------------------------------------------------------

def _print_page(site: Path, docs: list[str]) -> str:
    """One HTML page holding every page's article, in table-of-contents order, for printing."""
    import posixpath

    first = (site / f"{docs[0]}.html").read_text(encoding="utf-8")
    head = first[:first.find("</head>")]
    depth = "../" * docs[0].count("/")
    articles = []
    for doc in docs:
        page = (site / f"{doc}.html").read_text(encoding="utf-8")
        start = page.find("<article")
        article = page[start:page.find("</article>", start) + len("</article>")]
        folder = posixpath.dirname(doc)

        def rebase(match, folder=folder):
            url = match.group(2)
            if re.match(r"[a-z]+:|#|/", url):
                return match.group(0)
            return f'{match.group(1)}="{posixpath.normpath(posixpath.join(folder, url))}"'

        articles.append(re.sub(r'\b(src|href)="([^"]*)"', rebase, article))
    head = re.sub(r'\b(src|href)="' + re.escape(depth), r'\1="', head) if depth else head
    return (f"{head}</head><body class='course-print'>"
            + "\n<div style='break-before: page'></div>\n".join(articles) + "</body></html>")


def print_pdf(site: Path = SITE, out: Path = PDF_DIR) -> Path:
    """Print the whole book, in table-of-contents order, to one PDF with headless Chromium.

    The articles of all pages are put on one page (written next to the site's index while
    printing, removed after), served from the built site on a local port and printed once:
    the typeset math, the fonts and the figures come from the site itself, offline; course.css's
    print rules wrap long code lines.
    """
    import functools
    import http.server
    import threading

    import yaml

    chromium = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if chromium is None:
        raise BookError("Chromium is not installed: `make browser` installs it")
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    docs = [toc["root"]]
    for part in toc["parts"]:
        for entry in part["chapters"]:
            docs.append(entry["file"])
            docs.extend(s["file"] for s in entry.get("sections", []))
    printable = site / "print-all.html"
    printable.write_text(_print_page(site, docs), encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    out.mkdir(parents=True, exist_ok=True)
    target = out / "deep-learning-runnable.pdf"
    try:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        "--virtual-time-budget=120000", "--run-all-compositor-stages-before-draw",
                        f"--print-to-pdf={target}", f"http://127.0.0.1:{httpd.server_address[1]}/{printable.name}"],
                       check=True, capture_output=True, timeout=600)
    finally:
        httpd.shutdown()
        printable.unlink()
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-clean", action="store_true", help="keep book/_build from the last build")
    parser.add_argument("--pdf", action="store_true", help="also print the book to PDF (needs Chromium)")
    args = parser.parse_args()
    try:
        seconds = build(clean=not args.no_clean)
        print(f"built {SITE.relative_to(ROOT)}/index.html in {seconds:.0f} s")
        if args.pdf:
            start = time.perf_counter()
            pdf = print_pdf()
            print(f"printed {pdf.relative_to(ROOT)} ({pdf.stat().st_size / 1e6:.1f} MB) "
                  f"in {time.perf_counter() - start:.0f} s")
    except BookError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
