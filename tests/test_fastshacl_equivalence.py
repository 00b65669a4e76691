"""The fast engine gives exactly pyshacl's results on govcat's own shapes: on every rule test case, and on
generated catalogs. (The sample catalog is compared in test_validate_sample.py.)

A result is compared on (focus node, path, source shape, constraint component, severity, value), as issue 7
asks. Shapes are parsed once, so blank-node shapes and paths are the same objects for both engines.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from govcat.fastshacl import compile_shapes, run
from govcat.rdfio import rdflib_to_ox
from govcat.store import CatalogStore
from govcat.validation import datagraph, engines
from govcat.validation.shapes import shapes_graph

ROOT = Path(__file__).parent.parent
CASES = sorted((ROOT / "tests" / "data" / "shapes").glob("R*/*.ttl"))
BASE = "https://data.sd.gov.cn/govcat/"
CASE_GRAPH = ox.NamedNode("urn:govcat:test:case")


def _key(r) -> tuple:
    return (r.focus, r.path, r.shape, r.component, r.severity, r.value)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return shapes_graph()


@pytest.fixture(scope="module")
def compiled(shapes):
    return compile_shapes(shapes)


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> tuple[Graph, ox.Store]:
    """The real vocabularies, Measures, registries and calendar plus the shape tests' shared context, both as
    an rdflib graph (for pyshacl) and as an Oxigraph store (for the fast engine)."""
    store = CatalogStore.open(tmp_path_factory.mktemp("equivalence"), BASE)
    g = datagraph.export(store, datagraph.validation_graphs(store))
    g.parse(ROOT / "tests" / "data" / "shapes" / "_context.ttl", format="turtle")
    ostore = ox.Store()
    ostore.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode("urn:govcat:test:context"))
                  for t in rdflib_to_ox(g))
    return g, ostore


def _as_of(path: Path) -> date:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# as-of:"):
            return date.fromisoformat(line.split(":", 1)[1].strip())
    return date(2024, 11, 15)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_results_as_pyshacl_on_rule_case(case, context, shapes, compiled):
    g, ostore = context
    data = Graph()
    data.parse(case, format="turtle")
    data.add(datagraph.as_of_triple(_as_of(case)))
    added = [t for t in data if t not in g]
    for t in added:
        g.add(t)
    try:
        expected = {_key(r) for r in engines.pyshacl_graph(g, shapes)}
    finally:
        for t in added:
            g.remove(t)
    ostore.remove_graph(CASE_GRAPH)
    ostore.extend(ox.Quad(t.subject, t.predicate, t.object, CASE_GRAPH) for t in rdflib_to_ox(data))
    got = {_key(r) for r in run(ostore, compiled)}
    assert got == expected, f"only pyshacl: {sorted(map(str, expected - got))}\nonly fast: {sorted(map(str, got - expected))}"


def test_same_results_as_pyshacl_on_generated_catalogs(tmp_path, shapes):
    """A generated province-like catalog (bench/catalog_gen.py) with deliberate violations."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_support import bureaus
    from catalog_gen import generate

    store = CatalogStore.open(tmp_path / "store", BASE)
    nq = tmp_path / "catalog.nq"
    generate(nq, 120, per_department=30, items_per_resource=4, bureau_of=bureaus(), seed=7)
    store.ox.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    spec = datagraph.DataSpec(store, date(2026, 11, 25))
    from govcat.fastshacl.adapter import fast_engine

    fast, _ = fast_engine(spec, shapes)
    reference, _ = engines.pyshacl_engine(spec, shapes)
    assert reference, "the generated catalog has deliberate violations"
    assert {_key(r) for r in fast} == {_key(r) for r in reference}
