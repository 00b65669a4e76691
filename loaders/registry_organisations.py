"""The organisations registry (``registries/organisations.csv`` + ``organisation-changes.csv``) as RDF.

Model: ``docs/model.md`` § Organisations. Besides the organisations and their dated function changes
(Art. 16) and the governments' open-data websites (``gc:openDataSite``, Art. 24), the graph holds one
总目录 (``gc:MasterCatalog``) per government, published by the big-data bureau of the same level and division.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from govcat import uscc as _uscc
from govcat.iris import Iris
from govcat.loaders.registry_common import (
    RDF_TYPE, Problems, en, gc, nn, read, vocab_node, xsd_bool, xsd_date, zh,
)
from govcat.ns import DCAT, DCTERMS, FOAF, GC, ORG, PROV, SKOS

_DIVISION_RE = re.compile(r"^\d{6}$")
# Characters an IRI may not contain (RFC 3987), besides whitespace and controls.
_NOT_IN_IRI = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')
_LEVEL_NAMES = {"province": ("省", "Province"), "city": ("市", "City"), "county": ("县", "County")}


@dataclass
class Organisation:
    row: int
    name_zh: str
    name_en: str
    uscc: str
    kind: str
    level: str
    division: str
    parent: str
    generated: bool
    open_data_site: str = ""
    changes: list["Change"] = field(default_factory=list)


@dataclass
class Change:
    row: int
    uscc: str
    date: date
    description_zh: str
    description_en: str


def read_organisations(path: Path, problems: Problems | None = None) -> list[Organisation]:
    """Check and read an organisations CSV; raises ``LoadErrors`` with every problem unless ``problems``
    is given (then the caller raises)."""
    own = problems is None
    problems = problems or Problems()
    sheet = read(path, "organisations", problems)
    orgs: list[Organisation] = []
    if sheet is not None:
        by_uscc: dict[str, object] = {}
        by_name: dict[str, object] = {}
        rows = {}
        bureau_places: set[tuple[str, str]] = set()  # also from rows with other problems: one report each
        for row in sheet.rows:
            code = row.get("uscc")
            bad = _uscc.problem(code) if code else None
            if bad:
                problems.add(row, "uscc", f"“{code}”：{bad[0]}", f"{code!r}: {bad[1]}")
            elif code:
                problems.unique(by_uscc, code, row, "uscc", "统一社会信用代码", "USCC")
            if row.get("name_zh"):
                problems.unique(by_name, row.get("name_zh"), row, "name_zh", "名称", "name")
            kind = problems.controlled(row, "kind", "org-kind") if row.get("kind") else None
            level = problems.controlled(row, "level", "admin-level") if row.get("level") else None
            division = row.get("division")
            if division and not _DIVISION_RE.match(division):
                problems.add(row, "division", f"“{division}”不是6位行政区划代码", f"{division!r} is not a six-digit division code")
            generated = problems.boolean(row, "generated", default=False)
            site = row.get("open_data_site")
            site_bad = bool(site) and not _is_web_address(site)
            if site_bad:
                problems.add(row, "open_data_site", f"“{site}”不是有效的网址（应为 http:// 或 https:// 开头的完整地址）",
                             f"{site!r} is not a valid web address (expected a full http:// or https:// URL)")
            rows[row.number] = row
            if kind == "big-data-bureau" and level:
                bureau_places.add((level, division))
            if code and not bad and kind and level and generated is not None:
                orgs.append(Organisation(row.number, row.get("name_zh"), row.get("name_en"), code, kind, level,
                                         division, row.get("parent"), generated, "" if site_bad else site))
        known = {o.uscc for o in orgs} | set(by_uscc)
        for o in orgs:
            if o.parent and o.parent not in known:
                problems.add(rows[o.row], "parent",
                             f"上级单位“{o.parent}”不在本文件中", f"parent organisation {o.parent!r} is not in this file")
            if o.parent == o.uscc:
                problems.add(rows[o.row], "parent", "上级单位不能是自己", "an organisation cannot be its own parent")
        _check_bureaus(orgs, rows, problems, bureau_places)
    if own:
        problems.raise_if_any()
    return orgs


def _is_web_address(text: str) -> bool:
    """An absolute http(s) URL with a host that is also a valid IRI (it becomes the object of gc:openDataSite)."""
    if _NOT_IN_IRI.search(text):
        return False
    try:
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _check_bureaus(orgs: list[Organisation], rows: dict, problems: Problems, places: set[tuple[str, str]]) -> None:
    """Every government needs exactly one big-data bureau of its level and division (it publishes the
    总目录 and receives the filings)."""
    bureaus: dict[tuple[str, str], Organisation] = {}
    for o in orgs:
        if o.kind == "big-data-bureau":
            key = (o.level, o.division)
            if key in bureaus:
                first = bureaus[key]
                problems.add(rows[o.row], "division",
                             f"同一层级和行政区划（{o.division}）已有大数据局“{first.name_zh}”（第{first.row}行）",
                             f"there is already a big-data bureau for this level and division ({o.division}): "
                             f"{first.name_en or first.name_zh} (row {first.row})")
            else:
                bureaus[key] = o
    for o in orgs:
        if o.kind == "government" and (o.level, o.division) not in places:
            problems.add(rows[o.row], "division",
                         f"人民政府“{o.name_zh}”没有同级大数据局（层级和行政区划代码相同）",
                         f"government {o.name_en or o.name_zh} has no big-data bureau of the same level and division")


def read_changes(path: Path, known_usccs: set[str], problems: Problems | None = None) -> list[Change]:
    """Check and read an organisation-changes CSV against the organisations' USCCs."""
    own = problems is None
    problems = problems or Problems()
    sheet = read(path, "organisation-changes", problems)
    changes: list[Change] = []
    if sheet is not None:
        for row in sheet.rows:
            code = row.get("uscc")
            if code and code not in known_usccs:
                bad = _uscc.problem(code)
                if bad:
                    problems.add(row, "uscc", f"“{code}”：{bad[0]}", f"{code!r}: {bad[1]}")
                else:
                    problems.add(row, "uscc", f"组织机构登记表中没有“{code}”",
                                 f"{code!r} is not in the organisations registry")
                code = ""
            d = problems.date(row, "date") if row.get("date") else None
            if code and d and row.get("description_zh"):
                changes.append(Change(row.number, code, d, row.get("description_zh"), row.get("description_en")))
    if own:
        problems.raise_if_any()
    return changes


