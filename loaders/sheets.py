"""Reading sheet-shaped input into rows whose every cell knows where it came from.

Inputs are an ``.xlsx`` workbook, a folder of UTF-8 CSV files named after the sheets, or a single CSV
file (for one-sheet inputs such as registries). The caller says what it expects with a
:class:`SheetSpec` per sheet (header names in Chinese and their English aliases, which are required);
the reader gives back :class:`Sheet` objects of :class:`Row` objects, and every problem it finds as a
:class:`~govcat.errors.LoaderError` naming file, sheet, row and column. Row numbers are those the user
sees: the header is row 1.

The reader never stops at the first problem of a file: it collects them all, so that a department can
fix its submission in one round.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from govcat.errors import LoadErrors, LoaderError, Location

__all__ = [
    "Column",
    "SheetSpec",
    "Limits",
    "Row",
    "Sheet",
    "SheetsResult",
    "read_sheets",
    "read_csv_file",
    "read_columns_file",
    "column_letter",
]

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls/.doc
_ZIP_MAGIC = b"PK\x03\x04"


# ---- what the caller expects ------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One expected column: ``key`` is the name code uses, ``zh`` the header of the template,
    ``aliases`` other accepted headers (English), ``required`` that the header must be present and
    every data cell of it non-empty."""

    key: str
    zh: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.zh, *self.aliases)

    @property
    def label(self) -> str:
        return f"{self.zh} ({self.aliases[0]})" if self.aliases else self.zh


@dataclass(frozen=True)
class SheetSpec:
    """One expected sheet. ``aliases`` are other accepted sheet (or CSV file) names.
    ``min_rows``/``max_rows`` bound the number of data rows (None: no bound)."""

    name: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()
    min_rows: int = 0
    max_rows: int | None = None

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def header_index(self) -> dict[str, Column]:
        index: dict[str, Column] = {}
        for c in self.columns:
            for n in c.names():
                index[_norm_header(n)] = c
        return index


