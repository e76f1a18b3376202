"""What the benchmarks and drills share: the machine, an emulator that times each bot message, seeding
through storage, the bot as a child process, a person's chat, percentiles and the report.

The emulator runs in the benchmark's own event loop and plays every user; the bot runs in a child
process (the real `chibo run`, a variant of it from bench.chibo_proc, or bench.echo_bot), so the two
sides do not share a CPU's worth of Python between them, as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bench.leanfake import LeanBotApi
from bot.devtools.telegram_emulator import BotApiEmulator, ChatMessage, UserHandle
from bot.devtools.telegram_emulator.models import Chat, User

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"  # generated databases and logs (gitignored)
PYTHON = sys.executable
# A token shaped like BotFather's (chibo's settings check the shape); the emulator accepts only it.
TOKEN = "123456:BENCH-token-of-the-local-emulator"
ADMIN_ID = 900
FIRST_SECRETARY_ID = 10_000


# ----- the machine --------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """Return what the numbers ran on: CPUs, CPU model, memory, Python, SQLite."""
    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0
    return {
        "nproc": str(cpus),
        "cpu": model,
        "ram": ram,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": f"{platform.system()} {platform.release()}",
    }


def machine_line() -> str:
    """Return the machine as one line for a report."""
    m = machine()
    return (
        f"nproc {m['nproc']}, CPU {m['cpu']}, RAM {m['ram']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}, {m['os']}"
    )


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used so far, from /proc; 0 when unknown."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        # The fields after the command name (which may hold spaces) : utime and stime are 14 and 15.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


# ----- numbers ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0-100) of values by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return a Markdown table (what the README shows)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def save_result(name: str, data: dict[str, Any]) -> Path:
    """Write a run's numbers as JSON under bench/.cache/results and return the file."""
    folder = CACHE / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2, ensure_ascii=False, default=str))
    return path


# ----- the emulator -------------------------------------------------------------------------------


class BenchEmulator(BotApiEmulator):
    """The Bot API emulator, noting when each bot message arrives and waking only its chat's waiter.

    The emulator's own waiting wakes every waiter on every change; with fifty people waiting that
    is work the bot under test would pay for in CPU of this process, so each chat has its own event.
    """

    def __init__(self, **kwargs: Any) -> None:
        """Create the emulator with the benchmark token."""
        super().__init__(TOKEN, **kwargs)
        self.arrived: dict[tuple[int, int], float] = {}
        self._events: dict[int, asyncio.Event] = {}

    async def __aenter__(self) -> BenchEmulator:
        """Start the emulator for an `async with` block."""
        await self.start()
        return self

    def post_message(
        self, chat: Chat, sender: User, kind: str, fields: dict[str, Any], **kwargs: Any
    ) -> ChatMessage:
        """Store a message as the emulator does; time a bot message and wake its chat."""
        message = super().post_message(chat, sender, kind, fields, **kwargs)
        if message.from_bot:
            self.arrived[(chat.id, message.message_id)] = time.perf_counter()
            event = self._events.get(chat.id)
            if event is not None:
                event.set()
        return message

    def chat_event(self, chat_id: int) -> asyncio.Event:
        """Return the event set whenever the bot posts a message in a chat."""
        return self._events.setdefault(chat_id, asyncio.Event())

    def calls_of(self, method: str) -> int:
        """Return how many calls of a method the bot made so far."""
        return self.counters.calls.get(method, 0)


