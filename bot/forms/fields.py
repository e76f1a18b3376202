"""Fields of a form as data: what is asked, how an answer is read, and what is refused.

A parser takes the typed text and returns the stored value (JSON-friendly: str, int, bool,
ISO date text) or raises Invalid with a catalog message. Parsers are pure; the checks that need
the database or other answers are async callables on the field.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator
from bot.rules.privacy import ID_NUMBER_MESSAGE, looks_like_id_number
from bot.rules.regulations import MEETING_RULES, MeetingRules
from bot.scheduling.outbox import Outbox
from storage.database import Database
from storage.models import Role, User
from storage.names import clean_name, clean_text, search_key

Answers = dict[str, Any]


@dataclass(frozen=True)
class FormContext:
    """Who fills the form, in which cell, and when."""

    db: Database
    user: User
    role: Role
    now: datetime
    tz: ZoneInfo
    t: Translator
    outbox: Outbox | None = None  # for forms whose saving queues messages (a broadcast)
    meeting_rules: MeetingRules = MEETING_RULES  # the deployment's setting (CHIBO_MEETING_MINUTES...)

    @property
    def today(self) -> date:
        """Return today's date where the cells are."""
        return self.now.astimezone(self.tz).date()

    @property
    def own_cell(self) -> int | None:
        """Return the cell a secretary reports for (None for admins, who choose)."""
        return self.user.unit_id if self.role is Role.SECRETARY else None


class Kind(StrEnum):
    """How an answer is typed and read."""

    TEXT = "text"  # free text (titles, topics, notes)
    NAME = "name"  # a person's or organisation's name: trimmed, 2-100 characters
    INT = "int"  # digits only, within bounds
    YEAR = "year"  # a year of birth
    DATE = "date"  # dd/mm/yyyy, d/m/yy, dd-mm-yyyy, today, yesterday
    CHOICE = "choice"  # one of the options (button, number or label)
    YESNO = "yesno"  # yes or no (buttons, number or word)
    PICK = "pick"  # one of a list computed from the database (people, cells), paged, searchable
    PHOTO = "photo"  # a photo message


