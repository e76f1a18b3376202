"""Helpers for tests that run the real python-telegram-bot Application against the emulator."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from bot.devtools.telegram_emulator.core import BotApiEmulator

__all__ = ["AnyApplication", "application_builder", "free_port", "polling"]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def application_builder(emu: BotApiEmulator) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """Return an ApplicationBuilder already pointed at the emulator (token, base_url, base_file_url)."""
    return ApplicationBuilder().token(emu.token).base_url(emu.base_url).base_file_url(emu.base_file_url)


@asynccontextmanager
async def polling(app: AnyApplication, *, poll_timeout: int = 1) -> AsyncIterator[AnyApplication]:
    """Run app with long polling for the block, then stop it in reverse order (updater, app, shutdown)."""
    await app.initialize()
    if app.updater is None:
        raise ValueError("the application was built without an updater")
    await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port nobody listens on right now (for a webhook server)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
