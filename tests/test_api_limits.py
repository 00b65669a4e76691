"""Limits on a real server: a query over its time limit is answered 503 at once and its server process
replaced (the supervisor of `govcat serve` ends the old one, which stops the runaway query, while the
server keeps answering); a server process that dies is replaced; a slow query does not hold up a fast
one; results over sparql_max_results are refused; the read-only stores of the query threads see later
writes."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
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


def test_a_query_over_the_limit_is_stopped_and_the_slots_are_freed(server):
    r = httpx.get(server.public, params={"query": SLOW}, timeout=60)
    assert r.status_code == 503
    assert "time limit of 2500 ms" in r.text and "时限" in r.text
    # Right after: both query slots answer, at the same time.
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
        # Wait until the slow query is surely running (it holds one of the two slots).
        for _ in range(3):
            r = httpx.get(server.public, params={"query": FAST}, timeout=60)
            assert r.status_code == 200
            events.append("fast done")
    finally:
        t.join()
    assert events[:3] == ["fast done"] * 3 and events[3] == "slow done"
    assert slow_status == [503]


def test_small_answers_are_not_held_back(server):
    # The supervisor's listening socket says TCP, so asyncio sets TCP_NODELAY on each connection: without
    # it every small answer on a keep-alive connection waits ~40 ms (Nagle and delayed ACKs).
    with httpx.Client(timeout=60) as client:
        took = []
        for _ in range(21):
            t = time.perf_counter()
            assert client.get(server.public, params={"query": "ASK {}"}).status_code == 200
            took.append(time.perf_counter() - t)
    assert sorted(took)[10] < 0.025, took


def test_every_request_is_in_the_access_log(server):
    # The server process writes uvicorn's access log line after the answer, from a thread (in batches).
    marker = f"accesslog{time.time_ns()}"
    ok = httpx.get(server.public, params={"query": f"ASK {{ <urn:x:{marker}> ?p ?o }}"})
    refused = httpx.post(server.public + f"?m={marker}", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert (ok.status_code, refused.status_code) == (200, 415)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = [line for line in server.logtext().splitlines() if marker in line]
        if len(lines) == 2:
            break
        time.sleep(0.1)
    assert len(lines) == 2, lines
    assert '"GET /sparql?query=' in lines[0] and '" 200' in lines[0]
    assert f'"POST /sparql?m={marker} HTTP/1.1" 415' in lines[1]


def test_results_over_the_maximum_are_refused(server):
    r = httpx.get(server.public, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and "more than 1000 rows" in r.text
    r = httpx.get(server.public, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert r.status_code == 400 and "more than 1000" in r.text
    r = httpx.get(server.public, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1000"})
    assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 1000
    # The refusals carry no pyoxigraph result to the event loop's thread (pyo3 refuses to free one there).
    assert "unsendable" not in server.logtext()


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
    # Two slow queries hold both slots; a third waits for a slot as long as its own limit allows, and
    # is then told the server is busy (or, if a slot came free, answered).
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


def test_public_store_refresh_is_seen_by_the_query_threads(server):
    # A bureau update of the catalog refreshes the public projection; the query threads reopen it.
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


# ---- the supervisor: runaway queries and dead server processes --------------------------------------------


def server_processes(supervisor: int) -> list[int]:
    """The server processes `govcat serve` (pid ``supervisor``) runs: its spawned children (not
    multiprocessing's resource tracker)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        state = stat.rsplit(")", 1)[1].split()[0]
        if ppid == supervisor and b"spawn_main" in cmdline and state != "Z":
            found.append(int(entry))
    return sorted(found)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def running_threads(pid: int) -> bool:
    """Whether a thread of ``pid`` is seen running (state R) in 20 looks over a second."""
    for _ in range(20):
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                if (task / "stat").read_text().rsplit(")", 1)[1].split()[0] == "R":
                    return True
            except OSError:
                continue
        time.sleep(0.05)
    return False


class Answering:
    """A client asking FAST over and over on fresh connections, in a thread, recording every answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[tuple[float, int]] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                r = httpx.get(self.url, params={"query": FAST}, timeout=60)
                self.answers.append((time.monotonic(), r.status_code))
            except httpx.HTTPError as exc:
                self.failures.append(repr(exc))
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def supervised(tmp_path):
    store, public = make_stores(tmp_path)
    # The grace period of a stopping server process is the longest time limit (here 4 s) + 1 s.
    srv = Server(tmp_path, store, public, sparql_timeout_ms=2000, gov_sparql_timeout_ms=4000,
                 sparql_max_concurrent=2)
    yield srv
    srv.stop()


def test_a_runaway_query_s_process_is_replaced_and_ends_while_the_server_answers(supervised):
    supervisor = supervised.proc.pid
    [old] = server_processes(supervisor)
    other = Answering(supervised.public)
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        r = httpx.get(supervised.public, params={"query": SLOW}, timeout=60)
        answered_after = time.monotonic() - t0
        assert r.status_code == 503 and "time limit of 2000 ms" in r.text, r.text
        assert answered_after < 2000 / 1000 + 1.5  # at its limit, not when the process ends
        # The runaway query still runs in the old process (a thread running or waiting for a core),
        # until that process ends.
        assert running_threads(old)
        # A replacement starts at once; once it answers, the old process finishes its requests (within the
        # grace period of 5 s) and exits, which ends the runaway thread.
        deadline = time.monotonic() + 60
        while alive(old) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(old), supervised.logtext()[-3000:]
        gone_after = time.monotonic() - t0
        new = server_processes(supervisor)
        assert len(new) == 1 and new[0] != old
        assert "stops after its last requests" in supervised.logtext()
        time.sleep(1)
    finally:
        other.stop()
    # Other clients were answered before, during and after, never refused; the supervisor lives on.
    assert not other.failures, other.failures[:3]
    statuses = [s for _, s in other.answers]
    assert statuses and set(statuses) == {200}, statuses
    during = [t for t, _ in other.answers if t0 <= t <= t0 + gone_after]
    assert len(during) >= 5, (len(during), gone_after)
    assert supervised.proc.poll() is None
    assert httpx.get(supervised.public, params={"query": FAST}, timeout=60).status_code == 200
    print(f"runaway: 503 after {answered_after:.2f} s, old process gone after {gone_after:.2f} s")


def test_a_server_process_that_dies_is_replaced(supervised):
    supervisor = supervised.proc.pid
    [old] = server_processes(supervisor)
    os.kill(old, signal.SIGKILL)
    # Connections wait in the supervisor's socket backlog until the replacement accepts them.
    r = httpx.get(supervised.public, params={"query": FAST}, timeout=60)
    assert r.status_code == 200
    [new] = server_processes(supervisor)
    assert new != old and not alive(old)
    assert "died unexpectedly" in supervised.logtext()
    assert supervised.proc.poll() is None


def test_sigterm_stops_the_supervisor_and_its_server_processes(supervised):
    supervisor = supervised.proc.pid
    children = server_processes(supervisor)
    assert children
    # A runaway query in flight does not hold up the stop.
    threading.Thread(target=lambda: httpx.get(supervised.public, params={"query": SLOW}, timeout=60),
                     daemon=True).start()
    time.sleep(0.5)
    t0 = time.monotonic()
    supervised.proc.terminate()
    assert supervised.proc.wait(30) == 0
    assert time.monotonic() - t0 < 10
    assert not any(alive(pid) for pid in children)
