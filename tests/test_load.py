"""Loading department submissions (national template) into a real on-disk store: mapping, atomic
replacement with history, and every kind of bad input reported with its location, leaving the store
exactly as it was."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic

from govcat.errors import LoadErrors
from govcat.loaders.template import load_submissions, read_submission
from govcat.rdfio import ox_to_rdflib, read_turtle
from govcat.store import CatalogStore

DATA = Path(__file__).parent / "data" / "load"
BASE = "https://data.sd.gov.cn/govcat/"
POLICE = "11370000MB3706308U"
STATS = "11370000MB54516879"
HISTORY = BASE + "graph/history"


def fixture_store(path: Path) -> CatalogStore:
    """A real on-disk store holding the vocabularies and small registries of tests/data/load."""
    store = CatalogStore.open(path, BASE, initialise=False)
    for name, graph in (
        ("vocab", store.iris.vocab_graph),
        ("organisations", store.iris.registry_graph("organisations")),
        ("legal", store.iris.registry_graph("legal")),
        ("data-elements", store.iris.registry_graph("data-elements")),
    ):
        store.replace_graph(graph, list(read_turtle(DATA / f"{name}.ttl")))
    store.mark_initialised()  # so that the CLI does not re-initialise it with the bundled registries
    return store


def csv_folder_to_xlsx(folder: Path, out: Path) -> Path:
    """The same submission as an .xlsx workbook (one sheet per CSV file)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for path in sorted(folder.glob("*.csv")):
        ws = wb.create_sheet(path.stem)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for rec in csv.reader(fh):
                ws.append(rec)
    wb.save(out)
    return out


def all_quads(store: CatalogStore) -> set:
    return set(store.ox.quads_for_pattern(None, None, None, None))


def graph_of(store: CatalogStore, graph: str) -> Graph:
    return ox_to_rdflib(store.triples(graph))


@pytest.fixture()
def store(tmp_path: Path) -> CatalogStore:
    return fixture_store(tmp_path / "store")


def expect_errors(paths, store: CatalogStore) -> LoadErrors:
    before = all_quads(store)
    with pytest.raises(LoadErrors) as info:
        load_submissions(paths, store)
    assert all_quads(store) == before, "a failed load must leave the store exactly as it was"
    return info.value


def find(errors: LoadErrors, **where) -> list:
    hits = []
    for e in errors.errors:
        d = e.as_dict()
        if all((d.get(k) == v) if k != "text" else (v in e.zh or v in e.en) for k, v in where.items()):
            hits.append(e)
    return hits


# ---- good input ---------------------------------------------------------------------------------
def test_good_csv_folder_gives_the_expected_graph(store: CatalogStore) -> None:
    subs = load_submissions([DATA / "good-csv"], store)
    assert [s.department for s in subs] == [POLICE]
    assert subs[0].resources == 2 and subs[0].items == 3 and subs[0].replaced is None
    expected = Graph().parse(DATA / "good-csv.expected.ttl", format="turtle")
    got = graph_of(store, BASE + f"graph/catalog/{POLICE}")
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(got, expected)
        pytest.fail(
            "catalog graph differs from good-csv.expected.ttl\nonly loaded:\n"
            + only_got.serialize(format="nt")
            + "\nonly expected:\n"
            + only_expected.serialize(format="nt")
        )


def test_good_xlsx_gives_the_same_graph_as_csv(store: CatalogStore, tmp_path: Path) -> None:
    xlsx = csv_folder_to_xlsx(DATA / "good-csv", tmp_path / "police.xlsx")
    sub = read_submission(xlsx, store)
    expected = Graph().parse(DATA / "good-csv.expected.ttl", format="turtle")
    assert isomorphic(ox_to_rdflib(sub.triples), expected)
    assert store.count(BASE + f"graph/catalog/{POLICE}") == 0, "read_submission must not write"


