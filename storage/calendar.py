"""The working calendar as this deployment knows it: Vietnam's national holidays plus the days off and
make-up working days admins stored in the table calendar_days (/dayoff, /workday)."""

from __future__ import annotations

from datetime import date

from bot.rules.calendar import WorkingCalendar
from storage.database import Queryable


async def load_calendar(db: Queryable, *, language: str = "vi") -> WorkingCalendar:
    """Return the national calendar with the admins' days off and make-up working days."""
    rows = await db.fetchall("SELECT day, kind, name FROM calendar_days ORDER BY day")
    # A day off stored without a name is still a day off; it shows an empty name.
    days_off = {date.fromisoformat(r["day"]): r["name"] or "" for r in rows if r["kind"] == "off"}
    make_up_days = [date.fromisoformat(r["day"]) for r in rows if r["kind"] == "work"]
    return WorkingCalendar(days_off, make_up_days, language=language)
