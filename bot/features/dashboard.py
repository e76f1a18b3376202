"""The dashboard's figures: plain data for one viewer's scope, a period and a page of the table.

Everything is read through a `storage.dashboard.Scope`, the viewer's unit and what lies below it;
bot/channels/web/dashboard.py turns these objects into HTML. Choices made here:
- The period is this week, month, quarter or year so far, or a range of dates, counted in whole months
  and quarters for the meetings. A cell holds its regular meeting in every month of the period and a
  meeting with a thematic part in every quarter of it, by bot/rules/meetings.py: a month with only a
  thematic meeting has not had its regular meeting, a regular meeting with a thematic part in the
  same session counts for both; a month is late only once the cell's meeting day has passed (before
  that the page says when it is), a quarter only once it has ended (in its last month it is due).
  With the default period, this month, the table shows this month's regular meeting and this
  quarter's thematic meeting, each with its date.
- Records sent back for revision (bot/features/review.py): each cell's count of those not corrected
  yet, and on a cell's page every one still open and those sent back or closed within the period.
- Admissions are the ceremonies of the year of the period's end, against that year's target (a unit's
  own target, else the sum of its children's, as the digest counts it).
- Deadlines are those the digest counts (bot/features/duties.py): overdue, or due within 30 days.
- Members: the total of a cell's latest meeting, as chibo keeps no member list.
- A unit whose subtree holds more than GROUP_AT cells shows one row per unit right under it (each
  summing its cells, with a link to drill down); any table shows PAGE_SIZE rows a page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from bot.errors import UserError
from bot.features.digest import KEPT_DEADLINES, SOON_DAYS
from bot.features.duties import count_open, open_duties
from bot.features.enterprises import Coverage, coverage
from bot.forms.fields import EARLIEST
from bot.i18n import N_
from bot.rules.calendar import WorkingCalendar, add_months, quarter_start
from bot.rules.deadlines import Deadline, Kind, State, deadlines_for
from bot.rules.meetings import (
    meeting_day_in,
    quarter_end,
    regular_asked,
    regular_owed,
    thematic_asked,
    thematic_due,
    thematic_owed,
)
from bot.rules.pipeline import Pipeline, Step
from bot.text import short_unit_name
from storage.dashboard import (
    REGULAR_KINDS,
    THEMATIC_KINDS,
    MeetingDates,
    MeetingsHeld,
    OpenAdmission,
    RecordLine,
    ReturnLine,
    Scope,
    ScopeUnit,
    quarter_key,
)

PATH = "/dashboard"  # the dashboard's page under CHIBO_PUBLIC_URL
OPEN_DASHBOARD = N_("Open the dashboard")  # the label of the buttons that open it
GROUP_AT = 100  # more cells than this under a unit: one row per unit right under it
PAGE_SIZE = 100
QUIET_DAYS = 30
RECORDS_SHOWN = 30
RETURNS_SHOWN = 30
MONTHS_CHARTED = 6
CHART_BARS = 12
MAX_RANGE_DAYS = 366 * 5
_STEPS = {s.value: s for s in Step}


# ----- the period ---------------------------------------------------------------------------------


class PeriodKind(StrEnum):
    """The periods the filter offers."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


@dataclass(frozen=True)
class Period:
    """The days the dashboard looks at, both ends included."""

    kind: PeriodKind
    start: date
    end: date

    def months(self, today: date) -> list[date]:
        """Return the first days of the months of the period up to today's month."""
        last = month_start(min(self.end, today))
        found, month = [], month_start(self.start)
        while month <= last:
            found.append(month)
            month = add_months(month, 1)
        return found

    def quarters(self, today: date) -> list[date]:
        """Return the first days of the quarters of the period up to today's quarter."""
        return sorted({quarter_start(m) for m in self.months(today)})


def month_start(day: date) -> date:
    """Return the first day of a day's month."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """Return the last day of a day's month."""
    return add_months(month_start(day), 1) - timedelta(days=1)


