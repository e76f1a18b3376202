"""The committee acts from the digest on Zalo, where buttons are numbered lists answered by typing: a
record sent back for revision and corrected, the digest's nudge, and the mentor log's reminder."""

import sqlite3

from storage.database import Database
from tests.e2e.conftest import add_person
from tests.zalo.conftest import Cells
from tests.zalo.harness import RunningZalo, ZaloPerson

MEETING = [
    ("/meeting", "Buổi sinh hoạt diễn ra ngày nào?"),
    ("hôm qua", "Hình thức sinh hoạt?"),
    ("1", "bao nhiêu phút"),
    ("90", "tổng số"),
    ("12", "có mặt"),
    ("10", "vắng có lý do"),
    ("1", "Đồng chí kiểm tra lại"),  # absent without reason worked out, the topic offered at the review
    ("1", "✅ Đã lưu: Sinh hoạt chi bộ."),
]


def rows(bot: RunningZalo, sql: str) -> list[sqlite3.Row]:
    with sqlite3.connect(bot.db_path) as db:
        db.row_factory = sqlite3.Row
        return list(db.execute(sql))


def since(person: ZaloPerson, count: int) -> str:
    return "\n".join(person.texts()[count:])


async def test_a_record_sent_back_and_corrected_by_typing_numbers(bot: RunningZalo, cells: Cells) -> None:
    await cells.lan.dialog(MEETING)
    await cells.binh.dialog(
        [
            ("/cells", ["Xem chi bộ nào?", "1. Canon", "2. Honda", "gõ số"]),
            ("2", ["Chi bộ Công ty Honda", "Các bản ghi của chi bộ", "1. 23/11/2026 · Sinh hoạt chi bộ"]),
            ("1", ["Thời lượng (phút): 90", "1. ↩️ Trả lại để sửa", "2. ◀ Honda"]),
            ("1", "Chi bộ cần sửa gì?"),
            ("Buổi sinh hoạt kéo dài 120 phút.", ["Đồng chí kiểm tra lại", "1. ✅ Lưu"]),
            ("1", "Đã trả lại"),
        ]
    )
    count = len(cells.lan.texts())
    await bot.tick()
    sent_back = since(cells.lan, count)
    assert "Trả lại để sửa — đồng chí" in sent_back and "Buổi sinh hoạt kéo dài 120 phút." in sent_back
    assert "1. ✏️ Sửa bản ghi" in sent_back
    await cells.lan.dialog(
        [
            ("1", ["Đồng chí kiểm tra lại", "• Thời lượng (phút): 90", "2. ✏️ Sửa một câu trả lời"]),
            ("2", "muốn sửa câu trả lời nào?"),
            ("3", "bao nhiêu phút"),
            ("120", "Thời lượng (phút): 120"),
            ("1", ["✅ Đã sửa: Sinh hoạt chi bộ.", "Đồng chí Bình (người trả lại bản ghi) sẽ nhận được"]),
        ]
    )
    count = len(cells.binh.texts())
    await bot.tick()
    corrected = since(cells.binh, count)
    assert "Đã sửa" in corrected and "Thời lượng (phút): 90 → 120" in corrected
    assert "1. ↩️ Trả lại lần nữa" in corrected and "2. 🔎 Xem" in corrected
    # Sent back again, by typing the number of the list under the correction.
    await cells.binh.dialog(
        [
            ("1", "Chi bộ cần sửa gì?"),
            ("Thêm chủ đề.", "Đồng chí kiểm tra lại"),
            ("1", "Đã trả lại"),
        ]
    )
    comments = [r["comment"] for r in rows(bot, "SELECT comment FROM record_returns ORDER BY id")]
    assert comments == ["Buổi sinh hoạt kéo dài 120 phút.", "Thêm chủ đề."]
    assert [r["minutes"] for r in rows(bot, "SELECT minutes FROM meetings")] == [120]


async def test_a_record_named_by_its_dashboard_code_is_sent_back_by_typing(
    bot: RunningZalo, cells: Cells
) -> None:
    """Zalo has no deep link: the dashboard behind a Zalo link shows each record's code, typed after
    /record (a phone's keyboard may capitalise it)."""
    await cells.lan.dialog(MEETING)
    meeting = rows(bot, "SELECT id FROM meetings")[0]["id"]
    await cells.binh.dialog(
        [
            (f"/record M{meeting}", ["Thời lượng (phút): 90", "1. ↩️ Trả lại để sửa", "2. ◀ Honda"]),
            ("1", "Chi bộ cần sửa gì?"),
            ("Ghi rõ chủ đề.", ["Đồng chí kiểm tra lại", "1. ✅ Lưu"]),
            ("1", "Đã trả lại"),
        ]
    )
    assert [r["comment"] for r in rows(bot, "SELECT comment FROM record_returns")] == ["Ghi rõ chủ đề."]


async def test_the_digest_nudge_by_typing_its_number(bot: RunningZalo, cells: Cells) -> None:
    await bot.tick()  # the scheduler's own reminders of the day go first
    digest = await cells.binh.send("/digest")
    assert "Cần xử lý" in digest and "1. 📣 Nhắc 2 chi bộ chưa báo cáo" in digest.text
    assert "2. 🔎 Xem chi tiết một chi bộ" in digest.text
    report = await cells.binh.send("1")
    assert "Đã nhắc: 2 chi bộ (2 tin nhắn tới bí thư)." in report
    await bot.tick()
    for secretary in (cells.lan, cells.minh):
        assert len([t for t in secretary.texts() if t.startswith("📣")]) == 1
    # Another digest, its button typed again: nobody is nudged twice the same day.
    await cells.binh.send("/digest")
    assert "Đã nhắc: 0 chi bộ" in await cells.binh.send("1")
    await bot.tick()
    for secretary in (cells.lan, cells.minh):
        assert len([t for t in secretary.texts() if t.startswith("📣")]) == 1
    # The cells to look into, by number.
    await cells.binh.send("/digest")
    assert "1. Canon" in await cells.binh.send("2")
    assert "Chi bộ Công ty Canon" in await cells.binh.send("1")


async def test_the_mentor_reminder_is_answered_by_typing(
    bot: RunningZalo, cells: Cells, side_db: Database
) -> None:
    await add_person(
        side_db,
        "cb-honda",
        "Nguyễn Thị Thu",
        {"source": "2024-01-05", "admission_decision": "2026-08-03", "ceremony": "2026-08-30"},
    )
    count = len(cells.lan.texts())
    await bot.tick()
    assert "1. 📝 Ghi nhận xét quý" in since(cells.lan, count)
    await cells.lan.dialog(
        [
            ("1", "tiến bộ thế nào?"),
            ("Chấp hành tốt.", ["Quý 1: 30/08/2026 – 29/11/2026", "1. ✅ Lưu"]),
            ("1", "Đã lưu: Nhận xét đảng viên dự bị"),
        ]
    )
    assert [tuple(r) for r in rows(bot, "SELECT quarter, note FROM mentor_notes")] == [(1, "Chấp hành tốt.")]
