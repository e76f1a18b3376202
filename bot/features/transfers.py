"""Transfers as a small pipeline: the names of their steps, what a cell has open, and an arrival in one cell
closing the matching official transfer out of another cell of the same deployment.

The rules (what is due when, which step comes next) are bot/rules/deadlines.py; the SQL is
storage/transfers.py. The forms that record the steps are in bot/forms/definitions.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from markupsafe import Markup

from bot.features.duties import transfer_facts
from bot.i18n import N_, Translator, translator
from bot.rules.deadlines import (
    Direction,
    Kind,
    TransferFacts,
    TransferKind,
    TransferStep,
    transfer_next_steps,
)
from storage import transfers, units, users
from storage.database import Queryable
from storage.digest_queries import TransferRow
from storage.models import Role
from storage.names import name_key

if TYPE_CHECKING:
    from bot.scheduling.outbox import Outbox

STEP_NAMES = {
    TransferStep.LETTER: N_("introduction letter issued"),
    TransferStep.RECEIVED: N_("received by the new cell"),
    TransferStep.ARRIVED: N_("arrived and presented the letter"),
    TransferStep.RETURNED: N_("returned"),
}
# The step that meets each deadline of a transfer, for the button of its reminder.
STEP_OF_DEADLINE = {
    Kind.OFFICIAL_TRANSFER: TransferStep.LETTER,
    Kind.TRANSFER_RECEIPT: TransferStep.RECEIVED,
    Kind.TRANSFER_ARRIVAL: TransferStep.ARRIVED,
    Kind.TEMPORARY_TRANSFER_END: TransferStep.RETURNED,
}
KIND_NAMES = {
    (TransferKind.OFFICIAL, Direction.OUT): N_("official transfer out"),
    (TransferKind.OFFICIAL, Direction.IN): N_("official transfer in"),
    (TransferKind.TEMPORARY, Direction.OUT): N_("temporary transfer out"),
    (TransferKind.TEMPORARY, Direction.IN): N_("temporary transfer in"),
}


def kind_name(row: TransferRow, t: Translator) -> str:
    """Return "official transfer out"... in the reader's language."""
    return t(KIND_NAMES[(TransferKind(row.kind), Direction(row.direction))])


def where_it_stands(facts: TransferFacts, t: Translator) -> str:
    """Return the latest step of a transfer and its date ("introduction letter issued 02/12/2026")."""
    if facts.done_on is not None:
        return f"{t(STEP_NAMES[facts.completing_step])} {t.date(facts.done_on)}"
    if facts.letter_date is not None:
        return f"{t(STEP_NAMES[TransferStep.LETTER])} {t.date(facts.letter_date)}"
    return t("since {date}").format(date=t.date(facts.date))


def label(row: TransferRow, t: Translator) -> str:
    """Return one line naming a transfer: the member, its kind, and where it stands (plain text)."""
    facts = transfer_facts(row)
    stands = where_it_stands(facts, t) if facts is not None else t.date(row.on_date)
    return f"{row.member_name} · {kind_name(row, t)} · {stands}"


def next_steps(row: TransferRow) -> list[TransferStep]:
    """Return the steps that may be recorded next for a stored transfer."""
    facts = transfer_facts(row)
    return [] if facts is None else transfer_next_steps(facts)


async def close_matching_out(
    tx: Queryable, arrival: TransferRow, now: datetime, outbox: Outbox | None
) -> TransferRow | None:
    """Complete the official transfer out, recorded by another cell of this deployment, of the member who
    arrived; tell its secretaries. Return it, or None when no single one matches.

    A match is an open official transfer out of another cell with the same name (storage/names.name_key:
    one Unicode form, case, spaces and the tone mark's placement aside). Of several, the one whose letter
    has the date of the arriving letter; still several (namesakes), none is closed: a wrong match would
    hide a transfer that is really open.
    """
    if arrival.done_on is None or (arrival.kind, arrival.direction) != ("official", "in"):
        return None
    name = name_key(arrival.member_name)
    candidates = [
        out
        for out in await transfers.open_official_outs(tx, arrival.unit_id)
        if name_key(out.member_name) == name and (out.letter_date or out.on_date) <= arrival.done_on
    ]
    if len(candidates) > 1:
        candidates = [out for out in candidates if out.letter_date == arrival.on_date]
    if len(candidates) != 1:
        return None
    out = candidates[0]
    if not await transfers.close_by_arrival(tx, out.id, arrival.id, arrival.done_on, now):
        return None
    if outbox is not None:
        await _tell_sender(tx, out, arrival, arrival.done_on, outbox)
    return out


async def _tell_sender(
    tx: Queryable, out: TransferRow, arrival: TransferRow, arrived_on: date, outbox: Outbox
) -> None:
    """Tell the secretaries of the sending cell that their transfer out is completed."""
    receiving = await units.get(tx, arrival.unit_id)
    for user in await users.reachable(tx, Role.SECRETARY.value, [out.unit_id]):
        t = translator(user.language or outbox.settings.locale)
        text = Markup(
            t(
                N_(
                    "✅ <b>{member}</b> arrived at {cell} on {date} and presented the introduction letter: "
                    "your official transfer out is completed."
                )
            )
        ).format(member=out.member_name, cell=receiving.name if receiving else "", date=t.date(arrived_on))
        await outbox.enqueue(tx, f"transfer-closed:{out.id}:{user.id}", user, "transfer", str(text))
