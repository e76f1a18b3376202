"""Callback data: a small versioned format, parsed in one place.

``v1:<kind>:<arg>:<arg>...``, at most 64 bytes (Telegram's limit). A button from an older
version, a restart or a finished form decodes to None or to something the feature no longer
expects, and the user gets a polite answer instead of a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import parse_id

VERSION = "v1"
MAX_BYTES = 64


@dataclass(frozen=True)
class CallbackData:
    """A decoded button press."""

    kind: str
    args: tuple[str, ...]


def encode(kind: str, *args: object) -> str:
    """Return the callback data of a button."""
    parts = [VERSION, kind, *(str(a) for a in args)]
    if any(":" in p for p in parts[1:]):
        raise ValueError("callback data parts may not contain ':'")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def decode(data: str | None) -> CallbackData | None:
    """Return the parts of callback data, or None when it is not ours or of another version."""
    if not data:
        return None
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != VERSION or not parts[1]:
        return None
    # Every number chibo writes into a button is a row id or a page, ASCII digits within SQLite's
    # INTEGER: anything else that reads as one (25 digits, Arabic-Indic digits) is forged.
    if any(p.isdecimal() and parse_id(p) is None for p in parts[2:]):
        return None
    return CallbackData(kind=parts[1], args=tuple(parts[2:]))


def pattern(kind: str) -> str:
    """Return the regular expression matching the buttons of one kind."""
    return rf"^{VERSION}:{kind}(:|$)"
