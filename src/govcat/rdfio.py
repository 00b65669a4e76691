"""Moving RDF between rdflib graphs, Turtle files and the Oxigraph store."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from govcat.errors import Location, LoaderError


def rdflib_to_ox(graph: Graph) -> list[ox.Triple]:
    """The triples of an rdflib graph as pyoxigraph triples (through N-Triples, which both read)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def ox_to_rdflib(triples: Iterable[ox.Triple | ox.Quad]) -> Graph:
    """pyoxigraph triples (or quads, graph names dropped) as an rdflib graph."""
    g = Graph()
    data = ox.serialize(
        (t.triple if isinstance(t, ox.Quad) else t for t in triples), format=ox.RdfFormat.N_TRIPLES
    )
    if data:
        g.parse(data=data.decode("utf-8"), format="nt")
    return g


def read_turtle(path: Path) -> Iterator[ox.Triple]:
    """Parse a Turtle file; a syntax error names the file, line and column."""
    try:
        with path.open("rb") as fh:
            triples = list(ox.parse(fh, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()))
    except SyntaxError as exc:
        loc = Location(str(path), line=getattr(exc, "lineno", None), offset=getattr(exc, "offset", None))
        raise LoaderError(loc, f"Turtle 语法错误：{exc.msg}", f"Turtle syntax error: {exc.msg}") from exc
    return iter(triples)
