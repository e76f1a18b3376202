"""The enterprise register: its stages (a pure rule), who sees what, a cell's report feeding it,
the working group's list, founding a cell from an enterprise, the coverage figures, an imported
register (a dry run first, bad rows refused by row), and the migration that starts it."""

import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.features import admin, enterprises, importer
from bot.forms.fields import Invalid, fold
from bot.i18n import translator
from bot.rules.enterprises import (
    Stage,
    can_found_cell,
    contact_due,
    party_stage,
    stage_refusal,
    stages_to_record,
)
from storage import enterprises as register
from storage import records, units, users
from storage.database import Database, migrations
from storage.models import Role, User
from tests.unit.test_importer import fill_sheets

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)
VI = translator("vi")
ADMIN = enterprises.Scope(Role.ADMIN, None, None)


# ----- the rules -----------------------------------------------------------------------------------


def test_the_party_stage_is_the_furthest_recorded_or_told_by_the_figures() -> None:
    assert party_stage({}, 0, False) is Stage.NO_MEMBER
    assert party_stage({}, 2, False) is Stage.MEMBERS_ELSEWHERE  # members working there: told by the count
    assert party_stage({Stage.NO_MEMBER: TODAY}, 1, False) is Stage.MEMBERS_ELSEWHERE
    assert (
        party_stage({Stage.THREE_MEMBERS: TODAY, Stage.TRADE_UNION: TODAY}, 3, False) is Stage.THREE_MEMBERS
    )
    assert party_stage({Stage.THREE_MEMBERS: TODAY}, 3, True) is Stage.CELL_FOUNDED
    assert can_found_cell(Stage.THREE_MEMBERS, False) and not can_found_cell(Stage.THREE_MEMBERS, True)
    assert not can_found_cell(Stage.MEMBERS_ELSEWHERE, False)
    # A stage is recorded from the current one on; a cell is founded, not recorded; the unions always.
    assert stages_to_record(Stage.MEMBERS_ELSEWHERE, False) == [
        Stage.MEMBERS_ELSEWHERE,
        Stage.THREE_MEMBERS,
        Stage.TRADE_UNION,
        Stage.YOUTH_UNION,
    ]
    assert stages_to_record(Stage.CELL_FOUNDED, True) == [Stage.TRADE_UNION, Stage.YOUTH_UNION]
    assert stage_refusal(Stage.THREE_MEMBERS, 2) is not None and stage_refusal(Stage.THREE_MEMBERS, 3) is None
    assert stage_refusal(Stage.MEMBERS_ELSEWHERE, 0) is not None
    assert contact_due(None, TODAY) and contact_due(TODAY - timedelta(days=60), TODAY)
    assert not contact_due(TODAY - timedelta(days=59), TODAY)
    assert not contact_due(TODAY - timedelta(days=20), TODAY, days=30)


# ----- the register -----------------------------------------------------------------------------------


class Tree:
    """Two committees, a cell in the first, a secretary and a committee member of each."""

    a = b = honda = canon = 0
    lan: User
    binh: User
    cuc: User


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "t.db") as database:
        await database.migrate()
        yield database


@pytest.fixture
async def tree(db: Database) -> Tree:
    tree = Tree()
    tree.a = (await admin.add_unit(db, None, "kcn-a", "Đảng bộ KCN A", NOW))[0].id
    tree.honda = (await admin.add_unit(db, None, "kcn-a/cb-honda", "Chi bộ Honda", NOW))[0].id
    tree.canon = (await admin.add_unit(db, None, "kcn-a/cb-canon", "Chi bộ Canon", NOW))[0].id
    tree.b = (await admin.add_unit(db, None, "kcn-b", "Đảng bộ KCN B", NOW))[0].id
    async with db.transaction() as tx:
        for attribute, external, name, role, unit in (
            ("lan", "2001", "Lan", Role.SECRETARY, tree.honda),
            ("binh", "3001", "Bình", Role.COMMITTEE, tree.a),
            ("cuc", "3002", "Cúc", Role.COMMITTEE, tree.b),
        ):
            user = await users.upsert_contact(tx, "telegram", external, name, NOW)
            await users.set_role(tx, user.id, role, unit, NOW)
            setattr(tree, attribute, await users.get(tx, user.id))
    return tree


