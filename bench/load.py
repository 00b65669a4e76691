"""Benchmark: loading department submissions (`govcat load`, i.e. `load_submissions`) against a raw
pyoxigraph bulk load of the same triples.

    .venv/bin/python bench/load.py                        # 1,000 and 10,000 resources
    .venv/bin/python bench/load.py --sizes 10000          # a quicker run
    .venv/bin/python bench/load.py --sizes 300000         # province scale
    .venv/bin/python bench/load.py --sizes 100000 --no-hook   # the write only: no projection at all
    .venv/bin/python bench/load.py --sizes 300000 --no-hook --keep --work DIR   # and keep DIR/store-300000

For each size it writes a synthetic province with `govcat generate` (govcat.generator: one CSV folder per
department of the province, the 16 cities and their counties, catalog sizes skewed by level, about 15
data items per resource, about 2% deliberate violations of the Measures, none of them load errors), loads
its organisation registry as `govcat registry load organisations` does, then measures, each step in its
own process so that peak memory (max RSS) is that step's alone:

- check: `read_batch` only (parsing, lookups and every check; nothing written);
- load: `load_submissions` as `govcat load` runs it: parsing and checks, the streaming write of every
  department's catalog (new catalogs through the store's journaled bulk loader), and the hook that
  refreshes the public projection; the hook's share is timed apart, as "without hook" is the write into
  the catalog store that the baseline is compared with;
- project: the hook alone (`govcat.hooks.catalog_changed`), into a fresh public store;
- bulk (the baseline): the loaded catalog graphs dumped as N-Quads (not timed), then `Store.bulk_load`
  of that file into an empty on-disk pyoxigraph store.

Printed: seconds, triples, peak MiB per step, the ratios load/bulk, without hook/bulk and check/bulk, and the
1-minute load average before and after each step (the cores are shared with other benchmarks).
Ratios are against the baseline measured in the same run, never against fixed numbers. Figures and run
times are in docs/performance.md, "Loading".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = "https://data.sd.gov.cn/govcat/"


def _own_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run one step in a fresh process; returns its JSON output (the step reports its own peak memory)
    and the 1-minute load average before and after it (the cores are shared: a ratio means little when
    the two steps ran at different loads)."""
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    if out.returncode != 0:
        raise SystemExit(f"step {args[0]} failed:\n{out.stderr[-3000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data.setdefault("wall", time.perf_counter() - start)
    data["loadavg"] = f"{load_before:.1f}-{os.getloadavg()[0]:.1f}"
    return data


# ---- steps, each run in a child process --------------------------------------------------------------


def _folders(listing: str) -> list[Path]:
    return [Path(p) for p in Path(listing).read_text(encoding="utf-8").splitlines() if p]


def step_prepare(store_dir: str, registry_csv: str) -> dict:
    """A govcat store with the bundled registries and vocabularies, and the generated organisation registry
    loaded as `govcat registry load organisations` loads it (not timed: it is the state a province store
    is in before submissions arrive)."""
    from govcat import registry
    from govcat.store import CatalogStore

    store = CatalogStore.open(store_dir, BASE)
    registry.load(store, "organisations", registry_csv)
    store.flush()
    return {"quads": len(store.ox), "peak_mib": _own_peak_mib()}


def step_check(store_dir: str, listing: str) -> dict:
    from govcat.loaders.template import read_batch
    from govcat.store import CatalogStore

    store = CatalogStore.open(store_dir, BASE)
    start = time.perf_counter()
    subs = read_batch(_folders(listing), store, keep_triples=False)
    seconds = time.perf_counter() - start
    errors = [str(e) for s in subs for e in s.errors]
    if errors:
        raise SystemExit("the generated submissions do not pass the checks:\n" + "\n".join(errors[:20]))
    return {"seconds": seconds, "triples": sum(s.triple_count for s in subs), "peak_mib": _own_peak_mib()}


def _catalog_graphs(store) -> list[str]:
    prefix = store.iris.catalog_graph("")
    return [g for g in store.named_graphs() if g.startswith(prefix) and "/" not in g[len(prefix):]]


def _count_catalog_triples(store) -> int:
    """Triples in the department catalog graphs, counted by Oxigraph in one pass (not timed)."""
    import pyoxigraph as ox

    catalogs = set(_catalog_graphs(store))
    counts = store.ox.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return sum(int(row["n"].value) for row in counts if isinstance(row["g"], ox.NamedNode) and row["g"].value in catalogs)


def step_load(store_dir: str, listing: str) -> dict:
    from govcat.loaders.template import load_submissions
    from govcat.store import CatalogStore

    from govcat import hooks

    store = CatalogStore.open(store_dir, BASE)
    # The hook (the public projection's refresh) is timed on its own as well: it writes the public store,
    # not the catalog store the baseline is compared with.
    refresh, hook = hooks.catalog_changed, {"seconds": 0.0}

    def timed_hook(*args, **kwargs):
        if os.environ.get("GOVCAT_BENCH_NO_HOOK"):
            return  # --no-hook: the projection is not refreshed (its time is not the write's)
        t = time.perf_counter()
        refresh(*args, **kwargs)
        hook["seconds"] += time.perf_counter() - t

    hooks.catalog_changed = timed_hook
    start = time.perf_counter()
    subs = load_submissions(_folders(listing), store)
    seconds = time.perf_counter() - start
    triples = _count_catalog_triples(store)
    return {"seconds": seconds, "hook_seconds": hook["seconds"], "triples": triples, "departments": len(subs),
            "resources": sum(s.resources for s in subs), "items": sum(s.items for s in subs),
            "warnings": sum(len(s.warnings) for s in subs), "peak_mib": _own_peak_mib()}


def step_project(store_dir: str, public_dir: str) -> dict:
    from govcat import config, hooks
    from govcat.store import CatalogStore

    os.environ["GOVCAT_PUBLIC_STORE"] = public_dir
    store = CatalogStore.open(store_dir, BASE)
    departments = [g.rsplit("/", 1)[-1] for g in _catalog_graphs(store)]
    start = time.perf_counter()
    hooks.catalog_changed(store, departments, config.load())
    return {"seconds": time.perf_counter() - start, "peak_mib": _own_peak_mib()}


def step_dump(store_dir: str, nq: str) -> dict:
    """The loaded catalog graphs as one N-Quads file (the bulk load's input; not part of either timing)."""
    import pyoxigraph as ox

    from govcat.store import CatalogStore

    store = CatalogStore.open(store_dir, BASE)
    quads = 0
    with open(nq, "wb") as fh:
        for g in _catalog_graphs(store):
            # Serialized by Oxigraph (a Python object per quad took 15 minutes at 300,000 resources). A
            # graph's dump is N-Triples; each statement ends in " .\n", which cannot occur inside a term
            # (line breaks in literals are escaped), so the graph name goes in before it.
            text = store.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g))
            quads += text.count(b"\n")
            fh.write(text.replace(b" .\n", f" <{g}> .\n".encode()))
    return {"quads": quads, "peak_mib": _own_peak_mib()}


