"""The Excel export: who may export what, the rows of every sheet, and the .xlsx file.

An export covers a unit and everything under it, optionally a period (records dated within it;
people with a step within it). It has one sheet per kind of record (people with their pipeline
dates, meetings, activities, transfers, the cells' enterprise reports), a summary with one row per
cell, and the enterprise register of the unit's subtree as it stands (every enterprise, with a cell
or not: its stages, its working group member and latest contact; the period does not apply).
Each record's row says whether the committee sent it back for revision and holds every comment;
the records sent back (made within the period) and the mentor notes of probationary members
(written within it) have a sheet each.
Headers are in the reader's language; dates are Excel dates and counts are numbers, so the
committee office can filter, sort and sum without retyping anything.

Reading is async and in batches (the shared connection is never held for long); writing the
workbook is plain CPU work, done in a thread by `run` so the bot keeps answering other users.
Nothing here knows about Telegram: the handler and the command line both call `run`.
"""

from __future__ import annotations

import asyncio
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image as XLImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from PIL import Image

from bot.errors import UserError
from bot.features import admin, enterprises
from bot.features.calendar import load_calendar
from bot.features.duties import transfer_facts
from bot.features.mine import FORM_OF_KIND
from bot.features.photos import PhotoKeeper
from bot.features.transfers import where_it_stands
from bot.forms.definitions import (
    ACTIVITY_KINDS,
    DIRECTIONS,
    GENDERS,
    MEETING_KINDS,
    POSITIONS,
    TRANSFER_KINDS,
    pipeline_of,
)
from bot.forms.fields import Choice, Invalid, parse_date
from bot.i18n import N_, Translator
from bot.rules.calendar import WorkingCalendar
from bot.rules.deadlines import open_transfer_deadlines, probation_end, recognition_deadline
from bot.rules.enterprises import STAGE_NAMES, Stage
from bot.rules.pipeline import STEP_NAMES, Step
from storage import audit, mentor, photos, records, reviews, units, users
from storage import enterprises as enterprise_register
from storage import export_queries as q
from storage.database import Database, Queryable
from storage.digest_queries import TransferRow
from storage.export_queries import Author, Period, UnitRow
from storage.models import Role, Unit, from_db_time

MAY_EXPORT = frozenset({Role.ADMIN, Role.COMMITTEE})
EXPORT_ACTION = "data.export"
NOT_FOR_SECRETARIES = N_(
    "Exports hold personal data, so they go only to admins and committee members. "
    "A cell secretary cannot export; your own records are in /mine."
)
USAGE = N_(
    "Write it like this: <code>/export [unit-code] [from dd/mm/yyyy] [to dd/mm/yyyy]</code>, "
    "for example <code>/export kcn-a from 01/01/2026 to 31/12/2026</code>."
)
FROM_WORDS = frozenset({"from", "từ", "tu", "tư"})
TO_WORDS = frozenset({"to", "đến", "den", "tới", "toi"})
DATE_FORMAT = "DD/MM/YYYY"
MAX_WIDTH = 50
PROGRESS_EVERY = 500  # rows between two progress updates from the writing thread

Value = str | int | float | date | None


class Format(StrEnum):
    """How a column's values are shown in Excel."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    PERCENT = "percent"


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header (a catalog message) and how its values look."""

    header: str
    format: Format = Format.TEXT
    width: int = 12


@dataclass
class Sheet:
    """A sheet: its title (a catalog message), columns and rows of plain values, and pictures placed
    at the start of some rows, in the column after the last (row index, PNG or JPEG bytes)."""

    title: str
    columns: list[Column]
    rows: list[list[Value]] = field(default_factory=list)
    pictures: list[tuple[int, bytes]] = field(default_factory=list)


