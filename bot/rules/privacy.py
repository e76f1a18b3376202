"""What the bot refuses to hold (DOMAIN.md): free text that looks like an ID or party card number.

Citizen ID numbers have 12 digits (CCCD) or 9 (the old CMND); party card numbers look like them.
People write them in every way: "079 123 456 789", "001.234.567.890", with no-break or zero-width
spaces between the digits, in fullwidth or circled digits (phone keyboards), and Excel drops the
leading zeros of a number, leaving 10 or 11 digits. So every text is read through one normalisation
first (`normalise`: NFKC, invisible characters dropped, every digit as 0-9), and digits separated
only by spaces, dots, dashes (or, written tight, commas and slashes) count as one number.

Refusing ordinary Vietnamese text is a defect too, so the context decides:
- a date (12.05.2025, 05/11/2026, 2025-05-12, 12/05/25) is not a number to join with its neighbours;
- two or more years in a row (2023-2024-2025) are a range of years;
- an amount in thousands groups (100.000.000) followed by a currency word (đồng, đ, VND...), or
  preceded by a currency code, is money, and so is a round one (ending in .000) without its currency;
- "+84" starts a Vietnamese phone number (+84 912 345 678).

Every place where free text enters chibo calls `looks_like_id_number` (forms, names, notes,
imports, broadcasts, unit names and codes, names of days off); Excel cells go through
`cell_looks_like_id_number`, which also knows the 12 digits whose zeros a number cell lost.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from bot.i18n import N_

ID_NUMBER_MESSAGE = N_(
    "This looks like an ID or party card number. chibo does not keep such numbers: leave it out."
)
ID_LENGTHS = frozenset({9, 12})  # the old CMND, the CCCD (and party card numbers like them)
# A 12-digit ID typed into a number cell of Excel loses its leading zeros: CCCD numbers start with a
# province code 001-096, so 10 or 11 digits remain.
ZEROS_LOST_LENGTHS = frozenset({10, 11})

# Letters some fonts draw as nothing (Hangul fillers, the blank Braille pattern, the grapheme joiner).
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
# Separators between the digit groups of one number: dots and dashes (with spaces around or not),
# spaces alone, and commas or slashes written tight between digits (a list "101, 102" is not one).
_DOTS_DASHES = ".\\-_\u00b7\u2010-\u2015\u2027\u2212\u30fb"
_SEPARATOR = rf"(?:[ \t]{{0,3}}[{_DOTS_DASHES}][ \t]{{0,3}}|[ \t]{{1,3}}|[,/](?=[0-9]))"
_RUN = re.compile(rf"[0-9]+(?:{_SEPARATOR}[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
# Dates: day, month and a year of four digits or two (as the forms read dates: 12/05/25 is 2025), or
# ISO, with the same separator twice.
_DMY = re.compile(r"(?<![0-9])([0-9]{1,2})([./\-])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})(?![0-9])")
_YMD = re.compile(r"(?<![0-9])([0-9]{4})([./\-])([0-9]{1,2})\2([0-9]{1,2})(?![0-9])")
_CURRENCY_AFTER = re.compile(
    r"[ \t]?(?:đồng|dong|vnđ|vnd|đ|d|₫|usd|\$|triệu|trieu|tr|nghìn|nghin|ngàn|ngan|k|tỷ|tỉ|ty)(?![^\W\d_])",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"(?:vnđ|vnd|usd|\$|₫)[ \t]?$", re.IGNORECASE)
_MASK = "#"  # stands where a date or a year was: not a digit, not a separator
FIRST_YEAR, LAST_YEAR = 1900, 2100


def _reading(code_point: int) -> str | None:
    """Return how the guard reads one character: dropped (None), a digit 0-9, or itself."""
    char = chr(code_point)
    category = unicodedata.category(char)
    if category == "Cf" or (category == "Cc" and not char.isspace()) or char in _BLANKS:
        return None  # format and control characters, blank letters: they show nothing
    if category in ("Nd", "No"):
        value = unicodedata.digit(char, None)  # digits of other scripts, dingbat digits
        if value is not None:
            return str(value)
    return char


class _Readings(dict[int, str | None]):
    """str.translate's table, filled the first time each character is met."""

    def __missing__(self, code_point: int) -> str | None:
        self[code_point] = reading = _reading(code_point)
        return reading


_READINGS = _Readings()
# Combining marks and variation selectors on a digit (a keycap 1️⃣ is 1, U+FE0F, U+20E3).
_MARKS_ON_DIGITS = re.compile(
    r"(?<=[0-9])[\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f]+"
)


# What reads as a digit after NFKC: decimal digits of any script, and the digits NFKC leaves as they
# are (Ethiopic, double-circled and dingbat digits...). A test checks this against the whole of Unicode.
DIGIT_LIKE = re.compile(
    "[\\d\u1369-\u1371\u19da\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792"
    "\U00010a40-\U00010a43\U00010e60-\U00010e68\U00011052-\U0001105a]"
)


def normalise(text: str) -> str:
    """Return text as the guard reads it: NFKC, invisible characters dropped, every digit 0-9.

    NFKC turns fullwidth, superscript and circled digits into plain ones and every kind of space
    into a space; a digit of another script (or a dingbat digit) becomes its 0-9 value; a combining
    mark on a digit (a keycap) is dropped.
    """
    return _MARKS_ON_DIGITS.sub("", unicodedata.normalize("NFKC", text).translate(_READINGS))


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + _MASK * (end - start) + text[end:]


