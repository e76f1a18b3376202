"""The files on disk (issue 14): private modes whatever the umask, the webhook secret out of the
database, restores that compare the whole schema, one lock per database through any path, and no
hidden copy left by a kill -9."""

import asyncio
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.config import ConfigError, Settings, load_settings
from bot.features import backup
from storage.database import Database, migrations

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most hosts run with: files 0644 and folders 0755 unless chibo says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _database(path: Path) -> None:
    async with Database(path) as db:
        await db.migrate()
        async with db.transaction() as tx:
            await tx.execute("INSERT OR REPLACE INTO kv (key, value) VALUES ('state', 'x')")


def _environment(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> None:
    monkeypatch.chdir(db_path.parent)
    monkeypatch.setenv("CHIBO_DB", str(db_path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("CHIBO_WEBHOOK_SECRET", raising=False)


def test_every_file_holding_data_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = tmp_path / "data" / "chibo" / "chibo.db"
    _environment(monkeypatch, tmp_path / "chibo.db")
    monkeypatch.setenv("CHIBO_DB", str(db_path))

    async def live() -> dict[str, int]:
        async with Database(db_path) as db:
            await db.migrate()
            async with db.transaction() as tx:
                await tx.execute("INSERT OR REPLACE INTO kv (key, value) VALUES ('state', 'x')")
            # While the bot runs: the database, its write-ahead log and shared memory.
            return {p.name: mode(p) for p in db_path.parent.iterdir()}

    assert asyncio.run(live()) == {"chibo.db": 0o600, "chibo.db-wal": 0o600, "chibo.db-shm": 0o600}
    assert mode(tmp_path / "data") == 0o700 and mode(db_path.parent) == 0o700
    assert cli.main(["backup", "copies/daily/"]) == 0
    (copy,) = (tmp_path / "copies" / "daily").iterdir()
    assert (mode(tmp_path / "copies"), mode(copy.parent), mode(copy)) == (0o700, 0o700, 0o600)
    assert cli.main(["export", "--unit", "root", "--out", "exports/all.xlsx"]) == 0
    assert (mode(tmp_path / "exports"), mode(tmp_path / "exports" / "all.xlsx")) == (0o700, 0o600)
    assert backup.daily(db_path, tmp_path / "backups", NOW, TZ).path.stat().st_mode & 0o077 == 0
    assert mode(tmp_path / "backups") == 0o700
    with backup.database_lock(db_path, "test"):
        assert mode(backup.lock_path(db_path)) == 0o600
    secret = asyncio.run(cli._webhook_secret(load_settings(env_file=None)))
    assert mode(cli.secret_path(db_path)) == 0o600
    assert len(secret) >= 32


def test_files_an_older_chibo_left_readable_are_closed(tmp_path: Path) -> None:
    db_path = tmp_path / "chibo.db"
    asyncio.run(_database(db_path))
    lock = backup.lock_path(db_path)
    lock.touch()
    # What an older chibo left: the database, a write-ahead log after a crash, the lock, all 0644.
    Path(f"{db_path}-wal").write_bytes(b"")
    for path in tmp_path.iterdir():
        path.chmod(0o644)

    async def reopened() -> dict[str, int]:
        async with Database(db_path) as db:
            await db.migrate()
            with backup.database_lock(db_path, "test"):
                return {p.name: mode(p) for p in tmp_path.iterdir()}  # noqa: ASYNC240

    assert asyncio.run(reopened()) == {
        "chibo.db": 0o600,
        "chibo.db-wal": 0o600,
        "chibo.db-shm": 0o600,
        "chibo.db.lock": 0o600,
    }


def test_the_webhook_secret_is_kept_out_of_the_database(tmp_path: Path) -> None:
    db_path = tmp_path / "chibo.db"
    asyncio.run(_database(db_path))
    settings = Settings(db_path=db_path)
    first = asyncio.run(cli._webhook_secret(settings))
    assert asyncio.run(cli._webhook_secret(settings)) == first  # the same after a restart
    assert cli.secret_path(db_path).read_text() == first
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT key, value FROM kv").fetchall()
    assert first not in str(rows) and "webhook" not in str(rows)
    # Backups copy the database only: the secret is in none of them.
    copy = backup.backup(db_path, tmp_path / "copy.db").path
    assert first.encode() not in copy.read_bytes()


async def test_migration_0009_drops_the_secret_an_older_chibo_kept_in_the_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for number, _, sql in migrations()[:8]:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        conn.execute("INSERT INTO kv (key, value) VALUES ('webhook_secret', 'readable-by-all')")
    async with Database(path) as db:
        await db.migrate()
        assert await db.fetchval("SELECT COUNT(*) FROM kv WHERE key = 'webhook_secret'") == 0


@pytest.mark.parametrize("secret", ["x", "a" * 31, "has spaces in it and is long enough!!"])
def test_a_short_webhook_secret_is_refused(secret: str) -> None:
    with pytest.raises(ConfigError, match="CHIBO_WEBHOOK_SECRET: 32 to 256"):
        load_settings({"CHIBO_WEBHOOK_SECRET": secret}, env_file=None)
    assert load_settings({"CHIBO_WEBHOOK_SECRET": "a" * 32}, env_file=None).webhook_secret == "a" * 32


def test_backup_into_a_new_folder_named_with_a_slash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = tmp_path / "chibo.db"
    asyncio.run(_database(db_path))
    _environment(monkeypatch, db_path)
    assert cli.main(["backup", "newdir/"]) == 0
    assert (tmp_path / "newdir").is_dir()
    (copy,) = (tmp_path / "newdir").iterdir()
    assert backup.BACKUP_NAME.match(copy.name)


# ----- restores ----------------------------------------------------------------------------------


def _copy_with(tmp_path: Path, sql: str) -> Path:
    db_path = tmp_path / "chibo.db"
    if not db_path.exists():
        asyncio.run(_database(db_path))
    copy = backup.backup(db_path, tmp_path / f"copy-{len(list(tmp_path.glob('copy-*')))}.db").path
    with sqlite3.connect(copy) as conn:
        conn.executescript(sql)
    return copy


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            """CREATE TRIGGER users_root AFTER INSERT ON users BEGIN
               UPDATE users SET role = 'admin', unit_id = 1 WHERE id = NEW.id; END;""",
            "trigger users_root on users is not chibo's",
        ),
        (
            "ALTER TABLE users ADD COLUMN note TEXT",
            "table users has other columns (columns not chibo's: note)",
        ),
        ("DROP INDEX users_unit", "index users_unit is missing"),
        ("CREATE VIEW everyone AS SELECT * FROM users", "view everyone is not chibo's"),
        (
            """DROP TRIGGER units_no_loop;
               CREATE TRIGGER units_no_loop BEFORE UPDATE OF parent_id ON units BEGIN SELECT 1; END;""",
            "trigger units_no_loop differs from chibo's",
        ),
    ],
)
def test_restore_refuses_a_schema_that_is_not_chibos(tmp_path: Path, change: str, named: str) -> None:
    copy = _copy_with(tmp_path, change)
    with pytest.raises(backup.BackupError) as refused:
        backup.restore(copy, tmp_path / "chibo.db", NOW, TZ)
    assert named in str(refused.value)
    assert list(tmp_path.glob("chibo.db.before-restore-*")) == []


