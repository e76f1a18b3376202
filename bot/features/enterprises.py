"""The enterprise register and the working group's plan on it: who sees which enterprises, what an
enterprise's card holds, a member's own list, what saving each form does, and the committee's
picture (coverage by zone, young workers against Youth Union members, what was founded this year,
the working group's load) for the digest and the dashboard.

A cell's "enterprise facts" report (the /enterprise form) feeds the register rather than standing
beside it: its snapshot stays as the dated history of the cell's reports, and the register entry
linked to the cell takes the report's figures (or is created from it). So each enterprise has one
row, which the committee's picture counts, whether it has a cell or not.

Nothing here knows about Telegram; the forms that write the register are declared in
bot/forms/definitions.py and call the functions below.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.errors import UserError
from bot.features import admin
from bot.forms.fields import Choice, Invalid, fold
from bot.i18n import N_
from bot.rules.enterprises import (
    CONTACT_DAYS,
    PARTY_STAGES,
    Stage,
    can_found_cell,
    contact_due,
    party_stage,
    stage_refusal,
)
from storage import audit, records, units, users
from storage import enterprises as store
from storage.database import Queryable
from storage.enterprises import Contact, Enterprise, FoundedCounts, MemberSums, ZoneSums
from storage.models import Role, Unit, User

OWNERSHIPS = (
    Choice("private", N_("Domestic private")),
    Choice("foreign", N_("Foreign-invested")),
    Choice("state", N_("State-owned")),
)
CONTACT_KINDS = (
    Choice("dialogue", N_("Dialogue with the owner")),
    Choice("visit", N_("Visit")),
    Choice("proposal", N_("Proposal")),
    Choice("other", N_("Other")),
)
NOBODY = "0"  # the assignment form's choice of no member
CODE_PREFIX = "cb-"
# Words of an enterprise's legal form, left out of a cell code made from its name.
LEGAL_FORM_WORDS = frozenset({"cong", "ty", "tnhh", "cp", "co", "phan", "mtv", "jsc", "ltd", "vina"})


# ----- who sees what ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What one person may read and change of the register."""

    role: Role
    user_id: int | None
    unit_ids: frozenset[int] | None  # the registers readable; None: every one (an admin)
    own_cell: int | None = None  # a secretary reads only the enterprise of their cell
    top: int | None = None  # a committee member's own unit, the top of their subtree

    @property
    def registers(self) -> list[int] | None:
        """Return the registers to query (None: all)."""
        return None if self.unit_ids is None else sorted(self.unit_ids)

    def sees(self, enterprise: Enterprise) -> bool:
        """Tell whether this person may read an enterprise."""
        if self.role is Role.SECRETARY:
            return self.own_cell is not None and enterprise.cell_id == self.own_cell
        return (
            self.unit_ids is None
            or enterprise.unit_id in self.unit_ids
            or (enterprise.cell_id is not None and enterprise.cell_id in self.unit_ids)
        )

    def edits(self, enterprise: Enterprise) -> bool:
        """Tell whether this person may change an enterprise, log contacts and record stages."""
        return self.role in (Role.COMMITTEE, Role.ADMIN) and self.sees(enterprise)

    @property
    def manages(self) -> bool:
        """Tell whether this person assigns the working group, founds cells and removes entries."""
        return self.role is Role.ADMIN


async def scope_of(db: Queryable, role: Role | None, user: User | None) -> Scope:
    """Return what a person may see: an admin everything, a committee member their subtree's
    registers, a secretary the enterprise of their own cell."""
    user_id = user.id if user is not None else None
    if role is Role.ADMIN:
        return Scope(Role.ADMIN, user_id, None)
    if role is Role.COMMITTEE and user is not None:
        top = user.unit_id if user.unit_id is not None else units.ROOT_ID
        return Scope(Role.COMMITTEE, user_id, frozenset(await units.subtree_ids(db, top)), top=top)
    own = user.unit_id if user is not None else None
    return Scope(Role.SECRETARY, user_id, frozenset(), own_cell=own)


async def visible(db: Queryable, scope: Scope, zone: str | None = None) -> list[Enterprise]:
    """Return the enterprises a person may read (of one zone), by zone and name."""
    if scope.role is Role.SECRETARY:
        own = await store.by_cell(db, scope.own_cell) if scope.own_cell is not None else None
        return [own] if own is not None and (zone is None or own.zone == zone) else []
    return await store.listing(db, scope.registers, zone=zone)


