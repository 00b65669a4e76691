"""The fast engine gives exactly pyshacl's results (focus, path, shape, component, severity, value)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import RDF, SH

from govcat.fastshacl import compile_shapes, run

DATA = Path(__file__).parent / "data" / "fastshacl"


def pyshacl_keys(data: Graph, shapes: Graph) -> set[tuple]:
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True)
    keys = set()
    for r in report.objects(None, SH.result):  # top-level results, not sh:detail
        keys.add(tuple(report.value(r, p) for p in (SH.focusNode, SH.resultPath, SH.sourceShape,
                                                    SH.sourceConstraintComponent, SH.resultSeverity, SH.value)))
    return keys


def fast_keys(data: Graph, shapes: Graph) -> set[tuple]:
    store = ox.Store()
    triples = ox.parse(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return {r.key() for r in run(store, compile_shapes(shapes), graphs=None)}


def _normalise(keys: set[tuple], shapes: Graph) -> set[tuple]:
    # Paths and shapes are shapes-graph nodes on both sides; blank paths compare by identity of that graph.
    return keys


def test_engine_matches_pyshacl_on_every_component():
    shapes = Graph().parse(DATA / "shapes.ttl")
    data = Graph().parse(DATA / "data.ttl")
    expected = pyshacl_keys(data, shapes)
    got = fast_keys(data, shapes)
    assert expected, "the fixture must produce results"
    missing = expected - got
    extra = got - expected
    assert not missing and not extra, f"missing={sorted(map(str, missing))}\nextra={sorted(map(str, extra))}"
