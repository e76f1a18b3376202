"""The scheduler's commands: /digest, /remind, /target, /meetingday, /dayoff, /workday, /settings,
and the button of a deadline reminder that opens the right form pre-filled."""

from __future__ import annotations

import asyncio
from datetime import date

from markupsafe import Markup
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, commands
from bot.commands import ADMIN, REGISTERED, Command, Section
from bot.context import ChiboApp, ChiboContext
from bot.errors import UserError
from bot.features import digest as digests
from bot.features import digest_actions, enterprises
from bot.features.access import ZALO
from bot.features.admin import unit_by_code
from bot.features.calendar import load_calendar
from bot.features.transfers import next_steps as transfer_next
from bot.forms.fields import Invalid, parse_date, parse_text
from bot.i18n import N_
from bot.scheduling.scheduler import MENTOR_KIND, local
from handlers.common import args_text, channel_of, keyboard, reply, requires, user_error
from handlers.dashboard import dashboard_button
from handlers.forms import form_context, show
from storage import audit, schedule, units, users
from storage import transfers as transfer_store
from storage.calendar import clear_day
from storage.models import Role

WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)

commands.register(
    Command("digest", N_("The digest of your unit, now"), REGISTERED, admin_usage=N_("/digest [all]"))
)
commands.register(Command("settings", N_("Your reminders and their schedule"), REGISTERED))
commands.register(
    Command(
        "meetingday",
        N_("The day of your cell's monthly meeting"),
        frozenset({Role.SECRETARY, Role.ADMIN}),
        usage=N_("/meetingday [day]"),
        admin_usage=N_("/meetingday unit-code [day]"),
    )
)
commands.register(Command("remind", N_("Run the reminders now"), ADMIN, section=Section.MANAGE))
commands.register(
    Command(
        "target",
        N_("Set a year's admission target"),
        ADMIN,
        usage=N_("/target unit-code year number"),
        section=Section.MANAGE,
    )
)
commands.register(
    Command(
        "dayoff",
        N_("Add a day off to the calendar"),
        ADMIN,
        usage=N_("/dayoff dd/mm/yyyy [name] (undo: /dayoff clear dd/mm/yyyy)"),
        section=Section.MANAGE,
    )
)
commands.register(
    Command(
        "workday",
        N_("Add a make-up working day"),
        ADMIN,
        usage=N_("/workday dd/mm/yyyy"),
        section=Section.MANAGE,
    )
)


def _today(context: ChiboContext) -> date:
    return local(context.now(), context.settings).date()


