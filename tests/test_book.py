"""The course website (`make book`): it builds offline with warnings as errors, lists every
chapter, loads nothing from outside the site, ships only what its pages load, and reads right
in a real browser, on every page, at desktop and at phone width. The Korean edition is a second
site in ko/, every page at the English page's path, each page linking to its twin; its pages are
crawled at desktop width, and a sample of them at phone width too.

The browser tests drive headless Chromium through ChromeDriver (Debian packages `chromium` and
`chromium-driver`; `make browser` installs them). Where no Chromium is installed they are
skipped, unless COURSE_REQUIRE_BROWSER=1 (set by .ci/run), which turns the skip into a failure.
One Chromium session visits every page twice (1400x900, then a 390x844 phone) with the cache
off, so each visit is a first visit; the `crawl` fixture gathers what each page shows and
loads, and each test below judges one property over all pages. Screenshots of every page at
both widths, and of the phone menu open, land in book/_build/screenshots/.
"""
from __future__ import annotations

import functools
import html
import http.server
import importlib.util
import json
import os
import re
import shutil
import threading
import time
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from conftest import CHAPTER_DIRS, ROOT

BOOK = ROOT / "book"
SCREENSHOTS = BOOK / "_build" / "screenshots"
REQUIRED = os.environ.get("COURSE_REQUIRE_BROWSER") == "1"
WIDTHS = {"desktop": (1400, 900), "phone": (390, 844)}
# A first visit to any page, its figures (_images/) left out, stays under this many bytes.
PAGE_BUDGET = 2_200_000
REMOTE = re.compile(r"""<(?:script|img|iframe|source)\b[^>]*\bsrc=["'](?:https?:)?//|"""
                    r"""<link\b[^>]*\bhref=["'](?:https?:)?//[^"']*["'][^>]*>""", re.I)


