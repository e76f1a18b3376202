"""A report in few taps, through the real bot: last month's answers at once, dates as buttons, the answer
chosen shown in its question (one Bot API call, as removing the buttons took), warnings of a second
meeting or activity before saving, and the typed words of the buttons."""

from datetime import timedelta

from bot.devtools.telegram_emulator import BotApiEmulator
from storage import records, units
from storage.database import Database
from tests.e2e.conftest import NOW, Tree, add_person
from tests.e2e.harness import Person, Reply, RunningBot

LAST_MONTH = {
    "on_date": "2026-10-05",
    "kind": "regular",
    "minutes": 95,
    "total": 12,
    "present": 11,
    "absent_with_reason": 1,
    "absent_without_reason": 0,
    "topic": "Kiểm điểm tháng 10",
}


async def add_meeting(db: Database, code: str, **values: object) -> None:
    unit = await units.by_code(db, code)
    assert unit is not None
    async with db.transaction() as tx:
        await records.insert(tx, "meeting", unit.id, LAST_MONTH | values, None, NOW - timedelta(days=40))


def button(reply: Reply, starting: str) -> str:
    """Return the label of the answer's button whose label (after its number) starts with a text."""
    found = [b for b in reply.buttons if b.split(". ", 1)[-1].startswith(starting)]
    assert len(found) == 1, (starting, reply.buttons)
    return found[0]


async def test_a_meeting_like_last_months_is_reported_in_six_steps_two_typed(
    bot: RunningBot, tree: Tree, side_db: Database, emulator: BotApiEmulator
) -> None:
    await add_meeting(side_db, "cb-honda")
    lan: Person = tree.lan
    calls = len(emulator.calls)
    question = await lan.send("/meeting")
    assert "Buổi sinh hoạt diễn ra ngày nào?" in question
    kind = await lan.press(button(question, "Hôm qua"))
    assert "Như tháng trước: Sinh hoạt chi bộ thường kỳ (hằng tháng) · 95 phút · 12 đảng viên" in kind
    present = await lan.press(button(kind, "↺ Như tháng trước"))
    assert "Bao nhiêu đồng chí có mặt?" in present
    assert "Sinh hoạt chi bộ · 5/6" in present
    await lan.send("10")
    review = await lan.send("2")
    for line in (
        "• Ngày: 23/11/2026",
        "• Loại: Sinh hoạt chi bộ thường kỳ (hằng tháng)",
        "• Thời lượng (phút): 95",
        "• Tổng số đảng viên: 12",
        "• Vắng không lý do: 0 (tự tính)",
    ):
        assert line in review.text
    assert "⚠️" not in review.text  # October's meeting is no duplicate of November's
    saved = await lan.press("1. ✅ Lưu")
    assert "✅ Đã lưu: Sinh hoạt chi bộ." in saved
    stored = await side_db.fetchall(
        "SELECT on_date, kind, minutes, total, present, absent_with_reason, absent_without_reason, topic"
        " FROM meetings ORDER BY on_date"
    )
    assert [tuple(r) for r in stored][-1] == ("2026-11-23", "regular", 95, 12, 10, 2, 0, None)
    # Each press showed the answer in its question and took the buttons away in one call.
    made = [c for c in emulator.calls[calls:] if c.status == 200]
    assert not any(c.method == "editMessageReplyMarkup" for c in made)
    edits = [c for c in made if c.method == "editMessageText"]
    assert len(edits) == 3
    assert all("reply_markup" not in c.params for c in edits)  # no markup: the keyboard goes
    texts = [str(c.params["text"]) for c in edits]
    assert "Buổi sinh hoạt diễn ra ngày nào?" in texts[0] and "➜ <b>Hôm qua (23/11)</b>" in texts[0]
    assert "Hình thức sinh hoạt?" in texts[1] and "➜ <b>↺ Như tháng trước</b>" in texts[1]
    assert "• Vắng không lý do: <b>0</b>" in texts[2] and "➜ <b>✅ Lưu</b>" in texts[2]


