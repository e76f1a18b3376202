"""What admins do: the unit tree, invitations, users. Plain functions over the database."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import UserError
from bot.features.access import TELEGRAM, ZALO
from bot.i18n import N_
from bot.rules.privacy import ID_NUMBER_MESSAGE, looks_like_id_number
from storage import audit, drafts, invitations, names, units, users
from storage.database import Database, Queryable
from storage.drafts import Draft
from storage.models import Invitation, Role, Unit, User, parse_id

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CHANNELS = (TELEGRAM, ZALO)
# The words people type for a role, folded (storage.names.search_key) and without spaces: "Bí thư", "bi thu",
# "BÍ THƯ", "phó bí thư" and "bithu" are all a secretary; "cấp ủy" and "cấp uỷ" one committee member.
ROLE_WORDS = {
    "secretary": Role.SECRETARY,
    "bithu": Role.SECRETARY,
    "bithuchibo": Role.SECRETARY,
    "phobithu": Role.SECRETARY,  # the deputy reports as the secretary does
    "deputy": Role.SECRETARY,
    "committee": Role.COMMITTEE,
    "committeemember": Role.COMMITTEE,
    "capuy": Role.COMMITTEE,
    "capuyvien": Role.COMMITTEE,
    "admin": Role.ADMIN,
    "quantri": Role.ADMIN,
    "quantrivien": Role.ADMIN,
}


def hash_token(token: str) -> str:
    """Return the stored form of an invitation token."""
    return hashlib.sha256(token.encode()).hexdigest()


def clean_name(raw: str, *, minimum: int = 2, maximum: int = 100) -> str:
    """Return a name cleaned as every name is (storage.names), or refuse it with the reason."""
    name = names.clean_name(raw)
    if len(name) < minimum or len(name) > maximum:
        raise UserError(N_("A name has {min} to {max} characters."), min=minimum, max=maximum)
    if looks_like_id_number(name):
        raise UserError(ID_NUMBER_MESSAGE)
    return name


async def unit_by_code(db: Queryable, code: str) -> Unit:
    """Return the unit with a code, or refuse."""
    unit = await units.by_code(db, code.strip().lower())
    if unit is None:
        raise UserError(N_("There is no unit with code {code}. See /units."), code=code)
    return unit


async def add_unit(
    db: Database, actor_id: int | None, path: str, name: str, now: datetime
) -> tuple[Unit, Unit]:
    """Create a unit under the root, or under the parent named in 'parent/code'; return it and its parent."""
    parent_code, _, code = path.strip().lower().rpartition("/")
    _check_new_unit(code, name)  # a wrong code or name is told before a missing parent
    async with db.transaction() as tx:
        parent = await unit_by_code(tx, parent_code) if parent_code else await units.get(tx, units.ROOT_ID)
        assert parent is not None
        unit = await add_unit_under(tx, actor_id, parent, code, name, now)
    return unit, parent


def _check_new_unit(code: str, name: str) -> str:
    """Refuse a unit code or name /addunit would refuse; return the name trimmed."""
    if not CODE_RE.match(code):
        raise UserError(N_("A unit code has 1 to 32 letters a-z, digits, - or _, for example: cb-honda."))
    if looks_like_id_number(code):
        raise UserError(ID_NUMBER_MESSAGE)
    return clean_name(name, maximum=120)


async def add_unit_under(
    tx: Queryable, actor_id: int | None, parent: Unit, code: str, name: str, now: datetime
) -> Unit:
    """Create a unit under a parent inside an open transaction (/addunit, a cell founded in an enterprise)."""
    clean = _check_new_unit(code, name)
    if await units.by_code(tx, code) is not None:
        raise UserError(N_("The code {code} is taken already."), code=code)
    secretaries = [u for u in await users.registered(tx, [parent.id]) if u.role is Role.SECRETARY]
    if secretaries:
        raise UserError(
            N_("{parent} is a cell with a secretary; a cell cannot have units under it."),
            parent=parent.name,
        )
    unit = await units.add(tx, code, clean, parent.id, now)
    await audit.record(
        tx,
        now,
        actor_id,
        "unit.add",
        unit_id=unit.id,
        subject=f"unit:{unit.id}",
        new={"code": code, "name": clean, "parent": parent.code},
    )
    return unit


@dataclass(frozen=True)
class UnitNode:
    """A unit in the tree, with its depth and its people."""

    unit: Unit
    depth: int
    is_committee: bool
    people: list[User]


async def tree(db: Queryable) -> list[UnitNode]:
    """Return the units depth-first from the root, each with its registered people."""
    all_units = await units.all_units(db)
    children: dict[int | None, list[Unit]] = {}
    for unit in all_units:
        children.setdefault(unit.parent_id, []).append(unit)
    people: dict[int | None, list[User]] = {}
    for user in await users.registered(db):
        people.setdefault(user.unit_id, []).append(user)
    nodes: list[UnitNode] = []

    def walk(unit: Unit, depth: int) -> None:
        kids = children.get(unit.id, [])
        nodes.append(UnitNode(unit, depth, bool(kids) or unit.parent_id is None, people.get(unit.id, [])))
        for kid in kids:
            walk(kid, depth + 1)

    for top in children.get(None, []):
        walk(top, 0)
    return nodes


def parse_role(words: str) -> Role:
    """Return the role some words name ("bí thư", "Cấp ủy", "admin"), or refuse saying what was typed."""
    role = ROLE_WORDS.get(names.search_key(words).replace(" ", ""))
    if role is None:
        raise UserError(
            N_(
                "“{words}” is not a role. Write bí thư (secretary), cấp ủy (committee member) "
                "or quản trị (admin)."
            ),
            words=words.strip(),
        )
    return role


async def invite(
    db: Database, actor_id: int | None, unit_code: str, role_word: str, now: datetime, days: int
) -> tuple[str, Invitation, Unit]:
    """Create a single-use invitation; return its token (shown once, stored only hashed)."""
    role = parse_role(role_word)
    unit = await unit_by_code(db, unit_code)
    if role is Role.SECRETARY and (unit.parent_id is None or await units.has_children(db, unit.id)):
        raise UserError(
            N_("{unit} is a committee. A secretary is invited to a cell (a unit without units under it)."),
            unit=unit.name,
        )
    token = secrets.token_urlsafe(24)  # 192 bits, fits Telegram's 64-character deep-link payload
    expires = now + timedelta(days=days)
    async with db.transaction() as tx:
        new_id = await invitations.add(tx, hash_token(token), unit.id, role, actor_id, now, expires)
        await audit.record(
            tx,
            now,
            actor_id,
            "invitation.create",
            unit_id=unit.id,
            subject=f"invitation:{new_id}",
            new={"role": role.value, "expires_at": expires.isoformat()},
        )
        invitation = await invitations.get(tx, new_id)
    assert invitation is not None
    return token, invitation, unit


async def open_invitations(db: Queryable, now: datetime) -> list[tuple[Invitation, Unit, User | None]]:
    """Return the invitations still usable, with their units and who made them (None: the system)."""
    result = []
    for invitation in await invitations.open_invitations(db, now):
        unit = await units.get(db, invitation.unit_id)
        assert unit is not None
        creator = await users.get(db, invitation.created_by) if invitation.created_by is not None else None
        result.append((invitation, unit, creator))
    return result


async def uninvite(db: Database, actor_id: int | None, number: str, now: datetime) -> Invitation:
    """Revoke an open invitation by its number."""
    if not number.strip():
        raise UserError(N_("Give the invitation's number, as /invites shows it, for example: /uninvite 3"))
    if not number.strip().isdecimal():
        raise UserError(
            N_(
                "“{text}” is not an invitation number: give the number /invites shows, "
                "for example: /uninvite 3"
            ),
            text=number.strip(),
        )
    invitation_id = parse_id(number.strip())
    async with db.transaction() as tx:
        invitation = await invitations.get(tx, invitation_id) if invitation_id is not None else None
        if invitation is None or not await invitations.revoke(tx, invitation.id, now):
            raise UserError(N_("There is no open invitation number {number}."), number=number.strip())
        await audit.record(
            tx,
            now,
            actor_id,
            "invitation.revoke",
            unit_id=invitation.unit_id,
            subject=f"invitation:{invitation.id}",
        )
    return invitation


@dataclass(frozen=True)
class Registration:
    """The outcome of accepting an invitation."""

    user: User
    unit: Unit
    previous_role: Role | None
    # The unfinished form closed because the role or the unit changed (as it was), with its unit.
    closed_draft: Draft | None = None
    closed_draft_unit: Unit | None = None


def _no_configured_admins(channel: str, external_id: str) -> bool:
    return False


async def _creator_may_invite(
    db: Queryable, invitation: Invitation, configured_admin: Callable[[str, str], bool]
) -> bool:
    """Tell whether the invitation's maker is still an admin (no maker: made by the system)."""
    if invitation.created_by is None:
        return True
    creator = await users.get(db, invitation.created_by)
    if creator is None or not creator.active:
        return False
    return creator.role is Role.ADMIN or configured_admin(creator.channel, creator.external_id)


