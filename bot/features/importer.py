"""The Excel import: the blank template, reading a filled one, checking every row, and loading it.

An admin loads the units and people the committee office already keeps in Excel, and the enterprise
register the zone management boards keep (every enterprise of the zones, with a cell or not). Every row is
checked with the rules the forms use (the same parsers, the pipeline's order of steps, the 2/3
rule of a cell vote, the refusal of ID-like numbers, the unit code and name rules of /addunit),
against the database as it is; the admin sees what would be added and which rows are wrong, by row
number, and loads the file only after confirming. The load re-checks everything inside one
transaction, so a bad file, or a file that became wrong meanwhile, changes nothing.

Columns are found by their headers, in either language and in any order; columns the template
does not have are not read (an export's people sheet imports as it is). Nothing here knows about
Telegram.
"""

from __future__ import annotations

import asyncio
import io
import logging
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from markupsafe import Markup
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from bot.config import SUPPORTED_LOCALES
from bot.errors import UserError
from bot.features.admin import CODE_RE, account_label, clean_name
from bot.features.enterprises import OWNERSHIPS
from bot.features.transfers import close_matching_out
from bot.forms.definitions import DIRECTIONS, GENDERS, POSITIONS, TRANSFER_KINDS, VOTE_FAILED
from bot.forms.fields import (
    Choice,
    Invalid,
    fold,
    match_option,
    parse_date,
    parse_int,
    parse_name,
    parse_text,
    parse_yesno,
)
from bot.i18n import N_, Translator, translator
from bot.rules.deadlines import Direction, TransferKind, temporary_length_refusal, vote_passes, votes_needed
from bot.rules.enterprises import Stage as EnterpriseStage
from bot.rules.pipeline import ORDER, Pipeline, Step, explain_refusal
from bot.rules.privacy import ID_NUMBER_MESSAGE, cell_looks_like_id_number
from bot.rules.regulations import MIN_OFFICIAL_MEMBERS
from storage import audit, data_ops, records, units, users
from storage import enterprises as enterprise_register
from storage import transfers as transfer_store
from storage.database import Database, Queryable
from storage.names import name_key

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# Rows read at all, empty ones included: a small file can hold millions of empty rows, and reading
# them is work too (a 100 kB file of 3 million took seconds). The template itself has 1,000.
MAX_SCANNED_ROWS = 50_000
SHOWN_ERRORS = 40
AUDIT_ACTION = "data.import"

# The order in which a person's steps are checked: the main line, then the two other endings.
SEQUENCE: tuple[Step, ...] = (*ORDER, Step.NOT_RECOGNISED, Step.WITHDREW)


@dataclass(frozen=True)
class TemplateColumn:
    """A column of the template: its key, header and help (catalog messages)."""

    key: str
    header: str
    help: str
    required: bool = False
    is_date: bool = False
    width: int = 16


