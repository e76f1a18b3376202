"""Command menus (setMyCommands): one per language for newcomers, one per role in each user's chat.

Telegram has no notion of our roles, so a role's menu is set in the scope of each user's private
chat, in their language, and only when it changed (its fingerprint is stored with the user).
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot import commands
from bot.config import SUPPORTED_LOCALES, Settings
from bot.context import ChiboContext
from bot.features.access import TELEGRAM, Actor
from bot.i18n import translator
from storage import users
from storage.database import Database
from storage.models import User

log = logging.getLogger(__name__)


async def publish_default_menus(bot: Bot, settings: Settings) -> None:
    """Publish the newcomers' menu for private chats, in every language and as the default."""
    scope = BotCommandScopeAllPrivateChats()
    for locale in SUPPORTED_LOCALES:
        entries = commands.menu(None, translator(locale))
        await bot.set_my_commands([BotCommand(n, d) for n, d in entries], scope=scope, language_code=locale)
    entries = commands.menu(None, translator(settings.locale))
    await bot.set_my_commands([BotCommand(n, d) for n, d in entries], scope=scope)


async def sync_user_menu(context: ChiboContext, actor: Actor) -> None:
    """Give a registered user's chat the menu of their role, in their language, if it changed."""
    if actor.user is None:
        return
    await set_user_menu(context.bot, context.db, actor.user, actor)


async def set_user_menu(bot: Bot, db: Database, user: User, actor: Actor) -> None:
    """Publish the menu of the actor's role in the user's chat unless it is there already."""
    if user.channel != TELEGRAM:
        return  # Zalo has no command menu (and its ids are no Telegram chat ids)
    t = actor.t
    wanted = commands.menu_hash(actor.role, t)
    if user.menu_hash == wanted:
        return
    try:
        await bot.set_my_commands(
            [BotCommand(n, d) for n, d in commands.menu(actor.role, t)],
            scope=BotCommandScopeChat(int(user.external_id)),
        )
    except TelegramError as exc:
        # A menu is a convenience: failing to publish it must not fail what the user asked.
        log.warning("could not publish the menu of user %s: %s", user.id, exc)
        return
    await users.set_menu_hash(db, user.id, wanted)


async def clear_user_menu(bot: Bot, db: Database, user: User) -> None:
    """Remove a user's own menu, so their chat falls back to the newcomers' one."""
    if user.channel != TELEGRAM:
        return
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(int(user.external_id)))
    except TelegramError as exc:
        log.warning("could not remove the menu of user %s: %s", user.id, exc)
        return
    await users.set_menu_hash(db, user.id, None)