def _day(text: str) -> date:
    """Return a date given as yyyy-mm-dd (a date field) or dd/mm/yyyy (typed)."""
    text = text.strip()
    try:
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            found = date(year, month, day)
        else:
            found = date.fromisoformat(text)
    except ValueError:
        raise UserError(N_("“{value}” is not a date: write it as dd/mm/yyyy."), value=text) from None
    if found < EARLIEST:  # the forms' bound; the first day of time would not fit a timestamp either
        raise UserError(N_("This date is too far in the past. Check the year."))
    return found


def period_of(kind: str, start: str, end: str, today: date) -> Period:
    """Return the period a filter asks for; a malformed one raises UserError (the page says why)."""
    if kind in ("", PeriodKind.MONTH):
        return Period(PeriodKind.MONTH, month_start(today), today)
    if kind == PeriodKind.WEEK:
        return Period(PeriodKind.WEEK, today - timedelta(days=today.weekday()), today)
    if kind == PeriodKind.QUARTER:
        return Period(PeriodKind.QUARTER, quarter_start(today), today)
    if kind == PeriodKind.YEAR:
        return Period(PeriodKind.YEAR, date(today.year, 1, 1), today)
    if kind != PeriodKind.RANGE:
        raise UserError(N_("Choose a period from the list."))
    if not start.strip() or not end.strip():
        raise UserError(N_("A range of dates needs its first and last day."))
    first, last = _day(start), _day(end)
    if first > last:
        raise UserError(N_("The first day comes after the last one."))
    if first > today:
        raise UserError(N_("The range starts after today: nothing is recorded there yet."))
    if (last - first).days > MAX_RANGE_DAYS:
        raise UserError(N_("Choose a range of at most five years."))
    return Period(PeriodKind.RANGE, first, last)


# ----- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: a cell, or a unit summing its cells (and the viewed unit's totals)."""

    unit_id: int
    name: str
    is_cell: bool
    cells: int
    members: int | None  # None: no meeting recorded, so not known
    last_record: date | None
    quiet: int  # cells that recorded nothing in 30 days
    regular_held: int  # a cell: months with a regular meeting; a unit: cells with one every month
    regular_of: int  # a cell: months of the period it was asked for one (or held one); a unit: its cells
    regular_date: date | None  # a cell's latest regular meeting in the period's last month
    thematic_held: int  # the same for quarters and meetings with a thematic part
    thematic_of: int
    thematic_date: date | None  # a cell's latest meeting with a thematic part in the last quarter
    overdue: int
    due_soon: int
    admitted: int
    target: int | None
    # Meetings owed and not held (bot/rules/meetings.py). A cell: months whose meeting day has passed
    # with no regular meeting, ended quarters with no thematic one; a unit: its cells with any.
    regular_late: int = 0
    thematic_late: int = 0
    # Not late yet. A cell: this month's meeting day while it is to come, the end of this quarter
    # while its thematic meeting is due (its last month); a unit: its cells whose thematic one is due.
    regular_next: date | None = None
    thematic_by: date | None = None
    thematic_due: int = 0
    returned: int = 0  # records sent back for revision and not corrected yet
    # The period is one month (one quarter): a cell's row shows that month's (quarter's) meeting date.
    one_month: bool = False
    one_quarter: bool = False


class Sort(StrEnum):
    """The columns the table sorts by."""

    NAME = "name"
    MEMBERS = "members"
    LAST = "last"
    REGULAR = "regular"
    THEMATIC = "thematic"
    DEADLINES = "deadlines"
    RETURNED = "returned"
    ADMISSIONS = "admissions"


def _share(held: int, of: int) -> float:
    return held / of if of else 1.0


