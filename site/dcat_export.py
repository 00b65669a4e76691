"""DCAT-AP 3 files for harvesters: the catalog paged with Hydra (as ckanext-dcat pages it), and one
description per dataset, each in Turtle, JSON-LD and RDF/XML.

``catalog.ttl`` is the first page; page n is ``catalog/page/{n}.ttl``. Every page holds the catalog,
its datasets of that page with everything they link to, and a ``hydra:PagedCollection`` node (the page's
URL) with ``hydra:totalItems``, ``hydra:itemsPerPage``, ``hydra:first``/``hydra:last``/``hydra:next``/
``hydra:previous`` and the older ``hydra:firstPage``/``lastPage``/``nextPage``/``previousPage`` that
ckanext-dcat also reads.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from govcat.ns import PREFIXES
from govcat.site.data import DCAT, RDF_TYPE, Index

FORMATS = {"ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}
MEDIA_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml"}
HYDRA = "http://www.w3.org/ns/hydra/core#"
_PREFIXES = {k: str(v) for k, v in PREFIXES.items()} | {
    "adms": "http://www.w3.org/ns/adms#",
    "eu-ar": "http://publications.europa.eu/resource/authority/access-right/",
    "eu-freq": "http://publications.europa.eu/resource/authority/frequency/",
    "eu-ft": "http://publications.europa.eu/resource/authority/file-type/",
    "eu-theme": "http://publications.europa.eu/resource/authority/data-theme/",
}
_DATASET = DCAT + "Dataset"
_CATALOG = DCAT + "Catalog"
DEPTH = 4


def closure(index: Index, roots: list[str], *, skip_predicates: frozenset[str] = frozenset()) -> list[ox.Triple]:
    """The triples about ``roots`` and, to a few levels, about what they link to; never into another
    dataset or catalog (those are only named), so a dataset's file holds that dataset alone."""
    roots_set = set(roots)
    seen: set[str] = set()
    out: list[ox.Triple] = []
    frontier = list(roots)
    for _ in range(DEPTH):
        nxt = []
        for s in frontier:
            if s in seen:
                continue
            seen.add(s)
            po = index.by_s.get(s)
            if not po:
                continue
            types = {o.value for o in po.get(RDF_TYPE, [])}
            if s not in roots_set and (_DATASET in types or _CATALOG in types):
                continue
            for p, objs in po.items():
                if p in skip_predicates and s in roots_set:
                    continue
                for o in objs:
                    out.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o))
                    if isinstance(o, ox.NamedNode) and o.value not in seen:
                        nxt.append(o.value)
        frontier = nxt
    return out


def closure_hash(index: Index, root: str, memo: dict[int, dict[int, int]]) -> int:
    """A hash of ``closure(index, [root])`` without building it: the same walk, each node's triples
    hashed once (``memo``, per remaining depth, keeps the hashes of nodes other than roots, which many
    datasets share, such as publishers and vocabulary terms). It changes whenever a triple the closure
    holds changes. Reads the index's flat arrays only (see ``Index``).

    A node's hash is ``_mix`` of the sum of its triples' hashes and of its children's hashes (modulo
    2**64). A sum needs no sorting to be independent of order and is summed in C (``sum`` over an array
    slice); ``_mix`` is a bijection, so a changed triple changes every hash on its way up to the root. This
    replaced sorting each node's hashes and a blake2b per node, which made the fingerprint the larger part
    of a dataset page's key (0.15 ms a dataset)."""
    hashes, hash_at, links, link_at = index.hashes, index.hash_at, index.links, index.link_at  # type: ignore[attr-defined]
    subject, container = index.subject, index.container  # type: ignore[attr-defined]

    def node(i: int, depth: int) -> int:
        total = sum(hashes[hash_at[i]:hash_at[i + 1]])
        if depth > 1:  # at depth 1 links end: they count only as the triples that name them
            below = depth - 1
            seen = memo.setdefault(below, {})
            for v in links[link_at[i]:link_at[i + 1]]:
                # Memo hits looked up here, not in a call per link: most links are shared vocabulary terms.
                h = seen.get(v)
                if h is None:
                    if not subject[v]:
                        h = 1
                    elif container[v]:
                        h = 2  # another dataset or a catalog: only named, never followed
                    else:
                        h = node(v, below)
                    seen[v] = h
                total += h
        return _mix(total)

    i = index.node.get(root)  # type: ignore[attr-defined]
    if i is None or not subject[i]:
        return 1
    return node(i, DEPTH)


