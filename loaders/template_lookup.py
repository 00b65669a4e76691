"""What a submission is resolved against: the SKOS vocabularies, organisations, master catalogs, legal
resources, data elements and the resource codes already in the store. Read once per batch, with the
SPARQL of ``loaders/queries/*.rq``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from govcat.store import CatalogStore

QUERIES = Path(__file__).parent / "queries"
_RESOLVED_MAX = 20_000


@lru_cache(maxsize=None)
def query_text(name: str) -> str:
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


def norm_label(text: str) -> str:
    # People type full-width slashes and letters, and vary case in codes such as "API"/"api".
    return text.strip().replace("／", "/").replace(" ", "").lower()


@dataclass
class Scheme:
    """The concepts of one SKOS scheme, by every label and notation."""

    name: str
    by_label: dict[str, str] = field(default_factory=dict)
    pref_zh: dict[str, str] = field(default_factory=dict)  # concept -> zh prefLabel
    broader: dict[str, str] = field(default_factory=dict)
    # resolve() answers by cell text: a province repeats the same few values millions of times
    _resolved: dict[str, str | None] = field(default_factory=dict, repr=False, compare=False)

    def resolve(self, text: str) -> str | None:
        try:
            return self._resolved[text]
        except KeyError:
            pass
        hit = self._resolve(text)
        if len(self._resolved) < _RESOLVED_MAX:  # bounded: memory must not grow with the batch
            self._resolved[text] = hit
        return hit

    def _resolve(self, text: str) -> str | None:
        hit = self.by_label.get(norm_label(text))
        if hit or "/" not in text.replace("／", "/"):
            return hit
        # "类/项": the narrower concept with that label under the top concept with that label
        top_text, _, sub_text = text.replace("／", "/").partition("/")
        top = self.by_label.get(norm_label(top_text))
        for concept, label in self.pref_zh.items():
            if self.broader.get(concept) == top and norm_label(label) == norm_label(sub_text):
                return concept
        return None

    def suggest(self, text: str) -> str | None:
        labels = sorted(set(self.pref_zh.values()))
        close = difflib.get_close_matches(text.strip(), labels, n=1, cutoff=0.0)
        return close[0] if close else None

    def allowed(self) -> list[str]:
        return sorted(set(self.pref_zh.values()))


@dataclass
class Organisation:
    iri: str
    uscc: str
    name: str
    level: str | None
    division: str | None


@dataclass
class Lookups:
    schemes: dict[str, Scheme]
    organisations: dict[str, Organisation]  # by USCC
    masters: dict[tuple[str, str], str]  # (level, division) -> master catalog
    legal: dict[str, str]  # exact title -> legal resource
    elements: dict[str, str]  # identifier (and zh name) -> data element
    owners: dict[str, str]  # resource code -> catalog graph that holds it now

    @classmethod
    def from_store(cls, store: CatalogStore) -> "Lookups":
        iris = store.iris
        schemes: dict[str, Scheme] = {}
        vocab_prefix = "https://w3id.org/govcat/vocab/"
        for row in store.select(query_text("vocab_labels"), substitutions={"vocab": ox.NamedNode(iris.vocab_graph)}):
            name = row["scheme"].removeprefix(vocab_prefix)
            scheme = schemes.setdefault(name, Scheme(name))
            concept, label, kind = row["concept"], row["label"], row["kind"]
            scheme.by_label.setdefault(norm_label(label), concept)
            if row.get("broader"):
                scheme.broader[concept] = row["broader"]
        # zh prefLabels (for suggestions) need the language, which select() drops: a second pass.
        result = store.query(query_text("vocab_labels"), substitutions={"vocab": ox.NamedNode(iris.vocab_graph)})
        for sol in result:
            if sol["kind"].value == "pref" and sol["label"].language == "zh":
                name = sol["scheme"].value.removeprefix(vocab_prefix)
                schemes[name].pref_zh[sol["concept"].value] = sol["label"].value
                # A zh prefLabel wins over another concept's alt label or notation.
                schemes[name].by_label[norm_label(sol["label"].value)] = sol["concept"].value

        orgs_graph = {"orgs": ox.NamedNode(iris.registry_graph("organisations"))}
        organisations: dict[str, Organisation] = {}
        for row in store.select(query_text("organisations"), substitutions=orgs_graph):
            org = organisations.get(row["uscc"])
            name = row.get("pref") or row.get("name") or row["uscc"]
            if org is None:
                organisations[row["uscc"]] = Organisation(row["org"], row["uscc"], name, row["level"], row["division"])
        masters = {
            (row["level"], row["division"]): row["master"]
            for row in store.select(query_text("master_catalogs"), substitutions=orgs_graph)
        }
        legal = {
            row["title"]: row["resource"]
            for row in store.select(
                query_text("legal_titles"), substitutions={"legal": ox.NamedNode(iris.registry_graph("legal"))}
            )
        }
        elements: dict[str, str] = {}
        for row in store.select(
            query_text("data_elements"),
            substitutions={"elements": ox.NamedNode(iris.registry_graph("data-elements"))},
        ):
            elements[row["id"]] = row["element"]
            if row.get("name"):
                elements.setdefault(row["name"], row["element"])
        prefix = iris.catalog_graph("")
        owners = {
            row["code"]: row["g"]
            for row in store.select(query_text("dataset_owners"))
            if row["g"].startswith(prefix) and "/" not in row["g"][len(prefix):]
        }
        return cls(schemes, organisations, masters, legal, elements, owners)

    def scheme(self, name: str) -> Scheme:
        return self.schemes.get(name) or Scheme(name)


def closest(text: str, candidates: list[str] | set[str]) -> str | None:
    close = difflib.get_close_matches(text, sorted(candidates), n=1, cutoff=0.0)
    return close[0] if close else None
