"""Vietnamese working days: weekends, Tết, substituted days, admin changes; and calendar months.

Expected dates are worked out by hand from a wall calendar; the comments give the counting.
"""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.rules.calendar import WorkingCalendar, add_months, today_in

CAL = WorkingCalendar()


def test_weekdays_work_and_weekends_do_not() -> None:
    assert CAL.is_working_day(date(2026, 3, 10))  # Tuesday
    assert not CAL.is_working_day(date(2026, 3, 14))  # Saturday
    assert not CAL.is_working_day(date(2026, 3, 15))  # Sunday
    assert CAL.holiday_name(date(2026, 3, 14)) is None  # a plain weekend has no name
    assert CAL.holiday_name(date(2026, 3, 10)) is None


def test_tet_2026_is_monday_16_to_friday_20_february() -> None:
    for day in range(16, 21):
        assert not CAL.is_working_day(date(2026, 2, day)), day
    assert CAL.holiday_name(date(2026, 2, 17)) == "Tết Nguyên đán"  # the shipped 2026 file
    # A decision on Friday 13/02: Sat 14 to Sun 22 are off, so day 1 is Monday 23/02.
    assert CAL.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert CAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert CAL.previous_working_day(date(2026, 2, 23)) == date(2026, 2, 13)
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_tet_2027_days_on_the_weekend_are_given_back_on_weekdays() -> None:
    # Lunar New Year 2027 is Saturday 06/02. Eve Fri 05, days 1-4 Sat 06 to Tue 09; the Saturday is
    # given back on the working day before (Thu 04) and the Sunday on the one after (Wed 10).
    off = [date(2027, 2, d) for d in (4, 5, 8, 9, 10)]
    for d in off:
        assert not CAL.is_working_day(d), d
        assert CAL.holiday_name(d) is not None, d
    assert CAL.next_working_day(date(2027, 2, 3)) == date(2027, 2, 11)
    assert CAL.previous_working_day(date(2027, 2, 11)) == date(2027, 2, 3)
    assert CAL.working_days_between(date(2027, 2, 1), date(2027, 2, 12)) == 4  # Tue 2, Wed 3, Thu 11, Fri 12


def test_2026_day_off_substituted_from_saturday_22_august() -> None:
    assert not CAL.is_working_day(date(2026, 8, 31))  # Monday, off
    assert CAL.holiday_name(date(2026, 8, 31)) == "Nghỉ hoán đổi (làm bù thứ Bảy 22/08/2026)"
    assert CAL.is_working_day(date(2026, 8, 22))  # Saturday, worked instead
    assert CAL.holiday_name(date(2026, 8, 22)) is None
    assert CAL.next_working_day(date(2026, 8, 21)) == date(2026, 8, 22)
    # Fri 28/08, then Sat-Sun, Mon 31 (substituted), Tue 1 and Wed 2/09 (National Day): Thu 03/09.
    assert CAL.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)
    # Week of 17/08: Mon-Fri 5 days plus Saturday 22 = 6.
    assert CAL.working_days_between(date(2026, 8, 16), date(2026, 8, 23)) == 6


def test_hung_kings_day_on_a_sunday_is_observed_on_monday() -> None:
    # 2026: Sun 26/04 observed Mon 27/04; Thu 30/04 and Fri 01/05 off. A meeting on Monday 04/05 is
    # reminded on the last working day before it: Wednesday 29/04.
    assert not CAL.is_working_day(date(2026, 4, 27))
    assert CAL.previous_working_day(date(2026, 5, 4)) == date(2026, 4, 29)


def test_admin_days_off_and_make_up_days() -> None:
    cal = WorkingCalendar(
        extra_days_off={date(2027, 9, 6): "Nghỉ bù Quốc khánh"},
        make_up_days=[date(2027, 9, 11)],
    )
    assert not cal.is_working_day(date(2027, 9, 6))  # a Monday the admin gave off
    assert cal.holiday_name(date(2027, 9, 6)) == "Nghỉ bù Quốc khánh"
    assert cal.is_working_day(date(2027, 9, 11))  # a Saturday worked in exchange
    assert cal.holiday_name(date(2027, 9, 11)) is None
    # Thu 02 and Fri 03/09/2027 are National Day; from Wed 01/09: Mon 06 is off, so Tue 07.
    assert cal.next_working_day(date(2027, 9, 1)) == date(2027, 9, 7)
    # Week of 06/09: Tue-Fri 4 days plus Saturday 11 = 5; the library alone counts Mon-Fri, also 5.
    assert cal.working_days_between(date(2027, 9, 5), date(2027, 9, 12)) == 5
    # After Friday 10/09 up to Sunday 12/09: only the made-up Saturday counts.
    assert cal.working_days_between(date(2027, 9, 10), date(2027, 9, 12)) == 1
    assert CAL.working_days_between(date(2027, 9, 10), date(2027, 9, 12)) == 0
    assert cal.extra_days_off == frozenset({date(2027, 9, 6)})
    assert cal.make_up_days == frozenset({date(2027, 9, 11)})


