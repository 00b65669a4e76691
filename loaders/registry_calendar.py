"""The working-day calendar (``registries/calendar.csv``) as RDF: one ``gc:Day`` per day of every year
covered (``docs/model.md`` § Calendar), so that SPARQL can find due dates by ``gc:workingDayIndex``.

The CSV lists only the exceptions (holidays and adjusted working days); weekends are computed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from govcat.calendar import ADJUSTED_WORKDAY, HOLIDAY, WEEKDAY, WEEKEND, SpecialDay, WorkingCalendar
from govcat.iris import Iris
from govcat.loaders.registry_common import RDF_TYPE, Problems, en, gc, nn, read, xsd_bool, xsd_date, xsd_int, zh
from govcat.ns import GC, RDFS

if TYPE_CHECKING:
    from govcat.store import CatalogStore

DAY_KIND = {HOLIDAY: "Holiday", ADJUSTED_WORKDAY: "AdjustedWorkday", WEEKEND: "Weekend", WEEKDAY: "Weekday"}
_KIND_OF_TERM = {str(GC[v]): k for k, v in DAY_KIND.items()}


def read_calendar(path: Path) -> list[SpecialDay]:
    """The holidays and adjusted working days of a calendar CSV; raises ``LoadErrors`` with every problem."""
    problems = Problems()
    sheet = read(path, "calendar", problems)
    out: list[SpecialDay] = []
    if sheet is not None:
        seen: dict = {}
        for row in sheet.rows:
            d = problems.date(row, "date") if row.get("date") else None
            if d:
                problems.unique(seen, d.isoformat(), row, "date", "日期", "date")
            kind = problems.controlled(row, "kind", "day-kind") if row.get("kind") else None
            if d and kind == ADJUSTED_WORKDAY and d.weekday() < 5:
                problems.add(row, "date", f"{d.isoformat()} 是工作日（周一至周五），不能是调休上班日",
                             f"{d.isoformat()} is a weekday (Monday-Friday) and cannot be an adjusted working day")
                kind = None
            if d and kind and row.get("name_zh"):
                out.append(SpecialDay(d, kind, row.get("name_zh"), row.get("name_en")))
    problems.raise_if_any()
    return out


def to_triples(calendar: WorkingCalendar, iris: Iris) -> list[ox.Triple]:
    out: list[ox.Triple] = []
    p_date, p_working, p_index, p_kind = nn(GC.date), nn(GC.workingDay), nn(GC.workingDayIndex), nn(GC.dayKind)
    kinds = {k: gc(v) for k, v in DAY_KIND.items()}
    day_class = gc("Day")
    label = nn(RDFS.label)
    for day in calendar.days():
        s = nn(iris.day(day.day.isoformat()))
        out += [
            ox.Triple(s, RDF_TYPE, day_class),
            ox.Triple(s, p_date, xsd_date(day.day)),
            ox.Triple(s, p_working, xsd_bool(day.working)),
            ox.Triple(s, p_index, xsd_int(day.index)),
            ox.Triple(s, p_kind, kinds[day.kind]),
        ]
        if day.exception is not None:
            out.append(ox.Triple(s, label, zh(day.exception.label_zh)))
            if day.exception.label_en:
                out.append(ox.Triple(s, label, en(day.exception.label_en)))
    return out


def exceptions_from_store(store: "CatalogStore") -> tuple[list[SpecialDay], int, int]:
    """The holidays and adjusted days in the store's calendar graph, and its first and last year."""
    graph = nn(store.iris.registry_graph("calendar"))
    rows = store.select(
        """SELECT ?g ?date ?kind ?zh ?en WHERE { GRAPH ?g {
             ?d <https://w3id.org/govcat/ns#date> ?date ; <https://w3id.org/govcat/ns#dayKind> ?kind .
             OPTIONAL { ?d <http://www.w3.org/2000/01/rdf-schema#label> ?zh FILTER(lang(?zh) = "zh") }
             OPTIONAL { ?d <http://www.w3.org/2000/01/rdf-schema#label> ?en FILTER(lang(?en) = "en") } } }""",
        substitutions={"g": graph},
    )
    if not rows:
        from govcat.errors import NotFound

        raise NotFound("存储中没有工作日历（先运行 govcat init） / the store holds no working-day calendar (run govcat init)")
    years = [int(r["date"][:4]) for r in rows]
    out = []
    for r in rows:
        kind = _KIND_OF_TERM[r["kind"]]
        if kind in (HOLIDAY, ADJUSTED_WORKDAY):
            zh_name = (r["zh"] or "").removesuffix("调休") if kind == ADJUSTED_WORKDAY else (r["zh"] or "")
            en_name = (r["en"] or "").removesuffix(" (adjusted working day)")
            out.append(SpecialDay(date.fromisoformat(r["date"]), kind, zh_name, en_name))
    return out, min(years), max(years)