SORT_KEYS: dict[Sort, Callable[[Row], Any]] = {
    # A cell's row shows its short name (bot.text.short_unit_name): sorted as it reads.
    Sort.NAME: lambda r: (short_unit_name(r.name).casefold(), r.name.casefold(), r.unit_id),
    Sort.MEMBERS: lambda r: (r.members if r.members is not None else -1, r.name.casefold()),
    Sort.LAST: lambda r: (r.last_record or date.min, r.name.casefold()),
    Sort.REGULAR: lambda r: (_share(r.regular_held, r.regular_of), -r.regular_late, r.name.casefold()),
    Sort.THEMATIC: lambda r: (
        _share(r.thematic_held, r.thematic_of),
        -r.thematic_late,
        -r.thematic_due,
        r.name.casefold(),
    ),
    Sort.DEADLINES: lambda r: (r.overdue, r.due_soon, r.name.casefold()),
    Sort.RETURNED: lambda r: (r.returned, r.name.casefold()),
    Sort.ADMISSIONS: lambda r: (_share(r.admitted, r.target) if r.target else r.admitted, r.name.casefold()),
}


@dataclass(frozen=True)
class Table:
    """A page of the table of one unit of the scope."""

    unit: ScopeUnit
    path: Sequence[ScopeUnit]
    period: Period
    grouped: bool  # rows are the units right under `unit`, each summing its cells
    rows: Sequence[Row]  # this page's
    total_rows: int
    page: int  # from 1
    pages: int
    sort: Sort
    descending: bool
    totals: Row  # the whole unit
    year: int  # of the admissions and the target
    months: int  # months of the period up to today, each expecting a regular meeting
    quarters: int  # quarters of the period up to today, each expecting a thematic meeting


def sort_of(value: str) -> Sort:
    """Return the sort a request names (the name when it names none)."""
    try:
        return Sort(value)
    except ValueError:
        return Sort.NAME


def _target(unit: ScopeUnit, scope: Scope, targets: dict[int, int]) -> int | None:
    """Return a unit's target: its own, else the sum of its children's (None when nobody set one)."""
    if unit.id in targets:
        return targets[unit.id]
    found = [t for child in scope.children(unit.id) if (t := _target(child, scope, targets)) is not None]
    return sum(found) if found else None


@dataclass(frozen=True)
class CellMeetings:
    """Where a cell stands with its meetings over the months and quarters of a period."""

    regular_held: int  # months with a regular meeting
    regular_of: int  # months it held one, or was asked for one (it existed on the meeting day)
    regular_late: int  # months whose meeting day has passed without one
    regular_next: date | None  # this month's meeting day, while it is to come and nothing is recorded
    thematic_held: int  # quarters with a meeting with a thematic part
    thematic_of: int  # quarters it held one, or was asked for one (it existed before the last month)
    thematic_late: int  # ended quarters without one
    thematic_by: date | None  # the end of this quarter, when its thematic meeting is due and not held


_NO_MEETING = MeetingsHeld(frozenset(), frozenset())


@functools.lru_cache(maxsize=256)
def _months_asked(
    months: tuple[date, ...], meeting_day: int, created: date | None, today: date
) -> tuple[tuple[str, bool, bool, date], ...]:
    """Return, for each month: its key, whether the cell is asked for its regular meeting, whether it
    owes it by today, and its meeting day. Shared by every cell with the same day (a city's 10,000)."""
    return tuple(
        (
            month.isoformat()[:7],
            regular_asked(month, meeting_day, created),
            regular_owed(month, meeting_day, created, today),
            meeting_day_in(month, meeting_day),
        )
        for month in months
    )


@functools.lru_cache(maxsize=256)
def _quarters_asked(
    quarters: tuple[date, ...], created: date | None, today: date
) -> tuple[tuple[str, bool, bool, bool, date], ...]:
    """Return, for each quarter: its key, whether the cell is asked for a thematic meeting in it,
    whether it owes one by today, whether one is due now, and the quarter's last day."""
    return tuple(
        (
            quarter_key(quarter),
            thematic_asked(quarter, created),
            thematic_owed(quarter, created, today),
            thematic_due(quarter, created, today),
            quarter_end(quarter),
        )
        for quarter in quarters
    )


