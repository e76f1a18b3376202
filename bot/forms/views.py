"""What a form shows: the question, the review, the offers a question makes, and the pressed message.

The engine (bot/forms/engine.py) moves a draft from step to step; this module turns a draft into a
View, the same for every channel: HTML text plus rows of buttons. Buttons carry numbers where typing
a number cannot be an answer (choices, dates, the review), so a channel without buttons shows them
as a numbered list and the engine reads the typed number back; where a number is an answer (how
many were present?) the offers have words instead ("Keep: 12").
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from markupsafe import Markup

from bot.forms.fields import Answers, Choice, Field, Form, FormContext, Invalid, Kind, Problem, split_number
from bot.i18n import N_
from bot.rules.privacy import ID_NUMBER_MESSAGE, looks_like_id_number
from storage import units
from storage.drafts import Draft
from storage.models import Role

REVIEW = "@review"
CHANGE = "@change"
CANCEL = "@cancel"
UNIT_FIELD_NAME = "unit"
PAGE_SIZE = 8
AUTO = "_auto"  # the answers worked out by the engine (not typed), recomputed when their inputs change
GIVEN = "_given"  # the answers a button decided before the form opened (a reminder's person and step)
NUMBERED_KINDS = (Kind.CHOICE, Kind.YESNO, Kind.DATE)  # questions where a typed number is never an answer


class Action(StrEnum):
    """What a form button does. The values are the two-letter codes on the wire (callback data):
    buttons already sitting in people's chats keep working, so a value never changes."""

    ANSWER = "a"  # a choice of the question (or an offered date)
    KEEP = "kp"  # keep the answer given before, or the cell's last one
    PAGE = "pg"  # another page of choices
    SKIP = "sk"
    BACK = "bk"
    CANCEL = "cx"
    CANCEL_YES = "cy"  # yes, drop the draft
    CANCEL_NO = "cn"  # no, go on with it
    CHANGE = "ch"  # at the review: pick an answer to change
    EDIT = "ed"  # change this answer (or add an optional one)
    REVIEW = "rv"  # back to the review
    SAVE = "ok"
    RESUME = "rs"  # continue the unfinished draft
    DISCARD = "dc"  # drop it and start another form
    SAME = "sm"  # every repeating answer as in the cell's last record

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
    pressed: str | None = None  # the new text of the message whose button was pressed (its answer shown)


@dataclass(frozen=True)
class Accepted:
    """An answer taken with a warning: the view says it was noted, and why it may be wrong."""

    field: Field
    value: Any
    warning: Invalid


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
    Kind.DATE: N_("Type a date as dd/mm/yyyy (for example {today}), or “today” or “yesterday”."),
    Kind.YEAR: N_("Type the year with four digits, for example 1995."),
    Kind.CHOICE: N_("Press a button or type its number."),
    Kind.YESNO: N_("Press a button or type its number."),
    Kind.PICK: N_("Press a button, type its number, or type part of the name to search."),
    Kind.PHOTO: N_("Send a photo."),
}
DATE_OFFER_HINT = N_("Press a button, or type a date such as {today} or {short}.")
YES_NO = (Choice("yes", N_("Yes")), Choice("no", N_("No")))


def unnumbered(label: str) -> str:
    """Return a button's label without the number it starts with."""
    return split_number(label)[1]


def with_scope(draft: Draft, answers: Answers) -> Answers:
    """Return answers with the cell and the corrected record, which checks and saves need."""
    return answers | {"_unit": draft.unit_id, "_record": draft.record_id}


def answered_count(answers: Answers) -> int:
    """Return how many questions have an answer (the engine's own notes and the cell not counted)."""
    return sum(
        1 for k, v in answers.items() if v is not None and k != UNIT_FIELD_NAME and not k.startswith("_")
    )


