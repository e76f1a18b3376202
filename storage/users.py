"""SQL of the users: who they are on which channel, their role, unit and language."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.database import Queryable
from storage.models import Role, User, to_db_time


def _user(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        channel=row["channel"],
        external_id=row["external_id"],
        display_name=row["display_name"],
        role=Role(row["role"]) if row["role"] else None,
        unit_id=row["unit_id"],
        language=row["language"],
        active=bool(row["active"]),
        menu_hash=row["menu_hash"],
        mute_nudges=bool(row["mute_nudges"]),
        blocked=row["blocked_at"] is not None,
    )


async def get(db: Queryable, user_id: int) -> User | None:
    """Return the user with this internal id."""
    row = await db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
    return None if row is None else _user(row)


async def by_external(db: Queryable, channel: str, external_id: str) -> User | None:
    """Return the user known on a channel by this id."""
    row = await db.fetchone(
        "SELECT * FROM users WHERE channel = ? AND external_id = ?", (channel, external_id)
    )
    return None if row is None else _user(row)


async def upsert_contact(
    db: Queryable, channel: str, external_id: str, display_name: str, now: datetime
) -> User:
    """Return the user for a channel id, creating a row without a role if there is none."""
    stamp = to_db_time(now)
    await db.execute(
        """
        INSERT INTO users (channel, external_id, display_name, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (channel, external_id) DO UPDATE SET
            display_name = excluded.display_name,
            updated_at = CASE WHEN users.display_name = excluded.display_name
                              THEN users.updated_at ELSE excluded.updated_at END
        """,
        (channel, external_id, display_name, stamp, stamp),
    )
    user = await by_external(db, channel, external_id)
    assert user is not None
    return user


async def set_role(db: Queryable, user_id: int, role: Role, unit_id: int, now: datetime) -> None:
    """Give a user a role in a unit and make them active."""
    await db.execute(
        "UPDATE users SET role = ?, unit_id = ?, active = 1, updated_at = ? WHERE id = ?",
        (role.value, unit_id, to_db_time(now), user_id),
    )


async def set_language(db: Queryable, user_id: int, language: str, now: datetime) -> None:
    """Remember the language a user chose."""
    await db.execute(
        "UPDATE users SET language = ?, updated_at = ? WHERE id = ?", (language, to_db_time(now), user_id)
    )


async def set_active(db: Queryable, user_id: int, active: bool, now: datetime) -> None:
    """Turn a user's access on or off."""
    await db.execute(
        "UPDATE users SET active = ?, updated_at = ? WHERE id = ?", (int(active), to_db_time(now), user_id)
    )


async def set_menu_hash(db: Queryable, user_id: int, menu_hash: str | None) -> None:
    """Remember which command menu a user's chat shows."""
    await db.execute("UPDATE users SET menu_hash = ? WHERE id = ?", (menu_hash, user_id))


async def registered(db: Queryable, unit_ids: list[int] | None = None) -> list[User]:
    """Return the active users with a role, optionally only those in some units."""
    sql = "SELECT * FROM users WHERE role IS NOT NULL AND active = 1"
    params: list[object] = []
    if unit_ids is not None:
        sql += f" AND unit_id IN ({','.join('?' * len(unit_ids))})"
        params.extend(unit_ids)
    rows = await db.fetchall(sql + " ORDER BY unit_id, role, display_name", params)
    return [_user(r) for r in rows]


async def with_role_or_language(db: Queryable) -> list[User]:
    """Return every user whose chat may need its own command menu."""
    rows = await db.fetchall("SELECT * FROM users WHERE role IS NOT NULL OR menu_hash IS NOT NULL")
    return [_user(r) for r in rows]


async def set_blocked(db: Queryable, user_id: int, moment: datetime | None) -> None:
    """Record that the user blocked the bot (a moment), or that they came back (None)."""
    await db.execute(
        "UPDATE users SET blocked_at = ? WHERE id = ?", (to_db_time(moment) if moment else None, user_id)
    )


async def set_mute_nudges(db: Queryable, user_id: int, muted: bool, now: datetime) -> None:
    """Mute or unmute a user's nudges."""
    await db.execute(
        "UPDATE users SET mute_nudges = ?, updated_at = ? WHERE id = ?",
        (int(muted), to_db_time(now), user_id),
    )


async def reachable(db: Queryable, role: str, unit_ids: list[int] | None = None) -> list[User]:
    """Return active users of a role who have not blocked the bot, optionally only in some units."""
    sql = "SELECT * FROM users WHERE role = ? AND active = 1 AND blocked_at IS NULL"
    params: list[object] = [role]
    if unit_ids is not None:
        sql += f" AND unit_id IN ({','.join('?' * len(unit_ids))})"
        params.extend(unit_ids)
    rows = await db.fetchall(sql + " ORDER BY id", params)
    return [_user(r) for r in rows]


async def cells_with_secretary(db: Queryable) -> set[int]:
    """Return the units that have an active secretary."""
    rows = await db.fetchall(
        "SELECT DISTINCT unit_id FROM users WHERE role = 'secretary' AND active = 1 AND unit_id IS NOT NULL"
    )
    return {int(r["unit_id"]) for r in rows}
