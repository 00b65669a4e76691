"""Loading department submissions in the national template (``../shared/spec/catalog-metadata.md``):
an ``.xlsx`` workbook or a folder of CSV files with the sheets 目录信息, 信息资源 and 信息项.

:func:`read_submission` parses and checks one submission without touching the store (dry runs);
:func:`load_submissions` checks a whole batch, reports every problem of every file in one
:class:`~govcat.errors.LoadErrors`, and only if there is none replaces each department's catalog graph
atomically, keeping the previous version as history.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from govcat.errors import LoadErrors, LoaderError, Location
from govcat.loaders.sheets import Limits, read_sheets
from govcat.loaders.template_columns import CATALOG, ITEMS, RESOURCES, template_specs
from govcat.loaders.template_lookup import Lookups
from govcat.loaders.template_nt import statements_to_triples
from govcat.loaders.template_rdf import Reference, TemplateMapper
from govcat.store import CatalogStore

__all__ = ["Submission", "read_submission", "load_submissions"]


@dataclass
class Submission:
    """One department's catalog, parsed and checked, ready to replace its catalog graph."""

    department: str | None  # USCC; None when it could not be determined
    graph: str | None  # the catalog graph IRI
    statements: list[str]  # the catalog as N-Triples statements (see template_nt), without the final " ."
    source: str
    warnings: list[LoaderError] = field(default_factory=list)
    errors: list[LoaderError] = field(default_factory=list)
    name: str = ""
    codes: dict[str, Location] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    items: int = 0
    triple_count: int = 0
    replaced: str | None = None  # after loading: the history graph of the previous version, if any

    @property
    def triples(self) -> list[ox.Triple]:
        """The catalog as pyoxigraph triples (parsed from the statements on each call)."""
        return statements_to_triples(self.statements)

    @property
    def resources(self) -> int:
        return len(self.codes)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse(path: Path, store: CatalogStore, lookups: Lookups, limits: Limits | None) -> Submission:
    path = Path(path)
    result = read_sheets(path, template_specs(), limits=limits)
    mapper = TemplateMapper(store.iris, lookups)
    sub = Submission(None, None, [], str(path), errors=list(result.errors))
    sheets = result.sheets

    dept = None
    catalog_sheet = sheets.get(CATALOG)
    catalog_row = catalog_sheet.rows[0] if catalog_sheet and len(catalog_sheet.rows) == 1 else None
    if catalog_row is not None:
        dept = mapper.catalog(catalog_row)
    datasets = []
    if RESOURCES in sheets:
        for row in sheets[RESOURCES].rows:
            ds = mapper.resource(row, dept)
            if ds:
                datasets.append(ds)
    if ITEMS in sheets:
        if RESOURCES in sheets:
            orders: dict[str, int] = {}
            for row in sheets[ITEMS].rows:
                mapper.item(row, orders)
    if dept and catalog_row is not None:
        mapper.catalog_triples(catalog_row, dept, datasets)
        sub.department = dept
        sub.graph = store.iris.catalog_graph(dept)
        sub.name = lookups.organisations[dept].name
    out = mapper.out
    sub.statements = out.statements
    sub.triple_count = len(out.statements)
    sub.errors.extend(out.errors)
    sub.warnings.extend(out.warnings)
    sub.codes = out.codes
    sub.references = out.references
    sub.items = out.items
    return sub


def _check_batch(subs: list[Submission], lookups: Lookups) -> None:
    """What only the whole batch can tell: one submission per department, each code owned by one
    department (in the batch or, for departments not in it, in the store), and references that
    resolve nowhere (a warning: the source may be loaded later)."""
    by_dept: dict[str, Submission] = {}
    for sub in subs:
        if sub.department is None:
            continue
        first = by_dept.get(sub.department)
        if first is not None:
            sub.errors.append(
                LoaderError(
                    Location(sub.source, CATALOG),
                    f"同一批次中部门 {sub.department} 报送了两份目录（另一份：{first.source}）",
                    f"department {sub.department} has two submissions in this batch (the other: {first.source})",
                )
            )
        else:
            by_dept[sub.department] = sub
    replaced_graphs = {s.graph for s in subs if s.graph}
    batch_owner: dict[str, Submission] = {}
    for sub in subs:
        for code, loc in sub.codes.items():
            other = batch_owner.get(code)
            if other is not None and other is not sub:
                sub.errors.append(
                    LoaderError(
                        loc,
                        f"信息资源代码“{code}”在本批次中重复（另见 {other.source} 第{other.codes[code].row}行）",
                        f"resource code {code!r} is used twice in this batch (also {other.source}, row {other.codes[code].row})",
                    )
                )
                continue
            batch_owner.setdefault(code, sub)
            owner_graph = lookups.owners.get(code)
            if owner_graph and owner_graph != sub.graph and owner_graph not in replaced_graphs:
                owner = owner_graph.rsplit("/", 1)[-1]
                org = lookups.organisations.get(owner)
                name = f"{org.name}（{owner}）" if org else owner
                sub.errors.append(
                    LoaderError(
                        loc,
                        f"信息资源代码“{code}”已属于另一部门的目录：{name}",
                        f"resource code {code!r} already belongs to another department's catalog: "
                        f"{org.name + ' ' if org else ''}{owner}",
                    )
                )
    in_store = {code for code, g in lookups.owners.items() if g not in replaced_graphs}
    known = in_store | set(batch_owner)
    for sub in subs:
        for ref in sub.references:
            if ref.code not in known:
                sub.warnings.append(
                    LoaderError(
                        ref.location,
                        f"{ref.column_zh}“{ref.code}”既不在库中也不在本批次中（可稍后加载）",
                        f"{ref.column_en} {ref.code!r} is neither in the store nor in this batch (it may be loaded later)",
                    )
                )


