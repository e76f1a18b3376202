"""The weekly digest of a committee: queries in, a plain data object out, then text and a chart.

`compute` reads the subtree under a unit (a cell is a unit without children, other than the root
committee) and returns a `Digest`,
a frozen tree of numbers, names and dates; `render` turns it into one Telegram-HTML text in the
reader's language, and `chart` into one PNG. Nothing here sends anything or knows a channel.

Choices this module makes (and the text says where a reader needs to know):
- The week is the 7 days ending yesterday. The scheduled run on Monday morning gets exactly the ISO
  week before; `/digest` on a Wednesday gets the latest full 7 days rather than a week that ended
  days ago. A caller catching up a missed run passes `week_start` to get the week it is due for.
  "This year so far" runs from 1 January of the week's last day's year to that day, so the year
  always includes the week's records (except for a week that straddles New Year).
- Counts go by the date of the event (the step's, meeting's... `on_date`), not by when it was typed.
- An admission is the ceremony (lễ kết nạp): the day the person becomes a probationary member. The
  committee's decision is counted as a pipeline step of its own; until the ceremony nobody is admitted.
- A unit's target is its own row in `targets` for the year, else the sum of its children's targets
  (for a committee of cells: the sum of its cells' rows); no row anywhere means no target.
- A quiet cell entered no live record of any kind in the 30 days before today (by when it was typed).
- Deadlines are those of bot/rules/deadlines.py that are overdue or fall due within 30 days; an overdue
  one stays until it is met, transfers included (a transfer records its steps, and a completed one has
  nothing due). Cells come most overdue first; the text names people for at most 5 deadlines a cell and 40 in
  all, and gives the other cells' counts only, so a province's digest stays a few messages long.
- The chart has a bar per unit right under the digest's unit: cells for a committee, committees
  (each summing its cells) for a province.
- "Needs action" (Cần xử lý) opens the digest, before the figures: overdue deadlines, deadlines due within
  7 days, cells whose meeting day of this month has passed with no regular meeting recorded (a thematic
  meeting does not replace it), cells owing the quarter's thematic meeting (in its last month, and in
  the next quarter's first month: bot/rules/meetings.thematic_followed), cells silent for 30 days, and
  records sent back for revision and not corrected (bot/features/review.py). `render_actions` writes it
  as one short message (a committee's fits a phone screen), `render_figures` the rest; each list names at
  most CELLS_LISTED cells and counts them all.
- The enterprise picture is the register's (bot/features/enterprises.py): every enterprise of the
  zones, with a cell or not, which each cell's enterprise report keeps up to date for its own. "Founded
  this year" counts the stages dated from 1 January to today; a stage with no date (an imported list)
  is not counted. Each committee member's own working group list follows the text of their digest.
"""

from __future__ import annotations

import io
import logging
import textwrap
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from babel.numbers import format_percent
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from bot.features.duties import Duty, count_open, open_duties
from bot.features.enterprises import Coverage, WorkList
from bot.features.enterprises import coverage as enterprise_coverage
from bot.forms.definitions import ACTIVITY_KINDS
from bot.i18n import N_, Translator
from bot.rules.calendar import VIETNAM, WorkingCalendar, add_months, quarter_label, quarter_start
from bot.rules.deadlines import (
    Direction,
    Kind,
    State,
)
from bot.rules.enterprises import CONTACT_DAYS
from bot.rules.meetings import quarter_end, regular_owed, thematic_asked, thematic_followed
from bot.rules.pipeline import Step
from bot.text import short_unit_name
from storage import digest_queries as q
from storage import reviews, tree, units
from storage.database import Queryable

log = logging.getLogger(__name__)

QUIET_DAYS = 30
SOON_DAYS = 30
# The deadlines the digest (and the dashboard) keep: those due within SOON_DAYS, and every overdue one
# until it is met, transfers' too.
KEPT_DEADLINES: dict[str, Any] = {"soon_days": SOON_DAYS, "transfer_overdue_days": None}
# "Needs action" lists the deadlines falling due within this many days (besides the overdue ones).
ACTION_DAYS = 7
MONTHS_SHOWN = 6
CHART_TOP_CELLS = 12
# The text names people for at most this many deadlines per cell, and in all; beyond, counts only,
# so that a province's digest stays a few messages long.
DEADLINES_PER_CELL = 5
DEADLINES_LISTED = 40
# Each list of cells names at most this many; a city's digest stays a few messages, and /export
# has every line.
CELLS_LISTED = 30
_NAMES_PER_LINE = 10  # in a line of "Needs action"
_LINE_CHARS = 600  # and at most about this long (HTML), long names or not


# ----- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A run of days, both ends included."""

    start: date
    end: date


@dataclass(frozen=True)
class Tally:
    """What moved in one period: pipeline steps, transfers, meetings and activities."""

    steps: Mapping[Step, int]  # every step, 0 when none
    transfers_in: int
    transfers_out: int
    meetings: int
    thematic_meetings: int  # thematic meetings and regular ones with a thematic part
    activities: Mapping[str, int]  # by kind (the /activity form's values), kinds of either period

    @property
    def new_sources(self) -> int:
        """Return how many people became sources."""
        return self.steps[Step.SOURCE]

    @property
    def admissions(self) -> int:
        """Return how many people were admitted (held their ceremony)."""
        return self.steps[Step.CEREMONY]

    @property
    def recognitions(self) -> int:
        """Return how many probationary members were recognised as full members."""
        return self.steps[Step.RECOGNITION]


@dataclass(frozen=True)
class UnitProgress:
    """A unit right under the digest's unit: its whole branch's admissions this year, and its target."""

    id: int
    name: str
    is_cell: bool
    admissions: int
    target: int | None


@dataclass(frozen=True)
class QuietCell:
    """A cell that recorded nothing lately, with the day of its latest record (None: never)."""

    id: int
    name: str
    last_record: date | None


@dataclass(frozen=True)
class CellRef:
    """A cell by id and name."""

    id: int
    name: str


@dataclass(frozen=True)
class CellCount:
    """A cell and how many of something it has (records sent back and not corrected...)."""

    id: int
    name: str
    n: int


@dataclass(frozen=True)
class DueItem:
    """One deadline of one person: what, by when, and where it stands."""

    person: str
    kind: Kind
    due: date
    state: State  # OVERDUE or DUE_SOON
    days_left: int  # negative when overdue


