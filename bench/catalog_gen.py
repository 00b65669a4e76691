"""Synthetic province-scale catalogs for benchmarks, in the RDF of docs/model.md.

Writes N-Quads directly (one named graph per department), because going through the template loader
would measure the loader, not the checks. About 2% of resources carry a deliberate violation of one of the
rules, so that both engines have results to agree on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, TextIO

from govcat import uscc
from govcat.iris import Iris
from govcat.ns import VOCAB

BASE = "https://data.sd.gov.cn/govcat/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
GC = "https://w3id.org/govcat/ns#"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCATAP = "http://data.europa.eu/r5r/"
VCARD = "http://www.w3.org/2006/vcard/ns#"

CITIES = ["370100", "370200", "370300", "370400", "370500", "370600", "370700", "370800", "370900",
          "371000", "371100", "371300", "371400", "371500", "371600", "371700"]
LAWS = ["prc-data-security-law", "prc-personal-information-protection-law", "prc-cybersecurity-law",
        "prc-statistics-law"]
PERIODS = ["daily", "weekly", "monthly", "quarterly", "annual", "irregular"]
ITEM_TYPES = ["C", "N", "D", "T", "I"]


def v(scheme: str, code: str) -> str:
    return f"{VOCAB}{scheme}/{code}"


@dataclass
class Department:
    uscc: str
    name: str
    division: str
    level: str  # province or city


def departments(n: int, iris: Iris) -> list[Department]:
    out = []
    for i in range(n):
        division = "370000" if i % 8 == 0 else CITIES[i % len(CITIES)]
        code = uscc.generate(division, f"bench-dept-{i}")
        level = "province" if division == "370000" else "city"
        out.append(Department(code, f"基准测试部门{i:04d}", division, level))
    return out


def _lit(text: str, lang: str | None = "zh") -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"@{lang}' if lang else f'"{text}"'


def _typed(text: str, dt: str) -> str:
    return f'"{text}"^^<{XSD}{dt}>'


class Writer:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0

    def q(self, s: str, p: str, o: str, g: str) -> None:
        o = o if o.startswith(('"', "<")) else f"<{o}>"
        self.out.write(f"<{s}> <{p}> {o} <{g}> .\n")
        self.count += 1


def write_registry(w: Writer, iris: Iris, depts: list[Department]) -> None:
    g = iris.registry_graph("bench-organisations")
    for d in depts:
        org = iris.org(d.uscc)
        w.q(org, RDF + "type", ORG + "FormalOrganization", g)
        w.q(org, RDF + "type", FOAF + "Organization", g)
        w.q(org, SKOS + "prefLabel", _lit(d.name), g)
        w.q(org, SKOS + "prefLabel", _lit(f"Benchmark department {d.uscc}", "en"), g)
        w.q(org, GC + "uscc", _lit(d.uscc, None), g)
        w.q(org, GC + "usccGenerated", _typed("true", "boolean"), g)
        w.q(org, ORG + "classification", v("org-kind", "department"), g)
        w.q(org, GC + "adminLevel", v("admin-level", d.level), g)
        w.q(org, GC + "division", v("division", d.division), g)


def write_department(w: Writer, iris: Iris, d: Department, first_code: int, resources: int,
                     items_per_resource: int, rng: random.Random, bureau_of: dict[str, str],
                     element_owner: dict[int, str], n_elements: int) -> Iterator[str]:
    """Write one department's catalog graph; yields the resource codes it wrote."""
    g = iris.catalog_graph(d.uscc)
    cat = iris.catalog(d.uscc)
    org = iris.org(d.uscc)
    w.q(cat, RDF + "type", DCAT + "Catalog", g)
    w.q(cat, DCT + "title", _lit(f"{d.name}政务数据资源目录"), g)
    w.q(cat, DCT + "publisher", org, g)
    w.q(cat, DCT + "modified", _typed("2026-10-01", "date"), g)
    w.q(iris.master_catalog(d.division), DCAT + "catalog", cat, g)
    w.q(cat, DCAT + "contactPoint", cat + "#contact", g)
    w.q(cat + "#contact", RDF + "type", VCARD + "Kind", g)
    w.q(cat + "#contact", VCARD + "fn", _lit("张三"), g)
    w.q(cat + "#contact", VCARD + "hasTelephone", "tel:053112345678", g)
    if rng.random() > 0.02:
        w.q(cat, GC + "filing", cat + "#filing", g)
        w.q(cat + "#filing", RDF + "type", GC + "Filing", g)
        w.q(cat + "#filing", GC + "filedWith", bureau_of[d.division], g)
        w.q(cat + "#filing", DCT + "date", _typed("2026-10-08", "date"), g)
        w.q(cat + "#filing", DCT + "identifier", _lit("鲁数备〔2026〕1号", None), g)
    for k in range(resources):
        seq = first_code + k
        code = _code(seq)
        ds = iris.dataset(code)
        bad = rng.random() < 0.02
        flaw = rng.randrange(6) if bad else -1
        w.q(cat, DCAT + "dataset", ds, g)
        w.q(ds, RDF + "type", DCAT + "Dataset", g)
        w.q(ds, DCT + "identifier", _lit(code, None), g)
        w.q(ds, DCT + "title", _lit(f"{d.name}业务数据{k}"), g)
        w.q(ds, DCT + "description", _lit(f"{d.name}在履行职责中形成的第{k}类业务数据"), g)
        w.q(ds, DCT + "publisher", org, g)
        w.q(ds, GC + "classification", v("classification", "3"), g)
        w.q(ds, GC + "formatType", v("format-type", "spreadsheet"), g)
        w.q(ds, GC + "fileFormat", v("file-format", "xlsx"), g)
        period = PERIODS[seq % len(PERIODS)]
        w.q(ds, DCT + "accrualPeriodicity", v("update-period", period), g)
        sharing = ["unconditional", "conditional", "none"][seq % 3]
        w.q(ds, GC + "sharingType", v("sharing-type", sharing), g)
        if sharing != "none" and flaw != 0:
            w.q(ds, GC + "sharingMethod", v("sharing-method", "platform-api"), g)
        elif sharing != "none":
            w.q(ds, GC + "sharingMethod", v("sharing-method", "email"), g)
        if sharing == "conditional" and flaw != 1:
            w.q(ds, GC + "sharingConditions", _lit("仅限履职需要使用"), g)
        if sharing != "unconditional":
            w.q(ds, DCATAP + "applicableLegislation", iris.legal(LAWS[seq % len(LAWS)]), g)
            w.q(ds, GC + "legalBasisText", _lit("《中华人民共和国数据安全法》第三十八条"), g)
        if flaw != 2:
            w.q(ds, GC + "usageRequirements", _lit("不得用于履职以外用途"), g)
        open_type = "none" if sharing == "none" else ["unconditional", "on-application", "none"][seq % 3]
        w.q(ds, GC + "openType", v("open-type", open_type), g)
        if open_type == "on-application":
            w.q(ds, GC + "openConditions", _lit("向本部门提交申请，说明用途"), g)
        if open_type == "unconditional":
            dist = ds + "#distribution"
            w.q(ds, DCAT + "distribution", dist, g)
            w.q(dist, RDF + "type", DCAT + "Distribution", g)
            w.q(dist, DCAT + "downloadURL", f"https://data.sd.gov.cn/download/{code.replace('/', '-')}.xlsx", g)
            w.q(dist, DCT + "license", "https://creativecommons.org/licenses/by/4.0/", g)
            w.q(dist, GC + "fileFormat", v("file-format", "xlsx"), g)
        w.q(ds, DCT + "issued", _typed("2024-01-01", "date"), g)
        w.q(ds, DCT + "modified", _typed("2026-10-15", "date"), g)
        updated = "2023-01-01" if flaw == 3 else "2026-11-24"
        w.q(ds, GC + "dataUpdated", _typed(updated, "date"), g)
        w.q(ds, GC + "classified", _typed("true" if flaw == 4 else "false", "boolean"), g)
        act = ds + "#acquisition"
        w.q(ds, PROV + "wasGeneratedBy", act, g)
        w.q(act, RDF + "type", GC + "Acquisition", g)
        w.q(act, RDF + "type", PROV + "Activity", g)
        w.q(act, GC + "acquisitionMethod", v("acquisition", "collected"), g)
        w.q(act, PROV + "wasAssociatedWith", org, g)
        if k > 0 and seq % 7 == 0:
            w.q(ds, PROV + "wasDerivedFrom", iris.dataset(_code(seq - 1)), g)
        for j in range(items_per_resource):
            item = f"{ds}#item-{j + 1}"
            w.q(ds, GC + "dataItem", item, g)
            w.q(item, RDF + "type", GC + "DataItem", g)
            w.q(item, GC + "order", _typed(str(j + 1), "integer"), g)
            w.q(item, DCT + "title", _lit(f"字段{j + 1}"), g)
            t = ITEM_TYPES[(seq + j) % len(ITEM_TYPES)]
            if not (flaw == 5 and j == 0):
                w.q(item, GC + "dataType", v("data-type", t), g)
            if t in ("C", "N"):
                w.q(item, GC + "length", _typed("50", "integer"), g)
            if j == 0:
                element = seq % n_elements
                w.q(item, GC + "dataElement", iris.data_element(f"BE{element:06d}"), g)
                if element_owner.setdefault(element, d.uscc) == d.uscc:
                    w.q(item, GC + "authoritative", _typed("true", "boolean"), g)
                else:
                    w.q(item, GC + "authoritative", _typed("false", "boolean"), g)
            w.q(item, GC + "sensitive", _typed("false", "boolean"), g)
        yield code


