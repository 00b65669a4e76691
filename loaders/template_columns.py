"""The sheets and columns of the national submission template (``template_columns.csv``), and an
empty template to hand out to departments."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from govcat.loaders.sheets import SheetSpec, read_columns_file

COLUMNS_FILE = Path(__file__).parent / "template_columns.csv"

CATALOG, RESOURCES, ITEMS = "目录信息", "信息资源", "信息项"
_SHEET_ALIASES = {CATALOG: ("catalog",), RESOURCES: ("resources",), ITEMS: ("items",)}
# 目录信息 is exactly one row; a catalog needs at least one resource; items are optional.
_ROW_BOUNDS = {CATALOG: (1, 1), RESOURCES: (1, None), ITEMS: (0, None)}


@lru_cache(maxsize=1)
def template_specs() -> tuple[SheetSpec, ...]:
    """The three sheets, in the order they are written: 目录信息, 信息资源, 信息项."""
    columns = read_columns_file(COLUMNS_FILE)
    specs = []
    for name in (CATALOG, RESOURCES, ITEMS):
        lo, hi = _ROW_BOUNDS[name]
        specs.append(SheetSpec(name, columns[name], _SHEET_ALIASES[name], min_rows=lo, max_rows=hi))
    return tuple(specs)


def write_template_xlsx(out: Path) -> None:
    """An empty template workbook: the three sheets with their Chinese headers (English aliases as comments)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in template_specs():
        ws = wb.create_sheet(spec.name)
        for i, col in enumerate(spec.columns, start=1):
            cell = ws.cell(row=1, column=i, value=col.zh)
            cell.font = Font(bold=col.required)
            note = col.aliases[0] if col.aliases else col.key
            cell.comment = Comment(note + (" (required)" if col.required else ""), "govcat")
            ws.column_dimensions[cell.column_letter].width = max(12, 2 * len(col.zh) + 4)
        ws.freeze_panes = "A2"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


def write_template_csv(folder: Path) -> list[Path]:
    """The CSV-folder form of the template: one UTF-8 (with BOM, so Excel opens it right) file per sheet."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in template_specs():
        path = folder / f"{spec.name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerow([c.zh for c in spec.columns])
        written.append(path)
    return written
