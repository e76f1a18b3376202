"""The one engine that runs every form: ask, validate, back, skip, cancel, review, change, confirm.

It knows nothing of Telegram. It takes what the user did (typed text, a photo, a button press
identified by draft id, version, action and argument) and returns a View: text (HTML) plus
buttons. The Telegram handler renders buttons as an inline keyboard; a channel without buttons
renders them as a numbered list, and typed numbers or labels work everywhere.

The draft is stored after every step, so a restart or a crash loses nothing: the next message
continues where the user was. Every step carries the draft's version; a press on a button of an
older step, or of a closed form, gets a polite answer and changes nothing. Saving closes the
draft in the same transaction as the record is written, so a double tap saves once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

from markupsafe import Markup

from bot.forms.fields import (
    Answers,
    Choice,
    Field,
    Form,
    FormContext,
    Invalid,
    Kind,
    Problem,
    match_option,
    parse_date,
    parse_int,
    parse_name,
    parse_text,
    parse_yesno,
    search,
)
from bot.i18n import N_, Translator
from bot.rules.privacy import ID_NUMBER_MESSAGE, looks_like_id_number
from storage import audit, drafts, records, units
from storage.database import Queryable
from storage.drafts import Draft
from storage.models import Role

log = logging.getLogger(__name__)

REVIEW = "@review"
CHANGE = "@change"
CANCEL = "@cancel"
UNIT_FIELD_NAME = "unit"
PAGE_SIZE = 8


class Action(StrEnum):
    """What a form button does. The values are the two-letter codes on the wire (callback data):
    buttons already sitting in people's chats keep working, so a value never changes."""

    ANSWER = "a"  # a choice of the question
    KEEP = "kp"  # keep the answer given before
    PAGE = "pg"  # another page of choices
    SKIP = "sk"
    BACK = "bk"
    CANCEL = "cx"
    CANCEL_YES = "cy"  # yes, drop the draft
    CANCEL_NO = "cn"  # no, go on with it
    CHANGE = "ch"  # at the review: pick an answer to change
    EDIT = "ed"  # change this answer
    REVIEW = "rv"  # back to the review
    SAVE = "ok"
    RESUME = "rs"  # continue the unfinished draft
    DISCARD = "dc"  # drop it and start another form

    @classmethod
    def parse(cls, code: str) -> Action | None:
        """Return the action of a code, or None for one this version does not know."""
        try:
            return cls(code)
        except ValueError:
            return None


@dataclass(frozen=True)
class Button:
    """A button of a view: its label and what pressing it does."""

    label: str
    action: Action
    arg: str = ""


