"""The command line: `chibo run | sandbox | migrate | backup | restore | export`.

A backup and an export work while the bot runs (their own connection, consistent reads); a
restore refuses while a bot runs on the database, and `chibo run` holds the database's lock.

With no command, chibo runs the real bot when TELEGRAM_BOT_TOKEN is set and the local sandbox
when it is not, so the README's first command works on any machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from telegram.error import InvalidToken, NetworkError

from bot import logs
from bot.app import ALLOWED_UPDATES, before_migration, build_application, serve
from bot.clock import system_clock
from bot.config import ConfigError, Settings, load_settings
from bot.errors import UserError
from bot.features import backup, export, replication
from bot.features.photos import PhotoKeeper
from bot.i18n import translator
from storage import files
from storage.database import Database
from storage.models import Role

DATA_COMMANDS = ("backup", "restore", "export")
MIN_SECRET = 32  # characters of CHIBO_WEBHOOK_SECRET (bot/config.py)
CHANNELS = {"telegram": ["telegram"], "zalo": ["zalo"], "both": ["telegram", "zalo"]}
NO_TELEGRAM_TOKEN = (
    "TELEGRAM_BOT_TOKEN: not set. Get a token from @BotFather, or try `chibo sandbox` without one."
)


def _fail(message: str, code: int = 2) -> int:
    print(f"chibo: {message}", file=sys.stderr)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chibo", description="Reporting bot for party cells.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (long polling, or a webhook with --webhook-url)")
    run.add_argument(
        "--channel",
        choices=CHANNELS,
        help="the messenger(s) to serve: telegram, zalo or both in one process (default: those with a token)",
    )
    run.add_argument(
        "--webhook-url", help="public HTTPS URL Telegram (at /telegram) and Zalo (at /zalo) post updates to"
    )
    run.add_argument("--listen", default="127.0.0.1", help="address the webhook server binds (127.0.0.1)")
    run.add_argument("--port", type=int, default=8443, help="port of the webhook server (8443)")
    sub.add_parser("migrate", help="bring the database up to date and exit")
    sandbox = sub.add_parser("sandbox", help="try chibo in a browser, with no Telegram account")
    sandbox.add_argument("--port", type=int, default=8080, help="port of the web page (8080)")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to serve on (127.0.0.1)")
    _add_data_commands(sub)
    return parser


async def _migrate(settings: Settings) -> list[str]:
    async with Database(settings.db_path) as db:
        return await db.migrate(before_data_change=before_migration(settings, lambda: datetime.now(UTC)))


def secret_path(db_path: Path) -> Path:
    """Return the file of the generated webhook secret: beside the database, never inside it."""
    real = db_path.resolve()
    return real.with_name(real.name + ".webhook-secret")


async def _webhook_secret(settings: Settings) -> str:
    """Return CHIBO_WEBHOOK_SECRET, or the secret generated once and kept in a 0600 file.

    Not in the database: a copy of the database (a backup, a replica) must not let anyone post
    updates as Telegram or Zalo.
    """
    if settings.webhook_secret:
        return settings.webhook_secret
    path = secret_path(settings.db_path)
    if path.is_file():
        files.tighten(path)
        secret = path.read_text(encoding="ascii").strip()
        if len(secret) >= MIN_SECRET:
            return secret
    secret = secrets.token_urlsafe(32)
    files.write_private(path, secret.encode("ascii"))
    return secret


def _run(settings: Settings, args: argparse.Namespace) -> int:
    channel = args.channel or ("zalo" if settings.zalo_token and not settings.token else "telegram")
    if args.channel is None and settings.token and settings.zalo_token:
        channel = "both"
    if channel != "telegram" or settings.public_url:
        # With a public address, the one web server (the dashboard, signed links) runs beside polling.
        return _run_channels(settings, args, CHANNELS[channel])
    if not settings.token:
        return _fail(NO_TELEGRAM_TOKEN)
    if (in_use := claim_database(settings)) is not None:
        return _fail(in_use)
    try:
        replicator = start_replication(settings)
    except replication.ReplicationError as exc:
        return _fail(str(exc))
    app = build_application(settings, replicator=replicator)
    try:
        if args.webhook_url:
            secret = asyncio.run(_webhook_secret(settings))
            # run_webhook stops cleanly on SIGINT and SIGTERM.
            app.run_webhook(
                listen=args.listen,
                port=args.port,
                url_path="telegram",
                webhook_url=args.webhook_url.rstrip("/") + "/telegram",
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        return _fail("TELEGRAM_BOT_TOKEN: Telegram does not accept this token (check it with @BotFather)")
    except NetworkError as exc:
        return _fail(f"cannot reach the Bot API at {settings.bot_api_url}: {exc}")
    finally:
        if replicator is not None:
            replicator.stop()  # after the bot: what it wrote last is shipped too
    return 0


def start_replication(settings: Settings) -> replication.Replicator | None:
    """Start Litestream beside the bot when CHIBO_REPLICA is set (the database's lock is held)."""
    if settings.replica is None:
        return None
    replicator = replication.Replicator(settings)
    replicator.start()
    return replicator


def _run_channels(settings: Settings, args: argparse.Namespace, channels: list[str]) -> int:
    """Run the channels in one process on one database, with the web server when there is an address."""
    if "telegram" in channels and not settings.token:
        return _fail(NO_TELEGRAM_TOKEN)
    if "zalo" in channels and not settings.zalo_token:
        return _fail(
            "ZALO_BOT_TOKEN: not set. Create a bot with Zalo Bot Creator (in the Zalo app, Zalo Bot Manager) "
            "and set its token."
        )
    if (in_use := claim_database(settings)) is not None:
        return _fail(in_use)
    try:
        replicator = start_replication(settings)
    except replication.ReplicationError as exc:
        return _fail(str(exc))
    try:
        secret = asyncio.run(_webhook_secret(settings)) if args.webhook_url else ""
        if "zalo" in channels and args.webhook_url and len(secret) < 8:
            return _fail("CHIBO_WEBHOOK_SECRET: Zalo needs a secret of 8 to 256 characters")
        asyncio.run(
            serve(
                settings,
                channels,
                webhook_url=args.webhook_url,
                listen=args.listen,
                port=args.port,
                secret=secret,
                replicator=replicator,
            )
        )
    except InvalidToken as exc:
        if "Zalo" in str(exc):
            return _fail("ZALO_BOT_TOKEN: Zalo does not accept this token (check it in Zalo Bot Creator)")
        return _fail("TELEGRAM_BOT_TOKEN: Telegram does not accept this token (check it with @BotFather)")
    except NetworkError as exc:
        return _fail(f"cannot reach the Bot API ({settings.bot_api_url} or {settings.zalo_api_url}): {exc}")
    finally:
        if replicator is not None:
            replicator.stop()
    return 0


def _add_data_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the data commands (backup, restore, export) to the command line's subcommands."""
    copy = sub.add_parser("backup", help="copy the database (safe while the bot runs)")
    copy.add_argument("path", help="the backup file, or a folder to put it in (ending with /)")
    back = sub.add_parser("restore", help="replace the database with a backup (stop the bot first)")
    back.add_argument("path", type=Path, nargs="?", help="the backup file")
    back.add_argument(
        "--from-replica",
        action="store_true",
        help="the latest state of the Litestream replica (CHIBO_REPLICA) instead of a file",
    )
    out = sub.add_parser("export", help="write the Excel export of a unit")
    out.add_argument(
        "--unit", default="root", help="the unit's code (everything under it too); root by default"
    )
    out.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
    out.add_argument("--from", dest="start", default="", help="first day, dd/mm/yyyy")
    out.add_argument("--to", dest="end", default="", help="last day, dd/mm/yyyy")
    out.add_argument("--language", choices=("vi", "en"), help="language of the headers (CHIBO_LOCALE)")


def _backup(settings: Settings, where: str) -> int:
    now = datetime.now(UTC)
    target = Path(where)
    # "backups/" names a folder even before it exists: the backup goes in it, named by the time.
    if where.endswith(("/", os.sep)) or target.is_dir():
        target = target / backup.backup_name(now, settings.timezone)
    result = backup.backup(settings.db_path, target)
    print(
        f"chibo: backed up {settings.db_path} to {result.path} "
        f"({result.size} bytes, migration {result.version})"
    )
    return 0


def _restore(settings: Settings, args: argparse.Namespace) -> int:
    if args.from_replica == (args.path is not None):
        return _fail("restore: give either a backup file or --from-replica")
    if args.from_replica and settings.replica is None:
        return _fail("restore --from-replica: CHIBO_REPLICA is not set (where is the replica?)")
    source: Path = args.path
    fetched: Path | None = None
    if args.from_replica:
        fetched = settings.db_path.with_name(f".{settings.db_path.name}.from-replica")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fetched}{suffix}").unlink(missing_ok=True)
        replication.restore_latest(settings, fetched)
        source = fetched
    try:
        kept = backup.restore(
            source,
            settings.db_path,
            datetime.now(UTC),
            settings.timezone,
            while_locked=lambda: replication.stop_left_over(settings.db_path),
        )
    finally:
        if fetched is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{fetched}{suffix}").unlink(missing_ok=True)
    if settings.replica is not None:
        # The restored file is not what Litestream last saw: it starts afresh from it at the next run.
        replication.forget_local_state(settings)
    print(f"chibo: restored {settings.db_path} from {settings.replica if args.from_replica else source}")
    if kept is not None:
        print(f"chibo: the previous database is kept as {kept}")
    return 0


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    t = translator(args.language or settings.locale)
    now = datetime.now(UTC)
    today = now.astimezone(settings.timezone).date()
    words = [args.unit]
    if args.start:
        words += ["from", args.start]
    if args.end:
        words += ["to", args.end]
    if not settings.db_path.is_file():
        return _fail(f"{settings.db_path}: no database (set CHIBO_DB)", 1)
    async with Database(settings.db_path) as db:
        try:
            request = await export.request_for(db, Role.ADMIN, None, " ".join(words), today)
        except UserError as error:
            return _fail(str(error.render(t).striptags()), 1)
        keeper = PhotoKeeper(db, settings, system_clock)
        result = await export.run(
            db, request, t, settings.timezone, now, keeper=keeper, culture_day_off=settings.culture_day_off
        )
        await export.record(db, None, request, result, now)
    files.write_private(args.out, result.data)
    print(f"chibo: wrote {args.out} ({result.rows} rows)")
    return 0


