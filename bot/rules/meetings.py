"""When a cell owes its meetings: plain dates in, plain answers out (no storage, no telegram).

The rules (DOMAIN.md, "Cell routine"; bot/rules/regulations.py has the clauses):
- A cell holds its regular meeting every month (Charter, Điều 24.3) on its own meeting day. A month's
  regular meeting is owed once that day has passed, and only by a cell that existed on that day: a cell
  set up after it is not asked about that month (as the digest and the scheduler's nudge do).
- Only a regular meeting pays it, with or without a thematic part in the same session; a thematic
  meeting on its own never replaces it (HD 42-HD/BTCTW). Which stored kinds are which:
  storage/digest_queries.py, REGULAR_MEETING_KINDS and THEMATIC_MEETING_KINDS.
- At least one meeting with a thematic part a quarter (THEMATIC_PER_QUARTER). A quarter's is owed once
  the quarter has ended, by a cell that existed before the quarter's last month; within that last month
  it is due (the scheduler nudges then).
- What a committee follows up (the digest's "Needs action"): in a quarter's last month, the cells with no
  thematic meeting yet; in the next quarter's first month, those whose quarter ended without one (a
  meeting that took place can still be recorded). In a quarter's middle month, neither.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.rules.calendar import add_months, quarter_start


def meeting_day_in(month: date, meeting_day: int) -> date:
    """Return a cell's meeting day in the month of `month` (meeting days run from 1 to 28)."""
    return month.replace(day=meeting_day)


def regular_asked(month: date, meeting_day: int, created: date | None) -> bool:
    """Tell whether a cell is asked for the regular meeting of a month: it existed on its meeting day."""
    return created is None or created <= meeting_day_in(month, meeting_day)


def regular_owed(month: date, meeting_day: int, created: date | None, today: date) -> bool:
    """Tell whether a cell owes the regular meeting of a month by today: its meeting day of that month
    has passed, and the cell existed on that day."""
    return today > meeting_day_in(month, meeting_day) and regular_asked(month, meeting_day, created)


def quarter_end(day: date) -> date:
    """Return the last day of a day's quarter."""
    return add_months(quarter_start(day), 3) - timedelta(days=1)


def thematic_last_month(quarter: date) -> date:
    """Return the first day of a quarter's last month, from which its thematic meeting is due."""
    return add_months(quarter_start(quarter), 2)


def thematic_asked(quarter: date, created: date | None) -> bool:
    """Tell whether a cell is asked for a quarter's thematic meeting: it existed before the last month."""
    return created is None or created < thematic_last_month(quarter)


def thematic_owed(quarter: date, created: date | None, today: date) -> bool:
    """Tell whether a cell owes the thematic meeting of a quarter by today: the quarter has ended."""
    return today > quarter_end(quarter) and thematic_asked(quarter, created)


def thematic_due(quarter: date, created: date | None, today: date) -> bool:
    """Tell whether a quarter's thematic meeting is due now: today is in the quarter's last month."""
    return thematic_last_month(quarter) <= today <= quarter_end(quarter) and thematic_asked(quarter, created)


def thematic_followed(today: date) -> date | None:
    """Return the quarter (its first day) whose thematic meeting a committee follows up today: this
    quarter in its last month, the quarter just ended in the next one's first month, else None."""
    this = quarter_start(today)
    if today >= thematic_last_month(this):
        return this
    if today.month == this.month:
        return add_months(this, -3)
    return None
