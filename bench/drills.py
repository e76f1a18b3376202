"""Fault drills: what the bot keeps and what it loses when things go wrong around it.

    python -m bench drills [kill|faults|webhook|locked|diskfull ...] [--secretaries 20] [--kills 10]

Every drill runs the real `chibo run` process against the emulator, with secretaries filling /activity
forms the way people do: they answer whatever the bot asks, and when it stays silent for a few seconds
(it was killed, or its answer was lost) they send /activity again, which offers to continue the open
form. Each form has a title of its own, so the database tells which forms were stored and how often.

- kill: kill -9 the bot every few seconds while the secretaries fill forms and a broadcast goes out,
  restart it each time; then every secretary leaves a form half done, and after the last restart each
  one asks to continue it.
- faults: the emulator answers 502 or drops the connection on one sending request in ten.
- webhook: the bot behind a webhook; the emulator delivers every update three times.
- locked: another process holds the database's write lock for longer than the bot's busy timeout.
- diskfull: the bot process may not write a byte to any file for a few seconds (RLIMIT_FSIZE = 0, the
  way a full disk refuses writes).

The counts: sent (updates the secretaries sent), confirmed (forms whose "Saved" answer the secretary
received), stored (forms in the database), duplicates (forms stored more than once, broadcast messages
received more than once), lost (confirmed forms not stored, broadcast messages never received). The
short versions in tests/drills assert what the bot promises about them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import resource
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    ADMIN_ID,
    CACHE,
    CHIBO_RUN,
    FIRST_SECRETARY_ID,
    BenchEmulator,
    BotProcess,
    ChatView,
    bot_env,
    button_data,
    fresh_db,
    machine_line,
    query,
    save_result,
    scalar,
    seed,
    table,
)
from bot.devtools.telegram_emulator import ChatMessage, Faults, FloodControl
from bot.devtools.telegram_emulator.testing import free_port
from bot.features import replication
from bot.i18n import translator

_t = translator("vi")
SAVED = _t("✅ Saved: {title}.").split("{", 1)[0]
BUSY = _t("The database is busy right now. Nothing was saved; please try again in a moment.")
SORRY = _t(
    "Sorry, something went wrong on my side. Please try again; if it happens again, "
    "tell your committee's office."
).split(".", 1)[0]
QUESTION = re.compile(r"· (\d+)/(\d+)")
SCHEDULED = ("📢", "📅", "🗓", "⏰", "📣", "↩️")  # broadcasts, reminders, nudges: no answers to her
BROADCAST_BODY = "Diễn tập: thông báo số {n}"
BROADCAST_COMMITTEE = "kcn-tin"  # the cells that only receive the broadcast
FORMS_COMMITTEE = "kcn-mau"  # the cells whose secretaries fill forms


def form_action(data: str) -> str | None:
    """Return the action of a form button's callback data (v1:f:draft:version:action:arg), or None."""
    parts = data.split(":")
    return parts[4] if len(parts) >= 5 and parts[:2] == ["v1", "f"] else None


# ----- a secretary --------------------------------------------------------------------------------


