"""The registries load into a real on-disk store; bad input is reported in full and changes nothing."""

import csv
import subprocess
import sys
import gc as _gc
from pathlib import Path

import pyoxigraph as ox
import pytest

from govcat import registry
from govcat.errors import LoadErrors
from govcat.ns import MEASURES
from govcat.store import CatalogStore

BASE = "https://data.sd.gov.cn/govcat/"
DATA = Path(__file__).parent / "data" / "registry"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
P = """PREFIX gc: <https://w3id.org/govcat/ns#> PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX eli: <http://data.europa.eu/eli/ontology#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX kind: <https://w3id.org/govcat/vocab/org-kind/>
PREFIX level: <https://w3id.org/govcat/vocab/admin-level/> PREFIX div: <https://w3id.org/govcat/vocab/division/>
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = CatalogStore.open(tmp_path_factory.mktemp("regstore"), BASE, initialise=False)
    counts = registry.load_bundled(s)
    assert all(n > 0 for n in counts.values())
    return s


def rows(store, kind, sparql):
    graph = ox.NamedNode(store.iris.registry_graph(kind))
    result = store.query(P + sparql, use_default_graph_as_union=False, default_graph=[graph])
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def snapshot(store, prefix=""):
    return {g: sorted(str(q) for q in store.triples(g)) for g in store.named_graphs() if g.startswith(prefix)}


# ---- the bundled registries ---------------------------------------------------------------------
def test_every_registry_graph_is_loaded(store):
    for name in ("organisations", "legal", "data-elements", "calendar"):
        assert store.count(store.iris.registry_graph(name)) > 0


def test_governments_bureaus_and_cyberspace_departments(store):
    govs = rows(store, "organisations", """SELECT ?div ?level ?bureau ?cyber WHERE {
        ?g org:classification kind:government ; gc:division ?div ; gc:adminLevel ?level .
        ?b org:classification kind:big-data-bureau ; org:subOrganizationOf ?g ; gc:uscc ?bureau ;
           gc:division ?div ; gc:adminLevel ?level .
        ?c org:classification kind:cyberspace ; org:subOrganizationOf ?g ; gc:uscc ?cyber }""")
    with (SHARED / "shandong-divisions.csv").open(encoding="utf-8") as fh:
        active = {r["code"] for r in csv.DictReader(fh) if r["status"] == "active"}
    assert len(active) == 17
    assert {r["div"].rsplit("/", 1)[1] for r in govs} == active
    assert len(govs) == 17
    assert "371200" not in {r["div"].rsplit("/", 1)[1] for r in govs}  # 莱芜市 was abolished
    province = [r for r in govs if r["div"].endswith("/370000")][0]
    assert province["bureau"] == "11370000MB284651XL"
    assert province["level"].endswith("/admin-level/province")


def test_all_provincial_departments(store):
    with (SHARED / "shandong-provincial-departments.csv").open(encoding="utf-8") as fh:
        reference = {r["name_zh"]: r["uscc"] for r in csv.DictReader(fh)}
    found = rows(store, "organisations", """SELECT ?name ?uscc ?generated WHERE {
        ?gov gc:division div:370000 ; org:classification kind:government .
        ?o org:subOrganizationOf ?gov ; skos:prefLabel ?name ; gc:uscc ?uscc ; gc:usccGenerated ?generated ;
           gc:adminLevel level:province .
        FILTER(lang(?name) = "zh") }""")
    by_name = {r["name"]: r for r in found}
    assert set(reference) <= set(by_name)
    for name, code in reference.items():
        if code:
            assert by_name[name]["uscc"] == code and by_name[name]["generated"] == "false"
        else:
            assert by_name[name]["generated"] == "true"


def test_city_departments_and_public_bodies(store):
    per_city = rows(store, "organisations", """SELECT ?div (COUNT(?o) AS ?n) WHERE {
        ?o org:classification kind:department ; gc:adminLevel level:city ; gc:division ?div }
        GROUP BY ?div""")
    assert len(per_city) == 16 and all(int(r["n"]) >= 6 for r in per_city)
    kinds = rows(store, "organisations", """SELECT ?name ?kind WHERE {
        ?o skos:prefLabel ?name ; org:classification ?kind FILTER(lang(?name) = "zh") }""")
    kind_of = {r["name"]: r["kind"].rsplit("/", 1)[1] for r in kinds}
    assert kind_of["国网山东省电力公司"] == "public-utility"
    assert kind_of["济南水务集团有限公司"] == "public-utility"
    assert kind_of["山东省大数据中心"] == "public-institution"


def test_open_data_sites_of_province_and_cities(store):
    """R24.1 (Art. 24): the province and every city government name their open-data website; nobody else does."""
    sites = rows(store, "organisations", """SELECT ?o ?name ?kind ?level ?site WHERE {
        ?o gc:openDataSite ?site ; org:classification ?kind ; gc:adminLevel ?level ; skos:prefLabel ?name
        FILTER(lang(?name) = "zh") }""")
    assert len(sites) == 17
    assert all(r["kind"].endswith("/org-kind/government") for r in sites)
    by_name = {r["name"]: r["site"] for r in sites}
    assert by_name["山东省人民政府"] == "https://data.sd.gov.cn/"
    assert by_name["济南市人民政府"] == "https://data.jinan.gov.cn/"
    assert by_name["青岛市人民政府"] == "https://data.qingdao.gov.cn/"
    assert by_name["菏泽市人民政府"] == "https://data.heze.gov.cn/"
    assert len(set(by_name.values())) == 17
    without = rows(store, "organisations", """SELECT ?o WHERE {
        ?o org:classification kind:government ; gc:adminLevel ?level
        FILTER(?level IN (level:province, level:city))
        FILTER NOT EXISTS { ?o gc:openDataSite ?site } }""")
    assert without == []


def test_open_data_site_column_by_alias_and_bad_addresses(tmp_path):
    good = (DATA / "orgs-good.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "orgs.csv"
    path.write_text("\n".join([good[0] + ",open_data_site", good[1] + ",https://data.example.gov.cn/", good[2] + ","])
                    + "\n", encoding="utf-8")
    s = CatalogStore.open(tmp_path / "s", BASE, initialise=False)
    registry.load(s, "organisations", path)
    assert rows(s, "organisations", "SELECT ?u ?site WHERE { ?o gc:openDataSite ?site ; gc:uscc ?u }") == [
        {"u": "11370000MB42786406", "site": "https://data.example.gov.cn/"}]
    bad = tmp_path / "orgs-bad-site.csv"
    bad.write_text("\n".join([good[0] + ",open_data_site", good[1] + ",data.example.gov.cn",
                               good[2] + ",https://exa mple.cn/"]) + "\n", encoding="utf-8")
    before = snapshot(s)
    with pytest.raises(LoadErrors) as exc:
        registry.load(s, "organisations", bad)
    assert snapshot(s) == before, "a failed load changed the store"
    errors = exc.value.errors
    assert _where(errors) == {(2, "开放数据网站"), (3, "开放数据网站")}
    assert all("网址" in e.zh and "web address" in e.en for e in errors)


def test_master_catalogs_published_by_bureaus(store):
    masters = rows(store, "organisations", """SELECT ?m ?div ?bureau WHERE {
        ?m a gc:MasterCatalog, dcat:Catalog ; dct:publisher ?b ; gc:division ?div ; gc:adminLevel ?level .
        ?b org:classification kind:big-data-bureau ; gc:division ?div ; gc:adminLevel ?level ; gc:uscc ?bureau }""")
    assert len(masters) == 17
    assert {r["m"] for r in masters} == {store.iris.master_catalog(r["div"].rsplit("/", 1)[1]) for r in masters}


def test_function_changes(store):
    changes = rows(store, "organisations", """SELECT ?uscc ?c ?date WHERE {
        ?o gc:uscc ?uscc ; org:changedBy ?c . ?c a org:ChangeEvent ; <http://www.w3.org/ns/prov#atTime> ?date }""")
    assert len(changes) >= 4
    assert any(r["uscc"] == "11370000MB284651XL" and r["date"] == "2018-10-31" for r in changes)
    assert all("#change-" in r["c"] for r in changes)
    assert any(r["date"].startswith("2026-1") for r in changes)


def test_legal_resources(store):
    legal = rows(store, "legal", """SELECT ?r ?title ?rank ?same WHERE {
        ?r a eli:LegalResource ; eli:title ?title ; eli:type_document ?rank ; eli:first_date_entry_in_force ?f .
        OPTIONAL { ?r owl:sameAs ?same } }""")
    by_title = {r["title"]: r for r in legal}
    assert len(legal) >= 40
    measures = by_title["山东省电子政务和政务数据管理办法"]
    assert measures["same"] == MEASURES and measures["rank"].endswith("/local-government-rule")
    assert by_title["政务信息资源共享管理暂行办法"]["rank"].endswith("/normative-document")
    assert by_title["中华人民共和国统计法"]["r"] == store.iris.legal("prc-statistics-law")
    assert sum(r["rank"].endswith("/other") for r in legal) >= 2
    amended = rows(store, "legal", """SELECT ?title ?date WHERE {
        ?r eli:title ?title ; eli:amended_by ?a . ?a eli:date_document ?date }""")
    assert {"title": "中华人民共和国统计法", "date": "2024-09-13"} in amended
    assert sum("2026-10-01" <= r["date"] <= "2026-11-30" for r in amended) >= 2


def test_data_elements(store):
    elements = rows(store, "data-elements", """SELECT ?id ?name ?sensitive WHERE {
        ?e a gc:DataElement ; dct:identifier ?id ; skos:prefLabel ?name ; gc:sensitive ?sensitive
        FILTER(lang(?name) = "zh") }""")
    by_name = {r["name"]: r for r in elements}
    assert len(elements) >= 120
    assert by_name["公民身份号码"] == {"id": "DE00001", "name": "公民身份号码", "sensitive": "true"}
    for name in ("统一社会信用代码", "不动产单元号", "车牌号码", "驾驶证号", "医保编号", "手机号码"):
        assert name in by_name


def test_english_headers_and_values_are_accepted(tmp_path):
    s = CatalogStore.open(tmp_path / "s", BASE, initialise=False)
    registry.load(s, "organisations", DATA / "orgs-good.csv")
    found = rows(s, "organisations", "SELECT ?uscc ?kind WHERE { ?o gc:uscc ?uscc ; org:classification ?kind }")
    assert {(r["uscc"], r["kind"].rsplit("/", 1)[1]) for r in found} == {
        ("11370000MB42786406", "government"), ("11370000MB284651XL", "big-data-bureau")}


# ---- bad input ----------------------------------------------------------------------------------
def _errors(store, kind, name):
    before = snapshot(store)
    with pytest.raises(LoadErrors) as exc:
        registry.load(store, kind, DATA / name)
    assert snapshot(store) == before, "a failed load changed the store"
    for e in exc.value.errors:
        assert e.location.file.endswith(name)
        assert e.zh and e.en and e.zh != e.en
    return exc.value.errors


def _where(errors):
    return {(e.location.row, e.location.column) for e in errors}


def test_bad_organisations(store):
    errors = _errors(store, "organisations", "orgs-bad.csv")
    assert _where(errors) == {(3, "统一社会信用代码"), (4, "类型"), (5, "上级单位代码"), (6, "统一社会信用代码"), (6, "名称")}
    text = {(e.location.row, e.location.column): (e.zh, e.en) for e in errors}
    assert "末位应为 L" in text[(3, "统一社会信用代码")][0] and "check character" in text[(3, "统一社会信用代码")][1]
    assert "政府部门" in text[(4, "类型")][0] and "did you mean '政府部门'" in text[(4, "类型")][1]
    assert "11370000MB99999999" in text[(5, "上级单位代码")][1]


def test_non_utf8_file(store):
    errors = _errors(store, "organisations", "orgs-gbk.csv")
    assert len(errors) == 1
    assert "不是 UTF-8" in errors[0].zh and "GBK" in errors[0].en


@pytest.mark.parametrize("name, column, en", [
    ("orgs-missing-header.csv", "类型", "missing required column"),
    ("orgs-duplicate-header.csv", "统一社会信用代码", "duplicate column"),
])
def test_bad_headers(store, name, column, en):
    errors = _errors(store, "organisations", name)
    assert any(e.location.row == 1 and e.location.column == column and en in e.en for e in errors)


def test_bad_legal_resources(store):
    errors = _errors(store, "legal", "legal-bad.csv")
    assert _where(errors) == {(3, "key"), (4, "位阶"), (4, "发布日期"), (4, "施行日期")}
    assert all("YYYY-MM-DD" in e.en for e in errors if e.location.column in ("发布日期", "施行日期"))
    assert any("duplicate key" in e.en for e in errors)


def test_bad_data_elements(store):
    errors = _errors(store, "data-elements", "data-elements-bad.csv")
    assert _where(errors) == {(3, "标识符"), (4, "敏感"), (5, "标识符")}


def test_bad_calendar(store):
    errors = _errors(store, "calendar", "calendar-bad.csv")
    assert (6, "日期") in _where(errors)


def test_sub_registries_keep_the_parent(tmp_path):
    s = CatalogStore.open(tmp_path / "s", BASE, initialise=False)
    registry.load_bundled(s)
    orgs_before = rows(s, "organisations", "SELECT (COUNT(?o) AS ?n) WHERE { ?o gc:uscc ?u }")
    changes = tmp_path / "changes.csv"
    changes.write_text("统一社会信用代码,变更日期,变更说明\n11370000MB284651XL,2026-11-02,承接新职责\n", encoding="utf-8")
    registry.load(s, "organisation-changes", changes)
    assert rows(s, "organisations", "SELECT (COUNT(?o) AS ?n) WHERE { ?o gc:uscc ?u }") == orgs_before
    assert rows(s, "organisations", "SELECT ?d WHERE { ?o org:changedBy/<http://www.w3.org/ns/prov#atTime> ?d }") == [
        {"d": "2026-11-02"}]
    # Reloading the organisations keeps the recorded changes ...
    registry.load(s, "organisations", registry.bundled_path("organisations"))
    assert len(rows(s, "organisations", "SELECT ?c WHERE { ?o org:changedBy ?c }")) == 1
    # ... and refuses a file that drops an organisation a change refers to.
    with pytest.raises(LoadErrors) as exc:
        registry.load(s, "organisations", _without_bureau(tmp_path))
    assert "organisation-changes" in exc.value.errors[0].en


def _without_bureau(tmp_path):
    """The bundled organisations without 山东省大数据局 (and the body under it), with another bureau."""
    from govcat.uscc import generate

    lines = registry.bundled_path("organisations").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if "11370000MB284651XL" not in line]
    kept.append(f"替代大数据局,Replacement bureau,{generate('370000', '替代大数据局')},大数据局,省,370000,,是,test")
    path = tmp_path / "orgs.csv"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


