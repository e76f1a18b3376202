"""SQL of the files sent through the upload page: an admin's Excel file for /import on Zalo."""

from __future__ import annotations

from datetime import datetime

from storage.database import Queryable
from storage.models import to_db_time

PREFIX = "upload:"  # how an uploaded file is named where python-telegram-bot expects a file id


async def add(db: Queryable, user_id: int, name: str, data: bytes, now: datetime) -> int:
    """Keep an uploaded file; return its id."""
    await db.execute(
        "INSERT INTO uploads (user_id, name, data, created_at) VALUES (?, ?, ?, ?)",
        (user_id, name, data, to_db_time(now)),
    )
    return int(await db.fetchval("SELECT last_insert_rowid()"))


async def content(db: Queryable, upload_id: int, user_id: int) -> bytes | None:
    """Return the bytes of a file this user uploaded (None for anyone else's, or one gone)."""
    value = await db.fetchval("SELECT data FROM uploads WHERE id = ? AND user_id = ?", (upload_id, user_id))
    return None if value is None else bytes(value)


async def drop_of(db: Queryable, user_id: int) -> int:
    """Forget every file a user uploaded (their import is done or dropped); return how many."""
    return await db.execute("DELETE FROM uploads WHERE user_id = ?", (user_id,))


async def drop_before(db: Queryable, moment: datetime) -> int:
    """Forget the files uploaded before a moment; return how many."""
    return await db.execute("DELETE FROM uploads WHERE created_at < ?", (to_db_time(moment),))
