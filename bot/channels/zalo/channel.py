"""The Zalo side of the Channel protocol: how reminders, digests and broadcasts reach Zalo users."""

from __future__ import annotations

from collections.abc import Awaitable

from bot.channels.zalo.api import TEXT_LIMIT, ZaloError, ZaloNetworkError
from bot.channels.zalo.messenger import ZaloMessenger
from bot.scheduling.channel import Blocked, Buttons, RetryLater
from bot.text import split_message

# Zalo's documentation names no error for a user who blocked the bot or left; these are guesses from
# the codes Telegram and HTTP use, and a message that fails otherwise is marked failed by the outbox.
GONE_CODES = {403, 404}
BUSY_CODES = {429, 500, 502, 503, 504}


class ZaloChannel:
    """Deliver outbox messages through a Zalo messenger."""

    name = "zalo"

    def __init__(self, messenger: ZaloMessenger) -> None:
        self.messenger = messenger

    def split(self, html: str) -> list[str]:
        """Cut a text at line ends into parts of at most 2000 characters (shorter once plain)."""
        return split_message(html, TEXT_LIMIT)

    async def send_text(self, external_id: str, html: str, buttons: Buttons | None) -> None:
        """Send one message, its buttons as a numbered list."""
        await self._call(self.messenger.send_text(external_id, html, buttons, aside=True))

    async def send_photo(self, external_id: str, png: bytes, caption: str | None) -> None:
        """Send a picture through a signed link (or say it is left out)."""
        await self._call(self.messenger.send_photo(external_id, png, caption, aside=True))

    async def _call(self, request: Awaitable[object]) -> None:
        try:
            await request
        except ZaloError as error:
            if error.error_code in GONE_CODES or "not found" in error.description.lower():
                raise Blocked(error.description) from error
            if error.error_code in BUSY_CODES:
                raise RetryLater(
                    30 if error.error_code == 429 else 5, f"{error.error_code} from Zalo"
                ) from error
            raise
        except ZaloNetworkError as error:
            raise RetryLater(5, f"network: {error}") from error
