"""The public projection: what of the catalog may be published, already shaped as DCAT-AP 3.

Only 无条件开放 and 依申请开放 datasets that are explicitly not 涉密 go in, with their publishers,
distributions, data items, legal bases and the lineage links whose both ends are open. The queries
are CONSTRUCTs in ``queries/projection/*.rq``; they read only the current catalog graphs, the
registries and the vocabularies (never history or staging graphs). Every triple they return is then
checked once more against the open set, so that no IRI of a non-open dataset (nor any node under it,
such as ``#distribution`` or ``#item-1``) can reach the public side even if a query is wrong.

The public store is a separate Oxigraph store on disk, holding the projection in its default graph.
``refresh_public_store`` builds a new store directory and switches a symlink to it with one atomic
rename, so readers (the public endpoint opens it read-only) see the old or the new projection, never
a mix.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from govcat.errors import StoreError
from govcat.ns import sparql_prefixes
from govcat.rdfio import read_turtle
from govcat.store import CatalogStore

QUERY_DIR = Path(__file__).parent / "queries" / "projection"

# Queries that describe open datasets, run in this order. catalog.rq is run apart (it needs IRIs).
DATASET_QUERIES = ("datasets", "eu-terms", "temporal", "distributions", "items", "lineage", "publishers", "legal", "vocab")

OPEN_TYPES = (
    "https://w3id.org/govcat/vocab/open-type/unconditional",
    "https://w3id.org/govcat/vocab/open-type/on-application",
)
PROVINCE = "https://w3id.org/govcat/vocab/division/370000"

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DCT = "http://purl.org/dc/terms/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCAT = "http://www.w3.org/ns/dcat#"
_GC = "https://w3id.org/govcat/ns#"
_LICENCE_TYPE_SCHEME = ox.NamedNode("http://purl.org/adms/licencetype/1.0")
_UNKNOWN_IPR = ox.NamedNode("http://purl.org/adms/licencetype/UnknownIPR")


def public_catalog_iri(base: str) -> str:
    """The IRI of the province's public open-data catalog (see docs/model.md, public projection)."""
    return f"{base}catalog/open"


