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


def _all_quads(store: CatalogStore) -> set:
    return set(store.ox.quads_for_pattern(None, None, None, None))


def _all_quads_at(path, *, recover: bool = True) -> set:
    if recover:
        store = CatalogStore.open(path, BASE)
        quads = _all_quads(store)
        del store
        return quads
    db = ox.Store.read_only(str(path))
    return set(db.quads_for_pattern(None, None, None, None))


def test_a_replacement_removes_blank_nodes_it_no_longer_has(tmp_path):
    store = CatalogStore.open(tmp_path / "store", BASE)
    graph = store.iris.catalog_graph("11370000MB284651XL")
    contact = ox.BlankNode()
    vcard = "http://www.w3.org/2006/vcard/ns#"
    kept = _triples(40, "kept")
    with_contact = kept + [
        ox.Triple(ox.NamedNode(EX + "1"), ox.NamedNode("http://www.w3.org/ns/dcat#contactPoint"), contact),
        ox.Triple(contact, ox.NamedNode(vcard + "fn"), ox.Literal("张三")),
    ]
    store.replace_graph(graph, with_contact)
    history = store.replace_graph(graph, kept, keep_history=True)  # a small change: the contact is dropped
    assert _content(store, graph) == {(t.subject.value, t.predicate.value, t.object.value) for t in kept}
    assert store.count(history) == 42


# ---- bulk writes of N-Triples statements (the template loader's path) ------------------------------
def _statements(n: int, label: str) -> list[str]:
    return [f'<{EX}{i}> <http://purl.org/dc/terms/title> "{label} {i}"@zh' for i in range(n)]


def test_bulk_written_statements_are_the_same_quads_as_triples_written_in_a_transaction(tmp_path):
    by_text = CatalogStore.open(tmp_path / "text", BASE)
    by_terms = CatalogStore.open(tmp_path / "terms", BASE)
    a, b = by_text.iris.catalog_graph("11370000MB284651XL"), by_text.iris.catalog_graph("11370000004460580M")
    with by_text.new_graphs() as fresh:
        fresh.write_statements(iter([(a, _statements(40, "a")), (b, _statements(5, "b"))]))
    by_terms.replace_graphs({a: _triples(40, "a"), b: _triples(5, "b")})
    for g in (a, b):
        assert set(by_text.triples(g)) == set(by_terms.triples(g))
    assert by_text.count(a) == 40 and by_text.count(b) == 5
    assert not by_text.journal_path.exists()


def test_a_statement_write_that_fails_midway_removes_every_graph_and_keeps_the_error(tmp_path):
    store = CatalogStore.open(tmp_path / "store", BASE)
    before = _all_quads(store)
    a, b = store.iris.catalog_graph("11370000MB284651XL"), store.iris.catalog_graph("11370000004460580M")

    def contents():
        yield a, _statements(40, "a")
        yield b, _statements(5, "b")
        raise KeyError("the submission broke off")  # not an OSError: the original exception comes back

    with pytest.raises(KeyError, match="broke off"):
        with store.new_graphs() as fresh:
            fresh.write_statements(contents())
    assert _all_quads(store) == before
    assert not store.journal_path.exists()


def test_a_statement_write_refuses_a_graph_that_exists(tmp_path):
    store = CatalogStore.open(tmp_path / "store", BASE)
    graph = store.iris.catalog_graph("11370000MB284651XL")
    store.replace_graph(graph, _triples(3, "old"))
    before = _all_quads(store)
    with pytest.raises(Exception, match="already exists"):
        with store.new_graphs() as fresh:
            fresh.write_statements([(graph, _statements(2, "new"))])
    assert _all_quads(store) == before


def test_text_that_oxigraph_refuses_fails_the_write_and_removes_it(tmp_path):
    """A term the mapper got wrong must never be stored: Oxigraph's parser checks each IRI again."""
    store = CatalogStore.open(tmp_path / "store", BASE)
    before = _all_quads(store)
    a, b = store.iris.catalog_graph("11370000MB284651XL"), store.iris.catalog_graph("11370000004460580M")
    bad = [f"<{EX}1> <http://purl.org/dc/terms/source> <https://a.example/%zz>"]
    with pytest.raises(SyntaxError):
        with store.new_graphs() as fresh:
            fresh.write_statements([(a, _statements(40, "a")), (b, bad)])
    assert _all_quads(store) == before
    assert not store.journal_path.exists()


def test_graphs_of_a_statement_write_cut_short_by_a_crash_are_removed_on_reopening(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "store"
    CatalogStore.open(path, BASE)
    before = _all_quads_at(path)
    # The process dies while Oxigraph reads the second graph's text: the first is written and journaled.
    script = (
        "import os\n"
        "from govcat.store import CatalogStore\n"
        f"store = CatalogStore.open({str(path)!r}, {BASE!r})\n"
        "a, b = store.iris.catalog_graph('11370000MB284651XL'), store.iris.catalog_graph('11370000004460580M')\n"
        f"st = ['<{EX}' + str(i) + '> <http://purl.org/dc/terms/title> \"t\"' for i in range(100)]\n"
        "def contents():\n"
        "    yield a, st\n"
        "    yield b, st\n"
        "    store.flush()\n"
        "    os._exit(9)\n"
        "fresh = store.new_graphs().__enter__()\n"
        "fresh.write_statements(contents())\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False)
    journal = path.with_name(path.name + ".pending")
    assert journal.read_text(encoding="utf-8").split() == [
        BASE + "graph/catalog/11370000MB284651XL", BASE + "graph/catalog/11370000004460580M"]
    store = CatalogStore.open(path, BASE)
    assert _all_quads(store) == before
    assert not journal.exists()
