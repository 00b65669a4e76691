"""The working-day calendar: agrees with chinese_calendar every day, deadlines around holidays, its graph."""

from datetime import date, timedelta

import chinese_calendar
import pyoxigraph as ox
import pytest

from govcat import registry
from govcat.calendar import OutsideCalendar, WorkingCalendar
from govcat.errors import LoadErrors
from govcat.store import CatalogStore

BASE = "https://data.sd.gov.cn/govcat/"
DATA = __import__("pathlib").Path(__file__).parent / "data" / "registry"


@pytest.fixture(scope="module")
def cal():
    return WorkingCalendar.bundled()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = CatalogStore.open(tmp_path_factory.mktemp("calstore"), BASE, initialise=False)
    registry.load(s, "calendar", registry.bundled_path("calendar"))
    return s


def _all_days():
    d = date(2019, 1, 1)
    while d <= date(2026, 12, 31):
        yield d
        d += timedelta(days=1)


def test_agrees_with_chinese_calendar_every_day(cal):
    wrong = [d for d in _all_days() if cal.is_working_day(d) != chinese_calendar.is_workday(d)]
    assert wrong == []
    assert (cal.first_year, cal.last_year) == (2019, 2026)


def test_calendar_from_store_agrees_with_chinese_calendar(store):
    from_store = WorkingCalendar.from_store(store)
    assert [d for d in _all_days() if from_store.is_working_day(d) != chinese_calendar.is_workday(d)] == []
    assert from_store.day(date(2024, 10, 12)).exception.label_zh == "国庆节调休"


def test_add_working_days_around_national_day(cal):
    # 2024: 10-01..10-07 off; Sunday 09-29 and Saturday 10-12 are adjusted working days.
    assert cal.add_working_days(date(2024, 9, 27), 1) == date(2024, 9, 29)
    assert cal.add_working_days(date(2024, 9, 29), 1) == date(2024, 9, 30)
    assert cal.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert cal.add_working_days(date(2024, 10, 3), 1) == date(2024, 10, 8)
    assert cal.add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 12)
    assert cal.add_working_days(date(2024, 9, 30), 10) == date(2024, 10, 18)
    assert cal.add_working_days(date(2024, 10, 8), -1) == date(2024, 9, 30)
    assert cal.add_working_days(date(2024, 10, 5), 0) == date(2024, 10, 5)
    # 2026: Mid-autumn and National Day: 10-01..10-07 off, Saturday 10-10 worked.
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_working_days_between_inverts_add(cal):
    for start in (date(2024, 9, 27), date(2024, 10, 1), date(2025, 12, 31), date(2026, 11, 10)):
        for n in (1, 5, 10, 15):
            end = cal.add_working_days(start, n)
            assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(date(2024, 9, 30), date(2024, 10, 7)) == 0
    assert cal.working_days_between(date(2024, 10, 8), date(2024, 9, 30)) == -1


def test_r16_deadlines_at_2026_11_25(cal):
    # The two illustrative amendments: 15 working days from 2026-10-30 is past, from 2026-11-10 not yet.
    assert cal.add_working_days(date(2026, 10, 30), 15) == date(2026, 11, 20)
    assert cal.add_working_days(date(2026, 11, 10), 15) == date(2026, 12, 1)


def test_dates_outside_the_calendar_are_refused(cal):
    with pytest.raises(OutsideCalendar) as exc:
        cal.is_working_day(date(2027, 1, 4))
    assert "2027-01-04" in str(exc.value) and "outside the working-day calendar" in str(exc.value)
    with pytest.raises(OutsideCalendar):
        cal.add_working_days(date(2026, 12, 30), 5)
    with pytest.raises(OutsideCalendar):
        cal.working_days_between(date(2018, 12, 31), date(2019, 1, 2))


def test_calendar_graph_has_one_day_node_per_day(store):
    graph = store.iris.registry_graph("calendar")
    rows = store.select(
        "SELECT ?g (COUNT(?d) AS ?n) (SUM(IF(?w, 1, 0)) AS ?working) WHERE { GRAPH ?g { "
        "?d a <https://w3id.org/govcat/ns#Day> ; <https://w3id.org/govcat/ns#workingDay> ?w } } GROUP BY ?g",
        substitutions={"g": ox.NamedNode(graph)},
    )
    days = list(_all_days())
    assert int(rows[0]["n"]) == len(days)
    assert int(rows[0]["working"]) == sum(chinese_calendar.is_workday(d) for d in days)


def test_due_date_by_sparql_index_lookup(store, cal):
    # A due date is a plain lookup: the first working day whose index is the start's index + n.
    q = """SELECT ?g ?start ?due WHERE { GRAPH ?g {
        ?start <https://w3id.org/govcat/ns#workingDayIndex> ?i .
        ?d <https://w3id.org/govcat/ns#workingDayIndex> ?j ; <https://w3id.org/govcat/ns#workingDay> true ;
           <https://w3id.org/govcat/ns#date> ?due .
        FILTER(?j = ?i + 10) } }"""
    rows = store.select(q, substitutions={"g": ox.NamedNode(store.iris.registry_graph("calendar")),
                                          "start": ox.NamedNode(store.iris.day("2024-09-30"))})
    assert [r["due"] for r in rows] == [cal.add_working_days(date(2024, 9, 30), 10).isoformat()]
    kind = store.select(
        "SELECT ?g ?d ?k WHERE { GRAPH ?g { ?d <https://w3id.org/govcat/ns#dayKind> ?k } }",
        substitutions={"g": ox.NamedNode(store.iris.registry_graph("calendar")),
                       "d": ox.NamedNode(store.iris.day("2024-10-12"))})
    assert kind[0]["k"] == "https://w3id.org/govcat/ns#AdjustedWorkday"


def test_bad_calendar_reports_every_problem(tmp_path):
    with pytest.raises(LoadErrors) as exc:
        WorkingCalendar.from_csv(DATA / "calendar-bad.csv")
    found = {(e.location.row, e.location.column) for e in exc.value.errors}
    assert found == {(3, "日期"), (4, "日期"), (5, "类型"), (6, "日期")}
    messages = " ".join(f"{e.zh} {e.en}" for e in exc.value.errors)
    assert "duplicate date" in messages and "is a weekday" in messages and "expected YYYY-MM-DD" in messages
    assert "是否为“调休上班”" in messages or "是否为“放假”" in messages


def test_user_calendar_for_a_new_year(tmp_path):
    cal = WorkingCalendar.from_csv(DATA / "calendar-2027.csv")
    assert (cal.first_year, cal.last_year) == (2027, 2027)
    assert not cal.is_working_day(date(2027, 10, 1))
    assert cal.is_working_day(date(2027, 10, 9))
