"""SQL of the weekly digest: aggregates over the units of a subtree, one query per kind of fact.

Every query takes the subtree's unit ids as one JSON array parameter (`json_each`), so its text and
its plan stay the same for a cell or a province of 300 cells, and counts with GROUP BY instead of
fetching records one by one. Only live records count (deleted_at IS NULL), which also lets SQLite use
the partial indexes of migration 0002. Dates of events are ISO text, so text order is date order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from storage.database import Queryable
from storage.models import from_db_time

_IN = "IN (SELECT value FROM json_each(:ids))"

# The tables that hold a cell's records, for "when did this cell last record anything".
RECORD_TABLES = ("people", "pipeline_steps", "transfers", "meetings", "activities", "enterprise_snapshots")


@dataclass(frozen=True)
class Window:
    """The two periods a digest counts: the week and the year so far (both ends included)."""

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


@dataclass(frozen=True)
class Count:
    """How many records of one group fell in the week and in the year so far."""

    unit_id: int | None
    key: str
    week: int
    year: int


@dataclass(frozen=True)
class MonthCount:
    """How many meetings a cell recorded in one calendar month ("2026-10")."""

    unit_id: int
    month: str
    meetings: int


@dataclass(frozen=True)
class EnterpriseTotals:
    """The sums of the latest enterprise snapshot of every cell that has one."""

    enterprises: int
    zones: int
    workers: int
    young_workers: int
    union_members: int
    youth_union_members: int
    members_elsewhere: int


@dataclass(frozen=True)
class OpenPerson:
    """A live person whose admission is under way, with the dates of their steps."""

    id: int
    unit_id: int
    full_name: str
    steps: dict[str, date]


@dataclass(frozen=True)
class TransferRow:
    """A live transfer that may have a deadline near the digest's day."""

    unit_id: int
    member_name: str
    kind: str
    direction: str
    on_date: date
    end_date: date | None


def _json(ids: Iterable[int]) -> str:
    return json.dumps([int(i) for i in ids])


async def subtree_units(db: Queryable, ids: Iterable[int]) -> list[SubUnit]:
    """Return the units with these ids, telling cells from committees, by name."""
    rows = await db.fetchall(
        f"""
        SELECT u.id, u.name, u.parent_id,
               u.parent_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id) AS is_cell
        FROM units u WHERE u.id {_IN}
        ORDER BY u.name COLLATE NOCASE, u.id
        """,
        {"ids": _json(ids)},
    )
    return [SubUnit(r["id"], r["name"], r["parent_id"], bool(r["is_cell"])) for r in rows]


async def step_counts(db: Queryable, ids: Iterable[int], window: Window) -> list[Count]:
    """Return the pipeline steps reached in the window, by cell and step."""
    # A step counts only while its person is live (deleting a person deletes their steps too,
    # but a step must never outlive its person in a count).
    rows = await db.fetchall(
        f"""
        SELECT s.unit_id, s.step AS key, {_counts_of("s.on_date")}
        FROM pipeline_steps s JOIN people p ON p.id = s.person_id AND p.deleted_at IS NULL
        WHERE s.unit_id {_IN} AND s.deleted_at IS NULL AND {_in_window("s.on_date")}
        GROUP BY s.unit_id, s.step
        """,
        window.params(ids),
    )
    return [Count(r["unit_id"], r["key"], r["week"], r["year"]) for r in rows]


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


async def meetings_by_month(db: Queryable, ids: Iterable[int], first: date, last: date) -> list[MonthCount]:
    """Return the meetings each cell held in each calendar month from `first` to `last`."""
    rows = await db.fetchall(
        f"""
        SELECT unit_id, substr(on_date, 1, 7) AS month, COUNT(*) AS n FROM meetings
        WHERE unit_id {_IN} AND deleted_at IS NULL AND on_date BETWEEN :first AND :last
        GROUP BY unit_id, month
        """,
        {"ids": _json(ids), "first": first.isoformat(), "last": last.isoformat()},
    )
    return [MonthCount(r["unit_id"], r["month"], r["n"]) for r in rows]


