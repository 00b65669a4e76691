"""Incremental checking: re-check only what a change can affect.

A new submission of one department, or a change to a registry, changes some triples. The focus nodes whose
results can change are found by ``affected_focus`` from the changed triples (the symmetric difference of
a graph's new and previous versions): the nodes they describe or point to, what points to those (lineage,
citations of an amended law, publishers), and the resources sharing a data element with them (一数一源 and
duplicate collection are decided across departments). The fast engine then checks only those focus nodes,
and their results replace those of the same focus nodes in the previous full report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:
    from govcat.store import CatalogStore
    from govcat.validation.report import Report

GC = "https://w3id.org/govcat/ns#"
_DATA_ITEM = ox.NamedNode(GC + "dataItem")
_DATA_ELEMENT = ox.NamedNode(GC + "dataElement")
_GENERATED_BY = ox.NamedNode("http://www.w3.org/ns/prov#wasGeneratedBy")
_AUTHORITATIVE = ox.NamedNode(GC + "authoritative")
_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
_PUBLISHER = ox.NamedNode("http://purl.org/dc/terms/publisher")
_SHARING_TYPE = ox.NamedNode(GC + "sharingType")
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DATA_ELEMENT_CLASS = ox.NamedNode(GC + "DataElement")


def changed_triples(store: "CatalogStore", new: str, old: str | None) -> set[ox.Triple]:
    """The triples in one of the two versions of a graph but not in the other."""
    return _parse_lines(store.lines(new) ^ (store.lines(old) if old is not None else set()))


def _parse_lines(lines: set[bytes]) -> set[ox.Triple]:
    if not lines:
        return set()
    return {q.triple for q in ox.parse(b"\n".join(sorted(lines)) + b"\n", format=ox.RdfFormat.N_TRIPLES)}


def affected_focus(store: "CatalogStore", triples: Iterable[ox.Triple]) -> set[str]:
    """IRIs of every node whose validation results may change when ``triples`` are added or removed.

    Walked with index lookups from the changed nodes (a SPARQL query here left Oxigraph to plan joins from
    the unbound side, which at province scale scanned every item):

    - what the change describes, and what it points to (data elements, organisations, laws, upstream data);
    - what points to what it describes (downstream lineage, resources citing an amended law, catalogs and
      resources of a changed organisation, the resource holding a changed item);
    - for the rules decided across departments through a data element (R17.1 一数一源, R17.2 duplicate
      collection), every resource using an element whose *authoritative sources* changed: an item that is
      or was authoritative was added, removed or edited, or the publisher or sharing type of a resource
      holding one changed, or the data element itself changed. Those rules read nothing else of other
      departments' items, so a change to ordinary items stays within the department.
    """
    db = store.ox
    triples = list(triples)
    described: set[ox.NamedNode] = set()
    out: set[str] = set()
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            described.add(t.subject)
        if isinstance(t.object, ox.NamedNode):
            out.add(t.object.value)
    out.update(n.value for n in described)

    # Kept reports name checked nodes (sh:focusNode, sh:value) but are checked by no shape.
    reports = store.iris.report_graph("")

    def subjects(p: ox.NamedNode | None, o: ox.NamedNode) -> Iterator[ox.NamedNode]:
        for q in db.quads_for_pattern(None, p, o, None):
            if isinstance(q.subject, ox.NamedNode) and not (
                    isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(reports)):
                yield q.subject

    def objects(s: ox.NamedNode, p: ox.NamedNode) -> Iterator[ox.NamedNode]:
        for q in db.quads_for_pattern(s, p, None, None):
            if isinstance(q.object, ox.NamedNode):
                yield q.object

    for node in described:
        for pointing in subjects(None, node):
            out.add(pointing.value)
            for owner in subjects(_DATA_ITEM, pointing):
                out.add(owner.value)
        for owner in subjects(_DATA_ITEM, node):
            out.add(owner.value)
        for owner in subjects(_GENERATED_BY, node):
            out.add(owner.value)

    # What the change itself says (removed triples are no longer in the store), then the store.
    changed_elements: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    changed_items: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    authoritative: set[ox.NamedNode] = set()
    sources: set[ox.NamedNode] = set()  # resources whose publisher or sharing type changed
    elements: set[ox.NamedNode] = set()
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if not isinstance(s, ox.NamedNode):
            continue
        if p == _DATA_ELEMENT and isinstance(o, ox.NamedNode):
            changed_elements.setdefault(s, set()).add(o)
        elif p == _DATA_ITEM and isinstance(o, ox.NamedNode):
            changed_items.setdefault(s, set()).add(o)
        elif p == _AUTHORITATIVE:
            authoritative.add(s)
        elif p in (_PUBLISHER, _SHARING_TYPE):
            sources.add(s)
        elif p == _RDF_TYPE and o == _DATA_ELEMENT_CLASS:
            elements.add(s)  # a data element added to or removed from the registry

    def is_authoritative(item: ox.NamedNode) -> bool:
        return item in authoritative or any(True for _ in db.quads_for_pattern(item, _AUTHORITATIVE, _TRUE, None))

    def elements_of(item: ox.NamedNode) -> set[ox.NamedNode]:
        return changed_elements.get(item, set()) | set(objects(item, _DATA_ELEMENT))

    for item in authoritative | {i for i in changed_elements if is_authoritative(i)}:
        elements |= elements_of(item)
    for resource, items in changed_items.items():
        for item in items:
            if is_authoritative(item):
                elements |= elements_of(item)
    for resource in sources:
        for item in changed_items.get(resource, set()) | set(objects(resource, _DATA_ITEM)):
            if is_authoritative(item):
                elements |= elements_of(item)
    for node in described:
        if any(True for _ in db.quads_for_pattern(node, _RDF_TYPE, _DATA_ELEMENT_CLASS, None)):
            elements.add(node)
    for element in elements:
        out.add(element.value)
        for item in subjects(_DATA_ELEMENT, element):
            for owner in subjects(_DATA_ITEM, item):
                out.add(owner.value)
    return out


def check_changes(
    store: "CatalogStore", changes: dict[str, str | None], *, as_of: date | None = None
) -> tuple["Report", set[str]]:
    """Check what ``changes`` (new graph IRI -> the graph of its previous version, or None) can affect.

    Returns the report of the affected focus nodes and the set of those nodes.
    """
    diff: set[ox.Triple] = set()
    for new, old in changes.items():
        diff |= changed_triples(store, new, old)
    return _check(store, diff, as_of)


def recheck(store: "CatalogStore", graphs: Iterable[str], *, as_of: date | None = None) -> tuple["Report", set[str]]:
    """Check what the latest replacement of each of ``graphs`` can affect, right after a load or a registry
    change: the difference its staging recorded (``CatalogStore.differences``), or the whole graph when it was
    new. Returns the report of the affected focus nodes and those nodes.
    """
    diff: set[ox.Triple] = set()
    for graph in graphs:
        lines = store.differences.pop(graph, None)
        diff |= _parse_lines(lines) if lines is not None else changed_triples(store, graph, None)
    return _check(store, diff, as_of)


# Beyond this many focus nodes a run over every focus node costs less than restricting each query to them.
FULL_RUN_ABOVE = 20_000


def _check(store: "CatalogStore", diff: set[ox.Triple], as_of: date | None) -> tuple["Report", set[str]]:
    from govcat.fastshacl.adapter import fast_engine
    from govcat.validation.datagraph import DataSpec
    from govcat.validation.report import Report, Scope, new_run_id, now, to_results
    from govcat.validation.shapes import rule_shapes, shapes_graph

    focus = affected_focus(store, diff)
    as_of = as_of or date.today()
    generated = now()
    # A focus node's results do not depend on which other nodes are checked with it, so a run over every
    # node, kept to the affected ones, gives the same results.
    full = len(focus) > FULL_RUN_ABOVE
    raw, data = fast_engine(DataSpec(store, as_of), shapes_graph(), focus=None if full else focus)
    results = [r for r in to_results(raw, rule_shapes(), data) if not full or r.focus in focus]
    return Report(new_run_id(generated), as_of, Scope.store(), "fast-incremental", generated, results), focus


def merge(previous: "Report", incremental: "Report", focus: set[str]) -> "Report":
    """The previous full report with the results of ``focus`` replaced by the incremental ones."""
    from govcat.validation.report import Report

    kept = [r for r in previous.results if r.focus not in focus]
    return Report(incremental.run_id, incremental.as_of, previous.scope, "fast-incremental",
                  incremental.generated, sorted_results(kept + list(incremental.results)))


def sorted_results(results: list) -> list:
    from govcat.validation.report import _rule_key

    return sorted(results, key=lambda x: (x.department or "~", x.article, _rule_key(x.rule), x.resource_code or "",
                                          x.focus, x.value or ""))
