"""Synthetic department submissions in the national template (CSV folders), for bench/load.py.

Each department is a folder ``<USCC>/`` with 目录信息.csv, 信息资源.csv and 信息项.csv, written like
``tools/make_sample.py`` writes the sample: the template's Chinese headers, controlled values as the
template spells them, legal bases cited by the exact titles of ``registries/legal-resources.csv``, data
elements of ``registries/data-elements.csv``, filings with the big-data bureau of the department's level
and region, lineage within and across departments. Departments are generated (valid USCCs), so the
generator also writes their organisation-registry entries as N-Quads, to be added to the bench store
before loading. Every file is meant to load without errors: the benchmark measures the loader, not its
error reports.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from pathlib import Path

from govcat import uscc

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://data.sd.gov.cn/govcat/"
ORGS_GRAPH = BASE + "graph/registry/organisations"

RESOURCE_COLUMNS = [
    "信息资源代码", "信息资源名称", "信息资源提供方代码", "信息资源摘要", "信息资源分类", "信息资源格式",
    "更新周期", "共享类型", "共享条件", "共享方式", "法律依据", "使用要求", "开放类型", "开放条件",
    "发布日期", "更新日期", "数据更新日期", "关联资源代码", "来源资源代码", "获取方式", "购买审批", "涉密",
    "所属库", "关键词", "空间范围", "时间范围", "下载地址", "接口地址", "许可",
]
ITEM_COLUMNS = ["信息资源代码", "信息项名称", "数据类型", "数据长度", "数据元", "权威来源", "敏感"]
CATALOG_COLUMNS = ["部门代码", "目录更新日期", "备案机关代码", "备案日期", "备案编号", "联系人", "联系电话", "联系邮箱"]

DIVISIONS = {
    "370000": "山东省", "370100": "济南市", "370200": "青岛市", "370300": "淄博市", "370400": "枣庄市",
    "370500": "东营市", "370600": "烟台市", "370700": "潍坊市", "370800": "济宁市", "370900": "泰安市",
    "371000": "威海市", "371100": "日照市", "371300": "临沂市", "371400": "德州市", "371500": "聊城市",
    "371600": "滨州市", "371700": "菏泽市",
}
OPEN_SITES = {"370000": "data.sd.gov.cn", "370100": "data.jinan.gov.cn", "370200": "data.qingdao.gov.cn"}
DOMAINS = ["住房城乡建设", "交通运输", "水利", "农业农村", "商务", "文化和旅游", "卫生健康", "应急管理",
           "市场监督管理", "生态环境", "教育", "民政", "人力资源社会保障", "自然资源", "医疗保障", "体育"]
TOPICS = ["行政许可", "行政处罚", "监督检查", "项目审批", "资质认定", "统计报表", "设施台账", "从业人员",
          "投诉举报", "专项资金", "应急预案", "执法人员", "证照发放", "检测结果", "服务机构", "年度报告"]
# (classification text, class digit, 项 digits, 所属库)
CLASSES = [("部门信息资源", 3, 0, ""), ("部门信息资源", 3, 0, ""), ("部门信息资源", 3, 0, ""),
           ("基础信息资源/人口", 1, 1, "人口"), ("基础信息资源/法人单位", 1, 2, "法人单位"),
           ("基础信息资源/电子证照", 1, 5, "电子证照"), ("主题信息资源/公共服务", 2, 1, ""),
           ("主题信息资源/健康保障", 2, 2, "医疗健康"), ("主题信息资源/生态环保", 2, 4, "生态环境"),
           ("主题信息资源/市场监管", 2, 7, "")]
FORMATS = ["电子表格/xlsx", "数据库/oracle", "数据库/mysql", "电子文件/pdf", "服务接口/API", "数据库/dameng"]
PERIODS = ["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期"]
METHODS = ["共享平台/接口", "共享平台/文件", "共享平台/数据库", "共享平台/接口;共享平台/文件"]
# Field name, data type, length, data element identifier (if it carries one), sensitive
FIELDS = [
    ("姓名", "字符型C", "50", "DE00002", "是"), ("公民身份号码", "字符型C", "18", "DE00001", "是"),
    ("统一社会信用代码", "字符型C", "18", "", "否"), ("单位名称", "字符型C", "200", "", "否"),
    ("联系电话", "字符型C", "20", "", "是"), ("地址", "字符型C", "200", "", "否"),
    ("登记日期", "日期型D", "", "", "否"), ("有效期至", "日期型D", "", "", "否"),
    ("审批时间", "日期时间型T", "", "", "否"), ("金额", "货币型Y", "", "", "否"),
    ("数量", "整型I", "", "", "否"), ("面积", "数值型N", "12", "", "否"), ("经度", "浮点型F", "", "", "否"),
    ("纬度", "浮点型F", "", "", "否"), ("是否有效", "逻辑型L", "", "", "否"), ("备注", "备注型M", "", "", "否"),
    ("证书编号", "字符型C", "50", "", "否"), ("办理状态", "字符型C", "20", "", "否"),
    ("所属区划", "字符型C", "12", "", "否"), ("业务类型", "字符型C", "50", "", "否"),
]
QUALIFYING_RANKS = {"法律", "行政法规", "地方性法规", "部门规章", "地方政府规章"}
ARTICLES = ["第三条", "第五条", "第十二条", "第二十一条", "第二十五条", "第三十八条"]


@dataclass
class Department:
    uscc: str
    name: str
    division: str
    level: str  # province or city
    number: int


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def departments(n: int) -> list[Department]:
    out = []
    divisions = list(DIVISIONS)
    for i in range(n):
        division = divisions[i % len(divisions)]
        place = DIVISIONS[division]
        name = f"{place}{DOMAINS[i % len(DOMAINS)]}数据中心{i:04d}"
        level = "province" if division == "370000" else "city"
        out.append(Department(uscc.generate(division, f"bench-template-{i}"), name, division, level, i))
    return out


def registry_nquads(depts: list[Department]) -> str:
    """The organisation-registry entries of the generated departments (govcat's organisations graph)."""
    gc, skos = "https://w3id.org/govcat/ns#", "http://www.w3.org/2004/02/skos/core#"
    lines = []
    for d in depts:
        org = f"<{BASE}org/{d.uscc}>"
        for p, o in (
            ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "<http://www.w3.org/ns/org#FormalOrganization>"),
            (skos + "prefLabel", f'"{d.name}"@zh'),
            ("http://xmlns.com/foaf/0.1/name", f'"{d.name}"@zh'),
            (gc + "uscc", f'"{d.uscc}"'),
            (gc + "usccGenerated", '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
            ("http://www.w3.org/ns/org#classification", "<https://w3id.org/govcat/vocab/org-kind/department>"),
            (gc + "adminLevel", f"<https://w3id.org/govcat/vocab/admin-level/{d.level}>"),
            (gc + "division", f"<https://w3id.org/govcat/vocab/division/{d.division}>"),
        ):
            lines.append(f"{org} <{p}> {o} <{ORGS_GRAPH}> .")
    return "\n".join(lines) + "\n"


def _code(cls: int, item: int, dept: int, seq: int) -> str:
    # 类 + 项 + 目 (3 digits) + 细目 (3 digits): the department number fills 目 and 细目, so codes are unique.
    return f"{cls}{item:02d}{dept:06d}/{seq:06d}"


def write_submissions(out: Path, resources: int, *, bureau_uscc: dict[str, str], per_department: int = 500,
                      items_per_resource: int = 15, seed: int = 329) -> tuple[list[Path], Path, int]:
    """Write ``resources`` resources in departments of ``per_department`` under ``out``; returns the
    submission folders, the registry N-Quads file and the number of data items."""
    rng = random.Random(seed)
    legal = [r["标题"] for r in _read(ROOT / "registries" / "legal-resources.csv") if r["位阶"] in QUALIFYING_RANKS]
    n_depts = max(1, -(-resources // per_department))
    depts = departments(n_depts)
    out.mkdir(parents=True, exist_ok=True)
    registry = out / "registry.nq"
    registry.write_text(registry_nquads(depts), encoding="utf-8")
    folders: list[Path] = []
    earlier: list[str] = []  # codes of departments already written: lineage sources across departments
    left, n_items = resources, 0
    for d in depts:
        n = min(per_department, left)
        left -= n
        place = DIVISIONS[d.division]
        site = OPEN_SITES.get(d.division, "data.sd.gov.cn")
        rows, items, codes = [], [], []
        for k in range(n):
            cls_text, cls, item_no, database = CLASSES[rng.randrange(len(CLASSES))]
            code = _code(cls, item_no, d.number, k + 1)
            topic = TOPICS[k % len(TOPICS)]
            sharing = rng.choices(["无条件共享", "有条件共享", "不予共享"], [5, 4, 1])[0]
            open_type = "不予开放" if sharing == "不予共享" else rng.choice(["无条件开放", "依申请开放", "不予开放"])
            citations = []
            if sharing != "无条件共享" or rng.random() < 0.3:
                for law in rng.sample(legal, rng.choice([1, 1, 2])):
                    citations.append(f"《{law}》{rng.choice(ARTICLES)}")
            derived = []
            if codes and rng.random() < 0.05:
                derived.append(rng.choice(codes))
            if earlier and rng.random() < 0.05:
                derived.append(rng.choice(earlier))
            purchased = not derived and rng.random() < 0.01
            acquisition = "共享获取" if derived else ("购买" if purchased else "采集")
            fmt = FORMATS[k % len(FORMATS)]
            open_data = open_type == "无条件开放"
            rows.append({
                "信息资源代码": code,
                "信息资源名称": f"{place}{DOMAINS[d.number % len(DOMAINS)]}{topic}信息{k + 1}",
                "信息资源提供方代码": d.uscc,
                "信息资源摘要": f"{d.name}在履行{topic}职责中形成的业务数据，包括办理对象、办理结果和时间等信息。",
                "信息资源分类": cls_text,
                "信息资源格式": fmt,
                "更新周期": PERIODS[k % len(PERIODS)],
                "共享类型": sharing,
                "共享条件": "仅限履职需要，按申请的用途和范围使用" if sharing == "有条件共享" else "",
                "共享方式": METHODS[k % len(METHODS)] if sharing != "不予共享" else "",
                "法律依据": "；".join(citations),
                "使用要求": "仅用于本部门履职，不得向第三方提供",
                "开放类型": open_type,
                "开放条件": "向本部门提交书面申请，说明用途" if open_type == "依申请开放" else "",
                "发布日期": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "更新日期": f"2026-{rng.randint(9, 11):02d}-{rng.randint(1, 20):02d}",
                "数据更新日期": f"2026-11-{rng.randint(1, 24):02d}",
                "关联资源代码": ";".join(derived) if derived and rng.random() < 0.5 else "",
                "来源资源代码": ";".join(derived),
                "获取方式": acquisition,
                "购买审批": f"鲁数审〔2026〕{k + 1}号 2026-03-01" if purchased else "",
                "涉密": "否",
                "所属库": database,
                "关键词": f"{topic}；{DOMAINS[d.number % len(DOMAINS)]}",
                "空间范围": place,
                "时间范围": "2019年至今",
                "下载地址": f"https://{site}/download/{code.replace('/', '-')}.xlsx" if open_data else "",
                "接口地址": f"https://{site}/api/{code.replace('/', '-')}" if open_data and "API" in fmt else "",
                "许可": "https://creativecommons.org/licenses/by/4.0/" if open_data else "",
            })
            codes.append(code)
            for j in range(rng.randint(items_per_resource - 5, items_per_resource + 5)):
                name, dtype, length, element, sensitive = FIELDS[(k + j) % len(FIELDS)]
                if open_data:
                    sensitive = "否"
                    if element:  # an open resource holds no personal item
                        name, dtype, length, element = f"{topic}类别", "字符型C", "50", ""
                items.append({"信息资源代码": code, "信息项名称": name if j < len(FIELDS) else f"{name}{j}",
                              "数据类型": dtype, "数据长度": length, "数据元": element,
                              "权威来源": "否" if element else "", "敏感": sensitive})
        catalog = [{
            "部门代码": d.uscc, "目录更新日期": "2026-11-20", "备案机关代码": bureau_uscc[d.division],
            "备案日期": "2026-11-21", "备案编号": f"鲁数备〔2026〕{d.number + 1}号", "联系人": "王明",
            "联系电话": "0531-86123456", "联系邮箱": f"data{d.number}@example.gov.cn",
        }]
        folder = out / d.uscc
        folder.mkdir(exist_ok=True)
        (folder / "目录信息.csv").write_text(_csv(CATALOG_COLUMNS, catalog), encoding="utf-8")
        (folder / "信息资源.csv").write_text(_csv(RESOURCE_COLUMNS, rows), encoding="utf-8")
        (folder / "信息项.csv").write_text(_csv(ITEM_COLUMNS, items), encoding="utf-8")
        folders.append(folder)
        n_items += len(items)
        earlier.extend(codes)
    return folders, registry, n_items
