"""Reorganising the unit tree: an admin moves a unit under another parent, renames a unit, or merges one
cell into another, each after a preview and a confirmation.

A unit takes its history along: its people, records, targets, kept summaries and secretaries stay its
own (a move) or become the remaining cell's (a merge); a record keeps its date and author. Every change
goes to the audit log with its old and new values, is remembered for the digests whose period contains
it (storage/tree.unit_changes), and is told to the secretaries of the cells it concerns. Nothing here
knows a channel: handlers/admin.py renders the preview and the buttons.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from markupsafe import Markup

from bot.errors import UserError
from bot.features.admin import clean_name, unit_by_code
from bot.i18n import N_, Translator, translator
from storage import audit, tree, units, updates, users
from storage.database import Database, Queryable
from storage.models import Role, Unit

if TYPE_CHECKING:
    from bot.scheduling.outbox import Outbox

KV_PREFIX = "tree:"  # one pending change per admin, until confirmed or replaced


class Action(StrEnum):
    """What a change of the tree does (stored in unit_changes.action and the pending change)."""

    MOVE = "move"
    RENAME = "rename"
    MERGE = "merge"


@dataclass(frozen=True)
class Change:
    """A change of the tree an admin asked for, checked against the tree as it is."""

    action: Action
    unit: Unit  # moved, renamed, or the cell merged away
    target: Unit | None = None  # the new parent (move) or the cell that stays (merge)
    name: str | None = None  # the new name (rename)
    old_parent: Unit | None = None  # move: where the unit was


async def _is_committee(db: Queryable, unit: Unit) -> bool:
    """Tell whether a unit is a committee: it has units under it, or committee members (a committee
    whose last cell moved away is still one: merged into a cell, its members would rule that cell)."""
    if unit.parent_id is None or await units.has_children(db, unit.id):
        return True
    return any(user.role is Role.COMMITTEE for user in await users.registered(db, [unit.id]))


async def plan_move(db: Queryable, unit_code: str, parent_code: str) -> Change:
    """Return the move of a unit under another parent, or refuse it with the reason."""
    unit = await unit_by_code(db, unit_code)
    parent = await unit_by_code(db, parent_code)
    if unit.parent_id is None:
        raise UserError(N_("The root committee stays at the top of the tree."))
    if parent.id == unit.parent_id:
        raise UserError(N_("{unit} is under {parent} already."), unit=unit.name, parent=parent.name)
    if parent.id in await units.subtree_ids(db, unit.id):
        raise UserError(
            N_("{parent} is {unit} itself or a unit below it: a unit cannot move under itself."),
            parent=parent.name,
            unit=unit.name,
        )
    if not await _is_committee(db, parent):
        # A committee just added has no units under it yet: it may take units as long as nothing of a
        # cell's is in it (as /addunit puts units only under a unit without a secretary).
        held = await tree.holdings(db, parent.id)
        if held.records or held.secretaries:
            raise UserError(
                N_(
                    "{parent} is a cell with records or a secretary: a unit moves under a committee "
                    "(a unit with units under it, or a new one with nothing in it yet)."
                ),
                parent=parent.name,
            )
    return Change(Action.MOVE, unit, target=parent, old_parent=await units.get(db, unit.parent_id))


async def plan_rename(db: Queryable, unit_code: str, name: str) -> Change:
    """Return the renaming of a unit, or refuse it with the reason."""
    unit = await unit_by_code(db, unit_code)
    if unit.parent_id is None:
        raise UserError(N_("The root committee is named by the setting CHIBO_ROOT_NAME; change it there."))
    clean = clean_name(name, maximum=120)
    if clean == unit.name:
        raise UserError(N_("{unit} has this name already."), unit=unit.name)
    return Change(Action.RENAME, unit, name=clean)


async def plan_merge(db: Queryable, gone_code: str, into_code: str) -> Change:
    """Return the merge of a cell into another cell, or refuse it with the reason."""
    gone = await unit_by_code(db, gone_code)
    into = await unit_by_code(db, into_code)
    if gone.id == into.id:
        raise UserError(N_("A cell cannot be merged into itself."))
    for unit in (gone, into):
        if await _is_committee(db, unit):
            raise UserError(N_("{unit} is a committee: only two cells are merged."), unit=unit.name)
    return Change(Action.MERGE, gone, target=into)


async def preview(db: Queryable, change: Change, t: Translator) -> Markup:
    """Return what a change will do, for the admin to confirm."""
    held = await tree.holdings(db, change.unit.id)
    follows = Markup(
        t(
            N_(
                "Its {people} people and {records} records (dates and authors unchanged), {secretaries} "
                "secretaries and {targets} targets go with it."
            )
        )
    ).format(
        people=t.number(held.people),
        records=t.number(held.records),
        secretaries=t.number(held.secretaries),
        targets=t.number(held.targets),
    )
    if change.action is Action.MOVE:
        assert change.target is not None
        head = Markup(t(N_("Move <b>{unit}</b> ({cells} cells) from {old} to <b>{new}</b>?"))).format(
            unit=change.unit.name,
            cells=t.number(held.cells),
            old=change.old_parent.name if change.old_parent else "",
            new=change.target.name,
        )
        after = Markup(
            t(
                N_(
                    "From then on, the digests of {new} and the committees above it count its past months, "
                    "and those of {old} no longer do; its secretaries are told."
                )
            )
        ).format(new=change.target.name, old=change.old_parent.name if change.old_parent else "")
        return Markup("\n").join([head, follows, after])
    if change.action is Action.RENAME:
        head = Markup(t(N_("Rename <b>{unit}</b> (<code>{code}</code>) to <b>{name}</b>?"))).format(
            unit=change.unit.name, code=change.unit.code, name=change.name
        )
        after = Markup(t(N_("Its code, people and records stay as they are; its secretaries are told.")))
        return Markup("\n").join([head, after])
    assert change.target is not None
    into = await tree.holdings(db, change.target.id)
    head = Markup(t(N_("Merge the cell <b>{gone}</b> into the cell <b>{into}</b>?"))).format(
        gone=change.unit.name, into=change.target.name
    )
    moved = Markup(
        t(
            N_(
                "{gone}'s {people} people and {records} records (dates and authors unchanged), its "
                "{secretaries} secretaries and its targets become {into}'s, which has {own} records now. "
                "{gone} (<code>{code}</code>) then no longer exists; the secretaries of both cells are told."
            )
        )
    ).format(
        gone=change.unit.name,
        into=change.target.name,
        people=t.number(held.people),
        records=t.number(held.records),
        secretaries=t.number(held.secretaries),
        own=t.number(into.records),
        code=change.unit.code,
    )
    return Markup("\n").join([head, moved])


async def propose(db: Database, actor_id: int, change: Change) -> str:
    """Remember a change an admin may confirm (a newer one replaces it); return the token of its button."""
    token = secrets.token_hex(4)
    pending = {
        "token": token,
        "action": change.action.value,
        "unit": change.unit.code,
        "target": change.target.code if change.target else None,
        "name": change.name,
    }
    async with db.transaction() as tx:
        await updates.kv_set(tx, f"{KV_PREFIX}{actor_id}", json.dumps(pending, ensure_ascii=False))
    return token


async def drop(db: Database, actor_id: int, token: str) -> bool:
    """Forget an admin's pending change (its "Cancel" button); False when it was not the pending one."""
    async with db.transaction() as tx:
        return await _take(tx, actor_id, token) is not None


