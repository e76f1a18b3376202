"""Backups taken while the bot writes, daily backups with retention, and restores that check first."""

import asyncio
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.app import build_application
from bot.config import Settings
from bot.features import backup
from storage.database import Database, migrations

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)  # 02:30 on the 25th in Hà Nội
PER_TRANSACTION = 5


async def _database(path: Path) -> Database:
    db = Database(path)
    await db.open()
    await db.migrate()
    return db


def _rows(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT key FROM kv WHERE key LIKE 'row-%' ORDER BY rowid")]


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


async def test_a_backup_taken_while_writes_go_on_is_whole_and_consistent(tmp_path: Path) -> None:
    db = await _database(tmp_path / "chibo.db")
    committed = 0
    stop = asyncio.Event()
    progressed = asyncio.Event()

    async def write() -> None:
        nonlocal committed
        number = 0
        while not stop.is_set():
            async with db.transaction() as tx:
                for _ in range(PER_TRANSACTION):
                    await tx.execute(
                        "INSERT INTO kv (key, value) VALUES (?, ?)", (f"row-{number:06d}", "x" * 200)
                    )
                    number += 1
            committed = number
            progressed.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(write())
    taken: list[tuple[Path, int]] = []
    try:
        for index in range(4):
            while committed < (index + 1) * 200:
                progressed.clear()
                await progressed.wait()
            before = committed
            target = tmp_path / "backups" / f"copy-{index}.db"
            # In a thread, as the daily job does: the writer keeps going meanwhile.
            await asyncio.to_thread(backup.backup, tmp_path / "chibo.db", target)
            taken.append((target, before))
    finally:
        stop.set()
        await writer
        await db.close()
    assert committed > taken[-1][1]  # writes went on after the last backup started
    for target, before in taken:
        _check_backup(target, before)


def _check_backup(target: Path, before: int) -> None:
    assert _integrity(target) == "ok"
    rows = _rows(target)
    # Every record committed before the backup began is in it ...
    assert len(rows) >= before
    # ... and whole transactions only, in order: a snapshot, not a mix.
    assert len(rows) % PER_TRANSACTION == 0
    assert rows == [f"row-{n:06d}" for n in range(len(rows))]
    # A backup is one self-contained file.
    assert not Path(f"{target}-wal").exists()
    assert backup.check_file(target) == migrations()[-1][0]


async def test_a_backup_never_overwrites(tmp_path: Path) -> None:
    db = await _database(tmp_path / "chibo.db")
    await db.close()
    with pytest.raises(backup.BackupError, match="the database itself"):
        backup.backup(tmp_path / "chibo.db", tmp_path / "chibo.db")
    (tmp_path / "old.db").write_bytes(b"keep me")
    with pytest.raises(backup.BackupError, match="exists already"):
        backup.backup(tmp_path / "chibo.db", tmp_path / "old.db")
    assert (tmp_path / "old.db").read_bytes() == b"keep me"


async def test_daily_backups_keep_the_newest(tmp_path: Path) -> None:
    db = await _database(tmp_path / "chibo.db")
    await db.close()
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup")
    for day in range(5):
        backup.daily(tmp_path / "chibo.db", folder, NOW + timedelta(days=day), TZ, keep=3)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "chibo-20261127-023000.db",
        "chibo-20261128-023000.db",
        "chibo-20261129-023000.db",
        "notes.txt",
    ]


def test_the_daily_backup_runs_at_half_past_two_local_time(tmp_path: Path) -> None:
    settings = Settings(token="123456:TEST-token-for-the-local-emulator", db_path=tmp_path / "chibo.db")
    app = build_application(settings)
    assert app.job_queue is not None
    jobs = [j for j in app.job_queue.jobs() if j.name == "daily-backup"]
    assert len(jobs) == 1
    trigger = jobs[0].job.trigger
    fields = {f.name: str(f) for f in trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("2", "30")
    assert str(trigger.timezone) == "Asia/Ho_Chi_Minh"
    assert backup.default_dir(settings.db_path) == (tmp_path / "backups").resolve()
    assert time(2, 30) == time(int(fields["hour"]), int(fields["minute"]))


async def _filled(path: Path, value: str) -> None:
    db = await _database(path)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO kv (key, value) VALUES ('state', ?) ON CONFLICT (key) DO UPDATE SET value = ?",
            (value, value),
        )
    await db.close()


def _kept_copies(folder: Path) -> list[Path]:
    return list(folder.glob("chibo.db.before-restore-*"))


