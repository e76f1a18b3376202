"""The sandbox: the real bot against the local Bot API emulator, with no Telegram account and
no internet. `chibo sandbox` (or `chibo` with no token) starts both on a fresh database.

The emulator's control API (under /_emu/ on the same port) lets a person act as a user:
send text, press buttons, read the chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
from dataclasses import replace
from pathlib import Path

from bot.app import build_application, start, stop
from bot.config import Settings
from bot.emulator import BotApiEmulator

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "777000:sandbox-token-for-the-local-emulator"
SANDBOX_ADMIN = 1000


async def serve(settings: Settings, *, host: str, port: int) -> None:
    """Run the emulator and the bot until SIGINT or SIGTERM."""
    emulator = BotApiEmulator(SANDBOX_TOKEN, bot_username="chibo_sandbox_bot", host=host, port=port)
    await emulator.start()
    emulator.user(SANDBOX_ADMIN, "Quản trị", language_code="vi")
    with tempfile.TemporaryDirectory(prefix="chibo-sandbox-") as folder:
        sandbox_settings = replace(
            settings,
            token=SANDBOX_TOKEN,
            bot_api_url=emulator.base_url,
            db_path=Path(folder) / "sandbox.db",
            admins=frozenset({SANDBOX_ADMIN}),
        )
        app = build_application(sandbox_settings)
        await start(app)
        print(f"chibo sandbox: the bot runs against the local emulator at {emulator.url}", flush=True)
        print(
            f"chibo sandbox: act as the admin (user {SANDBOX_ADMIN}) through {emulator.url}/_emu/", flush=True
        )
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stopped.set)
        try:
            await stopped.wait()
        finally:
            await stop(app)
            await emulator.stop()


def main(settings: Settings, *, port: int, host: str) -> int:
    """Run the sandbox from the command line."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings, host=host, port=port))
    return 0
