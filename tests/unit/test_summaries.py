"""The summaries migration 0006 keeps on write (counts per unit and month, each unit's latest record,
each person's steps) against the records themselves, after random inserts, corrections, soft and hard
deletions, and units added after the records. A wrong trigger would make the digest count wrong
without any other test noticing, since the digest reads only the summaries for whole months."""

import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import data_ops, records, tree, units
from storage.database import Database

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
STEPS = ("source", "awareness_class", "application", "cell_vote", "admission_decision", "ceremony")
COUNTED = {"step": ("pipeline_steps", "step"), "transfer": ("transfers", "direction")}
COUNTED |= {"meeting": ("meetings", "kind"), "activity": ("activities", "kind")}
TIMED = ("people", "pipeline_steps", "transfers", "meetings", "activities", "enterprise_snapshots")
TIMED += ("mentor_notes",)  # migration 0012


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "summaries.db") as database:
        await database.migrate()
        yield database


def day(rng: random.Random) -> str:
    return (date(2025, 6, 1) + timedelta(days=rng.randrange(540))).isoformat()


def values(kind: str, rng: random.Random, person: int | None = None) -> dict[str, Any]:
    if kind == "person":
        return {
            "full_name": f"Người {rng.randrange(10**6)}",
            "birth_year": 1995,
            "gender": "female",
            "position": "worker",
            "youth_union": 1,
            "helper1": "Trần Bình",
            "helper2": "Phạm Hoa",
        }
    if kind == "transfer":
        return {
            "direction": rng.choice(("in", "out")),
            "kind": "official",
            "study": 0,
            "member_name": "Lê Chuyển",
            "on_date": day(rng),
        }
    if kind == "meeting":
        return {
            "on_date": day(rng),
            "kind": rng.choice(("regular", "thematic", "both")),
            "minutes": 90,
            "total": 10,
            "present": 9,
            "absent_with_reason": 1,
            "absent_without_reason": 0,
        }
    if kind == "activity":
        return {
            "on_date": day(rng),
            "kind": rng.choice(("volunteer", "study")),
            "title": "Hoạt động",
            "participants": 5,
        }
    if kind == "enterprise":
        return {
            "on_date": day(rng),
            "name": "Công ty",
            "zone": "KCN A",
            "workers": 100,
            "young_workers": 50,
            "union_members": 80,
            "youth_union_members": 30,
            "members_elsewhere": 2,
        }
    raise AssertionError(kind)


