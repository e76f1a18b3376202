"""SQL of invitations; only the SHA-256 of a token is stored."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.database import Queryable
from storage.models import Invitation, Role, from_db_time, to_db_time


def _time(text: str | None) -> datetime | None:
    return None if text is None else from_db_time(text)


def _invitation(row: sqlite3.Row) -> Invitation:
    return Invitation(
        id=row["id"],
        unit_id=row["unit_id"],
        role=Role(row["role"]),
        created_by=row["created_by"],
        created_at=from_db_time(row["created_at"]),
        expires_at=from_db_time(row["expires_at"]),
        used_at=_time(row["used_at"]),
        used_by=row["used_by"],
        revoked_at=_time(row["revoked_at"]),
    )


async def add(
    db: Queryable,
    token_hash: str,
    unit_id: int,
    role: Role,
    created_by: int | None,
    now: datetime,
    expires_at: datetime,
) -> int:
    """Store an invitation and return its id."""
    return await db.insert(
        """
        INSERT INTO invitations (token_hash, unit_id, role, created_by, created_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
        (token_hash, unit_id, role.value, created_by, to_db_time(now), to_db_time(expires_at)),
    )


async def by_hash(db: Queryable, token_hash: str) -> Invitation | None:
    """Return the invitation whose token has this hash."""
    row = await db.fetchone("SELECT * FROM invitations WHERE token_hash = ?", (token_hash,))
    return None if row is None else _invitation(row)


async def get(db: Queryable, invitation_id: int) -> Invitation | None:
    """Return the invitation with this id."""
    row = await db.fetchone("SELECT * FROM invitations WHERE id = ?", (invitation_id,))
    return None if row is None else _invitation(row)


async def claim(db: Queryable, invitation_id: int, user_id: int, now: datetime) -> bool:
    """Mark an open invitation used; False when it was used, revoked or expired meanwhile."""
    stamp = to_db_time(now)
    changed = await db.execute(
        """
        UPDATE invitations SET used_at = ?, used_by = ?
        WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
        """,
        (stamp, user_id, invitation_id, stamp),
    )
    return changed == 1


async def revoke(db: Queryable, invitation_id: int, now: datetime) -> bool:
    """Revoke an open invitation; False when it was not open."""
    changed = await db.execute(
        "UPDATE invitations SET revoked_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL",
        (to_db_time(now), invitation_id),
    )
    return changed == 1


async def revoke_created_by(db: Queryable, user_id: int, now: datetime) -> int:
    """Revoke every open invitation a user created; return how many."""
    return await db.execute(
        """
        UPDATE invitations SET revoked_at = ?
        WHERE created_by = ? AND used_at IS NULL AND revoked_at IS NULL
        """,
        (to_db_time(now), user_id),
    )


async def open_invitations(db: Queryable, now: datetime) -> list[Invitation]:
    """Return the invitations that can still be used, oldest first."""
    rows = await db.fetchall(
        """
        SELECT * FROM invitations
        WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at > ? ORDER BY id
        """,
        (to_db_time(now),),
    )
    return [_invitation(r) for r in rows]
