"""Validation engines. An engine takes a :class:`DataSpec` and the shapes graph and returns the raw
results plus an rdflib graph to look focus nodes up in (departments, codes, labels).

pyshacl is the reference engine. Another engine (e.g. one that runs the shapes as SPARQL on the store)
registers itself in :data:`ENGINES` under its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from govcat.errors import CatalogError
from govcat.ns import SH
from govcat.validation import datagraph
from govcat.validation.datagraph import DataSpec


@dataclass(frozen=True)
class RawResult:
    focus: Node
    shape: Node
    severity: URIRef
    component: Node | None
    path: Node | None
    value: Node | None
    messages: tuple[Literal, ...]


Engine = Callable[[DataSpec, Graph], tuple[list[RawResult], Graph]]


def results_from_report_graph(report: Graph) -> list[RawResult]:
    """The results of a standard ``sh:ValidationReport`` graph."""
    out = []
    # Only the report's own results: sh:detail results of nested shapes are explanations, not results.
    for r in report.objects(None, SH.result):
        out.append(
            RawResult(
                focus=report.value(r, SH.focusNode),
                shape=report.value(r, SH.sourceShape),
                severity=report.value(r, SH.resultSeverity),
                component=report.value(r, SH.sourceConstraintComponent),
                path=report.value(r, SH.resultPath),
                value=report.value(r, SH.value),
                messages=tuple(m for m in report.objects(r, SH.resultMessage) if isinstance(m, Literal)),
            )
        )
    return out


class _PreparedQueries(Graph):
    """A view of a data graph (same triples, same store) that parses each SPARQL text once per process.

    pyshacl runs a SHACL-SPARQL constraint once per focus node and passes its text each time; parsing
    dominates otherwise (about 0.1 s per query with pyparsing)."""

    _cache: dict[str, Any] = {}

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if isinstance(query_object, str):
            prepared = self._cache.get(query_object)
            if prepared is None:
                from rdflib.plugins.sparql import prepareQuery

                prepared = self._cache[query_object] = prepareQuery(query_object)
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


def pyshacl_graph(data: Graph, shapes: Graph) -> list[RawResult]:
    """pyshacl over an rdflib data graph that already holds the validation context."""
    import pyshacl

    data = _PreparedQueries(store=data.store, identifier=data.identifier)
    # No inference: the shapes target explicit classes, and the data graph is never changed by a run.
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True, inplace=True
    )
    if not isinstance(report, Graph):  # pyshacl returns a ValidationFailure for a broken shape
        raise CatalogError(f"规则形状无法执行 / the shapes cannot be run: {report}")
    return results_from_report_graph(report)


def pyshacl_engine(spec: DataSpec, shapes: Graph) -> tuple[list[RawResult], Graph]:
    data = datagraph.build(spec)
    return pyshacl_graph(data, shapes), data


def fast_engine(spec: DataSpec, shapes: Graph) -> tuple[list[RawResult], Graph]:
    """The shapes compiled to SPARQL and run on the store (``govcat.fastshacl``)."""
    from govcat.fastshacl.adapter import fast_engine as run

    return run(spec, shapes)


ENGINES: dict[str, Engine] = {"pyshacl": pyshacl_engine, "fast": fast_engine}


def get(name: str) -> Engine:
    try:
        return ENGINES[name]
    except KeyError:
        raise CatalogError(
            f"未知的校验引擎 {name!r}（可用：{', '.join(ENGINES)}） / unknown engine {name!r} (known: {', '.join(ENGINES)})"
        ) from None
