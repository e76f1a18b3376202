"""What every update goes through: de-duplication, who is acting, the private-chat rule,
the gate for people without an invitation, role checks, replies and the error handler.

Catalog messages are trusted HTML (they may hold <b> or <code>); everything else put into a
message (names, codes, what a user typed) goes in through Markup(...).format(), which escapes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from markupsafe import Markup
from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import callbacks, commands
from bot.context import ChiboContext
from bot.errors import UserError
from bot.features.access import TELEGRAM, ZALO, Actor, effective_role, is_configured_admin
from bot.features.admin import ensure_user
from bot.i18n import N_, Translator, pick_locale, translator
from bot.text import split_message
from handlers.menus import sync_user_menu
from storage import delivery, updates, users
from storage.database import DatabaseBusyError
from storage.models import Role
from storage.names import clean_name

log = logging.getLogger(__name__)

Handler = Callable[[Update, ChiboContext], Awaitable[None]]
H = TypeVar("H", bound=Handler)

# Commands and buttons someone without an invitation may use.
OPEN_COMMANDS = frozenset(c.name for c in commands.COMMANDS if None in c.roles)
OPEN_CALLBACKS = frozenset({"lang"})
REPLY_ATTEMPTS = 3
# Links in our messages (invitations) are for copying, not for a preview card.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def keyboard(rows: Iterable[Iterable[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Return an inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def send(
    context: ChiboContext,
    chat_id: int,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send an HTML message, split at line ends when it is too long; buttons go on the last part."""
    parts = split_message(str(text))
    sent: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        for attempt in range(REPLY_ATTEMPTS):
            try:
                sent = await context.bot.send_message(
                    chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                    reply_markup=markup if last else None,
                )
                break
            except BadRequest:
                raise
            except NetworkError:
                # A lost answer ("✅ Saved" after a 502) would make the person enter the form again;
                # a repeated one costs nothing. 429s are the rate limiter's (it waits and retries).
                if attempt == REPLY_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.5 * 2**attempt)
    return sent


WRITE_ONCE_A_WEEK = N_(
    "⚠️ Some of my messages (reminders, digests) could not reach you: Zalo may stop a bot from "
    "writing to someone who has not written to it for a while. They follow now. Please send me a "
    "message at least once a week (anything, for example /whoami), so that they reach you on time."
)


async def reply(
    update: Update, context: ChiboContext, text: str, *, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat the update came from (first asking to write weekly, when messages waited)."""
    chat = update.effective_chat
    if chat is None:
        return None
    actor = context.actor
    if not context.ask_to_write or actor is None or actor.user is None:
        return await send(context, chat.id, text, markup=markup)
    context.ask_to_write = False
    # Both are trusted HTML already (catalog text, and an answer built with escaped values).
    sent = await send(context, chat.id, f"{context.t(WRITE_ONCE_A_WEEK)}\n\n{text}", markup=markup)
    async with context.db.transaction() as tx:
        await delivery.asked(tx, actor.user.id, context.now())
    return sent


def pressed_text(update: Update) -> str | None:
    """Return the pressed message's text with the label of the button pressed under it (HTML)."""
    query = update.callback_query
    message = query.message if query is not None else None
    if query is None or not isinstance(message, Message) or message.text is None:
        return None
    rows = message.reply_markup.inline_keyboard if message.reply_markup is not None else ()
    label = next((b.text for row in rows for b in row if b.callback_data == query.data), None)
    if label is None:
        return None
    return str(Markup(message.text_html) + Markup("\n➜ <b>{}</b>").format(label))


async def answered(update: Update, context: ChiboContext, text: str | None) -> None:
    """Show the answer chosen in the message whose button was pressed, and take its buttons away.

    One call, as removing the buttons alone would be: the text is edited, which drops the keyboard.
    Zalo cannot edit a message (an edit is sent anew) and the typed answer is in the chat already,
    so there the list only stops answering.
    """
    query = update.callback_query
    if query is None or query.message is None:
        return
    if text is None or channel_of(context) != TELEGRAM:
        await query.edit_message_reply_markup(None)
        return
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)


def command_name(message: Message | None) -> str | None:
    """Return the command of a message ('/invite@chibo_bot x' -> 'invite'), or None."""
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    word = message.text.split(maxsplit=1)[0][1:]
    return word.split("@", 1)[0].lower() or None


