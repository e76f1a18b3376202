"""The sandbox: the real bot against the local Bot API emulator, with no Telegram account and no
internet, and a web page that looks like a chat app on a phone.

`chibo sandbox` (or `chibo` with no TELEGRAM_BOT_TOKEN) starts the emulator, seeds a fresh SQLite
file with the demo committee (sandbox/demo.py), and starts the same application `chibo run` builds. You
can be three people: a cell secretary and a committee member, who accepted real invitations, and
the admin (user 1000, an admin by configuration as CHIBO_ADMINS makes one). The page
(bot/devtools/sandbox/page/) is served by the emulator's own server, beside its JSON control API under /_emu/,
which the page uses to send, press buttons and long-poll each chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import ChiboApp, Runtime, build_application, dashboard_of, start, stop
from bot.channels.web.server import WebServer
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.devtools.sandbox import demo
from bot.devtools.telegram_emulator import BotApiEmulator
from bot.devtools.telegram_emulator.server import add_routes
from bot.features import admin
from bot.features.access import TELEGRAM
from storage.database import Database
from storage.models import Role

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "777000:sandbox-token-for-the-local-emulator"
BOT_USERNAME = "chibo_sandbox_bot"
SANDBOX_ADMIN = 1000
SANDBOX_SECRETARY = 1001
SANDBOX_COMMITTEE = 1002
READY = "chibo sandbox: open"  # the start of the line printed once the page can be opened
REGISTRATION_WAIT = 30.0  # seconds: the bot answers at once; this only bounds a broken start
ANSWER_WAIT_MAX = 10.0  # seconds a page may wait for the answer to a button press

_STATIC = {"app.js": "text/javascript", "app.css": "text/css"}


class PortUnavailableError(Exception):
    """The sandbox's address is taken (another sandbox, another server) or cannot be bound."""


@dataclass(frozen=True)
class Persona:
    """Someone the page lets you be; each has their own chat with the bot."""

    user_id: int
    name: str
    role: Role
    unit_code: str  # the unit of their invitation (the admin is one by configuration)


PERSONAS: tuple[Persona, ...] = (
    Persona(SANDBOX_SECRETARY, "Nguyễn Thị Lan", Role.SECRETARY, demo.SECRETARY_CELL),
    Persona(SANDBOX_COMMITTEE, "Trần Văn Hùng", Role.COMMITTEE, "root"),
    Persona(SANDBOX_ADMIN, "Phạm Minh Đức", Role.ADMIN, "root"),
)


@dataclass
class Sandbox:
    """A running sandbox: the emulator (and its page), the bot, and the demo it was seeded with."""

    emulator: BotApiEmulator
    app: ChiboApp
    settings: Settings
    demo: demo.DemoSummary
    runtime: Runtime

    @property
    def url(self) -> str:
        """Return the address of the page."""
        return self.emulator.url

    @property
    def dashboard_url(self) -> str:
        """Return the address of the dashboard (the bot's web server, on its own port)."""
        assert self.settings.public_url is not None
        return self.settings.public_url + "/dashboard"


def _free_port(host: str) -> int:
    """Return a port free on host now (the bot's web server takes it a moment later)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def sandbox_settings(
    settings: Settings, emulator: BotApiEmulator, folder: Path, public_url: str | None = None
) -> Settings:
    """Return the settings of the sandbox's bot: the emulator, a fresh database, the demo's admin, and
    the address of its web server (the dashboard), plain http on loopback as the emulator allows."""
    return replace(
        settings,
        token=SANDBOX_TOKEN,
        bot_api_url=emulator.base_url,
        public_url=public_url,
        db_path=folder / "sandbox.db",
        admins=frozenset({SANDBOX_ADMIN}),
        root_name=demo.COMMITTEE_NAME,
        webhook_secret=None,
        # No quiet hours: a demo runs at any hour, and what the scheduler buttons queue must show now.
        quiet_start=time(0, 0),
        quiet_end=time(0, 0),
    )


async def _seed(settings: Settings, now: Clock) -> demo.DemoSummary:
    """Write the demo into the sandbox's database and register the invited personas.

    They accept real invitations (admin.invite, then admin.redeem as /start does) before the bot
    starts, so the scheduler's first run already finds the secretary and sends her the reminders.
    """
    async with Database(settings.db_path) as db:
        await db.migrate()
        summary = await demo.seed(db, now(), settings.timezone)
        for persona in PERSONAS:
            if persona.user_id in settings.admins:
                continue
            token, _, _ = await admin.invite(
                db, None, persona.unit_code, persona.role.value, now(), settings.invitation_days
            )
            joined = await admin.redeem(db, TELEGRAM, str(persona.user_id), persona.name, token, now())
            if persona.role is Role.COMMITTEE:
                await demo.seed_working_group(db, joined.user.id, now(), settings.timezone)
    return summary


async def _open_chats(emulator: BotApiEmulator, year: int) -> None:
    """Have each persona open their chat with /start, and the admin set this year's admission target."""
    for persona in PERSONAS:
        handle = emulator.handle(persona.user_id)
        commands = ["/start"]
        if persona.role is Role.ADMIN:
            # The digest measures admissions against it; the admin's chat shows how it is set.
            commands.append(f"/target root {year} {demo.ADMISSION_TARGET}")
        for command in commands:
            update_id = await handle.send(command)
            await handle.wait_bot_messages(update_id, within=REGISTRATION_WAIT)


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    folder: Path,
    clock: Clock = system_clock,
) -> AsyncIterator[Sandbox]:
    """Run a seeded sandbox (port 0 picks a free port) with its database in folder, until the block ends."""
    emulator = BotApiEmulator(
        SANDBOX_TOKEN, bot_username=BOT_USERNAME, bot_first_name="chibo", host=host, port=port
    )
    add_routes(emulator, _routes(emulator))
    try:
        await emulator.start()
    except OSError as exc:
        raise PortUnavailableError(
            f"cannot serve the sandbox on {host}:{port} ({exc.strerror or exc})"
        ) from exc
    try:
        for persona in PERSONAS:
            emulator.user(persona.user_id, persona.name, language_code="vi")
        web_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        web_port = _free_port(web_host)
        public_url = f"http://{'[' + web_host + ']' if ':' in web_host else web_host}:{web_port}"
        bot_settings = sandbox_settings(settings, emulator, folder, public_url)
        summary = await _seed(bot_settings, clock)
        runtime = Runtime(bot_settings, clock)
        app = build_application(bot_settings, clock=clock, runtime=runtime)
        await start(app)
        # The dashboard opens in a frame of the page, as Telegram Web shows a Mini App.
        web = WebServer(secret="", dashboard=dashboard_of(runtime, frame_ancestors=[_origin(emulator.url)]))
        try:
            await web.start(web_host, web_port)
            await _open_chats(emulator, clock().astimezone(bot_settings.timezone).year)
            yield Sandbox(emulator, app, bot_settings, summary, runtime)
        finally:
            await web.stop()
            await stop(app)
    finally:
        await emulator.stop()


