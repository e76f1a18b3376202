"""SQL of the weekly digest: aggregates over the units of a subtree, one query per kind of fact.

Every query takes the subtree's unit ids as one JSON array parameter (`json_each`), so its text and
its plan stay the same for a cell or a province of 300 cells, and counts with GROUP BY instead of
fetching records one by one. Only live records count (deleted_at IS NULL), which also lets SQLite use
the partial indexes of migration 0002. Dates of events are ISO text, so text order is date order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from storage.database import Queryable
from storage.models import from_db_time
from storage.units import SUBTREE_CTE

_IN = "IN (SELECT value FROM json_each(:ids))"

# The tables that hold a cell's records, for "when did this cell last record anything".
RECORD_TABLES = ("people", "pipeline_steps", "transfers", "meetings", "activities", "enterprise_snapshots")


@dataclass(frozen=True)
class Window:
    """The two periods a digest counts from the records: the week, and the days of the year so far that
    the kept monthly counts do not cover (both ends included)."""

    week_start: date
    week_end: date
    year_start: date
    year_end: date

    def params(self, ids: Iterable[int]) -> dict[str, str]:
        """Return the query parameters of the window and the unit ids."""
        return {
            "ids": _json(ids),
            "ws": self.week_start.isoformat(),
            "we": self.week_end.isoformat(),
            "ys": self.year_start.isoformat(),
            "ye": self.year_end.isoformat(),
            "lo": min(self.week_start, self.year_start).isoformat(),
            "hi": max(self.week_end, self.year_end).isoformat(),
        }


def _counts_of(column: str) -> str:
    """Return the SQL that counts a group's rows in the week and in the year (of rows in the window)."""
    return f"SUM({column} BETWEEN :ws AND :we) AS week, SUM({column} BETWEEN :ys AND :ye) AS year"


def _in_window(column: str) -> str:
    """Return the SQL condition that keeps only rows in the week or the year, so no other row is read."""
    return f"{column} BETWEEN :lo AND :hi"


@dataclass(frozen=True)
class SubUnit:
    """A unit of the subtree; a unit without children is a cell (the root committee never is one)."""

    id: int
    name: str
    parent_id: int | None
    is_cell: bool
    meeting_day: int = 5  # of the month: the cell's regular meeting
    created_at: datetime | None = None


@dataclass(frozen=True)
class Count:
    """How many records of one group fell in the week and in the year so far."""

    unit_id: int | None
    key: str
    week: int
    year: int


@dataclass(frozen=True)
class OpenPerson:
    """A live person whose admission is under way, with the dates of their steps."""

    id: int
    unit_id: int
    full_name: str
    steps: dict[str, date]


@dataclass(frozen=True)
class TransferRow:
    """A live transfer with its dates (open, when found by `open_transfers`)."""

    id: int
    unit_id: int
    member_name: str
    kind: str
    direction: str
    on_date: date
    end_date: date | None
    letter_date: date | None = None
    done_on: date | None = None


# A range of dates, both ends included; None: no first day.
DateRange = tuple[date | None, date]


@dataclass(frozen=True)
class TransferDates:
    """Where the date an open transfer's deadline counts from lies, for the deadline to fall in a period
    (features/duties works them out from the rules): the decision of an official transfer out with no
    letter yet; the letter of one with its letter, or of an official transfer in; the end of a temporary
    one."""

    decision: DateRange
    letter: DateRange
    end: DateRange


# Listing every value of the column before the date lets SQLite seek each (unit, value) to the dates
# it wants, instead of reading all of a unit's rows through an index that has the value first.
MEETING_KINDS = ("regular", "thematic", "both")  # the CHECK of meetings.kind (migration 0002)
# A thematic meeting on its own never replaces the month's regular meeting (HD 42-HD/BTCTW); a regular
# meeting may hold a thematic part in the same session ('both'), which counts for both.
REGULAR_MEETING_KINDS = ("regular", "both")
THEMATIC_MEETING_KINDS = ("thematic", "both")


