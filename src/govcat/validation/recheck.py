"""Checking what a load or a registry change can affect, right after it (issue: a department sees the verdict
on its submission at once, without re-checking the province)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Iterable

from govcat.validation.report import Report

if TYPE_CHECKING:
    from govcat.store import CatalogStore

# At most this many messages per department are printed; the kept report has them all.
SHOWN_PER_DEPARTMENT = 20


@dataclass
class Recheck:
    report: Report
    focus: set[str]
    seconds: float
    graph: str | None  # where the report was kept


def recheck(store: "CatalogStore", graphs: Iterable[str], *, as_of: date | None = None, keep: bool = True) -> Recheck:
    """Re-check the focus nodes the latest replacement of ``graphs`` can affect, and keep the report."""
    from govcat.fastshacl.incremental import recheck as run
    from govcat.validation import keep as keep_report

    start = time.perf_counter()
    report, focus = run(store, graphs, as_of=as_of)
    seconds = time.perf_counter() - start
    return Recheck(report, focus, seconds, keep_report(store, report) if keep else None)


def lines(done: Recheck, departments: Iterable[str], lang: str) -> list[str]:
    """What ``govcat load`` and ``govcat registry load`` print: counts per department, the messages of the
    given departments' violations and warnings, and where the report is."""
    report = done.report
    out = [
        f"检查 / check: 重新检查了此次变更可能影响的 {len(done.focus)} 个节点 / re-checked the {len(done.focus)} "
        f"nodes this change can affect, as of {report.as_of.isoformat()} ({done.seconds:.1f} s): "
        f"违规 {report.count('Violation')} 项，警告 {report.count('Warning')} 项，提示 {report.count('Info')} 项 / "
        f"{report.count('Violation')} violation(s), {report.count('Warning')} warning(s), {report.count('Info')} info"
    ]
    by_department: dict[str, Counter] = {}
    names: dict[str, str] = {}
    for r in report.results:
        by_department.setdefault(r.department or "-", Counter())[r.severity] += 1
        if r.department and r.department_name:
            names[r.department] = r.department_name.get(lang) or next(iter(r.department_name.values()))
    wanted = [d for d in departments if d]
    for department in sorted(by_department, key=lambda d: (d not in wanted, d)):
        c = by_department[department]
        name = f" {names[department]}" if department in names else ""
        out.append(f"  {department}{name}: 违规 {c['Violation']} / violations, 警告 {c['Warning']} / warnings, "
                   f"提示 {c['Info']} / info")
        if department not in wanted:
            continue
        shown = [r for r in report.results if r.department == department and r.severity != "Info"]
        for r in shown[:SHOWN_PER_DEPARTMENT]:
            out.append(f"    [{r.rule} {r.severity}] {r.message.get(lang) or next(iter(r.message.values()), '')}")
        if len(shown) > SHOWN_PER_DEPARTMENT:
            out.append(f"    … {len(shown) - SHOWN_PER_DEPARTMENT} more / 还有 {len(shown) - SHOWN_PER_DEPARTMENT} 项: "
                       f"govcat validate --department {department}")
    if done.graph:
        out.append(f"报告已保存 / report kept in graph {done.graph}")
    return out
