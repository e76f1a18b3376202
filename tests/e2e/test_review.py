"""The committee acts from the digest, through the real bot: a record sent back for revision and
corrected from the button, forged and foreign buttons refused, the digest's nudge reaching each cell
that has not reported once, and the mentor log of probationary members."""

import asyncio
import sqlite3

from bot.features import digest_actions
from storage.database import Database
from tests.e2e.conftest import Tree, add_person, texts
from tests.e2e.harness import Person, RunningBot

MEETING = [
    ("/meeting", "Buổi sinh hoạt diễn ra ngày nào?"),
    ("hôm qua", "Hình thức sinh hoạt?"),
    ("[1. Sinh hoạt chi bộ thường kỳ (hằng tháng)]", "bao nhiêu phút"),
    ("90", "tổng số"),
    ("12", "có mặt"),
    ("10", "vắng có lý do"),
    ("1", ["kiểm tra lại", "[3. ➕ Thêm chủ đề]"]),
    ("[3. ➕ Thêm chủ đề]", "Chủ đề"),
    ("Học tập nghị quyết", "kiểm tra lại"),
    ("[1. ✅ Lưu]", "Đã lưu: Sinh hoạt chi bộ"),
]


def rows(bot: RunningBot, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(bot.db_path) as db:
        db.row_factory = sqlite3.Row
        return list(db.execute(sql, params))


def new_texts(person: Person, since: int) -> list[str]:
    return texts(person)[since:]


async def arrived(person: Person, wanted: str, seconds: float = 5.0) -> list[str]:
    """Return a person's texts once one holds `wanted` (the outbox delivers in a task of its own)."""
    for _ in range(int(seconds / 0.05)):
        if any(wanted in t for t in texts(person)):
            return texts(person)
        await asyncio.sleep(0.05)
    raise AssertionError(f"{wanted!r} did not arrive: {texts(person)[-3:]}")


async def send_back_the_first_record(member: Person, comment: str) -> None:
    """Have a committee member open Honda's newest record and send it back with a comment."""
    cell = await member.send("/cells honda")  # one cell matches: its page at once
    await member.press(next(b for b in cell.buttons if b.startswith("1.")))
    await member.dialog(
        [
            ("[↩️ Trả lại để sửa]", "Chi bộ cần sửa gì?"),
            (comment, "Đồng chí kiểm tra lại"),
            ("[1. ✅ Lưu]", "Đã trả lại"),
        ]
    )


async def test_a_meeting_sent_back_is_corrected_from_the_button_and_the_sender_sees_the_correction(
    bot: RunningBot, tree: Tree
) -> None:
    await tree.lan.dialog(MEETING)
    meeting = rows(bot, "SELECT id FROM meetings")[0]["id"]
    # The committee member looks into the cell and opens the meeting.
    await tree.binh.dialog(
        [
            ("/cells", ["Xem chi bộ nào?", "[1. Canon]", "[2. Honda]"]),
            ("[2. Honda]", ["Chi bộ Công ty Honda", "Các bản ghi của chi bộ", "Sinh hoạt chi bộ"]),
        ]
    )
    cell = await tree.binh.send("/cells honda")  # one cell matches: its page at once
    opened = await tree.binh.press(next(b for b in cell.buttons if b.startswith("1.")))
    assert "Thời lượng (phút): 90" in opened.text and "Người nhập: Lan" in opened.text
    await tree.binh.dialog(
        [
            ("[↩️ Trả lại để sửa]", ["Trả lại để sửa", "Chi bộ cần sửa gì?"]),
            # The ID guard applies to the comment.
            ("Xem lại số CCCD 001203004567", "số căn cước"),
            ("Buổi sinh hoạt kéo dài 120 phút, không phải 90.", ["Đồng chí kiểm tra lại", "Ý kiến: "]),
            ("[1. ✅ Lưu]", "Đã trả lại"),
        ]
    )
    assert [tuple(r) for r in rows(bot, "SELECT kind, record_id, resolved_at FROM record_returns")] == [
        ("meeting", meeting, None)
    ]
    # The digest counts it under "Needs action" until it is corrected.
    assert "Bản ghi bị trả lại, chưa sửa: 1 — Honda (1)" in (await tree.binh.send("/digest")).messages[0].text

    # The secretary gets it at once, not at the scheduler's next tick (none runs in this test).
    got = await arrived(tree.lan, "Trả lại để sửa — đồng chí")
    sent_back = next(t for t in got if "Trả lại để sửa — đồng chí" in t)
    assert (
        "Bình (Đảng bộ KCN A)" in sent_back and "Buổi sinh hoạt kéo dài 120 phút, không phải 90." in sent_back
    )
    assert all("Trả lại để sửa — đồng chí" not in t for t in texts(tree.minh))  # another cell's secretary
    await tree.lan.dialog(
        [
            ("[✏️ Sửa bản ghi]", ["Đồng chí kiểm tra lại", "Thời lượng (phút): 90"]),
            ("[2. ✏️ Sửa một câu trả lời]", "muốn sửa câu trả lời nào?"),
            ("[3. Thời lượng (phút)]", "bao nhiêu phút"),
            ("120", "Thời lượng (phút): 120"),
            (
                "[1. ✅ Lưu]",
                ["✅ Đã sửa: Sinh hoạt chi bộ.", "Đồng chí Bình (người trả lại bản ghi) sẽ nhận được"],
            ),
        ]
    )
    assert rows(bot, "SELECT minutes FROM meetings")[0]["minutes"] == 120
    corrected = "\n".join(await arrived(tree.binh, "Đã sửa"))
    assert "Đã sửa" in corrected and "Lan (Chi bộ Công ty Honda)" in corrected
    assert "Thời lượng (phút): 90 → 120" in corrected
    assert "Ý kiến của đồng chí: Buổi sinh hoạt kéo dài 120 phút, không phải 90." in corrected
    assert "Bản ghi bị trả lại, chưa sửa" not in (await tree.binh.send("/digest")).messages[0].text
    # Pressing the old correction button again opens nothing: it is corrected.
    await tree.lan.press("✏️ Sửa bản ghi")
    assert "đã được sửa ngày 24/11/2026" in (tree.lan.callback_answer() or "")

    # Sent back a second time: both comments are kept.
    await tree.binh.dialog(
        [
            ("[↩️ Trả lại lần nữa]", "Chi bộ cần sửa gì?"),
            ("Ghi thêm chủ đề chuyên đề.", "Đồng chí kiểm tra lại"),
            ("[1. ✅ Lưu]", "Đã trả lại"),
        ]
    )
    shown = await tree.binh.send("/cells honda")
    record = await tree.binh.press(next(b for b in shown.buttons if b.startswith("1.")))
    assert "Buổi sinh hoạt kéo dài 120 phút, không phải 90." in record.text
    assert "đã sửa ngày 24/11/2026, đồng chí Lan" in record.text
    assert "Ghi thêm chủ đề chuyên đề." in record.text and "đang chờ chi bộ sửa" in record.text
    assert "↩️ Trả lại để sửa" not in record.buttons  # not while a return is open
    comments = [r["comment"] for r in rows(bot, "SELECT comment FROM record_returns ORDER BY id")]
    assert comments == ["Buổi sinh hoạt kéo dài 120 phút, không phải 90.", "Ghi thêm chủ đề chuyên đề."]
    # The audit log holds each step.
    actions = [
        r["action"]
        for r in rows(bot, "SELECT action FROM audit_log WHERE action LIKE 'return.%' ORDER BY id")
    ]
    assert actions == ["return.create", "return.corrected", "return.create"]


async def test_a_secretarys_forged_return_button_is_refused(bot: RunningBot, tree: Tree) -> None:
    await tree.lan.dialog(MEETING)
    meeting = rows(bot, "SELECT id FROM meetings")[0]["id"]
    message = tree.lan.handle.bot_messages()[-1]
    for data in (f"v1:rv:r:meeting:{meeting}", f"v1:rv:o:meeting:{meeting}"):
        await tree.lan.press_data(message.message_id, data, strict=False)
        assert "không thuộc các chi bộ của đảng bộ đồng chí" in (tree.lan.callback_answer() or "")
    # Nor can a secretary use the digest's buttons or open a cell's page.
    await tree.lan.press_data(message.message_id, "v1:dg:n:AAAAAAAA", strict=False)
    assert "Vai trò của đồng chí" in (tree.lan.callback_answer() or "")
    honda = rows(bot, "SELECT id FROM units WHERE code = 'cb-honda'")[0]["id"]
    await tree.lan.press_data(message.message_id, f"v1:cl:{honda}:0", strict=False)
    assert "Vai trò của đồng chí" in (tree.lan.callback_answer() or "")
    assert "Vai trò của đồng chí" in (await tree.lan.send("/cells")).text
    assert rows(bot, "SELECT * FROM record_returns") == []
    assert rows(bot, "SELECT * FROM drafts WHERE form = 'return'") == []
    # Another cell's secretary cannot open a returned record through a forged correction button.
    await send_back_the_first_record(tree.binh, "Xem lại.")
    returned = rows(bot, "SELECT id FROM record_returns")[0]["id"]
    other = tree.minh.handle.bot_messages()[-1]
    opened = await tree.minh.press_data(other.message_id, f"v1:rv:c:{returned}", strict=False)
    assert "does not exist or is not yours to change" in opened.text
    assert (
        rows(bot, "SELECT * FROM drafts WHERE user_id = (SELECT id FROM users WHERE display_name = 'Minh')")
        == []
    )


async def test_the_dashboards_link_and_code_open_a_record_for_its_committee_only(
    bot: RunningBot, tree: Tree
) -> None:
    """The dashboard is read-only: on Telegram a record's deep link sends /start record-m<id>, on Zalo
    the member types /record m<id>; both show the record with the button that sends it back."""
    await tree.lan.dialog(MEETING)
    meeting = rows(bot, "SELECT id FROM meetings")[0]["id"]
    opened = await tree.binh.send(f"/start record-m{meeting}")
    assert "Người nhập: Lan" in opened.text and "Học tập nghị quyết" in opened.text
    assert "↩️ Trả lại để sửa" in opened.buttons
    # Typed on a phone: a capital letter, a space or a '#' are all the same code.
    for typed in (f"m{meeting}", f"M {meeting}", f"#m{meeting}"):
        assert "Người nhập: Lan" in (await tree.binh.send(f"/record {typed}")).text, typed
    await tree.binh.dialog(
        [
            ("[↩️ Trả lại để sửa]", "Chi bộ cần sửa gì?"),
            ("Thiếu số đảng viên vắng mặt.", "Đồng chí kiểm tra lại"),
            ("[1. ✅ Lưu]", "Đã trả lại"),
        ]
    )
    # Sent back: its page says so, and offers no second return while this one is open.
    again = await tree.binh.send(f"/record m{meeting}")
    assert "Thiếu số đảng viên vắng mặt." in again.text and "đang chờ chi bộ sửa" in again.text
    assert "↩️ Trả lại để sửa" not in again.buttons

    # A sibling committee's member, the cell's own secretary (by link or typed), and codes that name
    # nothing: each refused, nothing sent back.
    refused = "not in your committee's cells"
    assert refused in (await tree.cuc.send(f"/record m{meeting}")).text
    assert refused in (await tree.cuc.send(f"/start record-m{meeting}")).text
    assert "Vai trò của đồng chí" in (await tree.lan.send(f"/record m{meeting}")).text
    assert "Vai trò của đồng chí" in (await tree.lan.send(f"/start record-m{meeting}")).text
    assert "hoặc đã bị xóa" in (await tree.binh.send("/record m99999")).text
    assert "không phải mã bản ghi" in (await tree.binh.send("/record họp tháng 11")).text
    assert "ghi mã bản ghi sau /record" in (await tree.binh.send("/record")).text
    assert len(rows(bot, "SELECT * FROM record_returns")) == 1


async def test_a_sibling_committee_cannot_return_another_committees_record(
    bot: RunningBot, tree: Tree
) -> None:
    await tree.lan.dialog(MEETING)
    meeting = rows(bot, "SELECT id FROM meetings")[0]["id"]
    honda = rows(bot, "SELECT id FROM units WHERE code = 'cb-honda'")[0]["id"]
    digest = await tree.binh.send("/digest")  # committee A's digest, with its buttons
    message = tree.cuc.handle.bot_messages()[-1]
    for data in (f"v1:rv:r:meeting:{meeting}", f"v1:rv:o:meeting:{meeting}", f"v1:cl:{honda}:0"):
        await tree.cuc.press_data(message.message_id, data, strict=False)
        assert "not in your committee's cells" in (tree.cuc.callback_answer() or ""), data
    # Committee A's digest buttons, forged by committee B, are old buttons to them.
    for row in digest.messages[0].buttons:
        for button in row:
            await tree.cuc.press_data(message.message_id, str(button.value), strict=False)
            assert "no longer active" in (tree.cuc.callback_answer() or "")
    assert "Samsung" in (await tree.cuc.send("/cells")).text
    assert "Honda" not in (await tree.cuc.send("/cells")).text
    assert rows(bot, "SELECT * FROM record_returns") == []


async def test_the_nudge_button_reaches_exactly_the_cells_listed_once_each(
    bot: RunningBot, tree: Tree
) -> None:
    # Tuesday 24/11: the cells were set up today, after their meeting day (the 5th), so this month's
    # meeting is not asked of them; but none has recorded anything in 30 days.
    await bot.tick()  # the scheduler's own reminders and nudges of the day go first

    def nudges(person: Person) -> list[str]:
        return [t for t in texts(person) if t.startswith("📣")]

    digest = await tree.binh.send("/digest")
    actions = digest.messages[0]
    assert "🔕 30 ngày không có bản ghi nào: 2 chi bộ — Canon, Honda" in (actions.text or "")
    assert "chưa báo cáo sinh hoạt chi bộ thường kỳ" not in (actions.text or "")
    assert "📣 Nhắc 2 chi bộ chưa báo cáo" in digest.buttons
    # Meanwhile Canon reports its meeting: it is not nudged.
    await tree.minh.dialog(
        [
            ("/meeting", "When was the meeting?"),
            ("yesterday", "What kind"),
            ("1", "How many minutes"),
            ("90", "How many members"),
            ("5", "present"),
            ("5", "with a reason"),
            ("0", "Check your answers"),
            ("[1. ✅ Save]", "Saved"),
        ]
    )
    report = await tree.binh.press("📣 Nhắc 2 chi bộ chưa báo cáo")
    assert "Đã nhắc: 1 chi bộ (1 tin nhắn tới bí thư)." in report.text
    assert "Đã báo cáo sau khi có bản tin, không nhắc: 1" in report.text and "Canon" in report.text
    await bot.tick()
    assert len(nudges(tree.lan)) == 1
    assert "Bình (Đảng bộ KCN A)" in nudges(tree.lan)[0] and "Honda" in nudges(tree.lan)[0]
    assert "30 ngày qua chi bộ chưa có bản ghi nào" in nudges(tree.lan)[0]
    assert "/report" in nudges(tree.lan)[0]
    assert nudges(tree.minh) == [] and nudges(tree.son) == []
    # Pressed again: nobody is nudged twice.
    again = await tree.binh.press("📣 Nhắc 2 chi bộ chưa báo cáo")
    assert "Đã nhắc: 0 chi bộ" in again.text
    assert "Đã nhắc trước đó trong hôm nay, không nhắc lại: 1" in again.text
    await bot.tick()
    assert len(nudges(tree.lan)) == 1 and nudges(tree.minh) == [] and nudges(tree.son) == []
    # The cells needing action, to look into one.
    listing = await tree.binh.press("🔎 Xem chi tiết một chi bộ")
    assert listing.buttons == ["1. Canon", "2. Honda"]
    honda = await tree.binh.press("2. Honda")
    assert "Chi bộ Công ty Honda" in honda.text and "🕘 Chưa có bản ghi nào." in honda.text


async def test_a_list_too_old_is_an_old_button(bot: RunningBot, tree: Tree) -> None:
    digest = await tree.binh.send("/digest")
    label = next(b for b in digest.buttons if b.startswith("📣"))
    bot.clock.advance(days=digest_actions.LIST_DAYS + 1)
    await tree.binh.send("/digest")  # a new digest drops the lists gone stale
    await tree.binh.press_data(
        digest.messages[0].message_id,
        next(str(b.value) for row in digest.messages[0].buttons for b in row if b.text == label),
    )
    assert "không còn hiệu lực" in (tree.binh.callback_answer() or "")


async def test_the_mentor_log_reminds_in_the_quarters_last_week_and_shows_at_recognition(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    # Admitted on 30/08/2026: the first quarter runs to 29/11, and 24/11 is in its last week.
    thu = await add_person(
        side_db,
        "cb-honda",
        "Nguyễn Thị Thu",
        {"source": "2024-01-05", "admission_decision": "2026-08-03", "ceremony": "2026-08-30"},
    )
    # Admitted a year ago: recognition is due, and no note was ever written.
    await add_person(
        side_db,
        "cb-honda",
        "Lê Văn Nam",
        {"source": "2023-01-05", "admission_decision": "2025-10-01", "ceremony": "2025-11-10"},
    )
    count = len(texts(tree.lan))
    await bot.tick()
    reminder = [t for t in new_texts(tree.lan, count) if t.startswith("📝")]
    assert len(reminder) == 1 and "Quý 1" in reminder[0] and "Nguyễn Thị Thu" in reminder[0]
    assert "29/11/2026" in reminder[0]
    await tree.lan.dialog(
        [
            ("[📝 Ghi nhận xét quý]", ["Nhận xét đảng viên dự bị", "tiến bộ thế nào?"]),
            ("Số thẻ 123456789", "số căn cước"),  # the ID guard
            ("x" * 501, "tối đa 500"),
            (
                "Chấp hành tốt, tích cực trong công đoàn.",
                ["Quý 1: 30/08/2026 – 29/11/2026", "Đồng chí kiểm tra lại"],
            ),
            ("[1. ✅ Lưu]", "Đã lưu: Nhận xét đảng viên dự bị"),
        ]
    )
    assert [tuple(r) for r in rows(bot, "SELECT person_id, quarter, note FROM mentor_notes")] == [
        (thu, 1, "Chấp hành tốt, tích cực trong công đoàn.")
    ]
    bot.clock.advance(days=1)
    count = len(texts(tree.lan))
    await bot.tick()
    assert not any(t.startswith("📝") for t in new_texts(tree.lan, count))  # noted: no more reminders
    # A second note for the same quarter is refused at the review.
    await tree.lan.dialog(
        [
            ("/mentor", "Nhận xét đảng viên dự bị nào?"),
            ("Thu", "quý nào"),
            ("1", "tiến bộ thế nào?"),
            ("Lần nữa", ["Quý 1 đã có nhận xét", "[1. Sửa: Quý dự bị]"]),
            ("/cancel", "[1. Có, hủy]"),
            ("[1. Có, hủy]", "Đã hủy"),
        ]
    )
    # At recognition: how many quarters have a note, and a warning when none has.
    await tree.lan.dialog(
        [
            ("/progress", "Bước kết nạp"),
            ("Nam", "Bước nào?"),
            (
                "[1. công nhận đảng viên chính thức]",
                ["Lưu ý: chưa có nhận xét nào về Lê Văn Nam trong thời gian dự bị"],
            ),
            ("/cancel", "Đã hủy"),
        ]
    )
    await tree.lan.dialog(
        [
            ("/progress", "Bước kết nạp"),
            ("Thu", "Bước nào?"),
            (
                "[1. công nhận đảng viên chính thức]",
                "Nhận xét về Nguyễn Thị Thu trong thời gian dự bị: đã có 1/4 quý.",
            ),
            ("/cancel", "Đã hủy"),
        ]
    )


async def test_a_record_deleted_instead_of_corrected_closes_its_return(bot: RunningBot, tree: Tree) -> None:
    await tree.lan.dialog(MEETING)
    await send_back_the_first_record(tree.binh, "Bản ghi này trùng với buổi ngày 05/11.")
    await arrived(tree.lan, "Trả lại để sửa — đồng chí")
    # The secretary sees the comment on the record in /mine too, and deletes the duplicate.
    mine = await tree.lan.send("/mine")
    record = await tree.lan.press(mine.buttons[0])
    assert "Trả lại ngày 24/11/2026, đồng chí Bình: Bản ghi này trùng với buổi ngày 05/11." in record.text
    assert "đang chờ chi bộ sửa" in record.text
    await tree.lan.dialog([("[🗑 Xóa]", "[Có, xóa]"), ("[Có, xóa]", "Đã xóa")])
    count = len(texts(tree.binh))
    await bot.tick()
    told = "\n".join(new_texts(tree.binh, count))
    assert "Đồng chí Lan đã xóa bản ghi mà đồng chí trả lại để sửa" in told
    assert "Ý kiến của đồng chí: Bản ghi này trùng với buổi ngày 05/11." in told
    assert [r["resolution"] for r in rows(bot, "SELECT resolution FROM record_returns")] == ["deleted"]
    actions = [r["action"] for r in rows(bot, "SELECT action FROM audit_log WHERE action LIKE 'return.%'")]
    assert actions == ["return.create", "return.deleted"]
    assert "Bản ghi bị trả lại, chưa sửa" not in (await tree.binh.send("/digest")).messages[0].text
