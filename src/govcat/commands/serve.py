"""``govcat serve`` (the SPARQL endpoints) and ``govcat token create|list|revoke`` (department tokens)."""

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
    from govcat.api.supervisor import serve as _serve

    cfg = ctx.config.replace(host=host, port=port)
    click.echo(f"govcat: http://{cfg.host}:{cfg.port}/sparql (公开 / public), /gov/sparql (政务 / government)")
    _serve(cfg, cfg.host, cfg.port)


@click.group()
def token() -> None:
    """Department tokens for the government endpoint /gov/sparql."""


@token.command("create")
@click.option("--department", required=True, metavar="USCC", help="The department's unified social credit code.")
@click.option(
    "--expires-in", "expires_in", type=click.FloatRange(min=0, min_open=True), metavar="DAYS",
    help="Days until the token expires (default 365; fractions allowed).",
)
@pass_ctx
def create(ctx: Context, department: str, expires_in: float | None) -> None:
    """Issue a token to a department (it must be in the organisation registry); printed once, stored hashed.
    It expires after --expires-in days (default 365)."""
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
    days = tokens.DEFAULT_EXPIRES_DAYS if expires_in is None else expires_in
    value = tokens.create_token(store, cfg.store_path, department, days)
    info = tokens.verify(cfg.store_path, value)
    click.echo(value)
    click.echo(
        f"以上令牌只显示这一次，已为 {info.department} 保存其哈希；编号 {info.token_id}，{info.expires} 过期 / the token "
        f"above is shown only once; its hash is kept for {info.department} in {tokens.token_file(cfg.store_path)}; "
        f"id {info.token_id}, expires {info.expires}",
        err=True,
    )


@token.command("list")
@pass_ctx
def list_(ctx: Context) -> None:
    """List the tokens (id, department, created, expires, status); never the tokens themselves."""
    from govcat import tokens

    rows = tokens.list_tokens(ctx.config.store_path)
    click.echo("id\tdepartment\tcreated\texpires\tstatus")
    for t in rows:
        status = t.status()
        if status == "revoked":
            status += f" {t.revoked}"
        click.echo(f"{t.token_id}\t{t.department}\t{t.created}\t{t.expires or 'never'}\t{status}")


@token.command("revoke")
@click.argument("which", metavar="TOKEN-ID-or-USCC")
@pass_ctx
def revoke(ctx: Context, which: str) -> None:
    """Revoke one token (by the id `govcat token list` shows) or every token of a department (by USCC).
    The endpoint refuses a revoked token at once."""
    from govcat import tokens

    done = tokens.revoke(ctx.config.store_path, which)
    for t in done:
        click.echo(f"已吊销 / revoked {t.token_id} ({t.department})")
    if not done:
        click.echo(f"{which} 的令牌均已吊销 / the tokens of {which} were already revoked")