async def find(db: Queryable, scope: Scope, enterprise_id: int) -> Enterprise | None:
    """Return an enterprise if this person may read it."""
    enterprise = await store.get(db, enterprise_id)
    return enterprise if enterprise is not None and scope.sees(enterprise) else None


async def zones(db: Queryable, scope: Scope) -> list[tuple[str, int]]:
    """Return the zones a person's register has, with their numbers of enterprises."""
    if scope.role is Role.SECRETARY:
        return [(e.zone, 1) for e in await visible(db, scope)]
    return await store.zones(db, scope.registers)


async def registers(db: Queryable, scope: Scope) -> list[Unit]:
    """Return the units whose register a person may add to: committees (a unit with units under it,
    or the root), and a committee member's own unit."""
    committees = {unit_id for unit_id, _, committee in await units.codes(db) if committee}
    return [
        unit
        for unit in await units.all_units(db)
        if (scope.unit_ids is None or unit.id in scope.unit_ids)
        and (unit.id in committees or unit.id == scope.top)
    ]


# ----- an enterprise's state -----------------------------------------------------------------------


def stage_of(enterprise: Enterprise) -> Stage:
    """Return the furthest party stage of an enterprise."""
    recorded = {Stage(k): v for k, v in enterprise.stages.items()}
    return party_stage(recorded, enterprise.party_members, enterprise.cell_id is not None)


def could_found(enterprise: Enterprise) -> bool:
    """Tell whether an enterprise could found its own cell now."""
    return can_found_cell(stage_of(enterprise), enterprise.cell_id is not None)


def has(enterprise: Enterprise, stage: Stage) -> bool:
    """Tell whether an enterprise reached a stage (a trade union, a Youth Union branch founded)."""
    return stage.value in enterprise.stages


@dataclass(frozen=True)
class Card:
    """Everything one enterprise's card shows."""

    enterprise: Enterprise
    register: Unit | None
    cell: Unit | None
    stage: Stage
    could_found: bool
    member: User | None  # the working group's member (with access)
    contacts: list[Contact]
    due: bool  # never contacted, or not for the working group's number of days
    may_edit: bool
    may_manage: bool


async def card(
    db: Queryable, scope: Scope, enterprise_id: int, today: date, contact_days: int = CONTACT_DAYS
) -> Card | None:
    """Return the card of an enterprise this person may read."""
    enterprise = await find(db, scope, enterprise_id)
    if enterprise is None:
        return None
    member = await users.get(db, enterprise.assigned_to) if enterprise.assigned_to is not None else None
    if member is not None and not member.registered:
        member = None
    secretary = scope.role is Role.SECRETARY
    return Card(
        enterprise=enterprise,
        register=await units.get(db, enterprise.unit_id),
        cell=await units.get(db, enterprise.cell_id) if enterprise.cell_id is not None else None,
        stage=stage_of(enterprise),
        could_found=could_found(enterprise),
        member=None if secretary else member,
        # The working group's notes are the committee's, not the cell's.
        contacts=[] if secretary else await store.contacts(db, enterprise.id),
        due=contact_due(enterprise.last_contact, today, contact_days),
        may_edit=scope.edits(enterprise),
        may_manage=scope.manages,
    )


@dataclass(frozen=True)
class WorkList:
    """A working group member's own list: what is due a contact, and what could found a cell."""

    enterprises: int  # assigned to them
    due: list[Enterprise]  # never contacted, or not for `days` days, the longest first
    could_found: list[Enterprise]
    days: int

    @property
    def empty(self) -> bool:
        """Tell whether there is nothing to do."""
        return not self.due and not self.could_found


async def worklist(db: Queryable, user_id: int, today: date, days: int = CONTACT_DAYS) -> WorkList:
    """Return the enterprises assigned to a member that are due a contact or could found a cell."""
    mine = await store.listing(db, None, assigned_to=user_id)
    due = [e for e in mine if contact_due(e.last_contact, today, days)]
    due.sort(key=lambda e: (e.last_contact or date.min, e.name.casefold()))
    return WorkList(len(mine), due, [e for e in mine if could_found(e)], days)


