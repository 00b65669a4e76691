"""The fast engine as a govcat validation engine (``govcat validate --engine fast``).

It reads the same graphs as the reference engine (``govcat.validation.datagraph``) straight from the store.
The as-of date and a submission being dry-run go into a scratch graph of the store for the length of the
run, so the store's content is as it was afterwards.
"""

from __future__ import annotations

import uuid
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from govcat.fastshacl.compiler import CompiledShapes, compile_shapes
from govcat.fastshacl.engine import FastResult, run
from govcat.rdfio import ox_to_rdflib, rdflib_to_ox

_LOOKUP = (Path(__file__).parent / "queries" / "lookup.rq").read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def _compiled(shapes_key: int, shapes: Graph) -> CompiledShapes:
    return compile_shapes(shapes)


def compiled_for(shapes: Graph) -> CompiledShapes:
    return _compiled(id(shapes), shapes)


def scratch_graph(store) -> str:
    return f"{store.iris.base}graph/scratch/{uuid.uuid4().hex}"


# Nodes looked up per query. One query per node cost 1-2 ms each, most of it parsing and planning: 0.4 s of a
# 500-resource department's re-check at 300,000 resources. Oxigraph evaluates the lookup once per VALUES row
# (a loop join), whatever the number of rows.
LOOKUP_BATCH = 500


def lookup_graph(store, nodes: set[Node]) -> Graph:
    """The triples a report needs about ``nodes`` (see queries/lookup.rq)."""
    # IRIs come from the store (already valid IRIs); str() of a NamedNode is its N-Triples form.
    iris = sorted(str(ox.NamedNode(str(n))) for n in nodes if isinstance(n, URIRef))
    triples: list = []
    for i in range(0, len(iris), LOOKUP_BATCH):
        values = "VALUES ?node { " + " ".join(iris[i:i + LOOKUP_BATCH]) + " }"
        triples.extend(store.query(_LOOKUP.replace("#NODES#", values)))
    return ox_to_rdflib(triples)


def fast_engine(spec, shapes: Graph, *, focus: set[str] | None = None):
    """Engine entry point: (DataSpec, shapes graph) -> (raw results, lookup graph).

    With ``focus``, only those focus nodes are checked (see ``incremental``)."""
    from govcat.validation import datagraph
    from govcat.validation.engines import RawResult

    store = spec.store
    scratch = scratch_graph(store)
    extra = Graph()
    extra.add(datagraph.as_of_triple(spec.as_of))
    store.add_to_graph(scratch, rdflib_to_ox(extra) + list(spec.extra))
    # The store's union of graphs is the data (Oxigraph evaluates it far faster than a list of graphs). A dry
    # run that puts a submission in place of a department's catalog must leave that graph out: only then is
    # an explicit list used.
    graphs = None
    if spec.exclude:
        graphs = [g for g in datagraph.validation_graphs(store) if g not in spec.exclude] + [scratch]
    try:
        results = run(store.ox, compiled_for(shapes), graphs=graphs, focus=focus)
        nodes = {r.focus for r in results} | {r.value for r in results if r.value is not None}
        # Looked up while the scratch graph is there: a dry-run submission's nodes are only in it.
        lookup = lookup_graph(store, nodes)
    finally:
        store.drop_graph(scratch)
    return [_raw(r, RawResult) for r in results], lookup


def _raw(r: FastResult, cls):
    return cls(focus=r.focus, shape=r.shape, severity=r.severity, component=r.component, path=r.path,
               value=r.value, messages=r.messages)