def test_xlsx_typed_cells_dates_and_numbers(store: CatalogStore, tmp_path: Path) -> None:
    import datetime as dt

    xlsx = csv_folder_to_xlsx(DATA / "good-csv", tmp_path / "typed.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["信息资源"]
    ws["O2"] = dt.datetime(2021, 1, 1)  # 发布日期 typed as an Excel date
    wb["信息项"]["D2"] = 18  # 数据长度 as a number
    wb.save(xlsx)
    sub = read_submission(xlsx, store)
    expected = Graph().parse(DATA / "good-csv.expected.ttl", format="turtle")
    assert isomorphic(ox_to_rdflib(sub.triples), expected)


def test_reload_replaces_atomically_and_keeps_history(store: CatalogStore, tmp_path: Path) -> None:
    graph = BASE + f"graph/catalog/{POLICE}"
    load_submissions([DATA / "good-csv"], store)
    first = graph_of(store, graph)
    changed = tmp_path / "changed"
    shutil.copytree(DATA / "good-csv", changed)
    rows = (changed / "信息资源.csv").read_text(encoding="utf-8-sig").splitlines()
    (changed / "信息资源.csv").write_text("\n".join(rows[:2]) + "\n", encoding="utf-8")  # drop 101001/000002
    items = (changed / "信息项.csv").read_text(encoding="utf-8").splitlines()
    (changed / "信息项.csv").write_text("\n".join(items[:3]) + "\n", encoding="utf-8")
    subs = load_submissions([changed], store)
    history = subs[0].replaced
    assert history and history.startswith(graph + "/v/")
    assert isomorphic(graph_of(store, history), first), "the previous version stays queryable"
    now = graph_of(store, graph)
    assert len(list(now.subjects(predicate=None, object=None))) > 0
    assert store.ask(
        "ASK { GRAPH ?h { ?v prov:specializationOf ?g ; prov:invalidatedAtTime ?t ; dct:isReplacedBy ?g } }",
        substitutions={"h": ox.NamedNode(HISTORY), "v": ox.NamedNode(history), "g": ox.NamedNode(graph)},
        prefixes={"prov": "http://www.w3.org/ns/prov#", "dct": "http://purl.org/dc/terms/"},
    )
    codes = {r["c"] for r in store.select(
        "SELECT ?c ?g WHERE { GRAPH ?g { ?d <http://purl.org/dc/terms/identifier> ?c ; a <http://www.w3.org/ns/dcat#Dataset> } }",
        substitutions={"g": ox.NamedNode(graph)},
    )}
    assert codes == {"101001/000001"}
    # the code dropped by the department no longer belongs to it: another department may take it now
    assert "101001/000002" not in codes


def test_batch_of_two_departments_and_lineage(store: CatalogStore) -> None:
    subs = load_submissions([DATA / "good-csv", DATA / "stats-csv"], store)
    assert {s.department for s in subs} == {POLICE, STATS}
    assert all(not s.warnings for s in subs), [str(w) for s in subs for w in s.warnings]
    assert store.ask(
        "ASK { GRAPH ?g { ?m dcat:catalog ?c } }",
        substitutions={
            "g": ox.NamedNode(BASE + f"graph/catalog/{STATS}"),
            "m": ox.NamedNode(BASE + "catalog/master/370000"),
            "c": ox.NamedNode(BASE + f"catalog/{STATS}"),
        },
        prefixes={"dcat": "http://www.w3.org/ns/dcat#"},
    )


def test_unresolved_lineage_is_a_warning_not_an_error(store: CatalogStore) -> None:
    subs = load_submissions([DATA / "good-csv"], store)  # derives from 302001/000001, not loaded
    warnings = subs[0].warnings
    assert len(warnings) == 1
    w = warnings[0]
    assert (w.location.sheet, w.location.row, w.location.column) == ("信息资源", 2, "来源资源代码")
    assert "302001/000001" in w.zh and "302001/000001" in w.en


def test_rule_violations_still_load(store: CatalogStore, tmp_path: Path) -> None:
    """A 涉密 resource marked open, conditional sharing without conditions or legal basis: the shapes'
    business, not the loader's."""
    folder = tmp_path / "rules"
    shutil.copytree(DATA / "stats-csv", folder)
    (folder / "信息资源.csv").write_text(
        "code,title,provider_code,sharing_type,open_type,classified\n"
        f"302001/000001,涉密但开放,{STATS},有条件共享,无条件开放,是\n",
        encoding="utf-8",
    )
    subs = load_submissions([folder], store)
    assert subs[0].resources == 1


# ---- bad input: every problem, with its location, and the store unchanged -------------------------
def test_all_content_problems_of_a_file_in_one_run(store: CatalogStore) -> None:
    load_submissions([DATA / "stats-csv"], store)  # owns 302001/000001
    errors = expect_errors([DATA / "bad-content"], store)
    res, items = "信息资源", "信息项"
    expected = [
        dict(sheet=res, row=2, column="共享类型", text="有条件共享"),  # suggestion of the closest label
        dict(sheet=res, row=2, column="法律依据", text="中华人民共和国统计法"),  # closest title
        dict(sheet=res, row=2, column="发布日期", text="YYYY-MM-DD"),
        dict(sheet=res, row=3, column="信息资源代码", text="301001/000001"),  # malformed code
        dict(sheet=res, row=4, column="信息资源代码", text="第2行"),  # duplicate in the file
        dict(sheet=res, row=4, column="涉密", text="是"),
        dict(sheet=res, row=4, column="信息资源提供方代码", text="submitting department"),
        dict(sheet=res, row=5, column="信息资源代码", text="山东省统计局"),  # another department's code
        dict(sheet=res, row=5, column="发布日期", text="YYYY-MM-DD"),  # 2024-02-30
        dict(sheet=items, row=2, column="数据类型", text="字符型"),
        dict(sheet=items, row=2, column="数据长度", text="整数"),
        dict(sheet=items, row=2, column="数据元", text="DE99999"),
        dict(sheet=items, row=3, column="信息资源代码", text="101009/000009"),  # item of unknown resource
    ]
    for where in expected:
        assert find(errors, **where), f"no error {where}; got:\n{errors}"
    for e in errors.errors:
        assert e.zh and e.en and e.zh != e.en
        assert e.location.file.startswith(str(DATA / "bad-content"))


def test_provider_code_must_be_the_submitting_department(store: CatalogStore, tmp_path: Path) -> None:
    folder = tmp_path / "provider"
    shutil.copytree(DATA / "good-csv", folder)
    text = (folder / "信息资源.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    lines[2] = lines[2].replace(f"101001/000002,户籍迁移信息,{POLICE}", f"101001/000002,户籍迁移信息,{STATS}")
    (folder / "信息资源.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = expect_errors([folder], store)
    hits = find(errors, sheet="信息资源", row=3, column="信息资源提供方代码")
    assert hits and STATS in hits[0].zh and "submitting department" in hits[0].en
    assert len(errors.errors) == 1


def test_uscc_with_a_wrong_check_character(store: CatalogStore) -> None:
    errors = expect_errors([DATA / "bad-uscc"], store)
    hit = find(errors, sheet="目录信息", row=2, column="部门代码")
    assert hit and "校验码" in hit[0].zh and "check character" in hit[0].en


def test_unknown_department(store: CatalogStore) -> None:
    errors = expect_errors([DATA / "unknown-dept"], store)
    hit = find(errors, sheet="目录信息", row=2, column="部门代码")
    assert hit and "未知部门" in hit[0].zh and "unknown department" in hit[0].en


def test_missing_duplicate_and_unknown_headers(store: CatalogStore) -> None:
    errors = expect_errors([DATA / "bad-headers"], store)
    assert find(errors, sheet="目录信息", row=1, column="备注说明", text="unknown column")
    assert find(errors, sheet="信息资源", row=1, column="信息资源名称", text="missing required column")
    assert find(errors, sheet="信息项", row=1, column="数据类型", text="duplicate column")


def test_gbk_file_is_an_encoding_error(store: CatalogStore) -> None:
    errors = expect_errors([DATA / "bad-gbk"], store)
    assert len(errors.errors) == 1
    e = errors.errors[0]
    assert e.location.file.endswith("信息资源.csv") and e.location.line == 1
    assert "GBK" in e.zh and "GBK" in e.en and "UTF-8" in e.en


def test_invalid_bytes_name_the_line(store: CatalogStore) -> None:
    errors = expect_errors([DATA / "bad-bytes"], store)
    e = errors.errors[0]
    assert e.location.line == 3 and "UTF-8" in e.zh and "line 3" in e.en


def test_empty_sheet(store: CatalogStore) -> None:
    errors = expect_errors([DATA / "bad-empty"], store)
    assert find(errors, sheet="信息资源", text="empty")


def test_problems_of_all_files_in_one_error(store: CatalogStore) -> None:
    errors = expect_errors([DATA / "good-csv", DATA / "bad-uscc", DATA / "bad-gbk"], store)
    files = {Path(e.location.file).parent.name if e.location.file.endswith(".csv") else Path(e.location.file).name
             for e in errors.errors}
    assert {"bad-uscc", "bad-gbk"} <= files


def test_duplicate_department_and_codes_in_one_batch(store: CatalogStore, tmp_path: Path) -> None:
    copy = tmp_path / "again"
    shutil.copytree(DATA / "good-csv", copy)
    errors = expect_errors([DATA / "good-csv", copy], store)
    assert find(errors, sheet="目录信息", text="two submissions")
    assert find(errors, sheet="信息资源", column="信息资源代码", text="twice in this batch")


def test_code_owned_by_another_department_in_the_store(store: CatalogStore, tmp_path: Path) -> None:
    load_submissions([DATA / "stats-csv"], store)
    folder = tmp_path / "claim"
    shutil.copytree(DATA / "good-csv", folder)
    text = (folder / "信息资源.csv").read_text(encoding="utf-8-sig").replace("101001/000002,户籍", "302001/000001,户籍")
    (folder / "信息资源.csv").write_text(text, encoding="utf-8")
    items = (folder / "信息项.csv").read_text(encoding="utf-8").replace("101001/000002,迁移", "302001/000001,迁移")
    (folder / "信息项.csv").write_text(items, encoding="utf-8")
    errors = expect_errors([folder], store)
    hit = find(errors, sheet="信息资源", row=3, column="信息资源代码")
    assert hit and STATS in hit[0].en and "山东省统计局" in hit[0].zh


# ---- xlsx-specific problems ---------------------------------------------------------------------
def test_formula_and_merged_cells_in_a_workbook(store: CatalogStore, tmp_path: Path) -> None:
    xlsx = csv_folder_to_xlsx(DATA / "good-csv", tmp_path / "bad.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    wb["信息资源"]["P3"] = "=TODAY()"
    wb["信息项"].merge_cells("F2:F3")
    wb.save(xlsx)
    errors = expect_errors([xlsx], store)
    assert find(errors, sheet="信息资源", row=3, column="P3", text="formula")
    assert find(errors, sheet="信息项", row=2, column="F", text="F2:F3")


def test_missing_sheet_in_a_workbook(store: CatalogStore, tmp_path: Path) -> None:
    xlsx = csv_folder_to_xlsx(DATA / "good-csv", tmp_path / "nosheet.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    del wb["目录信息"]
    wb.save(xlsx)
    errors = expect_errors([xlsx], store)
    assert find(errors, sheet="目录信息", text="missing sheet")


# ---- with the bundled ontology, vocabularies and registries --------------------------------------
@pytest.fixture(scope="module")
def bundled_store(tmp_path_factory) -> CatalogStore:
    return CatalogStore.open(tmp_path_factory.mktemp("bundled") / "store", BASE)


def test_loads_against_the_bundled_registries(bundled_store: CatalogStore, tmp_path: Path) -> None:
    real_police = "11370000004504927A"  # 山东省公安厅 in registries/organisations.csv
    folders = []
    for name in ("good-csv", "stats-csv"):
        folder = tmp_path / name
        shutil.copytree(DATA / name, folder)
        for f in folder.glob("*.csv"):
            f.write_text(f.read_text(encoding="utf-8-sig").replace(POLICE, real_police), encoding="utf-8")
        folders.append(folder)
    subs = load_submissions(folders, bundled_store)
    assert {s.department for s in subs} == {real_police, STATS}
    assert all(not s.warnings for s in subs), [str(w) for s in subs for w in s.warnings]


def _sample_submissions() -> list[Path]:
    root = Path(__file__).parents[1] / "sample"
    return sorted(
        p for p in root.iterdir()
        if p.suffix.lower() == ".xlsx" or (p.is_dir() and any(p.glob("*.csv")))
    ) if root.is_dir() else []


@pytest.mark.skipif(not _sample_submissions(), reason="the bundled sample catalog has not landed in sample/ yet")
def test_the_bundled_sample_loads_in_one_batch(bundled_store: CatalogStore) -> None:
    try:
        subs = load_submissions(_sample_submissions(), bundled_store)
    except LoadErrors as exc:
        pytest.fail(f"the sample catalog does not load:\n{exc}")
    assert all(s.resources > 0 for s in subs)


# ---- text that N-Triples must escape (the mapper writes statements as text, see template_nt) --------
HOSTILE = [
    '引号"双"与\'单\'',
    "back\\slash \\n \\u0041 \\\"",
    "换行\n第二行\r\n第三行",
    "a > b <c> {d} |e| ^f^ `g`",
    "tab\there\x0bvt\x0cff\x01ctl\x7fdel",
    ' .\n<http://evil.example/s> <http://evil.example/p> "x" .\n',
    "\u2028\u2029 😀 zero\u200bwidth \ufeff",
    "\\",
    '"',
]


def _rewrite(path: Path, change) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):
        change(i, row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_hostile_text_is_stored_exactly_as_given(store: CatalogStore, tmp_path: Path) -> None:
    """Quotes, backslashes, line breaks, '>' and control characters in cells end up as the very same
    literal values, and nothing in them is read as N-Triples syntax (no injected triple)."""
    folder = tmp_path / "hostile"
    shutil.copytree(DATA / "good-csv", folder)
    titles, abstracts = HOSTILE[:2], HOSTILE[2:4]

    def resources(i: int, row: dict) -> None:
        row["信息资源名称"], row["信息资源摘要"] = titles[i], abstracts[i]
        row["时间范围"] = HOSTILE[5]
        row["关键词"] = HOSTILE[4 + i]

    _rewrite(folder / "信息资源.csv", resources)
    _rewrite(folder / "信息项.csv", lambda i, row: row.update({"信息项名称": HOSTILE[6 + i % 3]}))
    _rewrite(folder / "目录信息.csv", lambda i, row: row.update({"联系人": HOSTILE[7] + HOSTILE[8], "备案编号": HOSTILE[0]}))
    subs = load_submissions([folder], store)
    graph = BASE + f"graph/catalog/{POLICE}"
    g = ox.NamedNode(graph)
    dct, gc = "http://purl.org/dc/terms/", "https://w3id.org/govcat/ns#"

    def has(s: str, p: str, o: ox.Literal) -> bool:
        return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, g) in store.ox

    for i, code in enumerate(("101001-000001", "101001-000002")):
        ds = BASE + f"dataset/{code}"
        assert has(ds, dct + "title", ox.Literal(titles[i], language="zh"))
        assert has(ds, dct + "description", ox.Literal(abstracts[i], language="zh"))
        assert has(ds, gc + "temporalText", ox.Literal(HOSTILE[5].strip(), language="zh"))
    catalog = BASE + f"catalog/{POLICE}"
    assert has(catalog + "#contact", "http://www.w3.org/2006/vcard/ns#fn", ox.Literal(HOSTILE[7] + HOSTILE[8], language="zh"))
    assert has(catalog + "#filing", dct + "identifier", ox.Literal(HOSTILE[0]))
    item_titles = {q.object.value for q in store.ox.quads_for_pattern(None, ox.NamedNode(dct + "title"), None, g)
                   if "#item-" in q.subject.value}
    assert {HOSTILE[6].strip(), HOSTILE[7], HOSTILE[8]} <= item_titles
    assert not any("evil" in str(q.subject) + str(q.predicate) for q in store.triples(graph))
    # the stored graph is exactly what the dry run (statements parsed back into terms) gives
    assert set(store.ox.quads_for_pattern(None, None, None, g)) == {
        ox.Quad(t.subject, t.predicate, t.object, g) for t in read_submission(folder, fixture_store(tmp_path / "dry")).triples
    }
    assert subs[0].triple_count == store.count(graph)


def test_web_and_mail_addresses_that_are_no_iris_are_errors(store: CatalogStore, tmp_path: Path) -> None:
    """They look right to the address patterns but Oxigraph would refuse them as IRIs."""
    folder = tmp_path / "bad-iris"
    shutil.copytree(DATA / "good-csv", folder)

    def resources(i: int, row: dict) -> None:
        if i == 1:
            row["下载地址"] = "https://data.sd.gov.cn/dl/%zz.csv"
            row["接口地址"] = "https://data.sd.gov.cn/api#a#b"

    _rewrite(folder / "信息资源.csv", resources)
    _rewrite(folder / "目录信息.csv", lambda i, row: row.update({"联系邮箱": "zhang{san}@gat.shandong.gov.cn"}))
    errors = expect_errors([folder], store)
    assert find(errors, sheet="信息资源", row=3, column="下载地址", text="%zz")
    assert find(errors, sheet="信息资源", row=3, column="接口地址", text="not a valid URL")
    assert find(errors, sheet="目录信息", row=2, column="联系邮箱", text="e-mail")
    for e in errors.errors:
        assert e.zh and e.en and e.zh != e.en
