"""SQL of the working calendar's extra days: the days off and make-up working days admins stored
(/dayoff, /workday) in the table calendar_days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage.database import Queryable


@dataclass(frozen=True)
class CalendarDays:
    """The days admins stored: days off by name, and make-up working days."""

    days_off: dict[date, str]
    make_up_days: list[date]


async def calendar_days(db: Queryable) -> CalendarDays:
    """Return the days off and make-up working days admins stored."""
    rows = await db.fetchall("SELECT day, kind, name FROM calendar_days ORDER BY day")
    # A day off stored without a name is still a day off; it shows an empty name.
    days_off = {date.fromisoformat(r["day"]): r["name"] or "" for r in rows if r["kind"] == "off"}
    make_up_days = [date.fromisoformat(r["day"]) for r in rows if r["kind"] == "work"]
    return CalendarDays(days_off, make_up_days)
