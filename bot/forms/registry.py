"""Every form chibo runs, by name: the cell's reports and the enterprise register's forms of
forms/definitions.py, and the admin's broadcast.

The composition root builds the one engine from it (bot/app.py) and handlers reach it as
context.forms; the scheduler takes the forms alone, for the titles of idle drafts.
"""

from __future__ import annotations

from bot.features.broadcast import BROADCAST
from bot.forms.definitions import FORMS, REGISTER_FORMS
from bot.forms.engine import Engine
from bot.forms.fields import Form

ALL_FORMS: dict[str, Form] = FORMS | REGISTER_FORMS | {BROADCAST.name: BROADCAST}


def build_engine() -> Engine:
    """Return the engine that runs every form."""
    return Engine(ALL_FORMS)
