"""``govcat generate``: write a synthetic province in the national template (see govcat.generator)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

COMMANDS = ("generate",)


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}”不是日期（YYYY-MM-DD） / {value!r} is not a date (YYYY-MM-DD)") from None


@click.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--resources", "-n", type=click.IntRange(min=1), required=True, metavar="N",
              help="Number of resources (信息资源); a province is about 300,000.")
@click.option("--seed", type=int, default=329, show_default=True, help="The same N and seed give the same files.")
@click.option("--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD",
              help="The day the catalogs are current on (default 2026-11-25); validate with the same --as-of.")
def generate(out: Path, resources: int, seed: int, as_of: dt.date | None) -> None:
    """Write a synthetic province into OUT: department submissions in the national template and the
    organisation registry they need, with about 2% of the resources deliberately breaking a rule.

    \b
    OUT/organisations.csv   load first: govcat registry load organisations OUT/organisations.csv
    OUT/departments/<USCC>/ one CSV folder per department: govcat load OUT/departments/*
    OUT/violations.csv      the deliberate violations (rule, department, resource code, what)
    OUT/summary.json        counts per level, seed and as-of date
    """
    from govcat.generator import DEFAULT_AS_OF
    from govcat.generator import generate as run

    if out.exists() and any(out.iterdir()) and not (out / "summary.json").exists():
        raise click.UsageError(f"{out} 不是空目录，也不是 govcat generate 的输出 / {out} is neither empty nor "
                               "the output of govcat generate")
    start = time.perf_counter()
    summary = run(out, resources, seed, as_of=as_of or DEFAULT_AS_OF)
    levels = "，".join(f"{level} {v['departments']}" for level, v in summary.by_level.items())
    click.echo(
        f"已生成 / wrote {out}: {summary.departments} 个部门 / departments ({levels}), "
        f"{summary.resources} 个信息资源 / resources, {summary.items} 个信息项 / items, "
        f"{summary.violations} 处故意违规 / deliberate violations ({time.perf_counter() - start:.1f} s)"
    )
    click.echo(f"下一步 / next: govcat registry load organisations {out / 'organisations.csv'} && "
               f"govcat load {out / 'departments'}/*")
