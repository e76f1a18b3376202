"""What scheduled work needs of a messaging channel: send a text with buttons, send a picture.

Telegram implements it in bot/channels/telegram.py, Zalo in bot/channels/zalo/channel.py.
The outbox knows only this protocol and the errors below.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple, Protocol


class ButtonKind(StrEnum):
    """What pressing a button does (the Bot API's InlineKeyboardButton kinds chibo uses)."""

    CALLBACK = "callback"  # a callback query with the button's data
    URL = "url"  # opens a web address
    WEB_APP = "web_app"  # opens a page of chibo's own web server (a Telegram Mini App)


class Button(NamedTuple):
    """One button: its label, and its callback data, web address, or the path of a web app page.

    A web app button holds only the path of the page under CHIBO_PUBLIC_URL ("/dashboard"): each
    channel makes the link when it delivers the message (Telegram a Mini App, Zalo a link signed
    for its recipient then), so a message held through the quiet hours does not go out expired.
    """

    label: str
    data: str
    kind: ButtonKind = ButtonKind.CALLBACK


# Rows of buttons; a plain (label, callback data) pair is a callback button, and a stored
# (label, data, kind) triple the button of that kind.
Buttons = Sequence[Sequence[Button | tuple[str, str] | tuple[str, str, str]]]


def button(value: Button | tuple[str, str] | tuple[str, str, str]) -> Button:
    """Return a button given as a Button, a (label, callback data) pair or a stored triple."""
    if isinstance(value, Button):
        return value
    if len(value) == 3:
        return Button(value[0], value[1], ButtonKind(value[2]))
    return Button(value[0], value[1])


def rows(buttons: Buttons | None) -> list[list[Button]]:
    """Return the rows of a keyboard as Buttons."""
    return [[button(b) for b in row] for row in buttons or []]


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
