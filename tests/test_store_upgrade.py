"""A store made by an older govcat gets the current ontology and vocabularies when opened, and keeps its
registries (which may have been amended since the store was made)."""

from __future__ import annotations

import pyoxigraph as ox

from govcat.store import INIT_VERSION, CatalogStore

BASE = "https://data.example.gov.cn/govcat/"
GC = "https://w3id.org/govcat/ns#"
FOR_CLASSIFICATION = ox.NamedNode(GC + "forClassification")


def test_an_older_store_gets_the_current_vocabularies_and_keeps_its_registries(tmp_path):
    path = tmp_path / "s"
    store = CatalogStore.open(path, BASE)
    vocab = ox.NamedNode(store.iris.vocab_graph)
    organisations = ox.NamedNode(store.iris.registry_graph("organisations"))
    amended = ox.Quad(ox.NamedNode(BASE + "org/amended"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                      ox.Literal("后来登记的部门", language="zh"), organisations)
    # What a store made before databases named their classifications looks like, with an amended registry.
    for q in list(store.ox.quads_for_pattern(None, FOR_CLASSIFICATION, None, vocab)):
        store.ox.remove(q)
    store.ox.add(amended)
    meta = ox.NamedNode(store.meta_graph)
    version = ox.NamedNode(GC + "initVersion")
    for q in list(store.ox.quads_for_pattern(None, version, None, meta)):
        store.ox.remove(q)
        store.ox.add(ox.Quad(q.subject, version, ox.Literal("2"), meta))
    store.flush()
    del store

    reopened = CatalogStore.open(path, BASE)
    assert reopened.init_version() == INIT_VERSION
    assert len(list(reopened.ox.quads_for_pattern(None, FOR_CLASSIFICATION, None, vocab))) == 8
    assert amended in reopened.ox


def test_a_current_store_is_not_reloaded(tmp_path):
    path = tmp_path / "s"
    store = CatalogStore.open(path, BASE)
    vocab = ox.NamedNode(store.iris.vocab_graph)
    marker = ox.Quad(ox.NamedNode(BASE + "marker"), FOR_CLASSIFICATION, ox.NamedNode(BASE + "x"), vocab)
    store.ox.add(marker)
    store.flush()
    del store
    assert marker in CatalogStore.open(path, BASE).ox
