"""The open deadlines found through the ranges of step dates (features/duties.step_dates) are exactly those
found by working out every admission under way: the ranges only spare work, they never lose a
deadline. Checked on 500 random admissions, for the digest and the reminders, over two years
of days, a day off added by the admin included. The digest's counts in SQL (count_open) and the
narrower window of transfers are checked the same way."""

import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.features.duties import DueCounts, count_open, open_duties
from bot.rules.calendar import WorkingCalendar
from bot.rules.deadlines import (
    Direction,
    State,
    TransferFacts,
    TransferKind,
    deadlines_for,
    open_transfer_deadlines,
)
from bot.rules.pipeline import ORDER, Pipeline, Step
from storage import records, units
from storage.database import Database

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
# Days off the admin added: one among the deadlines of the days tested, one after them.
CALENDAR = WorkingCalendar(extra_days_off=[date(2025, 3, 10), date(2026, 12, 31)])
GAPS = {
    Step.AWARENESS_CLASS: (10, 2000),
    Step.APPLICATION: (10, 400),
    Step.CELL_VOTE: (5, 60),
    Step.ADMISSION_DECISION: (5, 60),
    Step.CEREMONY: (1, 80),
    Step.RECOGNITION: (330, 420),
}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "window.db") as database:
        await database.migrate()
        yield database


async def people(db: Database, count: int, rng: random.Random, code: str = "cb") -> int:
    """Store random admissions (some stopped, some withdrawn, some deleted); return the cell's id."""
    async with db.transaction() as tx:
        cell = await units.add(tx, code, f"Chi bộ {code}", units.ROOT_ID, NOW)
        for n in range(count):
            person = await records.insert(
                tx,
                "person",
                cell.id,
                {
                    "full_name": f"Người {n}",
                    "birth_year": 1995,
                    "gender": "female",
                    "position": "worker",
                    "youth_union": 1,
                    "helper1": "A",
                    "helper2": "B",
                },
                None,
                NOW,
            )
            day = date(2020, 1, 1) + timedelta(days=rng.randrange(2900))
            steps = [(Step.SOURCE, day)]
            for step in ORDER[1:]:
                if rng.random() < 0.2:
                    if rng.random() < 0.3:
                        steps.append((Step.WITHDREW, day + timedelta(days=rng.randint(1, 300))))
                    break
                low, high = GAPS[step]
                day += timedelta(days=rng.randint(low, high))
                steps.append((step, day))
            for step, on in steps:
                await records.insert(
                    tx,
                    "step",
                    cell.id,
                    {"person_id": person, "step": step.value, "on_date": on.isoformat()},
                    None,
                    NOW,
                )
            if rng.random() < 0.05:
                await tx.execute("UPDATE people SET deleted_at = ? WHERE id = ?", (NOW.isoformat(), person))
    return cell.id


async def every_deadline(
    db: Database, today: date, soon_days: int, overdue_days: int | None
) -> set[tuple[int, str, date]]:
    """Work out every live admission's deadlines and keep those open_duties keeps."""
    rows = await db.fetchall(
        "SELECT p.id, s.step, s.on_date FROM people p JOIN pipeline_steps s ON s.person_id = p.id "
        "WHERE p.deleted_at IS NULL AND s.deleted_at IS NULL"
    )
    steps: dict[int, dict[Step, date]] = {}
    for row in rows:
        steps.setdefault(row["id"], {})[Step(row["step"])] = date.fromisoformat(row["on_date"])
    found = set()
    for person, dated in steps.items():
        for deadline in deadlines_for(Pipeline(dated), CALENDAR, today):
            state = deadline.state(today, soon_days)
            late = -deadline.days_left(today)
            if state is State.DUE_SOON or (
                state is State.OVERDUE and (overdue_days is None or late <= overdue_days)
            ):
                found.add((person, deadline.kind.value, deadline.due))
    return found


@pytest.mark.parametrize(("soon_days", "overdue_days"), [(30, None), (30, 1), (7, 0), (45, 20)])
async def test_the_ranges_of_step_dates_lose_no_deadline(
    db: Database, soon_days: int, overdue_days: int | None
) -> None:
    rng = random.Random(20261124)
    cell = await people(db, 500, rng)
    checked = 0
    for today in (date(2024, 1, 1) + timedelta(days=n) for n in range(0, 2 * 365, 4)):
        duties = await open_duties(
            db,
            [cell],
            today,
            CALENDAR,
            soon_days=soon_days,
            overdue_days=overdue_days,
            transfer_overdue_days=0,
        )
        found = {
            (d.person_id, d.deadline.kind.value, d.deadline.due) for d in duties if d.person_id is not None
        }
        assert found == await every_deadline(db, today, soon_days, overdue_days), today
        checked += len(found)
    assert checked >= 10  # the comparisons were of real lists, not of empty ones


