"""This deployment's working calendar: Vietnam's national holidays (bot/rules/calendar.py) plus the
days off and make-up working days admins stored (/dayoff, /workday)."""

from __future__ import annotations

from bot.rules.calendar import WorkingCalendar
from storage.calendar import calendar_days
from storage.database import Queryable


async def load_calendar(db: Queryable, *, language: str = "vi") -> WorkingCalendar:
    """Return the national calendar with the admins' days off and make-up working days."""
    days = await calendar_days(db)
    return WorkingCalendar(days.days_off, days.make_up_days, language=language)
