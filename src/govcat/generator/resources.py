"""The resources (信息资源) and data items (信息项) of one department's catalog, conforming to the
Measures unless a violation is applied afterwards (``violations.py``).

What makes them conform, rule by rule: every element of R15.1 is filled in; sharing and open types are
consistent (R22.1, R25.1-R25.3; nothing sensitive is 无条件开放, R25.2); 有条件共享 and 不予共享 cite a
qualifying legal basis and state conditions (R22.2); shared resources use platform methods (R21.1); open
ones have a download address or application conditions (R25.4); the update date follows the latest
amendment of every cited law (R16.1); the data are younger than the update period allows (R18.2); purchases
have an approval and are shared (R19.1); base and theme classifications name their database (R20.1); each
data element has one authoritative source department (R17.1) and whoever else uses it obtains it by
sharing from that source (R17.2) - which is also where most cross-department lineage comes from.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from govcat.generator.organisations import Department
from govcat.generator.tables import LAW_OR_REGULATION_RANKS, QUALIFYING_RANKS, Element, Law, Tables, max_age_days

RESOURCE_COLUMNS = [
    "信息资源代码", "信息资源名称", "信息资源提供方代码", "信息资源摘要", "信息资源分类", "信息资源格式",
    "更新周期", "共享类型", "共享条件", "共享方式", "法律依据", "使用要求", "开放类型", "开放条件",
    "发布日期", "更新日期", "数据更新日期", "关联资源代码", "来源资源代码", "获取方式", "购买审批", "涉密",
    "所属库", "关键词", "空间范围", "时间范围", "下载地址", "接口地址", "许可",
]
ITEM_COLUMNS = ["信息资源代码", "信息项名称", "数据类型", "数据长度", "数据元", "权威来源", "敏感"]
CATALOG_COLUMNS = ["部门代码", "目录更新日期", "备案机关代码", "备案日期", "备案编号", "联系人", "联系电话", "联系邮箱"]

FORMATS = ["电子表格/xlsx", "电子表格/csv", "数据库/oracle", "数据库/mysql", "数据库/达梦", "电子文件/pdf",
           "电子文件/ofd", "服务接口/API", "自描述格式/json"]
FORMAT_WEIGHTS = [20, 8, 18, 14, 8, 8, 4, 14, 6]
PERIODS = ["实时", "每日", "每周", "每月", "每季度", "每半年", "每年", "不定期"]
PERIOD_WEIGHTS = [6, 14, 8, 26, 14, 6, 16, 10]
PLATFORM_METHODS = ["共享平台/接口", "共享平台/文件", "共享平台/数据库", "共享平台/接口;共享平台/文件"]
SHARING = ["无条件共享", "有条件共享", "不予共享"]
SHARING_WEIGHTS = [45, 45, 10]
OPENING = ["无条件开放", "依申请开放", "不予开放"]
OPENING_WEIGHTS = [20, 20, 60]
SUFFIXES = ["信息", "登记信息", "办理结果", "台账", "名录", "统计数据"]
ARTICLES = ["第三条", "第五条", "第八条", "第十二条", "第十六条", "第二十一条", "第二十五条", "第三十八条"]
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
USAGE = "仅用于履行法定职责，不得用于其他目的，不得向第三方提供"
SHARING_CONDITIONS = "限于履职需要，按申请的用途和范围使用，使用部门承担数据安全责任"
OPEN_CONDITIONS = "向本部门提交书面申请，说明数据用途和使用范围，经审核同意后提供"
# Bounded lineage pools: memory does not grow with the province's size.
POOL = 400
P_ELEMENTS, P_CROSS, P_WITHIN, P_PURCHASE, P_CLASSIFIED = 0.25, 0.06, 0.04, 0.01, 0.003


@dataclass
class Resource:
    dept: Department
    code: str
    name: str
    classification: str
    database: str
    fmt: str
    period: str
    sharing: str
    methods: str
    citations: list[tuple[Law, str]]
    usage: str
    open_type: str
    issued: dt.date
    modified: dt.date
    data_updated: dt.date
    acquisition: str
    derived: list[str]
    related: list[str]
    approval: str
    classified: bool
    topic: str
    items: list[list[str]] = field(default_factory=list)
    authoritative: bool = False  # carries data elements as their source: never given a violation
    download: bool = True  # 无条件开放 resources publish a download address (False only as a violation)

    def sensitive(self) -> bool:
        return any(item[6] == "是" for item in self.items)

    def row(self) -> list[str]:
        d, code = self.dept, self.code
        open_data = self.open_type == "无条件开放" and self.download
        slug = code.replace("/", "-")
        values = {
            "信息资源代码": code,
            "信息资源名称": self.name,
            "信息资源提供方代码": d.uscc,
            "信息资源摘要": f"{d.name}在{self.topic}工作中形成的数据，包括办理对象、办理结果和办理时间等信息。",
            "信息资源分类": self.classification,
            "信息资源格式": self.fmt,
            "更新周期": self.period,
            "共享类型": self.sharing,
            "共享条件": SHARING_CONDITIONS if self.sharing == "有条件共享" else "",
            "共享方式": self.methods,
            "法律依据": "；".join(f"《{law.title}》{article}" for law, article in self.citations),
            "使用要求": self.usage,
            "开放类型": self.open_type,
            "开放条件": OPEN_CONDITIONS if self.open_type == "依申请开放" else "",
            "发布日期": self.issued.isoformat(),
            "更新日期": self.modified.isoformat(),
            "数据更新日期": self.data_updated.isoformat(),
            "关联资源代码": ";".join(self.related),
            "来源资源代码": ";".join(self.derived),
            "获取方式": self.acquisition,
            "购买审批": self.approval,
            "涉密": "是" if self.classified else "否",
            "所属库": self.database,
            "关键词": f"{self.topic}；{d.group}",
            "空间范围": d.place,
            "时间范围": f"{self.issued.year}年至今",
            "下载地址": f"https://{d.open_site}/download/{slug}.xlsx" if open_data else "",
            "接口地址": f"https://{d.open_site}/api/{slug}" if open_data and "API" in self.fmt else "",
            "许可": LICENCE if open_data else "",
        }
        return [values[c] for c in RESOURCE_COLUMNS]


class Builder:
    """Makes the province's resources department by department, in the order they are written; keeps
    only what later departments need (element sources, bounded pools of lineage sources)."""

    def __init__(self, rng: random.Random, tables: Tables, as_of: dt.date, departments: list[Department],
                 resources: int) -> None:
        self.rng, self.tables, self.as_of = rng, tables, as_of
        self.qualifying = [law for law in tables.laws if law.rank in QUALIFYING_RANKS]
        # rules (规章): enough for R22.2, not for collecting another department's data (R17.2)
        self.rules_only = [law for law in self.qualifying if law.rank not in LAW_OR_REGULATION_RANKS]
        self.normative = [law for law in tables.laws if law.rank == "规范性文件"]
        n_elements = min(len(tables.elements), max(10, resources // 100))
        in_use = [tables.elements[i] for i in sorted(rng.sample(range(len(tables.elements)), n_elements))]
        # One data, one source: each element in use gets one provincial department as its source, which
        # declares it (权威来源=是) in one of its first resources, three elements to a resource.
        provincial = [d for d in departments if d.level == "province"] or departments[:1]
        self.source_plan: dict[str, list[tuple[int, Element]]] = {}
        for i, element in enumerate(in_use):
            d = provincial[i % len(provincial)]
            slot = min((i // len(provincial)) // 3, d.resources - 1)
            self.source_plan.setdefault(d.uscc, []).append((slot, element))
        self.sources: dict[str, tuple[str, str]] = {}  # element identifier -> (department USCC, resource code)
        self.available: list[Element] = []  # elements whose source resource is written, in that order
        self.province_pool: list[str] = []
        self.city_pools: dict[str, list[str]] = {}

    # -- helpers --------------------------------------------------------------------------------------
    def _day(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return end
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def _pool_add(self, pool: list[str], code: str) -> None:
        if len(pool) < POOL:
            pool.append(code)
        else:  # keep a sample of every department written so far, not only the latest
            pool[self.rng.randrange(POOL)] = code

    def _cross_pool(self, d: Department) -> list[str]:
        if d.level == "county":
            return self.city_pools.get(d.city) or self.province_pool
        return self.province_pool

    def cite(self, laws: list[Law], k: int) -> list[tuple[Law, str]]:
        return [(law, self.rng.choice(ARTICLES)) for law in self.rng.sample(laws, min(k, len(laws)))]

    def updated_after_amendments(self, res: Resource) -> None:
        """R16.1: an entry citing an amended law was updated after the amendment."""
        for law, _ in res.citations:
            if law.last_amended and res.modified < law.last_amended and res.issued < law.last_amended:
                res.modified = min(self.as_of, law.last_amended + dt.timedelta(days=self.rng.randint(1, 10)))

    # -- one department ------------------------------------------------------------------------------
    def catalog_row(self, d: Department) -> list[str]:
        rng, as_of = self.rng, self.as_of
        day = as_of - dt.timedelta(days=rng.randint(0, 6))
        change = self.tables.org_changes.get(d.uscc)
        if change and day < change:  # R16.1: the catalog was updated after the department's functions changed
            day = min(as_of, change + dt.timedelta(days=rng.randint(1, 5)))
        person = rng.choice(self.tables.people)
        return [d.uscc, day.isoformat(), d.bureau, day.isoformat(), f"鲁数备〔{day.year}〕{d.number + 1}号", person,
                f"{d.area_code}-8{rng.randint(1000000, 9999999)}", f"data{d.number:05d}@example.gov.cn"]

    def resources(self, d: Department):
        """Yields the department's resources, each with its items, before any violation."""
        own_sources = dict(self._own_sources(d))
        topics = self.tables.topics.get(d.group) or self.tables.topics["综合"]
        codes: list[str] = []
        for k in range(d.resources):
            res = self._resource(d, k, topics, codes, own_sources.get(k, []))
            yield res
            codes.append(res.code)
            if res.authoritative:
                for item in res.items:
                    if item[5] == "是" and item[4] not in self.sources:
                        self.sources[item[4]] = (d.uscc, res.code)
                        self.available.append(next(e for e in self.tables.elements if e.identifier == item[4]))
            if d.level == "province":
                self._pool_add(self.province_pool, res.code)
            elif d.level == "city":
                self._pool_add(self.city_pools.setdefault(d.city, []), res.code)

    def _own_sources(self, d: Department):
        by_slot: dict[int, list[Element]] = {}
        for slot, element in self.source_plan.get(d.uscc, []):
            by_slot.setdefault(slot, []).append(element)
        return by_slot.items()

    def _resource(self, d: Department, k: int, topics: list[str], codes: list[str],
                  authoritative: list[Element]) -> Resource:
        rng, as_of, tables = self.rng, self.as_of, self.tables
        cls = rng.choices(tables.classes, tables.class_weights)[0]
        topic = rng.choice(topics)
        code = f"{cls.digit}{cls.item:02d}{d.number:06d}/{k + 1:06d}"
        sharing = rng.choices(SHARING, SHARING_WEIGHTS)[0]
        if authoritative and sharing == "不予共享":
            sharing = "有条件共享"  # a source shares what it is the source of (else R17.2 has nothing to say)
        issued = self._day(dt.date(2019, 1, 1), as_of - dt.timedelta(days=60))
        modified = self._day(max(issued, as_of - dt.timedelta(days=365)), as_of - dt.timedelta(days=1))
        period = rng.choices(PERIODS, PERIOD_WEIGHTS)[0]
        max_age = max_age_days()[period]
        data_updated = as_of - dt.timedelta(days=rng.randrange(max_age if max_age else 400))
        res = Resource(
            dept=d, code=code, name=f"{d.place}{topic}{rng.choice(SUFFIXES)}", classification=cls.text,
            database=cls.database, fmt=rng.choices(FORMATS, FORMAT_WEIGHTS)[0], period=period, sharing=sharing,
            methods="" if sharing == "不予共享" else rng.choice(PLATFORM_METHODS), citations=[], usage=USAGE,
            open_type="不予开放", issued=issued, modified=modified, data_updated=data_updated, acquisition="采集",
            derived=[], related=[], approval="", classified=False, topic=topic, authoritative=bool(authoritative),
        )
        if sharing != "无条件共享" or rng.random() < 0.2:
            res.citations = self.cite(self.qualifying, rng.choice((1, 1, 2)))
        # data items: the elements first (declared as their source, or obtained from it), then plain fields
        used: list[Element] = []
        if not authoritative and self.available and rng.random() < P_ELEMENTS:
            used = rng.sample(self.available, min(len(self.available), rng.choice((1, 1, 2))))
        n_items = rng.randint(8, 22)
        for e in authoritative:
            res.items.append([code, e.name, "字符型C", "50", e.identifier, "是", "是" if e.sensitive else "否"])
        for e in used:
            res.items.append([code, e.name, "字符型C", "50", e.identifier, "否", "是" if e.sensitive else "否"])
        for f in rng.sample(tables.fields, max(1, min(len(tables.fields), n_items - len(res.items)))):
            res.items.append([code, f.name, f.dtype, f.length, "", "", "是" if f.sensitive else "否"])
        # lineage and acquisition
        foreign = [self.sources[e.identifier][1] for e in used if self.sources[e.identifier][0] != d.uscc]
        pool = self._cross_pool(d)
        if foreign:
            res.acquisition, res.derived = "共享获取", sorted(dict.fromkeys(foreign))
        elif not authoritative and pool and rng.random() < P_CROSS:
            res.acquisition, res.derived = "共享获取", [rng.choice(pool)]
        elif not authoritative and codes and rng.random() < P_WITHIN:
            res.acquisition, res.derived = "加工", [rng.choice(codes)]
        elif not authoritative and sharing != "不予共享" and rng.random() < P_PURCHASE:
            res.acquisition = "购买"
            approved = self._day(issued - dt.timedelta(days=90), issued)
            res.approval = f"鲁数审〔{approved.year}〕{rng.randint(1, 300)}号 {approved.isoformat()}"
        if res.derived and rng.random() < 0.3:
            res.related = list(res.derived)
        # open type: never 无条件开放 with anything sensitive (R25.2), never open what is not shared (R25.3)
        if sharing != "不予共享":
            res.open_type = rng.choices(OPENING, OPENING_WEIGHTS)[0]
            if res.open_type == "无条件开放" and res.sensitive():
                res.open_type = "依申请开放"
        if not authoritative and sharing == "不予共享" and rng.random() < P_CLASSIFIED:
            res.classified = True  # 涉密: outside the Measures, and neither shared nor open (R2.1)
        self.updated_after_amendments(res)
        return res
