"""Fixtures for the emulator's own tests: a running emulator and a Bot talking to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.devtools.telegram_emulator import BotApiEmulator

TOKEN = "123456:TEST"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """Run an emulator on a free port for one test."""
    emulator = BotApiEmulator(TOKEN, bot_username="chibo_test_bot")
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """Return an initialized python-telegram-bot Bot talking to the emulator."""
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as client:
        yield client
