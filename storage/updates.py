"""SQL of processed updates (an update delivered twice is processed once) and small key-values."""

from __future__ import annotations

from datetime import datetime

from storage.database import Queryable
from storage.models import to_db_time


async def claim(db: Queryable, channel: str, update_id: int, now: datetime) -> bool:
    """Record an update as processed; False when it was already."""
    changed = await db.execute(
        "INSERT OR IGNORE INTO processed_updates (channel, update_id, processed_at) VALUES (?, ?, ?)",
        (channel, update_id, to_db_time(now)),
    )
    return changed == 1


async def forget_before(db: Queryable, moment: datetime) -> int:
    """Drop processed-update marks older than a moment; return how many."""
    return await db.execute("DELETE FROM processed_updates WHERE processed_at < ?", (to_db_time(moment),))


async def kv_get(db: Queryable, key: str) -> str | None:
    """Return a stored value."""
    value = await db.fetchval("SELECT value FROM kv WHERE key = ?", (key,))
    return None if value is None else str(value)


async def kv_set(db: Queryable, key: str, value: str) -> None:
    """Store a value under a key."""
    await db.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


async def kv_delete(db: Queryable, key: str) -> None:
    """Forget a key of the key-value table."""
    await db.execute("DELETE FROM kv WHERE key = ?", (key,))


async def kv_with_prefix(db: Queryable, prefix: str) -> list[tuple[str, str]]:
    """Return the keys and values of the key-value table that start with a prefix."""
    rows = await db.fetchall("SELECT key, value FROM kv WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
    return [(str(r["key"]), str(r["value"])) for r in rows]
