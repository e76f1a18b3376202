"""Backups and restores of the SQLite database.

A backup is a consistent copy taken while the bot runs: SQLite's online backup API copies the
database as one snapshot (in WAL mode writers go on meanwhile), through a connection of its own,
in a thread. The copy goes to a temporary file first and is checked (PRAGMA integrity_check)
before it takes its name, so a backup file is either whole or absent.

A daily backup keeps the newest files of a folder (14 by default) and deletes older ones. It runs at
DAILY_AT; one missed while the bot was down is taken at the next start (`daily_due` reads the newest
daily file's name). A migration that changes data runs after a backup of its own
(`chibo-...-before-NNNN.db`, never pruned), taken by `before_migration`.

A restore checks the file first (integrity, and that it is a chibo database of a migration this
chibo knows), refuses while a bot runs on the database (the lock file `chibo run` holds), keeps
the current database aside, and replaces it; the stale write-ahead log of the old database is
removed, so it can never be replayed into the restored one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from storage import files, schema
from storage.database import BeforeDataChange, migrations

log = logging.getLogger(__name__)

DEFAULT_KEEP = 14
DAILY_AT = time(2, 30)  # local time of the daily backup: the quietest hour of a party cell
BACKUP_NAME = re.compile(r"^chibo-(\d{8}-\d{6})\.db$")
# Tables every chibo database has had since its first migration.
CHIBO_TABLES = frozenset({"units", "users", "invitations", "audit_log", "kv"})


class BackupError(Exception):
    """A backup or restore cannot be done; the message says why (plain English, for the console)."""


@dataclass(frozen=True)
class Backup:
    """A finished backup file."""

    path: Path
    size: int
    version: int


def default_dir(db_path: Path) -> Path:
    """Return where daily backups go when CHIBO_BACKUP_DIR is not set: backups/ next to the database."""
    return db_path.resolve().parent / "backups"


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def check_file(path: Path) -> int:
    """Return the migration version of a chibo database file, or refuse it with the reason."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened as an SQLite database ({exc})") from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if [tuple(r) for r in result] != [("ok",)]:
            problems = "; ".join(str(r[0]) for r in result[:3])
            raise BackupError(f"{path}: the integrity check failed ({problems})")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database ({exc})") from None
    finally:
        conn.close()
    if not CHIBO_TABLES.issubset(tables):
        raise BackupError(
            f"{path}: not a chibo database (it lacks {', '.join(sorted(CHIBO_TABLES - tables))})"
        )
    known = migrations()[-1][0]  # the last number (numbers may skip one another branch holds)
    if not 1 <= version <= known:
        raise BackupError(
            f"{path}: made by a chibo with migration {version}, this chibo knows 1 to {known}; "
            "use a newer chibo to restore it"
        )
    # The whole schema, not only the names of some tables: one trigger more is enough to take over.
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        wrong = schema.differences(schema.read(conn), version)
    finally:
        conn.close()
    if wrong:
        raise BackupError(
            f"{path}: its schema is not the one chibo's migrations make at version {version}: "
            + "; ".join(wrong)
        )
    return version