async def test_as_last_month_never_repeats_a_thematic_part(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    # October's regular meeting, then a thematic meeting on its own in November: "As last month" is
    # October's regular meeting, not the thematic one (which would count for the quarter untaken).
    await add_meeting(side_db, "cb-honda")
    await add_meeting(side_db, "cb-honda", on_date="2026-11-12", kind="thematic", minutes=150, total=13)
    lan: Person = tree.lan
    kind = await lan.press(button(await lan.send("/meeting"), "Hôm qua"))
    assert "Như tháng trước: Sinh hoạt chi bộ thường kỳ (hằng tháng) · 95 phút · 12 đảng viên" in kind
    await lan.send("/cancel")
    # A regular meeting with a thematic part on 20/11: repeated as a regular meeting, its length asked.
    await add_meeting(side_db, "cb-honda", on_date="2026-11-20", kind="both", minutes=140, total=13)
    kind = await lan.press(button(await lan.send("/meeting"), "Hôm qua"))
    assert "Như tháng trước: Sinh hoạt chi bộ thường kỳ (hằng tháng) · 13 đảng viên" in kind
    asked = await lan.press(button(kind, "↺ Như tháng trước"))
    assert "bao nhiêu phút" in asked.text
    review = (await lan.dialog([("90", "có mặt"), ("12", "có lý do"), ("1", "kiểm tra lại")]))[-1]
    assert "• Loại: Sinh hoạt chi bộ thường kỳ (hằng tháng)" in review.text
    assert "• Thời lượng (phút): 90" in review.text and "• Tổng số đảng viên: 13" in review.text


async def test_what_rarely_changes_is_offered_one_by_one_and_typed_by_its_words(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    await add_meeting(side_db, "cb-honda")
    await tree.lan.dialog(
        [
            ("/meeting", "ngày nào?"),
            ("5/11", "Hình thức sinh hoạt?"),  # no year: this year's 5 November
            ("1", ["bao nhiêu phút", "Như tháng trước: 95 phút · 12 đảng viên", "↺ Như tháng trước"]),
            ("60", ["Đã ghi nhận 60 phút.", "Lần trước: 12 đảng viên", "[Giữ nguyên: 12]"]),
            ("giữ nguyên", "có mặt"),
            ("12", "vắng có lý do"),
            (
                "0",
                [
                    "• Ngày: 05/11/2026",
                    "• Loại: Sinh hoạt chi bộ thường kỳ (hằng tháng)",
                    "• Tổng số đảng viên: 12",
                ],
            ),
        ]
    )
    await tree.lan.send("/cancel")
    await tree.lan.press("1. Có, hủy")
    # "As last month" typed in words, on the kind's question.
    await tree.lan.dialog(
        [
            ("/meeting", "ngày nào?"),
            ("hôm nay", "Hình thức sinh hoạt?"),
            ("như tháng trước", ["có mặt", "5/6"]),
            ("/back", ["tổng số bao nhiêu đảng viên", "Câu trả lời hiện tại: 12"]),
            ("/back", ["bao nhiêu phút", "Câu trả lời hiện tại: 95"]),
            # A changed answer goes on to the next question not answered yet: the total is kept.
            ("100", ["có mặt", "5/6"]),
        ]
    )


async def test_a_second_meeting_or_activity_is_warned_before_it_is_saved(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    await add_meeting(side_db, "cb-honda", on_date="2026-11-05")
    review = await fill_meeting(tree.lan, "20/11/2026", "1")
    assert "⚠️ Sinh hoạt thường kỳ tháng 11/2026 đã được ghi nhận (ngày 05/11/2026)" in review
    assert "1. ✅ Lưu" in review.buttons  # a warning, not a refusal
    await tree.lan.press("1. ✅ Lưu")
    # A thematic meeting the same month is no second regular one; the same day is worth a word.
    review = await fill_meeting(tree.lan, "20/11/2026", "3")
    assert (
        "⚠️ Ngày 20/11/2026 đã có một buổi sinh hoạt được ghi nhận (Sinh hoạt chi bộ thường kỳ (hằng tháng))"
        in review
    )
    await tree.lan.press("1. ✅ Lưu")
    assert await side_db.fetchval("SELECT COUNT(*) FROM meetings") == 3
    review = await fill_meeting(tree.lan, "21/11/2026", "3")
    assert "⚠️" not in review.text
    await tree.lan.send("/cancel")
    await tree.lan.press("1. Có, hủy")
    # An activity of the same day and kind, or of the same title.
    for title in ("Học Nghị quyết", "học nghị quyết!"):
        review = await tree.minh.dialog(
            [
                ("/activity", "When did it take place?"),
                ("[2. Yesterday (23/11)]", "What kind"),
                ("1" if title.startswith("H") else "6", "Title"),
                (title, "How many took part?"),
                ("30", "Check your answers"),
            ]
        )
        if title.startswith("H"):
            assert "⚠️" not in review[-1].text
        else:
            assert "⚠️ An activity of 23/11/2026 is recorded already: “Học Nghị quyết”." in review[-1]
        await tree.minh.press("1. ✅ Save")


async def fill_meeting(person: Person, day: str, kind: str) -> Reply:
    replies = await person.dialog(
        [
            ("/meeting", "ngày nào?"),
            (day, "Hình thức"),
            (kind, "bao nhiêu phút"),
            ("90", "tổng số"),
            ("12", "có mặt"),
            ("12", "vắng có lý do"),
            ("0", "kiểm tra lại"),
        ]
    )
    return replies[-1]


async def test_a_date_button_pressed_after_midnight_still_means_its_day(bot: RunningBot, tree: Tree) -> None:
    question = await tree.minh.send("/activity")
    today = button(question, "Today")
    bot.clock.advance(days=1)  # she answers after midnight: the button still says the 24th
    await tree.minh.dialog(
        [
            (f"[{today}]", "What kind of activity?"),
            ("1", "Title"),
            ("Học Nghị quyết", "How many"),
            ("25", ["Check your answers", "• Date: 24/11/2026"]),
        ]
    )


async def test_the_cells_official_members_are_offered_from_its_last_vote(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    applied = {"source": "2025-01-06", "awareness_class": "2025-03-01", "application": "2025-06-01"}
    await add_person(side_db, "cb-honda", "Nguyễn Thị Thu", applied)
    await add_person(side_db, "cb-honda", "Lê Văn Nam", applied)
    for name, last_time in (("thu", None), ("nam", "Lần trước: 8")):
        replies = await tree.lan.dialog(
            [
                ("/progress", "Bước của ai?"),
                (name, "chi bộ xét, đề nghị kết nạp"),
                ("1", "Vào ngày nào?"),
                ("20/11/2026", "biểu quyết tán thành"),
                ("7", "đảng viên chính thức"),
            ]
        )
        if last_time is None:
            assert "Giữ nguyên" not in replies[-1].text + " ".join(replies[-1].buttons)
            await tree.lan.send("8")
        else:
            assert last_time in replies[-1] and "Giữ nguyên: 8" in replies[-1].buttons
            assert "• Số đảng viên chính thức: 8" in await tree.lan.press("Giữ nguyên: 8")
        assert "Đã lưu" in await tree.lan.press("1. ✅ Lưu")
