"""The weekly digest on a fixed day, against a real SQLite database filled through storage/records.py.

The day is Monday 07/12/2026: the week is 30/11 to 06/12/2026, the year so far 01/01 to 06/12/2026,
last month is November 2026, and "30 days" start on 07/11/2026 (Vietnam time). Every expected number
below is worked out by hand from the records the fixture writes.

Committee A (kcn-a) has four cells: Honda (busy), Canon (last record 06/11, so quiet), Toyota (one
record just inside the 30 days), Yazaki (nothing). Committee B (kcn-b) has one cell, Samsung, which
committee A must never see.
"""

import asyncio
import struct
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.telegram_emulator.entities import parse_html
from bot.features import digest as dg
from bot.features import enterprises
from bot.features.calendar import load_calendar
from bot.features.enterprises import Coverage
from bot.i18n import translator
from bot.rules.calendar import WorkingCalendar
from bot.rules.deadlines import Kind, State
from bot.rules.pipeline import Step
from bot.text import split_message, utf16_len
from storage import enterprises as register
from storage import records, reviews, units, users
from storage.database import Database
from storage.enterprises import FoundedCounts, MemberSums, ZoneSums
from storage.models import Role

TODAY = date(2026, 12, 7)
RECENT = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # entered during the week
CANON_AT = datetime(2026, 11, 6, 5, 0, tzinfo=UTC)  # 12:00 on 06/11 in Vietnam: before the 30 days
TOYOTA_AT = datetime(2026, 11, 6, 17, 30, tzinfo=UTC)  # 00:30 on 07/11 in Vietnam: inside them

HONDA = "Chi bộ <Honda> & Co"
BINH = "Trần Thị <Bình>"


class Tree:
    """The ids of the fixture's units."""

    def __init__(self) -> None:
        self.a = self.b = self.honda = self.canon = self.toyota = self.yazaki = self.samsung = 0


async def add_person(
    db: Database, unit: int, name: str, steps: dict[Step, str], at: datetime = RECENT
) -> int:
    """Store a person and their steps, as the /candidate and /progress forms do."""
    values = {
        "full_name": name,
        "birth_year": 1996,
        "gender": "female",
        "position": "worker",
        "youth_union": 1,
        "helper1": "Nguyễn Văn Một",
        "helper2": "Lê Thị Hai",
    }
    person = await records.insert(db, "person", unit, values, None, at)
    for step, day in steps.items():
        await records.insert(db, "step", unit, {"person_id": person, "step": step, "on_date": day}, None, at)
    return person


async def add(db: Database, kind: str, unit: int, values: dict[str, Any], at: datetime = RECENT) -> int:
    """Store one record of a kind."""
    return await records.insert(db, kind, unit, values, None, at)


def meeting(day: str, kind: str = "regular") -> dict[str, Any]:
    """Return the values of a meeting."""
    return {
        "on_date": day,
        "kind": kind,
        "minutes": 120,
        "total": 10,
        "present": 9,
        "absent_with_reason": 1,
        "absent_without_reason": 0,
    }


def activity(day: str, kind: str) -> dict[str, Any]:
    """Return the values of an activity."""
    return {"on_date": day, "kind": kind, "title": "Hoạt động", "participants": 30}


def transfer(
    name: str, direction: str, kind: str, day: str, end: str | None = None, *, done: str | None = None
) -> dict[str, Any]:
    """Return the values of a transfer (completed on `done`)."""
    return {
        "member_name": name,
        "direction": direction,
        "kind": kind,
        "on_date": day,
        "end_date": end,
        "study": 0,
        "done_on": done,
    }


def snapshot(
    day: str, zone: str, workers: int, young: int, union: int, youth: int, elsewhere: int
) -> dict[str, Any]:
    """Return the values of an enterprise snapshot."""
    return {
        "on_date": day,
        "name": "Công ty",
        "zone": zone,
        "workers": workers,
        "young_workers": young,
        "union_members": union,
        "youth_union_members": youth,
        "members_elsewhere": elsewhere,
    }


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "t.db") as database:
        await database.migrate()
        yield database