def _sql_list(values: Iterable[str]) -> str:
    """Return constant SQL text values as an SQL list (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _json(ids: Iterable[int]) -> str:
    return json.dumps([int(i) for i in ids])


async def subtree(db: Queryable, unit_id: int) -> list[SubUnit]:
    """Return a unit and every unit below it, telling cells from committees, by name."""
    rows = await db.fetchall(
        f"""
        {SUBTREE_CTE}
        SELECT u.id, u.name, u.parent_id, u.meeting_day, u.created_at,
               u.parent_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id) AS is_cell
        FROM sub JOIN units u ON u.id = sub.id
        ORDER BY u.name COLLATE NOCASE, u.id
        """,
        {"unit": unit_id},
    )
    return [
        SubUnit(
            r["id"],
            r["name"],
            r["parent_id"],
            bool(r["is_cell"]),
            r["meeting_day"],
            from_db_time(r["created_at"]) if r["created_at"] else None,
        )
        for r in rows
    ]


async def step_counts(db: Queryable, ids: Iterable[int], window: Window) -> list[Count]:
    """Return the pipeline steps reached in the window, by step; ceremonies (admissions) by unit too."""
    # A step counts only while its person is live (deleting a person deletes their steps too,
    # but a step must never outlive its person in a count).
    rows = await db.fetchall(
        f"""
        SELECT CASE WHEN s.step = 'ceremony' THEN s.unit_id END AS by_unit, s.step AS key,
               {_counts_of("s.on_date")}
        FROM pipeline_steps s JOIN people p ON p.id = s.person_id AND p.deleted_at IS NULL
        WHERE s.unit_id {_IN} AND s.step IN {_sql_list(_STEP_COLUMNS)} AND s.deleted_at IS NULL
          AND {_in_window("s.on_date")}
        GROUP BY by_unit, s.step
        """,
        window.params(ids),
    )
    return [Count(r["by_unit"], r["key"], r["week"], r["year"]) for r in rows]


async def transfer_counts(db: Queryable, ids: Iterable[int], window: Window) -> list[Count]:
    """Return the transfers in and out in the window, by direction."""
    return await _counts(db, "transfers", "direction", ids, window)


async def activity_counts(db: Queryable, ids: Iterable[int], window: Window) -> list[Count]:
    """Return the activities in the window, by kind."""
    return await _counts(db, "activities", "kind", ids, window)


async def meeting_counts(db: Queryable, ids: Iterable[int], window: Window) -> list[Count]:
    """Return the meetings held in the window, by kind of meeting."""
    return await _counts(db, "meetings", "kind", ids, window)


async def _counts(db: Queryable, table: str, column: str, ids: Iterable[int], window: Window) -> list[Count]:
    # table and column are this module's constants, never user input.
    rows = await db.fetchall(
        f"""
        SELECT {column} AS key, {_counts_of("on_date")} FROM {table}
        WHERE unit_id {_IN} AND deleted_at IS NULL AND {_in_window("on_date")}
        GROUP BY {column}
        """,
        window.params(ids),
    )
    return [Count(None, r["key"], r["week"], r["year"]) for r in rows]


async def cells_met_by_month(
    db: Queryable, cell_ids: Iterable[int], first: date, last: date
) -> dict[str, int]:
    """Return how many of these cells held their regular meeting in each calendar month from `first` to
    `last`.

    A committee's row in record_counts counts its whole subtree's meetings: pass cells only.
    """
    rows = await db.fetchall(
        f"""
        SELECT month, COUNT(DISTINCT unit_id) AS cells FROM record_counts
        WHERE unit_id {_IN} AND kind = 'meeting' AND key IN {_sql_list(REGULAR_MEETING_KINDS)}
          AND month BETWEEN :first AND :last AND n > 0
        GROUP BY month
        """,
        {"ids": _json(cell_ids), "first": _month(first), "last": _month(last)},
    )
    return {r["month"]: r["cells"] for r in rows}


async def cells_without_meeting(
    db: Queryable,
    cell_ids: Iterable[int],
    first: date,
    last: date | None = None,
    kinds: tuple[str, ...] = REGULAR_MEETING_KINDS,
) -> set[int]:
    """Return the cells that recorded no meeting of these kinds (by default the regular meeting) in the
    calendar months from the month of `first` to the month of `last` (that month alone without it)."""
    rows = await db.fetchall(
        f"""
        SELECT c.value AS unit_id FROM json_each(:ids) c
        WHERE NOT EXISTS (
            SELECT 1 FROM record_counts
            WHERE unit_id = c.value AND kind = 'meeting' AND key IN {_sql_list(kinds)}
              AND month BETWEEN :first AND :last AND n > 0
        )
        """,
        {"ids": _json(cell_ids), "first": _month(first), "last": _month(last or first)},
    )
    return {r["unit_id"] for r in rows}


@dataclass(frozen=True)
class MonthTotal:
    """How many live records of one kind and key a unit's subtree holds in some whole months."""

    kind: str  # 'step', 'transfer', 'meeting', 'activity'
    key: str
    n: int


