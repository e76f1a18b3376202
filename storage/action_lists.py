"""SQL of the lists behind a digest's buttons (migration 0012): a button's callback data holds 64 bytes,
so it carries a short token and the cells it acts on are kept here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from storage.database import Queryable
from storage.models import from_db_time, to_db_time


@dataclass(frozen=True)
class ActionList:
    """The cells a digest asked to act on: those to nudge (with why), and every cell it named."""

    token: str
    unit_id: int
    day: date
    nudge: tuple[tuple[int, tuple[str, ...]], ...]
    cells: tuple[int, ...]
    created_at: datetime


async def add(
    db: Queryable,
    token: str,
    unit_id: int,
    day: date,
    nudge: list[tuple[int, list[str]]],
    cells: list[int],
    now: datetime,
) -> None:
    """Keep the lists of one digest under its token."""
    await db.execute(
        "INSERT INTO action_lists (token, unit_id, day, nudge, cells, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (token, unit_id, day.isoformat(), json.dumps(nudge), json.dumps(cells), to_db_time(now)),
    )


async def get(db: Queryable, token: str) -> ActionList | None:
    """Return the lists kept under a token."""
    row = await db.fetchone("SELECT * FROM action_lists WHERE token = ?", (token,))
    if row is None:
        return None
    return ActionList(
        token=row["token"],
        unit_id=row["unit_id"],
        day=date.fromisoformat(row["day"]),
        nudge=tuple((int(c), tuple(str(r) for r in why)) for c, why in json.loads(row["nudge"])),
        cells=tuple(int(c) for c in json.loads(row["cells"])),
        created_at=from_db_time(row["created_at"]),
    )


async def forget_before(db: Queryable, moment: datetime) -> int:
    """Drop the lists made before a moment (their buttons then get the old-button answer)."""
    return await db.execute("DELETE FROM action_lists WHERE created_at < ?", (to_db_time(moment),))
