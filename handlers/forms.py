"""The forms on Telegram: form commands, /report, /back, /skip, /cancel, /mine, typed answers,
photos and button presses, all turned into plain calls of the form engine."""

from __future__ import annotations

from markupsafe import Markup
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks, commands
from bot.commands import Command, Section
from bot.context import ChiboApp, ChiboContext
from bot.features import mine, review
from bot.features.access import ZALO
from bot.features.mine import MineAction
from bot.features.photos import PhotoRefused
from bot.features.transfers import label as transfer_label
from bot.forms.definitions import FORMS
from bot.forms.engine import View
from bot.forms.fields import FormContext
from bot.i18n import N_
from handlers.common import (
    answered,
    channel_of,
    command_name,
    keyboard,
    pressed_text,
    reply,
    requires,
    unknown,
    user_error,
)
from storage import photos, reviews
from storage import transfers as transfer_store
from storage.models import Role

REPORTERS: frozenset[Role | None] = frozenset({Role.SECRETARY, Role.ADMIN})
# Who may be filling a form: the reporters, and committee members in the enterprise register's forms
# (the engine refuses a form to a role it is not for).
FORM_USERS: frozenset[Role | None] = REPORTERS | {Role.COMMITTEE}
FORM_COMMANDS = {
    "candidate": N_("Report a new source (outstanding worker)"),
    "progress": N_("Record the next admission step of a person"),
    "transfer": N_("Report a transfer in or out"),
    "meeting": N_("Report a cell meeting"),
    "activity": N_("Report another activity"),
    "enterprise": N_("Update the enterprise facts"),
    # Last, so the numbers people type for the others stay what they were.
    "transferstep": N_("Record the next step of a transfer"),
    "mentor": N_("Note a probationary member's progress this quarter"),
}
# The menu and /help list the forms the most used first (/report keeps the numbers above).
MENU_ORDER = (
    "meeting",
    "progress",
    "candidate",
    "transfer",
    "activity",
    "enterprise",
    "transferstep",
    "mentor",
)
REPORT = Section.REPORT
for _name in sorted(FORM_COMMANDS, key=lambda n: MENU_ORDER.index(n) if n in MENU_ORDER else len(MENU_ORDER)):
    commands.register(Command(_name, FORM_COMMANDS[_name], REPORTERS, section=REPORT))
commands.register(Command("report", N_("Report: choose a form"), REPORTERS, section=REPORT))
commands.register(Command("mine", N_("My records of the last 30 days"), REPORTERS, section=REPORT))
commands.register(
    Command("back", N_("Go back to the previous question"), FORM_USERS, in_menu=False, section=REPORT)
)
commands.register(Command("skip", N_("Skip an optional question"), FORM_USERS, in_menu=False, section=REPORT))


def form_context(context: ChiboContext) -> FormContext:
    """Return the engine's view of who is acting (a reporter has a stored user row)."""
    actor = context.actor
    assert actor is not None and actor.user is not None and actor.role is not None
    return FormContext(
        context.db,
        actor.user,
        actor.role,
        context.now(),
        context.settings.timezone,
        actor.t,
        outbox=context.scheduler.outbox,
        meeting_rules=context.settings.meeting_rules,
    )


def _markup(view: View) -> InlineKeyboardMarkup | None:
    if not view.buttons or view.draft_id is None:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    b.label, callback_data=callbacks.encode("f", view.draft_id, view.version, b.action, b.arg)
                )
                for b in row
            ]
            for row in view.buttons
        ]
    )


async def show(update: Update, context: ChiboContext, view: View) -> None:
    """Send a view: its text, and its buttons as an inline keyboard. After a save, the outbox delivers
    what is due: what the save queued (a record sent back to its cell, its correction to the sender)
    goes now, not at the next tick (one indexed query when nothing is due)."""
    await reply(update, context, view.text, markup=_markup(view))
    if view.saved_record is not None:
        context.application.create_task(context.scheduler.outbox.deliver(), update=update)


@requires(Role.SECRETARY, Role.ADMIN)
async def start_form(update: Update, context: ChiboContext) -> None:
    """Open the form named by the command."""
    name = command_name(update.message) or ""
    await show(update, context, await context.forms.start(form_context(context), name))