def cell_meetings(
    cell: ScopeUnit,
    held: MeetingsHeld,
    months: Sequence[date],
    quarters: Sequence[date],
    today: date,
    zone: tzinfo,
) -> CellMeetings:
    """Return where a cell stands with the meetings of these months and quarters (bot/rules/meetings).

    A month (a quarter) before the cell was set up in chibo is not counted unless it holds a meeting:
    chibo knows nothing of it, and a committee's first year would read as every cell missing months.
    """
    created = cell.created_at.astimezone(zone).date() if cell.created_at is not None else None
    # A cell set up before the period asks what a cell always there asks: one schedule for them all.
    if months and created is not None and created <= meeting_day_in(months[0], cell.meeting_day):
        created_for_months = None
    else:
        created_for_months = created
    regular_held = regular_of = regular_late = 0
    regular_next = None
    for key, asked, owed, day in _months_asked(tuple(months), cell.meeting_day, created_for_months, today):
        if key in held.months:
            regular_held += 1
        elif not asked:
            continue
        elif owed:
            regular_late += 1
        else:  # this month's meeting day is to come
            regular_next = day
        regular_of += 1
    if quarters and created is not None and thematic_asked(quarters[0], created):
        created = None
    thematic_held = thematic_of = thematic_late = 0
    thematic_by = None
    for key, asked, owed, due, end in _quarters_asked(tuple(quarters), created, today):
        if key in held.quarters:
            thematic_held += 1
        elif not asked:
            continue
        elif owed:
            thematic_late += 1
        elif due:
            thematic_by = end
        thematic_of += 1
    return CellMeetings(
        regular_held,
        regular_of,
        regular_late,
        regular_next,
        thematic_held,
        thematic_of,
        thematic_late,
        thematic_by,
    )


@dataclass(frozen=True)
class _Facts:
    """What the queries found for the cells of a table, by cell."""

    members: dict[int, int]
    last: dict[int, date]
    quiet_since: date
    months: Sequence[date]  # of the period (up to today), each expecting a regular meeting
    quarters: Sequence[date]  # of the period (up to today), each expecting a thematic one
    today: date
    zone: tzinfo
    held: dict[int, MeetingsHeld]
    dates: dict[int, MeetingDates]
    deadlines: dict[int, Any]
    returned: dict[int, int]

    def meetings(self, cell: ScopeUnit) -> CellMeetings:
        held = self.held.get(cell.id, _NO_MEETING)
        return cell_meetings(cell, held, self.months, self.quarters, self.today, self.zone)


def _row(
    unit: ScopeUnit, cells: Sequence[ScopeUnit], facts: _Facts, admitted: int, target: int | None
) -> Row:
    """Return the row of a cell, or of a unit summing its cells (one pass: a city has 10,000)."""
    members: int | None = None
    last: date | None = None
    quiet = overdue = soon = every_month = every_quarter = 0
    regular_late = thematic_late = thematic_due = returned = 0
    met: CellMeetings | None = None
    for cell in cells:
        if (count := facts.members.get(cell.id)) is not None:
            members = (members or 0) + count
        at = facts.last.get(cell.id)
        if at is None or at < facts.quiet_since:
            quiet += 1
        if at is not None and (last is None or at > last):
            last = at
        if (due := facts.deadlines.get(cell.id)) is not None:
            overdue += due.overdue
            soon += due.due_soon
        met = facts.meetings(cell)
        every_month += met.regular_held == met.regular_of > 0
        every_quarter += met.thematic_held == met.thematic_of > 0
        regular_late += met.regular_late > 0
        thematic_late += met.thematic_late > 0
        thematic_due += met.thematic_by is not None
        returned += facts.returned.get(cell.id, 0)
    if unit.is_cell and met is not None:
        dates = facts.dates.get(unit.id)
        return Row(
            unit.id,
            unit.name,
            True,
            1,
            members,
            last,
            quiet,
            met.regular_held,
            met.regular_of,
            dates.regular if dates else None,
            met.thematic_held,
            met.thematic_of,
            dates.thematic if dates else None,
            overdue,
            soon,
            admitted,
            target,
            regular_late=met.regular_late,
            thematic_late=met.thematic_late,
            regular_next=met.regular_next,
            thematic_by=met.thematic_by,
            thematic_due=int(met.thematic_by is not None),
            returned=returned,
            one_month=len(facts.months) == 1,
            one_quarter=len(facts.quarters) == 1,
        )
    return Row(
        unit.id,
        unit.name,
        False,
        len(cells),
        members,
        last,
        quiet,
        every_month,
        len(cells),
        None,
        every_quarter,
        len(cells),
        None,
        overdue,
        soon,
        admitted,
        target,
        regular_late=regular_late,
        thematic_late=thematic_late,
        thematic_due=thematic_due,
        returned=returned,
    )


