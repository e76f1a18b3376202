"""Scheduled work through the real bot: deadline reminders to the right secretary with a button
that opens the form, the weekly digest with its chart to each committee member of a subtree and
only them, quiet hours, drafts that expire, a crash between queueing and sending, Telegram's flood
limit, and a user who blocked the bot."""

from datetime import UTC, datetime

from bot.devtools.telegram_emulator import BotApiEmulator, FloodControl
from storage import records, units, users
from storage.database import Database
from storage.models import Role
from tests.e2e.conftest import NOW, Tree, add_person, texts
from tests.e2e.harness import RunningBot


async def test_a_deadline_reminder_reaches_the_right_secretary_and_opens_the_form(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    # Decision on 10/11/2026: the ceremony is due within 30 working days.
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
    before = {p.id: len(texts(p)) for p in (tree.lan, tree.minh, tree.son, tree.binh)}
    await bot.tick()
    reminder = texts(tree.lan)[before[tree.lan.id] :]
    assert len(reminder) == 1, reminder
    assert "lễ kết nạp Nguyễn Thị Thu phải tổ chức chậm nhất ngày" in reminder[0]
    assert reminder[0].startswith("⏰ Còn ")
    for other in (tree.minh, tree.son, tree.binh):
        assert len(texts(other)) == before[other.id]
    await bot.tick()
    assert len(texts(tree.lan)) == before[tree.lan.id] + 1
    # The button opens the form at its date, the person and the step named; a date is a button.
    await tree.lan.dialog(
        [
            (
                "[Ghi nhận: lễ kết nạp]",
                [
                    "Bước kết nạp · 3/3",
                    "Người: Nguyễn Thị Thu (1995) · quyết định kết nạp",
                    "Bước: lễ kết nạp",
                    "Vào ngày nào?",
                    "[1. Hôm nay (24/11)]",
                    "[2. Hôm qua (23/11)]",
                ],
            ),
            (
                "[2. Hôm qua (23/11)]",
                [
                    "• Người: Nguyễn Thị Thu",
                    "• Bước: lễ kết nạp",
                    "• Ngày: 23/11/2026",
                    "[3. ➕ Thêm ghi chú]",
                ],
            ),
            ("[1. ✅ Lưu]", "Đã lưu"),
        ]
    )
    # The ceremony is held: no more reminders of it, even on its last day.
    bot.clock.advance(days=27)
    count = len(texts(tree.lan))
    await bot.tick()
    assert not any("lễ kết nạp" in t for t in texts(tree.lan)[count:])


async def test_the_weekly_digest_reaches_each_committee_member_of_its_subtree_only(
    bot: RunningBot, tree: Tree, side_db: Database, emulator: BotApiEmulator
) -> None:
    await add_person(side_db, "cb-honda", "Nguyễn Thị Thu", {"source": "2026-11-20"})
    await add_person(side_db, "cb-sam", "Lê Văn Nam", {"source": "2026-11-21"})
    await bot.tick()  # the bot runs from Tuesday 24/11
    before = {
        p.id: len(p.handle.bot_messages()) for p in (tree.lan, tree.minh, tree.son, tree.binh, tree.cuc)
    }
    bot.clock.now = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 08:30 in Hà Nội
    await bot.tick()
    for member, mine, theirs in (
        (tree.binh, "Chi bộ Công ty Honda", "Samsung"),
        (tree.cuc, "Chi bộ Công ty Samsung", "Honda"),
    ):
        got = member.handle.bot_messages()[before[member.id] :]
        # What needs action first (with its buttons), the figures, then the chart.
        assert [m.kind for m in got] == ["text", "text", "photo"], [m.kind for m in got]
        assert "Cần xử lý" in (got[0].text or "") or "Needs action" in (got[0].text or "")
        assert got[0].buttons, got[0].text
        assert got[2].photo is not None and got[2].photo.startswith(b"\x89PNG")
        body = "\n".join(m.text or "" for m in got[:2])
        assert mine in body
        assert theirs not in body
    assert "Bản tin tuần: Đảng bộ KCN A" in (
        tree.binh.handle.bot_messages()[before[tree.binh.id] + 2].caption or ""
    )
    assert "Weekly digest: Đảng bộ KCN B" in (
        tree.cuc.handle.bot_messages()[before[tree.cuc.id] + 2].caption or ""
    )
    for secretary in (tree.lan, tree.minh, tree.son):
        assert not any(m.kind == "photo" for m in secretary.handle.bot_messages()[before[secretary.id] :])
    sent = len(emulator.calls)
    await bot.tick()
    assert not any(c.method in ("sendPhoto",) for c in emulator.calls[sent:])


async def test_a_late_digest_is_still_sent_once(bot: RunningBot, tree: Tree) -> None:
    await bot.tick()  # running on Tuesday 24/11: this week's digest is not sent, next week's will be
    before = len(tree.binh.handle.bot_messages())
    await bot.stop()
    bot.clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday: the bot was down on Monday
    await bot.start()
    await bot.tick()
    await bot.restart()
    await bot.tick()
    photos = [m for m in tree.binh.handle.bot_messages()[before:] if m.kind == "photo"]
    assert len(photos) == 1


async def test_quiet_hours_hold_messages_until_the_morning(bot: RunningBot, tree: Tree) -> None:
    bot.clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 22:00 in Hà Nội
    before = len(tree.binh.handle.bot_messages())
    assert "cấp ủy viên" in await tree.admin.send("/digest all")
    await bot.tick()
    assert len(tree.binh.handle.bot_messages()) == before
    bot.clock.now = datetime(2026, 11, 24, 23, 59, tzinfo=UTC)  # 06:59
    await bot.tick()
    assert len(tree.binh.handle.bot_messages()) == before
    bot.clock.now = datetime(2026, 11, 25, 0, 1, tzinfo=UTC)  # 07:01
    await bot.tick()
    assert [m.kind for m in tree.binh.handle.bot_messages()[before:]] == ["text", "text", "photo"]


async def test_a_crash_between_queueing_and_sending_sends_once(bot: RunningBot, tree: Tree) -> None:
    assert bot.app is not None and bot.app.bot_data.scheduler is not None
    before = len(tree.cuc.handle.bot_messages())
    # The digest is queued; the bot dies before delivering it.
    await bot.app.bot_data.scheduler.digest_pass(NOW.date())
    await bot.stop()
    await bot.start()
    await bot.tick()
    await bot.tick()
    got = tree.cuc.handle.bot_messages()[before:]
    assert [m.kind for m in got].count("photo") == 1


async def test_flood_limits_delay_but_lose_and_repeat_nothing(
    bot: RunningBot, tree: Tree, emulator: BotApiEmulator, side_db: Database
) -> None:
    cell = await units.by_code(side_db, "cb-canon")
    assert cell is not None
    many = []
    async with side_db.transaction() as tx:
        for n in range(25):
            user = await users.upsert_contact(tx, "telegram", str(9000 + n), f"Bí thư {n}", NOW)
            await users.set_role(tx, user.id, Role.SECRETARY, cell.id, NOW)
            many.append(emulator.user(9000 + n, f"Bí thư {n}", language_code="vi"))
    await bot.tick()  # the bot runs from Tuesday 24/11
    emulator.flood = FloodControl(per_second=5, retry_after=1)
    bot.clock.now = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # Friday 16:30: the weekly nudge
    for _ in range(10):
        await bot.tick()
        if all(h.bot_messages() for h in many):
            break
    assert [len(h.bot_messages()) for h in many] == [1] * 25
    assert emulator.counters.rate_limited > 0
    emulator.flood = None


async def test_a_user_who_blocked_the_bot_does_not_stall_the_others(
    bot: RunningBot, tree: Tree, emulator: BotApiEmulator, side_db: Database
) -> None:
    await bot.tick()  # the bot runs from Tuesday 24/11
    emulator.block(tree.minh.id)
    bot.clock.now = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # Friday 16:30
    before = {p.id: len(p.handle.bot_messages()) for p in (tree.lan, tree.son)}
    await bot.tick()
    for person in (tree.lan, tree.son):
        assert len(person.handle.bot_messages()) == before[person.id] + 1
    stored = await users.by_external(side_db, "telegram", str(tree.minh.id))
    assert stored is not None and stored.blocked
    emulator.unblock(tree.minh.id)
    assert "Your account" in await tree.minh.send("/help")
    stored = await users.by_external(side_db, "telegram", str(tree.minh.id))
    assert stored is not None and not stored.blocked


async def test_an_idle_draft_is_reminded_once_then_dropped(bot: RunningBot, tree: Tree) -> None:
    await tree.minh.send("/meeting")
    await tree.minh.send("yesterday")
    bot.clock.advance(hours=21)  # 07:00 next morning: the quiet hours are over
    count = len(tree.minh.handle.bot_messages())
    await bot.tick()
    await bot.tick()
    new = texts(tree.minh)[count:]
    assert len(new) == 1 and "is not finished" in new[0]
    bot.clock.advance(hours=3, minutes=1)
    await bot.tick()
    assert "was dropped after 24 hours" in texts(tree.minh)[-1]
    assert "did not understand" in await tree.minh.send("2")


async def test_meeting_reminder_and_nudge_follow_the_cell_meeting_day(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    assert "ngày 5 hằng tháng" in await tree.lan.send("/meetingday")
    assert "từ 1 đến 28" in await tree.lan.send("/meetingday ²")  # a superscript is no day, and no crash
    assert "ngày 10 hằng tháng" in await tree.lan.send("/meetingday 10")
    assert "Lệnh này chỉ dành cho quản trị viên" in await tree.lan.send("/remind")
    # Canon (meeting day 5) reports its December meeting on the 7th: it is not nudged on the 8th.
    bot.clock.now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    await tree.minh.dialog(
        [
            ("/meeting", "When was the meeting?"),
            ("06/12/2026", "What kind of meeting?"),
            ("1", "How many minutes"),
            ("120", "How many members"),
            ("3", "present"),
            ("3", "with a reason"),
            ("0", ["Check your answers", "Absent without reason: 0 (worked out)"]),
            ("1", "✅ Saved: Cell meeting."),
        ]
    )
    count_minh = len(texts(tree.minh))
    # Samsung's only meeting is dated next month (an import, say): it is still nudged for December.
    samsung = await units.by_code(side_db, "cb-sam")
    assert samsung is not None
    values = {
        "on_date": "2027-01-06",
        "kind": "regular",
        "minutes": 120,
        "total": 3,
        "present": 3,
        "absent_with_reason": 0,
        "absent_without_reason": 0,
    }
    await records.insert(side_db, "meeting", samsung.id, values, None, bot.clock.now)
    # 10/12/2026 is a Thursday: the reminder goes on Wednesday 9th.
    bot.clock.now = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    count = len(texts(tree.lan))
    count_son = len(texts(tree.son))
    await bot.tick()
    assert not any("Buổi sinh hoạt chi bộ thường kỳ" in t for t in texts(tree.lan)[count:])
    bot.clock.now = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)
    await bot.tick()
    assert [t for t in texts(tree.lan)[count:] if "Buổi sinh hoạt chi bộ thường kỳ" in t] == [
        "📅 Buổi sinh hoạt chi bộ thường kỳ của Chi bộ Công ty Honda vào ngày 10/12/2026. Đồng chí nhớ gửi "
        "tài liệu trước ít nhất một ngày; họp xong, báo cáo bằng lệnh /meeting."
    ]
    settings = await tree.lan.send("/settings")
    assert "Lời nhắc (hằng tuần, và khi thiếu báo cáo sinh hoạt): đang bật." in settings
    muted = await tree.lan.press("🔕 Tắt lời nhắc")
    assert "đang tắt" in muted
    # Three days after the meeting day, with no meeting reported: Samsung's secretary was nudged on
    # the 8th (meeting day 5), once; Honda's has muted nudges.
    bot.clock.now = datetime(2026, 12, 14, 2, 0, tzinfo=UTC)
    count = len(texts(tree.lan))
    await bot.tick()
    assert not any("Chưa có báo cáo sinh hoạt chi bộ thường kỳ" in t for t in texts(tree.lan)[count:])
    assert any(
        "Chưa có báo cáo sinh hoạt chi bộ thường kỳ tháng 12/2026 của Chi bộ Công ty Samsung" in t
        for t in texts(tree.son)[count_son:]
    )
    assert not any("No regular meeting of" in t for t in texts(tree.minh)[count_minh:])
    # The nudge's button opens the report, its questions that rarely change offered from the last one.
    await tree.son.dialog(
        [
            ("[Báo cáo buổi sinh hoạt]", ["Sinh hoạt chi bộ · 1/6", "Buổi sinh hoạt diễn ra ngày nào?"]),
            (
                "[2. Hôm qua (13/12)]",
                ["Như tháng trước: Sinh hoạt chi bộ thường kỳ (hằng tháng) · 120 phút · 3 đảng viên"],
            ),
        ]
    )


async def test_targets_and_days_off_change_what_is_reported(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    # A decision on 10/11/2026 makes the ceremony due on 22/12/2026 (30 working days; 24/11 is a working
    # day unless CHIBO_CULTURE_DAY_OFF says otherwise).
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
    await tree.admin.dialog(
        [
            ("/target kcn-a 2026 12", "Chỉ tiêu năm 2026 của Đảng bộ KCN A: kết nạp 12 đảng viên."),
            ("/target kcn-a 1999 12", "Năm từ 2000 đến 2100"),
            ("/target nowhere 2026 1", "Không có đơn vị mã nowhere"),
            ("/dayoff 01/12/2026 Nghỉ bù", "Ngày 01/12/2026 nay là ngày nghỉ"),
            ("/dayoff", ["01/12/2026: ngày nghỉ Nghỉ bù"]),
            ("/dayoff 31/02/2026", "Không có ngày 31/02/2026"),
        ]
    )
    # One more day off pushes the ceremony's deadline a working day later.
    count = len(texts(tree.lan))
    await bot.tick()
    assert any("chậm nhất ngày 23/12/2026" in t for t in texts(tree.lan)[count:]), texts(tree.lan)[count:]
    digest = await tree.binh.send("/digest")
    assert "12" in digest.text and "chỉ tiêu" in digest.text.lower()
    # The text first, as soon as it is ready (what needs action, with its buttons; then the figures);
    # the chart, drawn meanwhile, after it.
    assert [m.kind for m in digest.messages] == ["text", "text", "photo"]
    assert "Cần xử lý" in (digest.messages[0].text or "") and digest.messages[0].buttons
    assert digest.last.file is not None and digest.last.file.data.startswith(b"\x89PNG")
    assert "Lệnh này chỉ dành cho quản trị viên" in await tree.lan.send("/target kcn-a 2026 1")
