"""Our messages as Zalo shows them: plain text with its bold and italic runs, at most 2000 characters each.

Our HTML is Telegram's: tags without attributes but <a href>, and every "<" of the text escaped. On
Zalo the text goes plain, and what was <b>, <i>, <u> or <s> becomes a run of sendMessage's
text_styles ({start, len, st} counted in UTF-16 units, st a list of style codes: README.md says what
of that is verified). A link shows its address after its label; <code> is plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from bot.channels.zalo.api import TEXT_LIMIT
from bot.text import utf16_len

# Telegram's tags for which Zalo documents a style code (b, i, u, s); the others are plain text.
STYLE_OF_TAG = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u", "s": "s", "del": "s"}
Run = tuple[int, int, str]  # start and end (character indices of the plain text) and a style code


@dataclass(frozen=True)
class Styled:
    """A plain text and the runs of it shown bold, italic, underlined or struck through."""

    text: str
    runs: tuple[Run, ...] = ()

    def text_styles(self) -> list[dict[str, object]]:
        """Return the runs as sendMessage's text_styles (UTF-16 offsets, one style code each)."""
        styles: list[dict[str, object]] = []
        for start, end, code in self.runs:
            offset, length = utf16_len(self.text[:start]), utf16_len(self.text[start:end])
            if length > 0 and self.text[start:end].strip():
                styles.append({"start": offset, "len": length, "st": [code]})
        return styles

    def __add__(self, other: Styled) -> Styled:
        shift = len(self.text)
        return Styled(
            self.text + other.text, self.runs + tuple((a + shift, b + shift, c) for a, b, c in other.runs)
        )


class _Reader(HTMLParser):
    """Collects the text of a message, the runs of its styled tags, and each link's address."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.runs: list[Run] = []
        self.open: list[tuple[str, int]] = []
        self.link: tuple[str, int] | None = None

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in STYLE_OF_TAG:
            self.open.append((tag, self.size))
        elif tag == "a":
            self.link = (dict(attrs).get("href") or "", len(self.parts))
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in STYLE_OF_TAG:
            for index in range(len(self.open) - 1, -1, -1):
                name, start = self.open[index]
                if name == tag:
                    del self.open[index]
                    if self.size > start:
                        self.runs.append((start, self.size, STYLE_OF_TAG[tag]))
                    break
        elif tag == "a" and self.link is not None:
            url, first = self.link
            self.link = None
            label = "".join(self.parts[first:])
            if url and label != url:
                self.parts.append(f" ({url})")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_styled(text: str) -> Styled:
    """Return what a Telegram HTML message says as plain text, with its styled runs."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return Styled("".join(reader.parts), tuple(sorted(reader.runs)))


def html_to_text(text: str) -> str:
    """Return what a Telegram HTML message says, as plain text."""
    return html_to_styled(text).text


def _cut(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Return a line's pieces within the limit, cut at spaces where it can (the spaces dropped)."""
    pieces = []
    while utf16_len(text[start:end]) > limit:
        stop = start
        while stop < end and utf16_len(text[start : stop + 1]) <= limit:
            stop += 1
        space = text.rfind(" ", start + 1, stop + 1)
        if space > start:
            pieces.append((start, space))
            start = space + 1
        else:
            pieces.append((start, stop))
            start = stop
    pieces.append((start, end))
    return pieces


def spans(text: str, limit: int = TEXT_LIMIT) -> list[tuple[int, int]]:
    """Return where to cut a text into parts Zalo accepts: whole lines together, within the limit."""
    result: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    position = 0
    for line in text.split("\n"):
        first, last = position, position + len(line)
        position = last + 1
        for start, end in _cut(text, first, last, limit):
            if current is not None and utf16_len(text[current[0] : end]) <= limit:
                current = (current[0], end)
            else:
                if current is not None:
                    result.append(current)
                current = (start, end)
    if current is not None:
        result.append(current)
    return result


def split_styled(styled: Styled, limit: int = TEXT_LIMIT) -> list[Styled]:
    """Cut a styled text at line ends into messages Zalo accepts, each with its own part of the runs."""
    parts = []
    for start, end in spans(styled.text, limit):
        runs = tuple(
            (max(a, start) - start, min(b, end) - start, code)
            for a, b, code in styled.runs
            if a < end and b > start
        )
        parts.append(Styled(styled.text[start:end], runs))
    return [p for p in parts if p.text.strip()] or [styled]


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a plain text at line ends into messages Zalo accepts."""
    # Counted in UTF-16 units, never fewer than characters, so a part is within the limit either way.
    return [part.text for part in split_styled(Styled(text), limit)]
