"""The static book in a real browser (Debian's Chromium driven by Playwright), offline.

Every page opens without console errors, every image loads, glued values are present, the
search page finds a chapter, and the book works from file:// as well as from a local server.
Screenshots of the landing page and a figure-heavy chapter go to test-artifacts/.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.book
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def _have_browser() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return os.path.exists(CHROMIUM)


if not _have_browser():
    if os.environ.get("CI"):
        pytest.fail("CI must install chromium and playwright for the browser test", pytrace=False)
    pytest.skip("chromium or playwright not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def server(built):
    html = built[0] / "_build" / "html"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", html
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="load")
    return page, errors


def test_every_page_loads_cleanly(server, browser):
    base, html = server
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if "_static" not in p.relative_to(html).parts)
    # index.html only redirects to the landing page (tested below).
    pages = [rel for rel in pages if 'http-equiv="refresh"' not in (html / rel).read_text(encoding="utf-8", errors="replace").lower()]
    problems = []
    # One tab for every page, as a reader clicks through (a new tab per page costs more than the page).
    page, errors = _open(browser, "about:blank")
    for rel in pages:
        errors.clear()
        page.goto(f"{base}/{rel}", wait_until="load")
        broken_images = page.evaluate("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        empty_glue = page.evaluate("Array.from(document.querySelectorAll('.pasted-text')).filter(e => !e.textContent.trim()).length")
        if errors:
            problems.append(f"{rel}: console errors {errors[:3]}")
        if broken_images:
            problems.append(f"{rel}: images not loaded {broken_images[:3]}")
        if empty_glue:
            problems.append(f"{rel}: {empty_glue} empty glued values")
    page.close()
    assert not problems, "\n".join(problems)


def test_index_redirects_to_the_landing_page(server, browser):
    base, _ = server
    page, errors = _open(browser, f"{base}/index.html")
    page.wait_for_url("**/book/intro.html", timeout=10000)
    # Following the meta-refresh, sphinx-thebe's inline script runs twice and Chromium logs that
    # its const is redeclared; pages opened directly log nothing (test_every_page_loads_cleanly).
    assert all("THEBE_JS_URL" in e for e in errors), errors
    page.close()


def test_glued_numbers_and_screenshots(server, browser):
    base, _ = server
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page, _ = _open(browser, f"{base}/book/intro.html")
    assert page.locator(".pasted-text").count() >= 10
    page.screenshot(path=str(artifacts / "landing.png"), full_page=True)
    page.close()
    page, _ = _open(browser, f"{base}/book/executed/06_survival.html")
    assert page.locator("img").count() >= 3
    page.screenshot(path=str(artifacts / "survival.png"), full_page=True)
    page.close()


def test_search_finds_a_chapter(server, browser):
    base, _ = server
    page, _ = _open(browser, f"{base}/search.html?q=Kaplan")
    page.wait_for_selector("#search-results li", timeout=20000)
    assert page.locator("#search-results li").count() >= 1
    page.close()


def test_book_works_from_file_url(built, browser):
    index = built[0] / "_build" / "html" / "book" / "executed" / "08_competing.html"
    page, errors = _open(browser, index.as_uri())
    assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator(".pasted-text").count() >= 5
    page.close()


@pytest.mark.parametrize("how", ["server", "file"])
def test_scorecard_table_is_searchable(built, server, browser, how):
    """The interactive scorecard: typing into its search box filters the rows, also from file://."""
    base, html = server
    url = (f"{base}/book/executed/11_scorecard.html" if how == "server"
           else (html / "book" / "executed" / "11_scorecard.html").as_uri())
    page, errors = _open(browser, url)
    search = page.locator(".dt-container input[type=search]").first
    search.wait_for(timeout=20000)
    info = page.locator(".dt-info, .dataTables_info").first

    def shown() -> str:
        return info.inner_text()

    before = shown()
    search.fill("NRM")
    page.wait_for_function("(b) => { const e = document.querySelector('.dt-info, .dataTables_info'); "
                           "return e && e.innerText !== b; }", arg=before, timeout=10000)
    after = shown()
    assert "filtered" in after.lower() and after != before, (before, after)
    rows = page.locator("table.dataTable tbody tr")
    assert rows.count() >= 1 and all("NRM" in rows.nth(i).inner_text() or "nrm" in rows.nth(i).inner_text().lower()
                                     for i in range(rows.count()))
    assert not errors, errors
    page.close()


def test_verdict_board_links_resolve(server, browser):
    """Every 'shown in' link of the landing page's verdict board leads to an anchor that exists."""
    base, _ = server
    page, _ = _open(browser, f"{base}/book/intro.html")
    hrefs = page.evaluate("Array.from(document.querySelectorAll('#tab-intro-board a.reference.internal')).map(a => a.href)")
    assert len(hrefs) >= 10
    anchors: dict[str, list[str]] = {}
    for href in hrefs:
        target, _, anchor = href.partition("#")
        assert anchor, href
        anchors.setdefault(target, []).append(anchor)
    for target, wanted in anchors.items():   # each page opened once, all its anchors checked there
        page.goto(target, wait_until="load")
        for anchor in wanted:
            assert page.locator(f"[id='{anchor}']").count() == 1, f"{target}#{anchor}"
    page.close()


# ----------------------------------------------------------------- reading at phone and desktop width
WIDTHS = (390, 1400)
#: Paths of the machine that built the book: a reader must never see them.
MACHINE_PATHS = ("/work/", "/home/", "/tmp/", "/root/", "site-packages", ".venv/")
#: A claims-registry id ("t2.death_cause.relapse.>70.pct"): readers see names; ids stay in the CSV files.
REGISTRY_ID = re.compile(r"(?<![\w/])(?:abs|res|t1|t2|meth|disc|intro)\.[a-z0-9_>\-]+(?:\.[a-z0-9_>\-]+)+")
#: Smallest tick label on screen, in CSS px (9 pt = 12 px), at desktop width.
MIN_DISPLAYED_TICK_PX = 12.0