@requires(Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)
async def digest(update: Update, context: ChiboContext) -> None:
    """Send the digest of one's own unit now; /digest all queues it to every committee member."""
    actor = context.actor
    assert actor is not None and actor.user is not None
    t = context.t
    if args_text(update).lower() == "all":
        if not actor.is_admin:
            await reply(update, context, t("This is for admins only."))
            return
        queued = await context.scheduler.digest_pass(_today(context))
        await reply(
            update,
            context,
            Markup(
                t(
                    "The digest is queued for {count} committee members; "
                    "it goes out now (or after the quiet hours)."
                )
            ).format(count=t.number(queued)),
        )
        context.application.create_task(context.scheduler.outbox.deliver(), update=update)
        return
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    unit_id = actor.user.unit_id if actor.user.unit_id is not None and not actor.is_admin else units.ROOT_ID
    calendar = await load_calendar(context.db, culture_day_off=context.settings.culture_day_off)
    computed = await digests.compute(
        context.db,
        unit_id,
        _today(context),
        calendar,
        zone=context.settings.timezone,
        contact_days=context.settings.contact_days,
    )
    work = await enterprises.worklist(
        context.db, actor.user.id, _today(context), context.settings.contact_days
    )
    # The text goes out as soon as it is ready; the chart (half a second of drawing for a city,
    # bench/scale) is drawn in a thread meanwhile and follows it.
    drawing = asyncio.ensure_future(asyncio.to_thread(digests.chart, computed, t))
    caption = str(Markup(t("Weekly digest: {unit}")).format(unit=computed.unit_name))
    rows: list[list[tuple[str, str]]] = []
    try:
        if actor.role in (Role.COMMITTEE, Role.ADMIN):
            token = await digest_actions.keep_lists(context.db, computed, context.now())
            rows = [[(b.label, b.data) for b in row] for row in digest_actions.buttons(t, computed, token)]
        # The dashboard's button beside them (bot/features/dashboard.py), when the bot has an address.
        public_url = context.bot_data.public_url
        opening = dashboard_button(t, public_url).inline_keyboard if public_url else ()
        markup = (
            InlineKeyboardMarkup([*keyboard(rows).inline_keyboard, *opening]) if rows or opening else None
        )
        # A working group member's own enterprises close what needs action (it is theirs to act on).
        text = "\n".join([digests.render_actions(computed, t), *digests.working_group_lines(work, t)])
        actions = (text, markup)
        figures = digests.render_figures(computed, t)
        if channel_of(context) == ZALO:
            # Zalo reads a typed number against the list under the bot's last message, so the message
            # with the buttons comes last there: the figures, the chart, then what needs action.
            await reply(update, context, figures)
            await context.bot.send_photo(chat.id, await drawing, caption=caption, parse_mode=ParseMode.HTML)
            await reply(update, context, actions[0], markup=actions[1])
            return
        # What needs action first, with its buttons (for those who act on it), then the figures.
        await reply(update, context, actions[0], markup=actions[1])
        await reply(update, context, figures)
        await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_PHOTO)
    except BaseException:
        drawing.cancel()  # nobody will wait for the chart: drop it, and any error of its own
        raise
    await context.bot.send_photo(chat.id, await drawing, caption=caption, parse_mode=ParseMode.HTML)


@requires(Role.ADMIN)
async def remind(update: Update, context: ChiboContext) -> None:
    """Run the daily reminder pass now and deliver what it queued."""
    t = context.t
    queued = await context.scheduler.daily_pass(_today(context))
    delivery = await context.scheduler.outbox.deliver()
    await reply(
        update,
        context,
        Markup(
            t(
                "Reminders checked: {queued} new, {sent} sent now. "
                "Any others wait for the end of the quiet hours."
            )
        ).format(queued=t.number(queued), sent=t.number(delivery.sent)),
    )


@requires(Role.ADMIN)
async def target(update: Update, context: ChiboContext) -> None:
    """Set the number of admissions a unit aims for in a year: /target unit year n."""
    t = context.t
    parts = args_text(update).split()
    wrong = None
    if parts and len(parts) != 3:
        wrong = Markup(t("/target takes three things, and {count} were written.")).format(count=len(parts))
    elif parts and not parts[1].isdecimal():
        wrong = Markup(t("“{text}” is not a year.")).format(text=parts[1])
    elif parts and not parts[2].isdecimal():
        wrong = Markup(t("“{text}” is not a number of admissions.")).format(text=parts[2])
    if not parts or wrong is not None:
        usage = t(
            "Write the unit code, the year and the number, for example: <code>/target kcn-a 2026 12</code>"
        )
        await reply(update, context, Markup("{} {}").format(wrong, Markup(usage)) if wrong else usage)
        return
    try:
        unit = await unit_by_code(context.db, parts[0])
    except UserError as error:
        await user_error(update, context, error)
        return
    year, number = int(parts[1]), int(parts[2])
    if not 2000 <= year <= 2100 or number > 100_000:
        await reply(update, context, t("The year is from 2000 to 2100 and the target at most 100000."))
        return
    actor = context.actor
    async with context.db.transaction() as tx:
        old = await schedule.set_target(tx, unit.id, year, number)
        await audit.record(
            tx,
            context.now(),
            actor.user.id if actor and actor.user else None,
            "target.set",
            unit_id=unit.id,
            subject=f"target:{unit.id}:{year}",
            old=old,
            new=number,
        )
    await reply(
        update,
        context,
        Markup(t("Target of {unit} for {year}: {number} admissions.")).format(
            unit=unit.name, year=year, number=t.number(number)
        ),
    )


