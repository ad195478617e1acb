"""The course website (`make book`): it builds offline with warnings as errors, lists every
chapter, loads nothing from outside the site, and renders in a real browser.

The browser tests drive headless Chromium through ChromeDriver (Debian packages `chromium` and
`chromium-driver`; `make browser` installs them). Where no Chromium is installed they are
skipped, unless COURSE_REQUIRE_BROWSER=1 (set by .ci/run), which turns the skip into a failure.
Screenshots land in book/_build/screenshots/.
"""
from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import threading
import time

import pytest
import yaml

from conftest import CHAPTER_DIRS, ROOT

BOOK = ROOT / "book"
SCREENSHOTS = BOOK / "_build" / "screenshots"
REQUIRED = os.environ.get("COURSE_REQUIRE_BROWSER") == "1"
# (name, page, why this page)
PAGES = [
    ("landing", "README.html", "the landing page"),
    ("math", "chapters/03_gradient_descent/03_gradient_descent.html", "the chapter with the most math"),
    ("hangul", "chapters/09_transformer/09_transformer.html", "the chapter with the most Hangul"),
    ("glossary", "GLOSSARY.html", "two tables of English and Korean terms"),
    ("exercises", "chapters/05_cnn/exercises.html", "an exercises notebook as shipped: stubs and their checks"),
]
REMOTE = re.compile(r"""<(?:script|img|iframe|source)\b[^>]*\bsrc=["'](?:https?:)?//|"""
                    r"""<link\b[^>]*\bhref=["'](?:https?:)?//[^"']*["'][^>]*>""", re.I)


