"""Kept photos behind short-lived signed links: how the dashboard (and any page) shows an activity's
photo later, from the photo folder, without the folder ever being served as such.

    GET /photos/{id}?exp={unix time}&sig={hmac}

The signature binds the photo's id to the link's expiry with a key made at start; an altered or
expired link, or a photo deleted since (retention), gets 404 and nothing else.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.channels.web.signed import Signer
from bot.clock import Clock, system_clock
from bot.features.photos import PhotoKeeper
from storage.models import parse_id

PATH = "/photos"
PHOTO_LINK_TTL = timedelta(hours=1)


class PhotoLinks:
    """Signed links to kept photos, and the handler that serves them."""

    def __init__(
        self,
        public_url: str,
        keeper: PhotoKeeper,
        *,
        ttl: timedelta = PHOTO_LINK_TTL,
        clock: Clock = system_clock,
    ) -> None:
        self.public_url = public_url.rstrip("/")
        self.keeper = keeper
        self.ttl = ttl
        self._signer = Signer(clock=clock)

    def link(self, photo_id: int) -> str:
        """Return a link to a kept photo that works for the link's lifetime."""
        expires = self._signer.now() + int(self.ttl.total_seconds())
        signature = self._signer.sign(f"photo:{photo_id}", expires)
        return f"{self.public_url}{PATH}/{photo_id}?exp={expires}&sig={signature}"

    async def serve(self, request: web.Request) -> web.Response:
        """Answer a link: the photo's bytes, or 404."""
        photo_id = parse_id(request.match_info["photo_id"])
        expires, signature = request.query.get("exp", ""), request.query.get("sig", "")
        if photo_id is None or not self._signer.valid(f"photo:{photo_id}", expires, signature):
            raise web.HTTPNotFound()
        kept = await self.keeper.read(photo_id)
        if kept is None:
            raise web.HTTPNotFound()
        data, content_type = kept
        return web.Response(
            body=data,
            content_type=content_type,
            headers={
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'",
            },
        )
