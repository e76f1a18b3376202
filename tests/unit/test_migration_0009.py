"""Migration 0009 on a database an older chibo wrote: the unit of each waiting message is read
from its key, closed drafts lose their answers, and a revoked admin's invitations are withdrawn."""

import sqlite3
from pathlib import Path

from storage.database import Database, migrations


def _old_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        for number, _, sql in migrations()[:8]:
            conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        stamp = "2026-11-01T00:00:00+00:00"
        conn.executescript(
            f"""
            INSERT INTO units (id, code, name, parent_id, created_at) VALUES
                (2, 'kcn-a', 'Đảng bộ KCN A', 1, '{stamp}'), (3, 'cb-honda', 'Chi bộ Honda', 2, '{stamp}');
            INSERT INTO users (id, external_id, display_name, role, unit_id, active, created_at, updated_at)
            VALUES (1, '2001', 'Lan', 'secretary', 3, 1, '{stamp}', '{stamp}'),
                   (2, '4001', 'Phó', 'admin', 1, 0, '{stamp}', '{stamp}');
            INSERT INTO people (id, unit_id, full_name, birth_year, gender, position, youth_union, helper1,
                                helper2, created_at, updated_at)
            VALUES (7, 3, 'Lê Hoa', 1995, 'female', 'worker', 1, 'A B', 'C D', '{stamp}', '{stamp}');
            INSERT INTO outbox (key, user_id, kind, text, not_before, created_at, sent_at) VALUES
                ('deadline:1:p7:ceremony:2026-12-01:7', 1, 'deadline', 'x', '{stamp}', '{stamp}', NULL),
                ('deadline:1:t3:Lê Hoa:official_transfer:2026-12-01:7', 1, 'deadline', 'x', '{stamp}',
                 '{stamp}', NULL),
                ('meeting:1:3:2026-11', 1, 'meeting', 'x', '{stamp}', '{stamp}', NULL),
                ('meeting-nudge:1:3:2026-11', 1, 'nudge', 'x', '{stamp}', '{stamp}', NULL),
                ('weekly:1:2026-W48', 1, 'nudge', 'x', '{stamp}', '{stamp}', NULL),
                ('meeting:1:3:2026-10', 1, 'meeting', 'x', '{stamp}', '{stamp}', '{stamp}');
            INSERT INTO drafts (user_id, form, unit_id, answers, position, status, created_at, updated_at)
            VALUES (1, 'candidate', 3, '{{"full_name": "Lê Hoa"}}', '@review', 'saved', '{stamp}', '{stamp}'),
                   (1, 'meeting', 3, '{{"on_date": "2026-11-01"}}', 'kind', 'open', '{stamp}', '{stamp}');
            INSERT INTO invitations (token_hash, unit_id, role, created_by, created_at, expires_at) VALUES
                ('h1', 1, 'admin', 2, '{stamp}', '2099-01-01T00:00:00+00:00'),
                ('h2', 3, 'secretary', NULL, '{stamp}', '2099-01-01T00:00:00+00:00');
            """
        )


async def test_migration_0009_on_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    async with Database(path) as db:
        await db.migrate()
        units = {r["key"]: r["unit_id"] for r in await db.fetchall("SELECT key, unit_id FROM outbox")}
        assert units == {
            "deadline:1:p7:ceremony:2026-12-01:7": 3,
            "deadline:1:t3:Lê Hoa:official_transfer:2026-12-01:7": 3,
            "meeting:1:3:2026-11": 3,
            "meeting-nudge:1:3:2026-11": 3,
            "weekly:1:2026-W48": None,  # about the recipient's own cell, whatever it is
            "meeting:1:3:2026-10": None,  # sent long ago
        }
        answers = {r["status"]: r["answers"] for r in await db.fetchall("SELECT status, answers FROM drafts")}
        assert answers == {"saved": "{}", "open": '{"on_date": "2026-11-01"}'}
        revoked = {
            r["token_hash"]: r["revoked_at"] is not None
            for r in await db.fetchall("SELECT * FROM invitations")
        }
        assert revoked == {"h1": True, "h2": False}
