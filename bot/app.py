"""The composition root: the ONE place that wires storage, handlers, jobs, i18n and rate limiting."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

import handlers.data as data_commands  # exports, imports, audit, deletion on request, backups
from bot.channels.http import AiohttpRequest
from bot.channels.telegram import TelegramChannel
from bot.channels.web.dashboard import Dashboard
from bot.channels.web.photos import PhotoLinks
from bot.channels.web.server import TELEGRAM_PATH, ZALO_PATH, WebServer
from bot.channels.web.signed import DashboardLinks, SignedFiles
from bot.channels.web.upload import UploadPage
from bot.channels.zalo.api import ZaloApi
from bot.channels.zalo.bot import ZaloBot
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.messenger import ZaloMessenger
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.context import BotData, ChiboApp, ChiboContext
from bot.features import backup
from bot.features.access import TELEGRAM, ZALO
from bot.features.photos import PhotoKeeper
from bot.features.replication import Replicator
from bot.forms.registry import ALL_FORMS, build_engine
from bot.processor import PerUserUpdateProcessor
from bot.rules.calendar import vietnam_holidays
from bot.scheduling.channel import Channel
from bot.scheduling.outbox import Outbox
from bot.scheduling.scheduler import Scheduler
from handlers import admin, broadcast, committee, common, dashboard, enterprises, forms, schedule
from handlers import calendar as calendar_handlers
from handlers import start as start_handlers
from handlers.menus import publish_default_menus
from storage import units
from storage.database import Database
from storage.models import User

log = logging.getLogger(__name__)

# The update kinds the bot listens to (the rest is never fetched).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

# Handler groups, in the order python-telegram-bot runs them for every update.
GROUP_FIRST = -100  # drop repeated updates, find who is acting, keep to private chats
GROUP_GATE = -90  # people without an invitation only get the open commands
GROUP_FEATURES = 0  # commands, buttons and forms; the catch-all answer comes last in this group
UPLOAD_ANSWER_SECONDS = 30  # how long the upload page waits for the dry run to be sent in Zalo


class Runtime:
    """What the applications of one process share (a Telegram and a Zalo one, or one alone): one
    database, one outbox delivering through every channel, one scheduler ticking in the first."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock = system_clock,
        public_url: str | None = None,
        replicator: Replicator | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.replicator = replicator  # Litestream beside the bot (CHIBO_REPLICA), started by the CLI
        self.db = Database(settings.db_path)
        self.channels: dict[str, Channel] = {}
        public_url = public_url or settings.public_url
        self.public_url = public_url.rstrip("/") if public_url else None
        # Pictures and exports for Zalo, which takes them only as links (served by channels/web/server.py).
        self.files = SignedFiles(public_url, clock=clock) if public_url else None
        # The dashboard (channels/web/dashboard.py): a Mini App on Telegram, signed links on Zalo.
        self.links = (
            DashboardLinks(public_url, ttl=timedelta(hours=settings.dashboard_link_hours), clock=clock)
            if public_url
            else None
        )
        self.scheduler: Scheduler | None = None
        self.usernames: dict[str, str] = {}  # each channel's bot, once started: the dashboard's deep links
        self.started = 0  # applications initialised and not shut down yet
        # The one form engine of the process, reached by handlers as context.forms.
        self.forms = build_engine()
        # Photos of activities kept on disk (Zalo's links expire), read back by exports.
        self.photos = PhotoKeeper(self.db, settings, clock)
        self.photo_links = PhotoLinks(public_url, self.photos, clock=clock) if public_url else None
        # The upload page of /import on Zalo (which takes no files), served with the signed links.
        self.uploads = UploadPage(public_url, self.db, settings, clock) if public_url else None


