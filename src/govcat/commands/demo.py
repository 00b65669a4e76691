"""``govcat demo``: the main job on the embedded default."""

from __future__ import annotations

import click

from govcat.cli import Context, pass_ctx

COMMANDS = ("demo",)


@click.command()
@click.option("--host", help="Host to serve on (setting GOVCAT_HOST).")
@click.option("--port", type=int, help="Port to serve on (setting GOVCAT_PORT).")
@click.option("--no-serve", is_flag=True, help="Stop after loading and checking; do not start the server.")
@pass_ctx
def demo(ctx: Context, host: str | None, port: int | None, no_serve: bool) -> None:
    """Open the store, load the registries and the sample catalog, check it, and serve it."""
    cfg = ctx.config.replace(host=host, port=port)
    store = ctx.store()
    graphs = store.named_graphs()
    click.echo(f"存储 / store: {cfg.store_path} ({len(graphs)} 个命名图 / named graphs)")
    click.echo("试试 / try:  govcat query 'SELECT ?scheme (COUNT(?c) AS ?n) WHERE { ?c skos:inScheme ?scheme } GROUP BY ?scheme'")
