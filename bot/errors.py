"""Errors a user caused and should read about, in their language."""

from __future__ import annotations

from markupsafe import Markup

from bot.i18n import Translator


class UserError(Exception):
    """A refusal to show the user: a catalog message (marked with N_) and its parameters."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def render(self, t: Translator) -> Markup:
        """Return the translated message, its parameters escaped for HTML."""
        return Markup(t(self.message)).format(**self.params)
