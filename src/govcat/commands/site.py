"""``govcat site build OUT``: the static open-data site from the public projection."""

from __future__ import annotations

from pathlib import Path

import click

from govcat.cli import Context, pass_ctx

COMMANDS = ("site",)


@click.group()
def site() -> None:
    """The static open-data site (HTML in zh and en, DCAT-AP 3 for harvesters, offline search)."""


@site.command("build")
@click.argument("out", required=False, type=click.Path(file_okay=False))
@click.option("--full", is_flag=True, help="Rebuild every file, ignoring the previous build.")
@click.option("--workers", type=int, help="Processes to render with (default: all cores).")
@click.option("--public-store", "public", is_flag=True,
              help="Build from the public store (setting GOVCAT_PUBLIC_STORE) instead of projecting the store now.")
@pass_ctx
def build(ctx: Context, out: str | None, full: bool, workers: int | None, public: bool) -> None:
    """Build the site into OUT (default: the site_dir setting); only changed pages are rewritten."""
    from govcat.site.build import build_site

    target = Path(out or ctx.config.site_dir)
    source = ctx.config.public_store_path if public else ctx.store()
    report = build_site(source, target, base=ctx.config.base_iri, workers=workers, full=full)
    click.echo(
        f"站点已生成 / site built in {target}: {report.datasets} 个数据集 / datasets, {report.pages} 个页面 / pages, "
        f"{len(report.written)} 个文件已写入 / files written, {report.unchanged} 个未变 / unchanged, "
        f"{len(report.removed)} 个已删除 / removed ({report.seconds:.1f} s)"
    )
