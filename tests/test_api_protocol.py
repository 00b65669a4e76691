"""SPARQL 1.1 Protocol on a real `govcat serve`, queried with SPARQLWrapper (and httpx where a
client must send exactly one header): every request form, every result format, the error statuses."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import httpx
import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, Unauthorized

sys.path.insert(0, str(Path(__file__).parent))

from test_api_support import BASE, BUREAU, OPEN, POLICE, Server, make_stores  # noqa: E402

TITLES = {title for _, title in OPEN.values()}
SELECT_TITLES = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title FILTER(lang(?title) = "zh") } ORDER BY ?title"""
CONSTRUCT_DATASETS = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
CONSTRUCT { ?d a dcat:Dataset ; dct:title ?title } WHERE { ?d a dcat:Dataset ; dct:title ?title }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    store, public = make_stores(root)
    srv = Server(root, store, public, sparql_max_concurrent=2)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def bureau_token(server):
    return server.token(BUREAU)


@pytest.fixture(scope="module")
def police_token(server):
    return server.token(POLICE)


def wrapper(url: str, query: str, fmt: str, method: str = "GET", token: str | None = None) -> SPARQLWrapper:
    sw = SPARQLWrapper(url)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method == "POST":
        sw.setMethod(POST)
    elif method == "POSTDIRECTLY":
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
    if token:
        sw.addCustomHttpHeader("Authorization", f"Bearer {token}")
    return sw


@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
def test_select_json_by_every_request_form(server, method):
    result = wrapper(server.public, SELECT_TITLES, JSON, method).query()
    assert result.response.headers["Content-Type"].startswith("application/sparql-results+json")
    rows = result.convert()["results"]["bindings"]
    assert {r["title"]["value"] for r in rows} == TITLES


def test_select_xml(server):
    doc = wrapper(server.public, SELECT_TITLES, XML).query().convert()  # an xml.dom document
    values = {n.firstChild.data for n in doc.getElementsByTagName("literal")}
    assert values == TITLES


def test_select_csv_and_tsv(server):
    text = wrapper(server.public, SELECT_TITLES, CSV).query().convert().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["title"] for r in rows} == TITLES
    text = wrapper(server.public, SELECT_TITLES, TSV).query().convert().decode("utf-8")
    header, *lines = text.strip().splitlines()
    assert header == "?d\t?title"
    assert {line.split("\t")[1] for line in lines} == {f'"{t}"@zh' for t in TITLES}


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_ask_in_every_solution_format(server, fmt):
    query = "PREFIX dcat: <http://www.w3.org/ns/dcat#> ASK { ?d a dcat:Dataset }"
    result = wrapper(server.public, query, fmt).query()
    if fmt == JSON:
        assert result.convert()["boolean"] is True
    elif fmt == XML:
        assert result.convert().getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert "true" in result.convert().decode("utf-8")


@pytest.mark.parametrize("fmt,parse_as", [(TURTLE, "turtle"), (N3, "turtle"), (RDFXML, "xml"), (JSONLD, "json-ld")])
def test_construct_in_every_graph_format(server, fmt, parse_as):
    result = wrapper(server.public, CONSTRUCT_DATASETS, fmt).query()
    body = result.response.read()
    g = rdflib.Graph().parse(data=body, format=parse_as)
    titles = {str(o) for o in g.objects(None, rdflib.DCTERMS.title) if o.language == "zh"}
    assert titles == TITLES


def test_construct_as_ntriples_by_accept_and_by_format(server):
    by_accept = httpx.get(server.public, params={"query": CONSTRUCT_DATASETS}, headers={"Accept": "application/n-triples"})
    assert by_accept.status_code == 200
    assert by_accept.headers["content-type"].startswith("application/n-triples")
    by_format = httpx.get(server.public, params={"query": CONSTRUCT_DATASETS, "format": "nt"}, headers={"Accept": "text/turtle"})
    assert by_format.headers["content-type"].startswith("application/n-triples")
    assert len(rdflib.Graph().parse(data=by_accept.text, format="nt")) == len(
        rdflib.Graph().parse(data=by_format.text, format="nt")
    ) > 0