@dataclass(frozen=True)
class CellDeadlines:
    """How many deadlines of one cell are open, and the first of them by due date for a cell the text
    lists (the first CELLS_LISTED cells, at most DEADLINES_PER_CELL each; none for the others)."""

    id: int
    name: str
    overdue: int
    due_soon: int
    items: tuple[DueItem, ...]
    due_near: int = 0  # of due_soon, those due within ACTION_DAYS


@dataclass(frozen=True)
class MonthMeetings:
    """Meetings held in one calendar month, and how many cells held at least one."""

    month: date  # the first day of the month
    meetings: int
    cells_met: int


@dataclass(frozen=True)
class TreeNote:
    """A change of the unit tree within the digest's year: a cell moved in or out, merged, renamed."""

    action: str  # 'in', 'out', 'merge', 'rename'
    on: date
    unit: str  # the unit's name (a renamed unit's new one)
    other: str  # where it came from or went (moves), the cell it joined (merge), its old name (rename)


@dataclass(frozen=True)
class Digest:
    """The digest of the subtree under one unit on one day."""

    unit_id: int
    unit_name: str
    today: date
    week: Period
    year: Period
    last_month: Period
    this_week: Tally
    this_year: Tally
    target: int | None  # admissions aimed for in the year of `year`
    cells: tuple[CellRef, ...]  # every cell of the subtree, by name
    # The units directly under the digest's unit, by name (the unit itself when it is a cell).
    parts: tuple[UnitProgress, ...]
    quiet_cells: tuple[QuietCell, ...]
    no_meeting: tuple[CellRef, ...]  # cells with no regular meeting in `last_month`
    last_quarter: Period  # the last whole calendar quarter
    no_thematic: tuple[CellRef, ...]  # cells with no thematic meeting in `last_quarter`
    this_quarter: Period  # the current quarter, up to today
    thematic_this_quarter: int  # cells that held a thematic meeting in `this_quarter` so far
    deadlines: tuple[CellDeadlines, ...]  # cells with open deadlines, the most overdue first
    enterprises: Coverage  # the enterprise register of the subtree
    months: tuple[MonthMeetings, ...]  # the last MONTHS_SHOWN calendar months, oldest first
    tree_notes: tuple[TreeNote, ...] = ()  # changes of the tree in `year`, oldest first
    # Cells whose meeting day of this month has passed with no regular meeting recorded.
    meeting_due: tuple[CellRef, ...] = ()
    returned: tuple[CellCount, ...] = ()  # cells with records sent back and not corrected, by name
    # The quarter whose thematic meeting is followed up now (bot/rules/meetings.thematic_followed), and
    # the cells asked for it that have recorded none.
    thematic_quarter: date | None = None
    thematic_missing: tuple[CellRef, ...] = ()

    @property
    def due_near(self) -> int:
        """Return how many deadlines fall due within ACTION_DAYS."""
        return sum(c.due_near for c in self.deadlines)

    def action_cells(self) -> tuple[CellRef, ...]:
        """Return every cell "Needs action" names, once, in its order (overdue first)."""
        seen: dict[int, CellRef] = {}
        groups: list[Sequence[CellRef | CellDeadlines | QuietCell | CellCount]] = [
            [c for c in self.deadlines if c.overdue],
            [c for c in self.deadlines if c.due_near],
            self.meeting_due,
            self.thematic_missing,
            self.quiet_cells,
            self.returned,
        ]
        for group in groups:
            for cell in group:
                seen.setdefault(cell.id, CellRef(cell.id, cell.name))
        return tuple(seen.values())

    def to_nudge(self) -> dict[int, list[str]]:
        """Return the cells that have not reported, each with why: "meeting", "silent" or both."""
        why: dict[int, list[str]] = {}
        for cell in self.meeting_due:
            why.setdefault(cell.id, []).append(NUDGE_MEETING)
        for cell in self.thematic_missing:
            why.setdefault(cell.id, []).append(NUDGE_THEMATIC)
        for quiet in self.quiet_cells:
            why.setdefault(quiet.id, []).append(NUDGE_SILENT)
        return why

    @property
    def overdue(self) -> int:
        """Return how many deadlines are overdue."""
        return sum(c.overdue for c in self.deadlines)

    @property
    def due_soon(self) -> int:
        """Return how many deadlines fall due within 30 days."""
        return sum(c.due_soon for c in self.deadlines)


NUDGE_MEETING = "meeting"  # no regular meeting this month, and its day has passed
NUDGE_SILENT = "silent"  # nothing recorded in 30 days
NUDGE_THEMATIC = "thematic"  # no thematic meeting in the quarter followed up (thematic_followed)

# ----- computing it -------------------------------------------------------------------------------


def month_start(d: date) -> date:
    """Return the first day of the month of `d`."""
    return d.replace(day=1)


async def compute(
    db: Queryable,
    unit_id: int,
    today: date,
    calendar: WorkingCalendar,
    *,
    week_start: date | None = None,
    zone: tzinfo = VIETNAM,
    contact_days: int = CONTACT_DAYS,
) -> Digest:
    """Return the digest of the subtree under a unit on `today` (a date in the deployment's zone)."""
    root = await units.get(db, unit_id)
    if root is None:
        raise LookupError(f"no unit {unit_id}")
    subtree = await q.subtree(db, unit_id)
    cells = [u for u in subtree if u.is_cell]

    counted = await _counted(db, root, subtree, cells, today, week_start, zone, contact_days)
    ids = [u.id for u in subtree]
    return replace(counted, deadlines=await _deadlines(db, cells, ids, today, calendar))


