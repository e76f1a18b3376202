"""Command menus (setMyCommands): one per language for newcomers, one per role in each user's chat.

Telegram has no notion of our roles, so a role's menu is set in the scope of each user's private
chat, in their language, and only when it changed (its fingerprint is stored with the user).
A committee member's chat also gets a menu button that opens the dashboard (setChatMenuButton with
a web_app, when the deployment has a public address); they still get the commands by typing "/".
Everyone else keeps the default button, which opens the command list.
"""

from __future__ import annotations

import hashlib
import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    MenuButton,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import TelegramError

from bot import commands
from bot.config import SUPPORTED_LOCALES, Settings
from bot.context import ChiboContext
from bot.features import dashboard
from bot.features.access import TELEGRAM, Actor
from bot.i18n import N_, Translator, translator
from storage import users
from storage.database import Database
from storage.models import Role, User

MENU_BUTTON = N_("Dashboard")

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
    await set_user_menu(context.bot, context.db, actor.user, actor, context.bot_data.public_url)


def menu_button(role: Role | None, t: Translator, public_url: str | None) -> MenuButton:
    """Return the menu button of a chat: the dashboard for a committee member, else the default."""
    if role is Role.COMMITTEE and public_url:
        return MenuButtonWebApp(t(MENU_BUTTON), WebAppInfo(public_url.rstrip("/") + dashboard.PATH))
    return MenuButtonDefault()


async def set_user_menu(
    bot: Bot, db: Database, user: User, actor: Actor, public_url: str | None = None
) -> None:
    """Publish the menu of the actor's role (and its menu button) in the user's chat unless it is there."""
    if user.channel != TELEGRAM:
        return  # Zalo has no command menu (and its ids are no Telegram chat ids)
    t = actor.t
    button = menu_button(actor.role, t, public_url)
    wanted = commands.menu_hash(actor.role, t)
    if isinstance(button, MenuButtonWebApp):
        wanted = hashlib.sha256(f"{wanted}\n{button.web_app.url}".encode()).hexdigest()[:16]
    if user.menu_hash == wanted:
        return
    try:
        await bot.set_my_commands(
            [BotCommand(n, d) for n, d in commands.menu(actor.role, t)],
            scope=BotCommandScopeChat(int(user.external_id)),
        )
        await bot.set_chat_menu_button(int(user.external_id), button)
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
        await bot.set_chat_menu_button(int(user.external_id), MenuButtonDefault())
    except TelegramError as exc:
        log.warning("could not remove the menu of user %s: %s", user.id, exc)
        return
    await users.set_menu_hash(db, user.id, None)