def _copy(source: Path, target: Path) -> None:
    """Copy a database with the online backup API into a new file (one consistent snapshot), 0600."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        files.private_file(target)
        dst = sqlite3.connect(target)
        try:
            # pages=-1: the whole database in one step, so the copy is one snapshot even while
            # another connection writes.
            src.backup(dst, pages=-1)
            # A backup is one file: no write-ahead log next to it.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def backup(db_path: Path, target: Path) -> Backup:
    """Copy the database to target (a file that must not exist yet), checked; safe while the bot runs."""
    if not db_path.is_file():
        raise BackupError(f"{db_path}: no database to back up")
    if target.exists():
        if _same_file(target, db_path):
            raise BackupError(f"{target}: this is the database itself")
        raise BackupError(f"{target}: exists already; choose another name")
    files.private_dir(target.parent)
    remove_stale_copies(target.parent)
    partial = target.with_name(f".{target.name}{PARTIAL}")
    partial.unlink(missing_ok=True)
    try:
        with _working_on(partial):
            _copy(db_path, partial)
            version = check_file(partial)
            os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(target, target.stat().st_size, version)


# ----- copies a kill -9 left behind ----------------------------------------------------------------

PARTIAL = ".partial"  # a backup or a kept database being written: ".chibo-20261124-023000.db.partial"
RESTORING = ".restoring"  # the backup being put in place: ".chibo.db.restoring"


@contextlib.contextmanager
def _working_on(path: Path) -> Iterator[None]:
    """Hold a lock on a copy being written, so a cleanup by another process leaves it alone."""
    handle = os.open(_marker(path), os.O_RDWR | os.O_CREAT, files.FILE_MODE)
    try:
        try:
            import fcntl  # noqa: PLC0415 - POSIX only

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:
            pass
        yield
    finally:
        _marker(path).unlink(missing_ok=True)
        os.close(handle)


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def remove_stale_copies(folder: Path) -> list[Path]:
    """Delete the hidden copies (whole databases) a process killed while copying left in a folder."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    copies = set()
    for path in folder.iterdir():
        name = path.name.removesuffix(".lock")
        if name.startswith(".") and name.endswith((PARTIAL, RESTORING)):
            copies.add(path.with_name(name))
    for path in sorted(copies):
        marker = _marker(path)
        handle = os.open(marker, os.O_RDWR | os.O_CREAT, files.FILE_MODE)
        try:
            try:
                import fcntl  # noqa: PLC0415 - POSIX only

                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:
                pass
            except OSError:
                continue  # another process is writing this copy right now
            if path.exists():
                path.unlink()
                removed.append(path)
            marker.unlink(missing_ok=True)
        finally:
            os.close(handle)
    if removed:
        log.info("removed %d copies left by an interrupted backup or restore", len(removed))
    return removed


def backup_name(now: datetime, tz: ZoneInfo) -> str:
    """Return the file name of a backup taken at a moment: chibo-YYYYMMDD-HHMMSS.db, local time."""
    return f"chibo-{now.astimezone(tz):%Y%m%d-%H%M%S}.db"


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups of a folder (only files named as ours); return them."""
    ours = sorted(p for p in folder.iterdir() if p.is_file() and BACKUP_NAME.match(p.name))
    doomed = ours[: max(0, len(ours) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def last_daily(folder: Path, tz: ZoneInfo) -> datetime | None:
    """Return when the newest daily backup of a folder was taken (from its name), or None."""
    if not folder.is_dir():
        return None
    names = sorted(m.group(1) for p in folder.iterdir() if (m := BACKUP_NAME.match(p.name)))
    return datetime.strptime(names[-1], "%Y%m%d-%H%M%S").replace(tzinfo=tz) if names else None


def daily_due(folder: Path, now: datetime, tz: ZoneInfo, at: time = DAILY_AT) -> bool:
    """Tell whether the daily backup is due: none was taken since the last `at` that has passed.

    A bot that was down at 02:30 takes it when it starts again; one that starts at 02:31 after its
    02:30 backup does not take a second one.
    """
    local = now.astimezone(tz)
    moment = datetime.combine(local.date(), at, tzinfo=tz)
    if moment > local:
        moment -= timedelta(days=1)
    last = last_daily(folder, tz)
    return last is None or last < moment


def before_migration(
    db_path: Path, folder: Path, tz: ZoneInfo, clock: Callable[[], datetime]
) -> BeforeDataChange:
    """Return what Database.migrate calls before a migration that changes data: a checked backup."""

    async def take(version: int, migration: str) -> None:
        now = clock().astimezone(tz)
        target = folder / f"chibo-{now:%Y%m%d-%H%M%S}-before-{migration[:4]}.db"
        result = await asyncio.to_thread(backup, db_path, target)
        log.info(
            "backup %s (%d bytes, migration %d) before migration %s",
            result.path,
            result.size,
            version,
            migration,
        )

    return take


def daily(db_path: Path, folder: Path, now: datetime, tz: ZoneInfo, keep: int = DEFAULT_KEEP) -> Backup:
    """Take the daily backup into a folder and keep only the newest `keep` files."""
    result = backup(db_path, folder / backup_name(now, tz))
    removed = prune(folder, keep)
    log.info("backup %s (%d bytes); %d old backup(s) removed", result.path, result.size, len(removed))
    return result


# ----- one bot per database, and no restore under a running bot ---------------------------------


def lock_path(db_path: Path) -> Path:
    """Return the lock file of a database, wherever a symbolic link to it points from."""
    real = db_path.resolve()
    return real.with_name(real.name + ".lock")


@contextlib.contextmanager
def database_lock(db_path: Path, purpose: str) -> Iterator[None]:
    """Hold the database's lock file for a while, or refuse when another process holds it."""
    handle = _acquire(db_path, purpose)
    try:
        yield
    finally:
        _release(handle)


