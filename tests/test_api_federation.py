"""Federation between two real govcat servers on 127.0.0.1: SERVICE to an allowed peer works (also the
example queries in docs/queries), and every other SERVICE target is refused with 400 before anything
is fetched."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

sys.path.insert(0, str(Path(__file__).parent))

from test_api_support import OPEN, POLICE, Server, free_port, make_stores  # noqa: E402

DOCS = Path(__file__).parent.parent / "docs" / "queries"
DOC_PEER = "http://127.0.0.1:8001/sparql"
TITLES = {title for _, title in OPEN.values()}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    root_b = tmp_path_factory.mktemp("peer")
    peer = Server(root_b, *make_stores(root_b))
    root_a = tmp_path_factory.mktemp("home")
    home = Server(root_a, *make_stores(root_a), federation_peers=f"peer={peer.public}")
    yield home, peer
    home.stop()
    peer.stop()


def select(url: str, query: str, token: str | None = None) -> list[dict]:
    sw = SPARQLWrapper(url)
    sw.setQuery(query)
    sw.setReturnFormat(JSON)
    if token:
        sw.addCustomHttpHeader("Authorization", f"Bearer {token}")
    return sw.query().convert()["results"]["bindings"]


def test_service_to_an_allowed_peer(servers):
    home, peer = servers
    query = (DOCS / "federated-dataset-titles.rq").read_text(encoding="utf-8").replace(DOC_PEER, peer.public)
    rows = select(home.public, query)
    assert {r["title"]["value"] for r in rows} == TITLES
    assert all(r["publisher"]["value"] for r in rows if "publisher" in r)


def test_documented_theme_query_across_two_servers(servers):
    home, peer = servers
    query = (DOCS / "federated-open-datasets-by-theme.rq").read_text(encoding="utf-8").replace(DOC_PEER, peer.public)
    rows = select(home.public, query)
    assert rows
    here = sum(int(r["datasetsHere"]["value"]) for r in rows)
    there = sum(int(r["datasetsAtPeer"]["value"]) for r in rows)
    assert here == there > 0  # both servers hold the same fixture catalog


def test_gov_endpoint_federates_too(servers):
    home, peer = servers
    token = home.token(POLICE)
    q = f"PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT (COUNT(*) AS ?n) WHERE {{ SERVICE <{peer.public}> {{ ?d a dcat:Dataset }} }}"
    [row] = select(home.gov, q, token)
    assert int(row["n"]["value"]) == len(OPEN)


@pytest.mark.parametrize(
    "service",
    [
        "<http://example.org/sparql>",
        "<{peer_gov}>",
        "<http://127.0.0.1:{free}/sparql>",
        "?endpoint",
        "peer:sparql",
    ],
)
def test_other_service_targets_are_refused(servers, service):
    home, peer = servers
    service = service.format(peer_gov=peer.gov, free=free_port())
    q = f"PREFIX peer: <{peer.url}/gov/> SELECT * WHERE {{ SERVICE {service} {{ ?s ?p ?o }} }}"
    r = httpx.get(home.public, params={"query": q})
    assert r.status_code == 400, r.text
    assert "allow-list" in r.text


def test_service_hidden_in_subqueries_exists_and_escapes_is_refused(servers):
    home, _ = servers
    hidden = [
        "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } } } }",
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } } }",
        "SELECT * WHERE { S\\u0045RVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "BASE <http://example.org/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    ]
    for q in hidden:
        r = httpx.get(home.public, params={"query": q})
        assert r.status_code == 400 and "allow-list" in r.text, (q, r.text)
    # The peer allows no SERVICE at all.
    _, peer = servers
    r = httpx.get(peer.public, params={"query": f"SELECT * WHERE {{ SERVICE <{home.public}> {{ ?s ?p ?o }} }}"})
    assert r.status_code == 400


def test_our_endpoint_is_a_standard_service_target(servers):
    # pyoxigraph, another SPARQL engine, uses our endpoint by SERVICE with the standard protocol.
    import pyoxigraph as ox

    _, peer = servers
    q = f"PREFIX dct: <http://purl.org/dc/terms/> SELECT ?t WHERE {{ SERVICE <{peer.public}> {{ ?d dct:title ?t FILTER(lang(?t) = 'zh') }} }}"
    titles = {s["t"].value for s in ox.Store().query(q)}
    assert TITLES <= titles


def test_service_check_on_parsed_queries():
    from govcat.api.federation import check_services, check_update
    from govcat.errors import QueryRefused

    peer = "http://127.0.0.1:8001/sparql"
    allowed = [
        # One line, with "#" in an IRI before SERVICE (rdflib's own SERVICE scan trips on this).
        f"PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT * WHERE {{ SERVICE <{peer}> {{ ?d a dcat:Dataset }} }}",
        f"PREFIX p: <http://127.0.0.1:8001/> SELECT * WHERE {{ SERVICE SILENT p:sparql {{ ?s ?p ?o }} }}",
        # The word "service" in IRIs and strings is no SERVICE.
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT * WHERE { ?s a sd:Service ; ?p 'service' }",
        "SELECT * WHERE { ?s ?p ?o }",
    ]
    for q in allowed:
        check_services(q, [peer])
    refused = [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:8002/sparql> { ?s ?p ?o } }",
        f"SELECT * WHERE {{ SERVICE <{peer}> {{ SERVICE <http://10.0.0.1/x> {{ ?s ?p ?o }} }} }}",
        "SELECT * WHERE { OPTIONAL { SERVICE ?x { ?s ?p ?o } } }",
        "SELECT * WHERE { MINUS { SERVICE <http://example.org/> { ?s ?p ?o } } }",
    ]
    for q in refused:
        with pytest.raises(QueryRefused):
            check_services(q, [peer])
    with pytest.raises(QueryRefused):
        check_update("LOAD <http://example.org/data.ttl>", [peer])
    with pytest.raises(QueryRefused):
        check_update("INSERT { ?s ?p ?o } WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", [peer])
    check_update("INSERT DATA { <http://e/s> <http://e/p> 'load service' }", [peer])
