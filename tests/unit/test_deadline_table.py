"""Deadlines worked out by hand on a wall calendar, around the holidays the Government decides each year:
Tết 2026 and 2027, 30/4 - 1/5, 2/9, and New Year 2026 (Friday 02/01 off, Saturday 10/01 worked:
Công văn 12729/VPCP-KGVX). Each row's comment shows the counting: day 1 is the first working day after
the event (Civil Code, art. 147), "(n)" is the running count at the end of a span.

The same table holds when the `holidays` library knows nothing: for the years the project ships
(bot/rules/calendar_data), its days win, so upgrading the library cannot move these deadlines.
"""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from bot.i18n import translator
from bot.rules import calendar as calendar_module
from bot.rules.calendar import WorkingCalendar
from bot.rules.deadlines import (
    Direction,
    Kind,
    TransferFacts,
    TransferKind,
    ceremony_deadline,
    recognition_deadline,
    recognition_effective_date,
    transfer_deadlines,
)
from bot.rules.pipeline import Pipeline, Step, explain_refusal

# (what, the event, the rule's deadline kind, the due date worked out by hand)
TABLE = [
    # Ceremony, 30 working days from a decision of Wed 24/12/2025: Dec 25-26 (2), 29-31 (5); Thu 01/01 New
    # Year and Fri 02/01 (swapped) off; Jan 05-09 (10), Sat 10/01 worked (11); 12-16 (16), 19-23 (21),
    # 26-30 (26); Feb 02-05 (30): Thu 05/02/2026.
    ("ceremony over New Year 2026", date(2025, 12, 24), Kind.CEREMONY, date(2026, 2, 5)),
    # Ceremony, from Fri 30/01/2026: Feb 02-06 (5), 09-13 (10); Tết Sat 14 to Sun 22/02 off; Feb 23-27 (15);
    # Mar 02-06 (20), 09-13 (25), 16-20 (30): Fri 20/03/2026.
    ("ceremony over Tết 2026", date(2026, 1, 30), Kind.CEREMONY, date(2026, 3, 20)),
    # Ceremony, from Wed 20/01/2027: Jan 21-22 (2), 25-29 (7); Feb 01-03 (10); Tết (estimate) Thu 04, Fri 05,
    # Mon 08 to Wed 10/02 off; Feb 11-12 (12), 15-19 (17), 22-26 (22); Mar 01-05 (27), 08-10 (30):
    # Wed 10/03/2027.
    ("ceremony over Tết 2027", date(2027, 1, 20), Kind.CEREMONY, date(2027, 3, 10)),
    # Ceremony, from Fri 18/04/2025: Apr 21-25 (5), Sat 26/04 worked (6), 28-29 (8); Wed 30/04, Thu 01/05
    # and Fri 02/05 (swapped) off; May 05-09 (13), 12-16 (18), 19-23 (23), 26-30 (28); Jun 02-03 (30):
    # Tue 03/06/2025.
    ("ceremony over 30/4 - 1/5/2025", date(2025, 4, 18), Kind.CEREMONY, date(2025, 6, 3)),
    # Recognition, 30 working days after the probation of a ceremony of 15/04/2025 ended, on Wed 15/04/2026:
    # Apr 16-17 (2), 20-24 (7); Mon
    # 27/04 off (Hùng Kings' Day of Sun 26/04 given back), 28-29 (9); Thu 30/04 and Fri 01/05 off; May
    # 04-08 (14), 11-15 (19), 18-22 (24), 25-29 (29); Mon 01/06/2026 (30).
    ("recognition over 30/4 - 1/5/2026", date(2025, 4, 15), Kind.RECOGNITION, date(2026, 6, 1)),
    # Official transfer in: the member arrives within 30 working days of a letter of Fri 15/08/2025: Aug
    # 18-22 (5), 25-29 (10); Mon 01 and Tue 02/09 off (National Day); Sep 03-05 (13), 08-12 (18), 15-19
    # (23), 22-26 (28), 29-30 (30): Tue 30/09/2025.
    ("arrival over 2/9/2025", date(2025, 8, 15), Kind.TRANSFER_ARRIVAL, date(2025, 9, 30)),
    # Official transfer in, letter of Fri 14/08/2026: Aug 17-21 (5), Sat 22/08 worked (6), 24-28 (11); Mon
    # 31/08 (swapped), Tue 01 and Wed 02/09 off; Sep 03-04 (13), 07-11 (18), 14-18 (23), 21-25 (28), 28-29
    # (30): Tue 29/09/2026.
    ("arrival over 2/9/2026", date(2026, 8, 14), Kind.TRANSFER_ARRIVAL, date(2026, 9, 29)),
    # Official transfer out, the letter within 60 working days of a decision of Mon 01/12/2025: Dec 02-05
    # (4), 08-12 (9), 15-19 (14), 22-26 (19), 29-31 (22); Jan 01-02 off; Jan 05-09 (27), Sat 10 (28),
    # 12-16 (33), 19-23 (38), 26-30 (43); Feb 02-06 (48), 09-13 (53); Tết 14-22/02; Feb 23-27 (58); Mar
    # 02-03 (60): Tue 03/03/2026.
    ("transfer out over New Year and Tết 2026", date(2025, 12, 1), Kind.OFFICIAL_TRANSFER, date(2026, 3, 3)),
    # Official transfer in, letter of Thu 14/01/2027: Jan 15 (1), 18-22 (6), 25-29 (11); Feb 01-03 (14);
    # Tết 04-10/02; Feb 11-12 (16), 15-19 (21), 22-26 (26); Mar 01-04 (30): Thu 04/03/2027.
    ("arrival over Tết 2027", date(2027, 1, 14), Kind.TRANSFER_ARRIVAL, date(2027, 3, 4)),
]


