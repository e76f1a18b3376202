"""Delivery under flood control: a broadcast of 3,000 outbox messages through the emulator's flood limit.

    python -m bench broadcast [--messages 3000] [--per-second 30] [--no-baseline]

The emulator answers 429 with retry_after past 30 sending calls a second, as Telegram does. The admin
broadcasts one message to every secretary of a committee of 3,000 cells through the real `chibo run`
process (its /broadcast form, its outbox, its AIORateLimiter). Measured: the effective rate from the
first message delivered to the last, how many each secretary received (exactly one is right), the 429s
the emulator answered, and whether the outbox gave any message up.

The baseline, in the same run: a bare python-telegram-bot Bot with the same AIORateLimiter sending the
same number of messages one after another (`python -m bench.broadcast --bare-sender`), the rate the
library reaches against this flood limit with no database and no outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    CACHE,
    CHIBO_RUN,
    FIRST_SECRETARY_ID,
    BenchEmulator,
    BotProcess,
    bot_env,
    fresh_db,
    machine_line,
    save_result,
    scalar,
    seed,
    table,
)
from bench.drills import Stage as _Stage
from bench.drills import send_broadcast
from bot.devtools.telegram_emulator import FloodControl

BODY_MARK = "Diễn tập: thông báo số"


@dataclass
class Delivery:
    """What one sender achieved."""

    sender: str
    messages: int
    seconds: float
    once: int
    duplicates: int
    lost: int
    rate_limited: int
    given_up: int = 0

    @property
    def rate(self) -> float:
        """Return messages per second from the first delivered to the last."""
        return (self.messages - 1) / self.seconds if self.seconds else 0.0


def _count(emu: BenchEmulator, recipients: list[int], mark: str) -> tuple[Counter[int], list[float]]:
    """Return how many matching messages each recipient got, and when each arrived."""
    counts: Counter[int] = Counter()
    times = []
    for user_id in recipients:
        for message in emu.messages(user_id):
            if message.from_bot and mark in (message.text or ""):
                counts[user_id] += 1
                times.append(emu.arrived[(user_id, message.message_id)])
    return counts, times


async def _wait_all(emu: BenchEmulator, recipients: list[int], mark: str, within: float) -> None:
    """Wait until every recipient has the message (or the time is up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last, quiet_since = -1, loop.time()
    while loop.time() < deadline:
        counts, _ = _count(emu, recipients, mark)
        if len(counts) == len(recipients):
            return
        if sum(counts.values()) != last:
            last, quiet_since = sum(counts.values()), loop.time()
        elif loop.time() - quiet_since > 60:
            return  # nothing moved for a minute: report what arrived
        await asyncio.sleep(1.0)


def _result(sender: str, emu: BenchEmulator, recipients: list[int], mark: str) -> Delivery:
    counts, times = _count(emu, recipients, mark)
    return Delivery(
        sender=sender,
        messages=len(recipients),
        seconds=(max(times) - min(times)) if times else 0.0,
        once=sum(1 for n in counts.values() if n == 1),
        duplicates=sum(n - 1 for n in counts.values() if n > 1),
        lost=sum(1 for u in recipients if counts[u] == 0),
        rate_limited=emu.counters.rate_limited,
    )


async def run_chibo(messages: int, per_second: int, folder: Path) -> Delivery:
    """Broadcast through the real chibo process and its outbox."""
    async with BenchEmulator(flood=FloodControl(per_second=per_second)) as emu:
        db_path = fresh_db(folder, "chibo")
        await seed(db_path, messages, committee="kcn-bcast")
        recipients = [FIRST_SECRETARY_ID + i for i in range(messages)]
        for user_id in recipients:
            emu.user(user_id, f"Bí thư {user_id}", language_code="vi")
        bot = BotProcess("chibo", CHIBO_RUN, bot_env(emu, db_path), folder / "chibo.log")
        stage = _Stage("broadcast", emu, db_path, bot, [], recipients)
        await stage.start_bot()
        try:
            body = await send_broadcast(stage, 3000)
            await _wait_all(emu, recipients, body, within=messages / per_second * 3 + 60)
            await asyncio.sleep(2.0)  # a late duplicate would show now
        finally:
            await bot.stop()
            bot.close()
        result = _result("chibo (outbox)", emu, recipients, body)
        result.given_up = scalar(
            db_path, "SELECT COUNT(*) FROM outbox WHERE kind = 'broadcast' AND failed_at IS NOT NULL"
        )
        assert not emu.errors, emu.errors[:3]
    return result


async def run_bare(messages: int, per_second: int, folder: Path) -> Delivery:
    """Send the same number of messages from a bare python-telegram-bot Bot with the same rate limiter."""
    async with BenchEmulator(flood=FloodControl(per_second=per_second)) as emu:
        recipients = [FIRST_SECRETARY_ID + i for i in range(messages)]
        for user_id in recipients:
            emu.user(user_id, f"Bí thư {user_id}", language_code="vi")
        env = bot_env(emu, folder / "unused.db")
        sender = BotProcess(
            "bare",
            ("-m", "bench.broadcast", "--bare-sender", str(FIRST_SECRETARY_ID), str(messages)),
            env,
            folder / "bare.log",
        )
        await sender.start()
        await _wait_all(emu, recipients, BODY_MARK, within=messages / per_second * 3 + 60)
        await asyncio.sleep(2.0)
        await sender.stop()
        sender.close()
        return _result("bare PTB Bot + AIORateLimiter", emu, recipients, BODY_MARK)


async def bare_sender(first: int, count: int) -> None:
    """Send count messages one after another to consecutive chat ids (the baseline's process)."""
    from telegram import Bot  # noqa: PLC0415 - only this subprocess needs it
    from telegram.constants import ParseMode  # noqa: PLC0415
    from telegram.ext import AIORateLimiter, ExtBot  # noqa: PLC0415

    bot: Bot = ExtBot(
        os.environ["TELEGRAM_BOT_TOKEN"],
        base_url=os.environ["CHIBO_BOT_API_URL"],
        # The limiter exactly as bot/app.py builds it.
        rate_limiter=AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 29, max_retries=5),
    )
    async with bot:
        for n in range(count):
            await bot.send_message(first + n, f"📢 <b>{BODY_MARK} {n}</b>", parse_mode=ParseMode.HTML)