async def last_record_at(db: Queryable, ids: Iterable[int]) -> dict[int, datetime]:
    """Return, per unit, when its latest live record of any kind was entered (units with none are absent)."""
    # One index seek per unit and table (the (unit_id, created_at) indexes of migration 0005): grouping
    # every record by unit read all 5 million records of a large city (bench/scale).
    parts = " UNION ALL ".join(
        f"SELECT u.value AS unit_id, (SELECT MAX(created_at) FROM {table} "
        f"WHERE unit_id = u.value AND deleted_at IS NULL) AS at FROM json_each(:ids) u"
        for table in RECORD_TABLES
    )
    rows = await db.fetchall(
        f"SELECT unit_id, MAX(at) AS at FROM ({parts}) WHERE at IS NOT NULL GROUP BY unit_id",
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


async def enterprise_totals(db: Queryable, ids: Iterable[int]) -> EnterpriseTotals:
    """Return the sums of every cell's latest live enterprise snapshot."""
    row = await db.fetchone(
        f"""
        WITH latest AS (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY unit_id ORDER BY on_date DESC, id DESC) AS rn
            FROM enterprise_snapshots WHERE unit_id {_IN} AND deleted_at IS NULL
        )
        SELECT COUNT(*) AS enterprises, COUNT(DISTINCT zone COLLATE NOCASE) AS zones,
               TOTAL(workers) AS workers, TOTAL(young_workers) AS young_workers,
               TOTAL(union_members) AS union_members, TOTAL(youth_union_members) AS youth_union_members,
               TOTAL(members_elsewhere) AS members_elsewhere
        FROM latest WHERE rn = 1
        """,
        {"ids": _json(ids)},
    )
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return EnterpriseTotals(
        enterprises=row["enterprises"],
        zones=row["zones"],
        workers=int(row["workers"]),
        young_workers=int(row["young_workers"]),
        union_members=int(row["union_members"]),
        youth_union_members=int(row["youth_union_members"]),
        members_elsewhere=int(row["members_elsewhere"]),
    )


# Steps after which nothing is due (bot/pipeline.py).
_TERMINAL_STEPS = "('recognition', 'not_recognised', 'withdrew')"


@dataclass(frozen=True)
class StepDates:
    """Where the steps that start a deadline lie when the deadline falls in a period of interest.

    bot/duties.py works the ranges out from the rules (a ceremony is due 30 working days after the
    decision...), each a little wider than needed; people with no such step in its range have nothing
    due in the period, so a large city's hundreds of thousands of admissions under way are not all
    fetched and worked through (bench/scale). A range is (first, last); None: no first day.
    """

    today: date  # a step dated later has not happened yet, so it meets no deadline
    awareness_class: tuple[date | None, date]  # a class not followed by an admission decision
    admission_decision: tuple[date | None, date]  # a decision not followed by a ceremony
    ceremony: tuple[date | None, date]


_BEFORE_ANY = "0001-01-01"


async def open_pipelines(db: Queryable, ids: Iterable[int], dates: StepDates) -> list[OpenPerson]:
    """Return the live people with a step in its range of dates and no step that ends the process."""
    # The candidates come first (CROSS JOIN keeps that order), found unit by unit through the
    # (unit_id, step, on_date) index of migration 0005; the units' people are never scanned.
    rows = await db.fetchall(
        f"""
        WITH candidate(id) AS (
            SELECT a.person_id FROM pipeline_steps a
            WHERE a.unit_id {_IN} AND a.step = 'awareness_class' AND a.deleted_at IS NULL
              AND a.on_date BETWEEN :class_from AND :class_to
              AND NOT EXISTS (SELECT 1 FROM pipeline_steps d WHERE d.person_id = a.person_id
                              AND d.step = 'admission_decision' AND d.deleted_at IS NULL
                              AND d.on_date <= :today)
            UNION
            SELECT a.person_id FROM pipeline_steps a
            WHERE a.unit_id {_IN} AND a.step = 'admission_decision' AND a.deleted_at IS NULL
              AND a.on_date BETWEEN :decision_from AND :decision_to
              AND NOT EXISTS (SELECT 1 FROM pipeline_steps d WHERE d.person_id = a.person_id
                              AND d.step = 'ceremony' AND d.deleted_at IS NULL AND d.on_date <= :today)
            UNION
            SELECT a.person_id FROM pipeline_steps a
            WHERE a.unit_id {_IN} AND a.step = 'ceremony' AND a.deleted_at IS NULL
              AND a.on_date BETWEEN :ceremony_from AND :ceremony_to
        )
        SELECT p.id, p.unit_id, p.full_name, s.step, s.on_date
        FROM candidate c CROSS JOIN people p ON p.id = c.id
        JOIN pipeline_steps s ON s.person_id = p.id AND s.deleted_at IS NULL
        WHERE p.unit_id {_IN} AND p.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM pipeline_steps e WHERE e.person_id = p.id AND e.deleted_at IS NULL
                          AND e.step IN {_TERMINAL_STEPS})
        ORDER BY p.id
        """,
        {
            "ids": _json(ids),
            "today": dates.today.isoformat(),
            **_range("class", dates.awareness_class),
            **_range("decision", dates.admission_decision),
            **_range("ceremony", dates.ceremony),
        },
    )
    people: dict[int, OpenPerson] = {}
    for r in rows:
        person = people.setdefault(r["id"], OpenPerson(r["id"], r["unit_id"], r["full_name"], {}))
        person.steps[r["step"]] = date.fromisoformat(r["on_date"])
    return list(people.values())


def _range(name: str, dates: tuple[date | None, date]) -> dict[str, str]:
    first, last = dates
    return {f"{name}_from": first.isoformat() if first else _BEFORE_ANY, f"{name}_to": last.isoformat()}


async def transfers_near(
    db: Queryable, ids: Iterable[int], official_since: date, temporary_from: date, temporary_to: date
) -> list[TransferRow]:
    """Return live official transfers out dated from `official_since`, temporary ones ending in a range."""
    rows = await db.fetchall(
        f"""
        SELECT unit_id, member_name, kind, direction, on_date, end_date FROM transfers
        WHERE unit_id {_IN} AND deleted_at IS NULL
          AND ((kind = 'official' AND direction = 'out' AND on_date >= :since)
               OR (kind = 'temporary' AND end_date BETWEEN :tfrom AND :tto))
        ORDER BY on_date, id
        """,
        {
            "ids": _json(ids),
            "since": official_since.isoformat(),
            "tfrom": temporary_from.isoformat(),
            "tto": temporary_to.isoformat(),
        },
    )
    return [
        TransferRow(
            unit_id=r["unit_id"],
            member_name=r["member_name"],
            kind=r["kind"],
            direction=r["direction"],
            on_date=date.fromisoformat(r["on_date"]),
            end_date=date.fromisoformat(r["end_date"]) if r["end_date"] else None,
        )
        for r in rows
    ]
