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
  ``course.css``. NanumGothic is cut into files of 600 syllables, most frequent first, so that a page
  fetches only the files its text needs.
- The Korean edition (``ko/``): the committed ``*.ko.ipynb``/``*.ko.md`` (tools/i18n.py) are staged
  under the English names and built as a second site, side by side with the English build, in
  Korean (Sphinx's Korean interface, the theme's strings in ``KO_INTERFACE``, a search index that
  cuts Korean particles: book/_ext/korean_search.py). Every page of both sites gets a link to its
  twin in the other language.
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


KO = "ko"  # the Korean edition's site: <site>/ko/, every page at the same path as its English page
KO_SOURCE = BOOK / "_build" / "ko_source"  # the Korean editions under the English names, for Jupyter Book
KO_TITLE = "실행하며 배우는 딥러닝 · Deep learning, runnable"
# The theme's interface strings that Sphinx's Korean catalogue does not cover (pydata-sphinx-theme and
# sphinx-book-theme ship none for Korean), as they appear in the HTML, and their Korean.
KO_INTERFACE = [
    ("Skip to main content", "본문으로 건너뛰기"),
    (">Back to top<", ">맨 위로<"),
    ('aria-label="Color mode" data-bs-title="Color mode"', 'aria-label="색상 모드" data-bs-title="색상 모드"'),
    ('aria-label="On this page"', 'aria-label="이 페이지의 목차"'),
    ('<nav aria-label="Page">', '<nav aria-label="페이지">'),
    ('"Search this book..."', '"이 책에서 검색..."'),
    ('aria-label="Version warning"', 'aria-label="버전 경고"'),
    ("Please activate JavaScript to enable the search functionality.", "검색하려면 자바스크립트를 켜세요."),
    ("으로 the course authors", "지은이: 강의 저자들"),
    ("© Copyright 2026.", "© 2026 강의 저자들."),
]


class BookError(RuntimeError):
    """The site could not be built; the message says what to do."""


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise BookError(f"{name} is not installed: run `make book` (it installs requirements.txt)")
    return Path(spec.origin).parent


def pages(site: Path = SITE) -> list[Path]:
    """The site's HTML pages (not the ones inside the copied npm packages, nor the Korean site in ko/)."""
    return sorted(p for p in site.rglob("*.html")
                  if p.relative_to(site).parts[0] not in ("mathjax", "_static", KO))


def both_pages(site: Path = SITE) -> list[Path]:
    """Every page of the English site and of the Korean site in its ko/ folder."""
    return pages(site) + pages(site / KO)


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


def _run_box(chapter: str, notebook: str, zip_href: str, lang: str = "en") -> str:
    path = f"chapters/{chapter}/{notebook}"
    if lang == "ko":
        path = path.replace(".ipynb", ".ko.ipynb")
        return (
            '<details class="course-run course-box"><summary>직접 실행하기 · Run this chapter yourself</summary>'
            f'<p>강의 파일을 받으세요(<a href="{zip_href}">zip으로 내려받기</a> 또는 저장소 복제). '
            "Python 3.11 이상과 <code>make</code>가 필요합니다. 강의 폴더에서:</p>"
            '<div class="highlight-bash notranslate"><div class="highlight"><pre>'
            "make lab-ko   # 처음에는 .venv를 만들고 고정된 패키지를 설치한 뒤, 한국어판을 JupyterLab으로 엽니다\n"
            f"{html.escape('.venv/bin/python -m pytest ' + path.replace('.ko.ipynb', '.ipynb'))}"
            "   # 이 장을 처음부터 끝까지 실행하고 검사합니다"
            "</pre></div></div>"
            f"<p>JupyterLab에서 <code>{html.escape(path)}</code>를 열고 모든 셀을 실행하세요. "
            "노트북 CPU로, 인터넷 없이 실행됩니다.</p></details>"
        )
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


def _solutions_box(solutions: Path, lang: str = "en") -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    code = highlight(solutions.read_text(encoding="utf-8"), PythonLexer(), HtmlFormatter(nowrap=True))
    if lang == "ko":
        return (
            '<details class="course-solutions"><summary>참고 답안 · Reference solutions '
            "(<code>solutions.py</code>): 먼저 문제를 풀어 보세요</summary>"
            '<p><a href="solutions.py" download>solutions.py 내려받기</a>. 각 함수는 이 페이지에서 '
            "이름이 같은 문제의 답입니다.</p>"
            f'<div class="highlight-python notranslate"><div class="highlight"><pre>{code}</pre></div></div>'
            "</details>"
        )
    return (
        '<details class="course-solutions"><summary>Reference solutions · 참고 답안 '
        "(<code>solutions.py</code>): try the exercises first</summary>"
        '<p><a href="solutions.py" download>Download solutions.py</a>. Each function answers the '
        "exercise stub of the same name on this page.</p>"
        f'<div class="highlight-python notranslate"><div class="highlight"><pre>{code}</pre></div></div>'
        "</details>"
    )


