"""`chibo run` with one thing changed, for the baselines of the benchmarks.

    python -m bench.chibo_proc [--sequential] [--unthrottled] [--httpx] [--count FILE] [-- chibo run args]

--sequential builds the application with python-telegram-bot's default update processing (one update
at a time) instead of chibo's PerUserUpdateProcessor, to show what the per-user processor gains.
--unthrottled lifts AIORateLimiter's overall limit of 30 requests a second (Telegram's flood limit;
group limits and 429 retries stay), so a benchmark measures how fast chibo works, not the limiter.
--httpx sends the Bot API calls through python-telegram-bot's default HTTP layer (httpx) instead of
chibo's (aiohttp, bot/channels/http.py), to show what that layer gains.
--count FILE counts, for each kind of update (a command, a typed text, a button by its action), the
SQL statements, transactions and Bot API calls it caused, and writes them to FILE as JSON at the end.
Everything else is `chibo run` itself (bot.cli.main), on the same settings and database.
"""

from __future__ import annotations

import argparse
import atexit
import contextvars
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aiosqlite
from telegram import Bot, Update
from telegram.ext import AIORateLimiter, SimpleUpdateProcessor, TypeHandler
from telegram.request import HTTPXRequest

import bot.app
from bot import callbacks, cli


class _NoOverallLimit(AIORateLimiter):
    """AIORateLimiter as chibo configures it, without the overall requests-per-second limit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "overall_max_rate": 0})


def _sequential() -> SimpleUpdateProcessor:
    """Return python-telegram-bot's processing of `concurrent_updates(False)`: one update at a time."""
    return SimpleUpdateProcessor(1)


def _httpx(connection_pool_size: int = 256) -> HTTPXRequest:
    """Return python-telegram-bot's default request (httpx) where chibo builds its aiohttp one."""
    return HTTPXRequest(connection_pool_size=connection_pool_size)


# ----- counting ---------------------------------------------------------------------------------

KIND: contextvars.ContextVar[str] = contextvars.ContextVar("kind", default="background")
COUNTS: defaultdict[str, Counter[str]] = defaultdict(Counter)


def kind_of(update: object) -> str:
    """Name the kind of an update: '/command', 'text', or 'press <kind>:<action>'."""
    if not isinstance(update, Update):
        return "other"
    if update.callback_query is not None:
        data = callbacks.decode(update.callback_query.data)
        if data is None:
            return "press ?"
        # Form buttons are v1:f:draft:version:action:arg; the action says what the press does.
        action = data.args[2] if data.kind == "f" and len(data.args) > 2 else ""
        return f"press {data.kind}:{action}" if action else f"press {data.kind}"
    text = update.message.text if update.message is not None else None
    if text and text.startswith("/"):
        return text.split()[0]
    return "text"


async def _note_kind(update: object, _context: Any) -> None:
    kind = kind_of(update)
    KIND.set(kind)
    COUNTS[kind]["updates"] += 1


def _count_sql(original: Any) -> Any:
    def counted(self: aiosqlite.Connection, sql: str, *args: Any, **kwargs: Any) -> Any:
        counts = COUNTS[KIND.get()]
        counts["sql"] += 1
        counts["statement " + " ".join(sql.split())[:90]] += 1
        if sql.lstrip().upper().startswith("BEGIN"):
            counts["transactions"] += 1
        return original(self, sql, *args, **kwargs)

    return counted


def _count_calls(original: Any) -> Any:
    async def counted(self: Bot, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        COUNTS[KIND.get()][f"api {endpoint}"] += 1
        return await original(self, endpoint, *args, **kwargs)

    return counted


def install_counters(path: Path) -> None:
    """Count statements and Bot API calls per kind of update; write them to path at exit."""
    aiosqlite.Connection.execute = _count_sql(aiosqlite.Connection.execute)  # type: ignore[method-assign]
    aiosqlite.Connection.executemany = _count_sql(aiosqlite.Connection.executemany)  # type: ignore[method-assign]
    Bot._post = _count_calls(Bot._post)  # type: ignore[method-assign]
    build = bot.app.build_application

    def build_counting(*args: Any, **kwargs: Any) -> Any:
        app = build(*args, **kwargs)
        app.add_handler(TypeHandler(object, _note_kind), -1000)  # before every other group
        return app

    bot.app.build_application = build_counting
    cli.build_application = build_counting
    atexit.register(lambda: path.write_text(json.dumps(COUNTS, indent=1, sort_keys=True)))


def main(argv: list[str] | None = None) -> int:
    """Patch what the flags ask for, then run `chibo run`."""
    parser = argparse.ArgumentParser(prog="python -m bench.chibo_proc", description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", action="store_true", help="one update at a time (PTB's default)")
    parser.add_argument("--unthrottled", action="store_true", help="no overall 30 requests/s limit")
    parser.add_argument("--httpx", action="store_true", help="python-telegram-bot's httpx, not aiohttp")
    parser.add_argument("--count", type=Path, help="count statements and API calls per kind of update")
    args, rest = parser.parse_known_args(argv)
    if args.sequential:
        bot.app.PerUserUpdateProcessor = _sequential  # type: ignore[misc,assignment]
    if args.unthrottled:
        bot.app.AIORateLimiter = _NoOverallLimit  # type: ignore[misc,assignment]
    if args.httpx:
        bot.app.AiohttpRequest = _httpx  # type: ignore[misc,assignment]
    if args.count:
        install_counters(args.count)
    return cli.main(["run", *[a for a in rest if a != "--"]])


if __name__ == "__main__":
    sys.exit(main())
