"""Reorganising the unit tree through the real bot: a cell moved to another committee is counted, past
months included, in the new committee's digest and no longer in the old one's, and both digests say so;
a rename and a merge, each previewed and confirmed; the secretaries are told; old or forged buttons do
nothing."""

import json

from storage import records, units
from storage.database import Database
from tests.e2e.conftest import NOW, Tree, texts
from tests.e2e.harness import RunningBot

MEETING = {
    "kind": "regular",
    "minutes": 120,
    "total": 5,
    "present": 5,
    "absent_with_reason": 0,
    "absent_without_reason": 0,
}


async def add_meetings(db: Database, unit_code: str, days: list[str]) -> None:
    unit = await units.by_code(db, unit_code)
    assert unit is not None
    async with db.transaction() as tx:
        for day in days:
            await records.insert(tx, "meeting", unit.id, {**MEETING, "on_date": day}, None, NOW)


async def test_a_cell_moved_to_another_committee_counts_there_and_no_longer_here(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    # Canon (under KCN A) met in March, June and October; Samsung (under KCN B) in October.
    await add_meetings(side_db, "cb-canon", ["2026-03-05", "2026-06-05", "2026-10-05"])
    await add_meetings(side_db, "cb-sam", ["2026-10-06"])
    binh = await tree.binh.send("/digest")  # KCN A, in Vietnamese
    cuc = await tree.cuc.send("/digest")  # KCN B, in English
    # Canon is one of KCN A's two cells, and its meetings count there.
    assert "· 2 chi bộ" in binh.text and "Số buổi sinh hoạt: 0 / 3" in binh.text
    assert "Canon" not in cuc.text and "Cell meetings: 0 / 1" in cuc.text

    preview = await tree.admin.send("/moveunit cb-canon kcn-b")
    assert "Chuyển Chi bộ Công ty Canon (1 chi bộ) từ Đảng bộ KCN A về Đảng bộ KCN B?" in preview.text
    assert "3 bản ghi" in preview.text and "1 bí thư" in preview.text
    # Nothing moved before the confirmation.
    assert "Canon" not in (await tree.cuc.send("/digest")).text
    minh_before = len(texts(tree.minh))
    done = await tree.admin.press("✅ Đồng ý, thực hiện")
    assert "✅ Chi bộ Công ty Canon nay trực thuộc Đảng bộ KCN B." in done.text
    await bot.tick()
    told = texts(tree.minh)[minh_before:]
    assert any(
        "Chi bộ Công ty Canon now belongs to Đảng bộ KCN B (before: Đảng bộ KCN A)" in t for t in told
    ), told

    binh = await tree.binh.send("/digest")
    cuc = await tree.cuc.send("/digest")
    # The cell's past months went with it: KCN B counts Canon's three meetings, KCN A none of them.
    assert "Số buổi sinh hoạt: 0 / 0" in binh.text
    assert "Cell meetings: 0 / 4" in cuc.text
    assert "Chi bộ Công ty Canon" in cuc.text and "Số chi bộ: 1" in binh.text
    assert "Không còn gồm Chi bộ Công ty Canon, đã chuyển đi ngày 24/11/2026 (về Đảng bộ KCN B)" in binh.text
    assert "Includes Chi bộ Công ty Canon, moved in on 24/11/2026 (from Đảng bộ KCN A)" in cuc.text
    # The root's digest counts everything once, moved or not.
    assert "Số buổi sinh hoạt: 0 / 4" in (await tree.admin.send("/digest")).text
    # The secretary keeps her cell and her records; the audit log has the old and the new parent.
    assert "Chi bộ Công ty Canon" in (await tree.minh.send("/whoami")).text
    line = await side_db.fetchone("SELECT old_value, new_value FROM audit_log WHERE action = 'unit.move'")
    assert line is not None
    assert (
        json.loads(line["old_value"])["parent"] == "kcn-a"
        and json.loads(line["new_value"])["parent"] == "kcn-b"
    )


async def test_rename_and_merge_are_previewed_confirmed_and_told(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    await add_meetings(side_db, "cb-canon", ["2026-10-05"])
    await add_meetings(side_db, "cb-honda", ["2026-10-07"])
    await tree.admin.dialog(
        [
            ("/renameunit cb-honda", "Ghi mã đơn vị và tên mới"),
            ("/renameunit root Đảng bộ mới", "CHIBO_ROOT_NAME"),
            (
                "/renameunit cb-honda Chi bộ Công ty Honda Việt Nam",
                "Đổi tên Chi bộ Công ty Honda (cb-honda) thành Chi bộ Công ty Honda Việt Nam?",
            ),
            ("[✅ Đồng ý, thực hiện]", "nay mang tên Chi bộ Công ty Honda Việt Nam"),
            ("/mergecells cb-canon kcn-a", "là đảng bộ: chỉ sáp nhập hai chi bộ"),
            ("/mergecells cb-canon cb-canon", "Không thể sáp nhập một chi bộ vào chính nó"),
            ("/mergecells cb-canon cb-honda", ["Sáp nhập chi bộ Chi bộ Công ty Canon vào chi bộ", "✖ Hủy"]),
            ("[✖ Hủy]", []),
        ]
    )
    assert tree.admin.callback_answer() == "Đã hủy; không có gì thay đổi."
    assert await units.by_code(side_db, "cb-canon") is not None
    await tree.admin.send("/mergecells cb-canon cb-honda")
    before = {p.id: len(texts(p)) for p in (tree.lan, tree.minh)}
    await tree.admin.dialog([("[✅ Đồng ý, thực hiện]", "Đã sáp nhập Chi bộ Công ty Canon vào")])
    await bot.tick()
    assert await units.by_code(side_db, "cb-canon") is None
    # Canon's meeting keeps its date and author and is now Honda's; its secretary is Honda's.
    honda = await units.by_code(side_db, "cb-honda")
    assert honda is not None
    rows = await side_db.fetchall("SELECT on_date, unit_id FROM meetings ORDER BY on_date")
    assert [(r["on_date"], r["unit_id"]) for r in rows] == [
        ("2026-10-05", honda.id),
        ("2026-10-07", honda.id),
    ]
    assert "Chi bộ Công ty Honda Việt Nam" in (await tree.minh.send("/whoami")).text
    assert any("was merged into" in t for t in texts(tree.minh)[before[tree.minh.id] :])
    assert any("đã sáp nhập vào" in t for t in texts(tree.lan)[before[tree.lan.id] :])
    digest = await tree.binh.send("/digest")
    assert "Chi bộ Công ty Canon đã sáp nhập vào Chi bộ Công ty Honda Việt Nam ngày 24/11/2026" in digest.text
    assert "Chi bộ Công ty Honda đổi tên thành Chi bộ Công ty Honda Việt Nam ngày 24/11/2026" in digest.text
    assert "Số buổi sinh hoạt: 0 / 2" in digest.text and "Số chi bộ: 1" in digest.text


async def test_old_and_forged_tree_buttons_change_nothing(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    first = await tree.admin.send("/moveunit cb-canon kcn-b")
    await tree.admin.send("/moveunit cb-honda kcn-b")  # a newer preview replaces the first
    await tree.admin.press_data(first.last.message_id, first.last.buttons[0][0].value or "")
    assert tree.admin.callback_answer() == "Nút này không còn hiệu lực. Đồng chí vui lòng bắt đầu lại."
    await tree.admin.press_data(first.last.message_id, "v1:ut:y:deadbeef", strict=False)
    assert tree.admin.callback_answer() == "Nút này không còn hiệu lực. Đồng chí vui lòng bắt đầu lại."
    canon = await units.by_code(side_db, "cb-canon")
    kcn_a = await units.by_code(side_db, "kcn-a")
    assert canon is not None and kcn_a is not None and canon.parent_id == kcn_a.id
    # A unit moves under a committee, or under a new unit with nothing in it yet, never under a cell in use.
    await tree.admin.dialog(
        [
            ("/moveunit cb-sam cb-canon", "là chi bộ đã có bản ghi hoặc bí thư"),
            ("/addunit kcn-c Đảng bộ KCN C", "Đã thêm đơn vị"),
            (
                "/moveunit cb-sam kcn-c",
                "Chuyển Chi bộ Công ty Samsung (1 chi bộ) từ Đảng bộ KCN B về Đảng bộ KCN C?",
            ),
            ("/moveunit kcn-a cb-honda", "đơn vị trực thuộc nó"),
            ("/moveunit root kcn-a", "luôn ở trên cùng"),
            ("/moveunit cb-nowhere kcn-a", "Không có đơn vị mã cb-nowhere"),
        ]
    )
    # A secretary cannot press an admin's button, nor move anything.
    assert "chỉ dành cho quản trị viên" in (await tree.lan.send("/moveunit cb-honda kcn-b")).text
    # The tree changed between the preview and the press: the confirmation checks again.
    preview = await tree.admin.send("/moveunit cb-honda kcn-b")
    async with side_db.transaction() as tx:
        kcn_b = await units.by_code(tx, "kcn-b")
        honda = await units.by_code(tx, "cb-honda")
        assert kcn_b is not None and honda is not None
        await tx.execute("UPDATE units SET parent_id = ? WHERE id = ?", (kcn_b.id, honda.id))
    reply = await tree.admin.press_data(preview.last.message_id, preview.last.buttons[0][0].value or "")
    assert "đã trực thuộc Đảng bộ KCN B" in reply.text
