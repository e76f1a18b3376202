"""A small client of the Zalo Bot API: JSON posted to ``{api}/bot{token}/{method}``.

Zalo answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``
(the HTTP status may be 200 or the error's own; both are read). getUpdates long-polls and returns one
update, or error 408 when nothing came in time. See README.md beside this file for what is verified.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter

from bot.config import ZALO_API_URL

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000  # sendMessage text and sendPhoto caption: 1 to 2000 characters
POLL_TIMEOUT = 408  # getUpdates: nothing came within the timeout
SECRET_HEADER = "X-Bot-Api-Secret-Token"
CALL_TIMEOUT = 30.0  # seconds for any call but a long poll
# The calls that send something to a person go at the deployment's Zalo pace (CHIBO_ZALO_RATE).
SENDING = frozenset({"sendMessage", "sendPhoto", "sendSticker", "sendChatAction", "sendVoice"})


class ZaloError(Exception):
    """Zalo refused a call; error_code is Zalo's (an HTTP-like number)."""

    def __init__(self, error_code: int, description: str) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description


class ZaloNetworkError(Exception):
    """Zalo could not be reached, or its answer was not the Bot API's JSON."""


class ZaloApi:
    """Calls the Zalo Bot API of one bot; open() before the first call, close() at the end."""

    def __init__(self, token: str, api_url: str = ZALO_API_URL, *, rate: float | None = None) -> None:
        self.token = token
        self.api_url = api_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        # Zalo publishes no rate limit: sending calls are spaced evenly, 1/rate seconds apart (a
        # bucket of one, as for Telegram in bot/app.py: no burst past the pace). None: no pacing.
        self._pace = AsyncLimiter(1, 1 / rate) if rate else None

    async def open(self) -> None:
        """Create the HTTP session (idempotent)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, seconds: float = CALL_TIMEOUT
    ) -> Any:
        """Post a method's JSON parameters and return its result (True when Zalo sends none)."""
        await self.open()
        assert self._session is not None
        if self._pace is not None and method in SENDING:
            await self._pace.acquire()
        url = f"{self.api_url}/bot{self.token}/{method}"
        try:
            async with self._session.post(
                url, json=params or {}, timeout=aiohttp.ClientTimeout(total=seconds)
            ) as response:
                status = response.status
                raw = await response.read()
        except TimeoutError as exc:
            raise ZaloNetworkError(f"{method}: no answer from Zalo within {seconds:.0f} s") from exc
        except aiohttp.ClientError as exc:
            # The exception's text may hold the URL, and the URL holds the token: name the type only.
            raise ZaloNetworkError(f"{method}: {type(exc).__name__}") from None
        try:
            body = json.loads(raw)
        except ValueError:
            raise ZaloNetworkError(f"{method}: HTTP {status}, not JSON") from None
        if not isinstance(body, dict):
            raise ZaloNetworkError(f"{method}: HTTP {status}, unexpected JSON")
        if body.get("ok") is True and status < 400:
            return body.get("result", True)
        code = body.get("error_code")
        description = str(body.get("description") or f"HTTP {status}")
        raise ZaloError(code if isinstance(code, int) else status, description)

    async def get_update(self, poll_seconds: int) -> dict[str, Any] | None:
        """Long-poll for one update; None when none came within poll_seconds."""
        try:
            result = await self.call("getUpdates", {"timeout": str(poll_seconds)}, seconds=poll_seconds + 15)
        except ZaloError as error:
            if error.error_code == POLL_TIMEOUT:
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def get_me(self) -> dict[str, Any]:
        """Return the bot's account (id, account_name, ...)."""
        result = await self.call("getMe")
        if not isinstance(result, dict) or "id" not in result:
            raise ZaloNetworkError("getMe: unexpected answer")
        return result

    async def send_message(
        self, chat_id: str, text: str, text_styles: list[dict[str, object]] | None = None
    ) -> dict[str, Any]:
        """Send a text of 1 to 2000 characters (with its bold and italic runs); return {message_id, date}."""
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if text_styles:
            params["text_styles"] = text_styles
        result = await self.call("sendMessage", params)
        return result if isinstance(result, dict) else {}

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> dict[str, Any]:
        """Send the picture Zalo fetches from a URL, with an optional caption."""
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        result = await self.call("sendPhoto", params)
        return result if isinstance(result, dict) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing..." in a chat for a moment."""
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def set_webhook(self, url: str, secret_token: str) -> None:
        """Have Zalo post updates to url with the secret in the X-Bot-Api-Secret-Token header."""
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        """Go back to getUpdates."""
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        """Return {url, updated_at} of the webhook ("" when none)."""
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}


def webhook_update(body: object) -> dict[str, Any] | None:
    """Return the update a webhook request carries, wrapped in {"ok", "result"} or not."""
    if not isinstance(body, dict):
        return None
    if body.get("ok") is True and isinstance(body.get("result"), dict):
        body = body["result"]
    assert isinstance(body, dict)
    return body if isinstance(body.get("event_name"), str) else None
