"""The time: always aware, UTC inside, the deployment's zone when shown or scheduled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Return the current moment in UTC."""
    return datetime.now(UTC)
