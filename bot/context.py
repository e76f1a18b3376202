"""Typed context: handlers read context.db, context.settings, context.actor, never bot_data keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.channels.web.upload import UploadPage
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.features.access import Actor
from bot.features.photos import PhotoKeeper
from bot.forms.engine import Engine
from bot.i18n import Translator, translator
from bot.scheduling.scheduler import Scheduler
from storage.database import Database


class BotData:
    """What the whole application shares, set once by build_application."""

    def __init__(self) -> None:
        self.db: Database | None = None
        self.settings: Settings | None = None
        self.clock: Clock = system_clock
        self.bot_username: str = ""
        self.scheduler: Scheduler | None = None
        self.forms: Engine | None = None
        self.photos: PhotoKeeper | None = None
        self.uploads: UploadPage | None = None  # the upload page of /import on Zalo (needs a public URL)
        self.public_url: str | None = None  # CHIBO_PUBLIC_URL (or the webhook's): the dashboard is there


class ChiboContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context of one update: shared services plus who is acting."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.actor: Actor | None = None
        # Some of the actor's messages could not be delivered and went out again once they wrote:
        # the bot's next answer asks them to write once a week (handlers/common.reply).
        self.ask_to_write: bool = False

    @property
    def db(self) -> Database:
        """Return the database."""
        db = self.bot_data.db
        if db is None:
            raise RuntimeError("the database is not open yet")
        return db

    @property
    def settings(self) -> Settings:
        """Return the settings."""
        settings = self.bot_data.settings
        assert settings is not None
        return settings

    @property
    def scheduler(self) -> Scheduler:
        """Return the scheduler (reminders, digests and the outbox)."""
        scheduler = self.bot_data.scheduler
        if scheduler is None:
            raise RuntimeError("the scheduler starts with the application")
        return scheduler

    @property
    def forms(self) -> Engine:
        """Return the form engine (built once by the composition root)."""
        forms = self.bot_data.forms
        if forms is None:
            raise RuntimeError("the form engine is built with the application")
        return forms

    @property
    def photos(self) -> PhotoKeeper:
        """Return the keeper of the photos of activities (built once by the composition root)."""
        photos = self.bot_data.photos
        if photos is None:
            raise RuntimeError("the photo keeper is built with the application")
        return photos

    def now(self) -> datetime:
        """Return the current moment (UTC, aware)."""
        return self.bot_data.clock()

    @property
    def t(self) -> Translator:
        """Return the translator of the acting user (the default locale before one is known)."""
        if self.actor is not None:
            return self.actor.t
        return translator(self.settings.locale)


# The application type every handler module registers on (the composition root builds it).
ChiboApp = Application[Any, ChiboContext, Any, Any, BotData, Any]
