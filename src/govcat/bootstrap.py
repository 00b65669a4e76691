"""Initialising a new store: the ontology, its vocabularies, the Measures and the bundled registries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from govcat.ontology import ONTOLOGY_DIR
from govcat.rdfio import read_turtle

if TYPE_CHECKING:
    from govcat.store import CatalogStore


def ontology_graphs(store: "CatalogStore") -> dict[str, list]:
    """Which Turtle files go into which graph: vocabularies, the Measures, and the ontology proper."""
    files: dict[str, list] = {store.iris.ontology_graph: [], store.iris.vocab_graph: [], store.iris.measures_graph: []}
    for path in sorted(ONTOLOGY_DIR.rglob("*.ttl")):
        rel = path.relative_to(ONTOLOGY_DIR).as_posix()
        if rel.startswith("vocab/"):
            files[store.iris.vocab_graph].append(path)
        elif rel.startswith("measures"):
            files[store.iris.measures_graph].append(path)
        else:
            files[store.iris.ontology_graph].append(path)
    return files


def initialise(store: "CatalogStore") -> None:
    """Load (or reload) the ontology, vocabularies, Measures and bundled registries into ``store``."""
    _load_ontology(store)
    from govcat import registry

    registry.load_bundled(store)
    store.mark_initialised()


def refresh_ontology(store: "CatalogStore") -> None:
    """Replace the ontology, vocabularies and Measures of a store made by an older govcat; registries stay."""
    _load_ontology(store)
    store.mark_initialised()


def _load_ontology(store: "CatalogStore") -> None:
    for graph, paths in ontology_graphs(store).items():
        triples = [t for p in paths for t in read_turtle(p)]
        store.replace_graph(graph, triples)
