"""Our messages as Zalo shows them: plain text (Zalo has no formatting), at most 2000 characters each."""

from __future__ import annotations

import html
import re

from bot.channels.zalo.api import TEXT_LIMIT
from bot.text import split_message

# Our HTML is Telegram's: tags without attributes but <a href>, and every "<" of the text escaped,
# so a tag is exactly what a regular expression finds.
_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(text: str) -> str:
    """Return what a Telegram HTML message says, as plain text."""

    def link(match: re.Match[str]) -> str:
        url, label = html.unescape(match.group(1)), match.group(2)
        shown = html.unescape(_TAG.sub("", label))
        # Escaped again: the whole text is unescaped once at the end.
        return html.escape(shown if shown == url else f"{shown} ({url})", quote=False)

    return html.unescape(_TAG.sub("", _LINK.sub(link, text)))


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a plain text at line ends into messages Zalo accepts."""
    # Counted in UTF-16 units, never fewer than characters, so a part is within the limit either way.
    return split_message(text, limit)
