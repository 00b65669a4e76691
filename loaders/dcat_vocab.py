"""What a harvested catalog's values mean in govcat: its vocabularies and organisations, read from the store.

Values are resolved through the vocab graph in reverse (an EU access-right, frequency, file type or data
theme is the ``skos:exactMatch`` of a govcat concept, else its ``skos:closeMatch``), through
``dcat:mediaType`` (IANA media types), and for literals through ``skos:notation`` and labels. Publishers are
matched against the organisation registry by USCC, then by exact name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources

import pyoxigraph as ox

from govcat.store import CatalogStore

IANA = "http://www.iana.org/assignments/media-types/"
RDF_VALUE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
_LABELS = {
    RDF_VALUE,
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#notation",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
}
_ID = "http://purl.org/dc/terms/identifier"
_ADMS_ID = "http://www.w3.org/ns/adms#identifier"
_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
_NAMES = (
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2006/vcard/ns#fn",
    "http://www.w3.org/2006/vcard/ns#organization-name",
    "http://www.w3.org/2000/01/rdf-schema#label",
)

Index = dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]]


def query_text(name: str) -> str:
    return resources.files("govcat.loaders").joinpath("queries", name).read_text(encoding="utf-8")


def _key(text: str) -> str:
    return " ".join(text.strip().lower().lstrip(".").split())


@dataclass
class Resolution:
    concept: str | None
    why: str = ""                     # why nothing was found: "no mapping" or "ambiguous: …"
    used: list[ox.BlankNode] = field(default_factory=list)  # value nodes read to find it


class Concepts:
    """govcat's SKOS concepts, indexed by what a harvested value may call them."""

    def __init__(self, store: CatalogStore) -> None:
        self.match: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
        self.broader: dict[str, set[str]] = defaultdict(set)
        rows = store.query(query_text("harvest_concepts.rq"), substitutions={"vocab": ox.NamedNode(store.iris.vocab_graph)})
        for row in rows:
            scheme, concept, kind, value = row["scheme"].value, row["concept"].value, row["kind"].value, row["value"]
            self.match[scheme][concept]["self"].add(concept)
            if kind == "broader":
                self.broader[concept].add(value.value)
                continue
            key = _key(value.value) if kind == "label" else value.value
            self.match[scheme][key][kind].add(concept)

    def has_scheme(self, scheme: str) -> bool:
        return scheme in self.match

    def resolve(self, scheme: str, value: ox.NamedNode | ox.Literal | ox.BlankNode, index: Index) -> Resolution:
        if isinstance(value, ox.BlankNode):
            # e.g. ckanext-dcat's dct:format [ a dct:IMT ; rdf:value "text/csv" ; rdfs:label "CSV" ]
            for t in index.get(value, []):
                if t.predicate.value in _LABELS and not isinstance(t.object, ox.BlankNode):
                    found = self.resolve(scheme, t.object, index)
                    if found.concept or found.why.startswith("ambiguous"):
                        found.used.append(value)
                        return found
            return Resolution(None, "no mapping")
        table = self.match.get(scheme, {})
        if isinstance(value, ox.NamedNode):
            iri = value.value
            if iri.startswith("https://www.iana.org/"):
                iri = "http://" + iri[len("https://"):]
            keys = [(iri, ("self", "exact", "close", "media"))]
        else:
            text = value.value.strip()
            keys = [(IANA + text.lower(), ("media",))] if "/" in text else []
            keys.append((_key(text), ("label",)))
        for key, kinds in keys:
            entry = table.get(key)
            if not entry:
                continue
            for kind in kinds:
                if entry.get(kind):
                    return self._pick(entry[kind])
        return Resolution(None, "no mapping")

    def _pick(self, candidates: set[str]) -> Resolution:
        # A concept broader than another candidate says less: keep the most specific ones.
        specific = {c for c in candidates if not any(c in self.broader[o] for o in candidates if o != c)}
        if len(specific) == 1:
            return Resolution(next(iter(specific)))
        return Resolution(None, "ambiguous: " + ", ".join(sorted(specific)))


@dataclass(frozen=True)
class Organisation:
    iri: str
    uscc: str
    division: str | None


class Organisations:
    """The organisation registry, indexed by USCC and by exact name."""

    def __init__(self, store: CatalogStore) -> None:
        self.by_uscc: dict[str, Organisation] = {}
        self.by_name: dict[str, set[Organisation]] = defaultdict(set)
        self.by_iri: dict[str, Organisation] = {}
        graph = ox.NamedNode(store.iris.registry_graph("organisations"))
        for row in store.query(query_text("harvest_orgs.rq"), substitutions={"graph": graph}):
            div = row["division"]
            org = Organisation(row["org"].value, row["uscc"].value.strip(), div.value.rsplit("/", 1)[-1] if div else None)
            self.by_uscc.setdefault(org.uscc, org)
            self.by_iri.setdefault(org.iri, org)
            if row["name"] is not None:
                self.by_name[row["name"].value.strip()].add(org)

    def match(self, agent: ox.NamedNode | ox.BlankNode | ox.Literal, index: Index) -> Organisation | None:
        """The registered organisation an agent of a harvested catalog is, if exactly one fits."""
        if isinstance(agent, ox.Literal):
            return self._by_name(agent.value)
        if isinstance(agent, ox.NamedNode) and agent.value in self.by_iri:
            return self.by_iri[agent.value]
        triples = index.get(agent, [])
        for t in triples:
            for code in _identifier_values(t, index):
                if code in self.by_uscc:
                    return self.by_uscc[code]
        for t in triples:
            if t.predicate.value in _NAMES and isinstance(t.object, ox.Literal):
                org = self._by_name(t.object.value)
                if org:
                    return org
        return None

    def _by_name(self, name: str) -> Organisation | None:
        found = self.by_name.get(name.strip(), set())
        return next(iter(found)) if len(found) == 1 else None


def _identifier_values(t: ox.Triple, index: Index) -> list[str]:
    if t.predicate.value == _ID and isinstance(t.object, ox.Literal):
        return [t.object.value.strip()]
    if t.predicate.value == _ADMS_ID:
        if isinstance(t.object, ox.Literal):
            return [t.object.value.strip()]
        return [
            n.object.value.strip()
            for n in index.get(t.object, [])
            if n.predicate.value == _NOTATION and isinstance(n.object, ox.Literal)
        ]
    return []
