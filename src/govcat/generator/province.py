"""Writing a synthetic province: the files ``govcat generate`` promises, department by department.

Layout of OUT::

    organisations.csv            the organisation registry to load first (bundled + generated organisations)
    departments/<USCC>/          one submission per department: 目录信息.csv, 信息资源.csv, 信息项.csv
    violations.csv               the deliberate violations (rule, resource, what was broken)
    summary.json                 seed, as-of date, counts per level, the files written

Only the department being written is held in memory (plus a bounded sample of earlier resource codes
for lineage), so memory does not grow with the number of resources.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from govcat.generator import organisations, tables as _tables, violations
from govcat.generator.organisations import Department
from govcat.generator.resources import CATALOG_COLUMNS, ITEM_COLUMNS, RESOURCE_COLUMNS, Builder

# The day the generated catalogs are current on: a fixed default so that the same N and seed always give
# the same files. Validate with the same --as-of, or the time-dependent rules (R16.1, R18.2) see the
# catalogs age.
DEFAULT_AS_OF = dt.date(2026, 11, 25)


@dataclass
class Summary:
    out: Path
    seed: int
    as_of: dt.date
    resources: int = 0
    items: int = 0
    departments: int = 0
    violations: int = 0
    by_level: dict[str, dict[str, int]] = field(default_factory=dict)
    by_rule: dict[str, int] = field(default_factory=dict)
    folders: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "seed": self.seed, "as_of": self.as_of.isoformat(), "resources": self.resources, "items": self.items,
            "departments": self.departments, "violations": self.violations, "by_level": self.by_level,
            "violations_by_rule": dict(sorted(self.by_rule.items())),
            "organisations": "organisations.csv", "manifest": "violations.csv", "departments_dir": "departments",
        }


def generate(out: Path | str, resources: int, seed: int, *, as_of: dt.date = DEFAULT_AS_OF,
             progress: Callable[[Department], None] | None = None) -> Summary:
    """Write a province of ``resources`` resources into ``out`` (created; a province generated there
    before is replaced, departments included). The same arguments always give byte-identical files."""
    if resources < 1:
        raise ValueError("resources must be at least 1")
    out = Path(out)
    rng = random.Random(f"govcat-generate/{seed}")
    tables = _tables.load(as_of)
    plan = organisations.plan(resources, rng, tables)
    out.mkdir(parents=True, exist_ok=True)
    (out / "organisations.csv").write_text(organisations.registry_csv(tables, plan.registry_rows), encoding="utf-8")
    builder = Builder(rng, tables, as_of, plan.departments, resources)
    summary = Summary(out, seed, as_of)
    root = out / "departments"
    if root.exists():  # a smaller or other province's folders would otherwise be loaded with this one
        shutil.rmtree(root)
    root.mkdir()
    with (out / "violations.csv").open("w", encoding="utf-8", newline="") as manifest_fh:
        manifest = csv.writer(manifest_fh, lineterminator="\n")
        manifest.writerow(violations.MANIFEST_COLUMNS)
        for d in plan.departments:
            folder = root / d.uscc
            folder.mkdir(exist_ok=True)
            n_items = _write_department(folder, d, builder, manifest, summary)
            level = summary.by_level.setdefault(d.level, {"departments": 0, "resources": 0, "items": 0})
            level["departments"] += 1
            level["resources"] += d.resources
            level["items"] += n_items
            summary.departments += 1
            summary.resources += d.resources
            summary.items += n_items
            summary.folders.append(f"departments/{d.uscc}")
            if progress:
                progress(d)
    (out / "summary.json").write_text(json.dumps(summary.as_json(), ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    return summary


def _write_department(folder: Path, d: Department, builder: Builder, manifest, summary: Summary) -> int:
    n_items = 0
    with (folder / "目录信息.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CATALOG_COLUMNS)
        w.writerow(builder.catalog_row(d))
    with (folder / "信息资源.csv").open("w", encoding="utf-8", newline="") as rfh, \
            (folder / "信息项.csv").open("w", encoding="utf-8", newline="") as ifh:
        rw, iw = csv.writer(rfh, lineterminator="\n"), csv.writer(ifh, lineterminator="\n")
        rw.writerow(RESOURCE_COLUMNS)
        iw.writerow(ITEM_COLUMNS)
        for res in builder.resources(d):
            kind = violations.maybe_break(res, builder)
            if kind:
                manifest.writerow(violations.manifest_row(kind, res))
                summary.violations += 1
                summary.by_rule[kind.rule] = summary.by_rule.get(kind.rule, 0) + 1
            rw.writerow(res.row())
            iw.writerows(res.items)
            n_items += len(res.items)
    return n_items