def to_triples(orgs: list[Organisation], changes: list[Change], iris: Iris) -> list[ox.Triple]:
    out: list[ox.Triple] = []
    add = lambda s, p, o: out.append(ox.Triple(s, nn(p), o))  # noqa: E731
    for o in orgs:
        s = nn(iris.org(o.uscc))
        out.append(ox.Triple(s, RDF_TYPE, nn(ORG.FormalOrganization)))
        out.append(ox.Triple(s, RDF_TYPE, nn(FOAF.Organization)))
        add(s, SKOS.prefLabel, zh(o.name_zh))
        if o.name_en:
            add(s, SKOS.prefLabel, en(o.name_en))
        add(s, FOAF.name, zh(o.name_zh))
        add(s, GC.uscc, ox.Literal(o.uscc))
        add(s, GC.usccGenerated, xsd_bool(o.generated))
        add(s, ORG.classification, vocab_node("org-kind", o.kind))
        add(s, GC.adminLevel, vocab_node("admin-level", o.level))
        add(s, GC.division, vocab_node("division", o.division))
        if o.parent:
            add(s, ORG.subOrganizationOf, nn(iris.org(o.parent)))
        if o.open_data_site:
            add(s, GC.openDataSite, nn(o.open_data_site))
    per_org: dict[str, int] = {}
    for c in sorted(changes, key=lambda c: (c.uscc, c.date, c.row)):
        n = per_org[c.uscc] = per_org.get(c.uscc, 0) + 1
        org = nn(iris.org(c.uscc))
        ev = nn(f"{iris.org(c.uscc)}#change-{n}")
        add(org, ORG.changedBy, ev)
        out.append(ox.Triple(ev, RDF_TYPE, nn(ORG.ChangeEvent)))
        add(ev, PROV.atTime, xsd_date(c.date))
        add(ev, DCTERMS.description, zh(c.description_zh))
        if c.description_en:
            add(ev, DCTERMS.description, en(c.description_en))
    bureaus = {(o.level, o.division): o for o in orgs if o.kind == "big-data-bureau"}
    for o in orgs:
        if o.kind != "government" or (o.level, o.division) not in bureaus:
            continue
        m = nn(iris.master_catalog(o.division))
        out.append(ox.Triple(m, RDF_TYPE, nn(DCAT.Catalog)))
        out.append(ox.Triple(m, RDF_TYPE, gc("MasterCatalog")))
        place_zh = o.name_zh.removesuffix("人民政府")
        place_en = o.name_en.removesuffix(" People's Government").removesuffix(" Municipal").removesuffix(" Provincial") if o.name_en else ""
        add(m, DCTERMS.title, zh(f"{place_zh}政务数据资源总目录"))
        if place_en:
            add(m, DCTERMS.title, en(f"Master catalog of government data: {place_en}"))
        add(m, DCTERMS.publisher, nn(iris.org(bureaus[(o.level, o.division)].uscc)))
        add(m, GC.adminLevel, vocab_node("admin-level", o.level))
        add(m, GC.division, vocab_node("division", o.division))
    return out

