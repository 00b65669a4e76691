"""The store: atomic replacement of a department's graph, history, and initialisation on first use."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from govcat.store import CatalogStore

BASE = "https://data.example.gov.cn/govcat/"
EX = "https://data.example.gov.cn/govcat/dataset/"


def _triples(n: int, label: str) -> list[ox.Triple]:
    return [
        ox.Triple(ox.NamedNode(f"{EX}{i}"), ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal(f"{label} {i}", language="zh"))
        for i in range(n)
    ]


def _content(store: CatalogStore, graph: str) -> set[tuple]:
    return {(q.subject.value, q.predicate.value, q.object.value) for q in store.triples(graph)}


def test_replacement_that_fails_halfway_leaves_previous_graph_intact(tmp_path):
    store = CatalogStore.open(tmp_path / "store", BASE)
    graph = store.iris.catalog_graph("11370000MB284651XL")
    store.replace_graph(graph, _triples(50, "old"))
    before = _content(store, graph)
    assert len(before) == 50

    def broken():
        yield from _triples(30, "new")
        raise RuntimeError("the submission broke off halfway")

    with pytest.raises(RuntimeError):
        store.replace_graph(graph, broken(), keep_history=True)
    assert _content(store, graph) == before
    # No staging graph or history entry is left behind by the failed write.
    assert not [g for g in store.named_graphs() if "/graph/staging/" in g or "/v/" in g]

    # The same holds after the store is closed and reopened from disk.
    del store
    reopened = CatalogStore.open(tmp_path / "store", BASE)
    assert _content(reopened, graph) == before


def test_replacement_keeps_history(tmp_path):
    store = CatalogStore.open(tmp_path / "store", BASE)
    graph = store.iris.catalog_graph("11370000MB284651XL")
    store.replace_graph(graph, _triples(3, "v1"), keep_history=True)
    history = store.replace_graph(graph, _triples(2, "v2"), keep_history=True)
    assert history is not None
    assert {o for _, _, o in _content(store, graph)} == {"v2 0", "v2 1"}
    assert {o for _, _, o in _content(store, history)} == {"v1 0", "v1 1", "v1 2"}
    rows = store.select(
        "SELECT ?h ?g ?v ?when ?by WHERE { GRAPH ?h { ?v prov:specializationOf ?g ; prov:invalidatedAtTime ?when ; dct:isReplacedBy ?by } }",
        substitutions={"h": ox.NamedNode(store.iris.history_graph), "g": ox.NamedNode(graph)},
        prefixes={"prov": "http://www.w3.org/ns/prov#", "dct": "http://purl.org/dc/terms/"},
    )
    assert [r["v"] for r in rows] == [history]
    assert rows[0]["by"] == graph


def test_new_store_is_initialised_once(tmp_path):
    store = CatalogStore.open(tmp_path / "s", BASE)
    assert store.is_initialised()
    assert store.graph_exists(store.iris.ontology_graph)


def test_replacing_several_graphs_is_one_transaction(tmp_path):
    store = CatalogStore.open(tmp_path / "store", BASE)
    a, b = store.iris.catalog_graph("A"), store.iris.catalog_graph("B")
    store.replace_graphs({a: _triples(2, "a1"), b: _triples(2, "b1")})
    before = (_content(store, a), _content(store, b))

    def broken():
        yield from _triples(1, "b2")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.replace_graphs({a: _triples(3, "a2"), b: broken()}, keep_history=True)
    assert (_content(store, a), _content(store, b)) == before
    histories = store.replace_graphs({a: _triples(3, "a2"), b: _triples(3, "b2")}, keep_history=True)
    assert all(histories.values())
    assert {o for _, _, o in _content(store, a)} == {"a2 0", "a2 1", "a2 2"}


def test_a_new_graph_is_removed_when_the_batch_it_is_in_fails(tmp_path):
    store = CatalogStore.open(tmp_path / "store", BASE)
    old, new = store.iris.catalog_graph("OLD"), store.iris.catalog_graph("NEW")
    store.replace_graph(old, _triples(2, "o1"))
    before = _content(store, old)

    def broken():
        yield from _triples(1, "o2")
        raise RuntimeError("broke off")

    with pytest.raises(RuntimeError):
        store.replace_graphs({new: _triples(3, "n1"), old: broken()}, keep_history=True)
    assert not store.graph_exists(new)
    assert _content(store, old) == before
    with pytest.raises(RuntimeError):
        store.replace_graphs({new: broken()})
    assert not store.graph_exists(new)