def _download_box(zip_bytes: int, zip_href: str = ZIP_NAME, lang: str = "en") -> str:
    if lang == "ko":
        return (
            '<div class="course-download course-box"><p class="course-box-title">'
            "강의 내려받기 · Download the course</p>"
            f'<p><a href="{zip_href}" download><strong>강의 전체를 zip 하나로</strong></a> '
            f"({zip_bytes / 1e6:.1f} MB): 출력이 담긴 모든 노트북(영어판과 한국어판), 연습 문제와 답안, "
            "<code>common/</code> 패키지, 테스트, 이 웹사이트의 소스. 압축을 풀고 "
            "<code>make lab-ko</code>를 실행하세요(아래 <em>시작하기</em> 참고).</p></div>"
        )
    return (
        '<div class="course-download course-box"><p class="course-box-title">'
        "Download the course · 강의 내려받기</p>"
        f'<p><a href="{zip_href}" download><strong>The whole course as a zip</strong></a> '
        f"({zip_bytes / 1e6:.1f} MB): every notebook with its outputs, the exercises and their "
        "solutions, the <code>common/</code> package, tests and this website's sources. Unzip it, then "
        "<code>make lab</code> (see <em>Start</em> below).</p></div>"
    )


def _language_switch(rel: Path, lang: str) -> str:
    """A link to the same page in the other language (the Korean site mirrors the English paths in ko/)."""
    depth = "../" * (len(rel.parts) - 1)
    if lang == "ko":
        return (f'<a class="btn btn-sm course-lang" href="{depth}../{rel.as_posix()}" hreflang="en" lang="en" '
                'title="Read this page in English">English</a>')
    return (f'<a class="btn btn-sm course-lang" href="{depth}{KO}/{rel.as_posix()}" hreflang="ko" lang="ko" '
            'title="이 페이지를 한국어로 읽기">한국어</a>')


def finish_pages(site: Path = SITE, zip_bytes: int = 0, lang: str = "en") -> None:
    """No icon script, no unused scripts, the reader boxes, the language switch; see the module docstring."""
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
        zip_href = depth + ("../" if lang == "ko" else "") + ZIP_NAME
        if rel.as_posix() != "index.html":
            buttons = '<div class="article-header-buttons">'
            if buttons not in page:
                raise BookError(f"{rel}: no article header to put the language switch in")
            page = page.replace(buttons, buttons + _language_switch(rel, lang), 1)
        if lang == "ko":
            for english, korean in KO_INTERFACE:
                page = page.replace(english, korean)
        if len(rel.parts) == 3 and rel.parts[0] == "chapters":
            chapter = rel.parts[1]
            if rel.stem == chapter:
                page = _after_title(page, _run_box(chapter, f"{chapter}.ipynb", zip_href, lang))
            elif rel.stem == "exercises":
                solutions = ROOT / "chapters" / chapter / "solutions.py"
                if solutions.is_file():
                    shutil.copy2(solutions, path.with_name("solutions.py"))
                    marker = page.rfind("</article>")
                    page = page[:marker] + _solutions_box(solutions, lang) + page[marker:]
        elif rel.as_posix() == "index.html" and 'rel="icon"' not in page:
            # Jupyter Book's redirect to the landing page: without an icon of its own the browser
            # asks for /favicon.ico, which no static host of this site has (a 404 in the console).
            page = '<link rel="icon" href="_static/favicon.svg" />\n' + page
        elif rel.as_posix() == "README.html":
            # README.md links README.ko.md (raw HTML, so that the English build does not look for it as a
            # page): on the site that is the Korean landing page.
            page = page.replace('href="README.ko.md"', f'href="{KO}/README.html"')
            start = page.find('<section id="start">')
            box = _download_box(zip_bytes, zip_href, lang)
            page = _after_title(page, box) if start < 0 else page[:start] + box + page[start:]
        path.write_text(page, encoding="utf-8")


# --- fonts ------------------------------------------------------------------------------------

def _ranges(codepoints: list[int]) -> str:
    spans, start = [], None
    for i, cp in enumerate(codepoints):
        if start is None:
            start = cp
        if i + 1 == len(codepoints) or codepoints[i + 1] != cp + 1:
            spans.append(f"U+{start:X}" if start == cp else f"U+{start:X}-{cp:X}")
            start = None
    return ", ".join(spans)


HANGUL_CHUNK = 600  # syllables per Hangul font file, most frequent first: a page loads only the files it uses