def _sum(unit: ScopeUnit, rows: Sequence[Row], admitted: int, target: int | None) -> Row:
    """Return the row of a unit from the rows of the units right under it (each summing its cells)."""
    known = [r.members for r in rows if r.members is not None]
    lasts = [r.last_record for r in rows if r.last_record is not None]
    cells = sum(r.cells for r in rows)
    return Row(
        unit.id,
        unit.name,
        False,
        cells,
        sum(known) if known else None,
        max(lasts) if lasts else None,
        sum(r.quiet for r in rows),
        # A cell right under the unit (beside its committees) counts once when it met every time.
        sum(r.regular_held if not r.is_cell else int(r.regular_held == r.regular_of) for r in rows),
        cells,
        None,
        sum(r.thematic_held if not r.is_cell else int(r.thematic_held == r.thematic_of) for r in rows),
        cells,
        None,
        sum(r.overdue for r in rows),
        sum(r.due_soon for r in rows),
        admitted,
        target,
        regular_late=sum(r.regular_late if not r.is_cell else int(r.regular_late > 0) for r in rows),
        thematic_late=sum(r.thematic_late if not r.is_cell else int(r.thematic_late > 0) for r in rows),
        thematic_due=sum(r.thematic_due for r in rows),
        returned=sum(r.returned for r in rows),
    )


async def table(
    db: Any,
    scope: Scope,
    unit_id: int,
    period: Period,
    today: date,
    calendar: WorkingCalendar,
    zone: tzinfo,
    *,
    sort: Sort = Sort.NAME,
    descending: bool = False,
    page: int = 1,
) -> Table:
    """Return a page of the table of a unit of the scope for a period."""
    unit = scope.unit(unit_id)
    cells = scope.cells_under(unit.id)
    children = scope.children(unit.id)
    grouped = len(cells) > GROUP_AT and any(not c.is_cell for c in children)
    row_units = children if grouped else cells
    cell_ids = [c.id for c in cells]
    end = min(period.end, today)
    months = period.months(today)
    quarters = period.quarters(today)
    first = quarters[0] if quarters else month_start(end)
    last_records = await scope.last_records(db, cell_ids)
    facts = _Facts(
        members=await scope.members(db, cell_ids),
        last={c: at.astimezone(zone).date() for c, at in last_records.items()},
        quiet_since=today - timedelta(days=QUIET_DAYS),
        months=months,
        quarters=quarters,
        today=today,
        zone=zone,
        # Whole months and quarters, as the rules count them: from the quarter of the period's start.
        held=await scope.meetings_held(db, cell_ids, first, end),
        # The dates show in cells' rows only: a table of units (a city's 10,000 cells) does without.
        # They are the period's last month's and last quarter's, the ones whose meeting they show.
        dates={}
        if grouped and not any(u.is_cell for u in row_units)
        else await scope.meeting_dates(
            db,
            cell_ids,
            (month_start(end), min(month_end(end), today)),
            (quarter_start(end), min(quarter_end(end), today)),
        ),
        deadlines=await count_open(db, cell_ids, today, calendar, **KEPT_DEADLINES),
        returned=await scope.open_returns(db, cell_ids),
    )
    year = end.year
    admitted = await scope.step_totals(
        db, [unit.id, *(u.id for u in row_units)], Step.CEREMONY, date(year, 1, 1), end
    )
    targets = await scope.targets(db, scope.below(unit.id), year)
    under = {u.id: (scope.cells_under(u.id) if grouped else [u]) for u in row_units}
    rows = [_row(u, under[u.id], facts, admitted.get(u.id, 0), _target(u, scope, targets)) for u in row_units]
    rows.sort(key=SORT_KEYS[sort], reverse=descending)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    whole = ScopeUnit(unit.id, unit.name, unit.parent_id, False, unit.meeting_day)
    total_target = _target(unit, scope, targets)
    totals = (
        _sum(whole, rows, admitted.get(unit.id, 0), total_target)
        if grouped
        else _row(whole, cells, facts, admitted.get(unit.id, 0), total_target)
    )
    return Table(
        unit=unit,
        path=scope.path(unit.id),
        period=period,
        grouped=grouped,
        rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total_rows=len(rows),
        page=page,
        pages=pages,
        sort=sort,
        descending=descending,
        totals=totals,
        year=year,
        months=len(months),
        quarters=len(quarters),
    )


