"""/calendar: a year's days off and make-up working days as chibo counts them, where they come from, and
a button with which an admin confirms the year (changes are made with /dayoff and /workday)."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, commands
from bot.commands import ADMIN, Command, Section
from bot.context import ChiboApp, ChiboContext
from bot.features.calendar import YearView, load_calendar, year_view
from bot.i18n import N_, Translator
from bot.scheduling.outbox import local
from handlers.common import args_text, keyboard, reply, requires
from storage import audit
from storage.calendar import confirm_year
from storage.models import Role

commands.register(
    Command(
        "calendar",
        N_("A year's days off, and confirm them"),
        ADMIN,
        usage=N_("/calendar [year]"),
        section=Section.MANAGE,
    )
)
CONFIRM = "y"  # the action of the confirmation button (callback data "v1:cal:y:2027")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def render(view: YearView, t: Translator) -> Markup:
    """Return what /calendar says of a year."""
    if view.confirmed:
        state = Markup(t("✅ confirmed"))
    elif view.shipped:
        state = Markup(t("⚠️ not confirmed: some days are estimates"))
    else:
        state = Markup(t("⚠️ not confirmed: the holidays library's estimate"))
    lines = [Markup(t("<b>Days off in {year}</b> ({state})")).format(year=view.year, state=state)]
    for source in view.sources:
        lines.append(Markup("<i>{}</i>").format(source))
    lines.append(
        Markup(t("Tết break: {first} to {last}")).format(first=t.date(view.tet[0]), last=t.date(view.tet[1]))
    )
    off = [d for d in view.days if d.off]
    worked = [d for d in view.days if not d.off]
    lines.append(Markup("<b>{}</b>").format(t("Weekdays off:")))
    lines += [
        Markup("• {day}: {name}{mark}").format(
            day=t.weekday_date(d.day), name=d.name, mark=Markup(" ✎") if d.by_admin else ""
        )
        for d in off
    ] or [Markup(t("• none"))]
    if worked:
        lines.append(Markup("<b>{}</b>").format(t("Weekend days worked:")))
        lines += [
            Markup("• {day}: {name}{mark}").format(
                day=t.weekday_date(d.day), name=d.name, mark=Markup(" ✎") if d.by_admin else ""
            )
            for d in worked
        ]
    if any(d.by_admin for d in view.days):
        lines.append(
            Markup(t("✎ changed by an admin (/dayoff, /workday; undo with /dayoff clear dd/mm/yyyy)."))
        )
    if not view.confirmed:
        lines.append(
            Markup(
                t(
                    "Compare these days with the Government's decision for {year}; correct any with "
                    "/dayoff dd/mm/yyyy and /workday dd/mm/yyyy, then confirm the year with the button."
                )
            ).format(year=view.year)
        )
    return Markup("\n").join(lines)


def _year(text: str, today: date) -> int | None:
    """Return the year asked for (this year when none), or None when it is not a year chibo knows."""
    if not text:
        return today.year
    if not text.isdecimal() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        return None
    return int(text)


@requires(Role.ADMIN)
async def calendar_command(update: Update, context: ChiboContext) -> None:
    """Show a year's days off, with a button to confirm them: /calendar [year]."""
    t = context.t
    year = _year(args_text(update), local(context.now(), context.settings).date())
    if year is None:
        await reply(
            update,
            context,
            Markup(t("Write a year from {first} to {last}, for example: <code>/calendar 2027</code>")).format(
                first=FIRST_YEAR, last=LAST_YEAR
            ),
        )
        return
    calendar = await load_calendar(context.db, culture_day_off=context.settings.culture_day_off)
    view = year_view(calendar, year)
    buttons = []
    if not view.confirmed:
        buttons = [
            [
                (
                    t("✅ Confirm the days off of {year}").format(year=year),
                    callbacks.encode("cal", CONFIRM, year),
                )
            ]
        ]
    await reply(update, context, render(view, t), markup=keyboard(buttons) if buttons else None)


@requires(Role.ADMIN)
async def calendar_pressed(update: Update, context: ChiboContext) -> None:
    """Confirm a year's days off, as /calendar showed them."""
    query = update.callback_query
    assert query is not None
    t = context.t
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    today = local(context.now(), context.settings).date()
    year = _year(args[1], today) if len(args) == 2 and args[0] == CONFIRM else None
    if year is None:
        await query.answer(t("This button is no longer active. Please start again."))
        return
    actor = context.actor
    actor_id = actor.user.id if actor and actor.user else None
    async with context.db.transaction() as tx:
        added = await confirm_year(tx, year, actor_id, context.now())
        if added:
            await audit.record(
                tx, context.now(), actor_id, "calendar.confirm", subject=f"year:{year}", new=year
            )
    await query.answer()
    if query.message is not None:
        await query.edit_message_reply_markup(None)
    if not added:
        await reply(
            update, context, Markup(t("The days off of {year} were confirmed already.")).format(year=year)
        )
        return
    await reply(
        update,
        context,
        Markup(
            t(
                "✅ The days off of {year} are confirmed. Deadlines counted through its Tết no longer "
                "make me warn; a change made later with /dayoff or /workday still counts."
            )
        ).format(year=year),
    )


def register(app: ChiboApp, group: int) -> None:
    """Add /calendar and its confirmation button to the application."""
    app.add_handler(CommandHandler("calendar", calendar_command), group)
    app.add_handler(CallbackQueryHandler(calendar_pressed, pattern=callbacks.pattern("cal")), group)
