"""Building the static open-data site from the public projection.

``build_site(source, out)`` renders every page (Chinese at the root, English under ``en/``), the
DCAT-AP 3 files, the search index, ``sitemap.xml`` and ``robots.txt``. Builds are incremental: each
output is keyed by a hash of everything it shows, kept in ``out/.govcat-build.json``; only outputs whose
key changed are written, and outputs no longer produced are removed.

Dataset pages, listings, the dataset RDF files and the catalog's Hydra pages are keyed by per-dataset
fingerprints (``dcat_export.closure_hash``: the dataset's triples and those of what it links to, such as
its publisher and vocabulary terms; each computed in the worker that first needs it) plus what the page shows of other datasets (lineage neighbours'
titles), so their keys are known before their contexts: only pages whose key changed get a context, a
render and a write. The few site-wide pages are keyed by their context. Pages are rendered by all cores
(forked workers share the read-only data).
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from govcat.site import dcat_export, search_index
from govcat.site.data import SiteData, read, triples_of
from govcat.site.pages import PAGE_SIZE, Groups, context, page_file, pick

SITE_DIR = Path(__file__).parent
TEMPLATES = SITE_DIR / "templates"
STATIC = SITE_DIR / "static"
MANIFEST = ".govcat-build.json"
CATALOG_PAGE_SIZE = 100
SITEMAP_URLS = 40000
CHUNK = 200  # jobs a worker takes at a time
LANGS = ("zh", "en")


@dataclass
class BuildReport:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    pages: int = 0
    datasets: int = 0
    seconds: float = 0.0


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "svg"]),
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["pick"] = pick
    return env


def messages() -> dict[str, dict[str, str]]:
    return json.loads((SITE_DIR / "messages.json").read_text(encoding="utf-8"))


def _site_version() -> str:
    h = hashlib.sha256()
    for p in sorted([*TEMPLATES.iterdir(), SITE_DIR / "messages.json"]):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


# State shared with forked workers (read-only after fork).
_S: dict[str, Any] = {}


def _digest(*parts: str) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


def _write(out: Path, rel: str, body: bytes) -> None:
    # Plain os calls on string paths: a page is written with open, write and close (Path.write_bytes
    # adds fstat, ioctl and lseek, and the Path objects cost as much again); one mkdir per folder.
    path = f"{out}/{rel}"
    folder = path.rpartition("/")[0]
    made = _S.setdefault("folders", set())
    if folder not in made:
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        made.add(folder)
    fd = os.open(path, _WRITE_FLAGS, 0o666)
    try:
        view = memoryview(body)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _page_key(spec: tuple) -> str | None:
    """The key of a dataset or listing page from fingerprints, without its context (None for others)."""
    kind, key, lang = spec
    data: SiteData = _S["data"]
    fp = _fingerprint
    if kind == "dataset":
        d = data.datasets[data.by_slug[key]]
        # What the page shows of other datasets: the titles of those it links to by lineage.
        links = [d["derived_from"], _S["downstream"].get(key, []), d["related"]]
        titles = [[(s, data.datasets[data.by_slug[s]]["title"]) for s in group if s in data.by_slug] for group in links]
        return _digest(_S["version"], _S["site_key"], repr(spec), fp(key), _json(titles))
    if kind == "listing":
        groups: Groups = _S["groups"]
        group, k, n = key
        members = groups.members[group][k]
        page = [fp(data.datasets[i]["slug"]) for i in members[(n - 1) * PAGE_SIZE:n * PAGE_SIZE]]
        return _digest(_S["version"], _S["site_key"], repr(spec), _json(groups.labels[group][k]), str(len(members)), *page)
    return None


# Pages a worker takes through each stage together (see ``_html_jobs``).
STAGE_BATCH = 64


def _html_jobs(specs: list[tuple]) -> list[tuple[str, str, bool]]:
    """Build the pages ``specs``: the keys and contexts of a batch, then their renders, then their writes.

    Stage by stage, not page by page: a page's write (the kernel creating and filling a file) between two
    renders left the next render with cold caches. At 100,000 dataset pages on 2 cores the workers' CPU
    per page fell from 1.21-1.31 ms to 0.91-1.10 ms, for the same files (docs/performance.md, Site build)."""
    out: list[tuple[str, str, bool]] = []
    for i in range(0, len(specs), STAGE_BATCH):
        todo: list[tuple[str, str, str, dict[str, Any]]] = []
        for spec in specs[i:i + STAGE_BATCH]:
            rel = page_file(spec)
            key = _page_key(spec)
            if key is not None and _unchanged(rel, key):
                out.append((rel, key, False))
                continue
            template, ctx = context(spec, _S["data"], _S["groups"], _S["downstream"], _S["messages"])
            if key is None:
                key = _digest(_S["version"], template, _json(ctx))
                if _unchanged(rel, key):
                    out.append((rel, key, False))
                    continue
            todo.append((rel, key, template, ctx))
        bodies = [_template(template).render(**ctx).encode("utf-8") for _, _, template, ctx in todo]
        for (rel, key, _, _), body in zip(todo, bodies):
            _write(_S["out"], rel, body)
            out.append((rel, key, True))
    return out


def _unchanged(rel: str, key: str) -> bool:
    return _S["old"].get(rel) == key and (_S["out"] / rel).exists()


def _template(name: str) -> jinja2.Template:
    # Looked up once per worker: Environment.get_template stats the file on every call to see if it changed.
    cache = _S.setdefault("templates", {})
    if name not in cache:
        cache[name] = _S["env"].get_template(name)
    return cache[name]


def _rdf_outputs(key: str, rels: list[str], triples_fn) -> list[tuple[str, str, bool]]:
    """Write the RDF files ``rels`` (one per syntax) of one graph, if its triples changed."""
    out = _S["out"]
    if all(_unchanged(r, key) for r in rels):
        return [(r, key, False) for r in rels]
    triples = triples_fn()
    for r in rels:
        _write(out, r, dcat_export.serialize(triples, r.rsplit(".", 1)[1]))
    return [(r, key, True) for r in rels]


def _dataset_rdf_job(slug: str) -> list[tuple[str, str, bool]]:
    data: SiteData = _S["data"]
    iri = data.datasets[data.by_slug[slug]]["iri"]
    key = _digest("rdf", data.base, _fingerprint(slug))
    return _rdf_outputs(key, [f"dataset/{slug}.{ext}" for ext in dcat_export.FORMATS],
                        lambda: dcat_export.dataset_triples(data.index, iri, _closures(), data.base + "dataset/"))  # type: ignore[attr-defined]


def _catalog_job(page: int) -> list[tuple[str, str, bool]]:
    data: SiteData = _S["data"]
    per = _S["per_page"]
    iris = [d["iri"] for d in data.datasets]
    pages = max(1, -(-len(iris) // per))
    chunk = iris[(page - 1) * per:page * per]
    fps = [_fingerprint(d["slug"]) for d in data.datasets[(page - 1) * per:page * per]]
    key = _digest("catalog", data.base, _S["catalog_key"], str(page), str(pages), str(len(iris)), str(per), *chunk, *fps)
    return _rdf_outputs(key, [dcat_export.page_path(page, ext) for ext in dcat_export.FORMATS],
                        lambda: dcat_export.catalog_page_triples(
                            data.index, data.catalog["iri"], chunk, page, pages, len(iris), per, data.base,  # type: ignore[attr-defined]
                            _closures()))


def _closures() -> dict:
    """This process's memo of the closures of shared nodes (publishers, vocabulary terms)."""
    return _S.setdefault("closures", {})


