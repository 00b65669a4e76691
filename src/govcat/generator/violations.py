"""The deliberate violations: what a checker run over a generated province should find.

About ``RATE`` of the resources (never one that is the authoritative source of a data element: breaking it
would make other departments' resources violate R17 as well) get exactly one violation of a rule of
``shared/spec/rules.md`` that the national template can express. Each kind changes one conforming
resource so that exactly that rule is broken on that resource and nothing else changes; it is listed in
the manifest (``violations.csv``). Load errors are never produced: every value stays one the loader
accepts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from govcat.generator.resources import Builder, Resource

RATE = 0.02
MANIFEST_COLUMNS = ["rule_id", "severity", "kind", "department_uscc", "resource_code", "description"]


@dataclass(frozen=True)
class Kind:
    name: str
    rule: str
    severity: str
    description: str  # zh / en, as in the manifest
    apply: Callable[[Resource, Builder], bool]  # False: not applicable to this resource, try another kind


def _usage(res: Resource, b: Builder) -> bool:
    res.usage = ""
    return True


def _method(res: Resource, b: Builder) -> bool:
    if res.sharing == "不予共享":
        return False
    res.methods = ""
    return True


def _amendment(res: Resource, b: Builder) -> bool:
    # A law amended long enough ago that the 15 working days are over at the as-of date (a month and a
    # week covers any run of holidays), and an entry last touched before the amendment.
    latest = [law for law in b.qualifying
              if law.last_amended and law.last_amended + dt.timedelta(days=38) < b.as_of
              and law.last_amended > dt.date(2019, 6, 1)]
    if not latest:
        return False
    law = b.rng.choice(latest)
    res.citations = [c for c in res.citations if c[0] != law] + [(law, b.rng.choice(("第十条", "第二十一条")))]
    res.issued = b._day(dt.date(2019, 1, 1), law.last_amended - dt.timedelta(days=30))
    res.modified = b._day(res.issued, law.last_amended - dt.timedelta(days=1))
    return True


def _duplicate_collection(res: Resource, b: Builder) -> bool:
    foreign = [e for e in b.available if b.sources[e.identifier][0] != res.dept.uscc]
    if not foreign:
        return False
    e = b.rng.choice(foreign)
    res.items = [it for it in res.items if it[4] != e.identifier]
    res.items.insert(0, [res.code, e.name, "字符型C", "50", e.identifier, "否", "是" if e.sensitive else "否"])
    # collected by itself, citing no law or regulation (a rule still qualifies the sharing type, R22.2)
    res.acquisition, res.derived, res.related, res.approval = "采集", [], [], ""
    res.citations = b.cite(b.rules_only, 1) if res.sharing != "无条件共享" else []
    if res.open_type == "无条件开放" and res.sensitive():
        res.open_type = "依申请开放"
    return True


def _paper(res: Resource, b: Builder) -> bool:
    res.fmt = "其他/纸质"
    return True


def _stale(res: Resource, b: Builder) -> bool:
    res.period = "每月"
    res.data_updated = b.as_of - dt.timedelta(days=b.rng.randint(45, 200))
    return True


def _purchase(res: Resource, b: Builder) -> bool:
    if res.sharing == "不予共享":
        return False
    res.acquisition, res.approval, res.derived, res.related = "购买", "", [], []
    return True


def _not_platform(res: Resource, b: Builder) -> bool:
    if res.sharing == "不予共享":
        return False
    res.methods = b.rng.choice(("邮件", "介质"))
    return True


def _no_legal_basis(res: Resource, b: Builder) -> bool:
    res.sharing, res.citations = "有条件共享", []
    res.methods = res.methods or "共享平台/接口"
    return True


def _normative_basis(res: Resource, b: Builder) -> bool:
    if not b.normative:
        return False
    res.sharing, res.citations = "有条件共享", b.cite(b.normative, 1)
    res.methods = res.methods or "共享平台/接口"
    return True


def _sensitive_open(res: Resource, b: Builder) -> bool:
    if res.sharing == "不予共享" or res.classified:
        return False
    if not res.sensitive():
        field = next(f for f in b.tables.fields if f.sensitive)
        res.items.append([res.code, field.name, field.dtype, field.length, "", "", "是"])
    res.open_type = "无条件开放"
    return True


def _unshared_open(res: Resource, b: Builder) -> bool:
    if res.classified:
        return False
    res.sharing, res.methods = "不予共享", ""
    if not res.citations:
        res.citations = b.cite(b.qualifying, 1)
    if res.acquisition == "购买":  # a purchase that is not shared would also break R19.1
        res.acquisition, res.approval = "采集", ""
    res.open_type = "依申请开放"
    return True


def _no_download(res: Resource, b: Builder) -> bool:
    if res.sharing == "不予共享" or res.sensitive():
        return False
    res.open_type, res.download = "无条件开放", False
    return True


def _classified_shared(res: Resource, b: Builder) -> bool:
    if res.sharing == "不予共享":
        return False
    res.classified = True
    return True


def _base_database(res: Resource, b: Builder) -> bool:
    res.classification, res.database = "基础信息资源/人口", ""
    return True


KINDS = [
    Kind("usage_requirements_missing", "R15.1", "Violation",
         "缺少使用要求 / no usage requirements (使用要求)", _usage),
    Kind("sharing_method_missing", "R15.1", "Violation",
         "共享的资源缺少共享方式 / a shared resource has no sharing method (共享方式)", _method),
    Kind("not_updated_after_amendment", "R16.1", "Violation",
         "法律依据修订后15个工作日内未更新 / not updated within 15 working days of its legal basis's amendment", _amendment),
    Kind("duplicate_collection", "R17.2", "Violation",
         "自行采集其他部门权威来源并共享的数据元，未引用法律法规 / collects a data element another department is the "
         "source of and shares, citing no law or regulation", _duplicate_collection),
    Kind("paper_format", "R18.1", "Violation", "格式为纸质（其他/纸质） / paper format, not electronic", _paper),
    Kind("stale", "R18.2", "Warning", "数据更新超过更新周期（每月） / data older than the monthly update period", _stale),
    Kind("purchase_without_approval", "R19.1", "Violation",
         "购买的数据没有审批 / purchased data without an approval (购买审批)", _purchase),
    Kind("not_on_platform", "R21.1", "Violation",
         "共享方式不是共享平台（邮件或介质） / shared by e-mail or media, not through the platform", _not_platform),
    Kind("conditional_without_legal_basis", "R22.2", "Violation",
         "有条件共享但没有法律依据 / 有条件共享 without a legal basis", _no_legal_basis),
    Kind("normative_document_basis", "R22.2", "Violation",
         "有条件共享的依据是规范性文件 / 有条件共享 based on a normative document only", _normative_basis),
    Kind("sensitive_open", "R25.2", "Violation",
         "含敏感信息项却无条件开放 / 无条件开放 although it holds a sensitive data item", _sensitive_open),
    Kind("unshared_but_open", "R25.3", "Violation", "不予共享却依申请开放 / 不予共享 but 依申请开放", _unshared_open),
    Kind("open_without_download", "R25.4", "Violation",
         "无条件开放但没有下载地址 / 无条件开放 without a download address", _no_download),
    Kind("classified_but_shared", "R2.1", "Violation", "涉密资源却共享 / classified (涉密) but shared", _classified_shared),
    Kind("base_database_missing", "R20.1", "Warning",
         "基础信息资源/人口 未填所属库 / a 人口 base resource that does not name its base database", _base_database),
]


def maybe_break(res: Resource, b: Builder) -> Kind | None:
    """With probability ``RATE``, apply one violation to ``res``; returns its kind."""
    if res.authoritative or b.rng.random() >= RATE:
        return None
    start = b.rng.randrange(len(KINDS))
    for i in range(len(KINDS)):
        kind = KINDS[(start + i) % len(KINDS)]
        if kind.apply(res, b):
            return kind
    return None


def manifest_row(kind: Kind, res: Resource) -> list[str]:
    return [kind.rule, kind.severity, kind.name, res.dept.uscc, res.code, kind.description]
