"""Limits on a real server: a query over its time limit is stopped (503) and its worker replaced; a
slow query does not hold up a fast one; results over sparql_max_results are refused; read-only
workers see later writes."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_api_support import BUREAU, Server, make_stores  # noqa: E402

# Four-way cross product of the whole store: never finishes within any limit used here.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
FAST = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://www.w3.org/ns/dcat#Dataset> }"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("limits")
    store, public = make_stores(root)
    srv = Server(root, store, public, sparql_timeout_ms=2500, gov_sparql_timeout_ms=30000,
                 sparql_max_concurrent=2, sparql_max_results=1000)
    yield srv
    srv.stop()


def test_a_query_over_the_limit_is_stopped_and_the_workers_are_freed(server):
    r = httpx.get(server.public, params={"query": SLOW}, timeout=60)
    assert r.status_code == 503
    assert "time limit of 2500 ms" in r.text and "时限" in r.text
    # Right after: both worker slots answer (the killed worker was replaced), at the same time.
    results: list[httpx.Response] = []
    threads = [threading.Thread(target=lambda: results.append(httpx.get(server.public, params={"query": FAST}, timeout=60)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200, 200]


def test_a_slow_query_does_not_block_a_fast_one(server):
    events: list[str] = []
    slow_status: list[int] = []

    def slow() -> None:
        slow_status.append(httpx.get(server.public, params={"query": SLOW}, timeout=60).status_code)
        events.append("slow done")

    t = threading.Thread(target=slow)
    t.start()
    try:
        # Wait until the slow query is surely running (it holds one of the two workers).
        for _ in range(3):
            r = httpx.get(server.public, params={"query": FAST}, timeout=60)
            assert r.status_code == 200
            events.append("fast done")
    finally:
        t.join()
    assert events[:3] == ["fast done"] * 3 and events[3] == "slow done"
    assert slow_status == [503]


def test_results_over_the_maximum_are_refused(server):
    r = httpx.get(server.public, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and "more than 1000 rows" in r.text
    r = httpx.get(server.public, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and "more than 1000" in r.text
    r = httpx.get(server.public, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1000"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 1000


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_the_row_cap_is_exact_in_every_results_format(server, fmt):
    # Small answers are written at once; bigger ones are counted row by row: both sides of the cap.
    import pyoxigraph as ox

    ox_format = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                 "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[fmt]
    for limit, status in ((1, 200), (999, 200), (1000, 200), (1001, 400)):
        q = f"SELECT ?s ?o WHERE {{ ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT {limit}"
        r = httpx.get(server.public, params={"query": q, "format": fmt}, timeout=60)
        assert r.status_code == status, (limit, r.text[:300])
        if status == 200:
            if fmt == "csv":  # lossy, so pyoxigraph does not read it back; the csv module does
                import csv
                import io

                rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))[1:]
            else:
                rows = list(ox.parse_query_results(r.content, format=ox_format))
            assert len(rows) == limit
        else:
            assert "more than 1000 rows" in r.text


def test_the_triple_cap_is_exact(server):
    for fmt in ("turtle", "ntriples"):
        for limit, status in ((1000, 200), (1001, 400)):
            q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT {limit}"
            r = httpx.get(server.public, params={"query": q, "format": fmt}, timeout=60)
            assert r.status_code == status, (fmt, limit, r.text[:300])


def test_too_many_queries_at_once_wait_or_are_refused_as_busy(server):
    # Two slow queries hold both workers; a third waits for a worker as long as its own limit
    # allows, and is then told the server is busy (or, if a worker came free, answered).
    statuses: list[int] = []
    texts: list[str] = []

    def run() -> None:
        r = httpx.get(server.public, params={"query": SLOW}, timeout=60)
        statuses.append(r.status_code)
        texts.append(r.text)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [503, 503, 503]
    assert any("busy" in t for t in texts) or all("time limit" in t for t in texts)
    assert httpx.get(server.public, params={"query": FAST}, timeout=60).status_code == 200


def test_public_store_refresh_is_seen_by_the_workers(server):
    # A bureau update of the catalog refreshes the public projection; the workers reopen it.
    token = server.token(BUREAU)
    auth = {"Authorization": f"Bearer {token}"}
    title = "新开放的测试数据集"
    ds = "https://data.sd.gov.cn/govcat/dataset/301001-000099"
    graph = "https://data.sd.gov.cn/govcat/graph/catalog/11370000004504927A"
    update = f"""PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
    PREFIX gc: <https://w3id.org/govcat/ns#>
    INSERT DATA {{ GRAPH <{graph}> {{
      <https://data.sd.gov.cn/govcat/catalog/11370000004504927A> dcat:dataset <{ds}> .
      <{ds}> a dcat:Dataset ; dct:identifier "301001/000099" ; dct:title "{title}"@zh ;
        dct:publisher <https://data.sd.gov.cn/govcat/org/11370000004504927A> ;
        gc:openType <https://w3id.org/govcat/vocab/open-type/unconditional> ; gc:classified false .
    }} }}"""
    ask = f'ASK {{ ?d <http://purl.org/dc/terms/title> "{title}"@zh }}'
    assert httpx.get(server.public, params={"query": ask}).json()["boolean"] is False
    r = httpx.post(server.gov, data={"update": update}, headers=auth, timeout=60)
    assert r.status_code == 200, r.text
    assert httpx.get(server.public, params={"query": ask}).json()["boolean"] is True
