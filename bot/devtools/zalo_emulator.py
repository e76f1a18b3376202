"""A local Zalo Bot API emulator for end-to-end tests, beside the Telegram one (telegram_emulator).

An aiohttp server on 127.0.0.1 that answers the Zalo Bot API as documented (README.md beside this
file says what is verified and what is assumed) and plays the users. The real bot talks to it through
CHIBO_ZALO_API_URL (`Settings(zalo_api_url=emu.api_url)`).

It checks every call against the documented shapes and refuses, as Zalo would, what breaks them: POST
with a JSON object, the bot's token in the path, the documented methods and parameters only (stricter
than Zalo: an unknown parameter is refused), chat_id of a known chat, text and caption of 1 to 2000
characters, sendMessage's rich text as documented (parse_mode "html" or "markdown"; text_styles runs of
{start, len, st} in UTF-16 units within the text, st a list of the documented style codes), photo an
http(s) URL it can fetch (it fetches it, as Zalo does), a webhook secret of 8 to 256 characters, no
getUpdates while a webhook is set. getUpdates long-polls and answers one update, or 408 when none came
in time; an update can be delivered again (redeliver()), as Zalo may. Errors carry only the documented
codes (400, 401, 403, 404, 408, 429; README.md beside the Zalo channel says which meaning is verified).

It also plays Zalo's media servers: pictures and voice notes users send are served from here
(host_media), as Zalo serves them from its CDN (https://*.zdn.vn in real payloads), and can expire.

    emu = ZaloEmulator(token="123456789:TEST-zalo-token")
    await emu.start()                    # or `async with ZaloEmulator() as emu:`; port=0 picks one
    emu.api_url                          # "http://127.0.0.1:PORT" (the bot adds /bot<token>/<method>)
    lan = emu.user("a1b2c3d4e5", "Lan")  # private chat id == user id, as in Zalo's samples
    message_id = await lan.send("/start abc")     # queued for getUpdates, or posted to the webhook
    await lan.send_image("https://...", caption="x"); await lan.send_sticker(); await lan.send_other()
    url = emu.host_media(jpeg_bytes, "image/jpeg"); await lan.send_image(url); emu.expire_media(url)
    await lan.send_voice(emu.host_media(aac_bytes, "audio/aac", "voice.aac"))
    lan.bot_messages(), lan.bot_messages_since(marker), lan.marker(), lan.last_bot_message()
    emu.redeliver(message_id); await emu.wait_fetched(message_id); emu.fetch_count(message_id)
    await emu.wait_for(lambda: len(lan.bot_messages()) > 2)   # bounded wait for what the bot does
    emu.unreachable("a1b2c3d4e5", 404)   # sends to them fail with a documented code until they write again
    emu.formatting = False               # sendMessage with parse_mode or text_styles: 400, as for a bot
                                         # whose Zalo refuses rich text (an assumption worth a fallback)
    emu.quota = 12                       # more sending calls than this in a second: 429 "Quota exceeded"
    emu.calls, emu.errors                # every call; the refusals that point at a bug of the bot
    emu.webhook                          # (url, secret) once the bot called setWebhook
    await emu.stop()

`emu.errors` holds only refusals that point at a bug in the bot (bad parameters, a text too long, an
unknown method, a wrong token, getUpdates under a webhook, a photo URL that does not answer); what a
working bot copes with (a person it cannot reach, refused rich text, the quota) shows in `emu.calls` only.

Control API (JSON, same server, for trying the bot by hand with `python -m bot.devtools.zalo_emulator`):

    POST /_emu/users/{id}/send       {"text", "name"?} -> {"message_id"}
    GET  /_emu/chats/{id}/messages   -> {"messages": [{"from_bot", "text", "photo_url", "caption"}]}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.channels.zalo.api import POLL_TIMEOUT, SECRET_HEADER, TEXT_LIMIT

__all__ = ["Call", "ZaloChatMessage", "ZaloEmulator", "ZaloUser"]

PARAMETERS: dict[str, tuple[set[str], set[str]]] = {  # method: (required, optional)
    "getMe": (set(), set()),
    "getUpdates": (set(), {"timeout"}),
    "setWebhook": ({"url", "secret_token"}, set()),
    "deleteWebhook": (set(), set()),
    "getWebhookInfo": (set(), set()),
    "sendMessage": ({"chat_id", "text"}, {"parse_mode", "text_styles"}),
    "sendPhoto": ({"chat_id", "photo"}, {"caption"}),
    "sendSticker": ({"chat_id", "sticker"}, set()),
    "sendChatAction": ({"chat_id", "action"}, set()),
    "sendVoice": ({"chat_id", "voice_url"}, set()),  # 2026: private chats only, an .aac URL
}
CHAT_ACTIONS = {"typing", "upload_photo"}
PARSE_MODES = {"html", "markdown"}
# The style codes of text_styles' "st" (sendMessage, "Rich Text"): bold, italic, underline, strike,
# font sizes, the five colours, lists and indents.
STYLE_CODES = frozenset(
    {"b", "i", "u", "s", "f_13", "f_15", "f_18", "f_20", "lst_1", "lst_2"}
    | {"c_050a19", "c_15a85f", "c_f7b503", "c_f27806", "c_db342e"}
    | {f"ind_{n}" for n in range(1, 6)}
)
# The error codes Zalo documents (error-code page, 6/8/2025): 400 bad request (a wrong path or API name),
# 401 unauthorized (a wrong or expired token), 403 "internal server error", 404 not found (an invalid
# request), 408 request timeout, 429 quota exceeded.
DOCUMENTED_ERRORS = {400, 401, 403, 404, 408, 429}
SENDING = {"sendMessage", "sendPhoto", "sendSticker", "sendChatAction", "sendVoice"}
MAX_POLL = 50  # seconds a long poll may ask for


@dataclass
class ZaloChatMessage:
    """A message of a chat, from a user or from the bot."""

    seq: int
    message_id: str
    chat_id: str
    from_bot: bool
    date: int  # milliseconds
    text: str | None = None
    photo_url: str | None = None
    photo: bytes | None = None
    caption: str | None = None
    sticker: str | None = None
    voice_url: str | None = None
    update: dict[str, Any] | None = None  # what the bot was sent (user messages)
    text_styles: list[dict[str, Any]] | None = None  # the bot's rich text runs, as sent
    parse_mode: str | None = None

    def styled(self, code: str) -> list[str]:
        """Return the parts of the text a style code covers (text_styles counts UTF-16 units)."""
        if not self.text or not self.text_styles:
            return []
        units = self.text.encode("utf-16-le")
        return [
            units[2 * run["start"] : 2 * (run["start"] + run["len"])].decode("utf-16-le")
            for run in self.text_styles
            if code in run["st"]
        ]


@dataclass
class Call:
    """One call the bot made."""

    method: str
    params: dict[str, Any]
    status: int
    description: str = ""


@dataclass
class ErrorRecord:
    """A refused call that points at a bug of the bot."""

    method: str
    params: dict[str, Any]
    description: str


class _Refused(Exception):
    def __init__(self, status: int, description: str, *, bug: bool = True) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.bug = bug


@dataclass
class _Poll:
    request: web.Request
    event: asyncio.Event = field(default_factory=asyncio.Event)


class ZaloUser:
    """Someone on Zalo talking to the bot in a private chat."""

    def __init__(self, emulator: ZaloEmulator, user_id: str, name: str) -> None:
        self.emulator = emulator
        self.id = user_id
        self.name = name

    @property
    def chat_id(self) -> str:
        """Return the id of the private chat (the user's id, as in Zalo's samples)."""
        return self.id

    async def send(self, text: str, *, group: str | None = None) -> str:
        """Send a text (in a group when given); return its message id."""
        return self.emulator.user_message(self, "message.text.received", {"text": text}, group=group)

    async def send_image(self, url: str, caption: str | None = None, *, field: str = "photo_url") -> str:
        """Send a picture (Zalo gives the bot its address: photo_url in payloads seen in 2026, photo in
        the documentation's table)."""
        body: dict[str, Any] = {field: url, "message_type": "CHAT_PHOTO"}
        if caption:
            body["caption"] = caption
        return self.emulator.user_message(self, "message.image.received", body)

    async def send_voice(self, url: str) -> str:
        """Send a voice note (Zalo gives the bot the address of an .aac file)."""
        return self.emulator.user_message(
            self, "message.voice.received", {"voice_url": url, "message_type": "CHAT_VOICE"}
        )

    async def send_sticker(self, sticker: str = "0e078a2fb66a5f34067b") -> str:
        """Send a sticker."""
        return self.emulator.user_message(self, "message.sticker.received", {"sticker": sticker})

    async def send_other(self) -> str:
        """Send something the Bot API does not describe (a voice message, a file...)."""
        return self.emulator.user_message(self, "message.unsupported.received", {})

    def messages(self) -> list[ZaloChatMessage]:
        """Return the private chat, both directions, in order."""
        return list(self.emulator.chats.get(self.chat_id, []))

    def bot_messages(self) -> list[ZaloChatMessage]:
        """Return what the bot sent this user, in order."""
        return [m for m in self.messages() if m.from_bot]

    def marker(self) -> int:
        """Return a position to read the bot's later messages from."""
        return self.emulator.seq

    def bot_messages_since(self, marker: int) -> list[ZaloChatMessage]:
        """Return the bot's messages sent after a marker."""
        return [m for m in self.bot_messages() if m.seq > marker]

    def last_bot_message(self) -> ZaloChatMessage | None:
        """Return the bot's newest message, or None."""
        sent = self.bot_messages()
        return sent[-1] if sent else None


class ZaloEmulator:
    """The Zalo Bot API on 127.0.0.1, with users the tests play."""

    def __init__(
        self,
        token: str = "123456789:TEST-zalo-token-for-the-emulator",
        bot_name: str = "bot.chibo",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        wrap_webhook: bool = True,
    ) -> None:
        self.token = token
        self.bot_id = "1459232241454765289"
        self.bot_name = bot_name
        self.host = host
        self.port = port
        self.wrap_webhook = wrap_webhook  # Zalo's webhook body may come wrapped in {"ok", "result"} or not
        self.users: dict[str, ZaloUser] = {}
        self.chats: dict[str, list[ZaloChatMessage]] = {}
        self.blocked: dict[str, int] = {}  # user id -> the error code sends to them get
        self.reopen_on_message = True  # a user who writes can be reached again (the assumption tested)
        self.formatting = True  # False: sendMessage with parse_mode or text_styles is refused (400)
        self.quota: float | None = None  # sending calls a second before 429 "Quota exceeded"
        self.send_times: list[float] = []  # when each sending call came (loop time)
        self.media: dict[str, tuple[bytes, str]] = {}  # media id -> (bytes, content type)
        self.media_fetches: list[str] = []  # the media ids the bot fetched
        self.calls: list[Call] = []
        self.errors: list[ErrorRecord] = []
        self.webhook: tuple[str, str] | None = None
        self.webhook_statuses: list[int] = []
        self.seq = 0
        self._queue: deque[dict[str, Any]] = deque()
        self._polls: list[_Poll] = []
        self._updates: dict[str, dict[str, Any]] = {}
        self._fetched: dict[str, int] = {}
        self._changed = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

    # ----- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> ZaloEmulator:
        """Listen (on a free port when port is 0)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_post("/_emu/users/{user_id}/send", self._control_send)
        app.router.add_get("/_emu/chats/{chat_id}/messages", self._control_messages)
        app.router.add_get("/_media/{media_id}/{name}", self._media)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = int(self._runner.addresses[0][1])
        self._session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        """End pending long polls and stop listening."""
        self._stopping = True
        for poll in self._polls:
            poll.event.set()
        for task in list(self._deliveries):
            await task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ZaloEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """Return the base URL the bot is given (CHIBO_ZALO_API_URL)."""
        return f"http://{self.host}:{self.port}"

    # ----- people -------------------------------------------------------------------------------

    def user(self, user_id: str, name: str) -> ZaloUser:
        """Return a user (created on first use) with their private chat."""
        if user_id not in self.users:
            self.users[user_id] = ZaloUser(self, user_id, name)
            self.chats.setdefault(user_id, [])
        return self.users[user_id]

    def unreachable(self, user_id: str, code: int = 404) -> None:
        """Make the bot's sends to a user fail with a documented error code until the user writes again.

        Zalo documents no error for "this person cannot be messaged now"; 404 ("not found, invalid
        request") and 403 (documented as an internal server error) are the codes it could be.
        """
        if code not in DOCUMENTED_ERRORS:
            raise ValueError(f"Zalo documents no error code {code}")
        self.blocked[user_id] = code

    # ----- Zalo's media servers ----------------------------------------------------------------------

    def host_media(self, data: bytes, content_type: str = "image/jpeg", name: str = "photo.jpg") -> str:
        """Serve bytes as Zalo serves a user's picture or voice note; return their address."""
        media_id = secrets.token_hex(8)
        self.media[media_id] = (data, content_type)
        return f"{self.api_url}/_media/{media_id}/{name}"

    def expire_media(self, url: str) -> None:
        """Make a media address answer 404 from now on, as Zalo's expiring links do."""
        self.media.pop(url.rsplit("/", 2)[-2], None)

    async def _media(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        self.media_fetches.append(media_id)
        self._changed.set()
        if media_id not in self.media:
            raise web.HTTPNotFound()
        data, content_type = self.media[media_id]
        return web.Response(body=data, content_type=content_type)

    def _next(self) -> int:
        self.seq += 1
        self._changed.set()
        return self.seq

    def _message_id(self) -> str:
        return secrets.token_hex(10)

    def user_message(
        self, user: ZaloUser, event: str, content: dict[str, Any], *, group: str | None = None
    ) -> str:
        """Record a user's message and deliver its update; return the message id."""
        chat_id = group or user.chat_id
        if self.reopen_on_message and group is None:
            self.blocked.pop(user.id, None)
        message_id = self._message_id()
        date = int(time.time() * 1000)
        update = {
            "event_name": event,
            "message": {
                "from": {"id": user.id, "display_name": user.name, "is_bot": False},
                "chat": {"id": chat_id, "chat_type": "GROUP" if group else "PRIVATE"},
                "message_id": message_id,
                "date": date,
                **content,
            },
        }
        self.chats.setdefault(chat_id, []).append(
            ZaloChatMessage(
                self._next(),
                message_id,
                chat_id,
                False,
                date,
                text=content.get("text"),
                photo_url=content.get("photo_url"),
                caption=content.get("caption"),
                sticker=content.get("sticker"),
                voice_url=content.get("voice_url"),
                update=update,
            )
        )
        self._updates[message_id] = update
        self._deliver(update)
        return message_id

    def redeliver(self, message_id: str) -> None:
        """Deliver a message's update once more, as Zalo may."""
        self._deliver(self._updates[message_id])

    def fetch_count(self, message_id: str) -> int:
        """Return how often the bot was given a message's update."""
        return self._fetched.get(message_id, 0)

    async def wait_fetched(self, message_id: str, within: float = 10.0, count: int = 1) -> None:
        """Wait until the bot got a message's update (count times)."""
        await self.wait_for(lambda: self.fetch_count(message_id) >= count, within)

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until something the bot does makes predicate true (a message, a fetch)."""
        async with asyncio.timeout(within):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    def _deliver(self, update: dict[str, Any]) -> None:
        if self.webhook is not None:
            task = asyncio.get_running_loop().create_task(self._post_webhook(update))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
            return
        self._queue.append(update)
        for poll in self._polls:
            poll.event.set()

    async def _post_webhook(self, update: dict[str, Any]) -> None:
        assert self.webhook is not None and self._session is not None
        url, secret = self.webhook
        body = {"ok": True, "result": update} if self.wrap_webhook else update
        try:
            async with self._session.post(url, json=body, headers={SECRET_HEADER: secret}) as response:
                self.webhook_statuses.append(response.status)
                if response.status == 200:
                    self._count(update)
        except aiohttp.ClientError:
            self.webhook_statuses.append(0)

    def _count(self, update: dict[str, Any]) -> None:
        message_id = str(update["message"]["message_id"])
        self._fetched[message_id] = self._fetched.get(message_id, 0) + 1
        self._changed.set()

    # ----- the Bot API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self.token:
                raise _Refused(401, "Unauthorized")
            if request.method != "POST":
                raise _Refused(405, f"{request.method} is not how the bot calls Zalo (POST with JSON)")
            try:
                raw = await request.json()
            except (ValueError, UnicodeDecodeError):
                raise _Refused(400, "the body must be a JSON object") from None
            if not isinstance(raw, dict):
                raise _Refused(400, "the body must be a JSON object")
            params = raw
            if method not in PARAMETERS:
                raise _Refused(400, "Bad request - invalid API name")
            required, optional = PARAMETERS[method]
            missing = required - params.keys()
            if missing:
                raise _Refused(400, f"missing parameter(s): {', '.join(sorted(missing))}")
            unknown = params.keys() - required - optional
            if unknown:
                raise _Refused(
                    400, f"unknown parameter(s) {sorted(unknown)} (the emulator is stricter than Zalo)"
                )
            if method in SENDING:
                self._count_send()
            result = await getattr(self, "_m_" + _snake(method))(request, params)
        except _Refused as refused:
            self.calls.append(Call(method, params, refused.status, refused.description))
            self._changed.set()
            if refused.bug:
                self.errors.append(ErrorRecord(method, params, refused.description))
            body = {"ok": False, "error_code": refused.status, "description": refused.description}
            return web.json_response(body, status=refused.status)
        self.calls.append(Call(method, params, 200))
        self._changed.set()
        return web.json_response({"ok": True} if result is None else {"ok": True, "result": result})

    def _count_send(self) -> None:
        now = asyncio.get_running_loop().time()
        self.send_times.append(now)
        if self.quota is not None and sum(1 for t in self.send_times if t > now - 1.0) > self.quota:
            raise _Refused(429, "Quota exceeded", bug=False)

    def _chat(self, params: dict[str, Any]) -> str:
        chat_id = params["chat_id"]
        if not isinstance(chat_id, str):
            raise _Refused(400, "chat_id must be a string")
        if chat_id not in self.chats:
            raise _Refused(400, "chat not found")
        if chat_id in self.blocked:
            code = self.blocked[chat_id]
            description = "Internal server error" if code == 403 else "Not found"
            raise _Refused(code, description, bug=False)
        return chat_id

    @staticmethod
    def _text(params: dict[str, Any], name: str) -> str:
        value = params[name]
        if not isinstance(value, str) or not 1 <= len(value) <= TEXT_LIMIT:
            size = len(value) if isinstance(value, str) else type(value).__name__
            raise _Refused(400, f"{name} must be a text of 1 to {TEXT_LIMIT} characters (got {size})")
        return value

    def _sent(self, chat_id: str, **content: Any) -> dict[str, Any]:
        message = ZaloChatMessage(
            self._next(), self._message_id(), chat_id, True, int(time.time() * 1000), **content
        )
        self.chats[chat_id].append(message)
        return {"message_id": message.message_id, "date": message.date}

    async def _m_get_me(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "account_name": self.bot_name,
            "account_type": "BASIC",
            "can_join_groups": False,
        }

    async def _m_get_updates(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook is not None:
            raise _Refused(400, "getUpdates does not work while a webhook is set; deleteWebhook first")
        raw = params.get("timeout", "30")
        if not (isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit())):
            raise _Refused(400, "timeout must be a number of seconds (a string in the documentation)")
        deadline = asyncio.get_running_loop().time() + min(int(raw), MAX_POLL)
        poll = _Poll(request)
        self._polls.append(poll)
        try:
            while True:
                alive = request.transport is not None and not request.transport.is_closing()
                if not alive or self._stopping:
                    raise _Refused(503, "Server shutting down", bug=False)
                if self._queue:
                    update = self._queue.popleft()
                    self._count(update)
                    return update
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise _Refused(POLL_TIMEOUT, "Request timeout", bug=False)
                poll.event.clear()
                try:
                    async with asyncio.timeout(remaining):
                        await poll.event.wait()
                except TimeoutError:
                    pass
        finally:
            self._polls.remove(poll)

    async def _m_set_webhook(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        url, secret = params["url"], params["secret_token"]
        # Zalo wants HTTPS; plain http is let through for a local test server.
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise _Refused(400, "url must be an HTTPS URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise _Refused(400, "secret_token must have 8 to 256 characters")
        self.webhook = (url, secret)
        self._queue.clear()
        return {"url": url, "updated_at": int(time.time() * 1000)}

    async def _m_delete_webhook(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = None
        return {"url": "", "updated_at": int(time.time() * 1000)}

    async def _m_get_webhook_info(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook[0] if self.webhook else "", "updated_at": int(time.time() * 1000)}

    async def _m_send_message(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        text = self._text(params, "text")
        mode = params.get("parse_mode")
        if mode is not None and mode not in PARSE_MODES:
            raise _Refused(400, f"parse_mode must be one of {sorted(PARSE_MODES)}")
        styles = _text_styles(params["text_styles"], text) if "text_styles" in params else None
        if (mode is not None or styles is not None) and not self.formatting:
            raise _Refused(400, "Bad request: rich text is not available", bug=False)
        chat_id = self._chat(params)
        # parse_mode wins when both come (the documentation); the runs are kept only without it.
        return self._sent(chat_id, text=text, parse_mode=mode, text_styles=styles if mode is None else None)

    async def _m_send_voice(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        url = params["voice_url"]
        if not isinstance(url, str) or not re.match(r"^https?://\S+\.aac$", url):
            raise _Refused(400, "voice_url must be the URL of an .aac file")
        return self._sent(chat_id, voice_url=url)

    async def _m_send_photo(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        url = params["photo"]
        caption = self._text(params, "caption") if "caption" in params else None
        if not isinstance(url, str) or not re.match(r"^https?://", url):
            raise _Refused(400, "photo must be the URL of a picture")
        assert self._session is not None
        try:
            async with self._session.get(url) as response:
                data = await response.read()
                kind = response.headers.get("Content-Type", "")
                if response.status != 200 or not kind.startswith("image/"):
                    raise _Refused(400, f"the photo URL answered {response.status} {kind}")
        except aiohttp.ClientError as exc:
            raise _Refused(400, f"the photo URL cannot be fetched: {type(exc).__name__}") from None
        return self._sent(chat_id, photo_url=url, photo=data, caption=caption)

    async def _m_send_sticker(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat(params)
        if not isinstance(params["sticker"], str) or not params["sticker"]:
            raise _Refused(400, "sticker must be a sticker id")
        return self._sent(chat_id, sticker=params["sticker"])

    async def _m_send_chat_action(self, request: web.Request, params: dict[str, Any]) -> None:
        self._chat(params)
        if params["action"] not in CHAT_ACTIONS:
            raise _Refused(400, f"action must be one of {sorted(CHAT_ACTIONS)}")

    # ----- control API ---------------------------------------------------------------------------

    async def _control_send(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.user(
            request.match_info["user_id"], str(body.get("name") or request.match_info["user_id"])
        )
        return web.json_response({"message_id": await user.send(str(body["text"]))})

    async def _control_messages(self, request: web.Request) -> web.Response:
        messages = self.chats.get(request.match_info["chat_id"], [])
        return web.json_response(
            {
                "messages": [
                    {"from_bot": m.from_bot, "text": m.text, "photo_url": m.photo_url, "caption": m.caption}
                    for m in messages
                ]
            }
        )


def _text_styles(raw: object, text: str) -> list[dict[str, Any]]:
    """Check text_styles as sendMessage documents them; return the runs or refuse the call."""
    if not isinstance(raw, list) or not raw:
        raise _Refused(400, "text_styles must be a list of {start, len, st}")
    size = len(text.encode("utf-16-le")) // 2
    runs = []
    for run in raw:
        if not isinstance(run, dict) or set(run) != {"start", "len", "st"}:
            raise _Refused(400, "each text_styles entry has exactly start, len and st")
        start, length, codes = run["start"], run["len"], run["st"]
        if not (isinstance(start, int) and isinstance(length, int)) or isinstance(start, bool):
            raise _Refused(400, "text_styles start and len are integers (UTF-16 units)")
        if start < 0 or length < 1 or start + length > size:
            raise _Refused(400, f"text_styles run {start}+{length} lies outside the text ({size} units)")
        if not isinstance(codes, list) or not codes or not all(c in STYLE_CODES for c in codes):
            raise _Refused(400, f"text_styles st must list documented style codes, got {codes!r}")
        runs.append({"start": start, "len": length, "st": list(codes)})
    return runs


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def main(argv: list[str] | None = None) -> None:
    """Run the emulator alone: `python -m bot.devtools.zalo_emulator --port 8082`."""
    parser = argparse.ArgumentParser(prog="python -m bot.devtools.zalo_emulator")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--token", default="123456789:TEST-zalo-token-for-the-emulator")
    args = parser.parse_args(argv)

    async def run() -> None:
        async with ZaloEmulator(args.token, port=args.port) as emu:
            print(json.dumps({"api_url": emu.api_url, "token": emu.token}), flush=True)
            await asyncio.Event().wait()  # until Ctrl-C

    asyncio.run(run())


if __name__ == "__main__":
    main()
