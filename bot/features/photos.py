"""Photos of activities kept on disk: Zalo hands the bot a photo as a link that expires.

When the deployment keeps photos (CHIBO_ZALO_KEEP_PHOTOS), the photo an activity form asks for is
downloaded the moment it arrives, and the activity refers to it as 'kept:<id>'. Only from Zalo's own
hosts (CHIBO_ZALO_MEDIA_HOSTS, https://*.zdn.vn by default): an address a webhook names is never
fetched otherwise, nor followed through a redirect. A photo is at most CHIBO_PHOTO_MAX_MB, all photos
together at most CHIBO_PHOTOS_MAX_MB; each must be a JPEG, PNG or WebP picture (Pillow reads it).
Files are written 0600 in a 0700 folder (CHIBO_PHOTO_DIR) and deleted after CHIBO_PHOTO_DAYS, when
their activity is deleted, or when no activity took them. Exports and the dashboard read them back.
A photo that cannot be kept is refused with a message saying why (the form asks again).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import ipaddress
import logging
import os
import re
import secrets
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from PIL import Image
from yarl import URL

from bot.clock import Clock
from bot.config import Settings
from bot.errors import UserError
from bot.i18n import N_
from storage import photos
from storage.database import Database

log = logging.getLogger(__name__)

FETCH_SECONDS = 30
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
NOT_FROM_ZALO = N_(
    "This photo did not come from Zalo's servers, so I do not keep it. Please send it again from Zalo, "
    "or /skip."
)
NOT_FETCHED = N_(
    "I could not fetch this photo from Zalo (its link may have expired). Please send it again, or /skip."
)
TOO_BIG = N_("This photo is too big to keep (at most {mb} MB). Please send a smaller one, or /skip.")
NOT_A_PICTURE = N_("This is not a picture I can keep (JPEG, PNG or WebP). Please send a photo, or /skip.")
STORAGE_FULL = N_(
    "The committee's photo storage is full, so I cannot keep this photo. Please /skip it and tell the "
    "committee's office."
)


class PhotoRefused(UserError):
    """A photo that cannot be kept; the message says why and what to do."""


_HOST = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")


def _host_of(url: str) -> str:
    """Return the host an address names, for the log (never the whole address: it may carry data)."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def zalo_url(url: str, hosts: tuple[str, ...]) -> URL | None:
    """Return the address parsed, when it is on one of Zalo's media hosts (https, the host or a
    subdomain of it); else None. Parsed once, by the parser aiohttp fetches with, so the host checked
    is the host fetched. Plain http is taken only from a loopback host (the local emulator)."""
    try:
        parsed = URL(url)
    except (ValueError, UnicodeError):
        return None
    host = (parsed.host or "").lower()
    if parsed.user or parsed.password or not _HOST.fullmatch(host):
        return None
    if not any(host == allowed or host.endswith("." + allowed) for allowed in hosts):
        return None
    if _loopback(host):
        return parsed if parsed.scheme in ("http", "https") else None
    return parsed if parsed.scheme == "https" and parsed.explicit_port in (None, 443) else None


def _picture(data: bytes) -> tuple[str, str]:
    """Return the content type and extension of a JPEG, PNG or WebP picture, or refuse the bytes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                image.verify()
    except Exception:
        raise PhotoRefused(NOT_A_PICTURE) from None
    if kind not in FORMATS:
        raise PhotoRefused(NOT_A_PICTURE)
    return FORMATS[kind]


def _write(folder: Path, name: str, data: bytes) -> None:
    """Write a file 0600 in a 0700 folder, whole or not at all."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    temporary = folder / f".{name}.part"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _remove_strays(folder: Path, known: set[str], before: float) -> None:
    """Delete files of the photo folder no row names (older than a moment, so none being written)."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_file() and path.name not in known and path.stat().st_mtime < before:
            path.unlink(missing_ok=True)


class PhotoKeeper:
    """Downloads, keeps, reads back and deletes the photos of activities."""

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.folder = settings.photo_folder
        self.max_bytes = settings.photo_max_mb * 2**20
        self.max_total = settings.photos_max_mb * 2**20

    async def keep(self, url: str, user_id: int | None) -> int:
        """Download a photo from Zalo and keep it; return its id, or raise PhotoRefused."""
        address = zalo_url(url, self.settings.zalo_media_hosts)
        if address is None:
            log.warning("a photo from a host that is not Zalo's was not fetched: %.80r", _host_of(url))
            raise PhotoRefused(NOT_FROM_ZALO)
        data = await self._download(address)
        content_type, extension = await asyncio.to_thread(_picture, data)
        if await photos.live_bytes(self.db) + len(data) > self.max_total:
            log.warning("the photo storage is full (CHIBO_PHOTOS_MAX_MB=%s)", self.settings.photos_max_mb)
            raise PhotoRefused(STORAGE_FULL)
        name = f"{secrets.token_hex(12)}.{extension}"
        await asyncio.to_thread(_write, self.folder, name, data)
        digest = hashlib.sha256(data).hexdigest()
        async with self.db.transaction() as tx:
            return await photos.add(tx, user_id, name, len(data), content_type, digest, self.clock())

    async def _download(self, url: URL) -> bytes:
        too_big = PhotoRefused(TOO_BIG, mb=self.settings.photo_max_mb)
        try:
            timeout = aiohttp.ClientTimeout(total=FETCH_SECONDS)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url, allow_redirects=False) as response,
            ):
                if response.status != 200:
                    log.info("a Zalo photo answered HTTP %s", response.status)
                    raise PhotoRefused(NOT_FETCHED)
                if (response.content_length or 0) > self.max_bytes:
                    raise too_big
                data = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    data += chunk
                    if len(data) > self.max_bytes:
                        raise too_big
                return bytes(data)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("a Zalo photo could not be fetched: %s", type(exc).__name__)
            raise PhotoRefused(NOT_FETCHED) from None

    async def read(self, photo_id: int) -> tuple[bytes, str] | None:
        """Return a kept photo's bytes and content type, or None when it is not kept (any more)."""
        photo = await photos.get(self.db, photo_id)
        if photo is None or photo.deleted_at is not None:
            return None
        try:
            data = await asyncio.to_thread((self.folder / photo.file).read_bytes)
        except FileNotFoundError:
            return None
        return data, photo.content_type

    async def sweep(self) -> int:
        """Delete the files past the retention period, of deleted activities, or taken by no activity."""
        now = self.clock()
        orphan = now - timedelta(hours=2 * self.settings.draft_ttl_hours)
        gone = await photos.to_delete(self.db, now - timedelta(days=self.settings.photo_days), orphan)
        for photo, why in gone:
            await asyncio.to_thread((self.folder / photo.file).unlink, missing_ok=True)
            async with self.db.transaction() as tx:
                await photos.mark_deleted(tx, photo.id, now, why)
        # A file written just before a crash, its row never committed: nothing else would remove it.
        known = await photos.live_files(self.db)
        await asyncio.to_thread(_remove_strays, self.folder, known, now.timestamp() - 3600)
        return len(gone)
