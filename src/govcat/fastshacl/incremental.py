"""Incremental checking: re-check only what a change can affect.

A new submission of one department, or a change to a registry, changes some triples. The focus nodes whose
results can change are found by ``queries/affected.rq`` from the changed triples (the symmetric difference of
a graph's new and previous versions): the nodes they describe or point to, what points to those (lineage,
citations of an amended law, publishers), and the resources sharing a data element with them (一数一源 and
duplicate collection are decided across departments). The fast engine then checks only those focus nodes,
and their results replace those of the same focus nodes in the previous full report.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:
    from govcat.store import CatalogStore
    from govcat.validation.report import Report

_AFFECTED = (Path(__file__).parent / "queries" / "affected.rq").read_text(encoding="utf-8")


def _triples(store: "CatalogStore", graph: str | None) -> set[ox.Triple]:
    if graph is None or not store.graph_exists(graph):
        return set()
    return {q.triple for q in store.triples(graph)}


def changed_triples(store: "CatalogStore", new: str, old: str | None) -> set[ox.Triple]:
    """The triples in one of the two versions of a graph but not in the other."""
    return _triples(store, new) ^ _triples(store, old)


def affected_focus(store: "CatalogStore", triples: Iterable[ox.Triple]) -> set[str]:
    """IRIs of every node whose validation results may change when ``triples`` are added or removed."""
    scratch = f"{store.iris.base}graph/scratch/{uuid.uuid4().hex}"
    store.add_to_graph(scratch, triples)
    try:
        if not store.graph_exists(scratch):
            return set()
        rows = store.query(_AFFECTED, substitutions={"g": ox.NamedNode(scratch)})
        return {r["this"].value for r in rows if isinstance(r["this"], ox.NamedNode)}
    finally:
        store.drop_graph(scratch)


def check_changes(
    store: "CatalogStore", changes: dict[str, str | None], *, as_of: date | None = None
) -> tuple["Report", set[str]]:
    """Check what ``changes`` (new graph IRI -> the graph of its previous version, or None) can affect.

    Returns the report of the affected focus nodes and the set of those nodes.
    """
    from govcat.fastshacl.adapter import fast_engine
    from govcat.validation.datagraph import DataSpec
    from govcat.validation.report import Report, Scope, new_run_id, now, to_results
    from govcat.validation.shapes import rule_shapes, shapes_graph

    diff: set[ox.Triple] = set()
    for new, old in changes.items():
        diff |= changed_triples(store, new, old)
    focus = affected_focus(store, diff)
    as_of = as_of or date.today()
    generated = now()
    raw, data = fast_engine(DataSpec(store, as_of), shapes_graph(), focus=focus)
    results = to_results(raw, rule_shapes(), data)
    return Report(new_run_id(generated), as_of, Scope.store(), "fast-incremental", generated, results), focus


def merge(previous: "Report", incremental: "Report", focus: set[str]) -> "Report":
    """The previous full report with the results of ``focus`` replaced by the incremental ones."""
    from govcat.validation.report import Report

    kept = [r for r in previous.results if r.focus not in focus]
    return Report(incremental.run_id, incremental.as_of, previous.scope, "fast-incremental",
                  incremental.generated, sorted_results(kept + list(incremental.results)))


def sorted_results(results: list) -> list:
    from govcat.validation.report import _rule_key

    return sorted(results, key=lambda x: (x.department or "~", x.article, _rule_key(x.rule), x.resource_code or "",
                                          x.focus, x.value or ""))