STEP_HELP = N_(
    "The date of this step, if the person reached it (dd/mm/yyyy). Steps follow the order of the "
    "admission, each on or after the one before."
)
UNIT_COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn(
        "code",
        N_("Code"),
        N_("The unit's code: 1 to 32 letters a-z, digits, - or _ (for example cb-honda). It must be new."),
        required=True,
    ),
    TemplateColumn(
        "parent",
        N_("Parent code"),
        N_(
            "The code of the committee the unit belongs to: one that exists already, or one in this "
            "sheet. Empty: directly under the root committee."
        ),
    ),
    TemplateColumn(
        "name", N_("Name"), N_("The unit's full name, 2 to 120 characters."), required=True, width=36
    ),
)
PEOPLE_COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn(
        "cell",
        N_("Cell code"),
        N_("The code of the person's cell: one that exists already, or one in the units sheet."),
        required=True,
    ),
    TemplateColumn(
        "full_name", N_("Full name"), N_("Full name, 2 to 100 characters."), required=True, width=26
    ),
    TemplateColumn("birth_year", N_("Year of birth"), N_("Four digits, for example 1995."), required=True),
    TemplateColumn("gender", N_("Gender"), N_("One of: {choices}."), required=True),
    TemplateColumn("position", N_("Position"), N_("One of: {choices}."), required=True, width=20),
    TemplateColumn("youth_union", N_("Youth Union member"), N_("Yes or no."), required=True),
    TemplateColumn(
        "helper1",
        N_("First helping member"),
        N_("Name of the first party member assigned to help."),
        required=True,
        width=24,
    ),
    TemplateColumn(
        "helper2",
        N_("Second helping member"),
        N_("Name of the second party member assigned to help (another person than the first)."),
        required=True,
        width=24,
    ),
    TemplateColumn(
        Step.SOURCE.value,
        N_("Source since"),
        N_("Since when the cell has counted the person as a source (dd/mm/yyyy)."),
        required=True,
        is_date=True,
    ),
    TemplateColumn(Step.AWARENESS_CLASS.value, N_("Awareness class"), STEP_HELP, is_date=True),
    TemplateColumn(Step.APPLICATION.value, N_("Application"), STEP_HELP, is_date=True),
    TemplateColumn(Step.CELL_VOTE.value, N_("Cell vote"), STEP_HELP, is_date=True),
    TemplateColumn(
        "votes_for",
        N_("Votes in favour"),
        N_("With a cell vote: how many official members voted in favour (at least two thirds)."),
    ),
    TemplateColumn(
        "official_members",
        N_("Official members"),
        N_("With a cell vote: how many official members the cell had (3 or more)."),
    ),
    TemplateColumn(Step.ADMISSION_DECISION.value, N_("Admission decision"), STEP_HELP, is_date=True),
    TemplateColumn(
        "decision_number",
        N_("Decision number"),
        N_("With an admission decision: its number (for example 125-QĐ/ĐU)."),
    ),
    TemplateColumn(Step.CEREMONY.value, N_("Admission ceremony"), STEP_HELP, is_date=True),
    TemplateColumn(Step.RECOGNITION.value, N_("Recognition"), STEP_HELP, is_date=True),
    TemplateColumn(Step.NOT_RECOGNISED.value, N_("Not recognised"), STEP_HELP, is_date=True),
    TemplateColumn(Step.WITHDREW.value, N_("Withdrew"), STEP_HELP, is_date=True),
    TemplateColumn("note", N_("Note"), N_("A short note, at most 500 characters (optional)."), width=30),
)
ENTERPRISE_COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn(
        "name",
        N_("Enterprise"),
        N_("The enterprise's name, 2 to 150 characters. The enterprise is the subject: no owner's name."),
        required=True,
        width=34,
    ),
    TemplateColumn(
        "zone",
        N_("Zone"),
        N_("The industrial zone or cluster, for example KCN Thụy Vân."),
        required=True,
        width=20,
    ),
    TemplateColumn("ownership", N_("Ownership"), N_("One of: {choices}."), required=True, width=22),
    TemplateColumn("workers", N_("Workers"), N_("How many workers it employs."), required=True),
    TemplateColumn(
        "young_workers",
        N_("Young workers (under 30)"),
        N_("Of the workers, how many are under 30."),
        required=True,
    ),
    TemplateColumn("trade_union", N_("Trade union"), N_("Yes or no."), required=True),
    TemplateColumn("youth_union", N_("Youth Union branch"), N_("Yes or no."), required=True),
    TemplateColumn(
        "youth_union_members",
        N_("Youth Union members"),
        N_("Members of its Youth Union branch (empty: none)."),
    ),
    TemplateColumn(
        "party_members",
        N_("Party members working there"),
        N_("How many party members work there (empty: none)."),
    ),
    TemplateColumn(
        "members_elsewhere",
        N_("Members registered elsewhere"),
        N_("Of them, how many are still registered where they live (empty: none)."),
    ),
    TemplateColumn(
        "register",
        N_("Committee code"),
        N_("The code of the committee whose register it joins. Empty: the root committee."),
    ),
    TemplateColumn(
        "cell",
        N_("Cell code"),
        N_(
            "The code of its party cell, if it has one: a cell that exists already, or one in the units "
            "sheet."
        ),
    ),
    TemplateColumn(
        "member",
        N_("Working group member"),
        N_("The committee member who follows it: their name or their id, as /users shows it (optional)."),
        width=22,
    ),
)
TRANSFER_DATE_HELP = N_("A date (dd/mm/yyyy), up to today, not before the transfer's first date.")
TRANSFER_COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn(
        "cell",
        N_("Cell code"),
        N_(
            "The code of the cell that records the transfer: one that exists already, or one in the "
            "units sheet."
        ),
        required=True,
    ),
    TemplateColumn(
        "member_name",
        N_("Member"),
        N_("Full name of the member, 2 to 100 characters."),
        required=True,
        width=26,
    ),
    TemplateColumn("direction", N_("Direction"), N_("One of: {choices}."), required=True, width=22),
    TemplateColumn("kind", N_("Kind"), N_("One of: {choices}."), required=True),
    TemplateColumn(
        "on_date",
        N_("Date (decision, letter or first day)"),
        N_(
            "Official transfer out: the day the decision took effect (or the residence changed). Official "
            "transfer in: the date of the introduction letter. Temporary: the first day (dd/mm/yyyy)."
        ),
        required=True,
        is_date=True,
    ),
    TemplateColumn("study", N_("For study"), N_("Temporary transfers: yes or no (empty: no).")),
    TemplateColumn(
        "end_date",
        N_("End date"),
        N_(
            "Temporary transfers only: the last day (3 to under 12 months after the first; for study, "
            "up to 24)."
        ),
        is_date=True,
    ),
    TemplateColumn(
        "letter_date",
        N_("Introduction letter issued"),
        N_("Official transfers out only: the day the introduction letter was issued, if it was."),
        is_date=True,
    ),
    TemplateColumn(
        "done_on",
        N_("Completed on (received, arrived, returned)"),
        TRANSFER_DATE_HELP,
        is_date=True,
    ),
    TemplateColumn("note", N_("Note"), N_("A short note, at most 500 characters (optional)."), width=30),
)
STEP_OF_COLUMN = {c.key: Step(c.key) for c in PEOPLE_COLUMNS if c.is_date}

SHEET_UNITS = N_("Units")
SHEET_PEOPLE = N_("People")
SHEET_ENTERPRISES = N_("Enterprises")
SHEET_TRANSFERS = N_("Transfers")
SHEET_HELP = N_("Help")
# The sheets of the template, and the columns that tell each kind from the others in a file.
SHEETS: tuple[tuple[str, tuple[TemplateColumn, ...], frozenset[str]], ...] = (
    (SHEET_UNITS, UNIT_COLUMNS, frozenset({"code", "name"})),
    (SHEET_PEOPLE, PEOPLE_COLUMNS, frozenset({"cell", "full_name"})),
    (SHEET_ENTERPRISES, ENTERPRISE_COLUMNS, frozenset({"name", "zone", "ownership"})),
    (SHEET_TRANSFERS, TRANSFER_COLUMNS, frozenset({"cell", "member_name", "direction"})),
)
HEADERS = {title: {c.key: c.header for c in columns} for title, columns, _ in SHEETS}

NOT_XLSX = N_(
    "This is not an Excel file (.xlsx) I can read. Save the list as an Excel workbook (.xlsx), or "
    "start from the template of /template."
)
WRONG_COLUMNS = N_(
    "I found no sheet with the columns of the template. The units sheet needs the columns {units}; "
    "the people sheet needs {people}; the enterprises sheet needs {enterprises}; the transfers sheet needs "
    "{transfers}. Get the template with /template."
)
MISSING_COLUMNS = N_("The sheet “{sheet}” lacks these columns: {columns}. Get the template with /template.")


# ----- the template -------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="9C1C1C")


def _choices(choices: Sequence[Choice], t: Translator) -> str:
    return ", ".join(t(c.label) for c in choices)


def column_help(column: TemplateColumn, t: Translator) -> str:
    """Return what to write in a column, in the reader's language."""
    text = t(column.help)
    if column.key == "gender":
        text = text.format(choices=_choices(GENDERS, t))
    elif column.key == "position":
        text = text.format(choices=_choices(POSITIONS, t))
    elif column.key == "ownership":
        text = text.format(choices=_choices(OWNERSHIPS, t))
    elif column.key == "direction":
        text = text.format(choices=_choices(DIRECTIONS, t))
    elif column.key == "kind":
        text = text.format(choices=_choices(TRANSFER_KINDS, t))
    if column.required:
        text += " " + t("Required.")
    return text