def report(results: list[Delivery], per_second: int) -> str:
    """Return the Markdown report."""
    rows = [
        [
            r.sender,
            r.messages,
            f"{r.seconds:.1f}",
            f"{r.rate:.1f}",
            r.once,
            r.duplicates,
            r.lost,
            r.rate_limited,
            r.given_up,
        ]
        for r in results
    ]
    lines = [
        f"Broadcast under flood control ({per_second} sending calls a second, 429 past it)",
        machine_line(),
        "",
        table(
            ["sender", "messages", "s", "msg/s", "exactly once", "duplicates", "lost", "429s", "given up"],
            rows,
        ),
    ]
    if len(results) == 2 and results[1].rate:
        lines += ["", f"chibo / bare sender: {results[0].rate / results[1].rate:.2f} of the rate"]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    """Run chibo's broadcast (and the baseline) and print the report."""
    folder = CACHE / "broadcast"
    print("chibo...", flush=True)
    started = time.perf_counter()
    results = [await run_chibo(args.messages, args.per_second, folder)]
    print(f"  {results[0].rate:.1f} msg/s ({time.perf_counter() - started:.0f} s)", flush=True)
    if not args.no_baseline:
        print("bare sender...", flush=True)
        results.append(await run_bare(args.messages, args.per_second, folder))
        print(f"  {results[1].rate:.1f} msg/s", flush=True)
    text = report(results, args.per_second)
    print()
    print(text)
    saved = save_result("broadcast", {"report": text, "results": [vars(r) for r in results]})
    print(f"\n(saved to {saved})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the benchmark (or, with --bare-sender, the baseline's process)."""
    parser = argparse.ArgumentParser(prog="python -m bench broadcast", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000, help="secretaries to reach (3000)")
    parser.add_argument("--per-second", type=int, default=30, help="the emulator's flood limit (30)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare sender")
    parser.add_argument(
        "--bare-sender", nargs=2, type=int, metavar=("FIRST_ID", "COUNT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.bare_sender:
        asyncio.run(bare_sender(*args.bare_sender))
        return 0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