def channel_of(context: ChiboContext) -> str:
    """Return the channel of the application handling the update ("telegram", "zalo")."""
    return str(getattr(context.bot, "channel", TELEGRAM))


async def account_of(context: ChiboContext, user_id: int) -> tuple[str, str]:
    """Return the channel and the channel's own id of the user with this (Bot API) id."""
    # Another channel's bot (Zalo) maps its string ids to the integers python-telegram-bot wants.
    to_external = getattr(context.bot, "external_id", None)
    if callable(to_external):
        return channel_of(context), str(await to_external(user_id))
    return TELEGRAM, str(user_id)


async def load_actor(update: Update, context: ChiboContext) -> Actor | None:
    """Return who sent the update, creating the stored row of a configured admin."""
    tg_user = update.effective_user
    if tg_user is None or tg_user.is_bot:
        return None
    channel, external_id = await account_of(context, tg_user.id)
    # Stored as every name is (NFC, nothing invisible), so an unchanged name is not a rename.
    name = clean_name(tg_user.full_name) or str(tg_user.id)
    settings = context.settings
    user = await users.by_external(context.db, channel, external_id)
    first_contact_of_admin = user is None and is_configured_admin(settings, channel, external_id)
    renamed = user is not None and user.registered and user.display_name != name
    if first_contact_of_admin or renamed:
        user = await ensure_user(context.db, channel, external_id, name, context.now())
    role = effective_role(settings, channel, external_id, user)
    locale = pick_locale(user.language if user else None, tg_user.language_code, settings.locale)
    return Actor(channel, external_id, name, user, role, locale)


async def before_every_update(update: object, context: ChiboContext) -> None:
    """Drop a repeated update, find the actor, and keep the bot to private chats."""
    if not isinstance(update, Update):
        raise ApplicationHandlerStop
    # Webhook retries and a restart during polling can deliver an update again.
    if not await updates.claim(context.db, channel_of(context), update.update_id, context.now()):
        log.info("update %s seen before, skipped", update.update_id)
        raise ApplicationHandlerStop
    context.actor = await load_actor(update, context)
    if context.actor is None:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _refuse_group(update, context, chat)
        raise ApplicationHandlerStop
    user = context.actor.user
    if user is not None and user.blocked:
        # They write again: they can be reached again.
        async with context.db.transaction() as tx:
            await users.set_blocked(tx, user.id, None)
    if user is not None:
        await _came_back(context, user.id)
    if context.actor.registered:
        await sync_user_menu(context, context.actor)


async def _came_back(context: ChiboContext, user_id: int) -> None:
    """Send again the messages that waited for this person (they wrote), and ask them to write weekly."""
    state = await delivery.state(context.db, user_id)
    if state is None:
        return
    held, to_ask = state
    if held:
        async with context.db.transaction() as tx:
            count = await context.scheduler.outbox.release(tx, user_id)
        log.info("user %s wrote again: %s held messages go out", user_id, count)
    context.ask_to_write = held or to_ask


TELEGRAM_GROUP = N_("I only answer in a private chat. Open a chat with me: @{bot}")
ZALO_GROUP = N_(
    "I only answer in a private chat: reports, reminders and names are not for a group. Open a chat "
    "with me ({bot}) in Zalo and write there."
)


async def _refuse_group(update: Update, context: ChiboContext, chat: Chat) -> None:
    t = context.t
    on_zalo = channel_of(context) == ZALO
    text = Markup(
        t(ZALO_GROUP) if on_zalo else t("I only answer in a private chat. Open a chat with me: @{bot}")
    )
    text = text.format(bot=context.bot.username)
    if update.callback_query is not None:
        await update.callback_query.answer(str(Markup(text).striptags()), show_alert=True)
    elif command_name(update.message) is not None or on_zalo:
        # Only commands get an answer: the group's conversation is none of our business. On Zalo
        # every group message the bot gets was addressed to it (a mention or a reply: groups are a
        # Beta there, mention-only), so each is answered.
        await send(context, chat.id, text)


