"""SQL of the working calendar as admins changed it: the days off and make-up working days they stored
(/dayoff, /workday) in the table calendar_days, and the years they confirmed (/calendar, calendar_years)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.database import Queryable
from storage.models import to_db_time


@dataclass(frozen=True)
class CalendarDays:
    """What admins stored: days off by name, make-up working days, and the years they confirmed."""

    days_off: dict[date, str]
    make_up_days: list[date]
    confirmed_years: frozenset[int] = frozenset()


async def calendar_days(db: Queryable) -> CalendarDays:
    """Return the days off and make-up working days admins stored, and the years they confirmed."""
    rows = await db.fetchall("SELECT day, kind, name FROM calendar_days ORDER BY day")
    # A day off stored without a name is still a day off; it shows an empty name.
    days_off = {date.fromisoformat(r["day"]): r["name"] or "" for r in rows if r["kind"] == "off"}
    make_up_days = [date.fromisoformat(r["day"]) for r in rows if r["kind"] == "work"]
    years = await db.fetchall("SELECT year FROM calendar_years")
    return CalendarDays(days_off, make_up_days, frozenset(int(r["year"]) for r in years))


async def confirm_year(db: Queryable, year: int, user_id: int | None, now: datetime) -> bool:
    """Record that an admin confirmed a year's days off; False when it was confirmed already."""
    added = await db.execute(
        """
        INSERT INTO calendar_years (year, confirmed_by, confirmed_at) VALUES (?, ?, ?)
        ON CONFLICT DO NOTHING
        """,
        (year, user_id, to_db_time(now)),
    )
    return added == 1


async def clear_day(db: Queryable, day: date) -> tuple[str, str | None] | None:
    """Remove an admin's change of a day; return what it was (kind, name), or None when there was none."""
    row = await db.fetchone("SELECT kind, name FROM calendar_days WHERE day = ?", (day.isoformat(),))
    if row is None:
        return None
    await db.execute("DELETE FROM calendar_days WHERE day = ?", (day.isoformat(),))
    return str(row["kind"]), row["name"]