async def _counted(
    db: Queryable,
    root: units.Unit,
    subtree: Sequence[q.SubUnit],
    cells: Sequence[q.SubUnit],
    today: date,
    week_start: date | None,
    zone: tzinfo,
    contact_days: int,
) -> Digest:
    """Return the digest without its deadlines: the counts, targets, meetings and quiet cells."""
    ids = [u.id for u in subtree]
    cell_ids = [u.id for u in cells]
    start = week_start if week_start is not None else today - timedelta(days=7)
    week = Period(start, start + timedelta(days=6))
    year = Period(date(week.end.year, 1, 1), week.end)
    # The year's whole months come from the counts kept on write (migration 0006); the week and the
    # days of the year's last month so far are counted from the records themselves.
    counted_from = month_start(year.end)
    window = q.Window(week.start, week.end, counted_from, year.end)
    whole_months = (year.start, counted_from - timedelta(days=1))
    this_month = month_start(today)
    last_month = Period(add_months(this_month, -1), this_month - timedelta(days=1))

    steps = await q.step_counts(db, ids, window)
    earlier = await q.month_totals(db, root.id, *whole_months)
    week_tally, year_tally = _tallies(
        steps + _year_counts(earlier, "step"),
        await q.transfer_counts(db, ids, window) + _year_counts(earlier, "transfer"),
        await q.meeting_counts(db, ids, window) + _year_counts(earlier, "meeting"),
        await q.activity_counts(db, ids, window) + _year_counts(earlier, "activity"),
    )

    targets = await q.targets(db, ids, year.end.year)
    branches = _Branches(subtree)
    part_units = branches.children.get(root.id) or [r for r in subtree if r.id == root.id]
    # A unit's kept counts include its whole branch (migration 0006): a city's 20 districts are 20
    # look-ups, not 10,000 cells summed. The ceremonies of the days counted from the records are
    # added to the part of the tree they belong to.
    admitted: dict[int, int] = defaultdict(
        int, await q.step_totals_by_unit(db, [u.id for u in part_units], Step.CEREMONY, *whole_months)
    )
    part_of = branches.parts(root.id)
    for count in steps:
        if count.key == Step.CEREMONY and count.unit_id in part_of:
            admitted[part_of[count.unit_id]] += count.year
    parts = tuple(
        UnitProgress(u.id, u.name, u.is_cell, admitted[u.id], branches.target(u.id, targets))
        for u in part_units
    )

    first_month = add_months(this_month, -MONTHS_SHOWN)
    cells_met = await q.cells_met_by_month(db, cell_ids, first_month, last_month.end)
    per_month = await q.per_month(db, root.id, "meeting", first_month, last_month.end)
    months = _months(cells_met, per_month, first_month)
    not_met = await q.cells_without_meeting(db, cell_ids, last_month.start)
    # At least one thematic meeting a quarter (HD 42-HD/BTCTW): the last whole quarter, and this one so far.
    quarter = quarter_start(today)
    last_quarter = Period(add_months(quarter, -3), quarter - timedelta(days=1))
    no_thematic = await q.cells_without_meeting(
        db, cell_ids, last_quarter.start, last_quarter.end, kinds=q.THEMATIC_MEETING_KINDS
    )
    not_yet = await q.cells_without_meeting(db, cell_ids, quarter, today, kinds=q.THEMATIC_MEETING_KINDS)
    followed = thematic_followed(today)
    missing = no_thematic if followed == last_quarter.start else not_yet
    thematic_missing = tuple(
        CellRef(c.id, c.name)
        for c in cells
        if followed is not None and c.id in missing and thematic_asked(followed, _created(c, zone))
    )
    passed = [c for c in cells if _meeting_day_passed(c, today, zone)]
    not_met_now = await q.cells_without_meeting(
        db, [c.id for c in passed], today, kinds=q.REGULAR_MEETING_KINDS
    )
    open_returns = await reviews.open_by_unit(db, cell_ids)

    last_records = await q.last_record_at(db, cell_ids)
    quiet_since = datetime.combine(today - timedelta(days=QUIET_DAYS), time(0), tzinfo=zone)
    quiet = tuple(
        QuietCell(c.id, c.name, last.astimezone(zone).date() if last else None)
        for c in cells
        if (last := last_records.get(c.id)) is None or last < quiet_since
    )

    register = await enterprise_coverage(db, root.id, today, contact_days)
    notes = await _tree_notes(db, set(ids), year, today, zone)
    return Digest(
        unit_id=root.id,
        unit_name=root.name,
        today=today,
        week=week,
        year=year,
        last_month=last_month,
        this_week=week_tally,
        this_year=year_tally,
        target=branches.target(root.id, targets),
        cells=tuple(CellRef(c.id, c.name) for c in cells),
        parts=parts,
        quiet_cells=quiet,
        no_meeting=tuple(CellRef(c.id, c.name) for c in cells if c.id in not_met),
        last_quarter=last_quarter,
        no_thematic=tuple(
            CellRef(c.id, c.name)
            for c in cells
            if c.id in no_thematic and thematic_asked(last_quarter.start, _created(c, zone))
        ),
        this_quarter=Period(quarter, today),
        thematic_this_quarter=len(cells) - len(not_yet),
        deadlines=(),
        enterprises=register,
        months=months,
        tree_notes=notes,
        meeting_due=tuple(CellRef(c.id, c.name) for c in passed if c.id in not_met_now),
        returned=tuple(CellCount(c.id, c.name, open_returns[c.id]) for c in cells if c.id in open_returns),
        thematic_quarter=followed,
        thematic_missing=thematic_missing,
    )


