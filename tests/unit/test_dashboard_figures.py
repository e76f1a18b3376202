"""The dashboard's figures on a fixed day (Monday 07/12/2026), worked out by hand from the records.

Committee A has two cells: Alpha met on 03/12 (a regular meeting with a thematic part, 9 members) and
in October (regular), and admitted one person this year against a target of 4; Beta recorded nothing.
Committee B has 101 cells, so the root (103 cells) is shown by committee, and B's own table has two
pages of 100 rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.channels.web import pages
from bot.errors import UserError
from bot.features import dashboard as d
from bot.features.calendar import load_calendar
from bot.i18n import translator
from bot.rules.calendar import VIETNAM
from bot.rules.pipeline import Step
from storage import records, units
from storage.dashboard import Scope
from storage.database import Database

TODAY = date(2026, 12, 7)
AT = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


@dataclass
class Ids:
    a: int
    b: int
    alpha: int
    beta: int


def _meeting(day: str, kind: str, total: int) -> dict[str, object]:
    return {
        "on_date": day,
        "kind": kind,
        "minutes": 120,
        "total": total,
        "present": total,
        "absent_with_reason": 0,
        "absent_without_reason": 0,
        "topic": None,
    }


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "f.db") as database:
        await database.migrate()
        yield database


@pytest.fixture
async def ids(db: Database) -> Ids:
    setup = AT - timedelta(days=400)
    a = (await units.add(db, "kcn-a", "A", units.ROOT_ID, setup)).id
    b = (await units.add(db, "kcn-b", "B", units.ROOT_ID, setup)).id
    alpha = (await units.add(db, "cb-alpha", "Alpha", a, setup)).id
    beta = (await units.add(db, "cb-beta", "Beta", a, setup)).id
    for n in range(101):
        cell = await units.add(db, f"cb-b{n:03d}", f"B cell {n:03d}", b, setup)
        if n < 3:
            await records.insert(db, "meeting", cell.id, _meeting("2026-12-02", "regular", 10 + n), None, AT)
    await records.insert(db, "meeting", alpha, _meeting("2026-10-05", "regular", 8), None, AT)
    await records.insert(db, "meeting", alpha, _meeting("2026-12-03", "both", 9), None, AT)
    person = await records.insert(
        db,
        "person",
        alpha,
        {
            "full_name": "Hoa",
            "birth_year": 1995,
            "gender": "female",
            "position": "worker",
            "youth_union": 1,
            "helper1": "Một",
            "helper2": "Hai",
        },
        None,
        AT,
    )
    await records.insert(
        db, "step", alpha, {"person_id": person, "step": Step.SOURCE, "on_date": "2025-01-02"}, None, AT
    )
    await records.insert(
        db, "step", alpha, {"person_id": person, "step": Step.CEREMONY, "on_date": "2026-03-02"}, None, AT
    )
    await db.execute("INSERT INTO targets (unit_id, year, admissions) VALUES (?, 2026, 4)", (alpha,))
    return Ids(a, b, alpha, beta)


async def _table(db: Database, unit: int, **kwargs: object) -> d.Table:
    period = kwargs.pop("period", d.period_of("", "", "", TODAY))
    scope = await Scope.of(db, units.ROOT_ID)
    calendar = await load_calendar(db)
    return await d.table(db, scope, unit, period, TODAY, calendar, VIETNAM, **kwargs)  # type: ignore[arg-type]


async def test_a_large_subtree_is_shown_by_the_units_right_under_it(db: Database, ids: Ids) -> None:
    table = await _table(db, units.ROOT_ID)
    assert table.grouped and [r.name for r in table.rows] == ["A", "B"]
    a, b = table.rows
    assert (a.cells, a.members, a.regular_held, a.regular_of, a.thematic_held) == (2, 9, 1, 2, 1)
    assert (a.admitted, a.target, a.quiet) == (1, 4, 1)
    assert (b.cells, b.members, b.regular_held, b.thematic_held, b.quiet) == (101, 33, 3, 0, 98)
    assert table.totals.cells == 103 and table.totals.regular_held == 4 and table.totals.target == 4


async def test_a_cells_row_this_month_and_this_quarter(db: Database, ids: Ids) -> None:
    table = await _table(db, ids.a)
    assert not table.grouped
    alpha, beta = table.rows
    assert (alpha.name, alpha.regular_date, alpha.thematic_date) == (
        "Alpha",
        date(2026, 12, 3),
        date(2026, 12, 3),
    )
    assert (alpha.regular_held, alpha.regular_of, alpha.members, alpha.last_record) == (
        1,
        1,
        9,
        date(2026, 12, 5),
    )
    assert (beta.regular_held, beta.members, beta.last_record, beta.quiet) == (0, None, None, 1)
    # This quarter: Alpha met in October and December, not November.
    quarter = await _table(db, ids.a, period=d.period_of("quarter", "", "", TODAY))
    assert (quarter.rows[0].regular_held, quarter.rows[0].regular_of, quarter.months) == (2, 3, 3)


async def test_sorting_and_pages_of_a_hundred(db: Database, ids: Ids) -> None:
    first = await _table(db, ids.b)
    assert (first.grouped, first.pages, len(first.rows), first.total_rows) == (False, 2, 100, 101)
    second = await _table(db, ids.b, page=2)
    assert [r.name for r in second.rows] == ["B cell 100"]
    by_members = await _table(db, ids.b, sort=d.Sort.MEMBERS, descending=True)
    assert [r.members for r in by_members.rows[:4]] == [12, 11, 10, None]


def test_periods() -> None:
    assert d.period_of("week", "", "", TODAY) == d.Period(d.PeriodKind.WEEK, date(2026, 12, 7), TODAY)
    assert d.period_of("year", "", "", TODAY).start == date(2026, 1, 1)
    chosen = d.period_of("range", "01/02/2026", "2026-03-31", TODAY)
    assert (chosen.start, chosen.end) == (date(2026, 2, 1), date(2026, 3, 31))
    assert len(chosen.months(TODAY)) == 2 and len(chosen.quarters(TODAY)) == 1
    for start, end in (("31/02/2026", "01/03/2026"), ("2026-03-01", "2026-02-01"), ("", "2026-01-01")):
        with pytest.raises(UserError):
            d.period_of("range", start, end, TODAY)
    with pytest.raises(UserError):
        d.period_of("decade", "", "", TODAY)


async def test_the_admissions_charts_key_names_the_target_only_where_one_is_drawn(
    db: Database, ids: Ids
) -> None:
    scope = await Scope.of(db, units.ROOT_ID)
    period = d.period_of("", "", "", TODAY)
    t = translator("en")
    with_target = str(pages.admissions_chart(await d.charts(db, scope, ids.a, period, TODAY), t))
    assert 'class="target"' in with_target and "Target" in with_target
    without = str(pages.admissions_chart(await d.charts(db, scope, ids.b, period, TODAY), t))
    assert 'class="target"' not in without and "Target" not in without.split("<figcaption>")[1]
