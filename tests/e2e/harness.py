"""Drive the real chibo Application through the Bot API emulator, as people would.

A dialog is a table of (what the user does, what the bot must answer): a text or command is
sent as typed, "[Label]" presses the button with that label on the newest message having it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import ALLOWED_UPDATES, ChiboApp, build_application, start, stop
from bot.config import Settings
from bot.devtools.telegram_emulator import BotApiEmulator, ChatMessage, UserHandle
from bot.processor import PerUserUpdateProcessor

TOKEN = "123456:TEST-token-for-the-local-emulator"


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, start_at: datetime | None = None) -> None:
        self.now = start_at or datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Reply:
    """What the bot answered to one action: the messages it sent or changed."""

    messages: list[ChatMessage]

    @property
    def texts(self) -> list[str]:
        return [m.text or m.caption or "" for m in self.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def last(self) -> ChatMessage:
        assert self.messages, "the bot did not answer"
        return self.messages[-1]

    @property
    def buttons(self) -> list[str]:
        return [b.text for m in self.messages for row in m.buttons for b in row]

    def __contains__(self, fragment: str) -> bool:
        return fragment in self.text


@dataclass
class Person:
    """Someone talking to the bot in a private chat."""

    handle: UserHandle
    bot: RunningBot

    @property
    def id(self) -> int:
        return self.handle.id

    async def _wait(self, update_id: int, marker: Any) -> Reply:
        await self.bot.processed(update_id)
        return Reply(self.handle.bot_messages_since(marker))

    async def send(self, text: str) -> Reply:
        """Send a text or a command and return the answer."""
        marker = self.handle.marker()
        return await self._wait(await self.handle.send(text), marker)

    async def press(self, label: str) -> Reply:
        """Press a button and return the answer."""
        marker = self.handle.marker()
        return await self._wait(await self.handle.press(label), marker)

    async def press_data(self, message_id: int, data: str, *, strict: bool = True) -> Reply:
        """Press a button of a given message by its data (an old message, or a button gone since)."""
        marker = self.handle.marker()
        return await self._wait(await self.handle.press_data(message_id, data, strict=strict), marker)

    def callback_answer(self) -> str | None:
        """Return the text of the bot's answer to this person's latest button press."""
        presses = [q for q in self.bot.emulator.callback_queries.values() if q.user_id == self.id]
        assert presses, "no button was pressed"
        answer = presses[-1].answer
        return None if answer is None else str(answer.get("text") or "")

    async def sticker(self) -> Reply:
        marker = self.handle.marker()
        return await self._wait(await self.handle.send_sticker(), marker)

    async def photo(self, data: bytes = b"\x89PNG fake") -> Reply:
        marker = self.handle.marker()
        return await self._wait(await self.handle.send_photo(data), marker)

    async def do(self, action: str) -> Reply:
        """Send text, or press a button written as [Label]."""
        if action.startswith("[") and action.endswith("]"):
            return await self.press(action[1:-1])
        return await self.send(action)

    async def dialog(self, steps: Iterable[tuple[str, str | list[str]]]) -> list[Reply]:
        """Play a dialog: every expected fragment must appear in the answer to its action."""
        replies = []
        for action, expected in steps:
            reply = await self.do(action)
            fragments = [expected] if isinstance(expected, str) else expected
            for fragment in fragments:
                shown = reply.text + "\n" + "\n".join(f"[{b}]" for b in reply.buttons)
                assert fragment in shown, (
                    f"after {action!r} the bot should say {fragment!r}; it said:\n{shown}"
                )
            replies.append(reply)
        return replies


@dataclass
class RunningBot:
    """The real application, started against the emulator."""

    emulator: BotApiEmulator
    db_path: Path
    admins: frozenset[int]
    clock: FakeClock
    locale: str = "vi"
    app: ChiboApp | None = None
    people: dict[int, Person] = field(default_factory=dict)
    public_url: str | None = None  # CHIBO_PUBLIC_URL: the dashboard's buttons point there

    @property
    def settings(self) -> Settings:
        return Settings(
            token=TOKEN,
            bot_api_url=self.emulator.base_url,
            db_path=self.db_path,
            admins=self.admins,
            locale=self.locale,
            root_name="Đảng bộ các Khu công nghiệp",
            tick_seconds=0,  # scheduled work runs when a test calls tick()
            public_url=self.public_url,
        )

    async def start(self) -> RunningBot:
        self.app = build_application(self.settings, clock=self.clock)
        await start(self.app, poll_timeout=5)
        return self

    async def start_webhook(self, port: int, secret: str) -> RunningBot:
        """Start the bot behind a webhook, as `chibo run --webhook-url` does; the emulator posts to it."""
        self.app = build_application(self.settings, clock=self.clock)
        await self.app.initialize()
        assert self.app.post_init is not None and self.app.updater is not None
        await self.app.post_init(self.app)
        await self.app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="telegram",
            webhook_url=f"http://127.0.0.1:{port}/telegram",
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
        await self.app.start()
        return self

    async def stop(self) -> None:
        if self.app is not None:
            await stop(self.app)
            self.app = None

    async def restart(self) -> None:
        """Build a new Application on the same database file, as after a crash or a deploy."""
        await self.stop()
        await self.start()

    async def tick(self) -> None:
        """Run the scheduler once, as the periodic job does."""
        assert self.app is not None
        await self.app.bot_data.scheduler.tick()  # type: ignore[union-attr]

    async def processed(self, update_id: int) -> None:
        assert self.app is not None
        processor = self.app.update_processor
        assert isinstance(processor, PerUserUpdateProcessor)
        await self.emulator.wait_fetched(update_id)
        await processor.wait_processed(update_id)

    def person(
        self, user_id: int, first_name: str, last_name: str | None = None, language: str = "vi"
    ) -> Person:
        """Return someone who talks to the bot (created on first use)."""
        if user_id not in self.people:
            handle = self.emulator.user(user_id, first_name, last_name=last_name, language_code=language)
            self.people[user_id] = Person(handle, self)
        return self.people[user_id]


async def register(bot: RunningBot, admin: Person, person: Person, unit: str, role: str) -> None:
    """Invite someone to a unit with a role and have them accept."""
    invite = await admin.send(f"/invite {unit} {role}")
    token = invite.text.split("?start=", 1)[1].split()[0]
    welcome = await person.send(f"/start {token}")
    assert "/help" in welcome.text or "/whoami" in welcome.text, welcome.text
