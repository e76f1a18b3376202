"""The stages of an enterprise on the way to its own party cell, and when the working group is due.

Pure rules: plain values in, plain values out. An enterprise moves through four party stages
(DOMAIN.md, "Enterprises and the working group"): no party member; members working there but still
registered where they live; three or more official members, so a cell can be founded; a cell
founded. Beside them, a trade union and a Youth Union branch are founded, each on its own date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum

from bot.i18n import N_

# A party organisation is founded where there are at least 3 official members (Điều lệ Đảng, Điều 21,
# as DOMAIN.md's "Cell routine" has it; read from secondary sources).
MIN_OFFICIAL_MEMBERS = 3
# The working group contacts each enterprise at least this often (CHIBO_CONTACT_DAYS sets it).
CONTACT_DAYS = 60


class Stage(StrEnum):
    """A stage an enterprise reaches, recorded with its date."""

    NO_MEMBER = "no_member"
    MEMBERS_ELSEWHERE = "members_elsewhere"
    THREE_MEMBERS = "three_members"
    CELL_FOUNDED = "cell_founded"
    TRADE_UNION = "trade_union"
    YOUTH_UNION = "youth_union"


# The party stages in order; an enterprise is at the furthest it reached.
PARTY_STAGES: tuple[Stage, ...] = (
    Stage.NO_MEMBER,
    Stage.MEMBERS_ELSEWHERE,
    Stage.THREE_MEMBERS,
    Stage.CELL_FOUNDED,
)
STAGE_NAMES: dict[Stage, str] = {
    Stage.NO_MEMBER: N_("No party member"),
    Stage.MEMBERS_ELSEWHERE: N_("Party members working there, registered where they live"),
    Stage.THREE_MEMBERS: N_("Three or more official members: a cell can be founded"),
    Stage.CELL_FOUNDED: N_("Party cell founded"),
    Stage.TRADE_UNION: N_("Trade union founded"),
    Stage.YOUTH_UNION: N_("Youth Union branch founded"),
}


def party_stage(recorded: Mapping[Stage, date | None], party_members: int, has_cell: bool) -> Stage:
    """Return the furthest party stage: recorded, or told by the figures (members, a linked cell)."""
    reached = [s for s in PARTY_STAGES if s in recorded]
    if party_members > 0:
        reached.append(Stage.MEMBERS_ELSEWHERE)
    if has_cell:
        reached.append(Stage.CELL_FOUNDED)
    return max(reached, key=PARTY_STAGES.index, default=Stage.NO_MEMBER)


def can_found_cell(stage: Stage, has_cell: bool) -> bool:
    """Tell whether an enterprise could found its own cell now (three official members, no cell yet)."""
    return stage is Stage.THREE_MEMBERS and not has_cell


def stages_to_record(current: Stage, has_cell: bool) -> list[Stage]:
    """Return the stages a working group may record next: the current party stage (to date it) and
    those after it up to three members (a cell is founded by founding it), and the two unions."""
    stages = [s for s in PARTY_STAGES[PARTY_STAGES.index(current) :] if s is not Stage.CELL_FOUNDED]
    if has_cell:
        stages = []
    return [*stages, Stage.TRADE_UNION, Stage.YOUTH_UNION]


def stage_refusal(stage: Stage, party_members: int) -> tuple[str, dict[str, object]] | None:
    """Return why a stage cannot be recorded with the register's figures (a catalog message), or None."""
    if stage is Stage.MEMBERS_ELSEWHERE and party_members == 0:
        return (
            N_(
                "The register has no party member working there. Correct the figures first "
                "(✏️ Correct the figures), then record this stage."
            ),
            {},
        )
    if stage is Stage.THREE_MEMBERS and party_members < MIN_OFFICIAL_MEMBERS:
        return (
            N_(
                "A cell needs at least {least} official members; the register has {members} party "
                "members working there. Correct the figures first (✏️ Correct the figures), then record "
                "this stage."
            ),
            {"least": MIN_OFFICIAL_MEMBERS, "members": party_members},
        )
    return None


def contact_due(last_contact: date | None, today: date, days: int = CONTACT_DAYS) -> bool:
    """Tell whether an enterprise is due a contact: never contacted, or not for `days` days."""
    return last_contact is None or last_contact <= today - timedelta(days=days)