def step_bulk(store_dir: str, nq: str) -> dict:
    import pyoxigraph as ox

    store = ox.Store(store_dir)
    start = time.perf_counter()
    store.bulk_load(path=nq, format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "triples": len(store), "peak_mib": _own_peak_mib()}


# ---- the table ---------------------------------------------------------------------------------------


def run_size(size: int, work: Path, *, seed: int = 329, no_hook: bool = False, keep: bool = False) -> dict:
    from govcat.generator import generate

    gen_dir = work / f"submissions-{size}"
    t = time.perf_counter()
    summary = generate(gen_dir, size, seed)
    gen_s = time.perf_counter() - t
    listing = work / f"folders-{size}.txt"
    listing.write_text("\n".join(str(gen_dir / f) for f in summary.folders), encoding="utf-8")
    store_dir, bulk_dir, nq = work / f"store-{size}", work / f"bulk-{size}", work / f"catalog-{size}.nq"
    _child(["prepare", str(store_dir), str(gen_dir / "organisations.csv")])
    check = _child(["check", str(store_dir), str(listing)])
    load_env = {"GOVCAT_PUBLIC_STORE": str(work / f"public-{size}")}
    if no_hook:
        load_env["GOVCAT_BENCH_NO_HOOK"] = "1"
    load = _child(["load", str(store_dir), str(listing)], env=load_env)
    project = ({"seconds": float("nan"), "peak_mib": float("nan"), "loadavg": "-"} if no_hook
               else _child(["project", str(store_dir), str(work / f"public2-{size}")]))
    dump = _child(["dump", str(store_dir), str(nq)])
    bulk = _child(["bulk", str(bulk_dir), str(nq)])
    if bulk["triples"] != load["triples"] or dump["quads"] != load["triples"]:
        raise SystemExit(f"the bulk load has {bulk['triples']} triples, the loader's graphs {load['triples']}")
    row = {"size": size, "departments": load["departments"], "resources": load["resources"], "items": load["items"],
           "generate_s": gen_s, "triples": load["triples"], "warnings": load["warnings"],
           "check_s": check["seconds"], "check_mib": check["peak_mib"],
           "load_s": load["seconds"], "load_mib": load["peak_mib"], "hook_s": load["hook_seconds"],
           "write_s": load["seconds"] - load["hook_seconds"],
           "project_s": project["seconds"], "project_mib": project["peak_mib"],
           "bulk_s": bulk["seconds"], "bulk_mib": bulk["peak_mib"],
           "loadavg": {"check": check["loadavg"], "load": load["loadavg"], "project": project["loadavg"],
                       "bulk": bulk["loadavg"]},
           "load_per_bulk": load["seconds"] / bulk["seconds"],
           "write_per_bulk": (load["seconds"] - load["hook_seconds"]) / bulk["seconds"], "check_per_bulk": check["seconds"] / bulk["seconds"]}
    # --keep leaves the loaded catalog store for other benchmarks (bench/validate.py validate STORE fast)
    for p in ((bulk_dir, gen_dir) if keep else (store_dir, bulk_dir, gen_dir)) + (work / f"public-{size}",
                                                                                   work / f"public2-{size}"):
        # with the stores' sibling folders (archive, the public stores' versions)
        for q in (p, *p.parent.glob(p.name + ".*")):
            shutil.rmtree(q, ignore_errors=True)
    nq.unlink(missing_ok=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--work", default=None, help="working directory (default: a temporary one)")
    ap.add_argument("--seed", type=int, default=329, help="the generator's seed (the same seed, the same input)")
    ap.add_argument("--no-hook", action="store_true",
                    help="load without refreshing the public projection, and skip the projection step")
    ap.add_argument("--keep", action="store_true",
                    help="keep the loaded catalog store (WORK/store-N) to validate it afterwards")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="govcat-bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        t = time.perf_counter()
        row = run_size(size, work, seed=args.seed, no_hook=args.no_hook, keep=args.keep)
        row["total_s"] = time.perf_counter() - t
        rows.append(row)
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
    print()
    print(_table(rows))


def _table(rows: list[dict]) -> str:
    head = ("resources | items | triples | check s (MiB) | load s (MiB) | of which hook s | without hook s | "
            "projection alone s | bulk load s (MiB) | load/bulk | without hook/bulk | check/bulk")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['size']:>9,} | {r['items']:,} | {r['triples']:,} | {r['check_s']:.1f} ({r['check_mib']:.0f}) | "
            f"{r['load_s']:.1f} ({r['load_mib']:.0f}) | {r['hook_s']:.1f} | {r['write_s']:.1f} | {r['project_s']:.1f} | "
            f"{r['bulk_s']:.1f} ({r['bulk_mib']:.0f}) | {r['load_per_bulk']:.2f}× | {r['write_per_bulk']:.2f}× | "
            f"{r['check_per_bulk']:.2f}×"
        )
    return "\n".join(lines)


STEPS = {"prepare": step_prepare, "check": step_check, "load": step_load, "project": step_project,
         "dump": step_dump, "bulk": step_bulk}

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in STEPS:
        print(json.dumps(STEPS[sys.argv[1]](*sys.argv[2:])))
    else:
        main()