def entry(unit: int, name: str, zone: str = "KCN A", **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "unit_id": unit,
        "name": name,
        "zone": zone,
        "ownership": "foreign",
        "workers": 1000,
        "young_workers": 600,
        "youth_union_members": 30,
        "party_members": 0,
        "members_elsewhere": 0,
    }
    values.update(changes)
    return values


async def add(db: Database, values: dict[str, Any], cell: int | None = None, **flags: bool) -> int:
    async with db.transaction() as tx:
        return await enterprises.save_entry(
            tx,
            ADMIN,
            None,
            values,
            trade_union=flags.get("trade_union", True),
            youth_union=flags.get("youth_union", True),
            cell_id=cell,
            now=NOW,
        )


async def scope_of(db: Database, user: User) -> enterprises.Scope:
    return await enterprises.scope_of(db, user.role, user)


async def test_a_secretary_sees_their_own_enterprise_a_committee_member_their_subtree(
    db: Database, tree: Tree
) -> None:
    honda = await add(db, entry(tree.a, "Honda Việt Nam"), cell=tree.honda)
    canon = await add(db, entry(tree.a, "Canon Việt Nam"))
    samsung = await add(db, entry(tree.b, "Samsung Display", "KCN B"))
    lan, binh, cuc = [await scope_of(db, u) for u in (tree.lan, tree.binh, tree.cuc)]
    assert [e.id for e in await enterprises.visible(db, lan)] == [honda]
    assert await enterprises.find(db, lan, canon) is None and await enterprises.find(db, lan, samsung) is None
    assert await enterprises.zones(db, lan) == [("KCN A", 1)]
    assert {e.id for e in await enterprises.visible(db, binh)} == {honda, canon}
    assert await enterprises.find(db, binh, samsung) is None
    assert [e.id for e in await enterprises.visible(db, cuc)] == [samsung]
    assert {e.id for e in await enterprises.visible(db, ADMIN)} == {honda, canon, samsung}
    # The secretary reads the card, without the working group's notes, and changes nothing.
    card = await enterprises.card(db, lan, honda, TODAY)
    assert card is not None and not card.may_edit and card.contacts == [] and card.member is None
    async with db.transaction() as tx:
        with pytest.raises(Invalid):
            await enterprises.log_contact(tx, lan, honda, TODAY, "visit", "Thăm", NOW)
        with pytest.raises(Invalid):  # another committee's enterprise
            await enterprises.record_stage(tx, cuc, canon, Stage.TRADE_UNION, TODAY, NOW)
    assert [u.name for u in await enterprises.registers(db, binh)] == ["Đảng bộ KCN A"]


async def test_a_cells_report_feeds_the_register_once(db: Database, tree: Tree) -> None:
    report = {
        "name": "Honda Việt Nam",
        "zone": "KCN A",
        "workers": 1200,
        "young_workers": 700,
        "union_members": 900,
        "youth_union_members": 40,
        "members_elsewhere": 3,
    }
    async with db.transaction() as tx:
        await records.insert(
            tx,
            "meeting",
            tree.honda,
            {
                "on_date": "2026-11-05",
                "kind": "regular",
                "minutes": 90,
                "total": 9,
                "present": 9,
                "absent_with_reason": 0,
                "absent_without_reason": 0,
            },
            None,
            NOW,
        )
        first = await enterprises.sync_from_report(tx, tree.honda, report, tree.lan.id, NOW)
        again = await enterprises.sync_from_report(tx, tree.honda, report | {"workers": 1300}, None, NOW)
    assert first == again
    honda = await register.by_cell(db, tree.honda)
    assert honda is not None
    assert (honda.unit_id, honda.workers, honda.party_members, honda.ownership) == (tree.a, 1300, 12, None)
    assert set(honda.stages) == {"cell_founded", "trade_union", "youth_union"}
    assert enterprises.stage_of(honda) is Stage.CELL_FOUNDED

    # An enterprise the committee entered before its cell reported is linked, not entered twice.
    canon = await add(db, entry(tree.a, "Canon Việt Nam", party_members=3, members_elsewhere=3))
    async with db.transaction() as tx:
        linked = await enterprises.sync_from_report(
            tx, tree.canon, report | {"name": "CANON VIỆT NAM", "zone": "kcn a"}, None, NOW
        )
    assert linked == canon
    stored = await register.get(db, canon)
    assert stored is not None and stored.cell_id == tree.canon and stored.ownership == "foreign"
    assert await db.fetchval("SELECT COUNT(*) FROM enterprises") == 2


