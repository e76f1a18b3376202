"""Everyone's commands: /start (with an invitation, or the dashboard's link to a record), /help,
/whoami, /language, /cancel."""

from __future__ import annotations

import dataclasses
import functools

from markupsafe import Markup
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, commands
from bot.context import ChiboApp, ChiboContext
from bot.errors import UserError
from bot.features import admin, review
from bot.features.access import TELEGRAM, is_configured_admin
from bot.forms.engine import closed_form_notice
from bot.i18n import LANGUAGE_NAMES, Translator, translator
from bot.text import role_name
from handlers.committee import open_record
from handlers.common import args_text, keyboard, not_registered_text, reply, user_error
from handlers.forms import offer_resume
from handlers.menus import sync_user_menu
from storage import units
from storage.models import Role


def command_lines(names: list[commands.Command], role: Role | None, t: Translator) -> Markup:
    """Return commands as lines "usage — description", as the role writes them."""
    return Markup("\n").join(
        Markup("{usage} — {description}").format(
            usage=commands.usage(command, role, t), description=t(command.description)
        )
        for command in names
    )


def most_used(role: Role | None, t: Translator) -> Markup:
    """Return the welcome's few lines: the three things the role does most, and where the rest is."""
    names = commands.MOST_USED.get(role, ()) if role is not None else ()
    chosen = [commands.BY_NAME[n] for n in names if commands.allowed(n, role)]
    text = Markup(t("What you will do most:")) + Markup("\n") + command_lines(chosen, role, t)
    return text + Markup("\n\n") + Markup(t("Everything else, and how: /help"))


def guide(role: Role | None, t: Translator) -> Markup:
    """Return /help for a role: what chibo does for them, then their commands section by section."""
    parts = [Markup("<i>{}</i>").format(t(commands.GUIDES[role]))]
    shown = [c for c in commands.commands_for(role) if c.in_menu]
    for section, title in commands.SECTION_TITLES.items():
        listed = [c for c in shown if c.section is section]
        if listed:
            parts.append(Markup("<b>{}</b>\n").format(t(title)) + command_lines(listed, role, t))
    if commands.allowed("meeting", role):
        parts.append(Markup(t(commands.FORM_TIPS)))
    return Markup("\n\n").join(parts)


async def start(update: Update, context: ChiboContext) -> None:
    """Accept an invitation (/start TOKEN), or greet and say what the user can do."""
    actor = context.actor
    assert actor is not None
    token = args_text(update)
    if review.parse_start_parameter(token) is not None:
        # The dashboard's deep link to a record (t.me/<bot>?start=record-m12), not an invitation.
        await open_record(update, context, token)
        return
    if token:
        try:
            registration = await admin.redeem(
                context.db,
                actor.channel,
                actor.external_id,
                actor.display_name,
                token,
                context.now(),
                configured_admin=functools.partial(is_configured_admin, context.settings),
            )
        except UserError as error:
            await user_error(update, context, error)
            return
        # The user may now have a role: speak from their new position.
        role = Role.ADMIN if actor.is_admin else registration.user.role
        user = registration.user
        if user.language is None:
            # Scheduled messages go out in this language until the user picks another with /language.
            await admin.set_language(context.db, user.id, actor.locale, context.now())
            user = dataclasses.replace(user, language=actor.locale)
        actor = dataclasses.replace(actor, user=user, role=role)
        context.actor = actor
        t = actor.t
        closed = registration.closed_draft
        notice = (
            Markup("\n\n")
            + closed_form_notice(
                t,
                context.forms.title(closed.form),
                registration.closed_draft_unit.name if registration.closed_draft_unit else None,
            )
            if closed is not None
            else Markup()
        )
        await reply(
            update,
            context,
            Markup(t("Welcome, {name}! You are now {role} of {unit}.")).format(
                name=actor.display_name,
                role=role_name(registration.user.role, t),
                unit=registration.unit.name,
            )
            + notice
            + Markup("\n\n")
            + most_used(role, t),
        )
        await sync_user_menu(context, actor)
        return
    if not actor.registered:
        await reply(update, context, not_registered_text(context))
        return
    t = actor.t
    known = actor.user
    unit = await units.get(context.db, known.unit_id) if known is not None and known.unit_id else None
    hello = (
        Markup(t("Hello, {name}! You are {role} of {unit}.")).format(
            name=actor.display_name, role=role_name(actor.role, t), unit=unit.name
        )
        if unit is not None
        else Markup(t("Hello, {name}!")).format(name=actor.display_name)
    )
    await reply(update, context, hello + Markup("\n\n") + most_used(actor.role, t))
    # A form left half-way (a restart, a phone put away) is offered back.
    await offer_resume(update, context)


