"""Scheduled work on Zalo: a deadline reminder whose button is answered by typing its number, the
weekly digest with its chart through a signed link (or a note when there is no public address),
a reminder that does not take over an open form (people Zalo cannot reach: test_undeliverable)."""

from datetime import UTC, datetime

from bot.devtools.zalo_emulator import ZaloEmulator
from storage.database import Database
from tests.e2e.conftest import add_person
from tests.zalo.conftest import ADMIN, AnotherBot, Cells
from tests.zalo.harness import RunningZalo, register

CEREMONY_DUE = {
    "source": "2025-01-06",
    "awareness_class": "2025-03-01",
    "application": "2025-06-01",
    "cell_vote": "2025-10-01",
    "admission_decision": "2026-11-10",  # the ceremony is due within 30 working days
}


async def test_a_reminder_reaches_the_secretary_on_zalo_and_its_number_opens_the_form(
    bot: RunningZalo, cells: Cells, side_db: Database
) -> None:
    await add_person(side_db, "cb-honda", "Nguyễn Thị Thu", CEREMONY_DUE)
    before = len(cells.lan.texts())
    await bot.tick()
    reminder = cells.lan.texts()[before:]
    assert len(reminder) == 1, reminder
    assert reminder[0].startswith("⏰ Còn ")
    assert "lễ kết nạp Nguyễn Thị Thu phải tổ chức chậm nhất ngày" in reminder[0]
    assert "1. Ghi nhận: lễ kết nạp" in reminder[0]
    assert "<b>" not in reminder[0]
    await cells.lan.dialog(
        [
            (
                "1",
                [
                    "Bước kết nạp · 3/3",
                    "Người: Nguyễn Thị Thu (1995)",
                    "Bước: lễ kết nạp",
                    "2. Hôm qua (23/11)",
                ],
            ),
            ("2", ["• Người: Nguyễn Thị Thu", "• Bước: lễ kết nạp", "• Ngày: 23/11/2026", "1. ✅ Lưu"]),
            ("1", "Đã lưu"),
        ]
    )
    await bot.tick()
    # The reminder, three answers (no edited copy of a question: Zalo cannot edit), and nothing again.
    assert len(cells.lan.texts()) == before + 4


async def test_a_reminder_does_not_take_over_an_open_form(
    bot: RunningZalo, cells: Cells, side_db: Database
) -> None:
    await add_person(side_db, "cb-honda", "Nguyễn Thị Thu", CEREMONY_DUE)
    await cells.lan.dialog([("/meeting", "ngày nào?"), ("hôm qua", "Hình thức sinh hoạt?")])
    await bot.tick()
    reminder = cells.lan.texts()[-1]
    assert "lễ kết nạp Nguyễn Thị Thu" in reminder
    assert "• Ghi nhận: lễ kết nạp" in reminder
    assert "1. Ghi nhận" not in reminder
    # "1" still answers the question on screen before the reminder.
    assert "Buổi sinh hoạt kéo dài bao nhiêu phút?" in await cells.lan.send("1")


async def test_the_weekly_digest_reaches_a_committee_member_with_its_chart(
    bot: RunningZalo, cells: Cells, side_db: Database, zalo: ZaloEmulator
) -> None:
    await add_person(side_db, "cb-honda", "Nguyễn Thị Thu", {"source": "2026-11-20"})
    await bot.tick()  # the bot runs from Tuesday 24/11
    before = len(cells.binh.user.bot_messages())
    bot.clock.now = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 08:30 in Hà Nội
    await bot.tick()
    got = cells.binh.user.bot_messages()[before:]
    # What needs action first, its buttons as a numbered list; the figures; the chart last.
    assert "Cần xử lý" in (got[0].text or "") and "1. 📣 Nhắc" in (got[0].text or "")
    chart = got[-1]
    assert chart.photo is not None and chart.photo.startswith(b"\x89PNG")
    assert chart.photo_url is not None and "/zalo/files/" in chart.photo_url
    assert "Bản tin tuần: Đảng bộ KCN A" in (chart.caption or "")
    assert "Chi bộ Công ty Honda" in "\n".join(m.text or "" for m in got[:-1])
    # The link is short-lived and signed: altered, it serves nothing.
    assert bot.web is not None and bot.web.files is not None
    tampered = chart.photo_url.replace("sig=", "sig=0")
    file_id, _, rest = tampered.split("/zalo/files/", 1)[1].partition("/")
    expires, signature = rest.split("?exp=", 1)[1].split("&sig=")
    assert bot.web.files.get(file_id, expires, signature) is None
    sent = len(zalo.calls)
    await bot.tick()
    assert not any(c.method == "sendPhoto" for c in zalo.calls[sent:])


async def test_without_a_public_address_the_chart_is_replaced_by_a_note(
    zalo: ZaloEmulator, another_bot: AnotherBot
) -> None:
    async with another_bot(public=False) as bot:
        admin = bot.person(ADMIN, "Hà")
        await admin.send("/addunit kcn-a Đảng bộ KCN A")
        member = bot.person("0a1b2c3d4e5f60718293", "Bình")
        await register(admin, member, "kcn-a", "capuy")
        assert "cấp ủy viên" in await admin.send("/digest all")
        await bot.tick()
        texts = member.texts()
        assert any(
            "Bản tin tuần: Đảng bộ KCN A" in t and "Zalo chỉ nhận hình ảnh qua một địa chỉ web" in t
            for t in texts
        )
        assert not any(c.method == "sendPhoto" for c in zalo.calls)


async def test_a_broadcast_from_zalo_reaches_the_secretaries_and_the_admin_gets_the_count(
    bot: RunningZalo, cells: Cells
) -> None:
    before = {p.id: len(p.texts()) for p in (cells.lan, cells.minh, cells.binh)}
    await cells.admin.dialog(
        [
            ("/broadcast kcn-a", "Viết nội dung"),
            (
                "Họp <khẩn> & đúng giờ: 14h thứ Sáu",
                ["Gửi đến: Đảng bộ KCN A (kcn-a)", "Họp <khẩn> & đúng giờ"],
            ),
            ("1", "đang được gửi đến các bí thư"),
        ]
    )
    await bot.tick()
    message = "Họp <khẩn> & đúng giờ: 14h thứ Sáu"
    assert cells.lan.texts()[before[cells.lan.id] :] == [f"📢 Tin nhắn của Hà gửi Đảng bộ KCN A:\n{message}"]
    assert cells.minh.texts()[before[cells.minh.id] :] == [f"📢 Message from Hà to Đảng bộ KCN A:\n{message}"]
    assert len(cells.binh.texts()) == before[cells.binh.id]
    assert "đã đến 2/2 bí thư" in cells.admin.texts()[-1]
