"""The emulator's HTTP face: the Bot API at /bot<token>/<method>, files at /file/bot<token>/<path>,
and the JSON control API under /_emu/ for the browser sandbox and benchmarks in other processes."""

from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
import json
import re
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.devtools.telegram_emulator.models import Faults, FloodControl
from bot.devtools.telegram_emulator.validation import ApiError, Upload

if TYPE_CHECKING:
    from bot.devtools.telegram_emulator.core import BotApiEmulator
    from bot.devtools.telegram_emulator.users import GroupHandle, UserHandle

__all__ = ["add_routes", "build_app"]

EMULATOR_KEY: web.AppKey[BotApiEmulator] = web.AppKey("emulator")
MAX_BODY = 60 * 1024 * 1024  # uploads: Telegram takes documents up to 50 MB
MAX_WAIT = 60.0  # longest long-poll of the control API, seconds

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Routes other packages serve from an emulator's server (the sandbox's web page), per emulator.
_EXTRA_ROUTES: weakref.WeakKeyDictionary[BotApiEmulator, list[web.AbstractRouteDef]] = (
    weakref.WeakKeyDictionary()
)


def add_routes(emu: BotApiEmulator, routes: Iterable[web.AbstractRouteDef]) -> None:
    """Serve more routes from emu's server (the sandbox's page); call it before emu.start()."""
    _EXTRA_ROUTES.setdefault(emu, []).extend(routes)


# The control API changes what the emulated users do: a web page elsewhere must not drive it.
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UPLOADS = re.compile(r"^/_emu/users/[^/]+/(document|photo)$")  # files come as multipart forms


def _host_is_ours(request: web.Request, emu: BotApiEmulator) -> bool:
    """Tell whether the Host header names this server: a loopback name, an address, or its own host.

    A page whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name here.
    """
    try:
        host = (request.url.host or "").strip("[]").lower()
    except ValueError:
        return False
    if host in ("localhost", emu.host.lower()):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@web.middleware
async def _same_origin_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse the control API and the sandbox page to other sites: Host, Origin and JSON are checked."""
    if request.path.startswith(("/bot", "/file/bot")):
        return await handler(request)  # the Bot API: the bot is its client, as with Telegram
    if not _host_is_ours(request, request.app[EMULATOR_KEY]):
        return _json({"error": "this server answers only to its own address"}, 403)
    if request.method in _UNSAFE:
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            return _json({"error": "requests from other sites are refused"}, 403)
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return _json({"error": "requests from other sites are refused"}, 403)
        multipart = request.content_type == "multipart/form-data" and _UPLOADS.match(request.path)
        # A form of another site can post urlencoded, multipart or text/plain bodies without asking;
        # a JSON body makes the browser ask first (CORS), which this server never allows.
        if request.body_exists and request.content_type != "application/json" and not multipart:
            return _json({"error": "send JSON (Content-Type: application/json)"}, 415)
    return await handler(request)


def build_app(emu: BotApiEmulator) -> web.Application:
    """Return the aiohttp application serving emu (and the routes add_routes gave it)."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_same_origin_only])
    app[EMULATOR_KEY] = emu
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", download)
    control = [
        ("GET", "/_emu/", index),
        ("GET", "/_emu/state", state),
        ("GET", "/_emu/users", list_users),
        ("POST", "/_emu/users", create_user),
        ("GET", "/_emu/groups", list_groups),
        ("POST", "/_emu/groups", create_group),
        ("POST", "/_emu/users/{user_id}/send", user_send),
        ("POST", "/_emu/users/{user_id}/press", user_press),
        ("POST", "/_emu/users/{user_id}/webapp", user_webapp),
        ("POST", "/_emu/users/{user_id}/document", user_document),
        ("POST", "/_emu/users/{user_id}/photo", user_photo),
        ("POST", "/_emu/users/{user_id}/sticker", user_sticker),
        ("POST", "/_emu/users/{user_id}/block", user_block),
        ("GET", "/_emu/chats/{chat_id}/messages", chat_messages),
        ("GET", "/_emu/files/{file_id}", control_file),
        ("GET", "/_emu/commands", commands),
        ("GET", "/_emu/commands/all", all_commands),
        ("POST", "/_emu/flood", set_flood),
        ("POST", "/_emu/faults", set_faults),
        ("GET", "/_emu/errors", errors),
        ("DELETE", "/_emu/errors", clear_errors),
        ("GET", "/_emu/counters", counters),
        ("GET", "/_emu/calls", calls),
        ("GET", "/_emu/callbacks", callbacks),
        ("GET", "/_emu/updates/{update_id}", update_status),
    ]
    for verb, path, handler in control:
        app.router.add_route(verb, path, handler)
    app.router.add_routes(_EXTRA_ROUTES.get(emu, ()))
    return app