async def _post_init(app: ChiboApp, runtime: Runtime) -> None:
    """Open the database (once for all channels), bring it up to date and publish the command menus."""
    data = app.bot_data
    assert data.settings is not None
    if runtime.scheduler is None:
        await runtime.db.open()
        await runtime.db.migrate(before_data_change=before_migration(data.settings, runtime.clock))
        # Built once, beside the loop: building it imports the holidays library's 251 country modules,
        # which the first reminder pass would otherwise do on the loop while people wait.
        await asyncio.to_thread(vietnam_holidays, "vi")
        async with runtime.db.transaction() as tx:
            await units.rename(tx, units.ROOT_ID, data.settings.root_name)
        if runtime.links is not None:
            await runtime.links.load_key(runtime.db)
        box = Outbox(runtime.db, data.settings, data.clock, runtime.channels)
        runtime.scheduler = Scheduler(
            runtime.db, data.settings, data.clock, box, ALL_FORMS, photos=runtime.photos
        )
        if data.settings.tick_seconds > 0 and app.job_queue is not None:
            # One tick runs whatever is due, catching up what was missed while the bot was down.
            app.job_queue.run_repeating(_tick, interval=data.settings.tick_seconds, first=1, name="tick")
        if runtime.replicator is not None and app.job_queue is not None:
            app.job_queue.run_repeating(
                functools.partial(_watch_replicator, replicator=runtime.replicator),
                interval=REPLICATOR_CHECK_SECONDS,
                name="replicator",
            )
    runtime.started += 1
    data.scheduler = runtime.scheduler
    data.bot_username = app.bot.username
    runtime.usernames[getattr(app.bot, "channel", TELEGRAM)] = app.bot.username
    await publish_default_menus(app.bot, data.settings)
    log.info("chibo is up on %s as @%s", getattr(app.bot, "channel", TELEGRAM), app.bot.username)


def before_migration(settings: Settings, clock: Clock) -> backup.BeforeDataChange | None:
    """Return the backup taken before a migration that changes data (none for a database in memory)."""
    if str(settings.db_path) == ":memory:":
        return None
    folder = settings.backup_dir or backup.default_dir(settings.db_path)
    return backup.before_migration(settings.db_path, folder, settings.timezone, clock)


REPLICATOR_CHECK_SECONDS = 15.0


async def _watch_replicator(context: ChiboContext, replicator: Replicator) -> None:
    """Start Litestream again if it ended (a replica that is not kept is a backup that is not made)."""
    try:
        await asyncio.to_thread(replicator.ensure_running)
    except Exception:
        log.exception("Litestream could not be started again; trying again in a moment")


async def _tick(context: ChiboContext) -> None:
    """Run the scheduler once; a failure is logged and the next tick tries again."""
    try:
        await context.scheduler.tick()
    except Exception:
        log.exception("scheduled work failed; it runs again at the next tick")


async def _post_shutdown(app: ChiboApp, runtime: Runtime) -> None:
    """Close the database when the last application of the process stops."""
    runtime.started = max(0, runtime.started - 1)
    if runtime.started == 0:
        await runtime.db.close()
        runtime.scheduler = None