def _state(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT value FROM kv WHERE key = 'state'").fetchone()[0])


async def test_restore_replaces_the_database_and_keeps_the_old_one(tmp_path: Path) -> None:
    db_path = tmp_path / "chibo.db"
    await _filled(db_path, "monday")
    backup.backup(db_path, tmp_path / "monday.db")
    await _filled(db_path, "tuesday")
    # A write-ahead log of the current database is left behind (as after a crash): it must not be
    # replayed into the restored file.
    db = await _database(db_path)
    async with db.transaction() as tx:
        await tx.execute("UPDATE kv SET value = 'wednesday' WHERE key = 'state'")
    kept = backup.restore(tmp_path / "monday.db", db_path, NOW, TZ)
    await db.close()
    assert _state(db_path) == "monday"
    assert _integrity(db_path) == "ok"
    assert kept is not None and _state(kept) == "wednesday"
    assert kept.name == "chibo.db.before-restore-20261125-023000"


async def test_restore_over_a_broken_database(tmp_path: Path) -> None:
    db_path = tmp_path / "chibo.db"
    await _filled(db_path, "saved")
    backup.backup(db_path, tmp_path / "saved.db")
    db_path.write_bytes(b"\x00" * 8192)  # the disk ate it
    kept = backup.restore(tmp_path / "saved.db", db_path, NOW, TZ)
    assert _state(db_path) == "saved"
    assert kept is not None and kept.read_bytes() == b"\x00" * 8192


@pytest.mark.parametrize("damage", ["garbage", "torn", "foreign", "newer"])
async def test_restore_refuses_a_bad_file_and_changes_nothing(tmp_path: Path, damage: str) -> None:
    db_path = tmp_path / "chibo.db"
    await _filled(db_path, "good")
    bad = tmp_path / "bad.db"
    if damage == "garbage":
        bad.write_bytes(b"this is not a database at all" * 100)
    elif damage == "torn":
        backup.backup(db_path, bad)
        data = bytearray(bad.read_bytes())
        data[4096 * 2 : 4096 * 2 + 600] = b"\xff" * 600  # a page of a table overwritten
        bad.write_bytes(bytes(data))
    elif damage == "foreign":
        with sqlite3.connect(bad) as conn:
            conn.execute("CREATE TABLE notes (text TEXT)")
    else:
        backup.backup(db_path, bad)
        with sqlite3.connect(bad) as conn:
            conn.execute("PRAGMA user_version = 99")
    with pytest.raises(backup.BackupError) as refused:
        backup.restore(bad, db_path, NOW, TZ)
    assert {"garbage": "SQLite", "torn": "", "foreign": "not a chibo database", "newer": "newer chibo"}[
        damage
    ] in str(refused.value)
    assert _state(db_path) == "good"
    assert _kept_copies(tmp_path) == []


async def test_restore_refuses_while_the_bot_runs(tmp_path: Path) -> None:
    db_path = tmp_path / "chibo.db"
    await _filled(db_path, "live")
    backup.backup(db_path, tmp_path / "copy.db")
    with backup.database_lock(db_path, "chibo run"):
        with pytest.raises(backup.BackupError, match="chibo run, pid"):
            backup.restore(tmp_path / "copy.db", db_path, NOW, TZ)
        # And a second bot cannot start on the same database.
        assert cli.claim_database(Settings(db_path=db_path)) is not None
    assert _state(db_path) == "live"


def test_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHIBO_DB", str(tmp_path / "chibo.db"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    asyncio.run(_filled(tmp_path / "chibo.db", "cli"))
    (tmp_path / "copies").mkdir()
    assert cli.main(["backup", "copies"]) == 0
    copies = list((tmp_path / "copies").iterdir())
    assert len(copies) == 1 and _state(copies[0]) == "cli"
    assert "backed up" in capsys.readouterr().out
    (tmp_path / "broken.db").write_bytes(b"\x00" * 1000)
    assert cli.main(["restore", "broken.db"]) == 1
    assert "broken.db" in capsys.readouterr().err
    assert cli.main(["restore", str(copies[0])]) == 0
    assert _state(tmp_path / "chibo.db") == "cli"
    assert cli.main(["export", "--unit", "root", "--out", "out/all.xlsx"]) == 0
    assert (tmp_path / "out" / "all.xlsx").stat().st_size > 0
    assert cli.main(["export", "--unit", "nope", "--out", "x.xlsx"]) == 1
    assert "nope" in capsys.readouterr().err
