"""Fixtures of the end-to-end tests: the emulator, the real bot on a fresh database, a clock."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.emulator import BotApiEmulator
from tests.e2e.harness import TOKEN, FakeClock, RunningBot

ADMIN_ID = 1000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="chibo_test_bot") as emu:
        yield emu
        # Every call the bot made must have been one Telegram accepts, and every press answered.
        assert emu.errors == [], emu.errors
        assert emu.unanswered_callbacks() == [], emu.unanswered_callbacks()


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningBot]:
    running = RunningBot(emulator, tmp_path / "chibo.db", frozenset({ADMIN_ID}), clock)
    await running.start()
    yield running
    await running.stop()