@dataclass
class Progress:
    """How far an export is, shared with whoever shows it (written from the writing thread)."""

    phase: str = "read"  # read, write, done
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        """Return the share done, 0 to 100."""
        return 100 if self.total <= 0 else min(100, self.done * 100 // self.total)


@dataclass(frozen=True)
class ExportRequest:
    """What to export: a unit (and everything under it) and a period."""

    unit: Unit
    unit_ids: list[int]
    period: Period


@dataclass(frozen=True)
class ExportFile:
    """A finished export: its file name, bytes and the number of rows of each sheet."""

    name: str
    data: bytes
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        """Return the number of data rows of every sheet together."""
        return sum(self.counts.values())


# ----- who may export what ---------------------------------------------------------------------


def _date_arg(text: str, today: date) -> date:
    try:
        return date.fromisoformat(parse_date(text, today))
    except Invalid as refused:
        raise UserError(refused.message, **refused.params) from None


def _looks_like_date(word: str) -> bool:
    return any(c.isdigit() for c in word) and any(c in "/.-" for c in word) and word[0].isdigit()


def parse_args(text: str, today: date) -> tuple[str | None, Period]:
    """Read `[unit-code] [from dd/mm/yyyy] [to dd/mm/yyyy]` (Vietnamese từ / đến work too)."""
    words = text.split()
    code: str | None = None
    start: date | None = None
    end: date | None = None
    loose: list[date] = []
    index = 0
    while index < len(words):
        word = words[index]
        lowered = word.lower()
        if lowered in FROM_WORDS | TO_WORDS:
            if index + 1 >= len(words):
                raise UserError(USAGE)
            day = _date_arg(words[index + 1], today)
            if lowered in FROM_WORDS:
                start = day
            else:
                end = day
            index += 2
            continue
        if _looks_like_date(word):
            loose.append(_date_arg(word, today))
        elif code is None:
            code = word
        else:
            raise UserError(USAGE)
        index += 1
    if len(loose) > 2 or (loose and start is not None and end is not None):
        raise UserError(USAGE)
    for day in loose:
        if start is None:
            start = day
        elif end is None:
            end = day
    if start is not None and end is not None and start > end:
        raise UserError(N_("The period starts after it ends: check the two dates."))
    return code, Period(start, end)


async def request_for(
    db: Queryable, role: Role | None, own_unit_id: int | None, args: str, today: date
) -> ExportRequest:
    """Return what an actor asked to export, or refuse: admins any unit, committee members their own."""
    if role not in MAY_EXPORT:
        raise UserError(NOT_FOR_SECRETARIES)
    code, period = parse_args(args, today)
    own: Unit | None = await units.get(db, own_unit_id) if own_unit_id is not None else None
    if code is not None:
        unit = await admin.unit_by_code(db, code)
    elif role is Role.COMMITTEE and own is not None:
        unit = own
    else:
        root = await units.get(db, units.ROOT_ID)
        assert root is not None
        unit = root
    if role is Role.COMMITTEE:
        allowed = await units.subtree_ids(db, own.id) if own is not None else []
        if unit.id not in allowed:
            raise UserError(
                N_("You can export only {unit} and the units under it."),
                unit=own.name if own is not None else "",
            )
    return ExportRequest(unit, await units.subtree_ids(db, unit.id), period)


# ----- the rows of every sheet -----------------------------------------------------------------

PLACE = [Column(N_("Committee"), width=24), Column(N_("Cell"), width=28), Column(N_("Cell code"), width=12)]
ENTERED = [Column(N_("Entered by"), width=20), Column(N_("Entered on"), Format.DATE, 12)]
# Whether the committee sent the record back for revision (bot/features/review.py), and every comment.
REVIEWED = [Column(N_("Review"), width=18), Column(N_("Committee's comments"), width=40)]
REVIEW_STATES = {
    None: N_("Sent back, not corrected"),
    reviews.CORRECTED: N_("Corrected"),
    reviews.DELETED: N_("Deleted by the cell"),
}

STEP_COLUMNS: dict[Step, str] = {
    Step.SOURCE: N_("Source since"),
    Step.AWARENESS_CLASS: N_("Awareness class"),
    Step.APPLICATION: N_("Application"),
    Step.CELL_VOTE: N_("Cell vote"),
    Step.ADMISSION_DECISION: N_("Admission decision"),
    Step.CEREMONY: N_("Admission ceremony"),
    Step.RECOGNITION: N_("Recognition"),
    Step.NOT_RECOGNISED: N_("Not recognised"),
    Step.WITHDREW: N_("Withdrew"),
}


def _step_column(step: Step) -> Column:
    return Column(STEP_COLUMNS[step], Format.DATE, 12)


PEOPLE_COLUMNS = [
    *PLACE,
    Column(N_("Full name"), width=26),
    Column(N_("Year of birth"), Format.NUMBER, 8),
    Column(N_("Gender"), width=8),
    Column(N_("Position"), width=16),
    Column(N_("Youth Union member"), width=10),
    Column(N_("First helping member"), width=22),
    Column(N_("Second helping member"), width=22),
    _step_column(Step.SOURCE),
    _step_column(Step.AWARENESS_CLASS),
    _step_column(Step.APPLICATION),
    _step_column(Step.CELL_VOTE),
    Column(N_("Votes in favour"), Format.NUMBER, 8),
    Column(N_("Official members"), Format.NUMBER, 8),
    _step_column(Step.ADMISSION_DECISION),
    Column(N_("Decision number"), width=14),
    _step_column(Step.CEREMONY),
    Column(N_("Probation ends"), Format.DATE, 12),
    Column(N_("Recognition due by"), Format.DATE, 12),
    _step_column(Step.RECOGNITION),
    _step_column(Step.NOT_RECOGNISED),
    _step_column(Step.WITHDREW),
    Column(N_("Current step"), width=22),
    Column(N_("Note"), width=30),
    Column(N_("Mentor notes (quarters)"), Format.NUMBER, 8),
    *ENTERED,
    *REVIEWED,
]
MEETING_COLUMNS = [
    *PLACE,
    Column(N_("Date"), Format.DATE, 12),
    Column(N_("Kind"), width=24),
    Column(N_("Length (minutes)"), Format.NUMBER, 10),
    Column(N_("Members in total"), Format.NUMBER, 10),
    Column(N_("Present"), Format.NUMBER, 10),
    Column(N_("Absent with reason"), Format.NUMBER, 10),
    Column(N_("Absent without reason"), Format.NUMBER, 10),
    Column(N_("Attendance"), Format.PERCENT, 10),
    Column(N_("Topic"), width=30),
    *ENTERED,
    *REVIEWED,
]
ACTIVITY_COLUMNS = [
    *PLACE,
    Column(N_("Date"), Format.DATE, 12),
    Column(N_("Kind"), width=24),
    Column(N_("Title"), width=30),
    Column(N_("Participants"), Format.NUMBER, 10),
    Column(N_("Note"), width=30),
    Column(N_("Photo"), width=8),
    *ENTERED,
    *REVIEWED,
]
TRANSFER_COLUMNS = [
    *PLACE,
    Column(N_("Date (decision, letter or first day)"), Format.DATE, 12),
    Column(N_("Direction"), width=22),
    Column(N_("Kind"), width=12),
    Column(N_("For study"), width=8),
    Column(N_("Member"), width=26),
    Column(N_("End date"), Format.DATE, 12),
    Column(N_("Introduction letter issued"), Format.DATE, 12),
    Column(N_("Completed on (received, arrived, returned)"), Format.DATE, 12),
    Column(N_("Where it stands"), width=28),
    Column(N_("Next deadline"), Format.DATE, 12),
    Column(N_("Note"), width=30),
    *ENTERED,
    *REVIEWED,
]
ENTERPRISE_COLUMNS = [
    *PLACE,
    Column(N_("Date"), Format.DATE, 12),
    Column(N_("Enterprise"), width=28),
    Column(N_("Zone"), width=20),
    Column(N_("Workers"), Format.NUMBER, 10),
    Column(N_("Young workers (under 30)"), Format.NUMBER, 10),
    Column(N_("Trade union members"), Format.NUMBER, 10),
    Column(N_("Youth Union members"), Format.NUMBER, 10),
    Column(N_("Members registered elsewhere"), Format.NUMBER, 10),
    *ENTERED,
    *REVIEWED,
]
REGISTER_COLUMNS = [
    Column(N_("Register of"), width=24),
    Column(N_("Enterprise"), width=30),
    Column(N_("Zone"), width=18),
    Column(N_("Ownership"), width=16),
    Column(N_("Workers"), Format.NUMBER, 10),
    Column(N_("Young workers (under 30)"), Format.NUMBER, 10),
    Column(N_("Trade union"), width=8),
    Column(N_("Trade union founded on"), Format.DATE, 12),
    Column(N_("Youth Union branch"), width=8),
    Column(N_("Youth Union branch founded on"), Format.DATE, 12),
    Column(N_("Youth Union members"), Format.NUMBER, 10),
    Column(N_("Party members working there"), Format.NUMBER, 10),
    Column(N_("Members registered elsewhere"), Format.NUMBER, 10),
    Column(N_("Stage"), width=30),
    Column(N_("Stage reached on"), Format.DATE, 12),
    Column(N_("Could found a cell"), width=8),
    Column(N_("Party cell"), width=28),
    Column(N_("Cell code"), width=12),
    Column(N_("Working group member"), width=20),
    Column(N_("Last contact"), Format.DATE, 12),
    Column(N_("Contacts"), Format.NUMBER, 8),
]
# The summary counts the steps reached within the period, per cell.
SUMMARY_STEPS: dict[Step, str] = {
    Step.SOURCE: N_("New sources"),
    Step.AWARENESS_CLASS: N_("Awareness classes"),
    Step.APPLICATION: N_("Applications"),
    Step.CELL_VOTE: N_("Cell votes"),
    Step.ADMISSION_DECISION: N_("Admission decisions"),
    Step.CEREMONY: N_("Admitted (ceremonies)"),
    Step.RECOGNITION: N_("Recognised as full members"),
    Step.NOT_RECOGNISED: N_("Not recognised"),
    Step.WITHDREW: N_("Withdrew"),
}
SUMMARY_COLUMNS = [
    *PLACE,
    Column(N_("People in the list"), Format.NUMBER, 10),
    *(Column(header, Format.NUMBER, 10) for header in SUMMARY_STEPS.values()),
    Column(N_("Meetings"), Format.NUMBER, 10),
    Column(N_("Thematic meetings"), Format.NUMBER, 10),
    Column(N_("Average attendance"), Format.PERCENT, 10),
    Column(N_("Activities"), Format.NUMBER, 10),
    Column(N_("Participants"), Format.NUMBER, 10),
    Column(N_("Transfers in"), Format.NUMBER, 10),
    Column(N_("Transfers out"), Format.NUMBER, 10),
    Column(N_("Workers"), Format.NUMBER, 10),
    Column(N_("Young workers (under 30)"), Format.NUMBER, 10),
    Column(N_("Trade union members"), Format.NUMBER, 10),
    Column(N_("Youth Union members"), Format.NUMBER, 10),
    Column(N_("Members registered elsewhere"), Format.NUMBER, 10),
]

RETURN_COLUMNS = [
    *PLACE,
    Column(N_("Record"), width=18),
    Column(N_("Content of the record"), width=30),
    Column(N_("Date"), Format.DATE, 12),
    Column(N_("Comment"), width=40),
    Column(N_("Sent back by"), width=20),
    Column(N_("Sent back on"), Format.DATE, 12),
    Column(N_("State"), width=18),
    Column(N_("Closed by"), width=20),
    Column(N_("Closed on"), Format.DATE, 12),
]
MENTOR_COLUMNS = [
    *PLACE,
    Column(N_("Full name"), width=26),
    Column(N_("Admission ceremony"), Format.DATE, 12),
    Column(N_("Quarter of the probation"), Format.NUMBER, 8),
    Column(N_("Note"), width=50),
    *ENTERED,
]

SHEET_SUMMARY = N_("Summary")
SHEET_PEOPLE = N_("Admission")
SHEET_MEETINGS = N_("Meetings")
SHEET_ACTIVITIES = N_("Activities")
SHEET_TRANSFERS = N_("Transfers")
SHEET_REPORTS = N_("Enterprise reports")
SHEET_ENTERPRISES = N_("Enterprises")
SHEET_PHOTOS = N_("Photos")
PHOTO_COLUMNS = [*PLACE, Column(N_("Date"), Format.DATE, 12), Column(N_("Title"), width=30)]
PHOTO_ROWS = 12  # rows a photo's thumbnail covers (Excel's default rows are 20 pixels high)
THUMBNAIL = (320, 220)  # pixels, at most
MAX_PHOTOS = 500  # photos shown in one export (the newest); the rest are counted
SHEET_RETURNS = N_("Sent back")
SHEET_MENTOR = N_("Mentor notes")


@dataclass
class _CellTally:
    """What the summary counts for one cell."""

    people: int = 0
    steps: dict[Step, int] = field(default_factory=dict)
    meetings: int = 0
    thematic: int = 0
    attendance: list[float] = field(default_factory=list)
    activities: int = 0
    participants: int = 0
    transfers_in: int = 0
    transfers_out: int = 0
    enterprise: tuple[str, list[int]] | None = None  # (date, numbers) of the latest snapshot


class _Labels:
    """Translated labels of stored choice values."""

    def __init__(self, t: Translator) -> None:
        self.t = t

    def choice(self, choices: Sequence[Choice], value: object) -> str:
        for candidate in choices:
            if candidate.value == value:
                return self.t(candidate.label)
        return "" if value is None else str(value)

    def yes_no(self, value: object) -> str:
        return self.t("Yes") if value else self.t("No")

    def author(self, author: Author) -> str:
        return author.name if author.name is not None else self.t("deleted user")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _whole(value: Value) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _day(text: object) -> date | None:
    return date.fromisoformat(str(text)) if text else None


class _Collector:
    """Reads the records of an export into sheets, counting for the summary as it goes."""

    def __init__(
        self,
        db: Queryable,
        request: ExportRequest,
        t: Translator,
        tz: ZoneInfo,
        keeper: PhotoKeeper | None = None,
        *,
        today: date,
        culture_day_off: bool,
    ) -> None:
        self.db = db
        self.request = request
        self.labels = _Labels(t)
        self.t = t
        self.tz = tz
        self.keeper = keeper
        self.kept: list[tuple[q.RecordRow, int]] = []  # activities with a kept photo, and its id
        self.today = today
        self.culture_day_off = culture_day_off
        self.calendar: WorkingCalendar | None = None
        self.units: dict[int, UnitRow] = {}
        self.tally: dict[int, _CellTally] = {}
        self.returns: list[reviews.ExportedReturn] = []
        self.returned: dict[tuple[str, int], list[reviews.ExportedReturn]] = defaultdict(list)
        self.returned_person: dict[int, list[reviews.ExportedReturn]] = defaultdict(list)
        self.notes: list[mentor.ExportedNote] = []
        self.noted: dict[int, int] = defaultdict(int)  # live notes per person

    def place(self, unit_id: int) -> list[Value]:
        unit = self.units.get(unit_id)
        if unit is None:
            return ["", "", ""]
        return [unit.parent_name, unit.name, unit.code]

    def entered(self, author: Author, created_at: str) -> list[Value]:
        return [self.labels.author(author), from_db_time(created_at).astimezone(self.tz).date()]

    def cell(self, unit_id: int) -> _CellTally:
        return self.tally.setdefault(unit_id, _CellTally())

    async def collect(self, progress: Progress) -> list[Sheet]:
        request = self.request
        self.units = {u.id: u for u in await q.units_in(self.db, request.unit_ids)}
        for unit in self.units.values():
            if unit.is_cell:
                self.cell(unit.id)
        progress.total = await q.count_rows(self.db, request.unit_ids, request.period)
        await self.load_reviews()
        calendar = await load_calendar(self.db, culture_day_off=self.culture_day_off)
        self.calendar = calendar
        people = Sheet(SHEET_PEOPLE, PEOPLE_COLUMNS)
        async for batch in q.people(self.db, request.unit_ids, request.period):
            for person in batch:
                people.rows.append(self.person_row(person, calendar))
            progress.done += len(batch)
        meetings = await self.table(
            "meetings", Sheet(SHEET_MEETINGS, MEETING_COLUMNS), self.meeting, progress
        )
        activities = await self.table(
            "activities", Sheet(SHEET_ACTIVITIES, ACTIVITY_COLUMNS), self.activity, progress
        )
        transfers = await self.table(
            "transfers", Sheet(SHEET_TRANSFERS, TRANSFER_COLUMNS), self.transfer, progress
        )
        reports = await self.table(
            "enterprise_snapshots", Sheet(SHEET_REPORTS, ENTERPRISE_COLUMNS), self.enterprise, progress
        )
        sheets = [people, meetings, activities, transfers, reports]
        for sheet in sheets:
            # By cell, then by date or name: the order the office reads them in.
            sheet.rows.sort(key=lambda row: tuple("" if v is None else str(v) for v in row[2:5]))
        pictures = await self.photos()
        returned = await self.returns_sheet()
        register = await self.register()
        pictures_sheet = [pictures] if pictures.rows else []
        return [self.summary(), *sheets, register, returned, self.mentor_sheet(), *pictures_sheet]

    async def photos(self) -> Sheet:
        """Return the sheet of the activities' kept photos, each shown small beside its activity."""
        sheet = Sheet(SHEET_PHOTOS, PHOTO_COLUMNS)
        if self.keeper is None:
            return sheet
        newest = sorted(self.kept, key=lambda item: str(item[0].values["on_date"]), reverse=True)
        for record, photo_id in newest[:MAX_PHOTOS]:
            kept = await self.keeper.read(photo_id)
            if kept is None:
                continue  # deleted after its retention period
            thumbnail = await asyncio.to_thread(_thumbnail, kept[0])
            if thumbnail is None:
                continue
            sheet.pictures.append((len(sheet.rows), thumbnail))
            v = record.values
            sheet.rows.append([*self.place(record.unit_id), _day(v["on_date"]), v["title"]])
            sheet.rows.extend([[None] * len(PHOTO_COLUMNS) for _ in range(PHOTO_ROWS - 1)])
        return sheet

    async def load_reviews(self) -> None:
        """Read every return and mentor note of the units (a row shows its record's, whatever the period)."""
        for returned in await reviews.in_units(self.db, self.request.unit_ids, None, None):
            ret = returned.ret
            self.returned[(ret.kind, ret.record_id)].append(returned)
            if returned.person_id is not None:
                self.returned_person[returned.person_id].append(returned)
            if self._in_period(ret.returned_at):
                self.returns.append(returned)
        for note in await mentor.in_units(self.db, self.request.unit_ids, None, None):
            self.noted[note.person_id] += 1
            if self._in_period(from_db_time(note.created_at)):
                self.notes.append(note)

    def _in_period(self, moment: datetime) -> bool:
        return self.request.period.holds(moment.astimezone(self.tz).date())

    def reviewed(self, returns: Sequence[reviews.ExportedReturn]) -> list[Value]:
        """Return a record's review cells: the state of its latest return, and every comment."""
        if not returns:
            return ["", None]
        latest = max(returns, key=lambda r: r.ret.id)
        comments = "\n".join(
            f"{self.t.date(r.ret.returned_at.astimezone(self.tz).date())} "
            f"{r.returned_by_name or self.t('deleted user')}: {r.ret.comment}"
            for r in sorted(returns, key=lambda r: r.ret.id)
        )
        return [self.t(REVIEW_STATES[latest.ret.resolution]), comments]

    async def returns_sheet(self) -> Sheet:
        """Return the sheet of the records sent back for revision within the period, oldest first."""
        sheet = Sheet(SHEET_RETURNS, RETURN_COLUMNS)
        for returned in self.returns:
            ret = returned.ret
            title, what, day = await self._record_summary(ret.kind, ret.record_id)
            sheet.rows.append(
                [
                    *self.place(ret.unit_id),
                    title,
                    what,
                    day,
                    ret.comment,
                    returned.returned_by_name or self.t("deleted user"),
                    ret.returned_at.astimezone(self.tz).date(),
                    self.t(REVIEW_STATES[ret.resolution]),
                    (returned.resolved_by_name or self.t("deleted user")) if ret.resolved_at else None,
                    ret.resolved_at.astimezone(self.tz).date() if ret.resolved_at else None,
                ]
            )
        return sheet

    async def _record_summary(self, kind: str, record_id: int) -> tuple[str, str, date | None]:
        """Return what a record is (its form's title), whom or what it names, and its date."""
        form = FORM_OF_KIND.get(kind)
        title = self.t(form.title) if form is not None else kind
        record = await records.get(self.db, kind, record_id)
        if record is None:
            return title, "", None
        values = record.values
        person_id = values.get("person_id")
        person = await records.get(self.db, "person", int(person_id)) if person_id else None
        name = str(person.values["full_name"]) if person is not None else ""
        if kind == "person":
            what = str(values["full_name"])
        elif kind == "step":
            what = f"{name}: {self.t(STEP_NAMES[Step(values['step'])])}"
        elif kind == "mentor":
            what = self.t(N_("{name}, quarter {n}")).format(name=name, n=values["quarter"])
        elif kind == "meeting":
            what = self.labels.choice(MEETING_KINDS, values["kind"])
        else:
            what = str(values.get("member_name") or values.get("title") or values.get("name") or "")
        return title, what, _day(values.get("on_date"))

    def mentor_sheet(self) -> Sheet:
        """Return the sheet of the mentor notes written within the period, by cell and person."""
        sheet = Sheet(SHEET_MENTOR, MENTOR_COLUMNS)
        for note in self.notes:
            sheet.rows.append(
                [
                    *self.place(note.unit_id),
                    note.full_name,
                    note.ceremony,
                    note.quarter,
                    note.note,
                    self.labels.author(q.Author(note.author)),
                    from_db_time(note.created_at).astimezone(self.tz).date(),
                ]
            )
        return sheet

    async def register(self) -> Sheet:
        """Return the enterprise register of the subtree, by zone and name, as it stands."""
        sheet = Sheet(SHEET_ENTERPRISES, REGISTER_COLUMNS)
        listed = await enterprise_register.listing(self.db, self.request.unit_ids)
        names: dict[int, str] = {}
        for user_id in {e.assigned_to for e in listed if e.assigned_to is not None}:
            user = await users.get(self.db, user_id)
            if user is not None and user.registered:
                names[user_id] = user.display_name
        unit_names = {u.id: u for u in await units.all_units(self.db)}
        for e in listed:
            register = unit_names.get(e.unit_id)
            cell = unit_names.get(e.cell_id) if e.cell_id is not None else None
            stage = enterprises.stage_of(e)
            sheet.rows.append(
                [
                    register.name if register is not None else "",
                    e.name,
                    e.zone,
                    self.labels.choice(enterprises.OWNERSHIPS, e.ownership),
                    e.workers,
                    e.young_workers,
                    self.labels.yes_no(enterprises.has(e, Stage.TRADE_UNION)),
                    e.stages.get(Stage.TRADE_UNION.value),
                    self.labels.yes_no(enterprises.has(e, Stage.YOUTH_UNION)),
                    e.stages.get(Stage.YOUTH_UNION.value),
                    e.youth_union_members,
                    e.party_members,
                    e.members_elsewhere,
                    _capitalised(self.t(STAGE_NAMES[stage])),
                    e.stages.get(stage.value),
                    self.labels.yes_no(enterprises.could_found(e)),
                    cell.name if cell is not None else "",
                    cell.code if cell is not None else "",
                    names.get(e.assigned_to, "") if e.assigned_to is not None else "",
                    e.last_contact,
                    e.contacts,
                ]
            )
        return sheet

    async def table(
        self, table: str, sheet: Sheet, make: Callable[[q.RecordRow], list[Value]], progress: Progress
    ) -> Sheet:
        async for batch in q.records(self.db, table, self.request.unit_ids, self.request.period):
            sheet.rows.extend(make(record) for record in batch)
            progress.done += len(batch)
        return sheet

    def person_row(self, person: q.PersonRow, calendar: WorkingCalendar) -> list[Value]:
        v, steps = person.values, person.steps
        pipeline = pipeline_of(steps)
        tally = self.cell(person.unit_id)
        tally.people += 1
        for step_name, day in steps.items():
            if step_name in Step.__members__.values() and self.request.period.holds(day):
                step = Step(step_name)
                tally.steps[step] = tally.steps.get(step, 0) + 1
        vote = person.step_details.get(Step.CELL_VOTE, {})
        decision = person.step_details.get(Step.ADMISSION_DECISION, {})
        probation = probation_end(pipeline)
        recognition = (
            recognition_deadline(pipeline, calendar) if Step.WITHDREW not in pipeline.steps else None
        )
        last = pipeline.last
        return [
            *self.place(person.unit_id),
            v["full_name"],
            v["birth_year"],
            self.labels.choice(GENDERS, v["gender"]),
            self.labels.choice(POSITIONS, v["position"]),
            self.labels.yes_no(v["youth_union"]),
            v["helper1"],
            v["helper2"],
            steps.get(Step.SOURCE),
            steps.get(Step.AWARENESS_CLASS),
            steps.get(Step.APPLICATION),
            steps.get(Step.CELL_VOTE),
            vote.get("votes_for"),
            vote.get("official_members"),
            steps.get(Step.ADMISSION_DECISION),
            decision.get("decision_number"),
            steps.get(Step.CEREMONY),
            probation.due if probation is not None else None,
            recognition.due if recognition is not None else None,
            steps.get(Step.RECOGNITION),
            steps.get(Step.NOT_RECOGNISED),
            steps.get(Step.WITHDREW),
            _capitalised(self.t(STEP_NAMES[last])) if last is not None else "",
            v["note"],
            self.noted.get(person.id, 0) if steps.get(Step.CEREMONY) else None,
            *self.entered(person.author, person.created_at),
            *self.reviewed(self.returned_person.get(person.id, [])),
        ]

    def meeting(self, record: q.RecordRow) -> list[Value]:
        v = record.values
        total, present = int(v["total"]), int(v["present"])
        attendance = present / total if total else None
        tally = self.cell(record.unit_id)
        tally.meetings += 1
        if v["kind"] in ("thematic", "both"):
            tally.thematic += 1
        if attendance is not None:
            tally.attendance.append(attendance)
        return [
            *self.place(record.unit_id),
            _day(v["on_date"]),
            self.labels.choice(MEETING_KINDS, v["kind"]),
            v["minutes"],
            total,
            present,
            v["absent_with_reason"],
            v["absent_without_reason"],
            attendance,
            v["topic"],
            *self.entered(record.author, record.created_at),
            *self.reviewed(self.returned.get(("meeting", record.id), [])),
        ]

    def activity(self, record: q.RecordRow) -> list[Value]:
        v = record.values
        photo_id = photos.kept_id(v["photo_file_id"])
        if photo_id is not None:
            self.kept.append((record, photo_id))
        tally = self.cell(record.unit_id)
        tally.activities += 1
        tally.participants += int(v["participants"])
        return [
            *self.place(record.unit_id),
            _day(v["on_date"]),
            self.labels.choice(ACTIVITY_KINDS, v["kind"]),
            v["title"],
            v["participants"],
            v["note"],
            self.labels.yes_no(v["photo_file_id"]),
            *self.entered(record.author, record.created_at),
            *self.reviewed(self.returned.get(("activity", record.id), [])),
        ]

    def transfer(self, record: q.RecordRow) -> list[Value]:
        v = record.values
        tally = self.cell(record.unit_id)
        if v["direction"] == "in":
            tally.transfers_in += 1
        else:
            tally.transfers_out += 1
        facts = transfer_facts(
            TransferRow(
                id=record.id,
                unit_id=record.unit_id,
                member_name=str(v["member_name"]),
                kind=str(v["kind"]),
                direction=str(v["direction"]),
                on_date=date.fromisoformat(str(v["on_date"])),
                end_date=_day(v["end_date"]),
                letter_date=_day(v["letter_date"]),
                done_on=_day(v["done_on"]),
            )
        )
        due = None
        if facts is not None and self.calendar is not None:
            still_open = open_transfer_deadlines(facts, self.calendar, self.today)
            due = still_open[0].due if still_open else None
        return [
            *self.place(record.unit_id),
            _day(v["on_date"]),
            self.labels.choice(DIRECTIONS, v["direction"]),
            self.labels.choice(TRANSFER_KINDS, v["kind"]),
            self.labels.yes_no(v["study"]),
            v["member_name"],
            _day(v["end_date"]),
            _day(v["letter_date"]),
            _day(v["done_on"]),
            _capitalised(where_it_stands(facts, self.t)) if facts is not None else "",
            due,
            v["note"],
            *self.entered(record.author, record.created_at),
            *self.reviewed(self.returned.get(("transfer", record.id), [])),
        ]

    def enterprise(self, record: q.RecordRow) -> list[Value]:
        v = record.values
        numbers = [
            int(v[k])
            for k in ("workers", "young_workers", "union_members", "youth_union_members", "members_elsewhere")
        ]
        tally = self.cell(record.unit_id)
        on_date = str(v["on_date"])
        if tally.enterprise is None or on_date >= tally.enterprise[0]:
            tally.enterprise = (on_date, numbers)
        return [
            *self.place(record.unit_id),
            _day(on_date),
            v["name"],
            v["zone"],
            *numbers,
            *self.entered(record.author, record.created_at),
            *self.reviewed(self.returned.get(("enterprise", record.id), [])),
        ]

    def summary(self) -> Sheet:
        sheet = Sheet(SHEET_SUMMARY, SUMMARY_COLUMNS)
        ordered = sorted(self.tally.items(), key=lambda item: str(self.place(item[0])[2]))
        for unit_id, tally in ordered:
            attendance = sum(tally.attendance) / len(tally.attendance) if tally.attendance else None
            row: list[Value] = [
                *self.place(unit_id),
                tally.people,
                *(tally.steps.get(step, 0) for step in SUMMARY_STEPS),
                tally.meetings,
                tally.thematic,
                attendance,
                tally.activities,
                tally.participants,
                tally.transfers_in,
                tally.transfers_out,
                *(tally.enterprise[1] if tally.enterprise is not None else [None] * 5),
            ]
            sheet.rows.append(row)
        if sheet.rows:
            all_attendance = [a for tally in self.tally.values() for a in tally.attendance]
            totals: list[Value] = [self.t("Total"), "", ""]
            for index in range(3, len(SUMMARY_COLUMNS)):
                if SUMMARY_COLUMNS[index].format is Format.PERCENT:
                    totals.append(sum(all_attendance) / len(all_attendance) if all_attendance else None)
                else:
                    totals.append(sum(_whole(r[index]) for r in sheet.rows))
            sheet.rows.append(totals)
        return sheet


async def collect(
    db: Queryable,
    request: ExportRequest,
    t: Translator,
    tz: ZoneInfo,
    progress: Progress | None = None,
    keeper: PhotoKeeper | None = None,
    *,
    today: date | None = None,
    culture_day_off: bool = False,
) -> list[Sheet]:
    """Return the sheets of an export: the summary first, then one sheet per kind of record, then the
    kept photos of the activities (when there are any).

    today: the day the transfers' next deadlines are worked out for (today in `tz` when not given).
    """
    day = today if today is not None else datetime.now(tz).date()
    return await _Collector(db, request, t, tz, keeper, today=day, culture_day_off=culture_day_off).collect(
        progress or Progress()
    )


def _thumbnail(data: bytes) -> bytes | None:
    """Return a small JPEG of a kept photo (None when it cannot be read any more)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail(THUMBNAIL)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=80)
    except Exception:
        return None
    return buffer.getvalue()


# ----- the workbook ------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="9C1C1C")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


def sheet_title(text: str, taken: set[str]) -> str:
    """Return a title Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in text).strip() or "Sheet"
    title = cleaned[:31]
    number = 2
    while title.casefold() in taken:
        suffix = f" ({number})"
        title = cleaned[: 31 - len(suffix)] + suffix
        number += 1
    taken.add(title.casefold())
    return title


