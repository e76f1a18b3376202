"""The statutory rules of admission and transfer (DOMAIN.md): what is due when, as pure functions.

Callers pass what they hold (a person's `Pipeline`, a `TransferFacts`, the `WorkingCalendar` with the
admin's changes, today's date in the deployment's zone) and get plain `Deadline` values back; nothing
here reads a clock or a database. Periods follow the Civil Code's counting (2015, arts. 147-148): the
day a period counts from is not part of it, and a period in months ends on the same day of the last
month, or on that month's last day when it has none. How working days are counted is explained in
`WorkingCalendar.add_working_days`.

The rules:
- the ceremony within 30 working days of the admission decision;
- probation of 12 months from the ceremony; recognition dates from its end;
- recognition considered within 30 working days after probation ends;
- the awareness-class certificate valid 60 months, which matters until the admission decision;
- an official transfer within 60 working days of its decision or letter; a temporary one ends on
  its end date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.rules.calendar import WorkingCalendar, add_months
from bot.rules.pipeline import Pipeline, Step, probation_ends

CEREMONY_WORKING_DAYS = 30
RECOGNITION_WORKING_DAYS = 30
AWARENESS_VALID_MONTHS = 60
OFFICIAL_TRANSFER_WORKING_DAYS = 60

MIN_AGE = 18
MAX_AGE = 60
MIN_OFFICIAL_MEMBERS = 3

DEFAULT_SOON_DAYS = 30
DEFAULT_OFFSETS: tuple[int, ...] = (30, 7, 1)
OVERDUE_KEY = "overdue"
_OVERDUE_URGENCY = -1  # more urgent than any offset, which are days before the due date (>= 0)


class Kind(StrEnum):
    """What a deadline is about."""

    CEREMONY = "ceremony"  # hold the admission ceremony
    PROBATION_END = "probation_end"  # the 12 months of probation end (a date, not a task)
    RECOGNITION = "recognition"  # the cell considers recognition as a full member
    AWARENESS_EXPIRY = "awareness_expiry"  # the awareness-class certificate stops being valid
    OFFICIAL_TRANSFER = "official_transfer"  # complete an official transfer
    TEMPORARY_TRANSFER_END = "temporary_transfer_end"  # a temporary transfer ends


class State(StrEnum):
    """Where a deadline stands on a given day."""

    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True)
class Deadline:
    """One dated obligation: what, by when, counted from which date, and when it was met."""

    kind: Kind
    due: date  # the last day on which it is still on time
    counts_from: date  # the event the period runs from (not itself part of the period)
    done_on: date | None = None  # the day it was met, when it was

    def state(self, today: date, soon_days: int = DEFAULT_SOON_DAYS) -> State:
        """Return the state on `today`: done, overdue, due within `soon_days` calendar days, or upcoming."""
        # A step recorded with a future date (a ceremony planned for next week) is not met yet.
        if self.done_on is not None and self.done_on <= today:
            return State.DONE
        if today > self.due:
            return State.OVERDUE
        if self.days_left(today) <= soon_days:
            return State.DUE_SOON
        return State.UPCOMING

    def days_left(self, today: date) -> int:
        """Return the calendar days from `today` to the due date (0 on the day, negative after it)."""
        return (self.due - today).days


# --- The admission pipeline ------------------------------------------------------------------


def ceremony_deadline(pipeline: Pipeline, calendar: WorkingCalendar) -> Deadline | None:
    """Return the deadline of the ceremony, once the admission decision is recorded."""
    decided = pipeline.date_of(Step.ADMISSION_DECISION)
    if decided is None:
        return None
    # The rule counts from receiving the decision; we keep only its date, which is never later,
    # so the deadline shown is the strict one.
    return Deadline(
        kind=Kind.CEREMONY,
        due=calendar.add_working_days(decided, CEREMONY_WORKING_DAYS),
        counts_from=decided,
        done_on=pipeline.date_of(Step.CEREMONY),
    )


def probation_end(pipeline: Pipeline) -> Deadline | None:
    """Return the end of probation (12 months after the ceremony), once the ceremony is recorded."""
    ceremony = pipeline.date_of(Step.CEREMONY)
    end = probation_ends(pipeline)
    if ceremony is None or end is None:
        return None
    # Probation ends by itself: it is done on its day and never overdue; what the cell must do
    # then is the recognition deadline.
    return Deadline(kind=Kind.PROBATION_END, due=end, counts_from=ceremony, done_on=end)


def recognition_effective_date(pipeline: Pipeline) -> date | None:
    """Return the date recognition takes effect: the end of probation, however late the cell meets."""
    if Step.NOT_RECOGNISED in pipeline.steps or Step.WITHDREW in pipeline.steps:
        return None
    end = probation_end(pipeline)
    return end.due if end is not None else None


def recognition_deadline(pipeline: Pipeline, calendar: WorkingCalendar) -> Deadline | None:
    """Return the deadline for considering recognition: 30 working days after probation ends."""
    end = probation_end(pipeline)
    if end is None:
        return None
    # Either outcome meets the deadline: the cell considered the case.
    decided = pipeline.date_of(Step.RECOGNITION) or pipeline.date_of(Step.NOT_RECOGNISED)
    return Deadline(
        kind=Kind.RECOGNITION,
        due=calendar.add_working_days(end.due, RECOGNITION_WORKING_DAYS),
        counts_from=end.due,
        done_on=decided,
    )


def awareness_expiry(pipeline: Pipeline) -> Deadline | None:
    """Return when the awareness-class certificate expires (60 months), once it is recorded."""
    certificate = pipeline.date_of(Step.AWARENESS_CLASS)
    if certificate is None:
        return None
    # Valid through the same day 60 months later (expired from the next day: retake the class).
    # Once admitted the certificate has served its purpose, so the admission decision meets it.
    return Deadline(
        kind=Kind.AWARENESS_EXPIRY,
        due=add_months(certificate, AWARENESS_VALID_MONTHS),
        counts_from=certificate,
        done_on=pipeline.date_of(Step.ADMISSION_DECISION),
    )


def pipeline_deadlines(pipeline: Pipeline, calendar: WorkingCalendar) -> list[Deadline]:
    """Return every deadline the recorded steps give rise to, met or not, sorted by due date."""
    found = [
        awareness_expiry(pipeline),
        ceremony_deadline(pipeline, calendar),
        probation_end(pipeline),
        recognition_deadline(pipeline, calendar),
    ]
    return _sorted([d for d in found if d is not None])


def deadlines_for(pipeline: Pipeline, calendar: WorkingCalendar, today: date) -> list[Deadline]:
    """Return the open deadlines of one person on `today`, sorted by due date."""
    if pipeline.finished:
        # Recognised, not recognised or withdrawn: nothing more can be recorded, so nothing is due.
        return []
    return [d for d in pipeline_deadlines(pipeline, calendar) if d.state(today) is not State.DONE]


# --- Transfers -------------------------------------------------------------------------------


class TransferKind(StrEnum):
    """Whether a transfer is official or temporary."""

    OFFICIAL = "official"
    TEMPORARY = "temporary"


class Direction(StrEnum):
    """Whether the member comes to the cell or leaves it."""

    IN = "in"
    OUT = "out"


@dataclass(frozen=True)
class TransferFacts:
    """What the cell knows of one transfer of a member."""

    kind: TransferKind
    direction: Direction
    # Official: the date of the decision or the introduction letter. Temporary: the first day.
    # (Annotated through the module because a field named `date` hides the type in this body.)
    date: dt.date
    end_date: dt.date | None = None  # temporary transfers only: the last day
    completed: bool = False

    def __post_init__(self) -> None:
        """Refuse facts that contradict the kind of transfer."""
        if self.kind is TransferKind.TEMPORARY:
            if self.end_date is None:
                raise ValueError("a temporary transfer needs its end date")
            if self.end_date < self.date:
                raise ValueError("a temporary transfer cannot end before it starts")
        elif self.end_date is not None:
            raise ValueError("an official transfer has no end date")


def transfer_deadline(transfer: TransferFacts, calendar: WorkingCalendar) -> Deadline | None:
    """Return the deadline of a transfer, or None once it is completed."""
    if transfer.completed:
        # We know that it was completed but not on which day, so a met deadline is not returned.
        return None
    if transfer.kind is TransferKind.OFFICIAL:
        return Deadline(
            kind=Kind.OFFICIAL_TRANSFER,
            due=calendar.add_working_days(transfer.date, OFFICIAL_TRANSFER_WORKING_DAYS),
            counts_from=transfer.date,
        )
    assert transfer.end_date is not None  # checked when the facts were built
    return Deadline(kind=Kind.TEMPORARY_TRANSFER_END, due=transfer.end_date, counts_from=transfer.date)


def transfer_deadlines(transfers: Iterable[TransferFacts], calendar: WorkingCalendar) -> list[Deadline]:
    """Return the deadlines of the transfers not yet completed, sorted by due date."""
    found = (transfer_deadline(t, calendar) for t in transfers)
    return _sorted([d for d in found if d is not None])


# --- Eligibility -----------------------------------------------------------------------------


def age_at(birth_year: int, on_date: date) -> int:
    """Return the age reached in the year of `on_date` (only the birth year is kept)."""
    # Without the birthday, someone born in December counts a year older from January; the
    # secretary checks the exact date against the paper file, which we must not hold.
    return on_date.year - birth_year


def eligible_age(birth_year: int, on_date: date) -> bool:
    """Tell whether the age on the day the cell considers the case is within 18 to 60, inclusive."""
    return MIN_AGE <= age_at(birth_year, on_date) <= MAX_AGE


def vote_passes(votes_for: int, official_members: int) -> bool:
    """Tell whether a cell vote passes: at least 2/3 of the official members, in a cell of at least 3."""
    if not 0 <= votes_for <= official_members:
        raise ValueError(
            f"votes for ({votes_for}) must be between 0 and the official members ({official_members})"
        )
    if official_members < MIN_OFFICIAL_MEMBERS:
        return False
    # In integers: a float 2/3 compared with votes/members could fall on either side at exactly 2/3.
    return votes_for * 3 >= official_members * 2


# --- Reminders -------------------------------------------------------------------------------


def reminder_key(offset: int) -> str:
    """Return the key of the reminder sent `offset` days before the due date."""
    return f"d{offset}"


def reminder_due(deadline: Deadline, today: date, offsets: Sequence[int] = DEFAULT_OFFSETS) -> int | None:
    """Return the offset of the latest reminder whose day has come, or None (too early, met or overdue).

    With offsets (30, 7, 1) and 5 days left, the 30- and 7-day reminders have come and 7 is the
    latest; on the due day itself it is 1. Past the due date the overdue notice takes over.
    """
    _check_offsets(offsets)
    if deadline.state(today) in (State.DONE, State.OVERDUE):
        return None
    left = deadline.days_left(today)
    come = [offset for offset in offsets if left <= offset]
    return min(come) if come else None


def pending_reminders(
    deadline: Deadline,
    today: date,
    offsets: Sequence[int] = DEFAULT_OFFSETS,
    sent: Collection[str] = (),
) -> list[str]:
    """Return the keys of the reminders of this deadline to send today, given those already sent.

    Keys are "d30", "d7", "d1" (days before the due date) and "overdue" (once, from the day after it).
    Only the latest reminder that applies is returned, never a backlog: a scheduler that was down
    for a week and finds "d30" and "d7" both unsent sends "d7" alone, since a stale "30 days left"
    would only confuse. Nothing is returned when a reminder at least as urgent was already sent, so
    the series never steps back (a due date moved later by a new day off does not repeat "d7"
    after "d1"; a caller who wants a moved deadline to start a fresh series puts its due date in the
    outbox key). The list has at most one key; it is a list so the caller loops without a None
    check. The message should state the real days left (`deadline.days_left(today)`), not the
    offset, since a late "d1" may go out on the due day itself.
    """
    state = deadline.state(today)
    if state is State.DONE:
        return []
    if state is State.OVERDUE:
        key, urgency = OVERDUE_KEY, _OVERDUE_URGENCY
    else:
        offset = reminder_due(deadline, today, offsets)
        if offset is None:
            return []
        key, urgency = reminder_key(offset), offset
    if any((u := _urgency(s)) is not None and u <= urgency for s in sent):
        return []
    return [key]


def _urgency(key: str) -> int | None:
    """Return the days before the due date a reminder key stands for (-1 for overdue), None if unknown."""
    if key == OVERDUE_KEY:
        return _OVERDUE_URGENCY
    if key.startswith("d") and key[1:].isdigit():
        return int(key[1:])
    return None


def _check_offsets(offsets: Sequence[int]) -> None:
    """Refuse negative offsets."""
    if any(offset < 0 for offset in offsets):
        raise ValueError(f"reminder offsets are days before the due date and cannot be negative: {offsets}")


def _sorted(deadlines: list[Deadline]) -> list[Deadline]:
    """Return deadlines by due date, ties in the order of the kinds (the order of the process)."""
    order = list(Kind)
    return sorted(deadlines, key=lambda d: (d.due, order.index(d.kind)))