@pytest.fixture
async def tree(db: Database) -> Tree:
    """Fill the database with the two committees' records."""
    ids = Tree()
    setup = datetime(2025, 1, 1, tzinfo=UTC)
    ids.a = (await units.add(db, "kcn-a", "Đảng bộ KCN A", units.ROOT_ID, setup)).id
    ids.b = (await units.add(db, "kcn-b", "Đảng bộ KCN B", units.ROOT_ID, setup)).id
    ids.honda = (await units.add(db, "cb-honda", HONDA, ids.a, setup)).id
    ids.canon = (await units.add(db, "cb-canon", "Chi bộ Canon", ids.a, setup)).id
    ids.toyota = (await units.add(db, "cb-toyota", "Chi bộ Toyota", ids.a, setup)).id
    ids.yazaki = (await units.add(db, "cb-yazaki", "Chi bộ Yazaki", ids.a, setup)).id
    ids.samsung = (await units.add(db, "cb-samsung", "Chi bộ Samsung", ids.b, setup)).id
    S = Step

    # Honda: the pipeline.
    await add_person(db, ids.honda, "Nguyễn Văn An", {S.SOURCE: "2026-12-01"})
    await add_person(
        db,
        ids.honda,
        BINH,  # decision 01/10/2026: the ceremony was due within 30 working days, on 12/11/2026
        {
            S.SOURCE: "2025-06-01",
            S.AWARENESS_CLASS: "2025-07-01",
            S.APPLICATION: "2025-09-01",
            S.CELL_VOTE: "2026-03-02",
            S.ADMISSION_DECISION: "2026-10-01",
        },
    )
    await add_person(
        db,
        ids.honda,
        "Lê Văn Cường",  # admitted this week
        {
            S.SOURCE: "2025-01-10",
            S.AWARENESS_CLASS: "2025-02-01",
            S.APPLICATION: "2025-03-01",
            S.CELL_VOTE: "2026-08-03",
            S.ADMISSION_DECISION: "2026-11-20",
            S.CEREMONY: "2026-12-02",
        },
    )
    await add_person(
        db,
        ids.honda,
        "Phạm Thị Dung",  # admitted in March
        {
            S.SOURCE: "2024-05-01",
            S.AWARENESS_CLASS: "2024-06-01",
            S.APPLICATION: "2024-09-01",
            S.CELL_VOTE: "2025-12-01",
            S.ADMISSION_DECISION: "2026-02-20",
            S.CEREMONY: "2026-03-10",
        },
    )
    await add_person(
        db,
        ids.honda,
        "Hoàng Văn Em",  # recognised this week
        {
            S.SOURCE: "2024-01-10",
            S.AWARENESS_CLASS: "2024-02-01",
            S.APPLICATION: "2024-03-01",
            S.CELL_VOTE: "2025-09-01",
            S.ADMISSION_DECISION: "2025-10-01",
            S.CEREMONY: "2025-11-10",
            S.RECOGNITION: "2026-12-03",
        },
    )
    await add_person(
        db,
        ids.honda,
        "Vũ Thị Giang",  # probation ends on 20/12/2026
        {
            S.SOURCE: "2024-01-10",
            S.AWARENESS_CLASS: "2024-02-01",
            S.APPLICATION: "2024-03-01",
            S.CELL_VOTE: "2025-10-01",
            S.ADMISSION_DECISION: "2025-11-01",
            S.CEREMONY: "2025-12-20",
        },
    )
    deleted = await add_person(
        db,
        ids.honda,
        "Đỗ Văn Xoá",  # deleted with all his steps: his ceremony this week does not count
        {S.SOURCE: "2025-01-01", S.ADMISSION_DECISION: "2026-10-01", S.CEREMONY: "2026-12-02"},
    )
    await records.soft_delete(db, "person", deleted, RECENT)

    for day, kind in (("2026-10-05", "regular"), ("2026-11-05", "regular"), ("2026-11-25", "both")):
        await add(db, "meeting", ids.honda, meeting(day, kind))
    await add(db, "meeting", ids.honda, meeting("2026-12-01", "thematic"))
    gone = await add(db, "meeting", ids.honda, meeting("2026-11-20"))
    await records.soft_delete(db, "meeting", gone, RECENT)
    # Toyota's only meeting of November is deleted: Toyota did not meet.
    gone = await add(db, "meeting", ids.toyota, meeting("2026-11-10", "thematic"), TOYOTA_AT)
    await records.soft_delete(db, "meeting", gone, TOYOTA_AT)

    await add(db, "activity", ids.honda, activity("2026-12-03", "training"))
    await add(db, "activity", ids.honda, activity("2026-05-01", "training"))
    await add(db, "activity", ids.honda, activity("2026-06-01", "dialogue"))
    gone = await add(db, "activity", ids.honda, activity("2026-12-03", "propaganda"))
    await records.soft_delete(db, "activity", gone, RECENT)

    await add(
        db, "transfer", ids.honda, transfer("Hà Văn Đến", "in", "official", "2026-12-02", done="2026-12-02")
    )
    # 60 working days from 14/09/2026 (24/11 is a working day by default) end on Mon 07/12, or on
    # Tue 08/12 with the admin's day off on 04/12.
    await add(db, "transfer", ids.honda, transfer("Đinh Văn Hạn", "out", "official", "2026-09-14"))
    # 60 working days from 07/09/2026 end on Mon 30/11/2026: overdue for 7 days.
    await add(db, "transfer", ids.honda, transfer("Lý Văn Quá", "out", "official", "2026-09-07"))
    # Due at the end of August, and completed on 20/08: a completed transfer is never overdue.
    await add(
        db, "transfer", ids.honda, transfer("Cao Văn Cũ", "out", "official", "2026-06-01", done="2026-08-20")
    )
    await add(
        db, "transfer", ids.honda, transfer("Mai Văn Tạm", "out", "temporary", "2026-07-01", "2026-12-20")
    )
    await add(
        db,
        "transfer",
        ids.honda,
        transfer("Tô Văn Về", "in", "temporary", "2026-08-30", "2026-11-30", done="2026-11-30"),
    )

    await add(db, "enterprise", ids.honda, snapshot("2026-01-10", "KCN A", 1000, 700, 600, 30, 4))
    await add(db, "enterprise", ids.honda, snapshot("2026-11-20", "KCN A", 1200, 800, 900, 40, 5))

    # Canon: everything entered on 06/11, a day before the 30 days.
    await add_person(db, ids.canon, "Ngô Thị Hoa", {S.SOURCE: "2026-02-01"}, at=CANON_AT)
    await add_person(
        db,
        ids.canon,
        "Đặng Thị Lan",  # certificate of 28/12/2021: valid 60 months, to 28/12/2026
        {S.SOURCE: "2021-10-01", S.AWARENESS_CLASS: "2021-12-28"},
        at=CANON_AT,
    )
    await add(db, "meeting", ids.canon, meeting("2026-11-05"), at=CANON_AT)
    await add(
        db,
        "enterprise",
        ids.canon,
        snapshot("2026-06-01", "KCN Quế Võ", 3000, 2000, 2500, 35, 3),
        at=CANON_AT,
    )
    gone = await add(
        db, "enterprise", ids.canon, snapshot("2026-11-01", "KCN Quế Võ", 9999, 9999, 9999, 9999, 99)
    )
    await records.soft_delete(db, "enterprise", gone, RECENT)

    # Toyota: one activity entered at 00:30 on 07/11 Vietnam time.
    await add(db, "activity", ids.toyota, activity("2026-11-06", "other"), at=TOYOTA_AT)

    # Yazaki: one record, deleted.
    gone = await add(db, "activity", ids.yazaki, activity("2026-12-02", "training"))
    await records.soft_delete(db, "activity", gone, RECENT)

    # Samsung, in committee B.
    await add_person(
        db, ids.samsung, "Bùi Văn Khoa", {S.SOURCE: "2026-12-02", S.ADMISSION_DECISION: "2026-09-01"}
    )
    await add(db, "meeting", ids.samsung, meeting("2026-12-02"))
    await add(db, "transfer", ids.samsung, transfer("Samsung Out", "out", "official", "2026-12-01"))
    await add(db, "enterprise", ids.samsung, snapshot("2026-10-01", "KCN B", 500, 300, 200, 100, 1))

    # Each cell's latest live report feeds the register, as the /enterprise form does when it saves.
    for cell in (ids.honda, ids.canon, ids.samsung):
        await feed_register(db, cell)

    for unit, target in ((ids.honda, 5), (ids.canon, 3), (ids.b, 4), (ids.samsung, 10)):
        await db.execute(
            "INSERT INTO targets (unit_id, year, admissions) VALUES (?, 2026, ?)", (unit, target)
        )
    await db.execute("INSERT INTO targets (unit_id, year, admissions) VALUES (?, 2025, 99)", (ids.yazaki,))
    # A local day off on Friday 04/12/2026 moves a deadline counted in working days.
    await db.execute(
        "INSERT INTO calendar_days (day, kind, name, created_at) VALUES ('2026-12-04', 'off', ?, ?)",
        ("Ngày nghỉ", RECENT.isoformat()),
    )
    return ids


