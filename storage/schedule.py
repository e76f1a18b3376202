"""SQL of what admins set for the scheduler: admission targets and the calendar's extra days."""

from __future__ import annotations

from datetime import date, datetime

from storage.database import Queryable
from storage.models import to_db_time


async def set_target(db: Queryable, unit_id: int, year: int, admissions: int) -> int | None:
    """Set a unit's admission target for a year; return the previous one."""
    old = await db.fetchval("SELECT admissions FROM targets WHERE unit_id = ? AND year = ?", (unit_id, year))
    await db.execute(
        """
        INSERT INTO targets (unit_id, year, admissions) VALUES (?, ?, ?)
        ON CONFLICT (unit_id, year) DO UPDATE SET admissions = excluded.admissions
        """,
        (unit_id, year, admissions),
    )
    return None if old is None else int(old)


async def set_calendar_day(
    db: Queryable, day: date, kind: str, name: str | None, user_id: int | None, now: datetime
) -> None:
    """Make a day a day off ('off') or a make-up working day ('work')."""
    await db.execute(
        """
        INSERT INTO calendar_days (day, kind, name, created_by, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name
        """,
        (day.isoformat(), kind, name, user_id, to_db_time(now)),
    )


async def calendar_days_from(db: Queryable, first: date) -> list[tuple[date, str, str | None]]:
    """Return the days off and make-up days from a date on, in order."""
    rows = await db.fetchall(
        "SELECT day, kind, name FROM calendar_days WHERE day >= ? ORDER BY day", (first.isoformat(),)
    )
    return [(date.fromisoformat(r["day"]), r["kind"], r["name"]) for r in rows]


async def last_period(db: Queryable, job: str) -> str | None:
    """Return the last period a scheduled job ran for ('2026-11-24', '2026-W48'), or None."""
    done = await db.fetchval("SELECT last_period FROM job_runs WHERE job = ?", (job,))
    return None if done is None else str(done)


async def close_period(db: Queryable, job: str, period: str, now: datetime) -> None:
    """Record that a scheduled job ran for a period."""
    await db.execute(
        """
        INSERT INTO job_runs (job, last_period, ran_at) VALUES (?, ?, ?)
        ON CONFLICT (job) DO UPDATE SET last_period = excluded.last_period, ran_at = excluded.ran_at
        """,
        (job, period, to_db_time(now)),
    )
