"""The JSON control API under /_emu/, as the browser sandbox and out-of-process benchmarks use it."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.devtools.telegram_emulator import BotApiEmulator

PNG_2X3 = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000020000000308060000009d")


class Control:
    """A small client for the control API."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def get(self, path: str, status: int = 200, **params: Any) -> Any:
        """GET a control endpoint and return its JSON."""
        async with self.session.get(f"{self.url}/_emu/{path}", params=params) as response:
            assert response.status == status, await response.text()
            return await response.json()

    async def post(self, path: str, body: Any = None, status: int = 200) -> Any:
        """POST JSON to a control endpoint and return its JSON."""
        async with self.session.post(f"{self.url}/_emu/{path}", json=body) as response:
            assert response.status == status, await response.text()
            return await response.json()


@pytest.fixture
async def control(emu: BotApiEmulator) -> AsyncIterator[Control]:
    """Return a control API client for the emulator."""
    async with aiohttp.ClientSession() as session:
        yield Control(session, emu.url)


async def test_index_lists_the_endpoints(control: Control) -> None:
    index = await control.get("")
    assert index["bot"]["username"] == "chibo_test_bot"
    assert index["spec"] == "Bot API 10.1"
    assert "POST /_emu/users/{user_id}/send" in index["endpoints"]


async def test_users_groups_and_messages_round_trip(control: Control, bot: Bot, emu: BotApiEmulator) -> None:
    user = await control.post("users", {"id": 1001, "first_name": "Alice", "language_code": "vi"})
    assert user == {
        "id": 1001,
        "is_bot": False,
        "first_name": "Alice",
        "language_code": "vi",
        "blocked": False,
    }
    group = await control.post("groups", {"id": -2001, "title": "Chi bộ"})
    assert group["type"] == "group"
    assert [u["id"] for u in await control.get("users")] == [1001]
    assert [g["id"] for g in await control.get("groups")] == [-2001]

    sent = await control.post("users/1001/send", {"text": "/start"})
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [sent["update_id"]]
    status = await control.get(f"updates/{sent['update_id']}", wait="1")
    assert (status["fetched"], status["kind"]) == (True, "message")

    page = await control.get("chats/1001/messages", after="0")
    assert [m["text"] for m in page["messages"]] == ["/start"]
    seq = page["seq"]

    async def reply_later() -> None:
        await asyncio.sleep(0.05)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Nộp", callback_data="v1:submit")]])
        await bot.send_message(1001, "<b>Xin chào</b>", parse_mode="HTML", reply_markup=markup)

    task = asyncio.ensure_future(reply_later())
    page = await control.get("chats/1001/messages", after=str(seq), timeout="5")  # a long poll
    await task
    [message] = page["messages"]
    assert (message["from_bot"], message["text"], message["html"]) == (True, "Xin chào", "<b>Xin chào</b>")
    assert message["buttons"] == [[["Nộp", "v1:submit", "callback_data"]]]

    pressed = await control.post("users/1001/press", {"label": "Nộp"})
    [update] = await bot.get_updates(offset=sent["update_id"] + 1)
    assert update.update_id == pressed["update_id"]
    assert update.callback_query is not None
    assert update.callback_query.data == "v1:submit"
    await update.callback_query.answer("OK")
    [answered] = await control.get("callbacks")
    assert answered["answer"] == {"text": "OK"}

    in_group = await control.post("users/1001/send", {"text": "/help", "chat_id": -2001})
    assert emu.updates[in_group["update_id"]].update["message"]["chat"]["id"] == -2001


async def test_uploads_from_the_sandbox_reach_the_bot(
    control: Control, bot: Bot, emu: BotApiEmulator
) -> None:
    await control.post("users", {"id": 1001, "first_name": "Alice"})
    form = aiohttp.FormData()
    form.add_field("file", b"col1,col2\n", filename="bang.csv", content_type="text/csv")
    form.add_field("caption", "Báo cáo")
    async with control.session.post(f"{emu.url}/_emu/users/1001/document", data=form) as response:
        assert response.status == 200
    photo = await control.post("users/1001/photo", {"data_base64": base64.b64encode(PNG_2X3).decode()})
    document_update, photo_update = await bot.get_updates()
    assert photo_update.update_id == photo["update_id"]
    assert document_update.message is not None
    document = document_update.message.document
    assert document is not None
    assert (document.file_name, document.mime_type) == ("bang.csv", "text/csv")
    assert document_update.message.caption == "Báo cáo"
    file = await bot.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"col1,col2\n"
    assert photo_update.message is not None
    assert (photo_update.message.photo[-1].width, photo_update.message.photo[-1].height) == (2, 3)
    async with control.session.get(f"{emu.url}/_emu/files/{document.file_id}") as response:
        assert await response.read() == b"col1,col2\n"
        assert response.headers["Content-Disposition"] == 'attachment; filename="bang.csv"'
    await control.post("users/1001/sticker", {})


