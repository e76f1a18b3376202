"""A secretary's own records of the last 30 days: list, open, correct (through the form), delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from markupsafe import Markup

from bot.features import transfers as transfer_steps
from bot.forms.definitions import FORMS
from bot.forms.fields import Form, FormContext
from bot.i18n import N_, Translator, translator
from bot.rules.pipeline import ORDER, STEP_NAMES, Step
from storage import audit, records, reviews, transfers, users
from storage.database import Queryable
from storage.digest_queries import TransferRow
from storage.models import Role
from storage.records import Record
from storage.reviews import Return

WINDOW = timedelta(days=30)
PAGE_SIZE = 5

# The form that corrects each kind of record.
FORM_OF_KIND: dict[str, Form] = {form.kind: form for form in FORMS.values()}


class MineAction(StrEnum):
    """What a button of /mine does. The values are the one-letter codes on the wire (callback data):
    buttons already sitting in people's chats keep working, so a value never changes."""

    PAGE = "p"  # another page of the list
    OPEN = "o"  # show one record
    CORRECT = "e"  # open it in its form
    DELETE = "d"  # ask before deleting it
    DELETE_YES = "y"
    DELETE_NO = "n"

    @classmethod
    def parse(cls, code: str) -> MineAction | None:
        """Return the action of a code, or None for one this version does not know."""
        try:
            return cls(code)
        except ValueError:
            return None


@dataclass(frozen=True)
class Page:
    """One page of the user's recent records."""

    items: list[Record]
    page: int
    pages: int


async def recent(ctx: FormContext, page: int) -> Page:
    """Return a page of the records the user entered in the last 30 days, newest first."""
    since = ctx.now - WINDOW
    total = await records.count_recent_by_author(ctx.db, ctx.user.id, since)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    items = await records.recent_by_author(ctx.db, ctx.user.id, since, PAGE_SIZE, page * PAGE_SIZE)
    return Page(items, page, pages)


async def may_touch(ctx: FormContext, record: Record) -> bool:
    """Tell whether the user may see and change a record: their own cell's, or any for admins."""
    if record.deleted:
        return False
    if ctx.role is Role.ADMIN:
        return True
    return ctx.role is Role.SECRETARY and record.unit_id == ctx.user.unit_id


async def find(ctx: FormContext, kind: str, record_id: int) -> Record | None:
    """Return a record the user may touch, or None."""
    if kind not in records.KINDS:
        return None
    record = await records.get(ctx.db, kind, record_id)
    if record is None or not await may_touch(ctx, record):
        return None
    return record


async def headline(ctx: FormContext, record: Record, db: Queryable | None = None) -> str:
    """Return one line naming a record (plain text; the caller escapes it). Inside a transaction, pass it
    as db: the database is not read through ctx then."""
    day, title, what = await _parts(ctx, record, db or ctx.db)
    return f"{day} · {title}: {what}"


async def label(ctx: FormContext, record: Record, limit: int = 48) -> str:
    """Return the short name of a record for a button."""
    what = (await _parts(ctx, record, ctx.db))[2]
    return what if len(what) <= limit else what[: limit - 1] + "…"


async def _parts(ctx: FormContext, record: Record, db: Queryable) -> tuple[str, str, str]:
    t = ctx.t
    values = record.values
    form = FORM_OF_KIND[record.kind]
    when = values.get("on_date")
    day = t.date(date.fromisoformat(when)) if when else t.date(record.created_at.astimezone(ctx.tz).date())
    if record.kind == "person":
        what = f"{values['full_name']} ({values['birth_year']})"
    elif record.kind == "step":
        person = await records.get(db, "person", int(values["person_id"]))
        name = person.values["full_name"] if person else "?"
        what = f"{name}: {t(STEP_NAMES[Step(values['step'])])}"
    elif record.kind == "transfer":
        what = str(values["member_name"])
    elif record.kind == "meeting":
        what = t(
            form.field("kind")
            .choices[[c.value for c in form.field("kind").choices].index(values["kind"])]
            .label
        )
    elif record.kind == "activity":
        what = str(values["title"])
    elif record.kind == "mentor":
        person = await records.get(db, "person", int(values["person_id"]))
        name = person.values["full_name"] if person else "?"
        what = t(N_("{name}, quarter {n}")).format(name=name, n=values["quarter"])
    else:
        what = str(values["name"])
    return day, t(form.title), what


