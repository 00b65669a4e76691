"""The bundled sample catalog (sample/): size, coverage, the deliberate violations, determinism, loading."""

from __future__ import annotations

import csv
import filecmp
import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample"


def _tool():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "tools" / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample"] = module
    spec.loader.exec_module(module)
    return module


make_sample = _tool()


@pytest.fixture(scope="module")
def sample():
    return make_sample.read_sample(SAMPLE)


@pytest.fixture(scope="module")
def orgs():
    with (ROOT / "registries" / "organisations.csv").open(encoding="utf-8", newline="") as f:
        return {r["统一社会信用代码"]: r for r in csv.DictReader(f)}


def _resources(sample):
    return [r for s in sample.values() for r in s["信息资源"]]


def test_departments_of_province_and_cities(sample, orgs):
    assert all(u in orgs for u in sample), "every submission is filed by a department of the registry"
    provincial = [u for u in sample if orgs[u]["层级"] == "省"]
    cities: dict[str, int] = {}
    for u in sample:
        if orgs[u]["层级"] == "市":
            cities[orgs[u]["行政区划代码"]] = cities.get(orgs[u]["行政区划代码"], 0) + 1
    assert len(provincial) >= 40
    assert len([c for c, n in cities.items() if n >= 4]) >= 2
    kinds = {orgs[u]["类型"] for u in sample}
    assert {"事业单位", "公用事业单位"} <= kinds  # R39.1: they publish catalogs too


def test_forms_csv_folders_and_workbooks():
    folders = [p for p in SAMPLE.iterdir() if p.is_dir() and (p / "信息资源.csv").exists()]
    workbooks = list(SAMPLE.glob("*.xlsx"))
    assert len(folders) > len(workbooks) >= 3


def test_size_and_codes(sample):
    resources = _resources(sample)
    items = [it for s in sample.values() for it in s["信息项"]]
    assert len(resources) >= 300
    assert len(items) >= 3000
    codes = [r["信息资源代码"] for r in resources]
    assert len(codes) == len(set(codes)), "resource codes are unique across the sample"
    assert all(re.fullmatch(r"[123][0-9]{5}/[0-9]{3,}", c) for c in codes)
    assert {it["信息资源代码"] for it in items} == set(codes), "every resource has items, every item a resource"
    for uscc, s in sample.items():
        assert all(r["信息资源提供方代码"] == uscc for r in s["信息资源"])


def test_every_sharing_and_open_type(sample):
    resources = _resources(sample)
    assert {r["共享类型"] for r in resources} == {"无条件共享", "有条件共享", "不予共享"}
    assert {r["开放类型"] for r in resources} == {"无条件开放", "依申请开放", "不予开放"}
    methods = {m for r in resources for m in re.split("[;；]", r["共享方式"]) if m}
    assert {"共享平台/接口", "共享平台/文件", "共享平台/数据库"} <= methods


def test_legal_bases_of_every_rank(sample):
    reg = make_sample.Registries.load()
    cited = [t for r in _resources(sample) for t in make_sample.CITATION.findall(r["法律依据"])]
    assert all(t in reg.legal for t in cited), "legal bases are cited by the registry's exact titles"
    ranks = {reg.legal[t]["位阶"] for t in cited}
    assert {"法律", "行政法规", "地方性法规", "部门规章", "地方政府规章", "规范性文件"} <= ranks
    assert all(re.fullmatch(r"《[^》]+》(第[一二三四五六七八九十百〇零]+条)?", c)
               for r in _resources(sample) for c in re.split("[;；]", r["法律依据"]) if c)


def test_lineage_across_departments_purchases_and_databases(sample):
    owner = {r["信息资源代码"]: u for u, s in sample.items() for r in s["信息资源"]}
    cross = [(u, r["信息资源代码"], src) for u, s in sample.items() for r in s["信息资源"]
             for src in filter(None, re.split("[;；]", r["来源资源代码"])) if owner[src] != u]
    assert len(cross) >= 5
    assert all(src in owner for _, _, src in cross)
    purchased = [r for r in _resources(sample) if r["获取方式"] == "购买"]
    assert purchased and any(r["购买审批"] for r in purchased)
    assert all(r["共享类型"] != "不予共享" for r in purchased)
    databases = {r["所属库"] for r in _resources(sample) if r["所属库"]}
    assert {"人口", "法人单位", "空间地理", "电子证照", "公共信用", "宏观经济"} <= databases
    assert {"医疗健康", "交通出行", "生态环境"} <= databases