async def feed_register(db: Database, cell: int) -> int:
    """Bring a cell's latest live enterprise report into the register, as the form's saving does."""
    row = await db.fetchone(
        """
        SELECT * FROM enterprise_snapshots WHERE unit_id = ? AND deleted_at IS NULL
        ORDER BY on_date DESC, id DESC LIMIT 1
        """,
        (cell,),
    )
    assert row is not None
    async with db.transaction() as tx:
        return await enterprises.sync_from_report(tx, cell, dict(row), None, RECENT)


async def digest_of(db: Database, unit_id: int, **kwargs: Any) -> dg.Digest:
    """Return the digest of a unit on the test's day, with the calendar stored in the database."""
    return await dg.compute(db, unit_id, TODAY, await load_calendar(db), **kwargs)


# ----- counts -------------------------------------------------------------------------------------


async def test_periods_are_the_seven_days_to_yesterday_and_the_year_so_far(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a)
    assert d.week == dg.Period(date(2026, 11, 30), date(2026, 12, 6))
    assert d.year == dg.Period(date(2026, 1, 1), date(2026, 12, 6))
    assert d.last_month == dg.Period(date(2026, 11, 1), date(2026, 11, 30))


async def test_week_start_picks_the_week_a_late_run_is_due_for(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a, week_start=date(2026, 11, 23))
    assert d.week == dg.Period(date(2026, 11, 23), date(2026, 11, 29))
    # Nothing of the week of 23/11 was a ceremony; Cường's of 02/12 falls outside it and the year.
    assert d.this_week.admissions == 0
    assert d.this_year.admissions == 1
    assert d.this_week.meetings == 1  # Honda's meeting of 25/11


async def test_week_counts(db: Database, tree: Tree) -> None:
    week = (await digest_of(db, tree.a)).this_week
    assert dict(week.steps) == {
        Step.SOURCE: 1,  # An (Xoá's steps were deleted with him)
        Step.AWARENESS_CLASS: 0,
        Step.APPLICATION: 0,
        Step.CELL_VOTE: 0,
        Step.ADMISSION_DECISION: 0,
        Step.CEREMONY: 1,  # Cường
        Step.RECOGNITION: 1,  # Em
        Step.NOT_RECOGNISED: 0,
        Step.WITHDREW: 0,
    }
    assert (week.new_sources, week.admissions, week.recognitions) == (1, 1, 1)
    assert (week.transfers_in, week.transfers_out) == (1, 0)
    assert (week.meetings, week.thematic_meetings) == (1, 1)
    assert dict(week.activities) == {"training": 1, "dialogue": 0, "other": 0}


async def test_year_counts(db: Database, tree: Tree) -> None:
    year = (await digest_of(db, tree.a)).this_year
    assert {k: v for k, v in year.steps.items() if v} == {
        Step.SOURCE: 2,  # An, Hoa
        Step.CELL_VOTE: 2,  # Bình, Cường
        Step.ADMISSION_DECISION: 3,  # Bình, Cường, Dung
        Step.CEREMONY: 2,  # Cường, Dung
        Step.RECOGNITION: 1,  # Em
    }
    assert (year.transfers_in, year.transfers_out) == (2, 4)
    assert (year.meetings, year.thematic_meetings) == (5, 2)  # the deleted meeting of 20/11 is not one
    assert dict(year.activities) == {"training": 2, "dialogue": 1, "other": 1}


async def test_admissions_against_target_and_summed_targets(db: Database, tree: Tree) -> None:
    a = await digest_of(db, tree.a)
    assert a.target == 8  # no row of its own: Honda's 5 + Canon's 3
    # A committee's chart has a bar per cell.
    assert [(p.name, p.is_cell, p.admissions, p.target) for p in a.parts] == [
        (HONDA, True, 2, 5),
        ("Chi bộ Canon", True, 0, 3),
        ("Chi bộ Toyota", True, 0, None),
        ("Chi bộ Yazaki", True, 0, None),  # its target is for 2025
    ]
    assert [p.id for p in a.parts] == [c.id for c in a.cells]
    assert (await digest_of(db, tree.b)).target == 4  # its own row wins over Samsung's 10
    everything = await digest_of(db, units.ROOT_ID)
    assert everything.target == 12  # A's 8 + B's 4
    # The whole tree's chart shows a bar per committee, each summing its cells.
    assert everything.parts == (
        dg.UnitProgress(tree.a, "Đảng bộ KCN A", False, 2, 8),
        dg.UnitProgress(tree.b, "Đảng bộ KCN B", False, 0, 4),
    )
    assert (
        "Admissions in 2026 by unit,\nagainst the target\nAll cells: 2 admitted of the target 12"
        in texts_of(everything, "en")
    )


async def test_a_committee_never_sees_another_committees_cells(db: Database, tree: Tree) -> None:
    a = await digest_of(db, tree.a)
    assert tree.samsung not in {c.id for c in a.cells}
    assert all(c.id != tree.samsung for c in a.deadlines)
    assert a.enterprises.total.workers == 4200  # not Samsung's 500
    for locale in ("vi", "en"):
        text = dg.render(a, translator(locale))
        assert "Samsung" not in text and "Khoa" not in text

    b = await digest_of(db, tree.b)
    assert [c.name for c in b.cells] == ["Chi bộ Samsung"]
    assert (b.this_week.new_sources, b.this_year.admissions, b.this_week.meetings) == (1, 0, 1)
    assert [(c.name, [i.person for i in c.items]) for c in b.deadlines] == [
        ("Chi bộ Samsung", ["Bùi Văn Khoa"])  # the ceremony of a decision of 01/09: overdue
    ]
    assert "Honda" not in dg.render(b, translator("vi"))

    everything = await digest_of(db, units.ROOT_ID)
    assert len(everything.cells) == 5
    assert everything.this_year.admissions == 2
    assert everything.this_year.new_sources == 3


