"""What a committee member does from the digest, on Telegram (and Zalo, whose numbered lists press the
same buttons): the buttons under "Needs action" (nudge, look into a cell), /cells, one cell's page, a
record's page with the button that sends it back for revision, and the secretary's button that opens a
returned record in its form. Who may do what is decided in one place, bot/features/review.may_review."""

from __future__ import annotations

from markupsafe import Markup
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, commands
from bot.commands import Command
from bot.context import ChiboApp, ChiboContext
from bot.features import digest_actions, mine, review
from bot.features.digest_actions import DigestAction
from bot.features.review import ReviewAction
from bot.i18n import N_
from bot.scheduling.outbox import local
from bot.text import short_unit_name
from handlers.common import args_text, keyboard, reply, requires
from handlers.forms import form_context, show
from storage import reviews, units
from storage.models import Role
from storage.records import Record
from storage.reviews import record_ref

COMMITTEE_ROLES: frozenset[Role | None] = frozenset({Role.COMMITTEE, Role.ADMIN})
CELLS_PAGE_KIND = "cs"  # a page of /cells

commands.register(
    Command(
        "cells",
        N_("Look into a cell: its deadlines and records"),
        COMMITTEE_ROLES,
        usage=N_("/cells [part of a cell's name]"),
    )
)

commands.register(
    Command(
        "record",
        N_("Open a record by its code, as the dashboard shows it, to send it back for revision"),
        COMMITTEE_ROLES,
        usage=N_("/record CODE (for example /record m12)"),
        # Not in the menu nor /help: the dashboard gives it with the code (Telegram's deep link, or the
        # line to type on Zalo), and a code is found nowhere else.
        in_menu=False,
    )
)

NOT_YOURS = N_("This is not in your committee's cells, or it no longer exists.")