# ---- the command line ---------------------------------------------------------------------------
def test_cli_load_and_list(tmp_path):
    path = tmp_path / "cli-store"
    s = CatalogStore.open(path, BASE, initialise=False)
    registry.load_bundled(s)
    s.mark_initialised()
    s.flush()
    before = snapshot(s, s.iris.base + "graph/registry/")
    del s
    _gc.collect()
    bad = _govcat(path, "registry", "load", "legal", str(DATA / "legal-bad.csv"))
    assert bad.returncode == 2
    assert "legal-bad.csv" in bad.stderr and "第4行" in bad.stderr and "YYYY-MM-DD" in bad.stderr
    listed = _govcat(path, "registry", "list", "organisations", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    assert "11370000MB284651XL" in listed.stdout
    assert "https://data.jinan.gov.cn/" in listed.stdout  # the open-data websites are listed too
    good = _govcat(path, "registry", "load", "data-elements", str(registry.bundled_path("data-elements")))
    assert good.returncode == 0, good.stderr
    s = CatalogStore.open(path, BASE, initialise=False)
    assert snapshot(s, s.iris.base + "graph/registry/") == before


def _govcat(store_path, *args):
    return subprocess.run([str(Path(sys.executable).parent / "govcat"), "--store", str(store_path), *args],
                          capture_output=True, text=True, timeout=120)