@dataclass
class Secretary:
    """A secretary filling /activity forms one after another, answering what the bot asks.

    After `patience` seconds of silence she sends /activity again, which shows the open form's offer to
    continue (or a new form when none is open). She remembers every form she pressed Save on and every
    form whose "Saved" answer she received.
    """

    chat: ChatView
    patience: float
    on_update: Callable[[int], None] | None = None
    number: int = 0  # of the form being filled
    sent: int = 0
    confirmed: list[str] = field(default_factory=list)
    confirmed_at: dict[str, float] = field(default_factory=dict)  # when (perf_counter) "Saved" arrived
    save_pressed: set[str] = field(default_factory=set)
    busy_answers: int = 0
    error_answers: int = 0
    silences: int = 0
    drafts_lost: int = 0
    stopped_at: int | None = None  # the question left unanswered at the end
    anomalies: list[str] = field(default_factory=list)
    _pressed_on: str | None = None  # the title whose Save was pressed and not yet answered
    _answered: bool = False  # the open form has at least one answer the bot acknowledged
    _last: tuple[str, Any, str] = ("send", None, "/activity")
    _resuming: bool = False

    @property
    def title(self) -> str:
        """Return the title of the form being filled (unique per secretary and form)."""
        return f"Diễn tập {self.chat.id}-{self.number}"

    async def _do(self, kind: str, message: ChatMessage | None, value: str) -> None:
        self._last = (kind, message, value)
        self.sent += 1
        if kind == "send":
            update_id = await self.chat.send(value)
        else:
            assert message is not None
            update_id = await self.chat.press(message, value)
        if self.on_update is not None:
            self.on_update(update_id)

    async def _again(self) -> None:
        await self._do(*self._last)

    async def _ask(self) -> None:
        """Send /activity: the open form's offer to continue, or a new form."""
        self._resuming = False
        await self._do("send", None, "/activity")

    def _relevant(self, message: ChatMessage) -> bool:
        return not (message.text or "").startswith(SCHEDULED)

    def _account(self, message: ChatMessage) -> None:
        """Note a "Saved" answer, read in chat order, as the confirmation of the form whose Save she pressed.

        chibo finishes one update of a person (answer sent) before it starts her next, so the answer to a
        Save press always comes before the answers to what she did after it, even when it comes late.
        """
        if (message.text or "").startswith(SAVED):
            if self._pressed_on is None:
                self.anomalies.append(f"saved without a press: {message.text!r}")
            else:
                self.confirmed.append(self._pressed_on)
                self.confirmed_at[self._pressed_on] = self.chat.arrival(message)
            self._new_form()

    async def _latest(self, within: float) -> ChatMessage | None:
        """Return the bot's newest answer, None on silence; older answers that piled up are only noted."""
        first = await self.chat.reply(within, self._relevant)
        if first is None:
            return None
        piled = [first, *(m for m in self.chat.new_bot_messages() if self._relevant(m))]
        for message in piled:
            self._account(message)
        return piled[-1]

    async def run(self, stop: asyncio.Event) -> None:
        """Fill forms until stop is set, then stop at the next question after the first one."""
        await self._ask()
        silent = False
        while True:
            message = await self._latest(self.patience * (2 if silent else 1))
            if message is None:
                self.silences += 1
                silent = True
                await self._ask()
                continue
            silent = False
            await self._react(message, stop)
            if self.stopped_at is not None:
                return

    async def _react(self, message: ChatMessage, stop: asyncio.Event) -> None:
        text = message.text or ""
        actions: dict[str, str] = {}
        for data in button_data(message):
            action = form_action(data)
            if action is not None:
                actions.setdefault(action, data)
        if text.startswith(SAVED):
            await self._ask()  # the next form
        elif text == BUSY:
            self.busy_answers += 1
            await asyncio.sleep(0.5)
            await self._again()
        elif text.startswith(SORRY):
            self.error_answers += 1
            await asyncio.sleep(1.0)  # "please try again": a moment later, as people do
            await self._ask()
        elif "rs" in actions:
            self._resuming = True
            await self._do("press", message, actions["rs"])
        elif "ok" in actions:
            if self.title not in text:
                self.anomalies.append(f"review of another form: {text[:80]!r}")
            self._pressed_on = self.title
            self.save_pressed.add(self.title)
            await self._do("press", message, actions["ok"])
        elif (match := QUESTION.search(text)) is not None:
            await self._answer(int(match.group(1)), message, actions, stop)
        else:
            await self._ask()

    def _new_form(self) -> None:
        self.number += 1
        self._pressed_on = None
        self._answered = False

    async def _answer(
        self, question: int, message: ChatMessage, actions: dict[str, str], stop: asyncio.Event
    ) -> None:
        fresh = question == 1 and self._last == ("send", None, "/activity") and not self._resuming
        if question == 1 and (fresh or self._resuming) and self._pressed_on is not None:
            # The form whose Save she pressed is gone: saved without telling her. She starts the next
            # (also when the form offered to continue is a new one: an /activity of hers that came
            # through after the restart opened it, and its answer was lost to the next kill).
            self._new_form()
        elif fresh and self._answered:
            self.drafts_lost += 1
            self.anomalies.append(f"form {self.title} lost its draft")
            self._new_form()
        self._resuming = False
        if question >= 2:
            self._answered = True
            if stop.is_set():
                self.stopped_at = question
                return
        if question == 1:
            await self._do("send", None, "hôm nay")
        elif question == 2 and "a" in actions:
            await self._do("press", message, actions["a"])
        elif question == 3:
            await self._do("send", None, self.title)
        elif question == 4:
            await self._do("send", None, "25")
        elif question in (5, 6) and "sk" in actions:
            await self._do("press", message, actions["sk"])
        else:
            await self._ask()

    def read_the_rest(self) -> None:
        """Read the bot's answers that came and were not looked at yet."""
        for message in self.chat.new_bot_messages():
            if self._relevant(message):
                self._account(message)

    async def resume(self, within: float) -> bool:
        """Ask to continue the form left half done; tell whether the bot showed the question she left."""
        if self.stopped_at is None:
            return False
        self.read_the_rest()  # what came before is read
        await self._ask()
        offer = await self._latest(within)
        press = next((d for d in button_data(offer) if form_action(d) == "rs"), None) if offer else None
        if offer is None or press is None:
            self.anomalies.append(
                f"no offer to continue: {offer.text[:60] if offer and offer.text else offer!r}"
            )
            return False
        await self._do("press", offer, press)
        question = await self._latest(within)
        match = QUESTION.search(question.text or "") if question is not None else None
        if match is None or int(match.group(1)) != self.stopped_at:
            shown = question.text[:60] if question and question.text else question
            self.anomalies.append(f"left at question {self.stopped_at}, continued at {shown!r}")
            return False
        return True