async def test_deleting_a_record_takes_it_out_of_the_counts(db: Database, tree: Tree) -> None:
    before = await digest_of(db, tree.a)
    cuong = await db.fetchval("SELECT id FROM people WHERE full_name = 'Lê Văn Cường'")
    await records.soft_delete(db, "person", cuong, RECENT)
    after = await digest_of(db, tree.a)
    assert (before.this_week.admissions, after.this_week.admissions) == (1, 0)
    assert (
        before.this_year.steps[Step.ADMISSION_DECISION],
        after.this_year.steps[Step.ADMISSION_DECISION],
    ) == (3, 2)
    assert after.parts[0].admissions == 1


# ----- cells that need a look ---------------------------------------------------------------------


async def test_quiet_cells(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a)
    # Canon's last record is from 06/11 (its deleted snapshot of this week does not count); Yazaki's
    # only record is deleted. Toyota's record of 00:30 on 07/11, Vietnam time, is within the 30 days.
    assert d.quiet_cells == (
        dg.QuietCell(tree.canon, "Chi bộ Canon", date(2026, 11, 6)),
        dg.QuietCell(tree.yazaki, "Chi bộ Yazaki", None),
    )


async def test_cells_without_a_meeting_last_month_and_meetings_by_month(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a)
    assert d.no_meeting == (
        dg.CellRef(tree.toyota, "Chi bộ Toyota"),
        dg.CellRef(tree.yazaki, "Chi bộ Yazaki"),
    )
    assert [(m.month, m.meetings, m.cells_met) for m in d.months] == [
        (date(2026, 6, 1), 0, 0),
        (date(2026, 7, 1), 0, 0),
        (date(2026, 8, 1), 0, 0),
        (date(2026, 9, 1), 0, 0),
        (date(2026, 10, 1), 1, 1),
        (date(2026, 11, 1), 3, 2),  # Honda twice (the deleted one of 20/11 aside), Canon once
    ]


async def test_deadlines_by_cell(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a)
    found = [(c.name, [(i.person, i.kind, i.due, i.state) for i in c.items]) for c in d.deadlines]
    assert found == [
        (
            HONDA,
            [
                (BINH, Kind.CEREMONY, date(2026, 11, 12), State.OVERDUE),
                ("Lý Văn Quá", Kind.OFFICIAL_TRANSFER, date(2026, 11, 30), State.OVERDUE),
                ("Đinh Văn Hạn", Kind.OFFICIAL_TRANSFER, date(2026, 12, 8), State.DUE_SOON),
                ("Mai Văn Tạm", Kind.TEMPORARY_TRANSFER_END, date(2026, 12, 20), State.DUE_SOON),
                ("Vũ Thị Giang", Kind.PROBATION_END, date(2026, 12, 20), State.DUE_SOON),
            ],
        ),
        ("Chi bộ Canon", [("Đặng Thị Lan", Kind.AWARENESS_EXPIRY, date(2026, 12, 28), State.DUE_SOON)]),
    ]
    assert (d.overdue, d.due_soon) == (2, 4)
    assert d.deadlines[0].items[0].days_left == -25


async def test_the_cells_most_overdue_come_first(db: Database, tree: Tree) -> None:
    d = await digest_of(db, units.ROOT_ID)
    # By name it would be Honda, Canon, Samsung; Samsung has one overdue ceremony, Canon none.
    assert [(c.name, c.overdue, c.due_soon) for c in d.deadlines] == [
        (HONDA, 2, 3),
        ("Chi bộ Samsung", 1, 0),
        ("Chi bộ Canon", 0, 1),
    ]


async def test_a_cell_shows_its_first_deadlines_and_counts_them_all(db: Database, tree: Tree) -> None:
    # Three more overdue ceremonies at Honda (decisions of 01/09: due 14/10): eight deadlines in all.
    for name in ("Phan Văn Một", "Phan Văn Hai", "Phan Văn Ba"):
        await add_person(
            db, tree.honda, name, {Step.SOURCE: "2026-03-02", Step.ADMISSION_DECISION: "2026-09-01"}
        )
    d = await digest_of(db, tree.a)
    honda = d.deadlines[0]
    assert (honda.name, honda.overdue, honda.due_soon) == (HONDA, 5, 3)
    assert [i.person for i in honda.items] == [
        "Phan Văn Ba",
        "Phan Văn Hai",
        "Phan Văn Một",
        BINH,
        "Lý Văn Quá",
    ]
    lines = dg.render(d, translator("en")).splitlines()
    assert "<i>Chi bộ &lt;Honda&gt; &amp; Co</i>: 5 overdue, 3 due soon" in lines
    assert "… and 3 more" in lines


async def test_the_admins_days_off_move_deadlines(db: Database, tree: Tree) -> None:
    d = await dg.compute(db, tree.a, TODAY, WorkingCalendar())
    han = next(i for c in d.deadlines for i in c.items if i.person == "Đinh Văn Hạn")
    assert han.due == date(2026, 12, 7)  # without the day off of 04/12


async def test_load_calendar_reads_days_off_and_make_up_days(db: Database) -> None:
    for day, kind, name in (
        ("2026-12-04", "off", "Ngày hội"),
        ("2026-12-12", "work", None),
        ("2026-12-11", "off", None),
    ):
        await db.execute(
            "INSERT INTO calendar_days (day, kind, name, created_at) VALUES (?, ?, ?, ?)",
            (day, kind, name, RECENT.isoformat()),
        )
    calendar = await load_calendar(db)
    assert not calendar.is_working_day(date(2026, 12, 4))
    assert calendar.holiday_name(date(2026, 12, 4)) == "Ngày hội"
    assert not calendar.is_working_day(date(2026, 12, 11))
    assert calendar.is_working_day(date(2026, 12, 12))  # a Saturday made a working day
    assert not calendar.is_working_day(date(2027, 1, 1))  # the national holidays are still there


# ----- enterprises --------------------------------------------------------------------------------


async def test_enterprise_picture_uses_each_cells_latest_live_report(db: Database, tree: Tree) -> None:
    e = (await digest_of(db, tree.a)).enterprises
    # Honda's report of 20/11 (not of 10/01), Canon's of 01/06 (the later one is deleted).
    assert e.total == ZoneSums(
        zone="",
        enterprises=2,
        with_cell=2,
        members_no_cell=0,
        could_found=0,
        workers=4200,
        young_workers=2800,
        youth_union_members=75,
        trade_unions=2,
        youth_union_branches=2,
    )
    assert [z.zone for z in e.zones] == ["KCN A", "KCN Quế Võ"]
    # Honda's members: its latest meeting's 10 and 5 registered where they live.
    honda = await register.by_cell(db, tree.honda)
    assert honda is not None and (honda.party_members, honda.members_elsewhere) == (15, 5)


