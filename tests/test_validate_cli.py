"""`govcat validate` end to end: formats, exit codes, scopes, and reports kept as data in the store."""

from __future__ import annotations

import gc
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from rdflib import Graph

from govcat.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATIONS, cli
from govcat.rdfio import read_turtle
from govcat.store import CatalogStore
from govcat.validation import check_store

BASE = "https://data.sd.gov.cn/govcat/"
DATA = Path(__file__).parent / "data" / "shapes"
QUERY = Path(__file__).parents[1] / "docs" / "queries" / "departments-breaking-article.rq"
D1 = "11379900MB7099373K"  # 测试省公安厅 (tests/data/shapes/_context.ttl)
D2 = "11379900MB0640235C"  # 测试省卫生健康委员会


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    """A store with the test context, a catalog of D1 that breaks Article 22, and clean resources of D2."""
    path = tmp_path_factory.mktemp("validate") / "store"
    store = CatalogStore.open(path, BASE)
    store.add_to_graph(store.iris.registry_graph("organisations"), read_turtle(DATA / "_context.ttl"))
    d1 = list(read_turtle(DATA / "R15.2" / "quiet-filed.ttl")) + list(
        read_turtle(DATA / "R22.2" / "fire-unshared-normative-document.ttl"))
    store.replace_graph(store.iris.catalog_graph(D1), d1)
    store.replace_graph(store.iris.catalog_graph(D2), read_turtle(DATA / "R17.1" / "quiet-one-source.ttl"))
    store.flush()
    del store  # one process opens the store read-write at a time
    return path


def _run(store_dir: Path, *args: str):
    gc.collect()  # the previous in-process run's store must be closed before the next opens it
    res = CliRunner().invoke(cli, ["--store", str(store_dir), "--base-iri", BASE, "validate", "--as-of", "2024-11-15", *args])
    # Keep only what the tests read: the result's traceback would keep the run's store open.
    return SimpleNamespace(exit_code=res.exit_code, output=res.output)


def _own(results: list[dict]) -> list[dict]:
    # The bundled registries' own results (e.g. R24.1 while governments lack gc:openDataSite) are not
    # what these tests are about.
    return [r for r in results if r["department"] in (D1, D2)]


def test_json_report_and_exit_status_1(store_dir):
    res = _run(store_dir, "--format", "json")
    assert res.exit_code == EXIT_VIOLATIONS, res.output
    report = json.loads(res.output)
    assert report["as_of"] == "2024-11-15" and report["conforms"] is False
    own = _own(report["results"])
    assert [(r["rule"], r["article"], r["severity"], r["department"]) for r in own] == [("R22.2", 22, "Violation", D1)]
    r = own[0]
    assert r["resource_code"] and r["focus"].startswith(BASE + "dataset/")
    assert r["path"] == "http://data.europa.eu/r5r/applicableLegislation"
    assert set(r["message"]) == {"zh", "en"} and "测试数据管理暂行办法" in r["message"]["zh"]


def test_department_scope_reports_only_that_department(store_dir):
    res = _run(store_dir, "--format", "json", "--department", D2)
    report = json.loads(res.output)
    assert report["results"] == [] and report["conforms"] is True
    assert res.exit_code == EXIT_OK, res.output
    res = _run(store_dir, "--format", "json", "--department", D1)
    assert res.exit_code == EXIT_VIOLATIONS
    assert {r["department"] for r in json.loads(res.output)["results"]} == {D1}


def test_text_report_in_zh_and_en(store_dir):
    zh = _run(store_dir, "--department", D1, "--lang", "zh")
    assert zh.exit_code == EXIT_VIOLATIONS
    assert "第22条" in zh.output and "R22.2" in zh.output and "测试省公安厅" in zh.output
    en = _run(store_dir, "--department", D1, "--lang", "en")
    assert "Article 22" in en.output and "Test Provincial Department of Public Security" in en.output


