"""After a load or a registry change, what it can affect is re-checked at once (`govcat load`, `govcat
registry load`), with the same results as a full check of the store for those nodes."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from govcat.loaders.template import load_submissions
from govcat.store import CatalogStore
from govcat.validation import Scope, validate
from govcat.validation.recheck import recheck

sys.path.insert(0, str(Path(__file__).parent))
from test_load import fixture_store  # noqa: E402

DATA = Path(__file__).parent / "data" / "load"
POLICE = "11370000MB3706308U"
BASE = "https://data.sd.gov.cn/govcat/"
GOVCAT = Path(sys.executable).parent / "govcat"
AS_OF = date(2026, 6, 1)


def _fixture_store(path: Path) -> CatalogStore:
    store = fixture_store(path)  # the vocabularies and small registries of tests/data/load
    store.flush()
    return store


def _without_update_period(tmp_path: Path, code: str) -> Path:
    """good-csv with one resource's 更新周期 left empty (R15.1 then fires for it)."""
    folder = tmp_path / "changed"
    shutil.copytree(DATA / "good-csv", folder)
    sheet = folder / "信息资源.csv"
    with open(sheet, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    column = rows[0].index("更新周期")
    for row in rows[1:]:
        if row[0] == code:
            row[column] = ""
    with open(sheet, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return folder


def _keys(results) -> set[tuple]:
    return {(r.focus, r.shape, r.path, r.value, r.severity) for r in results}


def test_a_resubmission_is_rechecked_as_a_full_check_would_check_it(tmp_path: Path) -> None:
    store = _fixture_store(tmp_path / "store")
    load_submissions([DATA / "good-csv", DATA / "stats-csv"], store)
    recheck(store, [store.iris.catalog_graph(POLICE)], as_of=AS_OF)  # the first load: whole catalogs

    load_submissions([_without_update_period(tmp_path, "101001/000002")], store)
    done = recheck(store, [store.iris.catalog_graph(POLICE)], as_of=AS_OF)

    resource = store.iris.dataset("101001/000002")
    assert resource in done.focus
    assert not any("/report/" in node for node in done.focus), "the first re-check's kept report is not data"
    # what the change can affect (the police's other resource names it as related) and not the other department
    assert store.iris.dataset("101001/000001") in done.focus
    assert store.iris.dataset("302001/000001") not in done.focus
    assert any(r.rule == "R15.1" and r.focus == resource and "更新周期" in r.message["zh"] for r in done.report.results)
    full = validate(store, scope=Scope.store(), as_of=AS_OF, engine="fast")
    assert _keys(done.report.results) == _keys(r for r in full.results if r.focus in done.focus)
    assert done.graph is not None and store.graph_exists(done.graph)


def test_an_unchanged_resubmission_rechecks_nothing(tmp_path: Path) -> None:
    store = _fixture_store(tmp_path / "store")
    load_submissions([DATA / "good-csv"], store)
    load_submissions([DATA / "good-csv"], store)
    done = recheck(store, [store.iris.catalog_graph(POLICE)], as_of=AS_OF)
    assert done.focus == set() and done.report.results == []


@pytest.fixture()
def store_dir(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    _fixture_store(path)
    return path  # the CLI opens the store itself; one writer at a time


def _govcat(*args: str, lang: str = "zh") -> subprocess.CompletedProcess:
    return subprocess.run([str(GOVCAT), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "GOVCAT_LANG": lang})


def test_govcat_load_prints_the_verdict_on_what_changed(tmp_path: Path, store_dir: Path) -> None:
    first = _govcat("--store", str(store_dir), "load", str(DATA / "good-csv"))
    assert first.returncode == 0, first.stderr
    assert "re-checked the" in first.stdout and "报告已保存 / report kept in graph" in first.stdout

    changed = _govcat("--store", str(store_dir), "load", str(_without_update_period(tmp_path, "101001/000002")),
                      lang="en")
    assert changed.returncode == 0, changed.stderr  # a violation of the Measures does not fail a load
    out = changed.stdout
    assert f"{POLICE} Shandong Provincial Department of Public Security: 违规 2 / violations" in out
    assert "[R15.1 Violation]" in out and "update period" in out

    quiet = _govcat("--store", str(store_dir), "load", "--no-check", str(DATA / "good-csv"))
    assert quiet.returncode == 0 and "re-checked" not in quiet.stdout


def test_an_amended_law_rechecks_the_catalogs_that_cite_it(tmp_path: Path) -> None:
    """`govcat registry load legal-amendments`: a department of the sample cites the Data Security Law; an
    amendment it has not followed within 15 working days is reported (R16.1) right away."""
    from govcat.sample import SAMPLE_DIR

    department = "11370000MB4613648N"
    folder = tmp_path / department
    shutil.copytree(Path(SAMPLE_DIR) / department, folder)
    filing = folder / "目录信息.csv"
    text = filing.read_text(encoding="utf-8-sig")
    filing.write_text(text.replace(",2026-11-17,", ",2026-01-05,"), encoding="utf-8-sig")  # last updated then
    store_dir = tmp_path / "store"
    loaded = _govcat("--store", str(store_dir), "load", "--no-check", str(folder))
    assert loaded.returncode == 0, loaded.stderr
    amendments = tmp_path / "amendments.csv"
    amendments.write_text("key,修订日期,施行日期,说明,备注\n"
                          "prc-data-security-law,2026-03-02,2026-03-02,关于修改的决定,\n", encoding="utf-8")
    done = _govcat("--store", str(store_dir), "registry", "load", "legal-amendments", str(amendments), lang="en")
    assert done.returncode == 0, done.stderr
    assert "re-checked the" in done.stdout
    assert f"{department} " in done.stdout and "[R16.1 Violation]" in done.stdout