# ----- the stage: a bot process, its emulator, its people -----------------------------------------


@dataclass
class Stage:
    """One drill's world: the emulator, the bot process, the secretaries, the broadcast's recipients."""

    name: str
    emu: BenchEmulator
    db_path: Path
    bot: BotProcess
    secretaries: list[Secretary]
    recipients: list[int]
    webhook: bool = False

    async def start_bot(self) -> None:
        """Start (or restart) the bot and wait until it listens."""
        await self.bot.start()
        await self.bot.ready(self.emu, webhook=self.webhook)


async def make_stage(
    name: str,
    folder: Path,
    emu: BenchEmulator,
    secretaries: int,
    passive: int,
    *,
    patience: float,
    webhook: bool = False,
) -> Stage:
    """Seed a fresh database (form fillers, broadcast-only secretaries) and create the people."""
    db_path = fresh_db(folder, name)
    await seed(db_path, secretaries, committee=FORMS_COMMITTEE)
    await seed(db_path, passive, committee=BROADCAST_COMMITTEE, first_id=FIRST_SECRETARY_ID + 50_000)
    people = [
        Secretary(ChatView(emu, FIRST_SECRETARY_ID + i, f"Bí thư {i}"), patience) for i in range(secretaries)
    ]
    recipients = [FIRST_SECRETARY_ID + 50_000 + i for i in range(passive)]
    for user_id in recipients:
        emu.user(user_id, f"Bí thư {user_id}", language_code="vi")
    args: tuple[str, ...] = CHIBO_RUN
    if webhook:
        port = free_port()
        args = (
            *CHIBO_RUN,
            "--webhook-url",
            f"http://127.0.0.1:{port}",
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
        )
    bot = BotProcess(name, args, bot_env(emu, db_path), folder / f"{name}.log")
    return Stage(name, emu, db_path, bot, people, [s.chat.id for s in people] + recipients, webhook)


async def send_broadcast(stage: Stage, n: int, within: float = 30.0) -> str:
    """Have the admin broadcast a numbered message to every secretary; return its text."""
    admin = ChatView(stage.emu, ADMIN_ID, "Quản trị")
    body = BROADCAST_BODY.format(n=n)
    await admin.send("/broadcast root")
    for action in ("body", "save"):
        answer = await admin.reply(within)
        if answer is None:
            raise TimeoutError(f"the broadcast form did not answer ({action})")
        if action == "body":
            await admin.send(body)
        else:
            save = next(d for d in button_data(answer) if form_action(d) == "ok")
            await admin.press(answer, save)
    if await admin.reply(within) is None:
        raise TimeoutError("the broadcast was not confirmed")
    return body


def broadcast_counts(stage: Stage, body: str) -> Counter[int]:
    """Return how many times each recipient received the broadcast."""
    counts: Counter[int] = Counter()
    for user_id in stage.recipients:
        counts[user_id] = sum(1 for m in stage.emu.messages(user_id) if m.from_bot and body in (m.text or ""))
    return counts


