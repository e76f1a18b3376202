"""The Telegram side of the Channel protocol: how the outbox sends through python-telegram-bot."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, WebAppInfo
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.scheduling.channel import Blocked, Button, ButtonKind, Buttons, RetryLater, rows
from bot.text import split_message

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


class TelegramChannel:
    """Deliver outbox messages with a python-telegram-bot Bot (its rate limiter included)."""

    name = "telegram"

    def __init__(self, bot: Bot, public_url: str | None = None) -> None:
        self.bot = bot
        self.public_url = public_url.rstrip("/") if public_url else None

    def split(self, html: str) -> list[str]:
        """Cut a text at line ends into messages of at most 4096 characters."""
        return split_message(html)

    async def send_text(self, external_id: str, html: str, buttons: Buttons | None) -> None:
        """Send one HTML message with an inline keyboard."""
        keyboard = [[b for b in (self.inline_button(b) for b in row) if b] for row in rows(buttons)]
        keyboard = [row for row in keyboard if row]
        markup = InlineKeyboardMarkup(keyboard) if keyboard else None
        await self._call(
            self.bot.send_message(
                int(external_id),
                html,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )

    def inline_button(self, button: Button) -> InlineKeyboardButton | None:
        """Return the Telegram button of a button; a web app's needs CHIBO_PUBLIC_URL (else none)."""
        if button.kind is ButtonKind.URL:
            return InlineKeyboardButton(button.label, url=button.data)
        if button.kind is ButtonKind.WEB_APP:
            if self.public_url is None:
                return None
            return InlineKeyboardButton(button.label, web_app=WebAppInfo(self.public_url + button.data))
        return InlineKeyboardButton(button.label, callback_data=button.data)

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
