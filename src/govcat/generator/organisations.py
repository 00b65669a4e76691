"""Who publishes the synthetic province: its departments at province, city and county level, the
governments and big-data bureaus they file with, and the organisation registry that lists them.

The province's own departments are the bundled ones (registries/organisations.csv, by USCC), and so are
the cities' governments, big-data bureaus and the eight departments per city the registry has. Everything
else (further city departments, the counties' governments, big-data bureaus and departments) is generated,
with codes from :func:`govcat.uscc.generate` marked 代码生成=是.

How many departments a province of N resources has grows with the square root of N, so that a small
province still has every level (a few departments per level) and the full one (300,000 resources) has
about 3,500 departments, each with a catalog of a plausible size.
"""

from __future__ import annotations

import csv
import io
import math
import random
from dataclasses import dataclass

from govcat import uscc as _uscc
from govcat.generator.tables import Tables

PROVINCE = "370000"
FULL_SCALE = 300_000  # resources of the full province
# Departments per government at full scale (the province's: all 41 bundled ones).
CITY_DEPARTMENTS = 28
COUNTY_DEPARTMENTS = 22
# Catalog size relative to a county department's, before the random spread: provincial departments hold
# the most resources, county ones the fewest.
LEVEL_WEIGHT = {"province": 8.0, "city": 3.0, "county": 1.0}
LEVEL_ZH = {"province": "省", "city": "市", "county": "县"}
NOTE = "govcat generate 生成的虚构单位（代码为生成，校验位正确） / fictional organisation made by govcat generate (generated code; valid check character)"
REGISTRY_COLUMNS = ["名称", "英文名称", "统一社会信用代码", "类型", "层级", "行政区划代码", "上级单位代码", "代码生成", "备注", "开放数据网站"]


@dataclass
class Department:
    number: int  # position in the province: makes its resource codes unique
    uscc: str
    name: str
    level: str  # province | city | county
    division: str
    city: str  # the city's division (the province's for provincial departments)
    place: str  # the division's name, for 空间范围
    group: str  # business area: picks the topics of its resources
    bureau: str  # USCC of the big-data bureau it files with (same level and division)
    open_site: str  # host of the open-data website its open resources are published on
    area_code: str
    weight: float = 1.0
    resources: int = 0


@dataclass
class Plan:
    departments: list[Department]
    registry_rows: list[list[str]]  # generated rows of the organisation registry


def _group(name: str, tables: Tables) -> str:
    name = name.replace("人民政府", "")  # else 人民政府办公厅 reads as 民政
    for row in tables.departments:
        for stem in (row["group"], row["city_name"].removesuffix("局").removesuffix("委员会")):
            if stem and stem in name:
                return row["group"]
    return "综合"


def _pick(rng: random.Random, items: list, k: int) -> list:
    """k items, in their original order (a random subset that reads like the registry)."""
    if k >= len(items):
        return list(items)
    keep = sorted(rng.sample(range(len(items)), k))
    return [items[i] for i in keep]