# ----- the committee's picture ----------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """The register of a subtree: how many enterprises have a cell, by zone; young workers and Youth
    Union members; cells, trade unions and Youth Union branches founded this year; the working group."""

    unit_id: int
    year: int
    total: ZoneSums
    zones: tuple[ZoneSums, ...]
    founded: FoundedCounts  # in `year`, up to the day asked
    members: tuple[MemberSums, ...]
    unassigned: int
    contact_days: int

    @property
    def empty(self) -> bool:
        """Tell whether the register has no enterprise here."""
        return self.total.enterprises == 0


def _sum(zone: str, parts: list[ZoneSums]) -> ZoneSums:
    return ZoneSums(
        zone,
        *(sum(getattr(p, f) for p in parts) for f in ZoneSums.__dataclass_fields__ if f != "zone"),
    )


async def coverage(db: Queryable, unit_id: int, today: date, contact_days: int = CONTACT_DAYS) -> Coverage:
    """Return the coverage figures of the register of a unit and every unit below it, on a day.

    The plain function the digest and the dashboard read: X of Y enterprises have a cell, Z have
    party members but no cell, W of them could found one now, by zone and in all.
    """
    ids = await units.subtree_ids(db, unit_id)
    by_zone = await store.zone_sums(db, ids)
    return Coverage(
        unit_id=unit_id,
        year=today.year,
        total=_sum("", by_zone),
        zones=tuple(by_zone),
        founded=await store.founded(db, ids, date(today.year, 1, 1), today),
        members=tuple(await store.member_sums(db, ids, today - timedelta(days=contact_days))),
        unassigned=await store.unassigned(db, ids),
        contact_days=contact_days,
    )


# ----- saving ----------------------------------------------------------------------------------------


async def canonical_zone(db: Queryable, text: str) -> str:
    """Return a zone as the register spells it already (typed without accents or capitals), or as typed."""
    typed = unicodedata.normalize("NFC", " ".join(text.split()))
    wanted = fold(typed)
    for known in await store.all_zones(db):
        if fold(known) == wanted:
            return known
    return typed


async def duplicate(db: Queryable, unit_id: int, name: str, zone: str, other_than: int | None) -> bool:
    """Tell whether a register has an enterprise of this name in this zone already."""
    return any(
        fold(n) == fold(name) and fold(z) == fold(zone) and i != other_than
        for i, n, z in await store.names_in(db, unit_id)
    )


async def _set_flag(
    tx: Queryable,
    enterprise: Enterprise | None,
    enterprise_id: int,
    stage: Stage,
    on: bool,
    user_id: int | None,
    now: datetime,
) -> None:
    """Record a yes/no stage (a trade union, a Youth Union branch) without losing a date recorded."""
    present = enterprise is not None and has(enterprise, stage)
    if on and not present:
        await store.set_stage(tx, enterprise_id, stage.value, None, user_id, now)
    elif not on and present:
        await store.drop_stage(tx, enterprise_id, stage.value, now)


async def save_entry(
    tx: Queryable,
    scope: Scope,
    enterprise_id: int | None,
    values: dict[str, Any],
    *,
    trade_union: bool,
    youth_union: bool,
    cell_id: int | None,
    now: datetime,
) -> int:
    """Add an enterprise to a register or change one, with its unions and its cell; return its id."""
    values = dict(values)
    # One spelling of a name whatever the keyboard sent (composed or decomposed accents).
    values["name"] = unicodedata.normalize("NFC", str(values["name"]))
    values["zone"] = await canonical_zone(tx, str(values["zone"]))
    if not youth_union:
        values["youth_union_members"] = 0
    old = await store.get(tx, enterprise_id) if enterprise_id is not None else None
    if enterprise_id is not None and (old is None or not scope.edits(old)):
        raise Invalid(N_("This enterprise is no longer in your register."))
    unit_id = int(values["unit_id"]) if old is None else old.unit_id
    values["unit_id"] = unit_id
    if scope.unit_ids is not None and unit_id not in scope.unit_ids:
        raise Invalid(N_("This enterprise is no longer in your register."))
    if await duplicate(tx, unit_id, str(values["name"]), values["zone"], enterprise_id):
        raise Invalid(N_("{name} is in the register of this zone already."), name=values["name"])
    if cell_id is not None and cell_id != (old.cell_id if old else None):
        taken = await store.by_cell(tx, cell_id)
        if taken is not None or cell_id not in {
            c for c, _, _ in await store.unlinked_cells(tx, scope.registers)
        }:
            raise Invalid(N_("This cell belongs to another enterprise already."))
    if old is None:
        enterprise_id = await store.insert(tx, values, None, scope.user_id, now)
    else:
        await store.update(tx, old.id, values, now)
    assert enterprise_id is not None
    await _set_flag(tx, old, enterprise_id, Stage.TRADE_UNION, trade_union, scope.user_id, now)
    await _set_flag(tx, old, enterprise_id, Stage.YOUTH_UNION, youth_union, scope.user_id, now)
    if cell_id != (old.cell_id if old else None):
        await store.link_cell(tx, enterprise_id, cell_id, now)
        if cell_id is None:
            await store.drop_stage(tx, enterprise_id, Stage.CELL_FOUNDED.value, now)
        elif old is None or not has(old, Stage.CELL_FOUNDED):
            await store.set_stage(tx, enterprise_id, Stage.CELL_FOUNDED.value, None, scope.user_id, now)
    return enterprise_id


async def sync_from_report(
    tx: Queryable, cell_id: int, report: dict[str, Any], user_id: int | None, now: datetime
) -> int:
    """Bring a cell's enterprise report into the register: its entry takes the report's figures, or
    is created from it (linked to the cell, in the cell's committee's register). Return its id.

    Party members working there: the cell's members (its latest meeting's total) and those still
    registered where they live; the register keeps its own figure when it says more.
    """
    cell = await units.get(tx, cell_id)
    if cell is None or cell.parent_id is None:
        raise ValueError(f"no cell {cell_id}")
    members = await records.latest_meeting_total(tx, cell_id)
    elsewhere = int(report["members_elsewhere"])
    values: dict[str, Any] = {
        "name": unicodedata.normalize("NFC", str(report["name"])),
        "zone": await canonical_zone(tx, str(report["zone"])),
        "workers": int(report["workers"]),
        "young_workers": int(report["young_workers"]),
        "youth_union_members": int(report["youth_union_members"]),
        "members_elsewhere": elsewhere,
    }
    entry = await store.by_cell(tx, cell_id) or await _unlinked_namesake(tx, cell.parent_id, values["name"])
    party = elsewhere + int(members or 0)
    if entry is not None and entry.cell_id is None:
        # The committee had entered it (or imported it) before the cell reported: link, not twice.
        await store.link_cell(tx, entry.id, cell_id, now)
        if not has(entry, Stage.CELL_FOUNDED):
            await store.set_stage(tx, entry.id, Stage.CELL_FOUNDED.value, None, user_id, now)
    if entry is None:
        values |= {"unit_id": cell.parent_id, "ownership": None, "party_members": party}
        enterprise_id = await store.insert(tx, values, cell_id, user_id, now)
        await store.set_stage(tx, enterprise_id, Stage.CELL_FOUNDED.value, None, user_id, now)
    else:
        enterprise_id = entry.id
        values["party_members"] = (
            max(party, elsewhere) if members is not None else max(entry.party_members, elsewhere)
        )
        await store.update(tx, enterprise_id, values, now)
    fresh = await store.get(tx, enterprise_id)
    if int(report.get("union_members") or 0) > 0:
        await _set_flag(tx, fresh, enterprise_id, Stage.TRADE_UNION, True, user_id, now)
    if values["youth_union_members"] > 0:
        await _set_flag(tx, fresh, enterprise_id, Stage.YOUTH_UNION, True, user_id, now)
    return enterprise_id


async def _unlinked_namesake(tx: Queryable, unit_id: int, name: str) -> Enterprise | None:
    """Return the enterprise of a register with this name and no cell yet, if there is one."""
    for enterprise_id, known, _ in await store.names_in(tx, unit_id):
        if fold(known) == fold(name):
            found = await store.get(tx, enterprise_id)
            if found is not None and found.cell_id is None:
                return found
    return None


async def editable(tx: Queryable, scope: Scope, enterprise_id: int) -> Enterprise:
    """Return an enterprise this person may change, or refuse (it left their register meanwhile)."""
    enterprise = await store.get(tx, enterprise_id)
    if enterprise is None or not scope.edits(enterprise):
        raise Invalid(N_("This enterprise is no longer in your register."))
    return enterprise


async def record_stage(
    tx: Queryable, scope: Scope, enterprise_id: int, stage: Stage, on_date: date, now: datetime
) -> None:
    """Record the date an enterprise reached a stage (a cell is founded with found_cell instead)."""
    enterprise = await editable(tx, scope, enterprise_id)
    if stage is Stage.CELL_FOUNDED:
        raise Invalid(N_("A cell is founded from the enterprise's card: Found the cell."))
    refused = stage_refusal(stage, enterprise.party_members)
    if refused is not None:
        raise Invalid(refused[0], **refused[1])
    if stage in PARTY_STAGES and enterprise.cell_id is not None:
        raise Invalid(N_("This enterprise has its party cell already."))
    await store.set_stage(tx, enterprise.id, stage.value, on_date, scope.user_id, now)


async def log_contact(
    tx: Queryable, scope: Scope, enterprise_id: int, on_date: date, kind: str, note: str, now: datetime
) -> int:
    """Log a contact of the working group with an enterprise."""
    enterprise = await editable(tx, scope, enterprise_id)
    return await store.add_contact(tx, enterprise.id, on_date, kind, note, scope.user_id, now)


async def members_for(db: Queryable, enterprise: Enterprise) -> list[User]:
    """Return the committee members (with access) whose subtree holds an enterprise's register."""
    above: list[int] = []
    unit = await units.get(db, enterprise.unit_id)
    while unit is not None:
        above.append(unit.id)
        unit = await units.get(db, unit.parent_id) if unit.parent_id is not None else None
    found = await users.registered(db, above)
    return sorted((u for u in found if u.role is Role.COMMITTEE), key=lambda u: u.display_name.casefold())


