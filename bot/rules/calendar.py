"""Vietnamese working days and calendar months, for deadlines the party rules count that way.

A working day is a Monday to Friday that is not a public holiday (Tết and the days off substituted for
a holiday falling on a weekend included), or a Saturday or Sunday the government has made a working
day in exchange for a day off. The holidays come from the `holidays` library's Vietnam calendar; the
committee's admin adds what it lacks (a swap announced after the library's release, a local day off)
as two plain sets the caller passes in. Everything here is pure: dates in, dates out, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

ONE_DAY = timedelta(days=1)
_MEMO_LIMIT = 100_000  # remembered periods per calendar: some years of dates for a few lengths
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class WorkingCalendar:
    """Vietnam's working days, with the days off and make-up working days an admin added."""

    def __init__(
        self,
        extra_days_off: Mapping[date, str] | Iterable[date] = (),
        make_up_days: Iterable[date] = (),
        *,
        language: str = "vi",
    ) -> None:
        """Build the calendar; `extra_days_off` may map each day to the name to show for it."""
        names = dict(extra_days_off) if isinstance(extra_days_off, Mapping) else {}
        self._days_off: frozenset[date] = frozenset(extra_days_off)
        self._day_off_names: dict[date, str] = names
        self._make_up_days: frozenset[date] = frozenset(make_up_days)
        clash = self._days_off & self._make_up_days
        if clash:
            # One of the two entries is a typo; guessing which would move deadlines silently.
            listed = ", ".join(d.isoformat() for d in sorted(clash))
            raise ValueError(f"a day cannot be both an extra day off and a make-up working day: {listed}")
        # expand=True (the default) loads a year the first time a date in it is looked up, so
        # deadlines that run into next year (or the year after) need no preloading. The library
        # also knows the weekend days it turned into working days (`weekend_workdays`, e.g.
        # Saturday 22/08/2026 for Monday 31/08/2026) and honours them in `is_working_day`.
        self._holidays = holidays.country_holidays("VN", language=language)
        # The holidays library works each answer out afresh; a digest or a reminder pass asks about
        # the same few hundred days thousands of times, so each instance remembers its answers.
        self._working: dict[date, bool] = {}
        # The same goes for periods: a city's digest counts 30 working days from the same few hundred
        # dates for 16,000 people (bench/scale), each count a walk of some 40 days.
        self._added: dict[tuple[date, int], date] = {}

    @property
    def extra_days_off(self) -> frozenset[date]:
        """Return the days off the admin added."""
        return self._days_off

    @property
    def make_up_days(self) -> frozenset[date]:
        """Return the weekend days the admin made working days."""
        return self._make_up_days

    def is_working_day(self, d: date) -> bool:
        """Tell whether people work on this day."""
        answer = self._working.get(d)
        if answer is None:
            if d in self._days_off:
                answer = False
            elif d in self._make_up_days:
                answer = True
            else:
                answer = bool(self._holidays.is_working_day(d))
            self._working[d] = answer
        return answer

    def holiday_name(self, d: date) -> str | None:
        """Return the name of the day off on this date, or None for a working day or a plain weekend."""
        if self.is_working_day(d):
            return None
        if d in self._day_off_names:
            return self._day_off_names[d]
        return self._holidays.get(d)

    def next_working_day(self, d: date) -> date:
        """Return the first working day strictly after `d`."""
        d += ONE_DAY
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """Return the last working day strictly before `d` (the day a meeting reminder goes out)."""
        d -= ONE_DAY
        while not self.is_working_day(d):
            d -= ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """Return the n-th working day after `start`, which itself is not counted.

        This is the last day of a period "within n working days of X": day 1 is the first working
        day after X, as the Civil Code (2015, art. 147) counts periods: the day of the event is not
        part of the period, which begins the next day. So a decision received on Friday 04/12/2026
        gives day 1 on Monday 07/12, and one received on a Saturday gives day 1 on the Monday too:
        whether X is itself a working day makes no difference. The result is always a working day.
        n = 0 returns `start` unchanged; a negative n counts back the same way (the n-th working day
        before `start`).
        """
        found = self._added.get((start, n))
        if found is None:
            step = self.next_working_day if n >= 0 else self.previous_working_day
            found = start
            for _ in range(abs(n)):
                found = step(found)
            if len(self._added) >= _MEMO_LIMIT:
                self._added.clear()  # a long-running bot must not grow without end
            self._added[(start, n)] = found
        return found

    def working_days_between(self, a: date, b: date) -> int:
        """Return how many working days lie after `a` up to and including `b` (negative when b < a).

        The same counting as `add_working_days`, so that
        `working_days_between(x, add_working_days(x, n)) == n`: "how many working days of the
        period have been used by day b".
        """
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a + ONE_DAY
        while d <= b:
            count += self.is_working_day(d)
            d += ONE_DAY
        return count


def add_months(d: date, n: int) -> date:
    """Return the same day n calendar months later (or earlier), clamped to the end of a shorter month.

    31/01 + 1 month is 28/02 (29/02 in a leap year) and 29/02/2028 + 12 months is 28/02/2029, as the
    Civil Code (2015, art. 148) ends a period counted in months: on the corresponding day of the last
    month, or on that month's last day when it has no such day.
    """
    months = d.year * 12 + (d.month - 1) + n
    year, month = divmod(months, 12)
    month += 1
    return date(year, month, min(d.day, _days_in_month(year, month)))


def _days_in_month(year: int, month: int) -> int:
    """Return the number of days of a month."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - ONE_DAY).day


def today_in(now: datetime, zone: ZoneInfo = VIETNAM) -> date:
    """Return the calendar date of an aware moment in the given zone (Vietnam's by default)."""
    if now.tzinfo is None or now.utcoffset() is None:
        # A naive moment would be read in the server's zone: a UTC server would be 7 hours late.
        raise ValueError("today_in needs an aware datetime")
    return now.astimezone(zone).date()