class ChatView:
    """One person's private chat with the bot, read message by message as it grows."""

    def __init__(self, emu: BenchEmulator, user_id: int, name: str, language: str = "vi") -> None:
        """Create the person in the emulator."""
        self.emu = emu
        self.handle: UserHandle = emu.user(user_id, name, language_code=language)
        self.id = user_id
        self._next = 1  # the next message id of the chat not looked at yet

    def new_bot_messages(self) -> list[ChatMessage]:
        """Return the bot's messages posted since the last look (edits are not new messages)."""
        chat = self.emu.chats[self.id]
        found = []
        while self._next < chat.next_message_id:
            message = self.emu.message(self.id, self._next)
            self._next += 1
            if message is not None and message.from_bot:
                found.append(message)
        return found

    async def reply(
        self, within: float, accept: Callable[[ChatMessage], bool] = lambda _: True
    ) -> ChatMessage | None:
        """Wait for the bot's next message that accept() takes (others are skipped); None on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        event = self.emu.chat_event(self.id)
        while True:
            event.clear()
            for message in self.new_bot_messages():
                if accept(message):
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def arrival(self, message: ChatMessage) -> float:
        """Return when (perf_counter) the bot posted a message."""
        return self.emu.arrived[(self.id, message.message_id)]

    async def send(self, text: str) -> int:
        """Type and send a text; return the update id."""
        return await self.handle.send(text)

    async def press(self, message: ChatMessage, data: str) -> int:
        """Press the button with this callback data on a message; return the update id."""
        return await self.handle.press_data(message.message_id, data)


def button_data(message: ChatMessage) -> list[str]:
    """Return the callback data of every button of a message, row by row."""
    return [b.value for row in message.buttons for b in row if b.value is not None]


# ----- the bot as a process -----------------------------------------------------------------------


def bot_env(emu: BotApiEmulator | LeanBotApi, db_path: Path, **extra: str) -> dict[str, str]:
    """Return the environment of a bot process talking to the emulator (or fake) with a database file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHIBO_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        CHIBO_BOT_API_URL=emu.base_url,
        CHIBO_DB=str(db_path),
        CHIBO_ADMINS=str(ADMIN_ID),
        # Benchmarks run at any hour: no quiet hours holding the outbox until 07:00 in Hà Nội.
        CHIBO_QUIET_HOURS="00:00-00:00",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


CHIBO_RUN = ("-m", "bot.cli", "run")


@dataclass
class BotProcess:
    """A bot running in a child process, its output copied to a log file."""

    name: str
    args: Sequence[str]
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0
    _copier: asyncio.Task[None] | None = field(default=None, repr=False)
    _log: TextIO | None = field(default=None, repr=False)

    async def start(self) -> None:
        """Start the process (again, after a kill)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._log is None:
            self._log = self.log_path.open("a", encoding="utf-8")
        self._log.write(f"----- start {self.starts + 1} of {self.name}\n")
        self.process = await asyncio.create_subprocess_exec(
            PYTHON,
            *self.args,
            env=self.env,
            cwd=self.log_path.parent,  # no .env of the repository is read
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self.starts += 1
        self._copier = asyncio.create_task(self._copy(self.process))

    async def _copy(self, process: asyncio.subprocess.Process) -> None:
        # The log is this process's file: a full-disk drill limits the bot's writes, not these.
        assert process.stdout is not None and self._log is not None
        async for line in process.stdout:
            self._log.write(line.decode(errors="replace"))
        self._log.flush()

    @property
    def pid(self) -> int:
        """Return the process id."""
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        """Tell whether the process is alive."""
        return self.process is not None and self.process.returncode is None

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the process has used so far; 0 when unknown."""
        return cpu_seconds(self.pid)

    def peak_rss_mb(self) -> float:
        """Return the process's peak resident memory (VmHWM) in MiB; 0 when unknown."""
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    async def _ended(self) -> None:
        assert self.process is not None
        # Not process.wait(): on Python 3.11 it also waits for the output pipe to close, which a
        # child of the bot that outlives it (Litestream) keeps open.
        while self.process.returncode is None:  # noqa: ASYNC110 - no event to wait on here
            await asyncio.sleep(0.01)
        if self._copier is not None:
            # Copy what the bot wrote, not what that child may write until it ends.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._copier), 2.0)
            if not self._copier.done():
                self._copier.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._copier

    async def kill(self) -> None:
        """Kill the process with SIGKILL (no cleanup at all) and wait for it to end."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
        await self._ended()

    async def stop(self, within: float = 20.0) -> int:
        """Stop the process with SIGTERM (SIGKILL after a while); return its exit code."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self._ended(), within)
            except TimeoutError:
                await self.kill()
        else:
            await self._ended()
        if self._log is not None:
            self._log.flush()
        assert self.process is not None and self.process.returncode is not None
        return self.process.returncode

    def close(self) -> None:
        """Close the log file."""
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 30) -> str:
        """Return the end of the log, for error messages."""
        if self._log is not None:
            self._log.flush()
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def ready(self, emu: BenchEmulator, *, within: float = 60.0, webhook: bool = False) -> None:
        """Wait until the bot listens: it polls getUpdates, or (webhook) set its webhook."""
        polls = emu.calls_of("getUpdates")
        webhooks = emu.calls_of("setWebhook")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            if webhook and emu.calls_of("setWebhook") > webhooks and emu.webhook.url:
                return
            if not webhook and emu.calls_of("getUpdates") > polls:
                return
            if not self.running:
                raise RuntimeError(f"{self.name} ended at start:\n{self.log_tail()}")
            if loop.time() > deadline:
                raise TimeoutError(f"{self.name} not ready after {within}s:\n{self.log_tail()}")
            await asyncio.sleep(0.02)


