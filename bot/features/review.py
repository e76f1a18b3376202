"""Records sent back for revision: a committee member (or an admin) returns a record of their subtree
to its cell with a short comment; the cell's secretaries get the comment and a button that opens the
record in its form; saving the record returns it to whoever sent it back, with what changed.

The states of a record (storage/reviews.py keeps one row per return):
- **submitted**: every record as a secretary saves it. Acceptance is *implied*: a record nobody sends back
  stands. An explicit "accept" would make part-time committee members approve every meeting of every
  cell each week (a city's committee would face thousands), and an unapproved record would have to be
  counted somehow meanwhile; ODK Central and Ona leave records "received" until someone acts as well.
  What needs a committee member's hand is the exception, and that is what the digest's "Cần xử lý" lists.
- **returned**: sent back with a comment. The digest counts it per cell until the cell corrects it.
- **corrected**: the cell saved it again through its form (from the button, or from /mine). The committee
  member who sent it back is told what changed; the record stands again (implied acceptance) unless they
  send it back once more, which opens a new return: every comment is kept, none is overwritten.
- A cell may delete the record instead (a duplicate): the return closes as "deleted", and the committee
  member is told.

Who may do it, in one place (`may_review`): admins anywhere; a committee member only within the subtree
of their own unit; secretaries never (they correct, they do not return). Every step goes to the audit
log: the return ("return.create", by the form engine), the correction ("return.corrected"), a deletion
("return.deleted").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from enum import StrEnum

from markupsafe import Markup

from bot import callbacks
from bot.features import mine
from bot.forms.engine import Apply, Engine, Saved
from bot.forms.fields import Answers, Field, Form, FormContext, Invalid, Kind, Problem
from bot.i18n import N_, Translator, translator
from storage import records, reviews, units, users
from storage.database import Queryable
from storage.models import Role, User
from storage.records import Record
from storage.reviews import Return, parse_ref, record_ref

RETURN_FORM = "return"
COMMENT_MAX = 300
KIND = "rv"  # the callback kind of the review buttons
ALREADY_RETURNED = N_("This record is sent back already and not corrected yet.")
NOT_YOURS = N_("You cannot send back this record: it is not in your committee's cells, or it was deleted.")


class ReviewAction(StrEnum):
    """What a review button does. The values are the one-letter codes on the wire (callback data)."""

    OPEN = "o"  # show a record of one's subtree (kind, id)
    RETURN = "r"  # send it back with a comment (kind, id)
    CORRECT = "c"  # a secretary opens a returned record in its form (return id)

    @classmethod
    def parse(cls, code: str) -> ReviewAction | None:
        """Return the action of a code, or None for one this version does not know."""
        try:
            return cls(code)
        except ValueError:
            return None


# ----- a record named outside the chat: the dashboard's code and Telegram deep link ---------------

# A record's code, as the dashboard shows it and /record takes it: a letter for its kind, then its number
# ("m12" is meeting 12). Short, so it can be typed on a phone (Zalo has no deep link to carry it).
CODE_LETTERS = {
    "meeting": "m",
    "activity": "a",
    "step": "s",
    "transfer": "t",
    "enterprise": "e",
    "person": "p",
    "mentor": "n",
}
_KIND_OF_LETTER = {letter: kind for kind, letter in CODE_LETTERS.items()}
# A Telegram deep link's start parameter (A-Z a-z 0-9 _ -, at most 64): "record-m12". An invitation's
# token is 32 characters (bot/features/admin.py), longer than any of these: they never look alike.
START_PREFIX = "record-"
_CODE = re.compile(r"([a-z])([0-9]{1,12})")


def reviewed_as(kind: str, record_id: int, what: str = "", person_id: int | None = None) -> tuple[str, int]:
    """Return the record a committee member opens for a record line: a person's "source" step is not a
    record of its own (it goes with the person's record, see `reviewable`)."""
    if kind == "step" and what == "source" and person_id is not None:
        return "person", person_id
    return kind, record_id


def record_code(kind: str, record_id: int) -> str:
    """Return the code of a record: "m12"."""
    return f"{CODE_LETTERS[kind]}{record_id}"


def parse_code(text: str) -> tuple[str, int] | None:
    """Return the kind and id a typed code names ("m12", "M 12", "#m-12"), or None."""
    cleaned = re.sub(r"[\s#.\-_]", "", unicodedata.normalize("NFKC", text)).casefold()
    found = _CODE.fullmatch(cleaned)
    if found is None or found[1] not in _KIND_OF_LETTER:
        return None
    return _KIND_OF_LETTER[found[1]], int(found[2])


def start_parameter(kind: str, record_id: int) -> str:
    """Return the start parameter of a Telegram deep link that opens a record in the bot's chat."""
    return START_PREFIX + record_code(kind, record_id)


def parse_start_parameter(text: str) -> tuple[str, int] | None:
    """Return the record a deep link's start parameter names, or None when it names none."""
    if not text.startswith(START_PREFIX):
        return None
    return parse_code(text.removeprefix(START_PREFIX))


def deep_link(bot_username: str, kind: str, record_id: int) -> str:
    """Return the Telegram link that opens the bot's chat and shows a record there (/start record-m12)."""
    return f"https://t.me/{bot_username}?start={start_parameter(kind, record_id)}"


def button(label: str, action: ReviewAction, *args: object) -> tuple[str, str]:
    """Return a review button: its label and callback data."""
    return label, callbacks.encode(KIND, action.value, *args)


async def may_review(db: Queryable, user: User, role: Role | None, unit_id: int) -> bool:
    """Tell whether someone may look into and send back the records of a unit (the one rule)."""
    if role is Role.ADMIN:
        return True
    if role is not Role.COMMITTEE or user.unit_id is None:
        return False
    return await units.within(db, unit_id, user.unit_id)


async def reviewable(
    db: Queryable, user: User, role: Role | None, kind: str, record_id: int
) -> Record | None:
    """Return a live record someone may review, or None."""
    if kind not in records.KINDS:
        return None
    record = await records.get(db, kind, record_id)
    if record is None or record.deleted:
        return None
    if kind == "step" and record.values["step"] == "source":
        return None  # the source step goes with the person's record
    return record if await may_review(db, user, role, record.unit_id) else None


def form_of(record: Record) -> Form:
    """Return the form that writes and corrects a kind of record."""
    return mine.FORM_OF_KIND[record.kind]


# ----- the return, as a form ---------------------------------------------------------------------


async def _record_option(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    """Return the record being sent back as the one option, when the user may send it back."""
    ref = parse_ref(str(answers.get("record") or ""))
    if ref is None:
        return []
    record = await reviewable(ctx.db, ctx.user, ctx.role, *ref)
    if record is None:
        return []
    cell = await units.get(ctx.db, record.unit_id)
    headline = await mine.headline(ctx, record)
    return [(record_ref(*ref), f"{cell.name if cell else ''} · {headline}")]


async def _return_check(answers: Answers, ctx: FormContext) -> list[Problem]:
    ref = parse_ref(str(answers.get("record") or ""))
    if ref is not None and await reviews.open_of(ctx.db, *ref) is not None:
        return [Problem("record", ALREADY_RETURNED)]
    return []


def _tr(user: User, ctx: FormContext) -> Translator:
    """Return the translator of someone a message goes to."""
    return translator(user.language or ctx.t.locale)


async def _save_return(tx: Queryable, ctx: FormContext, answers: Answers, record_id: int | None) -> int:
    if ctx.outbox is None:
        raise RuntimeError("sending a record back needs the outbox")
    ref = parse_ref(str(answers["record"]))
    record = await reviewable(tx, ctx.user, ctx.role, *ref) if ref else None
    if ref is None or record is None:
        raise Invalid(NOT_YOURS)
    cell = await units.get(tx, record.unit_id)
    secretaries = await users.reachable(tx, Role.SECRETARY.value, [record.unit_id])
    if not secretaries:
        raise Invalid(
            N_(
                "No secretary of {cell} can receive messages from chibo yet, so the record cannot be "
                "sent back here. Call the cell instead."
            ),
            cell=cell.name if cell else "",
        )
    comment = str(answers["comment"])
    returned = await reviews.add(tx, record.kind, record.id, record.unit_id, comment, ctx.user.id, ctx.now)
    if returned is None:
        raise Invalid(ALREADY_RETURNED)
    sender = await _sender(tx, ctx.user)
    for secretary in secretaries:
        t = _tr(secretary, ctx)
        theirs = replace(ctx, t=t)
        text = (
            Markup(t(N_("↩️ <b>Sent back for revision</b> by {name}:"))).format(name=sender)
            + Markup("\n")
            + Markup.escape(await mine.headline(theirs, record, tx))
            + Markup("\n")
            + Markup(t(N_("💬 {comment}"))).format(comment=comment)
            + Markup("\n")
            + Markup(
                t(N_("Correct it with the button below; once you save it, {name} sees the correction."))
            ).format(name=ctx.user.display_name)
        )
        buttons = [[button(t(N_("✏️ Correct the record")), ReviewAction.CORRECT, returned)]]
        await ctx.outbox.enqueue(
            tx,
            f"return:{returned}:{secretary.id}",
            secretary,
            "review",
            str(text),
            buttons=buttons,
            unit_id=record.unit_id,  # dropped if the secretary leaves the cell before it goes out
        )
    return returned


async def _sender(db: Queryable, user: User) -> str:
    """Return how a committee member is named to a cell: their name and their committee."""
    unit = await units.get(db, user.unit_id) if user.unit_id is not None else None
    return f"{user.display_name} ({unit.name})" if unit is not None else user.display_name


RETURN = Form(
    name=RETURN_FORM,
    kind="return",
    title=N_("Send back for revision"),
    per_cell=False,
    roles=frozenset({Role.COMMITTEE, Role.ADMIN}),
    done=N_(
        "↩️ Sent back. The cell's secretaries have your comment and a button to correct the record; "
        "you will see the correction here. Until then the digest counts it under “Needs action”."
    ),
    fields=(
        Field("record", Kind.PICK, N_("Record"), N_("Which record?"), options=_record_option),
        Field(
            "comment",
            Kind.TEXT,
            N_("Comment"),
            N_(
                "What should the cell correct? Write a short comment; the secretary reads it as you write it."
            ),
            max_length=COMMENT_MAX,
        ),
    ),
    save=_save_return,
    final_check=_return_check,
)


# ----- the correction: what saving a returned record does ----------------------------------------


async def record_corrected(ctx: FormContext, engine: Engine, saved: Saved) -> Apply | None:
    """Engine hook: when a record with an open return is corrected, close the return and tell whoever
    sent it back what changed. Reads before the saving transaction; writes in it."""
    kind, record_id = saved.form.kind, saved.record_id
    if record_id is None or saved.old_answers is None or kind not in records.KINDS:
        return None
    open_return = await reviews.open_of(ctx.db, kind, record_id)
    record = await records.get(ctx.db, kind, record_id)
    if open_return is None or record is None:
        return None
    returner = await users.get(ctx.db, open_return.returned_by) if open_return.returned_by else None
    message = None
    if returner is not None and returner.registered and ctx.outbox is not None:
        t = _tr(returner, ctx)
        theirs = replace(ctx, t=t)
        cell = await units.get(ctx.db, record.unit_id)
        lines = [
            Markup(t(N_("✅ <b>Corrected</b> by {name} ({cell}):"))).format(
                name=ctx.user.display_name, cell=cell.name if cell else ""
            ),
            Markup.escape(await mine.headline(theirs, record)),
            Markup(t(N_("Your comment: {comment}"))).format(comment=open_return.comment),
        ]
        changes = await engine.changes(
            theirs, saved.form.name, saved.old_answers, saved.answers, saved.unit_id
        )
        if changes:
            lines.append(Markup(t(N_("What changed:"))))
            lines += [Markup("• {}: {} → <b>{}</b>").format(label, was, now) for label, was, now in changes]
        else:
            lines.append(Markup(t(N_("Saved again without changes."))))
        buttons = [
            [
                button(t(N_("↩️ Send back again")), ReviewAction.RETURN, kind, record_id),
                button(t(N_("🔎 Open")), ReviewAction.OPEN, kind, record_id),
            ]
        ]
        message = (returner, str(Markup("\n").join(lines)), buttons)

    async def apply(tx: Queryable) -> str | None:
        """Close the return (unless someone did meanwhile), log it and queue the message."""
        assert open_return is not None
        if not await reviews.close(tx, open_return, reviews.CORRECTED, ctx.user.id, ctx.now):
            return None
        if message is None or ctx.outbox is None:
            return None
        user, text, buttons = message
        # About the sender's committee: dropped if they leave it before it goes out.
        await ctx.outbox.enqueue(
            tx,
            f"return-corrected:{open_return.id}",
            user,
            "review",
            text,
            buttons=buttons,
            unit_id=user.unit_id,
        )
        return str(
            Markup(ctx.t(N_("↩️ {name}, who sent it back, will see your correction."))).format(
                name=user.display_name
            )
        )

    return apply


# ----- what a committee member sees --------------------------------------------------------------


async def history(ctx: FormContext, returns: list[Return]) -> list[str]:
    """Return the lines of a record's returns, oldest first: who, when, the comment, how it ended."""
    t = ctx.t
    lines = []
    for ret in returns:
        who = await users.get(ctx.db, ret.returned_by) if ret.returned_by else None
        when = t.date(ret.returned_at.astimezone(ctx.tz).date())
        lines.append(
            Markup(t(N_("↩️ Sent back on {date} by {name}: {comment}"))).format(
                date=when, name=who.display_name if who else "—", comment=ret.comment
            )
        )
        if ret.resolved_at is None:
            lines.append(Markup(t(N_("   ⏳ waiting for the cell's correction"))))
        else:
            fixer = await users.get(ctx.db, ret.resolved_by) if ret.resolved_by else None
            day = t.date(ret.resolved_at.astimezone(ctx.tz).date())
            message = (
                N_("   ✅ corrected on {date} by {name}")
                if ret.resolution == reviews.CORRECTED
                else N_("   🗑 deleted on {date} by {name}")
            )
            lines.append(Markup(t(message)).format(date=day, name=fixer.display_name if fixer else "—"))
    return [str(line) for line in lines]


async def record_page(
    ctx: FormContext, engine: Engine, record: Record
) -> tuple[str, list[list[tuple[str, str]]]]:
    """Return a record as a committee member sees it (its answers, who entered it, its returns) and the
    button that sends it back (none while a return is open)."""
    t = ctx.t
    form = form_of(record)
    assert form.load is not None
    answers = await form.load(ctx.db, ctx, record.id) or {}
    cell = await units.get(ctx.db, record.unit_id)
    author = await users.get(ctx.db, record.created_by) if record.created_by else None
    lines = [
        Markup("<b>{}</b> · {}").format(t(form.title), cell.name if cell else ""),
        Markup(await engine.describe(ctx, form.name, answers, record.unit_id)),
        Markup("<i>{}</i>").format(
            t(N_("Entered by {name} on {date}")).format(
                name=author.display_name if author else "—",
                date=t.date(record.created_at.astimezone(ctx.tz).date()),
            )
        ),
    ]
    returns = await reviews.of_record(ctx.db, record.kind, record.id)
    if returns:
        lines += [Markup(""), *[Markup(line) for line in await history(ctx, returns)]]
    buttons: list[list[tuple[str, str]]] = []
    if not any(r.open for r in returns):
        buttons.append(
            [button(t(N_("↩️ Send back for revision")), ReviewAction.RETURN, record.kind, record.id)]
        )
    return str(Markup("\n").join(lines)), buttons
