"""``govcat demo``: the main job on the embedded default store and the bundled sample catalog."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
import pyoxigraph as ox

from govcat.cli import Context, pass_ctx

COMMANDS = ("demo",)

_SAMPLE_HASH = "https://w3id.org/govcat/ns#sampleDigest"


def sample_digest(paths: list[Path]) -> str:
    """A digest of the sample's files, so an unchanged sample is not loaded twice."""
    h = hashlib.sha256()
    for p in paths:
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            h.update(f.name.encode("utf-8"))
            h.update(f.read_bytes())
    return h.hexdigest()


def _loaded_digest(store) -> str | None:
    rows = store.select(
        "SELECT ?g ?d WHERE { GRAPH ?g { ?s <" + _SAMPLE_HASH + "> ?d } }",
        substitutions={"g": ox.NamedNode(store.meta_graph)},
    )
    return rows[0]["d"] if rows else None


def _remember_digest(store, digest: str) -> None:
    store.update("DELETE WHERE { GRAPH <%s> { ?s <%s> ?d } }" % (store.meta_graph, _SAMPLE_HASH))
    store.add_to_graph(
        store.meta_graph,
        [ox.Triple(ox.NamedNode(store.iris.base + "store"), ox.NamedNode(_SAMPLE_HASH), ox.Literal(digest))],
    )


@click.command()
@click.option("--host", help="Host to serve on (setting GOVCAT_HOST).")
@click.option("--port", type=int, help="Port to serve on (setting GOVCAT_PORT).")
@click.option("--engine", default="fast", show_default=True, help="Validation engine: fast or pyshacl.")
@click.option("--reload", is_flag=True, help="Load the sample catalog again even if it is already in the store.")
@click.option("--no-serve", is_flag=True, help="Stop after loading, checking and building the site.")
@pass_ctx
def demo(ctx: Context, host: str | None, port: int | None, engine: str, reload: bool, no_serve: bool) -> None:
    """Load the registries and the sample catalog, check it against the Measures, build the open-data site
    and serve everything at http://127.0.0.1:8000/ (the SPARQL endpoints, the query page and the site)."""
    from govcat import hooks, validation
    from govcat.loaders.template import load_submissions
    from govcat.sample import submissions
    from govcat.site.build import build_site

    cfg = ctx.config.replace(host=host, port=port)
    store = ctx.store()
    click.echo(f"1. 存储 / store: {cfg.store_path} — 本体、词表和登记册已就绪 / ontology, vocabularies and registries ready")

    paths = submissions()
    digest = sample_digest(paths)
    if reload or _loaded_digest(store) != digest:
        subs = load_submissions(paths, store)
        _remember_digest(store, digest)
        resources = sum(s.resources for s in subs)
        click.echo(f"2. 样例目录 / sample catalog: {len(subs)} 个部门 / departments, {resources} 个信息资源 / resources")
    else:
        click.echo("2. 样例目录已在存储中 / the sample catalog is already in the store (use --reload to load it again)")
        hooks.catalog_changed(store, [], cfg)

    summary = validation.check_store(store, engine=engine)
    click.echo(
        "3. 校验 / check ({engine}, {as_of}): {v} 违规 / violations, {w} 警告 / warnings, {i} 提示 / infos; "
        "报告 / report graph {graph}".format(
            engine=engine, as_of=summary.get("as_of"), v=summary.get("violations", 0),
            w=summary.get("warnings", 0), i=summary.get("infos", 0), graph=summary.get("graph"),
        )
    )

    site_dir = Path(cfg.site_dir)
    built = build_site(cfg.public_store_path, site_dir, base=cfg.base_iri)
    click.echo(f"4. 开放数据网站 / open-data site: {site_dir} ({built.datasets} 个开放数据集 / open datasets)")

    base = f"http://{cfg.host}:{cfg.port}"
    click.echo("")
    click.echo(f"   网站 / site:                 {base}/")
    click.echo(f"   公开 SPARQL / public SPARQL: {base}/sparql")
    click.echo(f"   政务 SPARQL / government:    {base}/gov/sparql  (govcat token create --department USCC)")
    click.echo("   命令行 / command line:       govcat validate --format text; govcat query 'SELECT …'")
    if no_serve:
        return
    from govcat.api.supervisor import serve

    # The server process opens the store read-write itself: this process lets go of it first.
    del store
    ctx.close()
    serve(cfg, cfg.host, cfg.port)
