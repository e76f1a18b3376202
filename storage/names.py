"""How names and free text are stored and compared: one Unicode form, nothing invisible.

Phone keyboards send Vietnamese composed or decomposed ("ễ" as one character or as e + two marks),
with the tone mark on either vowel ("Thủy" or "Thuỷ", "Hòa" or "Hoà"), and pasted text brings
zero-width and direction-override characters along. So:

- text is stored NFC, without invisible or direction-override characters (`clean_text`), and a
  name on one line with single spaces (`clean_name`);
- two names are the same person's when their `name_key`s are equal: Unicode case folding, and the
  tone mark of each word counted once wherever it sits;
- a search ignores diacritics, with "đ" read as "d" (`search_key`), so "thuy" finds "Thủy".

Migration 0009 rewrote the names stored before this through the SQL functions `register` gives
every connection (`chibo_clean_name`, `chibo_clean_text`).
"""

from __future__ import annotations

import sqlite3
import unicodedata

# Letters some fonts draw as nothing (Hangul fillers, the blank Braille pattern, the grapheme joiner).
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
_ZWJ = "\u200d"  # joins emoji into one picture: kept in free text, never in a name
# The five tone marks of Vietnamese (huyền, sắc, ngã, hỏi, nặng) as combining characters.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
# "Ð" (U+00D0, Icelandic eth) is what some keyboards type for "Đ" (U+0110).
_ETH = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})


def _hidden(char: str, *, keep_zwj: bool) -> bool:
    """Tell whether a character shows nothing and means nothing in our text."""
    if char == _ZWJ and keep_zwj:
        return False
    category = unicodedata.category(char)
    if category == "Cc":
        return char not in "\n\t"
    return category == "Cf" or char in _BLANKS


def clean_text(text: str) -> str:
    """Return free text NFC, without invisible, direction-override or control characters."""
    composed = unicodedata.normalize("NFC", text)
    return "".join(c for c in composed if not _hidden(c, keep_zwj=True))


def clean_name(text: str) -> str:
    """Return a name NFC on one line, single-spaced, without invisible characters ("Ð" read as "Đ")."""
    composed = unicodedata.normalize("NFC", text.translate(_ETH))
    return " ".join("".join(c for c in composed if not _hidden(c, keep_zwj=False)).split())


def _word_key(word: str) -> str:
    """Return a word with its tone mark moved to its end, so both placements read the same."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = "".join(sorted(c for c in decomposed if c in TONE_MARKS))
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    # The marks are written as their code points: glued back on, NFC would put them on a letter again.
    return base + "".join(f"~{ord(t):x}" for t in tones)


def name_key(name: str) -> str:
    """Return what two ways of typing one name share: case folded, tone marks placed alike."""
    return " ".join(_word_key(word) for word in clean_name(name).casefold().split())


def search_key(text: str) -> str:
    """Return text lowercased without diacritics ("đ" as "d"), so "hom nay" finds "hôm nay"."""
    folded = clean_name(text).casefold().replace("\u0111", "d")
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def sql_clean_name(value: str | None) -> str | None:
    """clean_name as an SQL function (NULL stays NULL)."""
    return None if value is None else clean_name(value)


def sql_clean_text(value: str | None) -> str | None:
    """clean_text as an SQL function (NULL stays NULL)."""
    return None if value is None else clean_text(value)


def register(conn: sqlite3.Connection) -> None:
    """Give a connection of the sqlite3 module the SQL functions the migrations use."""
    conn.create_function("chibo_clean_name", 1, sql_clean_name, deterministic=True)
    conn.create_function("chibo_clean_text", 1, sql_clean_text, deterministic=True)
