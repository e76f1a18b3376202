"""Message text helpers shared by every channel: splitting long messages, role names."""

from __future__ import annotations

from bot.i18n import N_, Translator
from storage.models import Role

TELEGRAM_LIMIT = 4096

ROLE_NAMES = {
    Role.SECRETARY: N_("cell secretary"),
    Role.COMMITTEE: N_("committee member"),
    Role.ADMIN: N_("admin"),
}


def role_name(role: Role | None, t: Translator) -> str:
    """Return a role's name in the user's language."""
    return t(ROLE_NAMES[role]) if role is not None else t("not registered")


def utf16_len(text: str) -> int:
    """Return the length Telegram counts (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a message at line ends into parts within the limit, never cutting a line's tags.

    Every line of our HTML messages closes its own tags, so a line boundary is always a safe
    place to cut. A single line longer than the limit (only possible with long user text) is
    cut at spaces.
    """
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        pieces = [line] if utf16_len(line) <= limit else _cut_long_line(line, limit)
        for piece in pieces:
            extra = utf16_len(piece) + (1 if current else 0)
            if current and size + extra > limit:
                parts.append("\n".join(current))
                current, size = [], 0
                extra = utf16_len(piece)
            current.append(piece)
            size += extra
    if current:
        parts.append("\n".join(current))
    return [p for p in parts if p.strip()] or [text]


def _cut_long_line(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    words = line.split(" ")
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        rest = word
        while utf16_len(rest) > limit:
            pieces.append(rest[: limit // 2])
            rest = rest[limit // 2 :]
        current = rest
    if current:
        pieces.append(current)
    return pieces