def test_restore_takes_what_sqlite_and_litestream_add(tmp_path: Path) -> None:
    copy = _copy_with(
        tmp_path,
        """
        ANALYZE;
        CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER);
        CREATE TABLE _litestream_lock (id INTEGER);
        CREATE INDEX _litestream_seq_by ON _litestream_seq (seq);
        """,
    )
    assert backup.restore(copy, tmp_path / "chibo.db", NOW, TZ) is not None


def test_restore_takes_a_backup_of_an_older_migration(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        for number, _, sql in migrations()[:5]:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    assert backup.check_file(old) == 5
    with sqlite3.connect(old) as conn:
        conn.execute("CREATE INDEX people_by_name ON people (full_name)")
    with pytest.raises(backup.BackupError, match="version 5: index people_by_name on people is not chibo's"):
        backup.check_file(old)


# ----- the lock and interrupted copies --------------------------------------------------------------


def test_the_lock_holds_through_a_symbolic_link(tmp_path: Path) -> None:
    db_path = tmp_path / "chibo.db"
    asyncio.run(_database(db_path))
    (tmp_path / "other").mkdir()
    link = tmp_path / "other" / "link.db"
    link.symlink_to(db_path)
    with backup.database_lock(db_path, "chibo run"):
        assert cli.claim_database(Settings(db_path=link)) is not None
        with pytest.raises(backup.BackupError, match="chibo run"):
            backup.restore(backup.backup(db_path, tmp_path / "c.db").path, link, NOW, TZ)


def test_copies_left_by_a_kill_are_removed_and_copies_being_written_are_not(tmp_path: Path) -> None:
    db_path = tmp_path / "chibo.db"
    asyncio.run(_database(db_path))
    folder = tmp_path / "backups"
    folder.mkdir()
    # What kill -9 during a backup and during a restore left: whole databases under hidden names.
    dead_backup = folder / ".chibo-20261123-023000.db.partial"
    dead_restore = tmp_path / ".chibo.db.restoring"
    dead_kept = tmp_path / ".chibo.db.before-restore-20261123-100000.partial"
    for path in (dead_backup, dead_restore, dead_kept):
        path.write_bytes(db_path.read_bytes())
    # Another process's backup, being written right now.
    busy = folder / ".chibo-20261124-023000.db.partial"
    busy.write_bytes(b"in progress")
    with backup._working_on(busy):
        backup.daily(db_path, folder, NOW, TZ)
        assert busy.exists()
    assert not dead_backup.exists()
    backup.restore(backup.backup(db_path, tmp_path / "c.db").path, db_path, NOW, TZ)
    assert not dead_restore.exists() and not dead_kept.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    # And a bot starting on the database cleans up after a killed restore too.
    dead_restore.write_bytes(b"x")
    assert cli.claim_database(Settings(db_path=db_path)) is None
    assert not dead_restore.exists()
