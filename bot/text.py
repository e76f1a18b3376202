"""Message text helpers shared by every channel: splitting long messages, role names, short unit names."""

from __future__ import annotations

import html as htmllib
import re
import unicodedata
from dataclasses import dataclass

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


# A piece of our HTML: a tag, an entity (&lt; &#39;), or one character of text.
_PIECE = re.compile(r"<[^<>]*>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});|.", re.S)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


@dataclass(frozen=True)
class _Piece:
    html: str
    visible: int  # UTF-16 units Telegram counts for it once parsed (a tag counts none)
    char: str  # the character it shows ("" for a tag)
    opens: str | None = None  # the tag's name, for an opening tag
    closes: str | None = None  # the tag's name, for a closing tag


def _pieces(text: str) -> list[_Piece]:
    pieces = []
    for match in _PIECE.finditer(text):
        html = match.group()
        tag = _TAG.match(html) if len(html) > 1 and html.startswith("<") else None
        if tag is not None:
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            pieces.append(_Piece(html, 0, "", None if closing else name, name if closing else None))
            continue
        shown = htmllib.unescape(html) if html.startswith("&") else html
        pieces.append(_Piece(html, utf16_len(shown), shown))
    return pieces


@dataclass
class _Cut:
    """A place the part being filled may be cut: before a line end or a space."""

    index: int  # of the line end or space in the part's pieces (it is dropped at the cut)
    size: int  # visible size of the part before it
    tags: tuple[tuple[str, str], ...]  # the tags open there: (name, opening HTML)
    line_end: bool


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split an HTML message into parts whose visible text is within the limit, tags balanced.

    Telegram counts the text it shows (an entity such as &lt; is one character, a tag none), so
    the parts are measured so and cut only between what is shown: at a line end if the part has
    one, else at a space, else anywhere but inside a tag or an entity (a search for 4,000 "<" is
    16,000 characters of HTML and 4,000 shown). A tag open at a cut is closed at the end of its
    part and opened again at the start of the next. The line end or space cut at is dropped.
    """
    parts: list[str] = []
    current: list[_Piece] = []
    size = 0
    open_tags: list[tuple[str, str]] = []  # outermost first
    cuts: list[_Cut] = []

    def cut_at(index: int, tags: tuple[tuple[str, str], ...], drop: int) -> None:
        nonlocal current, size, cuts
        head, rest = current[:index], current[index + drop :]
        parts.append("".join(p.html for p in head) + "".join(f"</{name}>" for name, _ in reversed(tags)))
        reopened = [_Piece(html, 0, "", name) for name, html in tags]
        gone = sum(p.visible for p in current[: index + drop])
        shift = index + drop - len(reopened)
        cuts = [
            _Cut(c.index - shift, c.size - gone, c.tags, c.line_end) for c in cuts if c.index >= index + drop
        ]
        current = reopened + rest
        size -= gone

    if utf16_len(text) <= limit:
        return [text]  # the HTML is never shorter than what it shows
    for piece in _pieces(text):
        if piece.char in ("\n", " "):
            cuts.append(_Cut(len(current), size, tuple(open_tags), piece.char == "\n"))
        current.append(piece)
        size += piece.visible
        if piece.opens is not None:
            open_tags.append((piece.opens, piece.html))
        elif piece.closes is not None:
            for index in range(len(open_tags) - 1, -1, -1):
                if open_tags[index][0] == piece.closes:
                    del open_tags[index]
                    break
        while size > limit:
            # The last line end; else the last space, if it leaves the part half full at least.
            lines = [c for c in cuts if c.line_end and c.size > 0]
            spaces = [c for c in cuts if c.size >= limit // 2]
            best = lines[-1] if lines else spaces[-1] if spaces else None
            if best is None:
                # Only text overflows (a tag shows nothing): the tags open before it are open now.
                cut_at(len(current) - 1, tuple(open_tags), 0)
            else:
                cut_at(best.index, best.tags, 1)
    parts.append("".join(p.html for p in current))
    return [p for p in parts if _visible_text(p).strip()] or [text]


def _visible_text(html: str) -> str:
    return "".join(p.char for p in _pieces(html))


# What a cell's name repeats about every cell: "Chi bộ" and the enterprise's legal form. Longest first,
# each a whole word or phrase at the start (possibly after another), case and diacritics as written or
# without them: "Chi bộ Công ty TNHH Điện tử Sao Mai" -> "Điện tử Sao Mai".
_PREFIXES = (
    r"chi bộ",
    r"chi bo",
    r"đảng bộ",
    r"dang bo",
    r"công ty",
    r"cong ty",
    r"cty",
    r"tnhh",
    r"cổ phần",
    r"co phan",
    r"cp",
    r"jsc",
    r"một thành viên",
    r"mot thanh vien",
    r"mtv",
    r"liên doanh",
    r"lien doanh",
    r"doanh nghiệp",
    r"doanh nghiep",
    r"dn",
)
_LEADING = re.compile(r"^(?:(?:" + "|".join(_PREFIXES) + r")(?![\w])[\s.,:-]*)+", re.IGNORECASE)


def short_unit_name(name: str) -> str:
    """Return a unit's name without what every cell's name repeats ("Chi bộ", "Công ty TNHH"...), for
    charts and lists on a phone; the name itself when nothing would be left."""
    whole = unicodedata.normalize("NFC", name).strip()  # a name typed decomposed reads the same
    short = _LEADING.sub("", whole).strip()
    return short or whole
