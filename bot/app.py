"""The composition root: the ONE place that wires storage, handlers, jobs, i18n and rate limiting."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.context import BotData, ChiboContext
from bot.jobs import Outbox, Scheduler
from bot.processor import PerUserUpdateProcessor
from storage import units
from storage.database import Database

log = logging.getLogger(__name__)

ChiboApp = Application[Any, ChiboContext, Any, Any, BotData, Any]

# The update kinds the bot listens to (the rest is never fetched).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

# Handler groups, in the order python-telegram-bot runs them for every update.
GROUP_FIRST = -100  # drop repeated updates, find who is acting, keep to private chats
GROUP_GATE = -90  # people without an invitation only get the open commands
GROUP_FEATURES = 0  # commands, buttons and forms; the catch-all answer comes last in this group


async def _post_init(app: ChiboApp) -> None:
    """Open the database, bring it up to date and publish the command menus."""
    data = app.bot_data
    assert data.db is not None and data.settings is not None
    await data.db.open()
    await data.db.migrate()
    async with data.db.transaction() as tx:
        await units.rename(tx, units.ROOT_ID, data.settings.root_name)
    data.bot_username = app.bot.username
    from handlers.forms import ENGINE  # noqa: PLC0415 - handlers depend on bot
    from handlers.menus import publish_default_menus  # noqa: PLC0415
    from handlers.telegram_channel import TelegramChannel  # noqa: PLC0415

    box = Outbox(data.db, data.settings, data.clock, {"telegram": TelegramChannel(app.bot)})
    data.scheduler = Scheduler(data.db, data.settings, data.clock, box, ENGINE)
    await publish_default_menus(app.bot, data.settings)
    if data.settings.tick_seconds > 0 and app.job_queue is not None:
        # One tick runs whatever is due, catching up what was missed while the bot was down.
        app.job_queue.run_repeating(_tick, interval=data.settings.tick_seconds, first=1, name="tick")
    log.info("chibo is up as @%s", app.bot.username)


async def _tick(context: ChiboContext) -> None:
    """Run the scheduler once; a failure is logged and the next tick tries again."""
    try:
        await context.scheduler.tick()
    except Exception:
        log.exception("scheduled work failed; it runs again at the next tick")


async def _post_shutdown(app: ChiboApp) -> None:
    """Close the database."""
    if app.bot_data.db is not None:
        await app.bot_data.db.close()


def build_application(settings: Settings, *, clock: Clock = system_clock) -> ChiboApp:
    """Return the Application of chibo for these settings (polling, webhook, tests and sandbox alike)."""
    import handlers.data as data_commands  # noqa: PLC0415 - exports, imports, audit, deletion on request, backups
    from handlers import admin, broadcast, common, forms, schedule, start  # noqa: PLC0415 - handlers depend on bot

    if not settings.token:
        raise ValueError("build_application needs a bot token")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_api_file_url)
        .context_types(ContextTypes(context=ChiboContext, bot_data=BotData))
        # No default parse_mode: python-telegram-bot would add it to every method, even those
        # without one (editMessageReplyMarkup); our send helpers pass HTML explicitly instead.
        .defaults(Defaults(tzinfo=settings.timezone))
        .concurrent_updates(PerUserUpdateProcessor())
        # Retries after a 429 with Telegram's retry_after, and keeps within the flood limits.
        .rate_limiter(AIORateLimiter(max_retries=5))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    app: ChiboApp = builder.build()
    app.bot_data.settings = settings
    app.bot_data.clock = clock
    app.bot_data.db = Database(settings.db_path)

    app.add_handler(TypeHandler(Update, common.before_every_update), GROUP_FIRST)
    app.add_handler(TypeHandler(Update, common.gate_unregistered), GROUP_GATE)
    start.register(app, GROUP_FEATURES)
    forms.register(app, GROUP_FEATURES)
    admin.register(app, GROUP_FEATURES)
    schedule.register(app, GROUP_FEATURES)
    data_commands.register(app, GROUP_FEATURES)
    broadcast.register(app, GROUP_FEATURES)
    # After every command: typed answers, photos and other messages go to the open form.
    forms.register_answers(app, GROUP_FEATURES)
    # Last in its group: only what no feature above took reaches it.
    app.add_handler(MessageHandler(filters.ALL, common.unknown), GROUP_FEATURES)
    app.add_handler(CallbackQueryHandler(common.unknown), GROUP_FEATURES)
    app.add_error_handler(common.on_error)
    return app


async def start(app: ChiboApp, *, poll_timeout: int = 10) -> None:
    """Start an application inside a running event loop (tests, sandbox): what run_polling does first."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
    await app.start()


async def stop(app: ChiboApp) -> None:
    """Stop an application started with start(): what run_polling does last."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
