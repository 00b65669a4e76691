"""The ontology, its vocabularies and the Measures: they parse, they are complete against docs/model.md
and the Measures' text, and they reach the store."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from govcat.config import load as load_config
from govcat.ns import ELI, EU_ACCESS_RIGHT, GC, MEASURES, VOCAB, article_iri, vocab
from govcat.ontology import ONTOLOGY_DIR, turtle_files

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "docs" / "model.md"
VOCAB_DIR = ONTOLOGY_DIR / "vocab"


def _shared_dir() -> Path:
    return Path(load_config().shared_dir)


def _tool(name: str) -> ModuleType:
    """A generator script of tools/, imported by path (tools/ is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up while the script runs
    spec.loader.exec_module(mod)
    return mod


def _graph(paths: list[Path]) -> Graph:
    g = Graph()
    for p in paths:
        g.parse(p, format="turtle")
    return g


@pytest.fixture(scope="module")
def vocab_graph() -> Graph:
    return _graph(sorted(VOCAB_DIR.glob("*.ttl")))


@pytest.fixture(scope="module")
def onto_graph() -> Graph:
    return _graph([ONTOLOGY_DIR / "govcat.ttl"])


@pytest.fixture(scope="module")
def measures_graph() -> Graph:
    return _graph([ONTOLOGY_DIR / "measures.ttl"])


# ---- every file parses -------------------------------------------------------------------------

@pytest.mark.parametrize("path", turtle_files(), ids=lambda p: p.relative_to(ONTOLOGY_DIR).as_posix())
def test_turtle_parses_with_rdflib_and_pyoxigraph(path: Path) -> None:
    g = Graph().parse(path, format="turtle")
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert len(g) > 0
    assert len(quads) == len(g), "rdflib and pyoxigraph read a different number of triples"


def test_every_scheme_of_model_has_a_file() -> None:
    for scheme in _model_schemes():
        assert (VOCAB_DIR / f"{scheme}.ttl").exists(), scheme


# ---- concepts ------------------------------------------------------------------------------------

def test_every_concept_has_one_label_per_language_and_one_scheme(vocab_graph: Graph) -> None:
    concepts = set(vocab_graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 100
    problems = []
    for c in concepts:
        labels = list(vocab_graph.objects(c, SKOS.prefLabel))
        langs = sorted(lab.language for lab in labels if isinstance(lab, Literal))
        if langs != ["en", "zh"] or len(labels) != 2:
            problems.append(f"{c}: prefLabels {labels}")
        schemes = list(vocab_graph.objects(c, SKOS.inScheme))
        if len(schemes) != 1 or (schemes[0], RDF.type, SKOS.ConceptScheme) not in vocab_graph:
            problems.append(f"{c}: inScheme {schemes}")
        if set(labels) & set(vocab_graph.objects(c, SKOS.altLabel)):
            problems.append(f"{c}: a prefLabel repeated as altLabel")
    assert not problems, "\n".join(problems)


def test_labels_resolve_to_one_concept_per_scheme(vocab_graph: Graph) -> None:
    """Loaders resolve a cell by prefLabel, altLabel or notation: no text may name two concepts."""
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for c in vocab_graph.subjects(RDF.type, SKOS.Concept):
        scheme = vocab_graph.value(c, SKOS.inScheme)
        for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.notation):
            for o in vocab_graph.objects(c, p):
                names[(str(scheme), str(o))].add(str(c))
    ambiguous = {k: v for k, v in names.items() if len(v) > 1}
    assert not ambiguous


def _model_schemes() -> dict[str, str]:
    """scheme -> the text of its row in model.md's table of concept schemes."""
    text = MODEL.read_text(encoding="utf-8")
    section = text.split("## SKOS concept schemes", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"^\| `([a-z-]+)` \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def _model_codes(row: str) -> list[tuple[str, str | None]]:
    """(code, zh label that follows it, if any) for every backticked code of a model.md row."""
    found = []
    for m in re.finditer(r"`([A-Za-z0-9][A-Za-z0-9-]*)`(?: ([\u4e00-\u9fff/]+))?", row):
        found.append((m.group(1), m.group(2)))
    return found


def test_model_lists_the_schemes() -> None:
    assert set(_model_schemes()) == {
        "sharing-type", "open-type", "sharing-method", "update-period", "format-type", "file-format",
        "data-type", "classification", "database", "acquisition", "org-kind", "admin-level", "legal-rank",
        "division",
    }


@pytest.mark.parametrize("scheme", sorted(_model_schemes()))
def test_scheme_has_the_codes_of_model(scheme: str, vocab_graph: Graph) -> None:
    row = _model_schemes()[scheme]
    scheme_iri = URIRef(f"{VOCAB}{scheme}")
    assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in vocab_graph
    codes = _model_codes(row)
    assert codes, row
    for code, zh in codes:
        c = URIRef(vocab(scheme, code))
        assert (c, SKOS.inScheme, scheme_iri) in vocab_graph, f"{scheme}/{code} missing"
        if zh:
            names = {str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in vocab_graph.objects(c, p)}
            assert zh in names, f"{scheme}/{code}: {zh} is neither its prefLabel nor an altLabel"


def test_extra_properties_of_model(vocab_graph: Graph) -> None:
    def val(scheme: str, code: str, p: URIRef):
        o = vocab_graph.value(URIRef(vocab(scheme, code)), p)
        return None if o is None else o.toPython()

    for code in ("platform-api", "platform-file", "platform-database"):
        assert val("sharing-method", code, GC.platformMethod) is True
    assert val("sharing-method", "email", GC.platformMethod) is False
    ages = {"realtime": 1, "daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "semiannual": 183, "annual": 366}
    for code, days in ages.items():
        assert val("update-period", code, GC.maxAgeDays) == days
    assert val("update-period", "irregular", GC.maxAgeDays) is None
    formats = set(vocab_graph.subjects(SKOS.inScheme, URIRef(f"{VOCAB}file-format")))
    assert {c for c in formats if vocab_graph.value(c, GC.electronic).toPython() is False} == {
        URIRef(vocab("file-format", "paper"))
    }
    for c in formats:
        for mt in vocab_graph.objects(c, URIRef("http://www.w3.org/ns/dcat#mediaType")):
            assert str(mt).startswith("http://www.iana.org/assignments/media-types/")
    assert val("file-format", "api", SKOS.notation) == "API"
    assert val("file-format", "xlsx", SKOS.notation) == "xlsx"
    assert {str(c).rsplit("/", 1)[1] for c in vocab_graph.subjects(GC.needsLength, Literal(True))} == {"C", "N"}
    c = URIRef(vocab("data-type", "C"))
    assert Literal("字符型", lang="zh") in vocab_graph.objects(c, SKOS.prefLabel)
    assert {str(o) for o in vocab_graph.objects(c, SKOS.altLabel)} >= {"字符型C", "C"}
    assert Literal("有条件开放", lang="zh") in vocab_graph.objects(URIRef(vocab("open-type", "on-application")), SKOS.altLabel)
    qualifies = {str(c).rsplit("/", 1)[1] for c in vocab_graph.subjects(GC.qualifiesAsLegalBasis, Literal(True))}
    assert qualifies == {"law", "administrative-regulation", "local-regulation", "departmental-rule", "local-government-rule"}
    assert (URIRef(vocab("database", "population")), RDF.type, GC.BaseDatabase) in vocab_graph
    assert (URIRef(vocab("database", "health")), RDF.type, GC.ThemeDatabase) in vocab_graph
    assert (URIRef(vocab("classification", "1-01")), SKOS.broader, URIRef(vocab("classification", "1"))) in vocab_graph


def test_divisions_follow_the_reference_list(vocab_graph: Graph) -> None:
    import csv

    province = URIRef(vocab("division", "370000"))
    rows = list(csv.DictReader((_shared_dir() / "reference" / "shandong-divisions.csv").open(encoding="utf-8")))
    current = {r["code"] for r in rows if r["status"] == "active" and r["parent_code"] == "370000"}
    assert len(current) == 16
    cities = {str(c).rsplit("/", 1)[1] for c in vocab_graph.subjects(SKOS.broader, province)}
    assert cities == current
    laiwu = URIRef(vocab("division", "371200"))
    assert vocab_graph.value(laiwu, OWL.deprecated).toPython() is True
    assert (laiwu, SKOS.broader, province) not in vocab_graph
    for r in rows:
        c = URIRef(vocab("division", r["code"]))
        assert Literal(r["name_zh"], lang="zh") in vocab_graph.objects(c, SKOS.prefLabel)
        assert str(vocab_graph.value(c, SKOS.notation)) == r["code"]


def test_division_file_is_generated_from_the_csv() -> None:
    mod = _tool("divisions_to_ttl")
    fresh = mod.build(_shared_dir() / "reference" / "shandong-divisions.csv")
    committed = Graph().parse(VOCAB_DIR / "division.ttl")
    from rdflib.compare import isomorphic

    assert isomorphic(fresh, committed)


# ---- EU mappings ----------------------------------------------------------------------------------

def test_access_right_mappings_are_exactly_the_three(vocab_graph: Graph) -> None:
    pairs = {
        (str(s), str(o))
        for p in (SKOS.exactMatch, SKOS.closeMatch)
        for s, o in vocab_graph.subject_objects(p)
        if str(o).startswith(str(EU_ACCESS_RIGHT))
    }
    assert pairs == {
        (vocab("open-type", "unconditional"), f"{EU_ACCESS_RIGHT}PUBLIC"),
        (vocab("open-type", "on-application"), f"{EU_ACCESS_RIGHT}RESTRICTED"),
        (vocab("open-type", "none"), f"{EU_ACCESS_RIGHT}NON_PUBLIC"),
    }


def test_every_mapped_eu_concept_is_declared_in_its_scheme(vocab_graph: Graph) -> None:
    eu = "http://publications.europa.eu/resource/authority/"
    for p in (SKOS.exactMatch, SKOS.closeMatch):
        for s, o in vocab_graph.subject_objects(p):
            assert str(o).startswith(eu)
            table = str(o)[len(eu):].split("/")[0]
            assert (o, SKOS.inScheme, URIRef(eu + table)) in vocab_graph, o
            assert (URIRef(eu + table), RDF.type, SKOS.ConceptScheme) in vocab_graph


def test_schemes_with_eu_mappings_are_mapped(vocab_graph: Graph) -> None:
    mapped = {s for p in (SKOS.exactMatch, SKOS.closeMatch) for s in vocab_graph.subjects(p, None)}
    for scheme in ("open-type", "update-period", "classification"):
        members = set(vocab_graph.subjects(SKOS.inScheme, URIRef(f"{VOCAB}{scheme}")))
        assert members <= mapped, members - mapped
    formats = set(vocab_graph.subjects(SKOS.inScheme, URIRef(f"{VOCAB}file-format")))
    # only the service interface and paper have no EU file type
    assert {str(c).rsplit("/", 1)[1] for c in formats - mapped} == {"api", "paper"}


# ---- govcat.ttl ------------------------------------------------------------------------------------

def _declared(g: Graph, term: URIRef) -> bool:
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual, RDF.Property}
    return bool(set(g.objects(term, RDF.type)) & kinds)


def test_every_gc_term_of_model_is_declared(onto_graph: Graph) -> None:
    terms = set(re.findall(r"\bgc:([A-Za-z][A-Za-z0-9]*)", MODEL.read_text(encoding="utf-8")))
    assert len(terms) > 40
    missing = sorted(t for t in terms if not _declared(onto_graph, GC[t]))
    assert not missing


def test_every_gc_term_used_in_the_turtle_is_declared(onto_graph: Graph, vocab_graph: Graph, measures_graph: Graph) -> None:
    used = set()
    for g in (onto_graph, vocab_graph, measures_graph):
        for t in g:
            used |= {x for x in t if isinstance(x, URIRef) and str(x).startswith(str(GC))}
    missing = sorted(str(t) for t in used if not _declared(onto_graph, t))
    assert not missing


def test_gc_terms_have_labels_comments_domains_and_ranges(onto_graph: Graph) -> None:
    problems = []
    for s in set(onto_graph.subjects(RDFS.isDefinedBy, URIRef("https://w3id.org/govcat/ns"))):
        langs = sorted(o.language for o in onto_graph.objects(s, RDFS.label))
        if langs != ["en", "zh"]:
            problems.append(f"{s}: labels {langs}")
        if onto_graph.value(s, RDFS.comment) is None:
            problems.append(f"{s}: no comment")
        types = set(onto_graph.objects(s, RDF.type))
        if types & {OWL.ObjectProperty, OWL.DatatypeProperty} and onto_graph.value(s, RDFS.range) is None:
            problems.append(f"{s}: no range")
    assert not problems, "\n".join(problems)


def test_alignment_to_dcat_prov(onto_graph: Graph) -> None:
    DCAT = URIRef("http://www.w3.org/ns/dcat#Catalog")
    assert (GC.MasterCatalog, RDFS.subClassOf, DCAT) in onto_graph
    assert (GC.Acquisition, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Activity")) in onto_graph
    assert (URIRef("https://w3id.org/govcat/ns"), RDF.type, OWL.Ontology) in onto_graph


# ---- the Measures ----------------------------------------------------------------------------------

_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn(text: str) -> int:
    if "十" not in text:
        return _NUM[text]
    tens, _, units = text.partition("十")
    return (_NUM[tens] if tens else 1) * 10 + (_NUM[units] if units else 0)


def _articles_in_text() -> dict[int, list[str]]:
    """Article number -> its lines, read from the text independently of the generator."""
    text = (_shared_dir() / "measures" / "shandong-measures-2019.zh.txt").read_text(encoding="utf-8")
    articles: dict[int, list[str]] = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        m = re.match(r"第([一二三四五六七八九十]+)条\s*(.*)$", stripped)
        if m:
            current = _cn(m.group(1))
            assert current not in articles
            articles[current] = [m.group(2).strip()]
        elif re.match(r"第[一二三四五六七八九十]+章", stripped) or not stripped:
            continue
        elif current is not None:
            articles[current].append(stripped)
    return articles


def test_every_article_of_the_text_has_an_iri_with_its_text(measures_graph: Graph) -> None:
    articles = _articles_in_text()
    assert len(articles) >= 40
    assert sorted(articles) == list(range(1, len(articles) + 1))
    act = URIRef(MEASURES)
    parts = set(measures_graph.objects(act, ELI.has_part))
    for n, lines in articles.items():
        a = URIRef(article_iri(n))
        assert a in parts, n
        assert (a, RDF.type, ELI.LegalResourceSubdivision) in measures_graph
        assert (a, ELI.is_part_of, act) in measures_graph
        assert measures_graph.value(a, ELI.number) == Literal(str(n))
        assert measures_graph.value(a, GC.articleNumber) == Literal(n, datatype=XSD.integer)
        title = measures_graph.value(a, ELI.title)
        assert title.language == "zh" and _cn(str(title)[1:-1]) == n
        value = measures_graph.value(a, RDF.value)
        assert value is not None and value.language == "zh"
        assert value.splitlines() == lines, n
        assert measures_graph.value(a, GC.chapter) is not None
    assert {str(p) for p in parts} == {article_iri(n) for n in articles}


def test_measures_metadata(measures_graph: Graph) -> None:
    act = URIRef(MEASURES)
    g = measures_graph
    assert (act, RDF.type, ELI.LegalResource) in g
    assert str(g.value(act, ELI.title)) == "山东省电子政务和政务数据管理办法"
    assert g.value(act, ELI.date_document) == Literal("2019-12-25", datatype=XSD.date)
    assert g.value(act, ELI.first_date_entry_in_force) == Literal("2020-02-01", datatype=XSD.date)
    assert str(g.value(act, ELI.passed_by)) == "山东省人民政府"
    assert str(g.value(act, ELI.id_local)) == "山东省人民政府令第329号"
    assert g.value(act, ELI.type_document) == URIRef(vocab("legal-rank", "local-government-rule"))
    chapter = g.value(URIRef(article_iri(22)), GC.chapter)
    assert str(g.value(chapter, ELI.title)) == "第四章 应用和服务"
    assert (chapter, ELI.has_part, URIRef(article_iri(22))) in g


def test_measures_file_is_generated_from_the_text() -> None:
    from rdflib.compare import isomorphic

    mod = _tool("measures_to_ttl")
    text = (_shared_dir() / "measures" / "shandong-measures-2019.zh.txt").read_text(encoding="utf-8")
    fresh = Graph().parse(data=mod.to_turtle(mod.parse_measures(text)), format="turtle")
    assert isomorphic(fresh, Graph().parse(ONTOLOGY_DIR / "measures.ttl"))


def test_measures_parser_copes_with_odd_indentation() -> None:
    mod = _tool("measures_to_ttl")
    text = "办法\n(2019年12月16日通过  2019年12月25日发布 自2020年2月1日起施行)\n\n第一章 总  则\n" \
           "\u3000 \u3000第一条\u3000甲。\n\u3000\u3000乙。\n第二条 丙。\n \t第三条丁。\n"
    m = mod.parse_measures(text)
    assert [(a.number, a.text) for a in m.articles] == [(1, "甲。\n乙。"), (2, "丙。"), (3, "丁。")]
    assert (m.adopted, m.issued, m.in_force) == ("2019-12-16", "2019-12-25", "2020-02-01")
    assert mod.chinese_number("二十二") == 22 and mod.chinese_number("一百零三") == 103
    with pytest.raises(ValueError):
        mod.parse_measures(text.replace("第二条", "第四条"))


# ---- the store -------------------------------------------------------------------------------------

def test_store_holds_ontology_vocab_and_measures(tmp_path: Path) -> None:
    from govcat.store import CatalogStore

    base = "https://example.org/gc/"
    store = CatalogStore.open(tmp_path / "store", base)
    graphs = set(store.named_graphs())
    iris = store.iris
    assert {iris.ontology_graph, iris.vocab_graph, iris.measures_graph} <= graphs
    onto_files = [p for p in turtle_files() if p.parent == ONTOLOGY_DIR and not p.name.startswith("measures")]
    assert ONTOLOGY_DIR / "govcat.ttl" in onto_files
    assert store.count(iris.ontology_graph) == len(_graph(onto_files))
    assert store.count(iris.vocab_graph) == len(_graph(sorted(VOCAB_DIR.glob("*.ttl"))))
    assert store.count(iris.measures_graph) == len(Graph().parse(ONTOLOGY_DIR / "measures.ttl"))
    rows = store.select(
        "SELECT * WHERE { GRAPH ?g { ?a <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> ?text } }",
        substitutions={"g": ox.NamedNode(iris.measures_graph), "a": ox.NamedNode(article_iri(22))},
    )
    assert rows and rows[0]["text"].startswith("政务数据按照共享类型分为")
    assert store.ask(
        "ASK { GRAPH ?g { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } }",
        substitutions={"g": ox.NamedNode(iris.vocab_graph), "c": ox.NamedNode(vocab("sharing-type", "conditional")),
                       "l": ox.Literal("有条件共享", language="zh")},
    )


def test_eu_mappings_satisfy_the_dcat_ap_vocabulary_shapes(vocab_graph: Graph) -> None:
    """A dataset that uses every EU concept our mappings point at passes DCAT-AP 3's controlled-vocabulary
    shapes offline, because eu-mappings.ttl declares their schemes."""
    from pyshacl import validate

    shapes_file = _shared_dir() / "external" / "dcat-ap-3" / "html-shacl" / "mdr-vocabularies.shape.ttl"
    if not shapes_file.exists():
        pytest.fail(f"DCAT-AP 3 shapes missing: {shapes_file} (setting shared_dir)")
    DCAT = "http://www.w3.org/ns/dcat#"
    DCT = "http://purl.org/dc/terms/"
    data = Graph()
    ds, dist = URIRef("urn:test:ds"), URIRef("urn:test:ds#d")
    data.add((ds, RDF.type, URIRef(DCAT + "Dataset")))
    data.add((dist, RDF.type, URIRef(DCAT + "Distribution")))
    data.add((ds, URIRef(DCAT + "distribution"), dist))
    prop = {"access-right": (ds, DCT + "accessRights"), "frequency": (ds, DCT + "accrualPeriodicity"),
            "data-theme": (ds, DCAT + "theme"), "file-type": (dist, DCT + "format")}
    used = 0
    for p in (SKOS.exactMatch, SKOS.closeMatch):
        for _, eu in vocab_graph.subject_objects(p):
            table = str(eu).split("/authority/")[1].split("/")[0]
            subject, predicate = prop[table]
            data.add((subject, URIRef(predicate), eu))
            used += 1
    for s, mt in vocab_graph.subject_objects(URIRef(DCAT + "mediaType")):
        data.add((dist, URIRef(DCAT + "mediaType"), mt))
    data += vocab_graph
    assert used > 40
    conforms, _, text = validate(data, shacl_graph=Graph().parse(shapes_file), inference="none",
                                 do_owl_imports=False, allow_warnings=True)
    assert conforms, text