_M64 = 2**64 - 1


def _mix(x: int) -> int:
    """MurmurHash3's 64-bit finalizer: a bijection of 64-bit values that spreads every input bit."""
    x &= _M64
    x = ((x ^ (x >> 33)) * 0xFF51AFD7ED558CCD) & _M64
    x = ((x ^ (x >> 33)) * 0xC4CEB9FE1A85EC53) & _M64
    return x ^ (x >> 33)


def closure_set(index: Index, root: str, memo: dict[tuple[str, int], frozenset[ox.Triple]], shared: str,
                *, skip_predicates: frozenset[str] = frozenset()) -> set[ox.Triple]:
    """``set(closure(index, [root]))``, with the closures of nodes outside ``shared`` (an IRI prefix, the
    datasets') built once in ``memo``: every dataset file repeats its publisher's and its vocabulary
    terms' triples, and building them again for each file was most of the RDF export's time."""

    def node(s: str, depth: int, is_root: bool) -> frozenset[ox.Triple] | set[ox.Triple]:
        if depth == 0:
            return frozenset()
        key = (s, depth)
        memoized = not is_root and not s.startswith(shared)
        if memoized and key in memo:
            return memo[key]
        po = index.by_s.get(s)
        out: set[ox.Triple] = set()
        if po is not None and (is_root or not ({o.value for o in po.get(RDF_TYPE, [])} & {_DATASET, _CATALOG})):
            subject = ox.NamedNode(s)
            for p, objs in po.items():
                if is_root and p in skip_predicates:
                    continue
                predicate = ox.NamedNode(p)
                for o in objs:
                    out.add(ox.Triple(subject, predicate, o))
                    if isinstance(o, ox.NamedNode):
                        out.update(node(o.value, depth - 1, False))
        if memoized:
            memo[key] = frozenset(out)
        return out

    return set(node(root, DEPTH, True))


def dataset_triples(index: Index, iri: str, memo: dict | None = None, shared: str = "") -> list[ox.Triple]:
    if memo is None:
        return sorted(set(closure(index, [iri])), key=str)
    return sorted(closure_set(index, iri, memo, shared), key=str)


def catalog_page_triples(index: Index, catalog: str, datasets: list[str], page: int, pages: int,
                         total: int, per_page: int, site: str, memo: dict | None = None) -> list[ox.Triple]:
    """One Hydra page of the catalog: the catalog (without its other pages' datasets) and its datasets."""
    dataset_p = DCAT + "dataset"
    memo = {} if memo is None else memo
    shared = site + "dataset/"
    triples = list(closure_set(index, catalog, memo, shared, skip_predicates=frozenset({dataset_p})))
    cat = ox.NamedNode(catalog)
    triples += [ox.Triple(cat, ox.NamedNode(dataset_p), ox.NamedNode(d)) for d in datasets]
    for d in datasets:
        triples += closure_set(index, d, memo, shared)
    node = ox.NamedNode(page_url(site, page, "ttl"))
    h = lambda p: ox.NamedNode(HYDRA + p)  # noqa: E731
    triples += [
        ox.Triple(node, ox.NamedNode(RDF_TYPE), h("PagedCollection")),
        ox.Triple(node, h("totalItems"), ox.Literal(str(total), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        ox.Triple(node, h("itemsPerPage"), ox.Literal(str(per_page), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
    ]
    links = {"first": 1, "last": pages}
    if page > 1:
        links["previous"] = page - 1
    if page < pages:
        links["next"] = page + 1
    for name, n in links.items():
        target = ox.NamedNode(page_url(site, n, "ttl"))
        triples.append(ox.Triple(node, h(name), target))
        triples.append(ox.Triple(node, h(name + "Page"), target))
    return sorted(set(triples), key=str)


def page_path(page: int, ext: str) -> str:
    return f"catalog.{ext}" if page == 1 else f"catalog/page/{page}.{ext}"


def page_url(site: str, page: int, ext: str) -> str:
    return site + page_path(page, ext)


def serialize(triples: list[ox.Triple], ext: str) -> bytes:
    fmt = FORMATS[ext]
    if fmt == ox.RdfFormat.JSON_LD:
        return ox.serialize(triples, format=fmt)
    return ox.serialize(triples, format=fmt, prefixes=_PREFIXES)


def fingerprint(triples: list[ox.Triple]) -> str:
    return "\n".join(str(t) for t in triples)


