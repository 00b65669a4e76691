"""Working-day arithmetic on the official PRC calendar (weekends, statutory holidays, adjusted working days).

Deadlines in the Measures are counted in working days (工作日). A :class:`WorkingCalendar` covers whole
years; asking about a day outside them is an error rather than a guess, because a year's holidays are only
known once the State Council publishes them.

Conventions (the same as the ``gc:workingDayIndex`` of the calendar graph):

- ``add_working_days(d, n)`` is the n-th working day after ``d`` (``d`` itself does not count), so a
  request made on a Friday before a holiday is due n working days after the holiday;
- ``working_days_between(a, b)`` counts the working days after ``a`` up to and including ``b``, so
  ``working_days_between(d, add_working_days(d, n)) == n``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from govcat.errors import CatalogError

if TYPE_CHECKING:
    from govcat.store import CatalogStore

HOLIDAY = "holiday"
ADJUSTED_WORKDAY = "adjusted-workday"
WEEKEND = "weekend"
WEEKDAY = "weekday"


class OutsideCalendar(CatalogError):
    """A date outside the years the working-day calendar covers."""


@dataclass(frozen=True)
class SpecialDay:
    """One day that differs from the Monday-Friday rule: a holiday or an adjusted working day."""

    day: date
    kind: str  # HOLIDAY or ADJUSTED_WORKDAY
    name_zh: str
    name_en: str = ""

    @property
    def label_zh(self) -> str:
        return self.name_zh + "调休" if self.kind == ADJUSTED_WORKDAY and not self.name_zh.endswith("调休") else self.name_zh

    @property
    def label_en(self) -> str:
        if not self.name_en:
            return ""
        return f"{self.name_en} (adjusted working day)" if self.kind == ADJUSTED_WORKDAY else self.name_en


@dataclass(frozen=True)
class Day:
    day: date
    kind: str
    working: bool
    index: int  # working days from the first day of the calendar up to and including this one
    exception: SpecialDay | None = None


class WorkingCalendar:
    """The working days of the years ``first_year..last_year``."""

    def __init__(self, exceptions: Iterable[SpecialDay], first_year: int | None = None, last_year: int | None = None) -> None:
        self.exceptions = {e.day: e for e in exceptions}
        years = {d.year for d in self.exceptions}
        if first_year is None or last_year is None:
            if not years:
                raise CatalogError("工作日历为空 / the working-day calendar is empty")
        self.first_year = first_year if first_year is not None else min(years)
        self.last_year = last_year if last_year is not None else max(years)
        self.start = date(self.first_year, 1, 1)
        self.end = date(self.last_year, 12, 31)
        self._days: list[Day] = []
        index = 0
        d = self.start
        while d <= self.end:
            exc = self.exceptions.get(d)
            if exc is not None:
                kind = exc.kind
                working = kind == ADJUSTED_WORKDAY
            elif d.weekday() >= 5:
                kind, working = WEEKEND, False
            else:
                kind, working = WEEKDAY, True
            index += working
            self._days.append(Day(d, kind, working, index, exc))
            d += timedelta(days=1)
        # ordinal position of each working day, for O(log n) lookups by index
        self._working = [i for i, day in enumerate(self._days) if day.working]

    # ---- construction ---------------------------------------------------------------------
    @classmethod
    def from_csv(cls, path: Path | str) -> "WorkingCalendar":
        """Read a calendar CSV (format in ``registries/README.md``); bad rows raise ``LoadErrors``."""
        from govcat.loaders.registry_calendar import read_calendar

        return cls(read_calendar(Path(path)))

    @classmethod
    def bundled(cls) -> "WorkingCalendar":
        from govcat.registries import REGISTRIES_DIR

        return cls.from_csv(REGISTRIES_DIR / "calendar.csv")

    @classmethod
    def from_store(cls, store: "CatalogStore") -> "WorkingCalendar":
        """The calendar loaded in the store's calendar graph."""
        from govcat.loaders.registry_calendar import exceptions_from_store

        exceptions, first, last = exceptions_from_store(store)
        return cls(exceptions, first, last)

    # ---- queries --------------------------------------------------------------------------
    def day(self, d: date) -> Day:
        if not (self.start <= d <= self.end):
            raise OutsideCalendar(
                f"{d.isoformat()} 不在工作日历范围内（{self.first_year}–{self.last_year}年），请先补充该年度的节假日安排 / "
                f"{d.isoformat()} is outside the working-day calendar ({self.first_year}-{self.last_year}); "
                "add that year's holidays to the calendar first"
            )
        return self._days[(d - self.start).days]

    def is_working_day(self, d: date) -> bool:
        return self.day(d).working

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (before it for negative n; ``d`` itself for 0)."""
        if n == 0:
            self.day(d)
            return d
        self.day(d)
        pos = (d - self.start).days
        k = bisect.bisect_right(self._working, pos)  # working days on or before d
        target = k + n - 1 if n > 0 else bisect.bisect_left(self._working, pos) + n
        if target < 0 or target >= len(self._working):
            direction = "after" if n > 0 else "before"
            raise OutsideCalendar(
                f"{d.isoformat()} 的第 {abs(n)} 个工作日超出工作日历范围（{self.first_year}–{self.last_year}年） / "
                f"the {abs(n)}th working day {direction} {d.isoformat()} is outside the working-day calendar "
                f"({self.first_year}-{self.last_year})"
            )
        return self._days[self._working[target]].day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b`` (negative if ``b`` is before ``a``)."""
        return self.day(b).index - self.day(a).index

    def days(self) -> list[Day]:
        return list(self._days)