@requires(Role.SECRETARY, Role.ADMIN)
async def meetingday(update: Update, context: ChiboContext) -> None:
    """Show or set the day of the month of a cell's regular meeting."""
    t = context.t
    actor = context.actor
    assert actor is not None and actor.user is not None
    parts = args_text(update).split()
    try:
        if actor.role is Role.SECRETARY:
            unit = await units.get(context.db, actor.user.unit_id or 0)
            day_text = parts[0] if parts else ""
        else:
            if not parts:
                raise UserError(N_("Write the unit code and the day, for example: /meetingday cb-honda 10"))
            unit = await unit_by_code(context.db, parts[0])
            day_text = parts[1] if len(parts) > 1 else ""
    except UserError as error:
        await user_error(update, context, error)
        return
    assert unit is not None
    if not day_text:
        await reply(
            update,
            context,
            Markup(
                t(
                    "The regular meeting of {unit} is on day {day} of each month. "
                    "Change it with /meetingday day."
                )
            ).format(unit=unit.name, day=unit.meeting_day),
        )
        return
    if not day_text.isdecimal() or not 1 <= int(day_text) <= 28:
        await reply(
            update,
            context,
            Markup(t("“{text}” is not a meeting day: write a day of the month from 1 to 28.")).format(
                text=day_text
            ),
        )
        return
    async with context.db.transaction() as tx:
        await units.set_meeting_day(tx, unit.id, int(day_text))
        await audit.record(
            tx,
            context.now(),
            actor.user.id,
            "unit.meeting_day",
            unit_id=unit.id,
            subject=f"unit:{unit.id}",
            old=unit.meeting_day,
            new=int(day_text),
        )
    await reply(
        update,
        context,
        Markup(
            t(
                "From now on, the regular meeting of {unit} is on day {day} of each month; "
                "I remind the secretary "
                "the working day before."
            )
        ).format(unit=unit.name, day=int(day_text)),
    )


CLEAR_WORDS = frozenset({"clear", "xoa", "xoá", "xóa"})


async def _calendar_day(update: Update, context: ChiboContext, kind: str) -> None:
    t = context.t
    actor = context.actor
    text = args_text(update)
    if not text:
        rows = await schedule.calendar_days_from(context.db, _today(context))
        hint = Markup(t("A whole year's days off, and its confirmation: /calendar [year]."))
        if not rows:
            await reply(
                update, context, Markup(t("No day off or make-up working day has been added.")) + "\n" + hint
            )
            return
        lines = [Markup(t("Changes to the national calendar:"))]
        for listed, listed_kind, listed_name in rows:
            label = t("day off") if listed_kind == "off" else t("make-up working day")
            lines.append(
                Markup("• {day}: {label} {name}").format(
                    day=t.date(listed), label=label, name=listed_name or ""
                )
            )
        lines.append(hint)
        await reply(update, context, Markup("\n").join(lines))
        return
    first, _, name = text.partition(" ")
    if first.lower() in CLEAR_WORDS:
        await _clear_day(update, context, name.strip())
        return
    try:
        day = date.fromisoformat(parse_date(first, _today(context)))
    except Invalid as error:
        await reply(update, context, Markup(t(error.message)).format(**error.params))
        return
    try:
        # The name of a day off is free text like any other: no ID numbers in it.
        clean = parse_text(name, maximum=100) if name.strip() else None
    except Invalid as error:
        await reply(update, context, Markup(t(error.message)).format(**error.params))
        return
    async with context.db.transaction() as tx:
        await schedule.set_calendar_day(
            tx, day, kind, clean, actor.user.id if actor and actor.user else None, context.now()
        )
        await audit.record(
            tx,
            context.now(),
            actor.user.id if actor and actor.user else None,
            f"calendar.{kind}",
            subject=f"day:{day.isoformat()}",
            new=clean,
        )
    message = (
        t("{day} is now a day off; deadlines counted in working days skip it.")
        if kind == "off"
        else t("{day} is now a working day; deadlines counted in working days count it.")
    )
    await reply(update, context, Markup(message).format(day=t.date(day)))