@dataclass(frozen=True)
class View:
    """What to show the user after a step."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    draft_id: int | None = None
    version: int | None = None
    closed: bool = False  # no form is open after this view
    stale: bool = False  # the press was on an old button: say so briefly, show nothing new
    saved_record: int | None = None


async def _cell_options(answers: Answers, ctx: FormContext) -> list[tuple[str, str]]:
    return [(str(unit_id), name) for unit_id, name in await units.cell_choices(ctx.db)]


# Admins act for any cell: their forms first ask which one.
UNIT_FIELD = Field(
    UNIT_FIELD_NAME,
    Kind.PICK,
    N_("Cell"),
    N_("For which cell? Pick it, or type part of its name."),
    options=_cell_options,
)

HINTS = {
    Kind.DATE: N_("Type a date as dd/mm/yyyy (for example {today}), or “today” / “hôm nay”."),
    Kind.YEAR: N_("Type the year with four digits, for example 1995."),
    Kind.CHOICE: N_("Press a button or type its number."),
    Kind.YESNO: N_("Press a button or type its number."),
    Kind.PICK: N_("Press a button, type its number, or type part of the name to search."),
    Kind.PHOTO: N_("Send a photo."),
}
YES_NO = (Choice("yes", N_("Yes")), Choice("no", N_("No")))


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


class Engine:
    """Runs the forms for every user."""

    def __init__(self, forms: dict[str, Form], after_save: Sequence[AfterSave] = ()) -> None:
        self.forms = forms
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

        prefill: answers offered back with a "Keep" button (the last enterprise report);
        given: answers already decided (a reminder's button names the person and the step), whose
        questions are not asked when they are still valid choices.
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
            return self._resume_offer(ctx, existing, then=form_name)
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
        skip_answered = False
        if given:
            probe = Draft(0, ctx.user.id, form_name, unit_id, None, {}, "", None, 0, "open", ctx.now, None)
            for fld in self._fields(ctx, form):
                if fld.name not in given:
                    continue
                # The options may depend on the answer itself (a record to send back is its own option).
                probe = replace(probe, answers=answers | {fld.name: given[fld.name]})
                if fld.kind in (Kind.PICK, Kind.CHOICE) and str(given[fld.name]) not in {
                    v for v, _ in await self._options(ctx, probe, fld)
                }:
                    break  # no longer a valid choice (the step was recorded meanwhile): ask from here
                answers[fld.name] = given[fld.name]
                skip_answered = True
        async with ctx.db.transaction() as tx:
            draft = await drafts.create(tx, ctx.user.id, form_name, unit_id, record_id, answers, "", ctx.now)
            if record_id is not None:
                position = REVIEW
            elif skip_answered:
                missing = [f for f in self._visible(ctx, form, answers) if f.name not in answers]
                position = missing[0].name if missing else REVIEW
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
        """Handle a button press of a form view."""
        draft = await self.open_draft(ctx)
        if draft is None or draft.id != draft_id:
            old = await drafts.get(ctx.db, draft_id)
            if old is not None and old.user_id == ctx.user.id and old.status == "saved":
                return View(ctx.t(N_("This form was saved already.")), stale=True)
            return View(ctx.t(N_("This form is closed. Start again from /report.")), stale=True)
        known = Action.parse(action)
        if version != draft.version or known is None:
            return View(ctx.t(N_("This button belongs to an earlier question.")), stale=True)
        return await self._act(ctx, draft, known, arg)

    # ----- steps ----------------------------------------------------------------------------

    async def _act(self, ctx: FormContext, draft: Draft, action: Action, arg: str) -> View:
        form = self.forms[draft.form]
        position = draft.position
        if action is Action.ANSWER and not position.startswith("@"):
            fld = self._field(ctx, form, position)
            options = await self._options(ctx, draft, fld)
            if arg not in {v for v, _ in options}:
                return View(ctx.t(N_("This choice is no longer available.")), stale=True)
            return await self._accept(ctx, draft, form, fld, _stored_choice(fld, arg))
        if action is Action.KEEP and not position.startswith("@"):
            fld = self._field(ctx, form, position)
            if fld.name not in draft.answers:
                return await self._show(ctx, draft)
            return await self._advance(ctx, draft, form, fld, draft.answers)
        if action is Action.PAGE and not position.startswith("@"):
            return await self._show(ctx, draft, page=int(arg) if arg.isdecimal() else 0)
        if action is Action.SKIP:
            if position.startswith("@"):
                return await self._show(ctx, draft, error=Invalid(N_("There is no question to skip here.")))
            fld = self._field(ctx, form, position)
            if not fld.optional:
                return await self._show(ctx, draft, error=Invalid(N_("This question cannot be skipped.")))
            return await self._accept(ctx, draft, form, fld, None)
        if action is Action.BACK:
            return await self._back(ctx, draft, form)
        if action is Action.CANCEL:
            answered = sum(1 for k, v in draft.answers.items() if v is not None and k != UNIT_FIELD_NAME)
            if answered > 2 and position != CANCEL:
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
            names = [f.name for f in self._changeable(ctx, form, draft)]
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
            if arg in self.forms:
                started = await self.start(ctx, arg)
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

    async def _accept(self, ctx: FormContext, draft: Draft, form: Form, fld: Field, value: Any) -> View:
        answers = dict(draft.answers)
        if value is not None and fld.check is not None:
            error = await fld.check(value, _with_scope(draft, answers), ctx)
            if error is not None:
                return await self._show(ctx, draft, error=error)
        answers[fld.name] = value
        warning = None
        if value is not None and fld.warn is not None:
            warning = await fld.warn(value, _with_scope(draft, answers), ctx)
        if fld.name == UNIT_FIELD_NAME and value is not None:
            draft = replace(draft, unit_id=int(value))
        return await self._advance(ctx, draft, form, fld, answers, warning=warning)

    async def _advance(
        self,
        ctx: FormContext,
        draft: Draft,
        form: Form,
        fld: Field,
        answers: Answers,
        warning: Invalid | None = None,
    ) -> View:
        position = self._next_position(ctx, form, replace(draft, answers=answers), fld.name)
        return_to = draft.return_to if position != REVIEW else None
        return await self._move(ctx, draft, answers, position, return_to=return_to, warning=warning)

    def _next_position(self, ctx: FormContext, form: Form, draft: Draft, after: str | None) -> str:
        visible = self._visible(ctx, form, draft.answers)
        if draft.return_to == REVIEW:
            # Changing one answer: ask only the questions that became relevant, then review.
            missing = [f for f in visible if f.name not in draft.answers]
            return missing[0].name if missing else REVIEW
        names = [f.name for f in visible]
        if after is None:
            return names[0] if names else REVIEW
        if after in names:
            index = names.index(after)
            return names[index + 1] if index + 1 < len(names) else REVIEW
        missing = [f for f in visible if f.name not in draft.answers]
        return missing[0].name if missing else REVIEW

    async def _back(self, ctx: FormContext, draft: Draft, form: Form) -> View:
        position = draft.position
        if position == CANCEL:
            return await self._act(ctx, draft, Action.CANCEL_NO, "")
        if position == CHANGE or (draft.return_to == REVIEW and not position.startswith("@")):
            return await self._move(ctx, draft, draft.answers, REVIEW, return_to=None)
        names = [f.name for f in self._visible(ctx, form, draft.answers)]
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
        warning: Invalid | None = None,
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
        return await self._show(ctx, saved, warning=warning)

    async def _confirm(self, ctx: FormContext, draft: Draft, form: Form) -> View:
        answers = _with_scope(draft, self._kept_answers(ctx, form, draft.answers))
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

    # ----- what is shown ----------------------------------------------------------------------

    def _fields(self, ctx: FormContext, form: Form) -> list[Field]:
        admin_picks_cell = form.per_cell and ctx.role is not Role.SECRETARY
        return ([UNIT_FIELD] if admin_picks_cell else []) + list(form.fields)

    def _changeable(self, ctx: FormContext, form: Form, draft: Draft) -> list[Field]:
        """Return the questions whose answer may be changed (a stored record stays in its cell)."""
        fields = self._visible(ctx, form, draft.answers)
        return [
            f
            for f in fields
            if not (draft.record_id is not None and f.name == UNIT_FIELD_NAME)
            and not (f.fixed and draft.answers.get(f.name) is not None)
        ]

    def _visible(self, ctx: FormContext, form: Form, answers: Answers) -> list[Field]:
        return [f for f in self._fields(ctx, form) if f.shown(answers)]

    def _field(self, ctx: FormContext, form: Form, name: str) -> Field:
        for fld in self._fields(ctx, form):
            if fld.name == name:
                return fld
        raise KeyError(name)

    def _kept_answers(self, ctx: FormContext, form: Form, answers: Answers) -> Answers:
        """Return the answers of the questions that apply (a changed answer can hide others)."""
        return {f.name: answers.get(f.name) for f in self._visible(ctx, form, answers)}

    async def _options(self, ctx: FormContext, draft: Draft, fld: Field) -> list[tuple[str, str]]:
        if fld.kind is Kind.YESNO:
            return [(c.value, ctx.t(c.label)) for c in YES_NO]
        if fld.kind is Kind.CHOICE:
            return [(c.value, ctx.t(c.label) if fld.translate_labels else c.label) for c in fld.choices]
        if fld.options is not None:
            scoped = replace(ctx)
            return await fld.options(_with_scope(draft, draft.answers), scoped)
        return []

    async def _problems(self, ctx: FormContext, form: Form, draft: Draft, answers: Answers) -> list[Problem]:
        """Return what the answers break together, each answer checked again against the others.

        A field's own check ran when it was answered; an answer changed later at the review (the
        date of the step, the number of workers, the cell) can break it, so every answer is checked
        again here, and a choice must still be one of its options.
        """
        problems: list[Problem] = []
        scoped = replace(draft, answers=answers)
        for fld in self._visible(ctx, form, answers):
            value = answers.get(fld.name)
            if value is None:
                continue
            if fld.kind in (Kind.TEXT, Kind.NAME) and looks_like_id_number(str(value)):
                # An answer kept from before the guard read every separator (a draft of an older chibo).
                problems.append(Problem(fld.name, ID_NUMBER_MESSAGE))
                continue
            choice = fld.kind in (Kind.CHOICE, Kind.PICK)
            if choice and str(value) not in {v for v, _ in await self._options(ctx, scoped, fld)}:
                problems.append(Problem(fld.name, N_("This choice is no longer available: choose again.")))
                continue
            if fld.check is not None:
                error = await fld.check(value, answers, ctx)
                if error is not None:
                    problems.append(Problem(fld.name, error.message, dict(error.params)))
        if form.final_check is not None:
            problems += await form.final_check(answers, ctx)
        return problems

    async def _show(
        self,
        ctx: FormContext,
        draft: Draft,
        *,
        error: Invalid | None = None,
        warning: Invalid | None = None,
        page: int = 0,
        only: list[tuple[str, str]] | None = None,
    ) -> View:
        t = ctx.t
        form = self.forms[draft.form]
        lines: list[str] = []
        if error is not None:
            lines.append(Markup("⚠️ ") + Markup(t(error.message)).format(**error.params))
        if warning is not None:
            lines.append(Markup("ℹ️ ") + Markup(t(warning.message)).format(**warning.params))
        position = draft.position
        buttons: list[list[Button]] = []
        if position == REVIEW:
            body, buttons = await self._review(ctx, draft, form)
            lines.append(body)
        elif position == CHANGE:
            lines.append(Markup("<b>{}</b>").format(t(form.title)))
            lines.append(t(N_("Which answer do you want to change?")))
            visible = self._changeable(ctx, form, draft)
            buttons = [[Button(f"{i}. {t(f.label)}", Action.EDIT, f.name)] for i, f in enumerate(visible, 1)]
            buttons.append([Button(t(N_("Back to the review")), Action.REVIEW)])
        elif position == CANCEL:
            answered = sum(1 for v in draft.answers.values() if v is not None)
            lines.append(
                Markup(t(N_("Cancel {title}? Your {count} answers will be lost."))).format(
                    title=t(form.title), count=answered
                )
            )
            buttons = [
                [
                    Button(t(N_("Yes, cancel")), Action.CANCEL_YES),
                    Button(t(N_("No, continue")), Action.CANCEL_NO),
                ]
            ]
        else:
            body, buttons = await self._question(ctx, draft, form, page=page, only=only)
            lines.append(body)
        return View(Markup("\n").join(Markup(x) for x in lines), buttons, draft.id, draft.version)

    async def _question(
        self, ctx: FormContext, draft: Draft, form: Form, *, page: int, only: list[tuple[str, str]] | None
    ) -> tuple[str, list[list[Button]]]:
        t = ctx.t
        fld = self._field(ctx, form, draft.position)
        visible = self._visible(ctx, form, draft.answers)
        names = [f.name for f in visible]
        number = names.index(fld.name) + 1 if fld.name in names else len(names)
        lines = [
            Markup("<b>{title}</b> · {n}/{total}").format(title=t(form.title), n=number, total=len(names)),
            Markup("<b>{}</b>").format(t(fld.prompt)),
        ]
        hint = self._hint(ctx, fld)
        if hint:
            lines.append(Markup("<i>{}</i>").format(hint))
        buttons: list[list[Button]] = []
        if fld.kind in (Kind.CHOICE, Kind.YESNO, Kind.PICK):
            options = await self._options(ctx, draft, fld)
            numbered = list(enumerate(options, 1))
            if only is not None:
                wanted = {v for v, _ in only}
                numbered = [(i, o) for i, o in numbered if o[0] in wanted]
            if fld.kind is Kind.PICK and not options:
                lines.append(Markup("<i>{}</i>").format(t(N_("The list is empty."))))
            pages = max(1, -(-len(numbered) // PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            shown = numbered[page * PAGE_SIZE : (page + 1) * PAGE_SIZE] if fld.kind is Kind.PICK else numbered
            for i, (value, label) in shown:
                buttons.append([Button(f"{i}. {label}", Action.ANSWER, value)])
            if fld.kind is Kind.PICK and pages > 1:
                nav = []
                if page > 0:
                    nav.append(Button(t(N_("◀ Previous")), Action.PAGE, str(page - 1)))
                if page < pages - 1:
                    nav.append(Button(t(N_("Next ▶")), Action.PAGE, str(page + 1)))
                buttons.append(nav)
            if fld.kind is not Kind.PICK and len(buttons) == 2 and all(len(r) == 1 for r in buttons):
                buttons = [[buttons[0][0], buttons[1][0]]]
        if fld.name in draft.answers and draft.answers[fld.name] is not None:
            current = await self._display(ctx, draft, fld, draft.answers[fld.name])
            lines.append(Markup(t(N_("Current answer: {value}"))).format(value=current))
            buttons.append([Button(t(N_("Keep: {value}")).format(value=_short(current)), Action.KEEP)])
        if fld.optional:
            buttons.append([Button(t(N_("Skip")), Action.SKIP)])
        lines.append(Markup("<i>{}</i>").format(t(N_("/back goes back · /cancel stops"))))
        return Markup("\n").join(lines), buttons

    def _hint(self, ctx: FormContext, fld: Field) -> str:
        t = ctx.t
        if fld.kind is Kind.INT:
            low = fld.minimum or 0
            high = fld.maximum if fld.maximum is not None else 100_000
            return t(N_("A number from {min} to {max}.")).format(min=low, max=high)
        if fld.kind in (Kind.TEXT, Kind.NAME):
            hint = t(N_("At most {max} characters.")).format(
                max=fld.max_length if fld.kind is Kind.TEXT else 100
            )
            return hint + (" " + t(N_("Optional: /skip to leave it empty.")) if fld.optional else "")
        message = HINTS.get(fld.kind)
        if message is None:
            return ""
        hint = t(message).format(today=ctx.t.date(ctx.today))
        if fld.optional and fld.kind is Kind.PHOTO:
            hint += " " + t(N_("Optional: /skip to leave it empty."))
        return hint

    async def _display(self, ctx: FormContext, draft: Draft, fld: Field, value: Any) -> str:
        """Return an answer as the user reads it (user text is escaped by the caller's Markup)."""
        t = ctx.t
        if value is None:
            return "—"
        if fld.kind is Kind.DATE:
            return t.date(date.fromisoformat(value))
        if fld.kind in (Kind.CHOICE, Kind.YESNO, Kind.PICK):
            stored = "yes" if value is True else "no" if value is False else str(value)
            for option_value, label in await self._options(ctx, draft, fld):
                if option_value == stored:
                    return label
            return str(value)
        if fld.kind is Kind.PHOTO:
            return t(N_("photo attached"))
        return str(value)

    async def _review(self, ctx: FormContext, draft: Draft, form: Form) -> tuple[str, list[list[Button]]]:
        t = ctx.t
        answers = _with_scope(draft, self._kept_answers(ctx, form, draft.answers))
        lines = [Markup("<b>{}</b>").format(t(form.title)), t(N_("Check your answers:"))]
        for i, fld in enumerate(self._visible(ctx, form, draft.answers), 1):
            shown = await self._display(ctx, draft, fld, answers.get(fld.name))
            lines.append(Markup("{i}. {label}: ").format(i=i, label=t(fld.label)) + _bold(shown))
            if fld.warn is not None and answers.get(fld.name) is not None:
                warning = await fld.warn(answers[fld.name], answers, ctx)
                if warning is not None:
                    lines.append(Markup("   ℹ️ ") + Markup(t(warning.message)).format(**warning.params))
        problems = await self._problems(ctx, form, draft, answers)
        buttons: list[list[Button]] = []
        if problems:
            lines.append("")
            for problem in problems:
                lines.append(Markup("❗ ") + Markup(t(problem.message)).format(**problem.params))
            seen = set()
            for problem in problems:
                if problem.field in seen:
                    continue
                seen.add(problem.field)
                label = (
                    t(form.field(problem.field).label)
                    if problem.field != UNIT_FIELD_NAME
                    else t(UNIT_FIELD.label)
                )
                buttons.append(
                    [Button(t(N_("Change: {label}")).format(label=label), Action.EDIT, problem.field)]
                )
        else:
            buttons.append([Button(t(N_("✅ Save")), Action.SAVE)])
            buttons.append([Button(t(N_("✏️ Change an answer")), Action.CHANGE)])
        buttons.append([Button(t(N_("✖ Cancel")), Action.CANCEL)])
        return Markup("\n").join(
            Markup(x) if isinstance(x, Markup) else Markup.escape(x) for x in lines
        ), buttons

    def _resume_offer(self, ctx: FormContext, draft: Draft, *, then: str) -> View:
        t = ctx.t
        form = self.forms[draft.form]
        answered = sum(1 for k, v in draft.answers.items() if v is not None and k != UNIT_FIELD_NAME)
        text = Markup(
            t(N_("You have an unfinished form: <b>{title}</b> ({count} answers so far, last change {when})."))
        ).format(title=t(form.title), count=answered, when=t.datetime(draft.updated_at.astimezone(ctx.tz)))
        buttons = [
            [Button(t(N_("Continue it")), Action.RESUME)],
            [Button(t(N_("Discard it")), Action.DISCARD, then)],
        ]
        return View(
            text + Markup("\n") + Markup(t(N_("Continue it, or discard it?"))),
            buttons,
            draft.id,
            draft.version,
        )

    async def changes(
        self, ctx: FormContext, form_name: str, old: Answers, new: Answers, unit_id: int | None
    ) -> list[tuple[str, str, str]]:
        """Return (label, old, new) of each answer a correction changed, as the reader reads them."""
        form = self.forms[form_name]
        before, after = (self._probe(ctx, form_name, a, unit_id) for a in (old, new))
        found = []
        for fld in form.fields:
            if not (fld.shown(old) or fld.shown(new)) or old.get(fld.name) == new.get(fld.name):
                continue
            was = await self._display(ctx, before, fld, old.get(fld.name))
            now = await self._display(ctx, after, fld, new.get(fld.name))
            if was != now:
                found.append((ctx.t(fld.label), was, now))
        return found

    def _probe(self, ctx: FormContext, form_name: str, answers: Answers, unit_id: int | None) -> Draft:
        """Return a closed draft holding answers, for showing them as the review does."""
        scoped = answers | {"_unit": unit_id}
        return Draft(
            0, ctx.user.id, form_name, unit_id, None, scoped, REVIEW, None, 0, "saved", ctx.now, None
        )

    async def describe(self, ctx: FormContext, form_name: str, answers: Answers, unit_id: int) -> str:
        """Return the answers of a stored record as the review lists them (HTML)."""
        form = self.forms[form_name]
        probe = self._probe(ctx, form_name, answers, unit_id)
        lines = []
        for fld in form.visible(answers):
            shown = await self._display(ctx, probe, fld, answers.get(fld.name))
            lines.append(Markup("{label}: ").format(label=ctx.t(fld.label)) + _bold(shown))
        return Markup("\n").join(lines)


def _bold(value: str) -> Markup:
    """Return a value in bold, line by line: a long text is split at line ends, so no tag may span two."""
    return Markup("\n").join(Markup("<b>{}</b>").format(line) for line in value.split("\n"))


def _with_scope(draft: Draft, answers: Answers) -> Answers:
    """Return answers with the cell and the corrected record, which checks and saves need."""
    return answers | {"_unit": draft.unit_id, "_record": draft.record_id}


def _stored_choice(fld: Field, value: str) -> Any:
    if fld.kind is Kind.YESNO:
        return value == "yes"
    return value


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _may_touch(ctx: FormContext, unit_id: int) -> bool:
    """Tell whether the user may write records of a cell (their own; any for admins)."""
    return ctx.role is Role.ADMIN or (ctx.role is Role.SECRETARY and ctx.user.unit_id == unit_id)


async def cell_exists(db: Queryable, unit_id: int) -> bool:
    """Tell whether a unit exists."""
    return await units.get(db, unit_id) is not None
