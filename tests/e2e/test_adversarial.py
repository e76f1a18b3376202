"""What an adversarial review of issues 13-21 broke, through the real bot: each test failed before its fix."""

from datetime import UTC, datetime

import pytest

from storage.database import Database
from tests.e2e.conftest import Tree, texts
from tests.e2e.harness import RunningBot, register
from tests.e2e.test_transfers import add_transfer

OLD_BUTTON = "Nút này không còn hiệu lực. Đồng chí vui lòng bắt đầu lại."
ROLE = "Vai trò của đồng chí không dùng được lệnh này. Xem /help."  # a button of another role's
TROUBLE = "hệ thống gặp sự cố"
# Ids no row has, and that SQLite's INTEGER cannot hold: a forged button must be refused like any other.
HUGE = "9" * 25
FORGED = [
    f"v1:rv:o:meeting:{HUGE}",  # open a record (review)
    f"v1:rv:r:meeting:{HUGE}",  # send it back
    f"v1:rv:c:{HUGE}",  # correct a record sent back
    f"v1:cl:{HUGE}:0",  # a cell's page from the digest
    f"v1:en:o:{HUGE}",  # an enterprise of the register
    f"v1:tf:{HUGE}",  # a transfer's step from its reminder
    f"v1:m:e:meeting:{HUGE}",  # /mine: edit a record
    "v1:cl:\u0661:0",  # an Arabic-Indic digit: int() reads it, no button of ours holds one
]


@pytest.mark.parametrize("who", ["admin", "binh", "lan"])
async def test_forged_buttons_naming_impossible_ids_get_the_old_button_answer(
    bot: RunningBot, tree: Tree, who: str
) -> None:
    person = getattr(tree, who)
    message = (await person.send("/help")).last
    for data in FORGED:
        reply = await person.press_data(message.message_id, data, strict=False)
        assert TROUBLE not in reply.text, data
        assert person.callback_answer() in (OLD_BUTTON, ROLE), data


async def test_uninvite_with_a_number_no_invitation_can_have_says_so(tree: Tree) -> None:
    reply = await tree.admin.send(f"/uninvite {HUGE}")
    assert TROUBLE not in reply.text
    assert f"Không có lời mời số {HUGE} còn hiệu lực." in reply.text


async def test_a_committee_whose_cells_all_moved_away_is_not_merged_into_a_cell(
    bot: RunningBot, tree: Tree
) -> None:
    # KCN A's two cells go to KCN B; KCN A, with its committee member Bình, has no unit under it.
    for cell in ("cb-honda", "cb-canon"):
        await tree.admin.send(f"/moveunit {cell} kcn-b")
        await tree.admin.press("✅ Đồng ý, thực hiện")
    # Merged into a cell of KCN B, Bình would become a committee member of that cell, over its records.
    for command in ("/mergecells kcn-a cb-sam", "/mergecells cb-sam kcn-a"):
        reply = await tree.admin.send(command)
        assert "Đảng bộ KCN A là đảng bộ: chỉ sáp nhập hai chi bộ với nhau." in reply.text, command
        assert "Đồng ý" not in " ".join(reply.buttons)
    assert "Đơn vị: Đảng bộ KCN A" in (await tree.binh.send("/whoami")).text


async def test_a_transfer_step_recorded_by_two_secretaries_at_once_is_kept_once_and_told_plainly(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    hoa = bot.person(2009, "Hoa", language="vi")
    await register(bot, tree.admin, hoa, "cb-honda", "bithu")
    await add_transfer(
        side_db, "cb-honda", member_name="Đỗ Văn Long", on_date="2026-10-01", letter_date="2026-10-20"
    )
    await bot.tick()  # both secretaries get the reminder, with its button
    for secretary, day in ((tree.lan, "hôm qua"), (hoa, "hôm nay")):
        await secretary.press("Ghi nhận: nơi chuyển đến đã tiếp nhận")
        await secretary.send(day)
    assert "Đã lưu: Bước chuyển sinh hoạt" in (await tree.lan.press("1. ✅ Lưu")).text
    late = await hoa.press("1. ✅ Lưu")
    assert "Việc chuyển sinh hoạt này đã hoàn thành." in late.text
    # Her answers are no longer choices: the review shows them as gone, not as an id and a code.
    assert "• Bước: —" in late.text and "• Chuyển sinh hoạt đảng: —" in late.text
    assert "received" not in late.text and "Chuyển sinh hoạt đảng: 1" not in late.text
    stored = await side_db.fetchall("SELECT done_on FROM transfers")
    assert [tuple(r) for r in stored] == [("2026-11-23",)]


async def test_the_digest_buttons_leave_out_a_cell_moved_to_another_committee_since(
    bot: RunningBot, tree: Tree
) -> None:
    await tree.binh.send("/digest")  # KCN A: Honda and Canon have recorded nothing
    await tree.admin.send("/moveunit cb-canon kcn-b")
    await tree.admin.press("✅ Đồng ý, thực hiện")
    minh_before = len(texts(tree.minh))
    report = await tree.binh.press("📣 Nhắc 2 chi bộ chưa báo cáo")
    assert "📣 Đã nhắc: 1 chi bộ (1 tin nhắn tới bí thư).\n• Honda" in report.text
    assert "Đã chuyển về đảng bộ khác sau khi có bản tin, không nhắc: 1\n• Canon" in report.text
    await bot.tick()
    # Canon is KCN B's now: KCN A's committee member does not chase its secretary.
    assert not any("Bình (Đảng bộ KCN A)" in t for t in texts(tree.minh)[minh_before:])
    cells = await tree.binh.press("🔎 Xem chi tiết một chi bộ")
    assert cells.buttons == ["1. Honda"]


async def test_a_date_button_pressed_after_midnight_shows_the_date_it_gave(
    bot: RunningBot, tree: Tree
) -> None:
    bot.clock.now = datetime(2026, 11, 24, 16, 58, tzinfo=UTC)  # 23:58 in Hà Nội
    await tree.lan.send("/activity")
    bot.clock.now = datetime(2026, 11, 24, 17, 3, tzinfo=UTC)  # 00:03 on 25/11: 23/11 is no button now
    pressed = await tree.lan.press("2. Hôm qua (23/11)")
    assert "Hoạt động diễn ra ngày nào?\n➜ 23/11/2026" in pressed.text