async def _clear_day(update: Update, context: ChiboContext, text: str) -> None:
    """Undo an admin's change of a day: the official calendar counts it again."""
    t = context.t
    try:
        day = date.fromisoformat(parse_date(text, _today(context)))
    except Invalid as error:
        await reply(update, context, Markup(t(error.message)).format(**error.params))
        return
    actor = context.actor
    async with context.db.transaction() as tx:
        old = await clear_day(tx, day)
        if old is not None:
            await audit.record(
                tx,
                context.now(),
                actor.user.id if actor and actor.user else None,
                "calendar.clear",
                subject=f"day:{day.isoformat()}",
                old={"kind": old[0], "name": old[1]},
            )
    if old is None:
        await reply(
            update, context, Markup(t("No admin changed {day}; nothing to undo.")).format(day=t.date(day))
        )
        return
    await reply(
        update,
        context,
        Markup(t("{day} is counted as the official calendar has it again.")).format(day=t.date(day)),
    )


@requires(Role.ADMIN)
async def dayoff(update: Update, context: ChiboContext) -> None:
    """Add a day off (or list the changes): /dayoff dd/mm/yyyy [name]."""
    await _calendar_day(update, context, "off")


@requires(Role.ADMIN)
async def workday(update: Update, context: ChiboContext) -> None:
    """Add a make-up working day: /workday dd/mm/yyyy."""
    await _calendar_day(update, context, "work")


def _settings_text(context: ChiboContext, muted: bool) -> tuple[str, list[list[tuple[str, str]]]]:
    settings = context.settings
    actor = context.actor
    assert actor is not None
    t = context.t
    lines = [
        Markup("<b>{}</b>").format(t("Your reminders")),
        Markup(t("Quiet hours: {start}–{end}; nothing is sent then, it waits for the morning.")).format(
            start=f"{settings.quiet_start:%H:%M}", end=f"{settings.quiet_end:%H:%M}"
        )
        if settings.quiet_hours
        else Markup(t("Quiet hours: none; messages go out at any hour.")),
    ]
    if actor.role in (Role.SECRETARY, Role.ADMIN):
        lines.append(
            Markup(t("Deadline reminders: {days} days before, and when overdue (always on).")).format(
                days=", ".join(str(d) for d in settings.reminder_offsets)
            )
        )
        lines.append(
            Markup(t("Weekly nudge when your cell recorded nothing: {day} {time}.")).format(
                day=t(WEEKDAY_NAMES[settings.nudge_weekday]), time=f"{settings.nudge_time:%H:%M}"
            )
        )
        lines.append(
            Markup(t("Nudges (weekly, and a missing meeting report): {state}.")).format(
                state=t("muted") if muted else t("on")
            )
        )
    if actor.role in (Role.COMMITTEE, Role.ADMIN):
        lines.append(
            Markup(t("Weekly digest for committee members: {day} {time}.")).format(
                day=t(WEEKDAY_NAMES[settings.digest_weekday]), time=f"{settings.digest_time:%H:%M}"
            )
        )
        lines.append(
            Markup(
                t(
                    "Working group reminder, when enterprises of yours are due a contact (after {days} "
                    "days) or could found a cell: {day} {time}; {state}."
                )
            ).format(
                days=settings.contact_days,
                day=t(WEEKDAY_NAMES[settings.nudge_weekday]),
                time=f"{settings.nudge_time:%H:%M}",
                state=t("muted") if muted else t("on"),
            )
        )
    buttons = []
    if actor.role in (Role.SECRETARY, Role.COMMITTEE, Role.ADMIN):
        label = t("🔔 Unmute nudges") if muted else t("🔕 Mute nudges")
        buttons = [[(label, callbacks.encode("set", "unmute" if muted else "mute"))]]
    return str(Markup("\n").join(lines)), buttons


