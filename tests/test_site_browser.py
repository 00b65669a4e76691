"""The open-data site in a real browser (Debian's chromium through Playwright), as issue 6 asks: semantic
HTML (lang, one main, a skip link that moves focus), a labelled search box that finds a dataset offline and
is usable from the keyboard, nothing loaded from outside 127.0.0.1, no horizontal scroll at 375px, and text,
link and button colours with a contrast of at least 4.5:1 (WCAG AA)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_api_browser import CHROMIUM, _ensure_chromium  # noqa: E402
from test_site_support import serve_built_site  # noqa: E402
from test_site_support import BASE, OPEN, POLICE, build_store  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CONTRAST_JS = (Path(__file__).parent / "site_contrast.js").read_text(encoding="utf-8")
AIR = f"{BASE}dataset/302001-000001"
AIR_TITLE = OPEN[AIR][1]
PAGES = {  # path: html lang
    "": "zh-CN",
    "en/": "en",
    "dataset/302001-000001.html": "zh-CN",
    "en/dataset/301001-000001.html": "en",
    "dataset/301001-000002.html": "zh-CN",
    "search/": "zh-CN",
    "en/search/": "en",
    "departments/": "zh-CN",
    f"departments/{POLICE}/": "zh-CN",
    "en/themes/": "en",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _ensure_chromium()
    srv = serve_built_site(tmp_path_factory.mktemp("site-browser"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Visit:
    """A fresh page that records every request it makes."""

    def __init__(self, browser, server, width: int = 1280) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 800})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.server = server

    def go(self, path: str):
        response = self.page.goto(f"{self.server.url}/{path}", wait_until="load")
        assert response is not None and response.status == 200, path
        return self.page

    def outside(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.server.url + "/")]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, server):
    visits: list[Visit] = []

    def make(width: int = 1280) -> Visit:
        visits.append(Visit(browser, server, width))
        return visits[-1]

    yield make
    for v in visits:
        v.close()


def active(page) -> dict:
    return page.evaluate("() => { const e = document.activeElement; return {tag: e.tagName.toLowerCase(), "
                         "id: e.id, cls: e.className, href: e.getAttribute('href') || ''}; }")


@pytest.mark.parametrize("path", list(PAGES))
def test_lang_one_main_and_a_skip_link_to_it(visit, path):
    v = visit()
    page = v.go(path)
    assert page.evaluate("document.documentElement.lang") == PAGES[path]
    assert page.locator("main").count() == 1
    assert page.locator("h1").count() == 1
    page.keyboard.press("Tab")
    first = active(page)
    assert first["tag"] == "a" and first["href"] == "#main", first
    assert page.locator(":focus").is_visible() and page.locator(":focus").bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement === document.querySelector('main')")
    # The next Tab goes on from main, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement) || "
                         "document.querySelector('footer').contains(document.activeElement)")
    assert v.outside() == []


@pytest.mark.parametrize("path", ["search/", ""])
def test_search_by_keyboard_finds_a_dataset_offline(visit, server, path):
    v = visit()
    page = v.go(path)
    box = page.locator("#q")
    label = page.evaluate("document.querySelector('#q').labels[0].textContent.trim()")
    assert label
    searchbox = page.get_by_role("searchbox", name=label, exact=True)
    assert searchbox.count() == 1 and searchbox.evaluate("e => e.id") == "q"
    box.focus()
    page.keyboard.type(AIR_TITLE)
    page.keyboard.press("Enter")
    link = page.locator("#search-results a", has_text=AIR_TITLE)
    link.wait_for(timeout=20000)
    results = page.locator("#search-results a").all_inner_texts()
    assert AIR_TITLE in results
    assert not set(results) - {t for _, t in OPEN.values()}
    # From the search box, Tab reaches the result's link.
    box.focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if active(page)["href"].endswith("dataset/302001-000001.html"):
            break
    else:
        pytest.fail(f"Tab did not reach the result link; focus is on {active(page)}")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dataset/302001-000001.html")
    assert page.locator("h1").inner_text() == AIR_TITLE
    assert v.outside() == []


@pytest.mark.parametrize("path", list(PAGES))
def test_no_horizontal_scroll_at_375px(visit, path):
    v = visit(width=375)
    page = v.go(path)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], (path, widths)
    assert v.outside() == []


@pytest.mark.parametrize("path", list(PAGES))
def test_text_links_and_buttons_contrast(visit, path):
    v = visit()
    page = v.go(path)
    if path.endswith("search/"):
        page.locator("#q").fill(AIR_TITLE)
        page.keyboard.press("Enter")
        page.locator("#search-results a").first.wait_for(timeout=20000)
    page.keyboard.press("Tab")  # the skip link, shown while focused
    checked = page.evaluate(CONTRAST_JS)
    kinds = {c["what"].split(".")[0] for c in checked}
    assert {"a", "p"} <= kinds, kinds
    if page.locator("button").count():
        assert "button" in kinds
    low = [c for c in checked if c["ratio"] < 4.5]
    assert low == [], json.dumps(low, ensure_ascii=False, indent=1)
    assert v.outside() == []
