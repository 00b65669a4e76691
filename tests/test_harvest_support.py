"""Shared parts of the harvest tests: an initialised store on disk per test, a local HTTP server."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from govcat.iris import Iris
from govcat.store import CatalogStore

BASE = "https://data.sd.gov.cn/govcat/"
DATA = Path(__file__).parent / "data" / "harvest"
PORTAL = DATA / "portal"
# 山东省发展和改革委员会 in the bundled organisation registry (a real code).
DRC_USCC = "113700000045024031"
DRC = f"{BASE}org/{DRC_USCC}"

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
GC = "https://w3id.org/govcat/ns#"
GCV = "https://w3id.org/govcat/vocab/"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
EU = "http://publications.europa.eu/resource/authority/"
ODP = "https://opendata.example.cn/"

CONTENT_TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".rdf": "application/rdf+xml",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".trig": "application/trig",
    "": "application/octet-stream",
}


@functools.lru_cache(maxsize=1)
def _initialised_quads() -> tuple[ox.Quad, ...]:
    # Initialising (ontology, vocabularies, registries, calendar) takes seconds: do it once, then copy.
    return tuple(CatalogStore.in_memory(BASE).ox)


def new_store(path: Path) -> CatalogStore:
    """A real on-disk store, initialised as `govcat init` leaves it."""
    store = ox.Store(str(path))
    store.extend(_initialised_quads())
    return CatalogStore(store, Iris(BASE), path)


def all_quads(store: CatalogStore) -> set[ox.Quad]:
    return set(store.ox)


def graph_triples(store: CatalogStore, graph: str) -> list[ox.Quad]:
    return list(store.triples(graph))


def values(store: CatalogStore, graph: str, s: str, p: str) -> set[str]:
    return {
        q.object.value
        for q in store.triples(graph)
        if q.subject == ox.NamedNode(s) and q.predicate == ox.NamedNode(p)
    }


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = CONTENT_TYPES

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) with RDF Content-Types; yields the base URL."""
    handler = functools.partial(_Handler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
