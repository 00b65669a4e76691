"""`govcat harvest` from files: Hydra paging, the DCAT → govcat mapping, the unmapped report, history,
and bad input leaving the store unchanged."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from govcat.errors import LoaderError
from govcat.loaders.dcat import CODE_PATTERN, harvest, slug
from test_harvest_support import (
    BASE, DCAT, DCT, DRC, DRC_USCC, EU, GC, GCV, ODP, PORTAL, PROV, RDF_TYPE, all_quads, graph_triples,
    new_store, values,
)

GRAPH = f"{BASE}graph/harvest/portal-catalog-ttl"
CATALOG = f"{BASE}catalog/harvest/portal-catalog-ttl"


@pytest.fixture(autouse=True)
def _public_store_in_tmp(tmp_path, monkeypatch):
    # The hook refreshes the public projection: keep it in the test's directory.
    monkeypatch.setenv("GOVCAT_PUBLIC_STORE", str(tmp_path / "public"))


@pytest.fixture
def store(tmp_path):
    return new_store(tmp_path / "store")


@pytest.fixture
def harvested(store):
    return store, harvest(store, str(PORTAL / "catalog.ttl"))


def _dataset_by_title(store, graph, title):
    [ds] = [
        q.subject.value
        for q in store.ox.quads_for_pattern(None, ox.NamedNode(DCT + "title"), None, ox.NamedNode(graph))
        if q.object.value == title
    ]
    return ds


# ---- paging ------------------------------------------------------------------------------------
def test_all_pages_are_read_in_order_and_paging_triples_dropped(harvested):
    store, result = harvested
    assert [Path(p.removeprefix("file://")).name for p in result.pages] == ["catalog.ttl", "page2.rdf", "page3.jsonld"]
    assert result.graph == GRAPH and result.catalog == CATALOG
    datasets = {q.subject for q in store.ox.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(DCAT + "Dataset"), ox.NamedNode(GRAPH))}
    assert len(datasets) == 5 == result.total_items == len(result.datasets)
    assert {d.value for d in datasets} == values(store, GRAPH, CATALOG, DCAT + "dataset")
    assert not result.notes
    assert not [q for q in graph_triples(store, GRAPH) if "hydra" in str(q.predicate) or "hydra" in str(q.object)]


def test_absolute_file_iris_in_paging(store, tmp_path):
    pages = tmp_path / "abs"
    pages.mkdir()
    second = pages / "second.ttl"
    (pages / "first.ttl").write_text(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n"
        f"<{(pages / 'first.ttl').as_uri()}> a hydra:PartialCollectionView ; hydra:next <{second.as_uri()}> .\n"
        "<https://x.example/d1> a dcat:Dataset .\n",
        encoding="utf-8",
    )
    second.write_text("<https://x.example/d2> a <http://www.w3.org/ns/dcat#Dataset> .\n", encoding="utf-8")
    result = harvest(store, (pages / "first.ttl").as_uri())
    assert len(result.pages) == 2
    assert set(result.datasets) == {"https://x.example/d1", "https://x.example/d2"}


# ---- mapping -----------------------------------------------------------------------------------
def test_access_rights_become_open_types(harvested):
    store, _ = harvested
    expected = {
        f"{ODP}dataset/bus-lines": "unconditional",
        f"{ODP}dataset/hospitals": "on-application",
        f"{ODP}dataset/air-quality": "none",
        f"{ODP}dataset/enterprises": "unconditional",
    }
    for ds, code in expected.items():
        assert values(store, GRAPH, ds, GC + "openType") == {f"{GCV}open-type/{code}"}, ds
        assert len(values(store, GRAPH, ds, DCT + "accessRights")) == 1  # the EU value is kept
    scenic = _dataset_by_title(store, GRAPH, "旅游景区")
    assert values(store, GRAPH, scenic, GC + "openType") == {f"{GCV}open-type/unconditional"}


def test_codes_periods_themes_formats_publishers(harvested):
    store, result = harvested
    bus, hosp = f"{ODP}dataset/bus-lines", f"{ODP}dataset/hospitals"
    # an identifier that is a resource code is the code; others get a stable derived code
    assert values(store, GRAPH, bus, DCT + "identifier") == {"201001/000123"}
    [code] = values(store, GRAPH, hosp, DCT + "identifier")
    assert CODE_PATTERN.match(code) and result.derived_codes[hosp] == code
    [ident] = store.ox.quads_for_pattern(ox.NamedNode(hosp), ox.NamedNode("http://www.w3.org/ns/adms#identifier"), None, ox.NamedNode(GRAPH))
    assert {q.object.value for q in store.ox.quads_for_pattern(ident.object, None, None, ox.NamedNode(GRAPH))} >= {
        "0b6c1d2e-5f7a-4c1b-9d3e-2a8f6b7c9d01"
    }
    # update periods replace the EU frequency; an unknown one stays as it was
    assert values(store, GRAPH, bus, DCT + "accrualPeriodicity") == {f"{GCV}update-period/monthly"}
    assert values(store, GRAPH, hosp, DCT + "accrualPeriodicity") == {f"{GCV}update-period/annual"}
    assert values(store, GRAPH, f"{ODP}dataset/air-quality", DCT + "accrualPeriodicity") == {f"{EU}frequency/BIENNIAL"}
    # themes with one classification behind them are mapped; the theme is kept
    assert values(store, GRAPH, bus, GC + "classification") == {f"{GCV}classification/2-05"}
    assert values(store, GRAPH, hosp, GC + "classification") == {f"{GCV}classification/2-02"}
    assert values(store, GRAPH, bus, DCAT + "theme") == {f"{EU}data-theme/TRAN"}
    # formats: EU file type, IANA IRI / dct:IMT node, a format name, a media-type string
    assert values(store, GRAPH, f"{bus}/csv", GC + "fileFormat") == {f"{GCV}file-format/csv"}
    assert values(store, GRAPH, bus, GC + "fileFormat") == {f"{GCV}file-format/csv"}
    assert values(store, GRAPH, f"{hosp}/json", GC + "fileFormat") == {f"{GCV}file-format/json"}
    assert values(store, GRAPH, f"{ODP}dataset/enterprises/xlsx", GC + "fileFormat") == {f"{GCV}file-format/xlsx"}
    # publishers: by USCC (dct:identifier) and by exact name; unpublished datasets keep none
    for ds in (bus, hosp, f"{ODP}dataset/air-quality"):
        assert values(store, GRAPH, ds, DCT + "publisher") == {DRC}, ds
    assert values(store, GRAPH, CATALOG, DCT + "publisher") == {DRC}
    assert values(store, GRAPH, f"{ODP}org/sdfgw", "http://www.w3.org/2002/07/owl#sameAs") == {DRC}
    assert values(store, GRAPH, f"{ODP}dataset/enterprises", DCT + "publisher") == set()
    # and every dataset is written as not 涉密, as the model always writes the boolean
    for ds in result.datasets:
        assert values(store, GRAPH, ds, GC + "classified") == {"false"}


def test_kept_as_they_are_and_catalog_provenance(harvested):
    store, result = harvested
    bus = f"{ODP}dataset/bus-lines"
    assert values(store, GRAPH, bus, DCAT + "keyword") == {"公交", "交通"}
    assert values(store, GRAPH, bus, DCT + "issued") == {"2021-03-01"}
    assert values(store, GRAPH, bus, PROV + "wasDerivedFrom") == {f"{ODP}dataset/road-network"}
    [contact] = store.ox.quads_for_pattern(ox.NamedNode(bus), ox.NamedNode(DCAT + "contactPoint"), None, ox.NamedNode(GRAPH))
    assert {q.object.value for q in store.ox.quads_for_pattern(contact.object, None, None, ox.NamedNode(GRAPH))} >= {
        "数据开放处", "mailto:open@example.cn"
    }
    assert values(store, GRAPH, f"{bus}/csv", DCT + "license") == {f"{EU}licence/CC_BY_4_0"}
    # the blank-node dataset of the JSON-LD page gets a govcat IRI from its derived code
    scenic = _dataset_by_title(store, GRAPH, "旅游景区")
    [code] = values(store, GRAPH, scenic, DCT + "identifier")
    assert scenic == f"{BASE}dataset/{code.replace('/', '-')}"
    # the catalog: the source's catalog node renamed, with where and when it was harvested
    assert values(store, GRAPH, CATALOG, RDF_TYPE) == {DCAT + "Catalog", GC + "HarvestedCatalog"}
    assert values(store, GRAPH, CATALOG, PROV + "wasDerivedFrom") == {(PORTAL / "catalog.ttl").resolve().as_uri()}
    [stamp] = values(store, GRAPH, CATALOG, PROV + "generatedAtTime")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)
    assert values(store, GRAPH, CATALOG, DCT + "source") == {f"{ODP}catalog"}
    assert "山东省发展和改革委员会开放数据目录" in values(store, GRAPH, CATALOG, DCT + "title")
    assert not store.graph_exists(f"{ODP}catalog")


def test_unmapped_is_kept_and_reported(harvested):
    store, result = harvested
    props = result.unmapped_properties
    assert props[DCT + "language"].count == 1 and props[DCAT + "byteSize"].count == 1
    assert props[DCAT + "landingPage"].count == 1
    assert f"{ODP}dataset/air-quality" in props[DCT + "language"].examples[0]
    assert values(store, GRAPH, f"{ODP}dataset/air-quality", DCT + "language") == {f"{EU}language/ZHO"}
    [biennial] = result.unmapped_values[DCT + "accrualPeriodicity"]
    assert "BIENNIAL" in biennial and "no mapping" in biennial
    [envi] = result.unmapped_values[DCAT + "theme"]
    assert "ENVI" in envi and "ambiguous" in envi  # 1-03 and 2-04 both closeMatch ENVI
    assert values(store, GRAPH, f"{ODP}dataset/air-quality", DCAT + "theme") == {f"{EU}data-theme/ENVI"}
    # mapped properties and the value nodes used to map them are not reported
    assert DCT + "accessRights" not in props and DCT + "format" not in result.unmapped_values
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#value" not in props


def test_reharvest_replaces_with_history(store, tmp_path):
    first = harvest(store, str(PORTAL / "catalog.ttl"), name="odp")
    graph = first.graph
    before = graph_triples(store, graph)
    copy = tmp_path / "portal"
    shutil.copytree(PORTAL, copy)
    page1 = copy / "catalog.ttl"
    page1.write_text(page1.read_text(encoding="utf-8").replace("公交线路\"@zh", "公交线路（新）\"@zh"), encoding="utf-8")
    second = harvest(store, str(page1), name="odp")
    assert second.graph == graph and second.history == f"{graph}/v/" + second.history.rsplit("/", 1)[-1]
    assert values(store, graph, f"{ODP}dataset/bus-lines", DCT + "title") == {"公交线路（新）"}
    assert values(store, second.history, f"{ODP}dataset/bus-lines", DCT + "title") == {"公交线路"}
    assert store.count(second.history) == len(before)
    assert values(store, store.iris.history_graph, second.history, PROV + "specializationOf") == {graph}
    # derived codes are stable across harvests
    assert first.derived_codes == second.derived_codes


def test_department_harvest(store, tmp_path):
    result = harvest(store, str(PORTAL / "catalog.ttl"), department=DRC_USCC)
    graph, catalog = f"{BASE}graph/catalog/{DRC_USCC}", f"{BASE}catalog/{DRC_USCC}"
    assert result.graph == graph and result.catalog == catalog
    assert values(store, graph, catalog, DCT + "publisher") == {DRC}
    assert values(store, graph, f"{BASE}catalog/master/370000", DCAT + "catalog") == {catalog}
    # every dataset is the department's, including the one the source gave no publisher
    for ds in result.datasets:
        assert values(store, graph, ds, DCT + "publisher") == {DRC}, ds
    assert (tmp_path / "public").exists()  # the catalog_changed hook refreshed the public projection
    assert values(store, graph, f"{ODP}org/sdfgw", "http://www.w3.org/2002/07/owl#sameAs") == {DRC}


def test_department_other_than_the_source_publisher(store):
    police = "11370000004504927A"  # 山东省公安厅 in the bundled registry
    result = harvest(store, str(PORTAL / "catalog.ttl"), department=police)
    graph, org = f"{BASE}graph/catalog/{police}", f"{BASE}org/{police}"
    assert values(store, graph, f"{BASE}catalog/{police}", DCT + "publisher") == {org}
    assert any(DRC in note and org in note for note in result.notes)
    # the registry confirmed the source agent is the DRC, not the police: no sameAs to the department
    assert values(store, graph, f"{ODP}org/sdfgw", "http://www.w3.org/2002/07/owl#sameAs") == {DRC}
    assert values(store, graph, f"{ODP}dataset/bus-lines", DCT + "publisher") == {DRC}
    assert values(store, graph, f"{ODP}dataset/enterprises", DCT + "publisher") == {org}


def test_rdf_syntaxes_by_extension_and_sniffing(store, tmp_path):
    turtle = (PORTAL / "catalog.ttl").read_bytes()
    triples = [  # page 1 alone, without its paging
        t for t in ox.parse(turtle, format=ox.RdfFormat.TURTLE, base_iri="https://opendata.example.cn/")
        if "hydra" not in str(t)
    ]
    for name, fmt in (("c.nt", ox.RdfFormat.N_TRIPLES), ("c.trig", ox.RdfFormat.TRIG), ("c.rdf", ox.RdfFormat.RDF_XML),
                      ("c.jsonld", ox.RdfFormat.JSON_LD), ("nt-without-extension", ox.RdfFormat.N_TRIPLES),
                      ("xml-without-extension", ox.RdfFormat.RDF_XML), ("jsonld-without-extension", ox.RdfFormat.JSON_LD)):
        path = tmp_path / name
        path.write_bytes(ox.serialize(triples, format=fmt))
        result = harvest(store, str(path), name="syntax")
        assert set(result.datasets) == {f"{ODP}dataset/bus-lines", f"{ODP}dataset/hospitals"}, name


def test_slug():
    assert slug("https://www.Data.example.cn/catalog.ttl") == "data-example-cn-catalog-ttl"
    assert slug((PORTAL / "catalog.ttl").as_uri()) == "portal-catalog-ttl"
    assert slug("file:///%E7%9B%AE%E5%BD%95/%E6%95%B0%E6%8D%AE.ttl") == "ttl"
    only_chinese = slug("file:///%E7%9B%AE%E5%BD%95/%E6%95%B0%E6%8D%AE")
    assert re.fullmatch(r"source-[0-9a-f]{10}", only_chinese)
    assert only_chinese != slug("file:///%E7%9B%AE%E5%BD%95/%E5%85%B6%E4%BB%96")


# ---- bad input ---------------------------------------------------------------------------------
def _write(dir: Path, name: str, text: str) -> Path:
    path = dir / name
    path.write_text(text, encoding="utf-8")
    return path


PREFIXES = "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n"


@pytest.fixture
def with_previous(store):
    """A store with a harvest already in it, and all its quads."""
    harvest(store, str(PORTAL / "catalog.ttl"))
    return store, all_quads(store)


def test_unparseable_rdf_names_line_and_column(with_previous, tmp_path):
    store, before = with_previous
    bad = _write(tmp_path, "bad.ttl", PREFIXES + "<https://x.example/d> a dcat:Dataset .\n<https://x.example/e> a dcat:Dataset ;;; ]\n")
    with pytest.raises(LoaderError) as err:
        harvest(store, str(bad))
    assert err.value.location.file == str(bad) and err.value.location.line == 4
    assert err.value.location.offset is not None
    assert "语法错误" in err.value.zh and "syntax error" in err.value.en
    assert all_quads(store) == before


def test_bad_later_page_loads_nothing(with_previous, tmp_path):
    store, before = with_previous
    _write(tmp_path, "p1.ttl", PREFIXES + '<p1.ttl> a hydra:PagedCollection ; hydra:nextPage "p2.ttl" .\n<https://x.example/d> a dcat:Dataset .\n')
    _write(tmp_path, "p2.ttl", PREFIXES + "<https://x.example/e> a dcat:Dataset \n")
    with pytest.raises(LoaderError) as err:
        harvest(store, str(tmp_path / "p1.ttl"))
    assert err.value.location.file == str(tmp_path / "p2.ttl")
    assert all_quads(store) == before


def test_no_catalog_and_no_dataset(with_previous, tmp_path):
    store, before = with_previous
    path = _write(tmp_path, "nothing.ttl", "<https://x.example/a> <https://x.example/b> <https://x.example/c> .\n")
    with pytest.raises(LoaderError) as err:
        harvest(store, str(path))
    assert "dcat:Catalog" in err.value.zh and "dcat:Catalog" in err.value.en
    assert all_quads(store) == before


def test_page_loop_and_page_limit(with_previous, tmp_path):
    store, before = with_previous
    _write(tmp_path, "a.ttl", PREFIXES + '<a.ttl> hydra:next <b.ttl> .\n<https://x.example/d> a dcat:Dataset .\n')
    _write(tmp_path, "b.ttl", PREFIXES + '<b.ttl> hydra:next <a.ttl> .\n')
    with pytest.raises(LoaderError) as err:
        harvest(store, str(tmp_path / "a.ttl"))
    assert "循环" in err.value.zh and "loop" in err.value.en
    _write(tmp_path, "self.ttl", PREFIXES + '<self.ttl> hydra:nextPage "self.ttl" .\n<https://x.example/d> a dcat:Dataset .\n')
    with pytest.raises(LoaderError, match="loop"):
        harvest(store, str(tmp_path / "self.ttl"))
    with pytest.raises(LoaderError) as err:
        harvest(store, str(PORTAL / "catalog.ttl"), max_pages=2)
    assert "2" in err.value.zh and "--max-pages" in err.value.en
    assert all_quads(store) == before


def test_missing_file_and_next_page(with_previous, tmp_path):
    store, before = with_previous
    with pytest.raises(LoaderError):
        harvest(store, str(tmp_path / "no-such.ttl"))
    _write(tmp_path, "p1.ttl", PREFIXES + '<p1.ttl> hydra:nextPage "gone.ttl" .\n<https://x.example/d> a dcat:Dataset .\n')
    with pytest.raises(LoaderError) as err:
        harvest(store, str(tmp_path / "p1.ttl"))
    assert err.value.location.file == str(tmp_path / "gone.ttl")
    with pytest.raises(LoaderError) as err:
        harvest(store, str(PORTAL / "catalog.ttl"), department="91370000MA3C9XXXX1")
    assert "--department" in str(err.value)
    assert all_quads(store) == before
