"""The demo committee the sandbox starts with: the article's numbers, and deadlines around today."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.devtools.sandbox import demo
from bot.features import enterprises
from bot.forms.definitions import pipeline_of
from bot.rules.calendar import WorkingCalendar
from bot.rules.deadlines import Kind, State, deadlines_for
from bot.rules.privacy import looks_like_id_number
from storage import records, users
from storage.database import Database
from storage.models import Role

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "demo.db") as database:
        await database.migrate()
        yield database


# An ordinary day, days before Tết (the deadlines fall around its week off), a leap 29 February.
@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        datetime(2027, 2, 1, 3, 0, tzinfo=UTC),
        datetime(2028, 2, 29, 16, 30, tzinfo=UTC),
    ],
)
async def test_the_demo_has_the_articles_numbers_and_deadlines_around_today(
    db: Database, now: datetime
) -> None:
    summary = await demo.seed(db, now, ZONE)
    today = now.astimezone(ZONE).date()

    assert summary.committee.name == "Đảng bộ các Khu công nghiệp"
    assert len(summary.cells) == 13
    assert {u.parent_id for u in summary.cells.values()} == {summary.committee.id}
    # 99 members: the total of each cell's latest meeting.
    latest_totals = await db.fetchall(
        """
        SELECT m.total FROM meetings m
        WHERE m.on_date = (SELECT MAX(on_date) FROM meetings WHERE unit_id = m.unit_id)
        """
    )
    assert sum(r["total"] for r in latest_totals) == 99 == summary.members
    assert len(latest_totals) == 13
    zones = await db.fetchall("SELECT DISTINCT zone FROM enterprise_snapshots")
    assert sorted(r["zone"] for r in zones) == ["KCN Phú Hà", "KCN Thụy Vân"]
    # Every record happened in the past and was reported by now.
    for table in ("meetings", "activities", "transfers", "enterprise_snapshots", "pipeline_steps"):
        assert await db.fetchval(f"SELECT MAX(on_date) FROM {table}") <= today.isoformat()
        assert await db.fetchval(f"SELECT MAX(created_at) FROM {table}") <= now.isoformat()
    # A few weeks of meetings, two cells silent for a month.
    recent = await db.fetchval(
        "SELECT COUNT(DISTINCT u.code) FROM meetings m JOIN units u ON u.id = m.unit_id"
        " WHERE m.on_date >= date(?, '-30 days') AND u.code != ?",
        (today.isoformat(), demo.SECRETARY_CELL),
    )
    assert recent == 10
    # The secretary's cell met on its meeting day last month and has this month's meeting to report.
    days = await db.fetchall(
        "SELECT m.on_date FROM meetings m JOIN units u ON u.id = m.unit_id WHERE u.code = ?"
        " ORDER BY m.on_date DESC",
        (demo.SECRETARY_CELL,),
    )
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=demo.MEETING_DAY)
    assert days[0]["on_date"] == last_month.isoformat()
    assert all(d["on_date"] < today.replace(day=1).isoformat() for d in days)

    # The register: the 13 cells' enterprises among 31 of the two zones, as the article has it.
    coverage = await enterprises.coverage(db, summary.committee.id, today)
    assert summary.enterprises == coverage.total.enterprises == 31
    assert [z.zone for z in coverage.zones] == ["KCN Phú Hà", "KCN Thụy Vân"]
    assert (coverage.total.with_cell, coverage.total.members_no_cell, coverage.total.could_found) == (
        13,
        6,
        2,
    )
    assert (coverage.total.young_workers, coverage.total.youth_union_members) == (15_000, 575)
    if today.month > 5:  # the youngest cell was founded 5 months ago
        assert coverage.founded.cells == 1

    calendar = WorkingCalendar()
    states: dict[tuple[str, Kind], tuple[State, int]] = {}
    for code, unit in summary.cells.items():
        for person in await records.people_of(db, unit.id):
            for deadline in deadlines_for(pipeline_of(person.steps), calendar, today):
                states[(code, deadline.kind)] = (deadline.state(today), deadline.days_left(today))
    # The secretary's cell: a ceremony due within the week, a probation ending this month
    # (counted in working days, a due date never falls on a weekend, so "within", not "in").
    state, days = states[(demo.SECRETARY_CELL, Kind.CEREMONY)]
    assert state is State.DUE_SOON and 1 <= days <= 6
    assert states[(demo.SECRETARY_CELL, Kind.PROBATION_END)] == (State.DUE_SOON, 20)
    # Elsewhere: an overdue ceremony and recognition, a certificate about to expire.
    state, days = states[("cb-hungvuong", Kind.CEREMONY)]
    assert state is State.OVERDUE and -24 <= days <= -21
    assert states[("cb-bachhac", Kind.RECOGNITION)][0] is State.OVERDUE
    assert states[("cb-songlo", Kind.AWARENESS_EXPIRY)] == (State.DUE_SOON, 25)


async def test_the_demo_goes_only_into_a_fresh_database(db: Database) -> None:
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    await demo.seed(db, now, ZONE)
    people = await db.fetchval("SELECT COUNT(*) FROM people")
    with pytest.raises(ValueError, match="fresh one"):
        await demo.seed(db, now, ZONE)
    assert await db.fetchval("SELECT COUNT(*) FROM people") == people
    assert await db.fetchval("SELECT COUNT(*) FROM units") == 14


async def test_the_working_group_of_the_demo(db: Database) -> None:
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    summary = await demo.seed(db, now, ZONE)
    async with db.transaction() as tx:
        member = await users.upsert_contact(tx, "telegram", "1002", "Trần Văn Hùng", now)
        await users.set_role(tx, member.id, Role.COMMITTEE, summary.committee.id, now)
    contacts = await demo.seed_working_group(db, member.id, now, ZONE)
    assert contacts == 9
    work = await enterprises.worklist(db, member.id, now.astimezone(ZONE).date())
    assert work.enterprises == 10
    # Never contacted, or not for 60 days: the longest first.
    assert [e.name for e in work.due][:2] == ["Công ty CP Bao bì Việt Trì", "Công ty TNHH Điện tử Hà Thạch"]
    assert len(work.due) == 5
    assert {e.name for e in work.could_found} == {
        "Công ty TNHH Điện tử Việt Trì",
        "Công ty TNHH Dệt may Phú Hà Vina",
    }
    notes = await db.fetchall("SELECT note FROM enterprise_contacts")
    assert all(not looks_like_id_number(r["note"]) and len(r["note"]) <= 500 for r in notes)