def _width(column: Column, header: str, rows: list[list[Value]], index: int) -> float:
    longest = max((len(w) for w in header.split()), default=0) + 2
    for row in rows[:300]:
        value = row[index]
        if isinstance(value, str):
            longest = max(longest, min(len(value), MAX_WIDTH))
    if column.format is Format.DATE:
        longest = max(longest, 11)
    return float(min(max(column.width, longest), MAX_WIDTH))


def _cell(ws: WriteOnlyWorksheet, column: Column, value: Value) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        cleaned = ILLEGAL_CHARACTERS_RE.sub("", value)
        if cleaned.startswith("="):
            # Text a user typed is never a formula (a note "=HYPERLINK(...)" stays a note).
            cell = WriteOnlyCell(ws, value=cleaned)
            cell.data_type = "s"
            return cell
        return cleaned
    if column.format is Format.DATE and isinstance(value, date):
        cell = WriteOnlyCell(ws)
        cell.value = value
        cell.number_format = DATE_FORMAT
        return cell
    if column.format is Format.PERCENT:
        cell = WriteOnlyCell(ws)
        cell.value = value
        cell.number_format = "0%"
        return cell
    return value


def build_workbook(sheets: list[Sheet], t: Translator, progress: Progress | None = None) -> bytes:
    """Return the .xlsx bytes of the sheets: frozen bold headers, widths, filters, typed cells."""
    progress = progress or Progress()
    progress.phase = "write"
    progress.total = sum(len(s.rows) for s in sheets)
    progress.done = 0
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for sheet in sheets:
        ws = workbook.create_sheet(sheet_title(t(sheet.title), taken))
        headers = [t(c.header) for c in sheet.columns]
        for index, column in enumerate(sheet.columns):
            letter = get_column_letter(index + 1)
            ws.column_dimensions[letter].width = _width(column, headers[index], sheet.rows, index)
        ws.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=header)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header_cells.append(cell)
        ws.append(header_cells)
        columns = sheet.columns
        for number, row in enumerate(sheet.rows, 1):
            ws.append([_cell(ws, columns[i], v) for i, v in enumerate(row)])
            if number % PROGRESS_EVERY == 0:
                progress.done += PROGRESS_EVERY
        progress.done += len(sheet.rows) % PROGRESS_EVERY
        beside = get_column_letter(len(columns) + 1)
        for at, picture in sheet.pictures:
            ws.add_image(XLImage(io.BytesIO(picture)), f"{beside}{at + 2}")
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(sheet.rows) + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    progress.phase = "done"
    return buffer.getvalue()