# ----- one cell -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonLine:
    """A person of the cell's admission pipeline: where they are and what is due next."""

    name: str
    stage: Step | None
    stage_date: date | None
    next_deadline: Deadline | None
    state: State | None


@dataclass(frozen=True)
class MonthLine:
    """A cell's meetings in one month."""

    month: date
    regular: int  # regular meetings (with or without a thematic part)
    thematic: int  # meetings with a thematic part (alone or in a regular one)
    owed: bool  # the month's meeting day has passed, and the cell existed then (bot/rules/meetings)


@dataclass(frozen=True)
class CellPage:
    """The page of one cell."""

    unit: ScopeUnit
    path: Sequence[ScopeUnit]
    period: Period
    row: Row
    year: int
    people: Sequence[PersonLine]
    records: Sequence[RecordLine]
    months: Sequence[MonthLine]
    returns: Sequence[ReturnLine]  # open ones first, then those sent back or closed in the period
    zone: tzinfo  # the deployment's, to date the returns
    returned_now: frozenset[tuple[str, int]]  # (kind, id) of the records sent back and not corrected


def _person(person: OpenAdmission, calendar: WorkingCalendar, today: date) -> PersonLine:
    pipeline = Pipeline({_STEPS[k]: v for k, v in person.steps.items() if k in _STEPS})
    due = deadlines_for(pipeline, calendar, today)
    first = min(due, key=lambda d: d.due) if due else None
    stage = pipeline.last
    return PersonLine(
        person.full_name,
        stage,
        pipeline.date_of(stage) if stage else None,
        first,
        first.state(today, SOON_DAYS) if first else None,
    )


async def cell_page(
    db: Any,
    scope: Scope,
    cell_id: int,
    period: Period,
    today: date,
    calendar: WorkingCalendar,
    zone: tzinfo,
) -> CellPage:
    """Return the page of a cell of the scope."""
    unit = scope.unit(cell_id)
    if not unit.is_cell:
        raise LookupError(cell_id)
    figures = await table(db, scope, unit.id, period, today, calendar, zone)
    end = min(period.end, today)
    people = [_person(p, calendar, today) for p in await scope.open_admissions(db, unit.id)]
    people.sort(key=lambda p: (p.next_deadline.due if p.next_deadline else date.max, p.name.casefold()))
    first_month = min(month_start(period.start), add_months(month_start(end), -11))
    since = datetime.combine(period.start, time(0), tzinfo=zone)
    returns = await scope.returns(db, unit.id, since, RETURNS_SHOWN)
    by_month = await scope.meetings_by_month(db, unit.id, first_month, end)
    created = unit.created_at.astimezone(zone).date() if unit.created_at is not None else None
    months = []
    month = first_month
    while month <= end:
        kinds = by_month.get(month.isoformat()[:7], {})
        months.append(
            MonthLine(
                month,
                sum(n for k, n in kinds.items() if k in REGULAR_KINDS),
                sum(n for k, n in kinds.items() if k in THEMATIC_KINDS),
                regular_owed(month, unit.meeting_day, created, today),
            )
        )
        month = add_months(month, 1)
    return CellPage(
        unit=unit,
        path=scope.path(unit.id),
        period=period,
        row=figures.rows[0],
        year=figures.year,
        people=people,
        records=await scope.records(db, unit.id, period.start, end, RECORDS_SHOWN),
        months=months[::-1],
        returns=returns,
        zone=zone,
        returned_now=frozenset((r.returned.kind, r.returned.record_id) for r in returns if r.returned.open),
    )


