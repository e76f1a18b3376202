"""SQL of form drafts: one open draft per user, stored after every answer."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.database import Queryable
from storage.models import from_db_time, to_db_time


@dataclass(frozen=True)
class Draft:
    """A form being filled in."""

    id: int
    user_id: int
    form: str
    unit_id: int | None
    record_id: int | None
    answers: dict[str, Any]
    position: str
    return_to: str | None
    version: int
    status: str
    updated_at: datetime
    reminded_at: datetime | None


def _draft(row: sqlite3.Row) -> Draft:
    return Draft(
        id=row["id"],
        user_id=row["user_id"],
        form=row["form"],
        unit_id=row["unit_id"],
        record_id=row["record_id"],
        answers=json.loads(row["answers"]),
        position=row["position"],
        return_to=row["return_to"],
        version=row["version"],
        status=row["status"],
        updated_at=from_db_time(row["updated_at"]),
        reminded_at=from_db_time(row["reminded_at"]) if row["reminded_at"] else None,
    )


async def open_for(db: Queryable, user_id: int) -> Draft | None:
    """Return the user's open draft."""
    row = await db.fetchone("SELECT * FROM drafts WHERE user_id = ? AND status = 'open'", (user_id,))
    return None if row is None else _draft(row)


async def get(db: Queryable, draft_id: int) -> Draft | None:
    """Return a draft by id, whatever its status."""
    row = await db.fetchone("SELECT * FROM drafts WHERE id = ?", (draft_id,))
    return None if row is None else _draft(row)


async def create(
    db: Queryable,
    user_id: int,
    form: str,
    unit_id: int | None,
    record_id: int | None,
    answers: dict[str, Any],
    position: str,
    now: datetime,
) -> Draft:
    """Open a draft (the caller closes any other open draft first)."""
    stamp = to_db_time(now)
    row = await db.fetchone(
        """
        INSERT INTO drafts (user_id, form, unit_id, record_id, answers, position, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        RETURNING *
        """,
        (user_id, form, unit_id, record_id, json.dumps(answers, ensure_ascii=False), position, stamp, stamp),
    )
    assert row is not None
    return _draft(row)


async def save_step(
    db: Queryable,
    draft: Draft,
    *,
    answers: dict[str, Any],
    position: str,
    return_to: str | None,
    unit_id: int | None,
    now: datetime,
) -> Draft | None:
    """Store a step of an open draft; None when the draft moved on meanwhile (a stale update).

    One statement, atomic on its own: the caller needs no transaction around it.
    """
    row = await db.fetchone(
        """
        UPDATE drafts SET answers = ?, position = ?, return_to = ?, unit_id = ?, version = version + 1,
                          updated_at = ?, reminded_at = NULL
        WHERE id = ? AND status = 'open' AND version = ?
        RETURNING *
        """,
        (
            json.dumps(answers, ensure_ascii=False),
            position,
            return_to,
            unit_id,
            to_db_time(now),
            draft.id,
            draft.version,
        ),
    )
    return None if row is None else _draft(row)


async def close(db: Queryable, draft_id: int, status: str, now: datetime) -> bool:
    """Close an open draft as saved, cancelled or expired; False when it was closed already.

    Its answers go: a saved form's are in its record, a dropped form's are nobody's business.
    The row stays, so a press on one of its old buttons is told the form was saved or closed.
    """
    changed = await db.execute(
        "UPDATE drafts SET status = ?, closed_at = ?, answers = '{}' WHERE id = ? AND status = 'open'",
        (status, to_db_time(now), draft_id),
    )
    return changed == 1


async def close_open_of(db: Queryable, user_id: int, now: datetime) -> list[Draft]:
    """Close (as cancelled) the open draft of a user whose role or unit changed; return it, as it was."""
    draft = await open_for(db, user_id)
    if draft is None or not await close(db, draft.id, "cancelled", now):
        return []
    return [draft]


async def naming_person(db: Queryable, person_id: int, step_ids: list[int]) -> list[Draft]:
    """Return the drafts that hold a person: correcting them or one of their steps, or recording a step."""
    rows = await db.fetchall(
        """
        SELECT * FROM drafts
        WHERE (form = 'candidate' AND record_id = :person)
           OR (form = 'progress' AND record_id IN (SELECT value FROM json_each(:steps)))
           OR (status = 'open' AND CAST(json_extract(answers, '$.person') AS INTEGER) = :person)
        """,
        {"person": person_id, "steps": json.dumps(step_ids)},
    )
    return [_draft(r) for r in rows]


async def open_drafts(db: Queryable) -> list[Draft]:
    """Return every open draft (one per user at most)."""
    rows = await db.fetchall("SELECT * FROM drafts WHERE status = 'open' ORDER BY id")
    return [_draft(r) for r in rows]


async def delete(db: Queryable, draft_ids: list[int]) -> int:
    """Delete drafts for good; return how many."""
    return await db.execute(
        "DELETE FROM drafts WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(draft_ids),)
    )


async def idle_since(db: Queryable, moment: datetime, *, reminded: bool | None = None) -> list[Draft]:
    """Return the open drafts untouched since a moment (optionally only those (not) reminded)."""
    sql = "SELECT * FROM drafts WHERE status = 'open' AND updated_at <= ?"
    if reminded is True:
        sql += " AND reminded_at IS NOT NULL"
    elif reminded is False:
        sql += " AND reminded_at IS NULL"
    rows = await db.fetchall(sql + " ORDER BY id", (to_db_time(moment),))
    return [_draft(r) for r in rows]


async def mark_reminded(db: Queryable, draft_id: int, now: datetime) -> bool:
    """Record that the user was reminded of an idle draft; False when it changed meanwhile."""
    changed = await db.execute(
        "UPDATE drafts SET reminded_at = ? WHERE id = ? AND status = 'open' AND reminded_at IS NULL",
        (to_db_time(now), draft_id),
    )
    return changed == 1


async def idle(db: Queryable, now: datetime, ttl: timedelta) -> tuple[list[Draft], list[Draft]]:
    """Return the drafts to remind (idle three quarters of ttl) and those to expire (idle ttl)."""
    expire = await idle_since(db, now - ttl)
    expiring = {d.id for d in expire}
    remind = [d for d in await idle_since(db, now - ttl * 3 / 4, reminded=False) if d.id not in expiring]
    return remind, expire
