"""The human-readable reference of the govcat ontology, generated from its Turtle so that it cannot drift.

``render()`` reads ``ontology/*.ttl`` (classes and properties), ``ontology/vocab/*.ttl`` (concept schemes
and EU mappings) and ``ontology/measures.ttl`` (the Measures' articles), and fills the Jinja template
``templates/ontology.md.j2``. ``govcat ontology doc`` writes it to ``docs/ontology.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCAT, OWL, RDF, RDFS, SKOS

from govcat.errors import CatalogError
from govcat.ns import ELI, GC, MEASURES, PREFIXES, VOCAB
from govcat.ontology import ONTOLOGY_DIR

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE = "ontology.md.j2"
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
# Properties of concepts shown in their own column (the rest go to "other").
_MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch)


@dataclass
class Term:
    iri: str
    curie: str
    zh: str
    en: str
    comment_en: str = ""
    comment_zh: str = ""
    kind: str = ""
    domain: str = ""
    range: str = ""
    parents: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)


@dataclass
class Concept:
    iri: str
    code: str
    zh: str
    en: str
    notation: str
    alt: list[str]
    broader: list[str]
    extra: list[str]
    mappings: list[str]
    deprecated: bool


@dataclass
class Scheme:
    iri: str
    curie: str
    zh: str
    en: str
    source_file: str
    concepts: list[Concept]


def _read(paths: list[Path]) -> Graph:
    g = Graph()
    for p in paths:
        try:
            g.parse(p, format="turtle")
        except Exception as exc:  # noqa: BLE001 - any parse failure is reported with its file
            raise CatalogError(f"无法解析 {p} / cannot parse {p}: {exc}", source=str(p)) from exc
    return g


def _subject_order(path: Path) -> list[str]:
    """Subjects in the order they first appear in the file (pyoxigraph parses in document order)."""
    seen: dict[str, None] = {}
    for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if isinstance(t.subject, ox.NamedNode):
            seen.setdefault(t.subject.value, None)
    return list(seen)


def curie(term: object) -> str:
    s = str(term)
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
        if s.startswith(str(ns)) and s != str(ns):
            return f"{prefix}:{s[len(str(ns)):]}"
    if s.startswith(EU_AUTHORITY):
        return "eu:" + s[len(EU_AUTHORITY):]
    return f"<{s}>"


def _label(g: Graph, s: object, lang: str, prop: URIRef = RDFS.label) -> str:
    for o in sorted(g.objects(s, prop), key=str):
        if isinstance(o, Literal) and o.language == lang:
            return str(o)
    return ""


def _class_expr(g: Graph, node: object) -> str:
    if isinstance(node, BNode):
        union = g.value(node, OWL.unionOf)
        if union is not None:
            return " ∪ ".join(curie(m) for m in Collection(g, union))
    return curie(node) if node is not None else ""


def _natural(text: str) -> list[object]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _terms(g: Graph, files: list[Path]) -> tuple[list[Term], list[Term], list[Term]]:
    order = [s for p in files for s in _subject_order(p)]
    classes, properties, individuals = [], [], []
    for iri in order:
        s = URIRef(iri)
        if not iri.startswith(str(GC)):
            continue
        types = set(g.objects(s, RDF.type))
        t = Term(
            iri, curie(s), _label(g, s, "zh"), _label(g, s, "en"),
            _label(g, s, "en", RDFS.comment), _label(g, s, "zh", RDFS.comment),
            see_also=sorted(curie(o) for o in g.objects(s, RDFS.seeAlso)),
        )
        if OWL.Class in types:
            t.parents = sorted(curie(o) for o in g.objects(s, RDFS.subClassOf))
            classes.append(t)
        elif types & {OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property}:
            t.kind = "object" if OWL.ObjectProperty in types else "datatype"
            if OWL.FunctionalProperty in types:
                t.kind += ", functional"
            t.domain = _class_expr(g, g.value(s, RDFS.domain))
            t.range = _class_expr(g, g.value(s, RDFS.range))
            t.parents = sorted(curie(o) for o in g.objects(s, RDFS.subPropertyOf))
            properties.append(t)
        elif OWL.NamedIndividual in types:
            t.kind = ", ".join(sorted(curie(o) for o in types if o != OWL.NamedIndividual))
            individuals.append(t)
    return classes, properties, individuals


def _reused(g: Graph, files: list[Path]) -> list[Term]:
    """Terms of other vocabularies that govcat annotates with a zh label and a scope note."""
    order = [s for p in files for s in _subject_order(p)]
    seen: dict[str, Term] = {}
    for iri in order:
        s = URIRef(iri)
        note = _label(g, s, "en", SKOS.scopeNote)
        if iri.startswith(str(GC)) or not note or iri in seen:
            continue
        seen[iri] = Term(iri, curie(s), _label(g, s, "zh"), "", note)
    return list(seen.values())


def _value(g: Graph, o: object) -> str:
    if isinstance(o, Literal):
        return str(o)
    return curie(o)


def _schemes(g: Graph, files: list[Path]) -> tuple[list[Scheme], list[Scheme]]:
    own, eu = [], []
    file_of: dict[str, str] = {}
    order: list[str] = []
    for p in files:
        for s in _subject_order(p):
            file_of.setdefault(s, p.name)
            order.append(s)
    position = {s: i for i, s in reversed(list(enumerate(order)))}
    for scheme in sorted(g.subjects(RDF.type, SKOS.ConceptScheme), key=lambda s: position.get(str(s), 0)):
        concepts = []
        members = [c for c in g.subjects(SKOS.inScheme, scheme)]
        members.sort(key=lambda c: (position.get(str(c), 0), _natural(str(c))))
        for c in members:
            code = str(c)[len(str(scheme)) + 1:] if str(c).startswith(str(scheme) + "/") else curie(c)
            extra = []
            for p, o in sorted(g.predicate_objects(c), key=lambda po: (str(po[0]), str(po[1]))):
                if str(p).startswith(str(GC)) or p == DCAT.mediaType:
                    extra.append(f"{curie(p)} {_value(g, o)}")
            mappings = []
            for p in _MAPPINGS:
                for o in sorted(g.objects(c, p), key=str):
                    target = _label(g, o, "en", SKOS.prefLabel)
                    mappings.append(f"{curie(p)} {curie(o)}" + (f" ({target})" if target else ""))
            concepts.append(
                Concept(
                    str(c), code, _label(g, c, "zh", SKOS.prefLabel), _label(g, c, "en", SKOS.prefLabel),
                    ", ".join(sorted(str(n) for n in g.objects(c, SKOS.notation))),
                    sorted((f"{o}@{o.language}" if isinstance(o, Literal) and o.language else str(o))
                           for o in g.objects(c, SKOS.altLabel)),
                    sorted(curie(o) for o in g.objects(c, SKOS.broader)),
                    extra, mappings,
                    any(bool(o.toPython()) for o in g.objects(c, OWL.deprecated) if isinstance(o, Literal)),
                )
            )
        if concepts and all(c.code[:1].isdigit() for c in concepts):
            # Code lists (divisions, classification) read best in code order, whatever the file's order.
            concepts.sort(key=lambda c: _natural(c.code))
        sch = Scheme(str(scheme), curie(scheme), _label(g, scheme, "zh", SKOS.prefLabel),
                     _label(g, scheme, "en", SKOS.prefLabel), file_of.get(str(scheme), ""), concepts)
        (own if str(scheme).startswith(str(VOCAB)) else eu).append(sch)
    return own, eu


def _measures(g: Graph) -> dict[str, object]:
    act = URIRef(MEASURES)

    def one(s: object, p: URIRef) -> str:
        o = g.value(s, p)
        return "" if o is None else str(o)

    articles = sorted(
        (a for a in g.objects(act, ELI.has_part) if g.value(a, GC.articleNumber) is not None),
        key=lambda a: int(g.value(a, GC.articleNumber)),
    )
    chapters = sorted(g.subjects(ELI.is_part_of, act), key=lambda c: _natural(str(c)))
    chapters = [c for c in chapters if g.value(c, GC.articleNumber) is None]
    return {
        "iri": MEASURES,
        "title": one(act, ELI.title),
        "id_local": one(act, ELI.id_local),
        "passed_by": one(act, ELI.passed_by),
        "date_document": one(act, ELI.date_document),
        "in_force": one(act, ELI.first_date_entry_in_force),
        "rank": curie(g.value(act, ELI.type_document)),
        "chapters": [
            {
                "iri": str(c), "title": one(c, ELI.title),
                "articles": [
                    {"iri": str(a), "number": int(g.value(a, GC.articleNumber)), "title": one(a, ELI.title),
                     "text": one(a, RDF.value)}
                    for a in articles if g.value(a, GC.chapter) == c
                ],
            }
            for c in chapters
        ],
        "count": len(articles),
    }


def render(ontology_dir: Path = ONTOLOGY_DIR) -> str:
    """The reference, as Markdown, from the Turtle files under ``ontology_dir``."""
    all_files = sorted(ontology_dir.rglob("*.ttl"))
    vocab_files = [p for p in all_files if p.relative_to(ontology_dir).as_posix().startswith("vocab/")]
    measure_files = [p for p in all_files if p.relative_to(ontology_dir).as_posix().startswith("measures")]
    onto_files = [p for p in all_files if p not in vocab_files and p not in measure_files]
    onto, vocab, measures = _read(onto_files), _read(vocab_files), _read(measure_files)
    classes, properties, individuals = _terms(onto, onto_files)
    schemes, eu_schemes = _schemes(vocab, vocab_files)
    ontology_iri = next(onto.subjects(RDF.type, OWL.Ontology), None)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["codes"] = lambda items: ", ".join(f"`{i}`" for i in items)
    return env.get_template(TEMPLATE).render(
        ontology={
            "iri": str(ontology_iri) if ontology_iri else "",
            "zh": _label(onto, ontology_iri, "zh"), "en": _label(onto, ontology_iri, "en"),
            "comment": _label(onto, ontology_iri, "en", RDFS.comment),
            "version": str(onto.value(ontology_iri, OWL.versionInfo) or ""),
        },
        files=[p.relative_to(ontology_dir.parent).as_posix() for p in all_files],
        classes=classes, properties=properties, individuals=individuals, reused=_reused(onto, onto_files),
        schemes=schemes, eu_schemes=eu_schemes, measures=_measures(measures),
    )


def write(out: Path, ontology_dir: Path = ONTOLOGY_DIR) -> str:
    text = render(ontology_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text
