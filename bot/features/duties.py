"""The open statutory deadlines of a set of cells, each with who it concerns.

The weekly digest lists them and the reminder pass reminds secretaries of them: one computation,
from the rules of bot/rules/deadlines.py over the people and transfers in storage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.rules.calendar import WorkingCalendar, add_months
from bot.rules.deadlines import (
    Deadline,
    Direction,
    Kind,
    State,
    TransferFacts,
    TransferKind,
    deadlines_for,
    open_transfer_deadlines,
    pipeline_deadlines,
)
from bot.rules.pipeline import Pipeline, Step
from bot.rules.regulations import (
    AWARENESS_VALID_MONTHS,
    CEREMONY_WORKING_DAYS,
    LETTER_WORKING_DAYS,
    OFFICIAL_TRANSFER_WORKING_DAYS,
    PROBATION_MONTHS,
    RECOGNITION_WORKING_DAYS,
)
from storage import digest_queries as q
from storage.database import Queryable

log = logging.getLogger(__name__)

# add_months moves a day that the target month lacks (31/01 + 1 month) back to its last day.
MONTH_END_SLACK = timedelta(days=3)


@dataclass(frozen=True)
class Duty:
    """A deadline of one person (or one transferred member) of a cell."""

    unit_id: int
    person_id: int | None  # None for a transfer (the member is not in our pipeline)
    who: str
    deadline: Deadline
    transfer_id: int | None = None  # the transfer a deadline of a transfer belongs to


async def open_duties(
    db: Queryable,
    unit_ids: Iterable[int],
    today: date,
    calendar: WorkingCalendar,
    *,
    soon_days: int,
    overdue_days: int | None,
    transfer_overdue_days: int | None,
) -> list[Duty]:
    """Return the deadlines due within soon_days, and those overdue by at most the given days
    (None: every overdue one, until it is met), by due date."""
    ids = list(unit_ids)
    dates = step_dates(today, calendar, soon_days=soon_days, overdue_days=overdue_days)
    people = await q.open_pipelines(db, ids, dates)
    transfers = await _transfers_near(db, ids, today, calendar, soon_days, transfer_overdue_days)

    def work_out() -> list[Duty]:
        """Return the deadlines of these people and transfers due soon or overdue, by due date."""
        found = [
            Duty(person.unit_id, person.id, person.full_name, deadline)
            for person in people
            for deadline in deadlines_for(_pipeline(person), calendar, today)
            if _kept(deadline, today, soon_days, overdue_days)
        ]
        found += _transfer_duties(
            transfers, today, calendar, soon_days=soon_days, overdue_days=transfer_overdue_days
        )
        found.sort(key=lambda d: (d.deadline.due, d.who.casefold()))
        return found

    # Working out a city's 16,000 deadlines takes a good half second of Python (bench/scale): in a
    # thread, the event loop goes on answering other people meanwhile.
    return await asyncio.to_thread(work_out)


@dataclass(frozen=True)
class DueCounts:
    """How many deadlines of one unit are overdue and how many fall due soon (of which, how many near)."""

    overdue: int
    due_soon: int
    due_near: int = 0  # of due_soon, those due within near_days (none unless asked for)


async def count_open(
    db: Queryable,
    unit_ids: Iterable[int],
    today: date,
    calendar: WorkingCalendar,
    *,
    soon_days: int,
    transfer_overdue_days: int | None,
    near_days: int | None = None,
) -> dict[int, DueCounts]:
    """Return, per unit with any, how many of the deadlines open_duties finds (with every overdue
    admission deadline) are overdue and due within soon_days, and of those how many within near_days.

    The admissions are counted in SQL from where their steps lie (`due_bounds`): a city has 16,000
    such deadlines, and working each out in Python took a second of the root digest (bench/scale).
    Open transfers are few and are worked out as open_duties does.
    """
    ids = list(unit_ids)
    near = due_bounds(today, calendar, near_days) if near_days is not None else None
    counts = {
        unit: [overdue, soon, close]
        for unit, overdue, soon, close in await q.admission_deadline_counts(
            db, ids, due_bounds(today, calendar, soon_days), near
        )
    }
    rows = await _transfers_near(db, ids, today, calendar, soon_days, transfer_overdue_days)
    for duty in _transfer_duties(
        rows, today, calendar, soon_days=soon_days, overdue_days=transfer_overdue_days
    ):
        overdue = duty.deadline.state(today, soon_days) is State.OVERDUE
        unit = counts.setdefault(duty.unit_id, [0, 0, 0])
        unit[0 if overdue else 1] += 1
        if not overdue and near_days is not None and duty.deadline.days_left(today) <= near_days:
            unit[2] += 1
    return {
        unit: DueCounts(overdue, soon, close)
        for unit, (overdue, soon, close) in counts.items()
        if overdue or soon
    }


async def _transfers_near(
    db: Queryable,
    ids: list[int],
    today: date,
    calendar: WorkingCalendar,
    soon_days: int,
    overdue_days: int | None,
) -> list[q.TransferRow]:
    """Return the open transfers that may be due within soon_days, or overdue by at most overdue_days
    (None: however long): each found by the date its open deadline counts from."""

    def bounds(working_days: int) -> q.DateRange:
        def due(day: date) -> date:
            return calendar.add_working_days(day, working_days)

        first = None
        if overdue_days is not None:
            first = _latest_start(due, today - timedelta(days=overdue_days + 1)) + timedelta(days=1)
        return first, _latest_start(due, today + timedelta(days=soon_days))

    return await q.open_transfers(
        db,
        ids,
        q.TransferDates(
            decision=bounds(OFFICIAL_TRANSFER_WORKING_DAYS),
            letter=bounds(LETTER_WORKING_DAYS),
            end=(
                None if overdue_days is None else today - timedelta(days=overdue_days),
                today + timedelta(days=soon_days),
            ),
        ),
        today,
    )


def _kept(deadline: Deadline, today: date, soon_days: int, overdue_days: int | None) -> bool:
    """Tell whether a deadline is due within soon_days, or overdue by at most overdue_days (None: any)."""
    state = deadline.state(today, soon_days)
    if state is State.OVERDUE:
        return overdue_days is None or -deadline.days_left(today) <= overdue_days
    return state is State.DUE_SOON


def _pipeline(person: q.OpenPerson) -> Pipeline:
    return Pipeline({_STEPS[k]: v for k, v in person.steps.items() if k in _STEPS})


def transfer_facts(row: q.TransferRow) -> TransferFacts | None:
    """Return the facts of a stored transfer, or None when its dates contradict each other."""
    try:
        return TransferFacts(
            kind=TransferKind(row.kind),
            direction=Direction(row.direction),
            date=row.on_date,
            end_date=row.end_date if row.kind == TransferKind.TEMPORARY else None,
            letter_date=row.letter_date,
            done_on=row.done_on,
        )
    except ValueError:
        # The form refuses such dates; a row fixed by hand must not stop the others.
        log.warning("transfer %s of unit %s with impossible dates skipped", row.id, row.unit_id)
        return None


def _transfer_duties(
    rows: Iterable[q.TransferRow],
    today: date,
    calendar: WorkingCalendar,
    *,
    soon_days: int,
    overdue_days: int | None,
) -> list[Duty]:
    """Return the deadlines of these transfers due within soon_days or overdue by at most overdue_days."""
    found = []
    for row in rows:
        facts = transfer_facts(row)
        if facts is None:
            continue
        for deadline in open_transfer_deadlines(facts, calendar, today):
            if _kept(deadline, today, soon_days, overdue_days):
                found.append(Duty(row.unit_id, None, row.member_name, deadline, transfer_id=row.id))
    return found


_STEPS = {s.value: s for s in Step}  # a dictionary look-up: Step(k) costs more, 16,000 times a digest


def step_dates(
    today: date, calendar: WorkingCalendar, *, soon_days: int, overdue_days: int | None
) -> q.StepDates:
    """Return where the steps that start an admission deadline lie when it is due by today + soon_days
    (and, with overdue_days, overdue by at most that): each range at least as wide as the rules need."""
    last_due = today + timedelta(days=soon_days)
    first_due = None if overdue_days is None else today - timedelta(days=overdue_days)

    def before(day: date | None, working_days: int) -> date | None:
        # A period of n working days ending on or after `day` starts on or after the (n+1)-th working
        # day before it; None stays None (no first day).
        return None if day is None else calendar.add_working_days(day, -(working_days + 1))

    def months_back(day: date | None, months: int, slack: timedelta) -> date | None:
        return None if day is None else add_months(day, -months) + slack

    # A certificate expires 60 months after the class (met by the admission decision).
    class_to = add_months(last_due, -AWARENESS_VALID_MONTHS) + MONTH_END_SLACK
    class_from = months_back(first_due, AWARENESS_VALID_MONTHS, -MONTH_END_SLACK)
    # The ceremony is due 30 working days after the decision, so never sooner than 30 days after it.
    decision_to = last_due - timedelta(days=CEREMONY_WORKING_DAYS)
    decision_from = before(first_due, CEREMONY_WORKING_DAYS)
    # Probation ends 12 months after the ceremony (due soon until then, never overdue); recognition is
    # due 30 working days after that.
    ceremony_to = add_months(last_due, -PROBATION_MONTHS) + MONTH_END_SLACK
    ceremony_from = months_back(
        before(first_due, RECOGNITION_WORKING_DAYS), PROBATION_MONTHS, -MONTH_END_SLACK
    )
    return q.StepDates(
        today=today,
        awareness_class=(class_from, class_to),
        admission_decision=(decision_from, decision_to),
        ceremony=(ceremony_from, ceremony_to),
    )


# The furthest a deadline falls after the event it counts from: 60 months, for the certificate.
_LONGEST_SPAN = timedelta(days=366 * 6)


def _latest_start(due: Callable[[date], date], by: date) -> date:
    """Return the latest day an event may happen for its deadline, `due(day)`, to fall on or before `by`.

    A deadline comes after its event and never goes back when the event goes forward, so a binary
    search over the days finds it.
    """
    early, late = by - _LONGEST_SPAN, by  # due(early) <= by < due(late)
    if not due(early) <= by < due(late):
        raise AssertionError(f"a deadline is not within {_LONGEST_SPAN} of its event")
    while (late - early).days > 1:
        middle = early + (late - early) / 2
        if due(middle) <= by:
            early = middle
        else:
            late = middle
    return early


def due_bounds(today: date, calendar: WorkingCalendar, soon_days: int) -> q.DueBounds:
    """Return, for each deadline of an admission, the last date of the step it counts from for it to be
    overdue on `today` (or, for the end of probation, passed) and to fall due by today + soon_days.

    Each due date comes from the rules themselves (bot/rules/deadlines.py, on a pipeline of that one step),
    and never goes back when the step goes forward, so a search over the step's dates finds the bounds.
    """
    yesterday, last_due = today - timedelta(days=1), today + timedelta(days=soon_days)

    def latest(kind: Kind, step: Step, by: date) -> date:
        """Return the latest date of `step` whose `kind` deadline falls on or before `by`."""

        def due(day: date) -> date:
            return next(d.due for d in pipeline_deadlines(Pipeline({step: day}), calendar) if d.kind is kind)

        return _latest_start(due, by)

    def bounds(kind: Kind, step: Step, passed_by: date) -> tuple[date, date]:
        return latest(kind, step, passed_by), latest(kind, step, last_due)

    return q.DueBounds(
        today=today,
        awareness_expiry=bounds(Kind.AWARENESS_EXPIRY, Step.AWARENESS_CLASS, yesterday),
        ceremony=bounds(Kind.CEREMONY, Step.ADMISSION_DECISION, yesterday),
        # Probation ends by itself: passed on its day, never overdue.
        probation_end=bounds(Kind.PROBATION_END, Step.CEREMONY, today),
        recognition=bounds(Kind.RECOGNITION, Step.CEREMONY, yesterday),
    )
