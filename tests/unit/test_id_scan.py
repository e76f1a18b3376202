"""/findids: the ID numbers an older guard let in are found where they are, and never shown."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.features import admin, id_scan
from bot.i18n import translator
from storage import records, units
from storage.database import Database

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
VI = translator("vi")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "t.db") as database:
        await database.migrate()
        await admin.add_unit(database, None, "kcn-a", "Đảng bộ KCN A", NOW)
        await admin.add_unit(database, None, "kcn-a/cb-honda", "Chi bộ Công ty Honda", NOW)
        yield database


async def test_old_rows_holding_id_numbers_are_listed_without_the_numbers(db: Database) -> None:
    honda = await units.by_code(db, "cb-honda")
    assert honda is not None
    async with db.transaction() as tx:
        # What the old guard let through, written as it stored it.
        await tx.execute(
            "UPDATE units SET name = 'Chi bộ 001.234.567.890' WHERE code = 'kcn-a'",
        )
        person = await records.insert(
            tx,
            "person",
            honda.id,
            {
                "full_name": "Lê Văn An",
                "birth_year": 1996,
                "gender": "male",
                "position": "worker",
                "youth_union": 1,
                "helper1": "Trần Bình",
                "helper2": "Phạm Hoa",
                "note": "CCCD 079 123 456 789",
            },
            None,
            NOW,
        )
        await records.insert(
            tx,
            "meeting",
            honda.id,
            {
                "on_date": "2026-11-05",
                "kind": "regular",
                "minutes": 90,
                "total": 10,
                "present": 10,
                "absent_with_reason": 0,
                "absent_without_reason": 0,
                "topic": "Thu 100.000.000 đồng, họp 12.05.2025 14.30",
            },
            None,
            NOW,
        )
        activity = await records.insert(
            tx,
            "activity",
            honda.id,
            {
                "on_date": "2026-11-10",
                "kind": "other",
                "title": "Giúp đỡ công nhân",
                "participants": 5,
                "note": "số 001\u00a0234\u00a0567\u00a0890",
            },
            None,
            NOW,
        )
        await tx.execute("UPDATE activities SET deleted_at = ? WHERE id = ?", (NOW.isoformat(), activity))
    findings = await id_scan.scan(db)
    assert [(f.kind, f.record_id, f.column, f.deleted) for f in findings] == [
        ("unit", 2, "name", False),
        ("activity", activity, "note", True),
        ("person", person, "note", False),
    ]
    text = str(id_scan.render(findings, await units.all_units(db), VI))
    assert "Có 3 mục dữ liệu" in text
    assert "• <b>kcn-a</b> · thông tin của đơn vị · Tên" in text  # its code: its name holds the number
    assert "• <b>Chi bộ Công ty Honda</b> · Quần chúng ưu tú mới số 1, 24/11/2026 · Ghi chú" in text
    assert "Hoạt động số 1, 10/11/2026 · Ghi chú <i>(bản ghi đã xóa)</i>" in text
    # Never the number itself: no digits but those of the record numbers and dates.
    assert not re.search(r"\d{5}|\d{3}[ .\u00a0]\d{3}", text), text


async def test_a_clean_database_says_so(db: Database) -> None:
    assert await id_scan.scan(db) == []
    assert "Không có dữ liệu nào" in str(id_scan.render([], [], VI))
