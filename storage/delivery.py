"""SQL of messages that could not be delivered: the people whose messages wait until they write again.

Zalo promises nothing about a bot writing to someone who has not written to it for a while. When it
refuses a message for its recipient, the message is marked (outbox.undeliverable_at) and the person
held (delivery_holds): none of their messages is tried until they write to the bot again, when all
go back to the queue and the bot's next answer asks them to write once a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Queryable
from storage.models import from_db_time, to_db_time


async def hold(db: Queryable, user_id: int, now: datetime, reason: str) -> None:
    """Hold a person's messages until they write again (a held person stays held since the first time)."""
    await db.execute(
        """
        INSERT INTO delivery_holds (user_id, since, reason) VALUES (?, ?, ?)
        ON CONFLICT (user_id) DO UPDATE SET
            since = CASE WHEN delivery_holds.released_at IS NULL THEN delivery_holds.since
                         ELSE excluded.since END,
            reason = excluded.reason, released_at = NULL, asked_at = NULL
        """,
        (user_id, to_db_time(now), reason[:500]),
    )


async def release(db: Queryable, user_id: int, now: datetime, oldest: datetime) -> int | None:
    """Put a held person's messages back in the queue now (they wrote); None when none were held.

    Return how many go out again. Messages queued before `oldest` are given up instead: a reminder
    weeks late says nothing useful.
    """
    released = await db.execute(
        "UPDATE delivery_holds SET released_at = ? WHERE user_id = ? AND released_at IS NULL",
        (to_db_time(now), user_id),
    )
    if not released:
        return None
    await db.execute(
        """
        UPDATE outbox SET failed_at = ?, error = 'waited too long for its recipient'
        WHERE user_id = ? AND sent_at IS NULL AND failed_at IS NULL AND created_at < ?
        """,
        (to_db_time(now), user_id, to_db_time(oldest)),
    )
    return await db.execute(
        """
        UPDATE outbox SET next_attempt_at = NULL, attempts = 0
        WHERE user_id = ? AND sent_at IS NULL AND failed_at IS NULL
        """,
        (user_id,),
    )


async def state(db: Queryable, user_id: int) -> tuple[bool, bool] | None:
    """Return whether a person's messages are held, and whether they are still to be asked to write
    once a week; None when nothing of theirs ever waited (one look-up by key, on every update)."""
    row = await db.fetchone("SELECT released_at, asked_at FROM delivery_holds WHERE user_id = ?", (user_id,))
    if row is None:
        return None
    return row["released_at"] is None, row["released_at"] is not None and row["asked_at"] is None


async def asked(db: Queryable, user_id: int, now: datetime) -> None:
    """Record that a person was asked to write once a week."""
    await db.execute(
        "UPDATE delivery_holds SET asked_at = ? WHERE user_id = ? AND asked_at IS NULL",
        (to_db_time(now), user_id),
    )


@dataclass(frozen=True)
class HeldPerson:
    """Someone whose messages wait for them to write to the bot."""

    user_id: int
    name: str
    unit_name: str | None
    since: datetime
    waiting: int  # messages waiting


@dataclass(frozen=True)
class WeekCount:
    """Messages a channel would not deliver in a period, and what became of them."""

    messages: int  # marked undeliverable in the period
    people: int
    delivered_later: int  # of those, delivered once their recipient wrote again
    held: list[HeldPerson]  # still waiting now


async def week_count(db: Queryable, since: datetime) -> WeekCount:
    """Count the messages marked undeliverable since a moment, and list who is held now."""
    row = await db.fetchone(
        """
        SELECT COUNT(*) AS messages, COUNT(DISTINCT user_id) AS people, COUNT(sent_at) AS later
        FROM outbox WHERE undeliverable_at >= ?
        """,
        (to_db_time(since),),
    )
    assert row is not None
    rows = await db.fetchall(
        """
        SELECT h.user_id, u.display_name, un.name AS unit_name, h.since,
               (SELECT COUNT(*) FROM outbox o
                WHERE o.user_id = h.user_id AND o.sent_at IS NULL AND o.failed_at IS NULL) AS waiting
        FROM delivery_holds h
        JOIN users u ON u.id = h.user_id
        LEFT JOIN units un ON un.id = u.unit_id
        WHERE h.released_at IS NULL
        ORDER BY h.since, u.display_name
        """
    )
    held = [
        HeldPerson(r["user_id"], r["display_name"], r["unit_name"], from_db_time(r["since"]), r["waiting"])
        for r in rows
    ]
    return WeekCount(row["messages"], row["people"], row["later"], held)
