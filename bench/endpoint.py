"""Benchmark: the public SPARQL endpoint (`govcat serve`, /sparql over HTTP) against pyoxigraph queried
directly in-process on the same public store.

    .venv/bin/python bench/endpoint.py                        # the sample catalog and 100,000 resources
    .venv/bin/python bench/endpoint.py --sizes sample,10000   # a quicker run

For each catalog (the bundled sample, loaded with the template loader; or a generated one from
bench/catalog_gen.py, bulk-loaded) the public projection is refreshed with
``govcat.projection.refresh_public_store``, then a mix of analyst queries (count by department, open
datasets per theme, a text search with CONTAINS, a DESCRIBE of a dataset, a lineage path) is run by 1, 4
and 16 concurrent clients for --seconds per target, baseline and endpoint taking turns in --slices slices
(so that both see the same load on shared cores):

- baseline: threads in this process, each querying ``pyoxigraph.Store.read_only(public store)`` (union
  default graph, as the endpoint) and serializing the answer to the same format the endpoint sends;
- endpoint: the same queries by HTTP GET to `govcat serve` on 127.0.0.1, as users run it: the
  supervisor and its server process (``serve_processes``, default 1), access log included
  (``--no-access-log`` sets ``access_log = false``, which saves the log line per request); one
  keep-alive ``http.client`` connection per thread (``--client httpx`` for httpx, which costs more per
  request on the client side).

Catalogs are built in --work; ``--reuse`` takes the stores already there (from an earlier run with the same
--work) instead of building them again.

Printed: median and p99 latency (ms), throughput (queries/s), and endpoint/baseline ratios measured in the
same run. Target: single-client median within 1.5x of the baseline.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

BASE = "https://data.sd.gov.cn/govcat/"
GOVCAT = str(Path(sys.executable).parent / "govcat")
PREFIXES = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX gc: <https://w3id.org/govcat/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def _queries(public: "object") -> dict[str, tuple[str, str]]:
    """name -> (query, kind): kind "json" (SELECT) or "turtle" (DESCRIBE). The dataset of the DESCRIBE and the
    start of the lineage path are picked from the store (the one with the longest derivation chain)."""
    import pyoxigraph as ox

    rows = list(public.query(
        PREFIXES + "SELECT ?d (COUNT(?src) AS ?n) WHERE { ?d a dcat:Dataset OPTIONAL { ?d prov:wasDerivedFrom+ ?src } } "
        "GROUP BY ?d ORDER BY DESC(?n) ?d LIMIT 1",
        use_default_graph_as_union=True,
    ))
    start = rows[0]["d"].value
    word = next(iter(public.query(
        PREFIXES + "SELECT ?t WHERE { ?d a dcat:Dataset ; dct:title ?t } ORDER BY ?d LIMIT 1",
        use_default_graph_as_union=True,
    )))["t"].value[:2]
    assert isinstance(start, str) and isinstance(word, str)
    theme = (ROOT / "api" / "queries" / "examples" / "01-open-datasets-by-theme.rq").read_text(encoding="utf-8")
    text = ox.Literal(word)
    return {
        "count by department": (
            PREFIXES + "SELECT ?publisher ?name (COUNT(?d) AS ?datasets) WHERE { ?d a dcat:Dataset ; "
            "dct:publisher ?publisher OPTIONAL { ?publisher skos:prefLabel ?name FILTER(lang(?name) = 'zh') } } "
            "GROUP BY ?publisher ?name ORDER BY DESC(?datasets)", "json"),
        "open datasets per theme": (theme, "json"),
        "CONTAINS search": (
            PREFIXES + f"SELECT ?d ?title WHERE {{ ?d a dcat:Dataset ; dct:title ?title "
            f"FILTER(CONTAINS(?title, {text})) }} LIMIT 100", "json"),
        "DESCRIBE dataset": (f"DESCRIBE <{start}>", "turtle"),
        "lineage path": (
            PREFIXES + f"SELECT ?source ?title WHERE {{ <{start}> prov:wasDerivedFrom+ ?source . "
            "OPTIONAL { ?source dct:title ?title } }", "json"),
    }


# ---- building the stores ---------------------------------------------------------------------------------


def build_sample(work: Path) -> tuple[Path, Path, int]:
    from govcat.loaders.template import load_submissions
    from govcat.projection import refresh_public_store
    from govcat.sample import submissions
    from govcat.store import CatalogStore

    store_path, public_path = work / "store-sample", work / "public-sample"
    store = CatalogStore.open(store_path, BASE)
    subs = load_submissions(submissions(), store)
    refresh_public_store(store, public_path)
    store.flush()
    del store
    gc.collect()
    return store_path, public_path, sum(s.resources for s in subs)


def build_generated(work: Path, size: int) -> tuple[Path, Path, int]:
    import pyoxigraph as ox

    from bench_support import bureaus
    from catalog_gen import generate
    from govcat.projection import refresh_public_store
    from govcat.store import CatalogStore

    nq = work / f"catalog-{size}.nq"
    t = time.perf_counter()
    generate(nq, size, bureau_of=bureaus())
    t_gen = time.perf_counter()
    store_path, public_path = work / f"store-{size}", work / f"public-{size}"
    store = CatalogStore.open(store_path, BASE)
    store.ox.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    nq.unlink()
    t_load = time.perf_counter()
    print(json.dumps({"catalog": size, "generate_s": round(t_gen - t, 1), "bulk_load_s": round(t_load - t_gen, 1)}),
          flush=True)
    refresh_public_store(store, public_path)
    store.flush()
    print(json.dumps({"catalog": size, "projection_s": round(time.perf_counter() - t_load, 1)}), flush=True)
    del store
    gc.collect()
    return store_path, public_path, size


def reuse(work: Path, label: str) -> tuple[Path, Path, int] | None:
    """The stores an earlier run left in ``work`` for this catalog, if it finished building them."""
    store_path, public_path, done = work / f"store-{label}", work / f"public-{label}", work / f"built-{label}.json"
    if not (done.is_file() and store_path.is_dir() and public_path.is_dir()):
        return None
    return store_path, public_path, int(json.loads(done.read_text())["resources"])


# ---- the two targets -------------------------------------------------------------------------------------


class Baseline:
    """pyoxigraph in this process, on the public store opened read-only once."""

    def __init__(self, public_path: Path) -> None:
        import pyoxigraph as ox

        self.ox = ox
        self.store = ox.Store.read_only(str(public_path))

    def client(self) -> "Baseline":
        return self

    def run(self, query: str, kind: str) -> int:
        ox = self.ox
        result = self.store.query(query, use_default_graph_as_union=True)
        if kind == "turtle":
            body = ox.serialize(list(result), format=ox.RdfFormat.TURTLE)
        else:
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
        return len(body or b"")

    def close(self) -> None:
        pass


class Endpoint:
    """One keep-alive HTTP/1.1 connection (stdlib ``http.client``: little work per request on our side)."""

    ACCEPT = {"json": "application/sparql-results+json", "turtle": "text/turtle"}

    def __init__(self, url: str) -> None:
        import http.client
        from urllib.parse import urlsplit

        self.http = http.client
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.conn = self.http.HTTPConnection(self.host, self.port, timeout=120)

    def run(self, query: str, kind: str) -> int:
        from urllib.parse import urlencode

        target = self.path + "?" + urlencode({"query": query})
        for attempt in (1, 2):
            try:
                self.conn.request("GET", target, headers={"Accept": self.ACCEPT[kind]})
                r = self.conn.getresponse()
                body = r.read()
                break
            except (self.http.RemoteDisconnected, ConnectionError):
                # The server closed a keep-alive connection that sat idle (while the other target was
                # measured): open a new one, once.
                self.conn.close()
                self.conn = self.http.HTTPConnection(self.host, self.port, timeout=120)
                if attempt == 2:
                    raise
        if r.status != 200:
            raise RuntimeError(f"{r.status}: {body[:500]!r}")
        return len(body)

    def close(self) -> None:
        self.conn.close()


class HttpxEndpoint:
    ACCEPT = Endpoint.ACCEPT

    def __init__(self, url: str) -> None:
        import httpx

        self.client_ = httpx.Client(timeout=120)
        self.url = url

    def run(self, query: str, kind: str) -> int:
        r = self.client_.get(self.url, params={"query": query}, headers={"Accept": self.ACCEPT[kind]})
        if r.status_code != 200:
            raise RuntimeError(f"{r.status_code}: {r.text[:500]}")
        return len(r.content)

    def close(self) -> None:
        self.client_.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`govcat serve` (the supervisor, which runs the server process) on a free port."""

    def __init__(self, work: Path, store_path: Path, public_path: Path, max_concurrent: int, access_log: bool = True) -> None:
        self.port = _free_port()
        env = dict(os.environ)
        env.update({
            "GOVCAT_STORE": str(store_path), "GOVCAT_PUBLIC_STORE": str(public_path), "GOVCAT_BASE_IRI": BASE,
            "GOVCAT_CONFIG": str(work / "no-such-govcat.toml"), "GOVCAT_SITE_DIR": str(work / "no-site"),
            "GOVCAT_SPARQL_MAX_CONCURRENT": str(max_concurrent), "GOVCAT_SPARQL_TIMEOUT_MS": "120000",
            "GOVCAT_ACCESS_LOG": "true" if access_log else "false",
        })
        self.log = open(work / f"server-{self.port}.log", "wb")
        cmd = [GOVCAT, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=env, cwd=work, stdout=self.log, stderr=subprocess.STDOUT)
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"govcat serve exited; see {self.log.name}")
            try:
                if httpx.get(self.url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"govcat serve did not start; see {self.log.name}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


# ---- measuring -------------------------------------------------------------------------------------------


class Target:
    """``clients`` clients of one target (baseline or endpoint), each cycling through the mix from a
    different starting query; the cycle goes on from slice to slice, so the mix stays even."""

    def __init__(self, make_client, queries: dict[str, tuple[str, str]], clients: int) -> None:
        self.queries = queries
        self.names = list(queries)
        self.clients = [make_client() for _ in range(clients)]
        self.next = list(range(clients))
        self.per_query: dict[str, list[float]] = {n: [] for n in self.names}
        self.latencies: list[float] = []
        self.wall = 0.0

    def warm(self) -> None:
        """One round of the mix per client, not counted."""
        self._threads(lambda k: [self.clients[k].run(*self.queries[n]) for n in self.names])

    def run_for(self, seconds: float) -> None:
        stop_at = [0.0]
        go = threading.Event()
        lock = threading.Lock()

        def work(k: int) -> None:
            client, i, mine = self.clients[k], self.next[k], []
            go.wait()
            while time.perf_counter() < stop_at[0]:
                n = self.names[i % len(self.names)]
                t = time.perf_counter()
                client.run(*self.queries[n])
                mine.append((n, time.perf_counter() - t))
                i += 1
            self.next[k] = i
            with lock:
                for n, dt in mine:
                    self.latencies.append(dt)
                    self.per_query[n].append(dt)

        def start() -> None:
            began[0] = time.perf_counter()
            stop_at[0] = began[0] + seconds
            go.set()

        began = [0.0]
        self._threads(work, start)
        self.wall += time.perf_counter() - began[0]

    def _threads(self, fn, after_start=None) -> None:
        errors: list[str] = []

        def guarded(k: int) -> None:
            try:
                fn(k)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(repr(exc))

        threads = [threading.Thread(target=guarded, args=(k,)) for k in range(len(self.clients))]
        for t in threads:
            t.start()
        if after_start:
            after_start()
        for t in threads:
            t.join()
        if errors:
            raise SystemExit(f"a client failed: {errors[0]}")

    def close(self) -> None:
        for c in self.clients:
            c.close()

    def summary(self) -> dict:
        lat = sorted(self.latencies)
        return {
            "n": len(lat),
            "median_ms": statistics.median(lat) * 1000,
            "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
            "qps": len(lat) / self.wall,
            "per_query_median_ms": {n: statistics.median(v) * 1000 for n, v in self.per_query.items() if v},
        }


def measure_pair(targets: list[Target], seconds: float, slices: int) -> list[dict]:
    """The targets take turns, ``seconds / slices`` each, ``slices`` times: on shared cores whose load
    changes from minute to minute (other people's jobs), both see the same conditions on average."""
    for t in targets:
        t.warm()
    for _ in range(slices):
        for t in targets:
            t.run_for(seconds / slices)
    return [t.summary() for t in targets]


def run_size(work: Path, label: str, concurrency: list[int], seconds: float, max_concurrent: int, *,
             access_log: bool = True, client: str = "http.client", reuse_stores: bool = False,
             slices: int = 4) -> list[dict]:
    t = time.perf_counter()
    found = reuse(work, label) if reuse_stores else None
    if found:
        store_path, public_path, resources = found
    elif label == "sample":
        store_path, public_path, resources = build_sample(work)
    else:
        store_path, public_path, resources = build_generated(work, int(label))
    build_s = time.perf_counter() - t
    (work / f"built-{label}.json").write_text(json.dumps({"resources": resources}))
    baseline = Baseline(public_path)
    queries = _queries(baseline.store)
    triples = len(baseline.store)
    print(json.dumps({"catalog": label, "resources": resources, "public_triples": triples,
                      "build_s": round(build_s, 1), "reused": bool(found)}), flush=True)
    rows = []
    server = Server(work, store_path, public_path, max_concurrent, access_log)
    make_endpoint = HttpxEndpoint if client == "httpx" else Endpoint
    try:
        for c in concurrency:
            targets = [Target(baseline.client, queries, c), Target(lambda: make_endpoint(server.url), queries, c)]
            try:
                base, ep = measure_pair(targets, seconds, slices)
            finally:
                for t in targets:
                    t.close()
            # The load average says how busy the shared cores were (other people's jobs) while measuring.
            row = {"catalog": label, "resources": resources, "clients": c, "baseline": base, "endpoint": ep,
                   "loadavg_1min": os.getloadavg()[0]}
            rows.append(row)
            print(json.dumps(row, default=lambda x: round(x, 3) if isinstance(x, float) else x,
                             ensure_ascii=False), flush=True)
    finally:
        server.stop()
    return rows


def _table(rows: list[dict]) -> str:
    head = ("catalog | clients | baseline median / p99 ms | baseline q/s | endpoint median / p99 ms | "
            "endpoint q/s | median ratio | q/s ratio | load avg")
    lines = [head, "-" * len(head)]
    for r in rows:
        b, e = r["baseline"], r["endpoint"]
        lines.append(
            f"{r['catalog']} ({r['resources']:,}) | {r['clients']} | {b['median_ms']:.2f} / {b['p99_ms']:.1f} | "
            f"{b['qps']:.0f} | {e['median_ms']:.2f} / {e['p99_ms']:.1f} | {e['qps']:.0f} | "
            f"{e['median_ms'] / b['median_ms']:.2f}× | {e['qps'] / b['qps']:.2f}× | {r['loadavg_1min']:.1f}"
        )
    lines.append("")
    lines.append("single client, median ms per query: baseline → endpoint (ratio, difference)")
    for r in rows:
        if r["clients"] != 1:
            continue
        for n, b in r["baseline"]["per_query_median_ms"].items():
            e = r["endpoint"]["per_query_median_ms"][n]
            lines.append(f"  {r['catalog']}: {n}: {b:.2f} → {e:.2f} ({e / b:.2f}×, {e - b:+.2f} ms)")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="sample,100000", help="'sample' and/or numbers of generated resources")
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--seconds", type=float, default=8.0, help="measuring time per cell and target")
    ap.add_argument("--slices", type=int, default=4, help="baseline and endpoint take turns this many times per cell")
    ap.add_argument("--max-concurrent", type=int, default=4, help="sparql_max_concurrent of the server (query threads)")
    ap.add_argument("--work", default=None)
    ap.add_argument("--reuse", action="store_true", help="take the stores an earlier run left in --work")
    ap.add_argument("--no-access-log", action="store_true",
                    help="run `govcat serve` with access_log = false (default: as installed, logging every request)")
    ap.add_argument("--client", choices=("http.client", "httpx"), default="http.client")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="govcat-bench-endpoint-"))
    work.mkdir(parents=True, exist_ok=True)
    concurrency = [int(c) for c in args.clients.split(",")]
    rows = []
    for label in args.sizes.split(","):
        rows += run_size(work, label.strip(), concurrency, args.seconds, args.max_concurrent,
                         access_log=not args.no_access_log, client=args.client, reuse_stores=args.reuse,
                         slices=args.slices)
    print()
    how = "govcat serve" + (" (access_log = false)" if args.no_access_log else " (access log on)")
    print(f"cores: {os.cpu_count()}, server: {how}, client: {args.client}, sparql_max_concurrent: "
          f"{args.max_concurrent}, {args.seconds:.0f} s per cell and target in {args.slices} alternating slices")
    print(_table(rows))


if __name__ == "__main__":
    main()
