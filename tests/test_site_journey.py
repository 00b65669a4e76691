"""One visitor's journey through the built site in Debian's chromium (Playwright, ``executable_path``), as
issue 6 asks: the home page, a search for an open dataset's Chinese title, the dataset page it leads to, the
English page of the same dataset through the page's language link, and back. Every step is saved as a PNG
screenshot, and Chinese text must really render (Debian's fonts-noto-cjk, installed when missing).

Screenshots go to ``<pytest basetemp>/site-journey/<dataset>/NN-step.png``, i.e. under the run's own output
folder (``/tmp/pytest-of-$USER/pytest-N/`` by default, or the folder given with ``--basetemp``), never into
the checkout; the test prints the folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

sys.path.insert(0, str(Path(__file__).parent))

from test_api_browser import CHROMIUM, _ensure_chromium  # noqa: E402
from test_site_support import serve_built_site  # noqa: E402
from test_site_support import BASE, DATA, OPEN, build_store  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MESSAGES = json.loads((Path(__file__).parents[1] / "site" / "messages.json").read_text(encoding="utf-8"))
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
GC = rdflib.Namespace("https://w3id.org/govcat/ns#")
UNCONDITIONAL = rdflib.URIRef("https://w3id.org/govcat/vocab/open-type/unconditional")
CJK_FONT = "Noto Sans CJK"
# One 无条件开放 dataset (download link) and one 依申请开放 dataset (how to apply).
JOURNEYS = [f"{BASE}dataset/302001-000001", f"{BASE}dataset/301001-000002"]


def _has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    return CJK_FONT in out


def _ensure_cjk_font() -> None:
    """Debian's fonts-noto-cjk, installed like chromium when it is missing."""
    if _has_cjk_font():
        return
    if shutil.which("apt-get") is None:
        pytest.skip("fonts-noto-cjk is missing and apt-get is not available to install it")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", "fonts-noto-cjk"]
    if subprocess.run(cmd, capture_output=True, timeout=900).returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, timeout=600)
        if subprocess.run(cmd, capture_output=True, timeout=900).returncode != 0:
            pytest.skip("fonts-noto-cjk is missing and apt could not install it (package archive unreachable?)")
    assert _has_cjk_font(), "fonts-noto-cjk was installed but fontconfig does not list a Noto Sans CJK font"


def _fixture_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for f in sorted(DATA.glob("catalog-*.ttl")):
        if not f.name.endswith("-old.ttl"):
            g.parse(f, format="turtle")
    return g


def _text(g: rdflib.Graph, s, p, lang: str) -> str:
    """The value in ``lang``, else the Chinese one (what the site shows as a fallback)."""
    values = {o.language: str(o) for o in g.objects(s, p)}
    return values.get(lang) or values["zh"]


