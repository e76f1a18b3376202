"""The one owner of the SQLite database: a single aiosqlite connection, migrations, transactions.

Like datasette's Database: WAL mode, foreign keys on, writes inside explicit transactions,
migrations as numbered SQL files tracked by ``PRAGMA user_version``.  Every statement goes
through one lock, so concurrent handlers never interleave inside one another's transaction.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from storage import files, names

log = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]


class Queryable(Protocol):
    """What the SQL of an aggregate needs: a database, or an open transaction of it."""

    async def execute(self, sql: str, params: Params = ()) -> int: ...

    async def insert(self, sql: str, params: Params = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any: ...


class DatabaseBusyError(Exception):
    """The database stayed locked or full; the user should try again."""


# SQLite's answers that mean "not now" rather than "wrong": another process holds the lock, the disk
# is full or failing (sqlite_errorname, Python 3.11+, e.g. SQLITE_BUSY, SQLITE_IOERR_WRITE).
_TRANSIENT = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_IOERR")


def _transient(exc: sqlite3.OperationalError) -> bool:
    """Tell whether an error is the database being locked or full, which passes."""
    return str(getattr(exc, "sqlite_errorname", "")).startswith(_TRANSIENT)


def migrations() -> list[tuple[int, str, str]]:
    """Return the numbered migrations (number, name, SQL) in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    # A database applies only the numbers above its user_version: a gap filled later would be skipped
    # for good by every database already past it, so the numbers run from 0001 without a gap.
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, ... without a gap; found {numbers}")
    return found


# Statements that add to the schema without touching a row that exists: a migration made only of these
# needs no backup before it runs. Anything else (INSERT, UPDATE, DELETE, ALTER, DROP TABLE, PRAGMA...)
# changes data, or might.
_SCHEMA_ONLY = ("CREATE", "DROP INDEX", "DROP TRIGGER", "DROP VIEW")


def _statements(sql: str) -> Iterable[str]:
    """Split a script into statements, the way SQLite reads them (a trigger's body stays whole)."""
    pending = ""
    for part in sql.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            yield pending
            pending = ""
    if pending.strip(" \n\t;"):
        yield pending


def _without_comments(statement: str) -> str:
    lines = [line.split("--", 1)[0] for line in statement.splitlines()]
    return " ".join(" ".join(lines).split()).strip(" ;")


def changes_data(sql: str) -> bool:
    """Tell whether a migration script may change rows that exist (so a backup should come first)."""
    for statement in _statements(sql):
        words = _without_comments(statement).upper()
        if words and not words.startswith(_SCHEMA_ONLY):
            return True
    return False


# Called before migrations that change data are applied to a database that has some: (the version
# the database is at, the name of the first such migration). What it raises stops the migrations.
BeforeDataChange = Callable[[int, str], Awaitable[None]]


