"""Incremental checking: after one department's new submission, or a registry change, re-checking only what
the change can affect gives the same report as checking the whole store again."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest

from govcat.fastshacl.incremental import check_changes, merge, recheck
from govcat.store import CatalogStore
from govcat.validation import Scope, validate

ROOT = Path(__file__).parent.parent
BASE = "https://data.sd.gov.cn/govcat/"
AS_OF = date(2026, 11, 25)
GC = "https://w3id.org/govcat/ns#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _key(r) -> tuple:
    return (r.rule, r.focus, r.severity, r.path, r.value, r.department, r.resource_code)


@pytest.fixture()
def store(tmp_path) -> CatalogStore:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_support import bureaus
    from catalog_gen import generate

    store = CatalogStore.open(tmp_path / "store", BASE)
    nq = tmp_path / "catalog.nq"
    generate(nq, 300, per_department=50, items_per_resource=5, bureau_of=bureaus(), seed=11)
    store.ox.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    return store


def _catalogs(store: CatalogStore) -> list[str]:
    prefix = store.iris.base + "graph/catalog/"
    return sorted(g for g in store.named_graphs() if g.startswith(prefix))


def _resubmit(store: CatalogStore, graph: str, element_of_other: str) -> str:
    """The department drops some usage requirements (R15.1), and claims to be the authoritative source of a
    data element another department already is the source of (R17.1, which also changes that department's
    results)."""
    usage = ox.NamedNode(GC + "usageRequirements")
    new, claimed = [], False
    for i, q in enumerate(store.triples(graph)):
        t = q.triple
        if t.predicate == usage and i % 7 == 0:
            continue
        new.append(t)
        if not claimed and t.predicate == ox.NamedNode(GC + "dataElement"):
            item = t.subject
            new.append(ox.Triple(item, ox.NamedNode(GC + "dataElement"), ox.NamedNode(element_of_other)))
            new.append(ox.Triple(item, ox.NamedNode(GC + "authoritative"), ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))))
            claimed = True
    return store.replace_graph(graph, new, keep_history=True)


def _a_source(store: CatalogStore) -> tuple[str, str]:
    """A catalog graph and a data element it is the authoritative source of."""
    rows = store.select(
        "SELECT ?g ?e WHERE { GRAPH ?g { ?i <%sdataElement> ?e ; <%sauthoritative> true } } ORDER BY ?e LIMIT 1"
        % (GC, GC)
    )
    return rows[0]["g"], rows[0]["e"]


def test_department_resubmission(store):
    before = validate(store, scope=Scope.store(), as_of=AS_OF, engine="fast")
    owner, element = _a_source(store)
    first = next(g for g in _catalogs(store) if g != owner)
    history = _resubmit(store, first, element)
    incremental, focus = check_changes(store, {first: history}, as_of=AS_OF)
    merged = merge(before, incremental, focus)
    full = validate(store, scope=Scope.store(), as_of=AS_OF, engine="fast")
    assert {_key(r) for r in merged.results} == {_key(r) for r in full.results}
    # The change is visible, in both departments, and the check did not cover the whole province.
    assert {_key(r) for r in full.results} != {_key(r) for r in before.results}
    assert {r.rule for r in incremental.results} >= {"R15.1", "R17.1"}
    datasets = store.select("SELECT (COUNT(?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
    assert len(focus) < int(datasets[0]["n"]) * 6


def test_amended_law_rechecks_the_catalogs_that_cite_it(store):
    before = validate(store, scope=Scope.store(), as_of=AS_OF, engine="fast")
    legal = store.iris.registry_graph("legal")
    old = [q.triple for q in store.triples(legal)]
    law = ox.NamedNode(store.iris.legal("prc-data-security-law"))
    amendment = ox.NamedNode(law.value + "#amendment-bench")
    eli = "http://data.europa.eu/eli/ontology#"
    day = ox.Literal("2026-11-02", datatype=ox.NamedNode(XSD + "date"))
    new = old + [
        ox.Triple(law, ox.NamedNode(eli + "amended_by"), amendment),
        ox.Triple(amendment, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(eli + "LegalResource")),
        ox.Triple(amendment, ox.NamedNode(eli + "date_document"), day),
        ox.Triple(amendment, ox.NamedNode(eli + "first_date_entry_in_force"), day),
    ]
    history = store.replace_graph(legal, new, keep_history=True)
    incremental, focus = check_changes(store, {legal: history}, as_of=AS_OF)
    merged = merge(before, incremental, focus)
    full = validate(store, scope=Scope.store(), as_of=AS_OF, engine="fast")
    assert {_key(r) for r in merged.results} == {_key(r) for r in full.results}
    assert any(r.rule == "R16.1" for r in incremental.results), "the amendment is overdue at the as-of date"


def _department_nodes(store: CatalogStore, graph: str) -> set[str]:
    return {q.subject.value for q in store.triples(graph) if isinstance(q.subject, ox.NamedNode)}


@pytest.mark.parametrize("change", ["ordinary items", "sharing type of a source"])
def test_a_change_reaches_other_departments_only_through_authoritative_sources(store, change):
    """Editing ordinary items re-checks only the department (and what points into it); changing the sharing
    type of a resource that is an authoritative source re-checks every resource using its elements (R17.2
    decides duplicate collection by what sources share). Either way the merged report equals a full one."""
    before = validate(store, scope=Scope.store(), as_of=AS_OF, engine="fast")
    owner, element = _a_source(store)
    title = ox.NamedNode(DCT + "title")
    sharing = ox.NamedNode(GC + "sharingType")
    sources = {r["r"] for r in store.select(
        "SELECT ?r ?e WHERE { ?r <%sdataItem> ?i . ?i <%sdataElement> ?e ; <%sauthoritative> true }" % (GC, GC, GC),
        substitutions={"e": ox.NamedNode(element)})}
    new = []
    for q in store.triples(owner):
        t = q.triple
        if change == "ordinary items" and t.predicate == title and "#item-" in t.subject.value:
            t = ox.Triple(t.subject, title, ox.Literal(t.object.value + "（修订）", language="zh"))
        elif change == "sharing type of a source" and t.predicate == sharing and t.subject.value in sources:
            t = ox.Triple(t.subject, sharing, ox.NamedNode("https://w3id.org/govcat/vocab/sharing-type/none"))
        new.append(t)
    history = store.replace_graph(owner, new, keep_history=True)
    incremental, focus = check_changes(store, {owner: history}, as_of=AS_OF)
    merged = merge(before, incremental, focus)
    full = validate(store, scope=Scope.store(), as_of=AS_OF, engine="fast")
    assert {_key(r) for r in merged.results} == {_key(r) for r in full.results}
    users = {r["r"] for r in store.select(
        "SELECT DISTINCT ?r ?e WHERE { ?r <%sdataItem> ?i . ?i <%sdataElement> ?e }" % (GC, GC),
        substitutions={"e": ox.NamedNode(element)})}
    outside = users - _department_nodes(store, owner)
    assert outside, "the element is used by other departments"
    if change == "ordinary items":
        assert not (outside & focus)
    else:
        assert outside <= focus


def test_the_difference_a_replacement_records_is_that_of_the_two_versions(store):
    """`recheck` (after `govcat load` or `govcat registry load`) takes the difference the store recorded while
    staging the new version; it must find what reading both versions back finds."""
    owner, element = _a_source(store)
    first = next(g for g in _catalogs(store) if g != owner)
    history = _resubmit(store, first, element)
    recorded, recorded_focus = recheck(store, [first], as_of=AS_OF)
    assert first not in store.differences, "a recorded difference is used once"
    versions, versions_focus = check_changes(store, {first: history}, as_of=AS_OF)
    assert recorded_focus == versions_focus and recorded_focus
    assert {_key(r) for r in recorded.results} == {_key(r) for r in versions.results}


def test_a_change_reaching_many_nodes_is_checked_by_a_run_over_all_of_them(store, monkeypatch):
    """Above FULL_RUN_ABOVE affected nodes (a province's first load) the engine runs over every focus node
    and keeps the affected ones' results: the same report as the restricted run."""
    from govcat.fastshacl import incremental

    owner, element = _a_source(store)
    first = next(g for g in _catalogs(store) if g != owner)
    history = _resubmit(store, first, element)
    restricted, focus = check_changes(store, {first: history}, as_of=AS_OF)
    monkeypatch.setattr(incremental, "FULL_RUN_ABOVE", 0)
    over_all, focus_all = check_changes(store, {first: history}, as_of=AS_OF)
    assert focus_all == focus
    assert {_key(r) for r in over_all.results} == {_key(r) for r in restricted.results}
    everything = validate(store, scope=Scope.store(), as_of=AS_OF, engine="fast")
    assert len(everything.results) > len(over_all.results), "results of unaffected nodes are left out"