@dataclass(frozen=True)
class Limits:
    """How big an input may be before it is refused (defaults fit a large department's catalog)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 50_000


# ---- what the reader gives back ---------------------------------------------------------------
@dataclass
class Row:
    """One data row: cell text by column key (stripped; '' when empty) and where each cell is."""

    file: str
    sheet: str
    number: int
    values: dict[str, str]
    columns: dict[str, str]  # key -> column label used in locations

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    def loc(self, key: str | None = None) -> Location:
        col = self.columns.get(key) if key else None
        return Location(self.file, self.sheet, self.number, col)

    def error(self, key: str | None, zh: str, en: str) -> LoaderError:
        return LoaderError(self.loc(key), zh, en)


@dataclass
class Sheet:
    spec: SheetSpec
    file: str
    name: str  # as found in the input
    rows: list[Row] = field(default_factory=list)
    present: frozenset[str] = frozenset()  # keys of the columns the input has


@dataclass
class SheetsResult:
    """Sheets that could be read (by spec name) and every problem found."""

    sheets: dict[str, Sheet]
    errors: list[LoaderError]

    def raise_errors(self) -> None:
        if self.errors:
            raise LoadErrors(self.errors)


# ---- columns from a data file -----------------------------------------------------------------
def read_columns_file(path: Path) -> dict[str, tuple[Column, ...]]:
    """Read a CSV of ``sheet,key,zh,aliases,required`` (aliases separated by ``|``; required 是/yes/true)
    into the columns of each sheet, in file order."""
    by_sheet: dict[str, list[Column]] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            aliases = tuple(a.strip() for a in (rec.get("aliases") or "").split("|") if a.strip())
            required = (rec.get("required") or "").strip().lower() in {"是", "yes", "true", "1", "y"}
            col = Column(rec["key"].strip(), rec["zh"].strip(), aliases, required)
            by_sheet.setdefault(rec["sheet"].strip(), []).append(col)
    return {k: tuple(v) for k, v in by_sheet.items()}


# ---- entry points -----------------------------------------------------------------------------
def read_sheets(path: Path, specs: Sequence[SheetSpec], *, limits: Limits | None = None) -> SheetsResult:
    """Read ``path`` (an .xlsx workbook, a folder of CSV files, or a CSV file) against ``specs``.

    Problems are collected, never raised: check ``result.errors``. A sheet that could not be read at
    all (missing, empty, bad headers, bad encoding) is absent from ``result.sheets``.
    """
    limits = limits or Limits()
    path = Path(path)
    if path.is_dir():
        return _read_csv_folder(path, specs, limits)
    if not path.exists():
        return SheetsResult({}, [LoaderError(Location(str(path)), "文件不存在", "no such file or folder")])
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if len(specs) != 1:
            names = "、".join(s.name for s in specs)
            return SheetsResult(
                {},
                [
                    LoaderError(
                        Location(str(path)),
                        f"单个 CSV 文件只能包含一张表；请提供 .xlsx 工作簿或包含 {names} 的 CSV 文件夹",
                        f"a single CSV file holds one sheet; give an .xlsx workbook or a folder of CSV files "
                        f"({', '.join(s.name for s in specs)})",
                    )
                ],
            )
        errors: list[LoaderError] = []
        sheet = _read_csv(path, specs[0], limits, errors)
        return SheetsResult({specs[0].name: sheet} if sheet else {}, errors)
    from govcat.loaders.sheets_xlsx import read_xlsx  # openpyxl only when a workbook is read

    return read_xlsx(path, specs, limits)


def read_csv_file(path: Path, spec: SheetSpec, *, limits: Limits | None = None) -> Sheet:
    """One CSV file as one sheet; raises :class:`LoadErrors` with every problem found."""
    result = read_sheets(path, [spec], limits=limits)
    result.raise_errors()
    return result.sheets[spec.name]


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# ---- headers and rows (shared by CSV and xlsx) -------------------------------------------------
def _norm_header(text: str) -> str:
    # Templates often mark required columns with '*' and people type full-width brackets or spaces.
    return text.strip().strip("*＊").strip().lower().replace(" ", "_")


def _build_sheet(
    spec: SheetSpec,
    file: str,
    name: str,
    records: Iterable[tuple[int, list[str], dict[int, Location]]],
    errors: list[LoaderError],
    limits: Limits,
    *,
    letters: bool,
) -> Sheet | None:
    """Turn raw records (row number, cell texts, cell-level problems already found) into a Sheet.
    The first non-empty record is the header."""
    it = iter(records)
    header: list[str] | None = None
    header_row = 1
    for number, cells, _ in it:
        if any(c.strip() for c in cells):
            header, header_row = cells, number
            break
    if header is None:
        errors.append(
            LoaderError(Location(file, name), "工作表为空（没有表头）", "the sheet is empty (no header row)")
        )
        return None

    index = spec.header_index()
    positions: dict[int, Column] = {}
    seen: dict[str, int] = {}
    bad_header = False
    for i, text in enumerate(header):
        where = column_letter(i + 1) if letters else f"第{i + 1}列"
        where_en = column_letter(i + 1) if letters else f"column {i + 1}"
        if not text.strip():
            continue
        col = index.get(_norm_header(text))
        if col is None:
            known = "、".join(c.zh for c in spec.columns)
            errors.append(
                LoaderError(
                    Location(file, name, header_row, text.strip()),
                    f"未知的列名“{text.strip()}”（{where}）；可用列名：{known}",
                    f"unknown column header {text.strip()!r} ({where_en}); expected one of: "
                    + ", ".join(c.label for c in spec.columns),
                )
            )
            bad_header = True
            continue
        if col.key in seen:
            first = seen[col.key]
            errors.append(
                LoaderError(
                    Location(file, name, header_row, col.zh),
                    f"列“{col.zh}”重复（{where} 与第{first + 1}列）",
                    f"duplicate column {col.label} ({where_en} repeats column {first + 1})",
                )
            )
            bad_header = True
            continue
        seen[col.key] = i
        positions[i] = col
    for col in spec.columns:
        if col.required and col.key not in seen:
            errors.append(
                LoaderError(
                    Location(file, name, header_row, col.zh),
                    f"缺少必需的列“{col.zh}”",
                    f"missing required column {col.label}",
                )
            )
            bad_header = True
    if bad_header:
        return None

    labels = {c.key: c.zh for c in positions.values()}
    sheet = Sheet(spec, file, name, [], frozenset(labels))
    count = 0
    # Per row work is what a province-sized load spends its time on: the loop below does no more than it
    # must for a row that is complete and has nothing outside the headed columns.
    width = len(header)
    gaps = [i for i in range(width) if i not in positions]  # columns without a header
    keyed = [(i, col.key) for i, col in positions.items()]
    required = [col for col in positions.values() if col.required]
    for number, cells, cell_errors in it:
        if not "".join(cells).strip() and not cell_errors:
            continue
        n_cells = len(cells)
        if gaps or n_cells > width:
            unheaded = [i for i in gaps if i < n_cells and cells[i].strip()]
            unheaded += [i for i in range(width, n_cells) if cells[i].strip()]
        else:
            unheaded = []
        count += 1
        if count > limits.max_rows:
            errors.append(
                LoaderError(
                    Location(file, name, number),
                    f"行数超过上限 {limits.max_rows}",
                    f"more than {limits.max_rows} rows (the row limit)",
                )
            )
            return None
        for i in unheaded:
            where = column_letter(i + 1) if letters else f"第{i + 1}列"
            errors.append(
                LoaderError(
                    Location(file, name, number, where),
                    f"单元格有内容但该列没有表头（{where}）",
                    f"a cell has content but its column has no header ({where})",
                )
            )
        if n_cells >= width:
            values = {key: cells[i].strip() for i, key in keyed}
        else:
            values = {key: cells[i].strip() if i < n_cells else "" for i, key in keyed}
        row = Row(file, name, number, values, labels)
        failed = {positions[i].key for i in cell_errors if i in positions} if cell_errors else ()
        for col in required:
            if not values[col.key] and col.key not in failed:
                errors.append(row.error(col.key, f"“{col.zh}”不能为空", f"{col.label} must not be empty"))
        sheet.rows.append(row)
    if len(sheet.rows) < spec.min_rows:
        errors.append(
            LoaderError(
                Location(file, name),
                f"工作表至少需要 {spec.min_rows} 行数据，实有 {len(sheet.rows)} 行",
                f"the sheet needs at least {spec.min_rows} data row(s), it has {len(sheet.rows)}",
            )
        )
    if spec.max_rows is not None and len(sheet.rows) > spec.max_rows:
        extra = sheet.rows[spec.max_rows]
        errors.append(
            LoaderError(
                Location(file, name, extra.number),
                f"工作表最多 {spec.max_rows} 行数据，实有 {len(sheet.rows)} 行",
                f"the sheet takes at most {spec.max_rows} data row(s), it has {len(sheet.rows)}",
            )
        )
    return sheet


# ---- CSV ---------------------------------------------------------------------------------------
def _read_csv_folder(folder: Path, specs: Sequence[SheetSpec], limits: Limits) -> SheetsResult:
    errors: list[LoaderError] = []
    sheets: dict[str, Sheet] = {}
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for spec in specs:
        candidates = [files[f"{n}.csv".lower()] for n in spec.names() if f"{n}.csv".lower() in files]
        if not candidates:
            errors.append(
                LoaderError(
                    Location(str(folder / f"{spec.name}.csv"), spec.name),
                    f"缺少工作表“{spec.name}”（文件 {spec.name}.csv）",
                    f"missing sheet {spec.name!r} (file {spec.name}.csv)",
                )
            )
            continue
        if len(candidates) > 1:
            errors.append(
                LoaderError(
                    Location(str(folder), spec.name),
                    f"工作表“{spec.name}”有多个文件：{'、'.join(p.name for p in candidates)}",
                    f"sheet {spec.name!r} is given by several files: {', '.join(p.name for p in candidates)}",
                )
            )
            continue
        sheet = _read_csv(candidates[0], spec, limits, errors)
        if sheet is not None:
            sheets[spec.name] = sheet
    return SheetsResult(sheets, errors)


def _decode_csv(path: Path, data: bytes, errors: list[LoaderError]) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        errors.append(
            LoaderError(
                Location(str(path), line=1),
                "文件编码错误：这是 UTF-16 文件，请另存为 UTF-8 编码的 CSV",
                "wrong encoding: this is a UTF-16 file; save it as UTF-8 CSV",
            )
        )
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        offset = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        try:
            data.decode("gb18030")
            looks_gbk = True
        except UnicodeDecodeError:
            looks_gbk = False
        if looks_gbk:
            zh = f"文件编码错误：不是 UTF-8，看起来是 GBK/GB18030 编码（第{line}行第{offset}个字符起）；请另存为 UTF-8 编码的 CSV"
            en = (
                f"wrong encoding: the file is not UTF-8, it looks like GBK/GB18030 (from line {line}, "
                f"character {offset}); save it as UTF-8 CSV"
            )
        else:
            zh = f"文件编码错误：第{line}行第{offset}个字符处有无效的 UTF-8 字节；请另存为 UTF-8 编码的 CSV"
            en = f"wrong encoding: invalid UTF-8 bytes at line {line}, character {offset}; save it as UTF-8 CSV"
        errors.append(LoaderError(Location(str(path), line=line, offset=offset), zh, en))
        return None


def _read_csv(path: Path, spec: SheetSpec, limits: Limits, errors: list[LoaderError]) -> Sheet | None:
    file = str(path)
    size = path.stat().st_size
    if size > limits.max_bytes:
        errors.append(_too_big(file, size, limits))
        return None
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith((_ZIP_MAGIC, _OLE2_MAGIC)):
        errors.append(
            LoaderError(
                Location(file),
                "文件类型错误：扩展名为 .csv，但内容是 Excel/Office 或 ZIP 文件",
                "wrong kind of file: named .csv but it is an Excel/Office or ZIP file",
            )
        )
        return None
    text = _decode_csv(path, path.read_bytes(), errors)
    if text is None:
        return None
    if "\x00" in text:
        errors.append(
            LoaderError(Location(file), "文件类型错误：不是文本 CSV 文件", "wrong kind of file: not a text CSV file")
        )
        return None

    def records() -> Iterator[tuple[int, list[str], dict[int, Location]]]:
        reader = csv.reader(io.StringIO(text, newline=""))
        number = 0
        try:
            for cells in reader:
                number += 1
                yield number, cells, {}
        except csv.Error as exc:
            errors.append(
                LoaderError(
                    Location(file, spec.name, number + 1, line=reader.line_num),
                    f"CSV 格式错误：{exc}",
                    f"malformed CSV: {exc}",
                )
            )

    return _build_sheet(spec, file, spec.name, records(), errors, limits, letters=False)


# ---- xlsx --------------------------------------------------------------------------------------
def _too_big(file: str, size: int, limits: Limits) -> LoaderError:
    return LoaderError(
        Location(file),
        f"文件过大：{size} 字节，上限 {limits.max_bytes} 字节",
        f"the file is too large: {size} bytes, the limit is {limits.max_bytes} bytes",
    )
