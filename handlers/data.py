"""The data commands on Telegram: /export, /template, /import (and the file it reads), /audit,
/forget and /deleteperson, plus the daily backup job. Thin adapters over bot/features/export.py,
bot/features/importer.py, bot/features/audit.py, bot/features/erasure.py and bot/features/backup.py."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
from datetime import date

from markupsafe import Markup
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks, commands
from bot.commands import ADMIN, Command, Section
from bot.context import ChiboApp, ChiboContext
from bot.errors import UserError
from bot.features import audit as audit_view
from bot.features import backup, export, id_scan, importer
from bot.features import erasure as privacy_ops
from bot.features.access import TELEGRAM, ZALO, is_configured_admin
from bot.features.admin import unit_by_code
from bot.i18n import N_, Translator
from handlers import forms
from handlers.common import args_text, channel_of, keyboard, reply, requires, user_error
from handlers.menus import clear_user_menu
from storage import data_ops, units, uploads, users
from storage.database import Queryable
from storage.models import Role

log = logging.getLogger(__name__)

EXPORTERS: frozenset[Role | None] = frozenset({Role.COMMITTEE, Role.ADMIN})
DELETERS: frozenset[Role | None] = frozenset({Role.SECRETARY, Role.ADMIN})
commands.register(
    Command(
        "export",
        N_("Export the records to Excel"),
        EXPORTERS,
        usage=N_("/export [unit-code] [from dd/mm/yyyy] [to dd/mm/yyyy]"),
    )
)
commands.register(Command("template", N_("The Excel template for /import"), ADMIN, section=Section.MANAGE))
commands.register(
    Command("import", N_("Import units, people and enterprises from Excel"), ADMIN, section=Section.MANAGE)
)
commands.register(
    Command(
        "audit",
        N_("The latest changes: who, what, when"),
        ADMIN,
        usage=N_("/audit [unit-code]"),
        section=Section.MANAGE,
    )
)
commands.register(
    Command(
        "forget",
        N_("Delete a user's data on request"),
        ADMIN,
        usage=N_("/forget user-id"),
        section=Section.MANAGE,
    )
)
commands.register(
    Command("findids", N_("Find stored text that looks like an ID number"), ADMIN, section=Section.MANAGE)
)
commands.register(
    Command(
        "deleteperson",
        N_("Delete a person's data on request"),
        DELETERS,
        usage=N_("/deleteperson [part of the name]"),
        rare=True,
    )
)

CATCH_UP_AFTER = 5.0  # seconds after the start: the missed daily backup, once the bot is up
PROGRESS_SECONDS = 2.0  # how often a running export's progress message may change
CHAT_ACTION_SECONDS = 4.0  # Telegram shows a chat action for about five seconds
PICK_PAGE = 8
DOCUMENT_LIMIT = 50 * 2**20  # the largest document a bot may send
STALE = N_("This button is no longer active. Please start again.")


def _user_id(context: ChiboContext) -> int | None:
    actor = context.actor
    return actor.user.id if actor is not None and actor.user is not None else None


def _own_unit(context: ChiboContext) -> int | None:
    actor = context.actor
    return actor.user.unit_id if actor is not None and actor.user is not None else None


def _today(context: ChiboContext) -> date:
    return context.now().astimezone(context.settings.timezone).date()


async def _edit(context: ChiboContext, message: Message | None, text: str) -> None:
    """Change a status message (a failure to do so must not fail the work it reports on)."""
    if message is None:
        return
    try:
        await context.bot.edit_message_text(
            str(text), chat_id=message.chat_id, message_id=message.message_id, parse_mode=ParseMode.HTML
        )
    except TelegramError as exc:
        log.warning("could not update a status message: %s", exc)


async def _drop_buttons(update: Update) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_reply_markup(None)
        except BadRequest as exc:
            log.info("buttons already gone: %s", exc)


# ----- /export ----------------------------------------------------------------------------------


def _period_text(request: export.ExportRequest, t: Translator) -> str:
    start, end = request.period.start, request.period.end
    if start and end:
        return Markup(t("from {start} to {end}")).format(start=t.date(start), end=t.date(end))
    if start:
        return Markup(t("from {start}")).format(start=t.date(start))
    if end:
        return Markup(t("up to {end}")).format(end=t.date(end))
    return t("all dates")


def _progress_text(request: export.ExportRequest, progress: export.Progress, t: Translator) -> str:
    if progress.phase == "read" and progress.total == 0:
        step = t("getting ready")
    elif progress.phase == "read":
        step = Markup(t("reading the records: {done} of {total}")).format(
            done=t.number(progress.done), total=t.number(progress.total)
        )
    else:
        step = Markup(t("writing the Excel file: {percent}%")).format(percent=progress.percent)
    return Markup(t("⏳ Export of <b>{unit}</b> ({period}): {step}…")).format(
        unit=request.unit.name, period=_period_text(request, t), step=step
    )


async def export_command(update: Update, context: ChiboContext) -> None:
    """Send an Excel export of a unit's records: /export [unit] [from dd/mm/yyyy] [to dd/mm/yyyy]."""
    actor = context.actor
    chat = update.effective_chat
    assert actor is not None and chat is not None
    t = context.t
    try:
        request = await export.request_for(
            context.db, actor.role, _own_unit(context), args_text(update), _today(context)
        )
    except UserError as error:
        await user_error(update, context, error)
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    progress = export.Progress()
    shown = _progress_text(request, progress, t)
    status = await reply(update, context, shown)
    loop = asyncio.get_running_loop()
    last_action = loop.time()
    work = asyncio.create_task(
        export.run(
            context.db,
            request,
            t,
            context.settings.timezone,
            context.now(),
            progress,
            context.photos,
            culture_day_off=context.settings.culture_day_off,
        )
    )
    # Say how far it is instead of staying silent: the message changes, and "sending a file..." shows.
    try:
        while True:
            done, _ = await asyncio.wait({work}, timeout=PROGRESS_SECONDS)
            if done:
                break
            text = _progress_text(request, progress, t)
            if text != shown:
                await _edit(context, status, text)
                shown = text
            if loop.time() - last_action >= CHAT_ACTION_SECONDS:
                await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
                last_action = loop.time()
    finally:
        if not work.done():
            work.cancel()  # the bot is stopping: the export is not wanted any more
    try:
        result = work.result()
    except Exception:
        await _edit(context, status, t("The export failed. Please try again; nothing was sent."))
        raise
    if len(result.data) > DOCUMENT_LIMIT:
        await _edit(
            context,
            status,
            Markup(
                t(
                    "The export of <b>{unit}</b> is too big to send ({size} MB). "
                    "Export a smaller unit or a shorter period."
                )
            ).format(unit=request.unit.name, size=len(result.data) // 2**20),
        )
        return
    counts = {title: t.number(n) for title, n in result.counts.items()}
    caption = Markup(
        t(
            "📊 <b>{unit}</b>, {period}: {people} people in the admission pipeline, {meetings} meetings, "
            "{activities} activities, {transfers} transfers, {reports} enterprise reports; "
            "{enterprises} enterprises in the register."
        )
    ).format(
        unit=request.unit.name,
        period=_period_text(request, t),
        people=counts[export.SHEET_PEOPLE],
        meetings=counts[export.SHEET_MEETINGS],
        activities=counts[export.SHEET_ACTIVITIES],
        transfers=counts[export.SHEET_TRANSFERS],
        reports=counts[export.SHEET_REPORTS],
        enterprises=counts[export.SHEET_ENTERPRISES],
    )
    await context.bot.send_document(
        chat.id, document=result.data, filename=result.name, caption=str(caption), parse_mode=ParseMode.HTML
    )
    await export.record(context.db, _user_id(context), request, result, context.now())
    await _edit(
        context,
        status,
        Markup(t("✅ The export of <b>{unit}</b> is ready: {rows} rows.")).format(
            unit=request.unit.name, rows=t.number(result.rows)
        ),
    )


# ----- /template and /import -----------------------------------------------------------------------


@requires(Role.ADMIN)
async def template_command(update: Update, context: ChiboContext) -> None:
    """Send the blank import template."""
    chat = update.effective_chat
    assert chat is not None
    t = context.t
    data = await asyncio.to_thread(importer.template, t)
    await context.bot.send_document(
        chat.id,
        document=data,
        filename=t("chibo-import-template.xlsx"),
        caption=t(
            "The import template. Fill in the units, people, enterprises or transfers sheets (each column "
            "is explained in its header note and on the help sheet), then send the file back after /import."
        ),
        parse_mode=ParseMode.HTML,
    )


UPLOAD_LINK = N_(
    "Zalo carries no files, so send the Excel file (.xlsx) made from /template on this page:\n{link}\n"
    "The link works until {time}, and only for you: do not forward it. I check every row first and "
    "import nothing until you confirm here."
)
NO_UPLOAD_PAGE = N_(
    "Zalo carries no files, and this bot has no web address for an upload page (CHIBO_PUBLIC_URL). "
    "Import from Telegram, or set that address up."
)


@requires(Role.ADMIN)
async def import_command(update: Update, context: ChiboContext) -> None:
    """Explain how to import: send the filled template as a file (on Zalo, through the upload page)."""
    t = context.t
    if channel_of(context) == ZALO:
        page, user_id = context.bot_data.uploads, _user_id(context)
        if page is None or user_id is None:
            await reply(update, context, t(NO_UPLOAD_PAGE))
            return
        # Signed now, as the answer goes out: the hour starts when the admin can open it.
        link, until = await page.link(user_id)
        when = t.datetime(until.astimezone(context.settings.timezone))
        await reply(update, context, Markup(t(UPLOAD_LINK)).format(link=link, time=when))
        return
    await reply(
        update,
        context,
        t(
            "Send me the Excel file (.xlsx) made from /template, as a file. I check every row first "
            "and import nothing until you confirm."
        ),
    )


NOT_WAITING = N_("This import is no longer waiting: send the file again.")


def _file_token(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


async def _download(context: ChiboContext, file_id: str) -> bytes | None:
    """Return a file's bytes: Telegram's, or one the admin sent through the upload page (None: gone)."""
    if file_id.startswith(uploads.PREFIX):
        number, user_id = file_id[len(uploads.PREFIX) :], _user_id(context)
        if not number.isdecimal() or user_id is None:
            return None
        return await uploads.content(context.db, int(number), user_id)
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def on_document(update: Update, context: ChiboContext) -> None:
    """Check an admin's Excel file and show the dry run; other people's files go to the forms."""
    actor = context.actor
    message = update.message
    if actor is None or not actor.is_admin or message is None or message.document is None:
        await forms.on_other(update, context)
        return
    t = context.t
    document = message.document
    name = document.file_name or "?"
    if not name.lower().endswith(".xlsx"):
        await reply(update, context, t(importer.NOT_XLSX))
        return
    if document.file_size is not None and document.file_size > importer.MAX_BYTES:
        await reply(
            update,
            context,
            Markup(t("The file is too big: at most {size} MB. Split it into several files.")).format(
                size=importer.MAX_BYTES // 2**20
            ),
        )
        return
    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    data = await _download(context, document.file_id)
    if data is None:
        await reply(update, context, t(NOT_WAITING))
        return
    try:
        parsed = await asyncio.to_thread(importer.read_workbook, data, t)
    except UserError as error:
        await user_error(update, context, error)
        return
    plan = await importer.check(context.db, parsed, t, _today(context))
    text = importer.render_plan(plan, parsed, name, t)
    user_id = _user_id(context)
    assert user_id is not None
    if plan.errors or plan.empty:
        async with context.db.transaction() as tx:
            await data_ops.drop_pending_import(tx, user_id)
        await reply(update, context, text)
        return
    token = _file_token(data)
    async with context.db.transaction() as tx:
        await data_ops.set_pending_import(
            tx, user_id, {"file_id": document.file_id, "name": name, "token": token}
        )
    buttons = [
        [
            (t("✅ Import"), callbacks.encode("imp", "y", token)),
            (t("Cancel"), callbacks.encode("imp", "n", token)),
        ]
    ]
    await reply(update, context, text, markup=keyboard(buttons))


@requires(Role.ADMIN)
async def import_pressed(update: Update, context: ChiboContext) -> None:
    """Import the checked file after the admin confirmed (once), or drop it."""
    query = update.callback_query
    assert query is not None
    t = context.t
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    user_id = _user_id(context)
    pending = await data_ops.pending_import(context.db, user_id) if user_id is not None else None
    if len(args) != 2 or user_id is None or pending is None or pending.get("token") != args[1]:
        await query.answer(t(NOT_WAITING), show_alert=True)
        return
    await query.answer()
    await _drop_buttons(update)
    token = args[1]
    if args[0] != "y":
        async with context.db.transaction() as tx:
            await data_ops.drop_pending_import(tx, user_id)
            await uploads.drop_of(tx, user_id)
        await reply(update, context, t("Cancelled: nothing was imported."))
        return
    if query.message is not None:
        await context.bot.send_chat_action(query.message.chat.id, ChatAction.TYPING)
    content = await _download(context, pending["file_id"])
    if content is None or _file_token(content) != token:
        await reply(update, context, t(NOT_WAITING))
        return
    parsed = await asyncio.to_thread(importer.read_workbook, content, t)

    async def claim(tx: Queryable) -> bool:
        if not await data_ops.take_pending_import(tx, user_id, token):
            return False
        await uploads.drop_of(tx, user_id)  # a file sent through the upload page is used up
        return True

    try:
        plan = await importer.apply(
            context.db, parsed, t, user_id, context.now(), _today(context), claim=claim
        )
    except importer.ImportRefused as refused:
        async with context.db.transaction() as tx:
            await data_ops.drop_pending_import(tx, user_id)
            await uploads.drop_of(tx, user_id)
        lines = [Markup(t("Nothing was imported: the data changed since the check, and now:"))]
        lines.extend(importer.render_errors(refused.plan, t))
        await reply(update, context, Markup("\n").join(lines))
        return
    if plan is None:
        await reply(update, context, t("This file was imported already."))
        return
    done = (
        t(
            "✅ Imported from {file}: {units} units, {people} people, {steps} admission steps "
            "and {enterprises} enterprises."
        )
        if plan.enterprises
        else t("✅ Imported from {file}: {units} units, {people} people and {steps} admission steps.")
    )
    text = Markup(done).format(
        file=pending.get("name", ""),
        units=t.number(len(plan.units)),
        people=t.number(len(plan.people)),
        steps=t.number(plan.steps),
        enterprises=t.number(len(plan.enterprises)),
    )
    if plan.transfers:
        text += Markup(" ") + Markup(t("Transfers: {transfers}.")).format(
            transfers=t.number(len(plan.transfers))
        )
    await reply(update, context, text)


# ----- /audit ---------------------------------------------------------------------------------------


def _audit_markup(page: audit_view.AuditPage, unit_id: int, t: Translator) -> InlineKeyboardMarkup | None:
    nav = []
    if page.page > 0:
        nav.append((t("◀ Previous"), callbacks.encode("au", page.page - 1, unit_id)))
    if page.page < page.pages - 1:
        nav.append((t("Next ▶"), callbacks.encode("au", page.page + 1, unit_id)))
    return keyboard([nav]) if nav else None


async def _audit_page(
    context: ChiboContext, unit_id: int, page: int
) -> tuple[audit_view.AuditPage, InlineKeyboardMarkup | None]:
    t = context.t
    if unit_id:
        unit = await units.get(context.db, unit_id)
        ids = await units.subtree_ids(context.db, unit_id)
        title = unit.name if unit is not None else "?"
    else:
        ids, title = None, t("all units")
    result = await audit_view.page_of(context.db, ids, page, t, context.settings.timezone, title)
    return result, _audit_markup(result, unit_id, t)


@requires(Role.ADMIN)
async def audit_command(update: Update, context: ChiboContext) -> None:
    """Show the latest audit entries (of a unit and what is under it, when a code is given)."""
    words = args_text(update).split()
    unit_id = 0
    if words:
        try:
            unit_id = (await unit_by_code(context.db, words[0])).id
        except UserError as error:
            await user_error(update, context, error)
            return
    page, markup = await _audit_page(context, unit_id, 0)
    await reply(update, context, page.text, markup=markup)


@requires(Role.ADMIN)
async def audit_pressed(update: Update, context: ChiboContext) -> None:
    """Turn a page of the audit view."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    if len(args) != 2 or not args[0].isdecimal() or not args[1].isdecimal():
        await query.answer(context.t(STALE))
        return
    await query.answer()
    page, markup = await _audit_page(context, int(args[1]), int(args[0]))
    try:
        await query.edit_message_text(str(page.text), parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        log.info("audit page unchanged: %s", exc)


# ----- /forget ----------------------------------------------------------------------------------------


@requires(Role.ADMIN)
async def forget_command(update: Update, context: ChiboContext) -> None:
    """Ask to confirm deleting a user's data: /forget user-id."""
    t = context.t
    actor = context.actor
    assert actor is not None
    target_id = args_text(update)
    if not target_id:
        await reply(
            update,
            context,
            t("Write the user's id, as /users shows it, for example: <code>/forget 123456789</code>"),
        )
        return
    try:
        target = await privacy_ops.forget_target(context.db, context.settings, actor.user, target_id)
    except UserError as error:
        await user_error(update, context, error)
        return
    user = target.user
    text = Markup(
        t(
            "Delete the data of <b>{name}</b> (id <code>{id}</code>, {unit})? Their name, account link, "
            "role and access are removed and their unfinished forms deleted. The {records} records they "
            "entered stay and keep counting, without their name. This cannot be undone."
        )
    ).format(
        name=user.display_name,
        id=user.external_id,
        unit=target.unit.name if target.unit is not None else "—",
        records=t.number(target.records),
    )
    buttons = [
        [
            (t("Yes, delete their data"), callbacks.encode("fg", "y", user.id)),
            (t("No, keep it"), callbacks.encode("fg", "n", user.id)),
        ]
    ]
    await reply(update, context, text, markup=keyboard(buttons))


@requires(Role.ADMIN)
async def forget_pressed(update: Update, context: ChiboContext) -> None:
    """Delete a user's data once the admin confirmed."""
    query = update.callback_query
    assert query is not None
    t = context.t
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    if len(args) != 2 or not args[1].isdecimal():
        await query.answer(t(STALE))
        return
    user = await users.get(context.db, int(args[1]))
    if user is None or data_ops.is_forgotten(user.external_id):
        await query.answer(t("This user's data is deleted already."), show_alert=True)
        await _drop_buttons(update)
        return
    if args[0] != "y":
        await query.answer()
        await _drop_buttons(update)
        await reply(update, context, t("Kept; nothing changed."))
        return
    if user.id == _user_id(context) or is_configured_admin(context.settings, user.channel, user.external_id):
        await query.answer(t("This user's data cannot be deleted here."), show_alert=True)
        return
    await query.answer()
    # The menu lives in the user's chat: remove it while we still know which chat that is.
    if user.channel == TELEGRAM and user.external_id.lstrip("-").isdecimal():
        await clear_user_menu(context.bot, context.db, user)
    counts = await privacy_ops.forget(context.db, _user_id(context), user.id, context.now())
    if counts is None:
        await reply(update, context, t("This user's data is deleted already."))
        return
    done = Markup(
        t(
            "Done: the data of user no. {number} is deleted. {records} records stay without a name; "
            "{drafts} unfinished forms and {messages} waiting messages were deleted."
        )
    ).format(
        number=user.id,
        records=t.number(counts.records_kept),
        drafts=t.number(counts.drafts_deleted),
        messages=t.number(counts.messages_deleted),
    )
    # The question named them: it no longer does.
    await _edit(context, query.message if isinstance(query.message, Message) else None, done)


# ----- /deleteperson ----------------------------------------------------------------------------------


async def _people_list(
    update: Update, context: ChiboContext, query_text: str, page: int, *, edit: bool
) -> None:
    actor = context.actor
    assert actor is not None and actor.role is not None
    t = context.t
    choices = await privacy_ops.people_for(context.db, actor.role, _own_unit(context), query_text, t)
    if not choices:
        text = (
            Markup(t("Nobody matches “{text}”. Try another part of the name.")).format(text=query_text)
            if query_text
            else t("There is nobody in the list.")
        )
        await reply(update, context, text)
        return
    pages = max(1, -(-len(choices) // PICK_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = choices[page * PICK_PAGE : (page + 1) * PICK_PAGE]
    rows = [
        [(_short(f"{i}. {c.label}"), callbacks.encode("dp", "o", c.id))]
        for i, c in enumerate(shown, page * PICK_PAGE + 1)
    ]
    if query_text:
        if pages > 1:
            rows = rows[:PICK_PAGE]
        header = Markup(t("Whose data should be deleted for good? {count} people match “{text}”:")).format(
            count=t.number(len(choices)), text=query_text
        )
    else:
        nav = []
        if page > 0:
            nav.append((t("◀ Previous"), callbacks.encode("dp", "p", page - 1)))
        if page < pages - 1:
            nav.append((t("Next ▶"), callbacks.encode("dp", "p", page + 1)))
        if nav:
            rows.append(nav)
        header = Markup(
            t(
                "Whose data should be deleted for good? Pick the person (page {page} of {pages}), or send "
                "/deleteperson followed by part of the name."
            )
        ).format(page=page + 1, pages=pages)
    query = update.callback_query
    if edit and query is not None:
        try:
            await query.edit_message_text(str(header), parse_mode=ParseMode.HTML, reply_markup=keyboard(rows))
        except BadRequest as exc:
            log.info("person list unchanged: %s", exc)
        return
    await reply(update, context, header, markup=keyboard(rows))


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


@requires(Role.SECRETARY, Role.ADMIN)
async def deleteperson_command(update: Update, context: ChiboContext) -> None:
    """List the people whose data may be deleted (searched by part of the name)."""
    await _people_list(update, context, args_text(update), 0, edit=False)


@requires(Role.SECRETARY, Role.ADMIN)
async def deleteperson_pressed(update: Update, context: ChiboContext) -> None:
    """Page the list, ask to confirm, and delete a person for good."""
    query = update.callback_query
    actor = context.actor
    assert query is not None and actor is not None and actor.role is not None
    t = context.t
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    if len(args) != 2 or not args[1].isdecimal():
        await query.answer(t(STALE))
        return
    action, number = args[0], int(args[1])
    if action == "p":
        await query.answer()
        await _people_list(update, context, "", number, edit=True)
        return
    choice = await privacy_ops.deletion_candidate(context.db, actor.role, _own_unit(context), number, t)
    if choice is None:
        await query.answer(t("This person is no longer in your list."), show_alert=True)
        await _drop_buttons(update)
        return
    await query.answer()
    if action == "o":
        text = Markup(
            t(
                "Delete <b>{person}</b> for good, with {steps} admission steps? This cannot be undone; the "
                "audit log keeps only that a person was deleted on request."
            )
        ).format(person=choice.label, steps=t.number(choice.steps))
        buttons = [
            [
                (t("Yes, delete for good"), callbacks.encode("dp", "y", choice.id)),
                (t("No, keep"), callbacks.encode("dp", "n", choice.id)),
            ]
        ]
        await reply(update, context, text, markup=keyboard(buttons))
    elif action == "y":
        steps = await privacy_ops.erase(
            context.db, _user_id(context), actor.role, _own_unit(context), choice.id, context.now()
        )
        if steps is None:
            await _drop_buttons(update)
            await reply(update, context, t("This person is no longer in your list."))
            return
        # The question named the person: it no longer does.
        await _edit(
            context,
            query.message if isinstance(query.message, Message) else None,
            Markup(t("Deleted on request: one person and {steps} admission steps.")).format(
                steps=t.number(steps)
            ),
        )
    else:
        await _drop_buttons(update)
        await reply(update, context, t("Kept; nothing changed."))


# ----- /findids ----------------------------------------------------------------------------------------


@requires(Role.ADMIN)
async def findids_command(update: Update, context: ChiboContext) -> None:
    """List the stored values an older guard let in: cell, record and field, never the number."""
    message = update.effective_message
    if message is not None:
        await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    findings = await id_scan.scan(context.db)
    all_units = await units.all_units(context.db)
    await reply(update, context, id_scan.render(findings, all_units, context.t))


# ----- the daily backup ---------------------------------------------------------------------------------


async def daily_backup(context: ChiboContext) -> None:
    """Take the daily backup when due and drop the oldest; a failure is logged and tried again later.

    It runs at 02:30 and once at start: a bot that was down at 02:30 takes the missed one then.
    """
    settings = context.settings
    if str(settings.db_path) == ":memory:":
        return
    folder = settings.backup_dir or backup.default_dir(settings.db_path)
    now = context.now()
    try:
        if await asyncio.to_thread(backup.daily_due, folder, now, settings.timezone):
            await asyncio.to_thread(
                backup.daily, settings.db_path, folder, now, settings.timezone, settings.backup_keep
            )
    except (backup.BackupError, OSError, sqlite3.Error):
        log.exception("the daily backup failed; it runs again at the next start or tomorrow")


def register(app: ChiboApp, group: int) -> None:
    """Add the data commands, their buttons, the import file handler and the daily backup."""
    app.add_handler(CommandHandler("export", export_command), group)
    app.add_handler(CommandHandler("template", template_command), group)
    app.add_handler(CommandHandler("import", import_command), group)
    app.add_handler(CommandHandler("audit", audit_command), group)
    app.add_handler(CommandHandler("forget", forget_command), group)
    app.add_handler(CommandHandler("deleteperson", deleteperson_command), group)
    app.add_handler(CommandHandler("findids", findids_command), group)
    app.add_handler(CallbackQueryHandler(import_pressed, pattern=callbacks.pattern("imp")), group)
    app.add_handler(CallbackQueryHandler(audit_pressed, pattern=callbacks.pattern("au")), group)
    app.add_handler(CallbackQueryHandler(forget_pressed, pattern=callbacks.pattern("fg")), group)
    app.add_handler(CallbackQueryHandler(deleteperson_pressed, pattern=callbacks.pattern("dp")), group)
    app.add_handler(MessageHandler(filters.Document.ALL, on_document), group)
    settings = app.bot_data.settings
    if app.job_queue is not None and settings is not None:
        app.job_queue.run_daily(
            daily_backup, time=backup.DAILY_AT.replace(tzinfo=settings.timezone), name="daily-backup"
        )
        # A backup missed while the bot was down (at 02:30) is taken soon after it starts.
        app.job_queue.run_once(daily_backup, when=CATCH_UP_AFTER, name="daily-backup-catch-up")
