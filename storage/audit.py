"""SQL of the audit log: who did what, when, with old and new values."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from storage.database import Queryable
from storage.models import AuditEntry, from_db_time, to_db_time


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


async def record(
    db: Queryable,
    now: datetime,
    actor_id: int | None,
    action: str,
    *,
    unit_id: int | None = None,
    subject: str | None = None,
    old: Any = None,
    new: Any = None,
) -> None:
    """Append one entry to the audit log."""
    await db.execute(
        """
        INSERT INTO audit_log (at, actor_id, action, unit_id, subject, old_value, new_value)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
        (to_db_time(now), actor_id, action, unit_id, subject, _json(old), _json(new)),
    )


def entry(row: sqlite3.Row) -> AuditEntry:
    """Return the audit entry of a row of audit_log (joined rows may carry more columns)."""
    return AuditEntry(
        id=row["id"],
        at=from_db_time(row["at"]),
        actor_id=row["actor_id"],
        action=row["action"],
        unit_id=row["unit_id"],
        subject=row["subject"],
        old_value=row["old_value"],
        new_value=row["new_value"],
    )


async def latest(db: Queryable, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
    """Return the newest entries first."""
    rows = await db.fetchall("SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset))
    return [entry(r) for r in rows]
