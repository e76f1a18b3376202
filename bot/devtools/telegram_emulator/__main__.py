"""Run the emulator as a server: `python -m bot.emulator --port 8081 --token 123:TEST`.

It prints one JSON line (url, base_url, base_file_url, token) once it listens, so a benchmark or the
sandbox launcher can read where it is, then serves until interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys

from bot.devtools.telegram_emulator.core import BotApiEmulator
from bot.devtools.telegram_emulator.models import FloodControl


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port to listen on; 0 picks a free one")
    parser.add_argument("--token", default="123456:TEST", help="the only bot token accepted")
    parser.add_argument("--bot-username", default="chibo_test_bot")
    parser.add_argument("--bot-name", default="Chibo", help="the bot's first_name")
    parser.add_argument("--flood", type=int, metavar="PER_SECOND", help="turn flood control on")
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="ID:NAME[:LANG]",
        help="create a user (repeatable), e.g. 1001:Alice:vi",
    )
    parser.add_argument(
        "--group", action="append", default=[], metavar="ID:TITLE", help="create a group (repeatable)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every rejected call")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    """Start the emulator with the arguments and serve until a signal arrives."""
    emu = BotApiEmulator(
        args.token,
        bot_username=args.bot_username,
        bot_first_name=args.bot_name,
        host=args.host,
        port=args.port,
        flood=FloodControl(per_second=args.flood) if args.flood else None,
    )
    for spec in args.user:
        user_id, _, rest = spec.partition(":")
        name, _, language = rest.partition(":")
        emu.user(int(user_id), name or f"User {user_id}", language_code=language or None)
    for spec in args.group:
        chat_id, _, title = spec.partition(":")
        emu.group(int(chat_id), title or f"Group {chat_id}")
    await emu.start()
    info = {"url": emu.url, "base_url": emu.base_url, "base_file_url": emu.base_file_url, "token": emu.token}
    print(json.dumps(info), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no loop signal handlers; Ctrl-C then ends the run with KeyboardInterrupt.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the emulator from the command line; return the exit status."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, stream=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
