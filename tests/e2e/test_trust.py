"""Trust at the edges (issue 14), through the real bot: ID numbers however they are typed, one
person however their name is typed, access that follows revocations, moves and re-invitations,
and a deleted person gone from every draft and from the bytes of the database file."""

import sqlite3
import unicodedata
from pathlib import Path

from storage import units
from storage.database import Database
from tests.e2e.conftest import Tree, add_person, texts
from tests.e2e.harness import RunningBot, register

REFUSED = "giống số căn cước"  # the start of the refusal in Vietnamese


def rows(bot: RunningBot, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(bot.db_path) as db:
        db.row_factory = sqlite3.Row
        return list(db.execute(sql, params))


def token_of(text: str) -> str:
    return text.split("?start=", 1)[1].split(maxsplit=1)[0]


# ----- 1. the guard -------------------------------------------------------------------------------


async def test_id_numbers_with_separators_are_refused_in_forms_broadcasts_and_unit_names(
    bot: RunningBot, tree: Tree
) -> None:
    await tree.lan.dialog(
        [
            ("/activity", "Hoạt động diễn ra ngày nào?"),
            ("hôm nay", "Loại hoạt động?"),
            ("1", "Tên hoạt động?"),
            ("CCCD 079 123 456 789", REFUSED),
            ("Tặng quà 1.500.000đ ngày 12.05.2025 14.30", "Bao nhiêu người tham gia?"),
            ("12", "➕ Thêm ghi chú"),
            ("[3. ➕ Thêm ghi chú]", "Ghi chú"),
            ("số 001\u00a0234\u00a0567\u00a0890", REFUSED),
            ("số ００１２３４５６７８９０", REFUSED),
            ("nhiệm kỳ 2023-2024-2025, quỹ 100.000.000 đồng", "• Ghi chú: nhiệm kỳ 2023-2024-2025"),
        ]
    )
    await tree.admin.dialog(
        [
            ("/broadcast", "Gửi đến đơn vị nào?"),
            ("kcn-a", "Viết nội dung tin nhắn."),
            ("Đồng chí nhập số 001.234.567.890 vào hồ sơ", REFUSED),
            ("/cancel", "Đã hủy"),
            ("/addunit cb-so Chi bộ 001-234-567-890", REFUSED),
            ("/addunit 001234567890 Chi bộ Mới", REFUSED),
            ("/dayoff 01/12/2026 Nghỉ bù 079 123 456 789", REFUSED),
            ("/dayoff 01/12/2026 Nghỉ bù 2025-2026", "01/12/2026 nay là ngày nghỉ"),
        ]
    )
    assert rows(bot, "SELECT COUNT(*) AS n FROM units WHERE code IN ('cb-so', '001234567890')")[0]["n"] == 0


async def test_findids_lists_what_an_older_guard_let_in(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    person = await add_person(side_db, "cb-honda", "Lê Thị Hoa", {"source": "2026-01-05"})
    async with side_db.transaction() as tx:
        await tx.execute("UPDATE people SET note = 'CCCD 079 123 456 789' WHERE id = ?", (person,))
    found = await tree.admin.send("/findids")
    assert "Có 1 mục dữ liệu đã lưu có dạng số căn cước" in found.text
    assert f"Chi bộ Công ty Honda · Quần chúng ưu tú mới số {person}" in found.text
    assert "· Ghi chú" in found.text
    assert "079" not in found.text and "789" not in found.text
    assert "quản trị" in (await tree.lan.send("/findids")).text  # admins only


# ----- 2. names -----------------------------------------------------------------------------------


async def test_a_person_stored_decomposed_is_found_and_warned_about(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    await add_person(side_db, "cb-honda", decomposed, {"source": "2026-01-05"})
    await tree.lan.dialog(
        [
            ("/candidate", "Họ và tên"),
            ("NGUYỄN VĂN AN", "Năm sinh?"),
            ("1995", "Giới tính?"),
            ("1", "Vị trí"),
            ("1", "đoàn viên"),
            ("1", "thứ nhất"),
            ("Trần Văn Hòa", "thứ hai"),
            ("TRẦN VĂN HOÀ", "phải là hai người khác nhau"),
            ("Phạm Thị Thuỷ", "từ ngày nào"),
            ("hôm nay", "NGUYỄN VĂN AN (sinh năm 1995) đã có trong danh sách của chi bộ"),
        ]
    )
    # Searching the way one types finds the person stored decomposed.
    await tree.lan.send("/cancel")
    await tree.lan.send("[Có, hủy]")
    found = await tree.lan.dialog([("/progress", "Bước của ai?"), ("nguyen van an", "Bước nào?")])
    assert found


# ----- 3. invitations after a revocation ---------------------------------------------------------


async def test_a_revoked_admin_cannot_come_back_through_their_own_invitations(
    bot: RunningBot, tree: Tree
) -> None:
    deputy = bot.person(4001, "Phó", language="vi")
    await register(bot, tree.admin, deputy, "root", "admin")
    own = token_of((await deputy.send("/invite root admin")).text)
    for_other = token_of((await deputy.send("/invite cb-honda committee")).text)
    listing = await tree.admin.send("/invites")
    assert "do Phó tạo" in listing.text
    assert "Xong" not in (await tree.admin.send(f"/revoke {deputy.id}")).text
    assert "thu hồi" in (await deputy.send(f"/start {own}")).text
    assert "Không có lời mời nào đang chờ" in (await tree.admin.send("/invites")).text
    # An invitation of a deployment that revoked before this version: the redemption checks too.
    with sqlite3.connect(bot.db_path) as db:
        db.execute(
            "UPDATE invitations SET revoked_at = NULL WHERE created_by IS NOT NULL AND used_at IS NULL"
        )
    stranger = bot.person(4002, "Khách", language="vi")
    assert "không còn là quản trị viên" in (await stranger.send(f"/start {for_other}")).text
    assert "không còn là quản trị viên" in (await deputy.send(f"/start {own}")).text
    assert "đã được mời" in (await deputy.send("/users")).text  # not registered any more
    assert rows(bot, "SELECT role, active FROM users WHERE external_id = '4001'")[0][:] == ("admin", 0)


async def test_a_forgotten_admins_invitations_are_withdrawn(bot: RunningBot, tree: Tree) -> None:
    deputy = bot.person(4001, "Phó", language="vi")
    await register(bot, tree.admin, deputy, "root", "admin")
    token = token_of((await deputy.send("/invite root admin")).text)
    await tree.admin.send(f"/forget {deputy.id}")
    await tree.admin.press("Đồng ý, xóa dữ liệu")
    assert "thu hồi" in (await deputy.send(f"/start {token}")).text


async def test_an_invitation_to_a_cell_that_became_a_committee_is_refused(
    bot: RunningBot, tree: Tree
) -> None:
    await tree.admin.send("/addunit kcn-a/cb-moi Chi bộ Công ty Mới")
    token = token_of((await tree.admin.send("/invite cb-moi secretary")).text)
    await tree.admin.send("/addunit cb-moi/to-1 Tổ đảng 1")
    newcomer = bot.person(4003, "Hạnh", language="vi")
    refused = await newcomer.send(f"/start {token}")
    assert "không còn phù hợp: Chi bộ Công ty Mới nay đã có đơn vị trực thuộc" in refused.text
    assert [r["role"] for r in rows(bot, "SELECT role FROM users WHERE external_id = '4003'")] in ([], [None])


# ----- 4. a secretary moved to another cell ---------------------------------------------------------


async def test_a_moved_secretary_loses_the_old_cells_form_and_reminders(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    await add_person(
        side_db,
        "cb-honda",
        "Nguyễn Thị Thu",
        {
            "source": "2025-01-06",
            "awareness_class": "2025-03-01",
            "application": "2025-06-01",
            "cell_vote": "2025-10-01",
            "admission_decision": "2026-11-10",
        },
    )
    lan = tree.lan
    question = await lan.send("/progress")
    assert "Nguyễn Thị Thu" in question.text + " ".join(question.buttons)
    # A reminder about the Honda cell is queued, not yet delivered...
    assert bot.app is not None
    scheduler = bot.app.bot_data.scheduler
    assert scheduler is not None
    assert await scheduler.deadline_reminders(bot.clock().date()) == 1
    # ... when Lan is re-invited as the secretary of the Canon cell.
    token = token_of((await tree.admin.send("/invite cb-canon bithu")).text)
    welcome = await lan.send(f"/start {token}")
    assert "bí thư chi bộ, đơn vị Chi bộ Công ty Canon" in welcome.text
    assert "Biểu mẫu đang làm dở Bước kết nạp của Chi bộ Công ty Honda đã được đóng lại" in welcome.text
    assert len(welcome.messages) == 1
    # The old form's buttons (a person of Honda) no longer work.
    stale = await lan.press(question.buttons[0])
    assert stale.messages == []
    assert lan.callback_answer() == "Biểu mẫu này đã đóng. Đồng chí hãy bắt đầu lại từ /report."
    before = len(texts(lan))
    await bot.tick()
    assert not any("Nguyễn Thị Thu" in t for t in texts(lan)[before:])
    failed = rows(bot, "SELECT error FROM outbox WHERE kind = 'deadline'")
    assert [r["error"] for r in failed] == ["recipient left the unit"]
    # Canon's own people are what the form shows now.
    assert "Nguyễn Thị Thu" not in (await lan.send("/progress")).text


async def test_a_form_left_open_in_a_cell_one_no_longer_belongs_to_is_closed_with_a_word(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    await tree.lan.send("/meeting")
    canon = await units.by_code(side_db, "cb-canon")
    assert canon is not None
    async with side_db.transaction() as tx:  # moved by any other way than an invitation
        await tx.execute("UPDATE users SET unit_id = ? WHERE external_id = '2001'", (canon.id,))
    answer = await tree.lan.send("hôm qua")
    assert answer.text.startswith("ℹ️ Biểu mẫu đang làm dở Sinh hoạt chi bộ của Chi bộ Công ty Honda")
    assert "Buổi sinh hoạt diễn ra ngày nào?" in (await tree.lan.send("/meeting")).text


# ----- 5. /deleteperson ------------------------------------------------------------------------------


async def test_a_deleted_person_leaves_no_draft_and_no_bytes_in_the_file(bot: RunningBot, tree: Tree) -> None:
    name = "Hoàng Thị Quỳnh Giao"
    await tree.lan.dialog(
        [
            ("/candidate", "Họ và tên"),
            (name, "Năm sinh?"),
            ("1995", "Giới tính?"),
            ("2", "Vị trí"),
            ("1", "đoàn viên"),
            ("1", "thứ nhất"),
            ("Trần Văn Bình", "thứ hai"),
            ("Phạm Thị Hoa", "từ ngày nào"),
            ("hôm nay", "➕ Thêm ghi chú"),
            ("[3. ➕ Thêm ghi chú]", "Ghi chú"),
            ("Làm ca đêm, tổ 3", "Đồng chí kiểm tra lại"),
            ("[1. ✅ Lưu]", "Đã lưu"),
        ]
    )
    # Another secretary of the same cell starts on her next step and leaves it open.
    await tree.admin.send("/invite cb-honda bithu")
    await tree.lan.dialog([("/progress", "Bước của ai?"), ("Giao", "Bước nào?")])
    listing = await tree.admin.send("/deleteperson Giao")
    await tree.admin.press(listing.buttons[0])
    await tree.admin.press("Đồng ý, xóa hẳn")
    assert rows(bot, "SELECT COUNT(*) AS n FROM drafts WHERE answers LIKE '%Giao%'")[0]["n"] == 0
    assert rows(bot, "SELECT COUNT(*) AS n FROM drafts WHERE status = 'open'")[0]["n"] == 0
    assert rows(bot, "SELECT COUNT(*) AS n FROM drafts WHERE answers LIKE '%ca đêm%'")[0]["n"] == 0
    for suffix in ("", "-wal"):
        path = Path(f"{bot.db_path}{suffix}")
        data = path.read_bytes() if path.exists() else b""  # noqa: ASYNC240 - a test reading the file
        assert "Quỳnh Giao".encode() not in data, suffix
        assert "ca đêm".encode() not in data, suffix


async def test_secure_delete_is_on(bot: RunningBot, tree: Tree) -> None:
    assert bot.app is not None
    assert await bot.app.bot_data.db.fetchval("PRAGMA secure_delete") == 1


# ----- 8. smaller holes -----------------------------------------------------------------------------


async def test_a_search_for_4000_angle_brackets_is_answered(bot: RunningBot, tree: Tree) -> None:
    await tree.lan.send("/progress")
    answer = await tree.lan.send("<" * 4000)
    assert "Không có ai khớp với" in answer.text or "Không tìm thấy" in answer.text, answer.text[:200]
    assert "<" * 4000 in answer.text.replace("\n", "")
    assert "Xin lỗi" not in answer.text
