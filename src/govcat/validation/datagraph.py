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


def _bookkeeping(store: "CatalogStore") -> tuple[str, ...]:
    """Graphs about the catalog rather than of it: validation reports, replaced-version records, store
    metadata, and transient staging/scratch graphs. No shape reads them."""
    iris = store.iris
    return (iris.base + "graph/report/", iris.history_graph, store.meta_graph, iris.staging_prefix,
            iris.base + "graph/scratch/")


def validation_graphs(store: "CatalogStore") -> list[str]:
    """Every graph a run checks: the main store's named graphs (the ontology, vocabularies, Measures,
    registries and current catalogs; replaced versions live in the archive), without bookkeeping graphs.

    The fast engine reads the main store's union of graphs, which differs from this list only by the
    bookkeeping graphs, so both engines see the same data."""
    skip = _bookkeeping(store)
    return [g for g in store.named_graphs() if not any(g == b or g.startswith(b) for b in skip)]


def context_graphs(store: "CatalogStore") -> list[str]:
    """The graphs every run needs besides the catalogs."""
    catalogs = set(catalog_graphs(store))
    return [g for g in validation_graphs(store) if g not in catalogs]


def catalog_graphs(store: "CatalogStore") -> list[str]:
    """The current catalogs: departments' and harvested ones."""
    prefixes = (store.iris.base + "graph/catalog/", store.iris.base + "graph/harvest/")
    return [g for g in validation_graphs(store) if g.startswith(prefixes)]


def as_of_triple(as_of: date) -> tuple:
    return (CONTEXT, GC.asOf, Literal(as_of.isoformat(), datatype=XSD.date))


def export(store: "CatalogStore", graphs: Iterable[str]) -> Graph:
    """The union of ``graphs`` of the store as one rdflib graph."""
    quads = (q for g in graphs if store.graph_exists(g) for q in store.triples(g))
    return ox_to_rdflib(quads)


def build(spec: DataSpec) -> Graph:
    """The rdflib data graph of ``spec``."""
    graphs = [g for g in validation_graphs(spec.store) if g not in spec.exclude]
    data = export(spec.store, graphs)
    if spec.extra:
        data += ox_to_rdflib(spec.extra)
    data.add(as_of_triple(spec.as_of))
    return data
