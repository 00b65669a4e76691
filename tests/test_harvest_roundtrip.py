"""Round trip: the open-data site govcat exports (Hydra-paged DCAT-AP 3) harvests back into govcat with
the same open datasets, codes, titles and open types."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from govcat.loaders.dcat import harvest  # noqa: E402
from govcat.projection import open_datasets  # noqa: E402
from govcat.site.build import build_site  # noqa: E402
from test_harvest_support import DCT, GC, new_store, serve, values  # noqa: E402
from test_site_support import BASE, OPEN, build_store  # noqa: E402


@pytest.fixture(autouse=True)
def _public_store_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVCAT_PUBLIC_STORE", str(tmp_path / "public"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A store with the site tests' catalogs, and its site built with two datasets a page."""
    folder = tmp_path_factory.mktemp("export")
    store = build_store(folder / "store")
    out = folder / "site"
    build_site(store, out, per_page=2)
    return store, out


def _check_same_open_datasets(source_store, harvested_store, result) -> None:
    assert set(result.datasets) == set(OPEN)
    assert not result.derived_codes  # every exported identifier is a resource code
    expected_types = open_datasets(source_store)
    for iri, (code, title) in OPEN.items():
        assert values(harvested_store, result.graph, iri, DCT + "identifier") == {code}
        assert values(harvested_store, result.graph, iri, DCT + "title") >= {title}
        assert values(harvested_store, result.graph, iri, GC + "openType") == {expected_types[iri]}
        assert values(harvested_store, result.graph, iri, GC + "classified") == {"false"}
        publishers = values(harvested_store, result.graph, iri, DCT + "publisher")
        assert len(publishers) == 1 and publishers.pop().startswith(BASE + "org/")


def test_exported_site_harvests_back_from_disk(exported, tmp_path):
    source_store, out = exported
    store = new_store(tmp_path / "store")
    # Read the published URLs from the built folder: the pages link to each other by those URLs.
    result = harvest(store, BASE + "catalog.ttl", mirrors={BASE: str(out)}, name="own-site")
    assert len(result.pages) == 2 and result.pages[1].startswith(BASE)
    assert result.total_items == len(OPEN) and not result.notes
    _check_same_open_datasets(source_store, store, result)
    assert values(store, result.graph, result.catalog, DCT + "source") == {f"{BASE}catalog/open"}


def test_exported_site_harvests_back_over_http(exported, tmp_path):
    source_store, out = exported
    store = new_store(tmp_path / "store")
    with serve(out) as url:
        result = harvest(store, BASE + "catalog.ttl", mirrors={BASE: url}, name="own-site")
    _check_same_open_datasets(source_store, store, result)
    # nothing of a non-open dataset came back
    text = ox.serialize((q.triple for q in store.triples(result.graph)), format=ox.RdfFormat.N_TRIPLES).decode()
    assert "301001-000003" not in text and "边境管控人员机密名册" not in text
