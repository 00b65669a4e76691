"""Commands for department submissions: ``govcat load``, ``govcat template``, ``govcat history``."""

from __future__ import annotations

from pathlib import Path

import click

from govcat.cli import Context, pass_ctx

COMMANDS = ("load", "template", "history")


def _limits(cfg, max_bytes: int | None, max_rows: int | None):
    from govcat.loaders.sheets import Limits

    return Limits(max_bytes=max_bytes or cfg.load_max_bytes, max_rows=max_rows or cfg.load_max_rows)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the submissions only; write nothing.")
@click.option("--max-bytes", type=int, help="Refuse files larger than this many bytes (setting GOVCAT_LOAD_MAX_BYTES).")
@click.option("--max-rows", type=int, help="Refuse sheets with more data rows than this (setting GOVCAT_LOAD_MAX_ROWS).")
@click.option("--no-check", is_flag=True, help="Do not re-check what the loaded catalogs can affect afterwards.")
@pass_ctx
def load(ctx: Context, paths: tuple[Path, ...], dry_run: bool, max_bytes: int | None, max_rows: int | None,
         no_check: bool) -> None:
    """Load department submissions (.xlsx workbooks or folders of CSV files) in the national template.

    All files are checked together; if any has a problem, every problem is listed, nothing is written
    and the exit status is 2. Otherwise each department's catalog is replaced atomically and the
    previous version is kept as history (see `govcat history`). Then what changed, and what it can affect
    in other departments, is checked against the Measures (not the whole province), the verdict is
    printed and the report kept in the store. Violations of the Measures do not make a load fail.
    """
    from govcat.errors import LoadErrors
    from govcat.loaders.template import load_submissions, read_batch

    store = ctx.store()
    limits = _limits(ctx.config, max_bytes, max_rows)
    if dry_run:
        subs = read_batch(list(paths), store, limits=limits)
        problems = [e for s in subs for e in s.errors]
        _warn(subs)
        if problems:
            raise LoadErrors(problems)
        for sub in subs:
            click.echo(
                f"{sub.department} {sub.name}: 检查通过 / OK — {sub.resources} 个信息资源 / resources, "
                f"{sub.items} 个信息项 / items ({sub.source})"
            )
        return
    from govcat.progress import Progress

    bar = Progress(len(paths))
    try:
        subs = load_submissions(list(paths), store, limits=limits, progress=lambda sub: bar.advance(sub.items))
    finally:
        bar.close()
    _warn(subs)
    for sub in subs:
        line = (
            f"{sub.department} {sub.name}: 已加载 / loaded {sub.resources} 个信息资源 / resources, "
            f"{sub.items} 个信息项 / items from {sub.source}"
        )
        if sub.replaced:
            line += f"; 替换了原目录，原版本保存在 / replaced the previous catalog, kept as {sub.replaced}"
        else:
            line += "; 新目录 / new catalog"
        click.echo(line)
    if not no_check:
        from govcat.validation.recheck import lines, recheck

        done = recheck(store, [s.graph for s in subs if s.graph])
        for text in lines(done, [s.department for s in subs], ctx.config.lang):
            click.echo(text)


def _warn(subs) -> None:
    for sub in subs:
        for w in sub.warnings:
            click.echo(f"警告 / warning: {w}", err=True)


@click.command()
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path), help="Also (or instead) write the CSV-folder form here.")
def template(out: Path | None, csv_dir: Path | None) -> None:
    """Write an empty submission template: OUT.xlsx with the sheets 目录信息, 信息资源, 信息项, and/or
    with --csv DIR one UTF-8 CSV file per sheet."""
    from govcat.loaders.template_columns import write_template_csv, write_template_xlsx

    if out is None and csv_dir is None:
        raise click.UsageError("give OUT.xlsx, --csv DIR, or both")
    if out is not None:
        if out.suffix.lower() != ".xlsx":
            raise click.UsageError(f"{out}: the template workbook must be named *.xlsx")
        write_template_xlsx(out)
        click.echo(f"已写出模板 / wrote the template {out}")
    if csv_dir is not None:
        for path in write_template_csv(csv_dir):
            click.echo(f"已写出 / wrote {path}")


@click.command()
@click.option("--department", metavar="USCC", help="Only this department's replaced versions.")
@pass_ctx
def history(ctx: Context, department: str | None) -> None:
    """List replaced catalog versions: which catalog, when it was replaced, and its history graph."""
    import pyoxigraph as ox

    from govcat.loaders.template_lookup import query_text

    store = ctx.store()
    subs = {"history": ox.NamedNode(store.iris.history_graph)}
    if department:
        from govcat.uscc import problem

        bad = problem(department.strip())
        if bad:
            raise click.UsageError(f"--department {department!r}: {bad[1]}")
        subs["catalog"] = ox.NamedNode(store.iris.catalog_graph(department.strip()))
    rows = store.select(query_text("history"), substitutions=subs)
    if not rows:
        click.echo("没有历史版本 / no replaced versions")
        return
    dataset = ox.NamedNode("http://www.w3.org/ns/dcat#Dataset")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for row in rows:
        uscc = row["catalog"].rsplit("/", 1)[-1]
        resources = sum(1 for _ in store.archive.quads_for_pattern(None, rdf_type, dataset, ox.NamedNode(row["version"])))
        click.echo(f"{uscc}  {row['replaced']}  {resources} 个信息资源 / resources  {row['version']}")