def _mask_dates(text: str) -> str:
    """Hide the dates (valid day, month and year) so their digits join no number."""
    for pattern, order in ((_DMY, (1, 3, 4)), (_YMD, (4, 3, 1))):
        for match in list(pattern.finditer(text)):
            day, month, year = (int(match.group(i)) for i in order)
            year += 2000 if len(match.group(order[2])) == 2 else 0
            if 1 <= day <= 31 and 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR:
                text = _mask(text, match.start(), match.end())
    return text


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str

    @property
    def is_year(self) -> bool:
        return len(self.digits) == 4 and FIRST_YEAR <= int(self.digits) <= LAST_YEAR


def _segments(groups: list[_Group]) -> list[list[_Group]]:
    """Split a run's groups at ranges of years (two or more years in a row are no number)."""
    years = set()
    for index, group in enumerate(groups):
        neighbours = groups[max(0, index - 1) : index] + groups[index + 1 : index + 2]
        if group.is_year and any(n.is_year for n in neighbours):
            years.add(index)
    segments: list[list[_Group]] = [[]]
    for index, group in enumerate(groups):
        if index in years:
            segments.append([])
        else:
            segments[-1].append(group)
    return [s for s in segments if s]


def _money_shaped(text: str, groups: list[_Group]) -> bool:
    """Tell whether digit groups are written as an amount: 100.000.000, 100 000 000, 1,500,000."""
    first = groups[0].digits
    if first.startswith("0"):
        return False
    if len(groups) == 1:
        return True
    separators = {text[a.end : b.start] for a, b in itertools.pairwise(groups)}
    return (
        len(first) <= 3
        and all(len(g.digits) == 3 for g in groups[1:])
        and len(separators) == 1
        and separators <= {".", ",", " "}
    )


def _is_money(text: str, window: list[_Group], segment: list[_Group]) -> bool:
    """Tell whether digits are an amount: with its currency ('100.000.000 đồng', 'VND 100.000.000'),
    or round, in thousands groups ending in 000 ('Kinh phí: 100.000.000'), which an ID typed in
    groups of three hardly is (a CCCD starts with 0, and is never money-shaped at all)."""
    if not _money_shaped(text, window):
        return False
    ends = window[-1] is segment[-1]
    if ends and len(window) > 1 and window[-1].digits == "000":
        return True
    after = ends and _CURRENCY_AFTER.match(text, window[-1].end) is not None
    before = window[0] is segment[0] and _CURRENCY_BEFORE.search(text[: window[0].start]) is not None
    return after or before


_LIST_STEPS = frozenset(range(1, 11)) | {k * 10**n for k in (1, 2, 5) for n in range(1, 4)}


def _is_list(text: str, groups: list[_Group]) -> bool:
    """Tell whether a run is a list of numbers typed with spaces between them, going up by a small or
    round step: rooms 101 102 103, lines 10 20 30, amounts 100 200 300. An ID typed in groups is
    hardly that ('123 456 789' goes up by 333; '111 111 111' does not go up), and a group of one
    digit does not count ('1 2 3 4 5 6 7 8 9' is still read as 123456789)."""
    if len(groups) < 3 or any(len(g.digits) < 2 or g.digits.startswith("0") for g in groups):
        return False
    if len({len(g.digits) for g in groups}) != 1:
        return False
    if any(text[a.end : b.start].strip(" \t") for a, b in itertools.pairwise(groups)):
        return False  # a dot, dash or comma between them: the guard's other rules decide
    steps = {int(b.digits) - int(a.digits) for a, b in itertools.pairwise(groups)}
    return len(steps) == 1 and steps <= _LIST_STEPS


def _is_phone(text: str, groups: list[_Group]) -> bool:
    """Tell whether a run is a Vietnamese phone number written with its country code (+84)."""
    digits = "".join(g.digits for g in groups)
    before = text[: groups[0].start].rstrip(" \t")
    return before.endswith("+") and digits.startswith("84") and len(digits) in (11, 12)


def looks_like_id_number(text: str) -> bool:
    """Tell whether a text holds a number of 9 or 12 digits, however its digits are separated."""
    if len(DIGIT_LIKE.findall(unicodedata.normalize("NFKC", text))) < min(ID_LENGTHS):
        return False  # most texts: too few digits to hold an ID at all
    plain = _mask_dates(normalise(text))
    for run in _RUN.finditer(plain):
        groups = [
            _Group(run.start() + g.start(), run.start() + g.end(), g.group())
            for g in _GROUP.finditer(run.group())
        ]
        if _is_phone(plain, groups) or _is_list(plain, groups):
            continue
        for segment in _segments(groups):
            if _is_money(plain, segment, segment):
                continue  # an amount of billions: none of its groups is an ID on its own
            for first in range(len(segment)):
                total = 0
                for last in range(first, len(segment)):
                    total += len(segment[last].digits)
                    if total > max(ID_LENGTHS):
                        break
                    window = segment[first : last + 1]
                    if total in ID_LENGTHS and not _is_money(plain, window, segment):
                        return True
    return False


def cell_looks_like_id_number(value: object) -> bool:
    """Tell whether a spreadsheet cell holds an ID number: as text, or as a number that lost its zeros."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        digits = len(str(abs(int(value))))
        return digits in ID_LENGTHS or digits in ZEROS_LOST_LENGTHS
    if isinstance(value, float):
        return looks_like_id_number(repr(value))
    if isinstance(value, str):
        return looks_like_id_number(value)
    return False
