"""Handles tests use to act as a Telegram user (send, press, upload) and to read what the bot answered."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bot.devtools.telegram_emulator.entities import Parsed, detect_bot_commands
from bot.devtools.telegram_emulator.media import guess_mime, image_size
from bot.devtools.telegram_emulator.models import CallbackQueryRecord, Chat, ChatMessage, Marker, User
from bot.devtools.telegram_emulator.webapps import allowed_url, init_data, launch_url

if TYPE_CHECKING:
    from bot.devtools.telegram_emulator.core import BotApiEmulator

__all__ = ["GroupHandle", "UserHandle"]


class GroupHandle:
    """A group or supergroup the bot is in; pass it as chat= to a user's actions."""

    def __init__(self, emulator: BotApiEmulator, chat: Chat) -> None:
        """Wrap a group chat of emulator."""
        self.emulator = emulator
        self.chat = chat

    @property
    def id(self) -> int:
        """Return the chat id."""
        return self.chat.id

    @property
    def title(self) -> str:
        """Return the group's title."""
        return self.chat.title or ""

    def messages(self, *, include_deleted: bool = False) -> list[ChatMessage]:
        """Return the group's messages in both directions, in order."""
        return self.emulator.messages(self.chat.id, include_deleted=include_deleted)

    def bot_messages(self) -> list[ChatMessage]:
        """Return the messages the bot sent to the group, in order."""
        return [m for m in self.messages() if m.from_bot]

    def bot_messages_since(self, since: int | Marker) -> list[ChatMessage]:
        """Return bot messages sent or changed after an update id or a marker, in the order they changed."""
        return [m for m in self.emulator.changed_since(self.chat.id, since) if m.from_bot and not m.deleted]

    def __repr__(self) -> str:
        """Show the group for test failure messages."""
        return f"GroupHandle({self.chat.id}, {self.chat.title!r})"