def template(t: Translator) -> bytes:
    """Return a blank import template: units, people, enterprises and transfers sheets, and a help sheet."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    workbook.remove(first)
    for title, columns, _ in SHEETS:
        ws = workbook.create_sheet(t(title)[:31])
        for index, column in enumerate(columns, 1):
            cell = ws.cell(row=1, column=index, value=t(column.header))
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.comment = Comment(column_help(column, t), "chibo", width=300, height=120)
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(column.width, len(t(column.header)) // 2 + 4)
            if column.is_date:
                for row in range(2, 1002):
                    ws.cell(row=row, column=index).number_format = "DD/MM/YYYY"
            lists = {
                "gender": [t(c.label) for c in GENDERS],
                "position": [t(c.label) for c in POSITIONS],
                "youth_union": [t("Yes"), t("No")],
                "trade_union": [t("Yes"), t("No")],
                "ownership": [t(c.label) for c in OWNERSHIPS],
                "direction": [t(c.label) for c in DIRECTIONS],
                "kind": [t(c.label) for c in TRANSFER_KINDS],
                "study": [t("Yes"), t("No")],
            }
            if column.key in lists:
                # A drop-down list; Excel wants it as one quoted, comma-separated string.
                options = ",".join(o.replace(",", " ") for o in lists[column.key])
                validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
                validation.add(f"{letter}2:{letter}5000")
                ws.add_data_validation(validation)
        ws.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(t(SHEET_HELP)[:31])
    help_sheet.append([t("How to fill in this template")])
    help_sheet["A1"].font = Font(bold=True, size=13)
    for line in (
        t(
            "Fill in the units, people, enterprises and transfers sheets, or any of them, one row per "
            "unit, person, enterprise or transfer; keep the headers."
        ),
        t(
            "Send the file to chibo after /import: it checks every row first and imports nothing "
            "until you confirm."
        ),
        t("Do not add ID numbers, party card numbers or personal history: chibo refuses them."),
    ):
        help_sheet.append([line])
    help_sheet.append([])
    help_sheet.append([t("Sheet"), t("Column"), t("Required"), t("What to write")])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = Font(bold=True)
    for title, columns, _ in SHEETS:
        for column in columns:
            help_sheet.append(
                [
                    t(title),
                    t(column.header),
                    t("Yes") if column.required else t("No"),
                    column_help(column, t),
                ]
            )
    for letter, width in zip("ABCD", (14, 26, 10, 90), strict=True):
        help_sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ----- reading a file -----------------------------------------------------------------------------


class ImportFileError(UserError):
    """The file cannot be imported at all (not an xlsx, too big, wrong columns)."""


@dataclass(frozen=True)
class RawRow:
    """A row of a sheet: its number in Excel and its values by column key."""

    number: int
    values: dict[str, Any]


@dataclass
class Parsed:
    """What a file holds: the rows of its units and people sheets, and the columns not read."""

    units: list[RawRow] = field(default_factory=list)
    people: list[RawRow] = field(default_factory=list)
    enterprises: list[RawRow] = field(default_factory=list)
    transfers: list[RawRow] = field(default_factory=list)
    unit_sheet: str = ""
    people_sheet: str = ""
    enterprise_sheet: str = ""
    transfer_sheet: str = ""
    ignored_columns: list[str] = field(default_factory=list)

    def rows_of(self, title: str) -> list[RawRow]:
        """Return the rows read for one of the template's sheets."""
        return {
            SHEET_UNITS: self.units,
            SHEET_PEOPLE: self.people,
            SHEET_ENTERPRISES: self.enterprises,
            SHEET_TRANSFERS: self.transfers,
        }[title]

    def sheet_of(self, title: str) -> str:
        """Return the name of the file's sheet read as one of the template's (empty: none)."""
        return {
            SHEET_UNITS: self.unit_sheet,
            SHEET_PEOPLE: self.people_sheet,
            SHEET_ENTERPRISES: self.enterprise_sheet,
            SHEET_TRANSFERS: self.transfer_sheet,
        }[title]

    def set_sheet(self, title: str, name: str) -> None:
        """Remember which sheet of the file was read as one of the template's."""
        if title == SHEET_UNITS:
            self.unit_sheet = name
        elif title == SHEET_PEOPLE:
            self.people_sheet = name
        elif title == SHEET_ENTERPRISES:
            self.enterprise_sheet = name
        else:
            self.transfer_sheet = name


def _header_options(columns: Iterable[TemplateColumn]) -> list[tuple[str, str]]:
    return [(c.key, translator(locale)(c.header)) for locale in SUPPORTED_LOCALES for c in columns]


def _match_headers(
    cells: Sequence[Any], columns: Sequence[TemplateColumn]
) -> tuple[dict[str, int], list[str]]:
    """Return the column index of each key found in a header row, and the headers not known."""
    options = _header_options(columns)
    found: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip().rstrip("*").strip()
        if not text:
            continue
        key = None if text.isdecimal() else match_option(text, options)
        if key is None or key in found:
            unknown.append(text)
        else:
            found[key] = index
    return found, unknown


