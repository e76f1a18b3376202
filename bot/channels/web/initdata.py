"""Checking the initData a Telegram Mini App sends, as Telegram specifies it.

https://core.telegram.org/bots/webapps, "Validating data received via the Mini App" (read in
November 2026): initData is a query string of fields. The data-check-string is every received field
but `hash`, sorted by key, as `key=value` lines joined by a line feed (0x0A). The secret key is the
HMAC-SHA256 of the bot's token keyed with the constant "WebAppData"; the data is from Telegram when
the hexadecimal HMAC-SHA256 of the data-check-string with that key equals `hash`. `auth_date` (unix
seconds) tells how old the data is; chibo refuses it past a configurable age (24 hours by default).
Complex fields (`user`) are JSON.

Written here rather than taken from a package: it is the dozen lines above with the standard
library, where the PyPI packages that do it are one person's each; the emulator
(bot/devtools/telegram_emulator) signs on its own, so a mistake here fails the tests instead of
cancelling out. A field given twice is refused: which one a parser keeps would otherwise decide
what was checked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

WEB_APP_DATA = b"WebAppData"
# A client's clock may run a little ahead of ours; data dated further in the future is refused.
CLOCK_SKEW = timedelta(minutes=5)


class InvalidInitData(Exception):
    """The initData is missing, malformed, not signed with the bot's token, or too old."""


@dataclass(frozen=True)
class WebAppUser:
    """The Telegram user an initData was signed for."""

    id: int
    first_name: str
    language_code: str | None
    auth_date: datetime


def secret_key(token: str) -> bytes:
    """Return the key initData is signed with: HMAC-SHA256 of the bot's token keyed with "WebAppData"."""
    return hmac.new(WEB_APP_DATA, token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    """Return the fields but `hash`, sorted by key, as key=value lines."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def validate(init_data: str, token: str, now: datetime, max_age: timedelta) -> WebAppUser:
    """Return the user of a Mini App's initData, or raise InvalidInitData."""
    if not init_data or len(init_data) > 8192:
        raise InvalidInitData("no initData")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInitData("initData is not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("a field is given twice")
    given = fields.get("hash", "")
    expected = hmac.new(secret_key(token), data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InvalidInitData("the hash does not match")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        if not isinstance(user, dict):
            raise TypeError("user is not an object")
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InvalidInitData("auth_date or user is missing or malformed") from None
    if signed_at > now + CLOCK_SKEW:
        raise InvalidInitData("auth_date is in the future")
    if now - signed_at > max_age:
        raise InvalidInitData("auth_date is too old")
    language = user.get("language_code")
    return WebAppUser(
        id=user_id,
        first_name=str(user.get("first_name", "")),
        language_code=language if isinstance(language, str) else None,
        auth_date=signed_at,
    )