def expected(iri: str, lang: str) -> dict:
    """What the page of this dataset should show, read from the Turtle fixtures."""
    g = _fixture_graph()
    ds = rdflib.URIRef(iri)
    items = sorted(g.objects(ds, GC.dataItem), key=lambda i: int(g.value(i, GC.order)))
    downloads = [str(u) for dist in g.objects(ds, DCAT.distribution) for u in g.objects(dist, DCAT.downloadURL)]
    return {
        "title": _text(g, ds, DCT.title, lang),
        "unconditional": g.value(ds, GC.openType) == UNCONDITIONAL,
        "downloads": downloads,
        "items": [_text(g, i, DCT.title, lang) for i in items],
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _ensure_chromium()
    _ensure_cjk_font()
    srv = serve_built_site(tmp_path_factory.mktemp("site-journey-server"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser(server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


# The bitmap of one character drawn on a canvas in the given element's computed font. Without a CJK font
# every Chinese character is the same tofu box, so two different characters give the same bitmap.
GLYPH_JS = """([selector, ch]) => {
  const font = getComputedStyle(document.querySelector(selector)).font;
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const x = c.getContext('2d'); x.font = font; x.textBaseline = 'top'; x.fillStyle = '#000';
  x.fillText(ch, 4, 4);
  const d = x.getImageData(0, 0, 64, 64).data; const bits = [];
  for (let i = 3; i < d.length; i += 4) bits.push(d[i] > 127 ? 1 : 0);
  return bits.join('');
}"""


def assert_chinese_renders(page, cdp, selector: str) -> None:
    """The element's Chinese text is drawn with glyphs of Noto Sans CJK, not tofu."""
    text = page.locator(selector).first.inner_text()
    han = [c for c in text if "\u3400" <= c <= "\u9fff"]
    assert len(set(han)) >= 2, f"{selector} has too little Chinese text to check: {text!r}"
    # What chromium itself says it drew the element's text with.
    doc = cdp.send("DOM.getDocument", {"depth": 0})
    node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cjk_glyphs = sum(f["glyphCount"] for f in fonts if f["familyName"].startswith(CJK_FONT))
    assert cjk_glyphs >= len(han), f"{selector}: {len(han)} Chinese characters, fonts used: {fonts}"
    # And the pixels: distinct characters give distinct, non-empty bitmaps.
    a, b = sorted(set(han))[:2]
    bits_a, bits_b = (page.evaluate(GLYPH_JS, [selector, ch]) for ch in (a, b))
    assert "1" in bits_a and "1" in bits_b, f"{a!r} or {b!r} drew nothing"
    assert bits_a != bits_b, f"{a!r} and {b!r} render as the same glyph (tofu): no CJK font"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "site-journey"
    folder.mkdir(exist_ok=True)
    print(f"\nscreenshots of the site journey: {folder}")
    return folder


@pytest.mark.parametrize("iri", JOURNEYS, ids=lambda i: i.rsplit("/", 1)[1])
def test_home_search_dataset_switch_language_and_back(browser, server, shots, iri):
    slug = iri.rsplit("/", 1)[1]
    zh, en = expected(iri, "zh"), expected(iri, "en")
    assert zh["title"] == OPEN[iri][1]
    folder = shots / slug
    folder.mkdir(exist_ok=True)
    saved: list[Path] = []

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")

    def shot(name: str) -> None:
        path = folder / f"{len(saved) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)

    def dataset_page(lang: str, want: dict) -> None:
        prefix = "" if lang == "zh" else "en/"
        m = MESSAGES[lang]
        page.wait_for_url(f"{server.url}/{prefix}dataset/{slug}.html")
        assert page.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
        assert page.locator("h1").inner_text().strip() == want["title"]
        if want["unconditional"]:
            hrefs = page.locator("a[download]").evaluate_all("as => as.map(a => a.href)")
            assert hrefs == want["downloads"] and want["downloads"]
            assert page.locator("a[download]").first.inner_text().startswith(m["download"])
        else:
            assert page.locator("a[download]").count() == 0
            assert page.locator("section.apply h2").inner_text().strip() == m["how_to_apply"]
        assert page.locator("#items-h").inner_text().strip() == m["data_items"]
        rows = page.locator("section[aria-labelledby=items-h] tbody th[scope=row]").all_inner_texts()
        assert [r.strip() for r in rows] == want["items"]

    try:
        # 1. Home page.
        response = page.goto(f"{server.url}/", wait_until="load")
        assert response is not None and response.status == 200
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert_chinese_renders(page, cdp, "h1")
        shot("home")

        # 2. Search from the home page's box for the dataset's Chinese title.
        page.get_by_role("searchbox", name=MESSAGES["zh"]["search_label"], exact=True).fill(zh["title"])
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/search/**")
        result = page.locator("#search-results a", has_text=zh["title"])
        result.wait_for(timeout=20000)
        assert result.count() == 1
        assert_chinese_renders(page, cdp, "#search-results a")
        shot("search")

        # 3. Follow the result to the dataset page.
        result.click()
        dataset_page("zh", zh)
        assert_chinese_renders(page, cdp, "h1")
        shot("dataset-zh")

        # 4. Switch to English with the page's own language link.
        page.locator("header").get_by_role("link", name=MESSAGES["zh"]["language"], exact=True).click()
        dataset_page("en", en)
        shot("dataset-en")

        # 5. And back to Chinese.
        page.locator("header").get_by_role("link", name=MESSAGES["en"]["language"], exact=True).click()
        dataset_page("zh", zh)
        assert_chinese_renders(page, cdp, "h1")
        shot("dataset-zh-again")
    finally:
        context.close()

    assert [u for u in requests if not u.startswith(server.url + "/")] == []
    assert [p.name for p in saved] == ["01-home.png", "02-search.png", "03-dataset-zh.png", "04-dataset-en.png",
                                       "05-dataset-zh-again.png"]
    for p in saved:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000, p
