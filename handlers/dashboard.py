"""/dashboard: a button that opens the dashboard (a Mini App on Telegram, a signed link on Zalo)."""

from __future__ import annotations

from markupsafe import Markup
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.ext import CommandHandler

from bot import commands
from bot.commands import REGISTERED, Command
from bot.context import ChiboApp, ChiboContext
from bot.features.dashboard import OPEN_DASHBOARD, PATH
from bot.i18n import N_, Translator
from handlers.common import reply, requires
from storage import units
from storage.models import Role

commands.register(Command("dashboard", N_("The dashboard of your unit"), REGISTERED))


def dashboard_button(t: Translator, public_url: str) -> InlineKeyboardMarkup:
    """Return the keyboard with the button that opens the dashboard."""
    url = public_url.rstrip("/") + PATH
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(OPEN_DASHBOARD), web_app=WebAppInfo(url))]])


@requires(Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)
async def dashboard(update: Update, context: ChiboContext) -> None:
    """Send the button that opens the dashboard of one's unit (Zalo shows it as a link signed now)."""
    actor = context.actor
    assert actor is not None and actor.user is not None
    t = context.t
    public_url = context.bot_data.public_url
    if not public_url:
        await reply(
            update,
            context,
            t(
                "The dashboard needs the bot's web address (CHIBO_PUBLIC_URL), which is not set. "
                "The committee's office can set it up."
            ),
        )
        return
    unit_id = units.ROOT_ID if actor.is_admin or actor.user.unit_id is None else actor.user.unit_id
    unit = await units.get(context.db, unit_id)
    text = Markup(
        t("📊 The dashboard of <b>{unit}</b>: its cells, meetings, deadlines and admissions.")
    ).format(unit=unit.name if unit else "")
    await reply(update, context, str(text), markup=dashboard_button(t, public_url))


def register(app: ChiboApp, group: int) -> None:
    """Add /dashboard to the application."""
    app.add_handler(CommandHandler("dashboard", dashboard), group)
