"""Fixtures of the Zalo tests: the Zalo emulator, the real bot on a fresh database, a clock."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.devtools.zalo_emulator import ZaloEmulator
from storage.database import Database
from tests.e2e.harness import FakeClock
from tests.zalo.harness import ZALO_TOKEN, RunningZalo, ZaloPerson, register

ADMIN = "a0d1m2i3n4"  # a Zalo admin by configuration (CHIBO_ZALO_ADMINS)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def zalo() -> AsyncIterator[ZaloEmulator]:
    async with ZaloEmulator(token=ZALO_TOKEN) as emu:
        yield emu
        # Every call the bot made must have been one Zalo accepts.
        assert emu.errors == [], emu.errors


@pytest.fixture
async def side_db(bot: RunningZalo) -> AsyncIterator[Database]:
    """A second connection to the bot's database, to put records in as if entered earlier."""
    async with Database(bot.db_path) as db:
        yield db


@pytest.fixture
async def bot(zalo: ZaloEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningZalo]:
    running = RunningZalo(zalo, tmp_path / "chibo.db", clock, zalo_admins=frozenset({ADMIN}))
    await running.start()
    yield running
    await running.stop()


AnotherBot = Callable[..., AbstractAsyncContextManager[RunningZalo]]


@pytest.fixture
def another_bot(zalo: ZaloEmulator, tmp_path: Path, clock: FakeClock) -> AnotherBot:
    """Run a bot with other settings (RunningZalo's fields) on its own database, for a test's length."""

    @asynccontextmanager
    async def run(**fields: object) -> AsyncIterator[RunningZalo]:
        running = RunningZalo(zalo, tmp_path / "other.db", clock, zalo_admins=frozenset({ADMIN}), **fields)  # type: ignore[arg-type]
        await running.start()
        try:
            yield running
        finally:
            await running.stop()

    return run


@dataclass
class Cells:
    admin: ZaloPerson
    lan: ZaloPerson  # secretary of cb-honda, Vietnamese
    minh: ZaloPerson  # secretary of cb-canon, English
    binh: ZaloPerson  # committee member of kcn-a


@pytest.fixture
async def cells(bot: RunningZalo) -> Cells:
    admin = bot.person(ADMIN, "Hà")
    for command in (
        "/addunit kcn-a Đảng bộ KCN A",
        "/addunit kcn-a/cb-honda Chi bộ Công ty Honda",
        "/addunit kcn-a/cb-canon Chi bộ Công ty Canon",
    ):
        await admin.send(command)
    lan = bot.person("e4ea2cd5189df1c3a88c", "Lan Nguyễn")
    minh = bot.person("9f8e7d6c5b4a39281706", "Minh")
    binh = bot.person("0a1b2c3d4e5f60718293", "Bình")
    await register(admin, lan, "cb-honda", "bithu")
    await register(admin, minh, "cb-canon", "secretary")
    await register(admin, binh, "kcn-a", "capuy")
    assert "English" in await minh.send("/language")
    assert "Language: English" in await minh.send("2")
    return Cells(admin, lan, minh, binh)