def _emu(request: web.Request) -> BotApiEmulator:
    """Return the emulator behind a request."""
    return request.app[EMULATOR_KEY]


def _alive(request: web.Request) -> Callable[[], bool]:
    """Return a check that the client is still connected."""

    def alive() -> bool:
        transport = request.transport
        return transport is not None and not transport.is_closing()

    return alive


# --------------------------------------------------------------------- the Bot API


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Collect a call's parameters from the query string and a JSON, urlencoded or multipart body."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.body_exists:
        return raw, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            raise ApiError(400, "Bad Request: can't parse JSON body") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: the JSON body must be an object")
        raw.update(body)
        return raw, uploads
    if request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                uploads[name] = Upload(name, value.filename, value.content_type, value.file.read())
            else:
                raw[name] = value if isinstance(value, str) else value.decode()
        return raw, uploads
    raise ApiError(400, f"Bad Request: unsupported Content-Type {request.content_type}")


async def bot_api(request: web.Request) -> web.StreamResponse:
    """Answer one Bot API call as Telegram would."""
    emu = _emu(request)
    name = request.match_info["method"]
    try:
        raw, uploads = await _read_params(request)
    except ApiError as exc:
        outcome = emu.reject(name, {}, exc)
    else:
        outcome = await emu.dispatch(request.match_info["token"], name, raw, uploads, _alive(request))
    if outcome.drop:
        # An injected fault: the connection closes and the client never sees an answer.
        if request.transport is not None:
            request.transport.close()
        return web.Response()
    return web.json_response(outcome.payload, status=outcome.status)


async def download(request: web.Request) -> web.StreamResponse:
    """Serve a file by the file_path getFile gave out."""
    emu = _emu(request)
    if request.match_info["token"] != emu.token:
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
    stored = emu.file_by_path(request.match_info["path"])
    if stored is None:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
    return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")


# --------------------------------------------------------------------- the control API


class _ControlError(Exception):
    """A control API request that cannot be served; becomes a JSON {"error": ...} answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json(data: Any, status: int = 200) -> web.Response:
    """Return a JSON response."""
    return web.json_response(data, status=status)


def _control(handler: Callable[[web.Request], Awaitable[Any]]) -> Handler:
    """Wrap a control handler: its return value becomes JSON, its _ControlError a JSON error."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            result = await handler(request)
        except _ControlError as exc:
            return _json({"error": str(exc)}, exc.status)
        except LookupError as exc:
            return _json({"error": str(exc)}, 404)
        except (ValueError, TypeError) as exc:
            return _json({"error": str(exc)}, 400)
        if isinstance(result, web.StreamResponse):
            return result
        return _json(result)

    wrapped.__doc__ = handler.__doc__
    return wrapped