async def test_menus_errors_counters_and_calls(control: Control, bot: Bot) -> None:
    await control.post("users", {"id": 1001, "first_name": "Alice", "language_code": "vi"})
    await bot.set_my_commands([BotCommand("start", "Bắt đầu")], language_code="vi")
    await bot.set_my_commands([BotCommand("start", "Start")])
    assert (await control.get("commands", user_id="1001"))["commands"] == [
        {"command": "start", "description": "Bắt đầu"}
    ]
    assert (await control.get("commands", scope="default"))["commands"] == [
        {"command": "start", "description": "Start"}
    ]
    assert len(await control.get("commands/all")) == 2

    with pytest.raises(BadRequest):
        await bot.send_message(1001, "<br>", parse_mode="HTML")
    [error] = await control.get("errors")
    assert error["method"] == "sendMessage"
    assert "Unsupported start tag" in error["description"]
    async with control.session.delete(f"{control.url}/_emu/errors") as response:
        assert await response.json() == {"cleared": 1}
    assert await control.get("errors") == []

    calls = await control.get("calls", after="0")
    assert [c["method"] for c in calls["calls"]] == ["getMe", "setMyCommands", "setMyCommands", "sendMessage"]
    assert (await control.get("calls", after=str(calls["next"])))["calls"] == []
    counters = await control.get("counters")
    assert counters["calls"]["setMyCommands"] == 2


async def test_chaos_switches(control: Control, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter without a deprecation warning
    await control.post("users", {"id": 1001, "first_name": "Alice"})
    assert (await control.post("flood", {"per_second": 1, "retry_after": 2}))["flood"]["per_second"] == 1
    await bot.send_message(1001, "1")
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "2")
    assert (await control.post("flood", {}))["flood"] is None
    await bot.send_message(1001, "3")

    await control.post("faults", {"rate": 1.0, "kinds": ["502"], "seed": 1})
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "4")
    await control.post("faults", {"enabled": False})

    user = await control.post("users/1001/block", {"blocked": True})
    assert user["blocked"] is True
    with pytest.raises(Forbidden):
        await bot.send_message(1001, "5")
    await control.post("users/1001/block", {"blocked": False})
    await bot.send_message(1001, "6")
    counters = await control.get("counters")
    assert (counters["rate_limited"], counters["faults"], counters["forbidden"]) == (1, 1, 1)
    assert counters["delivered"] == {"1001": 3}


async def test_bad_control_requests_say_why(control: Control) -> None:
    assert "no user 42" in (await control.post("users/42/send", {"text": "hi"}, status=404))["error"]
    assert (await control.post("users", {"id": 1}, status=400))["error"] == "id and first_name are required"
    await control.post("users", {"id": 1001, "first_name": "Alice"})
    assert (
        "no callback button"
        in (await control.post("users/1001/press", {"label": "Nope"}, status=404))["error"]
    )
    assert (await control.get("chats/5/messages", status=404))["error"] == "no chat 5"


async def test_other_sites_cannot_drive_the_control_api(control: Control, emu: BotApiEmulator) -> None:
    await control.post("users", {"id": 1001, "first_name": "Alice"})
    url = f"{control.url}/_emu/users/1001/send"
    forged = [
        # A form of another site posts without asking the browser first: urlencoded or text/plain.
        ({"Content-Type": "application/x-www-form-urlencoded"}, "text=%2Finvite", 415),
        ({"Content-Type": "text/plain"}, '{"text": "/invite"}', 415),
        # JSON sent by a page of another site, or named through a rebound domain name.
        ({"Content-Type": "application/json", "Origin": "https://evil.example"}, '{"text": "x"}', 403),
        ({"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, '{"text": "x"}', 403),
        ({"Content-Type": "application/json", "Host": "evil.example:8080"}, '{"text": "x"}', 403),
    ]
    for headers, body, status in forged:
        async with control.session.post(url, data=body, headers=headers) as response:
            assert response.status == status, (headers, await response.text())
    async with control.session.get(
        f"{control.url}/_emu/chats/1001/messages", headers={"Host": "evil.example"}
    ) as response:
        assert response.status == 403  # a rebound name reads nothing either
    assert emu.counters.updates_created == 0  # none of them made Alice send anything
    # The page itself (same origin, JSON) and scripts (no Origin at all) are served.
    page = {"Origin": control.url, "Sec-Fetch-Site": "same-origin"}
    async with control.session.post(url, json={"text": "hi"}, headers=page) as response:
        assert response.status == 200
    async with control.session.post(url, json={"text": "again"}) as response:
        assert response.status == 200
