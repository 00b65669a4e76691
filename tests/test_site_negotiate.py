"""Content negotiation over a built site, through a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import rdflib
import uvicorn

sys.path.insert(0, str(Path(__file__).parent))

from govcat.site.build import build_site  # noqa: E402
from govcat.site.negotiate import negotiating_app, preferred  # noqa: E402
from test_site_support import BASE, OPEN, build_store  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("store"))
    out = tmp_path_factory.mktemp("site")
    build_site(store, out)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(negotiating_app(out), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(5)


def test_accept_parsing():
    assert preferred(None) is None
    assert preferred("text/html,application/xhtml+xml,*/*;q=0.8") is None
    assert preferred("text/turtle") == "ttl"
    assert preferred("application/rdf+xml;q=0.9, application/ld+json") == "jsonld"
    assert preferred("text/turtle;q=0, text/html") is None


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                        ("application/rdf+xml", "xml")])
def test_dataset_iri_gives_rdf(server, accept, fmt):
    iri = f"{BASE}dataset/302001-000001"
    r = httpx.get(f"{server}/dataset/302001-000001", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert "accept" in r.headers["vary"].lower()
    g = rdflib.Graph().parse(data=r.text, format=fmt)
    assert (rdflib.URIRef(iri), rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")) in g


def test_dataset_iri_gives_html_to_browsers(server):
    r = httpx.get(f"{server}/dataset/302001-000001", headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"].endswith("/dataset/302001-000001.html")
    assert "accept" in r.headers["vary"].lower()
    r = httpx.get(f"{server}/dataset/302001-000001", headers={"Accept": "text/html"}, follow_redirects=True)
    assert r.status_code == 200 and "济南市空气质量监测数据" in r.text
    assert r.headers["content-type"].startswith("text/html")
    assert str(r.url).endswith("/dataset/302001-000001.html")


def test_dataset_files_are_served_as_they_are(server):
    # The page and the RDF files sit beside the IRI; whatever the Accept header, each is itself.
    r = httpx.get(f"{server}/dataset/302001-000001.html", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    r = httpx.get(f"{server}/dataset/302001-000001.ttl", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert httpx.get(f"{server}/en/dataset/302001-000001.html").status_code == 200
    assert httpx.get(f"{server}/dataset/301001-000004.html").status_code == 404


def test_former_page_url_redirects_to_the_page(server):
    r = httpx.get(f"{server}/dataset/302001-000001/", headers={"Accept": "text/html"})
    assert r.status_code == 301 and r.headers["location"].endswith("/dataset/302001-000001.html")


def test_catalog_iri_and_static_files(server):
    r = httpx.get(f"{server}/catalog/open", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert set(str(d) for d in g.objects(rdflib.URIRef(f"{BASE}catalog/open"),
                                         rdflib.URIRef("http://www.w3.org/ns/dcat#dataset"))) == set(OPEN)
    assert httpx.get(f"{server}/en/").status_code == 200
    assert httpx.get(f"{server}/static/search.js").status_code == 200
    assert httpx.get(f"{server}/dataset/301001-000004", headers={"Accept": "text/turtle"}).status_code == 404
