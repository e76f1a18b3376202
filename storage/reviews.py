"""SQL of records sent back for revision (migration 0012): one row per return, resolved when the cell
corrects or deletes the record. bot/features/review.py says what the states mean and who may do what."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage import audit
from storage.database import Queryable
from storage.export_queries import user_name
from storage.models import from_db_time, to_db_time

CORRECTED = "corrected"
DELETED = "deleted"


def record_ref(kind: str, record_id: int) -> str:
    """Return how a record is named in a form's answers and buttons: "meeting.12" (no ':' in it)."""
    return f"{kind}.{record_id}"


def parse_ref(text: str) -> tuple[str, int] | None:
    """Return the kind and id of a record named by record_ref, or None."""
    kind, _, number = str(text).partition(".")
    return (kind, int(number)) if kind and number.isdecimal() else None


@dataclass(frozen=True)
class Return:
    """A record sent back to its cell with a comment, and how it ended (resolution None: still open)."""

    id: int
    kind: str
    record_id: int
    unit_id: int
    comment: str
    returned_by: int | None
    returned_at: datetime
    resolution: str | None
    resolved_by: int | None
    resolved_at: datetime | None

    @property
    def open(self) -> bool:
        """Tell whether the cell has not corrected (or deleted) the record yet."""
        return self.resolved_at is None


def from_row(row: sqlite3.Row) -> Return:
    """Return the return a row of record_returns holds (other columns of the row are ignored)."""
    return Return(
        id=row["id"],
        kind=row["kind"],
        record_id=row["record_id"],
        unit_id=row["unit_id"],
        comment=row["comment"],
        returned_by=row["returned_by"],
        returned_at=from_db_time(row["returned_at"]),
        resolution=row["resolution"],
        resolved_by=row["resolved_by"],
        resolved_at=from_db_time(row["resolved_at"]) if row["resolved_at"] else None,
    )


async def add(
    db: Queryable, kind: str, record_id: int, unit_id: int, comment: str, user_id: int, now: datetime
) -> int | None:
    """Send a record back; None when a return of it is open already (nothing changes)."""
    try:
        return await db.insert(
            """
            INSERT INTO record_returns (kind, record_id, unit_id, comment, returned_by, returned_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            (kind, record_id, unit_id, comment, user_id, to_db_time(now)),
        )
    except sqlite3.IntegrityError as error:
        if "UNIQUE" not in str(error):
            raise
        return None


async def get(db: Queryable, return_id: int) -> Return | None:
    """Return one return."""
    row = await db.fetchone("SELECT * FROM record_returns WHERE id = ?", (return_id,))
    return None if row is None else from_row(row)


async def of_record(db: Queryable, kind: str, record_id: int) -> list[Return]:
    """Return every return of a record, oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM record_returns WHERE kind = ? AND record_id = ? ORDER BY id", (kind, record_id)
    )
    return [from_row(r) for r in rows]


async def open_of(db: Queryable, kind: str, record_id: int) -> Return | None:
    """Return the open return of a record, if any."""
    row = await db.fetchone(
        "SELECT * FROM record_returns WHERE kind = ? AND record_id = ? AND resolved_at IS NULL",
        (kind, record_id),
    )
    return None if row is None else from_row(row)


async def closed_by_deleting(db: Queryable, kind: str, record_id: int) -> list[Return]:
    """Return the open returns deleting a record closes: its own, and for a person those of their steps
    and mentor notes, which go with them."""
    rows = await db.fetchall(
        """
        SELECT * FROM record_returns WHERE resolved_at IS NULL AND (
            (kind = :kind AND record_id = :id)
            OR (:kind = 'person' AND kind = 'step'
                AND record_id IN (SELECT id FROM pipeline_steps WHERE person_id = :id))
            OR (:kind = 'person' AND kind = 'mentor'
                AND record_id IN (SELECT id FROM mentor_notes WHERE person_id = :id))
        )
        ORDER BY id
        """,
        {"kind": kind, "id": record_id},
    )
    return [from_row(r) for r in rows]