async def test_three_members_can_found_a_cell_which_links_the_new_unit(db: Database, tree: Tree) -> None:
    binh = await scope_of(db, tree.binh)
    firm = await add(db, entry(tree.a, "Công ty TNHH Nhựa An Phát", party_members=2, members_elsewhere=2))
    before = await enterprises.coverage(db, tree.a, TODAY)
    assert (before.total.enterprises, before.total.members_no_cell, before.total.could_found) == (1, 1, 0)
    async with db.transaction() as tx:
        with pytest.raises(Invalid) as refused:  # the register says two members
            await enterprises.record_stage(tx, binh, firm, Stage.THREE_MEMBERS, TODAY, NOW)
        assert "{least}" in refused.value.message
        await enterprises.save_entry(
            tx,
            binh,
            firm,
            entry(tree.a, "Công ty TNHH Nhựa An Phát", party_members=3, members_elsewhere=3),
            trade_union=True,
            youth_union=True,
            cell_id=None,
            now=NOW,
        )
        await enterprises.record_stage(tx, binh, firm, Stage.THREE_MEMBERS, date(2026, 11, 20), NOW)
        await enterprises.log_contact(tx, binh, firm, date(2026, 9, 1), "dialogue", "Đối thoại", NOW)
        await enterprises.assign(tx, ADMIN, firm, str(tree.binh.id), NOW)
        with pytest.raises(Invalid):  # Cúc is on committee B: not over this register
            await enterprises.assign(tx, ADMIN, firm, str(tree.cuc.id), NOW)
        with pytest.raises(Invalid):  # only admins found cells
            await enterprises.found_cell(tx, binh, firm, "cb-anphat", "Chi bộ An Phát", TODAY, NOW)
    work = await enterprises.worklist(db, tree.binh.id, TODAY)
    assert [e.id for e in work.could_found] == [firm] and [e.id for e in work.due] == [firm]
    card = await enterprises.card(db, binh, firm, TODAY)
    assert card is not None and card.could_found and card.due and card.member == tree.binh

    async with db.transaction() as tx:
        code = await enterprises.free_code(tx, "Công ty TNHH Nhựa An Phát")
        assert code == "cb-nhuaanphat"
        cell = await enterprises.found_cell(tx, ADMIN, firm, code, "Chi bộ Nhựa An Phát", TODAY, NOW)
    assert cell.parent_id == tree.a
    founded = await register.get(db, firm)
    assert founded is not None and founded.cell_id == cell.id
    assert founded.stages["cell_founded"] == TODAY
    assert not enterprises.could_found(founded)
    after = await enterprises.coverage(db, tree.a, TODAY)
    assert (after.total.with_cell, after.total.members_no_cell, after.total.could_found) == (1, 0, 0)
    assert after.founded.cells == 1
    assert (await enterprises.worklist(db, tree.binh.id, TODAY)).could_found == []
    audit = await db.fetchval(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'unit.add' AND subject = ?", (f"unit:{cell.id}",)
    )
    assert audit == 1


async def test_the_register_refuses_twice_one_enterprise_and_spells_a_zone_one_way(
    db: Database, tree: Tree
) -> None:
    await add(db, entry(tree.a, "Canon Việt Nam", zone="KCN Quế Võ"))
    with pytest.raises(Invalid):
        await add(db, entry(tree.a, "CANON  việt nam", zone="kcn que vo"))
    other = await add(db, entry(tree.a, "Canon Precision", zone="kcn QUE VO"))
    stored = await register.get(db, other)
    assert stored is not None and stored.zone == "KCN Quế Võ"
    # Decomposed accents (some keyboards send them) are the same letters.
    decomposed = unicodedata.normalize("NFD", "Công ty Thụy Vân")
    third = await add(db, entry(tree.a, decomposed, zone=unicodedata.normalize("NFD", "KCN Quế Võ")))
    stored = await register.get(db, third)
    assert stored is not None and (stored.name, stored.zone) == ("Công ty Thụy Vân", "KCN Quế Võ")
    with pytest.raises(Invalid):
        await add(db, entry(tree.a, "CÔNG TY THỤY VÂN", zone="KCN Quế Võ"))
    found = await enterprises.visible(db, await scope_of(db, tree.binh))
    assert [e.name for e in found if fold("thuy van") in fold(e.name)] == ["Công ty Thụy Vân"]
    await add(db, entry(tree.a, "Honda 1"), cell=tree.honda)
    with pytest.raises(Invalid):  # a cell belongs to one enterprise
        await add(db, entry(tree.a, "Honda 2"), cell=tree.honda)