async def random_writes(db: Database, rng: random.Random, cells: list[int], n: int) -> None:
    """Write, correct and delete records at random, as forms, /mine, imports and /deleteperson do."""
    live: dict[str, list[int]] = {
        k: [] for k in ("person", "step", "transfer", "meeting", "activity", "enterprise", "mentor")
    }
    steps_of: dict[int, list[str]] = {}
    for i in range(n):
        moment = NOW - timedelta(minutes=n - i)
        action = rng.random()
        async with db.transaction() as tx:
            if action < 0.55 or not any(live.values()):
                kind = rng.choice(
                    ("person", "step", "transfer", "meeting", "activity", "enterprise", "mentor")
                )
                cell = rng.choice(cells)
                if kind == "mentor":
                    if not live["person"]:
                        continue
                    person = rng.choice(live["person"])
                    row = await records.get(tx, "person", person)
                    noted = await tx.fetchall(
                        "SELECT quarter FROM mentor_notes WHERE person_id = ? AND deleted_at IS NULL",
                        (person,),
                    )
                    free = sorted({1, 2, 3, 4} - {r["quarter"] for r in noted})
                    if row is None or not free:
                        continue
                    values_ = {"person_id": person, "quarter": free[0], "note": "Tiến bộ"}
                    new = await records.insert(tx, "mentor", row.unit_id, values_, None, moment)
                elif kind == "step":
                    if not live["person"]:
                        continue
                    person = rng.choice(live["person"])
                    taken = steps_of[person]
                    if len(taken) == len(STEPS):
                        continue
                    row = await records.get(tx, "person", person)
                    assert row is not None
                    step = next(s for s in STEPS if s not in taken)
                    new = await records.insert(
                        tx,
                        "step",
                        row.unit_id,
                        {"person_id": person, "step": step, "on_date": day(rng)},
                        None,
                        moment,
                    )
                    taken.append(step)
                else:
                    new = await records.insert(tx, kind, cell, values(kind, rng), None, moment)
                    if kind == "person":
                        steps_of[new] = []
                live[kind].append(new)
            elif action < 0.75:
                kind = rng.choice(
                    [k for k, ids in live.items() if ids and k not in ("person", "step", "mentor")]
                    or ["person"]
                )
                if not live[kind]:
                    continue
                record_id = rng.choice(live[kind])
                if kind == "person":
                    await records.update(tx, kind, record_id, {"birth_year": 1990}, moment)
                else:
                    changed = values(kind, rng)
                    await records.update(tx, kind, record_id, changed, moment)
            elif action < 0.92:
                kind = rng.choice([k for k, ids in live.items() if ids])
                record_id = live[kind].pop(rng.randrange(len(live[kind])))
                await records.soft_delete(tx, kind, record_id, moment)
                if kind == "person":
                    steps_of.pop(record_id)
            else:
                if not live["person"]:
                    continue
                person = live["person"].pop(rng.randrange(len(live["person"])))
                steps_of.pop(person)
                await data_ops.erase_person(tx, person)
            live["mentor"] = [
                r["id"] for r in await tx.fetchall("SELECT id FROM mentor_notes WHERE deleted_at IS NULL")
            ]
            live["step"] = [
                r["id"]
                for r in await tx.fetchall(
                    "SELECT id FROM pipeline_steps WHERE deleted_at IS NULL AND step != 'source'"
                )
            ]
            for person, taken in steps_of.items():
                rows = await tx.fetchall(
                    "SELECT step FROM pipeline_steps WHERE person_id = ? AND deleted_at IS NULL", (person,)
                )
                taken[:] = [s for s in STEPS if s in {r["step"] for r in rows}]


async def expected_counts(db: Database) -> Counter[tuple[int, str, str, str]]:
    ancestors = await db.fetchall(
        """
        WITH RECURSIVE up(unit_id, ancestor_id) AS (
            SELECT id, id FROM units UNION ALL
            SELECT up.unit_id, u.parent_id FROM up JOIN units u ON u.id = up.ancestor_id
            WHERE u.parent_id IS NOT NULL
        ) SELECT unit_id, ancestor_id FROM up
        """
    )
    above: dict[int, list[int]] = {}
    for row in ancestors:
        above.setdefault(row["unit_id"], []).append(row["ancestor_id"])
    counts: Counter[tuple[int, str, str, str]] = Counter()
    for kind, (table, column) in COUNTED.items():
        rows = await db.fetchall(
            f"SELECT unit_id, {column} AS key, on_date FROM {table} WHERE deleted_at IS NULL"
        )
        for row in rows:
            for unit in above[row["unit_id"]]:
                counts[(unit, kind, row["key"], row["on_date"][:7])] += 1
    return counts


