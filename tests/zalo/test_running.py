"""How chibo runs on Zalo: a message Zalo delivers again is processed once (even after a restart),
webhook mode with its secret (wrapped and bare bodies), Telegram and Zalo in one process on one
database, group chats refused, and `chibo run --channel zalo` stopping cleanly on SIGTERM."""

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.app import serve
from bot.channels.zalo.api import SECRET_HEADER
from bot.devtools.telegram_emulator import BotApiEmulator
from bot.devtools.telegram_emulator.testing import free_port
from bot.devtools.zalo_emulator import ZaloEmulator
from tests.e2e.harness import TOKEN, FakeClock
from tests.zalo.conftest import ADMIN
from tests.zalo.harness import ZALO_TOKEN, RunningZalo

SECRET = "zalo-webhook-secret-for-the-test"
TELEGRAM_ADMIN = 1000


async def test_a_message_delivered_again_is_processed_once_even_after_a_restart(
    bot: RunningZalo, zalo: ZaloEmulator
) -> None:
    admin = bot.person(ADMIN, "Hà")
    await admin.send("/addunit cb Chi bộ A")
    message_id = await admin.user.send("/invite cb secretary")
    await bot.processed(message_id)
    zalo.redeliver(message_id)
    await zalo.wait_fetched(message_id, count=2)
    assert (await admin.send("/invites")).text.count("số ") == 1
    await bot.restart()
    zalo.redeliver(message_id)
    await zalo.wait_fetched(message_id, count=3)
    assert (await admin.send("/invites")).text.count("số ") == 1


async def test_group_chats_are_refused_politely_every_mention_answered(
    bot: RunningZalo, zalo: ZaloEmulator
) -> None:
    admin = bot.person(ADMIN, "Hà")
    await admin.send("/addunit cb Chi bộ A")
    # Zalo hands a bot only the group messages that mention it or reply to it: each is answered.
    for text in ("/help", "@Bot chibo báo cáo tuần này", "1"):
        await bot.processed(await admin.user.send(text, group="g0r1o2u3p4"))
    said = [m.text or "" for m in zalo.chats["g0r1o2u3p4"] if m.from_bot]
    assert len(said) == 3 and all("chỉ trả lời trong tin nhắn riêng" in s and "bot.chibo" in s for s in said)
    # Nothing in the group acted: no unit added, no list pressed, no form opened.
    assert "Chi bộ A (cb)" in await admin.send("/units")


@pytest.mark.parametrize("wrapped", [True, False])
async def test_webhook_mode_checks_the_secret_and_processes_a_repeat_once(
    tmp_path: Path, clock: FakeClock, wrapped: bool
) -> None:
    async with ZaloEmulator(token=ZALO_TOKEN, wrap_webhook=wrapped) as zalo:
        port = free_port()
        running = RunningZalo(zalo, tmp_path / "w.db", clock, zalo_admins=frozenset({ADMIN}))
        stopping = asyncio.Event()
        task = asyncio.create_task(
            serve(
                running.settings,
                ["zalo"],
                webhook_url=f"http://127.0.0.1:{port}",
                port=port,
                secret=SECRET,
                stopping=stopping,
            )
        )
        try:
            await zalo.wait_for(lambda: zalo.webhook is not None)
            assert zalo.webhook == (f"http://127.0.0.1:{port}/zalo", SECRET)
            admin = zalo.user(ADMIN, "Hà")
            await admin.send("/addunit cb Chi bộ A")
            await zalo.wait_for(lambda: len(admin.bot_messages()) == 1)
            invite = await admin.send("/invite cb secretary")
            await zalo.wait_for(lambda: len(admin.bot_messages()) == 2)
            zalo.redeliver(invite)
            await zalo.wait_fetched(invite, count=2)
            await admin.send("/invites")
            await zalo.wait_for(lambda: len(admin.bot_messages()) == 3)
            # One answer per message: the repeat was dropped (this user's updates run in order).
            assert (admin.bot_messages()[-1].text or "").count("số ") == 1
            assert len(admin.bot_messages()) == 3
            async with aiohttp.ClientSession() as session:
                body = dict(admin.messages()[0].update or {})
                for headers in ({SECRET_HEADER: "wrong"}, {}):
                    async with session.post(
                        f"http://127.0.0.1:{port}/zalo", json=body, headers=headers
                    ) as response:
                        assert response.status == 403
            assert zalo.errors == []
        finally:
            stopping.set()
            await task


