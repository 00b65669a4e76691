"""The ``.xlsx`` side of :mod:`govcat.loaders.sheets`: refusing files of the wrong kind or size before
openpyxl reads them, and reporting formula, error-value and merged cells by their coordinates."""

from __future__ import annotations

import datetime as _dt
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from govcat.errors import LoaderError, Location
from govcat.loaders.sheets import (
    _OLE2_MAGIC,
    _ZIP_MAGIC,
    Limits,
    Sheet,
    SheetSpec,
    SheetsResult,
    _build_sheet,
    _too_big,
    column_letter,
)


def _xlsx_kind_problem(path: Path, limits: Limits) -> LoaderError | None:
    file = str(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        return _too_big(file, size, limits)
    with path.open("rb") as fh:
        head = fh.read(8)
    kind_zh, kind_en = None, None
    if head.startswith(_OLE2_MAGIC):
        kind_zh, kind_en = "旧版 Office 文件（.xls/.doc）", "a legacy Office file (.xls/.doc)"
    elif not head.startswith(_ZIP_MAGIC):
        kind_zh, kind_en = "不是 Excel 工作簿（可能是文本/CSV 文件）", "not an Excel workbook (perhaps a text/CSV file)"
    else:
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                unpacked = sum(i.file_size for i in zf.infolist())
        except zipfile.BadZipFile:
            kind_zh, kind_en = "损坏的 ZIP/Excel 文件", "a damaged ZIP/Excel file"
        else:
            if "xl/workbook.xml" not in names:
                if "word/document.xml" in names:
                    kind_zh, kind_en = "Word 文档（.docx）", "a Word document (.docx)"
                else:
                    kind_zh, kind_en = "ZIP 压缩包，不是 Excel 工作簿", "a ZIP archive, not an Excel workbook"
            elif unpacked > limits.max_bytes * 10:
                # Compressed XML expands about tenfold; far more than that is a zip bomb or a huge sheet.
                return LoaderError(
                    Location(file),
                    f"文件过大：解压后 {unpacked} 字节",
                    f"the file is too large: {unpacked} bytes unpacked",
                )
    if kind_zh:
        return LoaderError(
            Location(file),
            f"文件类型错误：应为 .xlsx 工作簿，实为{kind_zh}",
            f"wrong kind of file: expected an .xlsx workbook, this is {kind_en}",
        )
    return None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path, specs: Sequence[SheetSpec], limits: Limits) -> SheetsResult:
    file = str(path)
    problem = _xlsx_kind_problem(path, limits)
    if problem:
        return SheetsResult({}, [problem])
    import openpyxl

    try:
        # Not read-only: merged-cell ranges are only known to a fully loaded sheet.
        wb = openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        return SheetsResult(
            {},
            [LoaderError(Location(file), f"无法读取 Excel 工作簿：{exc}", f"cannot read the Excel workbook: {exc}")],
        )
    errors: list[LoaderError] = []
    sheets: dict[str, Sheet] = {}
    by_name = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    for spec in specs:
        ws = next((by_name[n.lower()] for n in spec.names() if n.lower() in by_name), None)
        if ws is None:
            errors.append(
                LoaderError(
                    Location(file, spec.name),
                    f"缺少工作表“{spec.name}”；工作簿中有：{'、'.join(wb.sheetnames)}",
                    f"missing sheet {spec.name!r}; the workbook has: {', '.join(wb.sheetnames)}",
                )
            )
            continue
        if ws.max_row > limits.max_rows + 1:
            errors.append(
                LoaderError(
                    Location(file, ws.title),
                    f"行数超过上限 {limits.max_rows}（{ws.max_row} 行）",
                    f"more than {limits.max_rows} rows (the row limit): {ws.max_row} rows",
                )
            )
            continue
        merged = list(ws.merged_cells.ranges)
        if merged:
            for rng in merged:
                errors.append(
                    LoaderError(
                        Location(file, ws.title, rng.min_row, column_letter(rng.min_col)),
                        f"不允许合并单元格：{rng.coord}；请取消合并并在每个单元格中填写值",
                        f"merged cells are not allowed: {rng.coord}; unmerge them and fill in every cell",
                    )
                )
            continue
        sheet = _build_sheet(spec, file, ws.title, _xlsx_records(file, ws, errors), errors, limits, letters=True)
        if sheet is not None:
            sheets[spec.name] = sheet
    wb.close()
    return SheetsResult(sheets, errors)


def _xlsx_records(file: str, ws, errors: list[LoaderError]) -> Iterator[tuple[int, list[str], dict[int, Location]]]:
    for cells in ws.iter_rows():
        if not cells:
            continue
        number = cells[0].row
        texts: list[str] = []
        bad: dict[int, Location] = {}
        for i, cell in enumerate(cells):
            value = cell.value
            if cell.data_type == "f":
                loc = Location(file, ws.title, number, cell.coordinate)
                errors.append(
                    LoaderError(
                        loc,
                        f"单元格 {cell.coordinate} 含公式；请只填写值（复制后“选择性粘贴—数值”）",
                        f"cell {cell.coordinate} holds a formula; enter values only (paste as values)",
                    )
                )
                bad[i] = loc
                texts.append("")
                continue
            if cell.data_type == "e":
                loc = Location(file, ws.title, number, cell.coordinate)
                errors.append(
                    LoaderError(loc, f"单元格 {cell.coordinate} 是错误值 {value}", f"cell {cell.coordinate} is an error value {value}")
                )
                bad[i] = loc
                texts.append("")
                continue
            if not isinstance(value, (str, int, float, bool, _dt.date, type(None))):
                # ArrayFormula, DataTableFormula and the like
                loc = Location(file, ws.title, number, cell.coordinate)
                errors.append(
                    LoaderError(
                        loc,
                        f"单元格 {cell.coordinate} 含公式；请只填写值",
                        f"cell {cell.coordinate} holds a formula; enter values only",
                    )
                )
                bad[i] = loc
                texts.append("")
                continue
            texts.append(_cell_text(value))
        yield number, texts, bad
