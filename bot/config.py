"""Settings: one frozen object read from CHIBO_* environment variables (and a .env file)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.rules.regulations import MEETING_RULES, MeetingRules

TELEGRAM_API_URL = "https://api.telegram.org/bot"
ZALO_API_URL = "https://bot-api.zaloplatforms.com"
SUPPORTED_LOCALES = ("vi", "en")
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")
_ZALO_TOKEN_RE = re.compile(r"^\d{1,25}:[A-Za-z0-9_-]{8,}$")  # {bot id}:{access token}
_URL_RE = re.compile(r"^https?://[^\s/]+")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one chibo deployment."""

    token: str | None = None
    bot_api_url: str = TELEGRAM_API_URL
    db_path: Path = Path("chibo.db")
    admins: frozenset[int] = field(default_factory=frozenset)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    locale: str = "vi"
    webhook_secret: str | None = None
    invitation_days: int = 7
    root_name: str = "Đảng bộ"
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    digest_weekday: int = 0  # Monday
    digest_time: time = time(8, 0)
    nudge_weekday: int = 4  # Friday
    nudge_time: time = time(16, 0)
    reminder_offsets: tuple[int, ...] = (30, 7, 1)
    draft_ttl_hours: int = 24
    # The working group contacts each of its enterprises at least this often (rules/enterprises.py).
    contact_days: int = 60
    tick_seconds: float = 30.0  # how often scheduled work runs; 0 = only when asked (tests)
    backup_dir: Path | None = None  # daily backups; None: backups/ next to the database
    backup_keep: int = 14  # daily backups kept
    zalo_token: str | None = None
    zalo_api_url: str = ZALO_API_URL
    zalo_admins: frozenset[str] = field(default_factory=frozenset)  # Zalo user ids
    public_url: str | None = None  # where Zalo fetches pictures and users open export links
    zalo_rate: float = 10.0  # Zalo sending calls a second (Zalo publishes no limit: a cautious pace)
    zalo_formatting: bool = True  # bold and italics on Zalo (falls back to plain once Zalo refuses them)
    zalo_keep_photos: bool = False  # download the photos of activities reported on Zalo (their links expire)
    zalo_media_hosts: tuple[str, ...] = ("zdn.vn",)  # the only hosts (and their subdomains) photos come from
    photo_dir: Path | None = None  # kept photos; None: photos/ next to the database
    photo_max_mb: int = 5  # the largest photo kept
    photos_max_mb: int = 2048  # all kept photos together
    photo_days: int = 365  # kept photos are deleted this many days after they came
    # Whether 24/11 (Ngày Văn hóa Việt Nam) is a day off: the Labour Code's amendment decides (README).
    culture_day_off: bool = False
    # The least length of cell meetings (HD 42-HD/BTCTW; a committee may set others for small cells).
    meeting_rules: MeetingRules = MEETING_RULES
    webapp_max_age_hours: int = 24  # how old a Mini App's initData may be (its auth_date)
    dashboard_link_hours: int = 24  # how long a dashboard link sent on Zalo works (24 at most)
    replica: str | None = None  # where Litestream replicates the database: a folder or a URL
    replica_sync: float = 1.0  # seconds between two shipments of the replica (Litestream's sync-interval)
    replica_sftp_key: Path | None = None  # the private key of an sftp:// replica

    @property
    def quiet_hours(self) -> bool:
        """Tell whether there are quiet hours (a start equal to the end means none)."""
        return self.quiet_start != self.quiet_end

    @property
    def bot_api_file_url(self) -> str:
        """Return the base URL of file downloads that belongs to bot_api_url."""
        base = self.bot_api_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"

    @property
    def photo_folder(self) -> Path:
        """Return the folder of kept photos."""
        return self.photo_dir or self.db_path.parent / "photos"

    def with_token(self, token: str) -> Settings:
        """Return a copy with another bot token (the sandbox uses its own)."""
        return replace(self, token=token)


