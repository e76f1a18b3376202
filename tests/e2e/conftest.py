"""Fixtures of the end-to-end tests: the emulator, the real bot on a fresh database, a clock."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.devtools.telegram_emulator import BotApiEmulator
from storage import records, units
from storage.database import Database
from tests.e2e.harness import TOKEN, FakeClock, Person, RunningBot, register

ADMIN_ID = 1000
# Tuesday 24/11/2026, 10:00 in Hà Nội: the fake clock's start.
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, bot_username="chibo_test_bot") as emu:
        yield emu
        # Every call the bot made must have been one Telegram accepts, and every press answered.
        assert emu.errors == [], emu.errors
        assert emu.unanswered_callbacks() == [], emu.unanswered_callbacks()


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningBot]:
    running = RunningBot(emulator, tmp_path / "chibo.db", frozenset({ADMIN_ID}), clock)
    await running.start()
    yield running
    await running.stop()


# ----- a tree of units with people, used by the scheduler and broadcast tests ----------------


@dataclass
class Tree:
    admin: Person
    lan: Person  # secretary, cb-honda (kcn-a)
    minh: Person  # secretary, cb-canon (kcn-a)
    son: Person  # secretary, cb-sam (kcn-b)
    binh: Person  # committee member, kcn-a
    cuc: Person  # committee member, kcn-b


@pytest.fixture
async def tree(bot: RunningBot) -> Tree:
    admin = bot.person(ADMIN_ID, "Hà", language="vi")
    for command in (
        "/addunit kcn-a Đảng bộ KCN A",
        "/addunit kcn-a/cb-honda Chi bộ Công ty Honda",
        "/addunit kcn-a/cb-canon Chi bộ Công ty Canon",
        "/addunit kcn-b Đảng bộ KCN B",
        "/addunit kcn-b/cb-sam Chi bộ Công ty Samsung",
    ):
        await admin.send(command)
    people = Tree(
        admin,
        bot.person(2001, "Lan", language="vi"),
        bot.person(2002, "Minh", language="en"),
        bot.person(2003, "Sơn", language="vi"),
        bot.person(3001, "Bình", language="vi"),
        bot.person(3002, "Cúc", language="en"),
    )
    for person, unit, role in (
        (people.lan, "cb-honda", "bithu"),
        (people.minh, "cb-canon", "secretary"),
        (people.son, "cb-sam", "bithu"),
        (people.binh, "kcn-a", "capuy"),
        (people.cuc, "kcn-b", "committee"),
    ):
        await register(bot, admin, person, unit, role)
    return people


@pytest.fixture
async def side_db(bot: RunningBot) -> AsyncIterator[Database]:
    """A second connection to the bot's database, to put records in as if entered earlier."""
    async with Database(bot.db_path) as db:
        yield db


async def add_person(db: Database, unit_code: str, name: str, steps: dict[str, str]) -> int:
    unit = await units.by_code(db, unit_code)
    assert unit is not None
    async with db.transaction() as tx:
        person = await records.insert(
            tx,
            "person",
            unit.id,
            {
                "full_name": name,
                "birth_year": 1995,
                "gender": "female",
                "position": "worker",
                "youth_union": 1,
                "helper1": "Trần Bình",
                "helper2": "Phạm Hoa",
            },
            None,
            NOW - timedelta(days=200),
        )
        for step, on_date in steps.items():
            await records.insert(
                tx,
                "step",
                unit.id,
                {"person_id": person, "step": step, "on_date": on_date},
                None,
                NOW - timedelta(days=200),
            )
    return person


def texts(person: Person) -> list[str]:
    return [m.text or m.caption or "" for m in person.handle.bot_messages()]
