"""Translations: gettext catalogs from locales/, compiled in memory at start, and Babel formatting.

Strings are written ``_("Hello {name}").format(name=...)`` (never an f-string inside ``_()``).
``N_()`` only marks a string for extraction; it is translated where it is shown.
The .po files are the only source: they are compiled to .mo bytes in memory when first needed,
so no compiled catalog is ever committed or forgotten.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.config import SUPPORTED_LOCALES

Day = date  # the type, for the methods written after the method named `date` hides it

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message


def catalog_path(locale: str) -> Path:
    """Return the .po file of a locale."""
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(locale: str) -> gettext.NullTranslations:
    path = catalog_path(locale)
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    # Fuzzy entries are not trusted translations: they fall back to the English msgid.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def pick_locale(preferred: str | None, telegram_code: str | None, default: str) -> str:
    """Return the locale to speak: the user's choice, else their app's language, else the default."""
    if preferred in SUPPORTED_LOCALES:
        return preferred
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


class Translator:
    """The messages, dates and numbers of one locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in SUPPORTED_LOCALES else "vi"
        # Parsed once: Babel parses a locale given by name on every call, a file check included,
        # which was a fifth of a city's reminder pass (14,579 messages with dates, bench/scale).
        self.babel_locale = Locale.parse(self.locale)
        self._t = _translations(self.locale)

    def __call__(self, message: str) -> str:
        """Translate a message."""
        return self._t.gettext(message)

    def gettext(self, message: str) -> str:
        """Translate a message."""
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message that depends on a count."""
        return self._t.ngettext(singular, plural, n)

    def day_month(self, value: date) -> str:
        """Format a day of the year without its year (dd/mm), for a button."""
        return format_date(value, "dd/MM", locale=self.babel_locale)

    def date(self, value: date) -> str:
        """Format a date as people here write it (dd/mm/yyyy in both languages)."""
        return format_date(value, "dd/MM/yyyy", locale=self.babel_locale)

    def weekday_date(self, value: Day) -> str:
        """Format a date with its weekday ("Thứ Sáu, 02/01/2026"; "Friday, 02/01/2026")."""
        return format_date(value, "EEEE, dd/MM/yyyy", locale=self.babel_locale)

    def datetime(self, value: datetime) -> str:
        """Format a moment with its date and time of day."""
        return format_datetime(value, "dd/MM/yyyy HH:mm", tzinfo=value.tzinfo, locale=self.babel_locale)

    def number(self, value: float) -> str:
        """Format a number with the locale's separators."""
        return format_decimal(value, locale=self.babel_locale)


@cache
def translator(locale: str) -> Translator:
    """Return the (shared) translator of a locale."""
    return Translator(locale)