@requires(Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)
async def settings_command(update: Update, context: ChiboContext) -> None:
    """Show the user's reminders and their schedule, with a button to mute nudges."""
    actor = context.actor
    assert actor is not None and actor.user is not None
    text, buttons = _settings_text(context, actor.user.mute_nudges)
    await reply(update, context, text, markup=keyboard(buttons) if buttons else None)


@requires(Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)
async def settings_pressed(update: Update, context: ChiboContext) -> None:
    """Mute or unmute the nudges."""
    query = update.callback_query
    actor = context.actor
    assert query is not None and actor is not None and actor.user is not None
    data = callbacks.decode(query.data)
    muted = bool(data and data.args and data.args[0] == "mute")
    async with context.db.transaction() as tx:
        await users.set_mute_nudges(tx, actor.user.id, muted, context.now())
    await query.answer(context.t("Nudges muted.") if muted else context.t("Nudges on again."))
    text, buttons = _settings_text(context, muted)
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons))


async def _open_form_of_button(
    update: Update, context: ChiboContext, form: str, names: tuple[str, str]
) -> None:
    """Open a form with the two answers a reminder's button carries already given."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    if len(args) != 2 or not args[0].isdecimal():
        await query.answer(context.t("This button is no longer active. Please start again."))
        return
    await query.answer()
    view = await context.forms.start(form_context(context), form, given=dict(zip(names, args, strict=True)))
    await show(update, context, view)


@requires(Role.SECRETARY, Role.ADMIN)
async def record_step(update: Update, context: ChiboContext) -> None:
    """Open /progress with the person and the step of a deadline reminder already chosen."""
    await _open_form_of_button(update, context, "progress", ("person", "step"))


@requires(Role.SECRETARY, Role.ADMIN)
async def record_transfer_step(update: Update, context: ChiboContext) -> None:
    """Open the transfer-step form with the transfer (and the step) of a reminder or /mine chosen."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    if len(args) not in (1, 2) or not args[0].isdecimal():
        await query.answer(context.t("This button is no longer active. Please start again."))
        return
    ctx = form_context(context)
    transfer = await transfer_store.get(context.db, int(args[0]))
    mine = transfer is not None and (ctx.own_cell is None or transfer.unit_id == ctx.own_cell)
    if transfer is None or not mine or not transfer_next(transfer):
        # Completed meanwhile (from /mine, or by the arrival recorded in another cell), or not this cell's.
        await query.answer(
            context.t("This transfer no longer exists or is completed already."), show_alert=True
        )
        return
    await query.answer()
    given = {"transfer": args[0]} | ({"step": args[1]} if len(args) == 2 else {})
    view = await context.forms.start(ctx, "transferstep", given=given)
    await show(update, context, view)


@requires(Role.SECRETARY, Role.ADMIN)
async def write_mentor_note(update: Update, context: ChiboContext) -> None:
    """Open /mentor with the probationary member and the quarter of a mentor-log reminder chosen."""
    await _open_form_of_button(update, context, "mentor", ("person", "quarter"))


def register(app: ChiboApp, group: int) -> None:
    """Add the scheduler's commands to the application."""
    app.add_handler(CommandHandler("digest", digest), group)
    app.add_handler(CommandHandler("remind", remind), group)
    app.add_handler(CommandHandler("target", target), group)
    app.add_handler(CommandHandler("meetingday", meetingday), group)
    app.add_handler(CommandHandler("dayoff", dayoff), group)
    app.add_handler(CommandHandler("workday", workday), group)
    app.add_handler(CommandHandler("settings", settings_command), group)
    app.add_handler(CallbackQueryHandler(settings_pressed, pattern=callbacks.pattern("set")), group)
    app.add_handler(CallbackQueryHandler(record_step, pattern=callbacks.pattern("pf")), group)
    app.add_handler(CallbackQueryHandler(record_transfer_step, pattern=callbacks.pattern("tf")), group)
    app.add_handler(CallbackQueryHandler(write_mentor_note, pattern=callbacks.pattern(MENTOR_KIND)), group)
