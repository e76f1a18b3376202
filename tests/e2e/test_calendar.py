"""The official calendar through the real bot: /calendar shows a year's days off with the texts that decided
them, an admin confirms a year with its button; a deadline counted through an unconfirmed Tết makes the
bot tell the admins once; /dayoff and /workday change a day, and /dayoff xoa undoes the change."""

from datetime import UTC, datetime

from storage.database import Database
from tests.e2e.conftest import Tree, add_person, texts
from tests.e2e.harness import RunningBot


async def test_a_deadline_through_an_unconfirmed_tet_is_told_once_and_the_year_confirmed(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    # A decision of 15/01/2027: the ceremony's 30 working days run through Tết 2027, which no text has
    # decided yet (the shipped 2027 file is an estimate). On Wednesday 03/02/2027 it is due within 30 days.
    await add_person(
        side_db,
        "cb-honda",
        "Nguyễn Thị Tết",
        {
            "source": "2025-01-06",
            "awareness_class": "2025-03-01",
            "application": "2025-06-01",
            "cell_vote": "2026-10-01",
            "admission_decision": "2027-01-15",
        },
    )
    await bot.tick()  # 24/11/2026: nothing is due yet
    assert not any("Tết 2027" in t for t in texts(tree.admin))
    bot.clock.now = datetime(2027, 2, 3, 3, 0, tzinfo=UTC)
    await bot.tick()
    told = [t for t in texts(tree.admin) if "Tết 2027" in t]
    assert told == [
        "🗓 Có thời hạn đang được tính qua Tết 2027, nhưng lịch nghỉ Tết năm đó chưa ai xác nhận: chibo đang "
        "tạm tính nghỉ Tết từ 04/02/2027 đến 10/02/2027 (ước tính). Khi Chính phủ công bố lịch nghỉ, "
        "đồng chí kiểm tra bằng /calendar 2027 và xác nhận tại đó (hoặc sửa bằng /dayoff và /workday). "
        "Tin này chỉ gửi một lần."
    ]
    # The secretary's reminder counts Tết as the estimate has it: Mar 01-05 (30): Fri 05/03/2027.
    assert any("chậm nhất ngày 05/03/2027" in t for t in texts(tree.lan))
    bot.clock.now = datetime(2027, 2, 4, 3, 0, tzinfo=UTC)
    await bot.tick()
    assert len([t for t in texts(tree.admin) if "Tết 2027" in t]) == 1  # once, not with every reminder

    await tree.admin.dialog(
        [
            (
                "/calendar 2027",
                [
                    "Lịch nghỉ năm 2027 (⚠️ chưa xác nhận: có ngày là ước tính)",
                    "Nghỉ Tết: từ 04/02/2027 đến 10/02/2027",
                    "Thứ Năm, 04/02/2027: Tết Nguyên đán (ước tính)",
                    "Thứ Hai, 03/05/2027: Ngày Quốc tế Lao động (nghỉ bù cho thứ Bảy 01/05/2027)",
                    "[✅ Xác nhận lịch nghỉ năm 2027]",
                ],
            ),
            ("/dayoff 03/02/2027 Nghỉ trước Tết", "Ngày 03/02/2027 nay là ngày nghỉ"),
            ("/calendar 2027", ["Thứ Tư, 03/02/2027: Nghỉ trước Tết ✎", "do quản trị viên thay đổi"]),
            ("/dayoff xoa 03/02/2027", "Ngày 03/02/2027 lại được tính theo lịch chính thức."),
            ("/dayoff xoa 03/02/2027", "Quản trị viên chưa thay đổi ngày 03/02/2027"),
            ("/calendar 2027", "Lịch nghỉ năm 2027"),
            ("[✅ Xác nhận lịch nghỉ năm 2027]", "Đã xác nhận lịch nghỉ năm 2027"),
            ("/calendar 2027", "Lịch nghỉ năm 2027 (✅ đã xác nhận)"),
            (
                "/calendar 2026",
                [
                    "(✅ đã xác nhận)",
                    "Công văn 12729/VPCP-KGVX (25/12/2025)",
                    "Thứ Sáu, 02/01/2026: Nghỉ hoán đổi (làm bù thứ Bảy 10/01/2026)",
                    "Thứ Bảy, 10/01/2026: Làm bù cho thứ Sáu 02/01/2026",
                ],
            ),
            ("/calendar 1999", "Ghi năm từ 2000 đến 2100"),
            ("/calendar năm nay", "Ghi năm từ 2000 đến 2100"),
        ]
    )
    assert "Xác nhận lịch nghỉ" not in " ".join((await tree.admin.send("/calendar 2027")).buttons)
    line = await side_db.fetchone("SELECT subject FROM audit_log WHERE action = 'calendar.confirm'")
    assert line is not None and line["subject"] == "year:2027"
    assert "chỉ dành cho quản trị viên" in (await tree.lan.send("/calendar")).text