def test_turtle_report_is_a_shacl_validation_report(store_dir):
    res = _run(store_dir, "--format", "turtle", "--department", D1)
    g = Graph().parse(data=res.output, format="turtle")
    q = """PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX gc: <https://w3id.org/govcat/ns#>
           SELECT ?rule ?article WHERE { ?r a sh:ValidationReport ; sh:conforms false ; gc:asOf ?d ;
             sh:result ?x . ?x gc:ruleId ?rule ; gc:article ?article ; sh:focusNode ?f ; sh:resultMessage ?m }"""
    assert {(str(a), int(b)) for a, b in g.query(q)} == {("R22.2", 22)}


def test_html_report(store_dir, tmp_path):
    out = tmp_path / "report.html"
    res = _run(store_dir, "--format", "html", "--department", D1, "-o", str(out))
    assert res.exit_code == EXIT_VIOLATIONS
    soup = BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")
    rows = soup.select("tr.result")
    assert [(r["data-rule"], r["data-article"]) for r in rows] == [("R22.2", "22")]
    assert soup.select_one("time.as-of").text == "2024-11-15"


def test_bad_input_exits_2(store_dir):
    assert _run(store_dir, "--as-of", "2024-13-45").exit_code == EXIT_BAD_INPUT
    assert _run(store_dir, "--engine", "nope").exit_code == EXIT_BAD_INPUT
    assert _run(store_dir, "--department", "91370000MA00000000").exit_code == EXIT_BAD_INPUT
    assert _run(store_dir, "--format", "yaml").exit_code == EXIT_BAD_INPUT


def test_reports_are_kept_and_answer_which_departments_broke_an_article(store_dir, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    gc.collect()
    store = CatalogStore.open(copy, BASE)
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    summary = check_store(store, as_of=datetime(2024, 11, 15).date())
    assert summary["graph"] in store.named_graphs() and summary["violations"] >= 1
    assert summary["by_rule"].get("R22.2") == 1

    def ask(article: int, start: datetime, end: datetime) -> list[dict]:
        xsd = "http://www.w3.org/2001/XMLSchema#"
        return store.select(QUERY.read_text(encoding="utf-8"), substitutions={
            "article": ox.Literal(str(article), datatype=ox.NamedNode(xsd + "integer")),
            "from": ox.Literal(start.isoformat(), datatype=ox.NamedNode(xsd + "dateTime")),
            "to": ox.Literal(end.isoformat(), datatype=ox.NamedNode(xsd + "dateTime")),
        })

    after = datetime.now(timezone.utc) + timedelta(seconds=1)
    rows = ask(22, before, after)
    assert [(r["uscc"], r["name"], int(r["violations"])) for r in rows] == [(D1, "测试省公安厅", 1)]
    assert all(r["uscc"] not in (D1, D2) for r in ask(15, before, after))
    last_month = before - timedelta(days=30)
    assert ask(22, last_month - timedelta(days=30), last_month) == []
    # the run is described: when, as of, scope, engine
    run = store.select(
        "SELECT ?g ?asOf ?scope ?engine WHERE { GRAPH ?g { ?r <https://w3id.org/govcat/ns#asOf> ?asOf ; "
        "<https://w3id.org/govcat/ns#scope> ?scope ; <https://w3id.org/govcat/ns#engine> ?engine } }",
        substitutions={"g": ox.NamedNode(summary["graph"])},
    )
    assert run == [{"g": summary["graph"], "asOf": "2024-11-15", "scope": "store", "engine": "fast"}]


def test_submission_dry_run_reports_its_department_and_writes_nothing(store_dir):
    from govcat.sample import SAMPLE_DIR

    path = SAMPLE_DIR / "11370000MB0102728M"  # the sample's deliberate R15.1 (206028/000003)
    if not path.is_dir():
        pytest.skip("the sample catalog is not there")
    res = _run(store_dir, "--submission", str(path), "--format", "json")
    assert res.exit_code == EXIT_VIOLATIONS, res.output
    report = json.loads(res.output)
    assert report["scope"]["kind"] == "submission"
    assert {r["department"] for r in report["results"]} == {"11370000MB0102728M"}
    assert ("R15.1", "206028/000003") in {(r["rule"], r["resource_code"]) for r in report["results"]}
    gc.collect()
    store = CatalogStore.open(store_dir, BASE)
    try:
        assert not store.graph_exists(store.iris.catalog_graph("11370000MB0102728M"))
    finally:
        del store
        gc.collect()