async def redeem(
    db: Database,
    channel: str,
    external_id: str,
    display_name: str,
    token: str,
    now: datetime,
    *,
    configured_admin: Callable[[str, str], bool] = _no_configured_admins,
) -> Registration:
    """Register the person with the role and unit of an invitation, or refuse and change nothing.

    The invitation must still make sense: its maker still an admin (configured_admin tells the
    admins of CHIBO_ADMINS), and its unit still of the kind the role needs. A registered user who
    changes role or unit has their unfinished form closed, and the registration says which.
    """
    if not TOKEN_RE.match(token):
        raise UserError(N_("This invitation link is not valid. Ask your committee's office for a new one."))
    async with db.transaction() as tx:
        invitation = await invitations.by_hash(tx, hash_token(token))
        if invitation is None:
            raise UserError(
                N_("This invitation link is not valid. Ask your committee's office for a new one.")
            )
        if invitation.used_at is not None:
            raise UserError(N_("This invitation has been used already. Ask for a new one if you need it."))
        if invitation.revoked_at is not None:
            raise UserError(N_("This invitation was withdrawn. Ask your committee's office for a new one."))
        if invitation.expires_at <= now:
            raise UserError(N_("This invitation has expired. Ask your committee's office for a new one."))
        if not await _creator_may_invite(tx, invitation, configured_admin):
            raise UserError(
                N_(
                    "This invitation was made by someone who is no longer an admin, so it no longer "
                    "works. Ask your committee's office for a new one."
                )
            )
        target = await units.get(tx, invitation.unit_id)
        assert target is not None
        if invitation.role is Role.SECRETARY and (
            target.parent_id is None or await units.has_children(tx, target.id)
        ):
            raise UserError(
                N_(
                    "This invitation no longer fits: {unit} has units under it now, and a secretary "
                    "belongs to a cell. Ask your committee's office for a new one."
                ),
                unit=target.name,
            )
        before = await users.by_external(tx, channel, external_id)
        user = await users.upsert_contact(tx, channel, external_id, display_name, now)
        if not await invitations.claim(tx, invitation.id, user.id, now):
            raise UserError(N_("This invitation has been used already. Ask for a new one if you need it."))
        await users.set_role(tx, user.id, invitation.role, invitation.unit_id, now)
        new_place = (invitation.role, invitation.unit_id)
        changed = before is not None and (before.role, before.unit_id) != new_place
        # A form begun in the old role or cell would keep showing that cell's people: it is closed.
        closed = await drafts.close_open_of(tx, user.id, now) if changed else []
        closed_unit = (
            await units.get(tx, closed[0].unit_id) if closed and closed[0].unit_id is not None else None
        )
        await audit.record(
            tx,
            now,
            user.id,
            "user.register",
            unit_id=invitation.unit_id,
            subject=f"user:{user.id}",
            old=None
            if before is None or before.role is None
            else {"role": before.role.value, "unit_id": before.unit_id, "active": before.active},
            new={"role": invitation.role.value, "unit_id": invitation.unit_id, "invitation": invitation.id},
        )
        fresh = await users.get(tx, user.id)
        unit = await units.get(tx, invitation.unit_id)
    assert fresh is not None and unit is not None
    previous = before.role if before is not None and before.registered else None
    return Registration(fresh, unit, previous, closed[0] if closed else None, closed_unit)


