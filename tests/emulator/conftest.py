"""Fixtures for the emulator's own tests: a running emulator and a real Application polling it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram import Bot
from telegram.ext import Application, ApplicationBuilder

from bot.emulator import BotApiEmulator

TOKEN = "123456:TEST"
AnyApp = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """Run an emulator for one test and check, at the end, that nothing rejected was left unchecked."""
    emulator = BotApiEmulator(TOKEN, bot_username="chibo_test_bot")
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """Return an initialized python-telegram-bot Bot talking to the emulator."""
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as client:
        yield client


def build_application(emu: BotApiEmulator) -> AnyApp:
    """Return an Application wired to the emulator, as the end-to-end tests build it."""
    builder = ApplicationBuilder().token(emu.token)
    return builder.base_url(emu.base_url).base_file_url(emu.base_file_url).build()


@asynccontextmanager
async def polling(app: AnyApp) -> AsyncIterator[AnyApp]:
    """Run app with long polling for the duration of the block, then stop it in reverse order."""
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
