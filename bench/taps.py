"""The steps a secretary takes on the sandbox page: a monthly meeting report, and a /progress step
opened from a deadline reminder, counted in Debian's Chromium at phone width (390x844).

    python -m bench taps [--shots DIR]

The sandbox runs in this process (the real bot, the Bot API emulator, the demo committee) and the page
is driven as a tired secretary would use it: she opens the form from the Menu, presses a button
whenever one offers the answer she wants (a date, "keep" last month's number, "as last month", skip,
save), and types the rest. What she wants is fixed before she starts, so every version of the bot is
measured on the same report:

- the meeting: held yesterday, of the same kind, length and number of members as the cell's last
  meeting ("nothing changed since last month"), one member absent with a reason, nobody absent
  without one, no topic;
- the step: the ceremony of the reminder the demo sends her (Lê Thị Hồng), held today, no note.

A step is one message to the bot: a button pressed, a command picked from the Menu, or an answer typed
and sent. Typed answers are the steps typed on the keyboard (the command picked from the Menu is not
typed). Taps count every touch: the Menu button and its item, a button, a field and its send key.
What she reads is checked against what she meant, and the stored record against both, so a number
here is a report that was saved right. Screenshots of every step go to --shots
(bench/.cache/taps/ by default).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, ViewportSize, async_playwright

from bench.common import CACHE, machine_line, save_result, table
from bot.config import Settings
from bot.devtools.sandbox import demo
from bot.devtools.sandbox.server import Sandbox, running

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PHONE: ViewportSize = {"width": 390, "height": 844}
WAIT_MS = 15_000  # the bot answers in well under a second; this only bounds a broken run
SETTLE_S = 0.3  # after an answer, the time for a second message of the same answer to arrive


class Lost(Exception):
    """The secretary met a question she does not know how to answer: the run says where."""


@dataclass
class Flow:
    """One task done on the page: how many steps, typed answers and taps it took, and how long."""

    name: str
    steps: int = 0
    typed: int = 0
    taps: int = 0
    answer_ms: list[float] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def row(self) -> list[object]:
        """Return the flow as a row of the report."""
        ordered = sorted(self.answer_ms)
        median = ordered[len(ordered) // 2] if ordered else 0.0
        return [
            self.name,
            self.steps,
            self.typed,
            self.taps,
            f"{median:.0f}",
            f"{max(ordered, default=0):.0f}",
        ]


@dataclass
class Question:
    """The bot's newest message as she reads it: its text and its buttons."""

    text: str
    buttons: list[str]
    node: Locator

    def button(self, *wanted: str, unless: tuple[str, ...] = ()) -> str | None:
        """Return the label of the first button holding all of the wanted words (case ignored)."""
        for label in self.buttons:
            folded = label.casefold()
            if all(w.casefold() in folded for w in wanted) and not any(
                u.casefold() in folded for u in unless
            ):
                return label
        return None


class Secretary:
    """Drives the page as the sandbox's secretary and counts what she does."""

    def __init__(self, page: Page, shots: Path) -> None:
        self.page = page
        self.shots = shots
        self.flow = Flow("")
        self.seen = 0  # the newest bot message id already read

    def chat(self) -> Locator:
        return self.page.locator(".log:not([hidden])")

    async def newest_id(self) -> int:
        ids = await self.chat().locator(".msg.bot").evaluate_all("ns => ns.map(n => Number(n.dataset.id))")
        return max(ids, default=0)

    async def start(self, name: str) -> None:
        self.flow = Flow(name)
        self.seen = await self.newest_id()

    async def _answered(self, started: float) -> Question:
        """Wait for the bot's next message, then return the newest one."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while await self.newest_id() <= self.seen:
            if time.monotonic() > deadline:
                raise Lost(f"no answer after {self.flow.log[-1] if self.flow.log else 'the start'}")
            await asyncio.sleep(0.02)
        self.flow.answer_ms.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(SETTLE_S)
        self.seen = await self.newest_id()
        node = self.chat().locator(f'.msg.bot[data-id="{self.seen}"]')
        text = await node.locator(".text").inner_text() if await node.locator(".text").count() else ""
        buttons = [b.strip() for b in await node.locator("button.inline").all_inner_texts()]
        await self.page.screenshot(path=self.shots / f"{self.flow.name}-{self.flow.steps:02d}.png")
        return Question(text, buttons, node)

    async def menu(self, command: str) -> Question:
        """Pick a command from the Menu (two taps, nothing typed)."""
        started = time.perf_counter()
        await self.page.click("#menu-button")
        await (
            self.page.locator(".menu-item .menu-command")
            .filter(has_text=re.compile(f"^{re.escape(command)}$"))
            .click()
        )
        self.flow.steps += 1
        self.flow.taps += 2
        self.flow.log.append(f"menu {command}")
        return await self._answered(started)

    async def type(self, text: str) -> Question:
        """Type an answer and send it (a tap on the field and one on send)."""
        started = time.perf_counter()
        await self.page.fill("#input", text)
        await self.page.press("#input", "Enter")
        self.flow.steps += 1
        self.flow.typed += 1
        self.flow.taps += 2
        self.flow.log.append(f"type {text!r}")
        return await self._answered(started)

    async def choose(self, question: Question, words: str, typed: str) -> Question:
        """Press the button holding the words, or type the answer where there is none."""
        label = question.button(words)
        return await (self.press(question, label) if label else self.type(typed))

    async def save(self, question: Question) -> Question:
        """Press the review's Save (or Send), and check that the form was saved."""
        label = question.button("lưu") or question.button("gửi")
        if label is None:
            raise Lost(f"a review she cannot save: {question.text!r} {question.buttons}")
        saved = await self.press(question, label)
        if "đã lưu" not in saved.text.casefold():
            raise Lost(f"not saved: {saved.text!r}")
        return saved

    async def press(self, where: Question | Locator, label: str) -> Question:
        """Press a button of a message (one tap)."""
        node = where.node if isinstance(where, Question) else where
        started = time.perf_counter()
        await node.locator("button.inline", has_text=label).last.click()
        self.flow.steps += 1
        self.flow.taps += 1
        self.flow.log.append(f"press [{label}]")
        return await self._answered(started)