@lru_cache(maxsize=None)
def load_query(name: str) -> str:
    """A projection query with the prefixes and the open-dataset pattern filled in."""
    text = (QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")
    # The queries run on the pre-filtered copy (see project), where every dataset is open.
    text = text.replace("{{ open_datasets }}", "?ds a dcat:Dataset ; gc:openType ?ot .")
    return sparql_prefixes() + text


def catalog_graphs(store: CatalogStore) -> list[str]:
    """The current department catalog graphs (not their /v/ history versions, nor staging graphs)."""
    catalog = re.compile(re.escape(store.iris.base + "graph/catalog/") + r"[^/]+$")
    return [g for g in store.named_graphs() if catalog.match(g)]


def source_graphs(store: CatalogStore) -> list[str]:
    """The graphs the projection reads: current department catalogs, registries, vocabularies."""
    return catalog_graphs(store) + [
        store.iris.registry_graph("organisations"), store.iris.registry_graph("legal"), store.iris.vocab_graph
    ]


def _run(store: Any, sparql: str, graphs: list[str] | None = None, **subs: ox.NamedNode) -> Iterable:
    if graphs is None:  # a plain pyoxigraph store: the pre-filtered copy
        return store.query(sparql, substitutions={ox.Variable(k): v for k, v in subs.items()})
    return store.query(
        sparql,
        use_default_graph_as_union=False,
        default_graph=[ox.NamedNode(g) for g in graphs],
        substitutions=subs or None,
    )


def open_datasets(store: CatalogStore) -> dict[str, str]:
    """The IRIs of the datasets that may be published, each with its open type IRI: every open type
    stated is 无条件开放 or 依申请开放, and every 涉密 flag stated is false (at least one is).

    Read with three pattern scans over the current catalog graphs (what ``open-datasets.rq`` says),
    which stays linear in the number of datasets; a SPARQL query over a list of named graphs does not."""
    graphs = {ox.NamedNode(g) for g in catalog_graphs(store)}

    def scan(p: ox.NamedNode, o: Any = None) -> Iterable[ox.Quad]:
        return (q for q in store.ox.quads_for_pattern(None, p, o, None) if q.graph_name in graphs)

    datasets = {q.subject.value for q in scan(_RDF_TYPE, ox.NamedNode(_DCAT + "Dataset"))}
    types: dict[str, set[str]] = {}
    flags: dict[str, set[str]] = {}
    for q in scan(ox.NamedNode(_GC + "openType")):
        if q.subject.value in datasets:
            types.setdefault(q.subject.value, set()).add(q.object.value)
    for q in scan(ox.NamedNode(_GC + "classified")):
        if q.subject.value in datasets:
            cl = q.object
            ok = isinstance(cl, ox.Literal) and cl.datatype.value.endswith("#boolean") and cl.value in ("false", "0")
            flags.setdefault(q.subject.value, set()).add("false" if ok else "other")
    return {
        ds: sorted(ots)[0] for ds, ots in types.items()
        if len(ots) == 1 and ots <= set(OPEN_TYPES) and flags.get(ds) == {"false"}
    }


class _Guard:
    """Keeps a triple only if every dataset IRI in it (or a node under one) is open."""

    def __init__(self, base: str, open_set: Iterable[str]) -> None:
        self.prefix = base + "dataset/"
        self.open = set(open_set)

    def allowed_term(self, term: object) -> bool:
        if not isinstance(term, ox.NamedNode):
            return True
        value = term.value
        if not value.startswith(self.prefix):
            return True
        root = value.split("#", 1)[0].rstrip("/")
        return root in self.open

    def allowed(self, t: Any) -> bool:
        for term in (t.subject, t.object):
            if type(term) is ox.NamedNode and term.value.startswith(self.prefix) and not self.allowed_iri(term.value):
                return False
        return True

    def allowed_iri(self, value: str) -> bool:
        return value.split("#", 1)[0].rstrip("/") in self.open

    def filter_ntriples(self, text: bytes) -> bytes:
        """The lines of N-Triples ``text`` (as Oxigraph writes it: one triple a line, terms separated by
        one space) whose subject and object pass ``allowed_term``."""
        mark = b"<" + self.prefix.encode("utf-8")
        if mark not in text:
            return text
        keep = []
        for line in text.splitlines(keepends=True):
            if mark in line:
                s, _, rest = line.split(b" ", 2)
                if s.startswith(mark) and not self.allowed_iri(s[1:-1].decode("utf-8")):
                    continue
                if rest.startswith(mark) and not self.allowed_iri(rest[1:rest.index(b">")].decode("utf-8")):
                    continue
            keep.append(line)
        return b"".join(keep)


def _filtered_copy(store: CatalogStore, guard: _Guard) -> ox.Store:
    """An in-memory store holding the registries, the vocabularies and the current catalogs without
    anything of a non-open dataset: the projection queries see only what may be published.

    The graphs are dumped as N-Triples and filtered line by line (the guard's test on the subject and
    the object, read from the text), then loaded in one go: building a Python object per quad made this
    the slowest step at province scale. One load keeps a blank node shared by two graphs one node."""
    kept: list[bytes] = []
    for g in source_graphs(store):
        dump = store.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g))
        kept.append(guard.filter_ntriples(dump))
    copy = ox.Store()
    copy.bulk_load(b"".join(kept), format=ox.RdfFormat.N_TRIPLES)
    return copy


def _data_file(name: str) -> dict[str, list[ox.Triple]]:
    by_subject: dict[str, list[ox.Triple]] = {}
    for t in read_turtle(QUERY_DIR / name):
        by_subject.setdefault(t.subject.value, []).append(t)
    return by_subject


def project(store: CatalogStore) -> list[ox.Triple]:
    """The public projection of ``store``: DCAT-AP 3 triples of everything that may be published."""
    base = store.iris.base
    guard = _Guard(base, open_datasets(store))
    copy = _filtered_copy(store, guard)
    out: set[ox.Triple] = set()
    for name in DATASET_QUERIES:
        out.update(filter(guard.allowed, _run(copy, load_query(name))))
    catalog = ox.NamedNode(public_catalog_iri(base))
    for t in _run(copy, load_query("catalog"), catalog=catalog, homepage=ox.NamedNode(base),
                  province=ox.NamedNode(PROVINCE)):
        if guard.allowed(t):
            out.add(t)
    out |= _supplements(out)
    # In no particular order: sorting millions of triples by their text cost more than the queries,
    # and every reader (the public store, the site, the RDF export) orders what it shows itself.
    return list(out)


