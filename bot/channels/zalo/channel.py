"""The Zalo side of the Channel protocol: how reminders, digests and broadcasts reach Zalo users.

Zalo's errors as its documentation names them (error-code page; README.md beside this file says what
is verified): 400 bad request, 401 a wrong or expired token, 403 "internal server error", 404 "not
found" (an invalid request), 408 timeout, 429 quota exceeded. None is documented as "this person
cannot be messaged", so chibo reads a 404, or a 400 that names the recipient, as that (the message
waits for them to write again) and a 403 as Zalo's own trouble that may be the recipient's: retried,
then held like the others when it persists.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable

from bot.channels.zalo.api import TEXT_LIMIT, ZaloError, ZaloNetworkError
from bot.channels.zalo.messenger import ZaloMessenger
from bot.scheduling.channel import Buttons, RetryLater, Undeliverable
from bot.text import split_message

log = logging.getLogger(__name__)

QUOTA_WAIT = 60.0  # seconds after a 429: Zalo documents no retry_after
# A bad request that names its recipient ("chat not found", "invalid user"...) is about the person.
_ABOUT_RECIPIENT = re.compile(r"(chat|user|recipient|người nhận|cuộc trò chuyện)", re.IGNORECASE)
_NOT_THERE = re.compile(r"(not found|invalid|không tồn tại|không hợp lệ)", re.IGNORECASE)


def about_recipient(error: ZaloError) -> bool:
    """Tell whether Zalo refused a send because of its recipient (assumed: see the module's note)."""
    if error.error_code == 404:
        return True
    described = error.description
    return error.error_code == 400 and bool(
        _ABOUT_RECIPIENT.search(described) and _NOT_THERE.search(described)
    )


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
            code, text = error.error_code, error.description
            if about_recipient(error):
                raise Undeliverable(f"{code} from Zalo: {text}") from error
            if code == 429:
                raise RetryLater(QUOTA_WAIT, f"429 from Zalo: {text}") from error
            if code == 403:
                raise RetryLater(30, f"403 from Zalo: {text}", personal=True) from error
            if code == 401:
                log.error("Zalo refused the bot's token (401): check ZALO_BOT_TOKEN")
                raise RetryLater(300, f"401 from Zalo: {text}") from error
            if code == 408 or code >= 500:
                raise RetryLater(5, f"{code} from Zalo: {text}") from error
            raise
        except ZaloNetworkError as error:
            raise RetryLater(5, f"network: {error}") from error
