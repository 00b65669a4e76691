"""The public projection read into plain Python records for the site's pages.

The site is built from the projection only (never from the whole store), so whatever the pages show
has already passed the projection's open-data filter.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

GC = "https://w3id.org/govcat/ns#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
PROV = "http://www.w3.org/ns/prov#"
ELI = "http://data.europa.eu/eli/ontology#"
DCATAP = "http://data.europa.eu/r5r/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VOCAB = "https://w3id.org/govcat/vocab/"
UNCONDITIONAL = VOCAB + "open-type/unconditional"
ON_APPLICATION = VOCAB + "open-type/on-application"

LANGS = ("zh", "en")


def triples_of(source: Any) -> list[ox.Triple]:
    """The projection's triples from a CatalogStore (projected now), a public store, or its path."""
    from govcat.store import CatalogStore

    if isinstance(source, CatalogStore):
        from govcat.projection import project

        return project(source)
    if isinstance(source, (str, Path)):
        source = ox.Store.read_only(str(source))
    if isinstance(source, ox.Store):
        return [q.triple for q in source.quads_for_pattern(None, None, None, ox.DefaultGraph())]
    return list(source)


class Index:
    """subject -> predicate -> objects, over the projection's triples; and, for build fingerprints, per
    subject the hashes of its triples (pyoxigraph hashes terms by value, the same in every process), the
    subjects it links to and whether it is a dataset or catalog (read here, where every triple is touched
    anyway, instead of once per node in every fingerprint walk).

    The fingerprint data sit in flat arrays, by node number (``node``: IRI -> number): node i's triple
    hashes are ``hashes[hash_at[i]:hash_at[i + 1]]``, the nodes it links to ``links[link_at[i]:link_at[i +
    1]]``; ``subject[i]`` says whether it has triples, ``container[i]`` whether it is typed dcat:Dataset
    or dcat:Catalog. The forked page workers read them without touching a Python object of the parent's:
    held as lists of ints and strings, each one's reference count written by the walk copied its memory
    page into the worker (23 pages per dataset), which cost more than the walk itself."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.by_s: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.triples: list[ox.Triple] = []
        self.node: dict[str, int] = {}  # every IRI seen, subject or object (numbered while reading)
        node = self.node
        hashes: list[array] = []  # per node: its triples' hashes, then the nodes it links to
        links: list[array] = []
        containers = set()
        named = ox.NamedNode
        kinds = {DCAT + "Dataset", DCAT + "Catalog"}
        for t in triples:
            self.triples.append(t)
            s = t.subject.value
            p = t.predicate.value
            o = t.object
            self.by_s[s][p].append(o)
            i = node.get(s)
            if i is None:
                i = node[s] = len(hashes)
                hashes.append(array("q"))
                links.append(array("q"))
            hashes[i].append(hash(t))
            if type(o) is named:
                v = o.value
                j = node.get(v)
                if j is None:
                    j = node[v] = len(hashes)
                    hashes.append(array("q"))
                    links.append(array("q"))
                links[i].append(j)
                if p == RDF_TYPE and v in kinds:
                    containers.add(i)
        # Nodes that are no subject have no hashes and no links: the walk tells them apart by `subject`.
        self.subject = bytearray(len(hashes))
        for s in self.by_s:
            self.subject[node[s]] = 1
        self.container = bytearray(len(hashes))
        for i in containers:
            self.container[i] = 1
        self.hashes, self.hash_at = _flat(hashes)
        self.links, self.link_at = _flat(links)

    def objects(self, s: str, p: str) -> list[Any]:
        node = self.by_s.get(s)
        return node.get(p, []) if node else []

    def iris(self, s: str, p: str) -> list[str]:
        return sorted(o.value for o in self.objects(s, p) if isinstance(o, ox.NamedNode))

    def one(self, s: str, p: str) -> str | None:
        values = self.objects(s, p)
        return min(v.value for v in values) if values else None

    def text(self, s: str, p: str) -> dict[str, str]:
        """Literals of s p by language (zh, en; an untagged value counts as zh)."""
        out: dict[str, str] = {}
        for o in sorted(self.objects(s, p), key=lambda o: o.value):
            if isinstance(o, ox.Literal):
                lang = (o.language or "zh").split("-")[0]
                out.setdefault(lang, o.value)
        return out

    def texts(self, s: str, p: str) -> list[dict[str, str]]:
        return [
            {"value": o.value, "lang": (o.language or "zh")}
            for o in sorted(self.objects(s, p), key=lambda o: (o.language or "", o.value))
            if isinstance(o, ox.Literal)
        ]


def _flat(arrays: list[array]) -> tuple[array, array]:
    """The arrays end to end, and where each starts (one more entry: where the last ends)."""
    flat, at = array("q"), array("q", [0])
    for a in arrays:
        flat.extend(a)
        at.append(len(flat))
    return flat, at


def label(index: Index, iri: str | None) -> dict[str, str]:
    if not iri:
        return {}
    for p in (SKOS + "prefLabel", FOAF + "name", ELI + "title", DCT + "title"):
        found = index.text(iri, p)
        if found:
            return found
    return {}


@dataclass
class SiteData:
    """Everything the pages need, as plain values (picklable, hashable through JSON)."""

    base: str
    datasets: list[dict[str, Any]]
    labels: dict[str, dict[str, str]]
    notations: dict[str, str]
    orgs: dict[str, dict[str, Any]]
    catalog: dict[str, Any]
    by_slug: dict[str, int] = field(default_factory=dict)


def _slug(base: str, iri: str) -> str:
    return iri[len(base + "dataset/"):]


def read(triples: Iterable[ox.Triple], base: str) -> SiteData:
    index = Index(triples)
    ds_iris = sorted(
        s for s, po in index.by_s.items()
        if DCAT + "Dataset" in {o.value for o in po.get(RDF_TYPE, [])} and s.startswith(base + "dataset/")
    )
    labels: dict[str, dict[str, str]] = {}
    notations: dict[str, str] = {}

    def lab(iri: str | None) -> None:
        if iri and iri not in labels:
            labels[iri] = label(index, iri)
            n = index.one(iri, SKOS + "notation")
            if n:
                notations[iri] = n

    datasets = []
    orgs: dict[str, dict[str, Any]] = {}
    for iri in ds_iris:
        g = lambda p: index.iris(iri, p)  # noqa: E731
        publisher = index.one(iri, DCT + "publisher")
        if publisher and publisher not in orgs:
            orgs[publisher] = {
                "iri": publisher,
                "label": label(index, publisher),
                "uscc": index.one(publisher, GC + "uscc") or publisher.rsplit("/", 1)[-1],
                "division": index.one(publisher, GC + "division"),
                "level": index.one(publisher, GC + "adminLevel"),
            }
            lab(orgs[publisher]["division"])
        dists = []
        for d in index.iris(iri, DCAT + "distribution"):
            fmt = index.one(d, GC + "fileFormat")
            lic = index.one(d, DCT + "license")
            lab(fmt)
            lab(lic)
            dists.append({
                "iri": d,
                "title": index.text(d, DCT + "title"),
                "description": index.text(d, DCT + "description"),
                "access": index.one(d, DCAT + "accessURL"),
                "download": index.one(d, DCAT + "downloadURL"),
                "license": lic,
                "format": fmt,
                "media_type": index.one(d, DCAT + "mediaType"),
                "eu_format": index.one(d, DCT + "format"),
            })
        items = []
        for it in index.iris(iri, GC + "dataItem"):
            dtype = index.one(it, GC + "dataType")
            lab(dtype)
            order = index.one(it, GC + "order")
            items.append({
                "order": int(order) if order and order.isdigit() else None,
                "title": index.text(it, DCT + "title"),
                "description": index.text(it, DCT + "description"),
                "type": dtype,
                "length": index.one(it, GC + "length"),
            })
        items.sort(key=lambda i: (i["order"] is None, i["order"] or 0, i["title"].get("zh", "")))
        contact = index.one(iri, DCAT + "contactPoint")
        temporal = index.one(iri, DCT + "temporal")
        rec = {
            "iri": iri,
            "slug": _slug(base, iri),
            "code": index.one(iri, DCT + "identifier") or _slug(base, iri),
            "title": index.text(iri, DCT + "title"),
            "description": index.text(iri, DCT + "description"),
            "publisher": publisher,
            "keywords": index.texts(iri, DCAT + "keyword"),
            "issued": index.one(iri, DCT + "issued"),
            "modified": index.one(iri, DCT + "modified"),
            "updated": index.one(iri, GC + "dataUpdated"),
            "open_type": index.one(iri, GC + "openType"),
            "open_conditions": index.text(iri, GC + "openConditions"),
            "usage": index.text(iri, GC + "usageRequirements"),
            "classification": g(GC + "classification"),
            "database": g(GC + "database"),
            "format_type": g(GC + "formatType"),
            "file_format": g(GC + "fileFormat"),
            "update_period": index.one(iri, GC + "updatePeriod"),
            "frequency": index.one(iri, DCT + "accrualPeriodicity"),
            "access_rights": index.one(iri, DCT + "accessRights"),
            "themes": g(DCAT + "theme"),
            "spatial": g(DCT + "spatial"),
            "spatial_text": index.text(iri, GC + "spatialText"),
            "temporal_text": index.text(iri, GC + "temporalText"),
            "temporal": [index.one(temporal, DCAT + "startDate"), index.one(temporal, DCAT + "endDate")] if temporal else None,
            "legal": [{"iri": l, "title": label(index, l)} for l in g(DCATAP + "applicableLegislation")],
            "legal_text": index.texts(iri, GC + "legalBasisText"),
            "distributions": dists,
            "items": items,
            "derived_from": [_slug(base, x) for x in g(PROV + "wasDerivedFrom")],
            "related": [_slug(base, x) for x in g(DCT + "relation")],
            "contact": {
                "fn": index.text(contact, VCARD + "fn"),
                "tel": index.one(contact, VCARD + "hasTelephone"),
                "email": index.one(contact, VCARD + "hasEmail"),
            } if contact else None,
        }
        for key in ("classification", "database", "format_type", "file_format", "spatial"):
            for v in rec[key]:
                lab(v)
        for v in (rec["open_type"], rec["update_period"]):
            lab(v)
        for c in rec["classification"]:
            for b in _broader_chain(index, c):
                lab(b)
        datasets.append(rec)
    # Broader classes, so that listings by theme can roll up 项 into 类.
    broader = {c: _broader_chain(index, c) for c in labels if c.startswith(VOCAB + "classification/")}
    from govcat.projection import public_catalog_iri

    cat_iri = public_catalog_iri(base)
    catalog = {
        "iri": cat_iri,
        "title": index.text(cat_iri, DCT + "title"),
        "description": index.text(cat_iri, DCT + "description"),
        "publisher": index.one(cat_iri, DCT + "publisher"),
        "modified": index.one(cat_iri, DCT + "modified"),
        "broader": broader,
        "databases": {
            iri: ("base" if GC + "BaseDatabase" in index.iris(iri, RDF_TYPE) else "theme")
            for d in datasets for iri in d["database"]
        },
    }
    lab(catalog["publisher"])
    data = SiteData(base=base, datasets=datasets, labels=labels, notations=notations, orgs=orgs, catalog=catalog)
    data.by_slug = {d["slug"]: i for i, d in enumerate(datasets)}
    data.index = index  # type: ignore[attr-defined]  # kept for the RDF export, not pickled to workers
    return data


def _broader_chain(index: Index, concept: str) -> list[str]:
    chain, seen = [], {concept}
    current = index.one(concept, SKOS + "broader")
    while current and current not in seen:
        chain.append(current)
        seen.add(current)
        current = index.one(current, SKOS + "broader")
    return chain
