"""Deletion on request: a user anonymised (their records still count), a person erased for good,
and the audit keeping only an anonymous line with the counts."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import UserError
from bot.features import admin, mine
from bot.features import audit as audit_view
from bot.features import erasure as privacy_ops
from bot.forms.fields import FormContext
from bot.i18n import translator
from storage import audit, drafts, outbox, records, reviews, users
from storage.database import Database
from storage.models import Role, User

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
VI = translator("vi")
SETTINGS = Settings(admins=frozenset({1000}))


@dataclass
class World:
    db: Database
    honda: int
    canon: int
    ha: User  # admin
    lan: User  # secretary of cb-honda
    minh: User  # secretary of cb-canon
    an: int  # a person of cb-honda, entered by Lan
    an_steps: list[int]
    khoa: int  # another person of cb-honda


async def _user(db: Database, external: str, name: str, role: Role, unit: int) -> User:
    async with db.transaction() as tx:
        user = await users.upsert_contact(tx, "telegram", external, name, NOW)
        await users.set_role(tx, user.id, role, unit, NOW)
    fresh = await users.get(db, user.id)
    assert fresh is not None
    return fresh


async def _saved_person(db: Database, user: User, unit: int, name: str) -> tuple[int, list[int]]:
    """Store a person as the /candidate and /progress forms do, with their audit lines."""
    values = {
        "full_name": name,
        "birth_year": 1995,
        "gender": "male",
        "position": "worker",
        "youth_union": 1,
        "helper1": "Trần Bình",
        "helper2": "Phạm Hoa",
        "note": f"Ghi chú về {name}",
    }
    async with db.transaction() as tx:
        person = await records.insert(tx, "person", unit, values, user.id, NOW)
        await audit.record(
            tx, NOW, user.id, "person.create", unit_id=unit, subject=f"person:{person}", new=values
        )
        steps = []
        for step, day in (("source", "2025-01-01"), ("awareness_class", "2025-03-01")):
            step_values = {"person_id": person, "step": step, "on_date": day}
            step_id = await records.insert(tx, "step", unit, step_values, user.id, NOW)
            await audit.record(
                tx, NOW, user.id, "step.create", unit_id=unit, subject=f"step:{step_id}", new=step_values
            )
            steps.append(step_id)
    return person, steps


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with Database(tmp_path / "t.db") as db:
        await db.migrate()
        await admin.add_unit(db, None, "kcn-a", "Đảng bộ KCN A", NOW)
        honda, _ = await admin.add_unit(db, None, "kcn-a/cb-honda", "Chi bộ Honda", NOW)
        canon, _ = await admin.add_unit(db, None, "kcn-a/cb-canon", "Chi bộ Canon", NOW)
        ha = await _user(db, "1000", "Hà", Role.ADMIN, 1)
        lan = await _user(db, "2001", "Nguyễn Thị Lan", Role.SECRETARY, honda.id)
        minh = await _user(db, "2002", "Minh", Role.SECRETARY, canon.id)
        an, an_steps = await _saved_person(db, lan, honda.id, "Lê Văn An")
        khoa, _ = await _saved_person(db, lan, honda.id, "Vũ Khoa")
        yield World(db, honda.id, canon.id, ha, lan, minh, an, an_steps, khoa)


async def test_forgetting_a_user_keeps_their_records_without_their_name(world: World) -> None:
    db, lan = world.db, world.lan
    async with db.transaction() as tx:
        await drafts.create(tx, lan.id, "meeting", world.honda, None, {"minutes": 90}, "total", NOW)
        await outbox.enqueue(tx, "digest:1", lan.id, "digest", "Chào đồng chí Nguyễn Thị Lan", NOW)
        await outbox.enqueue(tx, "reminder:1", world.minh.id, "deadline", "Nguyễn Thị Lan đã báo cáo", NOW)
        await audit.record(
            tx, NOW, world.ha.id, "note", new={"by": "Nguyễn Thị Lan", "about": "Nguyễn Thị Lanh"}
        )
    target = await privacy_ops.forget_target(db, SETTINGS, world.ha, "2001")
    assert (target.user.id, target.records) == (lan.id, 4)  # two people and two awareness steps

    counts = await privacy_ops.forget(db, world.ha.id, lan.id, NOW)
    assert counts is not None
    assert (counts.records_kept, counts.drafts_deleted, counts.messages_deleted) == (4, 1, 1)
    row = await db.fetchone("SELECT * FROM users WHERE id = ?", (lan.id,))
    assert row is not None
    assert (row["display_name"], row["role"], row["unit_id"], row["active"]) == ("—", None, None, 0)
    assert row["external_id"] == f"forgotten:{lan.id}"
    assert await users.by_external(db, "telegram", "2001") is None  # writing again starts afresh
    # The records stay, still theirs, still counted.
    assert (
        await db.fetchval(
            "SELECT COUNT(*) FROM people WHERE created_by = ? AND deleted_at IS NULL", (lan.id,)
        )
        == 2
    )
    assert await db.fetchval("SELECT COUNT(*) FROM drafts WHERE user_id = ?", (lan.id,)) == 0
    # Their name is nowhere: not in messages, not in the audit (a longer name stays whole).
    values = []
    for table in ("users", "outbox", "audit_log", "drafts"):
        values += [str(v) for r in await db.fetchall(f"SELECT * FROM {table}") for v in tuple(r)]
    dump = "\n".join(values)
    assert 'Nguyễn Thị Lan"' not in dump and "Nguyễn Thị Lan đã" not in dump
    assert "Nguyễn Thị Lanh" in dump
    line = await db.fetchone("SELECT * FROM audit_log WHERE action = 'user.forget'")
    assert line is not None and line["unit_id"] is None
    assert json.loads(line["new_value"]) == {"drafts_deleted": 1, "messages_deleted": 1, "records_kept": 4}
    # The audit view says who did what, without naming the forgotten user.
    page = await audit_view.page_of(db, None, 0, VI, SETTINGS.timezone, "tất cả đơn vị")
    assert "Xóa dữ liệu người dùng theo yêu cầu" in page.text
    assert "sau: about: Nguyễn Thị Lanh, by: —" in page.text
    assert "người dùng (đã xóa)" in page.text  # who entered the people, anonymous now
    # Once is enough.
    assert await privacy_ops.forget(db, world.ha.id, lan.id, NOW) is None


@pytest.mark.parametrize(
    ("external", "message"),
    [
        ("abc", "“{text}” is not a user's id: give the id /users shows."),
        ("", "Give the user's id, as /users shows it."),
        ("1000", "This person is an admin by configuration (CHIBO_ADMINS); remove them there."),
        ("9999", "No user has the id {id}."),
    ],
)
async def test_forget_refuses(world: World, external: str, message: str) -> None:
    with pytest.raises(UserError) as refused:
        await privacy_ops.forget_target(world.db, SETTINGS, world.ha, external)
    assert refused.value.message == message


async def test_nobody_forgets_themselves(world: World) -> None:
    with pytest.raises(UserError) as refused:
        await privacy_ops.forget_target(world.db, Settings(), world.ha, "1000")
    assert refused.value.message == "You cannot delete your own data; ask another admin."


async def test_erasing_a_person_removes_them_for_good(world: World) -> None:
    db = world.db
    async with db.transaction() as tx:
        await drafts.create(
            tx, world.lan.id, "progress", world.honda, None, {"person": str(world.an)}, "step", NOW
        )
        await drafts.create(tx, world.minh.id, "candidate", world.honda, world.an, {}, "@review", NOW)
        await outbox.enqueue(
            tx, "deadline:an", world.lan.id, "deadline", "Hạn lễ kết nạp của <b>Lê Văn An</b>", NOW
        )
    assert await privacy_ops.erase(db, world.minh.id, Role.SECRETARY, world.canon, world.an, NOW) is None
    steps = await privacy_ops.erase(db, world.lan.id, Role.SECRETARY, world.honda, world.an, NOW)
    assert steps == 2
    assert await db.fetchval("SELECT COUNT(*) FROM people WHERE id = ?", (world.an,)) == 0
    assert await db.fetchval("SELECT COUNT(*) FROM pipeline_steps WHERE person_id = ?", (world.an,)) == 0
    assert await db.fetchval("SELECT COUNT(*) FROM drafts") == 0
    text = await db.fetchval("SELECT text FROM outbox WHERE key = 'deadline:an'")
    assert text == "Hạn lễ kết nạp của <b>—</b>"
    # The audit keeps that things happened, not the person's values.
    subjects = [f"person:{world.an}", *(f"step:{s}" for s in world.an_steps)]
    for subject in subjects:
        line = await db.fetchone("SELECT * FROM audit_log WHERE subject = ?", (subject,))
        assert line is not None and (line["old_value"], line["new_value"]) == (None, None)
    everything = " ".join(str(v) for r in await db.fetchall("SELECT * FROM audit_log") for v in tuple(r))
    assert "Lê Văn An" not in everything and "Vũ Khoa" in everything
    erased = await db.fetchone("SELECT * FROM audit_log WHERE action = 'person.erase'")
    assert erased is not None
    assert (erased["unit_id"], erased["actor_id"], erased["subject"]) == (world.honda, world.lan.id, None)
    assert json.loads(erased["new_value"]) == {"people": 1, "steps": 2}
    # The other person is untouched, and the deleted one cannot be deleted twice.
    assert await records.person(db, world.khoa) is not None
    assert await privacy_ops.erase(db, world.ha.id, Role.ADMIN, None, world.an, NOW) is None


async def test_the_list_of_people_to_delete(world: World) -> None:
    db = world.db
    # A person removed from the list with /mine can still be deleted for good.
    ctx = FormContext(db, world.lan, Role.SECRETARY, NOW, SETTINGS.timezone, VI)
    assert await mine.delete(ctx, "person", world.khoa)
    lan_list = await privacy_ops.people_for(db, Role.SECRETARY, world.honda, "", VI)
    assert [c.label for c in lan_list] == [
        "Lê Văn An (1995) · giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng",
        "Vũ Khoa (1995) · đã xóa khỏi danh sách",
    ]
    assert await privacy_ops.people_for(db, Role.SECRETARY, world.canon, "", VI) == []
    assert await privacy_ops.people_for(db, Role.COMMITTEE, world.honda, "", VI) == []
    found = await privacy_ops.people_for(db, Role.ADMIN, None, "le van", VI)
    assert [(c.id, c.label, c.steps) for c in found] == [
        (world.an, "Lê Văn An (1995) · Chi bộ Honda · giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng", 2)
    ]
    assert await privacy_ops.deletion_candidate(db, Role.SECRETARY, world.canon, world.an, VI) is None
    assert await privacy_ops.erase(db, world.lan.id, Role.SECRETARY, world.honda, world.khoa, NOW) == 2


async def test_erasing_a_person_takes_their_mentor_notes_and_the_committees_comments(world: World) -> None:
    db = world.db
    member = await _user(db, "3001", "Bình", Role.COMMITTEE, 1)
    async with db.transaction() as tx:
        note = await records.insert(
            tx,
            "mentor",
            world.honda,
            {"person_id": world.an, "quarter": 1, "note": "An tiến bộ"},
            world.lan.id,
            NOW,
        )
        await audit.record(
            tx, NOW, world.lan.id, "mentor.create", subject=f"mentor:{note}", new={"note": "An tiến bộ"}
        )
        for kind, record in (("person", world.an), ("step", world.an_steps[1]), ("mentor", note)):
            returned = await reviews.add(
                tx, kind, record, world.honda, "Sửa lại hồ sơ của An", member.id, NOW
            )
            await audit.record(
                tx,
                NOW,
                member.id,
                "return.create",
                subject=f"return:{returned}",
                new={"comment": "hồ sơ của An"},
            )
        kept = await reviews.add(
            tx, "person", world.khoa, world.honda, "Khoa: thiếu năm sinh", member.id, NOW
        )
        await drafts.create(
            tx, member.id, "return", None, None, {"record": f"step.{world.an_steps[1]}"}, "comment", NOW
        )
        await drafts.create(
            tx, world.lan.id, "mentor", world.honda, None, {"person": str(world.an)}, "note", NOW
        )
    assert await privacy_ops.erase(db, world.lan.id, Role.SECRETARY, world.honda, world.an, NOW) == 2
    assert await db.fetchval("SELECT COUNT(*) FROM mentor_notes") == 0
    assert [r["id"] for r in await db.fetchall("SELECT id FROM record_returns")] == [kept]
    assert await db.fetchval("SELECT COUNT(*) FROM drafts") == 0
    for line in await db.fetchall(
        "SELECT * FROM audit_log WHERE action IN ('mentor.create', 'return.create')"
    ):
        assert (line["old_value"], line["new_value"]) == (None, None)
