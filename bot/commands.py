"""The command table: one place that says which commands exist, for whom, and how they read.

The same table registers the handlers, publishes the command menus per role and writes /help,
so the three can never disagree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.i18n import N_, Translator
from storage.models import Role

UNREGISTERED = None
EVERYONE: frozenset[Role | None] = frozenset({None, Role.SECRETARY, Role.COMMITTEE, Role.ADMIN})
REGISTERED: frozenset[Role | None] = frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN})
ADMIN: frozenset[Role | None] = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Command:
    """One slash command: its name, a menu line and, for /help, how to call it."""

    name: str
    description: str
    roles: frozenset[Role | None]
    usage: str = ""
    in_menu: bool = True


COMMANDS: list[Command] = [
    Command("start", N_("Start, or accept an invitation"), EVERYONE),
    Command("help", N_("What I can do for you"), EVERYONE),
    Command("whoami", N_("Your account and role"), EVERYONE),
    Command("language", N_("Change the language"), EVERYONE),
    Command("cancel", N_("Cancel what you are doing"), EVERYONE),
    Command("units", N_("The tree of units and their people"), ADMIN),
    Command("addunit", N_("Add a unit"), ADMIN, usage=N_("/addunit [parent-code/]code name")),
    Command(
        "moveunit",
        N_("Move a unit under another committee"),
        ADMIN,
        usage=N_("/moveunit unit-code parent-code"),
    ),
    Command("renameunit", N_("Rename a unit"), ADMIN, usage=N_("/renameunit unit-code new name")),
    Command(
        "mergecells",
        N_("Merge a cell into another cell"),
        ADMIN,
        usage=N_("/mergecells cell-code into-cell-code"),
    ),
    Command("invite", N_("Invite someone"), ADMIN, usage=N_("/invite unit-code secretary|committee|admin")),
    Command("invites", N_("Invitations not used yet"), ADMIN),
    Command("uninvite", N_("Revoke an invitation"), ADMIN, usage=N_("/uninvite invitation-number")),
    Command("users", N_("Registered users"), ADMIN),
    Command("revoke", N_("Take away a user's access"), ADMIN, usage=N_("/revoke user-id")),
]

BY_NAME = {c.name: c for c in COMMANDS}


def register(command: Command) -> None:
    """Add a command of a feature to the table (features call this when imported)."""
    if command.name in BY_NAME:
        raise ValueError(f"command /{command.name} declared twice")
    COMMANDS.append(command)
    BY_NAME[command.name] = command


def commands_for(role: Role | None) -> list[Command]:
    """Return the commands a role may use, in menu order."""
    return [c for c in COMMANDS if role in c.roles]


def allowed(name: str, role: Role | None) -> bool:
    """Tell whether a role may use a command."""
    command = BY_NAME.get(name)
    return command is not None and role in command.roles


def menu(role: Role | None, t: Translator) -> list[tuple[str, str]]:
    """Return (command, description) pairs of a role's menu in a language."""
    return [(c.name, t(c.description)) for c in commands_for(role) if c.in_menu]


def menu_hash(role: Role | None, t: Translator) -> str:
    """Return a short fingerprint of a menu, to publish it only when it changed."""
    text = "\n".join(f"{n} {d}" for n, d in menu(role, t))
    return hashlib.sha256(f"{t.locale}\n{text}".encode()).hexdigest()[:16]