class Invalid(Exception):
    """An answer was refused; the message is a catalog message with its parameters."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Choice:
    """An option of a choice: the stored value and its label (a catalog message)."""

    value: str
    label: str


Check = Callable[[Any, Answers, "FormContext"], Awaitable[Invalid | None]]
Warn = Callable[[Any, Answers, "FormContext"], Awaitable[Invalid | None]]
Options = Callable[[Answers, "FormContext"], Awaitable[list[tuple[str, str]]]]
ShownIf = Callable[[Answers], bool]
Computed = Callable[[Answers], Any]


@dataclass(frozen=True)
class Field:
    """One question of a form."""

    name: str
    kind: Kind
    label: str  # short, for the review ("Date")
    prompt: str  # the question ("When was the meeting?")
    optional: bool = False
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    past_only: bool = False
    shown_if: ShownIf | None = None
    check: Check | None = None  # a hard rule that needs other answers or the database
    warn: Warn | None = None  # a soft rule: the answer is kept, the user is told
    options: Options | None = None  # PICK: (value, label) pairs from the database, labels are user text
    translate_labels: bool = True
    fixed: bool = False  # once answered, not offered for change at the review (the record a form is about)
    # Rarely changes from one report to the next: the cell's last answer is offered ("Keep: 12"), and
    # with the form's other such answers at once ("As last month").
    repeat: bool = False
    # Not asked: worked out from the other answers (or a default), shown at the review, changeable there.
    computed: Computed | None = None
    unit: str | None = None  # how a value reads with its unit, "{value} minutes" (a catalog message)
    offer_dates: bool = True  # DATE: buttons for today, yesterday and the cell's meeting day

    def shown(self, answers: Answers) -> bool:
        """Tell whether the question applies, given the answers so far."""
        return self.shown_if is None or self.shown_if(answers)

    @property
    def deferred(self) -> bool:
        """Tell whether the question waits for the review ("add a note") instead of being asked."""
        return self.optional and self.kind in (Kind.TEXT, Kind.PHOTO)

    @property
    def asked(self) -> bool:
        """Tell whether the question is asked in turn (not worked out, not left for the review)."""
        return self.computed is None and not self.deferred


def fold(text: str) -> str:
    """Return text lowercased without diacritics, so 'hom nay' matches 'hôm nay' (storage.names)."""
    return search_key(text)


TODAY_WORDS = {"hom nay", "today", "nay"}
YESTERDAY_WORDS = {"hom qua", "yesterday", "qua"}
_DATE_RE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{2}|\d{4}))?$")
EARLIEST = date(1930, 1, 1)  # the Party was founded in 1930: no event of ours is earlier


def parse_date(text: str, today: date, *, past_only: bool = False) -> str:
    """Read a date and return it as ISO text."""
    folded = search_key(text)
    if folded in TODAY_WORDS:
        value = today
    elif folded in YESTERDAY_WORDS:
        value = today - timedelta(days=1)
    else:
        match = _DATE_RE.match(text.strip())
        if not match:
            raise Invalid(
                N_("Write the date as day/month/year, for example {example}, or “today”."),
                example=f"{today:%d/%m/%Y}",
            )
        day, month = int(match.group(1)), int(match.group(2))
        written = match.group(3)
        # "5/11" is this year's, or last year's when this year's is still to come.
        year = today.year if written is None else int(written) + (2000 if len(written) == 2 else 0)
        try:
            value = date(year, month, day)
            if written is None and value > today:
                value = date(year - 1, month, day)
        except ValueError:
            raise Invalid(
                N_("There is no such day as {text}. Check the day and the month."), text=text.strip()
            ) from None
    if value < EARLIEST:
        raise Invalid(N_("This date is too far in the past. Check the year."))
    if past_only and value > today:
        raise Invalid(N_("This date is in the future. Write a date up to today."))
    if value > today + timedelta(days=3 * 366):
        raise Invalid(N_("This date is too far in the future. Check the year."))
    return value.isoformat()


def parse_int(text: str, minimum: int, maximum: int) -> int:
    """Read a whole number within bounds (digits only)."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned.isdecimal() or not cleaned.isascii():
        raise Invalid(
            N_("Write a whole number with digits only, from {min} to {max}."), min=minimum, max=maximum
        )
    value = int(cleaned)
    if not minimum <= value <= maximum:
        raise Invalid(N_("The number must be from {min} to {max}."), min=minimum, max=maximum)
    return value


def parse_text(text: str, *, minimum: int = 1, maximum: int = 200) -> str:
    """Read free text: NFC, trimmed, within a length, without invisible characters or ID-like numbers."""
    value = "\n".join(" ".join(line.split()) for line in clean_text(text).strip().splitlines()).strip()
    if len(value) < minimum:
        raise Invalid(N_("This answer is too short."))
    if len(value) > maximum:
        raise Invalid(
            N_("This answer is too long: at most {max} characters (you wrote {count})."),
            max=maximum,
            count=len(value),
        )
    if looks_like_id_number(value):
        raise Invalid(ID_NUMBER_MESSAGE)
    return value


def parse_name(text: str, maximum: int = 100) -> str:
    """Read a name: NFC, one line, trimmed, 2-100 characters, with at least one letter."""
    value = clean_name(text)
    if len(value) < 2 or len(value) > maximum:
        raise Invalid(N_("A name has 2 to {max} characters."), max=maximum)
    if not any(c.isalpha() for c in value):
        raise Invalid(N_("A name has letters in it."))
    if looks_like_id_number(value):
        raise Invalid(ID_NUMBER_MESSAGE)
    return value


YES_WORDS = {"co", "yes", "y", "c", "dung", "phai", "1"}
NO_WORDS = {"khong", "no", "n", "k", "ko", "2"}