def _supplements(triples: set[ox.Triple]) -> set[ox.Triple]:
    """What the queries cannot say from the store: locations' geometry, licence types, and keywords
    from the class of a dataset that states none (DCAT-AP 3 recommends at least one)."""
    extra: set[ox.Triple] = set()
    spatial = ox.NamedNode(_DCT + "spatial")
    licence = ox.NamedNode(_DCT + "license")
    keyword = ox.NamedNode(_DCAT + "keyword")
    classification = ox.NamedNode("https://w3id.org/govcat/ns#classification")
    pref = ox.NamedNode(_SKOS + "prefLabel")
    locations = _data_file("locations.ttl")
    licences = _data_file("licences.ttl")
    terms = _data_file("terms.ttl")
    labels: dict[str, list[ox.Literal]] = {}
    with_keywords: set[str] = set()
    classes: dict[str, list[str]] = {}
    for t in triples:
        if t.predicate == pref and isinstance(t.object, ox.Literal):
            labels.setdefault(t.subject.value, []).append(t.object)
        elif t.predicate == keyword:
            with_keywords.add(t.subject.value)
        elif t.predicate == classification:
            classes.setdefault(t.subject.value, []).append(t.object.value)
    for t in triples:
        if t.predicate == spatial:
            extra.add(ox.Triple(t.object, _RDF_TYPE, ox.NamedNode(_DCT + "Location")))
            extra.update(locations.get(t.object.value, ()))
        elif t.predicate == licence:
            known = licences.get(t.object.value)
            if known:
                extra.update(known)
                types = [k.object for k in known if k.predicate.value == _DCT + "type"]
            else:
                types = [_UNKNOWN_IPR]
                extra.add(ox.Triple(t.object, ox.NamedNode(_DCT + "type"), _UNKNOWN_IPR))
            for lt in types:
                extra.add(ox.Triple(lt, _RDF_TYPE, ox.NamedNode(_SKOS + "Concept")))
                extra.add(ox.Triple(lt, ox.NamedNode(_SKOS + "inScheme"), _LICENCE_TYPE_SCHEME))
    for t in triples | extra:
        if isinstance(t.object, ox.NamedNode) and t.object.value in terms:
            extra.update(terms[t.object.value])
    for ds, cls in classes.items():
        if ds not in with_keywords:
            for c in cls:
                for label in labels.get(c, ()):
                    extra.add(ox.Triple(ox.NamedNode(ds), keyword, label))
    return extra


def write_public_store(triples: Iterable[ox.Triple], path: Path) -> None:
    """Write ``triples`` into a new Oxigraph store at ``path`` (which must not exist), in the default graph."""
    store = ox.Store(str(path))
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    store.flush()
    store.optimize()
    del store


def refresh_public_store(store: CatalogStore, public_path: Path, *, keep: int = 2) -> None:
    """Replace the public store at ``public_path`` by the current projection of ``store``, atomically.

    ``public_path`` becomes a symlink to ``<public_path>.versions/<id>``; the switch is one rename of a
    symlink, so a reader opening ``public_path`` gets the old or the new store, whole. The newest
    ``keep`` versions are kept, so that a reader that opened the previous one can finish.
    """
    public_path = Path(public_path)
    triples = project(store)
    versions = public_path.parent / (public_path.name + ".versions")
    try:
        versions.mkdir(parents=True, exist_ok=True)
        version = versions / f"{_stamp()}-{uuid.uuid4().hex[:8]}"
        write_public_store(triples, version)
        if public_path.exists() and not public_path.is_symlink():
            # A real directory from an older layout: keep it among the versions.
            public_path.rename(versions / f"0-legacy-{uuid.uuid4().hex[:8]}")
        link = public_path.parent / f".{public_path.name}.{uuid.uuid4().hex}.tmp"
        os.symlink(os.path.relpath(version, public_path.parent), link)
        os.replace(link, public_path)
    except OSError as exc:
        raise StoreError(
            f"无法写入公开存储 {public_path} / cannot write the public store at {public_path}: {exc}",
            source=str(public_path),
        ) from exc
    old = sorted(p for p in versions.iterdir() if p.is_dir())
    for stale in old[:-keep] if keep > 0 else []:
        if stale.resolve() != public_path.resolve():
            shutil.rmtree(stale, ignore_errors=True)


def _stamp() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
