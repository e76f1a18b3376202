"""How chibo runs: behind a webhook with its secret, as a process that stops cleanly on SIGTERM,
with one error handler that answers the user and keeps going, and logs without tokens."""

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.devtools.telegram_emulator import BotApiEmulator
from bot.devtools.telegram_emulator.testing import free_port
from handlers import start as start_handlers
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.harness import TOKEN, FakeClock, RunningBot

SECRET = "webhook-secret-for-the-test"


async def test_webhook_mode_with_its_secret_and_redelivery(
    emulator: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> None:
    port = free_port()
    bot = await RunningBot(emulator, tmp_path / "w.db", frozenset({ADMIN_ID}), clock).start_webhook(
        port, SECRET
    )
    try:
        assert emulator.webhook.url == f"http://127.0.0.1:{port}/telegram"
        admin = bot.person(ADMIN_ID, "Hà", language="en")
        assert "Your account" in await admin.send("/help")
        await admin.send("/addunit cb Chi bộ A")
        update_id = await admin.handle.send("/invite cb secretary")
        await bot.processed(update_id)
        # Telegram retries a delivery whose answer it did not get: the bot processes it once.
        emulator.redeliver(update_id)
        record = emulator.updates[update_id]
        await emulator.wait_for(lambda: record.fetch_count >= 2, what="the webhook delivering again")
        assert (await admin.send("/invites")).text.count("no. ") == 1
        # Anyone else posting to the webhook without the secret is turned away.
        async with aiohttp.ClientSession() as session:
            fake = {
                "update_id": 999,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 1, "type": "private"},
                    "text": "/help",
                },
            }
            async with session.post(
                f"http://127.0.0.1:{port}/telegram",
                json=fake,
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            ) as response:
                assert response.status == 403
    finally:
        await bot.stop()


async def test_an_error_is_answered_and_the_bot_goes_on(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    admin = bot.person(ADMIN_ID, "Hà", language="vi")

    async def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(start_handlers.units, "get", broken)
    with caplog.at_level(logging.ERROR):
        reply = await admin.send("/whoami")
    assert "Xin lỗi, hệ thống gặp sự cố" in reply
    assert "RuntimeError" not in reply.text
    assert any(r.exc_info for r in caplog.records)
    monkeypatch.undo()
    assert "Vai trò: quản trị viên" in await admin.send("/whoami")
    # The apology speaks the language the user chose, not the bot's default nor the phone's.
    await admin.send("/language")
    await admin.press("English")
    monkeypatch.setattr(start_handlers.units, "get", broken)
    reply = await admin.send("/whoami")
    assert "Sorry, something went wrong on my side" in reply


async def test_logs_never_hold_the_token(bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        admin = bot.person(ADMIN_ID, "Hà", language="vi")
        await admin.send("/help")
        await bot.restart()
    from bot.logs import RedactTokens

    redact = RedactTokens()
    for record in caplog.records:
        redact.filter(record)
        assert TOKEN not in record.getMessage()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "url %s", (f"/bot{TOKEN}/getMe",), None)
    redact.filter(record)
    assert record.getMessage() == "url /bot<token>/getMe"


async def test_chibo_run_stops_cleanly_on_sigterm(emulator: BotApiEmulator, tmp_path: Path) -> None:
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=TOKEN,
        CHIBO_BOT_API_URL=emulator.base_url,
        CHIBO_DB=str(tmp_path / "p.db"),
        CHIBO_ADMINS=str(ADMIN_ID),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    admin = emulator.user(ADMIN_ID, "Hà", language_code="en")
    marker = admin.marker()
    await admin.send("/help")
    await admin.wait_bot_messages(marker, within=30)
    process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    assert TOKEN not in output.decode()
    assert "Traceback" not in output.decode()


async def test_a_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert err.decode().strip().splitlines() == [
        "chibo: TELEGRAM_BOT_TOKEN: not set. Get a token from @BotFather, or try `chibo sandbox` without one."
    ]


async def test_a_reply_lost_to_a_502_is_sent_again(bot: RunningBot, emulator: BotApiEmulator) -> None:
    from bot.devtools.telegram_emulator import Faults

    admin = bot.person(ADMIN_ID, "Hà", language="vi")
    # Seeded: the first sendMessage gets 502 Bad Gateway, the second goes through.
    emulator.faults = Faults(rate=0.5, kinds=("502",), seed=4, methods=frozenset({"sendMessage"}))
    reply = await admin.send("/whoami")
    emulator.faults = None
    assert "Vai trò: quản trị viên" in reply
    assert emulator.counters.faults == 1