def _fingerprint(slug: str) -> str:
    """The fingerprint of a dataset's projection (what its RDF file holds), computed in the worker that
    first needs it and kept there with its memo of shared nodes: no pass over all datasets before the
    pages, and each dataset page needs only its own."""
    fps = _S.setdefault("fingerprints", {})
    fp = fps.get(slug)
    if fp is None:
        data: SiteData = _S["data"]
        memo = _S.setdefault("fp_memo", {})
        h = dcat_export.closure_hash(data.index, data.datasets[data.by_slug[slug]]["iri"], memo)  # type: ignore[attr-defined]
        fp = fps[slug] = format(h & (2**64 - 1), "016x")
    return fp


def _catalog_key(data: SiteData) -> str:
    """What every Hydra page holds of the catalog itself (without its list of datasets)."""
    triples = dcat_export.closure(data.index, [data.catalog["iri"]],  # type: ignore[attr-defined]
                                  skip_predicates=frozenset({dcat_export.DCAT + "dataset"}))
    return _digest(*sorted(str(t) for t in triples))


_FILE_JOBS = {"rdf": _dataset_rdf_job, "catalog": _catalog_job}


def _run_jobs(jobs: list[tuple[str, Any]]) -> list[tuple[str, str, bool]]:
    results: list[tuple[str, str, bool]] = []
    pages = [arg for kind, arg in jobs if kind == "html"]
    if pages:
        results += _html_jobs(pages)
    for kind, arg in jobs:
        if kind != "html":
            results += _FILE_JOBS[kind](arg)
    return results


