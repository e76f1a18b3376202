"""The upload page: how an admin on Zalo, which carries no files, sends the Excel file of /import.

/import on Zalo answers with a link to this page, signed when the answer is sent and valid for an
hour, bound to the admin who asked:

    GET  /zalo/upload/{user id}?exp=&sig=   a page with a file field (the admin's language)
    POST /zalo/upload/{user id}?exp=&sig=   the file: kept (storage/uploads.py), then handed to the
                                            bot as if the admin had sent it in the chat, so the
                                            importer's dry run and its confirmation happen in Zalo

The signing key is kept in the database, so a link outlives a restart. The page has no script, and a
strict Content-Security-Policy; an altered or expired link gets 403 and nothing else. Whoever holds a
link can send a file in the admin's name for that hour, but nothing is imported until the admin
confirms in their own Zalo chat.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import BodyPartReader, web
from markupsafe import Markup

from bot.channels.web.signed import Signer
from bot.clock import Clock
from bot.config import Settings
from bot.features import importer
from bot.features.access import ZALO, effective_role
from bot.i18n import N_, Translator, translator
from storage import updates as kv
from storage import uploads, users
from storage.database import Database
from storage.models import Role, User, parse_id

log = logging.getLogger(__name__)

PATH = "/zalo/upload"
UPLOAD_LINK_TTL = timedelta(hours=1)
KEY = "web:upload-key"
TITLE = N_("Send the Excel file for /import")
CHOOSE = N_(
    "Choose the Excel file (.xlsx) made from /template, then press Send. I check every row first and "
    "import nothing until you confirm in Zalo."
)
SEND = N_("Send")
RECEIVED = N_(
    "Received: {name}. Go back to Zalo: I sent you there what the file would change. Nothing is imported "
    "until you confirm it there."
)
EXPIRED = N_("This link has expired or is not valid. Send /import to the bot in Zalo again.")
NO_FILE = N_("Choose a file first.")
TOO_BIG = N_("The file is too big: at most {size} MB. Split it into several files.")

# Hands an uploaded file to the bot: the admin, the upload's id, the file's name and size.
Deliver = Callable[[User, int, str, int], Awaitable[None]]

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style nonce="{nonce}">
body {{ font: 17px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 34rem; padding: 1.2rem;
       color: #222; }}
h1 {{ font-size: 1.25rem; color: #9c1c1c; }}
.problem {{ background: #fdecea; border-left: 4px solid #9c1c1c; padding: .6rem .8rem; }}
input[type=file] {{ display: block; margin: 1rem 0; max-width: 100%; font-size: 1rem; padding: .5rem 0; }}
button {{ font-size: 1.05rem; padding: .6rem 1.4rem; background: #9c1c1c; color: #fff; border: 0;
         border-radius: .4rem; }}
</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""


class UploadPage:
    """Signs upload links and answers the page behind them."""

    def __init__(self, public_url: str, db: Database, settings: Settings, clock: Clock) -> None:
        self.public_url = public_url.rstrip("/")
        self.db = db
        self.settings = settings
        self.clock = clock
        self.deliver: Deliver | None = None  # set by the composition root once the Zalo bot is built
        self._signer: Signer | None = None

    async def signer(self) -> Signer:
        """Return the signer, its key read from the database (made and kept there the first time)."""
        if self._signer is None:
            key = await kv.kv_get(self.db, KEY)
            if key is None:
                key = secrets.token_hex(32)
                async with self.db.transaction() as tx:
                    await kv.kv_set(tx, KEY, key)
            self._signer = Signer(bytes.fromhex(key), clock=self.clock)
        return self._signer

    async def link(self, user_id: int) -> tuple[str, datetime]:
        """Return an admin's upload link, valid for an hour from now, and when it stops working."""
        signer = await self.signer()
        expires = signer.now() + int(UPLOAD_LINK_TTL.total_seconds())
        signature = signer.sign(f"upload:{user_id}", expires)
        until = self.clock() + UPLOAD_LINK_TTL
        return f"{self.public_url}{PATH}/{user_id}?exp={expires}&sig={signature}", until

    def routes(self, app: web.Application) -> None:
        """Add the page's routes."""
        app.router.add_get(PATH + "/{user_id}", self._page)
        app.router.add_post(PATH + "/{user_id}", self._upload)

    async def _admin(self, request: web.Request) -> User | None:
        """Return the admin a valid link names, or None (altered, expired, not an admin any more)."""
        user_id = parse_id(request.match_info["user_id"])
        expires, signature = request.query.get("exp", ""), request.query.get("sig", "")
        signer = await self.signer()
        if user_id is None or not signer.valid(f"upload:{user_id}", expires, signature):
            return None
        user = await users.get(self.db, user_id)
        if user is None or user.channel != ZALO:
            return None
        if effective_role(self.settings, user.channel, user.external_id, user) is not Role.ADMIN:
            return None
        return user

    def _t(self, user: User | None) -> Translator:
        return translator(user.language if user and user.language else self.settings.locale)

    def _answer(self, t: Translator, body: Markup, *, status: int = 200) -> web.Response:
        nonce = secrets.token_urlsafe(16)
        page = Markup(_PAGE).format(lang=t.locale, title=t(TITLE), nonce=nonce, body=body)
        return web.Response(
            text=str(page),
            status=status,
            content_type="text/html",
            headers={
                "Content-Security-Policy": (
                    f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; "
                    "base-uri 'none'; frame-ancestors 'none'"
                ),
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            },
        )

    def _form(self, t: Translator, problem: str | None = None) -> Markup:
        shown = Markup('<p class="problem">{}</p>').format(Markup(problem)) if problem else Markup("")
        return shown + Markup(
            '<p>{choose}</p><form method="post" enctype="multipart/form-data">'
            '<input type="file" name="file" accept=".xlsx" required>'
            '<button type="submit">{send}</button></form>'
        ).format(choose=t(CHOOSE), send=t(SEND))

    async def _page(self, request: web.Request) -> web.Response:
        user = await self._admin(request)
        t = self._t(user)
        if user is None:
            return self._answer(t, Markup('<p class="problem">{}</p>').format(t(EXPIRED)), status=403)
        return self._answer(t, self._form(t))

    async def _upload(self, request: web.Request) -> web.Response:
        user = await self._admin(request)
        t = self._t(user)
        if user is None:
            return self._answer(t, Markup('<p class="problem">{}</p>').format(t(EXPIRED)), status=403)
        too_big = Markup(t(TOO_BIG)).format(size=importer.MAX_BYTES // 2**20)
        try:
            reader = await request.multipart()
            part = await reader.next()
        except (ValueError, AssertionError):
            part = None
        if not isinstance(part, BodyPartReader) or part.name != "file" or not part.filename:
            return self._answer(t, self._form(t, t(NO_FILE)), status=400)
        name = part.filename
        if not name.lower().endswith(".xlsx"):
            return self._answer(t, self._form(t, t(importer.NOT_XLSX)), status=400)
        data = bytearray()
        while chunk := await part.read_chunk(64 * 1024):
            data += chunk
            if len(data) > importer.MAX_BYTES:
                return self._answer(t, self._form(t, too_big), status=413)
        if not data:
            return self._answer(t, self._form(t, t(NO_FILE)), status=400)
        async with self.db.transaction() as tx:
            upload_id = await uploads.add(tx, user.id, name, bytes(data), self.clock())
        log.info("user %s uploaded a file for /import (%s bytes)", user.id, len(data))
        assert self.deliver is not None, "the upload page runs only beside the Zalo bot"
        await self.deliver(user, upload_id, name, len(data))
        return self._answer(t, Markup("<p>{}</p>").format(Markup(t(RECEIVED)).format(name=name)))
