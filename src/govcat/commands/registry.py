"""``govcat registry``: load and list the registries (organisations, legal resources, data elements, calendar)."""

from __future__ import annotations

import click

from govcat.cli import Context, pass_ctx

COMMANDS = ("registry",)
_KINDS = ("organisations", "organisation-changes", "legal", "legal-amendments", "data-elements", "calendar")


@click.group()
def registry() -> None:
    """Load and list the registries. File formats: registries/README.md."""


@registry.command("load")
@click.argument("kind", type=click.Choice(_KINDS))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--no-check", is_flag=True, help="Do not re-check the catalogs the change can affect afterwards.")
@pass_ctx
def load_cmd(ctx: Context, kind: str, file: str, no_check: bool) -> None:
    """Replace the KIND registry with the UTF-8 CSV FILE, atomically.

    Every problem in FILE is reported (file, row, column) and nothing is changed if there is any
    (exit 2). organisation-changes and legal-amendments replace only the changes or amendments.
    Afterwards the catalogs the change can affect (e.g. those citing an amended law) are re-checked.
    """
    from govcat import registry as _registry

    store = ctx.store()
    written = _registry.load(store, kind, file)
    for graph, n in written.items():
        click.echo(f"已替换 / replaced {graph}: {n} 个三元组 / triples")
    if not no_check:
        from govcat.validation.recheck import lines, recheck

        done = recheck(store, list(written))
        # every department the change reaches gets its messages: none of them submitted anything
        for text in lines(done, {r.department for r in done.report.results if r.department}, ctx.config.lang):
            click.echo(text)


@registry.command("list")
@click.argument("kind", type=click.Choice(_KINDS))
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "tsv", "json")), default="table", show_default=True)
@pass_ctx
def list_cmd(ctx: Context, kind: str, fmt: str) -> None:
    """Print the KIND registry as loaded in the store (the calendar lists its holidays and adjusted days)."""
    from govcat import registry as _registry
    from govcat.ns import PREFIXES
    from govcat.results import render

    result = _registry.list_registry(ctx.store(), kind)
    click.echo(render(result, fmt, {k: str(v) for k, v in PREFIXES.items()}))
