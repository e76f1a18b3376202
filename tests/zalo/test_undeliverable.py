"""Reminders that may not arrive: Zalo promises nothing about a bot writing to someone who has not
written to it for a while. A message Zalo refuses for its recipient is marked and waits, with the
person's others, until they write again; their next answer asks them to write once a week; the admins'
weekly report counts what could not be delivered and names who still waits."""

import sqlite3
from datetime import UTC, datetime

from bot.devtools.zalo_emulator import ZaloEmulator
from tests.zalo.conftest import Cells
from tests.zalo.harness import RunningZalo

FRIDAY_NUDGE = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # Friday 16:30 in Hà Nội
MONDAY_REPORT = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 08:30: digests and reports


def rows(bot: RunningZalo, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with sqlite3.connect(bot.db_path) as db:
        return [tuple(r) for r in db.execute(sql, params)]


def sends_to(zalo: ZaloEmulator, chat: str) -> int:
    return sum(1 for c in zalo.calls if c.method == "sendMessage" and c.params.get("chat_id") == chat)


async def test_a_refused_reminder_waits_for_the_person_and_goes_out_when_they_write(
    bot: RunningZalo, cells: Cells, zalo: ZaloEmulator
) -> None:
    await bot.tick()  # the bot runs from Tuesday 24/11
    zalo.unreachable(cells.minh.id, 404)
    bot.clock.now = FRIDAY_NUDGE
    lan_before = len(cells.lan.texts())
    await bot.tick()
    assert "Tuần này có gì cần báo cáo không?" in cells.lan.texts()[lan_before]  # the others get theirs
    marked = rows(
        bot, "SELECT undeliverable_at IS NOT NULL, sent_at IS NOT NULL FROM outbox WHERE kind = 'nudge'"
    )
    assert sorted(marked) == [(0, 1), (1, 0)]  # Lan's sent; Minh's marked and waiting
    tried = sends_to(zalo, cells.minh.id)
    bot.clock.advance(hours=2)
    await bot.tick()
    assert sends_to(zalo, cells.minh.id) == tried  # held: not tried again and again
    # Minh writes: the answer asks him to write weekly, and what waited goes out.
    said = await cells.minh.send("/meeting")
    assert said.text.startswith("⚠️ Some of my messages (reminders, digests) could not reach you")
    assert "at least once a week" in said and "When was the meeting?" in said
    assert "<b>" not in said.text and "Cell meeting" in said.messages[0].styled("b")  # still HTML
    await cells.minh.send("/cancel")
    await bot.tick()
    assert "Anything to report this week?" in cells.minh.texts()[-1]
    assert rows(bot, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]
    again = await cells.minh.send("/whoami")
    assert "once a week" not in again  # asked once
    assert zalo.errors == []


async def test_the_admins_weekly_report_counts_them_and_names_who_still_waits(
    bot: RunningZalo, cells: Cells, zalo: ZaloEmulator
) -> None:
    await bot.tick()
    zalo.unreachable(cells.lan.id, 404)
    bot.clock.now = FRIDAY_NUDGE
    await bot.tick()
    bot.clock.now = MONDAY_REPORT
    before = len(cells.admin.texts())
    await bot.tick()
    report = "\n".join(cells.admin.texts()[before:])
    assert "Tin nhắn không gửi được trong tuần" in report
    assert "1 tin nhắn không đến được 1 người" in report
    assert "Lan Nguyễn (Chi bộ Công ty Honda): 1 tin nhắn đang chờ từ 27/11/2026" in report
    # A week without trouble sends no report.
    bot.clock.advance(days=7)
    before = len(cells.admin.texts())
    await cells.lan.send("/whoami")
    await bot.tick()
    bot.clock.advance(days=7)
    await bot.tick()
    assert not any("không gửi được" in t for t in cells.admin.texts()[before:])


async def test_a_persistent_403_is_retried_then_held_like_the_others(
    bot: RunningZalo, cells: Cells, zalo: ZaloEmulator
) -> None:
    await bot.tick()
    zalo.unreachable(cells.minh.id, 403)  # documented as an internal server error: retried first
    bot.clock.now = FRIDAY_NUDGE
    await bot.tick()
    assert rows(bot, "SELECT COUNT(*) FROM delivery_holds") == [(0,)]
    for _ in range(8):
        bot.clock.advance(minutes=15)
        await bot.tick()
    assert rows(bot, "SELECT COUNT(*) FROM delivery_holds WHERE released_at IS NULL") == [(1,)]
    assert rows(bot, "SELECT COUNT(*) FROM outbox WHERE undeliverable_at IS NOT NULL") == [(1,)]


async def test_a_broadcast_report_counts_who_will_get_it_later(
    bot: RunningZalo, cells: Cells, zalo: ZaloEmulator
) -> None:
    zalo.unreachable(cells.minh.id, 404)
    await cells.admin.dialog(
        [("/broadcast kcn-a", "Viết nội dung"), ("Họp lúc 14h", "Gửi đến"), ("1", "đang được gửi")]
    )
    await bot.tick()
    await bot.tick()
    assert "đã đến 1/2 bí thư" in cells.admin.texts()[-1]
    assert "1 người sẽ nhận được khi nhắn lại cho bot" in cells.admin.texts()[-1]
