"""Commands for the store itself: init, settings, query."""

from __future__ import annotations

import sys

import click

from govcat import config as _config
from govcat.cli import pass_ctx, Context
from govcat.results import RESULT_FORMATS, render

COMMANDS = ("init", "settings", "query")


@click.command()
@click.option("--force", is_flag=True, help="Reload the ontology, vocabularies and registries even if present.")
@pass_ctx
def init(ctx: Context, force: bool) -> None:
    """Create the store (if needed) and load the ontology, vocabularies and bundled registries."""
    from govcat.bootstrap import initialise
    from govcat.store import CatalogStore

    cfg = ctx.config
    store = CatalogStore.open(cfg.store_path, cfg.base_iri, initialise=False)
    if force or not store.is_initialised():
        initialise(store)
        click.echo(f"已初始化存储 / initialised the store at {cfg.store_path}")
    else:
        click.echo(f"存储已是最新 / the store at {cfg.store_path} is already initialised (use --force to reload)")
    graphs = store.named_graphs()
    click.echo(f"{len(graphs)} 个命名图 / named graphs")


@click.command()
@pass_ctx
def settings(ctx: Context) -> None:
    """List every setting: its environment variable, current value and help."""
    for s in _config.SETTINGS:
        click.echo(f"{s.env:32} = {ctx.config.values[s.name]!s:40}  {s.help}")


@click.command()
@click.argument("sparql", required=False)
@click.option("--file", "-f", "path", type=click.Path(exists=True, dir_okay=False), help="Read the query from a file.")
@click.option(
    "--format", "fmt", type=click.Choice(RESULT_FORMATS), default="table", show_default=True,
    help="Output format: table, json, csv, tsv or xml for SELECT/ASK; turtle or ntriples for CONSTRUCT/DESCRIBE.",
)
@click.option("--graph", "graphs", multiple=True, metavar="IRI", help="Query only these named graphs as the default graph.")
@pass_ctx
def query(ctx: Context, sparql: str | None, path: str | None, fmt: str, graphs: tuple[str, ...]) -> None:
    """Run a SPARQL query on the store (SELECT, ASK, CONSTRUCT or DESCRIBE).

    The default graph is the union of all graphs. Common prefixes (dcat, dct, gc, skos, …) are predeclared.
    Use '-' to read the query from standard input.
    """
    import pyoxigraph as ox

    from govcat.ns import PREFIXES

    if path:
        with open(path, encoding="utf-8") as fh:
            sparql = fh.read()
    elif sparql in (None, "-"):
        sparql = sys.stdin.read()
    store = ctx.store()
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    kwargs = {"prefixes": prefixes}
    if graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in graphs]
        result = store.query(sparql, use_default_graph_as_union=False, **kwargs)
    else:
        result = store.query(sparql, **kwargs)
    click.echo(render(result, fmt, prefixes))
