"""The open statutory deadlines of a set of cells, each with who it concerns.

The weekly digest lists them and the reminder pass reminds secretaries of them: one computation,
from the rules of bot/deadlines.py over the people and transfers in storage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.calendar import WorkingCalendar, add_months
from bot.deadlines import (
    AWARENESS_VALID_MONTHS,
    CEREMONY_WORKING_DAYS,
    RECOGNITION_WORKING_DAYS,
    Deadline,
    Direction,
    State,
    TransferFacts,
    TransferKind,
    deadlines_for,
    transfer_deadline,
)
from bot.pipeline import PROBATION_MONTHS, Pipeline, Step
from storage import digest_queries as q
from storage.database import Queryable

log = logging.getLogger(__name__)

# An official transfer is due 60 working days after its letter: never more than ~150 calendar days.
OFFICIAL_TRANSFER_MAX_SPAN = 150
# add_months moves a day that the target month lacks (31/01 + 1 month) back to its last day.
MONTH_END_SLACK = timedelta(days=3)


@dataclass(frozen=True)
class Duty:
    """A deadline of one person (or one transferred member) of a cell."""

    unit_id: int
    person_id: int | None  # None for a transfer (the member is not in our pipeline)
    who: str
    deadline: Deadline


async def open_duties(
    db: Queryable,
    unit_ids: Iterable[int],
    today: date,
    calendar: WorkingCalendar,
    *,
    soon_days: int,
    overdue_days: int | None,
    official_transfer_overdue_days: int,
    temporary_transfer_overdue_days: int,
) -> list[Duty]:
    """Return the deadlines due within soon_days, and those overdue by at most the given days
    (overdue_days None: every overdue admission deadline), by due date."""
    ids = list(unit_ids)
    dates = step_dates(today, calendar, soon_days=soon_days, overdue_days=overdue_days)
    people = await q.open_pipelines(db, ids, dates)
    transfers = await q.transfers_near(
        db,
        ids,
        official_since=today - timedelta(days=OFFICIAL_TRANSFER_MAX_SPAN + official_transfer_overdue_days),
        temporary_from=today - timedelta(days=temporary_transfer_overdue_days),
        temporary_to=today + timedelta(days=soon_days),
    )

    def work_out() -> list[Duty]:
        """Return the deadlines of these people and transfers due soon or overdue, by due date."""
        found: list[Duty] = []

        def keep(unit_id: int, person_id: int | None, who: str, deadline: Deadline, late: int | None) -> None:
            state = deadline.state(today, soon_days)
            overdue = state is State.OVERDUE and (late is None or -deadline.days_left(today) <= late)
            if state is State.DUE_SOON or overdue:
                found.append(Duty(unit_id, person_id, who, deadline))

        for person in people:
            pipeline = Pipeline({_STEPS[k]: v for k, v in person.steps.items() if k in _STEPS})
            for deadline in deadlines_for(pipeline, calendar, today):
                keep(person.unit_id, person.id, person.full_name, deadline, overdue_days)

        for row in transfers:
            temporary = row.kind == TransferKind.TEMPORARY
            try:
                facts = TransferFacts(
                    kind=TransferKind(row.kind),
                    direction=Direction(row.direction),
                    date=row.on_date,
                    end_date=row.end_date if temporary else None,
                )
            except ValueError:
                # The form refuses such dates; a row fixed by hand must not stop the others.
                log.warning("transfer of unit %s with impossible dates skipped", row.unit_id)
                continue
            due = transfer_deadline(facts, calendar)
            if due is not None:
                late = temporary_transfer_overdue_days if temporary else official_transfer_overdue_days
                keep(row.unit_id, None, row.member_name, due, late)
        found.sort(key=lambda d: (d.deadline.due, d.who.casefold()))
        return found

    # Working out a city's 16,000 deadlines takes a good half second of Python (bench/scale): in a
    # thread, the event loop goes on answering other people meanwhile.
    return await asyncio.to_thread(work_out)


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