def plan(data: SiteData, groups: Groups) -> list[tuple[str, Any]]:
    jobs: list[tuple[str, Any]] = []
    for lang in LANGS:
        jobs.append(("html", ("home", None, lang)))
        jobs.append(("html", ("search", None, lang)))
        jobs += [("html", ("groups", k, lang)) for k in Groups.KINDS]
        jobs += [("html", spec) for spec in groups.listing_specs(lang)]
        jobs += [("html", ("dataset", d["slug"], lang)) for d in data.datasets]
    jobs += [("rdf", d["slug"]) for d in data.datasets]
    pages = max(1, -(-len(data.datasets) // _S["per_page"]))
    jobs += [("catalog", n) for n in range(1, pages + 1)]
    return jobs


def build_site(source: Any, out: Path, *, base: str | None = None, workers: int | None = None,
               per_page: int = CATALOG_PAGE_SIZE, full: bool = False) -> BuildReport:
    """Build (or update) the site in ``out`` from a CatalogStore, a public store (or its path), or triples.

    ``base`` is the base IRI (where the site is served); by default the store's. ``full`` ignores the
    previous build. Returns what was written, removed and left unchanged.
    """
    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if base is None:
        base = getattr(getattr(source, "iris", None), "base", None)
    if base is None:
        from govcat import config

        base = config.load().base_iri
    # Millions of long-lived objects are made while reading and none is garbage: the cyclic collector's
    # passes over the growing heap took a third of the reading. Frozen afterwards, so that neither later
    # collections here nor those in the forked workers walk (and copy-on-write) them again.
    enabled = gc.isenabled()
    gc.disable()
    try:
        data = read(triples_of(source), base)
        groups = Groups(data)
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
    try:
        return _build(data, groups, out, workers, per_page, full, start)
    finally:
        gc.unfreeze()


def _build(data: SiteData, groups: Groups, out: Path, workers: int | None, per_page: int, full: bool,
           start: float) -> BuildReport:
    downstream: dict[str, list[str]] = defaultdict(list)
    for d in data.datasets:
        for up in d["derived_from"]:
            downstream[up].append(d["slug"])
    manifest_path = out / MANIFEST
    old = {} if full or not manifest_path.exists() else json.loads(manifest_path.read_text(encoding="utf-8"))
    _S.update(data=data, groups=groups, downstream=dict(downstream), messages=messages(), env=environment(),
              version=_site_version(), old=old, out=out, per_page=per_page,
              catalog_key=_catalog_key(data), site_key=_digest(data.base, _json(data.catalog["title"])))
    jobs = plan(data, groups)
    results = _execute(jobs, workers)
    report = BuildReport(datasets=len(data.datasets))
    new: dict[str, str] = {}
    for rel, key, written in results:
        new[rel] = key
        if written:
            report.written.append(rel)
        else:
            report.unchanged += 1
    report.pages = sum(1 for rel in new if rel.endswith(".html"))
    report.written += _copy_static(out)
    report.written += search_index.build(data, out)
    report.written += _sitemaps(out, data, [rel for rel in new if rel.endswith(".html")])
    for rel in sorted(set(old) - set(new)):
        path = out / rel
        if path.exists():
            path.unlink()
            report.removed.append(rel)
            _prune(path.parent, out)
    manifest_path.write_text(json.dumps(new, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    _S.clear()
    report.seconds = time.perf_counter() - start
    return report


def _execute(jobs: list[tuple[str, Any]], workers: int | None) -> list[tuple[str, str, bool]]:
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(jobs) < 400:
        return _run_jobs(jobs)
    # At most CHUNK jobs a chunk: when the jobs run out, one core idles while the other finishes its last
    # chunk, and a sixteenth of all jobs (1,250 dataset pages at 20,000) kept it idle for over a second.
    size = min(CHUNK, max(50, len(jobs) // (workers * 8)))
    chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    results: list[tuple[str, str, bool]] = []
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        for part in pool.imap_unordered(_run_jobs, chunks):
            results += part
    return results


def _copy_static(out: Path) -> list[str]:
    written = []
    for src in sorted(STATIC.iterdir()):
        dest = out / "static" / src.name
        body = src.read_bytes()
        if not dest.exists() or dest.read_bytes() != body:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            written.append(f"static/{src.name}")
    return written


def _sitemaps(out: Path, data: SiteData, pages: list[str]) -> list[str]:
    """sitemap.xml (an index of sitemaps/sitemap-N.xml, each under the 50,000-URL limit) and robots.txt."""
    urls = sorted(data.base + _url(rel) for rel in pages)
    files: dict[str, str] = {}
    parts = [urls[i:i + SITEMAP_URLS] for i in range(0, max(len(urls), 1), SITEMAP_URLS)]
    for n, part in enumerate(parts, 1):
        body = "".join(f"<url><loc>{_xml(u)}</loc></url>\n" for u in part)
        files[f"sitemaps/sitemap-{n}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + body + "</urlset>\n"
        )
    files["sitemap.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<sitemap><loc>{_xml(data.base)}sitemaps/sitemap-{n}.xml</loc></sitemap>\n" for n in range(1, len(parts) + 1))
        + "</sitemapindex>\n"
    )
    files["robots.txt"] = f"User-agent: *\nAllow: /\nSitemap: {data.base}sitemap.xml\n"
    written = []
    for rel, text in files.items():
        path = out / rel
        body = text.encode("utf-8")
        if not path.exists() or path.read_bytes() != body:
            _write(out, rel, body)
            written.append(rel)
    for stale in (out / "sitemaps").glob("sitemap-*.xml"):
        if f"sitemaps/{stale.name}" not in files:
            stale.unlink()
    return written


def _url(rel: str) -> str:
    """A page's URL from its file: a folder's index.html is served at the folder."""
    if rel == "index.html" or rel.endswith("/index.html"):
        return rel[: -len("index.html")]
    return rel


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _prune(folder: Path, out: Path) -> None:
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