def parse_yesno(text: str) -> bool:
    """Read yes or no (Vietnamese or English, with or without diacritics, or 1/2)."""
    folded = search_key(text)
    if folded in YES_WORDS:
        return True
    if folded in NO_WORDS:
        return False
    raise Invalid(N_("Answer yes or no (press a button, or type 1 or 2)."))


_NUMBERING = re.compile(r"^\s*(\d{1,3})\s*[.)]\s*")


def split_number(label: str) -> tuple[int | None, str]:
    """Return the number a button's label starts with ("3. Honda" -> 3) and the label without it."""
    match = _NUMBERING.match(label)
    if match is None:
        return None, label
    return int(match.group(1)), label[match.end() :]


def label_key(text: str) -> str:
    """Return a label reduced to its words: no numbering, emoji or punctuation, no diacritics."""
    folded = search_key(_NUMBERING.sub("", text))
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


def match_option(text: str, options: list[tuple[str, str]]) -> str | None:
    """Return the value of the option typed as its number or its label (None when none fits)."""
    cleaned = text.strip().rstrip(".)")
    if cleaned.isdecimal():
        index = int(cleaned) - 1
        return options[index][0] if 0 <= index < len(options) else None
    key = label_key(text)
    if not key:
        return None
    for value, label in options:
        if label_key(label) == key:
            return value
    return None


def search(text: str, options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the options whose label holds the typed words (diacritics ignored)."""
    words = search_key(text).split()
    return [(v, label) for v, label in options if all(w in search_key(label) for w in words)]


@dataclass(frozen=True)
class Problem:
    """A rule the answers break together, found at the review, with the fields to change."""

    field: str
    message: str
    params: dict[str, object] = dataclasses.field(default_factory=dict)
    also: tuple[str, ...] = ()  # the other answers involved (each of a sum), any of which may be wrong

    @property
    def fields(self) -> tuple[str, ...]:
        """Return every answer involved, the first named first."""
        return (self.field, *(f for f in self.also if f != self.field))


FinalCheck = Callable[[Answers, "FormContext"], Awaitable[list[Problem]]]
Save = Callable[[Any, "FormContext", Answers, int | None], Awaitable[int]]
Load = Callable[[Any, "FormContext", int], Awaitable[Answers | None]]
DoneValues = Callable[["FormContext", int], Awaitable[dict[str, object]]]
Previous = Callable[[Any, int], Awaitable[Answers | None]]


@dataclass(frozen=True)
class Form:
    """A form: its fields in order, the checks on the whole, and how it is saved."""

    name: str
    title: str
    fields: tuple[Field, ...]
    save: Save
    load: Load | None = None  # the answers of a stored record, to correct it
    final_check: FinalCheck | None = None
    kind: str = ""  # the record kind it writes (for /mine)
    per_cell: bool = True  # reports of one cell (admins first pick the cell); False: not tied to a cell
    admin_only: bool = False  # only admins may open it (a broadcast)
    # Who may open it: the cell's reports are the secretaries' (and admins', for any cell); the
    # enterprise register's forms are the committee's.
    roles: frozenset[Role] = frozenset({Role.SECRETARY, Role.ADMIN})
    done: str | None = None  # what to say once saved, instead of "Saved"
    # Values for `done` besides {title}, read once the record is saved (a new cell's code).
    done_values: DoneValues | None = None
    # The answers of the cell's last record (db, unit id), offered back for the fields that repeat.
    previous: Previous | None = None
    same_label: str = N_("As last time")  # the button taking every repeating answer from the last record
    save_label: str = N_("✅ Save")  # the review's button that ends the form
    # Soft problems shown at the review before saving (a second meeting in a month): saving stays possible.
    warnings: FinalCheck | None = None

    def field(self, name: str) -> Field:
        """Return a field by name."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def visible(self, answers: Answers) -> list[Field]:
        """Return the fields that apply given the answers."""
        return [f for f in self.fields if f.shown(answers)]