def _acquire(db_path: Path, purpose: str) -> int:
    path = lock_path(db_path)
    files.private_dir(path.parent)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, files.FILE_MODE)
    os.fchmod(handle, files.FILE_MODE)
    try:
        import fcntl  # noqa: PLC0415 - POSIX only; see the fallback below

        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:
        # No flock (Windows): the lock cannot be checked, so a running bot is not detected there.
        log.warning("file locks are not available here: make sure chibo is stopped")
    except OSError:
        holder = os.pread(handle, 200, 0).decode(errors="replace").strip()
        os.close(handle)
        raise BackupError(
            f"{db_path} is in use ({holder or 'another chibo process'}): stop it first"
        ) from None
    os.ftruncate(handle, 0)
    os.pwrite(handle, f"{purpose}, pid {os.getpid()}".encode(), 0)
    return handle


def _release(handle: int) -> None:
    with contextlib.suppress(OSError):
        os.ftruncate(handle, 0)
    os.close(handle)  # closing the descriptor drops the lock


_held: dict[Path, int] = {}


def hold_while_running(db_path: Path) -> None:
    """Take the database's lock for as long as this process runs (the bot calls this at start)."""
    key = db_path.resolve()
    if key not in _held:
        _held[key] = _acquire(db_path, "chibo run")
        # Holding the lock, no backup or restore of ours is writing next to the database.
        remove_stale_copies(key.parent)


def restore(
    source: Path,
    db_path: Path,
    now: datetime,
    tz: ZoneInfo,
    *,
    while_locked: Callable[[], None] | None = None,
) -> Path | None:
    """Replace the database with a checked backup; return where the previous database was kept.

    while_locked runs once the database's lock is held, before anything is replaced (the replication
    stops a Litestream left replicating the old database there).
    """
    check_file(source)
    db_path = db_path.resolve()  # through a symbolic link: the file it points to is replaced
    if db_path.exists() and _same_file(source, db_path):
        raise BackupError(f"{source}: this is the database itself")
    with database_lock(db_path, "chibo restore"):
        # Holding the lock, no backup or restore of ours is writing next to the database.
        remove_stale_copies(db_path.parent)
        if while_locked is not None:
            while_locked()
        kept: Path | None = None
        if db_path.exists():
            kept = db_path.with_name(f"{db_path.name}.before-restore-{now.astimezone(tz):%Y%m%d-%H%M%S}")
            _keep(db_path, kept)
        staged = db_path.with_name(f".{db_path.name}{RESTORING}")
        staged.unlink(missing_ok=True)
        try:
            with _working_on(staged):
                _copy(source, staged)
                check_file(staged)
                for suffix in ("-wal", "-shm"):
                    Path(f"{db_path}{suffix}").unlink(missing_ok=True)
                os.replace(staged, db_path)
        finally:
            staged.unlink(missing_ok=True)
    return kept


def _keep(db_path: Path, kept: Path) -> None:
    """Copy the database being replaced aside (0600), whole or not at all."""
    partial = kept.with_name(f".{kept.name}{PARTIAL}")
    try:
        with _working_on(partial):
            try:
                _copy(db_path, partial)  # through SQLite, so what the write-ahead log held is kept too
                os.replace(partial, kept)
            except sqlite3.Error:
                # The current database may be the broken one being replaced: keep its bytes as they are.
                partial.unlink(missing_ok=True)
                for suffix in ("", "-wal"):
                    if Path(f"{db_path}{suffix}").exists():
                        shutil.copyfile(f"{db_path}{suffix}", f"{partial}{suffix}")
                        files.tighten(Path(f"{partial}{suffix}"))
                        os.replace(f"{partial}{suffix}", f"{kept}{suffix}")
    finally:
        partial.unlink(missing_ok=True)