def plan(resources: int, rng: random.Random, tables: Tables) -> Plan:
    """The departments of a province of ``resources`` resources, with their catalog sizes."""
    root = math.sqrt(min(1.0, resources / FULL_SCALE))
    orgs = tables.organisations
    used: dict[str, None] = {r["统一社会信用代码"]: None for r in orgs}
    names: dict[str, None] = {r["名称"]: None for r in orgs}
    bureaus = {(r["层级"], r["行政区划代码"]): r["统一社会信用代码"] for r in orgs if r["类型"] == "大数据局"}
    governments = {r["行政区划代码"]: r for r in orgs if r["类型"] == "人民政府"}
    sites = {d: r["开放数据网站"].split("//")[-1].strip("/") for d, r in governments.items() if r["开放数据网站"]}
    rows: list[list[str]] = []
    depts: list[Department] = []

    def mint(division: str, name: str) -> str:
        salt = 0
        while True:
            code = _uscc.generate(division, name, salt=salt)
            if code not in used:
                used[code] = None
                return code
            salt += 1

    def register(name: str, english: str, kind: str, level: str, division: str, parent: str) -> str:
        if name in names:
            raise ValueError(f"generated organisation name {name!r} is already in the registry")
        names[name] = None
        code = mint(division, name)
        rows.append([name, english, code, kind, LEVEL_ZH[level], division, parent, "是", NOTE, ""])
        return code

    def add(uscc: str, name: str, level: str, division: str, city: str, place: str, bureau: str) -> None:
        depts.append(Department(
            len(depts), uscc, name, level, division, city, place, _group(name, tables), bureau,
            sites.get(city, sites[PROVINCE]), tables.area_codes.get(city, "0531"),
            LEVEL_WEIGHT[level] * rng.lognormvariate(0.0, 0.45),
        ))

    province = [r for r in orgs if r["层级"] == "省" and r["类型"] == "政府部门"]
    for r in _pick(rng, province, max(2, round(len(province) * root))):
        add(r["统一社会信用代码"], r["名称"], "province", PROVINCE, PROVINCE, governments[PROVINCE]["名称"].removesuffix("人民政府"),
            bureaus[("省", PROVINCE)])
    counties_of: dict[str, list[dict[str, str]]] = {}
    for c in tables.counties:
        counties_of.setdefault(c["city"], []).append(c)
    cities = [r for r in orgs if r["类型"] == "人民政府" and r["层级"] == "市"]
    county_plans: list[tuple[dict[str, str], dict[str, str]]] = []
    for gov in cities:
        division, city_name = gov["行政区划代码"], gov["名称"].removesuffix("人民政府")
        bundled = [(r["统一社会信用代码"], r["名称"]) for r in orgs
                   if r["层级"] == "市" and r["类型"] == "政府部门" and r["行政区划代码"] == division]
        bundled_names = [name for _, name in bundled]
        extra = [(city_name + d["city_name"], d["english"]) for d in tables.departments
                 if city_name + d["city_name"] not in bundled_names]
        chosen = max(1, round(CITY_DEPARTMENTS * root))
        for code, name in bundled[:chosen]:
            add(code, name, "city", division, division, city_name, bureaus[("市", division)])
        for name, english in _pick(rng, extra, max(0, chosen - len(bundled))):
            code = register(name, f"{english} (division {division})", "政府部门", "city", division,
                            gov["统一社会信用代码"])
            add(code, name, "city", division, division, city_name, bureaus[("市", division)])
        counties = counties_of.get(division, [])
        for county in _pick(rng, counties, max(1, round(len(counties) * root))):
            county_plans.append((gov, county))
    # Counties after every city: lineage points from later departments to earlier ones, so a county's
    # sources (its city's and the province's resources) are always written before it.
    for gov, county in county_plans:
        division, city_name = county["code"], gov["名称"].removesuffix("人民政府")
        place = city_name + county["name"]
        gov_code = register(place + "人民政府", f"People's Government of division {division}", "人民政府", "county",
                            division, gov["统一社会信用代码"])
        bureau = register(place + "大数据局", f"Big Data Bureau of division {division}", "大数据局", "county",
                          division, gov_code)
        for d in _pick(rng, tables.departments, max(1, round(COUNTY_DEPARTMENTS * root))):
            name = place + d["county_name"]
            code = register(name, f"{d['english']} (division {division})", "政府部门", "county", division, gov_code)
            add(code, name, "county", division, gov["行政区划代码"], place, bureau)
    _sizes(depts, resources)
    return Plan([d for d in depts if d.resources], rows)


def _sizes(depts: list[Department], total: int) -> None:
    """Share ``total`` resources out by weight (largest remainder), at least one each while they last."""
    base = 1 if total >= len(depts) else 0
    if not base:  # fewer resources than departments: the first ones get one each
        for d in depts[:total]:
            d.resources = 1
        return
    rest = total - len(depts)
    weights = sum(d.weight for d in depts)
    quotas = [rest * d.weight / weights for d in depts]
    for d, q in zip(depts, quotas):
        d.resources = 1 + int(q)
    left = total - sum(d.resources for d in depts)
    order = sorted(range(len(depts)), key=lambda i: (-(quotas[i] - int(quotas[i])), i))
    for i in order[:left]:
        depts[i].resources += 1


def registry_csv(tables: Tables, rows: list[list[str]]) -> str:
    """The organisation registry to load with ``govcat registry load organisations``: the bundled one
    (loading replaces the whole registry) followed by the generated organisations."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows(rows)
    text = tables.organisations_text
    return (text if text.endswith("\n") else text + "\n") + buf.getvalue()
