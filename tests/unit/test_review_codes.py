"""A record's code (the dashboard shows it, /record takes it) and the start parameter of Telegram's deep
link: every kind of record has one, they read back as written, and what is typed on a phone (capitals,
spaces, full-width digits) still reads; nothing else does, and no invitation looks like one."""

from __future__ import annotations

import secrets

from bot.features import mine, review
from storage import records


def test_every_kind_of_record_has_a_code_and_a_form() -> None:
    assert set(review.CODE_LETTERS) == set(records.KINDS)
    assert len(set(review.CODE_LETTERS.values())) == len(review.CODE_LETTERS)
    for kind in records.KINDS:
        assert kind in mine.FORM_OF_KIND  # the record's page in the chat shows it through its form
        code = review.record_code(kind, 1234)
        assert review.parse_code(code) == (kind, 1234)
        parameter = review.start_parameter(kind, 1234)
        assert review.parse_start_parameter(parameter) == (kind, 1234)
        # Telegram's start parameter: A-Z, a-z, 0-9, _ and -, at most 64 characters.
        assert len(parameter) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-") for c in parameter)


def test_what_a_phone_types_reads_and_nothing_else_does() -> None:
    for typed in ("m12", "M12", "m 12", " #m-12 ", "ｍ１２", "m.12"):
        assert review.parse_code(typed) == ("meeting", 12), typed
    for typed in ("", "m", "12", "x12", "đ12", "m12a", "m1234567890123", "meeting 12", "m12;drop"):
        assert review.parse_code(typed) is None, typed
    assert review.parse_code("m-1") == ("meeting", 1)  # the dash is a separator, never a sign
    # A step of "source" is the person's record: that is the one opened.
    assert review.reviewed_as("step", 7, "source", 3) == ("person", 3)
    assert review.reviewed_as("step", 7, "application", 3) == ("step", 7)


def test_no_invitation_token_is_read_as_a_record() -> None:
    for _ in range(2000):
        assert review.parse_start_parameter(secrets.token_urlsafe(24)) is None
    assert review.parse_start_parameter("record-m12") == ("meeting", 12)
    assert review.parse_start_parameter("record-") is None
    assert review.deep_link("chibo_bot", "meeting", 12) == "https://t.me/chibo_bot?start=record-m12"
