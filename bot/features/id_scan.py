"""Finding the ID numbers an older chibo let in (/findids).

Until issue 14 the guard saw only an unbroken run of 9 or 12 digits, so "079 123 456 789" or
"001.234.567.890" could be stored. This reads every free-text value of every record and unit with
today's guard and says where such numbers are: the cell, the record and the field, never the number.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from bot.forms.definitions import FORMS
from bot.forms.fields import Form
from bot.i18n import N_, Translator
from bot.rules.privacy import looks_like_id_number
from storage import records, units
from storage.database import Queryable
from storage.models import Unit
from storage.records import TextValue

PAGE = 5_000  # records read at a time: a city holds millions


@dataclass(frozen=True)
class Finding:
    """Where a stored value looks like an ID number: a unit's own name or code, or a record's field."""

    unit_id: int
    kind: str  # "unit" or a record kind ("person", "meeting"...)
    record_id: int
    column: str
    on_date: str | None
    deleted: bool


def _flagged(values: list[TextValue]) -> list[Finding]:
    return [
        Finding(v.unit_id, v.kind, v.record_id, v.column, v.on_date, v.deleted)
        for v in values
        if looks_like_id_number(v.value)
    ]


async def scan(db: Queryable) -> list[Finding]:
    """Return every stored free-text value that looks like an ID number, by cell, kind and record."""
    found = [
        Finding(unit.id, "unit", unit.id, column, None, False)
        for unit in await units.all_units(db)
        for column, value in (("code", unit.code), ("name", unit.name))
        if looks_like_id_number(value)
    ]
    for kind in records.FREE_TEXT:
        after: int | None = 0
        while after is not None:
            values, after = await records.free_texts(db, kind, after, PAGE)
            # Plain CPU work on thousands of values: in a thread, the bot goes on answering others.
            found += await asyncio.to_thread(_flagged, values)
    return sorted(found, key=lambda f: (f.unit_id, f.kind != "unit", f.kind, f.record_id, f.column))


SHOWN = 200  # lines in the answer; the count says how many more


def render(findings: list[Finding], all_units: list[Unit], t: Translator) -> Markup:
    """Return the findings as the admin reads them: cell, record and field, never the value."""
    flagged = {(f.unit_id, f.column) for f in findings if f.kind == "unit"}
    # A unit is named by its name, or by its code when the name is what holds the number.
    unit_names = {
        u.id: u.name if (u.id, "name") not in flagged else u.code if (u.id, "code") not in flagged else "?"
        for u in all_units
    }
    if not findings:
        return Markup(t(N_("No stored text looks like an ID or party card number.")))
    forms = {form.kind: form for form in FORMS.values()}
    lines = [
        Markup(
            t(
                N_(
                    "{count} stored values look like an ID or party card number (the numbers are not "
                    "shown). Correct or delete them:"
                )
            )
        ).format(count=len(findings))
    ]
    for finding in findings[:SHOWN]:
        if finding.kind == "unit":
            what = Markup(t(N_("the unit itself")))
            field = t(UNIT_FIELDS[finding.column])
        else:
            form = forms[finding.kind]
            what = Markup(t(N_("{record} no. {number}"))).format(
                record=t(form.title), number=finding.record_id
            )
            if finding.on_date:
                what += Markup(", ") + t.date(date.fromisoformat(finding.on_date))
            field = t(form.field(finding.column).label) if finding.column in _names(form) else finding.column
        line = Markup("• <b>{unit}</b> · {what} · {field}").format(
            unit=unit_names.get(finding.unit_id, "?"), what=what, field=field
        )
        if finding.deleted:
            line += Markup(" ") + Markup("<i>{}</i>").format(t(N_("(deleted record)")))
        lines.append(line)
    if len(findings) > SHOWN:
        lines.append(Markup(t(N_("… and {count} more."))).format(count=len(findings) - SHOWN))
    lines.append(
        Markup(
            t(
                N_(
                    "Whoever entered a record corrects it with /mine (records of the last 30 days); a "
                    "person is deleted with /deleteperson."
                )
            )
        )
    )
    return Markup("\n").join(lines)


UNIT_FIELDS = {"code": N_("Code"), "name": N_("Name")}


def _names(form: Form) -> set[str]:
    return {f.name for f in form.fields}
