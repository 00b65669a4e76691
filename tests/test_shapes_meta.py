"""Every shape says which rule and article it enforces, in zh and en, with a severity; every rule of the
issue's list in ../shared/spec/rules.md has a shape, with the severities rules.md gives it."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from govcat import config
from govcat.ns import GC, SH, article_iri
from govcat.ontology import ONTOLOGY_DIR
from govcat.validation.shapes import rule_shapes, shapes_graph

# The rules whose data a catalog submission and the registries carry (issue 4).
ISSUE_RULES = (
    "R2.1 R15.1 R15.2 R15.3 R16.1 R17.1 R17.2 R18.1 R18.2 R19.1 R20.1 R21.1 R22.1 R22.2 R24.1 "
    "R25.1 R25.2 R25.3 R25.4 R39.1"
).split()


@pytest.fixture(scope="module")
def rules_table() -> dict[str, tuple[set[int], set[str]]]:
    path = config.load().shared_path / "spec" / "rules.md"
    if not path.is_file():
        pytest.skip(f"{path} is missing: set GOVCAT_SHARED_DIR to the shared specification folder")
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(R\d+\.\d+)\s*\|([^|]*)\|.*\|\s*([^|]+?)\s*\|\s*$", line)
        if m:
            articles = {int(n) for n in re.findall(r"\d+", m.group(2).split("¶")[0])}
            severities = {s for s in ("Violation", "Warning", "Info") if s in m.group(3)}
            table[m.group(1)] = (articles, severities)
    return table


def test_every_top_level_shape_names_its_rule():
    g = shapes_graph()
    targeted = {s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf) for s in g.subjects(p, None)}
    assert targeted, "no shapes with targets"
    assert targeted <= set(rule_shapes()), sorted(str(s) for s in targeted - set(rule_shapes()))


def test_every_shape_has_rule_article_messages_and_severity():
    g = shapes_graph()
    for node, info in rule_shapes().items():
        assert re.fullmatch(r"R\d+\.\d+", info.rule), node
        assert info.article == int(info.rule[1:].split(".")[0]), node
        assert article_iri(info.article) in info.article_iris, node
        assert (node, SH.severity, None) in g, f"{node} has no sh:severity"
        assert info.severity in ("Violation", "Warning", "Info"), node
        langs = {m.language for m in g.objects(node, SH.message) if isinstance(m, Literal)}
        assert {"zh", "en"} <= langs, f"{node} lacks a zh or en message"
        assert all(len(t) > 15 for t in info.messages.values()), node


def test_article_links_resolve_in_the_measures():
    measures = Graph()
    for path in ONTOLOGY_DIR.glob("measures*.ttl"):
        measures.parse(path, format="turtle")
    if len(measures) == 0:
        pytest.skip("ontology/measures.ttl is not there yet")
    for node, info in rule_shapes().items():
        for iri in info.article_iris:
            assert (URIRef(iri), None, None) in measures, f"{node}: {iri} is not an article of the Measures"


def test_every_rule_of_the_issue_has_its_shapes(rules_table):
    by_rule: dict[str, set[str]] = {}
    for info in rule_shapes().values():
        by_rule.setdefault(info.rule, set()).add(info.severity)
    for rule in ISSUE_RULES:
        assert rule in rules_table, f"{rule} is not in rules.md"
        assert rule in by_rule, f"no shape for {rule}"
        articles, severities = rules_table[rule]
        assert int(rule[1:].split(".")[0]) in articles
        if severities:  # R39.1 is "(scope)": any severity
            assert by_rule[rule] == severities, (rule, by_rule[rule], severities)


def test_no_shape_for_a_rule_that_is_not_in_rules_md(rules_table):
    assert {i.rule for i in rule_shapes().values()} <= set(rules_table)


def test_shapes_use_no_values_clause():
    # SHACL-SPARQL forbids VALUES in constraints; pyshacl refuses the whole shapes graph if one has it.
    for select in shapes_graph().objects(None, SH.select):
        assert not re.search(r"\bVALUES\b", str(select))
