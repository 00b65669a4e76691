"""The bundled sample catalog survives loading: after `load_submissions` into a real on-disk store, SPARQL
over the store gives back exactly the resources, data items, legal bases and lineage links of its
spreadsheets, which this test reads on its own with the csv module and openpyxl (not with govcat's reader).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest

from govcat.loaders.template import load_submissions
from govcat.sample import submissions
from govcat.store import CatalogStore

DATA = Path(__file__).parent / "data" / "load"
BASE = "https://data.sd.gov.cn/govcat/"
SHEETS = ("目录信息", "信息资源", "信息项")
SPLIT = re.compile(r"[;；]")
CITED_TITLE = re.compile(r"《([^《》]+)》")


# ---- the spreadsheets, read independently -------------------------------------------------------------
def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_spreadsheets(path: Path) -> dict[str, list[dict[str, str]]]:
    """One submission as {sheet: rows}, each row {Chinese header: cell text}."""
    sheets: dict[str, list[dict[str, str]]] = {}
    if path.is_dir():
        for sheet in SHEETS:
            with (path / f"{sheet}.csv").open(encoding="utf-8-sig", newline="") as fh:
                sheets[sheet] = [{k.strip(): _cell(v) for k, v in rec.items()} for rec in csv.DictReader(fh)]
    else:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for sheet in SHEETS:
                rows = list(wb[sheet].iter_rows(values_only=True))
                header = [_cell(h) for h in rows[0]]
                sheets[sheet] = [
                    {h: _cell(v) for h, v in zip(header, r)} for r in rows[1:] if any(_cell(v) for v in r)
                ]
        finally:
            wb.close()
    return sheets


def _type_letter(text: str) -> str:
    # The template writes 字符型C; the letter alone is accepted too.
    return text[-1] if text else ""


def expected_sets(paths: list[Path]) -> dict[str, Counter]:
    resources, items, legal, lineage = Counter(), Counter(), Counter(), Counter()
    for path in paths:
        sheets = read_spreadsheets(path)
        (catalog,) = sheets["目录信息"]
        dept = catalog["部门代码"]
        order: Counter = Counter()
        for r in sheets["信息资源"]:
            code = r["信息资源代码"]
            resources[(dept, code, r["信息资源名称"])] += 1
            for citation in filter(None, (c.strip() for c in SPLIT.split(r["法律依据"]))):
                legal[(dept, code, CITED_TITLE.match(citation).group(1).strip())] += 1
            for source in filter(None, (c.strip() for c in SPLIT.split(r["来源资源代码"]))):
                lineage[(dept, code, source)] += 1
        for it in sheets["信息项"]:
            code = it["信息资源代码"]
            order[code] += 1
            items[(dept, code, order[code], it["信息项名称"], _type_letter(it["数据类型"]))] += 1
    return {"resources": resources, "items": items, "legal": legal, "lineage": lineage}


# ---- the store, queried with SPARQL ----------------------------------------------------------------------
def query(store: ox.Store, name: str, **bindings: str) -> list[dict[str, ox.Literal | ox.NamedNode | None]]:
    sparql = (DATA / f"roundtrip-{name}.rq").read_text(encoding="utf-8")
    result = store.query(sparql, substitutions={ox.Variable(k): ox.NamedNode(v) for k, v in bindings.items()})
    names = [v.value for v in result.variables]
    return [{n: sol[n] for n in names} for sol in result]


def _text(term) -> str | None:
    return None if term is None else term.value


def found_sets(store: ox.Store, departments: list[str]) -> dict[str, Counter]:
    vocab, legal_graph = BASE + "graph/vocab", BASE + "graph/registry/legal"
    out = {k: Counter() for k in ("resources", "items", "legal", "lineage")}
    for dept in departments:
        g = BASE + f"graph/catalog/{dept}"
        for r in query(store, "resources", g=g):
            assert r["title"].language == "zh"
            out["resources"][(dept, r["code"].value, r["title"].value)] += 1
        for r in query(store, "items", g=g, vocab=vocab):
            out["items"][(dept, r["code"].value, int(r["order"].value), r["name"].value, _text(r["type"]))] += 1
        for r in query(store, "legal", g=g, legal=legal_graph):
            out["legal"][(dept, r["code"].value, _text(r["title"]))] += 1
        for r in query(store, "lineage", g=g):
            out["lineage"][(dept, r["code"].value, _text(r["source"]))] += 1
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The whole sample loaded in one batch into a fresh on-disk store, then reopened read-only."""
    tmp = tmp_path_factory.mktemp("roundtrip")
    paths = submissions()
    assert any(p.is_dir() for p in paths) and any(p.suffix == ".xlsx" for p in paths)
    with pytest.MonkeyPatch.context() as mp:
        # load_submissions refreshes the public projection: keep it in this test's directory.
        mp.setenv("GOVCAT_PUBLIC_STORE", str(tmp / "public"))
        store = CatalogStore.open(tmp / "store", BASE)
        subs = load_submissions(paths, store)
        store.flush()
    departments = [s.department for s in subs]
    on_disk = ox.Store.read_only(str(tmp / "store"))
    return paths, departments, on_disk


@pytest.fixture(scope="module")
def compared(loaded):
    paths, departments, on_disk = loaded
    return expected_sets(paths), found_sets(on_disk, departments)


def _diff(expected: Counter, found: Counter) -> str:
    missing, extra = expected - found, found - expected
    return (f"{sum(missing.values())} missing from the store, e.g. {sorted(missing)[:5]}; "
            f"{sum(extra.values())} only in the store, e.g. {sorted(extra, key=str)[:5]}")


def test_every_submission_is_a_department_graph(loaded):
    paths, departments, _ = loaded
    assert len(departments) == len(paths) == len(set(departments))
    stems = {p.stem for p in paths}
    assert set(departments) == stems, "submissions are named by their department's USCC"


@pytest.mark.parametrize("what", ["resources", "items", "legal", "lineage"])
def test_store_gives_back_the_spreadsheets(compared, what):
    expected, found = compared
    assert expected[what], f"the sample has no {what}: the comparison would prove nothing"
    assert found[what] == expected[what], _diff(expected[what], found[what])


def test_sample_is_not_trivially_small(compared):
    expected, _ = compared
    # The README's figures: 349 resources, 3,185 data items; lineage crosses departments.
    assert sum(expected["resources"].values()) >= 300 and sum(expected["items"].values()) >= 3000
    assert sum(expected["legal"].values()) >= 100 and sum(expected["lineage"].values()) >= 20
