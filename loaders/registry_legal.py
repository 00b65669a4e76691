"""The legal-resources registry (``registries/legal-resources.csv`` + ``legal-amendments.csv``) as ELI RDF.

Model: ``docs/model.md`` § Legal resources. A resource's IRI is minted from its stable ``key``; its
amendments are ``{resource}#amendment-{n}`` in date order (R16.1 counts from their dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from govcat.iris import Iris
from govcat.loaders.registry_common import RDF_TYPE, Problems, nn, read, vocab_node, xsd_date, zh
from govcat.ns import DCTERMS, ELI, OWL

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_IRI_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


@dataclass
class LegalResource:
    row: int
    key: str
    title: str
    rank: str
    issued_by: str
    number: str
    date_issued: date
    in_force: date
    same_as: str


@dataclass
class Amendment:
    row: int
    key: str
    amended: date
    in_force: date
    description: str


def read_legal(path: Path, problems: Problems | None = None) -> list[LegalResource]:
    own = problems is None
    problems = problems or Problems()
    sheet = read(path, "legal", problems)
    out: list[LegalResource] = []
    if sheet is not None:
        keys: dict = {}
        titles: dict = {}
        for row in sheet.rows:
            key, title = row.get("key"), row.get("title")
            if key and not _KEY_RE.match(key):
                problems.add(row, "key", f"key“{key}”只能含小写字母、数字和连字符",
                             f"key {key!r} may only hold lower-case letters, digits and hyphens")
                key = ""
            elif key:
                problems.unique(keys, key, row, "key", "key", "key")
            if title.startswith("《") or title.endswith("》"):
                problems.add(row, "title", "标题不带书名号《》", "write the title without 《》")
            elif title:
                problems.unique(titles, title, row, "title", "标题", "title")
            rank = problems.controlled(row, "rank", "legal-rank") if row.get("rank") else None
            issued = problems.date(row, "date_issued") if row.get("date_issued") else None
            in_force = problems.date(row, "in_force") if row.get("in_force") else None
            same_as = row.get("same_as")
            if same_as and not _IRI_RE.match(same_as):
                problems.add(row, "same_as", f"“{same_as}”不是有效的 IRI", f"{same_as!r} is not a valid IRI")
            if key and title and rank and issued and in_force and row.get("issued_by"):
                out.append(LegalResource(row.number, key, title, rank, row.get("issued_by"), row.get("number"),
                                         issued, in_force, same_as))
    if own:
        problems.raise_if_any()
    return out


def read_amendments(path: Path, known_keys: set[str], problems: Problems | None = None) -> list[Amendment]:
    own = problems is None
    problems = problems or Problems()
    sheet = read(path, "legal-amendments", problems)
    out: list[Amendment] = []
    if sheet is not None:
        for row in sheet.rows:
            key = row.get("key")
            if key and key not in known_keys:
                problems.add(row, "key", f"法律依据登记表中没有 key“{key}”", f"key {key!r} is not in the legal-resources registry")
                key = ""
            amended = problems.date(row, "amended") if row.get("amended") else None
            in_force = problems.date(row, "in_force") if row.get("in_force") else None
            if key and amended and in_force and row.get("description"):
                out.append(Amendment(row.number, key, amended, in_force, row.get("description")))
    if own:
        problems.raise_if_any()
    return out


def to_triples(resources: list[LegalResource], amendments: list[Amendment], iris: Iris) -> list[ox.Triple]:
    out: list[ox.Triple] = []
    add = lambda s, p, o: out.append(ox.Triple(s, nn(p), o))  # noqa: E731
    for r in resources:
        s = nn(iris.legal(r.key))
        out.append(ox.Triple(s, RDF_TYPE, nn(ELI.LegalResource)))
        add(s, ELI.title, zh(r.title))
        add(s, ELI.type_document, vocab_node("legal-rank", r.rank))
        add(s, ELI.passed_by, zh(r.issued_by))
        if r.number:
            add(s, ELI.id_local, ox.Literal(r.number))
        add(s, ELI.date_document, xsd_date(r.date_issued))
        add(s, ELI.first_date_entry_in_force, xsd_date(r.in_force))
        if r.same_as:
            add(s, OWL.sameAs, nn(r.same_as))
    count: dict[str, int] = {}
    for a in sorted(amendments, key=lambda a: (a.key, a.amended, a.row)):
        n = count[a.key] = count.get(a.key, 0) + 1
        s = nn(f"{iris.legal(a.key)}#amendment-{n}")
        add(nn(iris.legal(a.key)), ELI.amended_by, s)
        out.append(ox.Triple(s, RDF_TYPE, nn(ELI.LegalResource)))
        add(s, ELI.date_document, xsd_date(a.amended))
        add(s, ELI.first_date_entry_in_force, xsd_date(a.in_force))
        add(s, DCTERMS.description, zh(a.description))
    return out
