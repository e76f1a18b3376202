"""Update processing: different users concurrently, each user's updates strictly in order.

python-telegram-bot processes updates one after another by default, so one slow export or
digest would hold up every secretary. Here each user (or chat) has its own lock: their updates
run in arrival order, while other users' updates go on beside them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def _key(update: object) -> object:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
    return ("other", None)


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Run updates of different users at once and those of one user in order."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[object, asyncio.Lock] = {}
        self._waiting: dict[object, int] = {}
        self._done: set[int] = set()
        self._done_event = asyncio.Event()
        self.processed = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the user's earlier updates, then process this one."""
        key = _key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                # Forget idle users so the dictionaries do not grow with every user ever seen.
                del self._waiting[key]
                self._locks.pop(key, None)
            self.processed += 1
            if isinstance(update, Update):
                self._done.add(update.update_id)
                if len(self._done) > 20_000:
                    self._done = set(sorted(self._done)[-10_000:])
                self._done_event.set()

    async def wait_processed(self, update_id: int, within: float = 10.0) -> None:
        """Wait until an update has been processed (tests use this to follow a dialog)."""
        async with asyncio.timeout(within):
            while update_id not in self._done:
                self._done_event.clear()
                await self._done_event.wait()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