def build_application(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    runtime: Runtime | None = None,
    bot: ExtBot[Any] | None = None,
    replicator: Replicator | None = None,
) -> ChiboApp:
    """Return the Application of chibo for these settings (polling, webhook, tests and sandbox alike).

    With no bot it is the Telegram application; another channel's bot (a ZaloBot) gets the same
    handlers. Applications built with one runtime share its database and scheduler.
    """
    runtime = runtime or Runtime(settings, clock, replicator=replicator)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any]
    if bot is None:
        if not settings.token:
            raise ValueError("build_application needs a bot token")
        builder = (
            ApplicationBuilder()
            .token(settings.token)
            .base_url(settings.bot_api_url)
            .base_file_url(settings.bot_api_file_url)
            # Bot API calls through aiohttp: a third to a sixth of the CPU httpx takes (bot/channels/http.py).
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
            # No default parse_mode: python-telegram-bot would add it to every method, even those
            # without one (editMessageReplyMarkup); our send helpers pass HTML explicitly instead.
            .defaults(Defaults(tzinfo=settings.timezone))
            # Retries after a 429 with Telegram's retry_after, and keeps within the flood limits.
            # One request every 1/29 s rather than the default "30 per second": that bucket lets 30
            # go at once and 30 more within the same second, past Telegram's 30 a second, and each
            # 429 halts every request for a second (bench/broadcast: 24 messages/s, 29 with this).
            .rate_limiter(AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 29, max_retries=5))
        )
    else:
        # Another channel's bot comes with its own connection and defaults.
        builder = ApplicationBuilder().bot(bot)
    builder = (
        builder.context_types(ContextTypes(context=ChiboContext, bot_data=BotData))
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(functools.partial(_post_init, runtime=runtime))
        .post_shutdown(functools.partial(_post_shutdown, runtime=runtime))
    )
    app: ChiboApp = builder.build()
    app.bot_data.settings = settings
    app.bot_data.clock = clock
    app.bot_data.db = runtime.db
    app.bot_data.forms = runtime.forms
    app.bot_data.photos = runtime.photos
    app.bot_data.uploads = runtime.uploads
    app.bot_data.public_url = runtime.public_url
    if bot is None:
        runtime.channels[TELEGRAM] = TelegramChannel(app.bot, runtime.public_url)

    app.add_handler(TypeHandler(Update, common.before_every_update), GROUP_FIRST)
    app.add_handler(TypeHandler(Update, common.gate_unregistered), GROUP_GATE)
    start_handlers.register(app, GROUP_FEATURES)
    forms.register(app, GROUP_FEATURES)
    admin.register(app, GROUP_FEATURES)
    schedule.register(app, GROUP_FEATURES)
    calendar_handlers.register(app, GROUP_FEATURES)
    committee.register(app, GROUP_FEATURES)
    data_commands.register(app, GROUP_FEATURES)
    broadcast.register(app, GROUP_FEATURES)
    enterprises.register(app, GROUP_FEATURES)
    dashboard.register(app, GROUP_FEATURES)
    # After every command: typed answers, photos and other messages go to the open form.
    forms.register_answers(app, GROUP_FEATURES)
    # Last in its group: only what no feature above took reaches it.
    app.add_handler(MessageHandler(filters.ALL, common.unknown), GROUP_FEATURES)
    app.add_handler(CallbackQueryHandler(common.unknown), GROUP_FEATURES)
    app.add_error_handler(common.on_error)
    return app


def build_zalo_application(
    settings: Settings, *, clock: Clock = system_clock, runtime: Runtime | None = None
) -> ChiboApp:
    """Return the Application of chibo on Zalo: the same handlers, a bot that talks to Zalo."""
    if not settings.zalo_token:
        raise ValueError("build_zalo_application needs a Zalo bot token")
    runtime = runtime or Runtime(settings, clock)
    api = ZaloApi(settings.zalo_token, settings.zalo_api_url, rate=settings.zalo_rate)
    messenger = ZaloMessenger(
        api, runtime.db, settings, files=runtime.files, links=runtime.links, clock=clock
    )
    runtime.channels[ZALO] = ZaloChannel(messenger)
    bot = ZaloBot(messenger, defaults=Defaults(tzinfo=settings.timezone))
    app = build_application(settings, clock=clock, runtime=runtime, bot=bot)
    if runtime.uploads is not None:
        runtime.uploads.deliver = functools.partial(_deliver_upload, app)
    return app


async def _deliver_upload(app: ChiboApp, user: User, upload_id: int, name: str, size: int) -> None:
    """Hand a file sent through the upload page to the Zalo bot, as if sent in the admin's chat."""
    bot = app.bot
    assert isinstance(bot, ZaloBot)
    update = await bot.messenger.upload_update(user.external_id, user.display_name, upload_id, name, size)
    await app.update_queue.put(Update.de_json(update, bot))
    # The page says "received, see Zalo" once the dry run went out (a crash before: the page fails too).
    processor = app.update_processor
    if isinstance(processor, PerUserUpdateProcessor):
        with contextlib.suppress(TimeoutError):
            await processor.wait_processed(update["update_id"], within=UPLOAD_ANSWER_SECONDS)