def test_filing_and_contacts(sample, orgs):
    bureaus = {o["行政区划代码"]: u for u, o in orgs.items() if o["类型"] == "大数据局"}
    assert bureaus["370000"] == "11370000MB284651XL"
    for uscc, s in sample.items():
        (cat,) = s["目录信息"]
        assert cat["部门代码"] == uscc
        assert cat["联系人"] and cat["联系电话"] and "@" in cat["联系邮箱"]
        if cat["备案机关代码"]:
            assert cat["备案机关代码"] == bureaus[orgs[uscc]["行政区划代码"]], "filed with the same level"


def test_data_elements_one_source_each(sample):
    reg = make_sample.Registries.load()
    ids = {e["标识符"] for e in reg.elements.values()}
    sources: dict[str, set[str]] = {}
    used = set()
    for uscc, s in sample.items():
        for it in s["信息项"]:
            if it["数据元"]:
                assert it["数据元"] in ids
                used.add(it["数据元"])
                if it["权威来源"] == "是":
                    sources.setdefault(it["数据元"], set()).add(uscc)
    assert used == set(sources), "every data element used has an authoritative source"
    assert {de for de, d in sources.items() if len(d) > 1} == {"DE00021"}
    # The one deliberate R17.1 case: R17.1 reports both claimants of DE00021, on every resource in which
    # a claimant names itself the source, and nothing else.
    claims = {(uscc, it["信息资源代码"]) for uscc, s in sample.items() for it in s["信息项"]
              if it["数据元"] == "DE00021" and it["权威来源"] == "是"}
    violations = [r for r in make_sample.read_csv(SAMPLE / "violations.csv") if r["rule_id"] == "R17.1"]
    assert {(r["department_uscc"], r["resource_code"]) for r in violations} == claims
    assert {u for u, _ in claims} == sources["DE00021"]


def test_violations_file_matches_the_data(sample):
    """The rules checkable from the files fire exactly where violations.csv says, and nowhere else."""
    rows = make_sample.read_csv(SAMPLE / "violations.csv")
    assert list(rows[0]) == make_sample.VIOLATION_COLUMNS
    # One deliberate case may give several rows (R17.1 reports each resource of both claimants): count cases.
    assert 10 <= len({(r["rule_id"], r["description"]) for r in rows}) <= 16
    codes = {r["信息资源代码"] for r in _resources(sample)}
    for r in rows:
        assert r["department_uscc"] in sample
        assert r["resource_code"] == "" or r["resource_code"] in codes
        assert r["severity"] in ("Violation", "Warning", "Info") and r["description"]
    expected = {(r["rule_id"], r["department_uscc"], r["resource_code"]) for r in rows}
    assert make_sample.check_sample(SAMPLE) == expected
    assert {r["rule_id"] for r in rows} >= {"R2.1", "R15.1", "R15.2", "R16.1", "R17.1", "R17.2", "R18.1", "R18.2",
                                            "R19.1", "R21.1", "R22.2", "R25.2", "R25.3", "R25.4"}


def test_readme_lists_every_violation():
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for r in make_sample.read_csv(SAMPLE / "violations.csv"):
        assert r["rule_id"] in readme
        assert (r["resource_code"] or r["department_uscc"]) in readme


def test_generator_is_deterministic(tmp_path):
    make_sample.write_sample(tmp_path)
    cmp = filecmp.dircmp(SAMPLE, tmp_path, ignore=["README.md", "__init__.py", "__pycache__"])

    def diffs(c):
        out = c.left_only + c.right_only + c.diff_files + c.funny_files
        for sub in c.subdirs.values():
            out += diffs(sub)
        return out

    assert diffs(cmp) == []
    for path in SAMPLE.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".xlsx"):
            other = tmp_path / path.relative_to(SAMPLE)
            assert path.read_bytes() == other.read_bytes(), path


def test_whole_sample_loads_into_a_store(tmp_path):
    if importlib.util.find_spec("govcat.loaders.template") is None:
        pytest.skip("govcat.loaders.template does not exist yet: the template loader is being written")
    from govcat.loaders.template import load_submissions
    from govcat.store import CatalogStore

    paths = sorted(p for p in SAMPLE.iterdir()
                   if p.suffix == ".xlsx" or (p.is_dir() and (p / "信息资源.csv").exists()))
    store = CatalogStore.open(tmp_path / "store", "https://data.sd.gov.cn/govcat/")
    subs = load_submissions(paths, store)  # raises LoadErrors, naming every problem, if any
    assert len(subs) == len(paths) and all(s.ok for s in subs)
    assert sum(s.resources for s in subs) == len(_resources(make_sample.read_sample(SAMPLE)))
    rows = store.query(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> } }"
    )
    assert int(list(rows)[0][0].value) == sum(s.resources for s in subs)
