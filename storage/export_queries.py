"""Read-only SQL of the data commands: the rows an Excel export holds, and the audit view.

Every query leaves deleted records out (deleted_at IS NULL) and reads in batches by id, so a large
export never holds the shared connection for long: other users' statements run between batches.
A set of units is passed as one JSON array parameter (json_each), whatever its size.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from storage import audit
from storage.database import Queryable
from storage.models import AuditEntry

BATCH = 2000

# The prefix an anonymised user's external id gets (bot/features/erasure.py): they are named nowhere.
FORGOTTEN_PREFIX = "forgotten:"

# Record tables an export reads, with the columns it shows (table and column names never come
# from users).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "meetings": (
        "on_date",
        "kind",
        "minutes",
        "total",
        "present",
        "absent_with_reason",
        "absent_without_reason",
        "topic",
    ),
    "activities": ("on_date", "kind", "title", "participants", "note", "photo_file_id"),
    "transfers": (
        "on_date",
        "direction",
        "kind",
        "study",
        "member_name",
        "end_date",
        "letter_date",
        "done_on",
        "note",
    ),
    "enterprise_snapshots": (
        "on_date",
        "name",
        "zone",
        "workers",
        "young_workers",
        "union_members",
        "youth_union_members",
        "members_elsewhere",
    ),
}


@dataclass(frozen=True)
class Period:
    """An inclusive range of dates; either end may be open."""

    start: date | None = None
    end: date | None = None

    @property
    def open(self) -> bool:
        """Tell whether the period has no bounds at all."""
        return self.start is None and self.end is None

    def holds(self, day: date) -> bool:
        """Tell whether a day falls within the period."""
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    @property
    def bounds(self) -> tuple[str, str]:
        """Return the ISO bounds for SQL (open ends become the widest dates)."""
        return (
            self.start.isoformat() if self.start else "0000-01-01",
            self.end.isoformat() if self.end else "9999-12-31",
        )


@dataclass(frozen=True)
class UnitRow:
    """A unit in the scope of an export, with its parent's name and whether it is a cell."""

    id: int
    code: str
    name: str
    parent_id: int | None
    parent_name: str
    is_cell: bool


@dataclass(frozen=True)
class Author:
    """Who entered a record: their name, or None for a user whose data was deleted on request."""

    name: str | None


@dataclass(frozen=True)
class PersonRow:
    """A live person with the dates and details of their live steps."""

    id: int
    unit_id: int
    values: dict[str, Any]
    steps: dict[str, date]
    step_details: dict[str, dict[str, Any]]
    author: Author
    created_at: str


@dataclass(frozen=True)
class RecordRow:
    """A live record of one of TABLE_COLUMNS' tables."""

    id: int
    unit_id: int
    values: dict[str, Any]
    author: Author
    created_at: str


def _ids(unit_ids: Sequence[int]) -> str:
    return json.dumps(list(unit_ids))


def user_name(external_id: str | None, name: str | None) -> str | None:
    """Return a user's name as exports show it: None for a user whose data was deleted on request."""
    if external_id is not None and str(external_id).startswith(FORGOTTEN_PREFIX):
        return None
    return name


def _author(row: sqlite3.Row) -> Author:
    external = row["author_external"]
    if external is None:
        return Author("")
    if str(external).startswith(FORGOTTEN_PREFIX):
        return Author(None)
    return Author(row["author_name"])


async def units_in(db: Queryable, unit_ids: Sequence[int]) -> list[UnitRow]:
    """Return the units of a scope with their parents' names, by code."""
    rows = await db.fetchall(
        """
        SELECT u.id, u.code, u.name, u.parent_id, COALESCE(p.name, '') AS parent_name,
               u.parent_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id) AS is_cell
        FROM units u LEFT JOIN units p ON p.id = u.parent_id
        WHERE u.id IN (SELECT value FROM json_each(?))
        ORDER BY u.code
        """,
        (_ids(unit_ids),),
    )
    return [
        UnitRow(r["id"], r["code"], r["name"], r["parent_id"], r["parent_name"], bool(r["is_cell"]))
        for r in rows
    ]


_PERSON_COLUMNS = (
    "full_name",
    "birth_year",
    "gender",
    "position",
    "youth_union",
    "helper1",
    "helper2",
    "note",
)


