"""This deployment's working calendar: Vietnam's official days (bot/rules/calendar.py and the shipped
calendar_data), with the days off and make-up working days admins stored (/dayoff, /workday) and the
years they confirmed (/calendar)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.rules.calendar import ONE_DAY, WorkingCalendar
from storage.calendar import calendar_days
from storage.database import Queryable


async def load_calendar(
    db: Queryable, *, culture_day_off: bool = False, language: str = "vi"
) -> WorkingCalendar:
    """Return the official calendar with the admins' changes; culture_day_off is CHIBO_CULTURE_DAY_OFF."""
    days = await calendar_days(db)
    return WorkingCalendar(
        days.days_off,
        days.make_up_days,
        language=language,
        confirmed_years=days.confirmed_years,
        culture_day_off=culture_day_off,
    )


@dataclass(frozen=True)
class YearDay:
    """A day of a year's calendar that is not an ordinary one: a weekday off or a weekend day worked."""

    day: date
    off: bool
    name: str
    by_admin: bool  # changed by an admin (/dayoff, /workday) rather than shipped or from the library


@dataclass(frozen=True)
class YearView:
    """What /calendar shows of a year: its changes to the ordinary week, where they come from, and
    whether anyone confirmed them."""

    year: int
    confirmed: bool
    shipped: bool  # the project ships the year's official days (calendar_data)
    shipped_confirmed: bool
    sources: tuple[str, ...]
    tet: tuple[date, date]
    days: tuple[YearDay, ...]


def year_view(calendar: WorkingCalendar, year: int) -> YearView:
    """Return the weekdays off and the weekend days worked of a year, as the calendar counts them."""
    days = []
    d = date(year, 1, 1)
    while d.year == year:
        working = calendar.is_working_day(d)
        by_admin = d in calendar.extra_days_off or d in calendar.make_up_days
        if d.weekday() < 5 and not working:
            days.append(YearDay(d, True, calendar.holiday_name(d) or "", by_admin))
        elif d.weekday() >= 5 and working:
            days.append(YearDay(d, False, calendar.working_day_name(d) or "", by_admin))
        elif by_admin:
            # An admin's day off on a weekend, or make-up day on a weekday: nothing changes, but say so.
            days.append(YearDay(d, not working, calendar.holiday_name(d) or "", True))
        d += ONE_DAY
    shipped = calendar.official.get(year)
    return YearView(
        year=year,
        confirmed=calendar.is_confirmed(year),
        shipped=shipped is not None,
        shipped_confirmed=shipped is not None and shipped.confirmed,
        sources=shipped.sources if shipped is not None else (),
        tet=calendar.tet(year),
        days=tuple(days),
    )