def file_name(unit: Unit, now: datetime, tz: ZoneInfo) -> str:
    """Return the name of an export file: chibo-<unit code>-<local date and time>.xlsx."""
    return f"chibo-{unit.code}-{now.astimezone(tz):%Y%m%d-%H%M}.xlsx"


async def record(
    db: Database, actor_id: int | None, request: ExportRequest, result: ExportFile, now: datetime
) -> None:
    """Write in the audit log who exported what: exports carry personal data."""
    start, end = request.period.start, request.period.end
    async with db.transaction() as tx:
        await audit.record(
            tx,
            now,
            actor_id,
            EXPORT_ACTION,
            unit_id=request.unit.id,
            new={
                "rows": result.rows,
                "from": start.isoformat() if start else None,
                "to": end.isoformat() if end else None,
            },
        )


async def run(
    db: Queryable,
    request: ExportRequest,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    progress: Progress | None = None,
    keeper: PhotoKeeper | None = None,
    *,
    culture_day_off: bool = False,
) -> ExportFile:
    """Read the records and write the workbook (in a thread, so the bot goes on answering)."""
    progress = progress or Progress()
    today = now.astimezone(tz).date()
    sheets = await collect(db, request, t, tz, progress, keeper, today=today, culture_day_off=culture_day_off)
    data = await asyncio.to_thread(build_workbook, sheets, t, progress)
    counts = {s.title: len(s.rows) for s in sheets if s.title not in (SHEET_SUMMARY, SHEET_PHOTOS)}
    return ExportFile(file_name(request.unit, now, tz), data, counts)
