"""Units, invitations and users, straight through the service functions and a real SQLite file."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import UserError
from bot.features import admin
from storage import audit, users
from storage.database import Database
from storage.models import Role

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "t.db") as database:
        await database.migrate()
        yield database


async def test_migrations_are_applied_once(db: Database) -> None:
    assert await db.user_version() >= 1
    assert await db.migrate() == []
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    assert await db.fetchval("PRAGMA journal_mode") == "wal"


async def test_unit_tree(db: Database) -> None:
    kcn, root = await admin.add_unit(db, None, "kcn-a", "Đảng bộ KCN A", NOW)
    assert root.code == "root"
    cell, parent = await admin.add_unit(db, None, "KCN-A/cb-honda", "  Chi bộ   Honda ", NOW)
    assert parent.id == kcn.id
    assert (cell.code, cell.name) == ("cb-honda", "Chi bộ Honda")
    nodes = await admin.tree(db)
    assert [(n.unit.code, n.depth, n.is_committee) for n in nodes] == [
        ("root", 0, True),
        ("kcn-a", 1, True),
        ("cb-honda", 2, False),
    ]


@pytest.mark.parametrize(
    ("path", "name", "message"),
    [
        ("bad code", "Name", "A unit code"),
        ("x" * 40, "Name", "A unit code"),
        ("nope/cb", "Name", "There is no unit"),
        ("cb", "A", "A name has"),
        ("cb", "Chi bộ 001203004567", "ID or party card"),
    ],
)
async def test_bad_units_are_refused(db: Database, path: str, name: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        await admin.add_unit(db, None, path, name, NOW)
    assert message in caught.value.message
    assert [n.unit.code for n in await admin.tree(db)] == ["root"]


async def test_duplicate_code_is_refused(db: Database) -> None:
    await admin.add_unit(db, None, "cb", "Chi bộ", NOW)
    with pytest.raises(UserError, match="taken"):
        await admin.add_unit(db, None, "CB", "Chi bộ 2", NOW)


async def test_invitation_is_single_use_and_registers(db: Database) -> None:
    await admin.add_unit(db, None, "cb", "Chi bộ", NOW)
    token, invitation, unit = await admin.invite(db, None, "cb", "bithu", NOW, days=7)
    assert len(token) >= 22  # at least 128 bits in base64
    assert invitation.role is Role.SECRETARY
    assert await db.fetchval("SELECT COUNT(*) FROM invitations WHERE token_hash = ?", (token,)) == 0
    registration = await admin.redeem(db, "telegram", "42", "Lan", token, NOW)
    assert registration.user.role is Role.SECRETARY
    assert registration.unit.id == unit.id
    with pytest.raises(UserError, match="used already"):
        await admin.redeem(db, "telegram", "43", "Mai", token, NOW)
    assert await users.by_external(db, "telegram", "43") is None
    actions = [e.action for e in await audit.latest(db)]
    assert actions[:2] == ["user.register", "invitation.create"]


async def test_expired_revoked_and_made_up_tokens_change_nothing(db: Database) -> None:
    await admin.add_unit(db, None, "cb", "Chi bộ", NOW)
    expired, _, _ = await admin.invite(db, None, "cb", "secretary", NOW - timedelta(days=8), days=7)
    revoked, invitation, _ = await admin.invite(db, None, "cb", "committee", NOW, days=7)
    await admin.uninvite(db, None, str(invitation.id), NOW)
    for token, reason in [
        (expired, "expired"),
        (revoked, "withdrawn"),
        ("A" * 32, "not valid"),
        ("x", "not valid"),
    ]:
        with pytest.raises(UserError, match=reason):
            await admin.redeem(db, "telegram", "42", "Lan", token, NOW)
    assert await users.by_external(db, "telegram", "42") is None


async def test_a_secretary_belongs_to_a_cell(db: Database) -> None:
    await admin.add_unit(db, None, "kcn", "KCN", NOW)
    await admin.add_unit(db, None, "kcn/cb", "Chi bộ", NOW)
    with pytest.raises(UserError, match="is a committee"):
        await admin.invite(db, None, "kcn", "secretary", NOW, days=7)
    with pytest.raises(UserError, match="is a committee"):
        await admin.invite(db, None, "root", "secretary", NOW, days=7)
    token, _, _ = await admin.invite(db, None, "cb", "secretary", NOW, days=7)
    await admin.redeem(db, "telegram", "42", "Lan", token, NOW)
    with pytest.raises(UserError, match="cell with a secretary"):
        await admin.add_unit(db, None, "cb/sub", "Tổ", NOW)


async def test_revoke(db: Database) -> None:
    await admin.add_unit(db, None, "cb", "Chi bộ", NOW)
    token, _, _ = await admin.invite(db, None, "cb", "secretary", NOW, days=7)
    registration = await admin.redeem(db, "telegram", "42", "Lan", token, NOW)
    with pytest.raises(UserError, match="own access"):
        await admin.revoke_user(db, registration.user, "42", NOW)
    revoked = await admin.revoke_user(db, None, "42", NOW)
    assert revoked.id == registration.user.id
    stored = await users.get(db, revoked.id)
    assert stored is not None
    assert not stored.registered
    with pytest.raises(UserError, match="No registered user"):
        await admin.revoke_user(db, None, "42", NOW)


async def test_a_failed_transaction_leaves_nothing(db: Database) -> None:
    async def failing() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO kv (key, value) VALUES ('a', 'b')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await failing()
    assert await db.fetchval("SELECT COUNT(*) FROM kv") == 0
