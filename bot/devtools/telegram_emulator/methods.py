"""The Bot API methods the emulator implements, each after its parameters passed the specification check.

Limits and error texts follow Telegram's own (see core.telegram.org/bots/api and the answers the real
server gives); where the emulator is stricter than Telegram, the description says "emulator:".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.devtools.telegram_emulator.media import guess_mime, image_size
from bot.devtools.telegram_emulator.models import ChatMessage, StoredFile
from bot.devtools.telegram_emulator.validation import ApiError, Upload, bad_request
from bot.devtools.telegram_emulator.webapps import allowed_url

if TYPE_CHECKING:
    from bot.devtools.telegram_emulator.core import BotApiEmulator, CallContext, MethodImpl
    from bot.devtools.telegram_emulator.models import Chat

__all__ = ["IMPLEMENTED"]

IMPLEMENTED: dict[str, MethodImpl] = {}

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
CALLBACK_ANSWER_LIMIT = 200
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Fields of InlineKeyboardButton that do not pick what the button does.
_BUTTON_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_TERMINATED = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


def implements(name: str) -> Callable[[MethodImpl], MethodImpl]:
    """Register a function as the implementation of the Bot API method name."""

    def register(func: MethodImpl) -> MethodImpl:
        IMPLEMENTED[name] = func
        return func

    return register


# --------------------------------------------------------------------- the bot and updates


@implements("getMe")
async def get_me(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return the bot's User object with its capabilities."""
    return {
        **emu.bot.to_dict(),
        "can_join_groups": emu.can_join_groups,
        "can_read_all_group_messages": emu.can_read_all_group_messages,
        "supports_inline_queries": emu.supports_inline_queries,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@implements("logOut")
@implements("close")
async def log_out(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return True: there is no cloud server to log out of."""
    return True


@implements("getUpdates")
async def get_updates(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Long-poll for updates: confirm by offset, wait up to timeout, answer 409 when superseded."""
    if emu.webhook.url:
        raise ApiError(409, _WEBHOOK_ACTIVE)
    poll = emu.begin_poll(ctx.alive)
    offset = p.get("offset", 0)
    if offset > 0:
        emu.confirm_below(offset)
    elif offset < 0:
        emu.keep_last(-offset)
    if "allowed_updates" in p:
        # An empty list means the default set; absence keeps the previous setting.
        emu.allowed_updates = p["allowed_updates"] or None
    limit = min(max(p.get("limit", 100), 1), 100)  # Telegram clamps rather than refuses
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max(p.get("timeout", 0), 0)
    while True:
        if emu.poll_terminated(poll):
            if emu.stopping:
                return []
            # A client that gave up (updater stopping) closes its connection; give the server a moment
            # to notice, which cancels this handler, so a dead request is not reported as a second bot.
            await asyncio.sleep(0.05)
            emu.counters.conflicts += 1
            if emu.webhook.url:
                raise ApiError(409, _WEBHOOK_ACTIVE, bug=ctx.alive())
            # A request whose client already went away is not a second bot instance.
            raise ApiError(409, _TERMINATED, bug=ctx.alive())
        batch = emu.pending_updates[:limit]
        remaining = deadline - loop.time()
        if batch or remaining <= 0:
            if ctx.alive():
                emu.mark_fetched(batch)
            return [record.update for record in batch]
        await emu.wait_change(remaining)


@implements("setWebhook")
async def set_webhook(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Switch to webhook delivery (an empty url switches back to getUpdates)."""
    url: str = p["url"]
    if url and not re.match(r"https?://", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.get("secret_token")
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = p.get("max_connections", 40)
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    if p.get("drop_pending_updates"):
        emu.drop_pending()
    if "allowed_updates" in p:
        emu.allowed_updates = p["allowed_updates"] or None
    emu.set_webhook(url, secret_token=secret, max_connections=max_connections, ip_address=p.get("ip_address"))
    return True


@implements("deleteWebhook")
async def delete_webhook(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Switch back to getUpdates, optionally dropping pending updates."""
    if p.get("drop_pending_updates"):
        emu.drop_pending()
    emu.set_webhook("")
    return True


@implements("getWebhookInfo")
async def get_webhook_info(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return the WebhookInfo object."""
    return emu.webhook.info(len(emu.pending_updates), emu.allowed_updates)


# --------------------------------------------------------------------- checks shared by senders


def check_reply_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Apply Telegram's limits to a reply_markup (button texts, callback_data size, one action)."""
    if markup is None:
        return None
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if sum(len(row) for row in rows) > 100:
            raise bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                if not button["text"].strip():
                    raise bad_request("keyboard button text must be non-empty")
    return markup


def _check_inline_button(button: dict[str, Any]) -> None:
    """Check one InlineKeyboardButton as Telegram does."""
    if not button["text"].strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in button if key not in _BUTTON_DECORATION]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            f"can't parse inline keyboard button: exactly one of {', '.join(sorted(actions))} must be used"
        )
    if "callback_data" in button and not 1 <= len(button["callback_data"].encode()) <= CALLBACK_DATA_LIMIT:
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not re.match(r"(https?|tg)://\S+$", url):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    web_app = button.get("web_app")
    if web_app is not None and not allowed_url(str(web_app.get("url", ""))):
        raise bad_request(
            f"inline keyboard button Web App URL '{web_app.get('url')}' is invalid: "
            "Only HTTPS links are allowed"
        )


def _reply_to(emu: BotApiEmulator, chat: Chat, p: dict[str, Any]) -> ChatMessage | None:
    """Return the message reply_parameters quotes, as Telegram resolves it."""
    parameters = p.get("reply_parameters")
    if parameters is None:
        return None
    target = emu.chat_for(parameters["chat_id"]) if "chat_id" in parameters else chat
    message = emu.message(target.id, parameters["message_id"])
    if message is None or message.deleted:
        if parameters.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return message


def _resolve_file(emu: BotApiEmulator, value: Upload | str, kind: str) -> StoredFile:
    """Turn an InputFile parameter (upload, file_id or URL) into a stored file of kind."""
    if isinstance(value, Upload):
        if kind == "photo":
            size = image_size(value.data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            return emu.store_file("photo", value.data, mime_type="image/jpeg", width=size[0], height=size[1])
        return emu.store_file(
            kind,
            value.data,
            file_name=value.filename,
            mime_type=guess_mime(value.filename, value.content_type),
        )
    if re.match(r"https?://", value):
        # The emulator does not fetch URLs (tests run offline): the file is recorded without bytes.
        name = value.rsplit("/", 1)[-1].split("?", 1)[0] or None
        return emu.store_file(
            kind, b"", file_name=name, mime_type=guess_mime(name), width=1, height=1, source_url=value
        )
    stored = emu.files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(
            f"wrong file identifier/HTTP URL specified: can't use file of type {stored.kind} as {kind}"
        )
    return stored


def _markup_of(message: ChatMessage) -> dict[str, Any] | None:
    """Return the inline keyboard a message shows, None when it shows none."""
    markup: dict[str, Any] | None = message.raw.get("reply_markup")
    return markup


def _inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return markup when it is a non-empty inline keyboard (what a message can show), else None."""
    if markup is not None and markup.get("inline_keyboard"):
        return markup
    return None


# --------------------------------------------------------------------- messages


@implements("sendMessage")
async def send_message(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Send a text message (HTML parse mode or explicit entities) with an optional keyboard."""
    chat = emu.chat_for(p["chat_id"])
    text = emu.format_text(p["text"], p.get("parse_mode"), p.get("entities"), limit=TEXT_LIMIT)
    markup = check_reply_markup(p.get("reply_markup"))
    reply_to = _reply_to(emu, chat, p)
    emu.admit_send(ctx.method, chat)
    message = emu.post_message(
        chat, emu.bot, "text", {}, from_bot=True, text=text, html=p["text"], markup=markup, reply_to=reply_to
    )
    return dict(message.raw)


async def _send_media(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext, kind: str) -> Any:
    """Send a photo or a document with an optional caption and keyboard."""
    chat = emu.chat_for(p["chat_id"])
    caption = emu.format_text(
        p.get("caption", ""),
        p.get("parse_mode"),
        p.get("caption_entities"),
        limit=CAPTION_LIMIT,
        caption=True,
    )
    markup = check_reply_markup(p.get("reply_markup"))
    reply_to = _reply_to(emu, chat, p)
    emu.admit_send(ctx.method, chat)
    stored = _resolve_file(emu, p[kind], kind)
    if kind == "photo":
        fields: dict[str, Any] = {
            "photo": [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": len(stored.data),
                    "width": stored.width or 1,
                    "height": stored.height or 1,
                }
            ]
        }
    else:
        document: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.file_name:
            document["file_name"] = stored.file_name
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        document["file_size"] = len(stored.data)
        fields = {"document": document}
    if p.get("has_spoiler"):
        fields["has_media_spoiler"] = True
    if p.get("show_caption_above_media"):
        fields["show_caption_above_media"] = True
    message = emu.post_message(
        chat,
        emu.bot,
        kind,
        fields,
        from_bot=True,
        caption=caption,
        caption_html=p.get("caption"),
        markup=markup,
        file=stored,
        reply_to=reply_to,
    )
    return dict(message.raw)


@implements("sendPhoto")
async def send_photo(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Send a photo: an upload, a file_id or a URL."""
    return await _send_media(emu, p, ctx, "photo")


@implements("sendDocument")
async def send_document(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Send a document: an upload, a file_id or a URL."""
    return await _send_media(emu, p, ctx, "document")


def _message_to_edit(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> ChatMessage:
    """Return the bot message an editMessage* call names, after the send checks."""
    if "inline_message_id" in p:
        raise bad_request("emulator: editing inline messages is not implemented")
    if "chat_id" not in p or "message_id" not in p:
        raise bad_request("message identifier is not specified")
    chat = emu.chat_for(p["chat_id"])
    message = emu.message(chat.id, p["message_id"])
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    emu.admit_send(ctx.method, chat)
    return message


@implements("editMessageText")
async def edit_message_text(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Replace a bot message's text; no reply_markup removes the inline keyboard, as on Telegram."""
    message = _message_to_edit(emu, p, ctx)
    text = emu.format_text(p["text"], p.get("parse_mode"), p.get("entities"), limit=TEXT_LIMIT)
    markup = _inline_only(check_reply_markup(p.get("reply_markup")))
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    if (text.text, text.entities, markup) == (message.text, message.entities, _markup_of(message)):
        raise bad_request(_NOT_MODIFIED)
    emu.edit_message(message, text=text, html=p["text"], markup=markup, edit_text=True)
    return dict(message.raw)


@implements("editMessageCaption")
async def edit_message_caption(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Replace a media message's caption (absent caption removes it) and inline keyboard."""
    message = _message_to_edit(emu, p, ctx)
    caption = emu.format_text(
        p.get("caption", ""),
        p.get("parse_mode"),
        p.get("caption_entities"),
        limit=CAPTION_LIMIT,
        caption=True,
    )
    markup = _inline_only(check_reply_markup(p.get("reply_markup")))
    if message.kind not in {"photo", "document"}:
        raise bad_request("there is no caption in the message to edit")
    old = (message.caption or "", message.entities, _markup_of(message))
    if (caption.text, caption.entities, markup) == old:
        raise bad_request(_NOT_MODIFIED)
    emu.edit_message(
        message, caption=caption, caption_html=p.get("caption"), markup=markup, edit_caption=True
    )
    return dict(message.raw)


@implements("editMessageReplyMarkup")
async def edit_message_reply_markup(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Replace (or, without reply_markup, remove) a bot message's inline keyboard."""
    message = _message_to_edit(emu, p, ctx)
    markup = _inline_only(check_reply_markup(p.get("reply_markup")))
    if markup == _markup_of(message):
        raise bad_request(_NOT_MODIFIED)
    emu.edit_message(message, markup=markup)
    return dict(message.raw)


@implements("deleteMessage")
async def delete_message(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Delete a message in a chat."""
    chat = emu.chat_for(p["chat_id"])
    message = emu.message(chat.id, p["message_id"])
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    if not message.from_bot and chat.type != "private" and not emu.bot_is_admin(chat.id):
        raise bad_request("message can't be deleted")
    emu.delete_message(message)
    return True


@implements("sendChatAction")
async def send_chat_action(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Record a chat action ("typing"...) shown in the chat."""
    chat = emu.chat_for(p["chat_id"])
    if p["action"] not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    emu.admit_send(ctx.method, chat)
    emu.chat_actions.setdefault(chat.id, []).append(p["action"])
    return True


@implements("answerCallbackQuery")
async def answer_callback_query(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Record the answer to a button press; a query can be answered once."""
    query = emu.callback_queries.get(p["callback_query_id"])
    if query is None or query.answered:
        raise bad_request(_TOO_OLD)
    if len(p.get("text", "")) > CALLBACK_ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {key: value for key, value in p.items() if key != "callback_query_id"}
    emu.notify()
    return True


# --------------------------------------------------------------------- files


@implements("getFile")
async def get_file(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return the File object whose file_path downloads at /file/bot<token>/<file_path>."""
    stored = emu.files.get(p["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


# --------------------------------------------------------------------- chats


@implements("getChat")
async def get_chat(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return the ChatFullInfo of a known chat."""
    return emu.chat_for(p["chat_id"]).full_info()


@implements("getChatMember")
async def get_chat_member(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return a member's status: "member" for the chat's users, "left" for everybody else."""
    chat = emu.chat_for(p["chat_id"])
    user = emu.users.get(p["user_id"])
    if p["user_id"] == emu.bot.id:
        user = emu.bot
    if user is None:
        raise bad_request("user not found")
    if chat.type == "private":
        member = user.id in {chat.id, emu.bot.id}
    else:
        member = user.id in chat.members or user is emu.bot
    return {"status": "member" if member else "left", "user": user.to_dict()}


# --------------------------------------------------------------------- commands, descriptions, menu


def _scope_key(emu: BotApiEmulator, scope: dict[str, Any] | None) -> tuple[str, int | None, int | None]:
    """Return the storage key of a BotCommandScope."""
    if scope is None:
        return ("default", None, None)
    chat_id = emu.chat_for(scope["chat_id"]).id if "chat_id" in scope else None
    return (scope["type"], chat_id, scope.get("user_id"))


def _language(p: dict[str, Any]) -> str:
    """Return the language_code parameter, checked to be empty or two lowercase letters."""
    language: str = p.get("language_code", "")
    if language and not _LANGUAGE_RE.fullmatch(language):
        raise bad_request("invalid language code specified")
    return language


@implements("setMyCommands")
async def set_my_commands(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Store the command menu for a scope and language."""
    commands: list[dict[str, str]] = p["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not _COMMAND_RE.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"]) <= 256:
            raise bad_request("command description must be 1-256 characters")
    key = (_scope_key(emu, p.get("scope")), _language(p))
    if commands:
        emu.my_commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
    else:
        emu.my_commands.pop(key, None)
    emu.notify()
    return True


@implements("getMyCommands")
async def get_my_commands(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return the commands stored for exactly this scope and language."""
    return emu.my_commands.get((_scope_key(emu, p.get("scope")), _language(p)), [])


@implements("deleteMyCommands")
async def delete_my_commands(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Forget the commands of a scope and language."""
    emu.my_commands.pop((_scope_key(emu, p.get("scope")), _language(p)), None)
    emu.notify()
    return True


def _set_text(store: dict[str, str], p: dict[str, Any], name: str, limit: int) -> bool:
    """Store (or, when empty, forget) a per-language bot text; return True."""
    value: str = p.get(name, "")
    if len(value) > limit:
        raise bad_request(f"{name} is too long")
    language = _language(p)
    if value:
        store[language] = value
    else:
        store.pop(language, None)
    return True


@implements("setMyDescription")
async def set_my_description(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Store the description shown in an empty chat with the bot."""
    return _set_text(emu.settings.descriptions, p, "description", 512)


@implements("getMyDescription")
async def get_my_description(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return the description for a language (falling back to the default one)."""
    store = emu.settings.descriptions
    return {"description": store.get(_language(p), store.get("", ""))}


@implements("setMyShortDescription")
async def set_my_short_description(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Store the short description shown on the bot's profile."""
    return _set_text(emu.settings.short_descriptions, p, "short_description", 120)


@implements("getMyShortDescription")
async def get_my_short_description(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return the short description for a language (falling back to the default one)."""
    store = emu.settings.short_descriptions
    return {"short_description": store.get(_language(p), store.get("", ""))}


@implements("setMyName")
async def set_my_name(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Store the bot's name for a language."""
    return _set_text(emu.settings.names, p, "name", 64)


@implements("getMyName")
async def get_my_name(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return the bot's name for a language (falling back to the default, then the first name)."""
    store = emu.settings.names
    return {"name": store.get(_language(p), store.get("", emu.bot.first_name))}


@implements("setChatMenuButton")
async def set_chat_menu_button(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Store the menu button of a private chat, or the default one without chat_id."""
    chat_id = emu.chat_for(p["chat_id"]).id if "chat_id" in p else None
    button = p.get("menu_button", {"type": "default"})
    if button.get("type") == "web_app" and not allowed_url(str(button.get("web_app", {}).get("url", ""))):
        raise bad_request("BUTTON_URL_INVALID")
    emu.settings.menu_buttons[chat_id] = button
    emu.notify()
    return True


@implements("getChatMenuButton")
async def get_chat_menu_button(emu: BotApiEmulator, p: dict[str, Any], ctx: CallContext) -> Any:
    """Return the menu button of a chat, or the default one."""
    buttons = emu.settings.menu_buttons
    default = buttons.get(None, {"type": "commands"})
    if "chat_id" in p:
        button = buttons.get(emu.chat_for(p["chat_id"]).id, default)
        return default if button == {"type": "default"} else button
    return default
