"""Throughput and latency: simulated secretaries fill and confirm /activity forms as fast as the bot asks.

    python -m bench throughput [--secretaries 50] [--forms 4] [--rounds 1] [--as-deployed]
                               [--slow-neighbour] [--only echo,chibo,...]

Each secretary fills a form in eight steps (/activity, the date typed, the kind pressed, the title and
the number of participants typed, the note and the photo skipped with their buttons, Save pressed) and
answers each question the moment it arrives, all secretaries at once. The same script runs, in the same
run and on fresh emulators, against:

- `echo`: a bare python-telegram-bot echo bot making the same Bot API calls (bench/echo_bot.py), the
  ceiling of what python-telegram-bot and the emulator allow on this machine;
- `chibo`: the real `chibo run` process (per-user concurrent update processing), on a fresh database
  with the cells and secretaries registered through storage;
- `chibo-sequential`: the same with python-telegram-bot's default sequential processing, the baseline
  of the per-user processor.

By default both bots run without the overall limit of 30 requests a second that AIORateLimiter keeps in
production (bench/chibo_proc.py --unthrottled), so the numbers show how fast the bots work rather than
how fast Telegram lets them send. --as-deployed adds the pair with the limiter on, as chibo really runs.

--slow-neighbour adds an admin asking for the digest (a chart drawn in a thread, half a second) again
and again while the secretaries fill their forms: what the per-user processor is for, since with
sequential processing every secretary waits behind each digest.

Reported: updates per second (updates / time from the first action to the last answer), p50 and p99 of
the answer latency (from an action to the bot's next message in that chat), the bot process's peak RSS,
and chibo's ratios to the echo bot.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
    percentile,
    save_result,
    scalar,
    seed,
    table,
)
from bot.devtools.telegram_emulator import ChatMessage
from bot.i18n import translator

STEPS_PER_FORM = 8
REPLY_WITHIN = 120.0  # seconds; a benchmark that stalls this long has found a bug, not a speed


@dataclass(frozen=True)
class Variant:
    """A bot to measure: its command line, and whether it is chibo (with a database to seed)."""

    name: str
    args: tuple[str, ...]
    chibo: bool


VARIANTS = {
    "echo": Variant("echo", ("-m", "bench.echo_bot"), chibo=False),
    "chibo": Variant("chibo", ("-m", "bench.chibo_proc", "--unthrottled"), chibo=True),
    "chibo-sequential": Variant(
        "chibo-sequential", ("-m", "bench.chibo_proc", "--unthrottled", "--sequential"), chibo=True
    ),
    "echo-limiter": Variant("echo-limiter", ("-m", "bench.echo_bot", "--limiter"), chibo=False),
    "chibo-deployed": Variant("chibo-deployed", CHIBO_RUN, chibo=True),
}


@dataclass
class Result:
    """What one run of one variant measured."""

    variant: str
    updates: int
    seconds: float
    latencies: list[float] = field(repr=False)
    peak_rss_mb: float
    forms_saved: int
    forms_stored: int
    digests: int = 0  # the slow neighbour's digests meanwhile

    @property
    def rate(self) -> float:
        """Return updates per second."""
        return self.updates / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        """Return the median answer latency in milliseconds."""
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        """Return the 99th percentile of the answer latency in milliseconds."""
        return percentile(self.latencies, 99) * 1000


async def fill_form(chat: ChatView, title: str, latencies: list[float]) -> ChatMessage:
    """Fill one /activity form in eight steps, answering each question at once; return the last answer."""
    steps: list[tuple[str, str]] = [
        ("send", "/activity"),
        ("send", "hôm nay"),
        ("press", ""),  # the kind: the first button
        ("send", title),
        ("send", "25"),
        ("press", ""),  # the note: Skip
        ("press", ""),  # the photo: Skip
        ("press", ""),  # the review: Save
    ]
    last: ChatMessage | None = None
    for kind, text in steps:
        started = time.perf_counter()
        if kind == "send":
            await chat.send(text)
        else:
            assert last is not None and button_data(last), f"no button to press after {last!r}"
            await chat.press(last, button_data(last)[0])
        answer = await chat.reply(REPLY_WITHIN)
        if answer is None:
            raise TimeoutError(f"no answer to {kind} {text!r} of {chat.id} within {REPLY_WITHIN}s")
        latencies.append(chat.arrival(answer) - started)
        last = answer
    assert last is not None
    return last


async def neighbour(chat: ChatView, done: asyncio.Event) -> int:
    """Ask for the digest again and again until done (an admin's slow request); return how many."""
    asked = 0
    while not done.is_set():
        await chat.send("/digest")
        # The digest is a chart, then its text in one or more messages: the bot is done with it when
        # nothing more comes for a moment (asking again sooner would pile requests up).
        if await chat.reply(REPLY_WITHIN, lambda m: m.kind == "text") is None:
            raise TimeoutError(f"no digest within {REPLY_WITHIN}s")
        while await chat.reply(0.3) is not None:
            pass
        asked += 1
    return asked


async def run_variant(
    variant: Variant, secretaries: int, forms: int, folder: Path, *, slow_neighbour: bool = False
) -> Result:
    """Measure one bot: start it on a fresh emulator (and database), play the load, stop it."""
    saved_text = translator("vi")("✅ Saved: {title}.").split("{", 1)[0]
    async with BenchEmulator() as emu:
        db_path = fresh_db(folder, variant.name)
        if variant.chibo:
            # One secretary more than measured: the warm-up form.
            await seed(db_path, secretaries + 1)
        process = BotProcess(
            variant.name, variant.args, bot_env(emu, db_path), folder / f"{variant.name}.log"
        )
        await process.start()
        try:
            await process.ready(emu)
            warm = ChatView(emu, FIRST_SECRETARY_ID + secretaries, "Warm-up")
            await fill_form(warm, "warm-up", [])
            chats = [ChatView(emu, FIRST_SECRETARY_ID + i, f"Bí thư {i}") for i in range(secretaries)]
            latencies: list[float] = []
            saved = 0

            async def secretary(chat: ChatView) -> None:
                nonlocal saved
                for n in range(forms):
                    last = await fill_form(chat, f"Hoạt động {chat.id}-{n}", latencies)
                    saved += (last.text or "").startswith(saved_text)

            done = asyncio.Event()
            admin = (
                asyncio.create_task(neighbour(ChatView(emu, ADMIN_ID, "Quản trị"), done))
                if slow_neighbour
                else None
            )
            started = time.perf_counter()
            await asyncio.gather(*(secretary(c) for c in chats))
            seconds = time.perf_counter() - started
            done.set()
            digests = await admin if admin is not None else 0
            rss = process.peak_rss_mb()
        finally:
            await process.stop()
            process.close()
        stored = 0
        if variant.chibo:
            stored = scalar(db_path, "SELECT COUNT(*) FROM activities WHERE title != 'warm-up'")
        assert not emu.errors, emu.errors[:3]
    return Result(
        variant.name, secretaries * forms * STEPS_PER_FORM, seconds, latencies, rss, saved, stored, digests
    )


def report(rounds: Sequence[dict[str, Result]], secretaries: int, forms: int, slow_neighbour: bool) -> str:
    """Return the Markdown report of the runs."""
    rows = []
    for number, results in enumerate(rounds, 1):
        for name in VARIANTS:
            if name not in results:
                continue
            result = results[name]
            rows.append(
                [
                    number,
                    result.variant,
                    result.updates,
                    f"{result.seconds:.1f}",
                    f"{result.rate:.0f}",
                    f"{result.p50_ms:.1f}",
                    f"{result.p99_ms:.1f}",
                    f"{result.peak_rss_mb:.0f}",
                    f"{result.forms_saved}/{result.forms_stored}" if result.forms_stored else "-",
                    *([result.digests] if slow_neighbour else []),
                ]
            )
    lines = [
        f"Throughput: {secretaries} secretaries x {forms} forms x {STEPS_PER_FORM} updates, "
        f"{len(rounds)} round(s)"
        + (", an admin asking for the root digest meanwhile" if slow_neighbour else ""),
        machine_line(),
        "",
        table(
            ["round", "bot", "updates", "s", "updates/s", "p50 ms", "p99 ms", "peak RSS MiB", "saved/stored"]
            + (["digests"] if slow_neighbour else []),
            rows,
        ),
        "",
    ]
    ratios = []
    for pair in (("chibo", "echo"), ("chibo-sequential", "echo"), ("chibo-deployed", "echo-limiter")):
        chibo, echo = pair
        found = [(r[chibo], r[echo]) for r in rounds if chibo in r and echo in r]
        if not found:
            continue
        rate = statistics.median(c.rate / e.rate for c, e in found)
        p99 = statistics.median(c.p99_ms / e.p99_ms for c, e in found)
        ratios.append([f"{chibo} / {echo}", f"{rate:.2f}", f"{p99:.2f}"])
    found = [(r["chibo"], r["chibo-sequential"]) for r in rounds if "chibo" in r and "chibo-sequential" in r]
    if found:
        gain = statistics.median(c.rate / s.rate for c, s in found)
        p99 = statistics.median(c.p99_ms / s.p99_ms for c, s in found)
        ratios.append(["chibo / chibo-sequential", f"{gain:.2f}", f"{p99:.2f}"])
    lines += [table(["ratio (median of rounds)", "updates/s", "p99 latency"], ratios)]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    """Run the rounds and print the report."""
    names = ["echo", "chibo", "chibo-sequential"]
    if args.as_deployed:
        names += ["echo-limiter", "chibo-deployed"]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    folder = CACHE / "throughput"
    rounds = []
    for number in range(args.rounds):
        results = {}
        # Every other round in reverse order, so a machine getting busier does not favour one bot.
        for name in names if number % 2 == 0 else names[::-1]:
            print(f"round {number + 1}: {name}...", flush=True)
            results[name] = await run_variant(
                VARIANTS[name], args.secretaries, args.forms, folder, slow_neighbour=args.slow_neighbour
            )
            r = results[name]
            rss = r.peak_rss_mb
            print(f"  {r.rate:.0f} updates/s, p50 {r.p50_ms:.0f} ms, p99 {r.p99_ms:.0f} ms, {rss:.0f} MiB")
        rounds.append(results)
    text = report(rounds, args.secretaries, args.forms, args.slow_neighbour)
    print()
    print(text)
    saved = save_result(
        "throughput",
        {
            "rounds": [
                {
                    name: {
                        "updates": r.updates,
                        "seconds": r.seconds,
                        "updates_per_second": r.rate,
                        "p50_ms": r.p50_ms,
                        "p99_ms": r.p99_ms,
                        "peak_rss_mb": r.peak_rss_mb,
                        "forms_saved": r.forms_saved,
                        "forms_stored": r.forms_stored,
                    }
                    for name, r in results.items()
                }
                for results in rounds
            ],
            "report": text,
        },
    )
    print(f"\n(saved to {saved})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench throughput", description=__doc__.splitlines()[0])
    parser.add_argument("--secretaries", type=int, default=50, help="secretaries filling forms at once (50)")
    parser.add_argument("--forms", type=int, default=4, help="forms each secretary fills (4)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every bot this many times (1)")
    parser.add_argument("--as-deployed", action="store_true", help="also both bots with the 30/s limiter")
    parser.add_argument("--only", help="comma-separated bots to run (echo,chibo,chibo-sequential,...)")
    parser.add_argument(
        "--slow-neighbour", action="store_true", help="an admin asks for the digest (a chart) all along"
    )
    return asyncio.run(main_async(parser.parse_args(argv)))