async def month_totals(db: Queryable, unit_id: int, first: date, last: date) -> list[MonthTotal]:
    """Return the records of a unit and every unit below it in the months from `first` to `last`."""
    # record_counts holds a row per unit, kind, key and month for each unit above a record too
    # (migration 0006): a city's year is a few hundred rows, not a million records.
    rows = await db.fetchall(
        """
        SELECT kind, key, SUM(n) AS n FROM record_counts
        WHERE unit_id = :unit AND month BETWEEN :first AND :last
        GROUP BY kind, key
        """,
        {"unit": unit_id, "first": _month(first), "last": _month(last)},
    )
    return [MonthTotal(r["kind"], r["key"], r["n"]) for r in rows]


async def step_totals_by_unit(
    db: Queryable, ids: Iterable[int], step: str, first: date, last: date
) -> dict[int, int]:
    """Return, per unit, how many people reached a step in the months from `first` to `last`."""
    rows = await db.fetchall(
        f"""
        SELECT unit_id, SUM(n) AS n FROM record_counts
        WHERE unit_id {_IN} AND kind = 'step' AND key = :step AND month BETWEEN :first AND :last
        GROUP BY unit_id
        """,
        {"ids": _json(ids), "step": step, "first": _month(first), "last": _month(last)},
    )
    return {r["unit_id"]: r["n"] for r in rows}


async def per_month(db: Queryable, unit_id: int, kind: str, first: date, last: date) -> dict[str, int]:
    """Return the records of one kind in a unit's subtree in each month from `first` to `last`."""
    rows = await db.fetchall(
        """
        SELECT month, SUM(n) AS n FROM record_counts
        WHERE unit_id = :unit AND kind = :kind AND month BETWEEN :first AND :last
        GROUP BY month
        """,
        {"unit": unit_id, "kind": kind, "first": _month(first), "last": _month(last)},
    )
    return {r["month"]: r["n"] for r in rows}


def _month(d: date) -> str:
    return d.isoformat()[:7]


async def last_record_at(db: Queryable, ids: Iterable[int]) -> dict[int, datetime]:
    """Return, per unit, when its latest live record of any kind was entered (units with none are absent)."""
    # unit_last_record is kept by the triggers of migration 0006: one row per unit, where seeking each
    # unit's newest record in six tables took 0.3 to 0.9 s for a large city (bench/scale).
    rows = await db.fetchall(
        f"SELECT unit_id, at FROM unit_last_record WHERE unit_id {_IN} AND at IS NOT NULL",
        {"ids": _json(ids)},
    )
    return {r["unit_id"]: from_db_time(r["at"]) for r in rows}


async def targets(db: Queryable, ids: Iterable[int], year: int) -> dict[int, int]:
    """Return the admission targets set for a year, by unit."""
    rows = await db.fetchall(
        f"SELECT unit_id, admissions FROM targets WHERE year = :year AND unit_id {_IN}",
        {"ids": _json(ids), "year": year},
    )
    return {r["unit_id"]: r["admissions"] for r in rows}


@dataclass(frozen=True)
class StepDates:
    """Where the steps that start a deadline lie when the deadline falls in a period of interest.

    bot/features/duties.py works the ranges out from the rules (a ceremony is due 30 working days after the
    decision...), each a little wider than needed; people with no such step in its range have nothing
    due in the period, so a large city's hundreds of thousands of admissions under way are not all
    fetched and worked through (bench/scale). A range is (first, last); None: no first day.
    """

    today: date  # a step dated later has not happened yet, so it meets no deadline
    awareness_class: tuple[date | None, date]  # a class not followed by the cell's vote
    admission_decision: tuple[date | None, date]  # a decision not followed by a ceremony
    ceremony: tuple[date | None, date]


# A subtree of up to this many units reads its admissions under way through their units (the index of
# migration 0007); a larger one through the dates of their steps, which it narrows down better.
_FEW_UNITS = 500


def _units_of_pipelines(ids: list[int]) -> str:
    """Return the condition on pipelines' units, with the index it should use (`+`: not the unit's)."""
    return f"l.unit_id {_IN}" if len(ids) <= _FEW_UNITS else f"+l.unit_id {_IN}"


_BEFORE_ANY = "0001-01-01"


