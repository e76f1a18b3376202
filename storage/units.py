"""SQL of the unit tree."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from storage.database import Queryable
from storage.models import Unit, from_db_time, to_db_time

ROOT_ID = 1


def _unit(row: sqlite3.Row) -> Unit:
    return Unit(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        parent_id=row["parent_id"],
        meeting_day=row["meeting_day"],
        created_at=from_db_time(row["created_at"]),
    )


async def get(db: Queryable, unit_id: int) -> Unit | None:
    """Return the unit with this id."""
    row = await db.fetchone("SELECT * FROM units WHERE id = ?", (unit_id,))
    return None if row is None else _unit(row)


async def by_code(db: Queryable, code: str) -> Unit | None:
    """Return the unit with this code (case-insensitive)."""
    row = await db.fetchone("SELECT * FROM units WHERE code = ?", (code,))
    return None if row is None else _unit(row)


async def all_units(db: Queryable) -> list[Unit]:
    """Return every unit, parents before children's siblings, by code."""
    rows = await db.fetchall("SELECT * FROM units ORDER BY code")
    return [_unit(r) for r in rows]


async def has_children(db: Queryable, unit_id: int) -> bool:
    """Tell whether the unit is a committee (has children)."""
    return bool(await db.fetchval("SELECT EXISTS (SELECT 1 FROM units WHERE parent_id = ?)", (unit_id,)))


async def add(db: Queryable, code: str, name: str, parent_id: int, now: datetime) -> Unit:
    """Create a unit under a parent and return it."""
    new_id = await db.insert(
        "INSERT INTO units (code, name, parent_id, created_at) VALUES (?, ?, ?, ?)",
        (code, name, parent_id, to_db_time(now)),
    )
    return Unit(id=new_id, code=code, name=name, parent_id=parent_id)


async def rename(db: Queryable, unit_id: int, name: str) -> None:
    """Give a unit another name."""
    await db.execute("UPDATE units SET name = ? WHERE id = ?", (name, unit_id))


# The ids of the unit :unit and of every unit below it, as the table `sub(id)`.
SUBTREE_CTE = (
    "WITH RECURSIVE sub(id) AS ("
    "SELECT :unit UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)"
)


async def subtree_ids(db: Queryable, unit_id: int) -> list[int]:
    """Return the ids of a unit and every unit below it."""
    rows = await db.fetchall(f"{SUBTREE_CTE} SELECT id FROM sub", {"unit": unit_id})
    return [r[0] for r in rows]


async def cells(db: Queryable) -> list[Unit]:
    """Return the cells (units under the root without units under them), by name."""
    rows = await db.fetchall(
        """
        SELECT u.* FROM units u
        WHERE u.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id)
        ORDER BY u.name COLLATE NOCASE, u.id
        """
    )
    return [_unit(r) for r in rows]


async def set_meeting_day(db: Queryable, unit_id: int, day: int) -> None:
    """Set the day of the month a cell holds its regular meeting."""
    await db.execute("UPDATE units SET meeting_day = ? WHERE id = ?", (day, unit_id))


async def cell_choices(db: Queryable) -> list[tuple[int, str]]:
    """Return every cell (a unit below the root with no units under it) as (id, name), by name."""
    rows = await db.fetchall(
        """
        SELECT u.id, u.name FROM units u
        WHERE u.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id)
        ORDER BY u.name COLLATE NOCASE
        """
    )
    return [(int(r["id"]), str(r["name"])) for r in rows]


async def codes(db: Queryable) -> list[tuple[int, str, bool]]:
    """Return every unit as (id, code, is a committee: the root or a unit with units under it)."""
    rows = await db.fetchall(
        """
        SELECT u.id, u.code,
               u.parent_id IS NULL OR EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id) AS committee
        FROM units u
        """
    )
    return [(int(r["id"]), str(r["code"]), bool(r["committee"])) for r in rows]


async def count_below_root(db: Queryable) -> int:
    """Return how many units there are besides the root."""
    return int(await db.fetchval("SELECT COUNT(*) FROM units WHERE id != ?", (ROOT_ID,)) or 0)


async def within(db: Queryable, unit_id: int, ancestor_id: int) -> bool:
    """Tell whether a unit is a given unit or lies under it."""
    return bool(
        await db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM unit_ancestors WHERE unit_id = ? AND ancestor_id = ?)",
            (unit_id, ancestor_id),
        )
    )


async def names(db: Queryable, ids: list[int]) -> dict[int, str]:
    """Return the names of these units by id (units that no longer exist are left out)."""
    rows = await db.fetchall(
        "SELECT id, name FROM units WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
    )
    return {int(r["id"]): str(r["name"]) for r in rows}