_READER_TEXT = """() => {
  const article = document.querySelector('article') || document.body;
  const clone = article.cloneNode(true);
  // Code (folded or not) is for analysts; everything else is read.
  clone.querySelectorAll('pre, code, script, style, .cell_input, details.hide, .highlight').forEach(e => e.remove());
  return clone.innerText;
}"""


def _reader_pages(html):
    pages = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if "_static" not in p.relative_to(html).parts)
    return [rel for rel in pages if 'http-equiv="refresh"' not in (html / rel).read_text(encoding="utf-8", errors="replace").lower()
            and rel not in ("genindex.html", "search.html")]


_FIRST_BOXES = """() => Array.from(document.querySelectorAll('article .admonition')).slice(0, 1).map(a => [
  a.className, (a.querySelector('.admonition-title') || {}).innerText || '',
  Array.from(a.querySelectorAll('p')).filter(p => !p.classList.contains('admonition-title')).map(p => p.innerText).join(' '),
  // where the box sits: no section heading (h2) may come before it
  Array.from(document.querySelectorAll('article h2')).filter(h => h.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING).length === 0
])"""


def _bottom_line_problems(page, rel: str) -> list[str]:
    """A chapter opens with a *Bottom line* box of two to four sentences, all of it glued text."""
    from mst_helpers.bottom_line import sentence_count

    boxes = page.evaluate(_FIRST_BOXES)
    if not boxes or "bottom-line" not in boxes[0][0] or boxes[0][1].strip() != "Bottom line":
        return [f"{rel}: does not open with a Bottom line box"]
    _, _, text, before_sections = boxes[0]
    problems = []
    if not 2 <= sentence_count(text) <= 4:
        problems.append(f"{rel}: the Bottom line has {sentence_count(text)} sentences: {text!r}")
    if "{glue" in text or not before_sections:
        problems.append(f"{rel}: the Bottom line is unresolved or not at the top: {text!r}")
    return problems


def reading_problems(page, rel: str, width: int, html) -> list[str]:
    """What a reader of ``rel`` at ``width`` px would trip over (empty when the page is right)."""
    from PIL import Image

    from mst_helpers.formatting import SCIENTIFIC_NOTATION

    problems = []
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 1:
        problems.append(f"{rel} @ {width}px: the page scrolls sideways by {overflow}px")
    stderr = page.locator(".output.stderr, .cell_output .stderr, .output.traceback").count()
    if stderr:
        problems.append(f"{rel} @ {width}px: {stderr} stderr/warning output(s)")
    text = page.evaluate(_READER_TEXT)
    for path in MACHINE_PATHS:
        if path in text:
            problems.append(f"{rel} @ {width}px: shows a machine path containing {path!r}")
    ids = REGISTRY_ID.findall(text)
    if ids:
        problems.append(f"{rel} @ {width}px: registry ids in reader text {sorted(set(ids))[:5]}")
    sci = SCIENTIFIC_NOTATION.findall(text)
    if sci:
        problems.append(f"{rel} @ {width}px: scientific notation {sci[:5]}")
    open_code = page.evaluate("Array.from(document.querySelectorAll('.cell')).filter(c => c.querySelector('.cell_input')"
                              " && !c.classList.contains('tag_hide-input') && !c.classList.contains('tag_hide-cell')).length")
    if open_code:
        problems.append(f"{rel} @ {width}px: {open_code} code cell(s) not folded")
    if width >= 1400 and rel.startswith("book/executed/"):
        problems += _bottom_line_problems(page, rel)
    if width >= 1400:
        images = page.evaluate("Array.from(document.querySelectorAll('figure img, .cell_output img')).map(i => "
                               "[i.getAttribute('src'), i.naturalWidth, i.getBoundingClientRect().width])")
        for src, natural, shown in images:
            file = (html / rel).parent / src
            if not file.exists() or natural == 0 or shown == 0:
                continue
            info = Image.open(file).info
            if "mst-tick-pt" not in info:
                problems.append(f"{rel}: figure {src} was not made by the house style (no text sizes in the PNG)")
                continue
            dpi = info["dpi"][0]
            if dpi < 199.5:
                problems.append(f"{rel}: figure {src} at {dpi:.0f} dpi (< 200)")
            displayed = float(info["mst-tick-pt"]) / 72 * dpi * shown / natural
            if displayed < MIN_DISPLAYED_TICK_PX:
                problems.append(f"{rel}: figure {src} tick labels shown {displayed:.1f}px tall (< {MIN_DISPLAYED_TICK_PX})")
    return problems


def test_every_page_reads_well_at_phone_and_desktop_width(server, browser):
    """At 390 px and 1400 px: no sideways scrolling, no stderr or warnings, no machine paths, no
    scientific notation in reader-facing text, code folded, figures at 200 dpi with tick labels of
    at least 9 pt as displayed, and every chapter opening with its Bottom line. Screenshots of the landing page and chapters 6 and 8 at both widths
    go to test-artifacts/."""
    base, html = server
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shots = {"book/intro.html": "landing", "book/executed/06_survival.html": "survival",
             "book/executed/08_competing.html": "competing"}
    problems = []
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 900})
        for rel in _reader_pages(html):
            page.goto(f"{base}/{rel}", wait_until="load")
            problems += reading_problems(page, rel, width, html)
            if rel in shots:
                page.screenshot(path=str(artifacts / f"{shots[rel]}-{width}.png"), full_page=True)
        page.close()
    assert not problems, "\n".join(problems)
