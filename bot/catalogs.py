"""Keep the gettext catalogs in step with the code: `python -m bot.catalogs update|check`.

update: extract every message of bot/, handlers/ and storage/ (keywords from pyproject's
[tool.babel]), write locales/messages.pot, merge it into each locale's messages.po (English is
the source language, so en gets msgstr = msgid), and list what still needs a translation.
check: exit 1 when a catalog lacks a translation (the test suite runs the same check).
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import read_po, write_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import LOCALES_DIR, catalog_path

ROOT = LOCALES_DIR.parent
SOURCE_DIRS = ("bot", "handlers", "storage")
SOURCE_LOCALE = "en"


def _keywords() -> Any:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    words = config["tool"]["babel"]["mappings"][0]["keywords"].split()
    return dict(parse_keywords(words))


def extract() -> Catalog:
    """Return the template: every message the code marks for translation."""
    # A fixed creation date: the catalogs change only when their messages do.
    template = Catalog(project="chibo", fuzzy=False, creation_date=datetime(2026, 1, 1, tzinfo=UTC))
    keywords = _keywords()
    for directory in SOURCE_DIRS:
        found: Iterator[tuple[str, int, object, list[str], object]] = extract_from_dir(
            ROOT / directory,
            method_map=[("**.py", "python")],
            keywords=keywords,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        )
        for _filename, _lineno, message, comments, context in found:
            template.add(message, None, auto_comments=comments, context=context)  # type: ignore[arg-type]
    return template


def _load(locale: str) -> Catalog:
    path = catalog_path(locale)
    if not path.is_file():
        return Catalog(locale=locale, project="chibo", fuzzy=False)
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _save(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(
            fh,
            catalog,
            omit_header=False,
            no_location=True,
            sort_output=True,
            width=100,
            ignore_obsolete=True,
        )


def missing(catalog: Catalog, template: Catalog) -> list[str]:
    """Return the messages of the template the catalog does not translate."""
    result = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        strings = entry.string if entry is not None else None
        values = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(values):
            result.append(message.id if isinstance(message.id, str) else message.id[0])
    return result


def update() -> dict[str, list[str]]:
    """Bring every catalog up to date; return what each still lacks."""
    template = extract()
    _save(template, LOCALES_DIR / "messages.pot")
    report = {}
    for locale in SUPPORTED_LOCALES:
        catalog = _load(locale)
        catalog.update(template, no_fuzzy_matching=True)
        if locale == SOURCE_LOCALE:
            # English is the source: its catalog says each message as the code does (a merge that
            # glued two entries together is undone here).
            for message in catalog:
                if message.id:
                    message.string = message.id
        _save(catalog, catalog_path(locale))
        report[locale] = missing(catalog, template)
    return report


def check() -> dict[str, list[str]]:
    """Return, per locale, the messages without a translation (nothing is written)."""
    template = extract()
    return {locale: missing(_load(locale), template) for locale in SUPPORTED_LOCALES}


def main(argv: list[str]) -> int:
    """Run `update` or `check`."""
    if argv not in (["update"], ["check"]):
        print("usage: python -m bot.catalogs update|check", file=sys.stderr)
        return 2
    report = update() if argv == ["update"] else check()
    lacking = 0
    for locale, messages in report.items():
        for message in messages:
            print(f"{locale}: not translated: {message!r}")
        lacking += len(messages)
    return 1 if lacking else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