class UserHandle:
    """A user the tests play: every action queues the update Telegram would send the bot."""

    def __init__(self, emulator: BotApiEmulator, user: User) -> None:
        """Wrap a user of emulator."""
        self.emulator = emulator
        self.user = user

    @property
    def id(self) -> int:
        """Return the user id (also the id of their private chat with the bot)."""
        return self.user.id

    @property
    def chat_id(self) -> int:
        """Return the id of the user's private chat with the bot."""
        return self.user.id

    def _chat(self, chat: GroupHandle | int | None) -> Chat:
        """Return the chat an action happens in: the private chat unless a group is given."""
        if chat is None:
            return self.emulator.chats[self.user.id]
        chat_id = chat.id if isinstance(chat, GroupHandle) else chat
        return self.emulator.chats[chat_id]

    # ----------------------------------------------------------------- acting

    def menu_button(self) -> dict[str, Any]:
        """Return the menu button of the user's chat with the bot, as getChatMenuButton would."""
        buttons = self.emulator.settings.menu_buttons
        default = buttons.get(None, {"type": "commands"})
        button = buttons.get(self.chat_id, default)
        return default if button.get("type") == "default" else button

    def open_web_app(self, url: str, *, auth_date: int | None = None) -> str:
        """Return the address a Mini App opens at when this user presses a web_app button to url.

        The initData is signed with the bot's token as Telegram signs it (webapps.py); auth_date is
        now unless given (a test of an old one).
        """
        if not allowed_url(url):
            raise LookupError(f"Telegram opens no Mini App at {url!r} (HTTPS, or http on loopback here)")
        when = int(time.time()) if auth_date is None else auth_date
        return launch_url(url, init_data(self.user, self.emulator.token, when))

    def web_app_buttons(self) -> list[tuple[str, str]]:
        """Return the (label, url) of every web_app button in the user's chat, oldest first."""
        return [
            (b.text, b.value)
            for m in self.emulator.messages(self.chat_id)
            if m.from_bot
            for row in m.buttons
            for b in row
            if b.kind == "web_app" and b.value
        ]

    async def send(
        self, text: str, *, chat: GroupHandle | int | None = None, reply_to: int | None = None
    ) -> int:
        """Send a text message (commands get bot_command entities); return the update_id."""
        target = self._chat(chat)
        replied = self._replied(target, reply_to)
        return self.emulator.user_message(self.user, target, "text", {}, text=text, reply_to=replied)

    async def edit(self, message_id: int, text: str, *, chat: GroupHandle | int | None = None) -> int:
        """Edit one of the user's text messages; queue an edited_message update and return its id."""
        target = self._chat(chat)
        message = self.emulator.message(target.id, message_id)
        if message is None or message.from_bot or message.sender_id != self.user.id or message.kind != "text":
            raise LookupError(f"{self.user.first_name} has no text message {message_id} in chat {target.id}")
        self.emulator.edit_message(
            message, text=Parsed(text, detect_bot_commands(text)), markup=None, edit_text=True
        )
        return self.emulator.add_update("edited_message", dict(message.raw))

    async def press(self, label: str, *, chat: GroupHandle | int | None = None) -> int:
        """Press the button labelled label on the newest bot message having it; return the update_id.

        An inline button sends a callback query; failing that, a button of the reply keyboard the bot
        left showing sends its label as a text message, as the Telegram apps do.
        """
        target = self._chat(chat)
        for message in reversed(self.emulator.messages(target.id)):
            if not message.from_bot:
                continue
            for row in message.raw.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == label and "callback_data" in button:
                        return await self.press_data(message.message_id, button["callback_data"], chat=chat)
        keyboard = self.emulator.reply_keyboard(target.id) or []
        if any(label in row for row in keyboard):
            return await self.send(label, chat=chat)
        labels = [
            b.text for m in self.emulator.messages(target.id) if m.from_bot for row in m.buttons for b in row
        ]
        raise LookupError(f"no callback button {label!r} in chat {target.id}; buttons there: {labels}")

    async def press_data(
        self, message_id: int, data: str, *, chat: GroupHandle | int | None = None, strict: bool = True
    ) -> int:
        """Send a callback query for message_id with data; strict=False allows data no button carries."""
        target = self._chat(chat)
        message = self.emulator.message(target.id, message_id)
        if message is None or message.deleted:
            raise LookupError(f"no message {message_id} in chat {target.id}")
        if strict and not any(
            b.value == data and b.kind == "callback_data" for row in message.buttons for b in row
        ):
            raise LookupError(f"message {message_id} has no button with callback_data {data!r}")
        query_id = self.emulator.new_callback_id()
        payload: dict[str, Any] = {
            "id": query_id,
            "from": self.user.to_dict(),
            "message": dict(message.raw),
            "chat_instance": str(abs(hash((target.id, self.emulator.bot.id))) % 10**18),
            "data": data,
        }
        update_id = self.emulator.add_update("callback_query", payload)
        self.emulator.callback_queries[query_id] = CallbackQueryRecord(
            query_id, update_id, self.user.id, target.id, message_id, data
        )
        return update_id

    async def send_photo(
        self,
        data: bytes,
        *,
        caption: str | None = None,
        chat: GroupHandle | int | None = None,
    ) -> int:
        """Send a photo (its size read from PNG/JPEG/GIF headers); return the update_id."""
        width, height = image_size(data) or (1, 1)
        stored = self.emulator.store_file("photo", data, mime_type="image/jpeg", width=width, height=height)
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
            "width": width,
            "height": height,
        }
        return self.emulator.user_message(
            self.user, self._chat(chat), "photo", {"photo": [size]}, caption=caption, file=stored
        )

    async def send_document(
        self,
        data: bytes,
        file_name: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat: GroupHandle | int | None = None,
    ) -> int:
        """Send a file as a document; return the update_id."""
        mime = guess_mime(file_name, mime_type)
        stored = self.emulator.store_file("document", data, file_name=file_name, mime_type=mime)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime,
            "file_size": len(data),
        }
        return self.emulator.user_message(
            self.user, self._chat(chat), "document", {"document": document}, caption=caption, file=stored
        )

    async def send_sticker(self, *, emoji: str = "👍", chat: GroupHandle | int | None = None) -> int:
        """Send a sticker (something a form does not expect); return the update_id."""
        stored = self.emulator.store_file("sticker", b"RIFF\x00\x00\x00\x00WEBP", mime_type="image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self.emulator.user_message(
            self.user, self._chat(chat), "sticker", {"sticker": sticker}, file=stored
        )

    async def send_raw(self, fields: dict[str, Any], *, chat: GroupHandle | int | None = None) -> int:
        """Send a message with any extra Message fields (contact, location...); return the update_id."""
        text = fields.get("text")
        extra = {k: v for k, v in fields.items() if k != "text"}
        return self.emulator.user_message(
            self.user, self._chat(chat), "text" if text else "other", extra, text=text
        )

    def block(self) -> None:
        """Block the bot: from now on every send to this user fails with 403."""
        self.emulator.block(self.user.id)

    def unblock(self) -> None:
        """Unblock the bot."""
        self.emulator.unblock(self.user.id)

    # ----------------------------------------------------------------- reading

    def messages(
        self, *, chat: GroupHandle | int | None = None, include_deleted: bool = False
    ) -> list[ChatMessage]:
        """Return the chat's messages in both directions, in order (private chat by default)."""
        return self.emulator.messages(self._chat(chat).id, include_deleted=include_deleted)

    def bot_messages(self, *, chat: GroupHandle | int | None = None) -> list[ChatMessage]:
        """Return the messages the bot sent to the chat, in order."""
        return [m for m in self.messages(chat=chat) if m.from_bot]

    def last_bot_message(self, *, chat: GroupHandle | int | None = None) -> ChatMessage | None:
        """Return the bot's newest message in the chat, if any."""
        messages = self.bot_messages(chat=chat)
        return messages[-1] if messages else None

    def bot_messages_since(
        self, since: int | Marker, *, chat: GroupHandle | int | None = None
    ) -> list[ChatMessage]:
        """Return bot messages sent or changed (edited) after an update id or a marker, in change order."""
        changed = self.emulator.changed_since(self._chat(chat).id, since)
        return [m for m in changed if m.from_bot and not m.deleted]

    async def wait_bot_messages(
        self,
        since: int | Marker,
        count: int = 1,
        *,
        within: float = 5.0,
        chat: GroupHandle | int | None = None,
    ) -> list[ChatMessage]:
        """Wait until the bot has sent or changed count messages since update id or marker; return them."""

        def enough() -> list[ChatMessage]:
            found = self.bot_messages_since(since, chat=chat)
            return found if len(found) >= count else []

        return await self.emulator.wait_for(
            enough, within, f"{count} bot message(s) to {self.user.first_name} since {since}"
        )

    def reply_keyboard(self, *, chat: GroupHandle | int | None = None) -> list[list[str]] | None:
        """Return the reply keyboard the bot left showing in the chat, if any."""
        return self.emulator.reply_keyboard(self._chat(chat).id)

    def marker(self) -> Marker:
        """Return a marker for "now" (same as the emulator's)."""
        return self.emulator.marker()

    def _replied(self, chat: Chat, reply_to: int | None) -> ChatMessage | None:
        """Return the message a reply quotes, checking it exists."""
        if reply_to is None:
            return None
        message = self.emulator.message(chat.id, reply_to)
        if message is None:
            raise LookupError(f"no message {reply_to} in chat {chat.id}")
        return message

    def __repr__(self) -> str:
        """Show the user for test failure messages."""
        return f"UserHandle({self.user.id}, {self.user.first_name!r})"