async def assign(tx: Queryable, scope: Scope, enterprise_id: int, member: str, now: datetime) -> None:
    """Give an enterprise to a working group member (NOBODY: to no one); admins only."""
    enterprise = await editable(tx, scope, enterprise_id)
    if not scope.manages:
        raise Invalid(N_("This is for admins only."))
    if member == NOBODY:
        await store.assign(tx, enterprise.id, None, now)
        return
    allowed = {u.id for u in await members_for(tx, enterprise)}
    if not member.isdecimal() or int(member) not in allowed:
        raise Invalid(N_("This person is not a committee member over this enterprise's register."))
    await store.assign(tx, enterprise.id, int(member), now)


def suggest_code(name: str, taken: set[str]) -> str:
    """Return a cell code made from an enterprise's name ("Công ty TNHH Nhựa Phú Hà" -> cb-nhuaphuha)."""
    folded = f" {fold(name)} ".replace(" viet nam ", " ")  # "Honda Việt Nam": the country says nothing
    words = [w for w in "".join(c if c.isalnum() else " " for c in folded).split() if w.isascii()]
    kept = [w for w in words if w not in LEGAL_FORM_WORDS] or words or ["dn"]
    stem = (CODE_PREFIX + "".join(kept))[:28]
    code, number = stem, 2
    while code in taken:
        code = f"{stem}-{number}"
        number += 1
    return code