async def broadcast_done(stage: Stage, within: float, nudge: float | None = None) -> bool:
    """Wait until the outbox has no broadcast message left to deliver.

    With nudge, the admin sends /remind (which delivers what is due) every `nudge` seconds instead of
    waiting for the scheduler's next tick, 30 seconds after a failed delivery (short drills).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    admin = ChatView(stage.emu, ADMIN_ID, "Quản trị")
    nudged = loop.time()
    while loop.time() < deadline:
        if nudge is not None and loop.time() - nudged >= nudge:
            await admin.send("/remind")
            nudged = loop.time()
        pending = scalar(
            stage.db_path,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'broadcast' AND sent_at IS NULL AND failed_at IS NULL",
        )
        if pending == 0:
            return True
        await asyncio.sleep(0.5)
    return False


async def until_confirmed(stage: Stage, forms: int, within: float) -> None:
    """Wait until every secretary has had `forms` forms confirmed (a short drill must show progress)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if all(len(s.confirmed) >= forms for s in stage.secretaries):
            return
        await asyncio.sleep(0.2)


async def run_people(stage: Stage, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """Start every secretary filling forms."""
    return [asyncio.create_task(s.run(stop)) for s in stage.secretaries]


async def finish_people(tasks: list[asyncio.Task[None]], within: float) -> None:
    """Wait for every secretary to leave her last form half done (cancel those that cannot)."""
    done, pending = await asyncio.wait(tasks, timeout=within)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()


# ----- the report ---------------------------------------------------------------------------------


@dataclass
class DrillReport:
    """What a drill counted."""

    name: str
    sent: int = 0
    confirmed: int = 0
    stored: int = 0
    duplicates: int = 0
    lost: int = 0
    saved_unanswered: int = 0  # stored forms whose "Saved" answer the secretary never received
    broadcast: int = 0  # recipients of the broadcast
    broadcast_delivered: int = 0  # received exactly once
    broadcast_duplicates: int = 0
    broadcast_lost: int = 0
    unfinished: int = 0  # forms left half done at the end
    resumable: int = 0  # of them, continued where they were after the last restart
    partial_records: int = 0  # records without their draft closed and their audit line, or the reverse
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def row(self) -> list[object]:
        """Return the report's line of the drills table."""
        extra = ", ".join(f"{k} {v}" for k, v in self.extra.items())
        broadcast = (
            f"{self.broadcast_delivered}/{self.broadcast} once, {self.broadcast_duplicates} dup, "
            f"{self.broadcast_lost} lost"
            if self.broadcast
            else "-"
        )
        resumed = f"{self.resumable}/{self.unfinished}" if self.unfinished else "-"
        return [
            self.name,
            self.sent,
            self.confirmed,
            self.stored,
            self.duplicates,
            self.lost,
            self.saved_unanswered,
            broadcast,
            resumed,
            extra,
        ]


HEADER = [
    "drill",
    "sent",
    "confirmed",
    "stored",
    "duplicates",
    "lost",
    "saved, answer lost",
    "broadcast",
    "drafts resumed",
    "also",
]


def count_forms(stage: Stage, report: DrillReport) -> None:
    """Compare what the secretaries were told with what the database holds."""
    stored = Counter(
        str(r["title"]) for r in query(stage.db_path, "SELECT title FROM activities WHERE deleted_at IS NULL")
    )
    confirmed = Counter(t for s in stage.secretaries for t in s.confirmed)
    pressed = {t for s in stage.secretaries for t in s.save_pressed}
    report.sent = sum(s.sent for s in stage.secretaries)
    report.confirmed = sum(confirmed.values())
    report.stored = sum(stored.values())
    report.duplicates = sum(n - 1 for n in stored.values() if n > 1) + sum(
        n - 1 for n in confirmed.values() if n > 1
    )
    report.lost = sum(1 for title in confirmed if stored[title] == 0)
    report.saved_unanswered = sum(1 for title in stored if title not in confirmed)
    strays = [title for title in stored if title not in pressed]
    if strays:
        report.problems.append(f"stored without Save pressed: {strays[:3]}")
    for secretary in stage.secretaries:
        report.problems.extend(secretary.anomalies)
    # A record, its closed draft and its audit line are written in one transaction: all or none.
    records = scalar(stage.db_path, "SELECT COUNT(*) FROM activities")
    drafts = scalar(stage.db_path, "SELECT COUNT(*) FROM drafts WHERE form = 'activity' AND status = 'saved'")
    audits = scalar(stage.db_path, "SELECT COUNT(*) FROM audit_log WHERE action = 'activity.create'")
    report.partial_records = max(records, drafts, audits) - min(records, drafts, audits)


def count_broadcast(stage: Stage, body: str, report: DrillReport) -> None:
    """Count who received the broadcast how many times."""
    counts = broadcast_counts(stage, body)
    report.broadcast = len(stage.recipients)
    report.broadcast_delivered = sum(1 for n in counts.values() if n == 1)
    report.broadcast_duplicates = sum(n - 1 for n in counts.values() if n > 1)
    report.broadcast_lost = sum(1 for n in counts.values() if n == 0)


async def check_resumable(stage: Stage, report: DrillReport, within: float) -> None:
    """Have every secretary continue the form she left half done."""
    waiting = [s for s in stage.secretaries if s.stopped_at is not None]
    report.unfinished = len(waiting)
    results = await asyncio.gather(*(s.resume(within) for s in waiting))
    report.resumable = sum(results)


# ----- the drills ---------------------------------------------------------------------------------


async def kill_drill(
    folder: Path,
    *,
    secretaries: int = 20,
    kills: int = 10,
    every: tuple[float, float] = (2.0, 4.0),
    passive: int = 1000,
    patience: float = 4.0,
    seed_value: int = 7,
    at_least: int = 0,
) -> DrillReport:
    """kill -9 the bot every few seconds while forms are filled and a broadcast goes out."""
    rng = random.Random(seed_value)
    report = DrillReport("kill -9")
    async with BenchEmulator(flood=FloodControl(per_second=30)) as emu:
        stage = await make_stage("kill", folder, emu, secretaries, passive, patience=patience)
        await stage.start_bot()
        try:
            body = await send_broadcast(stage, 1)
            stop = asyncio.Event()
            tasks = await run_people(stage, stop)
            for _ in range(kills):
                await asyncio.sleep(rng.uniform(*every))
                await stage.bot.kill()
                await stage.start_bot()
            await until_confirmed(stage, at_least, within=60)
            stop.set()
            await finish_people(tasks, within=patience * 6 + 30)
            delivered = await broadcast_done(stage, within=passive / 20 + 60)
            if not delivered:
                report.problems.append("the broadcast did not finish")
            await asyncio.sleep(1.0)  # the last deliveries reach the emulator
            await check_resumable(stage, report, within=patience * 3)
        finally:
            await stage.bot.stop()
            stage.bot.close()
        count_forms(stage, report)
        count_broadcast(stage, body, report)
        report.extra = {"kills": kills, "429s": emu.counters.rate_limited}
        report.problems.extend(e.description for e in emu.errors[:3])
    return report


async def faults_drill(
    folder: Path,
    *,
    secretaries: int = 20,
    forms: float = 20.0,
    passive: int = 300,
    patience: float = 3.0,
    at_least: int = 0,
    nudge: float | None = None,
) -> DrillReport:
    """One sending request in ten answered 502 or dropped, while forms are filled and a broadcast goes out."""
    report = DrillReport("502 / dropped, 1 in 10")
    async with BenchEmulator() as emu:
        stage = await make_stage("faults", folder, emu, secretaries, passive, patience=patience)
        await stage.start_bot()
        try:
            body = await send_broadcast(stage, 2)
            emu.faults = Faults(rate=0.1, kinds=("502", "drop"), seed=11)
            stop = asyncio.Event()
            tasks = await run_people(stage, stop)
            await asyncio.sleep(forms)
            await until_confirmed(stage, at_least, within=60)
            stop.set()
            await finish_people(tasks, within=patience * 6 + 30)
            if not await broadcast_done(stage, within=passive / 10 + 60, nudge=nudge):
                report.problems.append("the broadcast did not finish")
            emu.faults = None
            await asyncio.sleep(1.0)
            await check_resumable(stage, report, within=patience * 3)
            if not stage.bot.running:
                report.problems.append("the bot process ended")
        finally:
            await stage.bot.stop()
            stage.bot.close()
        count_forms(stage, report)
        count_broadcast(stage, body, report)
        # A press whose handler answered it and then failed on the next call is answered again by
        # the error handler (it cannot tell); Telegram refuses the second answer, nothing else.
        twice = [e for e in emu.errors if e.method == "answerCallbackQuery" and "too old" in e.description]
        report.extra = {"faults injected": emu.counters.faults, "presses answered twice": len(twice)}
        report.problems.extend(e.description for e in emu.errors if e not in twice)
    return report


async def webhook_drill(
    folder: Path, *, secretaries: int = 20, forms: float = 20.0, patience: float = 4.0, at_least: int = 0
) -> DrillReport:
    """Behind a webhook, every update delivered three times."""
    report = DrillReport("webhook, every update x3")
    redeliveries: list[asyncio.Task[None]] = []
    async with BenchEmulator() as emu:
        stage = await make_stage("webhook", folder, emu, secretaries, 0, patience=patience, webhook=True)

        async def twice(update_id: int) -> None:
            record = emu.updates[update_id]
            for times in (2, 3):

                def delivered(at_least: int = times - 1) -> bool:
                    return record.fetch_count >= at_least and record.confirmed

                await emu.wait_for(delivered, 30, f"delivery {times - 1} of update {update_id}")
                emu.redeliver(update_id)
            await emu.wait_for(lambda: record.fetch_count >= 3, 30, f"delivery 3 of update {update_id}")

        def hook(update_id: int) -> None:
            redeliveries.append(asyncio.create_task(twice(update_id)))

        for secretary in stage.secretaries:
            secretary.on_update = hook
        await stage.start_bot()
        try:
            stop = asyncio.Event()
            tasks = await run_people(stage, stop)
            await asyncio.sleep(forms)
            await until_confirmed(stage, at_least, within=60)
            stop.set()
            await finish_people(tasks, within=patience * 6 + 30)
            await asyncio.gather(*redeliveries)
            await check_resumable(stage, report, within=patience * 3)
            await asyncio.gather(*redeliveries)
            await asyncio.sleep(1.0)
        finally:
            await stage.bot.stop()
            stage.bot.close()
        count_forms(stage, report)
        updates = len(redeliveries)
        deliveries = sum(emu.updates[u].fetch_count for u in emu.updates)
        skipped = stage.bot.log_path.read_text(errors="replace").count("seen before, skipped")
        processed = scalar(stage.db_path, "SELECT COUNT(*) FROM processed_updates")
        report.extra = {
            "updates": updates,
            "deliveries": deliveries,
            "processed": processed,
            "skipped as seen": skipped,
            "repeated bot messages": emu.counters.duplicates,
        }
        # Each update arrives at least three times (the emulator also delivers again an update whose
        # answer came while an older one was put back in the queue): processed once, skipped after.
        if processed != updates or skipped != deliveries - updates or deliveries < 3 * updates:
            report.problems.append(
                f"{updates} updates, {deliveries} deliveries: {processed} processed, {skipped} skipped"
            )
        report.problems.extend(e.description for e in emu.errors[:3])
    return report


async def _hold_lock(db_path: Path, seconds: float) -> None:
    """Hold the database's write lock from another process for a while."""
    code = (
        "import sqlite3, sys, time\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "db.execute('ROLLBACK')\n"
    )
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, str(db_path), str(seconds), stdout=asyncio.subprocess.PIPE
    )
    assert locker.stdout is not None
    await locker.stdout.readline()
    await locker.wait()


