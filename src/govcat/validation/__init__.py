"""Checking catalogs against the Measures: the SHACL shapes of ``shapes/`` run by a pluggable engine.

    report = validate(store, scope=Scope.store(), as_of=date.today(), engine="pyshacl")
    keep(store, report)            # the report as RDF in its own named graph
    check_store(store)             # both, returning a summary (for the demo)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govcat.errors import CatalogError, NotFound
from govcat.rdfio import rdflib_to_ox
from govcat.validation import engines
from govcat.validation.datagraph import DataSpec
from govcat.validation.report import Report, Result, Scope, new_run_id, now, to_graph, to_results
from govcat.validation.shapes import rule_shapes, shapes_graph

if TYPE_CHECKING:
    from govcat.store import CatalogStore

__all__ = [
    "Report", "Result", "Scope", "validate", "keep", "check_store", "submission_scope", "shapes_graph", "rule_shapes",
]


def submission_scope(store: "CatalogStore", path: Path | str) -> tuple[Scope, DataSpec]:
    """The scope and data of a dry run of a submission: its catalog in place of the department's current one."""
    from govcat.loaders.template import read_submission

    sub = read_submission(Path(path), store)
    scope = Scope.of_submission(sub.department, str(path))
    exclude = frozenset({sub.graph}) if sub.graph else frozenset()
    return scope, DataSpec(store, date.today(), exclude=exclude, extra=list(sub.triples))


def validate(
    store: "CatalogStore",
    *,
    scope: Scope | None = None,
    as_of: date | None = None,
    engine: str = "pyshacl",
    spec: DataSpec | None = None,
) -> Report:
    """Check the store (or a department, or a submission given as ``spec``) against every shape."""
    scope = scope or Scope.store()
    as_of = as_of or date.today()
    run = engines.get(engine)
    if scope.kind == "department":
        if not store.graph_exists(store.iris.catalog_graph(scope.department or "")):
            raise NotFound(
                f"没有部门 {scope.department} 的目录 / no catalog of department {scope.department} in the store"
            )
    if spec is None:
        spec = DataSpec(store, as_of)
    else:
        spec.as_of = as_of
    generated = now()
    raw, data = run(spec, shapes_graph())
    results = to_results(raw, rule_shapes(), data)
    if scope.kind in ("department", "submission"):
        results = [r for r in results if r.department == scope.department]
    return Report(new_run_id(generated), as_of, scope, engine, generated, results)


def keep(store: "CatalogStore", report: Report) -> str:
    """Store the report in its own named graph; returns the graph's IRI."""
    graph = store.iris.report_graph(report.run_id)
    store.replace_graph(graph, rdflib_to_ox(to_graph(report, store)))
    store.flush()
    return graph


def check_store(store: "CatalogStore", *, as_of: date | None = None, engine: str = "fast") -> dict[str, Any]:
    """Check the whole store, keep the report, and return its summary (with the report graph's IRI)."""
    report = validate(store, scope=Scope.store(), as_of=as_of, engine=engine)
    summary = report.summary()
    summary["graph"] = keep(store, report)
    return summary


def parse_as_of(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CatalogError(f"日期无效：{text!r}（应为 YYYY-MM-DD） / invalid date {text!r} (expected YYYY-MM-DD)") from None