async def _old_button(update: Update, context: ChiboContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(context.t(digest_actions.OLD_BUTTON))


# ----- the digest's buttons ---------------------------------------------------------------------------


@requires(Role.COMMITTEE, Role.ADMIN)
async def digest_pressed(update: Update, context: ChiboContext) -> None:
    """Nudge the cells that have not reported, or list the cells needing action."""
    query = update.callback_query
    actor = context.actor
    assert query is not None and actor is not None and actor.user is not None
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    action = DigestAction.parse(args[0]) if args else None
    kept = (
        await digest_actions.list_for(context.db, actor.user, actor.role, args[1]) if len(args) > 1 else None
    )
    if action is None or kept is None:
        await _old_button(update, context)
        return
    t = context.t
    if action is DigestAction.NUDGE:
        await query.answer()
        today = local(context.now(), context.settings).date()
        report = await digest_actions.nudge(
            context.db, context.scheduler.outbox, actor.user, kept, today, context.settings.locale
        )
        await reply(update, context, digest_actions.render_report(t, report))
        # The messages go now (or after the quiet hours), not at the next tick.
        context.application.create_task(context.scheduler.outbox.deliver(), update=update)
        return
    page = int(args[2]) if len(args) > 2 and args[2].isdecimal() else 0
    names = await units.names(context.db, list(kept.cells))
    if not names:
        await _old_button(update, context)
        return
    await query.answer()
    text, rows = digest_actions.cells_page(t, kept, names, page)
    await reply(update, context, text, markup=keyboard(rows))


# ----- cells ------------------------------------------------------------------------------------------


async def _cells_list(
    update: Update, context: ChiboContext, found: list[tuple[int, str]], page: int, searched: bool
) -> None:
    t = context.t
    size = digest_actions.CELLS_PER_PAGE
    pages = max(1, -(-len(found) // size))
    page = min(max(page, 0), pages - 1)
    shown = found[page * size : (page + 1) * size]
    rows = [
        [digest_actions.cell_button(f"{i}. {short_unit_name(name)}", cell)]
        for i, (cell, name) in enumerate(shown, page * size + 1)
    ]
    if searched and len(found) > size:
        text = Markup(
            t("{n} cells match; the first {shown} are below. Type more of the name to narrow it.")
        ).format(n=len(found), shown=size)
    else:
        text = Markup(t("Which cell? ({n} cells; page {page} of {pages})")).format(
            n=len(found), page=page + 1, pages=pages
        )
        nav = []
        if page > 0:
            nav.append((t("◀ Previous"), callbacks.encode(CELLS_PAGE_KIND, page - 1)))
        if page < pages - 1:
            nav.append((t("Next ▶"), callbacks.encode(CELLS_PAGE_KIND, page + 1)))
        if nav:
            rows.append(nav)
    await reply(update, context, str(text), markup=keyboard(rows))


@requires(Role.COMMITTEE, Role.ADMIN)
async def cells_command(update: Update, context: ChiboContext) -> None:
    """List the cells one may look into (those matching the words typed after /cells)."""
    actor = context.actor
    assert actor is not None and actor.user is not None
    query = args_text(update)
    found = await digest_actions.cells_of(context.db, actor.user, actor.role, query)
    if not found:
        refusal = (
            Markup(context.t("No cell matches “{text}”.")).format(text=query)
            if query
            else Markup(context.t("There are no cells under your committee yet."))
        )
        await reply(update, context, str(refusal))
        return
    if len(found) == 1:
        page, rows = await digest_actions.cell_page(form_context(context), found[0][0], 0)
        await reply(update, context, page, markup=keyboard(rows) if rows else None)
        return
    await _cells_list(update, context, found, 0, bool(query))


@requires(Role.COMMITTEE, Role.ADMIN)
async def cells_pressed(update: Update, context: ChiboContext) -> None:
    """Show another page of /cells."""
    query = update.callback_query
    actor = context.actor
    assert query is not None and actor is not None and actor.user is not None
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    if len(args) != 1 or not args[0].isdecimal():
        await _old_button(update, context)
        return
    await query.answer()
    found = await digest_actions.cells_of(context.db, actor.user, actor.role, "")
    await _cells_list(update, context, found, int(args[0]), False)


@requires(Role.COMMITTEE, Role.ADMIN)
async def cell_pressed(update: Update, context: ChiboContext) -> None:
    """Show one cell's page (a page of its records)."""
    query = update.callback_query
    actor = context.actor
    assert query is not None and actor is not None and actor.user is not None
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    if len(args) != 2 or not args[0].isdecimal() or not args[1].isdecimal():
        await _old_button(update, context)
        return
    cell = int(args[0])
    if await units.get(context.db, cell) is None or not await review.may_review(
        context.db, actor.user, actor.role, cell
    ):
        await query.answer(context.t(NOT_YOURS), show_alert=True)
        return
    await query.answer()
    text, rows = await digest_actions.cell_page(form_context(context), cell, int(args[1]))
    await reply(update, context, text, markup=keyboard(rows) if rows else None)


# ----- records: open, send back, correct --------------------------------------------------------------


async def review_pressed(update: Update, context: ChiboContext) -> None:
    """Open a record of one's subtree, send it back for revision, or (a secretary) correct a returned one."""
    query = update.callback_query
    actor = context.actor
    assert query is not None
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    action = ReviewAction.parse(args[0]) if args else None
    if actor is None or actor.user is None or actor.role is None or action is None:
        await _old_button(update, context)
        return
    if action is ReviewAction.CORRECT:
        await _correct(update, context, args[1:])
        return
    if len(args) != 3 or not args[2].isdecimal():
        await _old_button(update, context)
        return
    kind, record_id = args[1], int(args[2])
    record = await review.reviewable(context.db, actor.user, actor.role, kind, record_id)
    t = context.t
    if record is None:
        # A secretary's forged button, another committee's record, or a record deleted since.
        await query.answer(t(review.NOT_YOURS), show_alert=True)
        return
    ctx = form_context(context)
    if action is ReviewAction.OPEN:
        await query.answer()
        await _show_record(update, context, record)
        return
    if await reviews.open_of(context.db, record.kind, record.id) is not None:
        await query.answer(t(review.ALREADY_RETURNED), show_alert=True)
        return
    await query.answer()
    view = await context.forms.start(ctx, review.RETURN_FORM, given={"record": record_ref(kind, record_id)})
    await show(update, context, view)


async def _show_record(update: Update, context: ChiboContext, record: Record) -> None:
    """Show a record as a committee member sees it, with the button that sends it back and its cell's."""
    text, rows = await review.record_page(form_context(context), context.forms, record)
    cell = await units.get(context.db, record.unit_id)
    back = Markup(context.t("◀ {cell}")).format(cell=short_unit_name(cell.name) if cell else "")
    rows.append([digest_actions.cell_button(str(back.striptags()), record.unit_id)])
    await reply(update, context, text, markup=keyboard(rows))


async def open_record(update: Update, context: ChiboContext, code: str) -> None:
    """Show the record a code names (typed after /record, or carried by the dashboard's deep link) to
    a committee member of its subtree or an admin (bot/features/review.may_review decides)."""
    actor = context.actor
    t = context.t
    if actor is None or actor.user is None or actor.role not in COMMITTEE_ROLES:
        await reply(update, context, t("Your role cannot do this. See /help for what you can do."))
        return
    ref = review.parse_code(code) or review.parse_start_parameter(code.strip())
    if ref is None:
        await reply(
            update,
            context,
            str(
                Markup(
                    t("“{code}” is not a record's code. The dashboard shows each record's code, like m12.")
                ).format(code=code.strip())
            ),
        )
        return
    record = await review.reviewable(context.db, actor.user, actor.role, *ref)
    if record is None:
        # Another committee's record, one deleted since, or no such record: the same answer.
        await reply(update, context, t(review.NOT_YOURS))
        return
    await _show_record(update, context, record)


async def record_command(update: Update, context: ChiboContext) -> None:
    """/record CODE: open a record the dashboard names."""
    code = args_text(update)
    if not code:
        await reply(
            update,
            context,
            context.t("Write the record's code after /record, as the dashboard shows it: /record m12."),
        )
        return
    await open_record(update, context, code)


async def _correct(update: Update, context: ChiboContext, args: tuple[str, ...]) -> None:
    """Open a returned record in its form, for a secretary of its cell (or an admin)."""
    query = update.callback_query
    actor = context.actor
    assert query is not None and actor is not None
    t = context.t
    returned = await reviews.get(context.db, int(args[0])) if len(args) == 1 and args[0].isdecimal() else None
    if returned is None or returned.kind not in mine.FORM_OF_KIND:
        await _old_button(update, context)
        return
    if actor.role not in (Role.SECRETARY, Role.ADMIN):
        await query.answer(t("Your role cannot do this. See /help for what you can do."), show_alert=True)
        return
    if not returned.open:
        when = t.date(local(returned.resolved_at or context.now(), context.settings).date())
        message = (
            t("This record was corrected on {date} already; /mine has it.")
            if returned.resolution == reviews.CORRECTED
            else t("This record was deleted on {date}.")
        )
        await query.answer(message.format(date=when), show_alert=True)
        return
    await query.answer()
    form = mine.FORM_OF_KIND[returned.kind]
    # The engine checks the record is the user's cell's (or the user an admin) and still there.
    await show(
        update,
        context,
        await context.forms.start(form_context(context), form.name, record_id=returned.record_id),
    )


def register(app: ChiboApp, group: int) -> None:
    """Add the committee's commands and buttons to the application."""
    app.add_handler(CommandHandler("cells", cells_command), group)
    app.add_handler(CommandHandler("record", record_command), group)
    app.add_handler(
        CallbackQueryHandler(digest_pressed, pattern=callbacks.pattern(digest_actions.KIND)), group
    )
    app.add_handler(CallbackQueryHandler(cells_pressed, pattern=callbacks.pattern(CELLS_PAGE_KIND)), group)
    app.add_handler(
        CallbackQueryHandler(cell_pressed, pattern=callbacks.pattern(digest_actions.CELL_KIND)), group
    )
    app.add_handler(CallbackQueryHandler(review_pressed, pattern=callbacks.pattern(review.KIND)), group)
