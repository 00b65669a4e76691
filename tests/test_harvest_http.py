"""`govcat harvest` over HTTP: a real server on 127.0.0.1 serving the test pages with their Content-Types."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from govcat.errors import LoaderError
from govcat.loaders.dcat import harvest
from test_harvest_support import GC, GCV, ODP, PORTAL, all_quads, new_store, serve, values


@pytest.fixture(autouse=True)
def _public_store_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVCAT_PUBLIC_STORE", str(tmp_path / "public"))


@pytest.fixture
def site(tmp_path):
    """The portal's pages, plus a few more, in a folder served over HTTP."""
    root = tmp_path / "www"
    shutil.copytree(PORTAL, root)
    # an extension-less page served as application/octet-stream: its syntax is sniffed
    (root / "sniffed").write_bytes((PORTAL / "page2.rdf").read_bytes().replace(b'<hydra:next rdf:resource="page3.jsonld"/>', b""))
    (root / "broken-next.ttl").write_text(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n"
        '<broken-next.ttl> a hydra:PagedCollection ; hydra:nextPage "missing.ttl" .\n'
        "<https://x.example/d> a dcat:Dataset .\n",
        encoding="utf-8",
    )
    (root / "to-file.ttl").write_text(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n"
        f'<to-file.ttl> hydra:next <{(PORTAL / "catalog.ttl").as_uri()}> .\n'
        "<https://x.example/d> a dcat:Dataset .\n",
        encoding="utf-8",
    )
    (root / "page.html").write_text("<html><body>not RDF</body></html>", encoding="utf-8")
    with serve(root) as base_url:
        yield base_url


def test_http_paging_matches_the_file_harvest(site, tmp_path):
    store = new_store(tmp_path / "store")
    from_files = harvest(store, str(PORTAL / "catalog.ttl"), name="files")
    over_http = harvest(store, site + "catalog.ttl", name="http")
    assert over_http.pages == [site + "catalog.ttl", site + "page2.rdf", site + "page3.jsonld"]
    named = lambda ds: [d for d in ds if d.startswith(ODP)]  # noqa: E731 - the blank-node one is minted
    assert named(over_http.datasets) == named(from_files.datasets) and len(over_http.datasets) == 5
    assert over_http.mapped == from_files.mapped
    assert values(store, over_http.graph, f"{ODP}dataset/hospitals", GC + "openType") == {f"{GCV}open-type/on-application"}
    assert over_http.graph.endswith("/graph/harvest/http")


def test_sniffed_when_the_content_type_says_nothing(site, tmp_path):
    store = new_store(tmp_path / "store")
    result = harvest(store, site + "sniffed")
    assert set(result.datasets) == {f"{ODP}dataset/air-quality", f"{ODP}dataset/enterprises"}
    assert result.graph.endswith("/graph/harvest/127-0-0-1-" + site.rsplit(":", 1)[1].strip("/") + "-sniffed")


def test_http_errors_leave_the_store_unchanged(site, tmp_path):
    store = new_store(tmp_path / "store")
    harvest(store, site + "catalog.ttl", name="odp")
    before = all_quads(store)
    with pytest.raises(LoaderError) as err:
        harvest(store, site + "broken-next.ttl", name="odp")
    assert "404" in err.value.zh and "404" in err.value.en and err.value.location.file == site + "missing.ttl"
    with pytest.raises(LoaderError, match="text/html"):
        harvest(store, site + "page.html", name="odp")
    with pytest.raises(LoaderError, match="not allowed"):  # a web page may not make us read local files
        harvest(store, site + "to-file.ttl", name="odp")
    closed = site.rsplit(":", 1)[0] + ":9/catalog.ttl"  # the discard port: nothing listens there
    with pytest.raises(LoaderError, match="cannot connect"):
        harvest(store, closed, name="odp")
    assert all_quads(store) == before
