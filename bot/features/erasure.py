"""Deleting data on request (DOMAIN.md): a user's (/forget) and a person's (/deleteperson).

A forgotten user keeps an anonymous row, so the records they entered go on counting without
naming them; a deleted person is removed for good with their steps, and the audit keeps only
that a deletion happened, with its counts. Nothing here knows about Telegram.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.errors import UserError
from bot.features.access import is_configured_admin
from bot.features.admin import parse_account
from bot.forms.definitions import pipeline_of
from bot.forms.fields import search
from bot.i18n import N_, Translator
from bot.rules.pipeline import STEP_NAMES
from storage import audit, data_ops, records, units, users
from storage.data_ops import ForgetCounts
from storage.database import Database, Queryable
from storage.models import Role, Unit, User

log = logging.getLogger(__name__)

FORGET_ACTION = "user.forget"
ERASE_ACTION = "person.erase"
MAX_CHOICES = 40


@dataclass(frozen=True)
class ForgetTarget:
    """A user whose data an admin asked to delete, with what stays of them."""

    user: User
    unit: Unit | None
    records: int


async def forget_target(db: Queryable, settings: Settings, actor: User | None, account: str) -> ForgetTarget:
    """Return the user an id names (as /users shows it), or refuse (a configured admin, oneself, nobody)."""
    channel, key = parse_account(account)
    if is_configured_admin(settings, channel, key):
        raise UserError(N_("This person is an admin by configuration (CHIBO_ADMINS); remove them there."))
    user = await users.by_external(db, channel, key)
    if user is None:
        raise UserError(N_("No user has the id {id}."), id=key)
    if actor is not None and actor.id == user.id:
        raise UserError(N_("You cannot delete your own data; ask another admin."))
    unit = await units.get(db, user.unit_id) if user.unit_id is not None else None
    return ForgetTarget(user, unit, await data_ops.records_entered_by(db, user.id))


async def forget(db: Database, actor_id: int | None, user_id: int, now: datetime) -> ForgetCounts | None:
    """Delete a user's data, leaving an anonymous row and audit line; None when it was done already."""
    async with db.transaction() as tx:
        user = await users.get(tx, user_id)
        if user is None or data_ops.is_forgotten(user.external_id):
            return None
        counts = await data_ops.forget_user(tx, user_id, now)
        await audit.record(
            tx,
            now,
            actor_id,
            FORGET_ACTION,
            subject=f"user:{user_id}",
            new={
                "records_kept": counts.records_kept,
                "drafts_deleted": counts.drafts_deleted,
                "messages_deleted": counts.messages_deleted,
            },
        )
    await _leave_no_copy(db)
    return counts


async def _leave_no_copy(db: Database) -> None:
    """Move the deletion into the file and empty the write-ahead log, which still held the old rows."""
    if not await db.checkpoint():
        # A reader (a backup being taken) holds the log; the next checkpoints overwrite it.
        log.warning("the write-ahead log could not be emptied after a deletion; it will be later")


# ----- people ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonChoice:
    """A person someone may delete, as the list shows them."""

    id: int
    unit_id: int
    label: str
    full_name: str
    steps: int


async def people_for(
    db: Queryable, role: Role, own_unit: int | None, query: str, t: Translator
) -> list[PersonChoice]:
    """Return the people a user may delete (live or removed from the list), matching a search."""
    if role not in (Role.ADMIN, Role.SECRETARY):
        return []
    # A secretary without a cell sees nobody (unit -1 has no people).
    scope = None if role is Role.ADMIN else (own_unit if own_unit is not None else -1)
    choices = []
    for person in await records.people_with_steps(db, scope):
        last = pipeline_of(person.steps).last
        parts = [f"{person.full_name} ({person.birth_year})"]
        if role is Role.ADMIN:
            parts.append(person.cell)
        if person.removed:
            parts.append(t("removed from the list"))
        elif last is not None:
            parts.append(t(STEP_NAMES[last]))
        choices.append(
            PersonChoice(person.id, person.unit_id, " · ".join(parts), person.full_name, len(person.steps))
        )
    if query.strip():
        found = {int(v) for v, _ in search(query, [(str(c.id), c.label) for c in choices])}
        choices = [c for c in choices if c.id in found]
    return choices


async def deletion_candidate(
    db: Queryable, role: Role, own_unit: int | None, person_id: int, t: Translator
) -> PersonChoice | None:
    """Return a person the user may delete, or None (someone else's cell, or gone)."""
    for choice in await people_for(db, role, own_unit, "", t):
        if choice.id == person_id:
            return choice
    return None


async def erase(
    db: Database, actor_id: int | None, role: Role, own_unit: int | None, person_id: int, now: datetime
) -> int | None:
    """Delete a person for good (with their steps); return how many steps went, None if not allowed."""
    async with db.transaction() as tx:
        unit_id = await records.person_unit(tx, person_id)
        own = unit_id is not None and unit_id == own_unit
        allowed = role is Role.ADMIN or (role is Role.SECRETARY and own)
        if unit_id is None or not allowed:
            return None
        steps = await data_ops.erase_person(tx, person_id)
        if steps is None:
            return None
        await audit.record(
            tx, now, actor_id, ERASE_ACTION, unit_id=unit_id, new={"people": 1, "steps": steps}
        )
    await _leave_no_copy(db)
    return steps
