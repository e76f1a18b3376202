"""The command table: one place that says which commands exist, for whom, and how they read.

The same table registers the handlers, publishes the command menus per role and writes the welcome
and /help, so they can never disagree. Menus and /help put the forms first and the account last.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import IntEnum

from bot.i18n import N_, Translator
from storage.models import Role

UNREGISTERED = None
EVERYONE: frozenset[Role | None] = frozenset({None, Role.SECRETARY, Role.COMMITTEE, Role.ADMIN})
REGISTERED: frozenset[Role | None] = frozenset({Role.SECRETARY, Role.COMMITTEE, Role.ADMIN})
ADMIN: frozenset[Role | None] = frozenset({Role.ADMIN})


class Section(IntEnum):
    """Where a command stands in the menu and in /help: the forms first, the account last."""

    REPORT = 1
    FOLLOW = 2
    MANAGE = 3
    ACCOUNT = 4


SECTION_TITLES = {
    Section.REPORT: N_("Report"),
    Section.FOLLOW: N_("Follow up"),
    Section.MANAGE: N_("Manage units and people"),
    Section.ACCOUNT: N_("Your account"),
}


@dataclass(frozen=True)
class Command:
    """One slash command: its name, a menu line and, for /help, how to call it."""

    name: str
    description: str
    roles: frozenset[Role | None]
    usage: str = ""  # how everyone who may use it writes it, when it takes more than its name
    in_menu: bool = True
    section: Section = Section.FOLLOW
    admin_usage: str = ""  # what only admins may write ("/digest all"): shown to admins only
    rare: bool = False  # used seldom: last in its section


COMMANDS: list[Command] = [
    Command("start", N_("Start, or accept an invitation"), EVERYONE, section=Section.ACCOUNT),
    Command("help", N_("What I can do for you"), EVERYONE, section=Section.ACCOUNT),
    Command("whoami", N_("Your account and role"), EVERYONE, section=Section.ACCOUNT),
    Command("language", N_("Change the language"), EVERYONE, section=Section.ACCOUNT),
    Command("cancel", N_("Cancel what you are doing"), EVERYONE, section=Section.ACCOUNT),
    Command("units", N_("The tree of units and their people"), ADMIN, section=Section.MANAGE),
    Command(
        "addunit",
        N_("Add a unit"),
        ADMIN,
        usage=N_("/addunit [parent-code/]code name"),
        section=Section.MANAGE,
    ),
    Command(
        "moveunit",
        N_("Move a unit under another committee"),
        ADMIN,
        usage=N_("/moveunit unit-code parent-code"),
        section=Section.MANAGE,
    ),
    Command(
        "renameunit",
        N_("Rename a unit"),
        ADMIN,
        usage=N_("/renameunit unit-code new name"),
        section=Section.MANAGE,
    ),
    Command(
        "mergecells",
        N_("Merge a cell into another cell"),
        ADMIN,
        usage=N_("/mergecells cell-code into-cell-code"),
        section=Section.MANAGE,
    ),
    Command(
        "invite",
        N_("Invite someone"),
        ADMIN,
        usage=N_("/invite unit-code bí thư|cấp ủy|quản trị"),
        section=Section.MANAGE,
    ),
    Command("invites", N_("Invitations not used yet"), ADMIN, section=Section.MANAGE),
    Command(
        "uninvite",
        N_("Revoke an invitation"),
        ADMIN,
        usage=N_("/uninvite invitation-number"),
        section=Section.MANAGE,
    ),
    Command("users", N_("Registered users"), ADMIN, section=Section.MANAGE),
    Command(
        "revoke", N_("Take away a user's access"), ADMIN, usage=N_("/revoke user-id"), section=Section.MANAGE
    ),
]

BY_NAME = {c.name: c for c in COMMANDS}

# What each role does most, for the welcome (the rest is in /help).
MOST_USED: dict[Role, tuple[str, ...]] = {
    Role.SECRETARY: ("meeting", "progress", "report"),
    Role.COMMITTEE: ("digest", "myenterprises", "contact"),
    Role.ADMIN: ("units", "invite", "broadcast"),
}
# What /help says first to each role: what chibo does for them.
GUIDES: dict[Role | None, str] = {
    None: N_("chibo is for the party cells of the industrial zones and their committees, by invitation."),
    Role.SECRETARY: N_(
        "You report what your cell does: pick a form, press the buttons, type only what changed. "
        "chibo reminds you of deadlines in working days and tells your committee."
    ),
    Role.COMMITTEE: N_(
        "Every week the digest of your unit comes by itself: who reported, what moved, what is overdue. "
        "You can ask for it at any time. The enterprise register holds every enterprise of the zones; in "
        "the working group you follow your own and log each contact."
    ),
    Role.ADMIN: N_(
        "You set up the units and invite their people, and you can report for any cell as its secretary does."
    ),
}
FORM_TIPS = N_(
    "In a form: a date is a button, or typed as 5/11; “As last month” takes last month's answers back; "
    "an optional note is added at the review. /back goes back, /cancel stops, and an unfinished form "
    "waits for you."
)


def register(command: Command) -> None:
    """Add a command of a feature to the table (features call this when imported)."""
    if command.name in BY_NAME:
        raise ValueError(f"command /{command.name} declared twice")
    COMMANDS.append(command)
    BY_NAME[command.name] = command


def commands_for(role: Role | None) -> list[Command]:
    """Return the commands a role may use, in menu order: the forms first, the account last."""
    return sorted((c for c in COMMANDS if role in c.roles), key=lambda c: (c.section, c.rare))


def allowed(name: str, role: Role | None) -> bool:
    """Tell whether a role may use a command."""
    command = BY_NAME.get(name)
    return command is not None and role in command.roles


def usage(command: Command, role: Role | None, t: Translator) -> str:
    """Return how a role writes a command (admins see the variants only they may use)."""
    if role is Role.ADMIN and command.admin_usage:
        return t(command.admin_usage)
    return t(command.usage) if command.usage else f"/{command.name}"


def menu(role: Role | None, t: Translator) -> list[tuple[str, str]]:
    """Return (command, description) pairs of a role's menu in a language."""
    return [(c.name, t(c.description)) for c in commands_for(role) if c.in_menu]


def menu_hash(role: Role | None, t: Translator) -> str:
    """Return a short fingerprint of a menu, to publish it only when it changed."""
    text = "\n".join(f"{n} {d}" for n, d in menu(role, t))
    return hashlib.sha256(f"{t.locale}\n{text}".encode()).hexdigest()[:16]
