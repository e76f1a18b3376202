"""Mini Apps as Telegram opens them: the launch URL with a signed initData in its fragment.

When someone presses a web_app button (or a chat's menu button of type web_app), Telegram opens the
button's URL with launch parameters in the fragment, `#tgWebAppData=<initData>&tgWebAppVersion=...`,
where initData is a query string (query_id, user as JSON, auth_date, ...) signed with the bot's token:
`hash` is the hex HMAC-SHA256 of the data-check-string (every field but hash, sorted, as key=value
lines) keyed with HMAC-SHA256("WebAppData", token) (core.telegram.org/bots/webapps, "Validating
data received via the Mini App"). Written here apart from chibo's own check (bot/channels/web/
initdata.py), so that a mistake in either fails the tests rather than cancelling out.

Telegram requires an HTTPS URL for a Mini App; the emulator also accepts plain http on a loopback
address, where the sandbox and the tests serve the page.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Mapping
from urllib.parse import quote, urlencode, urlsplit

from bot.devtools.telegram_emulator.models import User

WEB_APP_VERSION = "9.1"
# Telegram's default light theme, as its apps pass it.
THEME = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#999999",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#efeff3",
}


def allowed_url(url: str) -> bool:
    """Tell whether Telegram (or, for http on loopback, the emulator) opens this URL as a Mini App."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def sign(fields: Mapping[str, str], token: str) -> str:
    """Return initData: the fields and their hash, as Telegram signs them with the bot's token."""
    key = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{name}={fields[name]}" for name in sorted(fields))
    digest = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest}, quote_via=quote)


def init_data(user: User, token: str, auth_date: int, *, chat_type: str = "sender") -> str:
    """Return the initData Telegram gives a Mini App opened by a user from their chat with the bot."""
    profile = {"id": user.id, "first_name": user.first_name}
    for key in ("last_name", "username", "language_code"):
        value = getattr(user, key)
        if value is not None:
            profile[key] = value
    profile["allows_write_to_pm"] = True
    fields = {
        "query_id": "AAH" + secrets.token_urlsafe(16),
        "user": json.dumps(profile, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(auth_date),
        "chat_type": chat_type,
        "chat_instance": str(secrets.randbelow(10**18)),
    }
    return sign(fields, token)


def launch_url(url: str, data: str, *, platform: str = "web") -> str:
    """Return the URL a Mini App is opened at: its own, with the launch parameters in the fragment."""
    launch = urlencode(
        {
            "tgWebAppData": data,
            "tgWebAppVersion": WEB_APP_VERSION,
            "tgWebAppPlatform": platform,
            "tgWebAppThemeParams": json.dumps(THEME, separators=(",", ":")),
        },
        quote_via=quote,
    )
    return f"{url.split('#', maxsplit=1)[0]}#{launch}"