async def test_the_youth_union_gap_of_the_source_article(db: Database) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    committee = await units.add(db, "kcn-pt", "Đảng bộ các KCN Phú Thọ", units.ROOT_ID, now)
    cell = await units.add(db, "cb-1", "Chi bộ 1", committee.id, now)
    await units.add(db, "cb-2", "Chi bộ 2", committee.id, now)
    await add(
        db,
        "enterprise",
        cell.id,
        snapshot("2026-12-01", "KCN Thụy Vân", 8_000, 6_000, 7_000, 500, 4),
        at=now,
    )
    await feed_register(db, cell.id)
    # Enterprises without a cell count too: the register knows them.
    async with db.transaction() as tx:
        for number, (young, youth) in enumerate(((5_000, 75), (4_000, 0))):
            values = {
                "unit_id": committee.id,
                "name": f"Công ty {number}",
                "zone": "kcn thuy van",  # typed without accents: the register's spelling is kept
                "ownership": "foreign",
                "workers": young + 1_000,
                "young_workers": young,
                "youth_union_members": youth,
                "party_members": 0,
                "members_elsewhere": 0,
            }
            await enterprises.save_entry(
                tx,
                enterprises.Scope(Role.ADMIN, None, None),
                None,
                values,
                trade_union=False,
                youth_union=bool(youth),
                cell_id=None,
                now=now,
            )
    d = await digest_of(db, committee.id)
    assert [z.zone for z in d.enterprises.zones] == ["KCN Thụy Vân"]
    vi = dg.render(d, translator("vi"))
    assert "15.000" in vi and "575" in vi and "3,8%" in vi
    en = dg.render(d, translator("en"))
    assert "Young workers (under 30): 15,000" in en
    assert "Youth Union members: 575, 3.8% of the young workers" in en
    assert "Party cells: <b>1 of 3</b> enterprises (33.3%)" in en


async def test_the_working_group_in_the_digest(db: Database, tree: Tree) -> None:
    honda = await register.by_cell(db, tree.honda)
    assert honda is not None
    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    user = await db.insert(
        """
        INSERT INTO users (channel, external_id, display_name, role, unit_id, created_at, updated_at)
        VALUES ('telegram', '3001', 'Bình', 'committee', ?, ?, ?)
        """,
        (tree.a, now.isoformat(), now.isoformat()),
    )
    async with db.transaction() as tx:
        await register.assign(tx, honda.id, user, now)
        await register.add_contact(tx, honda.id, date(2026, 9, 1), "visit", "Thăm doanh nghiệp", user, now)
    d = await digest_of(db, tree.a)
    assert d.enterprises.members == (MemberSums(user, "Bình", 1, date(2026, 9, 1), 1),)
    assert d.enterprises.unassigned == 1
    lines = dg.render(d, translator("en")).splitlines()
    assert "• Bình: 1 enterprises, last contact 01/09/2026, 1 due a contact" in lines
    assert "• Nobody assigned: 1 enterprises" in lines
    work = await enterprises.worklist(db, user, TODAY)
    nudge = dg.working_group_lines(work, translator("en"))
    assert "1 not contacted for 60 days or more, 0 could found a party cell" in nudge[-1]


# ----- text ---------------------------------------------------------------------------------------


def check_html(text: str) -> None:
    """Fail unless every line is HTML Telegram accepts on its own, using only <b> and <i>."""
    for line in text.split("\n"):
        parse_html(line)
        for tag in ("<a", "<u>", "<s>", "<code", "<pre", "<span", "<blockquote"):
            assert tag not in line, line


async def test_render_in_vietnamese(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a)
    text = dg.render(d, translator("vi"))
    check_html(text)
    assert "<b>Bản tin tuần: Đảng bộ KCN A</b>" in text.splitlines()[0]
    assert "Chi bộ &lt;Honda&gt; &amp; Co" in text
    assert "Trần Thị &lt;Bình&gt;" in text
    assert "<Honda>" not in text and "<Bình>" not in text
    assert "12/11/2026" in text and "06/11/2026" in text  # the overdue ceremony, Canon's last record
    assert "25%" in text  # 2 admitted of the target 8
    assert "Chi bộ Yazaki" in text and "11/2026" in text


async def test_render_in_english(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a)
    text = dg.render(d, translator("en"))
    check_html(text)
    lines = text.splitlines()
    assert lines[0] == "<b>Weekly digest: Đảng bộ KCN A</b>"
    assert lines[1] == "<i>Week 30/11/2026 to 06/12/2026 · 4 cells</i>"
    assert lines[3] == "<b>🔔 Needs action</b>"
    figures = dg.render_figures(d, translator("en")).splitlines()
    assert figures[:2] == [
        "<b>Figures of the week: Đảng bộ KCN A</b>",
        "<i>Week 30/11/2026 to 06/12/2026; year so far: 01/01/2026 to 06/12/2026.</i>",
    ]
    assert text.endswith(dg.render_figures(d, translator("en")))
    assert "Admitted: <b>2</b> of the target 8 (25%); 1 this week." in lines
    assert "New sources: 1 / 2" in lines
    assert "Admission ceremonies (admissions): 1 / 2" in lines
    assert "Withdrew: 0 / 0" not in lines  # rare steps show only when they happened
    assert "Out: 0 / 4" in lines
    assert "Cell meetings: 1 / 5" in lines
    assert "Training or political class: 1 / 2" in lines
    assert "<b>Cells that recorded nothing in 30 days: 2 of 4</b>" in lines
    assert "• Chi bộ Canon (last record 06/11/2026)" in lines
    assert "• Chi bộ Yazaki (nothing recorded yet)" in lines
    assert "<b>Cells with no regular meeting recorded in 11/2026: 2 of 4</b>" in lines
    assert "<b>Deadlines: 2 overdue, 4 due in the next 30 days</b>" in lines
    assert "<i>Chi bộ &lt;Honda&gt; &amp; Co</i>: 2 overdue, 3 due soon" in lines
    assert "⚠ Trần Thị &lt;Bình&gt;: admission ceremony, due 12/11/2026, <b>overdue</b>" in lines
    assert "• Đinh Văn Hạn: official transfer out: introduction letter, due 08/12/2026" in lines
    assert "Workers: 4,200" in lines
    assert (
        "Party cells: <b>2 of 2</b> enterprises (100%); 0 have party members but no cell, "
        "0 of them could found one now." in lines
    )


