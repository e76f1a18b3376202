"""What scheduled work needs of a messaging channel: send a text with buttons, send a picture.

Telegram implements it in handlers/ (it imports python-telegram-bot); Zalo will implement it too.
The outbox knows only this protocol and the errors below.
"""

from __future__ import annotations

from typing import Protocol

Buttons = list[list[tuple[str, str]]]  # rows of (label, callback data)


class Blocked(Exception):
    """The recipient cannot be reached any more (blocked the bot, deleted the account)."""


class Undeliverable(Exception):
    """The channel would not deliver to this person now, though they may still use the bot.

    Zalo gives no promise that a bot may write to someone who has not written to it for a while. The
    message waits, with the person's others, until they write again (bot/scheduling/outbox.py).
    """


class RetryLater(Exception):
    """The channel is busy or unreachable now; try again after some seconds.

    personal: the trouble may be this recipient's, not the channel's (Zalo's 403): when the attempts
    run out, the message waits for the person to write again instead of being given up.
    """

    def __init__(self, seconds: float, reason: str, *, personal: bool = False) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.reason = reason
        self.personal = personal


class Channel(Protocol):
    """A way of delivering messages to people identified by an id on that channel."""

    name: str

    async def send_text(self, external_id: str, html: str, buttons: Buttons | None) -> None:
        """Send one message (within the channel's length limit) with optional buttons."""

    async def send_photo(self, external_id: str, png: bytes, caption: str | None) -> None:
        """Send a picture with an optional short caption."""

    def split(self, html: str) -> list[str]:
        """Cut a long text into the messages the channel accepts."""