def _origin(url: str) -> str:
    """Return the scheme, host and port of a URL."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/')[0]}"


# --------------------------------------------------------------------- the page


def _routes(emulator: BotApiEmulator) -> list[web.RouteDef]:
    """Return the page's routes: the page itself, its files, who you can be, and button answers."""

    async def index(request: web.Request) -> web.StreamResponse:
        return _file("index.html", "text/html")

    async def static(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in _STATIC:
            raise web.HTTPNotFound()
        return _file(name, _STATIC[name])

    async def state(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {
                "bot": {"name": emulator.bot.first_name, "username": emulator.bot.username},
                "committee": demo.COMMITTEE_NAME,
                "admin_id": SANDBOX_ADMIN,
                "personas": [
                    {
                        "id": p.user_id,
                        "name": p.name,
                        "role": p.role.value,
                        "unit": demo.demo_cell(p.unit_code).name
                        if p.unit_code != "root"
                        else demo.COMMITTEE_NAME,
                    }
                    for p in PERSONAS
                ],
            }
        )

    async def answer(request: web.Request) -> web.StreamResponse:
        """Return the bot's answer to a button press (the toast Telegram shows), waiting for it."""
        try:
            update_id = int(request.match_info["update_id"])
            wait = min(max(float(request.query.get("timeout", "5")), 0.0), ANSWER_WAIT_MAX)
        except ValueError:
            raise web.HTTPBadRequest(text="update_id and timeout are numbers") from None

        def answered() -> dict[str, Any] | None:
            for query in emulator.callback_queries.values():
                if query.update_id == update_id and query.answer is not None:
                    return query.answer
            return None

        def settled() -> bool:
            return answered() is not None or emulator.stopping

        if wait:
            with contextlib.suppress(TimeoutError):
                await emulator.wait_for(settled, wait, "the answer to a button press")
        result = answered()
        return web.json_response(
            {
                "answered": result is not None,
                "text": (result or {}).get("text") or "",
                "show_alert": bool((result or {}).get("show_alert")),
            }
        )

    return [
        web.get("/", index),
        web.get("/sandbox/state", state),
        web.get("/sandbox/answers/{update_id}", answer),
        web.get("/sandbox/{name}", static),
    ]


def _file(name: str, content_type: str) -> web.Response:
    """Return one of the page's files (read on each request, so an edited file shows on reload)."""
    text = resources.files("bot.devtools.sandbox.page").joinpath(name).read_text(encoding="utf-8")
    return web.Response(
        text=text, content_type=content_type, charset="utf-8", headers={"Cache-Control": "no-store"}
    )


# --------------------------------------------------------------------- the command line


async def serve(settings: Settings, *, host: str, port: int) -> None:
    """Run the sandbox until SIGINT or SIGTERM, on a database that lasts as long as it runs."""
    with tempfile.TemporaryDirectory(prefix="chibo-sandbox-") as folder:
        async with running(settings, host=host, port=port, folder=Path(folder)) as sandbox:
            summary = sandbox.demo
            print(
                f"chibo sandbox: the bot runs against a local Bot API emulator, with the demo committee "
                f"{summary.committee.name} ({len(summary.cells)} cells, {summary.members} members)",
                flush=True,
            )
            print(f"{READY} {sandbox.url} in a browser (Ctrl-C stops it)", flush=True)
            stopped = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, stopped.set)
            await stopped.wait()
            print("chibo sandbox: stopping", flush=True)


def main(settings: Settings, *, port: int, host: str) -> int:
    """Run the sandbox from the command line."""
    try:
        asyncio.run(serve(settings, host=host, port=port))
    except KeyboardInterrupt:
        return 0
    except PortUnavailableError as exc:
        print(f"chibo: {exc}; try another port, e.g. `chibo sandbox --port 8090`", file=sys.stderr)
        return 2
    return 0