def web_server(
    runtime: Runtime, apps: dict[str, ChiboApp], *, secret: str, webhooks: bool
) -> WebServer | None:
    """Return the web server of a process: the webhooks (when asked), the signed links, the upload
    page; None when it has nothing to serve (polling without CHIBO_PUBLIC_URL)."""
    if not webhooks and runtime.files is None:
        return None
    web = WebServer(
        secret=secret,
        files=runtime.files,
        photos=runtime.photo_links,
        upload=runtime.uploads if ZALO in apps else None,
        dashboard=dashboard_of(runtime),
    )
    if webhooks:
        web.telegram = apps.get(TELEGRAM)
        web.zalo = apps.get(ZALO)
    return web


def build_applications(settings: Settings, channels: Sequence[str], runtime: Runtime) -> dict[str, ChiboApp]:
    """Return one Application per channel ("telegram", "zalo"), all on the runtime's database."""
    apps: dict[str, ChiboApp] = {}
    for channel in channels:
        if channel == TELEGRAM:
            apps[channel] = build_application(settings, clock=runtime.clock, runtime=runtime)
        elif channel == ZALO:
            apps[channel] = build_zalo_application(settings, clock=runtime.clock, runtime=runtime)
        else:
            raise ValueError(f"unknown channel {channel!r}")
    return apps


async def serve(
    settings: Settings,
    channels: Sequence[str],
    *,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
    secret: str = "",
    stopping: asyncio.Event | None = None,
    replicator: Replicator | None = None,
) -> None:
    """Run the channels in one process until SIGINT or SIGTERM (or stopping is set).

    Long polling for each channel, or with webhook_url one web server on listen:port taking both
    channels' webhooks (/telegram, /zalo); it also serves Zalo's signed links, under CHIBO_PUBLIC_URL
    or else the webhook URL, so it runs in polling mode too when CHIBO_PUBLIC_URL is set.
    """
    stopping = stopping or asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stopping.set)
    base = webhook_url.rstrip("/") if webhook_url else None
    runtime = Runtime(settings, public_url=settings.public_url or base, replicator=replicator)
    apps = build_applications(settings, channels, runtime)
    web = web_server(runtime, apps, secret=secret, webhooks=base is not None)
    started: list[ChiboApp] = []
    try:
        for app in apps.values():
            await app.initialize()
            started.append(app)
            assert app.post_init is not None
            await app.post_init(app)
        if web is not None:
            await web.start(listen, port)
        for channel, app in apps.items():
            if base is None:
                assert app.updater is not None
                await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            elif channel == TELEGRAM:
                await app.bot.set_webhook(
                    base + TELEGRAM_PATH, secret_token=secret, allowed_updates=ALLOWED_UPDATES
                )
            else:
                assert isinstance(app.bot, ZaloBot)
                await app.bot.messenger.api.set_webhook(base + ZALO_PATH, secret)
            await app.start()
        await stopping.wait()
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
        if web is not None:
            await web.stop()
        # In build order: the first application runs the scheduler, which the others' bots serve.
        for app in started:
            try:
                await stop(app)
            except Exception:
                # One channel failing to stop must not keep the others (and the database) open.
                log.exception("stopping the %s application failed", getattr(app.bot, "channel", TELEGRAM))


def dashboard_of(runtime: Runtime, frame_ancestors: Sequence[str] | None = None) -> Dashboard | None:
    """Return the dashboard of a deployment with a public address, on its own read connection.

    Its own connection: a large subtree's page reads for a few hundred milliseconds (bench/scale),
    which must not hold up the bot's writes on the shared one; SQLite's WAL lets both go on at once.
    """
    if runtime.public_url is None:
        return None
    extra = {} if frame_ancestors is None else {"frame_ancestors": frame_ancestors}
    return Dashboard(
        Database(runtime.settings.db_path),
        runtime.settings,
        runtime.links,
        clock=runtime.clock,
        bot_username=lambda: runtime.usernames.get(TELEGRAM),
        **extra,
    )


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
