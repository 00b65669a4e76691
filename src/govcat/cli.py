"""The ``govcat`` command line. Exit codes: 0 success, 1 the catalog breaks the Measures
(``validate``), 2 bad input or usage. Only this module turns errors into exit codes."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

import click

from govcat import __version__
from govcat import config as _config
from govcat.errors import CatalogError, LoadErrors

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2


class Context:
    """What every command gets: the resolved settings, with command-line overrides applied."""

    def __init__(self, cfg: _config.Config) -> None:
        self.config = cfg
        self._store: Any = None

    def store(self):  # -> CatalogStore; imported lazily so --help stays fast
        if self._store is None:
            from govcat.store import open_store

            self._store = open_store(self.config)
        return self._store

    def close(self) -> None:
        """Flush and release the store, so that the next command (or process) can open it."""
        if self._store is not None:
            import gc

            self._store.flush()
            self._store = None
            gc.collect()  # Oxigraph releases its lock when the store object is freed


pass_ctx = click.make_pass_decorator(Context)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LoadErrors as exc:
            click.echo(str(exc), err=True)
            click.echo(f"{exc.zh} / {exc.en}", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except CatalogError as exc:
            click.echo(f"错误 / error: {exc}", err=True)
            ctx.exit(EXIT_BAD_INPUT)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govcat")
@click.option("--store", "store", metavar="DIR", help="Store directory (setting GOVCAT_STORE).")
@click.option("--base-iri", metavar="IRI", help="Base IRI (setting GOVCAT_BASE_IRI).")
@click.pass_context
def cli(ctx: click.Context, store: str | None, base_iri: str | None) -> None:
    """govcat: the government data catalog of the Shandong Measures (Order No. 329).

    Settings come from the environment (GOVCAT_*), from govcat.toml, or their defaults;
    `govcat settings` lists them.
    """
    try:
        cfg = _config.load().replace(store=store, base_iri=base_iri)
    except CatalogError as exc:
        click.echo(f"错误 / error: {exc}", err=True)
        ctx.exit(EXIT_BAD_INPUT)
    ctx.obj = Context(cfg)
    ctx.call_on_close(ctx.obj.close)


def _register_commands() -> None:
    from govcat import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"govcat.commands.{info.name}")
        for name in getattr(module, "COMMANDS", ()):
            cli.add_command(getattr(module, name))


_register_commands()


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="govcat")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
