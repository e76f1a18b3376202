"""SQL of transfers as a small pipeline (migration 0010): the open ones of a cell, their steps, and the
official transfers out that an arrival recorded in another cell closes."""

from __future__ import annotations

from datetime import date, datetime

from storage.database import Queryable
from storage.digest_queries import TransferRow, transfer_row
from storage.models import to_db_time

_COLUMNS = "id, unit_id, member_name, kind, direction, on_date, end_date, letter_date, done_on"

# The column each step of a transfer writes (bot/rules/deadlines.TransferStep values).
STEP_COLUMNS = {"letter": "letter_date", "received": "done_on", "arrived": "done_on", "returned": "done_on"}


async def get(db: Queryable, transfer_id: int) -> TransferRow | None:
    """Return a live transfer."""
    row = await db.fetchone(
        f"SELECT {_COLUMNS} FROM transfers WHERE id = ? AND deleted_at IS NULL", (transfer_id,)
    )
    return None if row is None else transfer_row(row)


async def open_of_unit(db: Queryable, unit_id: int) -> list[TransferRow]:
    """Return the live transfers of a cell not completed yet, oldest first."""
    rows = await db.fetchall(
        f"""
        SELECT {_COLUMNS} FROM transfers
        WHERE unit_id = ? AND deleted_at IS NULL AND done_on IS NULL
        ORDER BY on_date, id
        """,
        (unit_id,),
    )
    return [transfer_row(r) for r in rows]


async def record_step(db: Queryable, transfer_id: int, step: str, on_date: str, now: datetime) -> bool:
    """Write the date of a step of an open transfer; False when it is gone or completed meanwhile."""
    column = STEP_COLUMNS[step]  # a key of this module, never user input
    changed = await db.execute(
        f"""
        UPDATE transfers SET {column} = ?, updated_at = ?
        WHERE id = ? AND deleted_at IS NULL AND done_on IS NULL
        """,
        (on_date, to_db_time(now), transfer_id),
    )
    return changed == 1


async def open_official_outs(db: Queryable, other_than_unit: int) -> list[TransferRow]:
    """Return the open official transfers out of every cell but one (to match an arrival with)."""
    rows = await db.fetchall(
        f"""
        SELECT {_COLUMNS} FROM transfers
        WHERE kind = 'official' AND direction = 'out' AND unit_id != ?
          AND deleted_at IS NULL AND done_on IS NULL
        """,
        (other_than_unit,),
    )
    return [transfer_row(r) for r in rows]


async def close_by_arrival(
    db: Queryable, out_id: int, arrival_id: int, arrived_on: date, now: datetime
) -> bool:
    """Complete an official transfer out with the arrival recorded in another cell."""
    changed = await db.execute(
        """
        UPDATE transfers SET done_on = ?, closed_by = ?, updated_at = ?
        WHERE id = ? AND deleted_at IS NULL AND done_on IS NULL
        """,
        (arrived_on.isoformat(), arrival_id, to_db_time(now), out_id),
    )
    return changed == 1
