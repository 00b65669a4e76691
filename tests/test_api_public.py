"""The public endpoint holds only the public projection: nothing of a 不予开放 or 涉密 resource is
reachable by any query form (GRAPH, property paths, DESCRIBE, string functions on IRIs, the dataset
parameters), while the government endpoint sees it all."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_api_support import BASE, NOT_OPEN, OPEN, POLICE, Server, leak_needles, make_stores  # noqa: E402

PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX gc: <https://w3id.org/govcat/ns#>
"""
SECRET = next(iter(NOT_OPEN))

QUERIES = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
    "SELECT DISTINCT ?x ?y WHERE { ?x (dct:relation|prov:wasDerivedFrom|^prov:wasDerivedFrom|dcat:dataset|gc:dataItem)+ ?y }",
    "SELECT DISTINCT ?y WHERE { ?x (!rdf:type)* ?y } LIMIT 5000",
    f"DESCRIBE <{SECRET}>",
    "DESCRIBE ?d WHERE { ?d a dcat:Dataset }",
    "SELECT (GROUP_CONCAT(DISTINCT STR(?s); separator=' ') AS ?all) WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?s), '000003') || CONTAINS(STR(?o), '000003') || REGEX(STR(?s), '000004')) }",
    f"SELECT * WHERE {{ BIND(<{SECRET}> AS ?d) ?d ?p ?o }}",
    f"ASK {{ {{ <{SECRET}> ?p ?o }} UNION {{ ?s ?p <{SECRET}> }} UNION {{ GRAPH ?g {{ <{SECRET}> ?p ?o }} }} }}",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("public")
    srv = Server(root, *make_stores(root))
    yield srv
    srv.stop()


def _assert_no_leak(text: str) -> None:
    for needle in leak_needles():
        assert needle not in text, needle


@pytest.mark.parametrize("query", QUERIES)
def test_no_query_form_reaches_a_non_open_resource(server, query):
    q = PREFIXES.replace("PREFIX gc:", "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> PREFIX gc:") + query
    for accept in ("application/sparql-results+json", "text/turtle"):
        r = httpx.get(server.public, params={"query": q}, headers={"Accept": accept}, timeout=60)
        if r.status_code == 406:
            continue
        assert r.status_code == 200, r.text
        _assert_no_leak(r.text)
    if query.startswith("ASK"):
        assert httpx.get(server.public, params={"query": q}).json()["boolean"] is False


def test_dataset_parameters_cannot_reach_the_catalog_graphs(server):
    graph = f"{BASE}graph/catalog/{POLICE}"
    r = httpx.get(server.public, params={"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": graph})
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    r = httpx.get(server.public, params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": graph})
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []


def test_service_description_statistics_leak_nothing(server):
    r = httpx.get(server.public, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    _assert_no_leak(r.text)
    assert f"{BASE}graph/catalog/" not in r.text


def test_the_open_datasets_are_there(server):
    q = PREFIXES + "SELECT ?d WHERE { ?d a dcat:Dataset }"
    rows = httpx.get(server.public, params={"query": q}).json()["results"]["bindings"]
    assert {r["d"]["value"] for r in rows} == set(OPEN)


def test_the_government_endpoint_sees_them(server):
    token = server.token(POLICE)
    q = f"ASK {{ GRAPH ?g {{ <{SECRET}> ?p ?o }} }}"
    r = httpx.get(server.gov, params={"query": q}, headers={"Authorization": f"Bearer {token}"})
    assert r.json()["boolean"] is True
