"""Names as people type them: composed or decomposed, capitals, both tone-mark placements, pasted
invisible characters; one person for all of them, and stored names rewritten by migration 0009."""

import sqlite3
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.features import admin
from bot.forms.fields import parse_name, parse_text, search
from storage import records
from storage.database import Database, migrations
from storage.names import clean_name, clean_text, name_key, search_key

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
NAME = "Nguyễn Văn An"
DECOMPOSED = unicodedata.normalize("NFD", NAME)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (NAME, "NGUYỄN VĂN AN"),
        (NAME, DECOMPOSED),
        (NAME, "nguyễn  văn\tan"),
        (NAME, "Nguyễn\u200b Văn An\u200e"),
        ("Phạm Thị Thủy", "Phạm Thị Thuỷ"),
        ("Lê Văn Hòa", "LÊ VĂN HOÀ"),
        ("Trần Quý", "Trần Qúy"),
        ("Đặng Văn Lâm", "ÐẶNG VĂN LÂM"),  # typed with an eth
    ],
)
def test_one_name_however_it_is_typed(one: str, other: str) -> None:
    assert name_key(one) == name_key(other)


@pytest.mark.parametrize(
    ("one", "other"), [("Nguyễn Văn An", "Nguyễn Văn Ân"), ("Lê Thủy", "Lê Thúy"), ("Hòa", "Hoa")]
)
def test_other_names_stay_other(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


def test_names_are_stored_composed_and_without_invisible_characters() -> None:
    typed = "\u202e" + DECOMPOSED + "\u200b\u2060 "
    assert clean_name(typed) == NAME
    assert parse_name(typed) == NAME
    assert unicodedata.is_normalized("NFC", parse_text(DECOMPOSED + "\u200f đã nộp đơn"))
    # Emoji keep the joiner that makes them one picture; text keeps its lines.
    assert clean_text("👨\u200d👩\u200d👧\nok\u200b") == "👨\u200d👩\u200d👧\nok"


def test_search_ignores_diacritics_and_reads_d_for_dj() -> None:
    options = [("1", "Đặng Thị Thủy (1990)"), ("2", DECOMPOSED + " (1995)"), ("3", "Lê Hoà (1991)")]
    assert search("dang thuy", options) == options[:1]
    assert search("Thuỷ", options) == options[:1]
    assert search("nguyen van an", options) == options[1:2]
    assert search("NGUYỄN", options) == options[1:2]
    assert search("hòa", options) == options[2:]
    assert search_key("Đặng") == "dang"


async def test_the_duplicate_check_knows_the_same_name(tmp_path: Path) -> None:
    async with Database(tmp_path / "t.db") as db:
        await db.migrate()
        await admin.add_unit(db, None, "cb", "Chi bộ A", NOW)
        unit = await admin.unit_by_code(db, "cb")
        async with db.transaction() as tx:
            await records.insert(tx, "person", unit.id, _person(DECOMPOSED), None, NOW)
        for typed in (NAME, "NGUYỄN VĂN AN", "nguyễn văn an"):
            assert await records.count_namesakes(db, unit.id, typed, 1995, but=0) == 1
        assert await records.count_namesakes(db, unit.id, NAME, 1996, but=0) == 0


def _person(name: str) -> dict[str, object]:
    return {
        "full_name": name,
        "birth_year": 1995,
        "gender": "male",
        "position": "worker",
        "youth_union": 1,
        "helper1": "Trần Bình",
        "helper2": "Phạm Hoa",
    }


async def test_migration_0009_rewrites_the_names_stored_before(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    # A database of migration 0008, written as the old chibo wrote what keyboards sent.
    with sqlite3.connect(path) as conn:
        for number, _, sql in migrations()[:8]:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        conn.execute(
            "INSERT INTO units (id, code, name, parent_id, created_at) VALUES (2, 'cb', ?, 1, '2026-01-01')",
            (unicodedata.normalize("NFD", "Chi bộ Công ty Hòa Bình") + "\u200b",),
        )
        conn.execute(
            """
            INSERT INTO people (unit_id, full_name, birth_year, gender, position, youth_union, helper1,
                                helper2, created_at, updated_at)
            VALUES (2, ?, 1995, 'male', 'worker', 1, ?, 'Phạm Hoa', '2026-01-01', '2026-01-01')
            """,
            (DECOMPOSED, "Trần\u00a0 Bình\u202c"),
        )
        conn.execute(
            """
            INSERT INTO transfers (unit_id, direction, kind, member_name, on_date, created_at, updated_at)
            VALUES (2, 'in', 'official', ?, '2026-01-01', '2026-01-01', '2026-01-01')
            """,
            (DECOMPOSED,),
        )
    async with Database(path) as db:
        assert await db.migrate() == [name for _, name, _ in migrations()[8:]]
        person = await db.fetchone("SELECT full_name, helper1 FROM people")
        assert person is not None
        assert (person["full_name"], person["helper1"]) == (NAME, "Trần Bình")
        assert await db.fetchval("SELECT member_name FROM transfers") == NAME
        assert await db.fetchval("SELECT name FROM units WHERE code = 'cb'") == "Chi bộ Công ty Hòa Bình"
        # Found by the name typed the ordinary way.
        assert await db.fetchval("SELECT COUNT(*) FROM people WHERE full_name = ?", (NAME,)) == 1
