"""Running compiled shapes on an Oxigraph store."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from govcat.fastshacl.compiler import ANTI_JOIN, FOCUS_JOIN, FOCUS_RESTRICTION, CompiledQuery, CompiledShapes


@dataclass(frozen=True)
class FastResult:
    focus: Node
    path: Node | None
    shape: Node
    component: URIRef
    severity: URIRef
    value: Node | None
    messages: tuple[Literal, ...] = field(default=(), compare=False)
    source_constraint: Node | None = field(default=None, compare=False)

    def key(self) -> tuple:
        """The identity pyshacl's results are compared on."""
        return (self.focus, self.path, self.shape, self.component, self.severity, self.value)


def to_rdflib(term: object) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)  # rdflib keeps simple literals untyped
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unexpected term {term!r}")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_SELECT = re.compile(r"\bSELECT\s+((?:DISTINCT|REDUCED)\s+)?", re.IGNORECASE)


def _project_this(text: str) -> str:
    """Make sure a SPARQL constraint projects ?this, so results carry their focus node."""
    m = _SELECT.search(text)
    if not m:
        return text
    rest = text[m.end():]
    head = rest.split("WHERE", 1)[0] if "WHERE" in rest else rest.split("{", 1)[0]
    if head.strip().startswith("*") or re.search(r"\?this\b", head):
        return text
    return text[: m.end()] + "?this " + rest


# {$this}, {?value} and {?path} are left for the report, which names nodes by their codes and labels.
_LEFT_FOR_REPORT = {"this", "value", "path"}


def _substitute(message: Literal, row: dict[str, Node | None]) -> Literal:
    def repl(m: re.Match) -> str:
        if m.group(1) in _LEFT_FOR_REPORT:
            return m.group(0)
        value = row.get(m.group(1))
        return str(value) if value is not None else m.group(0)

    text = re.sub(r"\{[?$](\w+)\}", repl, str(message))
    return Literal(text, lang=message.language)


def _load_trim():
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim") if name else None
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_MALLOC_TRIM = _load_trim()


def release_freed_memory() -> None:
    """Give memory freed by a query back to the operating system (glibc only; elsewhere a no-op).

    A query over every data item builds join tables of hundreds of megabytes at province scale. glibc keeps
    what they free in the arena of the thread that ran the query, where the other worker's next query cannot
    use it, so without this the peak grows toward the sum of what each worker's arena ever held (30,000
    resources, two workers: 935 MiB peak for the queries, 666 MiB with this)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _restriction(focus: list[str] | None) -> str:
    if focus is None:
        return ""
    # IRIs come from the store (already valid IRIs); str() of a NamedNode is its N-Triples form.
    return "VALUES ?this { " + " ".join(str(ox.NamedNode(f)) for f in focus) + " }\n"


# When a list, each query run appends (source shape, seconds, rows) to it: benchmarks read where a run went.
query_timings: list[tuple[str, float, int]] | None = None


def _run_one(store: ox.Store, q: CompiledQuery, prefixes: str, graphs: list[ox.NamedNode] | None,
             restriction: str) -> list[FastResult]:
    start = time.perf_counter()
    text = q.sparql.replace(FOCUS_RESTRICTION, restriction).replace(FOCUS_JOIN, restriction)
    text = text.replace(ANTI_JOIN, "FILTER NOT EXISTS" if restriction else "MINUS")
    if q.sparql_based:
        text = _project_this(text)
    kwargs = {"default_graph": graphs} if graphs is not None else {"use_default_graph_as_union": True}
    solutions = store.query(prefixes + text, **kwargs)
    names = [v.value for v in solutions.variables]
    out: list[FastResult] = []
    is_property_shape = q.path is not None
    for sol in solutions:
        row = {n: to_rdflib(sol[n]) for n in names}
        focus = row.get("this")
        if focus is None:
            continue
        if q.sparql_based:
            value = row.get("value")
            if value is None and not is_property_shape:
                value = focus
            path = row.get("path") or q.path
        else:
            value = row.get("value") if q.has_value else None
            path = q.path
        messages = tuple(_substitute(m, row) for m in q.messages)
        out.append(FastResult(focus, path, q.shape, q.component, q.severity, value, messages, q.source_constraint))
    del solutions  # pyoxigraph results must be dropped on the thread that made them
    release_freed_memory()
    if query_timings is not None:
        query_timings.append((str(q.shape), time.perf_counter() - start, len(out)))
    return out


def run(
    store: ox.Store,
    compiled: CompiledShapes,
    *,
    graphs: Iterable[str] | None = None,
    workers: int | None = None,
    focus: Iterable[str] | None = None,
) -> list[FastResult]:
    """Run every compiled query over the union of ``graphs`` (all graphs if None), in parallel.

    Oxigraph evaluates queries without holding the GIL, so threads use every core. With ``focus``, only
    those focus nodes are checked (an incremental check).
    """
    restriction = _restriction(sorted(set(focus)) if focus is not None else None)
    graph_nodes = [ox.NamedNode(g) for g in graphs] if graphs is not None else None
    workers = workers or max(1, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        batches = pool.map(lambda q: _run_one(store, q, compiled.prefixes, graph_nodes, restriction), compiled.queries)
        results: dict[tuple, FastResult] = {}
        for batch in batches:
            for r in batch:
                results.setdefault(r.key(), r)
    return list(results.values())


__all__ = ["FastResult", "run", "to_rdflib", "release_freed_memory", "SH"]
