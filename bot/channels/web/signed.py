"""Short-lived signed links: how a picture or an export reaches a Zalo chat, and the dashboard's links.

Zalo takes a picture only as a URL it fetches (sendPhoto) and has no way to send a file at all. So
the bot keeps the bytes in memory for a while and sends a link to them under CHIBO_PUBLIC_URL:
``{public}/zalo/files/{id}/{name}?exp={unix time}&sig={hmac}``. The id is random and the signature
binds it to its expiry with a key made at start, so a link cannot be guessed, stretched or kept
past its time, and nothing is written to disk.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from bot.clock import Clock, system_clock
from storage.database import Database
from storage.models import parse_id
from storage.updates import kv_get, kv_set

LINK_TTL = timedelta(hours=1)
MAX_BYTES = 256 * 1024 * 1024  # what the links may hold at once; the oldest go first
PATH = "/zalo/files"
_EXPIRES = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class SharedFile:
    """Bytes behind a link."""

    data: bytes
    name: str
    content_type: str
    expires: int  # unix time


class Signer:
    """Signs what a link names together with when it expires, so neither can be changed."""

    def __init__(self, key: bytes | None = None, *, clock: Clock = system_clock) -> None:
        self._key = key or secrets.token_bytes(32)  # made at start: links die with the process
        self.clock = clock

    def now(self) -> int:
        """Return the current unix time."""
        return int(self.clock().timestamp())

    def sign(self, subject: str, expires: int) -> str:
        """Return the signature of a subject (an id, a token) valid until a unix time."""
        return hmac.new(self._key, f"{subject}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]

    def valid(self, subject: str, expires: str, signature: str) -> bool:
        """Tell whether a signature is the subject's and its time has not passed."""
        # Anything but what sign() writes is no link of ours: a 5,000-digit expiry or a signature
        # that is not hex must not reach int() or compare_digest (which raise on them).
        if not _EXPIRES.fullmatch(expires) or not _SIGNATURE.fullmatch(signature):
            return False
        if int(expires) <= self.now():
            return False
        return hmac.compare_digest(signature, self.sign(subject, int(expires)))


class SignedFiles:
    """Bytes offered for a while under signed links."""

    def __init__(self, public_url: str, *, ttl: timedelta = LINK_TTL, clock: Clock = system_clock) -> None:
        self.public_url = public_url.rstrip("/")
        self.ttl = ttl
        self.clock = clock
        self._signer = Signer(clock=clock)
        self._files: OrderedDict[str, SharedFile] = OrderedDict()
        self._size = 0

    def _signature(self, file_id: str, expires: int) -> str:
        return self._signer.sign(file_id, expires)

    def _now(self) -> int:
        return self._signer.now()

    def put(self, data: bytes, name: str, content_type: str) -> str:
        """Keep bytes for the link's lifetime and return the link."""
        self._forget_expired()
        while self._files and self._size + len(data) > MAX_BYTES:
            _, dropped = self._files.popitem(last=False)
            self._size -= len(dropped.data)
        file_id = secrets.token_urlsafe(16)
        expires = self._now() + int(self.ttl.total_seconds())
        self._files[file_id] = SharedFile(data, name, content_type, expires)
        self._size += len(data)
        return (
            f"{self.public_url}{PATH}/{file_id}/{quote(name)}"
            f"?exp={expires}&sig={self._signature(file_id, expires)}"
        )

    def get(self, file_id: str, expires: str, signature: str) -> SharedFile | None:
        """Return the file of a link, or None when the link is wrong, altered or expired."""
        if not self._signer.valid(file_id, expires, signature):
            return None
        shared = self._files.get(file_id)
        if shared is None or shared.expires != int(expires) or shared.expires <= self._now():
            return None
        return shared

    def expiry(self) -> datetime:
        """Return when a link made now stops working."""
        return self.clock() + self.ttl

    def _forget_expired(self) -> None:
        now = self._now()
        for file_id in [k for k, f in self._files.items() if f.expires <= now]:
            self._size -= len(self._files.pop(file_id).data)


# ----- the dashboard's links for Zalo ----------------------------------------------------------

DASHBOARD_LINK_PATH = "/dashboard/link"
DASHBOARD_LINK_TTL = timedelta(hours=24)  # the most a link may live (the bound)
_LINK_KEY = "dashboard_link_key"


class DashboardLinks:
    """Links to the dashboard bound to one recipient, for a channel without Mini Apps (Zalo).

    ``{public}/dashboard/link/{user id}.{expires}.{signature}``: the signature (HMAC-SHA256 with a key
    kept in the database, so links outlive a restart) binds the recipient's user id to the moment the
    link stops working. The link is made when the message is delivered, and each request checks the
    signature, the time and that the recipient still has access, so a revoked user's links stop at once.
    The id is chibo's own number of the user, not their Zalo id.
    """

    def __init__(
        self, public_url: str, *, ttl: timedelta = DASHBOARD_LINK_TTL, clock: Clock = system_clock
    ) -> None:
        if ttl > DASHBOARD_LINK_TTL:
            raise ValueError("a dashboard link lives 24 hours at most")
        self.public_url = public_url.rstrip("/")
        self.ttl = ttl
        self.clock = clock
        self._key: bytes | None = None

    async def load_key(self, db: Database) -> None:
        """Read the signing key from the database, making it the first time."""
        stored = await kv_get(db, _LINK_KEY)
        if stored is None:
            stored = secrets.token_hex(32)
            async with db.transaction() as tx:
                await kv_set(tx, _LINK_KEY, stored)
        self._key = bytes.fromhex(stored)

    def _signature(self, user_id: int, expires: int) -> str:
        if self._key is None:
            raise RuntimeError("the links' key is read when the application starts")
        message = f"dashboard:{user_id}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def token(self, user_id: int) -> str:
        """Return the token of a link for a user, valid from now for the links' lifetime."""
        expires = int(self.clock().timestamp() + self.ttl.total_seconds())
        return f"{user_id}.{expires}.{self._signature(user_id, expires)}"

    def link(self, user_id: int, query: str = "") -> str:
        """Return a link to the dashboard for a user, signed now."""
        return f"{self.public_url}{DASHBOARD_LINK_PATH}/{self.token(user_id)}{query}"

    def expiry(self) -> datetime:
        """Return when a link made now stops working."""
        return self.clock() + self.ttl

    def user_of(self, token: str) -> int | None:
        """Return the user a token was signed for, or None when it is altered, expired or malformed."""
        parts = token.split(".")
        user_id, expires = (parse_id(p) for p in parts[:2]) if len(parts) == 3 else (None, None)
        if user_id is None or expires is None:
            return None
        if not hmac.compare_digest(parts[2].encode(), self._signature(user_id, expires).encode()):
            return None
        now = self.clock().timestamp()
        # A valid signature with a longer life was never made here: refuse it all the same.
        if not now < expires <= now + DASHBOARD_LINK_TTL.total_seconds():
            return None
        return user_id
