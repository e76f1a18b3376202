"""Who is acting: the stored user, their effective role and the language to answer in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.i18n import Translator, translator
from storage.models import Role, User

TELEGRAM = "telegram"
ZALO = "zalo"


@dataclass(frozen=True)
class Actor:
    """The person behind one update."""

    channel: str
    external_id: str
    display_name: str
    user: User | None
    role: Role | None
    locale: str

    @property
    def registered(self) -> bool:
        """Tell whether the actor has a role (invited, or an admin by configuration)."""
        return self.role is not None

    @property
    def is_admin(self) -> bool:
        """Tell whether the actor is an admin."""
        return self.role is Role.ADMIN

    @property
    def t(self) -> Translator:
        """Return the actor's translator."""
        return translator(self.locale)


def is_configured_admin(settings: Settings, channel: str, external_id: str) -> bool:
    """Tell whether CHIBO_ADMINS (or CHIBO_ZALO_ADMINS, for Zalo) names this account."""
    if channel == ZALO:
        return external_id in settings.zalo_admins
    return channel == TELEGRAM and external_id.lstrip("-").isdecimal() and int(external_id) in settings.admins


def effective_role(settings: Settings, channel: str, external_id: str, user: User | None) -> Role | None:
    """Return the role the actor holds now: configured admins are admins whatever is stored."""
    if is_configured_admin(settings, channel, external_id):
        return Role.ADMIN
    if user is not None and user.registered:
        return user.role
    return None
