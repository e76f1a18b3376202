"""Zalo's own pace: Zalo publishes no rate limit, so chibo spaces its sending calls at CHIBO_ZALO_RATE
(10 a second by default), apart from Telegram's. Against an emulator that answers 429 "Quota
exceeded" past 12 calls a second (an assumed quota), a broadcast to 25 secretaries at the default pace
gets no 429; sent far faster, the quota is hit and every message still arrives once, later."""

import asyncio
from datetime import UTC, datetime

from bot.devtools.zalo_emulator import ZaloEmulator
from storage import units, users
from storage.database import Database
from storage.models import Role
from tests.e2e.harness import FakeClock
from tests.zalo.conftest import ADMIN, AnotherBot
from tests.zalo.harness import RunningZalo

SECRETARIES = 25


async def _secretaries(bot: RunningZalo, zalo: ZaloEmulator) -> list[str]:
    """Register secretaries straight in the database (their invitations are tested elsewhere)."""
    ids = [f"5ec{n:017d}" for n in range(SECRETARIES)]
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    async with Database(bot.db_path) as db:
        cell = await units.by_code(db, "cb-a")
        assert cell is not None
        async with db.transaction() as tx:
            for number, zalo_id in enumerate(ids):
                zalo.user(zalo_id, f"Bí thư {number}")
                user = await users.upsert_contact(tx, "zalo", zalo_id, f"Bí thư {number}", now)
                await users.set_role(tx, user.id, Role.SECRETARY, cell.id, now)
    return ids


def _busiest_second(zalo: ZaloEmulator, since: int) -> int:
    times = zalo.send_times[since:]
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


def _received(zalo: ZaloEmulator, ids: list[str]) -> list[int]:
    return [sum("Họp chi bộ lúc 14h" in (m.text or "") for m in zalo.users[i].bot_messages()) for i in ids]


async def _broadcast_to_secretaries(bot: RunningZalo, zalo: ZaloEmulator) -> list[str]:
    """Queue a broadcast to the secretaries of a cell, then set the (assumed) quota of 12 a second."""
    admin = bot.person(ADMIN, "Hà")
    await admin.send("/addunit cb-a Chi bộ A")
    ids = await _secretaries(bot, zalo)
    await admin.dialog(
        [("/broadcast cb-a", "Viết nội dung"), ("Họp chi bộ lúc 14h", "Gửi đến"), ("1", "đang được gửi")]
    )
    zalo.quota = 12
    return ids


async def test_the_default_pace_stays_under_zalo_s_quota(zalo: ZaloEmulator, another_bot: AnotherBot) -> None:
    async with another_bot(zalo_rate=10.0) as bot:
        ids = await _broadcast_to_secretaries(bot, zalo)
        start = len(zalo.send_times)
        await bot.tick()
        assert _received(zalo, ids) == [1] * SECRETARIES
        assert not any(c.status == 429 for c in zalo.calls)
        assert _busiest_second(zalo, start) <= 11  # 10 a second, and one at the window's edge


async def test_past_the_quota_every_message_still_arrives_once(
    zalo: ZaloEmulator, another_bot: AnotherBot, clock: FakeClock
) -> None:
    async with another_bot(zalo_rate=1000.0) as bot:
        ids = await _broadcast_to_secretaries(bot, zalo)
        await bot.tick()
        assert any(c.status == 429 for c in zalo.calls)  # the round stopped at the quota
        for _ in range(10):
            if _received(zalo, ids) == [1] * SECRETARIES:
                break
            await asyncio.sleep(1.0)  # Zalo's quota counts real seconds
            clock.advance(minutes=2)  # the bot waits a minute after a 429 (Zalo documents no retry_after)
            await bot.tick()
        assert _received(zalo, ids) == [1] * SECRETARIES
        assert zalo.errors == []