async def test_telegram_and_zalo_in_one_process_on_one_database(
    zalo: ZaloEmulator, tmp_path: Path, clock: FakeClock
) -> None:
    async with BotApiEmulator(token=TOKEN, bot_username="chibo_test_bot") as telegram:
        bot = await RunningZalo(
            zalo, tmp_path / "b.db", clock, telegram=telegram, telegram_admins=frozenset({TELEGRAM_ADMIN})
        ).start()
        try:
            assert bot.apps["telegram"].bot_data.db is bot.apps["zalo"].bot_data.db
            admin = telegram.user(TELEGRAM_ADMIN, "Hà", language_code="vi")

            async def admin_says(text: str) -> str:
                marker = admin.marker()
                update_id = await admin.send(text)
                await bot.apps["telegram"].update_processor.wait_processed(update_id)  # type: ignore[attr-defined]
                return "\n".join(m.text or "" for m in admin.bot_messages_since(marker))

            await admin_says("/addunit kcn-a Đảng bộ KCN A")
            await admin_says("/addunit kcn-a/cb-honda Chi bộ Công ty Honda")
            # Invited from Telegram, accepted on Zalo: a Zalo user.
            invitation = await admin_says("/invite cb-honda bithu")
            token = invitation.split("/start ", 1)[1].split()[0]
            lan = bot.person("e4ea2cd5189df1c3a88c", "Lan")
            assert "Chào mừng đồng chí Lan" in await lan.send(f"/start {token}")
            member = bot.person("0a1b2c3d4e5f60718293", "Bình")
            invitation = await admin_says("/invite kcn-a capuy")
            await member.send(f"/start {invitation.split('/start ', 1)[1].split()[0]}")
            users = await admin_says("/users")
            assert "Lan — bí thư chi bộ, Chi bộ Công ty Honda — mã zalo:e4ea2cd5189df1c3a88c" in users
            # The outbox of the one scheduler reaches the Zalo committee member.
            assert "cấp ủy viên" in await admin_says("/digest all")
            await bot.tick()
            assert any("Bản tin tuần: Đảng bộ KCN A" in t for t in member.texts())
            # A Telegram admin revokes a Zalo user by the id /users shows.
            lan_id = "zalo:e4ea2cd5189df1c3a88c"
            assert "Lan không còn quyền sử dụng chibo" in await admin_says(f"/revoke {lan_id}")
            again = await admin_says(f"/revoke {lan_id}")
            assert f"Không có người dùng đã đăng ký nào có mã {lan_id}" in again
            assert telegram.errors == []
        finally:
            await bot.stop()


async def test_chibo_run_on_zalo_stops_cleanly_on_sigterm(zalo: ZaloEmulator, tmp_path: Path) -> None:
    env = dict(
        os.environ,
        ZALO_BOT_TOKEN=ZALO_TOKEN,
        CHIBO_ZALO_API_URL=zalo.api_url,
        CHIBO_DB=str(tmp_path / "p.db"),
        CHIBO_ZALO_ADMINS=ADMIN,
    )
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--channel",
        "zalo",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    admin = zalo.user(ADMIN, "Hà")
    await admin.send("/help")
    await zalo.wait_for(lambda: len(admin.bot_messages()) == 1, within=30)
    assert "/addunit" in (admin.bot_messages()[0].text or "")
    process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    assert ZALO_TOKEN not in output.decode()
    assert "Traceback" not in output.decode()


async def test_a_missing_zalo_token_is_one_clear_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--channel",
        "zalo",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chibo: ZALO_BOT_TOKEN: not set."), lines
