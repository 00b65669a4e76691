"""Benchmark: the public SPARQL endpoint (`govcat serve`, /sparql over HTTP) against pyoxigraph queried
directly in-process on the same public store.

    .venv/bin/python bench/endpoint.py                        # the sample catalog and 100,000 resources
    .venv/bin/python bench/endpoint.py --sizes sample,10000   # a quicker run

For each catalog (the bundled sample, loaded with the template loader; or a generated one from
bench/catalog_gen.py, bulk-loaded) the public projection is refreshed with
``govcat.projection.refresh_public_store``, then a mix of analyst queries (count by department, open
datasets per theme, a text search with CONTAINS, a DESCRIBE of a dataset, a lineage path) is run by 1, 4
and 16 concurrent clients for --seconds each:

- baseline: threads in this process, each querying ``pyoxigraph.Store.read_only(public store)`` (union
  default graph, as the endpoint) and serializing the answer to the same format the endpoint sends;
- endpoint: the same queries by HTTP GET to a `govcat serve` on 127.0.0.1, one keep-alive client per thread.

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
    generate(nq, size, bureau_of=bureaus())
    store_path, public_path = work / f"store-{size}", work / f"public-{size}"
    store = CatalogStore.open(store_path, BASE)
    store.ox.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    nq.unlink()
    refresh_public_store(store, public_path)
    store.flush()
    del store
    gc.collect()
    return store_path, public_path, size


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
    ACCEPT = {"json": "application/sparql-results+json", "turtle": "text/turtle"}

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
    def __init__(self, work: Path, store_path: Path, public_path: Path, workers: int) -> None:
        self.port = _free_port()
        env = dict(os.environ)
        env.update({
            "GOVCAT_STORE": str(store_path), "GOVCAT_PUBLIC_STORE": str(public_path), "GOVCAT_BASE_IRI": BASE,
            "GOVCAT_CONFIG": str(work / "no-such-govcat.toml"), "GOVCAT_SITE_DIR": str(work / "no-site"),
            "GOVCAT_SPARQL_MAX_CONCURRENT": str(workers), "GOVCAT_SPARQL_TIMEOUT_MS": "120000",
        })
        self.log = open(work / f"server-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [GOVCAT, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, cwd=work, stdout=self.log, stderr=subprocess.STDOUT,
        )
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


def measure(make_client, queries: dict[str, tuple[str, str]], clients: int, seconds: float) -> dict:
    """``clients`` threads, each cycling through the mix (from a different starting query) for ``seconds``."""
    names = list(queries)
    latencies: list[float] = []
    per_query: dict[str, list[float]] = {n: [] for n in names}
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]
    go = threading.Event()

    def worker(k: int) -> None:
        client = make_client()
        try:
            for n in names:  # warm-up round, not counted
                client.run(*queries[n])
            barrier.wait()
            go.wait()
            i = k
            mine: list[tuple[str, float]] = []
            while time.perf_counter() < stop_at[0]:
                n = names[i % len(names)]
                t = time.perf_counter()
                client.run(*queries[n])
                mine.append((n, time.perf_counter() - t))
                i += 1
            with lock:
                for n, dt in mine:
                    latencies.append(dt)
                    per_query[n].append(dt)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
            try:
                barrier.abort()
            except Exception:  # noqa: BLE001
                pass
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    began = time.perf_counter()
    stop_at[0] = began + seconds
    go.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    if errors:
        raise SystemExit(f"a client failed: {errors[0]}")
    lat = sorted(latencies)
    return {
        "n": len(lat),
        "median_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "qps": len(lat) / wall,
        "per_query_median_ms": {n: statistics.median(v) * 1000 for n, v in per_query.items() if v},
    }


def run_size(work: Path, label: str, concurrency: list[int], seconds: float, workers: int) -> list[dict]:
    t = time.perf_counter()
    if label == "sample":
        store_path, public_path, resources = build_sample(work)
    else:
        store_path, public_path, resources = build_generated(work, int(label))
    build_s = time.perf_counter() - t
    baseline = Baseline(public_path)
    queries = _queries(baseline.store)
    triples = len(baseline.store)
    print(json.dumps({"catalog": label, "resources": resources, "public_triples": triples,
                      "build_s": round(build_s, 1)}), flush=True)
    rows = []
    server = Server(work, store_path, public_path, workers)
    try:
        for c in concurrency:
            base = measure(baseline.client, queries, c, seconds)
            ep = measure(lambda: Endpoint(server.url), queries, c, seconds)
            row = {"catalog": label, "resources": resources, "clients": c, "baseline": base, "endpoint": ep}
            rows.append(row)
            print(json.dumps(row, default=lambda x: round(x, 3) if isinstance(x, float) else x,
                             ensure_ascii=False), flush=True)
    finally:
        server.stop()
    return rows


def _table(rows: list[dict]) -> str:
    head = ("catalog | clients | baseline median / p99 ms | baseline q/s | endpoint median / p99 ms | "
            "endpoint q/s | median ratio | q/s ratio")
    lines = [head, "-" * len(head)]
    for r in rows:
        b, e = r["baseline"], r["endpoint"]
        lines.append(
            f"{r['catalog']} ({r['resources']:,}) | {r['clients']} | {b['median_ms']:.2f} / {b['p99_ms']:.1f} | "
            f"{b['qps']:.0f} | {e['median_ms']:.2f} / {e['p99_ms']:.1f} | {e['qps']:.0f} | "
            f"{e['median_ms'] / b['median_ms']:.2f}× | {e['qps'] / b['qps']:.2f}×"
        )
    lines.append("")
    lines.append("single client, median ms per query: baseline → endpoint (ratio)")
    for r in rows:
        if r["clients"] != 1:
            continue
        for n, b in r["baseline"]["per_query_median_ms"].items():
            e = r["endpoint"]["per_query_median_ms"][n]
            lines.append(f"  {r['catalog']}: {n}: {b:.2f} → {e:.2f} ({e / b:.2f}×)")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="sample,100000", help="'sample' and/or numbers of generated resources")
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--seconds", type=float, default=8.0, help="measuring time per cell")
    ap.add_argument("--workers", type=int, default=4, help="sparql_max_concurrent of the server")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="govcat-bench-endpoint-"))
    work.mkdir(parents=True, exist_ok=True)
    concurrency = [int(c) for c in args.clients.split(",")]
    rows = []
    for label in args.sizes.split(","):
        rows += run_size(work, label.strip(), concurrency, args.seconds, args.workers)
    print()
    print(f"cores: {os.cpu_count()}, server workers (sparql_max_concurrent): {args.workers}, {args.seconds:.0f} s per cell")
    print(_table(rows))


if __name__ == "__main__":
    main()
