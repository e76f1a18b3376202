"""A lean fake Bot API for the throughput benchmark: it answers what a bot calls and records it.

    python -m bench.leanfake [--users 50] [--updates 32]   # the echo bot through it, with minimal users

Unlike the emulator (bot/devtools/telegram_emulator: the Bot API checked call by call, for tests),
this does the least a bot needs to run: getUpdates long-polls a list of updates, sendMessage and the
edits return a message, everything else returns true; each bot message is stored in its chat with the
moment it arrived, and only that chat's waiter is woken. A benchmark's driver runs it in its own
event loop, so every bit of work here is CPU the bot under test does not get.

Run alone, it is the reference for the driver: users who answer each bot message at once (a press on
its first button, else a text) with nothing else around; bench/throughput.py reports the echo bot's
rate through it beside the rate through the benchmark's driver.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:BENCH-token-of-the-local-emulator"
BOT = {"id": 123456, "is_bot": True, "first_name": "Chibo", "username": "chibo_bench_bot"}


@dataclass
class Chat:
    """One user's private chat: the bot's messages in order, and a waiter woken by a new one."""

    id: int
    messages: list[dict[str, Any]] = field(default_factory=list)
    seen: int = 0
    event: asyncio.Event = field(default_factory=asyncio.Event)

    async def next(self, within: float) -> dict[str, Any] | None:
        """Return the bot's next message not looked at yet (None after `within` seconds)."""
        while self.seen >= len(self.messages):
            self.event.clear()
            try:
                await asyncio.wait_for(self.event.wait(), within)
            except TimeoutError:
                return None
        self.seen += 1
        return self.messages[self.seen - 1]


class LeanBotApi:
    """The fake: an aiohttp server on 127.0.0.1 and the users' side (send, press, chats)."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.offset = 0
        self.arrived = asyncio.Event()
        self.chats: dict[int, Chat] = {}
        self.calls: Counter[str] = Counter()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        """Serve on a free port; base_url is what the bot's CHIBO_BOT_API_URL is set to."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/bot"

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    def chat(self, user_id: int) -> Chat:
        """Return a user's chat with the bot."""
        return self.chats.setdefault(user_id, Chat(user_id))

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"Bí thư {user_id}", "language_code": "vi"}

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = len(self.updates) + 1
        self.updates.append(update)
        self.arrived.set()

    def send(self, user_id: int, text: str) -> None:
        """The user types and sends a text (a command when it starts with /)."""
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": self._user(user_id),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}
            ]
        self._push({"message": message})

    def press(self, user_id: int, message: dict[str, Any], data: str) -> None:
        """The user presses the button with this callback data under one of the bot's messages."""
        query = {"id": str(next(self._ids)), "from": self._user(user_id), "chat_instance": "1", "data": data}
        self._push({"callback_query": {**query, "message": message}})

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[method] += 1
        params: dict[str, Any] = dict(await request.post()) if request.can_read_body else {}
        result: Any = True
        if method == "getUpdates":
            result = await self._get_updates(params)
        elif method == "getMe":
            result = BOT
        elif method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
            result = self._message(method, params)
        return web.Response(body=json.dumps({"ok": True, "result": result}), content_type="application/json")

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.offset = max(self.offset, int(params.get("offset", 0) or 0) - 1)
        if self.offset >= len(self.updates):
            self.arrived.clear()
            timeout = float(params.get("timeout", 0) or 0)
            if timeout > 0:
                try:
                    await asyncio.wait_for(self.arrived.wait(), timeout)
                except TimeoutError:
                    return []
        return self.updates[self.offset : self.offset + int(params.get("limit", 100) or 100)]

    def _message(self, method: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        chat_id = int(params["chat_id"]) if "chat_id" in params else None
        if method != "sendMessage" or chat_id is None:
            return True  # an edit: a bot that sends HTML and buttons again needs nothing back
        markup = json.loads(params["reply_markup"]) if "reply_markup" in params else None
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT,
            "text": params.get("text", ""),
            **({"reply_markup": markup} if markup else {}),
            "arrived": time.perf_counter(),
        }
        chat = self.chat(chat_id)
        chat.messages.append(message)
        chat.event.set()
        return {k: v for k, v in message.items() if k != "arrived"}


def buttons(message: dict[str, Any]) -> list[str]:
    """Return the callback data of a message's buttons, row by row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


# What each update of a form is: typed (a command or an answer) or a button pressed (throughput.py).
STEP_KINDS = ("send", "send", "press", "send", "send", "press", "press", "press")


async def reference(fake: LeanBotApi, users: int, per_user: int) -> int:
    """Users answer each bot message at once (the least a driver can do), per_user times; return updates.

    They type or press in the order a form's steps do, so the bot makes the same calls as for forms.
    """

    async def user(user_id: int) -> None:
        chat = fake.chat(user_id)
        message: dict[str, Any] | None = None
        for n in range(per_user):
            kind = STEP_KINDS[n % len(STEP_KINDS)]
            data = buttons(message) if message is not None else []
            if kind == "press" and data:
                fake.press(user_id, message, data[0])  # type: ignore[arg-type]
            else:
                fake.send(user_id, "ok")
            message = await chat.next(30)
            if message is None:
                raise TimeoutError(f"no answer in chat {user_id}")

    await asyncio.gather(*(user(10_000 + i) for i in range(users)))
    return users * per_user


async def main_async(args: argparse.Namespace) -> int:
    """Run the echo bot (or another) against the fake with reference users and print its rate."""
    from bench.common import CACHE, ROOT, BotProcess  # noqa: PLC0415 - common imports the emulator

    fake = LeanBotApi()
    await fake.start()
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "CHIBO_BOT_API_URL": fake.base_url,
        "PYTHONPATH": str(ROOT),
    }
    process = BotProcess("echo", ("-m", "bench.echo_bot"), env, CACHE / "leanfake.log")
    await process.start()
    try:
        while fake.calls["getUpdates"] == 0:
            if not process.running:
                raise RuntimeError(process.log_tail())
            await asyncio.sleep(0.05)
        started, cpu = time.perf_counter(), process.cpu_seconds()
        sent = await reference(fake, args.users, args.updates)
        elapsed, cpu = time.perf_counter() - started, process.cpu_seconds() - cpu
    finally:
        await process.stop()
        process.close()
        await fake.stop()
    print(
        f"{sent} updates in {elapsed:.1f} s: {sent / elapsed:.0f} updates/s, "
        f"bot CPU {cpu * 1000 / sent:.2f} ms/update; calls {dict(fake.calls)}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the reference."""
    parser = argparse.ArgumentParser(prog="python -m bench.leanfake", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--updates", type=int, default=32, help="updates each user sends (32)")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
