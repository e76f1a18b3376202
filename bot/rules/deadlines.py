"""The statutory rules of admission and transfer (DOMAIN.md): what is due when, as pure functions.

Callers pass what they hold (a person's `Pipeline`, a `TransferFacts`, the `WorkingCalendar` with the
admin's changes, today's date in the deployment's zone) and get plain `Deadline` values back; nothing
here reads a clock or a database. Periods follow the Civil Code's counting (2015, arts. 147-148): the
day a period counts from is not part of it, and a period in months ends on the same day of the last
month, or on that month's last day when it has none. How working days are counted is explained in
`WorkingCalendar.add_working_days`. The numbers and the clauses they come from are in
bot/rules/regulations.py.

The rules:
- the awareness-class certificate valid 60 months, which must still be valid when the cell votes;
- the ceremony within 30 working days of the admission decision;
- probation of 12 months from the ceremony; recognition dates from its end;
- recognition considered within 30 working days after probation ends;
- an official transfer out: the introduction letter within 60 working days of the decision, then the
  member received by the new cell within 30 working days of the letter; an official transfer in: the
  member arrives within 30 working days of the letter; a temporary transfer: the return on its end
  date. A completed transfer has nothing due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.i18n import N_
from bot.rules.calendar import WorkingCalendar
from bot.rules.pipeline import Pipeline, Step, awareness_valid_until, probation_ends
from bot.rules.regulations import (
    CEREMONY_WORKING_DAYS,
    LETTER_WORKING_DAYS,
    MAX_AGE,
    MIN_AGE,
    MIN_OFFICIAL_MEMBERS,
    OFFICIAL_TRANSFER_WORKING_DAYS,
    RECOGNITION_WORKING_DAYS,
    STUDY_MAX_MONTHS,
    TEMPORARY_MAX_MONTHS,
    TEMPORARY_MIN_MONTHS,
    VOTE_DENOMINATOR,
    VOTE_NUMERATOR,
)

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
    OFFICIAL_TRANSFER = "official_transfer"  # official transfer out: issue the introduction letter
    TRANSFER_RECEIPT = "transfer_receipt"  # official transfer out: the new cell receives the member
    TRANSFER_ARRIVAL = "transfer_arrival"  # official transfer in: the member arrives with the letter
    TEMPORARY_TRANSFER_END = "temporary_transfer_end"  # a temporary transfer ends: record the return


# The deadlines counted in working days: the only ones a change of the calendar (Tết) moves.
WORKING_DAY_KINDS = frozenset(
    {Kind.CEREMONY, Kind.RECOGNITION, Kind.OFFICIAL_TRANSFER, Kind.TRANSFER_RECEIPT, Kind.TRANSFER_ARRIVAL}
)


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
    """Return when the awareness-class certificate expires (60 months), once it is recorded: the last day
    the cell may consider the case (vote) with it."""
    certificate = pipeline.date_of(Step.AWARENESS_CLASS)
    valid_until = awareness_valid_until(pipeline)
    if certificate is None or valid_until is None:
        return None
    # Valid through the same day 60 months later (expired from the next day: retake the class). It
    # must be valid when the cell considers the case (HD 06-HD/TW), so the cell's vote meets it.
    return Deadline(
        kind=Kind.AWARENESS_EXPIRY,
        due=valid_until,
        counts_from=certificate,
        done_on=pipeline.date_of(Step.CELL_VOTE),
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


class TransferStep(StrEnum):
    """A dated step of a transfer after its first date (the values are stored and on buttons)."""

    LETTER = "letter"  # official out: the introduction letter was issued
    RECEIVED = "received"  # official out: the new cell received the member
    ARRIVED = "arrived"  # official in: the member arrived and presented the letter
    RETURNED = "returned"  # temporary: the member's return


# The step that completes a transfer of each kind and direction.
_COMPLETING = {
    (TransferKind.OFFICIAL, Direction.OUT): TransferStep.RECEIVED,
    (TransferKind.OFFICIAL, Direction.IN): TransferStep.ARRIVED,
    (TransferKind.TEMPORARY, Direction.OUT): TransferStep.RETURNED,
    (TransferKind.TEMPORARY, Direction.IN): TransferStep.RETURNED,
}


@dataclass(frozen=True)
class TransferFacts:
    """What the cell knows of one transfer of a member."""

    kind: TransferKind
    direction: Direction
    # Official out: the decision took effect (or the residence changed). Official in: the date of the
    # introduction letter. Temporary: the first day. (Annotated through the module because a field
    # named `date` hides the type in this body.)
    date: dt.date
    end_date: dt.date | None = None  # temporary transfers only: the last day
    letter_date: dt.date | None = None  # official out only: the introduction letter was issued
    done_on: dt.date | None = None  # received by the new cell, arrived, or returned: completed

    def __post_init__(self) -> None:
        """Refuse facts that contradict the kind of transfer or each other."""
        if self.kind is TransferKind.TEMPORARY:
            if self.end_date is None:
                raise ValueError("a temporary transfer needs its end date")
            if self.end_date < self.date:
                raise ValueError("a temporary transfer cannot end before it starts")
        elif self.end_date is not None:
            raise ValueError("an official transfer has no end date")
        if self.letter_date is not None:
            if (self.kind, self.direction) != (TransferKind.OFFICIAL, Direction.OUT):
                raise ValueError("only an official transfer out records the letter it issued")
            if self.letter_date < self.date:
                raise ValueError("the letter cannot be issued before the decision")
        if self.done_on is not None and self.done_on < (self.letter_date or self.date):
            raise ValueError("a transfer cannot be completed before it starts")

    @property
    def completed(self) -> bool:
        """Tell whether the transfer is completed (nothing of it is due any more)."""
        return self.done_on is not None

    @property
    def completing_step(self) -> TransferStep:
        """Return the step that completes this transfer."""
        return _COMPLETING[(self.kind, self.direction)]


def months_between(start: dt.date, end: dt.date) -> float:
    """Return the length of a period in months (days count as a fraction of a month)."""
    return (end.year - start.year) * 12 + (end.month - start.month) + (end.day - start.day) / 30


def temporary_length_refusal(start: dt.date, end: dt.date, study: bool) -> str | None:
    """Return why a temporary transfer cannot last from start to end (a catalog message with {start}), or
    None: 3 months to under 12 months, for study up to 24 months (QĐ 294, point 6.3.2)."""
    length = months_between(start, end)
    if study:
        if TEMPORARY_MIN_MONTHS <= length <= STUDY_MAX_MONTHS:
            return None
        return N_(
            "A temporary transfer for study lasts 3 to 24 months after {start}; this end date does not fit."
        )
    if TEMPORARY_MIN_MONTHS <= length < TEMPORARY_MAX_MONTHS:
        return None
    return N_(
        "A temporary transfer lasts from 3 months to under 12 months after {start}; "
        "this end date does not fit."
    )


def transfer_next_steps(transfer: TransferFacts) -> list[TransferStep]:
    """Return the steps that may be recorded next for a transfer (none once it is completed)."""
    if transfer.completed:
        return []
    if transfer.kind is TransferKind.OFFICIAL and transfer.direction is Direction.OUT:
        # The receipt may be learnt before anyone recorded the letter: it completes the transfer too.
        if transfer.letter_date is not None:
            return [TransferStep.RECEIVED]
        return [TransferStep.LETTER, TransferStep.RECEIVED]
    return [transfer.completing_step]


def transfer_step_refusal(transfer: TransferFacts, step: TransferStep, when: dt.date) -> str | None:
    """Return why a step of a transfer cannot be recorded on a day (a catalog message), or None."""
    if transfer.completed:
        return N_("This transfer is completed already.")
    if step not in transfer_next_steps(transfer):
        return N_("This step does not belong to this transfer now.")
    if when < transfer.date:
        return N_("The date cannot be before the transfer's first date ({first}).")
    if transfer.letter_date is not None and when < transfer.letter_date:
        return N_("The date cannot be before the introduction letter ({letter}).")
    return None


def transfer_deadlines(transfer: TransferFacts, calendar: WorkingCalendar) -> list[Deadline]:
    """Return every deadline of one transfer, met or not, sorted by due date.

    Completing a transfer (done_on) meets all of them, whatever was recorded before: a completed
    transfer is never overdue.
    """
    done = transfer.done_on

    def within(kind: Kind, start: dt.date, working_days: int, met: dt.date | None = done) -> Deadline:
        return Deadline(kind, calendar.add_working_days(start, working_days), counts_from=start, done_on=met)

    if transfer.kind is TransferKind.TEMPORARY:
        assert transfer.end_date is not None  # checked when the facts were built
        found = [
            Deadline(Kind.TEMPORARY_TRANSFER_END, transfer.end_date, counts_from=transfer.date, done_on=done)
        ]
    elif transfer.direction is Direction.IN:
        found = [within(Kind.TRANSFER_ARRIVAL, transfer.date, LETTER_WORKING_DAYS)]
    else:
        letter = transfer.letter_date
        found = [
            within(Kind.OFFICIAL_TRANSFER, transfer.date, OFFICIAL_TRANSFER_WORKING_DAYS, letter or done)
        ]
        if letter is not None:
            found.append(within(Kind.TRANSFER_RECEIPT, letter, LETTER_WORKING_DAYS))
    return _sorted(found)


def open_transfer_deadlines(
    transfer: TransferFacts, calendar: WorkingCalendar, today: dt.date
) -> list[Deadline]:
    """Return the deadlines of a transfer not met on `today`, sorted by due date."""
    return [d for d in transfer_deadlines(transfer, calendar) if d.state(today) is not State.DONE]


# --- Eligibility -----------------------------------------------------------------------------


def age_at(birth_year: int, on_date: date) -> int:
    """Return the age reached in the year of `on_date` (only the birth year is kept)."""
    # Without the birthday, someone born in December counts a year older from January; the
    # secretary checks the exact date against the paper file, which we must not hold.
    return on_date.year - birth_year


def eligible_age(birth_year: int, on_date: date) -> bool:
    """Tell whether the age by year on the day the cell considers the case is within 18 to 60.

    The rule counts full years in months (QĐ 294, point 1.1); with the birth year only, this check is
    by year, so a person it passes may still be a few months short of 18 or past 60: the messages ask
    the secretary to check the birth date. Past 60 is possible with a province-level committee's
    approval, so callers warn and never refuse.
    """
    return MIN_AGE <= age_at(birth_year, on_date) <= MAX_AGE


def vote_passes(votes_for: int, official_members: int) -> bool:
    """Tell whether a cell vote (admission or recognition) passes: at least 2/3 of the official members
    counted (not those on a temporary transfer elsewhere, nor absent exempted members), in a cell of at
    least 3."""
    if not 0 <= votes_for <= official_members:
        raise ValueError(
            f"votes for ({votes_for}) must be between 0 and the official members ({official_members})"
        )
    if official_members < MIN_OFFICIAL_MEMBERS:
        return False
    # In integers: a float 2/3 compared with votes/members could fall on either side at exactly 2/3.
    return votes_for * VOTE_DENOMINATOR >= official_members * VOTE_NUMERATOR


def votes_needed(official_members: int) -> int:
    """Return the fewest votes in favour that pass among this many official members."""
    return -(-VOTE_NUMERATOR * official_members // VOTE_DENOMINATOR)


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
