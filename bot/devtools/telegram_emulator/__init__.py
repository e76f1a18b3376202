"""A local Telegram Bot API emulator for end-to-end tests, the browser sandbox and benchmarks.

An aiohttp server on 127.0.0.1 that answers the Bot API as Telegram does, checks every call against the
vendored specification (`spec/api.min.json`, Bot API 10.1) and plays the users. The real
python-telegram-bot `Application` talks to it through `ApplicationBuilder().base_url(emu.base_url)
.base_file_url(emu.base_file_url)` (`bot.emulator.testing.application_builder(emu)` does that).

Python API (tests)::

    emu = BotApiEmulator(token="123:TEST", bot_username="chibo_test_bot", flood=None, faults=None)
    await emu.start()                  # or `async with BotApiEmulator(...) as emu:`; port=0 picks one
    emu.base_url, emu.base_file_url    # "http://127.0.0.1:PORT/bot", "http://127.0.0.1:PORT/file/bot"
    alice = emu.user(1001, "Alice", language_code="vi")   # private chat id == user id
    cell = emu.group(-2001, "Chi bộ", type="group", bot_is_admin=False)
    uid = await alice.send("/start abc")       # -> update_id; commands get bot_command entities
    uid = await alice.send("/help", chat=cell) # privacy mode: plain group chatter never reaches the bot
    uid = await alice.press("Đồng ý")          # callback_query on the newest bot message with that button
    uid = await alice.press_data(message_id, "v1:ok")
    await alice.send_photo(png_bytes); await alice.send_document(data, "f.xlsx"); await alice.send_sticker()
    replies = await alice.wait_bot_messages(uid, count=1, within=5)   # sent or edited since the update
    alice.messages(), alice.bot_messages(), alice.bot_messages_since(uid_or_marker), emu.marker()
    await emu.wait_fetched(uid); await emu.settle()   # the bot got the update; the bot went quiet
    emu.errors, emu.calls, emu.counters, emu.unanswered_callbacks(), emu.commands("default", "vi")
    emu.block(1001); emu.flood = FloodControl(per_second=30); emu.faults = Faults(rate=0.1, seed=1)
    await emu.stop()

`emu.errors` holds only rejections that point at a bug in the bot (bad parameters or HTML, unknown or
unimplemented methods, wrong token, conflicts, editing a message into itself); 429s, 403s of blocked
users and injected faults are conditions a working bot copes with, so they show in `emu.calls` (with
their status) and `emu.counters` instead. Where the emulator is stricter than Telegram (unknown
parameters and fields, a bare `&` in HTML, MarkdownV2) its messages say so.

Control API (JSON, same server; for the sandbox page and for benchmarks in other processes). Errors
answer {"error": "..."} with 400 or 404.

    GET    /_emu/                              the bot, base URLs, spec version, this list of endpoints
    GET    /_emu/state                         users, groups, webhook, flood, faults, pending updates, seq
    GET    /_emu/users                         users (with "blocked")
    POST   /_emu/users                         {"id", "first_name", "last_name"?, "username"?,
                                               "language_code"?}
    GET    /_emu/groups                        groups (with members and bot_is_admin)
    POST   /_emu/groups                        {"id" < 0, "title", "type"?, "username"?, "bot_is_admin"?}
    POST   /_emu/users/{id}/send               {"text", "chat_id"?, "reply_to"?} -> {"update_id"}
    POST   /_emu/users/{id}/press              {"label"} or {"message_id", "data"}; "chat_id"?
                                               -> {"update_id"}
    POST   /_emu/users/{id}/document           multipart "file" (+ "caption", "chat_id"), or JSON
                                               {"data_base64", "file_name", "mime_type"?, "caption"?}
    POST   /_emu/users/{id}/photo              the same, for a photo
    POST   /_emu/users/{id}/sticker            {"emoji"?, "chat_id"?}
    POST   /_emu/users/{id}/block              {"blocked": true|false}
    GET    /_emu/chats/{chat_id}/messages      ?after=SEQ&timeout=S: messages created, edited or deleted
                                               after SEQ, waiting up to S (<= 60) seconds for one;
                                               answers {"messages", "seq" (ask after it next), ...}
    GET    /_emu/files/{file_id}               the file's bytes
    GET    /_emu/commands                      ?user_id=&chat_id=: the menu that user sees (scopes and
                                               languages resolved); or ?scope=&language_code=&chat_id=
                                               &user_id=: exactly what setMyCommands stored there
    GET    /_emu/commands/all                  every stored menu with its scope and language
    POST   /_emu/flood                         {"per_second", "per_chat_per_second"?, "per_group_per_minute"?,
                                               "retry_after"?}; {} turns flood control off
    POST   /_emu/faults                        {"rate", "kinds": ["502", "drop", "drop_after"], "seed"?,
                                               "methods"?}; {} turns faults off
    GET    /_emu/errors, DELETE /_emu/errors   rejected calls that point at bugs; forget them
    GET    /_emu/counters                      deliveries per chat, 429s, 403s, faults, duplicates, updates
    GET    /_emu/calls                         ?after=N: calls from index N, and "next"
    GET    /_emu/callbacks                     button presses with the bot's answers (null: unanswered)
    GET    /_emu/updates/{update_id}           ?wait=S: fetched / confirmed / dropped, waiting for the fetch

Run it alone with `python -m bot.emulator --port 8081 --token 123:TEST [--user 1001:Alice:vi]`.
"""

from bot.devtools.telegram_emulator.core import BotApiEmulator, CallContext, Outcome
from bot.devtools.telegram_emulator.models import (
    Button,
    CallbackQueryRecord,
    CallRecord,
    ChatMessage,
    Counters,
    ErrorRecord,
    Faults,
    FloodControl,
    Marker,
    StoredFile,
    UpdateRecord,
)
from bot.devtools.telegram_emulator.users import GroupHandle, UserHandle
from bot.devtools.telegram_emulator.validation import ApiError

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "Button",
    "CallContext",
    "CallRecord",
    "CallbackQueryRecord",
    "ChatMessage",
    "Counters",
    "ErrorRecord",
    "Faults",
    "FloodControl",
    "GroupHandle",
    "Marker",
    "Outcome",
    "StoredFile",
    "UpdateRecord",
    "UserHandle",
]