def _skip_or_fail(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (COURSE_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def _book_tool():
    spec = importlib.util.spec_from_file_location("book_tool", ROOT / "tools" / "book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_toc_lists_every_chapter_then_its_exercises_in_order():
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    assert toc["root"] == "README"
    chapters = toc["parts"][0]["chapters"]
    expected = [f"chapters/{d.name}/{d.name}" for d in CHAPTER_DIRS]
    assert [c["file"] for c in chapters] == expected
    for entry, d in zip(chapters, CHAPTER_DIRS):
        assert [s["file"] for s in entry["sections"]] == [f"chapters/{d.name}/exercises"]
    reference = [c["file"] for part in toc["parts"][1:] for c in part["chapters"]]
    assert reference == ["GLOSSARY", "datasets/README", "translations/README"]


def test_korean_search_index_cuts_particles():
    """The Korean site's index stores a Hangul word also without its particle: "합성곱은" is found by 합성곱."""
    spec = importlib.util.spec_from_file_location("korean_search", BOOK / "_ext" / "korean_search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.korean_forms("합성곱은") == ["합성곱은", "합성곱"]
    assert module.korean_forms("어텐션에서") == ["어텐션에서", "어텐션"]
    assert module.korean_forms("층을") == ["층을"], "a one-syllable stem is too short to cut"
    searcher = module.SearchKorean({})
    assert {"합성곱", "합성곱은", "gradient"} <= set(searcher.split("합성곱은 gradient"))


def test_book_never_executes_notebooks():
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["only_build_toc_files"] is True


@pytest.fixture(scope="module")
def site():
    """Build the site once for this module with tools/book.py (what `make book` runs)."""
    book_tool = _book_tool()
    missing = [src for src, *_ in book_tool.NPM_ASSETS if not (book_tool.NODE_MODULES / src).is_dir()]
    if missing:
        _skip_or_fail(f"book/node_modules lacks {missing}: run `npm ci` in book/ (make test does when npm exists)")
    seconds = book_tool.build()
    print(f"book built in {seconds:.1f} s")
    return book_tool.SITE


def _pages(site: Path) -> list[str]:
    """Every page of both sites but the index.html pages, which only redirect to README.html."""
    return [p.relative_to(site).as_posix() for p in _book_tool().both_pages(site)
            if p.name != "index.html" or p.parent not in (site, site / "ko")]


# Korean pages also read at phone width (all Korean pages are read at desktop width).
KO_PHONE = ["ko/README.html", "ko/chapters/03_gradient_descent/03_gradient_descent.html",
            "ko/chapters/05_cnn/exercises.html", "ko/GLOSSARY.html", "ko/search.html"]


def test_site_has_every_page_and_the_reader_extras(site):
    for d in CHAPTER_DIRS:
        chapter = (site / "chapters" / d.name / f"{d.name}.html").read_text(encoding="utf-8")
        assert "Run this chapter yourself" in chapter and f"pytest chapters/{d.name}/{d.name}.ipynb" in chapter
        exercises = (site / "chapters" / d.name / "exercises.html").read_text(encoding="utf-8")
        assert '<details class="course-solutions">' in exercises and 'href="solutions.py"' in exercises
        assert (site / "chapters" / d.name / "solutions.py").read_bytes() == (d / "solutions.py").read_bytes()
    for page in ["index.html", "README.html", "GLOSSARY.html", "datasets/README.html", "search.html"]:
        assert (site / page).is_file(), page
    redirect = (site / "index.html").read_text(encoding="utf-8")
    assert "url=README.html" in redirect and 'rel="icon" href="_static/favicon.svg"' in redirect
    landing = (site / "README.html").read_text(encoding="utf-8")
    zip_href = re.search(r'href="(downloads/[^"]+\.zip)"', landing).group(1)
    with zipfile.ZipFile(site / zip_href) as archive:
        names = archive.namelist()
    top = names[0].split("/")[0]
    for needed in ["Makefile", "requirements.txt", "README.md", "common/checks.py",
                   *(f"chapters/{d.name}/{d.name}.ipynb" for d in CHAPTER_DIRS)]:
        assert f"{top}/{needed}" in names, needed
    assert not [n for n in names if "/.venv/" in n or "/_build/" in n or "/node_modules/" in n]
    assert f"{top}/README.ko.md" in names and f"{top}/chapters/05_cnn/05_cnn.ko.ipynb" in names


def test_every_page_has_a_twin_in_the_other_language(site):
    """Each English page links to the same page in Korean (ko/) and back; the Korean pages speak Korean."""
    english = [p for p in _pages(site) if not p.startswith("ko/")]
    korean = [p for p in _pages(site) if p.startswith("ko/")]
    assert sorted("ko/" + p for p in english) == sorted(korean)
    interface = [en for en, _ in _book_tool().KO_INTERFACE]
    for page in english:
        text = (site / page).read_text(encoding="utf-8")
        depth = "../" * page.count("/")
        assert f'href="{depth}ko/{page}" hreflang="ko"' in text, f"{page}: no switch to Korean"
    for page in korean:
        text = (site / page).read_text(encoding="utf-8")
        rel = page.removeprefix("ko/")
        depth = "../" * rel.count("/")
        assert f'href="{depth}../{rel}" hreflang="en"' in text, f"{page}: no switch to English"
        assert '<html lang="ko"' in text, page
        left = [en for en in interface if en in text]
        assert not left, f"{page} shows the theme's English interface: {left}"
    for d in CHAPTER_DIRS:
        lesson = (site / "ko" / "chapters" / d.name / f"{d.name}.html").read_text(encoding="utf-8")
        assert "직접 실행하기" in lesson and f"chapters/{d.name}/{d.name}.ko.ipynb" in lesson
        exercises = (site / "ko" / "chapters" / d.name / "exercises.html").read_text(encoding="utf-8")
        assert "참고 답안" in exercises and "할 일" in exercises, f"{d.name}: Korean verdicts in the outputs"
        assert (site / "ko" / "chapters" / d.name / "solutions.py").is_file()


def test_no_page_loads_anything_from_outside_the_site(site):
    offenders = {}
    for page in _pages(site):
        hits = REMOTE.findall((site / page).read_text(encoding="utf-8"))
        if hits:
            offenders[page] = hits[:3]
    assert not offenders, f"pages that load remote resources: {offenders}"


def test_every_link_and_anchor_resolves(site):
    """Every href inside the site points to a file that exists and, with a #fragment, to an id in it."""
    ids, broken, count = {}, [], 0

    def anchors(path: Path) -> set:
        if path not in ids:
            ids[path] = set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))
        return ids[path]

    for page in _pages(site):
        text = (site / page).read_text(encoding="utf-8")
        for href in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', text):
            href = html.unescape(href)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            count += 1
            target = (site / page).parent / unquote(parts.path) if parts.path else site / page
            target = target.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append((page, href))
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in anchors(target):
                broken.append((page, href))
    assert count > 500, count
    assert not broken, f"{len(broken)} broken links: {broken[:10]}"


def test_site_ships_no_unused_bundles(site):
    """Source maps, old font formats, the theme's icon script, whole-MathJax bundles and the
    widgets renderer are not shipped (the crawl test below checks the rest is loaded)."""
    shipped = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    unused = [p for p in shipped if re.search(r"\.(map|eot|ttf|otf)$|fontawesome\.js$|/tex-[a-z-]+\.js$"
                                              r"|^widgets/|LICENSE\.txt$", p)]
    assert not unused, unused[:20]
    assert (site / "mathjax" / "startup.js").is_file()
    page = (site / "chapters/03_gradient_descent/03_gradient_descent.html").read_text(encoding="utf-8")
    tags = re.findall(r"<script[^>]*mathjax[^>]*>", page, re.I)
    assert len(tags) == 1 and "startup.js" in tags[0], tags
    assert not list((site / "_static").rglob("startup.js")), "Jupyter Book adds a script tag per .js under _static/"
    fonts = {p.name: p.stat().st_size for p in (site / "_static" / "fonts").iterdir()}
    assert "NanumGothic-1.woff2" in fonts and "NanumGothicBold-1.woff2" in fonts
    assert max(fonts.values()) < 250_000, f"fonts are cut to the characters the site uses: {fonts}"


def test_bold_hangul_is_never_missing(site):
    """NanumGothic Bold is cut to the Hangul the pages set in bold; for every other syllable the regular
    files are declared at weight 700 too, so bold text never lacks a glyph (each site, every syllable)."""
    for folder in (site, site / "ko"):
        css = (folder / "_static" / "course.css").read_text(encoding="utf-8")
        ranges = {400: set(), 700: set()}
        for rule in re.findall(r"@font-face\s*{([^}]*)}", css):
            if '"NanumGothic"' not in rule:
                continue
            weight = int(re.search(r"font-weight:\s*(\d+)", rule).group(1))
            for span in re.search(r"unicode-range:\s*([^;]+);", rule).group(1).split(","):
                low, _, high = span.strip().removeprefix("U+").partition("-")
                ranges[weight] |= set(range(int(low, 16), int(high or low, 16) + 1))
        assert ranges[400] and ranges[400] == ranges[700], folder
    fonts = site / "ko" / "_static" / "fonts"
    bold = sum(p.stat().st_size for p in fonts.glob("NanumGothicBold-*.woff2"))
    assert bold < sum(p.stat().st_size for p in fonts.glob("NanumGothic-*.woff2")), "bold is cut to bold text"


def test_every_icon_the_pages_name_is_in_the_served_icon_font(site):
    """The theme draws <i class="fa-solid fa-NAME"> from its icon font, which the build cuts."""
    from fontTools.ttLib import TTFont

    css = (site / "_static" / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    codes = {}
    for selectors, code in re.findall(r'((?:\.fa-[a-z0-9-]+:(?::)?before,?)+)\{content:"\\([0-9a-f]{4})"\}', css):
        for name in re.findall(r"\.fa-([a-z0-9-]+):", selectors):
            codes[name] = int(code, 16)
    cmap = TTFont(site / "_static" / "fonts" / "fa-solid-900.woff").getBestCmap()
    used = set()
    for page in _pages(site):
        used |= set(re.findall(r'<(?:i|span) class="[^"]*\bfa-([a-z0-9-]+)', (site / page).read_text(encoding="utf-8")))
    used = {name for name in used if name not in ("solid", "regular", "brands", "lg")}
    assert len(used) >= 10, used
    assert not [name for name in used if codes.get(name) not in cmap], "icons without a glyph"


# --- the browser ------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _find(*names):
    return next((p for p in map(shutil.which, names) if p), None)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = _find("chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver")
    if not chromium or not driver_path:
        _skip_or_fail("Chromium and ChromeDriver are not installed: `make browser` installs them on Debian/Ubuntu")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                 "--hide-scrollbars", "--window-size=1400,900",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})  # every visit is a first visit
    yield driver
    driver.quit()


def _set_width(driver, width: str) -> None:
    w, h = WIDTHS[width]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": width == "phone"})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": width == "phone"})