_STEP_COLUMNS = (
    "source",
    "awareness_class",
    "application",
    "cell_vote",
    "admission_decision",
    "ceremony",
    "recognition",
    "not_recognised",
    "withdrew",
)


async def open_pipelines(db: Queryable, ids: Iterable[int], dates: StepDates) -> list[OpenPerson]:
    """Return the live people with a step in its range of dates and no step that ends the process."""
    unit_ids = list(ids)
    # pipelines (migration 0006) holds one row per person with the date of each live step; the three
    # partial indexes on open admissions find the people with a step in its range, where going
    # through each unit's steps took 1.2 to 1.8 s for a large city (bench/scale).
    rows = await db.fetchall(
        f"""
        SELECT l.person_id, l.unit_id, p.full_name, {", ".join(f"l.{c}" for c in _STEP_COLUMNS)}
        FROM pipelines l JOIN people p ON p.id = l.person_id AND p.deleted_at IS NULL
        WHERE l.recognition IS NULL AND l.not_recognised IS NULL AND l.withdrew IS NULL
          AND (
            (l.awareness_class BETWEEN :class_from AND :class_to
             AND (l.cell_vote IS NULL OR l.cell_vote > :today))
            OR (l.admission_decision BETWEEN :decision_from AND :decision_to
                AND (l.ceremony IS NULL OR l.ceremony > :today))
            OR l.ceremony BETWEEN :ceremony_from AND :ceremony_to
          )
          AND {_units_of_pipelines(unit_ids)}
        ORDER BY l.person_id
        """,
        {
            "ids": _json(unit_ids),
            "today": dates.today.isoformat(),
            **_range("class", dates.awareness_class),
            **_range("decision", dates.admission_decision),
            **_range("ceremony", dates.ceremony),
        },
    )
    return [
        OpenPerson(
            r["person_id"],
            r["unit_id"],
            r["full_name"],
            {c: date.fromisoformat(r[c]) for c in _STEP_COLUMNS if r[c] is not None},
        )
        for r in rows
    ]


def _range(name: str, dates: tuple[date | None, date]) -> dict[str, str]:
    first, last = dates
    return {f"{name}_from": first.isoformat() if first else _BEFORE_ANY, f"{name}_to": last.isoformat()}


@dataclass(frozen=True)
class DueBounds:
    """For each deadline of an admission, two dates of the step it counts from (features/duties.due_bounds):
    dated on or before the first, the deadline is overdue (the end of probation: passed); after it and on
    or before the second, it falls due soon."""

    today: date  # a step dated later has not happened yet, so it meets no deadline
    awareness_expiry: tuple[date, date]  # of the class; met by the cell's vote
    ceremony: tuple[date, date]  # of the admission decision; met by the ceremony
    probation_end: tuple[date, date]  # of the ceremony; passes by itself
    recognition: tuple[date, date]  # of the ceremony; met by recognition, which ends the admission


