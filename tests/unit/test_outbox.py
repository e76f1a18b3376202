"""The outbox on its own: one message per key, resumed after the last part sent, retried with
back-off, given up for an unreachable recipient, held in the quiet hours."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.scheduling.channel import Blocked, Button, ButtonKind, Buttons, RetryLater, button
from bot.scheduling.outbox import Outbox, after_quiet_hours, in_quiet_hours, iso_week, week_moment
from storage import outbox, users
from storage.database import Database
from storage.models import Role

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
SETTINGS = Settings()


class FakeChannel:
    """Records what is sent; fails on demand."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail: list[Exception] = []

    def split(self, html: str) -> list[str]:
        return html.split("\n---\n")

    async def send_text(self, external_id: str, html: str, buttons: Buttons | None) -> None:
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append((external_id, html))

    async def send_photo(self, external_id: str, png: bytes, caption: str | None) -> None:
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append((external_id, f"photo:{caption}"))


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "o.db") as database:
        await database.migrate()
        async with database.transaction() as tx:
            for n in (1, 2):
                user = await users.upsert_contact(tx, "telegram", str(100 + n), f"U{n}", NOW)
                await users.set_role(tx, user.id, Role.SECRETARY, 1, NOW)
        yield database


async def queue(box: Outbox, db: Database, key: str, user_id: int, text: str, **extra: object) -> bool:
    user = await users.get(db, user_id)
    assert user is not None
    async with db.transaction() as tx:
        return await box.enqueue(tx, key, user, "test", text, **extra)  # type: ignore[arg-type]


async def test_one_message_per_key(db: Database) -> None:
    channel, clock = FakeChannel(), Clock()
    box = Outbox(db, SETTINGS, clock, {"telegram": channel})
    assert await queue(box, db, "k", 1, "hello")
    assert not await queue(box, db, "k", 1, "hello again")
    await box.deliver()
    await box.deliver()
    assert channel.sent == [("101", "hello")]


async def test_delivery_resumes_after_the_last_part_sent(db: Database) -> None:
    channel, clock = FakeChannel(), Clock()
    box = Outbox(db, SETTINGS, clock, {"telegram": channel})
    await queue(box, db, "k", 1, "part 1\n---\npart 2", photo=b"png", caption="chart")
    # The photo goes, then the connection dies on the first text part.
    channel_parts = FakeChannel()
    box.channels = {"telegram": channel_parts}

    async def die_after_photo(external_id: str, html: str, buttons: Buttons | None) -> None:
        raise RetryLater(0, "network: connection reset")

    channel_parts.send_text = die_after_photo  # type: ignore[method-assign]
    await box.deliver()
    assert channel_parts.sent == [("101", "photo:chart")]
    message = (await outbox.due(db, clock.now + timedelta(hours=1)))[0]
    assert message.parts_sent == 1
    # A fresh process delivers the rest, never the photo again.
    again = FakeChannel()
    clock.now += timedelta(hours=1)
    await Outbox(db, SETTINGS, clock, {"telegram": again}).deliver()
    assert again.sent == [("101", "part 1"), ("101", "part 2")]


async def test_retries_back_off_then_give_up(db: Database) -> None:
    channel, clock = FakeChannel(), Clock()
    box = Outbox(db, SETTINGS, clock, {"telegram": channel})
    await queue(box, db, "k", 1, "hello")
    channel.fail = [RetryLater(3, "429 Too Many Requests")]
    report = await box.deliver()
    assert (report.sent, report.postponed) == (0, 1)
    await box.deliver()
    assert channel.sent == []  # not before its retry time
    clock.now += timedelta(seconds=5)
    await box.deliver()
    assert channel.sent == [("101", "hello")]
    await queue(box, db, "k2", 1, "never")
    for _ in range(20):
        channel.fail = [RetryLater(1, "network: down")]
        await box.deliver()
        clock.now += timedelta(minutes=15)
    failed = await db.fetchone("SELECT failed_at, attempts FROM outbox WHERE key = 'k2'")
    assert failed is not None and failed["failed_at"] is not None


async def test_a_blocked_recipient_is_given_up_and_others_go_on(db: Database) -> None:
    channel, clock = FakeChannel(), Clock()
    box = Outbox(db, SETTINGS, clock, {"telegram": channel})
    await queue(box, db, "a", 1, "to one")
    await queue(box, db, "b", 1, "to one again")
    await queue(box, db, "c", 2, "to two")
    channel.fail = [Blocked("Forbidden: bot was blocked by the user")]
    report = await box.deliver()
    assert channel.sent == [("102", "to two")]
    assert report.failed == 2
    one = await users.get(db, 1)
    assert one is not None and one.blocked
    assert not await queue(box, db, "a", 1, "to one")


def test_quiet_hours() -> None:
    tz = SETTINGS.timezone
    at = lambda h, m=0: datetime(2026, 11, 24, h, m, tzinfo=tz)  # noqa: E731
    assert not in_quiet_hours(at(20, 59), SETTINGS)
    assert in_quiet_hours(at(21, 0), SETTINGS)
    assert in_quiet_hours(at(6, 59), SETTINGS)
    assert not in_quiet_hours(at(7, 0), SETTINGS)
    assert after_quiet_hours(at(22, 30), SETTINGS) == datetime(2026, 11, 25, 7, 0, tzinfo=tz)
    assert after_quiet_hours(at(5, 0), SETTINGS) == datetime(2026, 11, 24, 7, 0, tzinfo=tz)
    assert after_quiet_hours(at(12, 0), SETTINGS) == at(12, 0)
    daytime = replace(SETTINGS, quiet_start=time(12, 0), quiet_end=time(13, 0))
    assert in_quiet_hours(at(12, 30), daytime)
    assert not in_quiet_hours(at(22, 0), daytime)


def test_weeks() -> None:
    assert iso_week(date(2026, 11, 24)) == "2026-W48"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
    monday = week_moment(date(2026, 11, 26), 0, time(8, 0), SETTINGS)
    assert monday == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def test_link_and_web_app_buttons_are_kept_beside_callback_ones(db: Database) -> None:
    box = Outbox(db, SETTINGS, Clock(), {"telegram": FakeChannel()})
    dashboard = Button("Mở bảng theo dõi", "/dashboard", ButtonKind.WEB_APP)
    site = Button("Hướng dẫn", "https://example.org/guide", ButtonKind.URL)
    assert await queue(
        box, db, "links", 1, "with links", buttons=[[("Ghi nhận", "v1:pf:1:ceremony")], [dashboard, site]]
    )
    assert await queue(box, db, "plain", 1, "callbacks only", buttons=[[("Ghi nhận", "v1:pf:1:ceremony")]])
    rows = {r["key"]: r for r in await db.fetchall("SELECT key, buttons, keyboard FROM outbox")}
    # Callback pairs alone stay where an older chibo reads them; the rest go to the new column
    # (migration 0015), where an older chibo, after a rollback, sees no buttons instead of failing.
    assert rows["plain"]["buttons"] == '[[["Ghi nhận", "v1:pf:1:ceremony"]]]'
    assert rows["plain"]["keyboard"] is None
    assert rows["links"]["buttons"] == "[]"
    [links, plain] = sorted(await outbox.due(db, NOW), key=lambda m: m.key)
    assert [[button(b) for b in row] for row in links.buttons] == [
        [Button("Ghi nhận", "v1:pf:1:ceremony")],
        [dashboard, site],
    ]
    assert [[button(b) for b in row] for row in plain.buttons] == [[Button("Ghi nhận", "v1:pf:1:ceremony")]]
