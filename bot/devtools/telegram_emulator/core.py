"""The emulator's state and its Python API: the bot, users, chats, messages, updates, waiting, chaos."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from bot.devtools.telegram_emulator.entities import (
    EntityError,
    Parsed,
    detect_bot_commands,
    parse_html,
    trim,
    utf16_len,
)
from bot.devtools.telegram_emulator.methods import IMPLEMENTED
from bot.devtools.telegram_emulator.models import (
    SENDING_METHODS,
    Button,
    CallbackQueryRecord,
    CallRecord,
    Chat,
    ChatMessage,
    Counters,
    ErrorRecord,
    Faults,
    FloodControl,
    Marker,
    StoredFile,
    UpdateRecord,
    User,
)
from bot.devtools.telegram_emulator.server import build_app
from bot.devtools.telegram_emulator.spec import ApiSpec, load_spec
from bot.devtools.telegram_emulator.users import GroupHandle, UserHandle
from bot.devtools.telegram_emulator.validation import (
    ApiError,
    Upload,
    bad_request,
    check_params,
    check_result,
)

__all__ = ["BotApiEmulator", "CallContext", "Outcome"]

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

# Update kinds Telegram leaves out unless asked for explicitly in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_WEBHOOK_BACKOFF = (0.05, 1.0)  # first retry delay and ceiling, seconds: short, tests are waiting


@dataclass(slots=True)
class CallContext:
    """What a method implementation may know about the HTTP request behind the call."""

    method: str
    alive: Callable[[], bool] = lambda: True


@dataclass(slots=True)
class Outcome:
    """What the HTTP layer answers: a status and JSON body, or nothing at all (a dropped connection)."""

    status: int
    payload: dict[str, Any]
    drop: bool = False


@dataclass(slots=True)
class WebhookState:
    """The webhook setWebhook configured, and how delivery to it is going."""

    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None

    def info(self, pending: int, allowed: list[str] | None) -> dict[str, Any]:
        """Return the Bot API WebhookInfo object."""
        data: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if self.url:
            data["max_connections"] = self.max_connections
            if self.ip_address:
                data["ip_address"] = self.ip_address
            if allowed is not None:
                data["allowed_updates"] = allowed
        if self.last_error_date is not None and self.last_error_message is not None:
            data["last_error_date"] = self.last_error_date
            data["last_error_message"] = self.last_error_message
        return data


MethodImpl = Callable[["BotApiEmulator", dict[str, Any], CallContext], Awaitable[Any]]


@dataclass(slots=True)
class _Poll:
    """The getUpdates request currently waiting, so a second one can terminate it."""

    generation: int
    alive: Callable[[], bool]


@dataclass(slots=True)
class _Settings:
    """Bot-level settings the bot stores through the API (descriptions, names, menu buttons)."""

    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    menu_buttons: dict[int | None, dict[str, Any]] = field(default_factory=dict)


class BotApiEmulator:
    """A local Telegram Bot API server with users the tests play; see the package docstring."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        bot_username: str = "chibo_test_bot",
        bot_first_name: str = "Chibo",
        bot_id: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        flood: FloodControl | None = None,
        faults: Faults | None = None,
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
        supports_inline_queries: bool = False,
        check_results: bool = True,
    ) -> None:
        """Configure the emulator; nothing listens until start()."""
        prefix = token.split(":", 1)[0]
        self.token = token
        self.bot = User(
            id=bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 1),
            first_name=bot_first_name,
            username=bot_username,
            is_bot=True,
        )
        self.can_join_groups = can_join_groups
        self.can_read_all_group_messages = can_read_all_group_messages
        self.supports_inline_queries = supports_inline_queries
        self.host = host
        self.port = port
        self.flood = flood
        self.faults = faults
        self.check_results = check_results
        self.spec: ApiSpec = load_spec()

        self.calls: list[CallRecord] = []
        self.errors: list[ErrorRecord] = []
        self.counters = Counters()
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.updates: dict[int, UpdateRecord] = {}
        self.blocked: set[int] = set()
        self.chat_actions: dict[int, list[str]] = {}
        self.my_commands: dict[tuple[tuple[str, int | None, int | None], str], list[dict[str, str]]] = {}
        self.settings = _Settings()
        self.webhook = WebhookState()
        self.allowed_updates: list[str] | None = None

        self._messages: dict[int, list[ChatMessage]] = {}
        # Indexes, so benchmarks with thousands of messages do not scan lists on every edit or download.
        self._by_id: dict[tuple[int, int], ChatMessage] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._admins: dict[int, bool] = {}  # per group: admins see every message despite privacy mode
        self._keyboards: dict[int, list[list[str]]] = {}  # the reply keyboard showing in each chat
        self._pending: list[UpdateRecord] = []
        self._seq = 0
        self._next_update_id = 1
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._poll: _Poll | None = None
        self._poll_generation = 0
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self.stopping = False
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> BotApiEmulator:
        """Start listening on host:port (port 0 picks a free one) and return self."""
        runner = web.AppRunner(build_app(self), handler_cancellation=True, access_log=None)
        await runner.setup()
        # Bind the socket ourselves so port 0 resolves to a port we can report.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self.stopping = False
        return self

    async def stop(self) -> None:
        """Stop the server and webhook delivery; the recorded state stays readable."""
        self.stopping = True
        self.webhook.url = ""
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._poll_generation += 1
        self.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        """Start the emulator for an `async with` block."""
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the emulator at the end of an `async with` block."""
        await self.stop()

    @property
    def url(self) -> str:
        """Return the server's root URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Return the value for ApplicationBuilder().base_url (the token is appended by the library)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the value for ApplicationBuilder().base_file_url."""
        return f"{self.url}/file/bot"

    # ----------------------------------------------------------------- people and chats

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> UserHandle:
        """Create (or update) a user and their private chat with the bot; return a handle to act as them."""
        user = self.users.get(user_id)
        if user is None:
            user = User(user_id, first_name, last_name, username, language_code)
            self.users[user_id] = user
        else:
            user.first_name, user.last_name = first_name, last_name
            user.username, user.language_code = username, language_code
        if user_id not in self.chats:
            self.chats[user_id] = Chat(id=user_id, type="private", user=user)
            self._messages[user_id] = []
        return UserHandle(self, user)

    def handle(self, user_id: int) -> UserHandle:
        """Return the handle of a user created earlier."""
        return UserHandle(self, self.users[user_id])

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        type: str = "group",
        username: str | None = None,
        bot_is_admin: bool = False,
    ) -> GroupHandle:
        """Create (or retitle) a group or supergroup the bot is in; return a handle for it."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if type not in {"group", "supergroup"}:
            raise ValueError('type is "group" or "supergroup"')
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = Chat(id=chat_id, type=type, title=title, username=username)
            self.chats[chat_id] = chat
            self._messages[chat_id] = []
        else:
            chat.title, chat.type, chat.username = title, type, username
        self._admins[chat_id] = bot_is_admin
        return GroupHandle(self, chat)

    def group_handle(self, chat_id: int) -> GroupHandle:
        """Return the handle of a group created earlier."""
        return GroupHandle(self, self.chats[chat_id])

    def bot_is_admin(self, chat_id: int) -> bool:
        """Tell whether the bot is an admin of a group (admins see every message)."""
        return self._admins.get(chat_id, False)

    def block(self, user_id: int) -> None:
        """Make every send to this user's chat fail with 403, as when they block the bot."""
        self.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        """Undo block()."""
        self.blocked.discard(user_id)

    # ----------------------------------------------------------------- reading the state

    def marker(self) -> Marker:
        """Return a marker for "now", to ask for what happens after it."""
        return Marker(self._seq)

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[ChatMessage]:
        """Return a chat's messages in both directions, in the chat's order."""
        return [m for m in self._messages.get(chat_id, []) if include_deleted or not m.deleted]

    def changed_since(self, chat_id: int, since: int | Marker) -> list[ChatMessage]:
        """Return a chat's messages created, edited or deleted after an update id or a marker."""
        seq = self.seq_of(since)
        return sorted((m for m in self._messages.get(chat_id, []) if m.seq > seq), key=lambda m: m.seq)

    def seq_of(self, since: int | Marker) -> int:
        """Turn an update id or a marker into a point in history."""
        if isinstance(since, Marker):
            return since.seq
        record = self.updates.get(since)
        if record is None:
            raise KeyError(f"no update {since}")
        return record.seq

    def message(self, chat_id: int, message_id: int) -> ChatMessage | None:
        """Return one message of a chat by id, deleted or not."""
        return self._by_id.get((chat_id, message_id))

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[dict[str, str]]:
        """Return what setMyCommands stored for exactly this scope and language ([] when nothing)."""
        return list(self.my_commands.get(((scope_type, chat_id, user_id), language_code), []))

    def visible_commands(self, user_id: int, chat_id: int | None = None) -> list[dict[str, str]]:
        """Return the menu a user sees in a chat, resolving scopes and languages as Telegram does."""
        chat_id = user_id if chat_id is None else chat_id
        chat = self.chats.get(chat_id)
        user = self.users.get(user_id)
        language = (user.language_code or "") if user else ""
        if chat is None or chat.type == "private":
            scopes: list[tuple[str, int | None, int | None]] = [
                ("chat", chat_id, None),
                ("all_private_chats", None, None),
                ("default", None, None),
            ]
        else:
            scopes = [
                ("chat_member", chat_id, user_id),
                ("chat", chat_id, None),
                ("all_group_chats", None, None),
                ("default", None, None),
            ]
        for scope in scopes:
            for lang in dict.fromkeys((language, "")):
                commands = self.my_commands.get((scope, lang))
                if commands:
                    return list(commands)
        return []

    def unanswered_callbacks(self) -> list[CallbackQueryRecord]:
        """Return the button presses the bot never answered with answerCallbackQuery."""
        return [q for q in self.callback_queries.values() if not q.answered]

    @property
    def pending_updates(self) -> list[UpdateRecord]:
        """Return updates not yet confirmed by the bot, oldest first."""
        return list(self._pending)

    # ----------------------------------------------------------------- waiting

    def notify(self) -> None:
        """Wake everything waiting for a change (long polls, tests, the sandbox)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, limit: float | None) -> None:
        """Wait until the next change, or at most limit seconds (None: no limit)."""
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), limit)

    async def wait_for(self, predicate: Callable[[], T], within: float = 5.0, what: str = "a condition") -> T:
        """Wait until predicate() returns something truthy and return it, or raise TimeoutError."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"emulator: waited {within:g}s for {what} in vain")
            await self.wait_change(remaining)

    async def wait_fetched(self, update_id: int, within: float = 5.0) -> UpdateRecord:
        """Wait until the bot has received the update (getUpdates answered or webhook took it)."""
        record = self.updates[update_id]
        if record.dropped:
            raise ValueError(f"update {update_id} is never delivered: {record.dropped}")
        await self.wait_for(lambda: record.fetched, within, f"the bot to fetch update {update_id}")
        return record

    async def settle(self, quiet: float = 0.05, within: float = 5.0) -> None:
        """Wait until every update was fetched and the bot made no call for `quiet` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            idle = time.monotonic() - self._last_activity
            unfetched = [r.update_id for r in self._pending if not r.fetched]
            if not unfetched and self._in_flight == 0 and idle >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(
                    f"emulator: not settled after {within:g}s (unfetched updates {unfetched}, "
                    f"{self._in_flight} calls in flight)"
                )
            await asyncio.sleep(max(quiet - idle, 0.01) if not unfetched else 0.01)

    # ----------------------------------------------------------------- updates

    def next_seq(self) -> int:
        """Advance the history clock and return the new point."""
        self._seq += 1
        return self._seq

    def add_update(self, kind: str, payload: dict[str, Any], *, dropped: str | None = None) -> int:
        """Queue an update of kind (e.g. "message") for the bot; return its update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, kind: payload}
        record = UpdateRecord(update_id, kind, self.next_seq(), update)
        self.updates[update_id] = record
        self.counters.updates_created += 1
        allowed = self.allowed_updates
        if dropped is None and (kind not in allowed if allowed else kind in _OPT_IN_UPDATES):
            dropped = "not in allowed_updates"
        if dropped is not None:
            record.dropped = dropped
        else:
            self._pending.append(record)
        self.notify()
        self._kick_webhook()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Hand an update the bot already received to it again, as Telegram does after a lost answer
        (a webhook retry, or a restart before the offset was confirmed)."""
        record = self.updates[update_id]
        if record.dropped is not None:
            raise ValueError(f"update {update_id} is never delivered: {record.dropped}")
        record.confirmed = False
        # Telegram keeps updates in id order; the redelivered one goes back in its place.
        self._pending = sorted([*self._pending, record], key=lambda r: r.update_id)
        self.notify()
        self._kick_webhook()

    def confirm_below(self, offset: int) -> None:
        """Forget updates with an id below offset, as getUpdates does when given an offset."""
        while self._pending and self._pending[0].update_id < offset:
            self._pending.pop(0).confirmed = True

    def keep_last(self, count: int) -> None:
        """Forget all but the last count updates, as a negative getUpdates offset does."""
        for record in self._pending[: max(len(self._pending) - count, 0)]:
            record.confirmed = True
        self._pending = self._pending[len(self._pending) - count :] if count else []

    def drop_pending(self) -> None:
        """Drop every pending update (drop_pending_updates)."""
        for record in self._pending:
            record.dropped = "drop_pending_updates"
        self._pending.clear()

    def mark_fetched(self, records: list[UpdateRecord]) -> None:
        """Count updates as handed to the bot."""
        for record in records:
            if record.fetch_count:
                self.counters.updates_redelivered += 1
            record.fetch_count += 1
            self.counters.updates_fetched += 1
        if records:
            self.notify()

    def begin_poll(self, alive: Callable[[], bool]) -> _Poll:
        """Register a getUpdates request, terminating the one already waiting (as Telegram does)."""
        self._poll_generation += 1
        self._poll = _Poll(self._poll_generation, alive)
        self.notify()
        return self._poll

    def poll_terminated(self, poll: _Poll) -> bool:
        """Tell whether a newer getUpdates request (or stop()) has replaced poll."""
        return poll.generation != self._poll_generation

    # ----------------------------------------------------------------- webhook

    def set_webhook(self, url: str, **settings: Any) -> None:
        """Switch to webhook delivery (or back to getUpdates when url is empty)."""
        self.webhook = WebhookState(url=url, **settings)
        if url:
            # A waiting getUpdates ends: Telegram answers it with a conflict once a webhook is set.
            self._poll_generation += 1
        self.notify()
        self._kick_webhook()

    def _kick_webhook(self) -> None:
        """Start the delivery task when a webhook is set and it is not running."""
        if not self.webhook.url or (self._webhook_task is not None and not self._webhook_task.done()):
            return
        with contextlib.suppress(RuntimeError):  # no running loop: updates wait for the next kick
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())

    async def _deliver_webhook(self) -> None:
        """POST pending updates to the webhook one at a time, in order, retrying until a 2xx."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        delay = _WEBHOOK_BACKOFF[0]
        while self.webhook.url:
            if not self._pending:
                await self.wait_change(None)
                continue
            record = self._pending[0]
            headers = {}
            if self.webhook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook.secret_token
            error: str | None = None
            try:
                async with self._session.post(self.webhook.url, json=record.update, headers=headers) as resp:
                    await resp.read()
                    if not 200 <= resp.status < 300:
                        error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = f"Connection failed: {exc.__class__.__name__}: {exc}"
            if error is None:
                self.counters.webhook_deliveries += 1
                self.mark_fetched([record])
                if self._pending and self._pending[0] is record:
                    self._pending.pop(0)
                    record.confirmed = True
                delay = _WEBHOOK_BACKOFF[0]
                self.notify()
                continue
            self.counters.webhook_failures += 1
            self.webhook.last_error_date = int(time.time())
            self.webhook.last_error_message = error
            self.notify()
            await asyncio.sleep(delay)
            delay = min(delay * 2, _WEBHOOK_BACKOFF[1])

    # ----------------------------------------------------------------- calls

    async def dispatch(
        self,
        token: str,
        name: str,
        raw: dict[str, Any],
        uploads: dict[str, Upload],
        alive: Callable[[], bool] = lambda: True,
    ) -> Outcome:
        """Check and run one Bot API call; return what to answer."""
        method = self.spec.method(name)
        method_name = method.name if method is not None else name
        shown = {**raw, **{k: f"<upload {u.filename!r}, {len(u.data)} bytes>" for k, u in uploads.items()}}
        self.counters.calls[method_name] = self.counters.calls.get(method_name, 0) + 1
        if method_name != "getUpdates":
            self._in_flight += 1
            self._last_activity = time.monotonic()
        fault: str | None = None
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if method is None:
                raise ApiError(404, "Not Found")
            params = check_params(self.spec, method, raw, uploads)
            shown = {
                **params,
                **{k: f"<upload {u.filename!r}, {len(u.data)} bytes>" for k, u in uploads.items()},
            }
            fault = self.faults.pick(method.name) if self.faults is not None else None
            if fault in {"502", "drop"}:
                # Status 0 in the record: the client got no answer at all.
                self.counters.faults += 1
                status = 502 if fault == "502" else 0
                self.calls.append(CallRecord(method_name, shown, status, f"injected fault: {fault}"))
                return Outcome(
                    502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, drop=fault == "drop"
                )
            impl = IMPLEMENTED.get(method.name)
            if impl is None:
                raise bad_request(f"emulator: method not implemented ({method.name})")
            result = await impl(self, params, CallContext(method.name, alive))
            if self.check_results:
                check_result(self.spec, method, result)
        except ApiError as exc:
            return self.reject(method_name, shown, exc)
        except AssertionError as exc:
            # The emulator built a result the specification does not allow: its own bug, made loud.
            description = f"Internal Server Error: {exc}"
            self.calls.append(CallRecord(method_name, shown, 500, description))
            self.errors.append(ErrorRecord(method_name, shown, description, 500))
            return Outcome(500, {"ok": False, "error_code": 500, "description": description})
        finally:
            if method_name != "getUpdates":
                self._in_flight -= 1
                self._last_activity = time.monotonic()
        if fault == "drop_after":
            self.counters.faults += 1
            self.calls.append(CallRecord(method_name, shown, 200, "injected fault: drop_after (answer lost)"))
            return Outcome(200, {"ok": True, "result": result}, drop=True)
        self.calls.append(CallRecord(method_name, shown, 200))
        return Outcome(200, {"ok": True, "result": result})

    def reject(self, method_name: str, params: dict[str, Any], exc: ApiError) -> Outcome:
        """Record a refused call (in errors too when it points at a bug) and return the answer."""
        self.calls.append(CallRecord(method_name, params, exc.status, exc.description))
        if exc.bug:
            self.errors.append(ErrorRecord(method_name, params, exc.description, exc.status))
            _LOGGER.warning("emulator rejected %s: %s", method_name, exc.description)
        return Outcome(exc.status, exc.payload())

    # ----------------------------------------------------------------- helpers for the methods

    def chat_for(self, chat_id: int | str) -> Chat:
        """Return the chat a chat_id parameter names, or raise "chat not found"."""
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            for chat in self.chats.values():
                if chat.user is None and chat.username and chat.username.lower() == name:
                    return chat
            raise bad_request("chat not found")
        found = self.chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        return found

    def admit_send(self, method: str, chat: Chat) -> None:
        """Apply flood control and blocking to a call that sends to chat; raise 429 or 403."""
        if self.flood is not None and method in SENDING_METHODS:
            retry_after = self.flood.admit(chat.id, chat.type != "private", time.monotonic())
            if retry_after is not None:
                self.counters.rate_limited += 1
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after, bug=False)
        if chat.type == "private" and chat.id in self.blocked:
            self.counters.forbidden += 1
            raise ApiError(403, "Forbidden: bot was blocked by the user", bug=False)

    def known_users(self) -> dict[int, dict[str, Any]]:
        """Return the users a text_mention may name."""
        return {uid: user.to_dict() for uid, user in self.users.items()}

    def format_text(
        self,
        text: str,
        parse_mode: str | None,
        entities: list[dict[str, Any]] | None,
        *,
        limit: int,
        caption: bool = False,
    ) -> Parsed:
        """Parse text as Telegram would, check its length, and return plain text plus entities."""
        if parse_mode:
            mode = parse_mode.lower()
            if mode in {"markdown", "markdownv2"}:
                raise bad_request(
                    f"emulator: parse_mode {parse_mode} is not supported, the emulator parses only HTML"
                )
            if mode != "html":
                raise bad_request("unsupported parse_mode")
            try:
                parsed = parse_html(text, self.known_users())
            except EntityError as exc:
                raise bad_request(f"can't parse entities: {exc}") from exc
        else:
            parsed = Parsed(text, [dict(e) for e in entities or []])
            total = utf16_len(text)
            for entity in parsed.entities:
                if (
                    entity["offset"] < 0
                    or entity["length"] <= 0
                    or entity["offset"] + entity["length"] > total
                ):
                    raise bad_request("can't parse entities: entity beyond the end of the text")
        parsed = trim(parsed)
        length = utf16_len(parsed.text)
        if not caption and length == 0:
            raise bad_request("message text is empty")
        if length > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        return parsed

    def post_message(
        self,
        chat: Chat,
        sender: User,
        kind: str,
        fields: dict[str, Any],
        *,
        from_bot: bool,
        text: Parsed | None = None,
        html: str | None = None,
        caption: Parsed | None = None,
        caption_html: str | None = None,
        markup: dict[str, Any] | None = None,
        file: StoredFile | None = None,
        reply_to: ChatMessage | None = None,
    ) -> ChatMessage:
        """Store a new message in chat and return it; fields are extra Message fields (photo, ...)."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        raw: dict[str, Any] = {
            "message_id": message_id,
            "from": sender.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            quoted = {k: v for k, v in reply_to.raw.items() if k != "reply_to_message"}
            raw["reply_to_message"] = quoted
        raw.update(fields)
        message = ChatMessage(
            seq=self.next_seq(),
            chat_id=chat.id,
            message_id=message_id,
            from_bot=from_bot,
            sender_id=sender.id,
            date=raw["date"],
            kind=kind,
            raw=raw,
            file=file,
            reply_to_message_id=reply_to.message_id if reply_to else None,
        )
        self._apply_content(message, text=text, html=html, caption=caption, caption_html=caption_html)
        self._apply_markup(message, chat, markup)
        if from_bot:
            previous = next(
                (m for m in reversed(self._messages[chat.id]) if m.from_bot and not m.deleted), None
            )
            if previous is not None and _signature(previous) == _signature(message):
                self.counters.duplicates += 1
            self.counters.delivered[chat.id] = self.counters.delivered.get(chat.id, 0) + 1
        self._messages[chat.id].append(message)
        self._by_id[(chat.id, message_id)] = message
        self.notify()
        return message

    def edit_message(
        self,
        message: ChatMessage,
        *,
        text: Parsed | None = None,
        html: str | None = None,
        caption: Parsed | None = None,
        caption_html: str | None = None,
        markup: dict[str, Any] | None,
        edit_text: bool = False,
        edit_caption: bool = False,
    ) -> ChatMessage:
        """Change a message's text, caption and inline keyboard, as the editMessage* methods do."""
        chat = self.chats[message.chat_id]
        if edit_text:
            message.raw.pop("text", None)
            message.raw.pop("entities", None)
            self._apply_content(message, text=text, html=html)
        if edit_caption:
            message.raw.pop("caption", None)
            message.raw.pop("caption_entities", None)
            self._apply_content(message, caption=caption, caption_html=caption_html)
        message.raw.pop("reply_markup", None)
        message.buttons = []
        self._apply_markup(message, chat, markup)
        message.raw["edit_date"] = int(time.time())
        message.edit_count += 1
        message.seq = self.next_seq()
        self.notify()
        return message

    def delete_message(self, message: ChatMessage) -> None:
        """Mark a message deleted (it stays in the history for the tests)."""
        message.deleted = True
        message.seq = self.next_seq()
        self.notify()

    def _apply_content(
        self,
        message: ChatMessage,
        *,
        text: Parsed | None = None,
        html: str | None = None,
        caption: Parsed | None = None,
        caption_html: str | None = None,
    ) -> None:
        """Put text or caption (with entities) on the message and its raw Bot API dict."""
        if text is not None:
            message.text, message.html, message.entities = text.text, html, text.entities
            message.raw["text"] = text.text
            if text.entities:
                message.raw["entities"] = text.entities
        if caption is not None:
            message.caption, message.caption_html = caption.text or None, caption_html
            message.entities = caption.entities
            if caption.text:
                message.raw["caption"] = caption.text
            if caption.entities:
                message.raw["caption_entities"] = caption.entities

    def _apply_markup(self, message: ChatMessage, chat: Chat, markup: dict[str, Any] | None) -> None:
        """Show an inline keyboard on the message, or change the chat's reply keyboard."""
        if markup is None:
            return
        if "inline_keyboard" in markup:
            if markup["inline_keyboard"]:
                message.raw["reply_markup"] = markup
            message.buttons = [[_button(b) for b in row] for row in markup["inline_keyboard"]]
        elif "keyboard" in markup:
            message.reply_keyboard = [[b["text"] for b in row] for row in markup["keyboard"]]
            self._keyboards[chat.id] = message.reply_keyboard
        elif markup.get("remove_keyboard"):
            self._keyboards.pop(chat.id, None)

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Return the reply keyboard the bot left showing in a chat, if any."""
        return self._keyboards.get(chat_id)

    def store_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
        source_url: str | None = None,
    ) -> StoredFile:
        """Keep a file's bytes and give it a file_id, a file_unique_id and a download path."""
        number = next(self._ids)
        unique = hashlib.sha256(data or (source_url or str(number)).encode()).hexdigest()[:16]
        extension = (file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else None) or (
            "jpg" if kind == "photo" else "webp" if kind == "sticker" else "bin"
        )
        stored = StoredFile(
            file_id=f"EMU{kind[:3].upper()}{number:06d}{unique[:8]}",
            file_unique_id=f"U{unique}",
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{number}.{extension}",
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            source_url=source_url,
        )
        self.files[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        """Return the file downloadable at path."""
        return self._by_path.get(path)

    def new_callback_id(self) -> str:
        """Return a fresh callback query id."""
        return f"{next(self._ids)}{time.monotonic_ns() % 1_000_000}"

    def user_message(
        self,
        user: User,
        chat: Chat,
        kind: str,
        fields: dict[str, Any],
        *,
        text: str | None = None,
        caption: str | None = None,
        file: StoredFile | None = None,
        reply_to: ChatMessage | None = None,
    ) -> int:
        """Store a message a user sent and queue the update for it; return the update_id."""
        parsed = Parsed(text, detect_bot_commands(text)) if text is not None else None
        parsed_caption = Parsed(caption, []) if caption is not None else None
        message = self.post_message(
            chat,
            user,
            kind,
            fields,
            from_bot=False,
            text=parsed,
            caption=parsed_caption,
            file=file,
            reply_to=reply_to,
        )
        if chat.type != "private":
            chat.members.add(user.id)
        dropped = self._privacy_drop(chat, message)
        update_id = self.add_update("message", message.raw, dropped=dropped)
        message.update_id = update_id
        return update_id

    def _privacy_drop(self, chat: Chat, message: ChatMessage) -> str | None:
        """Say why a group message does not reach a bot in privacy mode, or None when it does."""
        if chat.type == "private" or self.can_read_all_group_messages or self._admins.get(chat.id):
            return None
        text = message.text or message.caption or ""
        username = (self.bot.username or "").lower()
        for entity in message.entities:
            if entity["type"] == "bot_command":
                command = text[entity["offset"] : entity["offset"] + entity["length"]]
                target = command.partition("@")[2].lower()
                if entity["offset"] == 0 and target in {"", username}:
                    return None
        if message.reply_to_message_id is not None:
            replied = self.message(chat.id, message.reply_to_message_id)
            if replied is not None and replied.from_bot:
                return None
        if username and f"@{username}" in text.lower():
            return None
        return "privacy mode: a group message that is not a command, a reply or a mention of the bot"


def _signature(message: ChatMessage) -> tuple[Any, ...]:
    """Return what makes two bot messages the same to a reader (for counting duplicates)."""
    return (
        message.kind,
        message.html if message.html is not None else message.text,
        message.caption_html if message.caption_html is not None else message.caption,
        tuple(tuple(row) for row in message.buttons),
        message.file.file_unique_id if message.file else None,
    )


def _button(button: dict[str, Any]) -> Button:
    """Return an inline button as the emulator keeps it: label, value and kind."""
    if "callback_data" in button:
        return Button(button["text"], button["callback_data"])
    if "url" in button:
        return Button(button["text"], button["url"], "url")
    if "web_app" in button:
        return Button(button["text"], button["web_app"].get("url"), "web_app")
    kind = next((k for k in button if k not in ("text", "style", "icon_custom_emoji_id")), "other")
    return Button(button["text"], None, kind)
