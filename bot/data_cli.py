"""The data commands of the command line: `chibo backup PATH`, `chibo restore PATH` and
`chibo export --unit CODE --out FILE.xlsx [--from dd/mm/yyyy] [--to dd/mm/yyyy]`.

A backup and an export work while the bot runs (their own connection, consistent reads); a
restore refuses while a bot runs on the database, and `chibo run` holds the database's lock.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.errors import UserError
from bot.features import backup, export
from bot.i18n import translator
from storage.database import Database
from storage.models import Role

COMMANDS = ("backup", "restore", "export")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the data commands to the command line's subcommands."""
    copy = sub.add_parser("backup", help="copy the database (safe while the bot runs)")
    copy.add_argument("path", type=Path, help="the backup file, or a folder to put it in")
    back = sub.add_parser("restore", help="replace the database with a backup (stop the bot first)")
    back.add_argument("path", type=Path, help="the backup file")
    out = sub.add_parser("export", help="write the Excel export of a unit")
    out.add_argument(
        "--unit", default="root", help="the unit's code (everything under it too); root by default"
    )
    out.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
    out.add_argument("--from", dest="start", default="", help="first day, dd/mm/yyyy")
    out.add_argument("--to", dest="end", default="", help="last day, dd/mm/yyyy")
    out.add_argument("--language", choices=("vi", "en"), help="language of the headers (CHIBO_LOCALE)")


def _fail(message: str) -> int:
    print(f"chibo: {message}", file=sys.stderr)
    return 1


def _backup(settings: Settings, target: Path) -> int:
    now = datetime.now(UTC)
    if target.is_dir():
        target = target / backup.backup_name(now, settings.timezone)
    result = backup.backup(settings.db_path, target)
    print(
        f"chibo: backed up {settings.db_path} to {result.path} "
        f"({result.size} bytes, migration {result.version})"
    )
    return 0


def _restore(settings: Settings, source: Path) -> int:
    kept = backup.restore(source, settings.db_path, datetime.now(UTC), settings.timezone)
    print(f"chibo: restored {settings.db_path} from {source}")
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
        return _fail(f"{settings.db_path}: no database (set CHIBO_DB)")
    async with Database(settings.db_path) as db:
        try:
            request = await export.request_for(db, Role.ADMIN, None, " ".join(words), today)
        except UserError as error:
            return _fail(str(error.render(t).striptags()))
        result = await export.run(db, request, t, settings.timezone, now)
        await export.record(db, None, request, result, now)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(result.data)
    print(f"chibo: wrote {args.out} ({result.rows} rows)")
    return 0


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one of the data commands."""
    try:
        if args.command == "backup":
            return _backup(settings, args.path)
        if args.command == "restore":
            return _restore(settings, args.path)
        return asyncio.run(_export(settings, args))
    except backup.BackupError as exc:
        return _fail(str(exc))


def claim_database(settings: Settings) -> str | None:
    """Hold the database's lock while the bot runs; return why not when another process holds it."""
    try:
        backup.hold_while_running(settings.db_path)
    except backup.BackupError as exc:
        return str(exc)
    return None