# ----- the meeting -------------------------------------------------------------------------------

# What each question asks, found by its words (Vietnamese, the secretary's language). The later a
# fragment, the more general: "không lý do" is looked for before "lý do".
QUESTIONS = (
    ("kiểm tra lại", "review"),
    ("ngày nào", "date"),
    ("hình thức sinh hoạt", "kind"),
    ("bao nhiêu phút", "minutes"),
    ("tổng số", "total"),
    ("có mặt", "present"),
    ("vắng không lý do", "unexcused"),
    ("vắng có lý do", "excused"),
    ("chủ đề", "topic"),
    ("ghi chú", "note"),
)
SAME_AS_LAST = ("như tháng trước", "như lần trước")
REGULAR_WORDS = ("thường kỳ", "định kỳ")
MAX_STEPS = 20


def asked(question: Question) -> str:
    """Return what a message asks (the first question of the text, in the order above)."""
    text = question.text.casefold()
    found = [(text.find(fragment), name) for fragment, name in QUESTIONS if fragment in text]
    if not found:
        raise Lost(f"a message she cannot place: {question.text!r} {question.buttons}")
    if any(name == "review" for _, name in found):
        return "review"
    # The bold question comes after the form's title line; the earliest known words are the question.
    return min(found)[1]


async def last_meeting(sandbox: Sandbox) -> dict[str, Any]:
    """Return the secretary's cell's latest meeting: what "nothing changed" means."""
    db = sandbox.app.bot_data.db
    assert db is not None
    row = await db.fetchone(
        "SELECT m.* FROM meetings m JOIN units u ON u.id = m.unit_id WHERE u.code = ? "
        "AND m.deleted_at IS NULL ORDER BY m.on_date DESC, m.id DESC LIMIT 1",
        (demo.SECRETARY_CELL,),
    )
    assert row is not None
    return dict(row)


async def meeting_report(she: Secretary, sandbox: Sandbox, today: date) -> Flow:
    """Report yesterday's meeting, where nothing but the attendance differs from the last one."""
    last = await last_meeting(sandbox)
    wanted = {
        "date": today - timedelta(days=1),
        "kind": last["kind"],
        "minutes": last["minutes"],
        "total": last["total"],
        "present": last["total"] - 1,
        "excused": 1,
        "unexcused": 0,
    }
    await she.start("meeting")
    question = await she.menu("/meeting")
    for _ in range(MAX_STEPS):
        what = asked(question)
        if what == "review":
            await she.save(question)
            break
        same = next((b for w in SAME_AS_LAST if (b := question.button(w))), None)
        if same is not None and what in ("kind", "minutes", "total"):
            question = await she.press(question, same)
            continue
        if what == "date":
            question = await she.choose(question, "hôm qua", "hôm qua")
        elif what == "kind":
            assert wanted["kind"] == "regular", "the demo's last meeting is a regular one"
            label = next(
                (
                    b
                    for b in question.buttons
                    if any(w in b.casefold() for w in REGULAR_WORDS) and "chuyên đề" not in b.casefold()
                ),
                None,
            )
            if label is None:
                raise Lost(f"no button for a regular meeting: {question.buttons}")
            question = await she.press(question, label)
        elif what in ("topic", "note"):
            question = await she.choose(question, "bỏ qua", "/skip")
        else:
            value = str(wanted[what])
            label = next(
                (
                    b
                    for b in question.buttons
                    if re.search(rf"(?<!\d){value}(?!\d)", b) and "giữ nguyên" in b.casefold()
                ),
                None,
            )
            question = await (she.press(question, label) if label else she.type(value))
    else:
        raise Lost(f"the meeting took more than {MAX_STEPS} steps")
    stored = await last_meeting(sandbox)
    got = (
        stored["on_date"],
        stored["kind"],
        stored["minutes"],
        stored["total"],
        stored["present"],
        stored["absent_with_reason"],
        stored["absent_without_reason"],
        stored["topic"],
    )
    meant = (
        wanted["date"].isoformat(),
        wanted["kind"],
        wanted["minutes"],
        wanted["total"],
        wanted["present"],
        wanted["excused"],
        wanted["unexcused"],
        None,
    )
    if got != meant:
        raise Lost(f"stored {got}, meant {meant}")
    return she.flow