async def _tree_notes(
    db: Queryable, ids: set[int], year: Period, today: date, zone: tzinfo
) -> tuple[TreeNote, ...]:
    """Return the changes of the tree in the digest's year that concern its subtree: the digest counts a
    moved cell's past months where the cell is now, so it says which cells came in and went out."""
    start = datetime.combine(year.start, time(0), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    names: dict[int | None, str] = {}

    async def name(unit_id: int | None) -> str:
        if unit_id not in names:
            unit = await units.get(db, unit_id) if unit_id is not None else None
            names[unit_id] = unit.name if unit is not None else ""
        return names[unit_id]

    notes = []
    for change in await tree.changes_between(db, start, end):
        on = change.at.astimezone(zone).date()
        if change.action == "move":
            came, left = change.new_parent_id in ids, change.old_parent_id in ids
            if came and not left:
                notes.append(TreeNote("in", on, change.unit_name, await name(change.old_parent_id)))
            elif left and not came:
                notes.append(TreeNote("out", on, change.unit_name, await name(change.new_parent_id)))
        elif change.action == "merge" and change.into_unit_id in ids:
            notes.append(TreeNote("merge", on, change.unit_name, await name(change.into_unit_id)))
        elif change.action == "rename" and change.unit_id in ids:
            notes.append(TreeNote("rename", on, change.unit_name, change.old_name or ""))
    return tuple(notes)


def _meeting_day_passed(cell: q.SubUnit, today: date, zone: tzinfo) -> bool:
    """Tell whether a cell's regular meeting day of this month is behind us (a cell set up after that
    day is not asked about this month, as the scheduler's meeting nudge does)."""
    return regular_owed(today, cell.meeting_day, _created(cell, zone), today)


def _created(cell: q.SubUnit, zone: tzinfo) -> date | None:
    """Return the day a cell was set up, in the deployment's zone (None: before chibo kept it)."""
    return cell.created_at.astimezone(zone).date() if cell.created_at is not None else None


def _year_counts(totals: Sequence[q.MonthTotal], kind: str) -> list[q.Count]:
    """Return the counted months' totals of one kind as counts of the year (none in the week)."""
    return [q.Count(None, t.key, 0, t.n) for t in totals if t.kind == kind]


def _tallies(
    steps: Sequence[q.Count],
    transfers: Sequence[q.Count],
    meetings: Sequence[q.Count],
    activities: Sequence[q.Count],
) -> tuple[Tally, Tally]:
    """Return the week's and the year's tallies of the counted groups."""

    def tally(pick: str) -> Tally:
        def n(count: q.Count) -> int:
            return int(getattr(count, pick) or 0)

        by_step = dict.fromkeys(Step, 0)
        for c in steps:
            if c.key in by_step:
                by_step[Step(c.key)] += n(c)
        kinds = sorted({c.key for c in activities}, key=_activity_order)
        return Tally(
            steps=by_step,
            transfers_in=sum(n(c) for c in transfers if c.key == Direction.IN),
            transfers_out=sum(n(c) for c in transfers if c.key == Direction.OUT),
            meetings=sum(n(c) for c in meetings),
            thematic_meetings=sum(n(c) for c in meetings if c.key in q.THEMATIC_MEETING_KINDS),
            activities={k: sum(n(c) for c in activities if c.key == k) for k in kinds},
        )

    return tally("week"), tally("year")


def _activity_order(kind: str) -> tuple[int, str]:
    """Return the sort key of an activity kind: the form's order, unknown kinds last."""
    order = [c.value for c in ACTIVITY_KINDS]
    return (order.index(kind), "") if kind in order else (len(order), kind)


class _Branches:
    """The units of a subtree by parent, to sum targets and counts over a branch."""

    def __init__(self, subtree: Sequence[q.SubUnit]) -> None:
        ids = {u.id for u in subtree}
        self.children: dict[int, list[q.SubUnit]] = defaultdict(list)
        for u in subtree:  # by name, so children are too
            if u.parent_id in ids:
                self.children[u.parent_id].append(u)

    def target(self, unit_id: int, targets: Mapping[int, int]) -> int | None:
        """Return a unit's target: its own, else the sum of its children's (None when nobody set one)."""
        if unit_id in targets:
            return targets[unit_id]
        found = [
            t for child in self.children.get(unit_id, []) if (t := self.target(child.id, targets)) is not None
        ]
        return sum(found) if found else None

    def parts(self, root_id: int) -> dict[int, int]:
        """Return, for each unit of the subtree, the unit right under the root it belongs to (the root
        itself for the root)."""
        found = {root_id: root_id}
        for part in self.children.get(root_id, []):
            below = [part.id]
            while below:
                unit = below.pop()
                found[unit] = part.id
                below += [c.id for c in self.children.get(unit, [])]
        return found


def _months(
    cells_met: Mapping[str, int], per_month: Mapping[str, int], first: date
) -> tuple[MonthMeetings, ...]:
    """Return the meetings and the cells that met in each of the months from `first`, oldest first."""
    result = []
    for i in range(MONTHS_SHOWN):
        month = add_months(first, i)
        key = month.isoformat()[:7]
        result.append(MonthMeetings(month, per_month.get(key, 0), cells_met.get(key, 0)))
    return tuple(result)


_KIND_ORDER = {kind: i for i, kind in enumerate(Kind)}


async def _deadlines(
    db: Queryable, cells: Sequence[q.SubUnit], ids: Sequence[int], today: date, calendar: WorkingCalendar
) -> tuple[CellDeadlines, ...]:
    """Return, by cell, how many deadlines are overdue or due within 30 days, the cells most overdue
    first, with the first deadlines of the cells the text lists.

    Every overdue deadline stays listed until it is met, those of transfers too.
    """
    counts = await count_open(db, ids, today, calendar, near_days=ACTION_DAYS, **KEPT_DEADLINES)
    order = {u.id: i for i, u in enumerate(cells)}  # cells come by name
    names = {u.id: u.name for u in cells}
    # The text lists people only up to a limit, so the cells most behind come first.
    ranked = sorted(counts, key=lambda u: (-counts[u].overdue, order.get(u, len(order)), u))
    listed = ranked[:CELLS_LISTED]
    # Only the people of the cells the text lists are worked out one by one.
    duties = await open_duties(db, listed, today, calendar, overdue_days=None, **KEPT_DEADLINES)
    items = _by_cell(duties, today)
    return tuple(
        CellDeadlines(
            u,
            names.get(u, ""),
            counts[u].overdue,
            counts[u].due_soon,
            items.get(u, ())[:DEADLINES_PER_CELL],
            counts[u].due_near,
        )
        for u in ranked
    )


def _by_cell(duties: Sequence[Duty], today: date) -> dict[int, tuple[DueItem, ...]]:
    """Return the deadlines grouped by cell, each cell's by due date, then person and kind."""
    found: dict[int, list[DueItem]] = defaultdict(list)
    for duty in duties:
        deadline = duty.deadline
        state = deadline.state(today, SOON_DAYS)
        found[duty.unit_id].append(
            DueItem(duty.who, deadline.kind, deadline.due, state, deadline.days_left(today))
        )
    return {
        unit: tuple(sorted(items, key=lambda i: (i.due, i.person.casefold(), _KIND_ORDER[i.kind])))
        for unit, items in found.items()
    }


# ----- the text -----------------------------------------------------------------------------------

STEP_LINES: tuple[tuple[Step, str], ...] = (
    (Step.SOURCE, N_("New sources")),
    (Step.AWARENESS_CLASS, N_("Awareness class certificates")),
    (Step.APPLICATION, N_("Applications to join")),
    (Step.CELL_VOTE, N_("Cell votes")),
    (Step.ADMISSION_DECISION, N_("Admission decisions")),
    (Step.CEREMONY, N_("Admission ceremonies (admissions)")),
    (Step.RECOGNITION, N_("Recognitions as full members")),
    (Step.NOT_RECOGNISED, N_("Not recognised or removed")),
    (Step.WITHDREW, N_("Withdrew")),
)
# Lines shown only when something happened, to keep the text short.
_RARE_STEPS = frozenset({Step.NOT_RECOGNISED, Step.WITHDREW})

DEADLINE_NAMES = {
    Kind.CEREMONY: N_("admission ceremony"),
    Kind.PROBATION_END: N_("end of probation"),
    Kind.RECOGNITION: N_("recognition as full member"),
    Kind.AWARENESS_EXPIRY: N_("awareness class certificate expires"),
    Kind.OFFICIAL_TRANSFER: N_("official transfer out: introduction letter"),
    Kind.TRANSFER_RECEIPT: N_("official transfer out: received by the new cell"),
    Kind.TRANSFER_ARRIVAL: N_("official transfer in: arrival"),
    Kind.TEMPORARY_TRANSFER_END: N_("temporary transfer ends: return"),
}


def _html(message: str, **values: object) -> str:
    """Return a translated catalog message (HTML) with its values escaped into it."""
    return str(Markup(message).format(**values))


def _percent(t: Translator, part: int, whole: int) -> str:
    """Return part/whole as a percentage in the reader's locale."""
    return format_percent(part / whole, "#,##0.#%", locale=t.babel_locale)


def _pair(t: Translator, week: int, year: int) -> str:
    """Return "week / year" counts."""
    return f"{t.number(week)} / {t.number(year)}"


def render(digest: Digest, t: Translator) -> str:
    """Return the whole digest as one Telegram-HTML text: what needs action, then the figures."""
    return render_actions(digest, t) + "\n\n" + render_figures(digest, t)


def render_actions(digest: Digest, t: Translator) -> str:
    """Return the digest's first message: its title and what needs action, short enough for one phone
    screen (for a city, each list names CELLS_LISTED cells and counts the rest)."""
    d = digest
    lines = [
        _html(t("<b>Weekly digest: {unit}</b>"), unit=d.unit_name),
        _html(
            t("<i>Week {start} to {end} · {n} cells</i>"),
            start=t.date(d.week.start),
            end=t.date(d.week.end),
            n=t.number(len(d.cells)),
        ),
        "",
        _html(t("<b>🔔 Needs action</b>")),
        *_action_lines(d, t),
    ]
    return "\n".join(lines)


def render_figures(digest: Digest, t: Translator) -> str:
    """Return the digest's figures: admissions, movements, quiet cells, deadlines by person, enterprises.
    Every line closes its own tags, so it splits at lines."""
    lines: list[str] = []
    d = digest
    lines.append(_html(t("<b>Figures of the week: {unit}</b>"), unit=d.unit_name))
    lines.append(
        _html(
            t("<i>Week {start} to {end}; year so far: {year_start} to {end}.</i>"),
            start=t.date(d.week.start),
            end=t.date(d.week.end),
            year_start=t.date(d.year.start),
        )
    )
    lines.append(_html(t("Cells: {n}"), n=t.number(len(d.cells))))
    lines += _tree_lines(d, t)

    lines += ["", *_admission_lines(d, t)]
    lines += ["", *_movement_lines(d, t)]
    lines += ["", *_quiet_lines(d, t)]
    lines += ["", *_deadline_lines(d, t)]
    lines += ["", *register_lines(d.enterprises, t)]
    return "\n".join(lines)


TREE_NOTES = {
    "in": N_("<i>Includes {unit}, moved in on {date} (from {other}): its past months count here.</i>"),
    "out": N_("<i>No longer includes {unit}, moved out on {date} (to {other}): its records count there.</i>"),
    "merge": N_("<i>{unit} was merged into {other} on {date}: its records count in {other}.</i>"),
    "rename": N_("<i>{other} was renamed {unit} on {date}.</i>"),
}


def _tree_lines(d: Digest, t: Translator) -> list[str]:
    """Return a line for each change of the tree in the digest's year."""
    return [
        _html(t(TREE_NOTES[note.action]), unit=note.unit, other=note.other, date=t.date(note.on))
        for note in d.tree_notes
    ]


def _action_lines(d: Digest, t: Translator) -> list[str]:
    """Return one line per kind of thing to act on, each naming its cells (short names) and counting."""
    lines = []
    overdue = [(c.name, c.overdue) for c in d.deadlines if c.overdue]
    if overdue:
        head = _html(t("⚠️ Overdue deadlines: <b>{n}</b>"), n=t.number(d.overdue))
        lines.append(_cells_line(t, head, overdue))
    near = [(c.name, c.due_near) for c in d.deadlines if c.due_near]
    if near:
        head = _html(t("⏰ Due within {days} days: <b>{n}</b>"), days=ACTION_DAYS, n=t.number(d.due_near))
        lines.append(_cells_line(t, head, near))
    if d.meeting_due:
        head = _html(
            t("📅 No regular meeting recorded for {month}, its day past: <b>{n}</b> cells"),
            month=f"{d.today.month:02d}/{d.today.year}",
            n=t.number(len(d.meeting_due)),
        )
        lines.append(_cells_line(t, head, [(c.name, None) for c in d.meeting_due]))
    if d.thematic_missing and d.thematic_quarter is not None:
        quarter, n = quarter_label(d.thematic_quarter), t.number(len(d.thematic_missing))
        if d.today <= quarter_end(d.thematic_quarter):
            head = _html(
                t("🗓 No thematic meeting yet in quarter {quarter}: <b>{n}</b> cells"), quarter=quarter, n=n
            )
        else:
            head = _html(
                t("🗓 Quarter {quarter} ended with no thematic meeting recorded: <b>{n}</b> cells"),
                quarter=quarter,
                n=n,
            )
        lines.append(_cells_line(t, head, [(c.name, None) for c in d.thematic_missing]))
    if d.quiet_cells:
        head = _html(
            t("🔕 Nothing recorded in {days} days: <b>{n}</b> cells"),
            days=QUIET_DAYS,
            n=t.number(len(d.quiet_cells)),
        )
        lines.append(_cells_line(t, head, [(c.name, None) for c in d.quiet_cells]))
    if d.returned:
        head = _html(
            t("↩️ Records sent back, not corrected yet: <b>{n}</b>"), n=t.number(sum(c.n for c in d.returned))
        )
        lines.append(_cells_line(t, head, [(c.name, c.n) for c in d.returned]))
    return lines or [_html(t("✅ Nothing needs action this week."))]


def _cells_line(t: Translator, head: str, cells: Sequence[tuple[str, int | None]]) -> str:
    """Return a head, then the cells' short names (with their count), at most CELLS_LISTED of them, ten
    (or 600 characters) to a line: a city's lists stay a few lines, and a long message is cut only
    between lines."""
    named = [
        Markup("{} ({})").format(short_unit_name(name), t.number(n))
        if n is not None
        else short_unit_name(name)
        for name, n in cells[:CELLS_LISTED]
    ]
    rows: list[list[Markup | str]] = [[]]
    for name in named:
        row = rows[-1]
        if row and (len(row) == _NAMES_PER_LINE or sum(len(n) + 2 for n in row) + len(name) > _LINE_CHARS):
            rows.append(row := [])
        row.append(name)
    text = Markup(head) + Markup(" — ") + Markup(",\n").join(Markup(", ").join(row) for row in rows)
    if len(cells) > CELLS_LISTED:
        text += Markup(" ") + Markup(t("… and {n} more cells")).format(n=t.number(len(cells) - CELLS_LISTED))
    return str(text)


def _admission_lines(d: Digest, t: Translator) -> list[str]:
    """Return the admissions against the target, then the pipeline's steps."""
    year, week = d.this_year, d.this_week
    lines = [_html(t("<b>Admissions in {year}</b>"), year=d.year.end.year)]
    if d.target is None:
        lines.append(
            _html(
                t("Admitted: {n} this year, {week} this week. No target is set for {year}."),
                n=t.number(year.admissions),
                week=t.number(week.admissions),
                year=d.year.end.year,
            )
        )
    else:
        share = _percent(t, year.admissions, d.target) if d.target else "-"
        lines.append(
            _html(
                t("Admitted: <b>{n}</b> of the target {target} ({share}); {week} this week."),
                n=t.number(year.admissions),
                target=t.number(d.target),
                share=share,
                week=t.number(week.admissions),
            )
        )
    lines += ["", _html(t("<b>Admission pipeline</b> <i>(this week / this year)</i>"))]
    for step, label in STEP_LINES:
        w, y = week.steps[step], year.steps[step]
        if step in _RARE_STEPS and not (w or y):
            continue
        lines.append(str(Markup("{}: {}").format(t(label), _pair(t, w, y))))
    return lines


def _movement_lines(d: Digest, t: Translator) -> list[str]:
    """Return transfers, meetings and activities of the week and the year."""
    week, year = d.this_week, d.this_year
    lines = [
        _html(t("<b>Transfers</b> <i>(this week / this year)</i>")),
        _html(t("In: {counts}"), counts=_pair(t, week.transfers_in, year.transfers_in)),
        _html(t("Out: {counts}"), counts=_pair(t, week.transfers_out, year.transfers_out)),
        "",
        _html(t("<b>Meetings held</b> <i>(this week / this year)</i>")),
        _html(t("Cell meetings: {counts}"), counts=_pair(t, week.meetings, year.meetings)),
        _html(
            t("Of which thematic: {counts}"), counts=_pair(t, week.thematic_meetings, year.thematic_meetings)
        ),
        "",
        _html(t("<b>Activities</b> <i>(this week / this year)</i>")),
    ]
    labels = {c.value: c.label for c in ACTIVITY_KINDS}
    kinds = [k for k in year.activities if k in week.activities]
    kinds += [k for k in week.activities if k not in year.activities]
    if not any(year.activities.values()) and not any(week.activities.values()):
        lines.append(_html(t("None recorded.")))
    for kind in kinds:
        label = t(labels[kind]) if kind in labels else kind
        counts = _pair(t, week.activities.get(kind, 0), year.activities.get(kind, 0))
        lines.append(str(Markup("{}: {}").format(label, counts)))
    return lines


def _quiet_lines(d: Digest, t: Translator) -> list[str]:
    """Return the cells that recorded nothing for 30 days and those with no meeting last month."""
    cells = t.number(len(d.cells))
    lines = [
        _html(
            t("<b>Cells that recorded nothing in 30 days: {n} of {cells}</b>"),
            n=t.number(len(d.quiet_cells)),
            cells=cells,
        )
    ]
    for quiet in d.quiet_cells[:CELLS_LISTED]:
        if quiet.last_record is None:
            lines.append(_html(t("• {cell} (nothing recorded yet)"), cell=quiet.name))
        else:
            lines.append(
                _html(t("• {cell} (last record {day})"), cell=quiet.name, day=t.date(quiet.last_record))
            )
    lines += _more(t, len(d.quiet_cells))
    month = f"{d.last_month.start.month:02d}/{d.last_month.start.year}"
    lines += [
        "",
        _html(
            t("<b>Cells with no regular meeting recorded in {month}: {n} of {cells}</b>"),
            month=month,
            n=t.number(len(d.no_meeting)),
            cells=cells,
        ),
        _html(t("<i>A thematic meeting on its own does not replace the regular monthly meeting.</i>")),
    ]
    lines += [str(Markup("• {}").format(cell.name)) for cell in d.no_meeting[:CELLS_LISTED]]
    lines += _more(t, len(d.no_meeting))
    lines += [
        "",
        _html(
            t("<b>Cells with no thematic meeting in quarter {quarter}: {n} of {cells}</b>"),
            quarter=quarter_label(d.last_quarter.start),
            n=t.number(len(d.no_thematic)),
            cells=cells,
        ),
    ]
    lines += [str(Markup("• {}").format(cell.name)) for cell in d.no_thematic[:CELLS_LISTED]]
    lines += _more(t, len(d.no_thematic))
    lines.append(
        _html(
            t(
                "Quarter {quarter} so far: {n} of {cells} cells held a thematic meeting "
                "(at least one a quarter)."
            ),
            quarter=quarter_label(d.this_quarter.start),
            n=t.number(d.thematic_this_quarter),
            cells=cells,
        )
    )
    return lines


def _more(t: Translator, count: int) -> list[str]:
    """Return the line saying how many cells a list leaves out, if any."""
    if count <= CELLS_LISTED:
        return []
    return [_html(t("… and {n} more cells (all of them are in /export)"), n=t.number(count - CELLS_LISTED))]


def _deadline_lines(d: Digest, t: Translator) -> list[str]:
    """Return the deadlines overdue and due within 30 days, by cell."""
    lines = [
        _html(
            t("<b>Deadlines: {overdue} overdue, {soon} due in the next 30 days</b>"),
            overdue=t.number(d.overdue),
            soon=t.number(d.due_soon),
        )
    ]
    budget = DEADLINES_LISTED
    for cell in d.deadlines[:CELLS_LISTED]:
        lines.append(
            _html(
                t("<i>{cell}</i>: {overdue} overdue, {soon} due soon"),
                cell=cell.name,
                overdue=t.number(cell.overdue),
                soon=t.number(cell.due_soon),
            )
        )
        listed = cell.items[: min(DEADLINES_PER_CELL, budget)]
        budget -= len(listed)
        lines += due_item_lines(t, listed)
        # A cell past the budget shows its counts alone, without a "more" line.
        total = cell.overdue + cell.due_soon
        if listed and len(listed) < total:
            lines.append(_html(t("… and {n} more"), n=t.number(total - len(listed))))
    return lines + _more(t, len(d.deadlines))


def due_item_lines(t: Translator, items: Sequence[DueItem]) -> list[str]:
    """Return a line per deadline: who, what, by when, and "overdue" in bold when it is."""
    lines = []
    for item in items:
        what = t(DEADLINE_NAMES[item.kind])
        if item.state is State.OVERDUE:
            line = _html(
                t("⚠ {person}: {what}, due {due}, <b>overdue</b>"),
                person=item.person,
                what=what,
                due=t.date(item.due),
            )
        else:
            line = _html(
                t("• {person}: {what}, due {due}"), person=item.person, what=what, due=t.date(item.due)
            )
        lines.append(line)
    return lines


def register_lines(c: Coverage, t: Translator) -> list[str]:
    """Return the enterprise register's picture: coverage, young workers and Youth Union members,
    what was founded this year, by zone, and the working group's load."""
    lines = [_html(t("<b>Enterprises of the register</b>"))]
    total = c.total
    if c.empty:
        lines.append(
            _html(
                t(
                    "The register has no enterprise here yet (a committee adds them with /addenterprise "
                    "or /import)."
                )
            )
        )
        return lines
    lines.append(
        _html(
            t(
                "Party cells: <b>{cells} of {enterprises}</b> enterprises ({share}); {members} have party "
                "members but no cell, {found} of them could found one now."
            ),
            cells=t.number(total.with_cell),
            enterprises=t.number(total.enterprises),
            share=_percent(t, total.with_cell, total.enterprises),
            members=t.number(total.members_no_cell),
            found=t.number(total.could_found),
        )
    )
    lines.append(_html(t("Workers: {n}"), n=t.number(total.workers)))
    lines.append(_html(t("Young workers (under 30): {n}"), n=t.number(total.young_workers)))
    if total.young_workers:
        lines.append(
            _html(
                t("Youth Union members: {n}, {share} of the young workers"),
                n=t.number(total.youth_union_members),
                share=_percent(t, total.youth_union_members, total.young_workers),
            )
        )
    else:
        lines.append(_html(t("Youth Union members: {n}"), n=t.number(total.youth_union_members)))
    lines.append(
        _html(
            t("Trade unions: {unions} of {enterprises}; Youth Union branches: {branches}"),
            unions=t.number(total.trade_unions),
            enterprises=t.number(total.enterprises),
            branches=t.number(total.youth_union_branches),
        )
    )
    lines.append(
        _html(
            t(
                "Founded in {year}: {cells} party cells, {unions} trade unions, "
                "{branches} Youth Union branches"
            ),
            year=c.year,
            cells=t.number(c.founded.cells),
            unions=t.number(c.founded.trade_unions),
            branches=t.number(c.founded.youth_union_branches),
        )
    )
    if len(c.zones) > 1:
        lines += ["", _html(t("<i>By zone</i>"))]
        for z in c.zones:
            lines.append(
                _html(
                    t(
                        "• {zone}: {cells} of {enterprises} with a cell, {members} with members but no cell, "
                        "{found} could found one; {young} young workers, {youth} Youth Union members"
                    ),
                    zone=z.zone,
                    cells=t.number(z.with_cell),
                    enterprises=t.number(z.enterprises),
                    members=t.number(z.members_no_cell),
                    found=t.number(z.could_found),
                    young=t.number(z.young_workers),
                    youth=t.number(z.youth_union_members),
                )
            )
    lines += ["", _html(t("<i>Working group</i> (contact due after {days} days)"), days=c.contact_days)]
    for m in c.members:
        last = t.date(m.last_contact) if m.last_contact is not None else t("none yet")
        lines.append(
            _html(
                t("• {name}: {n} enterprises, last contact {last}, {due} due a contact"),
                name=m.name,
                n=t.number(m.enterprises),
                last=last,
                due=t.number(m.due),
            )
        )
    if c.unassigned:
        lines.append(_html(t("• Nobody assigned: {n} enterprises"), n=t.number(c.unassigned)))
    return lines


def working_group_lines(work: WorkList, t: Translator) -> list[str]:
    """Return a committee member's own nudge at the end of their digest (nothing when nothing is due)."""
    if work.empty:
        return []
    return [
        "",
        _html(
            t(
                "🗂 <b>Your enterprises</b>: {due} not contacted for {days} days or more, {found} could found "
                "a party cell. See /myenterprises"
            ),
            due=t.number(len(work.due)),
            days=work.days,
            found=t.number(len(work.could_found)),
        ),
    ]


# ----- the chart ----------------------------------------------------------------------------------

_FONT = "DejaVu Sans"  # shipped with matplotlib; has every Vietnamese letter
_ADMITTED = "#c62828"
_TARGET = "#e0e0e0"
_MET = "#1565c0"
# Made for a phone: portrait, read at 390 px wide (an iPhone's width in CSS pixels). A text of f points
# on a figure W inches wide shows at f * 390 / (72 * W) px there, so with W = 5.5 the smallest text,
# 12 points, is 11.8 px: at least 11 px, as asked (tests/unit/test_digest.py measures every text).
CHART_WIDTH = 5.5  # inches
CHART_DPI = 150  # 825 pixels wide: sharp on a phone's screen, a PNG of some 100 KB
PHONE_WIDTH = 390  # px
SMALLEST_TEXT = 12  # points
_ROW = 0.36  # inches per bar
_LABEL_CHARS = 16  # a bar's name is wrapped on two lines of about this many characters


def _label(name: str, width: int = _LABEL_CHARS) -> str:
    """Return a unit's short name wrapped on at most two lines for a chart, cut with an ellipsis beyond."""
    short = short_unit_name(name)
    lines = textwrap.wrap(short, width, max_lines=2, placeholder="…")
    return "\n".join(lines) or short


def _title_lines(text: str, width: int = 42) -> str:
    """Return a title on lines that fit the chart's width, cut after a comma where there is one."""
    if len(text) <= width:
        return text
    lines = []
    for part in text.replace(", ", ",\n").split("\n"):
        lines += textwrap.wrap(part, width) or [part]
    return "\n".join(lines)


def _ratio(t: Translator, n: int, target: int | None) -> str:
    """Return "admitted / target", or the admitted alone when there is no target."""
    return f"{t.number(n)} / {t.number(target)}" if target is not None else t.number(n)


def chart(digest: Digest, t: Translator) -> bytes:
    """Return the digest's chart as a portrait PNG 825 pixels wide.

    The figure is drawn on the Agg canvas without pyplot: no global state is touched, so this may
    run in a thread (`asyncio.to_thread`), and pyplot's figure registry, which keeps every figure
    until it is closed, is never involved; the figure is cleared and dropped before returning.
    """
    fig = figure(digest, t)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI)
    fig.clear()
    return buffer.getvalue()


