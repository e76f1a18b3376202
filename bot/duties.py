"""The open statutory deadlines of a set of cells, each with who it concerns.

The weekly digest lists them and the reminder pass reminds secretaries of them: one computation,
from the rules of bot/deadlines.py over the people and transfers in storage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.calendar import WorkingCalendar
from bot.deadlines import (
    Deadline,
    Direction,
    State,
    TransferFacts,
    TransferKind,
    deadlines_for,
    transfer_deadline,
)
from bot.pipeline import Pipeline, Step
from storage import digest_queries as q
from storage.database import Queryable

log = logging.getLogger(__name__)

# An official transfer is due 60 working days after its letter: never more than ~150 calendar days.
OFFICIAL_TRANSFER_MAX_SPAN = 150


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
    found: list[Duty] = []

    def keep(unit_id: int, person_id: int | None, who: str, deadline: Deadline, late: int | None) -> None:
        state = deadline.state(today, soon_days)
        overdue = state is State.OVERDUE and (late is None or -deadline.days_left(today) <= late)
        if state is State.DUE_SOON or overdue:
            found.append(Duty(unit_id, person_id, who, deadline))

    for person in await q.open_pipelines(db, ids):
        pipeline = Pipeline({Step(k): v for k, v in person.steps.items() if k in _STEP_VALUES})
        for deadline in deadlines_for(pipeline, calendar, today):
            keep(person.unit_id, person.id, person.full_name, deadline, overdue_days)

    rows = await q.transfers_near(
        db,
        ids,
        official_since=today - timedelta(days=OFFICIAL_TRANSFER_MAX_SPAN + official_transfer_overdue_days),
        temporary_from=today - timedelta(days=temporary_transfer_overdue_days),
        temporary_to=today + timedelta(days=soon_days),
    )
    for row in rows:
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


_STEP_VALUES = frozenset(s.value for s in Step)
