"""Transfers as a pipeline in storage: what the transfers recorded before migration 0010 become, an arrival
in one cell completing the matching transfer out of another (names compared in one Unicode form, case and
spaces aside, namesakes never guessed), and a change of the tree that fails half-way changing nothing."""

import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.features import transfers as transfer_steps
from bot.features import tree as unit_tree
from storage import records, transfers, units, users
from storage.database import Database, migrations

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "t.db") as database:
        await database.migrate()
        yield database


async def test_old_transfers_become_steps_without_loss(tmp_path: Path) -> None:
    async with Database(tmp_path / "old.db") as db:
        # A database as the version before 0010 left it, with a transfer of each kind.
        for number, _, sql in migrations():
            if number < 10:
                await db._conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        async with db.transaction() as tx:
            cell = await units.add(tx, "cb", "Chi bộ", units.ROOT_ID, NOW)
            old = [
                ("in", "official", "Vào Chính", "2026-03-02", None),
                ("out", "official", "Ra Chính", "2026-03-02", None),
                ("out", "temporary", "Tạm Đã Về", "2025-01-02", "2025-09-30"),  # ended before the migration
                ("in", "temporary", "Tạm Còn", "2026-10-01", "2099-03-31"),  # still running
            ]
            for direction, kind, name, on, end in old:
                await tx.execute(
                    "INSERT INTO transfers (unit_id, direction, kind, member_name, on_date, end_date, note, "
                    "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'ghi chú', NULL, ?, ?)",
                    (cell.id, direction, kind, name, on, end, NOW.isoformat(), NOW.isoformat()),
                )
        # The transfers' migration runs first of those the old database lacks (later ones follow).
        applied = await db.migrate()
        assert applied[:2] == ["0010_transfer_steps.sql", "0011_unit_moves.sql"]
        rows = await db.fetchall(
            "SELECT member_name, on_date, end_date, letter_date, done_on, note FROM transfers ORDER BY id"
        )
        assert [tuple(r) for r in rows] == [
            # An official transfer in was the member presenting the letter: arrived on its date.
            ("Vào Chính", "2026-03-02", None, None, "2026-03-02", "ghi chú"),
            # An official transfer out stays open: its date is the decision's, the letter is awaited.
            ("Ra Chính", "2026-03-02", None, None, None, "ghi chú"),
            # A temporary transfer that had ended returned on its end date; a running one is open.
            ("Tạm Đã Về", "2025-01-02", "2025-09-30", None, "2025-09-30", "ghi chú"),
            ("Tạm Còn", "2026-10-01", "2099-03-31", None, None, "ghi chú"),
        ]
        # The kept counts of 0006 are untouched: the same four transfers counted by their dates.
        assert (
            await db.fetchval("SELECT SUM(n) FROM record_counts WHERE kind = 'transfer' AND unit_id = 1") == 4
        )


async def add(db: Database, cell: int, **values: object) -> int:
    row = {"kind": "official", "direction": "out", "study": 0, "on_date": "2026-10-01", **values}
    async with db.transaction() as tx:
        return await records.insert(tx, "transfer", cell, row, None, NOW)


async def arrive(
    db: Database, cell: int, name: str, letter: str, arrived: str
) -> transfer_steps.TransferRow | None:
    arrival = await add(db, cell, direction="in", member_name=name, on_date=letter, done_on=arrived)
    async with db.transaction() as tx:
        row = await transfers.get(tx, arrival)
        assert row is not None
        return await transfer_steps.close_matching_out(tx, row, NOW, None)


async def test_an_arrival_closes_one_matching_transfer_out_and_never_guesses(db: Database) -> None:
    async with db.transaction() as tx:
        a = (await units.add(tx, "a", "Chi bộ A", units.ROOT_ID, NOW)).id
        b = (await units.add(tx, "b", "Chi bộ B", units.ROOT_ID, NOW)).id
        c = (await units.add(tx, "c", "Chi bộ C", units.ROOT_ID, NOW)).id
    one = await add(db, a, member_name="Lê Văn Một", letter_date="2026-10-10")
    # The arriving name typed decomposed, in capitals, the tone mark placed otherwise ("Hoà" for "Hòa").
    one_more = await add(db, a, member_name="Đỗ Văn Hòa", letter_date="2026-10-10")
    closed = await arrive(db, b, unicodedata.normalize("NFD", "ĐỖ VĂN HOÀ"), "2026-10-10", "2026-10-20")
    assert closed is not None and closed.id == one_more
    closed = await arrive(db, b, unicodedata.normalize("NFD", "LÊ VĂN MỘT"), "2026-10-10", "2026-10-20")
    assert closed is not None and closed.id == one
    assert (await transfers.get(db, one)).done_on == date(2026, 10, 20)  # type: ignore[union-attr]
    # Two namesakes leaving two cells: the letter's date tells them apart...
    first = await add(db, a, member_name="Trần Hai", letter_date="2026-10-05")
    second = await add(db, c, member_name="Trần Hai", letter_date="2026-10-12")
    closed = await arrive(db, b, "Trần Hai", "2026-10-12", "2026-10-22")
    assert closed is not None and closed.id == second
    assert (await transfers.get(db, first)).done_on is None  # type: ignore[union-attr]
    # ... and when it does not, none is closed: a wrong match would hide a transfer really open.
    third = await add(db, c, member_name="Trần Hai", letter_date="2026-10-05")
    assert await arrive(db, b, "Trần Hai", "2026-10-01", "2026-10-22") is None
    assert (await transfers.get(db, first)).done_on is None  # type: ignore[union-attr]
    assert (await transfers.get(db, third)).done_on is None  # type: ignore[union-attr]
    # Not the arriving cell's own transfer out, nor one whose letter came after the arrival.
    own = await add(db, b, member_name="Phạm Ba")
    later = await add(db, c, member_name="Phạm Ba", letter_date="2026-11-20")
    assert await arrive(db, b, "Phạm Ba", "2026-10-01", "2026-10-15") is None
    assert (await transfers.get(db, own)).done_on is None  # type: ignore[union-attr]
    assert (await transfers.get(db, later)).done_on is None  # type: ignore[union-attr]


async def test_a_change_of_the_tree_that_fails_half_way_changes_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.transaction() as tx:
        a = await units.add(tx, "a", "Đảng bộ A", units.ROOT_ID, NOW)
        b = await units.add(tx, "b", "Đảng bộ B", units.ROOT_ID, NOW)
        cell = await units.add(tx, "cb", "Chi bộ", a.id, NOW)
        admin = (await users.upsert_contact(tx, "telegram", "1000", "Quản trị", NOW)).id
    await add(db, cell.id, member_name="Đi Xa")
    change = await unit_tree.plan_move(db, "cb", "b")
    token = await unit_tree.propose(db, admin, change)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(unit_tree.tree, "record_change", broken)
    with pytest.raises(RuntimeError):
        await unit_tree.confirm(db, admin, token, NOW, None)
    moved = await units.get(db, cell.id)
    assert moved is not None and moved.parent_id == a.id
    counts = await db.fetchall(
        "SELECT unit_id, n FROM record_counts WHERE kind = 'transfer' ORDER BY unit_id"
    )
    assert [(r["unit_id"], r["n"]) for r in counts] == [(1, 1), (a.id, 1), (cell.id, 1)]
    assert b.id not in [r["unit_id"] for r in counts]
    # The confirmation is still pending: pressing again, once the fault is gone, does it.
    monkeypatch.undo()
    assert await unit_tree.confirm(db, admin, token, NOW, None) is not None
    moved = await units.get(db, cell.id)
    assert moved is not None and moved.parent_id == b.id