async def transfers(db: Database, cell: int, count: int, rng: random.Random) -> None:
    """Store random official and temporary transfers of a cell, in and out, at every step: the letter
    issued or not, completed (received, arrived, returned) or not."""
    async with db.transaction() as tx:
        for n in range(count):
            start = date(2023, 10, 1) + timedelta(days=rng.randrange(900))
            temporary = rng.random() < 0.5
            direction = rng.choice(["in", "out"])
            end = start + timedelta(days=rng.randint(10, 200)) if temporary else None
            letter = None
            if not temporary and direction == "out" and rng.random() < 0.5:
                letter = start + timedelta(days=rng.randint(0, 120))
            done = None
            if rng.random() < 0.3:
                done = (letter or start) + timedelta(days=rng.randint(0, 90))
            values = {
                "member_name": f"Đảng viên {n}",
                "direction": direction,
                "kind": "temporary" if temporary else "official",
                "on_date": start.isoformat(),
                "end_date": end.isoformat() if end else None,
                "letter_date": letter.isoformat() if letter else None,
                "done_on": done.isoformat() if done else None,
            }
            await records.insert(tx, "transfer", cell, values, None, NOW)


async def test_the_counts_in_sql_are_those_of_the_deadlines_worked_out(db: Database) -> None:
    """The digest counts each cell's deadlines in SQL (count_open) and lists the people of a few cells
    (open_duties): both must give the same numbers, cell by cell, every day."""
    rng = random.Random(20261125)
    cells = [await people(db, 250, rng, code) for code in ("a", "b", "c")]
    for cell in cells[:2]:
        await transfers(db, cell, 60, rng)
    kept = {"soon_days": 30, "transfer_overdue_days": None}
    checked = checked_near = 0
    for today in (date(2024, 1, 1) + timedelta(days=n) for n in range(0, 2 * 365, 2)):
        duties = await open_duties(db, cells, today, CALENDAR, overdue_days=None, **kept)
        expected: dict[int, DueCounts] = {}
        near: dict[int, DueCounts] = {}  # with those due within 7 days counted apart
        for duty in duties:
            before = expected.get(duty.unit_id, DueCounts(0, 0))
            close = near.get(duty.unit_id, DueCounts(0, 0))
            if duty.deadline.state(today, 30) is State.OVERDUE:
                expected[duty.unit_id] = DueCounts(before.overdue + 1, before.due_soon)
                near[duty.unit_id] = DueCounts(close.overdue + 1, close.due_soon, close.due_near)
            else:
                expected[duty.unit_id] = DueCounts(before.overdue, before.due_soon + 1)
                within = int(duty.deadline.days_left(today) <= 7)
                near[duty.unit_id] = DueCounts(close.overdue, close.due_soon + 1, close.due_near + within)
        assert await count_open(db, cells, today, CALENDAR, **kept) == expected, today
        assert await count_open(db, cells, today, CALENDAR, near_days=7, **kept) == near, today
        checked_near += sum(c.due_near for c in near.values())
        if today.day <= 5:
            # Past 500 units the queries take other indexes (a city's): the same deadlines.
            many = cells + list(range(900_000, 900_600))
            assert await count_open(db, many, today, CALENDAR, **kept) == expected, today
            assert await count_open(db, many, today, CALENDAR, near_days=7, **kept) == near, today
            assert await open_duties(db, many, today, CALENDAR, overdue_days=None, **kept) == duties, today
        checked += len(duties)
    assert checked >= 1000  # real lists were compared, not empty ones
    assert checked_near >= 100


async def every_transfer_deadline(
    db: Database, today: date, soon_days: int, overdue_days: int | None
) -> set[tuple[str, str, date]]:
    """Work out every live transfer's open deadlines and keep those open_duties keeps."""
    found = set()
    for row in await db.fetchall("SELECT * FROM transfers WHERE deleted_at IS NULL"):
        temporary = row["kind"] == "temporary"
        facts = TransferFacts(
            TransferKind(row["kind"]),
            Direction(row["direction"]),
            date.fromisoformat(row["on_date"]),
            date.fromisoformat(row["end_date"]) if temporary else None,
            letter_date=date.fromisoformat(row["letter_date"]) if row["letter_date"] else None,
            done_on=date.fromisoformat(row["done_on"]) if row["done_on"] else None,
        )
        for deadline in open_transfer_deadlines(facts, CALENDAR, today):
            state = deadline.state(today, soon_days)
            late = -deadline.days_left(today)
            if state is State.DUE_SOON or (
                state is State.OVERDUE and (overdue_days is None or late <= overdue_days)
            ):
                found.add((row["member_name"], deadline.kind.value, deadline.due))
    return found


@pytest.mark.parametrize(("soon_days", "overdue_days"), [(30, None), (30, 30), (30, 0), (7, 5)])
async def test_the_range_of_transfer_dates_loses_no_deadline(
    db: Database, soon_days: int, overdue_days: int | None
) -> None:
    rng = random.Random(20261125)
    cell = await people(db, 0, rng)
    await transfers(db, cell, 300, rng)
    checked = 0
    for today in (date(2024, 1, 1) + timedelta(days=n) for n in range(0, 2 * 365, 3)):
        duties = await open_duties(
            db,
            [cell],
            today,
            CALENDAR,
            soon_days=soon_days,
            overdue_days=None,
            transfer_overdue_days=overdue_days,
        )
        found = {(d.who, d.deadline.kind.value, d.deadline.due) for d in duties}
        assert found == await every_transfer_deadline(db, today, soon_days, overdue_days), today
        # A completed transfer is never among them: not overdue, not due.
        assert all(d.transfer_id is not None for d in duties)
        checked += len(found)
    assert checked >= 500  # real lists were compared, not empty ones
