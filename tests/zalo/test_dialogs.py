"""The same dialogs as on Telegram, on Zalo: an invitation, every form, lists answered by typing a
number or a label, a restart in the middle, long texts cut at 2000 characters, and nothing pressed
by a number that answers a question."""

import sqlite3

import aiohttp

from bot.channels.zalo.api import TEXT_LIMIT
from tests.zalo.conftest import ADMIN, Cells
from tests.zalo.harness import RunningZalo, register


def rows(bot: RunningZalo, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(bot.db_path) as db:
        db.row_factory = sqlite3.Row
        return list(db.execute(sql, params))


async def test_an_invitation_on_zalo_makes_a_zalo_user(bot: RunningZalo) -> None:
    stranger = bot.person("c0ffee0123456789abcd", "Thu")
    said = await stranger.send("xin chào")
    assert "mã Zalo của mình: c0ffee0123456789abcd" in said
    assert "<code>" not in said.text  # Zalo shows no formatting: the tags go
    admin = bot.person(ADMIN, "Hà")
    assert "Vai trò: quản trị viên" in await admin.send("/whoami")
    await admin.send("/addunit cb-a Chi bộ A")
    await register(admin, stranger, "cb-a", "bithu")
    assert "Vai trò: bí thư chi bộ" in await stranger.send("/whoami")
    stored = rows(
        bot, "SELECT channel, external_id, display_name, role FROM users WHERE display_name = 'Thu'"
    )
    assert [tuple(r) for r in stored] == [("zalo", "c0ffee0123456789abcd", "Thu", "secretary")]


async def test_meeting_in_vietnamese_choices_and_the_review_answered_by_number(
    bot: RunningZalo, cells: Cells
) -> None:
    await cells.lan.dialog(
        [
            (
                "/meeting",
                [
                    "Sinh hoạt chi bộ · 1/6",
                    "Buổi sinh hoạt diễn ra ngày nào?",
                    "1. Hôm nay (24/11)",
                    "2. Hôm qua (23/11)",
                    "3. Ngày sinh hoạt (05/11)",
                ],
            ),
            ("2", ["Hình thức sinh hoạt?", "1. Sinh hoạt chi bộ thường kỳ (hằng tháng)", "2. "]),
            ("1", "Buổi sinh hoạt kéo dài bao nhiêu phút?"),
            ("90", "Chi bộ có tổng số bao nhiêu đảng viên?"),
            ("12", "Bao nhiêu đồng chí có mặt?"),
            ("10", "vắng có lý do"),
            (
                "1",
                [
                    "Đồng chí kiểm tra lại",
                    "• Ngày: 23/11/2026",
                    "• Vắng không lý do: 1 (tự tính)",
                    "1. ✅ Lưu",
                    "2. ✏️ Sửa",
                    "3. ➕ Thêm chủ đề",
                    "4. ✖ Hủy",
                ],
            ),
            ("2", ["Đồng chí muốn sửa câu trả lời nào?", "4. Tổng số đảng viên"]),
            ("4", ["Câu trả lời hiện tại: 12", "/keep — Giữ nguyên: 12"]),
            ("/keep", "Đồng chí kiểm tra lại"),
            ("3", "Chủ đề buổi sinh hoạt"),
            ("Kiểm điểm công tác tháng", "• Chủ đề: Kiểm điểm công tác tháng"),
            ("1", "✅ Đã lưu: Sinh hoạt chi bộ."),
            ("1", "Tôi chưa hiểu ý đồng chí"),  # no form is open: nothing to press, nothing saved twice
        ]
    )
    stored = rows(
        bot, "SELECT on_date, kind, minutes, total, present, absent_without_reason, topic FROM meetings"
    )
    assert [tuple(r) for r in stored] == [
        ("2026-11-23", "regular", 90, 12, 10, 1, "Kiểm điểm công tác tháng")
    ]


async def test_a_number_answering_a_question_is_never_taken_for_a_button(
    bot: RunningZalo, cells: Cells
) -> None:
    # A list of two languages is showing; the form's questions that follow want numbers.
    assert "2. English" in await cells.minh.send("/language")
    await cells.minh.dialog(
        [
            ("/meeting", "When was the meeting?"),
            ("yesterday", "What kind of meeting?"),
            ("thematic meeting on its own", "How many minutes"),
            ("120", "How many members"),
            ("2", "How many were present?"),
            ("2", "with a reason"),
            ("0", ["Check your answers", "Present: 2", "3. ➕ Add: topic"]),
            ("3", "Topic"),
            ("Nghị quyết 57", ["Check your answers", "Topic: Nghị quyết 57"]),
            ("save", "✅ Saved: Cell meeting."),
        ]
    )
    assert rows(bot, "SELECT language FROM users WHERE display_name = 'Minh'")[0][0] == "en"
    assert [tuple(r) for r in rows(bot, "SELECT kind, total, present FROM meetings")] == [("thematic", 2, 2)]


async def test_candidate_typing_choices_and_names_full_of_html(bot: RunningZalo, cells: Cells) -> None:
    await cells.minh.dialog(
        [
            ("/candidate", "Full name of the outstanding worker?"),
            ("Lê <b>Văn</b> & Co", "Year of birth?"),
            ("1996", ["Gender?", "1. Male", "2. Female"]),
            ("female", ["Position in the enterprise?", "2. Team leader"]),
            ("2", "Youth Union member?"),
            ("yes", "first party member"),
            ("Trần Bình", "second party member"),
            ("Phạm Thị Hoa", "Since when"),
            ("today", ["Check your answers", "Full name: Lê <b>Văn</b> & Co", "Gender: Female"]),
            ("1", "✅ Saved: New source."),
        ]
    )
    person = rows(bot, "SELECT full_name, birth_year, gender, position, youth_union FROM people")[0]
    assert tuple(person) == ("Lê <b>Văn</b> & Co", 1996, "female", "team_leader", 1)


async def test_progress_picks_a_person_by_name_and_a_step_by_number(bot: RunningZalo, cells: Cells) -> None:
    await cells.lan.dialog(
        [
            ("/candidate", "?"),
            ("Nguyễn Thị Thu", "?"),
            ("1998", "?"),
            ("2", "?"),
            ("1", "?"),
            ("2", "?"),
            ("Trần Bình", "?"),
            ("Phạm Hoa", "?"),
            ("1/3", "kiểm tra lại"),  # no year: this year's 1 March, which has passed
            ("1", "✅"),
            ("/progress", ["Bước của ai?", "1. Nguyễn Thị Thu (1998)"]),
            ("thu", ["Bước nào?", "1. giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng"]),
            ("1", "Vào ngày nào?"),
            ("10/03/2026", ["• Bước: giấy chứng nhận lớp bồi dưỡng", "1. ✅ Lưu"]),
            ("1", "✅ Đã lưu: Bước kết nạp."),
        ]
    )
    steps = rows(bot, "SELECT step, on_date FROM pipeline_steps ORDER BY id")
    assert [tuple(r) for r in steps] == [("source", "2026-03-01"), ("awareness_class", "2026-03-10")]


async def test_transfer_survives_a_restart_and_the_resume_offer_is_answered_by_number(
    bot: RunningZalo, cells: Cells
) -> None:
    await cells.lan.dialog(
        [("/transfer", "Chuyển đến hay chuyển đi?"), ("2", "Chính thức hay tạm thời?"), ("2", "Họ và tên")]
    )
    await bot.restart()
    await cells.lan.dialog(
        [
            ("Đỗ Văn Long", "Chuyển sinh hoạt tạm thời bắt đầu từ ngày nào?"),
            ("/start", ["biểu mẫu đang làm dở", "1. Làm tiếp", "2. "]),
            ("1", "bắt đầu từ ngày nào"),
            ("01/10/2026", "để đi học"),
            ("Không", "kết thúc"),
            ("01/03/2027", ["Đồng chí kiểm tra lại", "• Đảng viên: Đỗ Văn Long"]),
        ]
    )
    await bot.restart()
    await cells.lan.dialog([("1", "Đã lưu: Chuyển sinh hoạt đảng")])
    stored = rows(bot, "SELECT direction, kind, member_name, end_date FROM transfers")
    assert [tuple(r) for r in stored] == [("out", "temporary", "Đỗ Văn Long", "2027-03-01")]


async def test_activity_with_keep_and_a_photo_from_zalo(bot: RunningZalo, cells: Cells) -> None:
    await cells.minh.dialog(
        [
            ("/activity", "When did it take place?"),
            ("yesterday", "What kind of activity?"),
            ("/back", ["When did it take place?", "4. Keep: 23/11/2026"]),
            ("4", "What kind of activity?"),
            ("Dialogue with the enterprise owner", "Title of the activity?"),
            ("Gặp chủ doanh nghiệp", "How many took part?"),
            ("12", ["Check your answers", "3. ➕ Add: note", "4. ➕ Add: photo"]),
            ("add: photo", "A photo of the activity"),
        ]
    )
    marker = cells.minh.user.marker()
    await bot.processed(await cells.minh.user.send_image("https://photo.zalo.me/abc.jpg"))
    review = "\n".join(m.text or "" for m in cells.minh.user.bot_messages_since(marker))
    assert "Photo: photo attached" in review
    assert "✅ Saved: Activity." in await cells.minh.send("1")
    stored = rows(bot, "SELECT kind, title, participants FROM activities")
    assert [tuple(r) for r in stored] == [("dialogue", "Gặp chủ doanh nghiệp", 12)]


CANON_REPORT = [
    ("/enterprise", "Name of the enterprise?"),
    ("Canon Việt Nam", "Industrial zone"),
    ("KCN Quế Võ", "How many workers"),
    ("1000", "under 30"),
    ("400", "trade union"),
    ("900", "Youth Union"),
    ("120", "registered where they live"),
    ("3", "Check your answers"),
    ("1", "✅ Saved"),
]


async def test_enterprise_then_its_next_report_keeps_the_last_answers(bot: RunningZalo, cells: Cells) -> None:
    await cells.minh.dialog(
        [
            *CANON_REPORT,
            # The next report starts from this one: each answer can be kept, or all at once.
            (
                "/enterprise",
                [
                    "Name of the enterprise?",
                    "/keep — Keep: Canon Việt Nam",
                    "/same — ↺ As last time",
                    "As last time: Canon Việt Nam · KCN Quế Võ",
                ],
            ),
            ("Canon Vietnam Co.", ["Industrial zone", "/keep — Keep: KCN Quế Võ", "/same — ↺ As last time"]),
            ("/keep", ["How many workers", "/keep — Keep: 1,000", "/same — ↺ As last time"]),
            ("1050", ["under 30", "/same — ↺ As last time"]),
            (
                "/same",
                ["Check your answers", "Enterprise: Canon Vietnam Co.", "Workers: 1,050", "Zone: KCN Quế Võ"],
            ),
            ("1", "✅ Saved"),
        ]
    )
    stored = rows(
        bot, "SELECT name, zone, workers, young_workers, members_elsewhere FROM enterprise_snapshots"
    )
    assert [tuple(r) for r in stored][-1] == ("Canon Vietnam Co.", "KCN Quế Võ", 1050, 400, 3)
    # /keep and /same are presses: on Zalo they only stop the list answering, nothing is sent again.
    assert not any("➜" in text for text in cells.minh.texts())


async def test_report_and_mine_are_numbered_lists(bot: RunningZalo, cells: Cells) -> None:
    await cells.minh.dialog(
        [
            ("/report", ["What do you want to report?", "1. New source", "4. Cell meeting"]),
            ("4", "When was the meeting?"),
            ("/cancel", "Cancelled: Cell meeting."),
            ("/report", "What do you want to report?"),
            ("activity", "When did it take place?"),
            ("/cancel", "Cancelled"),
        ]
    )
    await cells.minh.dialog(
        [
            ("/candidate", "?"),
            ("Vũ Thị Mai", "?"),
            ("1999", "?"),
            ("2", "?"),
            ("1", "?"),
            ("1", "?"),
            ("Trần Bình", "?"),
            ("Phạm Hoa", "?"),
            ("today", "Check your answers"),
            ("1", "✅"),
            ("/mine", ["page 1 of 1", "1. Vũ Thị Mai (1999)"]),
            ("1", ["Full name: Vũ Thị Mai", "1. ✏️ Correct", "2. 🗑 Delete"]),
            ("delete", ["Delete this record?", "1. Yes, delete", "2. No, keep it"]),
            ("1", "Deleted."),
            ("1", "I did not understand"),
        ]
    )
    assert rows(bot, "SELECT COUNT(*) FROM people WHERE deleted_at IS NULL")[0][0] == 0


async def test_a_long_text_comes_in_parts_of_at_most_2000_characters(bot: RunningZalo) -> None:
    admin = bot.person(ADMIN, "Hà")
    for number in range(40):
        await admin.send(
            f"/addunit cb-{number:02d} Chi bộ Công ty Trách nhiệm hữu hạn Số {number:02d} Việt Nam"
        )
    said = await admin.send("/units")
    assert len(said.messages) >= 2
    assert all(len(m.text or "") <= TEXT_LIMIT for m in said.messages)
    lines = said.text.splitlines()
    for number in range(40):
        assert any(
            f"Chi bộ Công ty Trách nhiệm hữu hạn Số {number:02d} Việt Nam (cb-{number:02d})" in line
            for line in lines
        )


async def test_an_export_comes_as_a_short_lived_link(bot: RunningZalo, cells: Cells) -> None:
    said = await cells.admin.send("/export")
    link = next(word for word in said.text.split() if "/zalo/files/" in word)
    assert ".xlsx" in link and "Đường dẫn dùng được đến" in said
    async with aiohttp.ClientSession() as session, session.get(link) as response:
        assert response.status == 200
        assert (await response.read()).startswith(b"PK")  # an .xlsx is a zip file
        async with session.get(link.replace("sig=", "sig=1")) as altered:
            assert altered.status == 404


async def test_the_enterprise_register_typed_on_zalo(bot: RunningZalo, cells: Cells) -> None:
    await cells.minh.dialog(CANON_REPORT)
    # The cell's report put its enterprise in the register; the committee member works it typed.
    await cells.binh.dialog(
        [
            ("/enterprises", ["Danh sách doanh nghiệp: 1 doanh nghiệp", "KCN Quế Võ (1)"]),
            ("1", ["KCN Quế Võ: 1 doanh nghiệp", "Canon Việt Nam"]),
            ("1", ["🏭 Canon Việt Nam", "Mốc hiện tại: Đã thành lập chi bộ", "1. 📝 Ghi tiếp xúc"]),
            ("1", "Tiếp xúc ngày nào?"),
            ("hôm nay", ["Hình thức tiếp xúc?", "2. Thăm, làm việc tại doanh nghiệp"]),
            ("2", "Kết quả, ghi ngắn gọn?"),
            ("Gặp ban chấp hành công đoàn", "kiểm tra lại"),
            ("1", "✅ Đã ghi lần tiếp xúc."),
        ]
    )
    assert rows(bot, "SELECT kind, note FROM enterprise_contacts")[0][0] == "visit"


async def test_a_meeting_like_last_months_in_six_typed_messages(bot: RunningZalo, cells: Cells) -> None:
    # Last month's report, made on Zalo too.
    await cells.lan.dialog(
        [
            ("/meeting", "ngày nào?"),
            ("5/10", "Hình thức sinh hoạt?"),
            ("1", "bao nhiêu phút"),
            ("95", "tổng số"),
            ("12", "có mặt"),
            ("12", "vắng có lý do"),
            ("0", "kiểm tra lại"),
            ("1", "✅ Đã lưu"),
        ]
    )
    # This month nothing changed but who came: six messages, two of them numbers she had to type.
    await cells.lan.dialog(
        [
            ("/meeting", ["1. Hôm nay (24/11)", "2. Hôm qua (23/11)"]),
            (
                "2",
                [
                    "Như tháng trước: Sinh hoạt chi bộ thường kỳ (hằng tháng) · 95 phút · 12 đảng viên",
                    "4. ↺ Như tháng trước",
                ],
            ),
            ("4", ["Bao nhiêu đồng chí có mặt?", "5/6"]),
            ("10", "vắng có lý do"),
            ("2", ["• Thời lượng (phút): 95", "• Vắng không lý do: 0 (tự tính)", "1. ✅ Lưu"]),
            ("1", "✅ Đã lưu: Sinh hoạt chi bộ."),
        ]
    )
    stored = rows(bot, "SELECT on_date, kind, minutes, total, present, absent_with_reason FROM meetings")
    assert [tuple(r) for r in stored][-1] == ("2026-11-23", "regular", 95, 12, 10, 2)
    # No copy of a pressed question was sent: Zalo cannot edit, and the typed answer is in the chat.
    assert not any("➜" in text for text in cells.lan.texts())