async def test_needs_action_comes_first_and_fits_a_phone_screen(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a)
    text = dg.render_actions(d, translator("en"))
    check_html(text)
    lines = text.splitlines()
    assert lines[3:] == [
        "<b>🔔 Needs action</b>",
        # Short names: "Chi bộ" goes; the names are still escaped.
        "⚠️ Overdue deadlines: <b>2</b> — &lt;Honda&gt; &amp; Co (2)",
        # Đinh Văn Hạn's transfer is due on 09/12, in 2 days; the others of Honda's 3 are further.
        "⏰ Due within 7 days: <b>1</b> — &lt;Honda&gt; &amp; Co (1)",
        # Day 5 has passed; Honda's only December meeting is thematic, which does not replace it.
        "📅 No regular meeting recorded for 12/2026, its day past: <b>4</b> cells"
        " — &lt;Honda&gt; &amp; Co, Canon, Toyota, Yazaki",
        # December is the quarter's last month: its thematic meeting is due; Honda held one on 01/12
        # (Toyota's of November was deleted).
        "🗓 No thematic meeting yet in quarter 4/2026: <b>3</b> cells — Canon, Toyota, Yazaki",
        "🔕 Nothing recorded in 30 days: <b>2</b> cells — Canon, Yazaki",
    ]
    # One phone screen (390 x 844) holds about 25 lines of 40 characters.
    assert len(lines) <= 12 and len(text) < 1000
    assert d.action_cells() == (
        dg.CellRef(tree.honda, HONDA),
        dg.CellRef(tree.canon, "Chi bộ Canon"),
        dg.CellRef(tree.toyota, "Chi bộ Toyota"),
        dg.CellRef(tree.yazaki, "Chi bộ Yazaki"),
    )
    assert d.to_nudge() == {
        tree.honda: ["meeting"],
        tree.canon: ["meeting", "thematic", "silent"],
        tree.toyota: ["meeting", "thematic"],
        tree.yazaki: ["meeting", "thematic", "silent"],
    }


async def test_the_quarters_thematic_meeting_is_followed_up_in_its_last_month_and_the_next_ones_first(
    db: Database, tree: Tree
) -> None:
    # Canon set up in December, the quarter's last month: not asked for quarter 4; Toyota holds a
    # regular meeting with a thematic part, which pays it.
    await db.execute(
        "UPDATE units SET created_at = ? WHERE id = ?", ("2026-12-01T03:00:00+00:00", tree.canon)
    )
    await add(db, "meeting", tree.toyota, meeting("2026-12-03", "both"))
    d = await digest_of(db, tree.a)
    assert d.thematic_missing == (dg.CellRef(tree.yazaki, "Chi bộ Yazaki"),)
    vi = "🗓 Chưa sinh hoạt chuyên đề quý 4/2026: <b>1</b> chi bộ — Yazaki"
    assert vi in dg.render_actions(d, translator("vi"))
    # In January the quarter has ended: the cells that recorded none are still named, as missed.
    january = await dg.compute(db, tree.a, date(2027, 1, 12), await load_calendar(db))
    assert january.thematic_quarter == date(2026, 10, 1)
    assert january.thematic_missing == (dg.CellRef(tree.yazaki, "Chi bộ Yazaki"),)
    en = "🗓 Quarter 4/2026 ended with no thematic meeting recorded: <b>1</b> cells — Yazaki"
    assert en in dg.render_actions(january, translator("en"))
    assert "thematic" in january.to_nudge()[tree.yazaki]
    assert january.no_thematic == (dg.CellRef(tree.yazaki, "Chi bộ Yazaki"),)  # the figures agree
    # In February, the quarter's middle month, there is nothing to follow up on thematic meetings.
    february = await dg.compute(db, tree.a, date(2027, 2, 10), await load_calendar(db))
    assert february.thematic_quarter is None and february.thematic_missing == ()
    assert "🗓" not in dg.render_actions(february, translator("en"))


async def test_a_meeting_day_to_come_or_a_cell_set_up_since_is_not_asked_about(
    db: Database, tree: Tree
) -> None:
    await units.set_meeting_day(db, tree.toyota, 7)  # today: the day itself has not passed yet
    await units.set_meeting_day(db, tree.honda, 6)
    # Canon set up on 06/12, after its meeting day of the 5th; Yazaki's regular meeting is recorded.
    await db.execute(
        "UPDATE units SET created_at = ? WHERE id = ?", ("2026-12-05T18:00:00+00:00", tree.canon)
    )
    await add(db, "meeting", tree.yazaki, meeting("2026-12-04", "both"))
    d = await digest_of(db, tree.a)
    assert d.meeting_due == (dg.CellRef(tree.honda, HONDA),)


async def test_records_sent_back_and_not_corrected_are_counted_per_cell(db: Database, tree: Tree) -> None:
    meetings = await db.fetchall("SELECT id, unit_id FROM meetings WHERE deleted_at IS NULL ORDER BY id")
    honda = [m["id"] for m in meetings if m["unit_id"] == tree.honda]
    samsung = [m["id"] for m in meetings if m["unit_id"] == tree.samsung]
    async with db.transaction() as tx:
        member = (await users.upsert_contact(tx, "telegram", "3001", "Bình", RECENT)).id
        for record in honda[:2]:
            assert await reviews.add(tx, "meeting", record, tree.honda, "Sai ngày", member, RECENT)
        corrected = await reviews.add(tx, "meeting", honda[2], tree.honda, "Thiếu chủ đề", member, RECENT)
        assert corrected is not None
        await reviews.resolve(tx, corrected, reviews.CORRECTED, member, RECENT)
        await reviews.add(tx, "meeting", samsung[0], tree.samsung, "Xem lại", member, RECENT)
    d = await digest_of(db, tree.a)
    assert d.returned == (dg.CellCount(tree.honda, HONDA, 2),)
    text = dg.render_actions(d, translator("vi"))
    assert "↩️ Bản ghi bị trả lại, chưa sửa: <b>2</b> — &lt;Honda&gt; &amp; Co (2)" in text
    # A second return of a record whose return is still open is refused: one open at a time.
    async with db.transaction() as tx:
        assert await reviews.add(tx, "meeting", honda[0], tree.honda, "Lần nữa", member, RECENT) is None