class _Runner:
    """Statement helpers shared by the database and its transactions."""

    _conn: aiosqlite.Connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement and return the number of rows it changed."""
        async with self._conn.execute(sql, params) as cur:
            return cur.rowcount

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT and return the new row id."""
        async with self._conn.execute(sql, params) as cur:
            return int(cur.lastrowid or 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter rows."""
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Return the first row of a query, or None."""
        async with self._conn.execute(sql, params) as cur:
            row: sqlite3.Row | None = await cur.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Return every row of a query."""
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Transaction(_Runner):
    """An open write transaction (BEGIN IMMEDIATE ... COMMIT)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn


class Database(_Runner):
    """One aiosqlite connection shared by the whole application."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000) -> None:
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None

    @property
    def _conn(self) -> aiosqlite.Connection:  # type: ignore[override]
        if self._db is None:
            raise RuntimeError("the database is not open")
        return self._db

    async def open(self) -> None:
        """Open the connection with WAL, foreign keys and a busy timeout."""
        if self.path != ":memory:":
            # 0600 before SQLite opens it: SQLite gives the write-ahead log and shared memory the
            # database file's mode, so all three stay private.
            files.private_file(Path(self.path))
        # isolation_level=None: autocommit, so transactions are exactly the ones we BEGIN.
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        await self._db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        # Deleted rows are overwritten with zeros, not left in free pages of the file (/deleteperson).
        await self._db.execute("PRAGMA secure_delete = ON")
        await self._db.create_function("chibo_clean_name", 1, names.sql_clean_name, deterministic=True)
        await self._db.create_function("chibo_clean_text", 1, names.sql_clean_text, deterministic=True)
        await self._db.execute("PRAGMA journal_mode = WAL")
        if self.path != ":memory:":
            for suffix in ("-wal", "-shm"):  # left wider by an older chibo
                files.tighten(Path(self.path + suffix))
        await self._db.execute("PRAGMA foreign_keys = ON")
        await self._db.execute("PRAGMA synchronous = NORMAL")

    async def close(self) -> None:
        """Close the connection (a no-op when it is closed)."""
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def user_version(self) -> int:
        """Return the number of the last migration applied."""
        return int(await self.fetchval("PRAGMA user_version"))

    async def migrate(self, before_data_change: BeforeDataChange | None = None) -> list[str]:
        """Apply the migrations this database has not seen yet; return their names.

        With before_data_change, a database that has data (past its first migration) gets that call
        before the first pending migration that changes data (features/backup: a backup).
        """
        applied: list[str] = []
        async with self._locked():
            async with self._conn.execute("PRAGMA user_version") as cur:
                row = await cur.fetchone()
            current = int(row[0]) if row else 0
            pending = [(number, name, sql) for number, name, sql in migrations() if number > current]
            changing = next((name for _, name, sql in pending if changes_data(sql)), None)
            if before_data_change is not None and current > 0 and changing is not None:
                await before_data_change(current, changing)
            for number, name, sql in pending:
                # executescript commits first, so the script carries its own BEGIN/COMMIT.
                await self._conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
                applied.append(name)
                log.info("applied migration %s", name)
        return applied

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        """Hold the connection; a task that holds it already has a bug, not a wait."""
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            # Waiting here would wait forever: the statement belongs on the open transaction.
            raise RuntimeError("the database was used directly inside one of its own transactions")
        async with self._lock:
            self._holder = task
            try:
                yield
            except sqlite3.OperationalError as exc:
                # A statement of its own (outside transaction()) meets the same lock or full disk as
                # a transaction does; every update's first write is one (storage.updates.claim).
                if _transient(exc):
                    raise DatabaseBusyError(str(exc)) from exc
                raise
            finally:
                self._holder = None

    # Reads take the lock too: on a shared connection a read could otherwise see
    # another task's transaction half-way.
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement in its own transaction and return the rows it changed."""
        async with self._locked():
            return await super().execute(sql, params)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run one INSERT in its own transaction and return the new row id."""
        async with self._locked():
            return await super().insert(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter rows, in its own transaction."""
        async with self._locked():
            await super().executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Return the first row of a query, or None."""
        async with self._locked():
            return await super().fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Return every row of a query."""
        async with self._locked():
            return await super().fetchall(sql, params)

    async def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database and empty it; False when a reader held it back.

        After a deletion (with secure_delete on) this leaves no copy of the deleted rows in the log.
        """
        async with self._locked(), self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            row = await cur.fetchone()
        return row is not None and int(row[0]) == 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Open a write transaction; commit when the block ends, roll back when it raises."""
        async with self._locked():
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise DatabaseBusyError(str(exc)) from exc
            tx = Transaction(self._conn)
            try:
                yield tx
            except sqlite3.OperationalError as exc:
                # Locked by another process, disk full, I/O error: nothing half-written stays.
                await self._rollback()
                raise DatabaseBusyError(str(exc)) from exc
            except BaseException:
                await self._rollback()
                raise
            try:
                await self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                await self._rollback()
                raise DatabaseBusyError(str(exc)) from exc

    async def _rollback(self) -> None:
        """Roll the open transaction back, unless SQLite has done it already."""
        # After a full disk or an I/O error SQLite may roll back by itself; a ROLLBACK then fails
        # with "no transaction is active" and would hide the error the user should hear about.
        if self._conn.in_transaction:
            await self._conn.execute("ROLLBACK")