@requires(Role.SECRETARY, Role.ADMIN)
async def report(update: Update, context: ChiboContext) -> None:
    """Offer the forms as buttons (or the unfinished one first)."""
    ctx = form_context(context)
    offer = await context.forms.resume_offer(ctx)
    if offer is not None:
        await show(update, context, offer)
        return
    t = context.t
    rows = [[(t(FORMS[name].title), callbacks.encode("r", name))] for name in FORM_COMMANDS]
    await reply(update, context, t("What do you want to report?"), markup=keyboard(rows))


@requires(Role.SECRETARY, Role.ADMIN)
async def report_chosen(update: Update, context: ChiboContext) -> None:
    """Open the form chosen in /report."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    name = data.args[0] if data and data.args else ""
    if name not in FORMS:
        await query.answer(context.t("This button is no longer active. Please start again."))
        return
    await query.answer()
    await answered(update, context, pressed_text(update))
    await show(update, context, await context.forms.start(form_context(context), name))


async def offer_resume(update: Update, context: ChiboContext) -> bool:
    """Offer to resume an unfinished form (after /start); tell whether there was one."""
    actor = context.actor
    if actor is None or actor.role not in FORM_USERS or actor.user is None:
        return False
    offer = await context.forms.resume_offer(form_context(context))
    if offer is None:
        return False
    await show(update, context, offer)
    return True


async def on_press(update: Update, context: ChiboContext) -> None:
    """Handle a button of a form view; an old button gets a short answer and changes nothing."""
    query = update.callback_query
    assert query is not None
    actor = context.actor
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    if (
        actor is None
        or actor.role not in FORM_USERS
        or len(args) < 3
        or not args[0].isdecimal()
        or not args[1].isdecimal()
    ):
        await query.answer(context.t("This button is no longer active. Please start again."))
        return
    view = await context.forms.press(
        form_context(context), int(args[0]), int(args[1]), args[2], args[3] if len(args) > 3 else ""
    )
    if view.stale:
        await query.answer(str(Markup(view.text).striptags()))
        return
    await query.answer()
    await answered(update, context, view.pressed)
    await show(update, context, view)


async def on_text(update: Update, context: ChiboContext) -> None:
    """Take a typed answer for the open form; without one, answer as for any stray text."""
    actor = context.actor
    message = update.message
    if actor is None or actor.role not in FORM_USERS or message is None or message.text is None:
        await unknown(update, context)
        return
    view = await context.forms.text(form_context(context), message.text)
    if view is None:
        await unknown(update, context)
        return
    await show(update, context, view)


async def on_photo(update: Update, context: ChiboContext) -> None:
    """Take a photo for the open form."""
    actor = context.actor
    message = update.message
    if actor is None or actor.role not in FORM_USERS or message is None or not message.photo:
        await unknown(update, context)
        return
    ctx = form_context(context)
    file_id = message.photo[-1].file_id
    if (
        channel_of(context) == ZALO
        and context.settings.zalo_keep_photos
        and await context.forms.photo_expected(ctx)
    ):
        # Zalo's link expires: the photo is fetched now, from Zalo only, or refused with a reason.
        await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
        try:
            file_id = photos.KEPT + str(await context.photos.keep(file_id, ctx.user.id))
        except PhotoRefused as refused:
            again = await context.forms.again(ctx, refused.message, **refused.params)
            await (show(update, context, again) if again else user_error(update, context, refused))
            return
    view = await context.forms.photo(ctx, file_id)
    if view is None:
        await unknown(update, context)
        return
    await show(update, context, view)


async def on_other(update: Update, context: ChiboContext) -> None:
    """Answer a sticker, voice, file... within a form by asking the question again."""
    actor = context.actor
    if actor is None or actor.role not in FORM_USERS:
        await unknown(update, context)
        return
    view = await context.forms.not_text(form_context(context))
    if view is None:
        await unknown(update, context)
        return
    await show(update, context, view)


VOICE_OUTSIDE_A_FORM = N_(
    "I cannot listen to voice messages: I read only what you type. Type a command, for example "
    "/report to report or /mine for your records, or see /help for all I understand."
)


async def on_voice(update: Update, context: ChiboContext) -> None:
    """Answer a voice note: in a form, the question again and "please type"; else what the bot reads."""
    actor = context.actor
    if actor is not None and actor.role in REPORTERS and actor.user is not None:
        view = await context.forms.not_text(form_context(context), voice=True)
        if view is not None:
            await show(update, context, view)
            return
    await reply(update, context, context.t(VOICE_OUTSIDE_A_FORM))


async def _navigate(update: Update, context: ChiboContext, what: str) -> None:
    actor = context.actor
    if actor is None or actor.role not in FORM_USERS:
        await reply(update, context, context.t("There is no form open."))
        return
    ctx = form_context(context)
    view = await (context.forms.back(ctx) if what == "back" else context.forms.skip(ctx))
    if view is None:
        await reply(update, context, context.t("There is no form open. Start one with /report."))
        return
    await show(update, context, view)


@requires(Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)
async def back(update: Update, context: ChiboContext) -> None:
    """Go back to the previous question."""
    await _navigate(update, context, "back")


@requires(Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)
async def skip(update: Update, context: ChiboContext) -> None:
    """Skip an optional question."""
    await _navigate(update, context, "skip")


async def cancel(update: Update, context: ChiboContext) -> None:
    """Drop the open form (asking first when answers would be lost), or say there is nothing to cancel."""
    actor = context.actor
    if actor is not None and actor.role in FORM_USERS and actor.user is not None:
        view = await context.forms.cancel(form_context(context))
        if view is not None:
            await show(update, context, view)
            return
    await reply(update, context, context.t("There is nothing to cancel."))


# ----- /mine ----------------------------------------------------------------------------------------


async def _mine_page(update: Update, context: ChiboContext, page: int) -> None:
    ctx = form_context(context)
    t = ctx.t
    result = await mine.recent(ctx, page)
    lines: list[Markup] = []
    rows: list[list[tuple[str, str]]] = []
    if page == 0:
        # Open transfers first, however old: each is completed from here (issue 15).
        for transfer in await mine.open_transfers(ctx):
            if not lines:
                lines.append(Markup("<b>{}</b>").format(t("Open transfers of your cell:")))
            lines.append(Markup("• {}").format(transfer_label(transfer, t)))
            button = mine.transfer_button(transfer, t)
            if button is not None:
                label, step = button
                rows.append([(label, callbacks.encode("tf", transfer.id, *([step] if step else [])))])
    if not result.items:
        lines.append(Markup(t(mine.NOTHING_RECENT)))
        await reply(update, context, Markup("\n").join(lines), markup=keyboard(rows) if rows else None)
        return
    lines.append(
        Markup(t("Your records of the last 30 days (page {page} of {pages}):")).format(
            page=result.page + 1, pages=result.pages
        )
    )
    for index, record in enumerate(result.items, result.page * mine.PAGE_SIZE + 1):
        line = await mine.headline(ctx, record)
        lines.append(Markup("{i}. {line}").format(i=index, line=line))
        short = await mine.label(ctx, record)
        rows.append([(f"{index}. {short}", callbacks.encode("m", MineAction.OPEN, record.kind, record.id))])
    nav = []
    if result.page > 0:
        nav.append((t("◀ Previous"), callbacks.encode("m", MineAction.PAGE, result.page - 1)))
    if result.page < result.pages - 1:
        nav.append((t("Next ▶"), callbacks.encode("m", MineAction.PAGE, result.page + 1)))
    if nav:
        rows.append(nav)
    await reply(update, context, Markup("\n").join(lines), markup=keyboard(rows))


@requires(Role.SECRETARY, Role.ADMIN)
async def mine_command(update: Update, context: ChiboContext) -> None:
    """List the user's records of the last 30 days."""
    await _mine_page(update, context, 0)