async def admission_deadline_counts(
    db: Queryable, ids: Iterable[int], bounds: DueBounds, near: DueBounds | None = None
) -> list[tuple[int, int, int, int]]:
    """Return (unit, overdue, due soon, due near) for the deadlines of the live admissions under way, per
    unit: due near counts those of due soon that also fall due by the second dates of `near` (the digest's
    "within 7 days"), none without it.

    The same deadlines as bot/rules/deadlines.deadlines_for over `open_pipelines`, every overdue one kept;
    tests/unit/test_duties_window.py checks that they are.
    """
    unit_ids = list(ids)
    class_open = "(l.cell_vote IS NULL OR l.cell_vote > :today)"
    decision_open = "(l.ceremony IS NULL OR l.ceremony > :today)"
    rows = await db.fetchall(
        f"""
        SELECT l.unit_id,
               COUNT(*) FILTER (WHERE l.awareness_class <= :class_late AND {class_open})
               + COUNT(*) FILTER (WHERE l.admission_decision <= :decision_late AND {decision_open})
               + COUNT(*) FILTER (WHERE l.ceremony <= :recognition_late) AS overdue,
               COUNT(*) FILTER (WHERE l.awareness_class > :class_late AND l.awareness_class <= :class_soon
                                AND {class_open})
               + COUNT(*) FILTER (WHERE l.admission_decision > :decision_late
                                  AND l.admission_decision <= :decision_soon AND {decision_open})
               + COUNT(*) FILTER (WHERE l.ceremony > :probation_passed AND l.ceremony <= :probation_soon)
               + COUNT(*) FILTER (WHERE l.ceremony > :recognition_late AND l.ceremony <= :recognition_soon)
               AS due_soon,
               COUNT(*) FILTER (WHERE l.awareness_class > :class_late AND l.awareness_class <= :class_near
                                AND {class_open})
               + COUNT(*) FILTER (WHERE l.admission_decision > :decision_late
                                  AND l.admission_decision <= :decision_near AND {decision_open})
               + COUNT(*) FILTER (WHERE l.ceremony > :probation_passed AND l.ceremony <= :probation_near)
               + COUNT(*) FILTER (WHERE l.ceremony > :recognition_late AND l.ceremony <= :recognition_near)
               AS due_near
        FROM pipelines l JOIN people p ON p.id = l.person_id AND p.deleted_at IS NULL
        WHERE l.recognition IS NULL AND l.not_recognised IS NULL AND l.withdrew IS NULL
          AND (
            (l.awareness_class <= :class_soon AND {class_open})
            OR (l.admission_decision <= :decision_soon AND {decision_open})
            OR l.ceremony <= :ceremony_soon
          )
          AND {_units_of_pipelines(unit_ids)}
        GROUP BY l.unit_id
        """,
        {
            "ids": _json(unit_ids),
            "today": bounds.today.isoformat(),
            **_bounds("class", bounds.awareness_expiry),
            **_bounds("decision", bounds.ceremony),
            **_bounds("probation", bounds.probation_end, late="passed"),
            **_bounds("recognition", bounds.recognition),
            "ceremony_soon": max(bounds.probation_end[1], bounds.recognition[1]).isoformat(),
            # Without a near window, its ranges are empty (from the late bound to itself).
            **_near("class", near.awareness_expiry if near else bounds.awareness_expiry[:1]),
            **_near("decision", near.ceremony if near else bounds.ceremony[:1]),
            **_near("probation", near.probation_end if near else bounds.probation_end[:1]),
            **_near("recognition", near.recognition if near else bounds.recognition[:1]),
        },
    )
    return [(r["unit_id"], r["overdue"], r["due_soon"], r["due_near"]) for r in rows]


def _near(name: str, bounds: tuple[date, ...]) -> dict[str, str]:
    """Return the near window's last date of a step (its late bound alone: an empty window)."""
    return {f"{name}_near": bounds[-1].isoformat()}


def _bounds(name: str, bounds: tuple[date, date], late: str = "late") -> dict[str, str]:
    return {f"{name}_{late}": bounds[0].isoformat(), f"{name}_soon": bounds[1].isoformat()}


async def open_transfers(
    db: Queryable, ids: Iterable[int], dates: TransferDates, today: date
) -> list[TransferRow]:
    """Return the live transfers not completed by `today` whose open deadline counts from a date in its
    range (a step dated later has not happened yet, as for admissions)."""
    rows = await db.fetchall(
        f"""
        SELECT id, unit_id, member_name, kind, direction, on_date, end_date, letter_date, done_on
        FROM transfers
        WHERE unit_id {_IN} AND deleted_at IS NULL AND (done_on IS NULL OR done_on > :today)
          AND ((kind = 'official' AND direction = 'out' AND (letter_date IS NULL OR letter_date > :today)
                AND on_date BETWEEN :decision_from AND :decision_to)
               OR (kind = 'official' AND direction = 'out'
                   AND letter_date BETWEEN :letter_from AND :letter_to)
               OR (kind = 'official' AND direction = 'in' AND on_date BETWEEN :letter_from AND :letter_to)
               OR (kind = 'temporary' AND end_date BETWEEN :end_from AND :end_to))
        ORDER BY on_date, id
        """,
        {
            "ids": _json(ids),
            "today": today.isoformat(),
            **_range("decision", dates.decision),
            **_range("letter", dates.letter),
            **_range("end", dates.end),
        },
    )
    return [transfer_row(r) for r in rows]


def transfer_row(r: sqlite3.Row) -> TransferRow:
    """Return the transfer of a row of `transfers`."""
    return TransferRow(
        id=r["id"],
        unit_id=r["unit_id"],
        member_name=r["member_name"],
        kind=r["kind"],
        direction=r["direction"],
        on_date=date.fromisoformat(r["on_date"]),
        end_date=_day(r["end_date"]),
        letter_date=_day(r["letter_date"]),
        done_on=_day(r["done_on"]),
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
