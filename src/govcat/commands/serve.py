"""``govcat serve`` (the SPARQL endpoints) and ``govcat token create`` (department tokens)."""

from __future__ import annotations

import click

from govcat.cli import Context, pass_ctx

COMMANDS = ("serve", "token")


@click.command()
@click.option("--host", help="Host to listen on (setting GOVCAT_HOST).")
@click.option("--port", type=int, help="Port to listen on (setting GOVCAT_PORT).")
@pass_ctx
def serve(ctx: Context, host: str | None, port: int | None) -> None:
    """Serve the public endpoint /sparql, the government endpoint /gov/sparql and the query page."""
    from govcat.api.app import serve as _serve

    cfg = ctx.config.replace(host=host, port=port)
    click.echo(f"govcat: http://{cfg.host}:{cfg.port}/sparql (公开 / public), /gov/sparql (政务 / government)")
    _serve(cfg, cfg.host, cfg.port)


@click.group()
def token() -> None:
    """Department tokens for the government endpoint /gov/sparql."""


@token.command("create")
@click.option("--department", required=True, metavar="USCC", help="The department's unified social credit code.")
@pass_ctx
def create(ctx: Context, department: str) -> None:
    """Issue a token to a department (it must be in the organisation registry); printed once, stored hashed."""
    from govcat import tokens
    from govcat.errors import StoreError

    cfg = ctx.config
    try:
        store = ctx.store()
    except (StoreError, OSError):
        # A running server holds the write lock; the registry can still be read.
        import pyoxigraph as ox

        from govcat.iris import Iris
        from govcat.store import CatalogStore

        try:
            store = CatalogStore(ox.Store.read_only(str(cfg.store_path)), Iris(cfg.base_iri), cfg.store_path)
        except OSError as exc:
            raise StoreError(f"无法打开存储 {cfg.store_path} / cannot open the store at {cfg.store_path}: {exc}") from exc
    value = tokens.create_token(store, cfg.store_path, department)
    click.echo(value)
    click.echo(
        f"以上令牌只显示这一次，已为 {department.strip().upper()} 保存其哈希 / the token above is shown only once; "
        f"its hash is kept for {department.strip().upper()} in {tokens.token_file(cfg.store_path)}",
        err=True,
    )
