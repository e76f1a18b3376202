"""Throughput and latency: simulated secretaries fill and confirm /activity forms as fast as the bot asks.

    python -m bench throughput [--secretaries 50] [--forms 4] [--rounds 3] [--only echo,chibo,...]
                               [--as-deployed] [--slow-neighbour] [--profile] [--count]

Each secretary fills a form in six steps (/activity, the date typed, the kind pressed, the title and
the number of participants typed, Save pressed: the note and the photo wait at the review) and
answers each question the moment it arrives, all secretaries at once. The bots talk to a lean fake Bot
API (bench/leanfake.py: a few dozen lines of aiohttp that answer and record), run by this driver in its
own process, so the driver costs the bot under test as little CPU as it can. The same load runs, in
the same run and each on a fresh fake (and database), against:

- `echo-reference`: the echo bot with the least a driver can do (leanfake.reference: each message
  answered at once, no forms, no timing); the driver's own cost shows as echo / echo-reference;
- `echo`: a bare python-telegram-bot echo bot making the Bot API calls chibo makes for the same
  actions (bench/echo_bot.py): the ceiling of python-telegram-bot on this machine;
- `idiomatic`: the same /activity form written the idiomatic way (ConversationHandler and
  PicklePersistence, bench/idiomatic_bot.py), which loses the last minute's forms on a kill -9;
- `chibo`: the real `chibo run` process (bench/chibo_proc.py --unthrottled), on a fresh database with
  the cells and secretaries registered through storage; every "Saved" is committed first;
- `chibo-replica`: the same with Litestream replicating the database to a local folder;
- `echo-aiohttp` and `chibo-httpx`: the echo bot on chibo's HTTP layer (aiohttp, bot/channels/http.py)
  and chibo on python-telegram-bot's default (httpx), so the layer's gain is shown on both sides;
- `chibo-sequential` (with --only): chibo with python-telegram-bot's sequential processing.

By default the bots run without the overall limit of 30 requests a second that AIORateLimiter keeps in
production, so the numbers show how fast the bots work rather than how fast Telegram lets them send.
--as-deployed adds the echo bot and chibo with the limiter on. --slow-neighbour adds an admin asking
for the digest (a chart drawn in a thread) again and again meanwhile.

Reported per bot: updates per second (updates / time from the first action to the last answer), p50
and p99 of the answer latency (from an action to the bot's next message in that chat), CPU
milliseconds per update of the bot process (from /proc; Litestream's apart), of the driver, the bot's
peak RSS, the load average, and the ratios to the echo bot (medians of the rounds).
--profile samples the chibo processes with py-spy (pip install -e '.[bench]') and prints where their
time goes; --count runs chibo once more with counters and prints the SQL statements, transactions and
Bot API calls of each kind of update.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    ADMIN_ID,
    CACHE,
    CHIBO_RUN,
    FIRST_SECRETARY_ID,
    ROOT,
    BotProcess,
    bot_env,
    cpu_seconds,
    fresh_db,
    machine_line,
    percentile,
    save_result,
    scalar,
    seed,
    table,
)
from bench.leanfake import LeanBotApi, buttons, reference
from bench.profile import summarize
from bot.features import replication
from bot.i18n import translator

STEPS_PER_FORM = 6
REPLY_WITHIN = 120.0  # seconds; a benchmark that stalls this long has found a bug, not a speed
STEPS: tuple[tuple[str, str], ...] = (
    ("send", "/activity"),
    ("send", "hôm nay"),
    ("press", ""),  # the kind: the first button
    ("send", ""),  # the title
    ("send", "25"),
    ("press", ""),  # the review: Save (the note and the photo are offered there, not asked)
)


@dataclass(frozen=True)
class Variant:
    """A bot to measure: its command line, and what it needs around it."""

    name: str
    args: tuple[str, ...]
    chibo: bool = False  # a database to seed, forms to count
    replica: bool = False  # Litestream beside it
    pickle: bool = False  # the idiomatic bot's PicklePersistence file
    reference: bool = False  # the minimal users of leanfake instead of the forms


CHIBO = ("-m", "bench.chibo_proc", "--unthrottled")
VARIANTS = {
    "echo-reference": Variant("echo-reference", ("-m", "bench.echo_bot"), reference=True),
    "echo": Variant("echo", ("-m", "bench.echo_bot")),
    "echo-aiohttp": Variant("echo-aiohttp", ("-m", "bench.echo_bot", "--aiohttp")),
    "echo-aiohttp-reference": Variant(
        "echo-aiohttp-reference", ("-m", "bench.echo_bot", "--aiohttp"), reference=True
    ),
    "idiomatic": Variant("idiomatic", ("-m", "bench.idiomatic_bot"), pickle=True),
    "chibo": Variant("chibo", CHIBO, chibo=True),
    "chibo-replica": Variant("chibo-replica", CHIBO, chibo=True, replica=True),
    "chibo-httpx": Variant("chibo-httpx", (*CHIBO, "--httpx"), chibo=True),
    "chibo-sequential": Variant("chibo-sequential", (*CHIBO, "--sequential"), chibo=True),
    "echo-limiter": Variant("echo-limiter", ("-m", "bench.echo_bot", "--limiter")),
    "chibo-deployed": Variant("chibo-deployed", CHIBO_RUN, chibo=True),
}
DEFAULT = [
    "echo-reference",
    "echo",
    "echo-aiohttp-reference",
    "echo-aiohttp",
    "idiomatic",
    "chibo",
    "chibo-replica",
    "chibo-httpx",
]


@dataclass
class Result:
    """What one run of one variant measured."""

    variant: str
    updates: int
    seconds: float
    latencies: list[float] = field(repr=False)
    bot_cpu: float  # seconds
    litestream_cpu: float
    driver_cpu: float
    peak_rss_mb: float
    forms_saved: int
    forms_stored: int
    load: tuple[float, float]  # 1-minute load average before and after
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

    def per_update_ms(self, seconds: float) -> float:
        """Return CPU seconds spent as milliseconds per update."""
        return seconds * 1000 / self.updates if self.updates else 0.0


async def fill_form(fake: LeanBotApi, user_id: int, title: str, latencies: list[float]) -> dict[str, Any]:
    """Fill one /activity form in six steps, answering each question at once; return the last answer."""
    chat = fake.chat(user_id)
    last: dict[str, Any] | None = None
    for kind, text in STEPS:
        started = time.perf_counter()
        if kind == "send":
            fake.send(user_id, text or title)
        else:
            data = buttons(last) if last is not None else []
            if not data:
                raise AssertionError(f"no button to press after {last!r}")
            fake.press(user_id, last, data[0])  # type: ignore[arg-type]
        answer = await chat.next(REPLY_WITHIN)
        if answer is None:
            raise TimeoutError(f"no answer to {kind} {text!r} of {user_id} within {REPLY_WITHIN}s")
        latencies.append(answer["arrived"] - started)
        last = answer
    assert last is not None
    return last


async def neighbour(fake: LeanBotApi, done: asyncio.Event) -> int:
    """Ask for the digest again and again until done (an admin's slow request); return how many."""
    chat = fake.chat(ADMIN_ID)
    asked = 0
    while not done.is_set():
        fake.send(ADMIN_ID, "/digest")
        if await chat.next(REPLY_WITHIN) is None:
            raise TimeoutError(f"no digest within {REPLY_WITHIN}s")
        # The rest of the digest (its text may take several messages) comes within moments.
        while await chat.next(0.3) is not None:
            pass
        asked += 1
    return asked


def _py_spy() -> Path:
    """Return where the virtual environment would hold py-spy."""
    return Path(sys.executable).parent / "py-spy"


class Sampler:
    """py-spy sampling a process for a while, into a file of folded stacks."""

    def __init__(self, pid: int, path: Path) -> None:
        self.pid = pid
        self.path = path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start sampling (100 a second, every thread, without stopping the process to read it)."""
        spy = _py_spy()
        self.process = await asyncio.create_subprocess_exec(
            str(spy) if spy.exists() else "py-spy",
            *("record", "--pid", str(self.pid), "--rate", "100", "--format", "raw"),
            *("--threads", "--nonblocking", "--output", str(self.path)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def stop(self) -> None:
        """Stop sampling; py-spy writes its file on SIGINT."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            await self.process.wait()


async def run_variant(
    variant: Variant,
    secretaries: int,
    forms: int,
    folder: Path,
    *,
    slow_neighbour: bool = False,
    profile: bool = False,
    count: Path | None = None,
) -> Result:
    """Measure one bot: start it on a fresh fake (and database), play the load, stop it."""
    saved_text = translator("vi")("✅ Saved: {title}.").split("{", 1)[0]
    fake = LeanBotApi()
    await fake.start()
    db_path = fresh_db(folder, variant.name)
    if variant.chibo:
        await seed(db_path, secretaries + 1)  # one secretary more than measured: the warm-up form
    extra: dict[str, str] = {}
    if variant.replica:
        replica = folder / f"{variant.name}-replica"
        _clear(replica, db_path)
        extra["CHIBO_REPLICA"] = str(replica)
    args = list(variant.args)
    if variant.pickle:
        pickle = folder / f"{variant.name}.pickle"
        pickle.unlink(missing_ok=True)
        args += ["--data", str(pickle)]
    if count is not None:
        args += ["--count", str(count)]
    process = BotProcess(variant.name, args, bot_env(fake, db_path, **extra), folder / f"{variant.name}.log")
    await process.start()
    sampler: Sampler | None = None
    try:
        await _ready(fake, process)
        if not variant.reference:
            await fill_form(fake, FIRST_SECRETARY_ID + secretaries, "warm-up", [])
        litestream = replication.replicators(db_path) if variant.replica else []
        if profile:
            sampler = Sampler(process.pid, folder / f"{variant.name}.folded")
            await sampler.start()
            await asyncio.sleep(0.5)  # py-spy attaches
        latencies: list[float] = []
        saved = 0
        load_before = os.getloadavg()[0]
        bot_cpu, ls_cpu, driver_cpu = (
            process.cpu_seconds(),
            sum(cpu_seconds(p) for p in litestream),
            time.process_time(),
        )
        started = time.perf_counter()

        async def secretary(user_id: int) -> None:
            nonlocal saved
            for n in range(forms):
                last = await fill_form(fake, user_id, f"Hoạt động {user_id}-{n}", latencies)
                saved += str(last.get("text", "")).startswith(saved_text)

        done = asyncio.Event()
        admin = asyncio.create_task(neighbour(fake, done)) if slow_neighbour else None
        if variant.reference:
            updates = await reference(fake, secretaries, forms * STEPS_PER_FORM)
        else:
            await asyncio.gather(*(secretary(FIRST_SECRETARY_ID + i) for i in range(secretaries)))
            updates = secretaries * forms * STEPS_PER_FORM
        seconds = time.perf_counter() - started
        driver_cpu = time.process_time() - driver_cpu
        bot_cpu = process.cpu_seconds() - bot_cpu
        ls_cpu = sum(cpu_seconds(p) for p in litestream) - ls_cpu
        load_after = os.getloadavg()[0]
        done.set()
        digests = await admin if admin is not None else 0
        rss = process.peak_rss_mb()
    finally:
        if sampler is not None:
            await sampler.stop()
        await process.stop()
        process.close()
        await fake.stop()
    stored = 0
    if variant.chibo:
        stored = scalar(db_path, "SELECT COUNT(*) FROM activities WHERE title != 'warm-up'")
    return Result(
        variant.name,
        updates,
        seconds,
        latencies,
        bot_cpu,
        ls_cpu,
        driver_cpu,
        rss,
        saved,
        stored,
        (load_before, load_after),
        digests,
    )


def _clear(replica: Path, db_path: Path) -> None:
    import shutil  # noqa: PLC0415

    shutil.rmtree(replica, ignore_errors=True)
    shutil.rmtree(db_path.with_name(f".{db_path.name}-litestream"), ignore_errors=True)


async def _ready(fake: LeanBotApi, process: BotProcess, within: float = 60.0) -> None:
    """Wait until the bot polls for updates."""
    deadline = time.monotonic() + within
    while fake.calls["getUpdates"] == 0:
        if not process.running:
            raise RuntimeError(f"{process.name} ended at start:\n{process.log_tail()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{process.name} not ready after {within}s:\n{process.log_tail()}")
        await asyncio.sleep(0.02)


# ----- the report ---------------------------------------------------------------------------------

RATIOS = (
    ("echo", "echo-reference", "the driver's cost (target: within 10 %)"),
    ("echo-aiohttp", "echo-aiohttp-reference", "the same, on the faster echo bot"),
    ("idiomatic", "echo", ""),
    ("chibo", "echo", "target: at least 0.65, p99 at most 2x"),
    ("chibo", "echo-aiohttp", "both on chibo's HTTP layer"),
    ("echo-aiohttp", "echo", "what the HTTP layer gains the echo bot"),
    ("chibo", "chibo-httpx", "what the HTTP layer gains chibo"),
    ("chibo-replica", "echo", ""),
    ("chibo", "idiomatic", ""),
    ("chibo-sequential", "echo", ""),
    ("chibo-deployed", "echo-limiter", ""),
)


def report(rounds: Sequence[dict[str, Result]], secretaries: int, forms: int, slow_neighbour: bool) -> str:
    """Return the Markdown report of the runs."""
    rows = []
    for number, results in enumerate(rounds, 1):
        for result in results.values():
            rows.append(
                [
                    number,
                    result.variant,
                    result.updates,
                    f"{result.seconds:.1f}",
                    f"{result.rate:.0f}",
                    f"{result.p50_ms:.0f}",
                    f"{result.p99_ms:.0f}",
                    f"{result.per_update_ms(result.bot_cpu):.2f}",
                    f"{result.per_update_ms(result.litestream_cpu):.2f}" if result.litestream_cpu else "-",
                    f"{result.per_update_ms(result.driver_cpu):.2f}",
                    f"{result.peak_rss_mb:.0f}",
                    f"{result.forms_saved}/{result.forms_stored}" if result.forms_stored else "-",
                    f"{result.load[0]:.1f}-{result.load[1]:.1f}",
                    *([result.digests] if slow_neighbour else []),
                ]
            )
    header = [
        "round",
        "bot",
        "updates",
        "s",
        "updates/s",
        "p50 ms",
        "p99 ms",
        "bot CPU ms/update",
        "Litestream CPU ms/update",
        "driver CPU ms/update",
        "peak RSS MiB",
        "saved/stored",
        "load",
    ] + (["digests"] if slow_neighbour else [])
    lines = [
        f"Throughput: {secretaries} secretaries x {forms} forms x {STEPS_PER_FORM} updates, "
        f"{len(rounds)} round(s)"
        + (", an admin asking for the root digest meanwhile" if slow_neighbour else ""),
        machine_line(),
        "",
        table(header, rows),
        "",
    ]
    ratios = []
    for a, b, note in RATIOS:
        found = [(r[a], r[b]) for r in rounds if a in r and b in r]
        if not found:
            continue
        rate = [x.rate / y.rate for x, y in found]
        p99 = [x.p99_ms / y.p99_ms if y.p99_ms else 0.0 for x, y in found]
        cpu = [x.per_update_ms(x.bot_cpu) / y.per_update_ms(y.bot_cpu) for x, y in found]
        ratios.append(
            [
                f"{a} / {b}",
                f"{statistics.median(rate):.2f} ({min(rate):.2f}-{max(rate):.2f})",
                f"{statistics.median(p99):.2f}" if not VARIANTS[b].reference else "-",
                f"{statistics.median(cpu):.2f}",
                note,
            ]
        )
    lines += [
        table(["ratio (median of rounds, range)", "updates/s", "p99 latency", "bot CPU/update", ""], ratios)
    ]
    return "\n".join(lines)


def count_report(path: Path) -> str:
    """Return the table of SQL statements, transactions and Bot API calls per kind of update."""
    counts: dict[str, dict[str, int]] = json.loads(path.read_text())
    rows = []
    for kind, c in sorted(counts.items(), key=lambda kv: -kv[1].get("updates", 0)):
        n = c.get("updates", 0)
        if not n:
            continue
        calls = {k.removeprefix("api "): v / n for k, v in c.items() if k.startswith("api ")}
        rows.append(
            [
                kind,
                n,
                f"{c.get('sql', 0) / n:.1f}",
                f"{c.get('transactions', 0) / n:.1f}",
                f"{sum(calls.values()):.1f}",
                ", ".join(f"{k} {v:.1f}" for k, v in sorted(calls.items())),
            ]
        )
    return table(["update", "count", "SQL statements", "transactions", "Bot API calls", "which"], rows)


async def main_async(args: argparse.Namespace) -> int:
    """Run the rounds and print the report."""
    names = list(DEFAULT)
    if args.as_deployed:
        names += ["echo-limiter", "chibo-deployed"]
    if args.only:
        names = [n for n in args.only.split(",") if n in VARIANTS]
    folder = CACHE / "throughput"
    rounds = []
    for number in range(args.rounds):
        results = {}
        # Every other round in reverse order, so a machine getting busier does not favour one bot.
        for name in names if number % 2 == 0 else names[::-1]:
            print(f"round {number + 1}: {name}...", flush=True)
            variant = VARIANTS[name]
            results[name] = r = await run_variant(
                variant,
                args.secretaries,
                args.forms,
                folder,
                slow_neighbour=args.slow_neighbour and not variant.reference,
                profile=args.profile and variant.chibo and number == 0,
            )
            print(
                f"  {r.rate:.0f} updates/s, p50 {r.p50_ms:.0f} ms, p99 {r.p99_ms:.0f} ms, "
                f"CPU {r.per_update_ms(r.bot_cpu):.2f} ms/update, load {r.load[0]:.1f}",
                flush=True,
            )
        rounds.append({n: results[n] for n in names})
    text = report(rounds, args.secretaries, args.forms, args.slow_neighbour)
    if args.profile:
        for name in names:
            path = folder / f"{name}.folded"
            if VARIANTS[name].chibo and path.exists():
                text += f"\n\nWhere {name}'s time goes (py-spy, round 1):\n" + summarize(path)
    if args.count:
        path = folder / "counts.json"
        path.unlink(missing_ok=True)
        print("counting: chibo once more, with counters...", flush=True)
        await run_variant(VARIANTS["chibo"], args.secretaries, args.forms, folder, count=path)
        text += "\n\nPer kind of update (chibo, counted in its process):\n" + count_report(path)
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
                        "bot_cpu_ms_per_update": r.per_update_ms(r.bot_cpu),
                        "litestream_cpu_ms_per_update": r.per_update_ms(r.litestream_cpu),
                        "driver_cpu_ms_per_update": r.per_update_ms(r.driver_cpu),
                        "peak_rss_mb": r.peak_rss_mb,
                        "forms_saved": r.forms_saved,
                        "forms_stored": r.forms_stored,
                        "load": r.load,
                    }
                    for name, r in results.items()
                }
                for results in rounds
            ],
            "report": text,
            "root": str(ROOT),
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
    parser.add_argument("--only", help=f"comma-separated bots to run ({','.join(VARIANTS)})")
    parser.add_argument(
        "--slow-neighbour", action="store_true", help="an admin asks for the digest (a chart) all along"
    )
    parser.add_argument("--profile", action="store_true", help="sample the chibo processes with py-spy")
    parser.add_argument("--count", action="store_true", help="count SQL and API calls per kind of update")
    args = parser.parse_args(argv)
    if args.profile and not _py_spy().exists() and shutil.which("py-spy") is None:
        print("--profile needs py-spy: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    return asyncio.run(main_async(args))