async def _take(tx: Queryable, actor_id: int, token: str) -> dict[str, str | None] | None:
    """Return and forget an admin's pending change, if the token is its own."""
    raw = await updates.kv_get(tx, f"{KV_PREFIX}{actor_id}")
    pending = json.loads(raw) if raw else None
    if not isinstance(pending, dict) or pending.get("token") != token:
        return None
    await updates.kv_delete(tx, f"{KV_PREFIX}{actor_id}")
    return pending


async def confirm(
    db: Database, actor_id: int, token: str, now: datetime, outbox: Outbox | None
) -> Change | None:
    """Apply an admin's pending change, checked again against the tree as it is now, all in one
    transaction; None when the button is not the pending change's (used, replaced or forged)."""
    async with db.transaction() as tx:
        pending = await _take(tx, actor_id, token)
        if pending is None:
            return None
        unit, target, name = str(pending["unit"]), str(pending["target"] or ""), pending["name"]
        action = Action(str(pending["action"]))
        if action is Action.MOVE:
            change = await plan_move(tx, unit, target)
        elif action is Action.RENAME:
            change = await plan_rename(tx, unit, str(name))
        else:
            change = await plan_merge(tx, unit, target)
        recipients = await _recipients(tx, change)
        await _apply(tx, change, actor_id, now)
        if outbox is not None:
            await _tell(tx, change, recipients, token, outbox)
    return change