async def delete(ctx: FormContext, kind: str, record_id: int) -> bool:
    """Delete a record (softly, with an audit line keeping its values); False when it is gone."""
    before = await records.get(ctx.db, kind, record_id)
    # Named before, for whoever sent it back for revision (the headline reads the database).
    line = await headline(ctx, before) if before is not None and not before.deleted else ""
    async with ctx.db.transaction() as tx:
        record = await records.get(tx, kind, record_id)
        if record is None or not await may_touch(ctx, record):
            return False
        if await refusal(tx, record) is not None:
            return False
        closing = await reviews.closed_by_deleting(tx, kind, record_id)
        if not await records.soft_delete(tx, kind, record_id, ctx.now):
            return False
        await audit.record(
            tx,
            ctx.now,
            ctx.user.id,
            f"{kind}.delete",
            unit_id=record.unit_id,
            subject=f"{kind}:{record_id}",
            old=record.values,
        )
        for returned in closing:
            await _close_return(tx, ctx, returned, line)
    return True


async def _close_return(tx: Queryable, ctx: FormContext, returned: Return, line: str) -> None:
    """Close a return whose record was deleted, and tell whoever sent it back."""
    if not await reviews.close(tx, returned, reviews.DELETED, ctx.user.id, ctx.now):
        return
    returner = await users.get(tx, returned.returned_by) if returned.returned_by else None
    if returner is None or not returner.registered or ctx.outbox is None:
        return
    t = translator(returner.language or ctx.t.locale)
    text = (
        Markup(t(N_("🗑 {name} deleted a record you had sent back for revision:"))).format(
            name=ctx.user.display_name
        )
        + Markup("\n")
        + Markup.escape(line)
        + Markup("\n")
        + Markup(t(N_("Your comment: {comment}"))).format(comment=returned.comment)
    )
    await ctx.outbox.enqueue(
        tx, f"return-deleted:{returned.id}", returner, "review", str(text), unit_id=returner.unit_id
    )


def _rank(step: str) -> int:
    """Return how far along the pipeline a step is (an ending step is the furthest)."""
    return ORDER.index(Step(step)) if Step(step) in ORDER else len(ORDER)


async def refusal(db: Queryable, record: Record) -> str | None:
    """Return why a record may not be deleted (a message id), or None when it may."""
    if record.kind != "step":
        return None
    step = record.values["step"]
    if step == Step.SOURCE:
        return N_("The source step goes with the person: delete the person's record instead.")
    person = await records.person(db, int(record.values["person_id"]))
    later = [s for s in (person.steps if person else {}) if _rank(s) > _rank(step)]
    if later:
        # A step in the middle would leave a gap: the pipeline is undone from its end.
        return N_("Only a person's latest step can be deleted. Delete the later steps first.")
    return None


async def open_transfers(ctx: FormContext) -> list[TransferRow]:
    """Return the open transfers of a secretary's cell, however old (none for an admin, who has no cell)."""
    if ctx.own_cell is None:
        return []
    return await transfers.open_of_unit(ctx.db, ctx.own_cell)


def transfer_button(row: TransferRow, t: Translator) -> tuple[str, str] | None:
    """Return the label and the step of the button that records a transfer's next step, or None when
    it is completed; with two possible steps (the letter, or the receipt straight away) the form asks."""
    steps = transfer_steps.next_steps(row)
    if not steps:
        return None
    label = t(N_("➡️ {member}: {step}")).format(
        member=row.member_name, step=t(transfer_steps.STEP_NAMES[steps[0]])
    )
    return label, steps[0].value if len(steps) == 1 else ""


NOTHING_RECENT = N_("You have entered nothing in the last 30 days. Report with /report.")