def test_describe(server):
    iri = next(iter(OPEN))
    result = wrapper(server.public, f"DESCRIBE <{iri}>", TURTLE).query()
    g = rdflib.Graph().parse(data=result.response.read(), format="turtle")
    assert (rdflib.URIRef(iri), rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")) in g


def test_format_parameter_wins_over_accept(server):
    r = httpx.get(server.public, params={"query": SELECT_TITLES, "format": "csv"}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    r = httpx.get(server.public, params={"query": SELECT_TITLES, "format": "application/sparql-results+xml"})
    assert r.headers["content-type"].startswith("application/sparql-results+xml")


def test_accept_with_quality_values(server):
    r = httpx.get(
        server.public, params={"query": SELECT_TITLES},
        headers={"Accept": "text/csv;q=0.5, application/sparql-results+xml;q=0.9, text/html;q=1"},
    )
    assert r.headers["content-type"].startswith("application/sparql-results+xml")


def test_malformed_query_is_400_with_a_readable_message(server):
    with pytest.raises(QueryBadFormed) as err:
        wrapper(server.public, "SELECT ?x WHERE { ?x ?y ", JSON).query()
    assert "syntax error" in str(err.value)
    r = httpx.get(server.public, params={"query": "SELECT ?x WHERE { ?x ?y "})
    assert r.status_code == 400 and "SPARQL 语法错误" in r.text


def test_unsupported_result_type_is_406(server):
    r = httpx.get(server.public, params={"query": CONSTRUCT_DATASETS}, headers={"Accept": "text/csv"})
    assert r.status_code == 406 and "text/turtle" in r.text
    r = httpx.get(server.public, params={"query": SELECT_TITLES, "format": "turtle"})
    assert r.status_code == 406
    r = httpx.get(server.public, params={"query": SELECT_TITLES}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_bad_requests(server):
    assert httpx.post(server.public, content="SELECT * {}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert httpx.post(server.public, data={"format": "json"}).status_code == 400
    both = httpx.post(server.public, data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert both.status_code == 400
    twice = httpx.get(server.public + "?query=ASK%7B%7D&query=ASK%7B%7D")
    assert twice.status_code == 400


def test_default_and_named_graph_uri(server, police_token):
    auth = {"Authorization": f"Bearer {police_token}"}
    catalog = f"{BASE}graph/catalog/{POLICE}"
    vocab = f"{BASE}graph/vocab"
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/ns/dcat#Dataset> }"
    only_vocab = httpx.get(server.gov, params={"query": q, "default-graph-uri": vocab}, headers=auth).json()
    only_catalog = httpx.get(server.gov, params={"query": q, "default-graph-uri": catalog}, headers=auth).json()
    assert only_vocab["results"]["bindings"][0]["n"]["value"] == "0"
    assert int(only_catalog["results"]["bindings"][0]["n"]["value"]) > 0
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    sw = wrapper(server.gov, q, JSON, "POST", police_token)
    sw.addNamedGraph(catalog)
    sw.addNamedGraph(vocab)
    graphs = {r["g"]["value"] for r in sw.query().convert()["results"]["bindings"]}
    assert graphs == {catalog, vocab}
    # The same parameters with the query as the body of a POST (they go in the URL then).
    r = httpx.post(
        server.gov, params={"named-graph-uri": vocab}, content=q,
        headers={**auth, "Content-Type": "application/sparql-query"},
    )
    assert {b["g"]["value"] for b in r.json()["results"]["bindings"]} == {vocab}


def test_service_description_is_content_negotiated(server):
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    for accept, fmt in [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"), ("application/n-triples", "nt")]:
        r = httpx.get(server.public, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
        g = rdflib.Graph().parse(data=r.text, format=fmt)
        assert (None, sd.endpoint, rdflib.URIRef(server.public)) in g
        assert (None, sd.supportedLanguage, sd.SPARQL11Query) in g
        assert (None, sd.supportedLanguage, sd.SPARQL11Update) not in g
        triples = [int(o) for o in g.objects(None, void.triples)]
        assert triples and max(triples) > 0
    assert httpx.get(server.public, headers={"Accept": "text/csv"}).status_code == 406


def test_gov_service_description_offers_update(server, police_token):
    r = httpx.get(server.gov, headers={"Accept": "text/turtle", "Authorization": f"Bearer {police_token}"})
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.supportedLanguage, sd.SPARQL11Update) in g
    named = {str(o) for o in g.objects(None, sd.name)}
    assert f"{BASE}graph/catalog/{POLICE}" in named


def test_query_page_for_browsers(server):
    r = httpx.get(server.public, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "/yasgui/yasgui.min.js" in r.text and "http" not in r.text.split("<script src=")[1][:5]
    js = httpx.get(server.url + "/yasgui/yasgui.min.js")
    assert js.status_code == 200 and len(js.content) > 100000


def test_cors(server):
    r = httpx.options(
        server.gov,
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"},
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "https://example.org")
    r = httpx.get(server.public, params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_gov_needs_a_token(server):
    with pytest.raises(Unauthorized):
        wrapper(server.gov, SELECT_TITLES, JSON).query()
    r = httpx.get(server.gov, params={"query": "ASK {}"}, headers={"Authorization": "Bearer gct_not-a-token"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert httpx.get(server.gov, headers={"Accept": "text/turtle"}).status_code == 401


def test_gov_sees_the_whole_catalog(server, police_token):
    from test_api_support import NOT_OPEN

    rows = wrapper(server.gov, SELECT_TITLES, JSON, token=police_token).query().convert()["results"]["bindings"]
    titles = {r["title"]["value"] for r in rows}
    assert TITLES <= titles
    assert {t for _, t in NOT_OPEN.values()} & titles


def test_update_only_with_the_bureau_token(server, bureau_token, police_token):
    graph = f"{BASE}graph/test-update"
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ <{BASE}x> <{BASE}p> "更新"@zh }} }}'
    ask = f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    r = httpx.post(server.public, data={"update": update})
    assert r.status_code == 403
    r = httpx.post(server.gov, data={"update": update}, headers={"Authorization": f"Bearer {police_token}"})
    assert r.status_code == 403 and "big-data bureau" in r.text
    r = httpx.post(server.gov, data={"update": update})
    assert r.status_code == 401
    check = lambda: httpx.get(server.gov, params={"query": ask}, headers={"Authorization": f"Bearer {police_token}"}).json()["boolean"]  # noqa: E731
    assert check() is False
    sw = SPARQLWrapper(server.gov)
    sw.setMethod(POST)
    sw.setQuery(update)
    sw.addCustomHttpHeader("Authorization", f"Bearer {bureau_token}")
    assert sw.query().response.status == 200
    # The read-only workers see the write made by the server process after they opened the store.
    assert check() is True
    r = httpx.post(
        server.gov, content=f"DROP GRAPH <{graph}>",
        headers={"Authorization": f"Bearer {bureau_token}", "Content-Type": "application/sparql-update"},
    )
    assert r.status_code == 200 and check() is False
    bad = httpx.post(server.gov, data={"update": "INSERT DATA {"}, headers={"Authorization": f"Bearer {bureau_token}"})
    assert bad.status_code == 400
    load = httpx.post(server.gov, data={"update": "LOAD <http://127.0.0.1:9/x.ttl>"}, headers={"Authorization": f"Bearer {bureau_token}"})
    assert load.status_code == 400 and "LOAD" in load.text


def test_token_for_an_unknown_department_is_refused(server):
    import subprocess

    from test_api_support import GOVCAT

    out = subprocess.run(
        [GOVCAT, "token", "create", "--department", "91370000000000000X"],
        env=server.env, cwd=server.root, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 2 and "91370000000000000X" in out.stderr
    stored = json.loads((Path(server.env["GOVCAT_STORE"]) / "govcat-tokens.json").read_text())
    assert all(len(h) == 64 and "gct_" not in h for h in stored)