async def _recipients(tx: Queryable, change: Change) -> list[int]:
    """Return the secretaries a change concerns (found before it: a merged cell's are found by its id)."""
    ids = await units.subtree_ids(tx, change.unit.id)
    if change.action is Action.MERGE and change.target is not None:
        ids.append(change.target.id)
    return [u.id for u in await users.reachable(tx, Role.SECRETARY.value, ids)]


async def _apply(tx: Queryable, change: Change, actor_id: int, now: datetime) -> None:
    """Make the change, write it to the audit log and remember it for the digests."""
    unit = change.unit
    if change.action is Action.MOVE:
        assert change.target is not None
        await tree.move(tx, unit.id, change.target.id)
        old = change.old_parent
        await audit.record(
            tx,
            now,
            actor_id,
            "unit.move",
            unit_id=unit.id,
            subject=f"unit:{unit.id}",
            old={"parent": old.code if old else None, "parent_name": old.name if old else None},
            new={"parent": change.target.code, "parent_name": change.target.name},
        )
        await tree.record_change(
            tx,
            now,
            Action.MOVE,
            unit.id,
            unit.name,
            actor_id,
            old_parent_id=unit.parent_id,
            new_parent_id=change.target.id,
        )
    elif change.action is Action.RENAME:
        assert change.name is not None
        await units.rename(tx, unit.id, change.name)
        await audit.record(
            tx,
            now,
            actor_id,
            "unit.rename",
            unit_id=unit.id,
            subject=f"unit:{unit.id}",
            old={"name": unit.name},
            new={"name": change.name},
        )
        await tree.record_change(tx, now, Action.RENAME, unit.id, change.name, actor_id, old_name=unit.name)
    else:
        assert change.target is not None
        held = await tree.holdings(tx, unit.id)
        await tree.merge_cells(tx, unit.id, change.target.id)
        await audit.record(
            tx,
            now,
            actor_id,
            "unit.merge",
            unit_id=change.target.id,
            subject=f"unit:{unit.id}",
            old={"code": unit.code, "name": unit.name, "parent_id": unit.parent_id},
            new={
                "into": change.target.code,
                "into_name": change.target.name,
                "people": held.people,
                "records": held.records,
                "secretaries": held.secretaries,
            },
        )
        await tree.record_change(
            tx, now, Action.MERGE, unit.id, unit.name, actor_id, into_unit_id=change.target.id
        )


TOLD = {
    Action.MOVE: N_(
        "🏢 <b>{unit}</b> now belongs to {new} (before: {old}). Your records stay as they are; "
        "the digests of {new} count them from now on."
    ),
    Action.RENAME: N_("🏢 <b>{old_name}</b> is now called <b>{unit}</b>. Nothing else changes."),
    Action.MERGE: N_(
        "🏢 The cell <b>{unit}</b> was merged into <b>{new}</b>: its people and records are now {new}'s, "
        "and its secretaries are secretaries of {new}."
    ),
}


async def _tell(tx: Queryable, change: Change, recipients: list[int], token: str, outbox: Outbox) -> None:
    """Tell the secretaries a change concerns."""
    for user_id in recipients:
        user = await users.get(tx, user_id)
        if user is None:
            continue
        t = translator(user.language or outbox.settings.locale)
        text = Markup(t(TOLD[change.action])).format(
            unit=change.name if change.action is Action.RENAME else change.unit.name,
            old_name=change.unit.name,
            new=change.target.name if change.target else "",
            old=change.old_parent.name if change.old_parent else "",
        )
        await outbox.enqueue(tx, f"tree:{token}:{user.id}", user, "tree", str(text))
