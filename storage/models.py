"""Plain dataclasses the storage layer returns; nothing here knows about Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Role(StrEnum):
    """What a registered user may do."""

    SECRETARY = "secretary"
    COMMITTEE = "committee"
    ADMIN = "admin"


# The largest number SQLite's INTEGER holds: a larger one raises OverflowError at the query.
MAX_INTEGER = 2**63 - 1


def parse_id(text: str) -> int | None:
    """Return the number a row id (or a page, an expiry) written in a button or a link names, or None
    when it is not one: ASCII digits only, at most what SQLite holds. A forged button or link that
    names a 25-digit id is then refused as any unknown one is, instead of failing at the query."""
    if not text.isascii() or not text.isdecimal() or len(text) > len(str(MAX_INTEGER)):
        return None
    number = int(text)
    return number if number <= MAX_INTEGER else None


def to_db_time(moment: datetime) -> str:
    """Return the UTC ISO text a timestamp is stored as."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(text: str) -> datetime:
    """Return the aware datetime of a stored timestamp."""
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Unit:
    """A committee (it has children) or a cell (it has none)."""

    id: int
    code: str
    name: str
    parent_id: int | None
    meeting_day: int = 5  # the day of the month of the cell's regular meeting
    created_at: datetime | None = None


@dataclass(frozen=True)
class User:
    """Someone who wrote to the bot; registered when they have a role."""

    id: int
    channel: str
    external_id: str
    display_name: str
    role: Role | None
    unit_id: int | None
    language: str | None
    active: bool
    menu_hash: str | None = None
    mute_nudges: bool = False
    blocked: bool = False

    @property
    def registered(self) -> bool:
        """Tell whether the user holds an active role."""
        return self.active and self.role is not None


@dataclass(frozen=True)
class Invitation:
    """A single-use invitation to a role in a unit."""

    id: int
    unit_id: int
    role: Role
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    actor_id: int | None
    action: str
    unit_id: int | None
    subject: str | None
    old_value: str | None
    new_value: str | None
