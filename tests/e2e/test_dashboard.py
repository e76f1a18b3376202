"""The dashboard's doors on Telegram: the committee member's menu button, the digest's button and
/dashboard, each a Mini App button to CHIBO_PUBLIC_URL/dashboard; secretaries keep the command menu."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.devtools.telegram_emulator import BotApiEmulator
from tests.e2e.conftest import ADMIN_ID, Tree
from tests.e2e.harness import FakeClock, RunningBot

PUBLIC = "https://chibo.example.org"


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningBot]:
    running = RunningBot(emulator, tmp_path / "chibo.db", frozenset({ADMIN_ID}), clock, public_url=PUBLIC)
    await running.start()
    yield running
    await running.stop()


async def test_committee_members_get_the_dashboard_as_their_menu_button(tree: Tree) -> None:
    binh = tree.binh.handle.menu_button()
    assert binh == {"type": "web_app", "text": "Bảng theo dõi", "web_app": {"url": PUBLIC + "/dashboard"}}
    assert tree.cuc.handle.menu_button()["text"] == "Dashboard"  # in her language
    # Secretaries and admins keep the command list.
    for person in (tree.lan, tree.minh, tree.admin):
        assert person.handle.menu_button() == {"type": "commands"}
    # A committee member still has the commands when typing "/".
    assert "/digest" in (await tree.binh.send("/help")).text


async def test_the_digest_and_dashboard_carry_a_mini_app_button(bot: RunningBot, tree: Tree) -> None:
    await bot.tick()
    before = len(tree.binh.handle.web_app_buttons())
    bot.clock.now = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 08:30 in Hà Nội
    await bot.tick()
    buttons = tree.binh.handle.web_app_buttons()[before:]
    assert buttons == [("Mở bảng theo dõi", PUBLIC + "/dashboard")]
    answer = await tree.lan.send("/dashboard")
    assert "Bảng theo dõi của <b>Chi bộ Công ty Honda</b>" in answer.messages[-1].html
    assert tree.lan.handle.web_app_buttons()[-1] == ("Mở bảng theo dõi", PUBLIC + "/dashboard")
    # The emulator opens it as Telegram would: the page with a signed initData in its fragment.
    assert "#tgWebAppData=" in tree.lan.handle.open_web_app(PUBLIC + "/dashboard")


async def test_without_a_public_address_dashboard_says_what_is_missing(
    emulator: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> None:
    running = await RunningBot(emulator, tmp_path / "n.db", frozenset({ADMIN_ID}), clock).start()
    try:
        admin = running.person(ADMIN_ID, "Hà", language="vi")
        await admin.send("/start")
        assert "CHIBO_PUBLIC_URL" in (await admin.send("/dashboard")).text
        assert admin.handle.menu_button() == {"type": "commands"}
    finally:
        await running.stop()