async def resolve(db: Queryable, return_id: int, resolution: str, user_id: int, now: datetime) -> bool:
    """Close an open return (corrected or deleted); False when it was closed already."""
    changed = await db.execute(
        """
        UPDATE record_returns SET resolution = ?, resolved_by = ?, resolved_at = ?
        WHERE id = ? AND resolved_at IS NULL
        """,
        (resolution, user_id, to_db_time(now), return_id),
    )
    return changed == 1


async def close(db: Queryable, returned: Return, resolution: str, user_id: int, now: datetime) -> bool:
    """Close an open return as corrected or deleted, with its line in the audit log; False when it was
    closed already (by someone else meanwhile)."""
    if not await resolve(db, returned.id, resolution, user_id, now):
        return False
    await audit.record(
        db,
        now,
        user_id,
        f"return.{resolution}",
        unit_id=returned.unit_id,
        subject=f"return:{returned.id}",
        new={"record": record_ref(returned.kind, returned.record_id), "comment": returned.comment},
    )
    return True


async def open_by_unit(db: Queryable, ids: Iterable[int]) -> dict[int, int]:
    """Return, per unit with any, how many of its records are returned and not corrected yet."""
    rows = await db.fetchall(
        """
        SELECT unit_id, COUNT(*) AS n FROM record_returns
        WHERE resolved_at IS NULL AND unit_id IN (SELECT value FROM json_each(?))
        GROUP BY unit_id
        """,
        (json.dumps([int(i) for i in ids]),),
    )
    return {int(r["unit_id"]): int(r["n"]) for r in rows}


async def open_of_unit(db: Queryable, unit_id: int) -> list[Return]:
    """Return a cell's open returns, oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM record_returns WHERE unit_id = ? AND resolved_at IS NULL ORDER BY id", (unit_id,)
    )
    return [from_row(r) for r in rows]


@dataclass(frozen=True)
class ExportedReturn:
    """A return as the Excel export lists it: the person a step or a note belongs to, and who acted."""

    ret: Return
    person_id: int | None  # the person of a person, step or mentor-note record
    returned_by_name: str | None
    resolved_by_name: str | None


async def in_units(
    db: Queryable, ids: Iterable[int], since: datetime | None, before: datetime | None
) -> list[ExportedReturn]:
    """Return the returns of these units made from `since` to just `before` (open ends: any), oldest first."""
    rows = await db.fetchall(
        """
        SELECT r.*,
               CASE r.kind WHEN 'person' THEN r.record_id
                           WHEN 'step' THEN (SELECT person_id FROM pipeline_steps WHERE id = r.record_id)
                           WHEN 'mentor' THEN (SELECT person_id FROM mentor_notes WHERE id = r.record_id)
               END AS person_id,
               b.external_id AS by_external, b.display_name AS by_name,
               c.external_id AS fixer_external, c.display_name AS fixer_name
        FROM record_returns r
        LEFT JOIN users b ON b.id = r.returned_by
        LEFT JOIN users c ON c.id = r.resolved_by
        WHERE r.unit_id IN (SELECT value FROM json_each(?))
          AND r.returned_at >= ? AND r.returned_at < ?
        ORDER BY r.id
        """,
        (
            json.dumps([int(i) for i in ids]),
            to_db_time(since) if since else "",
            to_db_time(before) if before else "9999",
        ),
    )
    return [
        ExportedReturn(
            from_row(r),
            int(r["person_id"]) if r["person_id"] is not None else None,
            user_name(r["by_external"], r["by_name"]),
            user_name(r["fixer_external"], r["fixer_name"]),
        )
        for r in rows
    ]


async def forget_records(db: Queryable, kind: str, record_ids: Iterable[int]) -> int:
    """Delete the returns of records deleted for good (their comments may name the person)."""
    return await db.execute(
        "DELETE FROM record_returns WHERE kind = ? AND record_id IN (SELECT value FROM json_each(?))",
        (kind, json.dumps([int(i) for i in record_ids])),
    )
