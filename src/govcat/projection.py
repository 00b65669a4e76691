"""The public projection: what of the catalog may be published, already shaped as DCAT-AP 3.

Only 无条件开放 and 依申请开放 datasets that are explicitly not 涉密 go in, with their publishers,
distributions, data items, legal bases and the lineage links whose both ends are open. The queries
are CONSTRUCTs in ``queries/projection/*.rq``; they read only the current catalog graphs, the
registries and the vocabularies (never history or staging graphs). Every input line and every triple
they return is checked against the open set, so that no IRI of a non-open dataset (nor any node under
it, such as ``#distribution`` or ``#item-1``) can reach the public side even if a query is wrong.

The projection is computed per department catalog graph (a *part*: that graph, guard-filtered, with the
registries and vocabularies), plus a few things computed over the whole catalog (the vocabulary labels,
lineage between open datasets, the province's catalog). Parts are independent, so they run on all
cores and a refresh after a department's change recomputes only the parts that changed
(``govcat.public_store``). Everything is carried as N-Triples lines, as Oxigraph writes them (one triple
a line, canonical), which keeps Python objects out of the hot path.

The public store is a separate Oxigraph store on disk, holding the projection in its default graph;
see ``govcat.public_store`` (``refresh_public_store``) for how it is replaced atomically.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from govcat.ns import sparql_prefixes
from govcat.rdfio import read_turtle
from govcat.store import CatalogStore

QUERY_DIR = Path(__file__).parent / "queries" / "projection"

# Queries run on each department's part. lineage, vocab and catalog are run once over the whole catalog.
PART_QUERIES = ("datasets", "eu-terms", "temporal", "distributions", "items", "publishers", "legal")

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
_NT = ox.RdfFormat.N_TRIPLES
# Links between datasets: projected once over the whole catalog (lineage.rq), never inside a part, so a
# part does not depend on other departments' datasets.
_LINEAGE = (ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), ox.NamedNode(_DCT + "relation"))
_LINEAGE_TEXT = tuple(f"<{p.value}>".encode() for p in _LINEAGE)
# What the catalog query reads of each open dataset (kept per part, so that a refresh need not reread parts).
_CATALOG_INPUT = tuple(f"<{p}>".encode() for p in (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", _GC + "openType", _DCT + "issued", _DCT + "modified"))
_DATASET_CLASS = f"<{_DCAT}Dataset>".encode()
# Predicates _supplements reads; other lines are not parsed for it.
_SUPPLEMENT_INPUT = tuple(f"<{p}>".encode() for p in (
    _DCT + "spatial", _DCT + "license", _DCAT + "keyword", _GC + "classification", _SKOS + "prefLabel"))
# Parts are computed by forked workers from this many datasets on; below, forking costs more than it saves.
PARALLEL_FROM = 2000


def public_catalog_iri(base: str) -> str:
    """The IRI of the province's public open-data catalog (see docs/model.md, public projection)."""
    return f"{base}catalog/open"