def deadline_of(kind: Kind, event: date, calendar: WorkingCalendar) -> date:
    """Return the due date the rules give for one deadline counted from `event`."""
    if kind is Kind.CEREMONY:
        found = ceremony_deadline(Pipeline({Step.ADMISSION_DECISION: event}), calendar)
    elif kind is Kind.RECOGNITION:
        found = recognition_deadline(Pipeline({Step.CEREMONY: event}), calendar)
    else:
        direction = Direction.IN if kind is Kind.TRANSFER_ARRIVAL else Direction.OUT
        found = transfer_deadlines(TransferFacts(TransferKind.OFFICIAL, direction, event), calendar)[0]
    assert found is not None and found.kind is kind
    return found.due


@pytest.mark.parametrize(("what", "event", "kind", "due"), TABLE, ids=[row[0] for row in TABLE])
def test_deadlines_around_the_holidays(what: str, event: date, kind: Kind, due: date) -> None:
    assert deadline_of(kind, event, WorkingCalendar()) == due, what


def test_the_shipped_years_do_not_depend_on_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    # A library that knows no holiday at all: the shipped years keep their deadlines...
    # (the library's calendar is built once per process: the function that builds it is replaced)
    monkeypatch.setattr(calendar_module, "vietnam_holidays", lambda *a, **k: holidays.HolidayBase())
    empty = WorkingCalendar()
    for what, event, kind, due in TABLE:
        assert deadline_of(kind, event, empty) == due, what
    # ... while a year the project does not ship (2028) falls back on it: Tết 2028 no longer exists.
    assert empty.is_working_day(date(2028, 1, 26))


def test_24_november_moves_a_deadline_only_with_the_setting() -> None:
    # Ceremony from Mon 16/11/2026: Nov 17-20 (4), 23-27 (9), 30 (10); Dec 01-04 (14), 07-11 (19), 14-18
    # (24), 21-25 (29), Mon 28/12 (30). With 24/11 a day off (CHIBO_CULTURE_DAY_OFF), Tue 29/12/2026.
    decision = date(2026, 11, 16)
    assert deadline_of(Kind.CEREMONY, decision, WorkingCalendar()) == date(2026, 12, 28)
    assert deadline_of(Kind.CEREMONY, decision, WorkingCalendar(culture_day_off=True)) == date(2026, 12, 29)


def test_recognition_dates_from_the_end_of_probation_and_is_considered_the_day_after() -> None:
    # The dated example (QĐ 294, point 4.2, with the Civil Code's counting of months, art. 147-148): a
    # ceremony on 15/03/2025 ends the 12 months of probation on 15/03/2026; recognition dates from
    # 15/03/2026 however late the cell meets, and the cell's resolution, made after the 12 months, comes
    # from 16/03/2026 on.
    pipeline = Pipeline(
        {
            Step.SOURCE: date(2024, 1, 2),
            Step.AWARENESS_CLASS: date(2024, 2, 1),
            Step.APPLICATION: date(2024, 3, 1),
            Step.CELL_VOTE: date(2024, 9, 3),
            Step.ADMISSION_DECISION: date(2025, 2, 10),
            Step.CEREMONY: date(2025, 3, 15),
        }
    )
    assert recognition_effective_date(pipeline) == date(2026, 3, 15)
    t = translator("vi")
    refused = explain_refusal(pipeline, Step.RECOGNITION, date(2026, 3, 15), t)
    assert refused is not None
    message, values = refused
    assert t(message).format(**values) == (
        "Thời gian dự bị hết ngày 15/03/2026; chi bộ xét công nhận đảng viên chính thức từ ngày 16/03/2026."
    )
    assert explain_refusal(pipeline, Step.RECOGNITION, date(2026, 3, 16), t) is None
    # The deadline counts from 15/03/2026 (a Sunday): Mar 16-20 (5), 23-27 (10), 30-31 (12); Apr 01-03 (15),
    # 06-10 (20), 13-17 (25), 20-24 (30): Fri 24/04/2026, the 27/04 substitute day aside.
    assert deadline_of(Kind.RECOGNITION, date(2025, 3, 15), WorkingCalendar()) == date(2026, 4, 24)
