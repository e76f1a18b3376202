"""SQL of the Zalo channel: stable integers for Zalo's string ids, and each chat's numbered list."""

from __future__ import annotations

from datetime import datetime

from storage.database import Queryable
from storage.models import to_db_time


async def number_of(db: Queryable, zalo_id: str) -> int:
    """Return the integer standing for a Zalo id, allotting one the first time."""
    await db.execute("INSERT OR IGNORE INTO zalo_ids (zalo_id) VALUES (?)", (zalo_id,))
    return int(await db.fetchval("SELECT id FROM zalo_ids WHERE zalo_id = ?", (zalo_id,)))


async def zalo_id_of(db: Queryable, number: int) -> str | None:
    """Return the Zalo id an integer stands for, or None."""
    value = await db.fetchval("SELECT zalo_id FROM zalo_ids WHERE id = ?", (number,))
    return None if value is None else str(value)


async def menu_of(db: Queryable, chat: str) -> tuple[int, str] | None:
    """Return the message id and the JSON of the list last shown in a chat, or None."""
    row = await db.fetchone("SELECT message_id, menu FROM zalo_menus WHERE chat = ?", (chat,))
    return None if row is None else (int(row["message_id"]), str(row["menu"]))


async def set_menu(db: Queryable, chat: str, message_id: int, menu: str, now: datetime) -> None:
    """Remember the list shown in a chat (replacing the one before)."""
    await db.execute(
        """
        INSERT INTO zalo_menus (chat, message_id, menu, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (chat) DO UPDATE SET
            message_id = excluded.message_id, menu = excluded.menu, updated_at = excluded.updated_at
        """,
        (chat, message_id, menu, to_db_time(now)),
    )


async def clear_menu(db: Queryable, chat: str) -> None:
    """Forget the list of a chat."""
    await db.execute("DELETE FROM zalo_menus WHERE chat = ?", (chat,))