async def free_code(db: Queryable, name: str) -> str:
    """Return a cell code for an enterprise that no unit has yet."""
    return suggest_code(name, {u.code.lower() for u in await units.all_units(db)})


async def found_cell(
    tx: Queryable, scope: Scope, enterprise_id: int, code: str, name: str, on_date: date, now: datetime
) -> Unit:
    """Found an enterprise's party cell in one step: add the unit (as /addunit does) under the
    enterprise's register, link it, and record the stage with its date. Admins only."""
    enterprise = await editable(tx, scope, enterprise_id)
    if not scope.manages:
        raise Invalid(N_("This is for admins only."))
    if enterprise.cell_id is not None:
        raise Invalid(N_("This enterprise has its party cell already."))
    parent = await units.get(tx, enterprise.unit_id)
    assert parent is not None
    try:
        cell = await admin.add_unit_under(tx, scope.user_id, parent, code.strip().lower(), name, now)
    except UserError as error:
        raise Invalid(error.message, **error.params) from None
    await store.link_cell(tx, enterprise.id, cell.id, now)
    await store.set_stage(tx, enterprise.id, Stage.CELL_FOUNDED.value, on_date, scope.user_id, now)
    return cell


async def remove(tx: Queryable, scope: Scope, enterprise_id: int, now: datetime) -> Enterprise | None:
    """Take an enterprise out of the register (closed, or entered twice); admins only."""
    enterprise = await store.get(tx, enterprise_id)
    if enterprise is None or not scope.manages or not scope.sees(enterprise):
        return None
    await store.soft_delete(tx, enterprise.id, now)
    await audit.record(
        tx,
        now,
        scope.user_id,
        "register.delete",
        unit_id=enterprise.unit_id,
        subject=f"enterprise:{enterprise.id}",
        old={"name": enterprise.name, "zone": enterprise.zone},
    )
    return enterprise
