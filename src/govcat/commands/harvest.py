"""``govcat harvest``: bring another portal's DCAT catalog into the store as a catalog of its own."""

from __future__ import annotations

import json

import click

from govcat.cli import Context, pass_ctx

COMMANDS = ("harvest",)


@click.command()
@click.argument("source")
@click.option("--department", metavar="USCC", help="Load into this registered department's catalog graph.")
@click.option("--name", metavar="SLUG", help="Name of the harvested catalog's graph (default: from the source).")
@click.option("--max-pages", type=click.IntRange(min=1), default=1000, show_default=True, help="Most Hydra pages to read.")
@click.option(
    "--mirror", "mirrors", multiple=True, metavar="URL=DIR",
    help="Read pages under URL from DIR (or another URL) instead, e.g. a site built but not yet published.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_ctx
def harvest(
    ctx: Context, source: str, department: str | None, name: str | None, max_pages: int, mirrors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Harvest a DCAT / DCAT-AP catalog from SOURCE (a file or an http(s) URL), following Hydra pages.

    Any RDF syntax (Turtle, RDF/XML, JSON-LD, N-Triples, TriG). The catalog replaces its previous
    harvest atomically (the old one is kept as history); what cannot be mapped is kept and reported.
    """
    from govcat.loaders.dcat import harvest as run

    pairs = {}
    for item in mirrors:
        url, sep, where = item.partition("=")
        if not sep or not url or not where:
            raise click.BadParameter(f"expected URL=DIR, got {item!r}", param_hint="--mirror")
        pairs[url] = where
    result = run(ctx.store(), source, department=department, name=name, max_pages=max_pages, mirrors=pairs)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"已采集 / harvested {result.source}")
    click.echo(f"  页 / pages: {len(result.pages)}")
    click.echo(f"  目录 / catalog: {result.catalog}")
    click.echo(f"  命名图 / graph: {result.graph} ({result.triples} 个三元组 / triples)")
    if result.history:
        click.echo(f"  旧版本 / previous version: {result.history}")
    click.echo(f"  数据集 / datasets: {len(result.datasets)}; 分发 / distributions: {result.distributions}")
    if result.derived_codes:
        click.echo(f"  生成的资源代码 / derived resource codes: {len(result.derived_codes)}")
    for note in result.notes:
        click.echo(f"  注意 / note: {note}")
    if result.mapped:
        click.echo("已映射 / mapped:")
        for (prop, concept), n in sorted(result.mapped.items()):
            click.echo(f"  {n:6}  {_short(prop)} {_short(concept)}")
    if result.publishers:
        click.echo("发布机构 / publishers:")
        for org, n in sorted(result.publishers.items()):
            click.echo(f"  {n:6}  {org}")
    if result.unmapped_properties or result.unmapped_values:
        click.echo("未映射（已保留）/ not mapped (kept as they are):")
        for prop, rep in sorted(result.unmapped_properties.items(), key=lambda kv: (-kv[1].count, kv[0])):
            click.echo(f"  {rep.count:6}  {_short(prop)}    e.g. {rep.examples[0]}")
        for prop, values in sorted(result.unmapped_values.items()):
            for value, n in values.most_common():
                click.echo(f"  {n:6}  {_short(prop)} = {value}")
    else:
        click.echo("全部已映射 / everything was mapped")


def _short(iri: str) -> str:
    from govcat.ns import PREFIXES

    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    return f"<{iri}>"