async def test_nothing_to_act_on_says_so(db: Database) -> None:
    committee = await units.add(db, "kcn-c", "Đảng bộ KCN C", units.ROOT_ID, datetime(2025, 1, 1, tzinfo=UTC))
    cell = await units.add(db, "cb-c", "Chi bộ C", committee.id, datetime(2025, 1, 1, tzinfo=UTC))
    await add(db, "meeting", cell.id, meeting("2026-12-04", "both"))  # regular, with a thematic part
    d = await digest_of(db, committee.id)
    assert "✅ Nothing needs action this week." in dg.render_actions(d, translator("en"))
    assert d.action_cells() == () and d.to_nudge() == {}


def test_a_province_lists_stay_capped_and_counted() -> None:
    text = dg.render_actions(big_digest(300), translator("en"))
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("⚠️"))
    end = next(i for i, line in enumerate(lines) if line.startswith("🔕"))
    overdue = lines[start:end]  # ten names a line at most, and some 600 characters
    assert overdue[0].startswith("⚠️ Overdue deadlines: <b>600</b> — ")
    assert sum(line.count("(2)") for line in overdue) == dg.CELLS_LISTED
    assert all(line.count("(2)") <= 10 and len(line) < 800 for line in overdue)
    assert overdue[-1].endswith("… and 270 more cells")
    assert "&lt;Điện tử&gt; &amp; Linh kiện Số 0" in overdue[0] and "TNHH" not in "".join(overdue)
    assert lines[-1].endswith("… and 270 more cells")  # the quiet cells


