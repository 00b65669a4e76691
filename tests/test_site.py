"""The static site: only open data in any file, pages in zh and en, DCAT-AP 3 files with Hydra paging,
schema.org, sitemap, search index and incremental builds."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).parent))

from govcat.rdfio import read_turtle  # noqa: E402
from govcat.site.build import build_site  # noqa: E402
from govcat.site.search_index import fnv1a, tokens  # noqa: E402
from test_site_support import BASE, DATA, ENVIRONMENT, OPEN, assert_dcat_ap, build_store, leak_needles  # noqa: E402

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("store"))
    out = tmp_path_factory.mktemp("site")
    report = build_site(store, out, per_page=2)
    return store, out, report


def soup(out: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((out / rel).read_text(encoding="utf-8"), "html.parser")


def test_no_file_holds_anything_of_a_non_open_resource(built):
    _, out, _ = built
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 50
    for path in files:
        text = path.read_bytes().decode("utf-8")
        for needle in leak_needles():
            assert needle not in text, f"{needle!r} in {path.relative_to(out)}"
    every = "".join(p.read_text(encoding="utf-8") for p in files)
    for code, title in OPEN.values():
        assert title in every and code in every


def test_home_counts_and_newest(built):
    _, out, _ = built
    page = soup(out, "index.html")
    assert page.html["lang"] == "zh-CN"
    counts = {dt.get_text(strip=True): dd.get_text(strip=True) for dt, dd in
              zip(page.select(".counts dt"), page.select(".counts dd"))}
    assert counts["开放数据集"] == "3" and counts["无条件开放"] == "2" and counts["依申请开放"] == "1"
    assert counts["开放部门"] == "2"
    newest = [a.get_text(strip=True) for a in page.select(".cards h3 a")]
    assert newest[0] == "流动人口居住登记汇总"  # issued 2022-03-01, the newest
    assert page.find("label", attrs={"for": "q"})
    en = soup(out, "en/index.html")
    assert en.html["lang"] == "en" and "Open datasets" in en.get_text()


def test_unconditional_dataset_page(built):
    _, out, _ = built
    page = soup(out, "dataset/301001-000001.html")
    assert page.h1.get_text(strip=True) == "全省常住人口统计"
    text = page.get_text(" ", strip=True)
    for expected in ("山东省公安厅", "每月", "无条件开放", "《中华人民共和国统计法》第二十五条", "301001/000001"):
        assert expected in text, expected
    downloads = [a["href"] for a in page.select("a[download]")]
    assert downloads == ["https://data.sd.gov.cn/files/301001-000001.xlsx"]
    rows = page.select("table tbody tr")
    assert [r.th.get_text(strip=True) for r in rows] == ["设区市", "常住人口数"]
    # Lineage: two open datasets derive from this one; the non-open source is not shown.
    svg_links = {a["href"] for a in page.select("svg.lineage a")}
    assert svg_links == {"../dataset/301001-000002.html", "../dataset/302001-000001.html"}
    alternates = {l["type"]: l["href"] for l in page.find_all("link", rel="alternate") if l.get("type")}
    assert alternates["text/turtle"] == "../dataset/301001-000001.ttl"
    assert set(alternates) == {"text/turtle", "application/ld+json", "application/rdf+xml"}
    [script] = page.find_all("script", type="application/ld+json")
    ld = json.loads(script.string)
    assert ld["@type"] == "Dataset" and ld["name"] == "全省常住人口统计"
    assert ld["identifier"] == "301001/000001" and ld["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert ld["creator"]["name"] == "山东省公安厅"
    assert ld["includedInDataCatalog"]["@type"] == "DataCatalog"
    assert ld["distribution"][0]["@type"] == "DataDownload"
    assert ld["distribution"][0]["contentUrl"] == "https://data.sd.gov.cn/files/301001-000001.xlsx"
    assert ld["distribution"][0]["encodingFormat"].startswith("application/vnd.openxmlformats")
    assert ld["spatialCoverage"][0]["name"] == "山东省" and ld["temporalCoverage"] == "2019/2024-04-30"
    assert set(ld["keywords"]) == {"人口", "常住人口"} and ld["url"].endswith("/dataset/301001-000001.html")


def test_on_application_dataset_says_how_to_apply_and_has_no_download(built):
    _, out, _ = built
    for rel, heading in (("dataset/301001-000002.html", "如何申请"), ("en/dataset/301001-000002.html", "How to apply")):
        page = soup(out, rel)
        assert not page.select("a[download]")
        assert "301001-000002-restricted.csv" not in str(page)
        section = page.find("section", class_="apply")
        assert section.h2.get_text(strip=True) == heading
        assert "申请人须说明用途" in section.get_text()


def test_listings_by_department_city_theme_format(built):
    _, out, _ = built
    def titles(rel):
        return {a.get_text(strip=True) for a in soup(out, rel).select(".cards h3 a")}
    assert titles(f"departments/{ENVIRONMENT}/index.html") == {"济南市空气质量监测数据"}
    assert titles("cities/370100/index.html") == {"济南市空气质量监测数据"}
    assert titles("themes/1/index.html") == {"全省常住人口统计", "流动人口居住登记汇总"}
    assert titles("themes/db-environment/index.html") == {"济南市空气质量监测数据"}
    assert titles("formats/csv/index.html") == {"流动人口居住登记汇总", "济南市空气质量监测数据"}
    groups = soup(out, "themes/index.html").get_text()
    assert "基础库" in groups and "主题库" in groups
    assert soup(out, "en/departments/index.html").find("a", string="Shandong Provincial Department of Public Security")


def test_dcat_export_pages_with_hydra_and_passes_dcat_ap(built):
    _, out, _ = built
    seen, rel, pages = set(), "catalog.ttl", 0
    while rel:
        g = rdflib.Graph().parse(out / rel, format="turtle")
        assert_dcat_ap(g)
        pages += 1
        seen |= {str(d) for d in g.subjects(rdflib.RDF.type, DCAT.Dataset)}
        [node] = list(g.subjects(rdflib.RDF.type, HYDRA.PagedCollection))
        assert int(g.value(node, HYDRA.totalItems)) == 3 and int(g.value(node, HYDRA.itemsPerPage)) == 2
        assert g.value(node, HYDRA.first) and g.value(node, HYDRA.last)
        nxt = g.value(node, HYDRA.next)
        assert nxt == g.value(node, HYDRA.nextPage)
        rel = str(nxt)[len(BASE):] if nxt else None
    assert pages == 2 and seen == set(OPEN)
    for ext, fmt in (("jsonld", "json-ld"), ("rdf", "xml")):
        g = rdflib.Graph().parse(out / f"catalog.{ext}", format=fmt)
        assert len(set(g.subjects(rdflib.RDF.type, DCAT.Dataset))) == 2
    for iri in OPEN:
        slug = iri.rsplit("/", 1)[1]
        graphs = [rdflib.Graph().parse(out / f"dataset/{slug}.{ext}", format=fmt)
                  for ext, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml"))]
        assert len(graphs[0]) == len(graphs[1]) == len(graphs[2])
        assert set(graphs[0].subjects(rdflib.RDF.type, DCAT.Dataset)) == {rdflib.URIRef(iri)}
        assert_dcat_ap(graphs[0])
        for mt in graphs[0].objects(None, DCAT.mediaType):
            assert str(mt).startswith("http://www.iana.org/assignments/media-types/")
        for lic in graphs[0].objects(None, DCT.license):
            assert isinstance(lic, rdflib.URIRef)


def test_every_link_between_pages_reaches_a_file(built):
    # As a plain static web server would resolve them: a folder's page is its index.html.
    import posixpath

    _, out, _ = built
    checked = 0
    for page in sorted(out.rglob("*.html")):
        rel = page.relative_to(out).as_posix()
        doc = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in doc.find_all(["a", "link", "script", "img"]):
            href = tag.get("href") or tag.get("src")
            if not href or href.startswith(("#", "http:", "https:", "mailto:", "tel:", "data:")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), href.split("#")[0]))
            if href.split("#")[0].endswith("/") or target == ".":
                target = posixpath.join(target, "index.html") if target != "." else "index.html"
            assert (out / target).is_file(), f"{rel} links to {href}"
            checked += 1
    assert checked > 100


def test_sitemap_and_robots(built):
    _, out, _ = built
    robots = (out / "robots.txt").read_text()
    assert f"Sitemap: {BASE}sitemap.xml" in robots
    import xml.etree.ElementTree as ET

    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = []
    for loc in ET.parse(out / "sitemap.xml").iter(ns + "loc"):
        urls += [u.text for u in ET.parse(out / loc.text[len(BASE):]).iter(ns + "loc")]
    assert f"{BASE}dataset/301001-000001.html" in urls and f"{BASE}en/dataset/301001-000001.html" in urls
    assert len(urls) == built[2].pages


def _search(out: Path, query: str) -> set[str]:
    """The lookup search.js does, on the same files."""
    meta = json.loads((out / "search/meta.json").read_text())
    hits = None
    for tok in tokens(query):
        shard = json.loads((out / f"search/idx-{fnv1a(tok) % meta['shards']}.json").read_text())
        ids, n = set(), 0
        for d in shard.get(tok, []):
            n += d
            ids.add(n)
        hits = ids if hits is None else hits & ids
    slugs = set()
    for i in hits or ():
        docs = json.loads((out / f"search/docs-{i // meta['docsPerShard']}.json").read_text())
        slugs.add(docs[i % meta["docsPerShard"]][0])
    return slugs


def test_search_index_finds_titles_keywords_and_items(built):
    _, out, _ = built
    assert _search(out, "空气质量") == {"302001-000001"}
    assert _search(out, "常住人口数") == {"301001-000001"}  # a data item
    assert _search(out, "aqi") == {"302001-000001"}  # an English keyword
    assert _search(out, "流动人口") == {"301001-000002"}
    assert _search(out, "身份信息库") == set()  # the title of a non-open dataset


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_incremental_build_rewrites_only_what_a_change_affects(built, tmp_path):
    store, _, _ = built
    out = tmp_path / "site"
    first = build_site(store, out)
    again = build_site(store, out)
    assert again.written == [] and again.removed == []
    # The environment department retitles and redescribes its open dataset.
    text = (DATA / "catalog-environment.ttl").read_text(encoding="utf-8").replace(
        "逐日空气质量指数及主要污染物浓度", "逐小时空气质量指数").replace("济南市空气质量监测数据", "济南市空气质量逐时监测数据")
    changed = tmp_path / "changed.ttl"
    changed.write_text(text, encoding="utf-8")
    store.replace_graph(store.iris.catalog_graph(ENVIRONMENT), read_turtle(changed), keep_history=True)
    try:
        third = build_site(store, out)
        full = tmp_path / "full"
        build_site(store, full, full=True)
    finally:
        store.replace_graph(store.iris.catalog_graph(ENVIRONMENT), read_turtle(DATA / "catalog-environment.ttl"),
                            keep_history=True)
    # The incremental result is the full build's, byte for byte (the build manifest included).
    assert _tree(out) == _tree(full)
    written = set(third.written)
    slug = "302001-000001"
    own = {f"dataset/{slug}.html", f"en/dataset/{slug}.html"} | {f"dataset/{slug}.{e}" for e in ("ttl", "jsonld", "rdf")}
    assert own <= written
    # Besides its own files, only pages that link to it (listings holding it, the home page's newest,
    # the page of the dataset it derives from, which shows its title), the Hydra catalog pages that
    # hold it and the search index may change.
    linking = {rel for rel, body in _tree(out).items() if rel.endswith(".html") and f"dataset/{slug}.html".encode() in body}
    catalog = {rel for rel, body in _tree(out).items() if rel.startswith("catalog") and f"dataset/{slug}".encode() in body}
    others = {rel for rel in written - own - linking - catalog if not rel.startswith("search/")}
    assert others == set()
    assert "dataset/301001-000001.html" in written  # the upstream page shows the new title
    assert {"departments/11370100MB7574998P/index.html", "formats/csv/index.html"} <= written
    for untouched in ("dataset/301001-000002.html", "dataset/301001-000002.ttl", "dataset/301001-000001.ttl",
                      f"departments/11370000004504927A/index.html", "themes/1/index.html"):
        assert untouched not in written
    assert len(third.written) < len(first.written) / 2
    assert "逐小时空气质量指数" in (out / f"dataset/{slug}.html").read_text(encoding="utf-8")


def test_cli_site_build(tmp_path):
    import gc

    from click.testing import CliRunner

    from govcat.cli import cli

    store_dir = tmp_path / "store"
    store = build_store(store_dir)
    del store
    gc.collect()
    result = CliRunner().invoke(cli, ["--store", str(store_dir), "site", "build", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "3 个数据集" in result.output
    assert (tmp_path / "out/dataset/302001-000001.html").is_file()


def test_dataset_fingerprint_follows_its_closure_and_nothing_else():
    """The fingerprint that decides whether a dataset's files are rebuilt changes with any triple of its
    closure (three links deep, not into other datasets) and with nothing else, whatever the order."""
    from govcat.site.data import Index
    from govcat.site.dcat_export import closure_hash

    n = lambda s: ox.NamedNode(f"https://example.org/{s}")  # noqa: E731
    t = lambda s, p, o: ox.Triple(n(s), n(p), o if isinstance(o, ox.Literal) else n(o))  # noqa: E731
    a_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    dataset = ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")
    base = [
        ox.Triple(n("d1"), a_type, dataset), ox.Triple(n("d2"), a_type, dataset),
        t("d1", "title", ox.Literal("one")), t("d1", "dist", "x1"), t("x1", "format", "csv"),
        t("csv", "scheme", "formats"), t("formats", "label", ox.Literal("3 links deep")),
        t("formats", "broader", "all"), t("all", "label", ox.Literal("4 links deep")),
        t("csv", "label", ox.Literal("CSV")), t("d1", "derivedFrom", "d2"), t("d2", "title", ox.Literal("two")),
    ]

    def fp(triples: list[ox.Triple]) -> int:
        return closure_hash(Index(triples), "https://example.org/d1", {})

    first = fp(base)
    assert fp(list(reversed(base))) == first
    assert fp(base + [t("d1", "keyword", ox.Literal("k"))]) != first  # its own triple
    assert fp([x for x in base if x.predicate != n("label") or x.subject != n("csv")]) != first  # 2 links deep
    assert fp(base + [t("formats", "note", ox.Literal("n"))]) != first  # 3 links deep
    assert fp(base + [t("x1", "format", "xlsx")]) != first  # a link changed
    assert fp([x for x in base if x.subject != n("all")]) == first  # past the closure's depth
    assert fp([x for x in base if x.subject != n("d2") or x.predicate != n("title")]) == first  # another dataset