def figure(digest: Digest, t: Translator) -> Figure:
    """Return the chart's figure: admissions per unit (against its target, where one is set), then the
    cells that met in each of the last months. Portrait, short names, whole numbers on every axis."""
    d = digest
    # Admissions per unit under the digest's unit (its cells, or its committees for a province):
    # those with the largest target or the most admissions get a bar; the rest one line of text,
    # since a bar summing many units would dwarf the others.
    ranked = sorted(d.parts, key=lambda c: (-max(c.target or 0, c.admissions), c.name.casefold()))
    # One unit left over gets its own bar rather than an "Others (1)" line.
    top = CHART_TOP_CELLS if len(ranked) > CHART_TOP_CELLS + 1 else len(ranked)
    shown, rest = ranked[:top], ranked[top:]
    rows_top = len(shown) + (1 if rest else 0)
    rows_bottom = len(d.months)
    top_height = 1.5 + _ROW * max(rows_top, 2)
    bottom_height = 1.3 + _ROW * max(rows_bottom, 2)
    # At most twice as tall as wide: a phone (390 x 844) then shows it whole at its full width.
    height = min(0.8 + top_height + bottom_height, 2 * CHART_WIDTH)
    fig = Figure(figsize=(CHART_WIDTH, height), layout="constrained")
    FigureCanvasAgg(fig)
    upper, lower = fig.subplots(2, 1, gridspec_kw={"height_ratios": [top_height, bottom_height]})
    _admissions(upper, d, t, shown, rest)
    _meetings(lower, d, t)
    fig.suptitle("\n".join(textwrap.wrap(d.unit_name, 32)) or d.unit_name, fontsize=15, fontweight="bold")
    # The family is set on every text explicitly: a matplotlibrc elsewhere must not pick a font
    # without Vietnamese letters.
    for artist in fig.findobj(Text):
        artist.set_fontfamily(_FONT)
        # Names are user text: "$...$" in a unit's name must stay text, not become mathtext.
        artist.set_parse_math(False)
    return fig