def _is_blank(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def read_workbook(data: bytes, t: Translator) -> Parsed:
    """Read the units, people and enterprises sheets of a file (found by their headers), or refuse it."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            N_("The file is too big: at most {size} MB. Split it into several files."),
            size=MAX_BYTES // 2**20,
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a file people send can break the reader in any way; it is simply not one we read
        log.info("an import file could not be opened as xlsx", exc_info=True)
        raise ImportFileError(NOT_XLSX) from None
    parsed = Parsed()
    total = 0
    scanned = 0
    try:
        for ws in workbook.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            # People first: a people sheet's headers never pass for another kind's.
            for kind, columns, identifying in sorted(SHEETS, key=lambda sheet: sheet[0] != SHEET_PEOPLE):
                found, unknown = _match_headers(header, columns)
                if not identifying <= set(found):
                    continue
                if parsed.sheet_of(kind):
                    break  # only the first sheet of each kind is read
                missing = [c for c in columns if c.required and c.key not in found]
                if missing:
                    raise ImportFileError(
                        MISSING_COLUMNS,
                        sheet=ws.title,
                        columns=", ".join(t(c.header) for c in missing),
                    )
                target = parsed.rows_of(kind)
                for number, values in enumerate(rows, 2):
                    scanned += 1
                    if scanned > MAX_SCANNED_ROWS:
                        raise ImportFileError(
                            N_(
                                "The file has more than {rows} rows, empty rows included. Delete the "
                                "empty rows below the list, or split it into several files."
                            ),
                            rows=MAX_SCANNED_ROWS,
                        )
                    if values is None or _is_blank(values):
                        continue
                    total += 1
                    if total > MAX_ROWS:
                        raise ImportFileError(
                            N_("The file has more than {rows} rows. Split it into several files."),
                            rows=MAX_ROWS,
                        )
                    target.append(
                        RawRow(
                            number,
                            {k: values[i] if i < len(values) else None for k, i in found.items()},
                        )
                    )
                parsed.set_sheet(kind, ws.title)
                parsed.ignored_columns.extend(unknown)
                break
    except ImportFileError:
        raise
    except Exception:
        log.info("an import file could not be read", exc_info=True)
        raise ImportFileError(NOT_XLSX) from None
    finally:
        workbook.close()
    if not (parsed.unit_sheet or parsed.people_sheet or parsed.enterprise_sheet or parsed.transfer_sheet):
        raise ImportFileError(
            WRONG_COLUMNS,
            units=", ".join(t(c.header) for c in UNIT_COLUMNS if c.required),
            people=", ".join(t(c.header) for c in PEOPLE_COLUMNS if c.required),
            enterprises=", ".join(t(c.header) for c in ENTERPRISE_COLUMNS if c.required),
            transfers=", ".join(t(c.header) for c in TRANSFER_COLUMNS if c.required),
        )
    return parsed


# ----- checking the rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """Why one row cannot be imported: its sheet, row number, column, and a catalog message."""

    sheet: str
    row: int
    column: str | None
    message: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class NewUnit:
    """A unit to add."""

    code: str
    name: str
    parent: str  # a code; "" means the root


@dataclass(frozen=True)
class NewPerson:
    """A person to add, with their steps (step, ISO date, extra values)."""

    cell: str
    values: dict[str, Any]
    steps: list[tuple[Step, str, dict[str, Any]]]


@dataclass(frozen=True)
class NewEnterprise:
    """An enterprise to add to a register (a unit code; "" the root), with its cell and member."""

    register: str
    values: dict[str, Any]
    trade_union: bool
    youth_union: bool
    cell: str  # a unit code, or ""
    member: int | None  # a user id


@dataclass(frozen=True)
class NewTransfer:
    """A transfer to add: its cell's code and its values as the /transfer form stores them."""

    cell: str
    values: dict[str, Any]


@dataclass
class Plan:
    """The outcome of checking a file: what would be added and which rows are wrong."""

    units: list[NewUnit] = field(default_factory=list)
    people: list[NewPerson] = field(default_factory=list)
    enterprises: list[NewEnterprise] = field(default_factory=list)
    transfers: list[NewTransfer] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_with_errors: int = 0

    @property
    def steps(self) -> int:
        """Return the number of steps the people would bring."""
        return sum(len(p.steps) for p in self.people)

    @property
    def empty(self) -> bool:
        """Tell whether the file adds nothing."""
        return not self.units and not self.people and not self.enterprises and not self.transfers


class _Refused(Exception):
    """A value of a row is refused (a column and a catalog message)."""

    def __init__(self, column: str | None, message: str, **params: object) -> None:
        super().__init__(message)
        self.column = column
        self.message = message
        self.params = params


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _refuse_id_numbers(raw: RawRow) -> None:
    """Refuse a row with a cell that holds an ID number (in text, or a number that lost its zeros)."""
    for key, value in raw.values.items():
        if cell_looks_like_id_number(value):
            raise _Refused(key, ID_NUMBER_MESSAGE)


def _refuse(key: str, error: Invalid) -> _Refused:
    return _Refused(key, error.message, **error.params)


def _required(values: dict[str, Any], key: str) -> str:
    text = _text(values.get(key))
    if not text:
        raise _Refused(key, N_("This column cannot be empty."))
    return text


def _date(values: dict[str, Any], key: str, today: date, *, past_only: bool = True) -> str | None:
    raw = values.get(key)
    text = _text(raw)
    if not text:
        return None
    try:
        return parse_date(text, today, past_only=past_only)
    except Invalid as error:
        raise _refuse(key, error) from None


def _int(values: dict[str, Any], key: str, minimum: int, maximum: int) -> int:
    try:
        return parse_int(_required(values, key), minimum, maximum)
    except Invalid as error:
        raise _refuse(key, error) from None


def _choice(values: dict[str, Any], key: str, choices: Sequence[Choice]) -> str:
    text = _required(values, key)
    options = [(c.value, translator(locale)(c.label)) for locale in SUPPORTED_LOCALES for c in choices]
    options += [(c.value, c.value) for c in choices]
    chosen = None if text.isdecimal() else match_option(text, options)
    if chosen is None:
        raise _Refused(
            key,
            N_("Write one of: {choices}."),
            choices="; ".join(translator("vi")(c.label) for c in choices),
        )
    return chosen


def _name(values: dict[str, Any], key: str) -> str:
    try:
        return parse_name(_required(values, key))
    except Invalid as error:
        raise _refuse(key, error) from None


def _step_refusal(t: Translator, pipeline: Pipeline, step: Step, when: date) -> _Refused | None:
    explained = explain_refusal(pipeline, step, when, t)
    return None if explained is None else _Refused(step.value, explained[0], **explained[1])


def _person(values: dict[str, Any], t: Translator, today: date) -> NewPerson:
    """Check one row of the people sheet with the rules of /candidate and /progress."""
    cell = _required(values, "cell").lower()
    full_name = _name(values, "full_name")
    birth_year = _int(values, "birth_year", 1940, today.year - 15)
    gender = _choice(values, "gender", GENDERS)
    position = _choice(values, "position", POSITIONS)
    try:
        youth_union = parse_yesno(_required(values, "youth_union"))
    except Invalid:
        raise _Refused("youth_union", N_("Write yes or no.")) from None
    helper1 = _name(values, "helper1")
    helper2 = _name(values, "helper2")
    if name_key(helper1) == name_key(helper2):
        raise _Refused("helper2", N_("The two helping members must be two different people."))
    note_text = _text(values.get("note"))
    try:
        note = parse_text(note_text, maximum=500) if note_text else None
    except Invalid as error:
        raise _refuse("note", error) from None
    dates = {step: _date(values, step.value, today) for step in SEQUENCE}
    if dates[Step.SOURCE] is None:
        raise _Refused(Step.SOURCE.value, N_("This column cannot be empty."))
    extras: dict[Step, dict[str, Any]] = {}
    vote_given = any(_text(values.get(k)) for k in ("votes_for", "official_members"))
    if dates[Step.CELL_VOTE] is not None:
        votes = _int(values, "votes_for", 0, 500)
        members = _int(values, "official_members", MIN_OFFICIAL_MEMBERS, 500)
        if votes > members:
            raise _Refused(
                "votes_for",
                N_("Votes in favour ({votes}) cannot be more than the official members."),
                votes=votes,
            )
        if not vote_passes(votes, members):
            raise _Refused("votes_for", VOTE_FAILED, need=votes_needed(members), members=members, votes=votes)
        extras[Step.CELL_VOTE] = {"votes_for": votes, "official_members": members}
    elif vote_given:
        raise _Refused("votes_for", N_("This is filled in, but the step it belongs to has no date."))
    number_text = _text(values.get("decision_number"))
    if dates[Step.ADMISSION_DECISION] is not None:
        try:
            number = parse_text(_required(values, "decision_number"), maximum=50)
        except Invalid as error:
            raise _refuse("decision_number", error) from None
        extras[Step.ADMISSION_DECISION] = {"decision_number": number}
    elif number_text:
        raise _Refused("decision_number", N_("This is filled in, but the step it belongs to has no date."))
    pipeline = Pipeline()
    steps: list[tuple[Step, str, dict[str, Any]]] = []
    for step in SEQUENCE:
        when = dates[step]
        if when is None:
            continue
        refused = _step_refusal(t, pipeline, step, date.fromisoformat(when))
        if refused is not None:
            raise refused
        pipeline = Pipeline({**pipeline.steps, step: date.fromisoformat(when)})
        steps.append((step, when, extras.get(step, {})))
    person_values = {
        "full_name": full_name,
        "birth_year": birth_year,
        "gender": gender,
        "position": position,
        "youth_union": int(youth_union),
        "helper1": helper1,
        "helper2": helper2,
        "note": note,
    }
    return NewPerson(cell, person_values, steps)


def _count(values: dict[str, Any], key: str, maximum: int) -> int:
    """Return an optional count (empty: 0)."""
    return _int(values, key, 0, maximum) if _text(values.get(key)) else 0


def _yes_no(values: dict[str, Any], key: str) -> bool:
    try:
        return parse_yesno(_required(values, key))
    except Invalid:
        raise _Refused(key, N_("Write yes or no.")) from None


def _enterprise(values: dict[str, Any]) -> NewEnterprise:
    """Check one row of the enterprises sheet with the rules of the register's form."""
    try:
        name = unicodedata.normalize("NFC", parse_name(_required(values, "name"), maximum=150))
    except Invalid as error:
        raise _refuse("name", error) from None
    try:
        zone = unicodedata.normalize("NFC", parse_text(_required(values, "zone"), minimum=2, maximum=100))
    except Invalid as error:
        raise _refuse("zone", error) from None
    ownership = _choice(values, "ownership", OWNERSHIPS)
    workers = _int(values, "workers", 0, 500_000)
    figures = {"workers": workers}
    for key in ("young_workers", "youth_union_members", "party_members"):
        number = _int(values, key, 0, 500_000) if key == "young_workers" else _count(values, key, 500_000)
        if number > workers:
            raise _Refused(key, N_("This cannot be more than the workers ({limit})."), limit=workers)
        figures[key] = number
    elsewhere = _count(values, "members_elsewhere", 500_000)
    if elsewhere > figures["party_members"]:
        raise _Refused(
            "members_elsewhere",
            N_("This cannot be more than the party members working there ({limit})."),
            limit=figures["party_members"],
        )
    trade_union, youth_union = _yes_no(values, "trade_union"), _yes_no(values, "youth_union")
    if figures["youth_union_members"] and not youth_union:
        raise _Refused(
            "youth_union_members",
            N_(
                "Youth Union members are given, but no Youth Union branch: write yes there, or leave "
                "this empty."
            ),
        )
    return NewEnterprise(
        register=_text(values.get("register")).lower(),
        values={
            "name": name,
            "zone": zone,
            "ownership": ownership,
            **figures,
            "members_elsewhere": elsewhere,
        },
        trade_union=trade_union,
        youth_union=youth_union,
        cell=_text(values.get("cell")).lower(),
        member=None,
    )


def _transfer(values: dict[str, Any], today: date) -> NewTransfer:
    """Check one row of the transfers sheet with the rules of /transfer and its steps."""
    cell = _required(values, "cell").lower()
    member = _name(values, "member_name")
    direction = _choice(values, "direction", DIRECTIONS)
    kind = _choice(values, "kind", TRANSFER_KINDS)
    first = _date(values, "on_date", today)
    if first is None:
        raise _Refused("on_date", N_("This column cannot be empty."))
    temporary = kind == TransferKind.TEMPORARY
    study_text = _text(values.get("study"))
    try:
        study = parse_yesno(study_text) if study_text else False
    except Invalid:
        raise _Refused("study", N_("Write yes or no.")) from None
    end = _date(values, "end_date", today, past_only=False)
    letter = _date(values, "letter_date", today)
    done = _date(values, "done_on", today)
    if temporary and end is None:
        raise _Refused("end_date", N_("This column cannot be empty."))
    if not temporary and (end is not None or study):
        raise _Refused("end_date" if end else "study", N_("Only a temporary transfer has this."))
    if letter is not None and (kind, direction) != (TransferKind.OFFICIAL, Direction.OUT):
        raise _Refused("letter_date", N_("Only an official transfer out has this."))
    if temporary and end is not None:
        refused = temporary_length_refusal(date.fromisoformat(first), date.fromisoformat(end), study)
        if refused is not None:
            raise _Refused("end_date", refused, start=f"{date.fromisoformat(first):%d/%m/%Y}")
    for key, later, earlier in (("letter_date", letter, first), ("done_on", done, letter or first)):
        if later is not None and later < earlier:
            raise _Refused(
                key,
                N_("This date cannot be before {earlier}."),
                earlier=f"{date.fromisoformat(earlier):%d/%m/%Y}",
            )
    note_text = _text(values.get("note"))
    try:
        note = parse_text(note_text, maximum=500) if note_text else None
    except Invalid as error:
        raise _refuse("note", error) from None
    return NewTransfer(
        cell,
        {
            "member_name": member,
            "direction": direction,
            "kind": kind,
            "study": int(study),
            "on_date": first,
            "end_date": end,
            "letter_date": letter,
            "done_on": done,
            "note": note,
        },
    )


@dataclass
class _Snapshot:
    """What the checks need to know of the database."""

    units: dict[str, tuple[int, bool]]  # code -> (id, has units under it or is the root)
    with_secretary: set[int]
    people: set[tuple[int, str, int]]  # (unit id, folded name, birth year) of live people
    register: enterprise_register.ImportSnapshot
    parents: dict[int, int | None]  # unit id -> its parent


async def _snapshot(db: Queryable) -> _Snapshot:
    parents = {u.id: u.parent_id for u in await units.all_units(db)}
    return _Snapshot(
        register=await enterprise_register.import_snapshot(db),
        parents=parents,
        units={code.lower(): (unit_id, committee) for unit_id, code, committee in await units.codes(db)},
        with_secretary=await users.cells_with_secretary(db),
        people={(unit, name_key(name), year) for unit, name, year in await records.live_people_keys(db)},
    )


def _ordered_units(new: dict[str, tuple[int, NewUnit]], known: set[str]) -> tuple[list[NewUnit], list[int]]:
    """Return the new units parents first, and the rows of those whose parent chain never ends."""
    ordered: list[NewUnit] = []
    placed = set(known)
    waiting = dict(new)
    while waiting:
        ready = [code for code, (_, unit) in waiting.items() if not unit.parent or unit.parent in placed]
        if not ready:
            return ordered, sorted(row for row, _ in waiting.values())
        for code in ready:
            ordered.append(waiting.pop(code)[1])
            placed.add(code)
    return ordered, []


async def check(db: Queryable, parsed: Parsed, t: Translator, today: date) -> Plan:
    """Check every row of a file against the rules and the database; change nothing."""
    snapshot = await _snapshot(db)
    # Thousands of rows are plain CPU work: in a thread, so the bot goes on answering others.
    return await asyncio.to_thread(_check_rows, snapshot, parsed, t, today)


def _check_rows(snapshot: _Snapshot, parsed: Parsed, t: Translator, today: date) -> Plan:
    """Check the rows of a file against the rules and what the database held."""
    plan = Plan()
    bad_rows: set[tuple[str, int]] = set()

    def fail(sheet: str, row: int, column: str | None, message: str, **params: object) -> None:
        plan.errors.append(RowError(sheet, row, column, message, params))
        bad_rows.add((sheet, row))

    # Units: codes and names as /addunit checks them; parents exist here or in the file.
    new_units: dict[str, tuple[int, NewUnit]] = {}
    for raw in parsed.units:
        try:
            _refuse_id_numbers(raw)
            code = _required(raw.values, "code").lower()
            if not CODE_RE.match(code):
                raise _Refused(
                    "code", N_("A unit code has 1 to 32 letters a-z, digits, - or _, for example: cb-honda.")
                )
            if code in snapshot.units or code in new_units:
                raise _Refused("code", N_("The code {code} is taken already."), code=code)
            try:
                name = clean_name(_required(raw.values, "name"), maximum=120)
            except UserError as error:
                raise _Refused("name", error.message, **error.params) from None
            parent = _text(raw.values.get("parent")).lower()
            new_units[code] = (raw.number, NewUnit(code, name, parent))
        except _Refused as refused:
            fail(SHEET_UNITS, raw.number, refused.column, refused.message, **refused.params)
    for code, (row, unit) in list(new_units.items()):
        if not unit.parent:
            continue
        if unit.parent == code or (unit.parent not in snapshot.units and unit.parent not in new_units):
            fail(
                SHEET_UNITS,
                row,
                "parent",
                N_("There is no unit with code {code}. See /units."),
                code=unit.parent,
            )
            del new_units[code]
        elif unit.parent in snapshot.units and snapshot.units[unit.parent][0] in snapshot.with_secretary:
            fail(
                SHEET_UNITS,
                row,
                "parent",
                N_("{parent} is a cell with a secretary; a cell cannot have units under it."),
                parent=unit.parent,
            )
            del new_units[code]
    plan.units, looping = _ordered_units(new_units, set(snapshot.units))
    for row in looping:
        fail(
            SHEET_UNITS,
            row,
            "parent",
            N_("These units are each other's parents; one of them must come first."),
        )
    # A unit that gets units under it in this file is a committee from now on.
    children_in_file = {unit.parent for unit in plan.units if unit.parent}

    # People: the rules of the forms, in a cell that exists here or in the file.
    file_cells = {u.code for u in plan.units if u.code not in children_in_file}
    seen: set[tuple[str, str, int]] = set()
    for raw in parsed.people:
        try:
            _refuse_id_numbers(raw)
            person = _person(raw.values, t, today)
            known = snapshot.units.get(person.cell)
            if known is None and person.cell not in file_cells:
                if person.cell in new_units or person.cell in children_in_file:
                    raise _Refused(
                        "cell", N_("{unit} is a committee: people belong to a cell."), unit=person.cell
                    )
                raise _Refused("cell", N_("There is no unit with code {code}. See /units."), code=person.cell)
            if known is not None and (known[1] or person.cell in children_in_file):
                raise _Refused(
                    "cell", N_("{unit} is a committee: people belong to a cell."), unit=person.cell
                )
            name, year = person.values["full_name"], person.values["birth_year"]
            key = (person.cell, name_key(name), year)
            if (known is not None and (known[0], key[1], year) in snapshot.people) or key in seen:
                raise _Refused(
                    "full_name",
                    N_("{name} (born {year}) is already in this cell's list."),
                    name=name,
                    year=year,
                )
            seen.add(key)
            plan.people.append(person)
        except _Refused as refused:
            fail(SHEET_PEOPLE, raw.number, refused.column, refused.message, **refused.params)
    _check_enterprises(snapshot, parsed, plan, fail, children_in_file)
    # Transfers: the rules of /transfer, in a cell that exists here or in the file.
    for raw in parsed.transfers:
        try:
            transfer = _transfer(raw.values, today)
            known = snapshot.units.get(transfer.cell)
            if known is None and transfer.cell not in file_cells:
                if transfer.cell in new_units or transfer.cell in children_in_file:
                    raise _Refused(
                        "cell", N_("{unit} is a committee: transfers belong to a cell."), unit=transfer.cell
                    )
                raise _Refused(
                    "cell", N_("There is no unit with code {code}. See /units."), code=transfer.cell
                )
            if known is not None and (known[1] or transfer.cell in children_in_file):
                raise _Refused(
                    "cell", N_("{unit} is a committee: transfers belong to a cell."), unit=transfer.cell
                )
            plan.transfers.append(transfer)
        except _Refused as refused:
            fail(SHEET_TRANSFERS, raw.number, refused.column, refused.message, **refused.params)
    plan.rows_with_errors = len(bad_rows)
    order = [title for title, _, _ in SHEETS]
    plan.errors.sort(key=lambda e: (order.index(e.sheet), e.row))
    return plan


Fail = Callable[..., None]


def _ancestors(parents: dict[int, int | None], unit_id: int | None) -> set[int]:
    """Return a unit and the units above it."""
    found: set[int] = set()
    while unit_id is not None and unit_id not in found:
        found.add(unit_id)
        unit_id = parents.get(unit_id)
    return found


def _check_enterprises(
    snapshot: _Snapshot, parsed: Parsed, plan: Plan, fail: Fail, children_in_file: set[str]
) -> None:
    """Check the enterprises sheet: the register form's rules, a committee and a cell that exist here
    or in the file, a cell of one enterprise only, a working group member over the register."""
    known = snapshot.register
    new_codes = {u.code: u for u in plan.units}
    file_cells = {code for code in new_codes if code not in children_in_file}
    zones = {fold(z): z for z in known.zones}
    taken: set[tuple[int | str, str, str]] = {
        (unit_id, fold(name), fold(zone)) for unit_id, name, zone in known.names
    }
    cells_used: set[str] = set()
    for raw in parsed.enterprises:
        try:
            entry = _enterprise(raw.values)
            register: int | str  # an existing unit's id, or the code of one of the file
            if not entry.register:
                register = units.ROOT_ID
            elif entry.register in snapshot.units:
                register = snapshot.units[entry.register][0]
                if register in snapshot.with_secretary:
                    raise _Refused(
                        "register",
                        N_("{unit} is a cell with a secretary: the register is a committee's."),
                        unit=entry.register,
                    )
            elif entry.register in new_codes:
                register = entry.register
            else:
                raise _Refused(
                    "register", N_("There is no unit with code {code}. See /units."), code=entry.register
                )
            if entry.cell:
                cell = snapshot.units.get(entry.cell)
                if cell is None and entry.cell not in file_cells:
                    if entry.cell in new_codes:
                        raise _Refused("cell", N_("{unit} is a committee, not a cell."), unit=entry.cell)
                    raise _Refused(
                        "cell", N_("There is no unit with code {code}. See /units."), code=entry.cell
                    )
                if cell is not None and (cell[1] or entry.cell in children_in_file):
                    raise _Refused("cell", N_("{unit} is a committee, not a cell."), unit=entry.cell)
                if (cell is not None and cell[0] in known.linked_cells) or entry.cell in cells_used:
                    raise _Refused("cell", N_("This cell belongs to another enterprise already."))
            zone = zones.setdefault(fold(entry.values["zone"]), entry.values["zone"])
            key = (register, fold(entry.values["name"]), fold(zone))
            if key in taken:
                raise _Refused(
                    "name", N_("{name} is in the register of this zone already."), name=entry.values["name"]
                )
            member = _member(snapshot, raw.values.get("member"), register, new_codes)
            taken.add(key)
            if entry.cell:
                cells_used.add(entry.cell)
            plan.enterprises.append(replace(entry, values={**entry.values, "zone": zone}, member=member))
        except _Refused as refused:
            fail(SHEET_ENTERPRISES, raw.number, refused.column, refused.message, **refused.params)


def _member(snapshot: _Snapshot, raw: Any, register: int | str, new_codes: dict[str, NewUnit]) -> int | None:
    """Return the committee member a row names (by /users's id or by name), over the row's register."""
    text = _text(raw)
    if not text:
        return None
    members = snapshot.register.members
    found = [m for m in members if account_label(m) == text] or [
        m for m in members if fold(m.display_name) == fold(text)
    ]
    if len(found) != 1:
        raise _Refused(
            "member",
            N_("No committee member is called {text}, or has this id; see /users.")
            if not found
            else N_("Several committee members are called {text}: write the id /users shows."),
            text=text,
        )
    if isinstance(register, str):
        parent = new_codes[register].parent
        above = _ancestors(
            snapshot.parents, snapshot.units[parent][0] if parent in snapshot.units else units.ROOT_ID
        )
    else:
        above = _ancestors(snapshot.parents, register)
    if found[0].unit_id not in above:
        raise _Refused(
            "member", N_("{name} is not a committee member over this register."), name=found[0].display_name
        )
    return found[0].id


# ----- loading ------------------------------------------------------------------------------------


class ImportRefused(Exception):
    """The file became wrong between the check and the confirmation; nothing was imported."""

    def __init__(self, plan: Plan) -> None:
        super().__init__("import refused")
        self.plan = plan


async def apply(
    db: Database,
    parsed: Parsed,
    t: Translator,
    actor_id: int | None,
    now: datetime,
    today: date,
    *,
    claim: Callable[[Queryable], Awaitable[bool]] | None = None,
) -> Plan | None:
    """Check the file again and load it, all in one transaction; None when `claim` says it was done.

    `claim(tx)` (async, optional) marks the confirmation used inside the same transaction, so a
    second press of the button imports nothing.
    """
    async with db.transaction() as tx:
        if claim is not None and not await claim(tx):
            return None
        plan = await check(tx, parsed, t, today)
        if plan.errors:
            raise ImportRefused(plan)
        ids: dict[str, int] = {}
        for unit in plan.units:
            if unit.parent:
                parent_id = ids.get(unit.parent)
                if parent_id is None:
                    parent = await units.by_code(tx, unit.parent)
                    assert parent is not None
                    parent_id = parent.id
            else:
                parent_id = units.ROOT_ID
            ids[unit.code] = (await units.add(tx, unit.code, unit.name, parent_id, now)).id
        # Thousands of rows: two statements, not one per row, so the transaction stays short.
        cells = {person.cell for person in plan.people}
        for code in cells - set(ids):
            cell = await units.by_code(tx, code)
            assert cell is not None
            ids[code] = cell.id
        people = [(ids[person.cell], person.values) for person in plan.people]
        person_ids = await data_ops.insert_many(tx, "person", people, actor_id, now)
        steps = [
            (ids[person.cell], {"person_id": person_id, "step": step.value, "on_date": on_date, **extra})
            for person, person_id in zip(plan.people, person_ids, strict=True)
            for step, on_date, extra in person.steps
        ]
        await data_ops.insert_many(tx, "step", steps, actor_id, now)
        await _add_enterprises(tx, plan, ids, actor_id, now)
        for code in {transfer.cell for transfer in plan.transfers} - set(ids):
            cell = await units.by_code(tx, code)
            assert cell is not None
            ids[code] = cell.id
        transfer_ids = await data_ops.insert_many(
            tx, "transfer", [(ids[tr.cell], tr.values) for tr in plan.transfers], actor_id, now
        )
        # An arrival in one cell completes the matching transfer out of another, as the form does.
        for transfer, transfer_id in zip(plan.transfers, transfer_ids, strict=True):
            if transfer.values["done_on"] and (transfer.values["kind"], transfer.values["direction"]) == (
                "official",
                "in",
            ):
                arrival = await transfer_store.get(tx, transfer_id)
                if arrival is not None:
                    await close_matching_out(tx, arrival, now, None)
        await audit.record(
            tx,
            now,
            actor_id,
            AUDIT_ACTION,
            new={
                "units": len(plan.units),
                "people": len(plan.people),
                "steps": plan.steps,
                "enterprises": len(plan.enterprises),
                "transfers": len(plan.transfers),
            },
        )
    return plan


async def _add_enterprises(
    tx: Queryable, plan: Plan, ids: dict[str, int], actor_id: int | None, now: datetime
) -> None:
    """Add the file's enterprises to their registers, with their unions, cells and members."""

    async def unit_id(code: str) -> int:
        if code not in ids:
            unit = await units.by_code(tx, code)
            assert unit is not None
            ids[code] = unit.id
        return ids[code]

    for entry in plan.enterprises:
        register = await unit_id(entry.register) if entry.register else units.ROOT_ID
        cell = await unit_id(entry.cell) if entry.cell else None
        new_id = await enterprise_register.insert(
            tx, {**entry.values, "unit_id": register}, cell, actor_id, now
        )
        # Stages without a date: reached before the register knew (the file says yes, not when).
        for stage, reached in (
            (EnterpriseStage.TRADE_UNION, entry.trade_union),
            (EnterpriseStage.YOUTH_UNION, entry.youth_union),
            (EnterpriseStage.CELL_FOUNDED, cell is not None),
        ):
            if reached:
                await enterprise_register.set_stage(tx, new_id, stage.value, None, actor_id, now)
        if entry.member is not None:
            await enterprise_register.assign(tx, new_id, entry.member, now)


# ----- what the admin reads -----------------------------------------------------------------------


def render_errors(plan: Plan, t: Translator) -> list[Markup]:
    """Return one line per refused value: sheet, row, column and why (the first SHOWN_ERRORS)."""
    lines = []
    for error in plan.errors[:SHOWN_ERRORS]:
        header = HEADERS.get(error.sheet, {}).get(error.column or "")
        where = Markup(t("{sheet}, row {row}")).format(sheet=t(error.sheet), row=error.row)
        if header is not None:
            where = Markup(t("{place}, column “{column}”")).format(place=where, column=t(header))
        lines.append(
            Markup("• <b>{where}</b>: {why}").format(
                where=where, why=Markup(t(error.message)).format(**error.params)
            )
        )
    hidden = len(plan.errors) - SHOWN_ERRORS
    if hidden > 0:
        lines.append(Markup(t("… and {count} more.")).format(count=t.number(hidden)))
    return lines


def render_plan(plan: Plan, parsed: Parsed, file_name: str, t: Translator) -> Markup:
    """Return the dry-run summary: what would be added, and the rows with errors and why."""
    lines = [
        Markup(t("Checked <b>{file}</b> (nothing imported yet):")).format(file=file_name),
        Markup(t("• units to add: {units}")).format(units=t.number(len(plan.units))),
        Markup(t("• people to add: {people} (with {steps} admission steps)")).format(
            people=t.number(len(plan.people)), steps=t.number(plan.steps)
        ),
    ]
    if parsed.enterprises:
        lines.append(
            Markup(t("• enterprises to add to the register: {enterprises}")).format(
                enterprises=t.number(len(plan.enterprises))
            )
        )
    if plan.transfers:
        lines.append(
            Markup(t("• transfers to add: {transfers}")).format(transfers=t.number(len(plan.transfers)))
        )
    if parsed.ignored_columns:
        lines.append(
            Markup(t("• columns not read: {columns}")).format(
                columns=", ".join(dict.fromkeys(parsed.ignored_columns))
            )
        )
    if plan.errors:
        lines.append(
            Markup(
                t("<b>{rows} rows have errors</b>; nothing will be imported until they are fixed:")
            ).format(rows=t.number(plan.rows_with_errors))
        )
        lines.extend(render_errors(plan, t))
        lines.append(Markup(t("Fix these rows and send the file again.")))
    elif plan.empty:
        lines.append(Markup(t("The file has no rows to import.")))
    else:
        lines.append(Markup(t("Every row is correct. Import it?")))
    return Markup("\n").join(lines)
