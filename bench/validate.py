"""Benchmark: the fast engine against pyshacl, and against a raw Oxigraph bulk load of the same triples.

    .venv/bin/python bench/validate.py                      # 1,000 10,000 100,000 300,000 resources
    .venv/bin/python bench/validate.py --sizes 1000,10000   # a quicker run

For each size it generates a synthetic province catalog (bench/catalog_gen.py: departments of 500
resources, 15 data items each, about 2% of resources with a violation), then measures, each in its own
process so that peak memory (max RSS) is that of the step alone:

- the raw bulk load of the generated triples into the on-disk store (the baseline);
- a full validation with the fast engine, and with pyshacl where it can run (up to --pyshacl-max);
- whether the two engines' result sets are identical;
- incremental checks after one 500-resource department submits a changed catalog: a few resources
  changed, and every resource changed (see ``step_incremental``).

Ratios are against baselines measured in the same run, never against fixed numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

BASE = "https://data.sd.gov.cn/govcat/"
AS_OF = date(2026, 11, 25)


def _child(args: list[str], timeout: float | None = None) -> dict:
    """Run one step in a fresh process; returns its JSON output plus wall time and peak memory."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    try:
        out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"step {args[:2]} failed:\n{out.stderr[-3000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far; a step that used less reports the earlier peak,
    # so each step also reports its own peak (below) and that is what the table shows.
    data.setdefault("wall", wall)
    data.setdefault("peak_mib", max(peak, before) / 1024)
    return data


def _own_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- steps, each run in a child process --------------------------------------------------------------


def step_prepare(nq: str, store_dir: str) -> dict:
    """A govcat store (registries and vocabularies), into which the generated catalogs are bulk-loaded: the
    time of that raw bulk load is the baseline."""
    import pyoxigraph as ox

    from govcat.store import CatalogStore

    store = CatalogStore.open(store_dir, BASE)
    start = time.perf_counter()
    store.ox.bulk_load(path=nq, format=ox.RdfFormat.N_QUADS)
    store.flush()
    return {"seconds": time.perf_counter() - start, "peak_mib": _own_peak_mib()}


def _keys(results) -> list[list[str]]:
    return sorted([r.rule, r.focus, r.shape if r.shape.startswith("http") else "", r.component or "",
                   r.severity, r.path or "", r.value or ""] for r in results)


def step_validate(store_dir: str, engine: str, keys_out: str) -> dict:
    from govcat.store import CatalogStore
    from govcat.validation import Scope, validate

    store = CatalogStore.open(store_dir, BASE)
    start = time.perf_counter()
    report = validate(store, scope=Scope.store(), as_of=AS_OF, engine=engine)
    seconds = time.perf_counter() - start
    Path(keys_out).write_text(json.dumps(_keys(report.results)), encoding="utf-8")
    return {"seconds": seconds, "results": len(report.results), "peak_mib": _own_peak_mib()}


def step_incremental(store_dir: str, scenario: str = "some") -> dict:
    """One 500-resource department resubmits a changed catalog; only what that can affect is re-checked.

    As ``govcat load`` does it: the new catalog replaces the old one through the store's staging, which
    records the difference, and ``recheck`` checks what the difference can affect. Scenarios: ``some``
    drops the usage requirements of every 100th resource (R15.1 fires for those five), or gives them back
    where an earlier run dropped them; ``all`` retitles every resource
    of the department, so each of its 500 resources is re-checked. Timed apart: the re-check alone, and
    the re-check from the two stored versions (``check_changes``, which reads both back, as a check
    without the load's difference would). Also reported: the 1-minute load average at the end (the machine
    is shared) and the five slowest queries of the re-check with their result rows.
    """
    import pyoxigraph as ox

    from govcat.fastshacl import engine
    from govcat.fastshacl.incremental import check_changes, recheck
    from govcat.store import CatalogStore

    store = CatalogStore.open(store_dir, BASE)
    prefix = store.iris.base + "graph/catalog/"
    graph = sorted(g for g in store.named_graphs() if g.startswith(prefix) and "/v/" not in g)[0]
    usage = ox.NamedNode("https://w3id.org/govcat/ns#usageRequirements")
    title = ox.NamedNode("http://purl.org/dc/terms/title")
    dataset = ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    resources = {q.subject for q in store.triples(graph) if q.predicate == rdf_type and q.object == dataset}
    stamp = time.strftime("%H%M%S")
    # Every 100th resource's usage requirements dropped, or given back where an earlier run dropped them:
    # each run changes the same five resources, however often it is repeated on one store.
    toggled = set(sorted(resources, key=str)[::100]) if scenario == "some" else set()
    kept_usage = {q.subject for q in store.triples(graph) if q.predicate == usage}
    new = [ox.Triple(r, usage, ox.Literal("仅用于履职", language="zh")) for r in toggled - kept_usage]
    for q in store.triples(graph):
        if q.predicate == usage and q.subject in toggled:
            continue
        if scenario == "all" and q.predicate == title and q.subject in resources and isinstance(q.object, ox.Literal):
            new.append(ox.Triple(q.subject, title, ox.Literal(f"{q.object.value.split(' · ')[0]} · {stamp}",
                                                              language=q.object.language)))
            continue
        new.append(q.triple)
    history = store.replace_graph(graph, new, keep_history=True)
    engine.query_timings = []
    start = time.perf_counter()
    report, focus = recheck(store, [graph], as_of=AS_OF)
    seconds = time.perf_counter() - start
    timings, engine.query_timings = engine.query_timings, None
    start = time.perf_counter()
    check_changes(store, {graph: history}, as_of=AS_OF)
    from_versions = time.perf_counter() - start
    return {"seconds": seconds, "from_versions_s": from_versions, "focus": len(focus),
            "resources": len(resources & {ox.NamedNode(f) for f in focus}), "results": len(report.results),
            "peak_mib": _own_peak_mib(), "load_1min": os.getloadavg()[0],
            # the slowest queries of the re-check (on parallel workers, so their sum exceeds the wall time)
            "query_s": round(sum(t for _, t, _ in timings), 3),
            "slowest": [[s.rsplit("#", 1)[-1], round(t, 3), n] for s, t, n in sorted(timings, key=lambda x: -x[1])[:5]]}


