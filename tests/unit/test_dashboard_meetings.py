"""The dashboard's meetings follow the rules of issue 15 (bot/rules/meetings.py), on Monday 07/12/2026.

December is the last month of the fourth quarter. Five cells of one committee, meeting day the 5th
unless said otherwise, set up in January unless said otherwise:
- Thematic only: a thematic meeting on its own on 03/12, regular meetings in October and November.
  Its December has had no regular meeting (the 5th has passed: late); its quarter has its thematic one.
- Both: a regular meeting with a thematic part on 03/12: it counts for both.
- October: a regular meeting on 02/12, and the quarter's thematic meeting on 20/10, in another month.
- Day 20: meets on the 20th and has not met in December: not late, due on 20/12; its quarter's thematic
  meeting is due by 31/12 (the quarter's last month).
- New: set up on 06/12, after this month's meeting day: not asked about December, nor about the quarter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.channels.web import pages
from bot.features import dashboard as d
from bot.features.calendar import load_calendar
from bot.i18n import translator
from bot.rules import meetings as rules
from bot.rules.calendar import VIETNAM
from storage import records, units
from storage.dashboard import Scope
from storage.database import Database
from tests.unit.test_dashboard_figures import _meeting

TODAY = date(2026, 12, 7)
JANUARY = datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
NAMES = ("Thematic only", "Both", "October", "Day 20", "New")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "m.db") as database:
        await database.migrate()
        committee = (await units.add(database, "kcn", "Committee", units.ROOT_ID, JANUARY)).id
        ids = {}
        for name in NAMES:
            created = datetime(2026, 12, 6, 3, 0, tzinfo=UTC) if name == "New" else JANUARY
            ids[name] = (
                await units.add(database, name.lower().replace(" ", "-"), name, committee, created)
            ).id
        await units.set_meeting_day(database, ids["Day 20"], 20)
        for name, day, kind in (
            ("Thematic only", "2026-10-06", "regular"),
            ("Thematic only", "2026-11-06", "regular"),
            ("Thematic only", "2026-12-03", "thematic"),
            ("Both", "2026-12-03", "both"),
            ("October", "2026-10-20", "thematic"),
            ("October", "2026-12-02", "regular"),
            ("Day 20", "2026-11-20", "regular"),
        ):
            await records.insert(database, "meeting", ids[name], _meeting(day, kind, 9), None, JANUARY)
        yield database


async def _table(db: Database, period: str = "") -> d.Table:
    scope = await Scope.of(db, units.ROOT_ID)
    committee = scope.children(units.ROOT_ID)[0]
    return await d.table(
        db, scope, committee.id, d.period_of(period, "", "", TODAY), TODAY, await load_calendar(db), VIETNAM
    )


def _rows(table: d.Table) -> dict[str, d.Row]:
    return {r.name: r for r in table.rows}


async def test_this_month_and_this_quarter(db: Database) -> None:
    table = await _table(db)
    rows = _rows(table)
    only, both, october, day20, new = (rows[n] for n in NAMES)
    # A month with only a thematic meeting has not had its regular meeting, and its day has passed.
    assert (only.regular_held, only.regular_late, only.regular_date) == (0, 1, None)
    assert (only.thematic_held, only.thematic_date) == (1, date(2026, 12, 3))
    # A regular meeting with a thematic part in the same session counts for both.
    assert (both.regular_held, both.regular_date, both.thematic_held, both.thematic_date) == (
        1,
        date(2026, 12, 3),
        1,
        date(2026, 12, 3),
    )
    # This quarter's thematic meeting was in October: held, with its date.
    assert (october.thematic_held, october.thematic_date, october.thematic_by) == (
        1,
        date(2026, 10, 20),
        None,
    )
    # Before its meeting day a cell is not late: the page says when the meeting is due.
    assert (day20.regular_held, day20.regular_late, day20.regular_next) == (0, 0, date(2026, 12, 20))
    assert (day20.thematic_held, day20.thematic_late, day20.thematic_by) == (0, 0, date(2026, 12, 31))
    # Set up after this month's meeting day, in the quarter's last month: asked about neither.
    assert (new.regular_late, new.regular_next, new.thematic_late, new.thematic_by) == (0, None, 0, None)
    totals = table.totals
    assert (totals.regular_held, totals.regular_of, totals.regular_late) == (2, 5, 1)
    assert (totals.thematic_held, totals.thematic_late, totals.thematic_due) == (3, 0, 1)


async def test_the_quarter_and_the_year(db: Database) -> None:
    quarter = _rows(await _table(db, "quarter"))
    assert (quarter["Thematic only"].regular_held, quarter["Thematic only"].regular_late) == (2, 1)
    assert (quarter["Day 20"].regular_held, quarter["Day 20"].regular_late) == (1, 1)  # October missed
    year = await _table(db, "year")
    rows = _rows(year)
    # The first three quarters have ended: a cell without a thematic meeting in them is late for each.
    assert (rows["Both"].thematic_held, rows["Both"].thematic_of, rows["Both"].thematic_late) == (1, 4, 3)
    # Set up in December: the months and quarters before are not counted (chibo knows nothing of them).
    assert (rows["New"].regular_of, rows["New"].regular_late, rows["New"].thematic_of) == (0, 0, 0)
    assert (rows["Both"].regular_of, rows["Both"].regular_held, rows["Both"].regular_late) == (12, 1, 11)


async def test_the_cell_page_and_the_html(db: Database) -> None:
    scope = await Scope.of(db, units.ROOT_ID)
    calendar = await load_calendar(db)
    period = d.period_of("", "", "", TODAY)
    cells = {c.name: c for c in scope.cells_under(units.ROOT_ID)}
    only = await d.cell_page(db, scope, cells["Thematic only"].id, period, TODAY, calendar, VIETNAM)
    december, november = only.months[0], only.months[1]
    assert (december.month, december.regular, december.thematic, december.owed) == (
        date(2026, 12, 1),
        0,
        1,
        True,
    )
    assert (november.regular, november.thematic, november.owed) == (1, 0, True)
    new = await d.cell_page(db, scope, cells["New"].id, period, TODAY, calendar, VIETNAM)
    assert [m.owed for m in new.months[:2]] == [False, False]  # it did not exist on those days

    t = translator("en")
    html = str(pages.table_page(await _table(db), pages.Query({}), t))
    assert "not due until 20/12/2026" in html
    assert "none yet, due by 31/12/2026" in html
    assert "✓ 20/10/2026" in html
    page = str(pages.cell_page(only, pages.Query({}), t))
    assert '<dt>Regular meeting</dt><dd><span class="bad">none</span></dd>' in page
    assert '<dt>Thematic meeting</dt><dd><span class="ok">✓ 03/12/2026</span></dd>' in page


def test_the_rules() -> None:
    assert rules.regular_owed(date(2026, 12, 1), 5, None, date(2026, 12, 6))
    assert not rules.regular_owed(date(2026, 12, 1), 5, None, date(2026, 12, 5))  # the day itself
    assert not rules.regular_owed(date(2026, 12, 1), 5, date(2026, 12, 6), date(2026, 12, 20))
    assert rules.quarter_end(date(2026, 11, 15)) == date(2026, 12, 31)
    assert rules.thematic_due(date(2026, 10, 1), None, date(2026, 12, 1))
    assert not rules.thematic_due(date(2026, 10, 1), None, date(2026, 11, 30))
    assert not rules.thematic_owed(date(2026, 10, 1), None, date(2026, 12, 31))
    assert rules.thematic_owed(date(2026, 10, 1), None, date(2027, 1, 1))
    assert not rules.thematic_owed(date(2026, 10, 1), date(2026, 12, 1), date(2027, 1, 1))