async def people(db: Queryable, unit_ids: Sequence[int], period: Period) -> AsyncIterator[list[PersonRow]]:
    """Yield batches of the live people of some units (with a step in the period, when one is set)."""
    start, end = period.bounds
    last_id = 0
    while True:
        rows = await db.fetchall(
            f"""
            SELECT p.id, p.unit_id, p.created_at, {", ".join("p." + c for c in _PERSON_COLUMNS)},
                   a.display_name AS author_name, a.external_id AS author_external
            FROM people p LEFT JOIN users a ON a.id = p.created_by
            WHERE p.unit_id IN (SELECT value FROM json_each(?)) AND p.deleted_at IS NULL AND p.id > ?
              AND (? OR EXISTS (
                  SELECT 1 FROM pipeline_steps s
                  WHERE s.person_id = p.id AND s.deleted_at IS NULL AND s.on_date BETWEEN ? AND ?
              ))
            ORDER BY p.id LIMIT ?
            """,
            (_ids(unit_ids), last_id, int(period.open), start, end, BATCH),
        )
        if not rows:
            return
        last_id = rows[-1]["id"]
        steps = await db.fetchall(
            """
            SELECT person_id, step, on_date, votes_for, official_members, decision_number
            FROM pipeline_steps
            WHERE person_id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL
            """,
            (json.dumps([r["id"] for r in rows]),),
        )
        dates: dict[int, dict[str, date]] = {}
        details: dict[int, dict[str, dict[str, Any]]] = {}
        for s in steps:
            dates.setdefault(s["person_id"], {})[s["step"]] = date.fromisoformat(s["on_date"])
            details.setdefault(s["person_id"], {})[s["step"]] = {
                "votes_for": s["votes_for"],
                "official_members": s["official_members"],
                "decision_number": s["decision_number"],
            }
        yield [
            PersonRow(
                id=r["id"],
                unit_id=r["unit_id"],
                values={c: r[c] for c in _PERSON_COLUMNS},
                steps=dates.get(r["id"], {}),
                step_details=details.get(r["id"], {}),
                author=_author(r),
                created_at=r["created_at"],
            )
            for r in rows
        ]
        if len(rows) < BATCH:
            return


async def records(
    db: Queryable, table: str, unit_ids: Sequence[int], period: Period
) -> AsyncIterator[list[RecordRow]]:
    """Yield batches of the live records of a table dated within the period, in some units."""
    columns = TABLE_COLUMNS[table]
    start, end = period.bounds
    last_id = 0
    while True:
        rows = await db.fetchall(
            f"""
            SELECT r.id, r.unit_id, r.created_at, {", ".join("r." + c for c in columns)},
                   a.display_name AS author_name, a.external_id AS author_external
            FROM {table} r LEFT JOIN users a ON a.id = r.created_by
            WHERE r.unit_id IN (SELECT value FROM json_each(?)) AND r.deleted_at IS NULL AND r.id > ?
              AND r.on_date BETWEEN ? AND ?
            ORDER BY r.id LIMIT ?
            """,
            (_ids(unit_ids), last_id, start, end, BATCH),
        )
        if not rows:
            return
        last_id = rows[-1]["id"]
        yield [
            RecordRow(r["id"], r["unit_id"], {c: r[c] for c in columns}, _author(r), r["created_at"])
            for r in rows
        ]
        if len(rows) < BATCH:
            return


async def count_rows(db: Queryable, unit_ids: Sequence[int], period: Period) -> int:
    """Return how many rows an export of these units and period will hold (for its progress)."""
    start, end = period.bounds
    ids = _ids(unit_ids)
    total = await db.fetchval(
        """
        SELECT (SELECT COUNT(*) FROM people p
                WHERE p.unit_id IN (SELECT value FROM json_each(:ids)) AND p.deleted_at IS NULL
                  AND (:all OR EXISTS (SELECT 1 FROM pipeline_steps s WHERE s.person_id = p.id
                              AND s.deleted_at IS NULL AND s.on_date BETWEEN :start AND :end)))
             + (SELECT COUNT(*) FROM meetings WHERE unit_id IN (SELECT value FROM json_each(:ids))
                AND deleted_at IS NULL AND on_date BETWEEN :start AND :end)
             + (SELECT COUNT(*) FROM activities WHERE unit_id IN (SELECT value FROM json_each(:ids))
                AND deleted_at IS NULL AND on_date BETWEEN :start AND :end)
             + (SELECT COUNT(*) FROM transfers WHERE unit_id IN (SELECT value FROM json_each(:ids))
                AND deleted_at IS NULL AND on_date BETWEEN :start AND :end)
             + (SELECT COUNT(*) FROM enterprise_snapshots WHERE unit_id IN (SELECT value FROM json_each(:ids))
                AND deleted_at IS NULL AND on_date BETWEEN :start AND :end)
        """,
        {"ids": ids, "start": start, "end": end, "all": int(period.open)},
    )
    return int(total or 0)


@dataclass(frozen=True)
class AuditLine:
    """An audit entry with the names the audit view shows."""

    entry: AuditEntry
    actor: Author | None  # None: done by the system (no actor)
    unit_name: str | None


async def audit_lines(db: Queryable, unit_ids: Sequence[int] | None, limit: int) -> list[AuditLine]:
    """Return the newest audit entries (of some units, when given), newest first."""
    where = "" if unit_ids is None else "WHERE l.unit_id IN (SELECT value FROM json_each(?))"
    params: list[object] = [] if unit_ids is None else [_ids(unit_ids)]
    rows = await db.fetchall(
        f"""
        SELECT l.*, a.display_name AS author_name, a.external_id AS author_external, u.name AS unit_name
        FROM audit_log l LEFT JOIN users a ON a.id = l.actor_id LEFT JOIN units u ON u.id = l.unit_id
        {where}
        ORDER BY l.id DESC LIMIT ?
        """,
        [*params, limit],
    )
    return [
        AuditLine(
            entry=audit.entry(r),
            actor=None if r["actor_id"] is None else _author(r),
            unit_name=r["unit_name"],
        )
        for r in rows
    ]