async def help_command(update: Update, context: ChiboContext) -> None:
    """List only what the user's role may do."""
    actor = context.actor
    assert actor is not None
    t = actor.t
    if not actor.registered:
        text = not_registered_text(context) + "\n\n" + Markup(t("Until then you can use:")) + "\n"
        await reply(update, context, text + command_lines(commands.commands_for(None), None, t))
        return
    await reply(update, context, guide(actor.role, t))


async def whoami(update: Update, context: ChiboContext) -> None:
    """Show the user's account: name, id, role, unit and language."""
    actor = context.actor
    assert actor is not None
    t = actor.t
    unit_name = ""
    if actor.user is not None and actor.user.unit_id is not None and actor.registered:
        unit = await units.get(context.db, actor.user.unit_id)
        unit_name = unit.name if unit else ""
    if actor.is_admin and not unit_name:
        root = await units.get(context.db, units.ROOT_ID)
        unit_name = root.name if root else ""
    lines = [
        Markup(t("Name: <b>{name}</b>")).format(name=actor.display_name),
        (
            Markup(t("Telegram id: <code>{id}</code>")).format(id=actor.external_id)
            if actor.channel == TELEGRAM
            else Markup(t("Zalo id: <code>{id}</code>")).format(id=actor.external_id)
        ),
        Markup(t("Role: {role}")).format(role=role_name(actor.role, t)),
    ]
    if unit_name:
        lines.append(Markup(t("Unit: {unit}")).format(unit=unit_name))
    lines.append(Markup(t("Language: {language}")).format(language=LANGUAGE_NAMES[actor.locale]))
    await reply(update, context, Markup("\n").join(lines))


async def language(update: Update, context: ChiboContext) -> None:
    """Offer the languages as buttons."""
    t = context.t
    buttons = [[(name, callbacks.encode("lang", code)) for code, name in LANGUAGE_NAMES.items()]]
    await reply(update, context, t("Choose your language:"), markup=keyboard(buttons))


async def language_chosen(update: Update, context: ChiboContext) -> None:
    """Remember the chosen language and answer in it."""
    query = update.callback_query
    actor = context.actor
    assert query is not None and actor is not None
    data = callbacks.decode(query.data)
    code = data.args[0] if data and data.args else ""
    if code not in LANGUAGE_NAMES:
        await query.answer(context.t("This button is no longer active. Please start again."))
        return
    user = actor.user or await admin.ensure_user(
        context.db, actor.channel, actor.external_id, actor.display_name, context.now()
    )
    await admin.set_language(context.db, user.id, code, context.now())
    user = dataclasses.replace(user, language=code)
    actor = dataclasses.replace(actor, user=user, locale=code)
    context.actor = actor
    t = translator(code)
    await query.answer()
    text = Markup(t("Language: {language}")).format(language=LANGUAGE_NAMES[code])
    if query.message is not None:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML)
    if actor.registered:
        await sync_user_menu(context, actor)


def register(app: ChiboApp, group: int) -> None:
    """Add everyone's commands to the application."""
    app.add_handler(CommandHandler("start", start), group)
    app.add_handler(CommandHandler("help", help_command), group)
    app.add_handler(CommandHandler("whoami", whoami), group)
    app.add_handler(CommandHandler("language", language), group)
    app.add_handler(CallbackQueryHandler(language_chosen, pattern=callbacks.pattern("lang")), group)
