"""The Zalo side of the bot: what comes in is read with the chat's list in mind, what goes out is
plain text with its bold and italic runs and its buttons as a numbered list, split at 2000 characters.

One messenger per Zalo bot, shared by the handlers' bot (bot/channels/zalo/bot.py) and the outbox's channel
(bot/channels/zalo/channel.py), so the list a reminder shows is the list a typed "1" answers.

Which list a typed text answers: the one under the bot's last message in that chat. A reply to the
user replaces it (or removes it, when the reply has no buttons); removing a message's buttons, as a
handler does after a press, removes its list too. A message aside (a reminder or digest from the
outbox, the short answer to a press) does not take away the list of the conversation going on, and
never puts its own over an open form: a number typed as an answer is not a press of a reminder's button.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from bot.channels.web.signed import DashboardLinks, SignedFiles
from bot.channels.zalo import updates
from bot.channels.zalo.api import TEXT_LIMIT, ZaloApi, ZaloError
from bot.channels.zalo.menus import Menu, build
from bot.channels.zalo.text import Styled, html_to_styled, html_to_text, split, split_styled
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.features.access import ZALO
from bot.i18n import N_, Translator, translator
from bot.scheduling.channel import Button, ButtonKind, Buttons, rows
from storage import drafts, users
from storage import updates as kv
from storage import zalo as store
from storage.database import Database

log = logging.getLogger(__name__)

NO_PICTURE = N_(
    "(A picture belongs here, but Zalo takes pictures only from a web address and this bot has none. "
    "The committee's office can set one up.)"
)
FILE_LINK = N_("📎 {name}: {link}\nThe link works until {time}. Do not forward it.")
NO_FILE = N_(
    "📎 {name} cannot be sent on Zalo: Zalo takes no files, and this bot has no web address for a link. "
    "Ask the committee's office for it."
)
DASHBOARD_LINK = N_("{label}: {link}\nThe link works until {time}, for you alone: do not forward it.")
_NO_MENU = object()  # cached: the chat has no list
# Zalo refused sendMessage's text_styles once (the value: when and what it said): plain text from then
# on, for this deployment. The refusal is tried again after a month, in case Zalo changed.
FORMATTING_REFUSED = "zalo:formatting-refused"
FORMATTING_RETRY = timedelta(days=30)


@dataclass(frozen=True)
class Sent:
    """What the bot sent, as the handlers know it."""

    message_id: int
    date: int  # unix time
    text: str


class ZaloMessenger:
    """Sends to and reads from the chats of one Zalo bot."""

    def __init__(
        self,
        api: ZaloApi,
        db: Database,
        settings: Settings,
        *,
        files: SignedFiles | None = None,
        links: DashboardLinks | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.api = api
        self.db = db
        self.settings = settings
        self.files = files
        self.links = links
        self.clock = clock
        self._numbers: dict[str, int] = {}
        self._zalo_ids: dict[int, str] = {}
        self._menus: dict[str, tuple[int, Menu] | object] = {}
        self._presses: OrderedDict[str, str] = OrderedDict()  # callback query id -> chat
        self._formatting: bool | None = None  # styled texts allowed (None: not read from storage yet)

    # ----- ids ---------------------------------------------------------------------------------

    async def number_of(self, zalo_id: str) -> int:
        """Return the integer the handlers see for a Zalo chat or account id."""
        number = self._numbers.get(zalo_id)
        if number is None:
            number = await store.number_of(self.db, zalo_id)
            self._numbers[zalo_id] = number
            self._zalo_ids[number] = zalo_id
        return number

    async def zalo_id_of(self, number: int) -> str:
        """Return the Zalo id an integer of the handlers stands for."""
        zalo_id = self._zalo_ids.get(number)
        if zalo_id is None:
            zalo_id = await store.zalo_id_of(self.db, number)
            if zalo_id is None:
                raise LookupError(f"no Zalo chat has the number {number}")
            self._zalo_ids[number] = zalo_id
            self._numbers[zalo_id] = number
        return zalo_id

    def chat_of_press(self, callback_query_id: str) -> str | None:
        """Return the chat where a typed answer pressed a button."""
        return self._presses.get(callback_query_id)

    # ----- lists -------------------------------------------------------------------------------

    async def menu(self, chat: str) -> tuple[int, Menu] | None:
        """Return the message id and the list typed answers in a chat refer to."""
        cached = self._menus.get(chat)
        if cached is None:
            stored = await store.menu_of(self.db, chat)
            cached = (stored[0], Menu.from_json(stored[1])) if stored else _NO_MENU
            self._menus[chat] = cached
        return None if cached is _NO_MENU else cached  # type: ignore[return-value]

    async def _set_menu(self, chat: str, message_id: int, menu: Menu | None) -> None:
        if menu is None or not menu.pressable:
            # Nothing typed can press these buttons (the engine reads a form's answers itself).
            await self.forget_menu(chat)
            return
        self._menus[chat] = (message_id, menu)
        await store.set_menu(self.db, chat, message_id, menu.to_json(), self.clock())

    async def forget_menu(self, chat: str, message_id: int | None = None) -> None:
        """Stop reading typed text as presses of a chat's list (of one message, when given)."""
        current = await self.menu(chat)
        if current is None or (message_id is not None and current[0] != message_id):
            return
        self._menus[chat] = _NO_MENU
        await store.clear_menu(self.db, chat)

    # ----- in ----------------------------------------------------------------------------------

    async def translate(self, update: object) -> dict[str, Any] | None:
        """Return the Bot API update of a Zalo update, or None when it carries nothing for us."""
        incoming = updates.read(update)
        if incoming is None:
            log.info("Zalo update without a message we read: %s", _shape(update))
            return None
        chat = await self.number_of(incoming.chat_id)
        user = await self.number_of(incoming.user_id)
        now_s = int(self.clock().timestamp())
        if incoming.event == updates.TEXT and incoming.text and not incoming.group:
            current = await self.menu(incoming.chat_id)
            entry = current[1].press(incoming.text) if current is not None else None
            if current is not None and entry is not None:
                self._presses[incoming.message_id] = incoming.chat_id
                while len(self._presses) > 1000:
                    self._presses.popitem(last=False)
                return updates.press(
                    incoming, chat=chat, user=user, message_id=current[0], data=entry.data, now_s=now_s
                )
        return updates.message(incoming, chat=chat, user=user, now_s=now_s)

    async def upload_update(
        self, zalo_id: str, name: str, upload_id: int, file_name: str, size: int
    ) -> dict[str, Any]:
        """Return the Bot API update of a file someone sent through the upload page, as if they had
        sent it in their chat (Zalo carries no files): the document's file id names the upload."""
        chat = await self.number_of(zalo_id)
        number = updates.number_of_message(f"upload:{upload_id}")
        person = {"id": chat, "is_bot": False, "first_name": name}
        return {
            "update_id": number,
            "message": {
                "message_id": number,
                "date": int(self.clock().timestamp()),
                "chat": {"id": chat, "type": "private", "first_name": name},
                "from": person,
                "document": {
                    "file_id": f"upload:{upload_id}",
                    "file_unique_id": f"upload-{upload_id}",
                    "file_name": file_name,
                    "file_size": size,
                    "mime_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                },
            },
        }

    # ----- out ---------------------------------------------------------------------------------

    async def translator_of(self, chat: str) -> Translator:
        """Return the translator of the person in a chat (the deployment's language if unknown)."""
        user = await users.by_external(self.db, ZALO, chat)
        return translator(user.language if user and user.language else self.settings.locale)

    async def _form_open(self, chat: str) -> bool:
        user = await users.by_external(self.db, ZALO, chat)
        return user is not None and await drafts.open_for(self.db, user.id) is not None

    async def send_text(
        self,
        chat: str,
        text: str,
        buttons: Buttons | None = None,
        *,
        html: bool = True,
        aside: bool = False,
    ) -> Sent:
        """Send a message with its buttons as a list, in as many parts as 2000 characters need.

        Buttons that open a page become lines with its address; the dashboard's is a link signed now,
        for the person of this chat (bot/channels/web/signed.py).
        """
        body = html_to_styled(text) if html else Styled(text)
        keyboard = rows(buttons)
        pressed = [[(b.label, b.data) for b in row if b.kind is ButtonKind.CALLBACK] for row in keyboard]
        opened = [b for row in keyboard for b in row if b.kind is not ButtonKind.CALLBACK]
        menu = build([row for row in pressed if row]) if any(pressed) else None
        if opened:
            lines = [await self._link_line(chat, b) for b in opened]
            shown = "\n\n".join(line for line in lines if line)
            if shown:
                body = body + Styled(f"\n\n{shown}") if body.text.strip() else Styled(shown)
        held = aside and menu is not None and await self._form_open(chat)
        if menu is not None:
            t = await self.translator_of(chat)
            # Over an open form a reminder's buttons are only named: typed numbers stay answers.
            listed = "\n".join(f"• {e.label}" for e in menu.entries) if held else menu.text(t)
            body = body + Styled(f"\n\n{listed}") if body.text.strip() else Styled(listed)
        sent = await self._send(chat, body)
        # A reply replaces the list; a scheduled message only adds one (when no form is open).
        if not aside or (menu is not None and not held):
            await self._set_menu(chat, sent.message_id, menu)
        return sent

    async def _link_line(self, chat: str, button: Button) -> str:
        """Return the line showing a button that opens a page: its label and address."""
        if button.kind is ButtonKind.URL:
            return f"{button.label}: {button.data}"
        t = await self.translator_of(chat)
        user = await users.by_external(self.db, ZALO, chat)
        if user is None or not user.registered or self.links is None:
            return ""  # no access to it, or no web address to serve it from
        query = button.data.partition("?")[2]
        link = self.links.link(user.id, f"?{query}" if query else "")
        until = t.datetime(self.links.expiry().astimezone(self.settings.timezone))
        return t(DASHBOARD_LINK).format(label=button.label, link=link, time=until)

    async def _send(self, chat: str, body: Styled) -> Sent:
        result: dict[str, Any] = {}
        for part in split_styled(body):
            if part.text.strip():
                result = await self._send_part(chat, part)
        return self._sent(result, body.text)

    async def _send_part(self, chat: str, part: Styled) -> dict[str, Any]:
        """Send one part with its bold and italics; if Zalo refuses them, plain once, and remember."""
        styles = part.text_styles() if part.runs and await self.formatting() else []
        if not styles:
            return await self.api.send_message(chat, part.text)
        try:
            return await self.api.send_message(chat, part.text, styles)
        except ZaloError as refused:
            if refused.error_code != 400:
                raise
            result = await self.api.send_message(chat, part.text)
            # The plain text went through: it was the styles Zalo refused.
            await self._formatting_refused(refused.description)
            return result

    async def formatting(self) -> bool:
        """Tell whether texts go with their bold and italics (the setting, and no refusal remembered)."""
        if self._formatting is None:
            allowed = self.settings.zalo_formatting
            raw = await kv.kv_get(self.db, FORMATTING_REFUSED)
            if allowed and raw is not None:
                refused_at = datetime.fromisoformat(json.loads(raw)["at"])
                allowed = self.clock() - refused_at >= FORMATTING_RETRY
            self._formatting = allowed
        return self._formatting

    async def _formatting_refused(self, description: str) -> None:
        log.warning("Zalo refused bold and italics (%s): texts go plain from now on", description[:200])
        self._formatting = False
        value = json.dumps({"at": self.clock().isoformat(), "description": description[:500]})
        async with self.db.transaction() as tx:
            await kv.kv_set(tx, FORMATTING_REFUSED, value)

    def _sent(self, result: dict[str, Any], text: str) -> Sent:
        message_id = str(result.get("message_id") or f"local:{self.clock().timestamp()}:{len(text)}")
        date = result.get("date")
        return Sent(
            updates.number_of_message(message_id),
            date // 1000 if isinstance(date, int) and date > 0 else int(self.clock().timestamp()),
            text,
        )

    async def send_photo(
        self, chat: str, data: bytes | str, caption: str | None, *, html: bool = True, aside: bool = False
    ) -> Sent:
        """Send a picture (bytes, or a web address Zalo can fetch) through a link, or say it is left out."""
        plain = (html_to_text(caption) if html else caption) if caption else ""
        if isinstance(data, bytes) and self.files is None:
            t = await self.translator_of(chat)
            note = t(NO_PICTURE)
            return await self.send_text(chat, f"{plain}\n{note}" if plain else note, html=False, aside=aside)
        url = data if isinstance(data, str) else self.files.put(data, "chart.png", "image/png")  # type: ignore[union-attr]
        parts = split(plain) if plain else [""]
        result = await self.api.send_photo(chat, url, parts[0][:TEXT_LIMIT] or None)
        sent = self._sent(result, plain)
        for rest in parts[1:]:
            await self.api.send_message(chat, rest)
        if not aside:
            await self.forget_menu(chat)
        return sent

    async def send_document(
        self, chat: str, data: bytes, name: str, content_type: str, caption: str | None, *, html: bool = True
    ) -> Sent:
        """Send a link to a file (Zalo takes none), or say it cannot be sent."""
        t = await self.translator_of(chat)
        plain = (html_to_text(caption) if html else caption) if caption else ""
        if self.files is None:
            note = Markup(t(NO_FILE)).format(name=name)
        else:
            link = self.files.put(data, name, content_type)
            until = t.datetime(self.files.expiry().astimezone(self.settings.timezone))
            note = Markup(t(FILE_LINK)).format(name=name, link=link, time=until)
        # The note is catalog text with the values escaped: read back as plain text.
        text = html_to_text(str(note))
        return await self.send_text(chat, f"{plain}\n\n{text}" if plain else text, html=False)

    async def typing(self, chat: str) -> None:
        """Show "typing..." (the only chat action Zalo has)."""
        await self.api.send_chat_action(chat, "typing")


def _shape(update: object) -> str:
    """Describe an update without its content (names and texts are personal data)."""
    if not isinstance(update, dict):
        return type(update).__name__
    message = update.get("message")
    keys = sorted(message) if isinstance(message, dict) else []
    return f"event={update.get('event_name')!r} message keys={keys}"
