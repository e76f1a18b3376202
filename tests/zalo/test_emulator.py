"""The Zalo emulator answers as the documentation says Zalo does, so the bot is tested against it:
one update per long poll and 408 when none came, texts over 2000 characters refused, the documented
methods and parameters only, the token checked, no getUpdates under a webhook, photos fetched."""

import aiohttp
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


async def test_a_user_the_bot_cannot_reach_gets_a_documented_code_which_is_no_bug() -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        emu.user("u1", "Lan")
        with pytest.raises(ValueError, match="documents no error code 410"):
            emu.unreachable("u1", 410)
        emu.unreachable("u1", 403)
        api = ZaloApi(TOKEN, emu.api_url)
        try:
            with pytest.raises(ZaloError) as blocked:
                await api.send_message("u1", "hi")
            assert blocked.value.error_code == 403
            assert [c.status for c in emu.calls] == [403]
            assert emu.errors == []
        finally:
            await api.close()


async def test_rich_text_is_taken_as_documented_and_the_rest_refused() -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        lan = emu.user("u1", "Lan")
        api = ZaloApi(TOKEN, emu.api_url)
        try:
            text = "🎉 Bản tin tuần\nĐã lưu"  # the emoji counts two UTF-16 units
            run = [{"start": 3, "len": 12, "st": ["b"]}, {"start": 16, "len": 6, "st": ["i", "u"]}]
            await api.call("sendMessage", {"chat_id": "u1", "text": text, "text_styles": run})
            await api.call("sendMessage", {"chat_id": "u1", "text": "*đậm*", "parse_mode": "markdown"})
            sent = lan.bot_messages()
            assert sent[0].styled("b") == ["Bản tin tuần"] and sent[0].styled("i") == ["Đã lưu"]
            assert sent[1].parse_mode == "markdown" and sent[1].text_styles is None
            for styles in (
                [{"start": 0, "len": 30, "st": ["b"]}],  # past the end of the text
                [{"start": 0, "len": 2, "st": ["bold"]}],  # not a documented code
                [{"start": 0, "len": 2, "st": "b"}],  # st is a list
                [{"start": -1, "len": 2, "st": ["b"]}],
                [{"start": 0, "length": 2, "st": ["b"]}],
                [],
            ):
                with pytest.raises(ZaloError) as refused:
                    await api.call(
                        "sendMessage", {"chat_id": "u1", "text": "xin chào", "text_styles": styles}
                    )
                assert refused.value.error_code == 400, styles
            assert len(emu.errors) == 6
            emu.formatting = False
            with pytest.raises(ZaloError) as off:
                await api.call("sendMessage", {"chat_id": "u1", "text": text, "text_styles": run})
            assert off.value.error_code == 400 and len(emu.errors) == 6  # a condition, not a bug
            await api.send_message("u1", "plain still goes")
        finally:
            await api.close()


async def test_media_are_served_until_they_expire_and_voice_notes_come_as_documented() -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        lan = emu.user("u1", "Lan")
        api = ZaloApi(TOKEN, emu.api_url)
        try:
            url = emu.host_media(b"\xff\xd8\xff\xe0jpeg", "image/jpeg")
            await lan.send_image(url, caption="Hội nghị")
            await lan.send_voice(emu.host_media(b"aac", "audio/aac", "v.aac"))
            image = await api.get_update(poll_seconds=1)
            voice = await api.get_update(poll_seconds=1)
            assert image is not None and image["message"]["photo_url"] == url
            assert voice is not None and voice["event_name"] == "message.voice.received"
            assert voice["message"]["voice_url"].endswith(".aac")
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as response:
                    assert response.status == 200 and await response.read() == b"\xff\xd8\xff\xe0jpeg"
                emu.expire_media(url)
                async with session.get(url) as response:
                    assert response.status == 404
            with pytest.raises(ZaloError):
                await api.call("sendVoice", {"chat_id": "u1", "voice_url": "https://x.vn/v.mp3"})
        finally:
            await api.close()


async def test_past_the_quota_sends_get_429_and_a_user_who_writes_is_reachable_again() -> None:
    async with ZaloEmulator(token=TOKEN) as emu:
        lan = emu.user("u1", "Lan")
        api = ZaloApi(TOKEN, emu.api_url)
        try:
            emu.quota = 3
            codes = []
            for _ in range(5):
                try:
                    await api.send_message("u1", "hi")
                    codes.append(200)
                except ZaloError as error:
                    codes.append(error.error_code)
            assert codes == [200, 200, 200, 429, 429] and emu.errors == []
            emu.quota = None
            emu.unreachable("u1", 404)
            with pytest.raises(ZaloError) as gone:
                await api.send_message("u1", "hi")
            assert gone.value.error_code == 404
            await lan.send("xin chào")
            assert await api.send_message("u1", "hi")
        finally:
            await api.close()
