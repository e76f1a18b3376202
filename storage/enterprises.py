"""SQL of the enterprise register: the enterprises of a committee's zones, their stages, the working
group's contacts, and the sums the committee's picture (digest, dashboard) reads.

Every query of a scope takes the units whose registers it reads as one JSON array parameter
(`json_each`), as the digest's do; None means every register (an admin). Deletion is soft.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from storage import users
from storage.database import Queryable
from storage.models import Role, User, to_db_time

# The columns a form or an import may write (names never come from users).
COLUMNS = (
    "unit_id",
    "name",
    "zone",
    "ownership",
    "workers",
    "young_workers",
    "youth_union_members",
    "party_members",
    "members_elsewhere",
)
_LIVE = "e.deleted_at IS NULL"


def _ids(unit_ids: Iterable[int] | None) -> str | None:
    return None if unit_ids is None else json.dumps(sorted({int(i) for i in unit_ids}))


def _in_scope(alias: str = "e") -> str:
    """Return the condition keeping a scope's enterprises: those of its registers, and those whose
    cell is one of its units (a cell's own digest counts its enterprise). :units NULL: every one."""
    return (
        f"(:units IS NULL OR {alias}.unit_id IN (SELECT value FROM json_each(:units))"
        f" OR {alias}.cell_id IN (SELECT value FROM json_each(:units)))"
    )


@dataclass(frozen=True)
class Enterprise:
    """An enterprise of the register, with its recorded stages and its latest contact."""

    id: int
    unit_id: int
    name: str
    zone: str
    ownership: str | None
    workers: int
    young_workers: int
    youth_union_members: int
    party_members: int
    members_elsewhere: int
    cell_id: int | None
    assigned_to: int | None
    stages: dict[str, date | None] = field(default_factory=dict)
    last_contact: date | None = None
    contacts: int = 0

    @property
    def values(self) -> dict[str, Any]:
        """Return the values a form shows and writes."""
        return {c: getattr(self, c) for c in COLUMNS}


@dataclass(frozen=True)
class Contact:
    """A contact the working group had with an enterprise."""

    id: int
    enterprise_id: int
    on_date: date
    kind: str
    note: str
    created_by: int | None
    author: str | None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


async def _decorate(db: Queryable, rows: Sequence[sqlite3.Row]) -> list[Enterprise]:
    """Return the enterprises of rows, with their stages and contacts read in two queries."""
    ids = json.dumps([r["id"] for r in rows])
    stages: dict[int, dict[str, date | None]] = {}
    for r in await db.fetchall(
        """
        SELECT enterprise_id, stage, on_date FROM enterprise_stages
        WHERE enterprise_id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL
        """,
        (ids,),
    ):
        stages.setdefault(r["enterprise_id"], {})[r["stage"]] = _day(r["on_date"])
    contacts = {
        r["enterprise_id"]: (_day(r["last"]), r["n"])
        for r in await db.fetchall(
            """
            SELECT enterprise_id, MAX(on_date) AS last, COUNT(*) AS n FROM enterprise_contacts
            WHERE enterprise_id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL
            GROUP BY enterprise_id
            """,
            (ids,),
        )
    }
    return [
        Enterprise(
            id=r["id"],
            unit_id=r["unit_id"],
            name=r["name"],
            zone=r["zone"],
            ownership=r["ownership"],
            workers=r["workers"],
            young_workers=r["young_workers"],
            youth_union_members=r["youth_union_members"],
            party_members=r["party_members"],
            members_elsewhere=r["members_elsewhere"],
            cell_id=r["cell_id"],
            assigned_to=r["assigned_to"],
            stages=stages.get(r["id"], {}),
            last_contact=contacts.get(r["id"], (None, 0))[0],
            contacts=contacts.get(r["id"], (None, 0))[1],
        )
        for r in rows
    ]


async def get(db: Queryable, enterprise_id: int) -> Enterprise | None:
    """Return a live enterprise."""
    row = await db.fetchone(f"SELECT * FROM enterprises e WHERE e.id = ? AND {_LIVE}", (enterprise_id,))
    return None if row is None else (await _decorate(db, [row]))[0]


async def by_cell(db: Queryable, cell_id: int) -> Enterprise | None:
    """Return the live enterprise whose party cell is this unit."""
    row = await db.fetchone(f"SELECT * FROM enterprises e WHERE e.cell_id = ? AND {_LIVE}", (cell_id,))
    return None if row is None else (await _decorate(db, [row]))[0]


async def listing(
    db: Queryable,
    unit_ids: Iterable[int] | None,
    *,
    zone: str | None = None,
    assigned_to: int | None = None,
) -> list[Enterprise]:
    """Return the live enterprises of a scope (optionally of one zone, or one member's), by zone and name."""
    rows = await db.fetchall(
        f"""
        SELECT * FROM enterprises e
        WHERE {_LIVE} AND {_in_scope()}
          AND (:zone IS NULL OR e.zone = :zone) AND (:member IS NULL OR e.assigned_to = :member)
        ORDER BY e.zone, e.name COLLATE NOCASE, e.id
        """,
        {"units": _ids(unit_ids), "zone": zone, "member": assigned_to},
    )
    return await _decorate(db, rows)


async def zones(db: Queryable, unit_ids: Iterable[int] | None) -> list[tuple[str, int]]:
    """Return the zones of a scope's register with their numbers of enterprises, by name."""
    rows = await db.fetchall(
        f"""
        SELECT e.zone, COUNT(*) AS n FROM enterprises e WHERE {_LIVE} AND {_in_scope()}
        GROUP BY e.zone ORDER BY e.zone
        """,
        {"units": _ids(unit_ids)},
    )
    return [(r["zone"], r["n"]) for r in rows]


async def all_zones(db: Queryable) -> list[str]:
    """Return every zone name the register uses."""
    rows = await db.fetchall("SELECT DISTINCT zone FROM enterprises WHERE deleted_at IS NULL")
    return [r["zone"] for r in rows]


async def names_in(db: Queryable, unit_id: int) -> list[tuple[int, str, str]]:
    """Return (id, name, zone) of the live enterprises of one register."""
    rows = await db.fetchall(
        "SELECT id, name, zone FROM enterprises WHERE unit_id = ? AND deleted_at IS NULL", (unit_id,)
    )
    return [(r["id"], r["name"], r["zone"]) for r in rows]


async def insert(
    db: Queryable, values: dict[str, Any], cell_id: int | None, user_id: int | None, now: datetime
) -> int:
    """Add an enterprise to a register and return its id."""
    stamp = to_db_time(now)
    return await db.insert(
        f"""
        INSERT INTO enterprises ({", ".join(COLUMNS)}, cell_id, created_by, created_at, updated_at)
        VALUES ({", ".join("?" * len(COLUMNS))}, ?, ?, ?, ?)
        """,
        [*(values.get(c) for c in COLUMNS), cell_id, user_id, stamp, stamp],
    )


async def update(db: Queryable, enterprise_id: int, values: dict[str, Any], now: datetime) -> None:
    """Change the values of a live enterprise (only the columns given)."""
    columns = [c for c in COLUMNS if c in values]
    assignments = ", ".join(f"{c} = ?" for c in columns)
    await db.execute(
        f"UPDATE enterprises SET {assignments}, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
        [*(values[c] for c in columns), to_db_time(now), enterprise_id],
    )


async def link_cell(db: Queryable, enterprise_id: int, cell_id: int | None, now: datetime) -> None:
    """Make a unit the enterprise's party cell (None: no cell)."""
    await db.execute(
        "UPDATE enterprises SET cell_id = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
        (cell_id, to_db_time(now), enterprise_id),
    )


async def assign(db: Queryable, enterprise_id: int, user_id: int | None, now: datetime) -> None:
    """Give an enterprise to a member of the working group (None: to nobody)."""
    await db.execute(
        "UPDATE enterprises SET assigned_to = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
        (user_id, to_db_time(now), enterprise_id),
    )


async def unassign_user(db: Queryable, user_id: int, now: datetime) -> int:
    """Take every enterprise away from a user (their data deleted on request); return how many."""
    return await db.execute(
        "UPDATE enterprises SET assigned_to = NULL, updated_at = ? WHERE assigned_to = ?",
        (to_db_time(now), user_id),
    )


async def soft_delete(db: Queryable, enterprise_id: int, now: datetime) -> bool:
    """Take an enterprise out of the register (it closed, or was entered twice)."""
    changed = await db.execute(
        "UPDATE enterprises SET deleted_at = ?, cell_id = NULL WHERE id = ? AND deleted_at IS NULL",
        (to_db_time(now), enterprise_id),
    )
    return changed == 1


async def set_stage(
    db: Queryable, enterprise_id: int, stage: str, on_date: date | None, user_id: int | None, now: datetime
) -> None:
    """Record that an enterprise reached a stage on a date (again: the date is corrected)."""
    stamp = to_db_time(now)
    day = on_date.isoformat() if on_date else None
    changed = await db.execute(
        """
        UPDATE enterprise_stages SET on_date = ?, updated_at = ?
        WHERE enterprise_id = ? AND stage = ? AND deleted_at IS NULL
        """,
        (day, stamp, enterprise_id, stage),
    )
    if not changed:
        await db.execute(
            """
            INSERT INTO enterprise_stages (enterprise_id, stage, on_date, created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            (enterprise_id, stage, day, user_id, stamp, stamp),
        )


async def drop_stage(db: Queryable, enterprise_id: int, stage: str, now: datetime) -> None:
    """Take back a stage recorded by mistake (a trade union answered yes, then no)."""
    await db.execute(
        """
        UPDATE enterprise_stages SET deleted_at = ?
        WHERE enterprise_id = ? AND stage = ? AND deleted_at IS NULL
        """,
        (to_db_time(now), enterprise_id, stage),
    )


async def add_contact(
    db: Queryable,
    enterprise_id: int,
    on_date: date,
    kind: str,
    note: str,
    user_id: int | None,
    now: datetime,
) -> int:
    """Log a contact of the working group with an enterprise and return its id."""
    stamp = to_db_time(now)
    return await db.insert(
        """
        INSERT INTO enterprise_contacts
            (enterprise_id, on_date, kind, note, created_by, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
        (enterprise_id, on_date.isoformat(), kind, note, user_id, stamp, stamp),
    )


async def contacts(db: Queryable, enterprise_id: int, limit: int = 3) -> list[Contact]:
    """Return the latest contacts with an enterprise, newest first, with who logged them."""
    rows = await db.fetchall(
        """
        SELECT c.*, u.display_name AS author FROM enterprise_contacts c
        LEFT JOIN users u ON u.id = c.created_by
        WHERE c.enterprise_id = ? AND c.deleted_at IS NULL
        ORDER BY c.on_date DESC, c.id DESC LIMIT ?
        """,
        (enterprise_id, limit),
    )
    return [
        Contact(
            r["id"],
            r["enterprise_id"],
            date.fromisoformat(r["on_date"]),
            r["kind"],
            r["note"],
            r["created_by"],
            r["author"],
        )
        for r in rows
    ]


async def unlinked_cells(db: Queryable, unit_ids: Iterable[int] | None) -> list[tuple[int, str, str]]:
    """Return (id, name, code) of the cells of a scope that no enterprise of the register has yet."""
    rows = await db.fetchall(
        """
        SELECT u.id, u.name, u.code FROM units u
        WHERE u.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id)
          AND (:units IS NULL OR u.id IN (SELECT value FROM json_each(:units)))
          AND NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.cell_id = u.id AND e.deleted_at IS NULL)
        ORDER BY u.name COLLATE NOCASE
        """,
        {"units": _ids(unit_ids)},
    )
    return [(r["id"], r["name"], r["code"]) for r in rows]


# ----- the committee's picture -------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneSums:
    """The register's figures of one zone (or of a whole scope)."""

    zone: str
    enterprises: int
    with_cell: int
    members_no_cell: int  # party members working there, no cell yet
    could_found: int  # three official members recorded, no cell yet
    workers: int
    young_workers: int
    youth_union_members: int
    trade_unions: int
    youth_union_branches: int


@dataclass(frozen=True)
class FoundedCounts:
    """Cells, trade unions and Youth Union branches founded in a period (by the dates recorded)."""

    cells: int
    trade_unions: int
    youth_union_branches: int


@dataclass(frozen=True)
class MemberSums:
    """A working group member's enterprises in a scope: how many, the latest contact, and those due."""

    user_id: int
    name: str
    enterprises: int
    last_contact: date | None
    due: int  # never contacted, or not since the day given


async def zone_sums(db: Queryable, unit_ids: Iterable[int] | None) -> list[ZoneSums]:
    """Return the register's figures by zone for a scope."""
    rows = await db.fetchall(
        f"""
        WITH s AS (
            SELECT enterprise_id,
                   MAX(stage = 'three_members') AS three,
                   MAX(stage IN ('members_elsewhere', 'three_members')) AS members,
                   MAX(stage = 'trade_union') AS union_,
                   MAX(stage = 'youth_union') AS youth
            FROM enterprise_stages WHERE deleted_at IS NULL GROUP BY enterprise_id
        )
        SELECT e.zone, COUNT(*) AS enterprises,
               COUNT(e.cell_id) AS with_cell,
               SUM(e.cell_id IS NULL AND (e.party_members > 0 OR COALESCE(s.members, 0))) AS members_no_cell,
               SUM(e.cell_id IS NULL AND COALESCE(s.three, 0)) AS could_found,
               TOTAL(e.workers) AS workers, TOTAL(e.young_workers) AS young_workers,
               TOTAL(e.youth_union_members) AS youth_union_members,
               SUM(COALESCE(s.union_, 0)) AS trade_unions, SUM(COALESCE(s.youth, 0)) AS youth_union_branches
        FROM enterprises e LEFT JOIN s ON s.enterprise_id = e.id
        WHERE {_LIVE} AND {_in_scope()}
        GROUP BY e.zone ORDER BY e.zone
        """,
        {"units": _ids(unit_ids)},
    )
    return [
        ZoneSums(
            zone=r["zone"],
            enterprises=r["enterprises"],
            with_cell=r["with_cell"],
            members_no_cell=int(r["members_no_cell"] or 0),
            could_found=int(r["could_found"] or 0),
            workers=int(r["workers"]),
            young_workers=int(r["young_workers"]),
            youth_union_members=int(r["youth_union_members"]),
            trade_unions=int(r["trade_unions"] or 0),
            youth_union_branches=int(r["youth_union_branches"] or 0),
        )
        for r in rows
    ]


async def founded(db: Queryable, unit_ids: Iterable[int] | None, first: date, last: date) -> FoundedCounts:
    """Return how many cells, trade unions and Youth Union branches a scope founded between two days."""
    rows = await db.fetchall(
        f"""
        SELECT st.stage, COUNT(*) AS n FROM enterprise_stages st JOIN enterprises e ON e.id = st.enterprise_id
        WHERE st.deleted_at IS NULL AND {_LIVE} AND {_in_scope()}
          AND st.stage IN ('cell_founded', 'trade_union', 'youth_union')
          AND st.on_date BETWEEN :first AND :last
        GROUP BY st.stage
        """,
        {"units": _ids(unit_ids), "first": first.isoformat(), "last": last.isoformat()},
    )
    counts = {r["stage"]: r["n"] for r in rows}
    return FoundedCounts(
        counts.get("cell_founded", 0), counts.get("trade_union", 0), counts.get("youth_union", 0)
    )


async def member_sums(db: Queryable, unit_ids: Iterable[int] | None, due_before: date) -> list[MemberSums]:
    """Return each working group member's enterprises in a scope (members with access only), by name."""
    rows = await db.fetchall(
        f"""
        WITH last AS (
            SELECT enterprise_id, MAX(on_date) AS day FROM enterprise_contacts
            WHERE deleted_at IS NULL GROUP BY enterprise_id
        )
        SELECT u.id, u.display_name, COUNT(*) AS enterprises, MAX(last.day) AS last_contact,
               SUM(last.day IS NULL OR last.day <= :due) AS due
        FROM enterprises e JOIN users u ON u.id = e.assigned_to AND u.active = 1 AND u.role IS NOT NULL
        LEFT JOIN last ON last.enterprise_id = e.id
        WHERE {_LIVE} AND {_in_scope()}
        GROUP BY u.id ORDER BY u.display_name, u.id
        """,
        {"units": _ids(unit_ids), "due": due_before.isoformat()},
    )
    return [
        MemberSums(r["id"], r["display_name"], r["enterprises"], _day(r["last_contact"]), int(r["due"] or 0))
        for r in rows
    ]


async def unassigned(db: Queryable, unit_ids: Iterable[int] | None) -> int:
    """Return how many enterprises of a scope no working group member (with access) has."""
    return int(
        await db.fetchval(
            f"""
            SELECT COUNT(*) FROM enterprises e
            WHERE {_LIVE} AND {_in_scope()} AND NOT EXISTS (
                SELECT 1 FROM users u WHERE u.id = e.assigned_to AND u.active = 1 AND u.role IS NOT NULL)
            """,
            {"units": _ids(unit_ids)},
        )
    )


async def assignees(db: Queryable) -> list[int]:
    """Return the users (with access) who have enterprises assigned."""
    rows = await db.fetchall(
        """
        SELECT DISTINCT e.assigned_to FROM enterprises e JOIN users u ON u.id = e.assigned_to
        WHERE e.deleted_at IS NULL AND u.active = 1 AND u.role IS NOT NULL AND u.blocked_at IS NULL
        """
    )
    return [r[0] for r in rows]


# ----- an import ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSnapshot:
    """What checking an imported register needs to know of the database."""

    names: list[tuple[int, str, str]]  # (register, name, zone) of every live enterprise
    linked_cells: set[int]
    zones: list[str]
    members: list[User]  # the committee members with access


async def import_snapshot(db: Queryable) -> ImportSnapshot:
    """Return the register as an import checks it."""
    rows = await db.fetchall("SELECT unit_id, name, zone, cell_id FROM enterprises WHERE deleted_at IS NULL")
    members = [u for u in await users.registered(db) if u.role is Role.COMMITTEE]
    return ImportSnapshot(
        names=[(r["unit_id"], r["name"], r["zone"]) for r in rows],
        linked_cells={r["cell_id"] for r in rows if r["cell_id"] is not None},
        zones=sorted({r["zone"] for r in rows}),
        members=members,
    )