@requires(Role.SECRETARY, Role.ADMIN)
async def mine_pressed(update: Update, context: ChiboContext) -> None:
    """Open, correct or delete one of the user's records."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    ctx = form_context(context)
    t = ctx.t
    action = MineAction.parse(args[0]) if args else None
    if action is MineAction.PAGE and len(args) == 2 and args[1].isdecimal():
        await query.answer()
        await _mine_page(update, context, int(args[1]))
        return
    if action is None or action is MineAction.PAGE or len(args) != 3 or not args[2].isdecimal():
        await query.answer(t("This button is no longer active. Please start again."))
        return
    kind, record_id = args[1], int(args[2])
    record = await mine.find(ctx, kind, record_id)
    if record is None:
        await query.answer(t("This record no longer exists."), show_alert=True)
        return
    await query.answer()
    form = mine.FORM_OF_KIND[kind]
    if action is MineAction.OPEN:
        assert form.load is not None
        answers = await form.load(ctx.db, ctx, record_id) or {}
        body = Markup(await context.forms.describe(ctx, form.name, answers, record.unit_id))
        # What the committee said when it sent the record back, if it did (it may be corrected from here).
        returns = await reviews.of_record(ctx.db, kind, record_id)
        if returns:
            body += Markup("\n\n") + Markup("\n").join(
                Markup(line) for line in await review.history(ctx, returns)
            )
        buttons = [
            [
                (t("✏️ Correct"), callbacks.encode("m", MineAction.CORRECT, kind, record_id)),
                (t("🗑 Delete"), callbacks.encode("m", MineAction.DELETE, kind, record_id)),
            ]
        ]
        transfer = await transfer_store.get(ctx.db, record_id) if kind == "transfer" else None
        button = mine.transfer_button(transfer, t) if transfer is not None else None
        if button is not None and transfer is not None:
            label, step = button
            buttons.insert(0, [(label, callbacks.encode("tf", transfer.id, *([step] if step else [])))])
        await reply(
            update,
            context,
            Markup("<b>{}</b>\n").format(t(form.title)) + body,
            markup=keyboard(buttons),
        )
    elif action is MineAction.CORRECT:
        await show(update, context, await context.forms.start(ctx, form.name, record_id=record_id))
    elif action is MineAction.DELETE:
        refused = await mine.refusal(ctx.db, record)
        if refused is not None:
            await reply(update, context, t(refused))
            return
        headline = await mine.headline(ctx, record)
        buttons = [
            [
                (t("Yes, delete"), callbacks.encode("m", MineAction.DELETE_YES, kind, record_id)),
                (t("No, keep it"), callbacks.encode("m", MineAction.DELETE_NO, kind, record_id)),
            ]
        ]
        await reply(
            update,
            context,
            Markup(t("Delete this record? {line}")).format(line=headline),
            markup=keyboard(buttons),
        )
    elif action is MineAction.DELETE_YES:
        await answered(update, context, pressed_text(update))
        deleted = await mine.delete(ctx, kind, record_id)
        await reply(
            update,
            context,
            t("Deleted. It no longer counts anywhere.")
            if deleted
            else t("This record cannot be deleted here."),
        )
    elif action is MineAction.DELETE_NO:
        await answered(update, context, pressed_text(update))
        await reply(update, context, t("Kept; nothing changed."))


def register(app: ChiboApp, group: int) -> None:
    """Add the forms to the application (their catch-all text handler comes last)."""
    for name in FORM_COMMANDS:
        app.add_handler(CommandHandler(name, start_form), group)
    app.add_handler(CommandHandler("report", report), group)
    app.add_handler(CommandHandler("back", back), group)
    app.add_handler(CommandHandler("skip", skip), group)
    app.add_handler(CommandHandler("cancel", cancel), group)
    app.add_handler(CommandHandler("mine", mine_command), group)
    app.add_handler(CallbackQueryHandler(on_press, pattern=callbacks.pattern("f")), group)
    app.add_handler(CallbackQueryHandler(report_chosen, pattern=callbacks.pattern("r")), group)
    app.add_handler(CallbackQueryHandler(mine_pressed, pattern=callbacks.pattern("m")), group)


def register_answers(app: ChiboApp, group: int) -> None:
    """Add the handlers of typed answers, photos and other messages (after every command)."""
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text), group)
    app.add_handler(MessageHandler(filters.PHOTO, on_photo), group)
    # Zalo's voice notes (message.voice.received) arrive as Telegram's do.
    app.add_handler(MessageHandler(filters.VOICE | filters.AUDIO, on_voice), group)
    app.add_handler(MessageHandler(~filters.COMMAND & ~filters.TEXT, on_other), group)