async def list_users(db: Queryable) -> list[tuple[User, Unit | None]]:
    """Return the registered users with their units."""
    unit_by_id = {u.id: u for u in await units.all_units(db)}
    return [(u, unit_by_id.get(u.unit_id or -1)) for u in await users.registered(db)]


def account_label(user: User) -> str:
    """Return how /users shows a user's id: the Telegram id, or "zalo:<id>" for another channel."""
    return user.external_id if user.channel == TELEGRAM else f"{user.channel}:{user.external_id}"


def parse_account(text: str) -> tuple[str, str]:
    """Return the channel and the id of an account written as /users shows it."""
    key = text.strip()
    channel, _, rest = key.partition(":")
    if rest and channel in CHANNELS and rest.strip():
        return channel, rest.strip()
    if key.lstrip("-").isdecimal():
        return TELEGRAM, key
    if not key:
        raise UserError(N_("Give the user's id, as /users shows it."))
    raise UserError(N_("“{text}” is not a user's id: give the id /users shows."), text=key)


async def revoke_user(db: Database, actor: User | None, account: str, now: datetime) -> User:
    """Take away a registered user's access (they keep nothing but the audit line)."""
    channel, key = parse_account(account)
    async with db.transaction() as tx:
        user = await users.by_external(tx, channel, key)
        if user is None or not user.registered:
            raise UserError(N_("No registered user has the id {id}."), id=account.strip())
        if actor is not None and user.id == actor.id:
            raise UserError(N_("You cannot revoke your own access."))
        await users.set_active(tx, user.id, False, now)
        # What they began or handed out goes with their access: their open form, their invitations.
        await drafts.close_open_of(tx, user.id, now)
        withdrawn = await invitations.revoke_created_by(tx, user.id, now)
        await audit.record(
            tx,
            now,
            actor.id if actor else None,
            "user.revoke",
            unit_id=user.unit_id,
            subject=f"user:{user.id}",
            old={"role": user.role.value if user.role else None, "active": True},
            new={"active": False, "invitations_withdrawn": withdrawn},
        )
    return user


async def ensure_user(db: Database, channel: str, external_id: str, display_name: str, now: datetime) -> User:
    """Return the stored user of an account, creating a row without a role when needed."""
    async with db.transaction() as tx:
        return await users.upsert_contact(tx, channel, external_id, display_name, now)


async def set_language(db: Database, user_id: int, language: str, now: datetime) -> None:
    """Remember a user's language."""
    async with db.transaction() as tx:
        await users.set_language(tx, user_id, language, now)
