"""Plain records the emulator keeps: users, chats, messages, files, calls, errors, counters, chaos knobs."""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "Button",
    "CallRecord",
    "CallbackQueryRecord",
    "Chat",
    "ChatMessage",
    "Counters",
    "ErrorRecord",
    "Faults",
    "FloodControl",
    "Marker",
    "StoredFile",
    "UpdateRecord",
    "User",
]

# Methods that send or change messages: the ones Telegram's flood limits count, and the ones the
# default fault injection hits (getUpdates is spared so polling does not back off for seconds).
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendSticker",
        "sendInvoice",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)


@dataclass(slots=True)
class User:
    """A Telegram user the emulator plays; their private chat with the bot has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the Bot API User object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(slots=True)
class Chat:
    """A chat the bot can talk in: a user's private chat, or a group or supergroup."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: User | None = None
    members: set[int] = field(default_factory=set)
    next_message_id: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Return the Bot API Chat object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name is not None:
                data["last_name"] = self.user.last_name
            if self.user.username is not None:
                data["username"] = self.user.username
        if self.title is not None:
            data["title"] = self.title
        if self.username is not None and self.user is None:
            data["username"] = self.username
        return data

    def full_info(self) -> dict[str, Any]:
        """Return the Bot API ChatFullInfo object getChat answers with."""
        return {
            **self.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }


class Button(NamedTuple):
    """An inline keyboard button: its label, its callback_data (or url, or web app's url, or None for
    other kinds) and its kind ("callback_data", "url", "web_app" or another field's name)."""

    text: str
    value: str | None
    kind: str = "callback_data"


@dataclass(frozen=True, slots=True)
class Marker:
    """A point in the emulator's history; messages created or changed after it are "since" it."""

    seq: int


@dataclass(slots=True)
class StoredFile:
    """A file the bot sent or a user uploaded, downloadable through getFile."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo", "document" or "sticker"
    data: bytes = field(repr=False)
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    source_url: str | None = None


@dataclass(slots=True)
class ChatMessage:
    """One message in a chat, in either direction, as the tests and the sandbox see it.

    `seq` moves on every change (sent, edited, deleted), so "since a marker" finds edits too.
    """

    seq: int
    chat_id: int
    message_id: int
    from_bot: bool
    sender_id: int
    date: int
    kind: str  # "text", "photo", "document", "sticker" or "other"
    raw: dict[str, Any] = field(repr=False)
    text: str | None = None
    html: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_html: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    file: StoredFile | None = None
    reply_to_message_id: int | None = None
    edit_count: int = 0
    deleted: bool = False
    update_id: int | None = None

    @property
    def edited(self) -> bool:
        """Tell whether the message was edited at least once."""
        return self.edit_count > 0

    @property
    def photo(self) -> bytes | None:
        """Return the photo's bytes when this is a photo message."""
        return self.file.data if self.file is not None and self.kind == "photo" else None

    @property
    def document(self) -> bytes | None:
        """Return the document's bytes when this is a document message."""
        return self.file.data if self.file is not None and self.kind == "document" else None

    @property
    def button_labels(self) -> list[str]:
        """Return every inline button label, row by row."""
        return [button.text for row in self.buttons for button in row]

    def to_json(self) -> dict[str, Any]:
        """Return the JSON the control API serves for this message."""
        data: dict[str, Any] = {
            "seq": self.seq,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "sender_id": self.sender_id,
            "date": self.date,
            "kind": self.kind,
            "text": self.text,
            "html": self.html,
            "entities": self.entities,
            "caption": self.caption,
            "caption_html": self.caption_html,
            "buttons": [[list(b) for b in row] for row in self.buttons],
            "reply_keyboard": self.reply_keyboard,
            "reply_to_message_id": self.reply_to_message_id,
            "edited": self.edited,
            "deleted": self.deleted,
            "update_id": self.update_id,
        }
        if self.file is not None:
            data["file"] = {
                "file_id": self.file.file_id,
                "file_name": self.file.file_name,
                "mime_type": self.file.mime_type,
                "size": len(self.file.data),
                "url": f"/_emu/files/{self.file.file_id}",
            }
        return data


@dataclass(slots=True)
class UpdateRecord:
    """What became of one update: created, fetched by the bot (how often), confirmed."""

    update_id: int
    kind: str
    seq: int
    update: dict[str, Any] = field(repr=False)
    fetch_count: int = 0
    confirmed: bool = False
    dropped: str | None = None  # why the bot never gets it: allowed_updates, privacy mode, drop_pending

    @property
    def fetched(self) -> bool:
        """Tell whether the bot has received the update at least once."""
        return self.fetch_count > 0


