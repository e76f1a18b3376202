"""initData checked as Telegram specifies, against the emulator's own signing (written apart from it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlencode

import pytest

from bot.channels.web.initdata import InvalidInitData, validate
from bot.devtools.telegram_emulator.models import User
from bot.devtools.telegram_emulator.webapps import init_data, sign

TOKEN = "123456:initdata-test-token-abcdefghijklmno"
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def _data(auth: datetime = NOW, user: User | None = None) -> str:
    return init_data(user or User(42, "Hùng", language_code="vi"), TOKEN, int(auth.timestamp()))


def test_a_signed_init_data_gives_its_user_and_language() -> None:
    checked = validate(_data(), TOKEN, NOW, DAY)
    assert (checked.id, checked.first_name, checked.language_code) == (42, "Hùng", "vi")


def test_the_data_check_string_is_every_field_but_hash_sorted() -> None:
    # Fields in any order, a value with "&" and "=" and Vietnamese letters, all signed as Telegram signs.
    fields = {"user": '{"id":7,"first_name":"A&B=C Đức"}', "auth_date": str(int(NOW.timestamp())), "z": "1"}
    assert validate(sign(fields, TOKEN), TOKEN, NOW, DAY).first_name == "A&B=C Đức"


@pytest.mark.parametrize(
    "forge",
    [
        lambda d: d.replace("hash=", "hash=0"),  # a wrong hash
        lambda d: d + "&extra=1",  # a field added after signing
        lambda d: d + "&auth_date=1",  # a field given twice
        lambda d: "&".join(p for p in d.split("&") if not p.startswith("hash=")),  # no hash
        lambda d: "",
        lambda d: "%%%",
    ],
)
def test_altered_init_data_is_refused(forge: object) -> None:
    with pytest.raises(InvalidInitData):
        validate(forge(_data()), TOKEN, NOW, DAY)  # type: ignore[operator]


def test_another_users_id_with_the_original_hash_is_refused() -> None:
    fields = dict(parse_qsl(_data()))
    fields["user"] = fields["user"].replace('"id":42', '"id":43')
    with pytest.raises(InvalidInitData):
        validate(urlencode(fields, quote_via=quote), TOKEN, NOW, DAY)


def test_another_bots_signature_is_refused() -> None:
    with pytest.raises(InvalidInitData):
        validate(_data(), "999:another-token-abcdefghijklmnopqr", NOW, DAY)


def test_auth_date_older_than_the_limit_or_in_the_future_is_refused() -> None:
    assert validate(_data(NOW - DAY + timedelta(seconds=1)), TOKEN, NOW, DAY)
    with pytest.raises(InvalidInitData):
        validate(_data(NOW - DAY - timedelta(seconds=1)), TOKEN, NOW, DAY)
    with pytest.raises(InvalidInitData):
        validate(_data(NOW - timedelta(hours=2)), TOKEN, NOW, timedelta(hours=1))  # configurable
    with pytest.raises(InvalidInitData):
        validate(_data(NOW + timedelta(hours=1)), TOKEN, NOW, DAY)
