"""The tables a synthetic province is made from: the generator's own lists (``data/``) and the bundled
registries (organisations, legal resources, data elements), read once per run.

Everything is kept in lists and dicts filled in file order, never in sets: the output must not depend on
string hashing, which changes from one Python process to the next.
"""

from __future__ import annotations

import csv
import functools
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from govcat.registries import REGISTRIES_DIR

DATA = Path(__file__).resolve().parent / "data"

# The ranks that qualify as a legal basis of 有条件共享 / 不予共享 (R22.2) ...
QUALIFYING_RANKS = ("法律", "行政法规", "地方性法规", "部门规章", "地方政府规章")
# ... and the narrower ones that allow a department to collect data another department is the source of
# (Art. 17 says 法律、法规: a rule is not enough, R17.2).
LAW_OR_REGULATION_RANKS = ("法律", "行政法规", "地方性法规")


@functools.cache
def max_age_days() -> dict[str, int | None]:
    """Days a resource's data may age, by the update period's Chinese label: the vocabulary's
    gc:maxAgeDays, which R18.2 checks against (None: 不定期 has no limit)."""
    import pyoxigraph as ox

    from govcat.ontology import ONTOLOGY_DIR

    store = ox.Store()
    store.load(path=str(ONTOLOGY_DIR / "vocab" / "update-period.ttl"), format=ox.RdfFormat.TURTLE)
    rows = store.query((DATA / "max_age_days.rq").read_text(encoding="utf-8"))
    return {row["label"].value: (int(row["days"].value) if row["days"] is not None else None) for row in rows}



def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


@dataclass(frozen=True)
class Law:
    title: str
    rank: str
    last_amended: dt.date | None  # the latest amendment on or before the as-of date


@dataclass(frozen=True)
class Element:
    identifier: str
    name: str
    sensitive: bool


@dataclass(frozen=True)
class Field:
    name: str
    dtype: str
    length: str
    sensitive: bool


@dataclass(frozen=True)
class ResourceClass:
    text: str
    digit: int
    item: int
    database: str


@dataclass
class Tables:
    organisations: list[dict[str, str]]  # registries/organisations.csv rows, in file order
    organisations_text: str  # the same file verbatim: the generated registry starts with it
    org_changes: dict[str, dt.date]  # USCC -> latest function change on or before the as-of date
    laws: list[Law]
    elements: list[Element]
    departments: list[dict[str, str]]  # data/departments.csv
    topics: dict[str, list[str]]  # department group -> business topics
    fields: list[Field]
    classes: list[ResourceClass]
    class_weights: list[int]
    counties: list[dict[str, str]]
    area_codes: dict[str, str]  # city division -> telephone area code
    people: list[str]


def load(as_of: dt.date) -> Tables:
    """Read the tables; amendments and function changes after ``as_of`` are ignored (they have not
    happened yet on the day the province is generated for)."""
    amended: dict[str, dt.date] = {}
    for row in read_csv(REGISTRIES_DIR / "legal-amendments.csv"):
        day = dt.date.fromisoformat(row["修订日期"])
        if day <= as_of and (row["key"] not in amended or amended[row["key"]] < day):
            amended[row["key"]] = day
    laws = [Law(r["标题"], r["位阶"], amended.get(r["key"])) for r in read_csv(REGISTRIES_DIR / "legal-resources.csv")]
    changes: dict[str, dt.date] = {}
    for row in read_csv(REGISTRIES_DIR / "organisation-changes.csv"):
        day = dt.date.fromisoformat(row["变更日期"])
        if day <= as_of and (row["统一社会信用代码"] not in changes or changes[row["统一社会信用代码"]] < day):
            changes[row["统一社会信用代码"]] = day
    elements = [Element(r["标识符"], r["名称"], r["敏感"] == "是") for r in read_csv(REGISTRIES_DIR / "data-elements.csv")]
    classes = read_csv(DATA / "classes.csv")
    people = read_csv(DATA / "people.csv")
    return Tables(
        organisations=read_csv(REGISTRIES_DIR / "organisations.csv"),
        organisations_text=(REGISTRIES_DIR / "organisations.csv").read_text(encoding="utf-8"),
        org_changes=changes,
        laws=laws,
        elements=elements,
        departments=read_csv(DATA / "departments.csv"),
        topics={r["group"]: r["topics"].split(";") for r in read_csv(DATA / "topics.csv")},
        fields=[Field(r["name"], r["type"], r["length"], r["sensitive"] == "是") for r in read_csv(DATA / "fields.csv")],
        classes=[ResourceClass(r["classification"], int(r["class"]), int(r["item"]), r["database"]) for r in classes],
        class_weights=[int(r["weight"]) for r in classes],
        counties=read_csv(DATA / "counties.csv"),
        area_codes={r["code"]: r["area_code"] for r in read_csv(DATA / "cities.csv")},
        people=[p["surname"] + q["given"] for p in people for q in people],
    )
