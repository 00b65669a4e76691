"""Generate the bundled sample catalog (``sample/``) from the domain tables in ``tools/sample_data/``.

    python tools/make_sample.py [OUT_DIR]        # default: sample/ beside this file's repository

The output is deterministic: the same tables and registries give byte-identical files (CSV and
``.xlsx``), so the generated sample is committed and a test regenerates it to compare.

Departments, their USCCs and their big-data bureaus come from ``registries/organisations.csv``; legal
bases are cited by the exact titles of ``registries/legal-resources.csv``; data elements are those of
``registries/data-elements.csv``. The deliberate violations of the Measures are listed in
``tools/sample_data/violations.csv``; everything else is generated to conform to every catalog rule of
``../shared/spec/rules.md`` at the as-of date, and :func:`check_sample` (a small, independent reader of the
generated files) proves that the rules it can check locally fire exactly where intended.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# The template's columns, as the generator of synthetic provinces writes them.
from govcat.generator.resources import CATALOG_COLUMNS, ITEM_COLUMNS, RESOURCE_COLUMNS
from govcat.generator.tables import max_age_days  # the vocabulary's gc:maxAgeDays

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "sample_data"
REGISTRIES = ROOT / "registries"
AS_OF = dt.date(2026, 11, 25)

VIOLATION_COLUMNS = ["rule_id", "article", "severity", "department_uscc", "resource_code", "description"]

DATA_TYPE_LABELS = {
    "C": "字符型C", "N": "数值型N", "Y": "货币型Y", "D": "日期型D", "T": "日期时间型T", "L": "逻辑型L",
    "M": "备注型M", "G": "通用型G", "B": "双精度型B", "I": "整型I", "F": "浮点型F",
}
QUALIFYING_RANKS = {"法律", "行政法规", "地方性法规", "部门规章", "地方政府规章"}
# Art. 17 lets a department collect data another department is the source of only where a law or
# regulation (法律、法规) requires it: a rule (规章) is enough for Art. 22 (R22.2) but not for R17.2.
LAW_OR_REGULATION_RANKS = {"法律", "行政法规", "地方性法规"}
# The data element of the deliberate R17.1 case (a second department claims to be its source).
SECOND_AUTHORITY_ELEMENT = "统一社会信用代码"
PLATFORM_METHODS = {"共享平台/接口", "共享平台/文件", "共享平台/数据库"}
CITATION = re.compile(r"《([^》]+)》")
CODE = re.compile(r"^[123][0-9]{2}[0-9]{3}[0-9]*/[0-9]{3,}$")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


# ---------------------------------------------------------------------------------------------------
# registries


@dataclass
class Registries:
    orgs: dict[str, dict[str, str]]  # by name
    by_uscc: dict[str, dict[str, str]]
    bureaus: dict[str, str]  # division -> bureau USCC
    legal: dict[str, dict[str, str]]  # by title
    amendments: dict[str, list[dt.date]]  # by title
    org_changes: dict[str, list[dt.date]]  # by USCC
    elements: dict[str, dict[str, str]]  # by name
    holidays: dict[dt.date, str]

    @classmethod
    def load(cls, folder: Path = REGISTRIES) -> "Registries":
        orgs = {r["名称"]: r for r in read_csv(folder / "organisations.csv")}
        by_uscc = {r["统一社会信用代码"]: r for r in orgs.values()}
        bureaus = {r["行政区划代码"]: r["统一社会信用代码"] for r in orgs.values() if r["类型"] == "大数据局"}
        legal_rows = read_csv(folder / "legal-resources.csv")
        legal = {r["标题"]: r for r in legal_rows}
        title_of = {r["key"]: r["标题"] for r in legal_rows}
        amendments: dict[str, list[dt.date]] = {}
        for r in read_csv(folder / "legal-amendments.csv"):
            amendments.setdefault(title_of[r["key"]], []).append(dt.date.fromisoformat(r["修订日期"]))
        changes: dict[str, list[dt.date]] = {}
        for r in read_csv(folder / "organisation-changes.csv"):
            changes.setdefault(r["统一社会信用代码"], []).append(dt.date.fromisoformat(r["变更日期"]))
        elements = {r["名称"]: r for r in read_csv(folder / "data-elements.csv")}
        holidays = {dt.date.fromisoformat(r["日期"]): r["类型"] for r in read_csv(folder / "calendar.csv")}
        return cls(orgs, by_uscc, bureaus, legal, amendments, changes, elements, holidays)

    def working_day(self, day: dt.date) -> bool:
        kind = self.holidays.get(day)
        if kind == "放假":
            return False
        if kind == "调休上班":
            return True
        return day.weekday() < 5

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        while n:
            day += dt.timedelta(days=1)
            if self.working_day(day):
                n -= 1
        return day

    def qualifies(self, citation: str) -> bool:
        return any(self.legal.get(t, {}).get("位阶") in QUALIFYING_RANKS for t in CITATION.findall(citation))

    def law_or_regulation(self, citation: str) -> bool:
        return any(self.legal.get(t, {}).get("位阶") in LAW_OR_REGULATION_RANKS for t in CITATION.findall(citation))


# ---------------------------------------------------------------------------------------------------
# generation


@dataclass
class Dept:
    name: str
    uscc: str
    domain: str
    form: str
    mail: str
    division: str
    index: int
    resources: list[dict[str, str]] = field(default_factory=list)
    items: list[dict[str, str]] = field(default_factory=list)
    catalog: dict[str, str] = field(default_factory=dict)


class ItemTypes:
    def __init__(self, rows: list[dict[str, str]]) -> None:
        self.exact = {r["pattern"]: r for r in rows if r["kind"] == "exact"}
        self.suffix = sorted((r for r in rows if r["kind"] == "suffix"), key=lambda r: -len(r["pattern"]))
        self.prefix = [r for r in rows if r["kind"] == "prefix"]

    def __call__(self, name: str) -> dict[str, str]:
        if name in self.exact:
            return self.exact[name]
        for r in self.prefix:
            if name.startswith(r["pattern"]):
                return r
        for r in self.suffix:
            if name.endswith(r["pattern"]):
                return r
        raise ValueError(f"no data type rule in item_types.csv for the item {name!r}")


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _data_updated(rng: random.Random, period: str) -> dt.date:
    max_age = max_age_days()[period]
    if max_age is None:
        return _day(rng, dt.date(2025, 3, 1), dt.date(2026, 10, 31))
    if max_age == 1:
        return AS_OF
    # well inside the period, so the sample is fresh at the as-of date
    return AS_OF - dt.timedelta(days=rng.randint(1, max_age // 2))


class Generator:
    def __init__(self, reg: Registries | None = None) -> None:
        self.reg = reg or Registries.load()
        self.texts = json.loads((DATA / "texts.json").read_text(encoding="utf-8"))
        self.types = ItemTypes(read_csv(DATA / "item_types.csv"))
        self.templates = read_csv(DATA / "resources.csv")
        self.legal_rules = read_csv(DATA / "legal.csv")
        self.authority = {r["data_element"]: r["domain"] for r in read_csv(DATA / "authorities.csv")}
        self.violations = read_csv(DATA / "violations.csv")
        self.rng = random.Random("govcat-sample-2026")
        self.depts: list[Dept] = []
        self.violation_rows: list[dict[str, str]] = []

    # -- departments ----------------------------------------------------------------------------------
    def _departments(self) -> None:
        for i, row in enumerate(read_csv(DATA / "departments.csv"), start=1):
            org = self.reg.orgs.get(row["name"])
            if org is None:
                raise ValueError(f"department {row['name']} is not in registries/organisations.csv")
            self.depts.append(Dept(row["name"], org["统一社会信用代码"], row["domain"], row["form"], row["mail"],
                                   org["行政区划代码"], i))

    def province_dept(self, domain: str) -> Dept:
        return next(d for d in self.depts if d.domain == domain and d.division == "370000")

    def _source_dept(self, dept: Dept, domain: str) -> Dept:
        same_city = [d for d in self.depts if d.domain == domain and d.division == dept.division]
        return same_city[0] if same_city else self.province_dept(domain)

    def _citations(self, domain: str, title: str) -> list[str]:
        rules = [r for r in self.legal_rules if r["domain"] == domain]
        hits = [r["citation"] for r in rules if r["match"] and r["match"] in title]
        return hits or [r["citation"] for r in rules if not r["match"]]

    # -- resources ------------------------------------------------------------------------------------
    def _resource(self, dept: Dept, tpl: dict[str, str], seq: int) -> dict[str, str]:
        rng, texts = self.rng, self.texts
        cls = tpl["cls"]
        xiang = cls.split("-")[1] if "-" in cls else "01"
        code = f"{cls[0]}{xiang}{dept.index:03d}/{seq:06d}"
        label = texts["classification"][cls[0]] + (f"/{texts['classification'][cls]}" if "-" in cls else "")
        sharing = texts["sharing"][tpl["sharing"]]
        opening = texts["open"][tpl["open"]]
        fmt = tpl["format"]
        methods = []
        if sharing != "不予共享":
            if fmt.startswith("数据库"):
                methods = ["共享平台/接口", "共享平台/数据库"] if rng.random() < 0.4 else ["共享平台/接口"]
            elif fmt.startswith("服务接口"):
                methods = ["共享平台/接口"]
            else:
                methods = ["共享平台/文件"]
        citations = self._citations(dept.domain, tpl["title"])
        site = texts["sites"][dept.division]
        issued = _day(rng, dt.date(2020, 3, 1), dt.date(2024, 12, 31))
        modified = _day(rng, dt.date(2025, 9, 1), dt.date(2026, 11, 16))
        res = {
            "信息资源代码": code,
            "信息资源名称": tpl["title"],
            "信息资源提供方代码": dept.uscc,
            "信息资源摘要": "",
            "信息资源分类": label,
            "信息资源格式": fmt,
            "更新周期": tpl["period"],
            "共享类型": sharing,
            "共享条件": rng.choice(texts["sharing_conditions"]).format(dept=dept.name) if sharing == "有条件共享" else "",
            "共享方式": ";".join(methods),
            "法律依据": ";".join(citations),
            "使用要求": rng.choice(texts["usage_requirements"]).format(dept=dept.name),
            "开放类型": opening,
            "开放条件": rng.choice(texts["open_conditions"]).format(dept=dept.name, site=texts["site_names"][dept.division])
            if opening == "依申请开放" else "",
            "发布日期": issued.isoformat(),
            "更新日期": modified.isoformat(),
            "数据更新日期": _data_updated(rng, tpl["period"]).isoformat(),
            "关联资源代码": "",
            "来源资源代码": "",
            "获取方式": tpl["acq"],
            "购买审批": "",
            "涉密": "否",
            "所属库": texts["database"].get(cls, ""),
            "关键词": ";".join(dict.fromkeys([texts["classification"].get(cls, texts["classification"][cls[0]]), dept.domain])),
            "空间范围": self.reg.by_uscc[dept.uscc]["名称"][:3] if dept.division == "370000" else dept.name[:3],
            "时间范围": f"{issued.year}年至今",
            "下载地址": "",
            "接口地址": "",
            "许可": "",
        }
        if opening == "无条件开放":
            res["下载地址"] = f"{site}/download/{code.replace('/', '-')}.{fmt.split('/')[1].lower()}"
            res["许可"] = texts["license"]
            if fmt.startswith("服务接口"):
                res["下载地址"] = f"{site}/download/{code.replace('/', '-')}.json"
                res["接口地址"] = f"{site}/api/{code.replace('/', '-')}"
        if tpl["acq"] == "购买":
            prefix = texts["approval_prefix"][dept.division]
            approved = _day(rng, dt.date(2024, 2, 1), dt.date(2025, 6, 30))
            res["购买审批"] = f"{prefix}〔{approved.year}〕{rng.randint(3, 60)}号 {approved.isoformat()}"
        return res

    def _items(self, dept: Dept, res: dict[str, str], names: list[str]) -> list[dict[str, str]]:
        by_law = any(self.reg.law_or_regulation(c) for c in res["法律依据"].split(";") if c)
        out = []
        for name in names:
            rule = self.types(name)
            element = self.reg.elements.get(name)
            sensitive = rule["sensitive"] == "是" or (element is not None and element["敏感"] == "是")
            row = {"信息资源代码": res["信息资源代码"], "信息项名称": name, "数据类型": DATA_TYPE_LABELS[rule["data_type"]],
                   "数据长度": rule["length"], "数据元": "", "权威来源": "", "敏感": "是" if sensitive else "否"}
            authority = self.authority.get(name)
            if element is not None and authority is not None:
                is_authority = dept.domain == authority and dept.division == "370000"
                # A department that is not the authoritative source links the element only when it
                # cites a law or regulation for its own collection (R17.2); otherwise the item stays unlinked.
                if is_authority or by_law:
                    row["数据元"] = element["标识符"]
                    row["权威来源"] = "是" if is_authority else "否"
            out.append(row)
        return out

    def _dept_resources(self, dept: Dept) -> None:
        tpls = [t for t in self.templates if t["domain"] == dept.domain]
        if dept.division != "370000":
            tpls = [t for t in tpls if t["city"] != "省"]
        for seq, tpl in enumerate(tpls, start=1):
            res = self._resource(dept, tpl, seq)
            names = tpl["items"].split(";")
            # record-level stores carry a row timestamp, as real tables do
            for extra in self.texts["trailing_items"].get(tpl["format"].split("/")[0], []):
                if extra not in names:
                    names.append(extra)
            res["_names"] = names  # type: ignore[assignment]
            n = len(names)
            acq = {"采集": "采集", "共享获取": "通过共享平台获取", "购买": "采购", "加工": "加工汇总"}[tpl["acq"]]
            res["信息资源摘要"] = (f"{tpl['summary']}。包括{'、'.join(names[:4])}等{n}项信息，由{dept.name}{acq}，"
                              f"{tpl['period']}更新。")
            res["_tpl"] = tpl  # type: ignore[assignment]
            dept.resources.append(res)

    def _lineage(self) -> None:
        by_title = {(d.uscc, r["信息资源名称"]): r for d in self.depts for r in d.resources}
        for dept in self.depts:
            for res in dept.resources:
                src = res["_tpl"]["source"]  # type: ignore[index]
                codes = []
                for ref in filter(None, src.split(";")):
                    domain, title = ref.split(":", 1)
                    target = self._source_dept(dept, domain)
                    if (target.uscc, title) not in by_title:
                        target = self.province_dept(domain)
                    codes.append(by_title[(target.uscc, title)]["信息资源代码"])
                res["来源资源代码"] = ";".join(codes)
                if res["获取方式"] == "共享获取" and codes:
                    res["关联资源代码"] = codes[0]

    # -- dates that depend on changes (R16.1) ---------------------------------------------------------
    def _settle_dates(self, res: dict[str, str], dept: Dept) -> None:
        floor = [d for d in self.reg.org_changes.get(dept.uscc, []) if d <= AS_OF]
        for title in CITATION.findall(res["法律依据"]):
            floor += [d for d in self.reg.amendments.get(title, []) if d <= AS_OF]
        modified = dt.date.fromisoformat(res["更新日期"])
        if floor and modified < max(floor):
            modified = min(max(floor) + dt.timedelta(days=self.rng.randint(1, 4)), AS_OF - dt.timedelta(days=1))
        res["更新日期"] = modified.isoformat()
        if res["发布日期"] > res["更新日期"]:
            res["发布日期"] = res["更新日期"]

    # -- deliberate violations ------------------------------------------------------------------------
    def _apply_violations(self) -> None:
        for v in self.violations:
            dept = next(d for d in self.depts if d.name == v["department"])
            res = next((r for r in dept.resources if r["信息资源名称"] == v["title"]), None) if v["title"] else None
            if v["title"] and res is None:
                raise ValueError(f"violation {v['rule_id']}: no resource {v['title']!r} in {dept.name}")
            action = v["action"]
            if action == "classified_open":
                res["涉密"] = "是"
                res["共享类型"] = "有条件共享"
                res["共享条件"] = f"仅向承担海洋管理和国防动员职责的部门提供，经{dept.name}审核同意后使用"
                site = self.texts["sites"][dept.division]
                res["开放类型"] = "无条件开放"
                res["开放条件"] = ""
                res["下载地址"] = f"{site}/download/{res['信息资源代码'].replace('/', '-')}.zip"
                res["许可"] = self.texts["license"]
            elif action == "no_usage":
                res["使用要求"] = ""
            elif action == "no_filing":
                dept.catalog["_no_filing"] = "是"
            elif action == "stale_amendment":
                res["法律依据"] = "《山东省大数据发展促进条例》第二十二条"
                res["更新日期"] = "2026-06-15"
                res["_fixed_dates"] = "是"
            elif action == "second_authority":
                pass  # applied when the items are built (see _build_items)
            elif action == "second_authority_counterpart":
                # The department that really is the source also claims it: R17.1 reports both claimants,
                # one result per resource that names its department the source (see _expand_counterparts).
                self.violation_rows.append({
                    "rule_id": v["rule_id"], "article": v["article"], "severity": v["severity"],
                    "department_uscc": dept.uscc, "resource_code": "", "description": v["description"],
                    "_counterpart": "是",
                })
                continue
            elif action == "duplicate_collection":
                res["共享类型"] = "无条件共享"
                res["共享条件"] = ""
                res["共享方式"] = "共享平台/接口"
                res["开放类型"] = "不予开放"
                res["开放条件"] = ""
                res["法律依据"] = ""
                res["获取方式"] = "采集"
            elif action == "paper_format":
                res["信息资源格式"] = "其他/纸质"
            elif action == "stale_data":
                res["数据更新日期"] = "2026-07-31"
            elif action == "purchase_no_approval":
                res["购买审批"] = ""
            elif action == "email_media_only":
                res["共享方式"] = "邮件;介质"
            elif action == "conditional_normative_only":
                res["法律依据"] = "《政务信息资源共享管理暂行办法》第九条"
            elif action == "conditional_no_conditions":
                res["共享条件"] = ""
            elif action in ("sensitive_open",):
                pass  # the table already gives it: a sensitive item in an openly published resource
            elif action == "unshared_open":
                res["开放类型"] = "依申请开放"
                res["开放条件"] = self.texts["open_conditions"][0].format(
                    dept=dept.name, site=self.texts["site_names"][dept.division])
            elif action == "open_no_download":
                res["下载地址"] = ""
            else:
                raise ValueError(f"unknown violation action {action!r}")
            if res is not None:
                res["_violation"] = action
            self.violation_rows.append({
                "rule_id": v["rule_id"], "article": v["article"], "severity": v["severity"],
                "department_uscc": dept.uscc, "resource_code": res["信息资源代码"] if res else "",
                "description": v["description"],
            })

    def _build_items(self, dept: Dept) -> None:
        for res in dept.resources:
            names = list(res["_names"])  # type: ignore[arg-type]
            action = res.get("_violation")
            if action == "duplicate_collection" and "公民身份号码" not in names:
                names = names[:1] + ["公民身份号码"] + names[1:]
            items = self._items(dept, res, names)
            if action == "duplicate_collection":
                for it in items:
                    if it["信息项名称"] == "公民身份号码":
                        it["数据元"] = self.reg.elements["公民身份号码"]["标识符"]
                        it["权威来源"] = "否"
            if action == "second_authority":
                for it in items:
                    if it["信息项名称"] == SECOND_AUTHORITY_ELEMENT:
                        it["数据元"] = self.reg.elements[SECOND_AUTHORITY_ELEMENT]["标识符"]
                        it["权威来源"] = "是"
            dept.items.extend(items)

    def _expand_counterparts(self) -> None:
        element = self.reg.elements[SECOND_AUTHORITY_ELEMENT]["标识符"]
        rows: list[dict[str, str]] = []
        for row in self.violation_rows:
            if not row.pop("_counterpart", None):
                rows.append(row)
                continue
            dept = next(d for d in self.depts if d.uscc == row["department_uscc"])
            codes = list(dict.fromkeys(it["信息资源代码"] for it in dept.items
                                       if it["数据元"] == element and it["权威来源"] == "是"))
            if not codes:
                raise ValueError(f"violation {row['rule_id']}: {dept.name} claims no source of {SECOND_AUTHORITY_ELEMENT}")
            rows.extend({**row, "resource_code": code} for code in codes)
        self.violation_rows = rows

    def _catalogs(self) -> None:
        texts = self.texts
        counters: dict[str, int] = {}
        for dept in self.depts:
            catalog_modified = max(dt.date.fromisoformat(r["更新日期"]) for r in dept.resources)
            catalog_modified = max(catalog_modified, dt.date(2026, 11, 17))
            filed = min(catalog_modified + dt.timedelta(days=self.rng.randint(1, 3)), AS_OF)
            counters[dept.division] = counters.get(dept.division, 0) + 1
            surname = self.rng.choice(texts["surnames"])
            given = self.rng.choice(texts["given"])
            no_filing = dept.catalog.get("_no_filing")
            dept.catalog = {
                "部门代码": dept.uscc,
                "目录更新日期": catalog_modified.isoformat(),
                "备案机关代码": "" if no_filing else self.reg.bureaus[dept.division],
                "备案日期": "" if no_filing else filed.isoformat(),
                "备案编号": "" if no_filing else
                f"{texts['filing_prefix'][dept.division]}〔2026〕{counters[dept.division]}号",
                "联系人": surname + given,
                "联系电话": f"{texts['phone_area'][dept.division]}-{self.rng.randint(81000000, 89999999)}",
                "联系邮箱": f"sjml@{dept.mail}",
            }

    def generate(self) -> list[Dept]:
        self._departments()
        for dept in self.depts:
            self._dept_resources(dept)
        self._lineage()
        self._apply_violations()
        for dept in self.depts:
            for res in dept.resources:
                if not res.get("_fixed_dates"):
                    self._settle_dates(res, dept)
            self._build_items(dept)
        self._expand_counterparts()
        self._catalogs()
        return self.depts


# ---------------------------------------------------------------------------------------------------
# writing


def _csv_text(columns: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


_FIXED_TIME = dt.datetime(2026, 11, 25, 0, 0, 0)


def _write_xlsx(path: Path, sheets: list[tuple[str, list[str], list[dict[str, str]]]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, columns, rows in sheets:
        ws = wb.create_sheet(name)
        ws.append(columns)
        for row in rows:
            ws.append([row.get(c, "") or None for c in columns])
    wb.properties.creator = "govcat tools/make_sample.py"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps the save time into the zip entries and docProps/core.xml; fix both so the
    # committed workbook is reproducible byte for byte.
    out = io.BytesIO()
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def write_sample(out: Path, reg: Registries | None = None) -> Generator:
    gen = Generator(reg)
    depts = gen.generate()
    out.mkdir(parents=True, exist_ok=True)
    for dept in depts:
        sheets = [("目录信息", CATALOG_COLUMNS, [dept.catalog]),
                  ("信息资源", RESOURCE_COLUMNS, dept.resources),
                  ("信息项", ITEM_COLUMNS, dept.items)]
        if dept.form == "xlsx":
            _write_xlsx(out / f"{dept.uscc}.xlsx", sheets)
        else:
            folder = out / dept.uscc
            folder.mkdir(exist_ok=True)
            for name, columns, rows in sheets:
                (folder / f"{name}.csv").write_text(_csv_text(columns, rows), encoding="utf-8")
    (out / "violations.csv").write_text(_csv_text(VIOLATION_COLUMNS, gen.violation_rows), encoding="utf-8")
    return gen


# ---------------------------------------------------------------------------------------------------
# reading back and checking (independent of the generator's in-memory model)


def read_sample(folder: Path) -> dict[str, dict[str, list[dict[str, str]]]]:
    """Every submission of ``folder`` as {USCC: {sheet: rows}}, read with the csv module or openpyxl."""
    out: dict[str, dict[str, list[dict[str, str]]]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_dir() and (path / "信息资源.csv").exists():
            out[path.name] = {s: read_csv(path / f"{s}.csv") for s in ("目录信息", "信息资源", "信息项")}
        elif path.suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
            sheets = {}
            for s in ("目录信息", "信息资源", "信息项"):
                rows = list(wb[s].iter_rows(values_only=True))
                header = [str(h) for h in rows[0]]
                sheets[s] = [{h: ("" if v is None else str(v)).strip() for h, v in zip(header, r)} for r in rows[1:]]
            wb.close()
            out[path.stem] = sheets
    return out


def check_sample(folder: Path, reg: Registries | None = None) -> set[tuple[str, str, str]]:
    """The (rule id, department USCC, resource code or "") of every catalog rule broken in ``folder``,
    as far as the rule can be decided from the files and the registries alone."""
    reg = reg or Registries.load()
    sample = read_sample(folder)
    hits: set[tuple[str, str, str]] = set()
    all_codes = {r["信息资源代码"]: u for u, s in sample.items() for r in s["信息资源"]}
    sharing_of = {r["信息资源代码"]: r["共享类型"] for s in sample.values() for r in s["信息资源"]}
    authorities: dict[str, set[str]] = {}
    claims: dict[str, set[tuple[str, str]]] = {}  # element -> (department, resource) naming it the source
    shared_sources: dict[str, set[str]] = {}  # element -> source departments whose claiming resource is shared
    for uscc, s in sample.items():
        for it in s["信息项"]:
            if it["数据元"] and it["权威来源"] == "是":
                authorities.setdefault(it["数据元"], set()).add(uscc)
                claims.setdefault(it["数据元"], set()).add((uscc, it["信息资源代码"]))
                if sharing_of[it["信息资源代码"]] in ("无条件共享", "有条件共享"):
                    shared_sources.setdefault(it["数据元"], set()).add(uscc)
    for uscc, s in sample.items():
        org = reg.by_uscc[uscc]
        cat = s["目录信息"][0]
        if not cat["备案机关代码"] or not cat["备案日期"] or cat["备案机关代码"] != reg.bureaus[org["行政区划代码"]]:
            hits.add(("R15.2", uscc, ""))
        items_of: dict[str, list[dict[str, str]]] = {}
        for it in s["信息项"]:
            items_of.setdefault(it["信息资源代码"], []).append(it)
        for r in s["信息资源"]:
            code = r["信息资源代码"]
            items = items_of.get(code, [])
            sharing, opening = r["共享类型"], r["开放类型"]
            cites = CITATION.findall(r["法律依据"])
            qualifies = any(reg.legal[t]["位阶"] in QUALIFYING_RANKS for t in cites)
            by_law = any(reg.legal[t]["位阶"] in LAW_OR_REGULATION_RANKS for t in cites)
            if r["涉密"] == "是" and (sharing != "不予共享" or opening != "不予开放"):
                hits.add(("R2.1", uscc, code))
            methods = set(filter(None, re.split("[;；]", r["共享方式"])))
            if not (r["信息资源分类"] and r["信息资源格式"] and items and r["更新周期"] and sharing
                    and r["使用要求"] and (methods or sharing == "不予共享")):
                hits.add(("R15.1", uscc, code))
            floor = [d for d in reg.org_changes.get(uscc, []) if d <= AS_OF]
            for t in cites:
                floor += [d for d in reg.amendments.get(t, []) if d <= AS_OF]
            modified = dt.date.fromisoformat(r["更新日期"])
            for change in floor:
                if modified < change and reg.add_working_days(change, 15) < AS_OF:
                    hits.add(("R16.1", uscc, code))
            for it in items:
                if not it["数据类型"] or (it["数据类型"][-1] in "CN" and not it["数据长度"]):
                    hits.add(("R18.1", uscc, code))
            if "纸质" in r["信息资源格式"]:
                hits.add(("R18.1", uscc, code))
            max_age = max_age_days()[r["更新周期"]]
            if max_age is not None and (AS_OF - dt.date.fromisoformat(r["数据更新日期"])).days > max_age:
                hits.add(("R18.2", uscc, code))
            if r["获取方式"] == "购买" and (not r["购买审批"] or sharing == "不予共享" and not qualifies):
                hits.add(("R19.1", uscc, code))
            if sharing in ("无条件共享", "有条件共享") and not methods & PLATFORM_METHODS:
                hits.add(("R21.1", uscc, code))
            if sharing in ("有条件共享", "不予共享") and not qualifies:
                hits.add(("R22.2", uscc, code))
            if sharing == "有条件共享" and not r["共享条件"]:
                hits.add(("R22.2", uscc, code))
            if opening == "无条件开放" and any(it["敏感"] == "是" for it in items):
                hits.add(("R25.2", uscc, code))
            if sharing == "不予共享" and opening != "不予开放":
                hits.add(("R25.3", uscc, code))
            if opening == "无条件开放" and not r["下载地址"]:
                hits.add(("R25.4", uscc, code))
            if opening == "依申请开放" and not r["开放条件"]:
                hits.add(("R25.4", uscc, code))
            for it in items:
                de = it["数据元"]
                # collected (not obtained by sharing, bought or derived) although another department is
                # the source and shares it, and no law or regulation (法律、法规) requires the collection
                if (de and it["权威来源"] != "是" and r["获取方式"] == "采集" and not by_law
                        and shared_sources.get(de, set()) - {uscc}):
                    hits.add(("R17.2", uscc, code))
    for de, depts in authorities.items():
        if len(depts) > 1:
            # two sources: every claimant is told, on each resource that names it the source
            hits.update(("R17.1", u, code) for u, code in claims[de])
    return hits


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "sample"
    gen = write_sample(out)
    n_res = sum(len(d.resources) for d in gen.depts)
    n_items = sum(len(d.items) for d in gen.depts)
    print(f"{len(gen.depts)} departments, {n_res} resources, {n_items} data items -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