async def check(db: Database) -> None:
    kept = await db.fetchall("SELECT unit_id, kind, key, month, n FROM record_counts WHERE n != 0")
    assert Counter(
        {(r["unit_id"], r["kind"], r["key"], r["month"]): r["n"] for r in kept}
    ) == await expected_counts(db)

    latest: dict[int, str] = {}
    for table in TIMED:
        for row in await db.fetchall(
            f"SELECT unit_id, MAX(created_at) AS at FROM {table} WHERE deleted_at IS NULL GROUP BY unit_id"
        ):
            latest[row["unit_id"]] = max(latest.get(row["unit_id"], ""), row["at"])
    last = await db.fetchall("SELECT unit_id, at FROM unit_last_record WHERE at IS NOT NULL")
    assert {r["unit_id"]: r["at"] for r in last} == latest

    steps: dict[int, dict[str, str]] = {}
    for row in await db.fetchall(
        """
        SELECT s.person_id, s.step, s.on_date FROM pipeline_steps s JOIN people p ON p.id = s.person_id
        WHERE s.deleted_at IS NULL AND p.deleted_at IS NULL
        """
    ):
        steps.setdefault(row["person_id"], {})[row["step"]] = row["on_date"]
    kept_steps = {}
    for row in await db.fetchall("SELECT * FROM pipelines"):
        dated = {s: row[s] for s in STEPS if row[s] is not None}
        if dated:
            kept_steps[row["person_id"]] = dated
    assert kept_steps == steps


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_summaries_match_the_records_after_random_writes(db: Database, seed: int) -> None:
    rng = random.Random(seed)
    async with db.transaction() as tx:
        a = await units.add(tx, "a", "Đảng bộ A", units.ROOT_ID, NOW)
        b = await units.add(tx, "b", "Đảng bộ B", units.ROOT_ID, NOW)
        cells = [
            (await units.add(tx, f"c{i}", f"Chi bộ {i}", (a if i < 3 else b).id, NOW)).id for i in range(5)
        ]
    await random_writes(db, rng, cells, 300)
    await check(db)
    # A unit added later under a committee adds to that committee's counts, and to the root's.
    async with db.transaction() as tx:
        late = await units.add(tx, "c9", "Chi bộ mới", a.id, NOW)
    await random_writes(db, rng, [late.id], 60)
    await check(db)
    nothing = await db.fetchone("SELECT COUNT(*) AS n FROM record_counts WHERE n < 0")
    assert nothing is not None and nothing["n"] == 0


@pytest.mark.parametrize("seed", [4, 5])
async def test_summaries_follow_units_that_move_and_cells_that_merge(db: Database, seed: int) -> None:
    """Moving a cell or a whole committee, and merging two cells, keeps every kept count equal to the
    records counted where their cells now are (migration 0011), as more writes follow."""
    rng = random.Random(seed)
    async with db.transaction() as tx:
        a = await units.add(tx, "a", "Đảng bộ A", units.ROOT_ID, NOW)
        b = await units.add(tx, "b", "Đảng bộ B", units.ROOT_ID, NOW)
        a1 = await units.add(tx, "a1", "Đảng bộ A1", a.id, NOW)
        cells = [
            (await units.add(tx, f"c{i}", f"Chi bộ {i}", (a1 if i < 2 else a if i < 4 else b).id, NOW)).id
            for i in range(6)
        ]
    await random_writes(db, rng, cells, 250)
    await check(db)
    async with db.transaction() as tx:
        await tree.move(tx, cells[0], b.id)  # a cell from A1 (under A) to B
    await check(db)
    async with db.transaction() as tx:
        await tree.move(tx, a1.id, b.id)  # a whole committee with its cells
    await check(db)
    await random_writes(db, rng, cells, 80)
    async with db.transaction() as tx:
        await tree.move(tx, a1.id, a.id)  # and back
        await tree.merge_cells(tx, cells[2], cells[5])  # a cell of A into a cell of B
    await check(db)
    assert await db.fetchval("SELECT COUNT(*) FROM units WHERE id = ?", (cells[2],)) == 0
    await random_writes(db, rng, [c for c in cells if c != cells[2]], 80)
    await check(db)
    # A person's admission under way is counted where the person now is.
    moved = await db.fetchval(
        "SELECT COUNT(*) FROM pipelines l JOIN people p ON p.id = l.person_id WHERE l.unit_id != p.unit_id"
    )
    assert moved == 0
    # The tree never loops: a unit does not go under itself or under a unit below it.
    for unit, parent in ((a.id, a1.id), (a.id, a.id), (a1.id, cells[1])):
        with pytest.raises(Exception, match="cannot move under itself"):
            await db.execute("UPDATE units SET parent_id = ? WHERE id = ?", (parent, unit))
