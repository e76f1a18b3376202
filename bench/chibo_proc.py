"""`chibo run` with one thing changed, for the baselines of the benchmarks.

    python -m bench.chibo_proc [--sequential] [--unthrottled] [-- chibo run arguments]

--sequential builds the application with python-telegram-bot's default update processing (one update
at a time) instead of chibo's PerUserUpdateProcessor, to show what the per-user processor gains.
--unthrottled lifts AIORateLimiter's overall limit of 30 requests a second (Telegram's flood limit;
group limits and 429 retries stay), so a benchmark measures how fast chibo works, not the limiter.
Everything else is `chibo run` itself (bot.cli.main), on the same settings and database.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from telegram.ext import AIORateLimiter, SimpleUpdateProcessor

import bot.app
from bot import cli


class _NoOverallLimit(AIORateLimiter):
    """AIORateLimiter as chibo configures it, without the overall requests-per-second limit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "overall_max_rate": 0})


def _sequential() -> SimpleUpdateProcessor:
    """Return python-telegram-bot's processing of `concurrent_updates(False)`: one update at a time."""
    return SimpleUpdateProcessor(1)


def main(argv: list[str] | None = None) -> int:
    """Patch what the flags ask for, then run `chibo run`."""
    parser = argparse.ArgumentParser(prog="python -m bench.chibo_proc", description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", action="store_true", help="one update at a time (PTB's default)")
    parser.add_argument("--unthrottled", action="store_true", help="no overall 30 requests/s limit")
    args, rest = parser.parse_known_args(argv)
    if args.sequential:
        bot.app.PerUserUpdateProcessor = _sequential  # type: ignore[misc,assignment]
    if args.unthrottled:
        bot.app.AIORateLimiter = _NoOverallLimit  # type: ignore[misc,assignment]
    return cli.main(["run", *[a for a in rest if a != "--"]])


if __name__ == "__main__":
    sys.exit(main())
