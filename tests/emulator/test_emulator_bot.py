"""The emulator driven by a real python-telegram-bot Bot and Application, as the end-to-end tests use it."""

from __future__ import annotations

import asyncio
import datetime as dtm
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.devtools.telegram_emulator import BotApiEmulator, Faults, FloodControl
from bot.devtools.telegram_emulator.testing import application_builder, free_port, polling

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    """Return a one-row inline keyboard of (label, callback_data)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in buttons]])


# --------------------------------------------------------------------- plain Bot calls


async def test_get_me_describes_the_configured_bot(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot, me.can_join_groups) == (123456, "chibo_test_bot", True, True)
    assert emu.calls[0].method == "getMe"
    assert emu.errors == []


async def test_send_message_with_html_keeps_text_entities_and_buttons(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice", language_code="vi")
    sent = await bot.send_message(
        alice.id,
        "<b>Báo cáo</b> tháng 6 &amp; <i>7</i> 😀",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("Đồng ý", "v1:ok"), ("Huỷ", "v1:cancel")),
    )
    assert isinstance(sent, Message)
    assert sent.text == "Báo cáo tháng 6 & 7 😀"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 7), ("italic", 18, 1)]
    [message] = alice.messages()
    assert message.from_bot
    assert message.text == sent.text
    assert message.html == "<b>Báo cáo</b> tháng 6 &amp; <i>7</i> 😀"
    assert [[(b.text, b.value, b.kind) for b in row] for row in message.buttons] == [
        [("Đồng ý", "v1:ok", "callback_data"), ("Huỷ", "v1:cancel", "callback_data")]
    ]
    assert emu.counters.delivered == {1001: 1}
    assert emu.errors == []


async def test_bad_html_is_a_bad_request_and_is_recorded(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001, "Alice")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: unsupported start tag .br."):
        await bot.send_message(1001, "line<br>break", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)must be escaped"):
        await bot.send_message(1001, "Tom & Jerry", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)only HTML"):
        await bot.send_message(1001, "*x*", parse_mode=ParseMode.MARKDOWN_V2)
    assert [e.method for e in emu.errors] == ["sendMessage"] * 3
    assert "can't parse entities" in emu.errors[0].description
    assert emu.errors[0].params["text"] == "line<br>break"
    assert emu.messages(1001) == []


async def test_text_limits_count_utf16_after_parsing(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001, "Alice")
    await bot.send_message(1001, "😀" * 2048)  # 4096 UTF-16 code units: the limit exactly
    await bot.send_message(1001, f"<b>{'a' * 4096}</b>", parse_mode=ParseMode.HTML)  # tags do not count
    with pytest.raises(BadRequest, match=r"(?i)Message is too long"):
        await bot.send_message(1001, "😀" * 2048 + "a")
    with pytest.raises(BadRequest, match=r"(?i)Message text is empty"):
        await bot.send_message(1001, "<b> </b>\n", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)Message caption is too long"):
        await bot.send_photo(1001, PNG_1X1, caption="x" * 1025)
    assert len(emu.errors) == 3


async def test_unknown_and_missing_parameters_are_refused(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001, "Alice")
    with pytest.raises(BadRequest, match=r'(?i)Unknown parameter "colour"'):
        await bot.send_message(1001, "hi", api_kwargs={"colour": "red"})
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.base_url}{emu.token}/sendMessage", data={"chat_id": "1001"}) as response,
    ):
        assert response.status == 400
        assert await response.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: text is required",
        }
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1001})
    assert [(e.method, e.status) for e in emu.errors] == [
        ("sendMessage", 400),
        ("sendMessage", 400),
        ("sendTelepathy", 404),
    ]


async def test_keyboard_limits_are_checked(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001, "Alice")
    with pytest.raises(BadRequest, match=r"(?i)Button_data_invalid"):
        await bot.send_message(1001, "x", reply_markup=keyboard(("Long", "x" * 65)))
    await bot.send_message(1001, "x", reply_markup=keyboard(("Ok", "ă" * 32)))  # 64 bytes exactly
    with pytest.raises(BadRequest, match=r"(?i)Text must be non-empty"):
        await bot.send_message(1001, "x", reply_markup=keyboard(("  ", "a")))
    assert len(emu.errors) == 2


async def test_wrong_token_and_unimplemented_methods(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(1001, "Alice")
    async with aiohttp.ClientSession() as session, session.get(f"{emu.base_url}999:WRONG/getMe") as response:
        assert (response.status, await response.json()) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
    with pytest.raises(BadRequest, match=r"(?i)emulator: method not implemented"):
        await bot.send_dice(1001)
    assert [e.status for e in emu.errors] == [401, 400]


async def test_edits_follow_telegram_rules(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    sent = await bot.send_message(1001, "Choose", reply_markup=keyboard(("A", "a")))
    marker = emu.marker()
    with pytest.raises(BadRequest, match=r"(?i)Message is not modified"):
        await bot.edit_message_text("Choose", 1001, sent.message_id, reply_markup=keyboard(("A", "a")))
    edited = await bot.edit_message_text("<i>Chosen</i>", 1001, sent.message_id, parse_mode=ParseMode.HTML)
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # no reply_markup in the edit: Telegram drops the keyboard
    [changed] = alice.bot_messages_since(marker)
    assert (changed.text, changed.edited, changed.buttons) == ("Chosen", True, [])
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", 1001, 999)
    assert await bot.delete_message(1001, sent.message_id)
    assert alice.messages() == []
    assert len(emu.errors) == 2


async def test_commands_and_bot_settings_are_stored_per_scope_and_language(
    emu: BotApiEmulator, bot: Bot
) -> None:
    emu.user(1001, "Alice", language_code="vi")
    emu.group(-2001, "Chi bộ")
    await bot.set_my_commands(
        [BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")], language_code="vi"
    )
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands([BotCommand("report", "Report")], scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands([BotCommand("admin", "Admin")], scope=BotCommandScopeChat(1001))
    assert emu.commands("default", "vi") == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "help", "description": "Trợ giúp"},
    ]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllGroupChats())] == ["report"]
    assert [c["command"] for c in emu.visible_commands(1001)] == ["admin"]
    assert [c["command"] for c in emu.visible_commands(1001, -2001)] == ["report"]
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(1001))
    assert [c["command"] for c in emu.visible_commands(1001)] == ["start", "help"]
    with pytest.raises(BadRequest, match=r"(?i)Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Capitalised")])
    await bot.set_my_description("Mô tả", language_code="vi")
    await bot.set_my_short_description("Ngắn")
    assert (await bot.get_my_description("vi")).description == "Mô tả"
    assert (await bot.get_my_short_description("en")).short_description == "Ngắn"
    assert (await bot.get_chat(-2001)).title == "Chi bộ"
    assert (await bot.get_chat_menu_button(1001)).type == "commands"
    assert await bot.close()
    assert len(emu.errors) == 1


async def test_getupdates_offsets_limits_and_long_polling(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    first = await alice.send("one")
    await alice.send("two")
    third = await alice.send("three")
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [first, first + 1]
    assert [u.update_id for u in await bot.get_updates(offset=first + 1)] == [first + 1, third]
    assert emu.updates[first].confirmed
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [third]
    assert emu.updates[first + 1].confirmed

    async def later() -> int:
        await asyncio.sleep(0.1)
        return await alice.send("four")

    loop = asyncio.get_running_loop()
    started = loop.time()
    waiting = asyncio.ensure_future(bot.get_updates(offset=third + 1, timeout=5))
    fourth = await later()
    updates = await waiting
    assert [u.update_id for u in updates] == [fourth]
    assert loop.time() - started < 2  # woken by the update, not by the timeout
    assert updates[0].message is not None
    assert updates[0].message.text == "four"
    assert (await emu.wait_fetched(fourth)).fetch_count == 1


async def test_a_second_getupdates_terminates_the_first(emu: BotApiEmulator, bot: Bot) -> None:
    first = asyncio.ensure_future(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    # A second bot instance polling with the same token (its own connection, as another process).
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emu.base_url}{emu.token}/getUpdates") as second,
    ):
        assert await second.json() == {"ok": True, "result": []}
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await first
    assert emu.counters.conflicts == 1
    assert [e.description for e in emu.errors] == [
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    ]


async def test_send_and_download_files(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    photo = await bot.send_photo(1001, PNG_1X1, caption="<b>Ảnh</b>", parse_mode=ParseMode.HTML)
    assert (photo.photo[-1].width, photo.photo[-1].height) == (1, 1)
    assert photo.caption == "Ảnh"
    document = await bot.send_document(1001, b"a,b\n1,2\n", filename="report.csv")
    assert document.document is not None
    assert (document.document.file_name, document.document.file_size) == ("report.csv", 8)
    again = await bot.send_document(1001, document.document.file_id)  # by file_id
    assert again.document is not None
    assert again.document.file_unique_id == document.document.file_unique_id
    assert [m.kind for m in alice.bot_messages()] == ["photo", "document", "document"]
    assert alice.bot_messages()[1].document == b"a,b\n1,2\n"
    file = await bot.get_file(document.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"a,b\n1,2\n"
    with pytest.raises(BadRequest, match=r"(?i)Image_process_failed"):
        await bot.send_photo(1001, b"not an image")
    with pytest.raises(BadRequest, match=r"(?i)Wrong file identifier"):
        await bot.send_document(1001, "no-such-file-id")
    assert len(emu.errors) == 2
    assert emu.counters.duplicates == 1  # the document sent twice in a row


async def test_blocked_users_get_403(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    alice.block()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(1001, "hi")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(1001, "typing")
    alice.unblock()
    await bot.send_message(1001, "hi")
    assert emu.counters.forbidden == 2
    assert emu.errors == []  # a blocked user is a fact of life, not a bug
    assert [c.status for c in emu.calls if c.method != "getMe"] == [403, 403, 200]


async def test_flood_control_answers_429_with_retry_after(
    emu: BotApiEmulator, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as a timedelta, no warning
    emu.user(1001, "Alice")
    emu.flood = FloodControl(per_second=2)
    await bot.send_message(1001, "1")
    await bot.send_message(1001, "2")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1001, "3")
    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    assert emu.calls[-1].description == "Too Many Requests: retry after 1"
    emu.flood = FloodControl(per_second=1, retry_after=7)
    await bot.send_message(1001, "4")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1001, "5")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert emu.counters.rate_limited == 2
    assert emu.errors == []


async def test_faults_answer_502_or_drop_the_connection(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    emu.faults = Faults(rate=1.0, kinds=("502",))
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(1001, "x")
    emu.faults = Faults(rate=1.0, kinds=("drop",))
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "x")
    assert alice.messages() == []
    emu.faults = Faults(rate=1.0, kinds=("drop_after",))
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "x")
    assert [m.text for m in alice.messages()] == ["x"]  # it went through; the bot never heard back
    emu.faults = None
    await bot.send_message(1001, "x")  # the natural retry ...
    assert emu.counters.duplicates == 1  # ... is a duplicate the user sees
    assert emu.counters.faults == 3
    assert (await bot.get_me()).username == "chibo_test_bot"  # other methods are spared by default


def test_faults_are_reproducible_with_a_seed() -> None:
    first = Faults(rate=0.5, kinds=("502", "drop", "drop_after"), seed=7)
    second = Faults(rate=0.5, kinds=("502", "drop", "drop_after"), seed=7)
    picks = [first.pick("sendMessage") for _ in range(40)]
    assert picks == [second.pick("sendMessage") for _ in range(40)]
    assert {None, "502", "drop", "drop_after"} == set(picks)
    assert Faults(rate=1.0).pick("getUpdates") is None  # polling is spared unless methods says otherwise
    assert Faults(rate=1.0, methods=frozenset({"getUpdates"})).pick("getUpdates") in {"502", "drop"}
    with pytest.raises(ValueError, match="unknown fault kinds"):
        Faults(kinds=("timeout",))


# --------------------------------------------------------------------- a whole Application


async def test_user_messages_and_presses_reach_the_application(emu: BotApiEmulator) -> None:
    alice = emu.user(1001, "Alice", language_code="vi")
    seen: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen.append(f"start {context.args}")
        await update.effective_message.reply_html(
            "<b>Chào</b> Alice", reply_markup=keyboard(("Có", "v1:yes"), ("Không", "v1:no"))
        )

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        seen.append(f"press {query.data}")
        await query.answer("Đã ghi")
        await query.edit_message_text(f"Bạn chọn {query.data}")

    async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert update.message.document is not None
        file = await update.message.document.get_file()
        data = bytes(await file.download_as_bytearray())
        await update.message.reply_text(f"{update.message.document.file_name}: {len(data)} bytes")

    async def other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        seen.append("sticker" if update.message.sticker else f"text {update.message.text}")

    app = application_builder(emu).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(press))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(MessageHandler(filters.ALL, other))
    async with polling(app):
        update_id = await alice.send("/start abc")
        [reply] = await alice.wait_bot_messages(update_id)
        assert reply.text == "Chào Alice"
        assert reply.button_labels == ["Có", "Không"]

        update_id = await alice.press("Không")
        [edited] = await alice.wait_bot_messages(update_id)
        assert (edited.text, edited.edited) == ("Bạn chọn v1:no", True)
        await emu.wait_for(lambda: not emu.unanswered_callbacks(), what="the answer")
        assert next(iter(emu.callback_queries.values())).answer == {"text": "Đã ghi"}

        update_id = await alice.send_document(b"x" * 300, "bao-cao.xlsx")
        [reply] = await alice.wait_bot_messages(update_id)
        assert reply.text == "bao-cao.xlsx: 300 bytes"

        await alice.send_sticker()
        await alice.send("chào")
        await emu.settle()
    assert seen == ["start ['abc']", "press v1:no", "sticker", "text chào"]
    assert all(record.confirmed for record in emu.updates.values())  # the stop confirmed the last one
    assert emu.errors == []


async def test_group_messages_respect_privacy_mode(emu: BotApiEmulator) -> None:
    alice = emu.user(1001, "Alice")
    cell = emu.group(-2001, "Chi bộ 1")
    received: list[str] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        received.append(update.message.text or "")
        if update.message.text == "/help":
            await update.message.reply_text("Trợ giúp")

    app = application_builder(emu).build()
    app.add_handler(MessageHandler(filters.ALL, record))
    async with polling(app):
        chatter = await alice.send("hello everyone", chat=cell)
        update_id = await alice.send("/help", chat=cell)
        [reply] = await alice.wait_bot_messages(update_id, chat=cell)
        assert reply.chat_id == -2001
        await alice.send(f"ping @{emu.bot.username}", chat=cell)
        await emu.settle()
    assert received == ["/help", "ping @chibo_test_bot"]
    assert emu.updates[chatter].dropped is not None
    assert [m.text for m in cell.messages()] == [
        "hello everyone",
        "/help",
        "Trợ giúp",
        "ping @chibo_test_bot",
    ]


async def test_reply_keyboards_are_pressed_by_sending_their_label(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice")
    await bot.send_message(1001, "Pick", reply_markup=ReplyKeyboardMarkup([["Một", "Hai"]]))
    assert alice.reply_keyboard() == [["Một", "Hai"]]
    update_id = await alice.press("Hai")
    assert emu.updates[update_id].update["message"]["text"] == "Hai"
    with pytest.raises(LookupError, match="no callback button"):
        await alice.press("Ba")


async def test_webhook_delivery_carries_the_secret_and_retries(emu: BotApiEmulator) -> None:
    alice = emu.user(1001, "Alice")
    received: list[str] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        received.append(update.message.text or "")
        await update.message.reply_text(f"echo {update.message.text}")

    port = free_port()
    app = application_builder(emu).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    assert app.updater is not None
    first = await alice.send("before the webhook")  # waits in the queue until delivered
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret-token",
    )
    await app.start()
    try:
        [reply] = await alice.wait_bot_messages(first)
        assert reply.text == "echo before the webhook"
        info = await app.bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (f"http://127.0.0.1:{port}/hook", 0)
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await app.bot.get_updates()
        emu.errors.clear()
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    # The webhook server is gone: delivery fails, is reported, and resumes when the hook is back.
    second = await alice.send("while down")
    await emu.wait_for(lambda: emu.webhook.last_error_message, what="a failed delivery")
    assert emu.updates[second].fetch_count == 0
    assert emu.counters.webhook_failures >= 1
    seen: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        seen.append(
            {"secret": request.headers.get("X-Telegram-Bot-Api-Secret-Token"), **await request.json()}
        )
        return web.Response()

    server = web.Application()
    server.router.add_post("/hook", hook)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await emu.wait_fetched(second)
    finally:
        await runner.cleanup()
    assert seen[0]["secret"] == "s3cret-token"
    assert seen[0]["update_id"] == second
    assert received == ["before the webhook"]
    assert emu.errors == []


async def test_edits_raw_messages_and_allowed_updates(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.user(1001, "Alice", username="alice")
    sent = await alice.send("/report 5")
    contact = {"phone_number": "+84900000000", "first_name": "Alice", "user_id": 1001}
    shared = await alice.send_raw({"contact": contact})
    message_id = emu.updates[sent].update["message"]["message_id"]
    edited = await alice.edit(message_id, "/report 6")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.update_id for u in updates] == [sent, shared, edited]  # created before the filter
    assert updates[1].message is not None
    assert updates[1].message.contact is not None
    assert updates[1].message.contact.phone_number == "+84900000000"
    assert updates[2].edited_message is not None
    assert updates[2].edited_message.text == "/report 6"
    later = await alice.edit(message_id, "/report 7")  # edited_message is not allowed any more
    assert emu.updates[later].dropped == "not in allowed_updates"
    assert await bot.get_updates(offset=edited + 1) == ()
    with pytest.raises(ValueError, match="never delivered"):
        await emu.wait_fetched(later)