@lru_cache(maxsize=None)
def load_query(name: str) -> str:
    """A projection query with the prefixes and the open-dataset pattern filled in."""
    text = (QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")
    # The queries run on guard-filtered copies (see compute), where every dataset is open.
    text = text.replace("{{ open_datasets }}", "?ds a dcat:Dataset ; gc:openType ?ot .")
    return sparql_prefixes() + text


def catalog_graphs(store: CatalogStore) -> list[str]:
    """The current department catalog graphs (not their /v/ history versions, nor staging graphs)."""
    catalog = re.compile(re.escape(store.iris.base + "graph/catalog/") + r"[^/]+$")
    return [g for g in store.named_graphs() if catalog.match(g)]


def shared_graphs(store: CatalogStore) -> list[str]:
    """The graphs every part reads besides its own: the registries and the vocabularies."""
    return [store.iris.registry_graph("organisations"), store.iris.registry_graph("legal"), store.iris.vocab_graph]


def source_graphs(store: CatalogStore) -> list[str]:
    """The graphs the projection reads: current department catalogs, registries, vocabularies."""
    return catalog_graphs(store) + shared_graphs(store)


@dataclass
class OpenScan:
    """The open datasets (IRI -> open type) and, per current catalog graph, the datasets it types."""

    open: dict[str, str]
    typed: dict[str, set[str]]


def scan_open(store: CatalogStore, graphs: list[str] | None = None) -> OpenScan:
    """Which datasets may be published: every open type stated is 无条件开放 or 依申请开放, and every
    涉密 flag stated is false (at least one is), over all current catalog graphs together.

    Read with pattern scans per catalog graph (what ``open-datasets.rq`` says), which stay linear in
    the number of datasets and never read history versions; a SPARQL query over a list of named graphs
    does not stay linear."""
    graphs = catalog_graphs(store) if graphs is None else graphs
    typed: dict[str, set[str]] = {}
    types: dict[str, set[str]] = {}
    flags: dict[str, set[str]] = {}
    dataset = ox.NamedNode(_DCAT + "Dataset")
    open_type, classified = ox.NamedNode(_GC + "openType"), ox.NamedNode(_GC + "classified")
    for g in graphs:
        node = ox.NamedNode(g)
        typed[g] = {q.subject.value for q in store.ox.quads_for_pattern(None, _RDF_TYPE, dataset, node)}
        for q in store.ox.quads_for_pattern(None, open_type, None, node):
            types.setdefault(q.subject.value, set()).add(q.object.value)
        for q in store.ox.quads_for_pattern(None, classified, None, node):
            cl = q.object
            ok = isinstance(cl, ox.Literal) and cl.datatype.value.endswith("#boolean") and cl.value in ("false", "0")
            flags.setdefault(q.subject.value, set()).add("false" if ok else "other")
    datasets = set().union(*typed.values()) if typed else set()
    opened = {
        ds: sorted(ots)[0] for ds, ots in types.items()
        if ds in datasets and len(ots) == 1 and ots <= set(OPEN_TYPES) and flags.get(ds) == {"false"}
    }
    return OpenScan(opened, typed)


def open_datasets(store: CatalogStore) -> dict[str, str]:
    """The IRIs of the datasets that may be published, each with its open type IRI (see ``scan_open``)."""
    return scan_open(store).open


class _Guard:
    """Keeps a triple only if every dataset IRI in it (or a node under one) is open.

    A node under dataset X is X#..., X/ or X.html (its page on the site, ``dcat:landingPage``); an IRI
    that is itself a dataset's (``datasets``: all typed, open or not) is never read as another's page."""

    def __init__(self, base: str, open_set: Iterable[str], datasets: Iterable[str] = ()) -> None:
        self.prefix = base + "dataset/"
        self.mark = b"<" + self.prefix.encode("utf-8")
        self.open = set(open_set)
        self.open_bytes = {iri.encode("utf-8") for iri in self.open}
        self.datasets_bytes = {iri.encode("utf-8") for iri in datasets} | self.open_bytes

    def allowed_term(self, term: object) -> bool:
        if not isinstance(term, ox.NamedNode):
            return True
        return not term.value.startswith(self.prefix) or self.allowed_iri(term.value)

    def allowed(self, t: Any) -> bool:
        return self.allowed_term(t.subject) and self.allowed_term(t.object)

    def allowed_iri(self, value: str) -> bool:
        return self._root(value.encode("utf-8")) in self.open_bytes

    def _root(self, iri: bytes) -> bytes:
        r = iri.split(b"#", 1)[0].rstrip(b"/")
        return r[:-5] if r.endswith(b".html") and r not in self.datasets_bytes else r

    def roots(self, line: bytes) -> tuple[bytes | None, bytes | None, bytes]:
        """The dataset roots (as UTF-8) named by the subject and the object of an N-Triples line, and
        its predicate. Kept in bytes: decoding every line cost more than the rest of the check."""
        s, p, rest = line.split(b" ", 2)
        sr = self._root(s[1:-1]) if s.startswith(self.mark) else None
        orr = self._root(rest[1:rest.index(b">")]) if rest.startswith(self.mark) else None
        return sr, orr, p

    def filter_ntriples(self, text: bytes) -> bytes:
        """The lines of N-Triples ``text`` (as Oxigraph writes it: one triple a line, terms separated by
        one space) whose subject and object pass ``allowed_term``."""
        if self.mark not in text:
            return text
        keep = []
        for line in text.splitlines(keepends=True):
            if self.mark in line:
                sr, orr, _ = self.roots(line)
                if (sr is not None and sr not in self.open_bytes) or (orr is not None and orr not in self.open_bytes):
                    continue
            keep.append(line)
        return b"".join(keep)

    def filter_part(self, text: bytes, own: set[bytes]) -> tuple[bytes, bool]:
        """Like ``filter_ntriples``, for a department's graph, without its links between datasets
        (lineage.rq projects those over the whole catalog). Also says whether the graph names a dataset
        it does not type itself (``own``), kept or not: then the part depends on other departments."""
        keep = []
        foreign = False
        for line in text.splitlines(keepends=True):
            if self.mark in line:
                sr, orr, p = self.roots(line)
                if p in _LINEAGE_TEXT:
                    continue
                foreign = foreign or (sr is not None and sr not in own) or (orr is not None and orr not in own)
                if (sr is not None and sr not in self.open_bytes) or (orr is not None and orr not in self.open_bytes):
                    continue
            keep.append(line)
        return b"".join(keep), foreign


@dataclass
class Part:
    """The projection of one department's catalog graph, as N-Triples lines (without line ends).

    ``own``: lines about its open datasets and the nodes under them (no other part has them);
    ``shared``: the rest (publishers, vocabulary terms), which other parts may hold too;
    ``catalog_input``: the lines of ``own`` the province catalog is computed from;
    ``cross``: the graph names datasets it does not type, so the part must be recomputed on every refresh."""

    graph: str
    own: list[bytes]
    shared: list[bytes]
    catalog_input: list[bytes]
    datasets: list[str]
    cross: bool = False


@dataclass
class Projection:
    parts: dict[str, Part]
    common: list[bytes] = field(default_factory=list)  # vocabulary, lineage, the province catalog
    recomputed: list[str] = field(default_factory=list)  # graphs whose parts were computed (not reused)

    def lines(self) -> set[bytes]:
        out = set(self.common)
        for part in self.parts.values():
            out.update(part.own)
            out.update(part.shared)
        return out

    def ntriples(self) -> bytes:
        return b"".join(line + b"\n" for line in self.lines())

    def triples(self) -> list[ox.Triple]:
        return list(ox.parse(self.ntriples(), format=_NT))


def project(store: CatalogStore) -> list[ox.Triple]:
    """The public projection of ``store``: DCAT-AP 3 triples of everything that may be published.

    In no particular order: every reader (the public store, the site, the RDF export) orders what it
    shows itself."""
    return compute(store).triples()


# Read-only state of a computation, shared with forked workers.
_STATE: dict[str, Any] = {}


def compute(store: CatalogStore, *, reuse: dict[str, Part] | None = None, changed: Iterable[str] = (),
            workers: int | None = None) -> Projection:
    """The projection of ``store`` by parts. With ``reuse`` (the parts of an earlier projection), only the
    parts of ``changed`` graphs, of new graphs, of graphs whose open datasets changed and of cross parts
    are computed; the others are taken as they are (the caller vouches that their graphs, the
    registries and the vocabularies did not change)."""
    base = store.iris.base
    graphs = catalog_graphs(store)
    scan = scan_open(store, graphs)
    guard = _Guard(base, scan.open, set().union(*scan.typed.values()) if scan.typed else ())
    shared_text = b"".join(_dump(store.ox, g, guard) for g in shared_graphs(store))
    vocab_store = ox.Store()
    vocab_store.bulk_load(shared_text, format=_NT)
    vocab = _query_lines(vocab_store, "vocab", guard)
    vocab_triples = list(ox.parse(b"\n".join(vocab), format=_NT)) if vocab else []
    changed = set(changed)
    mine = {g: sorted(scan.typed[g] & guard.open) for g in graphs}
    parts: dict[str, Part] = {}
    todo = []
    for g in graphs:
        old = (reuse or {}).get(g)
        if old is not None and g not in changed and not old.cross and old.datasets == mine[g]:
            parts[g] = old
        else:
            todo.append(g)
    _STATE.update(guard=guard, shared=shared_text, vocab=vocab_triples, typed=scan.typed, mine=mine,
                  store=store.ox, path=None)
    try:
        parts.update(_compute_parts(store, todo, sum(len(mine[g]) for g in todo), workers))
    finally:
        _STATE.clear()
    common = set(vocab)
    common.update(_lineage(store, graphs, scan, guard))
    common.update(_catalog(base, shared_text, parts.values(), guard))
    common.update(_supplement_lines(common, vocab_triples))
    return Projection(parts, sorted(common), todo)


def _compute_parts(store: CatalogStore, graphs: list[str], datasets: int, workers: int | None) -> dict[str, Part]:
    workers = workers or os.cpu_count() or 1
    path = getattr(store, "path", None)
    if workers <= 1 or datasets < PARALLEL_FROM or path is None or len(graphs) < 2:
        return {g: _part(g) for g in graphs}
    # Workers open the store read-only themselves: reading the on-disk store (decoding every term) is a
    # large share of the work, so it is spread over the cores too. The caller flushed the store.
    _STATE["path"] = str(path)
    with multiprocessing.get_context("fork").Pool(workers, initializer=_open_read_only) as pool:
        return {p.graph: p for p in pool.imap_unordered(_part, graphs)}


def _open_read_only() -> None:
    _STATE["store"] = ox.Store.read_only(_STATE["path"])


def _dump(store: ox.Store, graph: str, guard: _Guard) -> bytes:
    return guard.filter_ntriples(store.dump(format=_NT, from_graph=ox.NamedNode(graph)))


def _query_lines(store: ox.Store, name: str, guard: _Guard, **subs: ox.NamedNode) -> list[bytes]:
    result = store.query(load_query(name), substitutions={ox.Variable(k): v for k, v in subs.items()} or None)
    return guard.filter_ntriples(result.serialize(format=_NT)).splitlines()


def _part(graph: str) -> Part:
    """The projection of one department's graph (run in a worker when there are many)."""
    guard: _Guard = _STATE["guard"]
    mine = {d.encode("utf-8") for d in _STATE["mine"][graph]}
    text = _STATE["store"].dump(format=_NT, from_graph=ox.NamedNode(graph))
    kept, cross = guard.filter_part(text, {d.encode("utf-8") for d in _STATE["typed"].get(graph, ())})
    # The registries and vocabularies sit in the default graph of one store per process; the part is
    # loaded beside them in a named graph and removed afterwards (loading them for every part cost more
    # than the part's queries).
    base = _base_store()
    node = ox.NamedNode(graph)
    base.load(kept, format=_NT, to_graph=node)
    try:
        raw: set[bytes] = set()
        for name in PART_QUERIES:
            result = base.query(load_query(name), default_graph=[ox.DefaultGraph(), node])
            raw.update(result.serialize(format=_NT).splitlines())
    finally:
        base.remove_graph(node)
    checked = _checked(guard, raw)
    extra = _supplement_lines((c[0] for c in checked), _STATE["vocab"])
    checked += _checked(guard, set(extra) - raw)
    own, shared, catalog_input = [], [], []
    for line, sr, orr, p in checked:
        if sr is not None and sr in mine:
            own.append(line)
            if p in _CATALOG_INPUT and (p != _CATALOG_INPUT[0] or line.endswith(_DATASET_CLASS + b" .")):
                catalog_input.append(line)
        else:
            shared.append(line)
        cross = cross or (sr is not None and sr not in mine) or (orr is not None and orr not in mine)
    return Part(graph, sorted(own), sorted(shared), sorted(catalog_input), _STATE["mine"][graph], cross)


def _base_store() -> ox.Store:
    if "base" not in _STATE:
        _STATE["base"] = ox.Store()
        _STATE["base"].load(_STATE["shared"], format=_NT)
    return _STATE["base"]


def _checked(guard: _Guard, lines: Iterable[bytes]) -> list[tuple[bytes, bytes | None, bytes | None, bytes]]:
    """The lines that pass the guard, each with its subject's and object's dataset roots and predicate
    (the predicate only where a root is named)."""
    out = []
    allowed = guard.open_bytes
    for line in lines:
        if guard.mark in line:
            sr, orr, p = guard.roots(line)
            if (sr is not None and sr not in allowed) or (orr is not None and orr not in allowed):
                continue
            out.append((line, sr, orr, p))
        else:
            out.append((line, None, None, b""))
    return out


def _lineage(store: CatalogStore, graphs: list[str], scan: OpenScan, guard: _Guard) -> list[bytes]:
    """lineage.rq over the links between datasets of all catalog graphs and the datasets they type."""
    dataset = ox.NamedNode(_DCAT + "Dataset")
    quads: list[ox.Quad] = []
    for d in set().union(*scan.typed.values()) if scan.typed else ():
        node = ox.NamedNode(d)
        if guard.allowed_term(node):
            quads.append(ox.Quad(node, _RDF_TYPE, dataset, ox.DefaultGraph()))
    for g in graphs:
        for p in _LINEAGE:
            quads += [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                      for q in store.ox.quads_for_pattern(None, p, None, ox.NamedNode(g)) if guard.allowed(q)]
    links = ox.Store()
    links.bulk_extend(quads)
    return _query_lines(links, "lineage", guard)


def _catalog(base: str, shared_text: bytes, parts: Iterable[Part], guard: _Guard) -> list[bytes]:
    """catalog.rq over the registries and what the parts kept of their datasets for it."""
    copy = ox.Store()
    copy.bulk_load(shared_text + b"".join(line + b"\n" for p in parts for line in p.catalog_input), format=_NT)
    return _query_lines(copy, "catalog", guard, catalog=ox.NamedNode(public_catalog_iri(base)),
                        homepage=ox.NamedNode(base), province=ox.NamedNode(PROVINCE))


@lru_cache(maxsize=None)
def _data_file(name: str) -> dict[str, list[ox.Triple]]:
    by_subject: dict[str, list[ox.Triple]] = {}
    for t in read_turtle(QUERY_DIR / name):
        by_subject.setdefault(t.subject.value, []).append(t)
    return by_subject


@lru_cache(maxsize=1)
def _supplement_input() -> re.Pattern[bytes]:
    """Lines _supplements can use: one of its predicates, or an object it has terms for."""
    predicates = b"|".join(re.escape(p) for p in _SUPPLEMENT_INPUT)
    objects = b"|".join(re.escape(f"<{k}> .".encode()) for k in _data_file("terms.ttl"))
    return re.compile(rb"^\S+ (?:" + predicates + rb") |(?:" + objects + rb")$")


def _supplement_lines(lines: Iterable[bytes], vocab: list[ox.Triple]) -> list[bytes]:
    """``_supplements`` of N-Triples lines, reading only the lines it can use (parsing every line
    would cost more than the queries)."""
    wanted = list(filter(_supplement_input().search, lines))
    triples = set(ox.parse(b"\n".join(wanted), format=_NT)) if wanted else set()
    extra = _supplements(triples, vocab)
    return ox.serialize(extra, format=_NT).splitlines() if extra else []


def _supplements(triples: set[ox.Triple], vocab: Iterable[ox.Triple] = ()) -> set[ox.Triple]:
    """What the queries cannot say from the store: locations' geometry, licence types, and keywords
    from the class of a dataset that states none (DCAT-AP 3 recommends at least one). Class labels are
    read from ``triples`` and ``vocab`` (the projected vocabulary)."""
    extra: set[ox.Triple] = set()
    spatial = ox.NamedNode(_DCT + "spatial")
    licence = ox.NamedNode(_DCT + "license")
    keyword = ox.NamedNode(_DCAT + "keyword")
    classification = ox.NamedNode(_GC + "classification")
    pref = ox.NamedNode(_SKOS + "prefLabel")
    locations = _data_file("locations.ttl")
    licences = _data_file("licences.ttl")
    terms = _data_file("terms.ttl")
    labels: dict[str, list[ox.Literal]] = {}
    with_keywords: set[str] = set()
    classes: dict[str, list[str]] = {}
    for t in _chain(vocab, triples):
        if t.predicate == pref and isinstance(t.object, ox.Literal):
            labels.setdefault(t.subject.value, []).append(t.object)
    for t in triples:
        if t.predicate == keyword:
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


def _chain(*parts: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    for p in parts:
        yield from p


def refresh_public_store(store: CatalogStore, public_path: Path, *, keep: int = 2,
                         changed: Iterable[str] | None = None) -> str:
    """Replace the public store at ``public_path`` by the current projection of ``store``, atomically
    (see ``govcat.public_store.refresh``). With ``changed`` (department USCCs or graph IRIs), only what
    those changes affect is recomputed and rewritten. Returns ``full`` or ``incremental``."""
    from govcat.public_store import refresh

    return refresh(store, Path(public_path), keep=keep, changed=changed)