async def _fill_disk(pid: int, seconds: float) -> None:
    """Let the process write nothing to any file for a while, as a full disk would."""
    soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, hard))
    try:
        await asyncio.sleep(seconds)
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (soft, hard))


async def storage_drill(
    folder: Path,
    kind: str,
    *,
    secretaries: int = 20,
    before: float = 3.0,
    hold: float = 8.0,
    after: float = 10.0,
    patience: float = 4.0,
) -> DrillReport:
    """The database locked by another process ('locked'), or no file writes at all ('diskfull')."""
    report = DrillReport(f"database locked {hold:g} s" if kind == "locked" else f"disk full {hold:g} s")
    async with BenchEmulator() as emu:
        stage = await make_stage(kind, folder, emu, secretaries, 0, patience=patience)
        await stage.start_bot()
        try:
            stop = asyncio.Event()
            tasks = await run_people(stage, stop)
            await asyncio.sleep(before)
            confirmed_before = sum(len(s.confirmed) for s in stage.secretaries)
            if kind == "locked":
                await _hold_lock(stage.db_path, hold)
            else:
                await _fill_disk(stage.bot.pid, hold)
            released = sum(len(s.confirmed) for s in stage.secretaries)
            await asyncio.sleep(after)
            stop.set()
            await finish_people(tasks, within=patience * 6 + 30)
            await check_resumable(stage, report, within=patience * 3)
            if not stage.bot.running:
                report.problems.append("the bot process ended")
        finally:
            await stage.bot.stop()
            stage.bot.close()
        count_forms(stage, report)
        after_release = sum(len(s.confirmed) for s in stage.secretaries) - released
        report.extra = {
            "told to try again": sum(s.busy_answers for s in stage.secretaries),
            "told something went wrong": sum(s.error_answers for s in stage.secretaries),
            "confirmed before": confirmed_before,
            "confirmed after the fault": after_release,
            "partial records": report.partial_records,
        }
        if after_release == 0:
            report.problems.append("no form was confirmed after the fault ended")
        report.problems.extend(e.description for e in emu.errors[:3])
    return report


