"""Vietnamese working days and calendar months, for deadlines the party rules count that way.

A working day is a Monday to Friday that is not a public holiday (Tết and the days off substituted for
a holiday falling on a weekend included), or a Saturday or Sunday the government has made a working
day in exchange for a day off. Three sources, the first that knows a day wins:
1. the admin's changes (/dayoff, /workday), passed in as two plain sets;
2. the official days of the years the project ships (bot/rules/calendar_data/, one file a year naming
   the text that decided each day): for those years the `holidays` library is not asked at all, so a
   deadline does not move when the library is upgraded or changes its estimate;
3. the `holidays` library's Vietnam calendar, for the other years (its Tết is an estimate).
A year is confirmed when its shipped file says so or an admin confirmed it (/calendar); a deadline
counted through the Tết of an unconfirmed year is worth telling the admin about
(`unconfirmed_tet_years`). Everything here is pure: dates in, dates out, no clock.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import holidays

ONE_DAY = timedelta(days=1)
_MEMO_LIMIT = 100_000  # remembered periods per calendar: some years of dates for a few lengths
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Ngày Văn hóa Việt Nam (Nghị quyết 80-NQ/TW, 2026): a paid day off once the Labour Code says so
# (its Điều 112.1 amended); until then a deployment's setting (CHIBO_CULTURE_DAY_OFF, README).
CULTURE_DAY = (11, 24)
CULTURE_DAY_FROM = 2026
CULTURE_SETTING = "culture_day"


@dataclass(frozen=True)
class OfficialDay:
    """A day the official calendar of a year changes: a day off, or a weekend day worked."""

    day: date
    name: str
    source: str
    setting: str | None = None  # a day that counts only when a setting says so (the culture day)


@dataclass(frozen=True)
class OfficialYear:
    """The days off and the weekend days worked of one year, as the project ships them."""

    year: int
    confirmed: bool  # every day decided by a text (False: some are estimates)
    sources: tuple[str, ...]
    tet: tuple[date, date]  # the Tết break, weekends included
    tet_source: str
    off: tuple[OfficialDay, ...] = ()
    work: tuple[OfficialDay, ...] = ()
    file: str = ""


def _official_day(entry: Mapping[str, object], file: str) -> OfficialDay:
    day = entry["date"]
    if not isinstance(day, date):
        raise ValueError(f"{file}: {entry!r} has no date")
    setting = entry.get("setting")
    return OfficialDay(day, str(entry["name"]), str(entry["source"]), str(setting) if setting else None)


def parse_official_year(text: str, file: str = "") -> OfficialYear:
    """Return the official year a TOML file describes (see calendar_data/README.md)."""
    data = tomllib.loads(text)
    year = int(data["year"])
    tet = data["tet"]
    official = OfficialYear(
        year=year,
        confirmed=bool(data["confirmed"]),
        sources=tuple(str(s) for s in data.get("sources", ())),
        tet=(tet["first"], tet["last"]),
        tet_source=str(tet["source"]),
        off=tuple(_official_day(e, file) for e in data.get("off", ())),
        work=tuple(_official_day(e, file) for e in data.get("work", ())),
        file=file,
    )
    for entry in (*official.off, *official.work):
        if entry.day.year != year:
            raise ValueError(f"{file}: {entry.day} is not in {year}")
    for entry in official.work:
        if entry.day.weekday() < 5:
            raise ValueError(f"{file}: the worked day {entry.day} is not a weekend day")
    clash = {e.day for e in official.off} & {e.day for e in official.work}
    if clash:
        raise ValueError(f"{file}: {sorted(clash)} both off and worked")
    return official


@cache
def official_years() -> Mapping[int, OfficialYear]:
    """Return the official years shipped with the project, by year."""
    found: dict[int, OfficialYear] = {}
    for entry in resources.files("bot.rules.calendar_data").iterdir():
        if entry.name.endswith(".toml"):
            official = parse_official_year(entry.read_text(encoding="utf-8"), entry.name)
            if official.year in found:
                raise ValueError(f"{entry.name}: the year {official.year} is shipped twice")
            found[official.year] = official
    return found


def culture_days(year: int) -> tuple[date, ...]:
    """Return 24/11 of a year and, when it falls on a weekend, the Monday given instead (Labour Code,
    Điều 111.3); nothing before the day was chosen (2026)."""
    if year < CULTURE_DAY_FROM:
        return ()
    day = date(year, *CULTURE_DAY)
    if day.weekday() < 5:
        return (day,)
    return (day, day + timedelta(days=7 - day.weekday()))


@cache
def vietnam_holidays(language: str) -> holidays.HolidayBase:
    """Return Vietnam's holidays in a language, built once per process.

    Building them loads the library's country modules and catalogs (a tenth of a second), and each
    reminder pass builds a calendar: one shared object, which fills in a year at its first look-up.
    """
    return holidays.country_holidays("VN", language=language)


class WorkingCalendar:
    """Vietnam's working days: the admin's changes, then the shipped official years, then the library."""

    def __init__(
        self,
        extra_days_off: Mapping[date, str] | Iterable[date] = (),
        make_up_days: Iterable[date] = (),
        *,
        language: str = "vi",
        official: Mapping[int, OfficialYear] | None = None,
        confirmed_years: Iterable[int] = (),
        culture_day_off: bool = False,
    ) -> None:
        """Build the calendar; `extra_days_off` may map each day to the name to show for it.

        official: the shipped official years (None: those of bot/rules/calendar_data); confirmed_years:
        the years an admin confirmed; culture_day_off: whether 24/11 is a day off (CHIBO_CULTURE_DAY_OFF).
        """
        names = dict(extra_days_off) if isinstance(extra_days_off, Mapping) else {}
        self._days_off: frozenset[date] = frozenset(extra_days_off)
        self._day_off_names: dict[date, str] = names
        self._make_up_days: frozenset[date] = frozenset(make_up_days)
        clash = self._days_off & self._make_up_days
        if clash:
            # One of the two entries is a typo; guessing which would move deadlines silently.
            listed = ", ".join(d.isoformat() for d in sorted(clash))
            raise ValueError(f"a day cannot be both an extra day off and a make-up working day: {listed}")
        self.official: Mapping[int, OfficialYear] = official_years() if official is None else official
        self._admin_confirmed = frozenset(confirmed_years)
        self.culture_day_off = culture_day_off
        self._official_off: dict[date, str] = {}
        self._official_work: dict[date, str] = {}
        for year in self.official.values():
            for entry in year.off:
                if entry.setting != CULTURE_SETTING or culture_day_off:
                    self._official_off[entry.day] = entry.name
            for entry in year.work:
                self._official_work[entry.day] = entry.name
        # expand=True (the default) loads a year the first time a date in it is looked up, so
        # deadlines that run into next year (or the year after) need no preloading. The library
        # also knows the weekend days it turned into working days (`weekend_workdays`) and honours
        # them in `is_working_day`.
        self._holidays = vietnam_holidays(language)
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
            answer = self._work_out(d)
            self._working[d] = answer
        return answer

    def _work_out(self, d: date) -> bool:
        """Tell whether people work on a day, asking each source in turn."""
        if d in self._days_off:
            return False
        if d in self._make_up_days:
            return True
        if d.year in self.official:
            if d in self._official_work:
                return True
            return d.weekday() < 5 and d not in self._official_off
        if d in culture_days(d.year):
            # The library lists 24/11 from 2026 whatever the Labour Code says; the setting decides.
            return d.weekday() < 5 and not self.culture_day_off
        return bool(self._holidays.is_working_day(d))

    def holiday_name(self, d: date) -> str | None:
        """Return the name of the day off on this date, or None for a working day or a plain weekend."""
        if self.is_working_day(d):
            return None
        if d in self._day_off_names:
            return self._day_off_names[d]
        if d.year in self.official or d in culture_days(d.year):
            return self._official_off.get(d)
        return self._holidays.get(d)

    def working_day_name(self, d: date) -> str | None:
        """Return why a weekend day is worked (an official make-up day), or None."""
        if not self.is_working_day(d) or d.weekday() < 5:
            return None
        return self._official_work.get(d)

    # ----- which years are confirmed ---------------------------------------------------------------

    def is_confirmed(self, year: int) -> bool:
        """Tell whether a year's days off are decided: shipped as confirmed, or confirmed by an admin."""
        shipped = self.official.get(year)
        return year in self._admin_confirmed or (shipped is not None and shipped.confirmed)

    def tet(self, year: int) -> tuple[date, date]:
        """Return the first and last day of a year's Tết break (the shipped span, or the library's days
        off around Lunar New Year)."""
        shipped = self.official.get(year)
        if shipped is not None:
            return shipped.tet
        window = self._library_tet_days(year)
        return min(window), max(window)

    def _library_tet_days(self, year: int) -> list[date]:
        """Return the library's days off between mid-January and February of a year: its Tết."""
        found = []
        d = date(year, 1, 15)
        while d <= date(year, 2, 28):
            if d in self._holidays:
                found.append(d)
            d += ONE_DAY
        # A year the library cannot place Tết in (never seen) still gets a span, mid-February.
        return found or [date(year, 2, 10), date(year, 2, 20)]

    def unconfirmed_tet_years(self, start: date, end: date) -> list[int]:
        """Return the years whose Tết lies between start and end (a period counted in working days) and
        whose days off nobody has confirmed."""
        years = []
        for year in range(start.year, end.year + 1):
            first, last = self.tet(year)
            if first <= end and start <= last and not self.is_confirmed(year):
                years.append(year)
        return years

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


def quarter_start(d: date) -> date:
    """Return the first day of the calendar quarter of `d`."""
    return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)


def quarter_label(d: date) -> str:
    """Return the calendar quarter of `d` as people write it: "4/2026"."""
    return f"{(d.month - 1) // 3 + 1}/{d.year}"