# ---- the table ---------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000,300000")
    ap.add_argument("--pyshacl-max", type=int, default=1000, help="largest size pyshacl is run on")
    ap.add_argument("--pyshacl-timeout", type=float, default=3600, help="seconds before a pyshacl run is given up")
    ap.add_argument("--work", default=None, help="working directory (default: a temporary one)")
    args = ap.parse_args()
    from bench_support import bureaus  # noqa: E402

    work = Path(args.work or tempfile.mkdtemp(prefix="govcat-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    bureau_of = bureaus()
    for size in [int(s) for s in args.sizes.split(",")]:
        from catalog_gen import generate

        nq = work / f"catalog-{size}.nq"
        t = time.perf_counter()
        generate(nq, size, bureau_of=bureau_of)
        gen_s = time.perf_counter() - t
        store_dir = work / f"store-{size}"
        bulk = _child(["prepare", str(nq), str(store_dir)])
        fast = _child(["validate", str(store_dir), "fast", str(work / f"fast-{size}.json")])
        row = {"size": size, "generate_s": gen_s, "bulk_s": bulk["seconds"], "bulk_mib": bulk["peak_mib"],
               "fast_s": fast["seconds"], "fast_mib": fast["peak_mib"], "results": fast["results"]}
        if size <= args.pyshacl_max:
            ref = _child(["validate", str(store_dir), "pyshacl", str(work / f"pyshacl-{size}.json")],
                         timeout=args.pyshacl_timeout)
            if "timeout" in ref:
                row.update(pyshacl_timeout=args.pyshacl_timeout)
            else:
                same = json.loads((work / f"fast-{size}.json").read_text()) == json.loads(
                    (work / f"pyshacl-{size}.json").read_text())
                row.update(pyshacl_s=ref["seconds"], pyshacl_mib=ref["peak_mib"], identical=same)
        inc = _child(["incremental", str(store_dir), "some"])
        row.update(incremental_s=inc["seconds"], incremental_focus=inc["focus"],
                   incremental_from_versions_s=inc["from_versions_s"])
        whole = _child(["incremental", str(store_dir), "all"])
        row.update(department_s=whole["seconds"], department_focus=whole["focus"],
                   department_resources=whole["resources"], department_from_versions_s=whole["from_versions_s"])
        rows.append(row)
        nq.unlink()
        print(_format_row(row), flush=True)
    print()
    print(_table(rows))


def _format_row(r: dict) -> str:
    return json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()})


def _table(rows: list[dict]) -> str:
    head = ("resources | bulk load s | fast s (MiB) | fast/bulk | pyshacl s (MiB) | pyshacl/fast | identical | "
            "incremental s (focus) | full/incremental | whole department s (resources) | full/department")
    lines = [head, "-" * len(head)]
    for r in rows:
        py = f"{r['pyshacl_s']:.1f} ({r['pyshacl_mib']:.0f})" if "pyshacl_s" in r else "—"
        speed = f"{r['pyshacl_s'] / r['fast_s']:.1f}×" if "pyshacl_s" in r else "—"
        if "pyshacl_timeout" in r:
            py, speed = f"> {r['pyshacl_timeout']:.0f}", f"> {r['pyshacl_timeout'] / r['fast_s']:.0f}×"
        lines.append(
            f"{r['size']:>9,} | {r['bulk_s']:>11.1f} | {r['fast_s']:.1f} ({r['fast_mib']:.0f}) | "
            f"{r['fast_s'] / r['bulk_s']:.2f} | {py} | {speed} | {r.get('identical', '—')} | "
            f"{r['incremental_s']:.2f} ({r['incremental_focus']}) | {r['fast_s'] / r['incremental_s']:.0f}× | "
            f"{r['department_s']:.2f} ({r['department_resources']}) | {r['fast_s'] / r['department_s']:.0f}×"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in {"prepare", "validate", "incremental"}:
        step = {"prepare": step_prepare, "validate": step_validate,
                "incremental": step_incremental}[sys.argv[1]]
        print(json.dumps(step(*sys.argv[2:])))
    else:
        main()
