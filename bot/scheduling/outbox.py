"""The outbox: messages queued under unique keys, delivered exactly once through their recipients'
channels, held through the quiet hours, retried after a 429 or a network error, and marked sent part
by part so a restart resumes after the last part sent (DESIGN.md, principle 8).

A message the channel will not deliver to its recipient now (Zalo, to someone who has not written to
the bot for a while) is marked undeliverable and waits, with the person's other messages, until
they write again: then they all go out (release), and the bot's next answer asks them to write once
a week (handlers/common.py). The admins' weekly report counts them (scheduler)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Translator, translator
from bot.scheduling.channel import Blocked, Buttons, Channel, RetryLater, Undeliverable
from storage import delivery, outbox, units, users
from storage.database import Database, Queryable
from storage.models import User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A message that waited this long for its recipient to write again is given up when they do.
HELD_FOR_AT_MOST = timedelta(days=14)


def local(moment: datetime, settings: Settings) -> datetime:
    """Return a moment in the deployment's time zone."""
    return moment.astimezone(settings.timezone)


def in_quiet_hours(moment: datetime, settings: Settings) -> bool:
    """Tell whether a moment falls in the quiet hours (which may run across midnight)."""
    clock = local(moment, settings).time()
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def after_quiet_hours(moment: datetime, settings: Settings) -> datetime:
    """Return the moment itself, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(moment, settings):
        return moment
    here = local(moment, settings)
    morning = datetime.combine(here.date(), settings.quiet_end, tzinfo=settings.timezone)
    if morning <= here:
        morning = datetime.combine(
            here.date() + timedelta(days=1), settings.quiet_end, tzinfo=settings.timezone
        )
    return morning.astimezone(UTC)


def week_moment(today: date, weekday: int, at: time, settings: Settings) -> datetime:
    """Return this ISO week's moment of a weekly job (e.g. Monday 08:00) in UTC."""
    day = today - timedelta(days=today.weekday()) + timedelta(days=weekday)
    return datetime.combine(day, at, tzinfo=settings.timezone).astimezone(UTC)