def big_digest(cells: int) -> dg.Digest:
    """Return a digest of a province: many cells with long names, all quiet, each with deadlines."""
    tally = dg.Tally(dict.fromkeys(Step, 3), 1, 2, 3, 1, {"training": 2})
    names = [f"Chi bộ Công ty TNHH <Điện tử> & Linh kiện Số {i} " + "x" * 60 for i in range(cells)]
    item = dg.DueItem("Nguyễn Thị <Hồng> & Lan", Kind.CEREMONY, date(2026, 11, 12), State.OVERDUE, -25)
    soon = dg.DueItem("Lê Văn Hùng", Kind.RECOGNITION, date(2026, 12, 20), State.DUE_SOON, 13)
    return dg.Digest(
        unit_id=1,
        unit_name="Đảng bộ Khối <Doanh nghiệp> tỉnh",
        today=TODAY,
        week=dg.Period(date(2026, 11, 30), date(2026, 12, 6)),
        year=dg.Period(date(2026, 1, 1), date(2026, 12, 6)),
        last_month=dg.Period(date(2026, 11, 1), date(2026, 11, 30)),
        this_week=tally,
        this_year=tally,
        target=300,
        cells=tuple(dg.CellRef(i, n) for i, n in enumerate(names)),
        parts=tuple(dg.UnitProgress(i, n, True, i % 4, 3) for i, n in enumerate(names)),
        quiet_cells=tuple(dg.QuietCell(i, n, None) for i, n in enumerate(names)),
        no_meeting=tuple(dg.CellRef(i, n) for i, n in enumerate(names)),
        last_quarter=dg.Period(date(2026, 7, 1), date(2026, 9, 30)),
        no_thematic=tuple(dg.CellRef(i, n) for i, n in enumerate(names)),
        this_quarter=dg.Period(date(2026, 10, 1), TODAY),
        thematic_this_quarter=0,
        deadlines=tuple(dg.CellDeadlines(i, n, 2, 1, (item, soon, item)) for i, n in enumerate(names)),
        enterprises=Coverage(
            unit_id=1,
            year=2026,
            total=ZoneSums("", cells, cells // 2, 40, 3, 150_000, 90_000, 4_000, 120, 50),
            zones=tuple(ZoneSums(f"KCN <{z}>", cells, cells // 2, 40, 3, 1, 1, 1, 1, 1) for z in range(3)),
            founded=FoundedCounts(1, 2, 3),
            members=tuple(MemberSums(i, f"Người <{i}>", 3, None, 3) for i in range(5)),
            unassigned=7,
            contact_days=60,
        ),
        months=tuple(dg.MonthMeetings(date(2026, m, 1), 250, 240) for m in range(6, 12)),
    )


def test_a_province_digest_names_a_bounded_number_of_people() -> None:
    lines = dg.render(big_digest(300), translator("en")).splitlines()
    people = [line for line in lines if "Hồng" in line or "Hùng" in line]
    assert len(people) == dg.DEADLINES_LISTED
    # 13 cells have their 3 listed (39), the 14th one of 3, and the next 16 their counts alone;
    # the 270 cells after the first 30 are one line.
    assert lines.count("… and 2 more") == 1
    assert sum(": 2 overdue, 1 due soon" in line for line in lines) == dg.CELLS_LISTED
    assert lines.count("… and 270 more cells (all of them are in /export)") >= 1


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_a_long_digest_splits_at_lines_without_breaking_a_tag(locale: str) -> None:
    text = dg.render(big_digest(300), translator(locale))
    parts = split_message(text, limit=1000)  # a lower limit than Telegram's, for more cuts
    assert len(parts) > 5
    assert "\n".join(parts) == text  # nothing lost, nothing cut inside a line
    for part in parts:
        # Telegram would accept each part on its own, and counts the text it shows.
        assert utf16_len(parse_html(part).text) <= 1000


# ----- chart --------------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    """Return the width and height of a PNG, after checking its signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def texts_of(d: dg.Digest, locale: str) -> list[str]:
    """Return every text drawn in the chart's figure."""
    from matplotlib.text import Text

    return [t.get_text() for t in dg.figure(d, translator(locale)).findobj(Text) if t.get_text()]


async def test_chart_is_a_png_of_sane_size_with_localized_titles(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a)
    for locale in ("vi", "en"):
        png = dg.chart(d, translator(locale))  # a missing glyph would warn, and warnings fail tests
        width, height = png_size(png)
        assert width == 825 and width < height <= 2 * width  # portrait, whole on a phone's screen
        assert 10_000 < len(png) < 250_000
    en, vi = texts_of(d, "en"), texts_of(d, "vi")
    assert "Admissions in 2026 by cell,\nagainst the target\nAll cells: 2 admitted of the target 8" in en
    title = translator("vi")("Admissions in {year} by cell, against the target").format(year=2026)
    # A long title is cut after its comma to fit the portrait chart.
    assert any(text.replace(",\n", ", ").startswith(title) for text in vi)
    assert not any(text.replace(",\n", ", ").startswith(title) for text in en)
    assert "Kết nạp" in title
    assert "Đảng bộ KCN A" in vi  # the unit's name, as is
    assert "2 / 5" in [t.strip() for t in en]  # Honda: 2 admitted of 5
    assert "<Honda> & Co" in en and HONDA not in en  # short names: "Chi bộ" goes
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.text import Text

    texts = dg.figure(d, translator("vi")).findobj(Text)
    assert {tuple(t.get_fontfamily()) for t in texts} == {("DejaVu Sans",)}
    # The font is found as itself (matplotlib ships it), not replaced by a fallback without Vietnamese.
    assert findfont(FontProperties(family="DejaVu Sans"), fallback_to_default=False).endswith(
        "DejaVuSans.ttf"
    )


def drawn_texts(fig: Any) -> list[Any]:
    """Return the texts a figure shows (not empty, not hidden), after drawing it."""
    from matplotlib.text import Text

    fig.canvas.draw()
    return [a for a in fig.findobj(Text) if a.get_text().strip() and a.get_visible()]


@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_every_text_of_the_chart_is_at_least_11_px_on_a_phone(
    db: Database, tree: Tree, locale: str
) -> None:
    d = await digest_of(db, tree.a)
    for digest in (d, big_digest(300)):
        fig = dg.figure(digest, translator(locale))
        width_in = fig.get_size_inches()[0]
        for text in drawn_texts(fig):
            # Points to pixels on a screen 390 px wide showing the whole width of the picture.
            shown = text.get_fontsize() * dg.PHONE_WIDTH / (72 * width_in)
            assert shown >= 11, (text.get_text(), shown)
        height_in = fig.get_size_inches()[1]
        assert width_in < height_in <= 2 * width_in


async def test_the_axes_count_whole_people_and_a_target_shows_only_where_set(
    db: Database, tree: Tree
) -> None:
    from matplotlib.patches import Rectangle

    d = await digest_of(db, tree.a)  # targets: Honda 5 and Canon 3; Toyota and Yazaki none
    fig = dg.figure(d, translator("en"))
    drawn_texts(fig)
    upper, lower = fig.axes
    for axes in (upper, lower):
        ticks = [x for x in axes.get_xticks() if axes.get_xlim()[0] <= x <= axes.get_xlim()[1]]
        assert ticks and all(float(x).is_integer() for x in ticks)
    # One admission does not fill the width: the axis goes to 5 at least.
    assert upper.get_xlim()[1] >= 5
    grey = [p for p in upper.patches if isinstance(p, Rectangle) and p.get_facecolor()[:3] != (1.0, 1.0, 1.0)]
    targets = [p for p in grey if round(p.get_height(), 2) == 0.8]
    assert sorted(p.get_width() for p in targets) == [3, 5]
    assert [t.get_text() for t in upper.get_legend().get_texts()] == ["Target", "Admitted"]
    # Without any target below, no target bar and no legend (the root's own target is in the title).
    from dataclasses import replace

    none = replace(d, parts=tuple(replace(p, target=None) for p in d.parts))
    fig = dg.figure(none, translator("en"))
    drawn_texts(fig)
    assert fig.axes[0].get_legend() is None
    assert not [p for p in fig.axes[0].patches if round(p.get_height(), 2) == 0.8]
    assert "Admissions in 2026 by cell\nAll cells: 2 admitted of the target 8" in texts_of(none, "en")


async def test_charts_can_be_drawn_in_threads_at_once(db: Database, tree: Tree) -> None:
    d = await digest_of(db, tree.a)
    alone = [dg.chart(d, translator("vi")), dg.chart(d, translator("en"))]
    together = await asyncio.gather(
        asyncio.to_thread(dg.chart, d, translator("vi")), asyncio.to_thread(dg.chart, d, translator("en"))
    )
    assert together == alone  # two figures drawn at the same time do not mix
    assert alone[0] != alone[1]


def test_chart_of_a_province_groups_the_smaller_cells() -> None:
    d = big_digest(300)
    texts = texts_of(d, "en")
    assert f"Others ({300 - dg.CHART_TOP_CELLS})" in texts
    # The 300 cells admitted 0, 1, 2, 3 in turn (450 in all); the 12 shown come first by name, "Số 0",
    # "Số 1", "Số 10", "Số 100" to "Số 108", and admitted 15 of them. The others: 435 of 288 x 3.
    assert "435 / 864" in [t.strip() for t in texts]
    png = dg.chart(d, translator("vi"))
    width, height = png_size(png)
    assert width == 825 and height <= 2 * width and len(png) < 250_000


async def test_an_empty_committee_has_a_digest_too(db: Database) -> None:
    committee = await units.add(db, "kcn-new", "Đảng bộ mới", units.ROOT_ID, RECENT - timedelta(days=1))
    d = await digest_of(db, committee.id)
    # A unit without children is a cell by definition, so the new committee counts as its own cell.
    assert d.target is None and d.overdue == 0 and d.enterprises.empty
    check_html(dg.render(d, translator("vi")))
    assert "No target is set for 2026." in dg.render(d, translator("en"))
    assert png_size(dg.chart(d, translator("en")))[0] == 825


async def test_the_root_of_a_new_tree_is_not_a_cell(db: Database) -> None:
    d = await digest_of(db, units.ROOT_ID)
    assert d.cells == () and d.quiet_cells == () and d.no_meeting == ()
    assert "Cells: 0" in dg.render(d, translator("en")).splitlines()
    assert png_size(dg.chart(d, translator("vi")))[0] == 825


async def test_unknown_unit_is_refused(db: Database) -> None:
    with pytest.raises(LookupError):
        await digest_of(db, 999)


def test_names_with_dollar_signs_are_drawn_as_text() -> None:
    from dataclasses import replace

    digest = big_digest(3)
    odd = tuple(replace(p, name=f"Chi bộ Cty $\\x$ {p.name[:5]}") for p in digest.parts)
    digest = replace(digest, parts=odd, unit_name="Đảng bộ $\\frac{1}{0}$")
    png = dg.chart(digest, translator("vi"))  # mathtext would raise on "$\x$"
    assert png_size(png)[0] == 825
