"""The dashboard on Zalo: /dashboard and the weekly digest carry a link signed for their recipient when
the message goes out (not when it was queued), which opens the same pages as the Telegram Mini App."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import aiohttp

from tests.zalo.conftest import Cells
from tests.zalo.harness import RunningZalo

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/dashboard/link/(\d+)\.(\d+)\.([0-9a-f]+))")


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def test_dashboard_sends_a_link_for_its_recipient_alone(bot: RunningZalo, cells: Cells) -> None:
    answer = await cells.binh.send("/dashboard")
    assert "Bảng theo dõi của Đảng bộ KCN A" in answer.text
    assert "Mở bảng theo dõi:" in answer.text and "không chuyển tiếp" in answer.text
    found = LINK.search(answer.text)
    assert found is not None, answer.text
    url, user_id, expires = found.group(1), int(found.group(2)), int(found.group(3))
    assert expires == int(bot.clock.now.timestamp()) + 24 * 3600
    assert bot.runtime is not None and bot.runtime.links is not None
    assert bot.runtime.links.user_of(url.rsplit("/", 1)[1]) == user_id
    # The page is that committee's: both its cells, read-only (no form but the period filter).
    status, page = await _get(url)
    assert status == 200
    assert "Chi bộ Công ty Honda" in page and "Chi bộ Công ty Canon" in page
    assert 'method="get"' in page and 'method="post"' not in page
    # A secretary's link shows her own cell only.
    secretary = LINK.search((await cells.lan.send("/dashboard")).text)
    assert secretary is not None
    status, page = await _get(secretary.group(1))
    assert status == 200 and "Chi bộ Công ty Honda" in page and "Chi bộ Công ty Canon" not in page


async def test_a_digest_held_through_the_quiet_hours_is_signed_when_it_goes_out(
    bot: RunningZalo, cells: Cells
) -> None:
    await bot.tick()  # the bot runs from Tuesday 24/11
    before = len(cells.binh.user.bot_messages())
    bot.clock.now = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # Sunday 22:00 in Hà Nội: quiet hours
    await cells.admin.send("/digest all")
    assert not [m for m in cells.binh.user.bot_messages()[before:] if "/dashboard/link/" in (m.text or "")]
    bot.clock.now = datetime(2026, 11, 30, 0, 5, tzinfo=UTC)  # 07:05: the quiet hours are over
    await bot.tick()
    texts = "\n".join(m.text or "" for m in cells.binh.user.bot_messages()[before:])
    found = LINK.search(texts)
    assert found is not None, texts
    # 24 hours from the delivery, not from the queueing at 22:00 (which would have left 15 hours).
    assert int(found.group(3)) == int(bot.clock.now.timestamp()) + 24 * 3600
    status, _ = await _get(found.group(1))
    assert status == 200
    bot.clock.now += timedelta(hours=24, seconds=1)
    status, page = await _get(found.group(1))
    assert status == 403 and "Đảng bộ KCN A" not in page
