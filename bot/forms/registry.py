"""Every form chibo runs, by name: the cell's reports and the enterprise register's forms of
forms/definitions.py, the admin's broadcast and the committee's return for revision.

The composition root builds the one engine from it (bot/app.py) and handlers reach it as
context.forms; the scheduler takes the forms alone, for the titles of idle drafts.
"""

from __future__ import annotations

from bot.features import review
from bot.features.broadcast import BROADCAST
from bot.forms.definitions import FORMS, REGISTER_FORMS
from bot.forms.engine import Engine
from bot.forms.fields import Form

ALL_FORMS: dict[str, Form] = (
    FORMS | REGISTER_FORMS | {BROADCAST.name: BROADCAST, review.RETURN.name: review.RETURN}
)


def build_engine() -> Engine:
    """Return the engine that runs every form; a correction saved closes the record's return."""
    return Engine(ALL_FORMS, after_save=[review.record_corrected])