def test_admin_day_off_without_a_name_and_on_top_of_a_holiday() -> None:
    cal = WorkingCalendar(extra_days_off=[date(2026, 12, 31), date(2027, 1, 1)])
    assert not cal.is_working_day(date(2026, 12, 31))
    assert cal.holiday_name(date(2026, 12, 31)) is None  # nobody named it
    assert cal.holiday_name(date(2027, 1, 1)) == "Tết Dương lịch"  # the library still knows this one


def test_make_up_day_can_also_cancel_an_official_holiday() -> None:
    # Should the government swap a holiday the shipped file lists, the admin can make it a working day.
    cal = WorkingCalendar(make_up_days=[date(2026, 9, 1)])
    assert cal.is_working_day(date(2026, 9, 1))
    assert not CAL.is_working_day(date(2026, 9, 1))


def test_24_november_is_a_day_off_only_when_the_setting_says_so() -> None:
    # Ngày Văn hóa Việt Nam (NQ 80-NQ/TW): a working day until the Labour Code is amended
    # (CHIBO_CULTURE_DAY_OFF), in a shipped year (2026) as in a year the library covers (2028).
    for day in (date(2026, 11, 24), date(2027, 11, 24), date(2028, 11, 24)):
        assert CAL.is_working_day(day), day
        assert not WorkingCalendar(culture_day_off=True).is_working_day(day), day
    assert WorkingCalendar(culture_day_off=True).holiday_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    # 24/11/2029 is a Saturday: with the setting, Monday 26/11 is given instead.
    assert not WorkingCalendar(culture_day_off=True).is_working_day(date(2029, 11, 26))
    assert CAL.is_working_day(date(2029, 11, 26))
    assert CAL.is_working_day(date(2025, 11, 24))  # before it was chosen, an ordinary Monday


def test_a_day_cannot_be_both_off_and_made_up() -> None:
    with pytest.raises(ValueError, match="2027-01-09"):
        WorkingCalendar(extra_days_off=[date(2027, 1, 9)], make_up_days=[date(2027, 1, 9)])


def test_add_working_days_does_not_count_the_start_day() -> None:
    # Wednesday 04/03/2026 + 2: Thu 05 (1), Fri 06 (2).
    assert CAL.add_working_days(date(2026, 3, 4), 2) == date(2026, 3, 6)
    # From a Saturday or from the Friday before, day 1 is the same Monday.
    assert CAL.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)
    assert CAL.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert CAL.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    assert CAL.add_working_days(date(2026, 3, 9), -1) == date(2026, 3, 6)
    assert CAL.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)  # back over Tết


def test_thirty_working_days_across_new_year() -> None:
    # Sunday 20/12/2026. December: 21-25 (5), 28-31 (4) = 9; Fri 01/01 is off; January: four full
    # weeks 04-29 = 20, so 29 on Fri 29/01; Mon 01/02/2027 is the 30th.
    assert CAL.add_working_days(date(2026, 12, 20), 30) == date(2027, 2, 1)
    assert CAL.working_days_between(date(2026, 12, 20), date(2027, 2, 1)) == 30


def test_sixty_working_days_across_new_year_and_tet() -> None:
    # Continuing from 30 on Mon 01/02/2027: Tue 02 (31), Wed 03 (32); Thu 04 to Wed 10 off (Tết);
    # Thu 11, Fri 12 (34); weeks of 15/02, 22/02, 01/03, 08/03, 15/03 (59); Mon 22/03 is the 60th.
    assert CAL.add_working_days(date(2026, 12, 20), 60) == date(2027, 3, 22)


def test_working_days_between_is_antisymmetric_and_zero_on_the_same_day() -> None:
    a, b = date(2026, 2, 13), date(2026, 3, 2)
    # After Fri 13/02: Tết week off, week of 23/02 (5), Mon 02/03 (6).
    assert CAL.working_days_between(a, b) == 6
    assert CAL.working_days_between(b, a) == -6
    assert CAL.working_days_between(a, a) == 0


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # 2029 has no 29/02
        (date(2028, 2, 29), 48, date(2032, 2, 29)),  # 2032 does
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),  # over the year end
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2021, 3, 10), 60, date(2026, 3, 10)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_today_in_vietnam_from_an_aware_moment() -> None:
    # 18:00 UTC on New Year's Eve is already 01:00 on 01/01 in Hanoi (UTC+7).
    assert today_in(datetime(2026, 12, 31, 18, 0, tzinfo=UTC)) == date(2027, 1, 1)
    plus_seven = timezone(timedelta(hours=7))
    assert today_in(datetime(2026, 12, 31, 23, 30, tzinfo=plus_seven)) == date(2026, 12, 31)
    with pytest.raises(ValueError, match="aware"):
        today_in(datetime(2026, 12, 31, 18, 0))  # noqa: DTZ001 - the naive moment is the point