# Resolves once MathJax has typeset the page and every font the page uses has loaded.
_SETTLE = """
const done = arguments[arguments.length - 1];
(async () => {
  for (let i = 0; i < 100 && !(window.MathJax && MathJax.startup && MathJax.startup.promise)
                       && document.querySelector('.math'); i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await document.fonts.ready;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  done(true);
})().catch(err => done(String(err)));
"""

# What a reader sees on the page, gathered in one call.
_INSPECT = r"""
const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
const column = article.getBoundingClientRect();
const skip = 'script, style, noscript, template, mjx-assistive-mml';
// Characters by the font stack that draws them.
const glyphs = {};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const parent = node.parentElement;
  if (!parent || parent.closest(skip) || !node.data.trim()) continue;
  const family = getComputedStyle(parent).fontFamily;
  glyphs[family] = (glyphs[family] || '') + node.data;
}
for (const family in glyphs) glyphs[family] = Array.from(new Set(glyphs[family])).join('');
// Prose as shown: no code, no typeset math. Raw TeX or a stray $ here is a parsing error.
const prose = article.cloneNode(true);
prose.querySelectorAll('pre, code, mjx-container, script, style, .cell_output, .highlight').forEach(e => e.remove());
const text = prose.textContent;
const raw = [];
for (const m of text.matchAll(/.{0,40}(\$|\\[a-zA-Z]{2,}|\\[{}_^]).{0,40}/g)) {
  raw.push(m[0].replace(/\s+/g, ' '));
}
// Test markers are cell tags, not comments a reader sees.
const markers = (document.body.innerText.match(/.{0,30}NBVAL_.{0,30}/g) || []);
// Things wider than the column (beyond 1 px), or whose content is wider than their box.
const wide = [];
const describe = (el) => el.tagName.toLowerCase()
  + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
const checked = 'pre, mjx-container[display="true"], table, img, .cell_output';
for (const el of article.querySelectorAll(checked)) {
  if (el.closest('details:not([open])')) continue;
  const box = el.getBoundingClientRect();
  if (box.width === 0) continue;
  const tooWide = box.right > column.right + 1 || box.left < column.left - 1;
  const scrolls = el.scrollWidth > el.clientWidth + 1;
  const own = el.matches('mjx-container[display="true"], table');  // may scroll in its own box
  if (tooWide || (scrolls && !own)) {
    wide.push(`${describe(el)} ${Math.round(box.width)}px (content ${el.scrollWidth}px) ` +
              `in a ${Math.round(column.width)}px column: ` +
              (el.textContent || el.getAttribute('src') || '').trim().slice(0, 60));
  }
}
const images = Array.from(document.images);
const hangulFaces = Array.from(document.fonts).filter(f => f.family.replace(/["']/g, '') === 'NanumGothic');
return {
  glyphs,
  raw,
  markers,
  wide,
  page_wider_than_screen: document.documentElement.scrollWidth > window.innerWidth + 1,
  mathjax: document.querySelectorAll('mjx-container').length,
  math_sources: document.querySelectorAll('.math').length,
  math_errors: document.querySelectorAll('mjx-merror').length,
  images: images.length,
  broken_images: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  hangul_chars: (document.body.innerText.match(/[\uAC00-\uD7A3]/g) || []).length,
  hangul_font_loaded: hangulFaces.filter(f => f.status === 'loaded').length,
  widget_scripts: document.querySelectorAll('script[type^="application/vnd.jupyter.widget"]').length,
  not_implemented: document.body.innerText.includes('NotImplementedError'),
  has_secondary: !!document.querySelector('#pst-secondary-sidebar .toc-entry, #pst-secondary-sidebar nav a'),
};
"""