async def _body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object a control request carries ({} when it has no body)."""
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError as exc:
        raise _ControlError(400, f"the body is not JSON: {exc.msg}") from exc
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _ControlError(400, "the body must be a JSON object")
    return body


def _int(value: Any, name: str) -> int:
    """Return value as an int or raise a 400."""
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise _ControlError(400, f"{name} must be an integer") from exc


def _user(request: web.Request) -> UserHandle:
    """Return the handle of the user named in the path."""
    emu = _emu(request)
    user_id = _int(request.match_info["user_id"], "user_id")
    if user_id not in emu.users:
        raise _ControlError(404, f"no user {user_id}")
    return emu.handle(user_id)


def _chat_arg(request: web.Request, body: dict[str, Any]) -> int | None:
    """Return the chat_id a user action targets (None: the user's private chat)."""
    if body.get("chat_id") is None:
        return None
    chat_id = _int(body["chat_id"], "chat_id")
    if chat_id not in _emu(request).chats:
        raise _ControlError(404, f"no chat {chat_id}")
    return chat_id


def _user_json(emu: BotApiEmulator, user_id: int) -> dict[str, Any]:
    """Return a user as the control API shows it."""
    return {**emu.users[user_id].to_dict(), "blocked": user_id in emu.blocked}


def _group_json(handle: GroupHandle) -> dict[str, Any]:
    """Return a group as the control API shows it."""
    chat = handle.chat
    return {
        **chat.to_dict(),
        "members": sorted(chat.members),
        "bot_is_admin": handle.emulator.bot_is_admin(chat.id),
    }


@_control
async def index(request: web.Request) -> Any:
    """Describe the emulator and list the control endpoints."""
    emu = _emu(request)
    routes = sorted(
        {f"{r.method} {r.resource.canonical}" for r in request.app.router.routes() if r.resource is not None}
    )
    return {
        "bot": emu.bot.to_dict(),
        "base_url": emu.base_url,
        "base_file_url": emu.base_file_url,
        "spec": emu.spec.version,
        "endpoints": [r for r in routes if "/_emu/" in r],
    }


@_control
async def state(request: web.Request) -> Any:
    """Return a summary: users, groups, webhook, flood, faults, pending updates."""
    emu = _emu(request)
    return {
        "bot": emu.bot.to_dict(),
        "users": [_user_json(emu, uid) for uid in emu.users],
        "groups": [_group_json(emu.group_handle(c.id)) for c in emu.chats.values() if c.type != "private"],
        "webhook": emu.webhook.info(len(emu.pending_updates), emu.allowed_updates),
        "flood": _flood_json(emu.flood),
        "faults": _faults_json(emu.faults),
        "pending_updates": [r.update_id for r in emu.pending_updates],
        "seq": emu.marker().seq,
    }


@_control
async def list_users(request: web.Request) -> Any:
    """List the users."""
    emu = _emu(request)
    return [_user_json(emu, uid) for uid in emu.users]


@_control
async def create_user(request: web.Request) -> Any:
    """Create or update a user: {"id", "first_name", "last_name"?, "username"?, "language_code"?}."""
    emu = _emu(request)
    body = await _body(request)
    if "id" not in body or not body.get("first_name"):
        raise _ControlError(400, "id and first_name are required")
    handle = emu.user(
        _int(body["id"], "id"),
        str(body["first_name"]),
        last_name=body.get("last_name"),
        username=body.get("username"),
        language_code=body.get("language_code"),
    )
    return _user_json(emu, handle.id)


@_control
async def list_groups(request: web.Request) -> Any:
    """List the groups."""
    emu = _emu(request)
    return [_group_json(emu.group_handle(c.id)) for c in emu.chats.values() if c.type != "private"]


@_control
async def create_group(request: web.Request) -> Any:
    """Create or update a group: {"id" (negative), "title", "type"?, "username"?, "bot_is_admin"?}."""
    emu = _emu(request)
    body = await _body(request)
    if "id" not in body or not body.get("title"):
        raise _ControlError(400, "id and title are required")
    handle = emu.group(
        _int(body["id"], "id"),
        str(body["title"]),
        type=str(body.get("type", "group")),
        username=body.get("username"),
        bot_is_admin=bool(body.get("bot_is_admin", False)),
    )
    return _group_json(handle)


@_control
async def user_send(request: web.Request) -> Any:
    """Send a text or a command as the user: {"text", "chat_id"?, "reply_to"?}."""
    handle = _user(request)
    body = await _body(request)
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise _ControlError(400, "text is required")
    reply_to = _int(body["reply_to"], "reply_to") if body.get("reply_to") is not None else None
    update_id = await handle.send(text, chat=_chat_arg(request, body), reply_to=reply_to)
    return {"update_id": update_id}


@_control
async def user_press(request: web.Request) -> Any:
    """Press a button as the user: {"label"} or {"message_id", "data"}, with "chat_id"?."""
    handle = _user(request)
    body = await _body(request)
    chat = _chat_arg(request, body)
    if body.get("label"):
        update_id = await handle.press(str(body["label"]), chat=chat)
    elif body.get("message_id") is not None and body.get("data") is not None:
        update_id = await handle.press_data(
            _int(body["message_id"], "message_id"), str(body["data"]), chat=chat
        )
    else:
        raise _ControlError(400, 'give "label", or "message_id" and "data"')
    return {"update_id": update_id}


@_control
async def user_webapp(request: web.Request) -> Any:
    """Open a Mini App as the user: {"url"} of a web_app button; returns the address Telegram opens."""
    handle = _user(request)
    body = await _body(request)
    try:
        return {"url": handle.open_web_app(str(body.get("url", "")))}
    except LookupError as exc:
        raise _ControlError(400, str(exc)) from exc


async def _upload(request: web.Request) -> tuple[bytes, str | None, str | None, dict[str, Any]]:
    """Return (bytes, file name, MIME type, other fields) from a multipart or a base64 JSON body."""
    if request.content_type == "multipart/form-data":
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise _ControlError(400, 'the multipart body needs a "file" part')
        fields = {k: v for k, v in form.items() if k != "file" and isinstance(v, str)}
        return upload.file.read(), upload.filename, upload.content_type, fields
    body = await _body(request)
    try:
        data = base64.b64decode(str(body.get("data_base64", "")), validate=True)
    except binascii.Error as exc:
        raise _ControlError(400, "data_base64 is not base64") from exc
    return data, body.get("file_name"), body.get("mime_type"), body


@_control
async def user_document(request: web.Request) -> Any:
    """Send a document as the user: multipart "file" (+caption, chat_id) or JSON with data_base64."""
    handle = _user(request)
    data, file_name, mime_type, fields = await _upload(request)
    update_id = await handle.send_document(
        data,
        file_name or "file.bin",
        mime_type=mime_type,
        caption=fields.get("caption") or None,
        chat=_chat_arg(request, fields),
    )
    return {"update_id": update_id}


@_control
async def user_photo(request: web.Request) -> Any:
    """Send a photo as the user: multipart "file" (+caption, chat_id) or JSON with data_base64."""
    handle = _user(request)
    data, _name, _mime, fields = await _upload(request)
    update_id = await handle.send_photo(
        data, caption=fields.get("caption") or None, chat=_chat_arg(request, fields)
    )
    return {"update_id": update_id}


@_control
async def user_sticker(request: web.Request) -> Any:
    """Send a sticker as the user: {"emoji"?, "chat_id"?}."""
    handle = _user(request)
    body = await _body(request)
    update_id = await handle.send_sticker(emoji=str(body.get("emoji", "👍")), chat=_chat_arg(request, body))
    return {"update_id": update_id}


@_control
async def user_block(request: web.Request) -> Any:
    """Block or unblock the bot as the user: {"blocked": true|false}."""
    handle = _user(request)
    body = await _body(request)
    if body.get("blocked", True):
        handle.block()
    else:
        handle.unblock()
    return _user_json(handle.emulator, handle.id)


@_control
async def chat_messages(request: web.Request) -> Any:
    """Return a chat's messages changed after ?after=SEQ, waiting up to ?timeout=S for one to appear."""
    emu = _emu(request)
    chat_id = _int(request.match_info["chat_id"], "chat_id")
    if chat_id not in emu.chats:
        raise _ControlError(404, f"no chat {chat_id}")
    after = _int(request.query.get("after", "0"), "after")
    try:
        wait = min(max(float(request.query.get("timeout", "0")), 0.0), MAX_WAIT)
    except ValueError as exc:
        raise _ControlError(400, "timeout must be a number") from exc

    def changed() -> list[Any]:
        return [m for m in emu.messages(chat_id, include_deleted=True) if m.seq > after]

    found = changed()
    if not found and wait > 0:
        # A stopping emulator answers at once: a pending long poll must not hold up its shutdown.
        with contextlib.suppress(TimeoutError):
            await emu.wait_for(lambda: changed() or emu.stopping, wait, f"messages in chat {chat_id}")
        found = changed()
    return {
        "chat_id": chat_id,
        "messages": [m.to_json() for m in sorted(found, key=lambda m: m.seq)],
        "seq": emu.marker().seq,
        "reply_keyboard": emu.reply_keyboard(chat_id),
        "menu_button": emu.handle(chat_id).menu_button() if chat_id in emu.users else None,
        "chat_actions": emu.chat_actions.get(chat_id, [])[-5:],
    }


@_control
async def control_file(request: web.Request) -> Any:
    """Download a file by file_id (photos and documents either side sent)."""
    emu = _emu(request)
    stored = emu.files.get(request.match_info["file_id"])
    if stored is None:
        raise _ControlError(404, "no such file")
    response = web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")
    if stored.file_name:
        response.headers["Content-Disposition"] = f'attachment; filename="{stored.file_name}"'
    return response


@_control
async def commands(request: web.Request) -> Any:
    """Return a command menu: ?user_id=&chat_id= resolves what that user sees; else ?scope=&language_code=."""
    emu = _emu(request)
    query = request.query
    chat_id = _int(query["chat_id"], "chat_id") if "chat_id" in query else None
    user_id = _int(query["user_id"], "user_id") if "user_id" in query else None
    if "scope" not in query and user_id is not None:
        return {"commands": emu.visible_commands(user_id, chat_id)}
    stored = emu.commands(
        query.get("scope", "default"), query.get("language_code", ""), chat_id=chat_id, user_id=user_id
    )
    return {"commands": stored}


@_control
async def all_commands(request: web.Request) -> Any:
    """Return every stored command menu with its scope and language."""
    emu = _emu(request)
    return [
        {
            "scope": scope,
            "chat_id": chat_id,
            "user_id": user_id,
            "language_code": language,
            "commands": commands,
        }
        for ((scope, chat_id, user_id), language), commands in emu.my_commands.items()
    ]


def _flood_json(flood: FloodControl | None) -> dict[str, Any] | None:
    """Return flood control settings as JSON (None when off)."""
    if flood is None:
        return None
    return {
        "per_second": flood.per_second,
        "per_chat_per_second": flood.per_chat_per_second,
        "per_group_per_minute": flood.per_group_per_minute,
        "retry_after": flood.retry_after,
    }


def _faults_json(faults: Faults | None) -> dict[str, Any] | None:
    """Return fault injection settings as JSON (None when off)."""
    if faults is None:
        return None
    return {
        "rate": faults.rate,
        "kinds": list(faults.kinds),
        "seed": faults.seed,
        "methods": sorted(faults.methods) if faults.methods is not None else None,
    }


@_control
async def set_flood(request: web.Request) -> Any:
    """Turn flood control on with {"per_second", ...} or off with {} / {"enabled": false}."""
    emu = _emu(request)
    body = await _body(request)
    if not body or body.get("enabled") is False:
        emu.flood = None
    else:
        emu.flood = FloodControl(
            per_second=_int(body.get("per_second", 30), "per_second"),
            per_chat_per_second=body.get("per_chat_per_second"),
            per_group_per_minute=body.get("per_group_per_minute"),
            retry_after=body.get("retry_after"),
        )
    return {"flood": _flood_json(emu.flood)}


@_control
async def set_faults(request: web.Request) -> Any:
    """Turn fault injection on with {"rate", "kinds", "seed", "methods"} or off with {}."""
    emu = _emu(request)
    body = await _body(request)
    if not body or body.get("enabled") is False:
        emu.faults = None
    else:
        methods = body.get("methods")
        emu.faults = Faults(
            rate=float(body.get("rate", 0.1)),
            kinds=tuple(body.get("kinds", ("502", "drop"))),
            seed=body.get("seed"),
            methods=frozenset(methods) if methods is not None else None,
        )
    return {"faults": _faults_json(emu.faults)}


@_control
async def errors(request: web.Request) -> Any:
    """Return the rejected calls that point at bugs in the bot."""
    return [
        {"method": e.method, "params": _jsonable(e.params), "description": e.description, "status": e.status}
        for e in _emu(request).errors
    ]


@_control
async def clear_errors(request: web.Request) -> Any:
    """Forget the recorded errors."""
    emu = _emu(request)
    count = len(emu.errors)
    emu.errors.clear()
    return {"cleared": count}


@_control
async def counters(request: web.Request) -> Any:
    """Return the counters (deliveries per chat, 429s, 403s, faults, duplicates, updates)."""
    return _emu(request).counters.to_json()


@_control
async def calls(request: web.Request) -> Any:
    """Return the calls from index ?after= on, and the index to ask from next time."""
    emu = _emu(request)
    after = max(_int(request.query.get("after", "0"), "after"), 0)
    return {
        "calls": [
            {
                "method": c.method,
                "params": _jsonable(c.params),
                "status": c.status,
                "description": c.description,
            }
            for c in emu.calls[after:]
        ],
        "next": len(emu.calls),
    }


@_control
async def callbacks(request: web.Request) -> Any:
    """Return the button presses and the bot's answers (answer null: never answered)."""
    return [
        {
            "id": q.id,
            "update_id": q.update_id,
            "user_id": q.user_id,
            "chat_id": q.chat_id,
            "message_id": q.message_id,
            "data": q.data,
            "answer": q.answer,
        }
        for q in _emu(request).callback_queries.values()
    ]


@_control
async def update_status(request: web.Request) -> Any:
    """Return what became of an update; ?wait=S waits up to S seconds for the bot to fetch it."""
    emu = _emu(request)
    update_id = _int(request.match_info["update_id"], "update_id")
    record = emu.updates.get(update_id)
    if record is None:
        raise _ControlError(404, f"no update {update_id}")
    wait = min(max(float(request.query.get("wait", "0")), 0.0), MAX_WAIT)
    if wait and not record.dropped and not record.fetched:
        with contextlib.suppress(TimeoutError):
            await emu.wait_for(lambda: record.fetched, wait, f"update {update_id}")
    return {
        "update_id": record.update_id,
        "kind": record.kind,
        "fetched": record.fetched,
        "fetch_count": record.fetch_count,
        "confirmed": record.confirmed,
        "dropped": record.dropped,
    }


def _jsonable(value: Any) -> Any:
    """Return value with anything JSON cannot carry turned into its repr."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        if isinstance(value, dict):
            return {str(k): _jsonable(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [_jsonable(v) for v in value]
        return repr(value)
    return value
