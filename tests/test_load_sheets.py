"""The general tabular reader (loaders/sheets.py): file kinds, limits, encodings, headers and the
locations it gives, on real files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from govcat.errors import LoadErrors
from govcat.loaders.sheets import Column, Limits, SheetSpec, read_csv_file, read_sheets

SPEC = SheetSpec(
    "人员",
    (Column("name", "姓名", ("name",), required=True), Column("age", "年龄", ("age",)), Column("note", "备注", ("note",))),
    aliases=("people",),
)


def workbook(path: Path, rows: list[list], title: str = "人员") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def only_error(result) -> object:
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    return result.errors[0]


def test_xlsx_rows_with_locations(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", [["姓名", "age"], ["张三", 30], [None, None], ["李四", None]])
    result = read_sheets(path, [SPEC])
    assert not result.errors
    rows = result.sheets["人员"].rows
    assert [(r.number, r.get("name"), r.get("age")) for r in rows] == [(2, "张三", "30"), (4, "李四", "")]
    loc = rows[1].loc("name")
    assert (loc.file, loc.sheet, loc.row, loc.column) == (str(path), "人员", 4, "姓名")


def test_required_cell_empty(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", [["姓名", "年龄"], [None, 3]])
    e = only_error(read_sheets(path, [SPEC]))
    assert (e.location.row, e.location.column) == (2, "姓名") and "must not be empty" in e.en


def test_cell_without_a_header(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", [["姓名", None], ["张三", "x"]])
    e = only_error(read_sheets(path, [SPEC]))
    assert (e.location.row, e.location.column) == (2, "B") and "no header" in e.en


@pytest.mark.parametrize(
    "content, kind",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "legacy Office"),
        ("姓名,年龄\n张三,3\n".encode("utf-8"), "not an Excel workbook"),
    ],
)
def test_wrong_kind_of_file(tmp_path: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    e = only_error(read_sheets(path, [SPEC]))
    assert kind in e.en and "文件类型错误" in e.zh and e.location.file == str(path)


def test_docx_and_zip_renamed(tmp_path: Path) -> None:
    docx = tmp_path / "d.xlsx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    assert "Word document" in only_error(read_sheets(docx, [SPEC])).en
    plain = tmp_path / "z.xlsx"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "ZIP archive" in only_error(read_sheets(plain, [SPEC])).en


def test_xlsx_renamed_csv(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", [["姓名"], ["张三"]])
    renamed = tmp_path / "a.csv"
    path.rename(renamed)
    e = only_error(read_sheets(renamed, [SPEC]))
    assert "named .csv" in e.en


def test_size_and_row_limits(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", [["姓名"]] + [[f"人{i}"] for i in range(30)])
    e = only_error(read_sheets(path, [SPEC], limits=Limits(max_bytes=1000)))
    assert "too large" in e.en and "文件过大" in e.zh
    e = only_error(read_sheets(path, [SPEC], limits=Limits(max_rows=10)))
    assert "row limit" in e.en and e.location.sheet == "人员"
    csv_path = tmp_path / "p.csv"
    csv_path.write_text("姓名\n" + "".join(f"人{i}\n" for i in range(30)), encoding="utf-8")
    e = only_error(read_sheets(csv_path, [SPEC], limits=Limits(max_rows=10)))
    assert "row limit" in e.en and e.location.row == 12
    e = only_error(read_sheets(csv_path, [SPEC], limits=Limits(max_bytes=20)))
    assert "too large" in e.en


def test_csv_with_and_without_bom_and_english_headers(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_bytes("\ufeff姓名,年龄\n张三,3\n".encode("utf-8"))
    b = tmp_path / "b.csv"
    b.write_text("name,AGE,note\n李四,,\"多行\n备注\"\n王五,5,\n", encoding="utf-8")
    assert read_csv_file(a, SPEC).rows[0].get("name") == "张三"
    rows = read_csv_file(b, SPEC).rows
    assert [(r.number, r.get("name"), r.get("note")) for r in rows] == [(2, "李四", "多行\n备注"), (3, "王五", "")]


def test_csv_gbk_and_invalid_bytes(tmp_path: Path) -> None:
    gbk = tmp_path / "g.csv"
    gbk.write_bytes("姓名,年龄\n张三,3\n".encode("gbk"))
    with pytest.raises(LoadErrors) as info:
        read_csv_file(gbk, SPEC)
    e = info.value.errors[0]
    assert e.location.line == 1 and "GBK/GB18030" in e.zh and "GBK/GB18030" in e.en
    bad = tmp_path / "b.csv"
    bad.write_bytes("姓名,年龄\n张三,3\n李".encode("utf-8") + b"\xff\xff,4\n")
    with pytest.raises(LoadErrors) as info:
        read_csv_file(bad, SPEC)
    e = info.value.errors[0]
    assert (e.location.line, e.location.offset) == (3, 2) and "invalid UTF-8" in e.en


def test_header_problems_name_the_column(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("年龄,age,职业\n3,3,x\n", encoding="utf-8")
    result = read_sheets(path, [SPEC])
    msgs = {(e.location.row, e.location.column): e.en for e in result.errors}
    assert "duplicate column" in msgs[(1, "年龄")]
    assert "unknown column header '职业'" in msgs[(1, "职业")]
    assert "missing required column" in msgs[(1, "姓名")]
    assert not result.sheets


def test_csv_folder_missing_and_empty_sheets(tmp_path: Path) -> None:
    other = SheetSpec("单位", (Column("org", "单位名称", required=True),))
    (tmp_path / "people.csv").write_text("姓名\n张三\n", encoding="utf-8")  # the English alias of the sheet
    result = read_sheets(tmp_path, [SPEC, other])
    assert "人员" in result.sheets
    e = only_error(result)
    assert e.location.sheet == "单位" and "missing sheet" in e.en
    (tmp_path / "单位.csv").write_text("", encoding="utf-8")
    e = only_error(read_sheets(tmp_path, [SPEC, other]))
    assert e.location.sheet == "单位" and "empty" in e.en and "为空" in e.zh


def test_single_csv_for_a_multi_sheet_spec(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("姓名\n张三\n", encoding="utf-8")
    e = only_error(read_sheets(path, [SPEC, SheetSpec("单位", ())]))
    assert "one sheet" in e.en


def test_empty_sheet_in_a_workbook(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", [])
    e = only_error(read_sheets(path, [SPEC]))
    assert e.location.sheet == "人员" and "empty" in e.en