@dataclass(slots=True)
class CallbackQueryRecord:
    """A button press and how the bot answered it (answer is None while unanswered)."""

    id: str
    update_id: int
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: dict[str, Any] | None = None

    @property
    def answered(self) -> bool:
        """Tell whether the bot called answerCallbackQuery for this press."""
        return self.answer is not None


@dataclass(slots=True)
class CallRecord:
    """One Bot API call as received: method, parameters after checking, HTTP status, description."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class ErrorRecord:
    """A call the emulator rejected because the bot did something wrong."""

    method: str
    params: dict[str, Any]
    description: str
    status: int = 400


@dataclass(slots=True)
class Counters:
    """Numbers tests and benchmarks read: deliveries per chat, 429s, 403s, faults, duplicates."""

    delivered: dict[int, int] = field(default_factory=dict)  # bot messages sent, per chat id
    calls: dict[str, int] = field(default_factory=dict)  # per method
    rate_limited: int = 0  # 429 answers
    forbidden: int = 0  # 403 answers to blocked users
    faults: int = 0  # injected 502s and dropped connections
    duplicates: int = 0  # bot messages identical to the bot's previous message in the same chat
    conflicts: int = 0  # 409 answers to getUpdates
    updates_created: int = 0
    updates_fetched: int = 0
    updates_redelivered: int = 0  # an update handed to the bot again (after a lost response)
    webhook_deliveries: int = 0
    webhook_failures: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the counters as JSON-friendly data."""
        return {
            "delivered": {str(k): v for k, v in self.delivered.items()},
            "calls": dict(self.calls),
            "rate_limited": self.rate_limited,
            "forbidden": self.forbidden,
            "faults": self.faults,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "updates_created": self.updates_created,
            "updates_fetched": self.updates_fetched,
            "updates_redelivered": self.updates_redelivered,
            "webhook_deliveries": self.webhook_deliveries,
            "webhook_failures": self.webhook_failures,
        }


@dataclass(slots=True)
class FloodControl:
    """Telegram's flood limits for sending methods; a call past a limit gets 429 with retry_after.

    per_second counts all sending calls (Telegram: about 30 a second); per_chat_per_second (about 1)
    and per_group_per_minute (20) are off unless set. retry_after fixes the advertised wait, otherwise
    it is the whole seconds until the window frees up.
    """

    per_second: int = 30
    per_chat_per_second: int | None = None
    per_group_per_minute: int | None = None
    retry_after: int | None = None
    _overall: deque[float] = field(default_factory=deque, repr=False)
    _per_chat: dict[int, deque[float]] = field(default_factory=dict, repr=False)

    def admit(self, chat_id: int | None, is_group: bool, now: float) -> int | None:
        """Count one sending call at now; return None when allowed, else the retry_after seconds."""
        windows: list[tuple[deque[float], int, float]] = [(self._overall, self.per_second, 1.0)]
        if chat_id is not None:
            chat_window = self._per_chat.setdefault(chat_id, deque())
            if is_group and self.per_group_per_minute is not None:
                windows.append((chat_window, self.per_group_per_minute, 60.0))
            elif not is_group and self.per_chat_per_second is not None:
                windows.append((chat_window, self.per_chat_per_second, 1.0))
        wait = 0.0
        for window, limit, span in windows:
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                wait = max(wait, window[0] + span - now)
        if wait > 0:
            return self.retry_after if self.retry_after is not None else max(1, int(wait + 0.999))
        for window, _limit, _span in windows:
            window.append(now)
        return None


@dataclass(slots=True)
class Faults:
    """Random failures: "502" answers Bad Gateway, "drop" closes the connection before the call runs,
    "drop_after" runs the call and then closes the connection (the bot never learns it succeeded).

    methods limits which methods fail; None means the sending methods (getUpdates is spared).
    """

    rate: float = 0.1
    kinds: tuple[str, ...] = ("502", "drop")
    seed: int | None = None
    methods: frozenset[str] | None = None
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Check the kinds and seed the random source."""
        unknown = set(self.kinds) - {"502", "drop", "drop_after"}
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        # Seeded so a failing chaos run can be replayed; this is chaos, not cryptography.
        self._random = random.Random(self.seed)

    def pick(self, method: str) -> str | None:
        """Return the fault to inject into this call, or None."""
        targets = self.methods if self.methods is not None else SENDING_METHODS
        if method not in targets or not self.kinds:
            return None
        if self._random.random() >= self.rate:
            return None
        return self._random.choice(self.kinds)
