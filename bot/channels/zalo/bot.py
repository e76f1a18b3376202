"""Zalo through python-telegram-bot: a Bot whose Bot API calls are answered by Zalo.

Every handler stays as it is. The Zalo application is a second python-telegram-bot Application whose
bot is a ZaloBot: the few Bot API methods chibo calls are translated into Zalo's (bot/channels/zalo/), and
getUpdates long-polls Zalo and hands the Updater Bot API updates, so polling, the update processor
and the handlers run as they do for Telegram.

    sendMessage               the text made plain, its inline keyboard as a numbered list
    editMessageText           sent anew (Zalo cannot change a sent message)
    editMessageReplyMarkup    no buttons: the list stops answering typed numbers; buttons: sent anew
    answerCallbackQuery       a text becomes a short message; nothing to say, nothing is sent
    sendPhoto, sendDocument   a short-lived signed link (CHIBO_PUBLIC_URL), or a note saying why not
    sendChatAction            "typing", the only action Zalo has
    setMyCommands & co        nothing: Zalo has no command menu
    getMe, getUpdates, deleteWebhook   Zalo's own

Anything else is refused with BadRequest, so a handler using a method Zalo lacks shows in the tests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, cast

from telegram import InlineKeyboardMarkup, InputFile
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Defaults, ExtBot

from bot.channels.zalo.api import POLL_TIMEOUT, ZaloError, ZaloNetworkError
from bot.channels.zalo.messenger import Sent, ZaloMessenger
from bot.channels.zalo.updates import number_of_message
from bot.features.access import ZALO
from bot.scheduling.channel import Button, ButtonKind

Method = Callable[["ZaloBot", JSONDict], Awaitable[Any]]


class ZaloBot(ExtBot[None]):
    """A python-telegram-bot bot that talks to Zalo."""

    channel = ZALO

    def __init__(self, messenger: ZaloMessenger, *, defaults: Defaults | None = None) -> None:
        super().__init__(token=messenger.api.token, defaults=defaults)
        self._messenger = messenger

    @property
    def _public_url(self) -> str | None:
        links = self._messenger.links
        return links.public_url if links is not None else None

    @property
    def messenger(self) -> ZaloMessenger:
        """Return the messenger the bot sends and reads through."""
        return self._messenger

    async def external_id(self, user_id: int) -> str:
        """Return the Zalo id behind the integer the handlers see."""
        return await self._messenger.zalo_id_of(user_id)

    async def initialize(self) -> None:
        """Open the Zalo client, then do what a Bot does (getMe)."""
        await self._messenger.api.open()
        await super().initialize()

    async def shutdown(self) -> None:
        """Do what a Bot does, then close the Zalo client."""
        await super().shutdown()
        await self._messenger.api.close()

    async def _do_post(
        self,
        endpoint: str,
        data: JSONDict,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> bool | JSONDict | list[JSONDict]:
        """Answer a Bot API call through Zalo."""
        method = METHODS.get(endpoint)
        if method is None:
            raise BadRequest(f"{endpoint} is not available on Zalo")
        try:
            return cast(bool | JSONDict | list[JSONDict], await method(self, data))
        except ZaloError as error:
            raise telegram_error(error) from error
        except ZaloNetworkError as error:
            raise NetworkError(str(error)) from error

    # ----- the methods ----------------------------------------------------------------------------

    async def _zalo_chat(self, chat_id: object) -> str:
        if isinstance(chat_id, int) or (isinstance(chat_id, str) and chat_id.lstrip("-").isdecimal()):
            return await self._messenger.zalo_id_of(int(chat_id))
        raise BadRequest(f"chat not found: {chat_id!r}")

    @staticmethod
    def _zalo_message(chat_id: object, sent: Sent) -> JSONDict:
        return {
            "message_id": sent.message_id,
            "date": sent.date,
            "chat": {"id": int(str(chat_id)), "type": "private"},
            "text": sent.text or "-",
        }

    async def _zalo_get_me(self, data: JSONDict) -> JSONDict:
        account = await self._messenger.api.get_me()
        name = str(account.get("account_name") or account.get("name") or "zalo_bot")
        # Never a chat the handlers write to: a number outside the table's, from Zalo's id.
        return {
            "id": number_of_message(f"account:{account['id']}"),
            "is_bot": True,
            "first_name": name,
            "username": name,
        }

    async def _zalo_get_updates(self, data: JSONDict) -> list[JSONDict]:
        seconds = _seconds(data.get("timeout"))
        if seconds <= 0:
            # python-telegram-bot calls once more at stop to confirm what it fetched. Zalo has nothing
            # to confirm, and the call would take away an update nobody would then process.
            return []
        update = await self._messenger.api.get_update(seconds)
        if update is None:
            return []
        translated = await self._messenger.translate(update)
        return [translated] if translated is not None else []

    async def _zalo_send_message(self, data: JSONDict) -> JSONDict:
        chat = await self._zalo_chat(data.get("chat_id"))
        sent = await self._messenger.send_text(
            chat,
            str(data.get("text", "")),
            _rows(data.get("reply_markup"), self._public_url),
            html=_html(data),
        )
        return self._zalo_message(data["chat_id"], sent)

    async def _zalo_edit_message_text(self, data: JSONDict) -> JSONDict:
        if "chat_id" not in data:
            raise BadRequest("there are no inline messages on Zalo")
        chat = await self._zalo_chat(data["chat_id"])
        # The old message stays as it was; its list is replaced by the new one's (or removed).
        sent = await self._messenger.send_text(
            chat,
            str(data.get("text", "")),
            _rows(data.get("reply_markup"), self._public_url),
            html=_html(data),
        )
        return self._zalo_message(data["chat_id"], sent)

    async def _zalo_edit_message_reply_markup(self, data: JSONDict) -> JSONDict | bool:
        if "chat_id" not in data:
            raise BadRequest("there are no inline messages on Zalo")
        chat = await self._zalo_chat(data["chat_id"])
        rows = _rows(data.get("reply_markup"), self._public_url)
        if not rows:
            message_id = data.get("message_id")
            await self._messenger.forget_menu(chat, message_id if isinstance(message_id, int) else None)
            return True
        return self._zalo_message(data["chat_id"], await self._messenger.send_text(chat, "", rows))

    async def _zalo_answer_callback_query(self, data: JSONDict) -> bool:
        text = data.get("text")
        chat = self._messenger.chat_of_press(str(data.get("callback_query_id")))
        if text and chat is not None:
            # A toast on Telegram; on Zalo a message, which leaves the list where it is.
            await self._messenger.send_text(chat, str(text), html=False, aside=True)
        return True

    async def _zalo_send_photo(self, data: JSONDict) -> JSONDict:
        chat = await self._zalo_chat(data.get("chat_id"))
        photo = data.get("photo")
        content = photo if isinstance(photo, str) else _bytes(photo)
        caption = data.get("caption")
        sent = await self._messenger.send_photo(
            chat, content, str(caption) if caption else None, html=_html(data)
        )
        return self._zalo_message(data["chat_id"], sent)

    async def _zalo_send_document(self, data: JSONDict) -> JSONDict:
        chat = await self._zalo_chat(data.get("chat_id"))
        document = data.get("document")
        if not isinstance(document, InputFile):
            raise BadRequest("only a file's bytes can be offered on Zalo")
        caption = data.get("caption")
        sent = await self._messenger.send_document(
            chat,
            _bytes(document),
            document.filename,
            document.mimetype,
            str(caption) if caption else None,
            html=_html(data),
        )
        return self._zalo_message(data["chat_id"], sent)

    async def _zalo_send_chat_action(self, data: JSONDict) -> bool:
        await self._messenger.typing(await self._zalo_chat(data.get("chat_id")))
        return True

    async def _zalo_delete_webhook(self, data: JSONDict) -> bool:
        await self._messenger.api.delete_webhook()
        return True

    async def _zalo_nothing(self, data: JSONDict) -> bool:
        return True


METHODS: dict[str, Method] = {
    "getMe": ZaloBot._zalo_get_me,
    "getUpdates": ZaloBot._zalo_get_updates,
    "deleteWebhook": ZaloBot._zalo_delete_webhook,
    "sendMessage": ZaloBot._zalo_send_message,
    "editMessageText": ZaloBot._zalo_edit_message_text,
    "editMessageReplyMarkup": ZaloBot._zalo_edit_message_reply_markup,
    "answerCallbackQuery": ZaloBot._zalo_answer_callback_query,
    "sendPhoto": ZaloBot._zalo_send_photo,
    "sendDocument": ZaloBot._zalo_send_document,
    "sendChatAction": ZaloBot._zalo_send_chat_action,
    # Zalo has no command menu.
    "setMyCommands": ZaloBot._zalo_nothing,
    "deleteMyCommands": ZaloBot._zalo_nothing,
    "setChatMenuButton": ZaloBot._zalo_nothing,
}


def telegram_error(error: ZaloError) -> TelegramError:
    """Return the python-telegram-bot error the handlers and the error handler expect."""
    code, text = error.error_code, error.description
    if code == 401:
        return InvalidToken(f"Zalo refused the token: {text}")
    if code == 403:
        return Forbidden(text)
    if code == 429:
        return RetryAfter(30)
    if code == POLL_TIMEOUT:
        return TimedOut(text)
    if code >= 500:
        return NetworkError(f"Zalo: {code} {text}")
    return BadRequest(text)


def _html(data: JSONDict) -> bool:
    return data.get("parse_mode") == ParseMode.HTML


def _rows(markup: object, public_url: str | None = None) -> list[list[Button]]:
    """Return an inline keyboard's buttons: callback ones, links, and web app pages (by their path)."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return []
    found = []
    for row in markup.inline_keyboard:
        buttons = []
        for b in row:
            if b.callback_data is not None:
                buttons.append(Button(b.text, str(b.callback_data)))
            elif b.url is not None:
                buttons.append(Button(b.text, b.url, ButtonKind.URL))
            elif b.web_app is not None:
                url = b.web_app.url
                if public_url and url.startswith(public_url + "/"):
                    buttons.append(Button(b.text, url[len(public_url) :], ButtonKind.WEB_APP))
                else:
                    buttons.append(Button(b.text, url, ButtonKind.URL))
        if buttons:
            found.append(buttons)
    return found


def _bytes(file: object) -> bytes:
    if not isinstance(file, InputFile):
        raise BadRequest("expected a file's bytes")
    content = file.input_file_content
    return content if isinstance(content, bytes) else content.read()


def _seconds(value: object) -> int:
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, int | float):
        return int(value)
    return 0
