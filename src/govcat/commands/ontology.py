"""Commands for the ontology: generate its human-readable reference from the Turtle."""

from __future__ import annotations

from pathlib import Path

import click

from govcat.errors import CatalogError

COMMANDS = ("ontology",)

DEFAULT_DOC = Path("docs/ontology.md")


@click.group()
def ontology() -> None:
    """The govcat ontology, its vocabularies and the Measures (ontology/*.ttl)."""


@ontology.command("doc")
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DOC)
@click.option("--check", is_flag=True, help="Do not write; fail if OUT differs from what would be generated.")
def doc(out: Path, check: bool) -> None:
    """Write the ontology reference (Markdown) to OUT (default docs/ontology.md), or '-' for standard output."""
    from govcat import ontology_doc

    if check:
        text = ontology_doc.render()
        current = out.read_text(encoding="utf-8") if out.exists() else None
        if current != text:
            raise CatalogError(
                f"{out} 已过期，请运行 govcat ontology doc / {out} is out of date: run `govcat ontology doc {out}`",
                source=str(out),
            )
        click.echo(f"{out} 是最新的 / is up to date")
        return
    if str(out) == "-":
        click.echo(ontology_doc.render(), nl=False)
        return
    ontology_doc.write(out)
    click.echo(f"已写入 / wrote {out}")
