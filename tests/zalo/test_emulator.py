"""The Zalo emulator answers as the documentation says Zalo does, so the bot is tested against it:
one update per long poll and 408 when none came, texts over 2000 characters refused, the documented
methods and parameters only, the token checked, no getUpdates under a webhook, photos fetched."""

import pytest

from bot.channels.zalo.api import ZaloApi, ZaloError
from bot.devtools.zalo_emulator import ZaloEmulator

TOKEN = "123456789:TEST-zalo-token-for-the-emulator"


async def test_long_polling_returns_one_update_or_408() -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        api = ZaloApi(TOKEN, emu.api_url)
        try:
            assert await api.get_update(poll_seconds=1) is None
            assert [c.status for c in emu.calls] == [408]
            lan = emu.user("e4ea2cd5189df1c3a88c", "Lan")
            first = await lan.send("một")
            await lan.send("hai")
            update = await api.get_update(poll_seconds=1)
            assert update is not None and update["message"]["message_id"] == first
            assert update["message"]["chat"] == {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"}
            assert update["message"]["text"] == "một"
            assert (await api.get_update(poll_seconds=1) or {})["message"]["text"] == "hai"
            emu.redeliver(first)
            assert (await api.get_update(poll_seconds=1) or {})["message"]["message_id"] == first
            assert emu.fetch_count(first) == 2
            assert emu.errors == []
        finally:
            await api.close()


async def test_calls_zalo_would_refuse_are_refused_and_recorded_as_bugs() -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        emu.user("u1", "Lan")
        api = ZaloApi(TOKEN, emu.api_url)
        try:
            for method, params in (
                ("sendMessage", {"chat_id": "u1", "text": "x" * 2001}),
                ("sendMessage", {"chat_id": "u1", "text": ""}),
                ("sendMessage", {"chat_id": "u1", "text": "hi", "parse_mode": "HTML"}),
                ("sendMessage", {"chat_id": "nobody", "text": "hi"}),
                ("editMessageText", {"chat_id": "u1", "text": "hi"}),
                ("sendChatAction", {"chat_id": "u1", "action": "upload_document"}),
                ("sendPhoto", {"chat_id": "u1", "photo": "not a url"}),
                ("setWebhook", {"url": "https://x.vn/zalo", "secret_token": "short"}),
            ):
                with pytest.raises(ZaloError) as refused:
                    await api.call(method, params)
                assert refused.value.error_code == 400, (method, params)
            assert len(emu.errors) == 8
            assert await api.send_message("u1", "x" * 2000)
            await api.set_webhook("https://x.vn/zalo", "a-secret-of-some-length")
            with pytest.raises(ZaloError) as under_webhook:
                await api.get_update(poll_seconds=1)
            assert under_webhook.value.error_code == 400
            assert len(emu.errors) == 9
            wrong = ZaloApi("1:wrong-token", emu.api_url)
            try:
                with pytest.raises(ZaloError) as unauthorized:
                    await wrong.get_me()
                assert unauthorized.value.error_code == 401
            finally:
                await wrong.close()
        finally:
            await api.close()


async def test_a_blocked_user_gets_403_which_is_no_bug() -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        emu.user("u1", "Lan")
        emu.block("u1")
        api = ZaloApi(TOKEN, emu.api_url)
        try:
            with pytest.raises(ZaloError) as blocked:
                await api.send_message("u1", "hi")
            assert blocked.value.error_code == 403
            assert [c.status for c in emu.calls] == [403]
            assert emu.errors == []
        finally:
            await api.close()
