"""`govcat harvest` on DCAT-AP 3's own example files (from the shared_dir setting) and from the command line."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from govcat import config
from govcat.loaders.dcat import harvest
from govcat.store import CatalogStore
from test_harvest_support import BASE, DCAT, DCT, GC, GCV, PORTAL, all_quads, new_store, values


@pytest.fixture(autouse=True)
def _public_store_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVCAT_PUBLIC_STORE", str(tmp_path / "public"))


@pytest.fixture(scope="module")
def examples() -> Path:
    shared = config.load().shared_path
    folder = shared / "external" / "dcat-ap-3" / "examples"
    if not folder.is_dir():
        pytest.fail(
            f"DCAT-AP 3 examples not found at {folder.resolve()}: set GOVCAT_SHARED_DIR (shared_dir) to the "
            "folder holding the project's shared files (default ../shared)"
        )
    return folder


@pytest.fixture
def store(tmp_path):
    return new_store(tmp_path / "store")


def test_smoke_minimal_catalog(examples, store):
    result = harvest(store, str(examples / "smoke-minimal-catalog.ttl"))
    g = result.graph
    assert result.datasets == ["https://data.example.gov/ds1"]
    assert values(store, g, "https://data.example.gov/dist1", GC + "fileFormat") == {f"{GCV}file-format/csv"}
    assert values(store, g, result.catalog, DCT + "title") == {"Example catalog"}
    assert values(store, g, result.catalog, DCT + "source") == {"https://data.example.gov/catalog"}
    # GOVE is the closeMatch of several classifications: kept and reported, not guessed
    assert any("GOVE" in v and "ambiguous" in v for v in result.unmapped_values[DCAT + "theme"])
    assert result.unmapped_properties[DCAT + "byteSize"].count == 1
    assert any("Example Agency" in v for v in result.unmapped_values[DCT + "publisher"])


def test_bee_population_fragments(examples, store):
    single = harvest(store, str(examples / "example-bee-population.ttl"))
    assert single.datasets == ["https://data.gov.gr/id/dataset/BeePopulation"]
    [code] = values(store, single.graph, single.datasets[0], DCT + "identifier")
    assert single.derived_codes == {single.datasets[0]: code}
    series = harvest(store, str(examples / "example-bee-population-dataset-series.ttl"))
    assert len(series.datasets) == 2
    assert series.unmapped_properties[DCAT + "inSeries"].count == 2
    assert single.graph != series.graph


def test_smoke_invalid_catalog_is_still_harvested(examples, store):
    # Not DCAT-AP-valid, but well-formed RDF with a catalog: harvesting keeps it as it is.
    result = harvest(store, str(examples / "smoke-invalid-catalog.ttl"))
    assert result.datasets == ["https://data.example.gov/ds1"]
    assert values(store, result.graph, "https://data.example.gov/dist1", DCAT + "byteSize") == {"12.5"}


def _cli_store(tmp_path: Path) -> Path:
    path = tmp_path / "cli-store"
    store = new_store(path)
    store.flush()
    del store
    gc.collect()  # release the on-disk store before the command opens it
    return path


def _govcat(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "govcat"), *args], capture_output=True, text=True, timeout=300)


def test_command_report_and_exit_codes(tmp_path):
    path = _cli_store(tmp_path)
    ok = _govcat("--store", str(path), "harvest", str(PORTAL / "catalog.ttl"))
    assert ok.returncode == 0, ok.stderr
    assert "datasets: 5" in ok.stdout and "pages: 3" in ok.stdout
    assert "dct:language" in ok.stdout and "BIENNIAL" in ok.stdout and "not mapped" in ok.stdout
    again = _govcat("--store", str(path), "harvest", "--json", str(PORTAL / "catalog.ttl"))
    report = json.loads(again.stdout)
    assert report["history"].startswith(f"{BASE}graph/harvest/portal-catalog-ttl/v/")
    assert report["unmapped_properties"][DCT + "language"]["count"] == 1
    bad = tmp_path / "bad.ttl"
    bad.write_text("<https://x.example/a> <https://x.example/b> .\n", encoding="utf-8")
    store = CatalogStore.open(path, BASE)
    before = all_quads(store)
    del store
    gc.collect()
    failed = _govcat("--store", str(path), "harvest", str(bad))
    assert failed.returncode == 2
    assert f"{bad}:1:" in failed.stderr and "语法错误" in failed.stderr and "syntax error" in failed.stderr
    store = CatalogStore.open(path, BASE)
    assert all_quads(store) == before