def _int_list(name: str, raw: str) -> frozenset[int]:
    values: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        if not part:
            continue
        if not part.lstrip("-").isdecimal():
            raise ConfigError(f"{name}: '{part}' is not a Telegram user id (digits only, comma-separated)")
        values.add(int(part))
    return frozenset(values)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _zalo_ids(name: str, raw: str) -> frozenset[str]:
    ids = frozenset(part.strip() for part in raw.split(",") if part.strip())
    for value in ids:
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", value):
            raise ConfigError(
                f"{name}: '{value}' is not a Zalo user id (letters and digits, comma-separated)"
            )
    return ids


def _url(name: str, raw: str | None) -> str | None:
    if raw is not None and not _URL_RE.match(raw):
        raise ConfigError(f"{name}: expected an http(s) URL, got '{raw}'")
    return raw.rstrip("/") if raw else None


def _hosts(name: str, raw: str) -> tuple[str, ...]:
    hosts = tuple(part.strip().lower().strip(".") for part in raw.split(",") if part.strip())
    for host in hosts:
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*", host):
            raise ConfigError(f"{name}: '{host}' is not a host name (comma-separated, e.g. zdn.vn)")
    if not hosts:
        raise ConfigError(f"{name}: name at least one host")
    return hosts


def _switch(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in ("1", "on", "yes", "true"):
        return True
    if value in ("0", "off", "no", "false"):
        return False
    raise ConfigError(f"{name}: expected on or off, got '{raw}'")


def _rate(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0.1 <= value <= 1000:
        raise ConfigError(f"{name}: expected messages a second from 0.1 to 1000, got '{raw}'")
    return value


def _time(name: str, raw: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ConfigError(f"{name}: expected a time of day as HH:MM, got '{raw}'")
    return time(int(match.group(1)), int(match.group(2)))


def _weekly(name: str, raw: str) -> tuple[int, time]:
    parts = raw.strip().lower().split()
    if len(parts) != 2 or parts[0][:3] not in WEEKDAYS:
        raise ConfigError(f"{name}: expected a weekday and a time, e.g. 'mon 08:00', got '{raw}'")
    return WEEKDAYS.index(parts[0][:3]), _time(name, parts[1])


def _offsets(name: str, raw: str) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or not all(p.isdecimal() and 0 <= int(p) <= 365 for p in parts):
        raise ConfigError(
            f"{name}: expected days before a deadline, comma-separated (e.g. 30,7,1), got '{raw}'"
        )
    return tuple(sorted({int(p) for p in parts}, reverse=True))


# The replica URLs Litestream takes (a plain path is a folder); its docs list what each one needs.
REPLICA_SCHEMES = ("file", "s3", "sftp", "gs", "abs", "webdav", "webdavs", "nats", "oss")


def _replica(name: str, raw: str | None) -> str | None:
    """Return a replica as Litestream takes it: a URL it knows, or a folder as an absolute file:// URL."""
    if raw is None:
        return None
    scheme, sep, rest = raw.partition("://")
    if not sep:
        return Path(raw).expanduser().resolve().as_uri()
    if scheme.lower() not in REPLICA_SCHEMES or not rest.strip("/"):
        raise ConfigError(
            f"{name}: expected a folder or a URL Litestream replicates to "
            f"({', '.join(s + '://' for s in REPLICA_SCHEMES)}), got '{raw}'"
        )
    if scheme.lower() == "sftp" and "@" not in rest.split("/", 1)[0]:
        raise ConfigError(f"{name}: an sftp:// replica names its user, as sftp://user@host/path")
    return raw


def _seconds(name: str, raw: str, *, minimum: float, maximum: float) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s)?", raw.strip())
    value = (float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)) if match else -1.0
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name}: expected seconds from {minimum:g} to {maximum:g} (e.g. 1s), got '{raw}'")
    return value


def _positive_int(name: str, raw: str, *, minimum: int = 1, maximum: int = 10_000) -> int:
    if not raw.strip().isdecimal() or not minimum <= int(raw) <= maximum:
        raise ConfigError(f"{name}: expected a whole number from {minimum} to {maximum}, got '{raw}'")
    return int(raw)