# The elements matching a selector that a reader can see.
_SHOWN = """
return Array.from(document.querySelectorAll(arguments[0])).filter(e => {
  const box = e.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== 'hidden';
});
"""

# Transitions off, so that a button's effect shows at once.
_NO_TRANSITIONS = """
const style = document.createElement('style');
style.textContent = '*, *::before, *::after {transition: none !important; animation: none !important;}';
document.head.appendChild(style);
"""

# The primary sidebar's width as shown (0 when collapsed or hidden).
_SIDEBAR = """
const sidebar = document.querySelector('#pst-primary-sidebar');
const style = getComputedStyle(sidebar);
const hidden = style.visibility === 'hidden' || style.display === 'none';
return hidden ? 0 : Math.round(sidebar.getBoundingClientRect().width);
"""

_DIALOG = """
const modal = document.querySelector(arguments[0]);
if (!modal) return null;
const links = Array.from(modal.querySelectorAll('a')).filter(a => a.getBoundingClientRect().width > 0);
return {open: modal.open, links: links.length};
"""


def _network(events, origin):
    """Requests, failures, error statuses and bytes received, from Chrome's performance log."""
    requests, failed, bad_status, sizes = {}, [], [], {}
    for entry in events:
        message = json.loads(entry["message"])["message"]
        method, params = message["method"], message.get("params", {})
        if method == "Network.requestWillBeSent":
            # Chromium's own pages (its new-tab page at start-up) are not the site's doing.
            if not params.get("documentURL", "").startswith("chrome"):
                requests[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            if params["requestId"] in requests:
                failed.append((requests[params["requestId"]], params.get("errorText")))
        elif (method == "Network.responseReceived" and params["requestId"] in requests
              and params["response"]["status"] >= 400):
            bad_status.append((params["response"]["url"], params["response"]["status"]))
        elif method == "Network.loadingFinished" and params["requestId"] in requests:
            sizes[requests[params["requestId"]]] = params.get("encodedDataLength", 0)
    outside = [u for u in requests.values() if not u.startswith((origin, "data:", "blob:"))]
    return list(requests.values()), failed, bad_status, outside, sizes


def _visit(driver, url):
    driver.get_log("performance")  # drop what earlier pages logged
    driver.get_log("browser")
    driver.get(url)
    settled = driver.execute_async_script(_SETTLE)
    return settled


@pytest.fixture(scope="module")
def crawl(browser, server, site):
    """Every page at both widths: what it shows, loads and logs, plus the sidebar buttons.

    Also written to book/_build/screenshots/crawl.json, next to the screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    results = {}
    start = time.monotonic()
    for width in WIDTHS:
        _set_width(browser, width)
        for page in _pages(site):
            if width == "phone" and page.startswith("ko/") and page not in KO_PHONE:
                continue
            began = time.monotonic()
            settled = _visit(browser, f"{server}/{page}")
            info = browser.execute_script(_INSPECT)
            info["settled"] = settled
            shot = SCREENSHOTS / width / (page.replace("/", "__").removesuffix(".html") + ".png")
            shot.parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(shot))
            requests, failed, bad_status, outside, sizes = _network(browser.get_log("performance"), server)
            info.update(requests=requests, failed=failed, bad_status=bad_status, outside=outside, sizes=sizes)
            info["errors"] = [e["message"] for e in browser.get_log("browser")
                              if e["level"] == "SEVERE" or re.search(r"Failed to|OTS parsing error", e["message"])]
            # The sidebar buttons a reader sees: on a phone the menu and the contents open as
            # dialogs; on a desktop the menu button collapses the sidebar and brings it back.
            buttons = {}
            browser.execute_script(_NO_TRANSITIONS)
            for kind in ("primary", "secondary"):
                shown = browser.execute_script(_SHOWN, f".{kind}-toggle")
                if not shown:
                    buttons[kind] = None
                    continue
                if width == "phone":
                    shown[0].click()
                    buttons[kind] = browser.execute_script(_DIALOG, f"#pst-{kind}-sidebar-modal")
                    if page == "chapters/03_gradient_descent/03_gradient_descent.html":
                        browser.save_screenshot(str(SCREENSHOTS / width / f"menu-{kind}-open.png"))
                    browser.execute_script(f"document.querySelector('#pst-{kind}-sidebar-modal').close()")
                elif kind == "primary":
                    states = []
                    for _ in range(2):
                        states.append(browser.execute_script(_SIDEBAR))
                        shown[0].click()
                    states.append(browser.execute_script(_SIDEBAR))
                    buttons[kind] = states
            info["buttons"] = buttons
            info["seconds"] = round(time.monotonic() - began, 2)
            results[(width, page)] = info
    print(f"crawled {len(results)} page views in {time.monotonic() - start:.0f} s")
    (SCREENSHOTS / "crawl.json").write_text(json.dumps({f"{w} {p}": i for (w, p), i in results.items()},
                                                       ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return results


def _over(crawl, key):
    return {f"{w} {p}": info[key] for (w, p), info in crawl.items() if info[key]}


def test_every_page_loads_offline_without_errors(crawl, server):
    assert all(info["settled"] is True for info in crawl.values()), {k: i["settled"] for k, i in crawl.items()}
    assert all(info["requests"] for info in crawl.values()), "the performance log recorded no requests"
    for key in ("failed", "bad_status", "outside", "errors", "broken_images"):
        assert not _over(crawl, key), f"{key}: {_over(crawl, key)}"


def test_math_is_typeset_and_no_raw_tex_shows(crawl):
    """No raw TeX, no stray $ in the prose of any page; every formula typeset, no MathJax error."""
    assert not _over(crawl, "raw"), f"raw TeX or stray $ in the rendered text: {_over(crawl, 'raw')}"
    assert not _over(crawl, "markers"), f"test markers shown to readers: {_over(crawl, 'markers')}"
    assert not _over(crawl, "math_errors")
    untypeset = {k: (i["math_sources"], i["mathjax"]) for k, i in crawl.items() if i["mathjax"] < i["math_sources"]}
    assert not untypeset, f"math not typeset (sources, typeset): {untypeset}"
    math_page = crawl[("desktop", "chapters/03_gradient_descent/03_gradient_descent.html")]
    assert math_page["mathjax"] >= 50, math_page["mathjax"]


def _served_fonts(site: Path) -> dict[str, set[int]]:
    """family -> code points the site's own fonts draw (each file's cmap within its unicode-range)."""
    from fontTools.ttLib import TTFont

    css = (site / "_static" / "course.css").read_text(encoding="utf-8")
    fonts: dict[str, set[int]] = {}
    for rule in re.findall(r"@font-face\s*{([^}]*)}", css):
        family = re.search(r'font-family:\s*"([^"]+)"', rule).group(1)
        src = re.search(r'url\("([^"]+)"\)', rule).group(1)
        cmap = set(TTFont(site / "_static" / src).getBestCmap())
        allowed = set()
        for span in re.search(r"unicode-range:\s*([^;]+);", rule).group(1).split(","):
            low, _, high = span.strip().removeprefix("U+").partition("-")
            allowed |= set(range(int(low, 16), int(high or low, 16) + 1))
        fonts.setdefault(family, set()).update(cmap & allowed)
    return fonts


def test_every_character_has_a_glyph_in_the_fonts_the_site_serves(crawl, site):
    """No tofu on any machine: every character on every page (math text included) is drawn
    by a font that the site serves and that is in the font stack of the text around it."""
    served = {"en": _served_fonts(site), "ko": _served_fonts(site / "ko")}
    missing = {}
    for (width, page), info in crawl.items():
        if width != "desktop":
            continue
        fonts = served["ko" if page.startswith("ko/") else "en"]
        for stack, chars in info["glyphs"].items():
            families = [f.strip().strip("\"'") for f in stack.split(",")]
            drawn = set().union(*(fonts.get(f, set()) for f in families))
            for char in chars:
                if unicodedata.category(char)[0] in "ZC" or 0xFE00 <= ord(char) <= 0xFE0F:
                    continue  # spaces, controls, format characters and variation selectors
                if ord(char) not in drawn:
                    missing.setdefault(page, set()).add(f"{char} U+{ord(char):04X} ({stack[:40]})")
    assert not missing, "characters without a glyph in the site's fonts: " + "; ".join(
        f"{page}: {sorted(chars)[:6]}" for page, chars in sorted(missing.items()))


def test_hangul_is_drawn_with_the_served_font(crawl):
    pages = {k: i for k, i in crawl.items() if i["hangul_chars"]}
    assert len(pages) >= 20
    assert not {k: i["hangul_font_loaded"] for k, i in pages.items() if not i["hangul_font_loaded"]}
    for page in ("chapters/09_transformer/09_transformer.html", "GLOSSARY.html"):
        assert crawl[("desktop", page)]["hangul_chars"] >= 300
    for d in CHAPTER_DIRS:  # a Korean lesson is Korean prose
        assert crawl[("desktop", f"ko/chapters/{d.name}/{d.name}.html")]["hangul_chars"] >= 3000, d.name


def test_nothing_is_wider_than_the_column(crawl):
    """No code line, equation, progress bar, table or figure wider than the column, and no page
    that scrolls sideways, at desktop and phone width."""
    assert not _over(crawl, "wide"), "\n".join(f"{k}: {v[:3]}" for k, v in _over(crawl, "wide").items())
    assert not _over(crawl, "page_wider_than_screen")


def test_progress_bars_are_shown_finished(crawl, site):
    """The notebooks' progress bars are text (common.utils.progress): the pages show them finished."""
    assert not _over(crawl, "widget_scripts"), "widget views left for a renderer the site does not ship"
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")
             if p.relative_to(site).parts[0] not in ("mathjax", "_static")}
    assert sum(text.count("100%|") for text in pages.values()) >= 10, "the chapters' finished bars are missing"
    unfinished = [page for page, text in pages.items() if re.search(r"(?<![0-9])[0-9]{1,2}%\|", text)]
    assert not unfinished, f"pages show a progress bar that never finished: {unfinished}"