def iso_week(day: date) -> str:
    """Return the ISO week of a day as '2026-W48'."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def translator_of(user: User, settings: Settings) -> Translator:
    """Return the translator of a recipient (their choice, else the deployment's language)."""
    return translator(user.language or settings.locale)


@dataclass
class Delivery:
    """What one delivery round did."""

    sent: int = 0
    failed: int = 0
    postponed: int = 0
    held: int = 0  # undeliverable now: waiting for their recipients to write again


class Outbox:
    """Queues messages under unique keys and delivers them through their recipients' channels."""

    def __init__(
        self, db: Database, settings: Settings, clock: Clock, channels: Mapping[str, Channel]
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.channels = channels
        self._delivering = asyncio.Lock()

    async def enqueue(
        self,
        tx: Queryable,
        key: str,
        user: User,
        kind: str,
        text: str,
        *,
        buttons: Buttons | None = None,
        photo: bytes | None = None,
        caption: str | None = None,
        batch: str | None = None,
        unit_id: int | None = None,
    ) -> bool:
        """Queue a message (held until the quiet hours end); False when its key was queued before.

        unit_id: the unit the message is about; it is dropped if the recipient has left that unit.
        """
        now = self.clock()
        return await outbox.enqueue(
            tx,
            key,
            user.id,
            kind,
            text,
            now,
            not_before=after_quiet_hours(now, self.settings),
            buttons=buttons,
            photo=photo,
            caption=caption,
            batch=batch,
            unit_id=unit_id,
        )

    async def enqueue_many(self, tx: Queryable, messages: list[outbox.NewMessage]) -> int:
        """Queue many messages at once (held until the quiet hours end); return how many were new."""
        now = self.clock()
        return await outbox.enqueue_many(tx, messages, now, after_quiet_hours(now, self.settings))

    async def deliver(self, limit: int = 500) -> Delivery:
        """Send what is due, one part at a time, marking each; stop at the quiet hours or a 429."""
        report = Delivery()
        # Two rounds at once (the tick, and a kick after queuing) would send a message twice.
        async with self._delivering:
            while True:
                now = self.clock()
                if in_quiet_hours(now, self.settings):
                    return report
                batch = await outbox.due(self.db, now, limit)
                if not batch:
                    return report
                for message in batch:
                    outcome = await self._deliver_one(message)
                    if outcome == "sent":
                        report.sent += 1
                    elif outcome == "failed":
                        report.failed += 1
                    elif outcome == "held":
                        report.held += 1
                    else:
                        report.postponed += 1
                        if outcome == "flood":
                            # Telegram asked every sender to wait: the others would get 429 too.
                            return report
                if len(batch) < limit:
                    return report

    async def _belongs(self, user: User, unit_id: int) -> bool:
        """Tell whether a recipient still belongs to a unit: their own unit is it, or lies under it."""
        # Admins by configuration have no unit of their own: theirs is the whole tree.
        own = user.unit_id if user.unit_id is not None else units.ROOT_ID
        return await units.within(self.db, own, unit_id)

    async def _deliver_one(self, message: outbox.OutboxMessage) -> str:
        user = await users.get(self.db, message.user_id)
        if user is None or not user.active or user.blocked:
            async with self.db.transaction() as tx:
                await outbox.mark_failed(tx, message.id, self.clock(), "recipient no longer reachable")
            return "failed"
        if message.unit_id is not None and not await self._belongs(user, message.unit_id):
            # Moved to another cell, or re-invited elsewhere, since it was queued: not theirs to read.
            async with self.db.transaction() as tx:
                await outbox.mark_failed(tx, message.id, self.clock(), "recipient left the unit")
            return "failed"
        channel = self.channels.get(user.channel)
        if channel is None:
            log.warning("outbox %s: no channel %s", message.id, user.channel)
            return "postponed"
        parts: list[tuple[str, object]] = []
        if message.photo is not None:
            parts.append(("photo", message.photo))
        texts = channel.split(message.text) if message.text else []
        parts.extend(("text", t) for t in texts)
        try:
            for index in range(message.parts_sent, len(parts)):
                kind, content = parts[index]
                if kind == "photo":
                    await channel.send_photo(user.external_id, content, message.caption)  # type: ignore[arg-type]
                else:
                    last = index == len(parts) - 1
                    await channel.send_text(user.external_id, str(content), message.buttons if last else None)
                async with self.db.transaction() as tx:
                    await outbox.part_sent(tx, message.id, index + 1)
        except Blocked as exc:
            log.info("outbox %s: user %s cannot be reached (%s)", message.id, user.id, exc)
            async with self.db.transaction() as tx:
                await users.set_blocked(tx, user.id, self.clock())
                await outbox.fail_pending_of(tx, user.id, self.clock(), "blocked the bot")
            return "failed"
        except Undeliverable as exc:
            return await self._hold(message, user, str(exc))
        except RetryLater as exc:
            attempts = message.attempts + 1
            if attempts >= MAX_ATTEMPTS and exc.personal:
                return await self._hold(message, user, exc.reason)
            async with self.db.transaction() as tx:
                if attempts >= MAX_ATTEMPTS:
                    await outbox.mark_failed(tx, message.id, self.clock(), exc.reason)
                    return "failed"
                # Back off: Telegram's retry_after, or a doubling wait for network trouble.
                wait = max(exc.seconds, min(2**attempts, 600))
                await outbox.retry_later(tx, message.id, self.clock() + timedelta(seconds=wait), exc.reason)
            return "flood" if "429" in exc.reason else "postponed"
        except Exception as exc:
            # A message Telegram refuses (a bug of ours) must not block the queue forever.
            log.exception("outbox %s: delivery failed", message.id)
            async with self.db.transaction() as tx:
                await outbox.mark_failed(tx, message.id, self.clock(), type(exc).__name__)
            return "failed"
        async with self.db.transaction() as tx:
            await outbox.mark_sent(tx, message.id, self.clock())
        return "sent"

    async def _hold(self, message: outbox.OutboxMessage, user: User, reason: str) -> str:
        """Mark a message undeliverable and hold its recipient's messages until they write again."""
        log.info("outbox %s: user %s cannot be reached now, held (%s)", message.id, user.id, reason)
        async with self.db.transaction() as tx:
            await outbox.mark_undeliverable(tx, message.id, self.clock(), reason)
            await delivery.hold(tx, user.id, self.clock(), reason)
        return "held"

    async def release(self, tx: Queryable, user_id: int) -> int | None:
        """Send a held person's messages again (they wrote to the bot); None when none were held."""
        now = self.clock()
        return await delivery.release(tx, user_id, now, now - HELD_FOR_AT_MOST)
