"""`govcat generate`: a synthetic province that loads without errors through the real commands, and whose
deliberate violations (its manifest) are exactly what `govcat validate` finds."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from govcat.cli import cli
from govcat.generator import generate
from govcat.generator.violations import MANIFEST_COLUMNS
from govcat.loaders.template_columns import template_specs
from govcat.registries import REGISTRIES_DIR

GOVCAT = Path(sys.executable).parent / "govcat"
AS_OF = "2026-11-25"  # the generator's default as-of date
SIZE = 1500


def run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    # A process per command, as users run them: the on-disk store admits one writer process at a time.
    return subprocess.run([str(GOVCAT), *args], capture_output=True, text=True, timeout=timeout)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_resources_and_seed_give_byte_identical_files(tmp_path: Path) -> None:
    a, b, c = generate(tmp_path / "a", 400, 5), generate(tmp_path / "b", 400, 5), generate(tmp_path / "c", 400, 6)
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a") != files(tmp_path / "c")
    assert a.resources == b.resources == c.resources == 400


def test_the_command_writes_the_documented_files(tmp_path: Path) -> None:
    out = tmp_path / "province"
    r = CliRunner().invoke(cli, ["generate", str(out), "--resources", "300", "--seed", "2"])
    assert r.exit_code == 0, r.output
    assert "300 个信息资源 / resources" in r.output and "govcat registry load organisations" in r.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["resources"] == 300 and summary["seed"] == 2 and summary["as_of"] == AS_OF
    assert set(summary["by_level"]) == {"province", "city", "county"}
    # the organisation registry: the bundled one (loading replaces the registry), then the generated rows
    bundled = (REGISTRIES_DIR / "organisations.csv").read_text(encoding="utf-8")
    assert (out / "organisations.csv").read_text(encoding="utf-8").startswith(bundled)
    # one CSV folder per department, with the template's Chinese headers
    folders = sorted((out / "departments").iterdir())
    assert len(folders) == summary["departments"]
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == ["信息资源.csv", "信息项.csv", "目录信息.csv"]
        for spec in template_specs():
            with (folder / f"{spec.name}.csv").open(encoding="utf-8", newline="") as fh:
                header = next(csv.reader(fh))
            assert header == [c.zh for c in spec.columns], (folder, spec.name)
    with (out / "violations.csv").open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == MANIFEST_COLUMNS
    # generating again replaces the province: no department of the previous one is left
    r = CliRunner().invoke(cli, ["generate", str(out), "--resources", "20", "--seed", "3"])
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(list((out / "departments").iterdir())) == summary["departments"] < len(folders)
    # a folder that is not a generated province is not written into
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    r = CliRunner().invoke(cli, ["generate", str(other), "--resources", "10"])
    assert r.exit_code == 2 and "neither empty nor" in r.output


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> dict:
    """A generated province registered and loaded into a real on-disk store with the two documented
    commands, then validated by `govcat validate` at the generator's as-of date."""
    root = tmp_path_factory.mktemp("generated")
    out, store = root / "province", root / "store"
    summary = generate(out, SIZE, 329)
    r = run("--store", str(store), "registry", "load", "organisations", str(out / "organisations.csv"), "--no-check")
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("--store", str(store), "load", "--no-check", *map(str, sorted((out / "departments").iterdir())))
    report = root / "report.json"
    v = run("--store", str(store), "validate", "--as-of", AS_OF, "--format", "json", "--no-keep", "-o", str(report))
    with (out / "violations.csv").open(encoding="utf-8", newline="") as fh:
        manifest = list(csv.DictReader(fh))
    return {"out": out, "store": store, "summary": summary, "load": r, "validate": v, "manifest": manifest,
            "results": json.loads(report.read_text(encoding="utf-8"))["results"]}


def test_the_province_loads_without_errors_or_warnings(province: dict) -> None:
    r = province["load"]
    assert r.returncode == 0, r.stderr[-3000:]
    assert "警告 / warning" not in r.stderr and "错误" not in r.stderr, r.stderr[-3000:]
    assert r.stdout.count("已加载 / loaded") == province["summary"].departments


def _select(store_dir: Path, query: str) -> list[dict]:
    from govcat.store import CatalogStore

    store = CatalogStore.open(store_dir, "https://data.sd.gov.cn/govcat/")
    try:
        return store.select(query)
    finally:
        del store


PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX gc: <https://w3id.org/govcat/ns#> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX al: <https://w3id.org/govcat/vocab/admin-level/>
"""


def test_every_level_publishes_with_about_15_items_per_resource(province: dict) -> None:
    rows = _select(province["store"], PREFIXES + """
        SELECT ?level (COUNT(DISTINCT ?cat) AS ?catalogs) (COUNT(DISTINCT ?ds) AS ?resources) (COUNT(?item) AS ?items)
        WHERE { GRAPH ?g { ?cat a dcat:Catalog ; dcat:dataset ?ds . ?ds gc:dataItem ?item }
                ?cat dct:publisher ?dept . ?dept gc:adminLevel ?level }
        GROUP BY ?level""")
    by_level = {r["level"].rsplit("/", 1)[-1]: r for r in rows}
    assert set(by_level) == {"province", "city", "county"}
    resources = sum(int(r["resources"]) for r in rows)
    items = sum(int(r["items"]) for r in rows)
    assert resources == SIZE and items == province["summary"].items
    assert 13 <= items / resources <= 17
    # skewed sizes: a provincial catalog is larger than a city's on average, and a city's than a county's
    mean = {k: int(r["resources"]) / int(r["catalogs"]) for k, r in by_level.items()}
    assert mean["province"] > mean["city"] > mean["county"]


def test_lineage_crosses_departments_and_levels(province: dict) -> None:
    rows = _select(province["store"], PREFIXES + """
        SELECT ?from ?to (COUNT(*) AS ?n) WHERE {
            ?ds prov:wasDerivedFrom ?src ; dct:publisher ?a . ?src dct:publisher ?b .
            FILTER (?a != ?b)
            ?a gc:adminLevel ?to . ?b gc:adminLevel ?from }
        GROUP BY ?from ?to""")
    pairs = {(r["from"].rsplit("/", 1)[-1], r["to"].rsplit("/", 1)[-1]): int(r["n"]) for r in rows}
    assert pairs.get(("province", "city"), 0) > 0  # a city's resource derived from the province's
    assert pairs.get(("city", "county"), 0) > 0  # a county's from its city's
    assert pairs.get(("province", "province"), 0) > 0  # across provincial departments


def test_validate_finds_exactly_the_manifest(province: dict) -> None:
    assert province["validate"].returncode == 1, province["validate"].stderr[-2000:]  # violations: exit 1
    manifest, results = province["manifest"], province["results"]
    found: dict[str, set[str]] = {}
    for r in results:
        found.setdefault(r["resource_code"], set()).add(r["rule"])
    missing = [m for m in manifest if m["rule_id"] not in found.get(m["resource_code"], set())]
    assert not missing, missing
    # and nothing else: every other resource conforms, so no department or resource has an unlisted result
    listed = {m["resource_code"] for m in manifest}
    assert not [r for r in results if r["resource_code"] not in listed]
    # About 2%: each resource is broken with probability 0.02, so the count is binomial (mean 30, sd 5.4 at
    # 1,500); 1-3.5% is beyond three standard deviations either way.
    assert 0.01 <= len(listed) / SIZE <= 0.035
    assert len({m["rule_id"] for m in manifest}) >= 8  # a spread of rules, not one