def test_sidebar_buttons_work_at_both_widths(crawl):
    for (width, page), info in crawl.items():
        primary, secondary = info["buttons"]["primary"], info["buttons"]["secondary"]
        assert primary, f"no menu button shown on {width} {page}"
        if width == "phone":
            assert primary["open"] and primary["links"] >= 20, f"the menu does not open on {page}: {primary}"
            if info["has_secondary"]:
                assert secondary and secondary["open"] and secondary["links"] >= 1, \
                    f"the contents button does not work on {page}: {secondary}"
        else:
            shown, collapsed, back = primary
            assert shown > 150 and collapsed == 0 and back == shown, \
                f"the desktop menu button does not collapse the sidebar and bring it back on {page}: {primary}"


def test_first_visit_weight_stays_in_budget(crawl, site):
    """A first visit (empty cache) downloads at most PAGE_BUDGET bytes besides the figures, and
    every script, style sheet and font the site ships is loaded by some page."""
    weights = {}
    loaded = set()
    for (width, page), info in crawl.items():
        weights[f"{width} {page}"] = sum(size for url, size in info["sizes"].items() if "/_images/" not in url)
        loaded |= {urlsplit(url).path.lstrip("/") for url in info["sizes"]}
    heaviest = max(weights, key=weights.get)
    print(f"heaviest first visit: {heaviest}, {weights[heaviest] / 1e6:.2f} MB without figures")
    over = {k: v for k, v in weights.items() if v > PAGE_BUDGET}
    assert not over, f"pages over {PAGE_BUDGET / 1e6} MB on a first visit: {over}"
    shipped = {p.relative_to(site).as_posix() for p in site.rglob("*")
               if p.suffix in (".js", ".css", ".woff", ".woff2") and p.is_file()}
    # MathJax fetches a TeX extension or one of its fonts only when a formula needs it, and the
    # "Course" fonts are the last fallback: used only where the reader's machine lacks a glyph.
    # The Hangul files after the first (most frequent syllables) load only for pages that use rarer ones.
    lazy = ("mathjax/input/tex/extensions/", "mathjax/output/chtml/fonts/woff-v2/", "_static/fonts/DejaVu",
            "_static/fonts/NanumGothic")
    never = sorted(p for p in shipped - loaded if not p.removeprefix("ko/").startswith(lazy))
    assert not never, f"shipped but no page loads them: {never}"


def test_search_finds_english_and_korean(browser, server):
    """Both sites find a chapter by an English and by a Korean word."""
    from selenium.webdriver.common.by import By

    _set_width(browser, "desktop")
    searches = [("", "attention", "08_attention"), ("", "어텐션", "08_attention"),
                ("ko/", "어텐션", "08_attention"), ("ko/", "attention", "08_attention"),
                ("ko/", "합성곱", "05_cnn"), ("ko/", "트랜스포머", "09_transformer")]
    for folder, query, chapter in searches:
        browser.get(f"{server}/{folder}search.html?q={query}")
        deadline = time.monotonic() + 20
        hits = []
        while time.monotonic() < deadline and not hits:
            time.sleep(0.2)
            hits = browser.find_elements(By.CSS_SELECTOR, "#search-results li a")
        assert any(chapter in (h.get_attribute("href") or "") for h in hits), (folder, query, len(hits))


def test_exercises_pages_show_the_stubs_as_shipped(crawl):
    for d in CHAPTER_DIRS:
        for folder in ("", "ko/"):
            info = crawl[("desktop", f"{folder}chapters/{d.name}/exercises.html")]
            assert info["not_implemented"], f"{folder}{d.name}: the stubs are shown as shipped, not executed"