async def _chibo(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run a chibo command to its end; return its exit code and what it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode(errors="replace")


async def _next_confirmation(stage: Stage, within: float) -> None:
    """Wait until one more form is confirmed to any secretary."""
    seen = sum(len(s.confirmed) for s in stage.secretaries)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if sum(len(s.confirmed) for s in stage.secretaries) > seen:
            return
        await asyncio.sleep(0.02)


def _lose(db_path: Path) -> None:
    """Delete the database and its write-ahead log, as a dead disk would."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


async def replica_drill(
    folder: Path,
    *,
    secretaries: int = 20,
    before: float = 6.0,
    after: float = 8.0,
    patience: float = 4.0,
    sync: float = 1.0,
    at_least: int = 0,
) -> DrillReport:
    """Litestream beside the bot; the machine dies (bot and Litestream kill -9, database deleted) and the
    database comes back from the replica (a local folder), with `chibo restore --from-replica`.

    Before that, the bot alone is killed once and started again: the Litestream it left is stopped
    and one replicator runs, never two. Every form whose "Saved" was seen more than Litestream's
    window (its monitor interval plus CHIBO_REPLICA_SYNC) before the kill must come back; those seen
    within the window are counted, with how many came back.
    """
    report = DrillReport("replica: kill -9, disk lost, restore")
    replica = folder / "replica"
    shutil.rmtree(replica, ignore_errors=True)
    window = replication.MONITOR_INTERVAL + sync
    async with BenchEmulator() as emu:
        stage = await make_stage("replica", folder, emu, secretaries, 0, patience=patience)
        env = stage.bot.env
        env.update(CHIBO_REPLICA=str(replica), CHIBO_REPLICA_SYNC=f"{sync}s")
        shutil.rmtree(stage.db_path.with_name(f".{stage.db_path.name}-litestream"), ignore_errors=True)
        await stage.start_bot()
        tasks: list[asyncio.Task[None]] = []
        try:
            tasks = await run_people(stage, asyncio.Event())
            await asyncio.sleep(before)
            first = replication.replicators(stage.db_path)
            # The bot alone dies: its Litestream goes on, and the next start must stop it first.
            await stage.bot.kill()
            left = replication.replicators(stage.db_path)
            await stage.start_bot()
            await asyncio.sleep(1.0)
            now = replication.replicators(stage.db_path)
            if len(first) != 1 or left != first or len(now) != 1 or now == first:
                report.problems.append(f"replicators: {first} at first, {left} left, {now} after the restart")
            await asyncio.sleep(after)
            if at_least:
                # Every secretary has that many forms saved, more than the window ago.
                await until_confirmed(stage, at_least, within=90)
                await asyncio.sleep(window + 0.5)
            # Forms are confirmed in waves (everyone started together): the machine dies a moment
            # after one, so some forms were confirmed within the window and the drill shows their fate.
            await _next_confirmation(stage, within=30)
            await asyncio.sleep(0.2)
            # The machine dies: both processes at once, then the disk with the database.
            killed_at = time.perf_counter()
            for pid in now:
                _kill(pid)
            await stage.bot.kill()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for secretary in stage.secretaries:
                secretary.read_the_rest()  # a "Saved" in her chat before the kill was seen
            for pid in replication.replicators(stage.db_path):
                _kill(pid)
            await stage.bot.stop()
        _lose(stage.db_path)
        code, said = await _chibo(env, "restore", "--from-replica")
        if code != 0:
            report.problems.append(f"restore --from-replica failed: {said.strip()[-300:]}")
            stage.bot.close()
            return report
        # The restored database runs again, replicated again (no two replicators, nothing stale).
        await stage.start_bot()
        await stage.bot.stop()
        stage.bot.close()
        count_forms(stage, report)
        stored = {str(r["title"]) for r in query(stage.db_path, "SELECT title FROM activities")}
        seen = {t: at for s in stage.secretaries for t, at in s.confirmed_at.items()}
        old = [t for t, at in seen.items() if at < killed_at - window]
        recent = [t for t, at in seen.items() if at >= killed_at - window]
        report.extra = {
            "window s": window,
            "confirmed before the window": len(old),
            "of them restored": sum(t in stored for t in old),
            "confirmed within the window": len(recent),
            "of them restored ": sum(t in stored for t in recent),
        }
        # What the restore must bring back: every form confirmed before the window (count_forms counted
        # the ones within it too).
        report.lost = sum(t not in stored for t in old)
        report.problems.extend(e.description for e in emu.errors[:3])
    return report


DRILLS: dict[str, Callable[[Path, argparse.Namespace], Awaitable[DrillReport]]] = {
    "kill": lambda folder, a: kill_drill(
        folder, secretaries=a.secretaries, kills=a.kills, passive=a.recipients
    ),
    "faults": lambda folder, a: faults_drill(folder, secretaries=a.secretaries, forms=a.seconds),
    "webhook": lambda folder, a: webhook_drill(folder, secretaries=a.secretaries, forms=a.seconds),
    "locked": lambda folder, a: storage_drill(folder, "locked", secretaries=a.secretaries),
    "diskfull": lambda folder, a: storage_drill(folder, "diskfull", secretaries=a.secretaries, hold=5.0),
    "replica": lambda folder, a: replica_drill(folder, secretaries=a.secretaries),
}


async def main_async(args: argparse.Namespace) -> int:
    """Run the drills asked for and print their counts."""
    folder = CACHE / "drills"
    reports = []
    for name in args.drills or list(DRILLS):
        print(f"drill {name}...", flush=True)
        started = time.perf_counter()
        report = await DRILLS[name](folder, args)
        report.extra["seconds"] = round(time.perf_counter() - started)
        reports.append(report)
        print("  " + " | ".join(str(c) for c in report.row()), flush=True)
        for problem in report.problems:
            print(f"  problem: {problem}")
    text = "\n".join(
        [
            f"Drills, {args.secretaries} secretaries",
            machine_line(),
            "",
            table(HEADER, [r.row() for r in reports]),
        ]
    )
    print()
    print(text)
    saved = save_result("drills", {"report": text, "drills": [{**vars(r), "row": r.row()} for r in reports]})
    print(f"\n(saved to {saved})")
    return 1 if any(r.problems for r in reports) else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the drills."""
    parser = argparse.ArgumentParser(prog="python -m bench drills", description=__doc__.splitlines()[0])
    parser.add_argument("drills", nargs="*", metavar="drill", help=f"{' | '.join(DRILLS)} (all by default)")
    parser.add_argument("--secretaries", type=int, default=20, help="secretaries filling forms (20)")
    parser.add_argument("--kills", type=int, default=10, help="kill -9 this many times (10)")
    parser.add_argument("--recipients", type=int, default=1000, help="broadcast-only secretaries (1000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long forms are filled (20)")
    args = parser.parse_args(argv)
    unknown = [d for d in args.drills if d not in DRILLS]
    if unknown:
        parser.error(f"unknown drill(s) {unknown}; choose from {list(DRILLS)}")
    return asyncio.run(main_async(args))
