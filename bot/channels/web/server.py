"""The web server of a deployment with Zalo: Zalo's webhook, Telegram's beside it, and the signed links.

One aiohttp server on one port (behind the same HTTPS proxy):

    POST /zalo                 Zalo's updates; the X-Bot-Api-Secret-Token header must hold the secret
    POST /telegram             Telegram's updates (when Telegram runs behind a webhook in this process);
                               the X-Telegram-Bot-Api-Secret-Token header must hold the secret
    GET  /zalo/files/{id}/{name}?exp=&sig=   a picture or an export behind a short-lived signed link
    GET  /photos/{id}?exp=&sig=              a kept photo of an activity (bot/channels/web/photos.py)
    GET/POST /zalo/upload/{user}?exp=&sig=   the upload page of /import on Zalo (bot/channels/web/upload.py)
    GET  /dashboard...         the dashboard (dashboard.py): the Telegram Mini App and Zalo's links

A request without the right secret gets 403 and nothing else happens. An update is put on its
application's queue and answered 200 at once, as python-telegram-bot's own webhook server does; a
repeated delivery is dropped later by the processed-updates table.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import quote

from aiohttp import web
from telegram import Update

from bot.channels.web.dashboard import Dashboard
from bot.channels.web.photos import PATH as PHOTO_PATH
from bot.channels.web.photos import PhotoLinks
from bot.channels.web.signed import PATH, SignedFiles
from bot.channels.web.upload import UploadPage
from bot.channels.zalo.api import SECRET_HEADER, webhook_update
from bot.channels.zalo.bot import ZaloBot
from bot.context import ChiboApp

log = logging.getLogger(__name__)

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ZALO_PATH = "/zalo"
TELEGRAM_PATH = "/telegram"


def _same(given: str | None, secret: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


class WebServer:
    """Serves the webhooks of the applications given to it and the signed links."""

    def __init__(
        self,
        *,
        secret: str,
        files: SignedFiles | None = None,
        photos: PhotoLinks | None = None,
        upload: UploadPage | None = None,
        dashboard: Dashboard | None = None,
    ) -> None:
        self.secret = secret
        self.files = files
        self.photos = photos
        self.upload = upload
        self.dashboard = dashboard
        self.zalo: ChiboApp | None = None
        self.telegram: ChiboApp | None = None
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        """Return the aiohttp application with the routes in use."""
        app = web.Application()
        if self.zalo is not None:
            app.router.add_post(ZALO_PATH, self._zalo_update)
        if self.telegram is not None:
            app.router.add_post(TELEGRAM_PATH, self._telegram_update)
        if self.files is not None:
            app.router.add_get(PATH + "/{file_id}/{name}", self._file)
        if self.photos is not None:
            app.router.add_get(PHOTO_PATH + "/{photo_id}", self.photos.serve)
        if self.upload is not None:
            self.upload.routes(app)
        if self.dashboard is not None:
            app.router.add_routes(self.dashboard.routes())
        return app

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port."""
        if self.dashboard is not None:
            await self.dashboard.db.open()
        self._runner = web.AppRunner(self.application(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        log.info("web server listening on %s:%s", host, port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self.dashboard is not None:
            await self.dashboard.db.close()

    async def _json(self, request: web.Request) -> Any:
        try:
            return await request.json()
        except (ValueError, UnicodeDecodeError):
            raise web.HTTPBadRequest(text="not JSON") from None

    async def _zalo_update(self, request: web.Request) -> web.Response:
        if not _same(request.headers.get(SECRET_HEADER), self.secret):
            raise web.HTTPForbidden()
        update = webhook_update(await self._json(request))
        assert self.zalo is not None
        bot = self.zalo.bot
        assert isinstance(bot, ZaloBot)
        translated = await bot.messenger.translate(update) if update is not None else None
        if translated is not None:
            await self.zalo.update_queue.put(Update.de_json(translated, bot))
        return web.json_response({"ok": True})

    async def _telegram_update(self, request: web.Request) -> web.Response:
        if not _same(request.headers.get(TELEGRAM_SECRET_HEADER), self.secret):
            raise web.HTTPForbidden()
        body = await self._json(request)
        assert self.telegram is not None
        if isinstance(body, dict) and "update_id" in body:
            await self.telegram.update_queue.put(Update.de_json(body, self.telegram.bot))
        return web.Response()

    async def _file(self, request: web.Request) -> web.Response:
        assert self.files is not None
        shared = self.files.get(
            request.match_info["file_id"], request.query.get("exp", ""), request.query.get("sig", "")
        )
        if shared is None:
            raise web.HTTPNotFound()
        disposition = "inline" if shared.content_type.startswith("image/") else "attachment"
        return web.Response(
            body=shared.data,
            content_type=shared.content_type,
            headers={
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(shared.name)}",
                "Cache-Control": "private, no-store",
            },
        )
