"""The data-elements registry (``registries/data-elements.csv``) as RDF (``docs/model.md`` § Data elements)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from govcat.iris import Iris
from govcat.loaders.registry_common import RDF_TYPE, Problems, en, gc, nn, read, xsd_bool, zh
from govcat.ns import DCTERMS, GC, SKOS

_ID_RE = re.compile(r"^DE\d{5}$")


@dataclass
class DataElement:
    row: int
    identifier: str
    name_zh: str
    name_en: str
    sensitive: bool


def read_data_elements(path: Path) -> list[DataElement]:
    problems = Problems()
    sheet = read(path, "data-elements", problems)
    out: list[DataElement] = []
    if sheet is not None:
        ids: dict = {}
        names: dict = {}
        for row in sheet.rows:
            ident = row.get("identifier")
            if ident and not _ID_RE.match(ident):
                problems.add(row, "identifier", f"标识符“{ident}”应为 DE 加5位数字（如 DE00001）",
                             f"identifier {ident!r} must be DE and five digits (e.g. DE00001)")
                ident = ""
            elif ident:
                problems.unique(ids, ident, row, "identifier", "标识符", "identifier")
            if row.get("name_zh"):
                problems.unique(names, row.get("name_zh"), row, "name_zh", "名称", "name")
            sensitive = problems.boolean(row, "sensitive") if row.get("sensitive") else None
            if ident and row.get("name_zh") and sensitive is not None:
                out.append(DataElement(row.number, ident, row.get("name_zh"), row.get("name_en"), sensitive))
    problems.raise_if_any()
    return out


def to_triples(elements: list[DataElement], iris: Iris) -> list[ox.Triple]:
    out: list[ox.Triple] = []
    for e in elements:
        s = nn(iris.data_element(e.identifier))
        out.append(ox.Triple(s, RDF_TYPE, gc("DataElement")))
        out.append(ox.Triple(s, nn(DCTERMS.identifier), ox.Literal(e.identifier)))
        out.append(ox.Triple(s, nn(SKOS.prefLabel), zh(e.name_zh)))
        if e.name_en:
            out.append(ox.Triple(s, nn(SKOS.prefLabel), en(e.name_en)))
        out.append(ox.Triple(s, nn(GC.sensitive), xsd_bool(e.sensitive)))
    return out