def _run_data_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run one of the data commands."""
    try:
        if args.command == "backup":
            return _backup(settings, args.path)
        if args.command == "restore":
            return _restore(settings, args)
        return asyncio.run(_export(settings, args))
    except (backup.BackupError, replication.ReplicationError) as exc:
        return _fail(str(exc), 1)


def claim_database(settings: Settings) -> str | None:
    """Hold the database's lock while the bot runs; return why not when another process holds it."""
    try:
        backup.hold_while_running(settings.db_path)
    except backup.BackupError as exc:
        return str(exc)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = _parser().parse_args(argv)
    logs.setup()
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    command = args.command or ("run" if settings.token or settings.zalo_token else "sandbox")
    if command in DATA_COMMANDS:
        return _run_data_command(settings, args)
    if command == "migrate":
        applied = asyncio.run(_migrate(settings))
        print(f"chibo: database {settings.db_path} is up to date ({len(applied)} migration(s) applied)")
        return 0
    if command == "sandbox":
        from bot.devtools.sandbox.server import main as sandbox_main  # noqa: PLC0415 - only the sandbox needs the emulator

        return sandbox_main(
            settings, port=getattr(args, "port", 8080), host=getattr(args, "host", "127.0.0.1")
        )
    if args.command is None:
        args = _parser().parse_args(["run"])
    return _run(settings, args)


if __name__ == "__main__":
    sys.exit(main())
