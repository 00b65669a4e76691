"""Issue 6: the JSON-LD of every dataset page (zh and en) parses as a schema.org ``Dataset`` with name,
description, url, identifier, keywords, license, creator, includedInDataCatalog, distribution (DataDownload
with contentUrl and encodingFormat, only where the dataset can be downloaded), spatialCoverage and
temporalCoverage. The pages say ``"@context": "https://schema.org"``; rdflib must not fetch that over the
network, so the test puts in its place a local copy of the few term definitions that matter
(tests/data/schema-org/context.jsonld: the schema.org vocabulary, and url, contentUrl and license as IRIs,
as schema.org's own context defines them)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import rdflib
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).parent))

from govcat.site.build import build_site  # noqa: E402
from test_site_support import BASE, DATA, OPEN, build_store  # noqa: E402

CONTEXT = json.loads((Path(__file__).parent / "data" / "schema-org" / "context.jsonld").read_text())["@context"]
SDO = rdflib.Namespace("http://schema.org/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
GC = rdflib.Namespace("https://w3id.org/govcat/ns#")
UNCONDITIONAL = rdflib.URIRef("https://w3id.org/govcat/vocab/open-type/unconditional")
MEDIA_TYPE = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")
PAGES = [(lang, iri) for lang in ("zh", "en") for iri in OPEN]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    store = build_store(tmp_path_factory.mktemp("jsonld-store"))
    out = tmp_path_factory.mktemp("jsonld-site")
    build_site(store, out)
    return out


@pytest.fixture(scope="module")
def fixtures() -> rdflib.Graph:
    g = rdflib.Graph()
    for f in sorted(DATA.glob("catalog-*.ttl")):
        if not f.name.endswith("-old.ttl"):
            g.parse(f, format="turtle")
    return g


def test_every_open_dataset_has_a_page_in_both_languages(site):
    pages = {p.relative_to(site).with_suffix("").as_posix() for p in site.glob("**/dataset/*.html")}
    slugs = {iri.rsplit("/", 1)[1] for iri in OPEN}
    assert pages == {f"dataset/{s}" for s in slugs} | {f"en/dataset/{s}" for s in slugs}


def parse(page: BeautifulSoup) -> tuple[dict, rdflib.Graph]:
    [script] = page.find_all("script", type="application/ld+json")
    doc = json.loads(script.string)
    assert doc["@context"] == "https://schema.org"
    local = dict(doc, **{"@context": CONTEXT})
    return doc, rdflib.Graph().parse(data=json.dumps(local), format="json-ld")


def one(g: rdflib.Graph, s, p):
    values = list(g.objects(s, p))
    assert len(values) == 1, (s, p, values)
    return values[0]


@pytest.mark.parametrize("lang,iri", PAGES, ids=lambda v: v.rsplit("/", 1)[-1])
def test_page_jsonld_is_a_schema_org_dataset(site, fixtures, lang, iri):
    slug = iri.rsplit("/", 1)[1]
    prefix = "" if lang == "zh" else "en/"
    page = BeautifulSoup((site / prefix / "dataset" / f"{slug}.html").read_text(encoding="utf-8"), "html.parser")
    doc, g = parse(page)
    ds = rdflib.URIRef(iri)
    assert list(g.subjects(rdflib.RDF.type, SDO.Dataset)) == [ds]

    titles = {o.language: str(o) for o in fixtures.objects(ds, DCT.title)}
    assert str(one(g, ds, SDO.name)) == titles.get(lang, titles["zh"]) == page.h1.get_text(strip=True)
    assert str(one(g, ds, SDO.description)).strip()
    url = one(g, ds, SDO.url)
    assert url == rdflib.URIRef(f"{BASE}{prefix}dataset/{slug}.html")
    assert page.find("link", rel="canonical")["href"] == str(url)
    assert str(one(g, ds, SDO.identifier)) == str(fixtures.value(ds, DCT.identifier))
    assert {str(k) for k in g.objects(ds, SDO.keywords)} == {str(k) for k in fixtures.objects(ds, DCAT.keyword)}

    dists = list(fixtures.objects(ds, DCAT.distribution))
    licences = {l for d in dists for l in fixtures.objects(d, DCT.license)}
    assert licences and set(g.objects(ds, SDO.license)) == licences

    creator = one(g, ds, SDO.creator)
    assert creator == fixtures.value(ds, DCT.publisher)
    assert (creator, rdflib.RDF.type, SDO.GovernmentOrganization) in g
    assert str(one(g, creator, SDO.name)) == page.select_one("nav.crumbs a").get_text(strip=True)

    catalog = one(g, ds, SDO.includedInDataCatalog)
    assert (catalog, rdflib.RDF.type, SDO.DataCatalog) in g
    assert str(one(g, catalog, SDO.name)).strip()
    assert one(g, catalog, SDO.url) == rdflib.URIRef(BASE + prefix)

    places = list(g.objects(ds, SDO.spatialCoverage))
    assert places and all((p, rdflib.RDF.type, SDO.Place) in g and str(one(g, p, SDO.name)).strip() for p in places)
    assert str(one(g, ds, SDO.temporalCoverage)).strip()

    downloads = {u for d in dists for u in fixtures.objects(d, DCAT.downloadURL)}
    got = list(g.objects(ds, SDO.distribution))
    if fixtures.value(ds, GC.openType) == UNCONDITIONAL:
        assert got, f"{prefix}dataset/{slug}/ can be downloaded but its JSON-LD has no distribution"
        for d in got:
            assert (d, rdflib.RDF.type, SDO.DataDownload) in g
            assert one(g, d, SDO.contentUrl) in downloads
            assert MEDIA_TYPE.match(str(one(g, d, SDO.encodingFormat))), doc["distribution"]
        assert {one(g, d, SDO.contentUrl) for d in got} == downloads
        assert {str(u) for u in downloads} == {a["href"] for a in page.select("a[download]")}
    else:
        # 依申请开放: nothing to download, not even in the JSON-LD.
        assert got == [] and not list(g.subjects(rdflib.RDF.type, SDO.DataDownload))
        assert not page.select("a[download]")
        for u in downloads:
            assert str(u) not in str(page)