# ----- the step from a reminder ------------------------------------------------------------------

REMINDED = "Lê Thị Hồng"  # the demo's ceremony due within the week, in the secretary's cell


async def step_from_reminder(she: Secretary, sandbox: Sandbox, today: date) -> Flow:
    """Record the ceremony a reminder is about, held today, from the reminder's button."""
    await she.start("progress")
    reminder = (
        she.chat().locator(".msg.bot", has_text=REMINDED).filter(has=she.page.locator("button.inline")).last
    )
    await reminder.wait_for(timeout=WAIT_MS)
    await reminder.scroll_into_view_if_needed()
    question = await she.press(reminder, (await reminder.locator("button.inline").first.inner_text()).strip())
    for _ in range(MAX_STEPS):
        what = asked(question)
        if what == "review":
            await she.save(question)
            break
        if what == "date":
            question = await she.choose(question, "hôm nay", "hôm nay")
        elif what == "note":
            question = await she.choose(question, "bỏ qua", "/skip")
        else:
            raise Lost(f"an unexpected question: {question.text!r}")
    else:
        raise Lost(f"the step took more than {MAX_STEPS} steps")
    db = sandbox.app.bot_data.db
    assert db is not None
    stored = await db.fetchval(
        "SELECT s.on_date FROM pipeline_steps s JOIN people p ON p.id = s.person_id "
        "WHERE p.full_name = ? AND s.step = 'ceremony' AND s.deleted_at IS NULL",
        (REMINDED,),
    )
    if stored != today.isoformat():
        raise Lost(f"the ceremony is stored as {stored!r}, not today")
    return she.flow


# ----- running it --------------------------------------------------------------------------------


async def measure(shots: Path) -> list[Flow]:
    """Start the sandbox, open the page at phone width, and do both tasks."""
    with tempfile.TemporaryDirectory(prefix="chibo-taps-") as folder:
        async with running(Settings(), host="127.0.0.1", port=0, folder=Path(folder)) as sandbox:
            today = sandbox.app.bot_data.clock().astimezone(sandbox.settings.timezone).date()
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                try:
                    context = await browser.new_context(
                        viewport=PHONE, locale="vi-VN", timezone_id=str(sandbox.settings.timezone)
                    )
                    page = await context.new_page()
                    await page.goto(sandbox.url)
                    await page.wait_for_selector("body.ready")
                    she = Secretary(page, shots)
                    return [
                        await step_from_reminder(she, sandbox, today),
                        await meeting_report(she, sandbox, today),
                    ]
                finally:
                    await browser.close()


def report(flows: list[Flow]) -> str:
    """Return the table of the README, with what was done step by step."""
    lines = [
        table(
            ["task", "steps", "typed answers", "taps", "answer p50 ms", "answer max ms"],
            [f.row() for f in flows],
        ),
        "",
    ]
    for flow in flows:
        lines.append(f"{flow.name}: " + " · ".join(flow.log))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure and print the report."""
    parser = argparse.ArgumentParser(prog="python -m bench taps", description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=Path, default=CACHE / "taps", help="folder of the screenshots")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"this benchmark needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    shutil.rmtree(args.shots, ignore_errors=True)
    args.shots.mkdir(parents=True)
    flows = asyncio.run(measure(args.shots))
    text = report(flows)
    print(machine_line())
    print(text)
    saved = save_result("taps", {"report": text, "flows": [vars(f) for f in flows]})
    print(f"\n(screenshots in {args.shots}; saved to {saved})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
