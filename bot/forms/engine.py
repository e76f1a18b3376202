"""The one engine that runs every form: ask, validate, back, skip, cancel, review, change, confirm.

It knows nothing of Telegram. It takes what the user did (typed text, a photo, a button press
identified by draft id, version, action and argument) and returns a View: text (HTML) plus
buttons (bot/forms/views.py). The Telegram handler renders buttons as an inline keyboard; a channel
without buttons renders them as a numbered list, and typed numbers or labels work everywhere.

What it spares people, for every form alike: a date is a button (today, yesterday, the cell's
meeting day) or "5/11"; an answer that rarely changes is offered from the cell's last record, one
by one ("Keep: 12") or all at once ("As last month"); an answer worked out from others is not asked;
optional notes wait for the review ("Add: note"); a warning says the answer was noted.

The draft is stored after every step, so a restart or a crash loses nothing: the next message
continues where the user was. Every step carries the draft's version; a press on a button of an
older step, or of a closed form, gets a polite answer and changes nothing. Saving closes the
draft in the same transaction as the record is written, so a double tap saves once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ParamSpec, TypeVar

from markupsafe import Markup

from bot.forms.fields import (
    Answers,
    Field,
    Form,
    FormContext,
    Invalid,
    Kind,
    label_key,
    match_option,
    parse_date,
    parse_int,
    parse_name,
    parse_text,
    parse_yesno,
    search,
    split_number,
)
from bot.forms.views import (
    AUTO,
    CANCEL,
    CHANGE,
    GIVEN,
    NUMBERED_KINDS,
    PAGE_SIZE,
    REVIEW,
    UNIT_FIELD,
    UNIT_FIELD_NAME,
    Accepted,
    Action,
    Button,
    View,
    Views,
    answered_count,
    with_scope,
)
from bot.i18n import N_, Translator
from storage import audit, drafts, records, units
from storage.database import Queryable
from storage.drafts import Draft
from storage.models import Role

__all__ = [
    "CANCEL",
    "CHANGE",
    "PAGE_SIZE",
    "REVIEW",
    "UNIT_FIELD",
    "UNIT_FIELD_NAME",
    "Action",
    "Button",
    "Engine",
    "View",
    "cell_exists",
]

log = logging.getLogger(__name__)

THEN_LIMIT = 40  # characters of a "discard and start" button's form and answers (callback data is 64 bytes)


class OutOfScope(Exception):
    """The open draft was begun in a role or a cell the user no longer has; it was closed."""

    def __init__(self, view: View) -> None:
        super().__init__("draft out of scope")
        self.view = view


def closed_form_notice(t: Translator, title: str, unit: str | None) -> Markup:
    """Return the one message that tells which unfinished form was closed, and why."""
    if unit is None:
        text = t(
            N_(
                "ℹ️ Your unfinished form <b>{title}</b> was closed without saving, because your role or "
                "your cell has changed. Start it again if it is still needed."
            )
        )
        return Markup(text).format(title=t(title))
    text = t(
        N_(
            "ℹ️ Your unfinished form <b>{title}</b> for {unit} was closed without saving, because your "
            "role or your cell has changed. Start it again if it is still needed."
        )
    )
    return Markup(text).format(title=t(title), unit=unit)


P = ParamSpec("P")
R = TypeVar("R")


def _closing_out_of_scope(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R | View]]:
    """Answer with the notice when the user's open draft had to be closed (they changed cell or role)."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | View:
        try:
            return await method(*args, **kwargs)
        except OutOfScope as closed:
            return closed.view

    return wrapper


@dataclass(frozen=True)
class Saved:
    """A form about to be saved, as the engine's after-save hooks see it."""

    form: Form
    record_id: int | None  # the stored record it corrects, None for a new one
    unit_id: int | None
    answers: Answers  # as they will be saved
    old_answers: Answers | None  # the corrected record's answers before, None for a new record


# What a hook writes, in the transaction that saves the form; may return a line (HTML) for "Saved".
Apply = Callable[[Queryable], Awaitable[str | None]]
# A hook reads what it needs before that transaction (the database cannot be read through ctx inside
# it) and returns what to write in it, or None.
AfterSave = Callable[[FormContext, "Engine", Saved], Awaitable[Apply | None]]


