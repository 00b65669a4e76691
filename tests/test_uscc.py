"""GB 32100 check characters: known codes, generated codes, and every bundled organisation."""

import csv

import pytest

from govcat import uscc
from govcat.registries import REGISTRIES_DIR

REAL = ["11370000MB284651XL", "113700000045022274", "113700000045024031", "11370000004504927A", "113700000045030270"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code):
    assert uscc.is_valid(code)
    assert uscc.check_character(code[:17]) == code[17]
    assert uscc.problem(code) is None


@pytest.mark.parametrize(
    "code",
    ["11370000MB284651XA", "11370000MB284651X", "11370000MB284651XLL", "11370000Mb284651XL", "1137000OMB284651XL",
     "11370000MI284651XL", "", "113700A0MB284651XL"],
)
def test_bad_codes_fail(code):
    assert not uscc.is_valid(code)
    assert uscc.problem(code) is not None


def test_wrong_check_character_says_which_is_right():
    zh, en = uscc.problem("11370000MB284651XA")
    assert "L" in zh and "should be L" in en


def test_check_character_rejects_bad_input():
    with pytest.raises(ValueError):
        uscc.check_character("11370000MB28465")
    with pytest.raises(ValueError):
        uscc.check_character("11370000MB284651I")


def test_generate_is_deterministic_and_valid():
    a = uscc.generate("370100", "济南市公安局")
    assert a == uscc.generate("370100", "济南市公安局")
    assert a != uscc.generate("370100", "济南市公安局", salt=1)
    assert uscc.is_valid(a) and a.startswith("11370100MB")
    assert uscc.org_code_check(a[8:16]) == a[16]
    assert uscc.generate("370000", "x", authority="91").startswith("91370000")
    with pytest.raises(ValueError):
        uscc.generate("3700", "x")


def test_org_code_check_of_real_codes():
    # The real codes carry a valid GB 11714 organisation code in characters 9-17.
    for code in REAL:
        assert uscc.org_code_check(code[8:16]) == code[16]


def test_every_bundled_organisation_passes():
    with (REGISTRIES_DIR / "organisations.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 200
    for row in rows:
        assert uscc.is_valid(row["统一社会信用代码"]), row
        if row["上级单位代码"]:
            assert uscc.is_valid(row["上级单位代码"]), row
    real = {r["统一社会信用代码"]: r for r in rows if r["代码生成"] == "否"}
    assert set(real) == set(REAL)
    assert real["11370000MB284651XL"]["名称"] == "山东省大数据局"
