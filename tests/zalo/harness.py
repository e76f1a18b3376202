"""Drive the real chibo on Zalo through the Zalo emulator, as people would: they type, and read plain text.

A dialog is a table of (what the user types, what the bot must answer); on Zalo a button is pressed
by typing its number or its label, so there is no "[Label]" here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import ChiboApp, Runtime, build_applications, start, stop, web_server
from bot.channels.web.server import WebServer
from bot.channels.zalo.updates import number_of_message
from bot.config import Settings
from bot.devtools.telegram_emulator import BotApiEmulator
from bot.devtools.telegram_emulator.testing import free_port
from bot.devtools.zalo_emulator import ZaloChatMessage, ZaloEmulator, ZaloUser
from bot.processor import PerUserUpdateProcessor
from tests.e2e.harness import TOKEN, FakeClock

ZALO_TOKEN = "987654321:TEST-zalo-token-for-the-local-emulator"


@dataclass
class Said:
    """What the bot answered to one message: the messages it sent."""

    messages: list[ZaloChatMessage]

    @property
    def text(self) -> str:
        return "\n".join(m.text or m.caption or "" for m in self.messages)

    def __contains__(self, fragment: str) -> bool:
        return fragment in self.text


@dataclass
class ZaloPerson:
    """Someone talking to the bot on Zalo in a private chat."""

    user: ZaloUser
    bot: RunningZalo

    @property
    def id(self) -> str:
        return self.user.id

    async def send(self, text: str) -> Said:
        """Type a text and return the answer."""
        marker = self.user.marker()
        await self.bot.processed(await self.user.send(text))
        return Said(self.user.bot_messages_since(marker))

    async def dialog(self, steps: Iterable[tuple[str, str | list[str]]]) -> list[Said]:
        """Play a dialog: every expected fragment must appear in the answer to its message."""
        answers = []
        for typed, expected in steps:
            said = await self.send(typed)
            for fragment in [expected] if isinstance(expected, str) else expected:
                assert fragment in said, (
                    f"after {typed!r} the bot should say {fragment!r}; it said:\n{said.text}"
                )
            answers.append(said)
        return answers

    def texts(self) -> list[str]:
        return [m.text or m.caption or "" for m in self.user.bot_messages()]


@dataclass
class RunningZalo:
    """The real application(s) on one database: Zalo, or Telegram and Zalo in one process."""

    zalo: ZaloEmulator
    db_path: Path
    clock: FakeClock
    zalo_admins: frozenset[str] = frozenset()
    telegram: BotApiEmulator | None = None
    telegram_admins: frozenset[int] = frozenset()
    public: bool = True  # serve signed links (CHIBO_PUBLIC_URL)
    locale: str = "vi"
    zalo_rate: float = 50.0  # brisker than the deployment's default 10 a second (test_pace runs that)
    formatting: bool = True
    keep_photos: bool = False
    photo_max_mb: int = 5
    photos_max_mb: int = 2048
    apps: dict[str, ChiboApp] = field(default_factory=dict)
    web: WebServer | None = None
    port: int = field(default_factory=free_port)
    people: dict[str, ZaloPerson] = field(default_factory=dict)
    runtime: Runtime | None = None

    @property
    def settings(self) -> Settings:
        return Settings(
            token=TOKEN if self.telegram is not None else None,
            bot_api_url=self.telegram.base_url
            if self.telegram is not None
            else "https://api.telegram.org/bot",
            zalo_token=ZALO_TOKEN,
            zalo_api_url=self.zalo.api_url,
            db_path=self.db_path,
            admins=self.telegram_admins,
            zalo_admins=self.zalo_admins,
            public_url=f"http://127.0.0.1:{self.port}" if self.public else None,
            locale=self.locale,
            root_name="Đảng bộ các Khu công nghiệp",
            tick_seconds=0,  # scheduled work runs when a test calls tick()
            zalo_rate=self.zalo_rate,
            zalo_formatting=self.formatting,
            zalo_keep_photos=self.keep_photos,
            # The emulator plays Zalo's media servers on the loopback (Zalo's are https://*.zdn.vn).
            zalo_media_hosts=("127.0.0.1",),
            photo_max_mb=self.photo_max_mb,
            photos_max_mb=self.photos_max_mb,
        )

    @property
    def app(self) -> ChiboApp:
        return self.apps["zalo"]

    async def start(self) -> RunningZalo:
        runtime = Runtime(self.settings, self.clock)
        channels = ["telegram", "zalo"] if self.telegram is not None else ["zalo"]
        self.apps = build_applications(self.settings, channels, runtime)
        for app in self.apps.values():
            await start(app, poll_timeout=5)
        self.runtime = runtime
        self.web = web_server(runtime, self.apps, secret="unused-here", webhooks=False)
        if self.web is not None:
            await self.web.start("127.0.0.1", self.port)
        self.runtime = runtime
        return self

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.stop()
            self.web = None
        for app in self.apps.values():  # the scheduler's application first, as serve() does
            await stop(app)
        self.apps = {}

    async def restart(self) -> None:
        """Build new applications on the same database file, as after a crash or a deploy."""
        await self.stop()
        await self.start()

    async def tick(self) -> None:
        """Run the scheduler once, as the periodic job does."""
        scheduler = self.app.bot_data.scheduler
        assert scheduler is not None
        await scheduler.tick()

    async def processed(self, message_id: str, channel: str = "zalo") -> None:
        processor = self.apps[channel].update_processor
        assert isinstance(processor, PerUserUpdateProcessor)
        await processor.wait_processed(number_of_message(message_id))

    def person(self, user_id: str, name: str) -> ZaloPerson:
        """Return someone on Zalo (created on first use)."""
        if user_id not in self.people:
            self.people[user_id] = ZaloPerson(self.zalo.user(user_id, name), self)
        return self.people[user_id]


async def register(admin: ZaloPerson, person: ZaloPerson, unit: str, role: str) -> None:
    """Invite someone to a unit with a role (from Zalo) and have them accept on Zalo."""
    invite = await admin.send(f"/invite {unit} {role}")
    token = invite.text.split("/start ", 1)[1].split()[0]
    welcome = await person.send(f"/start {token}")
    assert "/help" in welcome.text or "/whoami" in welcome.text, welcome.text