class Views:
    """The forms' views; the engine is one (it adds the steps)."""

    def __init__(self, forms: dict[str, Form]) -> None:
        self.forms = forms

    # ----- the fields of a draft --------------------------------------------------------------------

    def _fields(self, ctx: FormContext, form: Form) -> list[Field]:
        admin_picks_cell = form.per_cell and ctx.role is not Role.SECRETARY
        return ([UNIT_FIELD] if admin_picks_cell else []) + list(form.fields)

    def _visible(self, ctx: FormContext, form: Form, answers: Answers) -> list[Field]:
        return [f for f in self._fields(ctx, form) if f.shown(answers)]

    def _asked(self, ctx: FormContext, form: Form, answers: Answers) -> list[Field]:
        """Return the questions asked in turn (not those worked out or left for the review)."""
        return [f for f in self._visible(ctx, form, answers) if f.asked]

    def _changeable(self, ctx: FormContext, form: Form, draft: Draft) -> list[Field]:
        """Return the questions whose answer may be changed (a stored record stays in its cell)."""
        fields = self._visible(ctx, form, draft.answers)
        return [
            f
            for f in fields
            if not (draft.record_id is not None and f.name == UNIT_FIELD_NAME)
            and not (f.fixed and draft.answers.get(f.name) is not None)
            and not (f.deferred and draft.answers.get(f.name) is None)
        ]

    def _field(self, ctx: FormContext, form: Form, name: str) -> Field:
        for fld in self._fields(ctx, form):
            if fld.name == name:
                return fld
        raise KeyError(name)

    def _kept_answers(self, ctx: FormContext, form: Form, answers: Answers) -> Answers:
        """Return the answers of the questions that apply (a changed answer can hide others)."""
        return {f.name: answers.get(f.name) for f in self._visible(ctx, form, answers)}

    def _derive(self, ctx: FormContext, form: Form, answers: Answers) -> Answers:
        """Return the answers with those worked out from the others (unless the user gave their own)."""
        result = dict(answers)
        auto = set(result.get(AUTO, []))
        for fld in self._fields(ctx, form):
            if fld.computed is None or not fld.shown(result):
                continue
            if fld.name in result and fld.name not in auto:
                continue  # typed by the user at the review: theirs stays
            value = fld.computed(result)
            if value is None:
                result.pop(fld.name, None)
                auto.discard(fld.name)
            else:
                result[fld.name] = value
                auto.add(fld.name)
        if auto:
            result[AUTO] = sorted(auto)
        else:
            result.pop(AUTO, None)
        return result

    async def _options(self, ctx: FormContext, draft: Draft, fld: Field) -> list[tuple[str, str]]:
        if fld.kind is Kind.YESNO:
            return [(c.value, ctx.t(c.label)) for c in YES_NO]
        if fld.kind is Kind.CHOICE:
            return [(c.value, ctx.t(c.label) if fld.translate_labels else c.label) for c in fld.choices]
        if fld.kind is Kind.DATE:
            return await self._date_offers(ctx, draft, fld)
        if fld.options is not None:
            return await fld.options(with_scope(draft, draft.answers), ctx)
        return []

    async def _date_offers(self, ctx: FormContext, draft: Draft, fld: Field) -> list[tuple[str, str]]:
        """Return the dates offered as buttons: today, yesterday, and the cell's last meeting day."""
        if not fld.offer_dates:
            return []
        t = ctx.t
        today = ctx.today
        offers = [(today, N_("Today ({date})")), (today - timedelta(days=1), N_("Yesterday ({date})"))]
        cell = await units.get(ctx.db, draft.unit_id) if draft.unit_id is not None else None
        if cell is not None:
            meeting = _last_day_of_month(today, cell.meeting_day)
            if meeting not in (day for day, _ in offers):
                offers.append((meeting, N_("Meeting day ({date})")))
        return [(day.isoformat(), t(label).format(date=t.day_month(day))) for day, label in offers]

    async def _previous(self, ctx: FormContext, draft: Draft, form: Form) -> Answers:
        """Return the answers of the cell's last record of this form, for the questions that repeat."""
        if form.previous is None or draft.record_id is not None or draft.unit_id is None:
            return {}
        found = await form.previous(ctx.db, draft.unit_id)
        if not found:
            return {}
        return {f.name: found[f.name] for f in form.fields if f.repeat and found.get(f.name) is not None}

    async def _repeating(self, ctx: FormContext, draft: Draft, form: Form, previous: Answers) -> list[Field]:
        """Return the repeating questions still unanswered that the last record can answer."""
        return [
            f
            for f in self._asked(ctx, form, draft.answers)
            if f.repeat and f.name not in draft.answers and f.name in previous
        ]

    async def _display(self, ctx: FormContext, draft: Draft, fld: Field, value: Any) -> str:
        """Return an answer as the user reads it (user text is escaped by the caller's Markup)."""
        t = ctx.t
        if value is None:
            return "—"
        if fld.kind is Kind.DATE:
            return t.date(date.fromisoformat(value))
        if fld.kind in (Kind.CHOICE, Kind.YESNO, Kind.PICK):
            stored = "yes" if value is True else "no" if value is False else str(value)
            options = await self._options(ctx, draft, fld)
            for option_value, label in options:
                if option_value == stored:
                    return label
            # No longer a choice (the transfer's step was recorded meanwhile, the person deleted): its
            # stored value is an id or a code, which would read as "1" or "received"; the review says why.
            return "—"
        if fld.kind is Kind.PHOTO:
            return t(N_("photo attached"))
        if fld.kind is Kind.INT:
            return t.number(int(value))
        return str(value)

    async def _with_unit(self, ctx: FormContext, draft: Draft, fld: Field, value: Any) -> str:
        """Return an answer with its unit ("30 minutes"), as a sentence names it."""
        shown = await self._display(ctx, draft, fld, value)
        return ctx.t(fld.unit).format(value=shown) if fld.unit else shown

    # ----- views ------------------------------------------------------------------------------------

    async def _show(
        self,
        ctx: FormContext,
        draft: Draft,
        *,
        error: Invalid | None = None,
        accepted: list[Accepted] | None = None,
        page: int = 0,
        only: list[tuple[str, str]] | None = None,
    ) -> View:
        t = ctx.t
        form = self.forms[draft.form]
        lines: list[str] = []
        if error is not None:
            lines.append(Markup("⚠️ ") + Markup(t(error.message)).format(**error.params))
        for taken in accepted or []:
            shown = await self._with_unit(ctx, draft, taken.field, taken.value)
            lines.append(
                Markup("ℹ️ ")
                + Markup(t(N_("Noted: {value}."))).format(value=shown)
                + Markup(" ")
                + Markup(t(taken.warning.message)).format(**taken.warning.params)
            )
        position = draft.position
        buttons: list[list[Button]] = []
        if position == REVIEW:
            body, buttons = await self._review(ctx, draft, form)
            lines.append(body)
        elif position == CHANGE:
            lines.append(Markup("<b>{}</b>").format(t(form.title)))
            lines.append(t(N_("Which answer do you want to change?")))
            visible = self._changeable(ctx, form, draft)
            buttons = [
                [Button(_numbered(i, t(f.label)), Action.EDIT, f.name)] for i, f in enumerate(visible, 1)
            ]
            buttons.append([Button(_numbered(len(visible) + 1, t(N_("Back to the review"))), Action.REVIEW)])
        elif position == CANCEL:
            lines.append(
                Markup(t(N_("Cancel {title}? Your {count} answers will be lost."))).format(
                    title=t(form.title), count=answered_count(draft.answers)
                )
            )
            buttons = [
                [
                    Button(_numbered(1, t(N_("Yes, cancel"))), Action.CANCEL_YES),
                    Button(_numbered(2, t(N_("No, continue"))), Action.CANCEL_NO),
                ]
            ]
        else:
            body, buttons = await self._question(ctx, draft, form, page=page, only=only)
            lines.append(body)
        return View(Markup("\n").join(Markup(x) for x in lines), buttons, draft.id, draft.version)

    async def _heading(self, ctx: FormContext, draft: Draft, form: Form, fld: Field) -> list[str]:
        """Return the lines over a question: the form and its place in it, what was given, the question."""
        t = ctx.t
        asked = [f.name for f in self._asked(ctx, form, draft.answers)]
        if fld.name in asked:
            title = Markup("<b>{title}</b> · {n}/{total}").format(
                title=t(form.title), n=asked.index(fld.name) + 1, total=len(asked)
            )
        else:
            title = Markup("<b>{}</b>").format(t(form.title))
        lines: list[str] = [title]
        for name in draft.answers.get(GIVEN, []):
            given = next((f for f in self._visible(ctx, form, draft.answers) if f.name == name), None)
            if given is not None and given.name != fld.name and draft.answers.get(name) is not None:
                shown = await self._display(ctx, draft, given, draft.answers[name])
                lines.append(Markup("{label}: <b>{value}</b>").format(label=t(given.label), value=shown))
        lines.append(Markup("<b>{}</b>").format(t(fld.prompt)))
        return lines

    async def _question(
        self, ctx: FormContext, draft: Draft, form: Form, *, page: int, only: list[tuple[str, str]] | None
    ) -> tuple[str, list[list[Button]]]:
        t = ctx.t
        fld = self._field(ctx, form, draft.position)
        lines = await self._heading(ctx, draft, form, fld)
        buttons: list[list[Button]] = []
        options = await self._options(ctx, draft, fld)
        hint = self._hint(ctx, fld, bool(options))
        if hint:
            lines.append(Markup("<i>{}</i>").format(hint))
        if fld.kind in (Kind.CHOICE, Kind.YESNO, Kind.PICK, Kind.DATE):
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
                buttons.append([Button(_numbered(i, label), Action.ANSWER, value)])
            if fld.kind is Kind.PICK and pages > 1:
                nav = []
                if page > 0:
                    nav.append(Button(t(N_("◀ Previous")), Action.PAGE, str(page - 1)))
                if page < pages - 1:
                    nav.append(Button(t(N_("Next ▶")), Action.PAGE, str(page + 1)))
                buttons.append(nav)
            if fld.kind is Kind.DATE and len(buttons) >= 2:
                buttons = [[buttons[0][0], buttons[1][0]], *buttons[2:]]  # today and yesterday side by side
            elif fld.kind is not Kind.PICK and len(buttons) == 2 and all(len(r) == 1 for r in buttons):
                buttons = [[buttons[0][0], buttons[1][0]]]
        # The offers after the choices: numbered where a number is no answer, worded elsewhere.
        number = len(options) if fld.kind in NUMBERED_KINDS else None

        def offer(label: str, action: Action) -> Button:
            nonlocal number
            if number is None:
                return Button(label, action)
            number += 1
            return Button(_numbered(number, label), action)

        previous = await self._previous(ctx, draft, form)
        repeating = await self._repeating(ctx, draft, form, previous)
        same = len(repeating) >= 2 and fld in repeating  # offer every repeating answer at once
        current = draft.answers.get(fld.name)
        if current is not None:
            shown_current = await self._display(ctx, draft, fld, current)
            lines.append(Markup(t(N_("Current answer: {value}"))).format(value=shown_current))
            buttons.append([offer(t(N_("Keep: {value}")).format(value=_short(shown_current)), Action.KEEP)])
        elif fld.name in previous:
            if not same:  # else the line of every repeating answer names it
                shown_last = await self._with_unit(ctx, draft, fld, previous[fld.name])
                lines.append(Markup(t(N_("Last time: {value}"))).format(value=shown_last))
            if fld.kind not in (Kind.CHOICE, Kind.YESNO, Kind.PICK):  # a choice is its own button already
                keep = await self._display(ctx, draft, fld, previous[fld.name])
                buttons.append([offer(t(N_("Keep: {value}")).format(value=_short(keep)), Action.KEEP)])
        if same:
            parts = [await self._with_unit(ctx, draft, f, previous[f.name]) for f in repeating]
            lines.append(
                Markup("{label}: {values}").format(
                    label=t(form.same_label),
                    values=Markup(" · ").join(Markup("<b>{}</b>").format(p) for p in parts),
                )
            )
            buttons.append([offer("↺ " + t(form.same_label), Action.SAME)])
        if fld.optional:
            buttons.append([offer(t(N_("Skip")), Action.SKIP)])
        lines.append(Markup("<i>{}</i>").format(t(N_("/back goes back · /cancel stops"))))
        return Markup("\n").join(lines), buttons

    def _hint(self, ctx: FormContext, fld: Field, offered: bool) -> str:
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
        if fld.kind is Kind.DATE and offered:
            return t(DATE_OFFER_HINT).format(
                today=t.date(ctx.today), short=f"{ctx.today.day}/{ctx.today.month}"
            )
        message = HINTS.get(fld.kind)
        if message is None:
            return ""
        hint = t(message).format(today=t.date(ctx.today))
        if fld.optional and fld.kind is Kind.PHOTO:
            hint += " " + t(N_("Optional: /skip to leave it empty."))
        return hint

    async def _review(self, ctx: FormContext, draft: Draft, form: Form) -> tuple[str, list[list[Button]]]:
        t = ctx.t
        derived = self._derive(ctx, form, draft.answers)
        answers = with_scope(draft, self._kept_answers(ctx, form, derived))
        auto = set(derived.get(AUTO, []))
        lines = [Markup("<b>{}</b>").format(t(form.title)), t(N_("Check your answers:"))]
        missing: list[Field] = []
        for fld in self._visible(ctx, form, derived):
            value = answers.get(fld.name)
            if fld.deferred and value is None:
                missing.append(fld)
                continue
            shown = await self._display(ctx, draft, fld, value)
            line = Markup("• {label}: ").format(label=t(fld.label)) + _bold(shown)
            if fld.name in auto:
                line += Markup(" <i>({})</i>").format(t(N_("worked out")))
            lines.append(line)
            if fld.warn is not None and value is not None:
                warning = await fld.warn(value, answers, ctx)
                if warning is not None:
                    lines.append(Markup("   ℹ️ ") + Markup(t(warning.message)).format(**warning.params))
        problems = await self._problems(ctx, form, draft, answers)
        cautions = await form.warnings(answers, ctx) if form.warnings is not None and not problems else []
        for caution in cautions:
            lines.append(Markup("⚠️ ") + Markup(t(caution.message)).format(**caution.params))
        labels: list[tuple[str, Action, str]] = []
        if problems:
            lines.append("")
            for problem in problems:
                lines.append(Markup("❗ ") + Markup(t(problem.message)).format(**problem.params))
            seen: set[str] = set()
            for problem in problems:
                for name in problem.fields:
                    if name in seen:
                        continue
                    seen.add(name)
                    fld = self._field(ctx, form, name)
                    label = t(fld.label)
                    if answers.get(name) is not None and fld.kind in (Kind.INT, Kind.YEAR):
                        label = f"{label} ({await self._display(ctx, draft, fld, answers[name])})"
                    labels.append((t(N_("Change: {label}")).format(label=label), Action.EDIT, name))
        else:
            labels.append((t(form.save_label), Action.SAVE, ""))
            labels.append((t(N_("✏️ Change an answer")), Action.CHANGE, ""))
            for fld in missing:
                labels.append(
                    (t(N_("➕ Add: {label}")).format(label=_lower_first(t(fld.label))), Action.EDIT, fld.name)
                )
        labels.append((t(N_("✖ Cancel")), Action.CANCEL, ""))
        buttons = [
            [Button(_numbered(i, label), action, arg)] for i, (label, action, arg) in enumerate(labels, 1)
        ]
        return Markup("\n").join(
            Markup(x) if isinstance(x, Markup) else Markup.escape(x) for x in lines
        ), buttons

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

    def _resume_offer(self, ctx: FormContext, draft: Draft, *, then: str) -> View:
        t = ctx.t
        form = self.forms[draft.form]
        text = Markup(
            t(N_("You have an unfinished form: <b>{title}</b> ({count} answers so far, last change {when})."))
        ).format(
            title=t(form.title),
            count=answered_count(draft.answers),
            when=t.datetime(draft.updated_at.astimezone(ctx.tz)),
        )
        # Not numbered: the offer is no step of the form, so a typed "1" answers the form's question
        # (a channel without buttons numbers them and reads the number itself).
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

    async def _pressed(self, ctx: FormContext, draft: Draft, action: Action, arg: str) -> str | None:
        """Return what the message whose button was pressed says now: its question and the answer chosen."""
        if action in (Action.RESUME, Action.DISCARD):
            original = self._resume_offer(ctx, draft, then=arg)
        elif action is Action.PAGE:
            return None  # the next page follows; the question stays as it was, without its buttons
        else:
            original = await self._show(ctx, draft)
        chosen = next(
            (b.label for row in original.buttons for b in row if b.action is action and b.arg == arg), None
        )
        at_review = draft.position.startswith("@") or action in (Action.RESUME, Action.DISCARD)
        form = self.forms[draft.form]
        if chosen is None and not at_review and action is Action.ANSWER:
            # A date offered before midnight ("Yesterday (23/11)") is not offered after it: the date.
            with contextlib.suppress(KeyError, ValueError):
                fld = self._field(ctx, form, draft.position)
                chosen = await self._display(ctx, draft, fld, arg) if fld.kind is Kind.DATE else None
        if chosen is None:
            return str(original.text)
        answer = Markup("➜ <b>{}</b>").format(unnumbered(chosen))
        if at_review:
            return str(Markup(original.text) + Markup("\n") + answer)
        fld = self._field(ctx, form, draft.position)
        lines = await self._heading(ctx, draft, form, fld)
        return str(Markup("\n").join(Markup(x) for x in [*lines, answer]))

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


def _last_day_of_month(today: date, day: int) -> date:
    """Return the latest date on or before today that falls on a day of the month (1-28)."""
    if today.day >= day:
        return today.replace(day=day)
    last_month = today.replace(day=1) - timedelta(days=1)
    return last_month.replace(day=day)


def _bold(value: str) -> Markup:
    """Return a value in bold, line by line: a long text is split at line ends, so no tag may span two."""
    return Markup("\n").join(Markup("<b>{}</b>").format(line) for line in value.split("\n"))


def _numbered(number: int, label: str) -> str:
    """Return a button's label with its number, which a channel without buttons shows and reads back."""
    return f"{number}. {label}"


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lower_first(text: str) -> str:
    """Return a label as it reads inside a sentence ("Note" -> "note")."""
    return text[:1].lower() + text[1:]
