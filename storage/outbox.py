"""SQL of the outbox: messages queued by scheduled work, delivered and marked one by one."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.database import Queryable
from storage.models import from_db_time, to_db_time

# A button as stored: (label, data) for a callback button, (label, data, kind) for the others
# (kind 'url' or 'web_app'; migration 0015).
StoredButton = tuple[str, str] | tuple[str, str, str]
Keyboard = Sequence[Sequence[StoredButton]]


@dataclass(frozen=True)
class OutboxMessage:
    """A message waiting in (or gone through) the outbox."""

    id: int
    key: str
    user_id: int
    kind: str
    batch: str | None
    text: str
    buttons: list[list[StoredButton]]
    photo: bytes | None
    caption: str | None
    not_before: datetime
    parts_sent: int
    attempts: int
    sent_at: datetime | None
    failed_at: datetime | None
    undeliverable_at: datetime | None = None  # Zalo refused it for its recipient (it waits for them)
    unit_id: int | None = None  # the unit the message is about: its recipient must still belong to it


def _message(row: sqlite3.Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        key=row["key"],
        user_id=row["user_id"],
        kind=row["kind"],
        batch=row["batch"],
        text=row["text"],
        buttons=_keyboard(row["keyboard"], row["buttons"]),
        photo=row["photo"],
        caption=row["caption"],
        not_before=from_db_time(row["not_before"]),
        parts_sent=row["parts_sent"],
        attempts=row["attempts"],
        sent_at=from_db_time(row["sent_at"]) if row["sent_at"] else None,
        failed_at=from_db_time(row["failed_at"]) if row["failed_at"] else None,
        undeliverable_at=from_db_time(row["undeliverable_at"]) if row["undeliverable_at"] else None,
        unit_id=row["unit_id"],
    )


def _keyboard(keyboard: str | None, buttons: str | None) -> list[list[StoredButton]]:
    """Return a stored keyboard: the rows with link buttons (0015) when there are any, else the pairs."""
    if keyboard:
        return [[(str(b[0]), str(b[1]), str(b[2])) for b in r] for r in json.loads(keyboard)]
    return [[(str(label), str(data)) for label, data in r] for r in json.loads(buttons or "[]")]


def _columns(keyboard: Keyboard | None) -> tuple[str, str | None]:
    """Return the buttons and keyboard columns of a keyboard: pairs alone stay in buttons."""
    rows = [[tuple(b) for b in row] for row in keyboard or []]
    plain = all(len(b) == 2 or b[2] == "callback" for row in rows for b in row)
    if plain:
        return json.dumps([[list(b[:2]) for b in row] for row in rows], ensure_ascii=False), None
    full = [[[*b[:2], b[2] if len(b) == 3 else "callback"] for b in row] for row in rows]
    return "[]", json.dumps(full, ensure_ascii=False)


# A message whose recipient's messages are held (storage/delivery.py) waits: it is not due.
_NOT_HELD = """
    NOT EXISTS (SELECT 1 FROM delivery_holds h WHERE h.user_id = outbox.user_id AND h.released_at IS NULL)