def site_character_counts(site: Path = SITE) -> dict[str, int]:
    """How often each character occurs in the site's pages (text, TeX sources, attributes: a superset of what
    shows); its keys are the characters the fonts are cut to, its counts rank the Hangul syllables."""
    from collections import Counter

    counts: Counter = Counter()
    for path in pages(site):
        counts.update(html.unescape(path.read_text(encoding="utf-8")))
    return counts


# Where the pages draw text in bold (weight 600-700): headings, strong text, table heads, summaries, the
# sidebar captions and title, the language switch. NanumGothic Bold is cut to the Hangul found there; any
# other Hangul set in bold is drawn by the regular files, which are declared for weight 700 too (for
# the characters the bold files lack): never a missing glyph, at worst a lighter one.
BOLD_TEXT = re.compile(r"<(h[1-6]|strong|b|th|summary|dt)\b[^>]*>(.*?)</\1>"
                       r"|<span class=\"caption-text\">(.*?)</span>|<p class=\"title logo__title\">(.*?)</p>"
                       r"|<a class=\"btn btn-sm course-lang\"[^>]*>(.*?)</a>", re.S)


def site_bold_characters(site: Path = SITE) -> set[str]:
    """The characters the pages show in bold (see BOLD_TEXT)."""
    chars: set[str] = set()
    for path in pages(site):
        for match in BOLD_TEXT.finditer(path.read_text(encoding="utf-8")):
            text = "".join(group for group in match.groups()[1:] if group)
            chars |= set(html.unescape(re.sub(r"<[^>]+>", "", text)))
    return chars


def subset_fonts(chars: set[str], site: Path = SITE, counts: dict[str, int] | None = None,
                 bold: set[str] | None = None) -> tuple[str, dict]:
    """Cut the fonts to `chars`, save them as WOFF; return their @font-face CSS and sizes.

    NanumGothic is cut into files of HANGUL_CHUNK syllables, the most frequent on the site first, each
    with the exact unicode-range of its syllables: a browser fetches only the files a page's text needs,
    so a Korean page does not pay for the rare syllables of every other page. Its bold face holds only
    the Hangul of ``bold`` (the text the pages set in bold). The files are WOFF2 (Brotli), a third
    smaller than WOFF."""
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "FFTM NOT subset" is expected
    out = site / "_static" / "fonts"
    out.mkdir(parents=True, exist_ok=True)
    hangul = {c for c in chars if HANGUL.match(c)}
    counts = counts or {}
    ranked = sorted(hangul, key=lambda c: (-counts.get(c, 0), c))
    # Characters that DejaVu lacks (e.g. the circled numbers ① ② of the Korean constitution in
    # chapter 09) are borrowed from NanumGothic where it has them: it sits before DejaVu in every stack.
    dejavu = [set(TTFont(_package_dir("matplotlib") / FONT_DIRS["matplotlib"] / name).getBestCmap())
              for name in ("DejaVuSans.ttf", "DejaVuSansMono.ttf")]
    borrowed = {c for c in chars - hangul if any(ord(c) not in cmap for cmap in dejavu)}
    css, sizes = [], {}
    regular: list[tuple[str, list[int]]] = []  # NanumGothic's regular files and their code points
    for family, weight, filename, package, role in FONTS:
        source = _package_dir(package) / FONT_DIRS[package] / filename
        if role == "hangul":
            face = [c for c in ranked if bold is None or weight < 600 or c in bold]
            parts = [set(face[i:i + HANGUL_CHUNK]) for i in range(0, len(face), HANGUL_CHUNK)] or [set()]
            parts[0] |= borrowed
            names = [f"{Path(filename).stem}-{i + 1}.woff2" for i in range(len(parts))]
        else:
            parts, names = [chars - hangul], [Path(filename).stem + ".woff2"]
        for wanted, name in zip(parts, names):
            font = TTFont(source)
            # The NanumGothic files carry an empty TSI3 table (VTT hinting sources); Chromium's font
            # sanitiser rejects the whole font for it ("OTS parsing error: TSI3: zero-length table").
            for tag in [tag for tag in font.keys() if tag.startswith("TSI")]:
                del font[tag]
            cmap = font.getBestCmap()
            codepoints = sorted(ord(c) for c in wanted if ord(c) in cmap)
            if not codepoints:
                continue
            options = subset.Options()
            options.flavor = "woff2"
            options.layout_features = ["*"]
            options.name_IDs = ["*"]
            options.notdef_outline = True
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=codepoints)
            subsetter.subset(font)
            font.flavor = "woff2"
            font.save(out / name)
            sizes[name] = (out / name).stat().st_size
            css.append(f'@font-face {{\n  font-family: "{family}";\n  src: url("fonts/{name}") format("woff2");\n'
                       f"  font-weight: {weight};\n  font-display: swap;\n  unicode-range: {_ranges(codepoints)};\n}}")
            if role == "hangul" and weight < 600:
                regular.append((name, codepoints))
        if role == "hangul" and weight >= 600:
            in_bold = {ord(c) for part in parts for c in part}
            for name, codepoints in regular:
                rest = [cp for cp in codepoints if cp not in in_bold]
                if rest:
                    css.append(f'@font-face {{\n  font-family: "{family}";\n  src: url("fonts/{name}") '
                               f'format("woff2");\n  font-weight: {weight};\n  font-display: swap;\n'
                               f"  unicode-range: {_ranges(rest)};\n}}")
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
    counts = site_character_counts(site)  # one read of the pages for both the characters and their ranks
    chars = {c for c in counts if ord(c) >= 0x20}
    font_css, sizes = subset_fonts(chars, site, counts, site_bold_characters(site))
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


