"""SQL of reorganising the unit tree (migration 0011): moving a unit under another parent, merging a cell
into another, what a unit holds (for the preview), and the changes a digest's period contains.

Run the writes inside one transaction (pass its `tx`): a merge is all or nothing. Records keep their dates
and authors (created_by, created_at, updated_at are never touched); only their unit changes in a merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Queryable
from storage.models import from_db_time, to_db_time
from storage.units import SUBTREE_CTE

# The tables whose rows belong to a cell (every row, deleted ones too: a unit is deleted only empty).
RECORD_TABLES: tuple[str, ...] = (
    "people",
    "pipeline_steps",
    "transfers",
    "meetings",
    "activities",
    "enterprise_snapshots",
    "mentor_notes",  # migration 0012
)


@dataclass(frozen=True)
class Holdings:
    """What a unit's subtree holds: its cells, live records by table, secretaries and targets."""

    cells: int
    people: int
    records: int  # live records of every kind, people included
    secretaries: int
    targets: int  # the yearly admission targets set for the unit itself


async def holdings(db: Queryable, unit_id: int) -> Holdings:
    """Return what a unit and every unit below it hold."""
    counts = []
    for table in RECORD_TABLES:  # this module's constants, never user input
        counts.append(
            int(
                await db.fetchval(
                    f"{SUBTREE_CTE} SELECT COUNT(*) FROM {table} "
                    "WHERE unit_id IN (SELECT id FROM sub) AND deleted_at IS NULL",
                    {"unit": unit_id},
                )
            )
        )
    cells = await db.fetchval(
        f"""
        {SUBTREE_CTE} SELECT COUNT(*) FROM units u JOIN sub ON sub.id = u.id
        WHERE NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id)
        """,
        {"unit": unit_id},
    )
    secretaries = await db.fetchval(
        f"""
        {SUBTREE_CTE} SELECT COUNT(*) FROM users
        WHERE unit_id IN (SELECT id FROM sub) AND role = 'secretary' AND active = 1
        """,
        {"unit": unit_id},
    )
    targets = await db.fetchval("SELECT COUNT(*) FROM targets WHERE unit_id = ?", (unit_id,))
    return Holdings(int(cells), counts[0], sum(counts), int(secretaries), int(targets))


async def move(db: Queryable, unit_id: int, parent_id: int) -> None:
    """Put a unit (and its subtree) under another parent; the triggers of 0011 move its counts."""
    await db.execute("UPDATE units SET parent_id = ? WHERE id = ?", (parent_id, unit_id))


async def merge_cells(db: Queryable, gone_id: int, into_id: int) -> None:
    """Give every row of a cell to another cell and delete the emptied cell.

    Its records, people, users, drafts and invitations go to `into_id`; its targets are added to the other
    cell's of the same year. The triggers of 0006 recount the records where they now are.
    """
    for table in RECORD_TABLES:
        await db.execute(f"UPDATE {table} SET unit_id = ? WHERE unit_id = ?", (into_id, gone_id))
    # Its records' returns for revision go with them (migration 0012), open or closed.
    for table in ("users", "drafts", "invitations", "record_returns"):
        await db.execute(f"UPDATE {table} SET unit_id = ? WHERE unit_id = ?", (into_id, gone_id))
    await db.execute(
        """
        INSERT INTO targets (unit_id, year, admissions)
        SELECT ?, year, admissions FROM targets WHERE unit_id = ? AND true
        ON CONFLICT (unit_id, year) DO UPDATE SET admissions = admissions + excluded.admissions
        """,
        (into_id, gone_id),
    )
    await db.execute("DELETE FROM targets WHERE unit_id = ?", (gone_id,))
    # Its own kept counts are all zero now (every record left it); it is deleted with its tree rows.
    await db.execute("DELETE FROM record_counts WHERE unit_id = ?", (gone_id,))
    await db.execute("DELETE FROM units WHERE id = ?", (gone_id,))


@dataclass(frozen=True)
class UnitChange:
    """A change of the tree, as a digest tells it."""

    at: datetime
    action: str  # 'move', 'rename', 'merge'
    unit_id: int
    unit_name: str
    old_parent_id: int | None
    new_parent_id: int | None
    old_name: str | None
    into_unit_id: int | None


async def record_change(
    db: Queryable,
    now: datetime,
    action: str,
    unit_id: int,
    unit_name: str,
    actor_id: int | None,
    *,
    old_parent_id: int | None = None,
    new_parent_id: int | None = None,
    old_name: str | None = None,
    into_unit_id: int | None = None,
) -> None:
    """Remember a change of the tree."""
    await db.execute(
        """
        INSERT INTO unit_changes
            (at, action, unit_id, unit_name, old_parent_id, new_parent_id, old_name, into_unit_id, actor_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (
            to_db_time(now),
            action,
            unit_id,
            unit_name,
            old_parent_id,
            new_parent_id,
            old_name,
            into_unit_id,
            actor_id,
        ),
    )


async def changes_between(db: Queryable, start: datetime, end: datetime) -> list[UnitChange]:
    """Return the changes of the tree from `start` (included) to `end` (excluded), oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM unit_changes WHERE at >= ? AND at < ? ORDER BY at, id",
        (to_db_time(start), to_db_time(end)),
    )
    return [
        UnitChange(
            at=from_db_time(r["at"]),
            action=r["action"],
            unit_id=r["unit_id"],
            unit_name=r["unit_name"],
            old_parent_id=r["old_parent_id"],
            new_parent_id=r["new_parent_id"],
            old_name=r["old_name"],
            into_unit_id=r["into_unit_id"],
        )
        for r in rows
    ]
