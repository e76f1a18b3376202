"""/broadcast: an admin's message to every secretary of a unit's subtree (see bot/features/broadcast.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot import commands
from bot.commands import ADMIN, Command, Section
from bot.context import ChiboApp, ChiboContext
from bot.errors import UserError
from bot.features.admin import unit_by_code
from bot.i18n import N_
from handlers.common import args_text, requires, user_error
from handlers.forms import form_context, show
from storage.models import Role

commands.register(
    Command(
        "broadcast",
        N_("Send a message to the secretaries of a unit"),
        ADMIN,
        usage=N_("/broadcast [unit-code]"),
        section=Section.MANAGE,
    )
)


@requires(Role.ADMIN)
async def broadcast(update: Update, context: ChiboContext) -> None:
    """Open the broadcast form, the unit already chosen when the command names it."""
    code = args_text(update).split()
    given = None
    if code:
        try:
            unit = await unit_by_code(context.db, code[0])
        except UserError as error:
            await user_error(update, context, error)
            return
        given = {"target": str(unit.id)}
    await show(update, context, await context.forms.start(form_context(context), "broadcast", given=given))


def register(app: ChiboApp, group: int) -> None:
    """Add /broadcast to the application."""
    app.add_handler(CommandHandler("broadcast", broadcast), group)