def _yes_no(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in ("yes", "true", "1", "on", "co", "có"):
        return True
    if word in ("no", "false", "0", "off", "khong", "không"):
        return False
    raise ConfigError(f"{name}: expected yes or no, got '{raw}'")


def _meeting_rules(regular: str | None, thematic: str | None) -> MeetingRules:
    rules = MeetingRules(
        regular_minutes=(
            _positive_int("CHIBO_MEETING_MINUTES", regular, maximum=600)
            if regular
            else MEETING_RULES.regular_minutes
        ),
        with_thematic_minutes=(
            _positive_int("CHIBO_MEETING_THEMATIC_MINUTES", thematic, maximum=600)
            if thematic
            else MEETING_RULES.with_thematic_minutes
        ),
    )
    if rules.with_thematic_minutes < rules.regular_minutes:
        raise ConfigError(
            "CHIBO_MEETING_THEMATIC_MINUTES: a meeting with a thematic part cannot be shorter than a "
            f"regular one ({rules.with_thematic_minutes} < {rules.regular_minutes})"
        )
    return rules


def load_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = Path(".env")
) -> Settings:
    """Read the settings from the environment, a .env file filling what the environment lacks."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        raw = values.get(name)
        if raw is None or not raw.strip():
            return None
        return raw.strip()

    token = get("TELEGRAM_BOT_TOKEN")
    if token is not None and not _TOKEN_RE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN: does not look like a bot token from @BotFather (digits:letters)"
        )
    url = get("CHIBO_BOT_API_URL") or TELEGRAM_API_URL
    if not re.match(r"^https?://[^\s/]+", url):
        raise ConfigError(f"CHIBO_BOT_API_URL: expected an http(s) URL, got '{url}'")
    tz_name = get("CHIBO_TIMEZONE") or "Asia/Ho_Chi_Minh"
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"CHIBO_TIMEZONE: unknown time zone '{tz_name}' (e.g. Asia/Ho_Chi_Minh)") from None
    locale = (get("CHIBO_LOCALE") or "vi").lower()
    if locale not in SUPPORTED_LOCALES:
        raise ConfigError(f"CHIBO_LOCALE: expected one of {', '.join(SUPPORTED_LOCALES)}, got '{locale}'")
    secret = get("CHIBO_WEBHOOK_SECRET")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{32,256}", secret):
        # Telegram takes 1-256 of these characters; fewer than 32 can be guessed.
        raise ConfigError(
            "CHIBO_WEBHOOK_SECRET: 32 to 256 characters, only A-Z, a-z, 0-9, _ and - "
            "(leave it unset and chibo makes one)"
        )
    invitation_days = get("CHIBO_INVITATION_DAYS")
    quiet = get("CHIBO_QUIET_HOURS") or "21:00-07:00"
    if quiet.strip().lower() in ("off", "none"):
        quiet = "00:00-00:00"  # no quiet hours: a start equal to the end holds nothing
    if quiet.count("-") != 1:
        raise ConfigError(f"CHIBO_QUIET_HOURS: expected HH:MM-HH:MM or off, got '{quiet}'")
    quiet_start, quiet_end = (_time("CHIBO_QUIET_HOURS", part) for part in quiet.split("-"))
    digest_weekday, digest_time = _weekly("CHIBO_DIGEST_AT", get("CHIBO_DIGEST_AT") or "mon 08:00")
    nudge_weekday, nudge_time = _weekly("CHIBO_NUDGE_AT", get("CHIBO_NUDGE_AT") or "fri 16:00")
    ttl = get("CHIBO_DRAFT_TTL_HOURS")
    contact_days = get("CHIBO_CONTACT_DAYS")
    zalo_token = get("ZALO_BOT_TOKEN")
    if zalo_token is not None and not _ZALO_TOKEN_RE.match(zalo_token):
        raise ConfigError("ZALO_BOT_TOKEN: does not look like a token from Zalo Bot Creator (digits:letters)")
    return Settings(
        token=token,
        bot_api_url=url,
        db_path=Path(get("CHIBO_DB") or "chibo.db"),
        admins=_int_list("CHIBO_ADMINS", get("CHIBO_ADMINS") or ""),
        timezone=tz,
        locale=locale,
        webhook_secret=secret,
        invitation_days=(
            _positive_int("CHIBO_INVITATION_DAYS", invitation_days, maximum=365) if invitation_days else 7
        ),
        root_name=get("CHIBO_ROOT_NAME") or "Đảng bộ",
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        digest_weekday=digest_weekday,
        digest_time=digest_time,
        nudge_weekday=nudge_weekday,
        nudge_time=nudge_time,
        reminder_offsets=_offsets("CHIBO_REMINDER_DAYS", get("CHIBO_REMINDER_DAYS") or "30,7,1"),
        draft_ttl_hours=_positive_int("CHIBO_DRAFT_TTL_HOURS", ttl, maximum=24 * 30) if ttl else 24,
        contact_days=_positive_int("CHIBO_CONTACT_DAYS", contact_days, maximum=730) if contact_days else 60,
        backup_dir=Path(folder) if (folder := get("CHIBO_BACKUP_DIR")) else None,
        backup_keep=_positive_int("CHIBO_BACKUP_KEEP", get("CHIBO_BACKUP_KEEP") or "14", maximum=3650),
        zalo_token=zalo_token,
        zalo_api_url=_url("CHIBO_ZALO_API_URL", get("CHIBO_ZALO_API_URL")) or ZALO_API_URL,
        zalo_admins=_zalo_ids("CHIBO_ZALO_ADMINS", get("CHIBO_ZALO_ADMINS") or ""),
        public_url=_url("CHIBO_PUBLIC_URL", get("CHIBO_PUBLIC_URL")),
        zalo_rate=_rate("CHIBO_ZALO_RATE", get("CHIBO_ZALO_RATE") or "10"),
        zalo_formatting=_switch("CHIBO_ZALO_FORMATTING", get("CHIBO_ZALO_FORMATTING"), True),
        zalo_keep_photos=_switch("CHIBO_ZALO_KEEP_PHOTOS", get("CHIBO_ZALO_KEEP_PHOTOS"), False),
        zalo_media_hosts=_hosts("CHIBO_ZALO_MEDIA_HOSTS", get("CHIBO_ZALO_MEDIA_HOSTS") or "zdn.vn"),
        photo_dir=Path(photos) if (photos := get("CHIBO_PHOTO_DIR")) else None,
        photo_max_mb=_positive_int("CHIBO_PHOTO_MAX_MB", get("CHIBO_PHOTO_MAX_MB") or "5", maximum=100),
        photos_max_mb=_positive_int(
            "CHIBO_PHOTOS_MAX_MB", get("CHIBO_PHOTOS_MAX_MB") or "2048", maximum=1_000_000
        ),
        photo_days=_positive_int("CHIBO_PHOTO_DAYS", get("CHIBO_PHOTO_DAYS") or "365", maximum=3650),
        culture_day_off=_yes_no("CHIBO_CULTURE_DAY_OFF", get("CHIBO_CULTURE_DAY_OFF") or "no"),
        meeting_rules=_meeting_rules(get("CHIBO_MEETING_MINUTES"), get("CHIBO_MEETING_THEMATIC_MINUTES")),
        webapp_max_age_hours=_positive_int(
            "CHIBO_WEBAPP_MAX_AGE_HOURS", get("CHIBO_WEBAPP_MAX_AGE_HOURS") or "24", maximum=24 * 7
        ),
        dashboard_link_hours=_positive_int(
            "CHIBO_DASHBOARD_LINK_HOURS", get("CHIBO_DASHBOARD_LINK_HOURS") or "24", maximum=24
        ),
        replica=_replica("CHIBO_REPLICA", get("CHIBO_REPLICA")),
        replica_sync=_seconds(
            "CHIBO_REPLICA_SYNC", get("CHIBO_REPLICA_SYNC") or "1s", minimum=0.1, maximum=3600
        ),
        replica_sftp_key=Path(key).expanduser() if (key := get("CHIBO_REPLICA_SFTP_KEY")) else None,
    )
