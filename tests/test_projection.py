"""The public projection: only open, non-secret datasets, DCAT-AP 3 shaped; the public store swap."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from govcat.projection import open_datasets, project, public_catalog_iri, refresh_public_store
from test_site_support import BASE, NOT_OPEN, OPEN, build_store, leak_needles, load_environment

DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def projection(store):
    return project(store)


def _values(triples, s, p):
    return {t.object.value for t in triples if t.subject.value == s and t.predicate.value == p}


def test_open_set_is_exactly_the_open_non_secret_current_datasets(store):
    assert set(open_datasets(store)) == set(OPEN)


def test_nothing_of_a_non_open_resource_leaks(projection):
    text = ox.serialize(projection, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    for needle in leak_needles():
        assert needle not in text, needle


def test_datasets_are_dcat_ap_shaped(projection):
    ds = f"{BASE}dataset/301001-000001"
    assert _values(projection, ds, DCT + "accessRights") == {
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
    }
    assert _values(projection, ds, DCT + "accrualPeriodicity") == {
        "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
    }
    assert _values(projection, ds, DCT + "publisher") == {f"{BASE}org/11370000004504927A"}
    assert "http://xmlns.com/foaf/0.1/Agent" in _values(projection, f"{BASE}org/11370000004504927A", RDF_TYPE)
    [dist] = _values(projection, ds, DCAT + "distribution")
    assert _values(projection, dist, DCAT + "mediaType") == {
        "http://www.iana.org/assignments/media-types/application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }
    [lic] = _values(projection, dist, DCT + "license")
    assert DCT + "LicenseDocument" in _values(projection, lic, RDF_TYPE)
    [period] = _values(projection, ds, DCT + "temporal")
    assert _values(projection, period, DCAT + "startDate") == {"2019"}
    assert _values(projection, period, DCAT + "endDate") == {"2024-04-30"}
    [contact] = _values(projection, ds, DCAT + "contactPoint")
    assert "http://www.w3.org/2006/vcard/ns#Kind" in _values(projection, contact, RDF_TYPE)


def test_on_application_dataset_has_no_download_link(projection):
    ds = f"{BASE}dataset/301001-000002"
    assert _values(projection, ds, DCT + "accessRights") == {
        "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
    }
    [dist] = _values(projection, ds, DCAT + "distribution")
    assert not _values(projection, dist, DCAT + "downloadURL")
    assert _values(projection, dist, DCAT + "accessURL") == {ds + ".html"}


def test_guard_reads_a_page_as_its_dataset_but_never_a_dataset_as_a_page():
    from govcat.projection import _Guard

    ds = BASE + "dataset/"
    guard = _Guard(BASE, {ds + "a"}, {ds + "a", ds + "b"})
    assert guard.allowed_iri(ds + "a.html") and guard.allowed_iri(ds + "a#item-1") and guard.allowed_iri(ds + "a/")
    assert not guard.allowed_iri(ds + "b.html") and not guard.allowed_iri(ds + "b")
    text = (f"<{ds}a> <{DCAT}landingPage> <{ds}a.html> .\n"
            f"<{ds}b> <{DCAT}landingPage> <{ds}b.html> .\n").encode()
    assert guard.filter_ntriples(text) == text.splitlines(keepends=True)[0]
    # A closed dataset whose IRI looks like an open one's page stays closed.
    guard = _Guard(BASE, {ds + "a"}, {ds + "a", ds + "a.html"})
    assert not guard.allowed_iri(ds + "a.html")
    assert guard.filter_ntriples(f"<{ds}a.html> <{DCAT}keyword> \"x\" .\n".encode()) == b""


def test_lineage_only_between_open_datasets(projection):
    derived = {(t.subject.value, t.object.value) for t in projection
               if t.predicate.value == "http://www.w3.org/ns/prov#wasDerivedFrom"}
    assert derived == {
        (f"{BASE}dataset/301001-000002", f"{BASE}dataset/301001-000001"),
        (f"{BASE}dataset/302001-000001", f"{BASE}dataset/301001-000001"),
    }


def test_public_catalog_lists_open_datasets_in_zh_and_en(projection):
    cat = public_catalog_iri(BASE)
    assert _values(projection, cat, DCAT + "dataset") == set(OPEN)
    langs = {t.object.language for t in projection if t.subject.value == cat and t.predicate.value == DCT + "title"}
    assert langs == {"zh", "en"}
    assert _values(projection, cat, DCT + "publisher") == {f"{BASE}org/11370000MB284651XL"}


def test_refresh_public_store_swaps_whole_store(store, tmp_path):
    public = tmp_path / "public"
    refresh_public_store(store, public)
    ro = ox.Store.read_only(str(public))
    count = len(list(ro.quads_for_pattern(None, None, None, None)))
    assert count == len(project(store))
    # A later change is seen only after the next refresh; the reader that opened the old one keeps it.
    load_environment(store, "catalog-environment-old.ttl")
    try:
        refresh_public_store(store, public)
        ro2 = ox.Store.read_only(str(public))
        titles = {q.object.value for q in ro2.quads_for_pattern(None, ox.NamedNode(DCT + "title"), None, None)}
        assert "济南市空气质量监测数据" not in titles
        assert "已撤回的噪声投诉明细" in titles  # the old version is current again, so it is open again
        assert len(list(ro.quads_for_pattern(None, None, None, None))) == count
    finally:
        load_environment(store, "catalog-environment.ttl")


def test_projection_passes_dcat_ap_3_shapes_without_warnings(projection):
    from govcat.rdfio import ox_to_rdflib
    from test_site_support import assert_dcat_ap

    assert_dcat_ap(ox_to_rdflib(projection))


def _public_triples(path) -> set[str]:
    ro = ox.Store.read_only(str(path))
    return {str(q.triple) for q in ro.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def test_refresh_after_one_department_recomputes_only_it_and_equals_a_full_projection(store, tmp_path):
    from govcat.projection import compute
    from test_site_support import ENVIRONMENT, POLICE

    public = tmp_path / "public"
    assert refresh_public_store(store, public, changed=[ENVIRONMENT]) == "full"  # no earlier projection
    first = public.resolve()
    before = _public_triples(public)
    # The older environment catalog: its withdrawn dataset is open again, the air-quality one is gone,
    # and with it the lineage link from the police department's dataset.
    load_environment(store, "catalog-environment-old.ttl")
    try:
        assert refresh_public_store(store, public, changed=[ENVIRONMENT]) == "incremental"
        assert public.resolve() != first
        after = _public_triples(public)
        assert after == {str(t) for t in project(store)} != before
        assert "已撤回的噪声投诉明细" in "".join(after)
        # Only the environment department's part was computed; the police part came from the cache.
        reused = compute(store, reuse=_cached_parts(public), changed=[store.iris.catalog_graph(ENVIRONMENT)])
        assert reused.recomputed == [store.iris.catalog_graph(ENVIRONMENT)]
        assert store.iris.catalog_graph(POLICE) in reused.parts
        assert _public_triples(first) == before  # a reader of the previous version still has it whole
    finally:
        load_environment(store, "catalog-environment.ttl")
    # Back to the current catalog, incrementally: the withdrawn dataset leaves the public store.
    assert refresh_public_store(store, public, changed=[ENVIRONMENT]) == "incremental"
    text = "\n".join(_public_triples(public))
    for needle in leak_needles():
        assert needle not in text, needle
    assert _public_triples(public) == before


def test_refresh_with_registry_change_is_full(store, tmp_path):
    public = tmp_path / "public"
    refresh_public_store(store, public)
    assert refresh_public_store(store, public, changed=[store.iris.registry_graph("organisations")]) == "full"
    assert refresh_public_store(store, public, changed=[]) == "incremental"
    assert _public_triples(public) == {str(t) for t in project(store)}


def _cached_parts(public):
    from govcat.public_store import _read_cache

    return _read_cache(public.resolve())[0]