def read_submission(path: Path, store: CatalogStore, *, limits: Limits | None = None) -> Submission:
    """Parse and check one submission without writing anything. Raises :class:`LoadErrors` with every
    problem found; otherwise returns the submission (with its warnings)."""
    subs = read_batch([path], store, limits=limits)
    problems = [e for s in subs for e in s.errors]
    if problems:
        raise LoadErrors(problems)
    return subs[0]


def read_batch(
    paths: Iterable[Path], store: CatalogStore, *, limits: Limits | None = None, keep_triples: bool = True
) -> list[Submission]:
    """Parse and check several submissions together; errors are left in each ``Submission.errors``.

    Without ``keep_triples`` each submission's triples are dropped once it is checked, so that checking a
    province-sized batch does not hold it all in memory."""
    lookups = Lookups.from_store(store)
    subs = []
    for p in paths:
        sub = _parse(Path(p), store, lookups, limits)
        if not keep_triples:
            sub.statements = []
        subs.append(sub)
    _check_batch(subs, lookups)
    return subs


def load_submissions(
    paths: Iterable[Path],
    store: CatalogStore,
    *,
    limits: Limits | None = None,
    progress: Callable[[Submission], None] | None = None,
) -> list[Submission]:
    """Check every submission; if any has a problem, raise one :class:`LoadErrors` with all of them and
    leave the store as it was. Otherwise replace each department's catalog graph, keeping the previous
    version as history, and tell ``govcat.hooks`` (if present) which catalogs changed.

    The batch is all or nothing. It streams: each submission is parsed, checked and written before the
    next is read, and only its codes and references are kept for the checks that need the whole batch.
    Catalogs new to the store go through the store's bulk loader (``CatalogStore.new_graphs``), which
    builds the indexes of what is written while the next submission is parsed; a department that already
    has a catalog gets a staging graph, swapped in with the others in one transaction at the end. If any
    problem turns up, in any file, everything written is removed again. ``progress`` is called after each
    submission is read.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise LoadErrors([LoaderError(Location("-"), "没有要加载的文件", "no files to load")])
    lookups = Lookups.from_store(store)
    subs: list[Submission] = []
    staged: dict[str, str] = {}

    def parsed() -> Iterator[tuple[str, list[str]]]:
        failed = False
        graphs: set[str] = set()
        for path in paths:
            sub = _parse(path, store, lookups, limits)
            subs.append(sub)
            statements, sub.statements = sub.statements, []
            failed = failed or not sub.ok
            if progress is not None:
                progress(sub)
            # After the first problem nothing more is written (it will all be removed); the files are
            # still read, so that every problem of the batch is reported in one run.
            if failed or not sub.graph or sub.graph in graphs:
                continue
            graphs.add(sub.graph)
            if store.ox.contains_named_graph(ox.NamedNode(sub.graph)):
                staged[sub.graph] = store.stage(sub.graph, statements_to_triples(statements))
            else:
                yield sub.graph, statements

    try:
        with store.new_graphs() as fresh:
            fresh.write_statements(parsed())
            _check_batch(subs, lookups)
            problems = [e for s in subs for e in s.errors]
            if problems:
                raise LoadErrors(problems)
            histories = store.swap(staged, keep_history=True)
    except BaseException:
        store.discard_staged(staged)
        raise
    for sub in subs:
        sub.replaced = histories.get(sub.graph) if sub.graph else None
    store.flush()
    departments = [s.department for s in subs if s.department]
    if importlib.util.find_spec("govcat.hooks") is not None:
        hooks = importlib.import_module("govcat.hooks")
        changed = getattr(hooks, "catalog_changed", None)
        if changed is not None:
            changed(store, departments)
    return subs