class Engine(Views):
    """Runs the forms for every user."""

    def __init__(self, forms: dict[str, Form], after_save: Sequence[AfterSave] = ()) -> None:
        super().__init__(forms)
        # What else a save does, wired by the composition root (a correction closes a return).
        self.after_save = tuple(after_save)

    # ----- what the user can do -------------------------------------------------------------

    def title(self, form_name: str) -> str:
        """Return the title of a form (a catalog message), or its name for a form no longer known."""
        form = self.forms.get(form_name)
        return form.title if form is not None else form_name

    async def open_draft(self, ctx: FormContext) -> Draft | None:
        """Return the user's open draft, if any.

        A draft begun in another role or cell than the user's now is closed, and OutOfScope says so.
        """
        draft = await drafts.open_for(ctx.db, ctx.user.id)
        if draft is not None and draft.form not in self.forms:
            # A form removed by an upgrade: its draft can only be dropped.
            await self._close(ctx, draft, "cancelled")
            return None
        if draft is not None and not self._in_scope(ctx, draft):
            await self._close(ctx, draft, "cancelled")
            unit = await units.get(ctx.db, draft.unit_id) if draft.unit_id is not None else None
            notice = closed_form_notice(ctx.t, self.title(draft.form), unit.name if unit else None)
            raise OutOfScope(View(notice, closed=True))
        return draft

    def _in_scope(self, ctx: FormContext, draft: Draft) -> bool:
        """Tell whether a draft still belongs to the user's role and cell (they may have moved)."""
        form = self.forms[draft.form]
        if ctx.role not in form.roles or (form.admin_only and ctx.role is not Role.ADMIN):
            return False
        if ctx.role is Role.SECRETARY:
            # Begun for another cell, or as an admin who picked a cell: not this secretary's form.
            return UNIT_FIELD_NAME not in draft.answers and (
                not form.per_cell or draft.unit_id == ctx.user.unit_id
            )
        return True

    async def start(
        self,
        ctx: FormContext,
        form_name: str,
        *,
        record_id: int | None = None,
        prefill: Answers | None = None,
        given: Answers | None = None,
    ) -> View:
        """Open a form (or offer to resume the one already open); refuse a form the role may not use.

        prefill: answers offered back with a "Keep" button (an enterprise of the register, to correct);

        given: answers already decided (a reminder's button names the person and the step, /broadcast
        names the unit), whose questions are not asked when they are still valid choices. The same
        form already open takes them and goes on; another form open is offered to be discarded first.
        """
        form = self.forms[form_name]
        if form.admin_only and ctx.role is not Role.ADMIN:
            # The handlers check roles too; the engine does not trust a button's data to have done so.
            return View(ctx.t(N_("This is for admins only.")), closed=True)
        if ctx.role not in form.roles:
            return View(ctx.t(N_("Your role cannot do this. See /help for what you can do.")), closed=True)
        try:
            existing = await self.open_draft(ctx)
        except OutOfScope as closed:
            started = await self.start(ctx, form_name, record_id=record_id, prefill=prefill, given=given)
            return replace(started, text=Markup(closed.view.text) + Markup("\n\n") + Markup(started.text))
        if existing is not None:
            if given and existing.form == form_name and existing.record_id is None and record_id is None:
                return await self._take_given(ctx, existing, form, given)
            return self._resume_offer(ctx, existing, then=_then_code(form_name, given))
        answers: Answers = dict(prefill or {})
        unit_id = ctx.own_cell
        if ctx.role is Role.SECRETARY and unit_id is None:
            return View(ctx.t(N_("Your account has no cell. Ask your committee's office.")), closed=True)
        if record_id is not None:
            if form.load is None:
                raise ValueError(f"form {form_name} cannot correct records")
            stored = await records.get(ctx.db, form.kind, record_id)
            if stored is None or stored.deleted or not _may_touch(ctx, stored.unit_id):
                return View(ctx.t(N_("This record does not exist or is not yours to change.")), closed=True)
            loaded = await form.load(ctx.db, ctx, record_id)
            if loaded is None:
                return View(ctx.t(N_("This record does not exist or is not yours to change.")), closed=True)
            answers = loaded
            unit_id = stored.unit_id
            if ctx.role is not Role.SECRETARY:
                answers[UNIT_FIELD_NAME] = str(unit_id)
        probe = Draft(
            0, ctx.user.id, form_name, unit_id, record_id, answers, "", None, 0, "open", ctx.now, None
        )
        answers, taken = await self._given(ctx, probe, form, given or {})
        async with ctx.db.transaction() as tx:
            draft = await drafts.create(tx, ctx.user.id, form_name, unit_id, record_id, answers, "", ctx.now)
            if record_id is not None:
                position = REVIEW
            elif taken:
                position = self._first_missing(ctx, form, answers)
            else:
                position = self._next_position(ctx, form, draft, None)
            saved = await drafts.save_step(
                tx, draft, answers=answers, position=position, return_to=None, unit_id=unit_id, now=ctx.now
            )
        assert saved is not None
        return await self._show(ctx, saved)

    @_closing_out_of_scope
    async def current(self, ctx: FormContext) -> View | None:
        """Show where the user is in their open form again."""
        draft = await self.open_draft(ctx)
        return None if draft is None else await self._show(ctx, draft)

    @_closing_out_of_scope
    async def resume_offer(self, ctx: FormContext) -> View | None:
        """Offer to continue or discard the open form, if there is one."""
        draft = await self.open_draft(ctx)
        return None if draft is None else self._resume_offer(ctx, draft, then="")

    @_closing_out_of_scope
    async def text(self, ctx: FormContext, text: str) -> View | None:
        """Take a typed answer; None when no form is open."""
        draft = await self.open_draft(ctx)
        if draft is None:
            return None
        form = self.forms[draft.form]
        position = draft.position
        if position in (REVIEW, CHANGE, CANCEL):
            # Typed numbers and labels work like the buttons of the view.
            view = await self._show(ctx, draft)
            flat = [b for row in view.buttons for b in row]
            chosen = match_option(text, [(str(i), b.label) for i, b in enumerate(flat)])
            if chosen is None:
                hint = ctx.t(N_("Please press one of the buttons, or type its number."))
                return replace(view, text=Markup("{}\n\n").format(hint) + Markup(view.text))
            button = flat[int(chosen)]
            return await self._act(ctx, draft, button.action, button.arg)
        fld = self._field(ctx, form, position)
        offered = await self._typed_offer(ctx, draft, form, fld, text)
        if offered is not None:
            return await self._act(ctx, draft, offered.action, offered.arg)
        if fld.kind in (Kind.CHOICE, Kind.YESNO, Kind.PICK):
            return await self._typed_choice(ctx, draft, form, fld, text)
        if fld.kind is Kind.PHOTO:
            return await self._show(ctx, draft, error=Invalid(N_("Please send a photo, or /skip.")))
        try:
            value = self._parse(ctx, fld, text)
        except Invalid as error:
            return await self._show(ctx, draft, error=error)
        return await self._accept(ctx, draft, form, fld, value)

    @_closing_out_of_scope
    async def photo(self, ctx: FormContext, file_id: str) -> View | None:
        """Take a photo; None when no form is open."""
        draft = await self.open_draft(ctx)
        if draft is None:
            return None
        form = self.forms[draft.form]
        if draft.position.startswith("@"):
            return await self.not_text(ctx)
        fld = self._field(ctx, form, draft.position)
        if fld.kind is not Kind.PHOTO:
            return await self._show(
                ctx, draft, error=Invalid(N_("A photo is not asked here. Please answer with text."))
            )
        return await self._accept(ctx, draft, form, fld, file_id)

    async def photo_expected(self, ctx: FormContext) -> bool:
        """Tell whether the open form's question asks for a photo (a probe: it closes nothing)."""
        draft = await drafts.open_for(ctx.db, ctx.user.id)
        if draft is None or draft.form not in self.forms or draft.position.startswith("@"):
            return False
        if not self._in_scope(ctx, draft):
            return False  # the next call on the form closes it and says why
        return self._field(ctx, self.forms[draft.form], draft.position).kind is Kind.PHOTO

    @_closing_out_of_scope
    async def again(self, ctx: FormContext, problem: str, **params: object) -> View | None:
        """Show the open question again with a problem (a catalog message); None when no form is open."""
        draft = await self.open_draft(ctx)
        return None if draft is None else await self._show(ctx, draft, error=Invalid(problem, **params))

    @_closing_out_of_scope
    async def not_text(self, ctx: FormContext, *, voice: bool = False) -> View | None:
        """Answer a sticker, a voice message or anything that is not text with the question again;
        None when no form is open."""
        draft = await self.open_draft(ctx)
        if draft is None:
            return None
        if voice:
            error = Invalid(N_("I cannot listen to voice messages. Please type your answer."))
        else:
            error = Invalid(N_("I can only read text here. Please type your answer."))
        return await self._show(ctx, draft, error=error)

    @_closing_out_of_scope
    async def back(self, ctx: FormContext) -> View | None:
        """Go back to the previous question; None when no form is open."""
        draft = await self.open_draft(ctx)
        return None if draft is None else await self._act(ctx, draft, Action.BACK, "")

    @_closing_out_of_scope
    async def skip(self, ctx: FormContext) -> View | None:
        """Skip an optional question; None when no form is open."""
        draft = await self.open_draft(ctx)
        return None if draft is None else await self._act(ctx, draft, Action.SKIP, "")

    @_closing_out_of_scope
    async def cancel(self, ctx: FormContext) -> View | None:
        """Drop the draft (asking first when more than two answers would be lost); None when none is open."""
        draft = await self.open_draft(ctx)
        return None if draft is None else await self._act(ctx, draft, Action.CANCEL, "")

    @_closing_out_of_scope
    async def press(self, ctx: FormContext, draft_id: int, version: int, action: str, arg: str) -> View:
        """Handle a button press of a form view; the view says what the pressed message shows now."""
        draft = await self.open_draft(ctx)
        if draft is None or draft.id != draft_id:
            old = await drafts.get(ctx.db, draft_id)
            if old is not None and old.user_id == ctx.user.id and old.status == "saved":
                return View(ctx.t(N_("This form was saved already.")), stale=True)
            return View(ctx.t(N_("This form is closed. Start again from /report.")), stale=True)
        known = Action.parse(action)
        if version != draft.version or known is None:
            return View(ctx.t(N_("This button belongs to an earlier question.")), stale=True)
        pressed = await self._pressed(ctx, draft, known, arg)
        view = await self._act(ctx, draft, known, arg)
        return view if view.stale else replace(view, pressed=pressed)

    # ----- steps ----------------------------------------------------------------------------

    async def _act(self, ctx: FormContext, draft: Draft, action: Action, arg: str) -> View:
        form = self.forms[draft.form]
        position = draft.position
        question = not position.startswith("@")
        if action is Action.ANSWER and question:
            fld = self._field(ctx, form, position)
            if fld.kind is Kind.DATE:
                return await self._date_pressed(ctx, draft, form, fld, arg)
            options = await self._options(ctx, draft, fld)
            if arg not in {v for v, _ in options}:
                return View(ctx.t(N_("This choice is no longer available.")), stale=True)
            return await self._accept(ctx, draft, form, fld, _stored_choice(fld, arg))
        if action is Action.KEEP and question:
            fld = self._field(ctx, form, position)
            kept = draft.answers.get(fld.name)
            if kept is None:
                kept = (await self._previous(ctx, draft, form)).get(fld.name)
            if kept is None:
                return await self._show(ctx, draft)
            return await self._accept(ctx, draft, form, fld, kept)
        if action is Action.SAME and question:
            return await self._same(ctx, draft, form)
        if action is Action.PAGE and question:
            return await self._show(ctx, draft, page=int(arg) if arg.isdecimal() else 0)
        if action is Action.SKIP:
            if not question:
                return await self._show(ctx, draft, error=Invalid(N_("There is no question to skip here.")))
            fld = self._field(ctx, form, position)
            if not fld.optional:
                return await self._show(ctx, draft, error=Invalid(N_("This question cannot be skipped.")))
            return await self._accept(ctx, draft, form, fld, None)
        if action is Action.BACK:
            return await self._back(ctx, draft, form)
        if action is Action.CANCEL:
            if answered_count(draft.answers) > 2 and position != CANCEL:
                return await self._move(ctx, draft, draft.answers, CANCEL, return_to=position)
            return await self._close_view(ctx, draft, "cancelled")
        if action is Action.CANCEL_YES and position == CANCEL:
            return await self._close_view(ctx, draft, "cancelled")
        if action is Action.CANCEL_NO and position == CANCEL:
            back_to = draft.return_to or REVIEW
            return await self._move(
                ctx, draft, draft.answers, back_to, return_to=REVIEW if back_to == REVIEW else None
            )
        if action is Action.CHANGE and position == REVIEW:
            return await self._move(ctx, draft, draft.answers, CHANGE, return_to=None)
        if action is Action.EDIT and position in (REVIEW, CHANGE):
            # An answer to change, or an optional one to add ("Add: note").
            names = [f.name for f in self._changeable(ctx, form, draft)] + [
                f.name
                for f in self._visible(ctx, form, draft.answers)
                if f.deferred and draft.answers.get(f.name) is None
            ]
            if arg not in names:
                return await self._show(ctx, draft)
            return await self._move(ctx, draft, draft.answers, arg, return_to=REVIEW)
        if action is Action.REVIEW and position == CHANGE:
            return await self._move(ctx, draft, draft.answers, REVIEW, return_to=None)
        if action is Action.SAVE and position == REVIEW:
            return await self._confirm(ctx, draft, form)
        if action is Action.RESUME:
            return await self._show(ctx, draft)
        if action is Action.DISCARD:
            view = await self._close_view(ctx, draft, "cancelled")
            then = _parse_then(arg)
            if then is not None and then[0] in self.forms:
                started = await self.start(ctx, then[0], given=then[1])
                return replace(started, text=Markup(view.text) + Markup("\n\n") + Markup(started.text))
            return view
        return View(ctx.t(N_("This button belongs to an earlier question.")), stale=True)

    def _parse(self, ctx: FormContext, fld: Field, text: str) -> Any:
        if fld.kind is Kind.DATE:
            return parse_date(text, ctx.today, past_only=fld.past_only)
        if fld.kind is Kind.INT:
            return parse_int(text, fld.minimum or 0, fld.maximum if fld.maximum is not None else 100_000)
        if fld.kind is Kind.YEAR:
            # Nobody under 15 works in an enterprise; 18-60 is only a warning (DOMAIN.md).
            return parse_int(text, fld.minimum or 1900, fld.maximum or ctx.today.year - 15)
        if fld.kind is Kind.NAME:
            return parse_name(text, fld.max_length if fld.max_length < 200 else 100)
        return parse_text(text, maximum=fld.max_length)

    async def _typed_offer(
        self, ctx: FormContext, draft: Draft, form: Form, fld: Field, text: str
    ) -> Button | None:
        """Return the button a typed text stands for: its number where numbers are no answer, or its words.

        "3" to a date question is its third button (a date is never "3"); "giữ nguyên" or "như tháng
        trước" typed anywhere is that button. A number to "how many were present?" stays an answer.
        """
        cleaned = text.strip().rstrip(".)")
        if cleaned.isdecimal() and fld.kind not in NUMBERED_KINDS:
            return None  # the answer itself (or a choice's number, read with the choices)
        _, rows = await self._question(ctx, draft, form, page=0, only=None)
        buttons = [b for row in rows for b in row]
        if cleaned.isdecimal():
            return next((b for b in buttons if split_number(b.label)[0] == int(cleaned)), None)
        typed = label_key(text)
        if not typed:
            return None
        t = ctx.t
        words = {
            Action.KEEP: label_key(t(N_("Keep: {value}")).format(value="")),
            Action.SAME: label_key(t(form.same_label)),
            Action.SKIP: label_key(t(N_("Skip"))),
        }
        for button in buttons:
            if button.action is Action.ANSWER and fld.kind is not Kind.DATE:
                continue  # a choice typed by its label is read with the choices (and their search)
            if typed in (label_key(button.label), words.get(button.action)):
                return button
        return None

    async def _typed_choice(self, ctx: FormContext, draft: Draft, form: Form, fld: Field, text: str) -> View:
        options = await self._options(ctx, draft, fld)
        chosen = match_option(text, options)
        if chosen is None and fld.kind is Kind.YESNO:
            try:
                chosen = "yes" if parse_yesno(text) else "no"
            except Invalid as refused:
                return await self._show(ctx, draft, error=refused)
        if chosen is None and fld.kind is Kind.PICK and not text.strip().isdecimal():
            found = search(text, options)
            if len(found) == 1:
                chosen = found[0][0]
            elif found:
                return await self._show(ctx, draft, only=found)
            else:
                error = Invalid(
                    N_("Nothing matches “{text}”. Try another part of the name."), text=text.strip()
                )
                return await self._show(ctx, draft, error=error)
        if chosen is None:
            error = Invalid(
                N_("Please choose one of the options: press a button or type a number from 1 to {n}."),
                n=len(options),
            )
            return await self._show(ctx, draft, error=error)
        return await self._accept(ctx, draft, form, fld, _stored_choice(fld, chosen))

    async def _date_pressed(self, ctx: FormContext, draft: Draft, form: Form, fld: Field, arg: str) -> View:
        """Take a date button (any day it offered, even one offered before midnight)."""
        try:
            day = date.fromisoformat(arg)
        except ValueError:
            return View(ctx.t(N_("This choice is no longer available.")), stale=True)
        try:
            value = parse_date(ctx.t.date(day), ctx.today, past_only=fld.past_only)
        except Invalid as error:
            return await self._show(ctx, draft, error=error)
        return await self._accept(ctx, draft, form, fld, value)

    async def _accept(self, ctx: FormContext, draft: Draft, form: Form, fld: Field, value: Any) -> View:
        answers = dict(draft.answers)
        if value is not None and fld.check is not None:
            error = await fld.check(value, with_scope(draft, answers), ctx)
            if error is not None:
                return await self._show(ctx, draft, error=error)
        answers[fld.name] = value
        if fld.computed is not None:
            answers[AUTO] = [name for name in answers.get(AUTO, []) if name != fld.name]  # the user's own now
        answers = self._derive(ctx, form, answers)
        accepted = []
        if value is not None and fld.warn is not None:
            warning = await fld.warn(value, with_scope(draft, answers), ctx)
            if warning is not None:
                accepted.append(Accepted(fld, value, warning))
        if fld.name == UNIT_FIELD_NAME and value is not None:
            draft = replace(draft, unit_id=int(value))
        return await self._advance(ctx, draft, form, fld, answers, accepted=accepted)

    async def _same(self, ctx: FormContext, draft: Draft, form: Form) -> View:
        """Take every repeating answer still open from the cell's last record, then ask what is left."""
        previous = await self._previous(ctx, draft, form)
        answers = dict(draft.answers)
        accepted: list[Accepted] = []
        for fld in self._fields(ctx, form):
            if not (fld.repeat and fld.asked and fld.shown(answers)) or fld.name in answers:
                continue
            value = previous.get(fld.name)
            if value is None:
                continue
            scoped = replace(draft, answers=answers)
            if fld.kind in (Kind.CHOICE, Kind.PICK) and str(value) not in {
                v for v, _ in await self._options(ctx, scoped, fld)
            }:
                continue  # no longer a choice: it is asked
            if fld.check is not None and await fld.check(value, with_scope(draft, answers), ctx) is not None:
                continue  # it does not fit this report: asked, with its reason
            answers[fld.name] = value
            if fld.warn is not None:
                warning = await fld.warn(value, with_scope(draft, answers), ctx)
                if warning is not None:
                    accepted.append(Accepted(fld, value, warning))
        answers = self._derive(ctx, form, answers)
        position = self._first_missing(ctx, form, answers)
        return_to = draft.return_to if position != REVIEW else None
        return await self._move(ctx, draft, answers, position, return_to=return_to, accepted=accepted)

    async def _given(
        self, ctx: FormContext, draft: Draft, form: Form, given: Answers
    ) -> tuple[Answers, list[str]]:
        """Return the answers with those a button decided, in form order, while they are valid choices.

        Only choices are taken (a reminder's person and step, a broadcast's unit): a button's data is
        not trusted to hold a date or a number the question would have refused.
        """
        answers = dict(draft.answers)
        taken: list[str] = []
        for fld in self._fields(ctx, form):
            if fld.name not in given or fld.kind not in (Kind.PICK, Kind.CHOICE):
                continue
            # The options may depend on the answer itself (a record to send back is its own option).
            probe = replace(draft, answers=answers | {fld.name: given[fld.name]})
            if str(given[fld.name]) not in {v for v, _ in await self._options(ctx, probe, fld)}:
                break  # no longer a valid choice (the step was recorded meanwhile): ask from here
            answers[fld.name] = str(given[fld.name])
            taken.append(fld.name)
        if taken:
            answers[GIVEN] = taken
        return self._derive(ctx, form, answers), taken

    async def _take_given(self, ctx: FormContext, draft: Draft, form: Form, given: Answers) -> View:
        """Put the answers a command names into the same form already open, and go on with it."""
        answers, _ = await self._given(ctx, draft, form, given)
        position = self._first_missing(ctx, form, answers)
        return await self._move(ctx, draft, answers, position, return_to=None)

    async def _advance(
        self,
        ctx: FormContext,
        draft: Draft,
        form: Form,
        fld: Field,
        answers: Answers,
        accepted: list[Accepted] | None = None,
    ) -> View:
        position = self._next_position(ctx, form, replace(draft, answers=answers), fld.name)
        return_to = draft.return_to if position != REVIEW else None
        return await self._move(ctx, draft, answers, position, return_to=return_to, accepted=accepted)

    def _first_missing(self, ctx: FormContext, form: Form, answers: Answers) -> str:
        missing = [f for f in self._asked(ctx, form, answers) if f.name not in answers]
        return missing[0].name if missing else REVIEW

    def _next_position(self, ctx: FormContext, form: Form, draft: Draft, after: str | None) -> str:
        asked = self._asked(ctx, form, draft.answers)
        if draft.return_to == REVIEW:
            # Changing one answer: ask only the questions that became relevant, then review.
            return self._first_missing(ctx, form, draft.answers)
        names = [f.name for f in asked]
        if after is None:
            return names[0] if names else REVIEW
        if after in names:
            # The next question not answered yet: after /back, the answers given since are kept and
            # not asked again; after "As last month", the answers it took are not asked either.
            later = [name for name in names[names.index(after) + 1 :] if name not in draft.answers]
            return later[0] if later else self._first_missing(ctx, form, draft.answers)
        return self._first_missing(ctx, form, draft.answers)

    async def _back(self, ctx: FormContext, draft: Draft, form: Form) -> View:
        position = draft.position
        if position == CANCEL:
            return await self._act(ctx, draft, Action.CANCEL_NO, "")
        if position == CHANGE or (draft.return_to == REVIEW and not position.startswith("@")):
            return await self._move(ctx, draft, draft.answers, REVIEW, return_to=None)
        names = [f.name for f in self._asked(ctx, form, draft.answers)]
        if position == REVIEW:
            return await self._move(ctx, draft, draft.answers, names[-1], return_to=None)
        index = names.index(position) if position in names else 0
        if index == 0:
            return await self._show(ctx, draft, error=Invalid(N_("This is the first question.")))
        return await self._move(ctx, draft, draft.answers, names[index - 1], return_to=None)

    async def _move(
        self,
        ctx: FormContext,
        draft: Draft,
        answers: Answers,
        position: str,
        *,
        return_to: str | None,
        accepted: list[Accepted] | None = None,
    ) -> View:
        # One statement (it checks the draft's version as it writes): no transaction around it.
        saved = await drafts.save_step(
            ctx.db,
            draft,
            answers=answers,
            position=position,
            return_to=return_to,
            unit_id=draft.unit_id,
            now=ctx.now,
        )
        if saved is None:
            return View(ctx.t(N_("This button belongs to an earlier question.")), stale=True)
        return await self._show(ctx, saved, accepted=accepted)

    async def _confirm(self, ctx: FormContext, draft: Draft, form: Form) -> View:
        derived = self._derive(ctx, form, draft.answers)
        answers = with_scope(draft, self._kept_answers(ctx, form, derived))
        problems = await self._problems(ctx, form, draft, answers)
        if problems:
            return await self._show(ctx, draft)
        unit_id = draft.unit_id
        if form.per_cell and (unit_id is None or not _may_touch(ctx, unit_id)):
            return await self._close_view(ctx, draft, "cancelled")
        payload = {k: v for k, v in answers.items() if k != UNIT_FIELD_NAME}
        correcting = draft.record_id if form.kind in records.KINDS else None
        old_answers = await form.load(ctx.db, ctx, correcting) if correcting and form.load else None
        saved = Saved(form, correcting, unit_id, payload, old_answers)
        applying = [apply for hook in self.after_save if (apply := await hook(ctx, self, saved)) is not None]
        try:
            async with ctx.db.transaction() as tx:
                if not await drafts.close(tx, draft.id, "saved", ctx.now):
                    return View(ctx.t(N_("This form was saved already.")), stale=True)
                stored = form.kind in records.KINDS
                correcting = draft.record_id if stored else None
                old = await records.get(tx, form.kind, correcting) if correcting else None
                record_id = await form.save(tx, ctx, payload, draft.record_id)
                new = await records.get(tx, form.kind, record_id) if stored else None
                await audit.record(
                    tx,
                    ctx.now,
                    ctx.user.id,
                    f"{form.kind}.{'update' if old else 'create'}",
                    unit_id=unit_id,
                    subject=f"{form.kind}:{record_id}",
                    old=old.values if old else None,
                    new=new.values if new else payload,
                )
                notes = [note for apply in applying if (note := await apply(tx))]
        except Invalid as error:
            # Something changed meanwhile (another step recorded for the same person...).
            return await self._show(ctx, draft, error=error)
        title = ctx.t(form.title)
        if form.done is not None:
            values = await form.done_values(ctx, record_id) if form.done_values is not None else {}
            text = Markup(ctx.t(form.done)).format(title=title, **values)
            return View(text, closed=True, saved_record=record_id)
        text = Markup(ctx.t(N_("✅ Saved: {title}."))).format(title=title)
        if draft.record_id:
            text = Markup(ctx.t(N_("✅ Corrected: {title}."))).format(title=title)
        for note in notes:
            text += Markup("\n") + Markup(note)
        return View(
            text + Markup("\n") + Markup(ctx.t(N_("Report something else with /report."))),
            closed=True,
            saved_record=record_id,
        )

    async def _close(self, ctx: FormContext, draft: Draft, status: str) -> bool:
        async with ctx.db.transaction() as tx:
            return await drafts.close(tx, draft.id, status, ctx.now)

    async def _close_view(self, ctx: FormContext, draft: Draft, status: str) -> View:
        await self._close(ctx, draft, status)
        title = ctx.t(self.forms[draft.form].title) if draft.form in self.forms else draft.form
        return View(
            Markup(ctx.t(N_("Cancelled: {title}. Nothing was saved."))).format(title=title), closed=True
        )


def _then_code(form_name: str, given: Answers | None) -> str:
    """Return what a "discard and start" button starts: the form, and the answers a command named."""
    code = form_name + "".join(f"~{k}={v}" for k, v in (given or {}).items())
    allowed = all(c not in ":~=" for k, v in (given or {}).items() for c in f"{k}{v}")
    return code if allowed and len(code) <= THEN_LIMIT else form_name


def _parse_then(code: str) -> tuple[str, Answers] | None:
    """Return the form and answers of a "discard and start" button, or None for nothing to start."""
    if not code:
        return None
    name, *pairs = code.split("~")
    given: Answers = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            return None
        given[key] = value
    return name, given


def _stored_choice(fld: Field, value: str) -> Any:
    if fld.kind is Kind.YESNO:
        return value == "yes"
    return value


def _may_touch(ctx: FormContext, unit_id: int) -> bool:
    """Tell whether the user may write records of a cell (their own; any for admins)."""
    return ctx.role is Role.ADMIN or (ctx.role is Role.SECRETARY and ctx.user.unit_id == unit_id)


async def cell_exists(db: Queryable, unit_id: int) -> bool:
    """Tell whether a unit exists."""
    return await units.get(db, unit_id) is not None
