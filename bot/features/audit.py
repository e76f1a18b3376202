"""The audit view (/audit): the latest entries, paged, in words an admin reads.

Who (the user's name; a deleted user is not named), what (a readable action), when (in the
deployment's time zone), and the old and new values. Nothing here knows about Telegram.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.i18n import N_, Translator
from storage import export_queries
from storage.database import Queryable
from storage.export_queries import AuditLine

LIMIT = 50
PAGE_SIZE = 5  # a page stays well within Telegram's 4096 characters
VALUE_LIMIT = 200

ACTION_NAMES: dict[str, str] = {
    "unit.add": N_("Unit added"),
    "invitation.create": N_("Invitation created"),
    "invitation.revoke": N_("Invitation revoked"),
    "user.register": N_("User registered"),
    "user.revoke": N_("Access revoked"),
    "user.forget": N_("User's data deleted on request"),
    "person.create": N_("Source added"),
    "person.update": N_("Source corrected"),
    "person.delete": N_("Source removed from the list"),
    "person.erase": N_("Person deleted on request"),
    "step.create": N_("Admission step recorded"),
    "step.update": N_("Admission step corrected"),
    "step.delete": N_("Admission step deleted"),
    "transfer.create": N_("Transfer reported"),
    "transfer.update": N_("Transfer corrected"),
    "transfer.delete": N_("Transfer deleted"),
    "meeting.create": N_("Cell meeting reported"),
    "meeting.update": N_("Cell meeting corrected"),
    "meeting.delete": N_("Cell meeting deleted"),
    "activity.create": N_("Activity reported"),
    "activity.update": N_("Activity corrected"),
    "activity.delete": N_("Activity deleted"),
    "enterprise.create": N_("Enterprise facts reported"),
    "enterprise.update": N_("Enterprise facts corrected"),
    "enterprise.delete": N_("Enterprise facts deleted"),
    "register.create": N_("Enterprise added to the register"),
    "register_edit.create": N_("Enterprise of the register corrected"),
    "register.delete": N_("Enterprise taken out of the register"),
    "contact.create": N_("Contact with an enterprise logged"),
    "enterprise_stage.create": N_("Stage of an enterprise recorded"),
    "cell_founding.create": N_("Party cell founded in an enterprise"),
    "assignment.create": N_("Enterprise assigned to the working group"),
    "data.import": N_("Excel import"),
    "data.export": N_("Excel export"),
}


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit view."""

    text: Markup
    page: int
    pages: int


def action_name(action: str, t: Translator) -> str:
    """Return an action in words (the code itself when it has no name yet)."""
    name = ACTION_NAMES.get(action)
    return t(name) if name is not None else action


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if value is None:
        return "—"
    return str(value)


def values_text(raw: str | None) -> str:
    """Return stored audit values (JSON) as one short readable line."""
    if raw is None:
        return ""
    try:
        text = _plain(json.loads(raw))
    except ValueError:
        text = raw
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def render_line(number: int, line: AuditLine, t: Translator, tz: ZoneInfo) -> Markup:
    """Return one entry: number, when, who, what (and where), then its old and new values."""
    entry = line.entry
    if line.actor is None:
        who = t("the system")
    elif line.actor.name is None:
        who = t("deleted user")
    else:
        who = line.actor.name or "?"
    head = Markup("<b>{n}.</b> {when} · {who}\n{what}").format(
        n=number, when=t.datetime(entry.at.astimezone(tz)), who=who, what=action_name(entry.action, t)
    )
    if line.unit_name:
        head += Markup(" · {unit}").format(unit=line.unit_name)
    old, new = values_text(entry.old_value), values_text(entry.new_value)
    if old:
        head += Markup("\n   ") + Markup(t("before: {values}")).format(values=old)
    if new:
        head += Markup("\n   ") + Markup(t("after: {values}")).format(values=new)
    return head


def render_page(lines: Sequence[AuditLine], page: int, t: Translator, tz: ZoneInfo, title: str) -> AuditPage:
    """Return a page of already fetched entries."""
    pages = max(1, -(-len(lines) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    if not lines:
        return AuditPage(Markup(t("The audit log has no entries here yet.")), 0, 1)
    shown = lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    parts = [
        Markup(t("<b>Audit log: {scope}</b> (the latest {count}, page {page} of {pages})")).format(
            scope=title, count=len(lines), page=page + 1, pages=pages
        )
    ]
    parts.extend(render_line(page * PAGE_SIZE + i, line, t, tz) for i, line in enumerate(shown, 1))
    return AuditPage(Markup("\n\n").join(parts), page, pages)


async def page_of(
    db: Queryable, unit_ids: Sequence[int] | None, page: int, t: Translator, tz: ZoneInfo, title: str
) -> AuditPage:
    """Return a page of the latest LIMIT entries (of some units, when given)."""
    lines = await export_queries.audit_lines(db, unit_ids, LIMIT)
    return render_page(lines, page, t, tz, title)