async def gate_unregistered(update: Update, context: ChiboContext) -> None:
    """Tell someone without an invitation how to get one; let only the open commands through."""
    actor = context.actor
    if actor is None or actor.registered:
        return
    if update.callback_query is not None:
        data = callbacks.decode(update.callback_query.data)
        if data is not None and data.kind in OPEN_CALLBACKS:
            return
        await update.callback_query.answer(context.t("You are not registered yet."), show_alert=True)
        raise ApplicationHandlerStop
    if command_name(update.message) in OPEN_COMMANDS:
        return
    await reply(update, context, not_registered_text(context))
    raise ApplicationHandlerStop


def not_registered_text(context: ChiboContext) -> str:
    """Return the polite explanation of how to get an invitation."""
    t = context.t
    if context.actor is not None and context.actor.channel == ZALO:
        text = t(
            "Hello {name}! chibo is for party cell secretaries and committee members who have been "
            "invited. To get an invitation, ask your committee's office and give them your "
            "Zalo id: <code>{id}</code>."
        )
    else:
        text = t(
            "Hello {name}! chibo is for party cell secretaries and committee members who have been "
            "invited. To get an invitation link, ask your committee's office and give them your "
            "Telegram id: <code>{id}</code>."
        )
    return Markup(text).format(
        name=context.actor.display_name if context.actor else "",
        id=context.actor.external_id if context.actor else "",
    )


def requires(*roles: Role) -> Callable[[H], H]:
    """Let only the given roles run a handler; everyone else is refused and nothing changes."""

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: ChiboContext) -> None:
            actor = context.actor
            if actor is None or actor.role not in roles:
                t = context.t
                text = (
                    t("This is for admins only.")
                    if roles == (Role.ADMIN,)
                    else t("Your role cannot do this. See /help for what you can do.")
                )
                if update.callback_query is not None:
                    await update.callback_query.answer(text, show_alert=True)
                else:
                    await reply(update, context, text)
                return
            await handler(update, context)

        return wrapper  # type: ignore[return-value]

    return decorate


async def user_error(update: Update, context: ChiboContext, error: UserError) -> None:
    """Show a refusal to the user."""
    await reply(update, context, error.render(context.t))


def args_text(update: Update) -> str:
    """Return the text after the command word."""
    text = update.effective_message.text if update.effective_message else None
    if not text:
        return ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def unknown(update: Update, context: ChiboContext) -> None:
    """Answer what no feature took: an unknown command, stray text, a sticker, an old button."""
    t = context.t
    if update.callback_query is not None:
        await update.callback_query.answer(
            t("This button is no longer active. Please start again."), show_alert=False
        )
        return
    if command_name(update.message) is not None:
        await reply(update, context, t("I do not know this command. See /help."))
    elif update.message is not None:
        await reply(update, context, t("I did not understand. Choose a command from the menu, or see /help."))


async def on_error(update: object, context: ChiboContext) -> None:
    """Log the error without personal data and tell the user, in their language, to try again."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.warning("update %s: the user blocked the bot", update_id)
        return
    log.error("update %s failed", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    t = await _error_translator(update, context, busy=isinstance(error, DatabaseBusyError))
    if isinstance(error, DatabaseBusyError):
        text = t("The database is busy right now. Nothing was saved; please try again in a moment.")
    else:
        text = t(
            "Sorry, something went wrong on my side. Please try again; if it happens again, "
            "tell your committee's office."
        )
    if update.callback_query is not None:
        # The handler may have answered the press before it failed: the message goes out anyway.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        await context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML)
    except TelegramError:
        log.warning("update %s: could not tell the user about the error", update_id)
    # python-telegram-bot hands an update to the next handler group after an error; after a failed
    # first step (no claim, no actor: the database was locked) the features must not see it.
    raise ApplicationHandlerStop


async def _error_translator(update: Update, context: ChiboContext, busy: bool) -> Translator:
    """Return the translator of the user whose update failed (the error's context has no actor)."""
    if context.actor is not None:
        return context.actor.t
    tg_user = update.effective_user
    if tg_user is None:
        return context.t
    preferred = None
    if not busy:  # a locked database would only fail again: the app's language will do
        try:
            channel, external_id = await account_of(context, tg_user.id)
            user = await users.by_external(context.db, channel, external_id)
            preferred = user.language if user else None
        except Exception:  # the apology must go out whatever else is broken
            log.warning("update %s: could not look up the user's language", update.update_id)
    return translator(pick_locale(preferred, tg_user.language_code, context.settings.locale))


async def noop(*_: Any) -> None:
    """Do nothing (used where a handler must exist but has nothing to say)."""
