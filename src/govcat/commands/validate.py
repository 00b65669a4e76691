"""``govcat validate``: check catalogs against the Measures (the SHACL shapes of ``shapes/``)."""

from __future__ import annotations

import click

from govcat.cli import EXIT_VIOLATIONS, Context, pass_ctx

COMMANDS = ("validate",)


@click.command()
@click.option("--department", metavar="USCC", help="Report only this department's results (others are context).")
@click.option("--submission", type=click.Path(exists=True), metavar="PATH",
              help="Dry run: check a submission (workbook or CSV folder) as if it replaced its department's catalog.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Date the time-dependent rules are evaluated at (default: today).")
@click.option("--engine", type=click.Choice(("fast", "pyshacl")), default="fast", show_default=True,
              help="fast: the shapes as SPARQL on the store; pyshacl: the reference engine (same results, slower).")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "turtle", "html")), default="text", show_default=True)
@click.option("--lang", type=click.Choice(("zh", "en")), help="Language of the text and HTML report (setting GOVCAT_LANG).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to a file.")
@click.option("--no-keep", is_flag=True, help="Do not store the report in the store.")
@pass_ctx
def validate(ctx: Context, department: str | None, submission: str | None, as_of: str | None, engine: str,
             fmt: str, lang: str | None, output: str | None, no_keep: bool) -> None:
    """Check the whole store, one department, or a submission against the Measures.

    Exit status: 0 no violation, 1 at least one violation, 2 bad input or usage.
    Each run's report is kept in the store (graph {base}graph/report/{run}) unless --no-keep.
    """
    from govcat.errors import CatalogError
    from govcat.validation import Scope, keep, parse_as_of, submission_scope
    from govcat.validation import validate as run_validation
    from govcat.validation.render import render

    if department and submission:
        raise CatalogError("--department 与 --submission 不能同时使用 / use either --department or --submission, not both")
    day = parse_as_of(as_of)
    store = ctx.store()
    spec = None
    if submission:
        scope, spec = submission_scope(store, submission)
    elif department:
        scope = Scope.of_department(department)
    else:
        scope = Scope.store()
    report = run_validation(store, scope=scope, as_of=day, engine=engine, spec=spec)
    if not no_keep and scope.kind != "submission":
        keep(store, report)
    text = render(report, fmt, lang=lang or ctx.config.lang, store=store)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=not text.endswith("\n"))
    if not report.conforms:
        click.get_current_context().exit(EXIT_VIOLATIONS)