def _jupyter_book(source: Path, config: Path, toc: Path, output: Path) -> subprocess.Popen:
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(source), "--config", str(config), "--toc", str(toc), "--path-output", str(output),
           "--builder", "html", "-W", "-n", "--keep-going"]
    return subprocess.Popen(cmd, cwd=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait(proc: subprocess.Popen, what: str) -> None:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise BookError(f"jupyter-book build of the {what} failed (exit {proc.returncode}), warnings count as "
                        f"errors:\n{out[-6000:]}\n{err[-6000:]}")


KO_LINK = re.compile(r"\.ko\.(ipynb|md)(?=[)#])")


def stage_korean(dest: Path = KO_SOURCE) -> None:
    """The Korean editions (committed *.ko.ipynb / *.ko.md, built by tools/i18n.py) under the English file
    names, with the figures and the book's configuration, so that the Korean site has the English site's paths."""
    sys.path.insert(0, str(ROOT / "tools"))
    import i18n

    if dest.exists():
        shutil.rmtree(dest)
    for english in i18n.english_sources():
        korean = ROOT / i18n.korean_path(english)
        if not korean.is_file():
            raise BookError(f"{korean.relative_to(ROOT)} is missing: run `python tools/i18n.py build`")
        target = dest / english
        target.parent.mkdir(parents=True, exist_ok=True)
        text = KO_LINK.sub(r".\1", korean.read_text(encoding="utf-8"))
        # README.ko.md's "[English](README.md "English")" leads to the English file on GitHub; on the site
        # every page has the language switch instead (the link would lead to the Korean page itself).
        text = re.sub(r'^\[English\]\([^)\s]+\.md "English"\)[^\n]*\n\n?', "", text, flags=re.M)
        target.write_text(text, encoding="utf-8")
    # How to fix a Korean sentence: one page for both languages (it is written in both).
    (dest / "translations").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "translations" / "README.md", dest / "translations" / "README.md")
    for figures in (ROOT / "chapters").glob("*/figures"):
        shutil.copytree(figures, dest / figures.relative_to(ROOT))
    for name in ("_static", "_ext"):
        shutil.copytree(BOOK / name, dest / "book" / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("_toc.yml", "favicon.svg"):
        shutil.copy2(BOOK / name, dest / "book" / name)
    import yaml

    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = KO_TITLE
    config["sphinx"]["config"]["language"] = "ko"
    config["sphinx"]["local_extensions"]["korean_search"] = "_ext"
    (dest / "book" / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                               encoding="utf-8")


def build(clean: bool = True) -> float:
    """Build both sites (English in book/_build/html, Korean in its ko/) and return the wall time in seconds."""
    start = time.perf_counter()
    if clean and (BOOK / "_build").exists():
        shutil.rmtree(BOOK / "_build")
    (BOOK / "_build").mkdir(parents=True, exist_ok=True)
    stage_korean()
    ko_output = BOOK / "_build" / "ko_output"
    # The two Sphinx builds are independent processes: run them side by side.
    english = _jupyter_book(ROOT, BOOK / "_config.yml", BOOK / "_toc.yml", BOOK)
    korean = _jupyter_book(KO_SOURCE, KO_SOURCE / "book" / "_config.yml", KO_SOURCE / "book" / "_toc.yml", ko_output)
    _wait(english, "English site")
    _wait(korean, "Korean site")
    if (SITE / KO).exists():
        shutil.rmtree(SITE / KO)
    shutil.move(ko_output / "_build" / "html", SITE / KO)
    shutil.rmtree(ko_output)
    zip_bytes = make_zip()
    finish_pages(zip_bytes=zip_bytes)
    finish_pages(SITE / KO, zip_bytes=zip_bytes, lang="ko")
    copy_assets()
    copy_assets(SITE / KO)
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