async def test_coverage_by_zone_and_the_year_founded(db: Database, tree: Tree) -> None:
    await add(
        db, entry(tree.a, "A1", zone="KCN A", young_workers=500, youth_union_members=20), cell=tree.honda
    )
    await add(db, entry(tree.a, "A2", zone="KCN A", party_members=1, members_elsewhere=1, young_workers=100))
    b1 = await add(db, entry(tree.a, "B1", zone="KCN B", young_workers=400), youth_union=False)
    await add(db, entry(tree.b, "Other committee", zone="KCN B"))
    async with db.transaction() as tx:
        await enterprises.record_stage(tx, ADMIN, b1, Stage.TRADE_UNION, date(2026, 3, 1), NOW)
        await enterprises.record_stage(tx, ADMIN, b1, Stage.YOUTH_UNION, date(2025, 3, 1), NOW)
    c = await enterprises.coverage(db, tree.a, TODAY)
    assert [(z.zone, z.enterprises, z.with_cell, z.members_no_cell, z.young_workers) for z in c.zones] == [
        ("KCN A", 2, 1, 1, 600),
        ("KCN B", 1, 0, 0, 400),
    ]
    assert (c.total.young_workers, c.total.youth_union_members) == (1000, 50)
    # Dated this year: one trade union (B1's). Undated yes-es (a form's, an import's) are not counted.
    assert (c.founded.trade_unions, c.founded.youth_union_branches) == (1, 0)
    assert c.total.trade_unions == 3 and c.unassigned == 3
    # A cell's own digest counts its enterprise (in its committee's register).
    own = await enterprises.coverage(db, tree.honda, TODAY)
    assert (own.total.enterprises, own.total.with_cell, [z.zone for z in own.zones]) == (1, 1, ["KCN A"])


# ----- the import ---------------------------------------------------------------------------------------


def enterprise_row(number: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": f"Công ty TNHH Số {number}",
        "zone": "KCN Thụy Vân" if number % 2 else "KCN Phú Hà",
        "ownership": "Có vốn đầu tư nước ngoài",
        "workers": 500,
        "young_workers": 300,
        "trade_union": "Có",
        "youth_union": "Không",
    }
    row.update(changes)
    return row


def register_file(rows: list[dict[str, Any]], unit_rows: list[dict[str, Any]] | None = None) -> bytes:
    sheets = {importer.SHEET_ENTERPRISES: rows, importer.SHEET_UNITS: unit_rows or []}
    return fill_sheets(importer.template(VI), sheets)


