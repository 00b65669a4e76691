"""The data graph a validation run checks: catalogs plus the registries, vocabularies, Measures and calendar.

Cross-department rules (一数一源, duplicate collection) need every catalog, so a run always sees all
current catalogs; a department or submission scope only narrows which results are reported. The as-of date
goes into the data as ``gc:validationContext gc:asOf``, so that SHACL-SPARQL constraints read it and any
engine running the same shapes sees the same date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph, Literal

from govcat.ns import GC, XSD
from govcat.rdfio import ox_to_rdflib

if TYPE_CHECKING:
    from govcat.store import CatalogStore

CONTEXT = GC.validationContext
REGISTRIES = ("organisations", "legal", "data-elements", "calendar")


@dataclass
class DataSpec:
    """What to validate: the store's graphs, minus ``exclude`` (a department's graph replaced by a
    submission), plus ``extra`` triples (the submission), at ``as_of``."""

    store: "CatalogStore"
    as_of: date
    exclude: frozenset[str] = frozenset()
    extra: list[ox.Triple] = field(default_factory=list)


def context_graphs(store: "CatalogStore") -> list[str]:
    """The graphs every run needs besides the catalogs."""
    iris = store.iris
    return [iris.vocab_graph, iris.measures_graph, *(iris.registry_graph(r) for r in REGISTRIES)]


def catalog_graphs(store: "CatalogStore") -> list[str]:
    """The current department catalogs (not their replaced versions)."""
    prefix = store.iris.base + "graph/catalog/"
    return [g for g in store.named_graphs() if g.startswith(prefix) and "/v/" not in g[len(prefix):]]


def as_of_triple(as_of: date) -> tuple:
    return (CONTEXT, GC.asOf, Literal(as_of.isoformat(), datatype=XSD.date))


def export(store: "CatalogStore", graphs: Iterable[str]) -> Graph:
    """The union of ``graphs`` of the store as one rdflib graph."""
    quads = (q for g in graphs if store.graph_exists(g) for q in store.triples(g))
    return ox_to_rdflib(quads)


def build(spec: DataSpec) -> Graph:
    """The rdflib data graph of ``spec``."""
    graphs = [g for g in context_graphs(spec.store) + catalog_graphs(spec.store) if g not in spec.exclude]
    data = export(spec.store, graphs)
    if spec.extra:
        data += ox_to_rdflib(spec.extra)
    data.add(as_of_triple(spec.as_of))
    return data