def _skip_or_fail(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (COURSE_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def test_toc_lists_every_chapter_then_its_exercises_in_order():
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    assert toc["root"] == "README"
    chapters = toc["parts"][0]["chapters"]
    expected = [f"chapters/{d.name}/{d.name}" for d in CHAPTER_DIRS]
    assert [c["file"] for c in chapters] == expected
    for entry, d in zip(chapters, CHAPTER_DIRS):
        assert [s["file"] for s in entry["sections"]] == [f"chapters/{d.name}/exercises"]
    reference = [c["file"] for part in toc["parts"][1:] for c in part["chapters"]]
    assert reference == ["GLOSSARY", "datasets/README"]


def test_book_never_executes_notebooks():
    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["only_build_toc_files"] is True


@pytest.fixture(scope="module")
def site():
    """Build the site once for this module with tools/book.py (what `make book` runs)."""
    spec = importlib.util.spec_from_file_location("book_tool", ROOT / "tools" / "book.py")
    book_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(book_tool)
    missing = [src for src, *_ in book_tool.NPM_ASSETS if not (book_tool.NODE_MODULES / src).is_dir()]
    if missing:
        _skip_or_fail(f"book/node_modules lacks {missing}: run `npm ci` in book/ (make test does when npm exists)")
    seconds = book_tool.build()
    print(f"book built in {seconds:.1f} s")
    return book_tool.SITE


def test_site_has_every_page(site):
    for d in CHAPTER_DIRS:
        assert (site / "chapters" / d.name / f"{d.name}.html").is_file()
        assert (site / "chapters" / d.name / "exercises.html").is_file()
    for page in ["index.html", "README.html", "GLOSSARY.html", "datasets/README.html"]:
        assert (site / page).is_file(), page
    assert (site / "mathjax" / "tex-chtml.js").is_file()
    assert (site / "widgets" / "embed.js").is_file()
    assert (site / "_static" / "fonts" / "NanumGothic.woff").is_file()


def test_no_page_loads_anything_from_outside_the_site(site):
    offenders = {}
    for page in site.rglob("*.html"):
        if page.is_relative_to(site / "mathjax") or page.is_relative_to(site / "widgets"):
            continue
        hits = REMOTE.findall(page.read_text(encoding="utf-8"))
        if hits:
            offenders[str(page.relative_to(site))] = hits[:3]
    assert not offenders, f"pages that load remote resources: {offenders}"


def test_mathjax_is_not_under_static(site):
    """Jupyter Book adds a script tag for every .js under _static/; MathJax must live outside it."""
    page = (site / "chapters/03_gradient_descent/03_gradient_descent.html").read_text(encoding="utf-8")
    tags = re.findall(r"<script[^>]*mathjax[^>]*>", page, re.I)
    assert len(tags) == 1 and "tex-chtml.js" in tags[0], tags
    assert not list((site / "_static").rglob("tex-chtml.js"))


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
                 "--window-size=1280,1000", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


# Resolves once MathJax has typeset the page and every font the page uses has loaded.
_SETTLE = """
const done = arguments[arguments.length - 1];
(async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await document.fonts.ready;
  done(true);
})().catch(err => done(String(err)));
"""

_INSPECT = """
const images = Array.from(document.images);
const hangulFaces = Array.from(document.fonts).filter(f => f.family.replace(/["']/g, '') === 'NanumGothic');
return {
  mathjax: document.querySelectorAll('mjx-container').length,
  math_sources: document.querySelectorAll('.math').length,
  math_errors: document.querySelectorAll('mjx-merror').length,
  images: images.length,
  broken_images: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  hangul_chars: (document.body.innerText.match(/[\\uAC00-\\uD7A3]/g) || []).length,
  hangul_font_loaded: hangulFaces.filter(f => f.status === 'loaded').length,
  widgets: document.querySelectorAll('.jupyter-widgets').length,
  widget_views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
};
"""


def _network(events, origin):
    """Requests, failures and error statuses from Chrome's performance log."""
    requests, failed, bad_status = {}, [], []
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
    outside = [u for u in requests.values() if not u.startswith((origin, "data:", "blob:"))]
    return requests, failed, bad_status, outside


@pytest.mark.parametrize("name, page, why", PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_offline_in_chromium(browser, server, name, page, why):
    browser.get_log("performance")  # drop what earlier pages logged
    browser.get_log("browser")
    browser.get(f"{server}/{page}")
    assert browser.execute_async_script(_SETTLE) is True
    if "widget-view+json" in browser.page_source:  # tqdm bars are drawn after load
        deadline = time.monotonic() + 15
        while browser.execute_script(_INSPECT)["widgets"] == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    info = browser.execute_script(_INSPECT)

    if name == "math":  # show the first display equation in the screenshot
        first_math = browser.find_element("css selector", "mjx-container[display='true']")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", first_math)
        time.sleep(0.3)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    requests, failed, bad_status, outside = _network(browser.get_log("performance"), server)
    # SEVERE entries, and the warnings Chromium logs when it refuses a font or another resource.
    errors = [e["message"] for e in browser.get_log("browser")
              if e["level"] == "SEVERE" or re.search(r"Failed to|OTS parsing error", e["message"])]
    assert requests, "the performance log recorded no requests at all"
    assert not failed, f"failed requests on {page}: {failed}"
    assert not bad_status, f"error responses on {page}: {bad_status}"
    assert not outside, f"requests leaving the site from {page}: {outside}"
    assert not errors, f"console errors on {page}: {errors}"
    assert info["broken_images"] == [], f"broken images on {page}: {info['broken_images']}"
    assert info["math_errors"] == 0, f"{info['math_errors']} MathJax errors on {page}"
    if info["math_sources"]:
        assert info["mathjax"] >= info["math_sources"], f"math not typeset on {page}: {info}"
    if info["hangul_chars"]:
        assert info["hangul_font_loaded"] >= 1, f"Hangul on {page} but NanumGothic never loaded: {info}"
    if info["widget_views"]:
        assert info["widgets"] >= info["widget_views"], f"progress bars not rendered on {page}: {info}"
    if name == "math":
        assert info["mathjax"] >= 50, info
    if name in ("hangul", "glossary"):
        assert info["hangul_chars"] >= 300, info
    if name in ("math", "hangul"):
        assert info["images"] >= 5 and info["widgets"] >= 1, info
    if name == "exercises":
        assert "NotImplementedError" in browser.page_source, "the stubs are shown as shipped, not executed"