async def test_a_register_of_forty_is_checked_first_and_bad_rows_refused_by_row(
    db: Database, tree: Tree
) -> None:
    rows = [enterprise_row(n, register="kcn-a") for n in range(1, 41)]
    rows[4] = enterprise_row(5, zone="KCN 012345678901")  # an ID-like number (row 6)
    rows[9] = enterprise_row(10, young_workers=900)  # more young workers than workers (row 11)
    rows[0] |= {"party_members": 4, "members_elsewhere": 4, "member": "Bình"}
    rows[1] |= {"cell": "cb-honda", "youth_union": "có", "youth_union_members": 25}
    rows[2] |= {"cell": "cb-new"}
    data = register_file(rows, [{"code": "cb-new", "parent": "kcn-a", "name": "Chi bộ mới"}])
    parsed = importer.read_workbook(data, VI)
    assert len(parsed.enterprises) == 40
    plan = await importer.check(db, parsed, VI, TODAY)
    assert [(e.sheet, e.row, e.column) for e in plan.errors] == [
        (importer.SHEET_ENTERPRISES, 6, "zone"),
        (importer.SHEET_ENTERPRISES, 11, "young_workers"),
    ]
    text = importer.render_plan(plan, parsed, "kcn.xlsx", VI)
    assert "Doanh nghiệp, dòng 6, cột “Khu/cụm công nghiệp”" in text
    assert "Doanh nghiệp, dòng 11, cột “Lao động trẻ (dưới 30 tuổi)”" in text
    assert "2 dòng có lỗi" in text
    with pytest.raises(importer.ImportRefused):
        await importer.apply(db, parsed, VI, None, NOW, TODAY)
    assert await db.fetchval("SELECT COUNT(*) FROM enterprises") == 0  # nothing was imported

    rows[4], rows[9] = enterprise_row(5, register="kcn-a"), enterprise_row(10, register="kcn-a")
    fixed = importer.read_workbook(
        register_file(rows, [{"code": "cb-new", "parent": "kcn-a", "name": "Chi bộ mới"}]), VI
    )
    plan = await importer.check(db, fixed, VI, TODAY)
    assert plan.errors == [] and len(plan.enterprises) == 40
    assert "doanh nghiệp sẽ thêm vào danh sách: 40" in importer.render_plan(plan, fixed, "kcn.xlsx", VI)
    assert await importer.apply(db, fixed, VI, None, NOW, TODAY) is not None
    c = await enterprises.coverage(db, tree.a, TODAY)
    assert (c.total.enterprises, c.total.with_cell, c.total.members_no_cell) == (40, 2, 1)
    first = next(e for e in await register.listing(db, None) if e.name == "Công ty TNHH Số 1")
    assert first.assigned_to == tree.binh.id and first.stages == {"trade_union": None}
    honda = await register.by_cell(db, tree.honda)
    assert honda is not None and honda.youth_union_members == 25
    # The same file again: every enterprise is in the register already.
    again = await importer.check(db, fixed, VI, TODAY)
    assert len(again.errors) >= 40


async def test_import_refusals_of_the_register(db: Database, tree: Tree) -> None:
    rows = [
        enterprise_row(1, register="cb-honda"),  # a cell with a secretary is no register
        enterprise_row(2, cell="kcn-a"),  # a committee is no cell
        enterprise_row(3, member="Cúc", register="kcn-a"),  # committee B's member
        enterprise_row(4, youth_union_members=5),  # members without a branch
        enterprise_row(5, party_members=1, members_elsewhere=2),
        enterprise_row(6, ownership="hợp tác xã"),
        enterprise_row(7, name="Công ty 123456789"),  # an ID-like number
        enterprise_row(8, register="nope"),
    ]
    plan = await importer.check(db, importer.read_workbook(register_file(rows), VI), VI, TODAY)
    assert [(e.row, e.column) for e in plan.errors] == [
        (2, "register"),
        (3, "cell"),
        (4, "member"),
        (5, "youth_union_members"),
        (6, "members_elsewhere"),
        (7, "ownership"),
        (8, "name"),
        (9, "register"),
    ]
    assert plan.rows_with_errors == 8


# ----- the migration -----------------------------------------------------------------------------------


async def test_the_migration_puts_each_reporting_cell_in_the_register(tmp_path: Path) -> None:
    async with Database(tmp_path / "old.db") as db:
        for number, _, sql in migrations():
            if number < 13:
                await db._conn.executescript(f"BEGIN; {sql}; PRAGMA user_version = {number}; COMMIT;")
        committee = await units.add(db, "kcn-a", "Đảng bộ KCN A", units.ROOT_ID, NOW)
        cell = await units.add(db, "cb-honda", "Chi bộ Honda", committee.id, NOW)
        for day, workers, union in (("2026-01-10", 900, 0), ("2026-11-10", 1000, 800)):
            await records.insert(
                db,
                "enterprise",
                cell.id,
                {
                    "on_date": day,
                    "name": "Honda Việt Nam",
                    "zone": "KCN A",
                    "workers": workers,
                    "young_workers": 500,
                    "union_members": union,
                    "youth_union_members": 0,
                    "members_elsewhere": 2,
                },
                None,
                NOW,
            )
        await db.migrate()
        entries = await register.listing(db, None)
        assert [(e.name, e.unit_id, e.cell_id, e.workers, e.party_members) for e in entries] == [
            ("Honda Việt Nam", committee.id, cell.id, 1000, 2)
        ]
        assert entries[0].stages == {"cell_founded": None, "trade_union": None}
