"""Zalo updates read, and written again as the Bot API updates python-telegram-bot understands.

Plain dictionaries in, plain dictionaries out: the Telegram side turns them into `telegram.Update`.
Zalo ids are strings; the caller maps a chat or an account to its stable integer (storage/zalo.py),
and a message id becomes a number here, by hashing, so the same Zalo message always gets the same
update_id: a message Zalo delivers again is then caught by the processed-updates table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"
VOICE = "message.voice.received"


def number_of_message(message_id: str) -> int:
    """Return the stable positive 63-bit number of a Zalo message id."""
    digest = hashlib.sha256(message_id.encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 1) or 1


@dataclass(frozen=True)
class Incoming:
    """A message someone sent the bot on Zalo."""

    event: str
    message_id: str
    chat_id: str
    group: bool
    user_id: str
    name: str
    date_ms: int
    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    sticker: str | None = None
    voice_url: str | None = None

    @property
    def update_id(self) -> int:
        """Return the update_id the handlers see (the same each time Zalo delivers it)."""
        return number_of_message(self.message_id)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def read(update: object) -> Incoming | None:
    """Return the message of a Zalo update, or None when it carries none we can use."""
    if not isinstance(update, dict) or not isinstance(update.get("event_name"), str):
        return None
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender, chat = message.get("from"), message.get("chat")
    if not isinstance(sender, dict) or not isinstance(chat, dict):
        return None
    ids = (sender.get("id"), chat.get("id"), message.get("message_id"))
    user_id, chat_id, message_id = (str(x) if x else "" for x in ids)
    if not (user_id and chat_id and message_id) or sender.get("is_bot") is True:
        return None
    name = _text(sender.get("display_name")) or _text(sender.get("name")) or _text(sender.get("first_name"))
    date = message.get("date")
    return Incoming(
        event=str(update["event_name"]),
        message_id=message_id,
        chat_id=chat_id,
        group=str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE",
        user_id=user_id,
        name=name or user_id,
        date_ms=date if isinstance(date, int) and date > 0 else 0,
        text=_text(message.get("text")),
        photo_url=_text(message.get("photo_url")) or _text(message.get("photo")),
        caption=_text(message.get("caption")),
        sticker=_text(message.get("sticker")),
        voice_url=_text(message.get("voice_url")),
    )


def _chat(incoming: Incoming, chat: int) -> dict[str, Any]:
    if incoming.group:
        return {"id": chat, "type": "group", "title": "Zalo"}
    return {"id": chat, "type": "private", "first_name": incoming.name}


def _user(incoming: Incoming, user: int) -> dict[str, Any]:
    # Zalo tells no language: the user's choice or the deployment's language is used.
    return {"id": user, "is_bot": False, "first_name": incoming.name}


def message(incoming: Incoming, *, chat: int, user: int, now_s: int) -> dict[str, Any]:
    """Return the Bot API update of a message (text, photo, sticker or something else)."""
    body: dict[str, Any] = {
        "message_id": incoming.update_id,
        # Zalo dates are milliseconds; a missing one is "now".
        "date": incoming.date_ms // 1000 or now_s,
        "chat": _chat(incoming, chat),
        "from": _user(incoming, user),
    }
    if incoming.event == TEXT and incoming.text is not None:
        body["text"] = incoming.text
        if incoming.text.startswith("/"):
            # Zalo marks nothing; Telegram marks a leading command, which CommandHandler needs.
            word = incoming.text.split(maxsplit=1)[0]
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
    elif incoming.event == IMAGE:
        # The picture stays on Zalo's servers: its address stands for Telegram's file id.
        file_id = incoming.photo_url or f"zalo:{incoming.message_id}"
        body["photo"] = [{"file_id": file_id, "file_unique_id": incoming.message_id, "width": 0, "height": 0}]
        if incoming.caption:
            body["caption"] = incoming.caption
    elif incoming.event == STICKER:
        body["sticker"] = {
            "file_id": incoming.sticker or f"zalo:{incoming.message_id}",
            "file_unique_id": incoming.message_id,
            "type": "regular",
            "width": 0,
            "height": 0,
            "is_animated": False,
            "is_video": False,
        }
    elif incoming.event == VOICE:
        # A voice note, as Telegram's: the handlers say they cannot listen (the address is never fetched).
        body["voice"] = {
            "file_id": incoming.voice_url or f"zalo:{incoming.message_id}",
            "file_unique_id": incoming.message_id,
            "duration": 0,
        }
    # Anything else (message.unsupported.received, a file...) stays a message without content: the
    # handlers answer it as they answer what they cannot read.
    return {"update_id": incoming.update_id, "message": body}


def press(
    incoming: Incoming, *, chat: int, user: int, message_id: int, data: str, now_s: int
) -> dict[str, Any]:
    """Return the Bot API update of a button press, made by typing what the button's line shows."""
    return {
        "update_id": incoming.update_id,
        "callback_query": {
            "id": incoming.message_id,
            "from": _user(incoming, user),
            "chat_instance": str(chat),
            "data": data,
            # The message the list was under (its text is not needed by any handler).
            "message": {"message_id": message_id, "date": now_s, "chat": _chat(incoming, chat)},
        },
    }
