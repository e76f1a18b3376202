"""What the bot refuses to hold (DOMAIN.md): free text that looks like an ID or party card number."""

from __future__ import annotations

import re

# A run of exactly 9 or 12 digits: the old and new citizen ID numbers (and card numbers like them).
_ID_LIKE = re.compile(r"(?<!\d)(?:\d{9}|\d{12})(?!\d)")


def looks_like_id_number(text: str) -> bool:
    """Tell whether a text holds a run of 9 or 12 digits."""
    return _ID_LIKE.search(text) is not None