def _admissions(
    axes: Axes, d: Digest, t: Translator, shown: Sequence[UnitProgress], rest: Sequence[UnitProgress]
) -> None:
    """Draw the admissions of each unit shown as a bar, over its target's bar where it has one."""
    labels = [_label(c.name) for c in shown]
    admitted = [c.admissions for c in shown]
    rows = list(range(len(shown)))
    aimed = [(row, c.target) for row, c in zip(rows, shown, strict=True) if c.target is not None]
    if aimed:
        axes.barh(
            [row for row, _ in aimed],
            [target for _, target in aimed],
            color=_TARGET,
            edgecolor="#9e9e9e",
            height=0.8,
            label=t("Target"),
        )
    axes.barh(rows, admitted, color=_ADMITTED, height=0.45, label=t("Admitted"))
    for row, c in zip(rows, shown, strict=True):
        axes.text(
            max(c.admissions, c.target or 0),
            row,
            f" {_ratio(t, c.admissions, c.target)}",
            va="center",
            fontsize=SMALLEST_TEXT,
        )
    if rest:
        rows.append(len(rows))
        labels.append(t("Others ({n})").format(n=t.number(len(rest))))
        n = sum(c.admissions for c in rest)
        targets = [c.target for c in rest if c.target is not None]
        axes.text(
            0,
            rows[-1],
            f" {_ratio(t, n, sum(targets) if targets else None)}",
            va="center",
            fontsize=SMALLEST_TEXT,
            fontstyle="italic",
        )
    axes.set_yticks(rows, labels, fontsize=SMALLEST_TEXT)
    axes.set_ylim(max(len(rows), 1) - 0.5, -0.5)  # the first at the top
    # Whole numbers, and room for a few: one admission does not fill the width.
    highest = max([*admitted, *(target for _, target in aimed), 4])
    axes.set_xlim(0, highest * 1.3)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes.tick_params(axis="x", labelsize=SMALLEST_TEXT)
    year = d.year.end.year
    if d.target is None:
        total = t("All cells: {n} admitted, no target set").format(n=t.number(d.this_year.admissions))
    else:
        total = t("All cells: {n} admitted of the target {target}").format(
            n=t.number(d.this_year.admissions), target=t.number(d.target)
        )
    if all(c.is_cell for c in d.parts):
        title = (
            t("Admissions in {year} by cell")
            if not aimed
            else t("Admissions in {year} by cell, against the target")
        )
    else:
        title = (
            t("Admissions in {year} by unit")
            if not aimed
            else t("Admissions in {year} by unit, against the target")
        )
    axes.set_title(_title_lines(title.format(year=year)) + "\n" + total, fontsize=13)
    axes.set_xlabel(t("People admitted (ceremony held)"), fontsize=SMALLEST_TEXT)
    axes.spines[["top", "right"]].set_visible(False)
    if aimed:
        # Only when a target bar is drawn. Bottom right: the units come most aimed-for first, so the
        # bars there are the shortest.
        axes.legend(loc="lower right", fontsize=SMALLEST_TEXT, framealpha=0.9)


def _meetings(axes: Axes, d: Digest, t: Translator) -> None:
    """Draw how many cells held a meeting each month, out of all the cells, a bar per month."""
    cells = len(d.cells)
    names = [f"{m.month.month:02d}/{m.month.year}" for m in d.months]
    met = [m.cells_met for m in d.months]
    rows = list(range(len(names)))
    axes.barh(rows, [cells] * len(rows), color="#e3eaf5", height=0.75)
    axes.barh(rows, met, color=_MET, height=0.5)
    for row, n in zip(rows, met, strict=True):
        axes.text(
            max(n, cells), row, f" {t.number(n)} / {t.number(cells)}", va="center", fontsize=SMALLEST_TEXT
        )
    axes.set_yticks(rows, names, fontsize=SMALLEST_TEXT)
    axes.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    axes.set_xlim(0, max([cells, *met, 4]) * 1.35)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes.tick_params(axis="x", labelsize=SMALLEST_TEXT)
    axes.set_title(_title_lines(t("Cells that held their regular meeting, by month")), fontsize=13)
    axes.set_xlabel(t("Cells (of {n})").format(n=t.number(cells)), fontsize=SMALLEST_TEXT)
    axes.spines[["top", "right"]].set_visible(False)
