"""The Telegram side of the Channel protocol: how the outbox sends through python-telegram-bot."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.scheduling.channel import Blocked, Buttons, RetryLater
from bot.text import split_message

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


class TelegramChannel:
    """Deliver outbox messages with a python-telegram-bot Bot (its rate limiter included)."""

    name = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def split(self, html: str) -> list[str]:
        """Cut a text at line ends into messages of at most 4096 characters."""
        return split_message(html)

    async def send_text(self, external_id: str, html: str, buttons: Buttons | None) -> None:
        """Send one HTML message with an inline keyboard."""
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons]
            )
            if buttons
            else None
        )
        await self._call(
            self.bot.send_message(
                int(external_id),
                html,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )

    async def send_photo(self, external_id: str, png: bytes, caption: str | None) -> None:
        """Send a PNG picture with an HTML caption."""
        await self._call(
            self.bot.send_photo(
                int(external_id),
                png,
                caption=caption[:CAPTION_LIMIT] if caption else None,
                parse_mode=ParseMode.HTML if caption else None,
            )
        )

    async def _call(self, request: object) -> None:
        try:
            await request  # type: ignore[misc]
        except Forbidden as exc:
            raise Blocked(str(exc)) from exc
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc.retry_after), "429 Too Many Requests") from exc
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                raise Blocked(str(exc)) from exc
            raise
        except (TimedOut, NetworkError) as exc:
            raise RetryLater(5, f"network: {exc}") from exc