# ----- deadlines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineLine:
    """One open deadline of the scope."""

    who: str
    cell: ScopeUnit
    kind: Kind
    due: date
    state: State
    days_left: int


@dataclass(frozen=True)
class DeadlinesPage:
    """The deadlines overdue or due within 30 days under a unit, by due date, a page of them."""

    unit: ScopeUnit
    path: Sequence[ScopeUnit]
    lines: Sequence[DeadlineLine]
    total: int
    overdue: int
    page: int
    pages: int


async def deadlines(
    db: Any, scope: Scope, unit_id: int, today: date, calendar: WorkingCalendar, *, page: int = 1
) -> DeadlinesPage:
    """Return the open deadlines under a unit of the scope: overdue, then the next 30 days."""
    unit = scope.unit(unit_id)
    cells = {c.id: c for c in scope.cells_under(unit.id)}
    duties = await open_duties(db, list(cells), today, calendar, overdue_days=None, **KEPT_DEADLINES)
    lines = [
        DeadlineLine(
            d.who,
            cells[d.unit_id],
            d.deadline.kind,
            d.deadline.due,
            d.deadline.state(today, SOON_DAYS),
            d.deadline.days_left(today),
        )
        for d in duties
        if d.unit_id in cells
    ]
    pages = max(1, -(-len(lines) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return DeadlinesPage(
        unit=unit,
        path=scope.path(unit.id),
        lines=lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(lines),
        overdue=sum(1 for line in lines if line.state is State.OVERDUE),
        page=page,
        pages=pages,
    )


# ----- the charts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar of the admissions chart."""

    name: str
    admitted: int
    target: int | None


@dataclass(frozen=True)
class Charts:
    """What the charts under the table draw."""

    year: int
    bars: Sequence[Bar]  # the units right under the viewed one (or its cells), the largest first
    others: int  # units left out of the bars
    cells: int
    met: Sequence[tuple[date, int]]  # each month: the cells that held their regular meeting
    enterprises: Coverage  # the enterprise register of the unit's subtree (issue 18)


async def charts(db: Any, scope: Scope, unit_id: int, period: Period, today: date) -> Charts:
    """Return the charts of a unit of the scope: admissions against the target, meetings by month."""
    unit = scope.unit(unit_id)
    cells = scope.cells_under(unit.id)
    parts = scope.children(unit.id) or [unit]
    end = min(period.end, today)
    year = end.year
    admitted = await scope.step_totals(db, [u.id for u in parts], Step.CEREMONY, date(year, 1, 1), end)
    targets = await scope.targets(db, scope.below(unit.id), year)
    bars = [Bar(u.name, admitted.get(u.id, 0), _target(u, scope, targets)) for u in parts]
    bars.sort(key=lambda b: (-max(b.target or 0, b.admitted), b.name.casefold()))
    first = add_months(month_start(end), -(MONTHS_CHARTED - 1))
    held = await scope.cells_met(db, [c.id for c in cells], first, end)
    met = [
        (month, held.get(month.isoformat()[:7], 0))
        for month in (add_months(first, i) for i in range(MONTHS_CHARTED))
    ]
    # The register's coverage, read for the unit of the scope (and so its subtree) as the digest reads it.
    register = await coverage(db, unit.id, end)
    return Charts(year, bars[:CHART_BARS], max(0, len(bars) - CHART_BARS), len(cells), met, register)
