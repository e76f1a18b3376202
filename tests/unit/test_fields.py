"""The answer parsers of the forms and the order of the admission pipeline."""

from datetime import date

import pytest

from bot.forms.fields import (
    Invalid,
    match_option,
    parse_date,
    parse_int,
    parse_name,
    parse_text,
    parse_yesno,
    search,
)
from bot.rules.pipeline import Pipeline, Step, next_steps, refusal

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("24/11/2026", "2026-11-24"),
        ("1/2/26", "2026-02-01"),
        ("01-02-2026", "2026-02-01"),
        ("5.9.2025", "2025-09-05"),
        (" 29/02/2024 ", "2024-02-29"),
        ("hôm nay", "2026-11-24"),
        ("Hom Nay", "2026-11-24"),
        ("hôm qua", "2026-11-23"),
        ("today", "2026-11-24"),
        ("yesterday", "2026-11-23"),
        # Without the year: this year's, or last year's when this year's is still to come.
        ("5/11", "2026-11-05"),
        ("24/11", "2026-11-24"),
        ("25/11", "2025-11-25"),
        ("31-12", "2025-12-31"),
        ("1.1", "2026-01-01"),
    ],
)
def test_dates_people_write(typed: str, expected: str) -> None:
    assert parse_date(typed, TODAY, past_only=True) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2026", "There is no such day"),
        ("29/02/2025", "There is no such day"),
        ("2026-11-24", "Write the date as day/month/year"),
        ("ngày mai", "Write the date as day/month/year"),
        ("", "Write the date as day/month/year"),
        ("25/11/2026", "in the future"),
        ("01/01/1900", "too far in the past"),
        ("31/11", "There is no such day"),
        ("5/", "Write the date as day/month/year"),
    ],
)
def test_bad_dates_are_refused_with_the_reason(typed: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_date(typed, TODAY, past_only=True)
    assert message in caught.value.message


def test_future_dates_where_they_may_be() -> None:
    assert parse_date("01/03/2027", TODAY) == "2027-03-01"
    with pytest.raises(Invalid, match="too far in the future"):
        parse_date("01/01/2035", TODAY)


@pytest.mark.parametrize("typed", ["12", " 12 ", "0012"])
def test_numbers(typed: str) -> None:
    assert parse_int(typed, 0, 100) == 12


@pytest.mark.parametrize("typed", ["-1", "1.5", "mười", "12a", "１２", "", "1e3"])
def test_only_digits_make_a_number(typed: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_int(typed, 0, 100)
    assert caught.value.params == {"min": 0, "max": 100}


def test_numbers_out_of_range_say_the_range() -> None:
    with pytest.raises(Invalid) as caught:
        parse_int("101", 0, 100)
    assert caught.value.message == "The number must be from {min} to {max}."


def test_names() -> None:
    assert parse_name("  Lê   <b>Văn</b> & Co  ") == "Lê <b>Văn</b> & Co"
    for bad in ("A", "x" * 101, "12 34", "Nguyen 001203004567"):
        with pytest.raises(Invalid):
            parse_name(bad)


def test_free_text() -> None:
    assert parse_text("  hai   dòng\n  thứ hai ") == "hai dòng\nthứ hai"
    with pytest.raises(Invalid, match="too long"):
        parse_text("x" * 501, maximum=500)
    with pytest.raises(Invalid, match="ID or party card"):
        parse_text("thẻ đảng 123456789")
    with pytest.raises(Invalid, match="too short"):
        parse_text("   ")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("có", True),
        ("Co", True),
        ("yes", True),
        ("1", True),
        ("không", False),
        ("ko", False),
        ("No", False),
        ("2", False),
    ],
)
def test_yes_and_no(typed: str, expected: bool) -> None:
    assert parse_yesno(typed) is expected


def test_options_by_number_label_or_search() -> None:
    options = [("regular", "Sinh hoạt chi bộ thường kỳ (hằng tháng)"), ("thematic", "Sinh hoạt chuyên đề")]
    assert match_option("2", options) == "thematic"
    assert match_option("2.", options) == "thematic"
    assert match_option("sinh hoat chuyen de", options) == "thematic"
    assert match_option("1. Sinh hoạt chi bộ thường kỳ (hằng tháng)", options) == "regular"
    assert match_option("3", options) is None
    assert match_option("0", options) is None
    assert match_option("chuyên", options) is None
    assert search("chuyen", options) == [("thematic", "Sinh hoạt chuyên đề")]
    assert search("sinh hoat", options) == options


def test_the_pipeline_goes_in_order() -> None:
    empty = Pipeline()
    assert next_steps(empty) == [Step.SOURCE, Step.WITHDREW]
    source = Pipeline({Step.SOURCE: date(2026, 1, 5)})
    assert next_steps(source) == [Step.AWARENESS_CLASS, Step.WITHDREW]
    # Until the admission decision, an expired certificate can be replaced by a new one.
    certified = Pipeline({Step.SOURCE: date(2020, 1, 5), Step.AWARENESS_CLASS: date(2020, 3, 1)})
    assert next_steps(certified) == [Step.APPLICATION, Step.AWARENESS_CLASS, Step.WITHDREW]
    assert refusal(certified, Step.AWARENESS_CLASS, date(2025, 4, 1)) is None
    assert refusal(source, Step.APPLICATION, date(2026, 2, 1)) is not None
    assert refusal(source, Step.AWARENESS_CLASS, date(2026, 1, 4)) is not None
    assert refusal(source, Step.AWARENESS_CLASS, date(2026, 1, 5)) is None
    probation = Pipeline(
        {
            s: date(2026, 1, 5 + i)
            for i, s in enumerate(
                [
                    Step.SOURCE,
                    Step.AWARENESS_CLASS,
                    Step.APPLICATION,
                    Step.CELL_VOTE,
                    Step.ADMISSION_DECISION,
                    Step.CEREMONY,
                ]
            )
        }
    )
    assert next_steps(probation) == [Step.RECOGNITION, Step.NOT_RECOGNISED, Step.WITHDREW]
    ended = Pipeline({**probation.steps, Step.RECOGNITION: date(2027, 1, 20)})
    assert ended.finished
    assert next_steps(ended) == []
    assert refusal(ended, Step.WITHDREW, date(2027, 2, 1)) is not None
    withdrawn = Pipeline({Step.SOURCE: date(2026, 1, 5), Step.WITHDREW: date(2026, 3, 1)})
    assert withdrawn.last is Step.WITHDREW
    assert next_steps(withdrawn) == []