def _code(seq: int) -> str:
    return f"3{(seq // 1_000_000) % 100:02d}{(seq // 1000) % 1000:03d}/{seq % 1000:03d}{seq // 100_000_000}"


def write_elements(w: Writer, iris: Iris, n: int) -> None:
    g = iris.registry_graph("bench-data-elements")
    for e in range(n):
        de = iris.data_element(f"BE{e:06d}")
        w.q(de, RDF + "type", GC + "DataElement", g)
        w.q(de, DCT + "identifier", _lit(f"BE{e:06d}", None), g)
        w.q(de, SKOS + "prefLabel", _lit(f"基准数据元{e}"), g)
        w.q(de, SKOS + "prefLabel", _lit(f"Benchmark element {e}", "en"), g)
        w.q(de, GC + "sensitive", _typed("false", "boolean"), g)


def generate(path: Path, resources: int, *, per_department: int = 500, items_per_resource: int = 15,
             bureau_of: dict[str, str], seed: int = 329) -> list[Department]:
    """Write ``resources`` resources in departments of ``per_department`` to ``path`` (N-Quads)."""
    iris = Iris(BASE)
    rng = random.Random(seed)
    n_depts = max(1, -(-resources // per_department))
    depts = departments(n_depts, iris)
    n_elements = max(10, resources // 20)
    owners: dict[int, str] = {}
    with path.open("w", encoding="utf-8") as fh:
        w = Writer(fh)
        write_registry(w, iris, depts)
        write_elements(w, iris, n_elements)
        left = resources
        for i, d in enumerate(depts):
            n = min(per_department, left)
            for _ in write_department(w, iris, d, i * per_department, n, items_per_resource, rng, bureau_of,
                                      owners, n_elements):
                pass
            left -= n
    return depts
