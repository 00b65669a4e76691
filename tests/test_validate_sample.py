"""The bundled sample's deliberate violations (sample/violations.csv) are reported with the right rule,
article and department, and nothing else is, at the sample's as-of date."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from govcat.sample import SAMPLE_DIR, submissions
from govcat.store import CatalogStore
from govcat.validation import Scope, validate

BASE = "https://data.sd.gov.cn/govcat/"
AS_OF = date(2026, 11, 25)  # sample/README.md
CATALOG_RULES = (
    "R2.1 R15.1 R15.2 R15.3 R16.1 R17.1 R17.2 R18.1 R18.2 R19.1 R20.1 R21.1 R22.1 R22.2 R24.1 R25.1 R25.2 R25.3 R25.4 R39.1"
).split()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    if not (SAMPLE_DIR / "violations.csv").is_file() or not submissions():
        pytest.skip("the sample catalog is not there")
    from govcat.loaders.template import load_submissions

    store = CatalogStore.open(tmp_path_factory.mktemp("sample") / "store", BASE)
    load_submissions(submissions(), store)
    return store


@pytest.fixture(scope="module")
def report(store):
    """The reference engine's report."""
    return validate(store, scope=Scope.store(), as_of=AS_OF, engine="pyshacl")


def test_fast_engine_gives_exactly_the_reference_results(store, report):
    fast = validate(store, scope=Scope.store(), as_of=AS_OF, engine="fast")

    def key(r):
        # Blank-node shapes are parsed anew by each run, so they compare by rule and component.
        return (r.focus, r.shape if r.shape.startswith("http") else r.rule, r.component, r.severity, r.path, r.value)

    assert report.results, "the sample has deliberate violations"
    assert {key(r) for r in fast.results} == {key(r) for r in report.results}


def _expected() -> set[tuple]:
    with (SAMPLE_DIR / "violations.csv").open(encoding="utf-8") as fh:
        return {
            (r["rule_id"], int(r["article"]), r["severity"], r["department_uscc"], r["resource_code"] or None)
            for r in csv.DictReader(fh)
        }


def _got(report) -> set[tuple]:
    # One deliberate violation may give several results (e.g. R2.1: both the sharing and the open type
    # are wrong); the sample lists it once, so compare by rule, department and resource.
    return {(r.rule, r.article, r.severity, r.department, r.resource_code) for r in report.results}


def test_every_deliberate_violation_is_reported(report):
    missing = _expected() - _got(report)
    assert not missing, f"not reported: {sorted(missing)}"


def test_nothing_else_is_reported(report):
    extra = _got(report) - _expected()
    assert not extra, f"reported beyond sample/violations.csv: {sorted(extra)}"


def test_every_result_has_both_messages(report):
    for r in report.results:
        assert r.message.get("zh") and r.message.get("en") and "{" not in r.message["zh"] + r.message["en"]