# ----- seeding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """A secretary registered in a fresh database."""

    telegram_id: int
    name: str
    cell_code: str


async def seed(
    db_path: Path,
    secretaries: int,
    *,
    committee: str = "kcn-bench",
    first_id: int = FIRST_SECRETARY_ID,
    now: datetime | None = None,
) -> list[Seeded]:
    """Create a committee with one cell per secretary and register the secretaries, through storage.

    Their chats already show the secretaries' menu (as for people who have used the bot before), so a
    benchmark measures the steady state rather than each person's first contact.
    """
    # Imported here: building the application registers every command, as `chibo run` does.
    from bot import commands  # noqa: PLC0415
    from bot.app import build_application  # noqa: PLC0415
    from bot.config import Settings  # noqa: PLC0415
    from bot.i18n import translator  # noqa: PLC0415
    from storage import units, users  # noqa: PLC0415
    from storage.database import Database  # noqa: PLC0415
    from storage.models import Role  # noqa: PLC0415

    build_application(Settings(token=TOKEN))
    menu = commands.menu_hash(Role.SECRETARY, translator("vi"))
    moment = now or datetime.now(UTC)
    seeded = []
    async with Database(db_path) as db:
        await db.migrate()
        async with db.transaction() as tx:
            parent = await units.add(tx, committee, f"Đảng bộ {committee.upper()}", units.ROOT_ID, moment)
            for i in range(secretaries):
                code = f"{committee}-cb{i:05d}"
                cell = await units.add(
                    tx, code, f"Chi bộ Công ty {committee.upper()} số {i + 1}", parent.id, moment
                )
                telegram_id = first_id + i
                name = f"Bí thư {telegram_id}"
                user = await users.upsert_contact(tx, "telegram", str(telegram_id), name, moment)
                await users.set_role(tx, user.id, Role.SECRETARY, cell.id, moment)
                await users.set_menu_hash(tx, user.id, menu)
                seeded.append(Seeded(telegram_id, name, code))
    return seeded


def fresh_db(folder: Path, name: str) -> Path:
    """Return the path of a database file that does not exist yet (left-overs removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def query(db_path: Path, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
    """Read the bot's database from outside (a second connection, as an admin would)."""
    with contextlib.closing(sqlite3.connect(db_path, timeout=30)) as db:
        db.row_factory = sqlite3.Row
        return list(db.execute(sql, params))


def scalar(db_path: Path, sql: str, params: Sequence[object] = ()) -> Any:
    """Return the first column of the first row of a query on the bot's database."""
    return query(db_path, sql, params)[0][0]