"""


_INSERT = """
    INSERT OR IGNORE INTO outbox
        (key, user_id, kind, batch, text, buttons, keyboard, photo, caption, not_before, created_at, unit_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


@dataclass(frozen=True)
class NewMessage:
    """A message to queue under its unique key."""

    key: str
    user_id: int
    kind: str
    text: str
    buttons: Keyboard | None = None
    photo: bytes | None = None
    caption: str | None = None
    batch: str | None = None
    unit_id: int | None = None  # what the message is about (a cell, a committee): None for nothing


async def enqueue_many(
    db: Queryable, messages: Sequence[NewMessage], now: datetime, not_before: datetime
) -> int:
    """Queue messages in one statement; those whose key was queued before are skipped. Return how many."""
    before = int(await db.fetchval("SELECT total_changes()"))
    await db.executemany(
        _INSERT,
        [
            (
                m.key,
                m.user_id,
                m.kind,
                m.batch,
                m.text,
                *_columns(m.buttons),
                m.photo,
                m.caption,
                to_db_time(not_before),
                to_db_time(now),
                m.unit_id,
            )
            for m in messages
        ],
    )
    return int(await db.fetchval("SELECT total_changes()")) - before


async def enqueue(
    db: Queryable,
    key: str,
    user_id: int,
    kind: str,
    text: str,
    now: datetime,
    *,
    not_before: datetime | None = None,
    buttons: Keyboard | None = None,
    photo: bytes | None = None,
    caption: str | None = None,
    batch: str | None = None,
    unit_id: int | None = None,
) -> bool:
    """Queue a message under a unique key; False when that key was queued before (nothing changes)."""
    message = NewMessage(key, user_id, kind, text, buttons, photo, caption, batch, unit_id)
    return await enqueue_many(db, [message], now, not_before or now) == 1


async def due(db: Queryable, now: datetime, limit: int = 100) -> list[OutboxMessage]:
    """Return messages ready to deliver (their time has come, no retry pending), oldest first."""
    stamp = to_db_time(now)
    rows = await db.fetchall(
        """
        SELECT * FROM outbox
        WHERE sent_at IS NULL AND failed_at IS NULL AND not_before <= ?
          AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
          AND """
        + _NOT_HELD
        + """
        ORDER BY not_before, id LIMIT ?
        """,
        (stamp, stamp, limit),
    )
    return [_message(r) for r in rows]


async def get(db: Queryable, message_id: int) -> OutboxMessage | None:
    """Return one outbox message."""
    row = await db.fetchone("SELECT * FROM outbox WHERE id = ?", (message_id,))
    return None if row is None else _message(row)


async def part_sent(db: Queryable, message_id: int, parts: int) -> None:
    """Record how many parts of a message are delivered (a crash resumes after them)."""
    await db.execute("UPDATE outbox SET parts_sent = ? WHERE id = ?", (parts, message_id))


async def mark_sent(db: Queryable, message_id: int, now: datetime) -> None:
    """Record a message as delivered."""
    await db.execute(
        "UPDATE outbox SET sent_at = ?, error = NULL WHERE id = ? AND sent_at IS NULL",
        (to_db_time(now), message_id),
    )


async def retry_later(db: Queryable, message_id: int, at: datetime, error: str) -> None:
    """Count a failed attempt and set when to try again."""
    await db.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, error = ? WHERE id = ?",
        (to_db_time(at), error[:500], message_id),
    )


async def mark_failed(db: Queryable, message_id: int, now: datetime, error: str) -> None:
    """Give up on a message (blocked recipient, or too many attempts)."""
    await db.execute(
        "UPDATE outbox SET failed_at = ?, error = ? WHERE id = ? AND sent_at IS NULL",
        (to_db_time(now), error[:500], message_id),
    )


async def mark_undeliverable(db: Queryable, message_id: int, now: datetime, error: str) -> None:
    """Mark a message the channel refused for its recipient (it waits for them to write again)."""
    await db.execute(
        "UPDATE outbox SET undeliverable_at = ?, error = ? WHERE id = ? AND sent_at IS NULL",
        (to_db_time(now), error[:500], message_id),
    )


async def fail_pending_of(db: Queryable, user_id: int, now: datetime, error: str) -> int:
    """Give up on every pending message of a recipient (they blocked the bot); return how many."""
    return await db.execute(
        """
        UPDATE outbox SET failed_at = ?, error = ?
        WHERE user_id = ? AND sent_at IS NULL AND failed_at IS NULL
        """,
        (to_db_time(now), error[:500], user_id),
    )


@dataclass(frozen=True)
class BatchCount:
    """Delivery state of a batch (a broadcast)."""

    total: int
    sent: int
    failed: int
    held: int = 0  # waiting for their recipients to write to the bot again

    @property
    def pending(self) -> int:
        """Return how many are still on their way (neither sent, given up, nor held)."""
        return self.total - self.sent - self.failed - self.held


async def batch_count(db: Queryable, batch: str) -> BatchCount:
    """Count a batch's messages by state."""
    row = await db.fetchone(
        """
        SELECT COUNT(*) AS total, COUNT(sent_at) AS sent, COUNT(failed_at) AS failed,
               COUNT(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL AND NOT """
        + _NOT_HELD
        + """) AS held
        FROM outbox WHERE batch = ?
        """,
        (batch,),
    )
    assert row is not None
    return BatchCount(row["total"], row["sent"], row["failed"], row["held"])


async def next_due_at(db: Queryable) -> datetime | None:
    """Return when the next pending message becomes due."""
    value = await db.fetchval(
        """
        SELECT MIN(MAX(not_before, COALESCE(next_attempt_at, not_before))) FROM outbox
        WHERE sent_at IS NULL AND failed_at IS NULL AND """
        + _NOT_HELD
    )
    return None if value is None else from_db_time(str(value))


async def keys_of_kind(db: Queryable, kind: str) -> list[str]:
    """Return the keys of every message of a kind ever queued (sent or not)."""
    rows = await db.fetchall("SELECT key FROM outbox WHERE kind = ?", (kind,))
    return [str(r["key"]) for r in rows]


async def queued_keys(db: Queryable, keys: Sequence[str]) -> set[str]:
    """Return which of these keys were queued before (sent or not)."""
    rows = await db.fetchall(
        "SELECT key FROM outbox WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(list(keys)),)
    )
    return {str(r["key"]) for r in rows}
