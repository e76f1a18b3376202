"""The enterprise register as people use it, through the real bot and the emulator: an admin imports
the zones' list (two bad rows refused by row, then the whole list), a committee member records that an
enterprise has three official members and logs a contact, the admin founds its cell in one step,
the digest's coverage before and after, and a secretary who sees only their own enterprise."""

from datetime import UTC, date, datetime
from typing import Any

from bot.features import importer
from bot.i18n import translator
from tests.e2e.conftest import Tree, texts
from tests.e2e.harness import Person, Reply, RunningBot
from tests.e2e.test_data import document, rows, send_file
from tests.unit.test_importer import fill_sheets

VI = translator("vi")
AN_PHAT = "Công ty TNHH Nhựa An Phát"


def register_rows() -> list[dict[str, Any]]:
    """Return 40 enterprises of committee A's register: Honda with its cell, An Phát with two party
    members (Bình follows it), two of committee B's."""
    found = []
    for number in range(1, 41):
        found.append(
            {
                "name": f"Công ty TNHH Linh kiện Số {number}",
                "zone": "KCN Quế Võ" if number % 2 else "KCN Tiên Sơn",
                "ownership": "Có vốn đầu tư nước ngoài" if number % 3 else "Tư nhân trong nước",
                "workers": 400 + number,
                "young_workers": 250,
                "trade_union": "Có" if number % 4 else "Không",
                "youth_union": "Không",
                "register": "kcn-a",
            }
        )
    found[0] |= {"name": "Honda Việt Nam", "cell": "cb-honda", "youth_union": "Có", "youth_union_members": 60}
    found[1] |= {"name": AN_PHAT, "party_members": 2, "members_elsewhere": 2, "member": "Bình"}
    found[38] |= {"register": "kcn-b"}
    found[39] |= {"register": "kcn-b", "name": "Samsung Display", "cell": "cb-sam"}
    return found


def fill_register(template: bytes, entries: list[dict[str, Any]]) -> bytes:
    """Return the template with the enterprises written in its enterprises sheet."""
    return fill_sheets(template, {importer.SHEET_ENTERPRISES: entries})


async def import_register(bot: RunningBot, admin: Person) -> None:
    """Import the 40 enterprises as an admin does: a file with two bad rows first, then the fixed one."""
    _, template = document(await admin.send("/template"))
    entries = register_rows()
    bad = [dict(e) for e in entries]
    bad[5]["zone"] = "KCN 079203001234"  # an ID-like number: row 7
    bad[11]["young_workers"] = 9000  # more young workers than workers: row 13
    answer = await send_file(bot, admin, fill_register(template, bad), "kcn.xlsx")
    assert "2 dòng có lỗi" in answer.text
    assert (
        "Doanh nghiệp, dòng 7, cột “Khu/cụm công nghiệp”: Nội dung có dãy số giống số căn cước" in answer.text
    )
    assert (
        "Doanh nghiệp, dòng 13, cột “Lao động trẻ (dưới 30 tuổi)”: "
        "Số này không thể lớn hơn số lao động (412)." in answer.text
    )
    assert answer.buttons == []
    assert rows(bot, "SELECT COUNT(*) AS n FROM enterprises")[0]["n"] == 0

    answer = await send_file(bot, admin, fill_register(template, entries), "kcn.xlsx")
    assert "• doanh nghiệp sẽ thêm vào danh sách: 40" in answer.text
    assert "Tất cả các dòng đều hợp lệ" in answer.text
    done = await admin.press("✅ Nhập")
    assert "✅ Đã nhập từ kcn.xlsx: 0 đơn vị, 0 người, 0 bước kết nạp và 40 doanh nghiệp." in done.text
    assert rows(bot, "SELECT COUNT(*) AS n FROM enterprises")[0]["n"] == 40


def coverage_line(reply: Reply) -> str:
    return next(line for line in reply.text.splitlines() if line.startswith("Có chi bộ:"))


async def test_an_enterprise_goes_from_three_members_to_its_own_cell(bot: RunningBot, tree: Tree) -> None:
    admin, binh = tree.admin, tree.binh
    await import_register(bot, admin)

    before = await binh.send("/digest")
    assert coverage_line(before) == (
        "Có chi bộ: 1/38 doanh nghiệp (2,6%); 1 doanh nghiệp có đảng viên nhưng chưa có chi bộ, "
        "trong đó 0 doanh nghiệp đã đủ điều kiện thành lập."
    )
    assert "Bình: 1 doanh nghiệp, tiếp xúc gần nhất chưa có, 1 doanh nghiệp cần tiếp xúc lại" in before.text
    assert "Doanh nghiệp đồng chí phụ trách: 1 chưa tiếp xúc từ 60 ngày" in before.text

    # Bình finds the enterprise by part of its name and records its third official member.
    card = await binh.send("/enterprises an phat")
    assert "🏭 Công ty TNHH Nhựa An Phát" in card.text
    assert "Mốc hiện tại: Có đảng viên làm việc, sinh hoạt ở nơi cư trú" in card.text
    assert "🏛 Thành lập chi bộ" not in card.buttons  # the admin founds cells
    await binh.dialog(
        [
            ("[✏️ Sửa số liệu]", ["kiểm tra lại", "• Tên doanh nghiệp: Công ty TNHH Nhựa An Phát"]),
            ("[2. ✏️ Sửa một câu trả lời]", "Đồng chí muốn sửa câu trả lời nào?"),
            (
                "[8. Đảng viên làm việc tại doanh nghiệp]",
                "Có bao nhiêu đảng viên làm việc tại doanh nghiệp?",
            ),
            ("3", "kiểm tra lại"),
            ("[1. ✅ Lưu]", "✅ Đã sửa thông tin trong danh sách"),
        ]
    )
    await binh.send("/enterprises an phat")
    await binh.dialog(
        [
            ("[📍 Ghi mốc]", "Doanh nghiệp đạt mốc nào?"),
            ("[2. Có từ 3 đảng viên chính thức: đủ điều kiện lập chi bộ]", "Vào ngày nào?"),
            ("hôm qua", "kiểm tra lại"),
            ("[1. ✅ Lưu]", "✅ Đã lưu: Mốc phát triển của doanh nghiệp."),
        ]
    )
    card = await binh.send("/enterprises an phat")
    assert "⭐ Doanh nghiệp đã đủ điều kiện thành lập chi bộ." in card.text
    assert "Mốc hiện tại: Có từ 3 đảng viên chính thức: đủ điều kiện lập chi bộ (từ 23/11/2026)" in card.text
    mine = await binh.send("/myenterprises")
    assert "⭐ Đủ điều kiện thành lập chi bộ: 1\n• Công ty TNHH Nhựa An Phát · KCN Tiên Sơn" in mine.text
    during = await binh.send("/digest")
    assert "trong đó 1 doanh nghiệp đã đủ điều kiện thành lập" in coverage_line(during)

    # The admin founds the cell from the enterprise's card: one form, the code and name offered.
    await admin.send("/enterprises an phat")
    await admin.dialog(
        [
            ("[🏛 Thành lập chi bộ]", "Chi bộ được thành lập ngày nào?"),
            ("hôm nay", ["Mã chi bộ: cb-nhuaanphat", "Tên chi bộ: Chi bộ Công ty TNHH Nhựa An Phát"]),
            (
                "[1. ✅ Lưu]",
                "✅ Đã thành lập Chi bộ Công ty TNHH Nhựa An Phát và gắn với doanh nghiệp. "
                "Mời bí thư chi bộ: /invite cb-nhuaanphat bí thư",
            ),
        ]
    )
    unit = rows(
        bot,
        "SELECT u.id, p.code AS parent FROM units u JOIN units p ON p.id = u.parent_id WHERE u.code = ?",
        ("cb-nhuaanphat",),
    )
    assert unit and unit[0]["parent"] == "kcn-a"
    linked = rows(bot, "SELECT cell_id FROM enterprises WHERE name = ?", (AN_PHAT,))
    assert linked[0]["cell_id"] == unit[0]["id"]
    stage = rows(
        bot,
        "SELECT s.on_date FROM enterprise_stages s JOIN enterprises e ON e.id = s.enterprise_id "
        "WHERE e.name = ? AND s.stage = 'cell_founded'",
        (AN_PHAT,),
    )
    assert stage[0]["on_date"] == date(2026, 11, 24).isoformat()
    card = await binh.send("/enterprises an phat")
    assert "Chi bộ: Chi bộ Công ty TNHH Nhựa An Phát (cb-nhuaanphat)" in card.text
    assert "Mốc hiện tại: Đã thành lập chi bộ (từ 24/11/2026)" in card.text
    assert "Chi bộ Công ty TNHH Nhựa An Phát (cb-nhuaanphat)" in (await admin.send("/units")).text

    after = await binh.send("/digest")
    assert coverage_line(after) == (
        "Có chi bộ: 2/38 doanh nghiệp (5,3%); 0 doanh nghiệp có đảng viên nhưng chưa có chi bộ, "
        "trong đó 0 doanh nghiệp đã đủ điều kiện thành lập."
    )
    assert "Thành lập trong năm 2026: 1 chi bộ, 0 công đoàn, 0 tổ chức Đoàn" in after.text
    # Committee B's two enterprises are not committee A's.
    assert "Samsung" not in after.text
    assert (
        "Có chi bộ: 1/2 doanh nghiệp" in (await tree.cuc.send("/digest")).text
        or "Party cells: 1 of 2" in (await tree.cuc.send("/digest")).text
    )


async def test_a_committee_member_logs_a_contact(bot: RunningBot, tree: Tree) -> None:
    await import_register(bot, tree.admin)
    binh = tree.binh
    await binh.dialog(
        [
            ("/contact", ["Doanh nghiệp nào?", "1. Công ty TNHH Nhựa An Phát · KCN Tiên Sơn"]),
            ("an phat", "Tiếp xúc ngày nào?"),
            ("20/11/2026", "Hình thức tiếp xúc?"),
            ("[1. Đối thoại với chủ doanh nghiệp]", "Không ghi tên chủ doanh nghiệp hay giám đốc."),
            ("Số CCCD 079203001234 của giám đốc", "giống số căn cước"),  # the ID guard
        ]
    )
    await bot.restart()  # as after a crash: the answers so far are kept
    await binh.dialog(
        [
            ("Doanh nghiệp đồng ý bố trí phòng sinh hoạt cho chi bộ.", "kiểm tra lại"),
            ("[1. ✅ Lưu]", "✅ Đã ghi lần tiếp xúc."),
        ]
    )
    stored = rows(bot, "SELECT on_date, kind, note, created_by FROM enterprise_contacts")
    assert [(r["on_date"], r["kind"], r["note"]) for r in stored] == [
        ("2026-11-20", "dialogue", "Doanh nghiệp đồng ý bố trí phòng sinh hoạt cho chi bộ.")
    ]
    card = await binh.send("/enterprises an phat")
    assert "Lần tiếp xúc gần nhất: 20/11/2026 (4 ngày trước)" in card.text
    assert "• 20/11/2026 · Đối thoại với chủ doanh nghiệp: Doanh nghiệp đồng ý bố trí" in card.text
    mine = await binh.send("/myenterprises")
    assert "⏰ Chưa tiếp xúc từ 60 ngày trở lên: 0" in mine.text
    # From the card too, with the enterprise already chosen.
    await binh.dialog(
        [
            ("[📝 Ghi tiếp xúc]", "Tiếp xúc ngày nào?"),
            ("hôm nay", "Hình thức tiếp xúc?"),
            ("[2. Thăm, làm việc tại doanh nghiệp]", "Kết quả"),
            ("Gặp ban chấp hành công đoàn.", "kiểm tra lại"),
            ("[1. ✅ Lưu]", "✅ Đã ghi lần tiếp xúc."),
        ]
    )
    assert rows(bot, "SELECT COUNT(*) AS n FROM enterprise_contacts")[0]["n"] == 2


async def test_a_secretary_sees_only_their_own_enterprise(bot: RunningBot, tree: Tree) -> None:
    await import_register(bot, tree.admin)
    lan = tree.lan  # secretary of cb-honda
    own = await lan.send("/enterprises")
    assert "🏭 Honda Việt Nam" in own.text and "Tổ chức Đoàn: có, 60 đoàn viên" in own.text
    assert own.buttons == []  # nothing to change, no list to open
    assert "Tổ công tác" not in own.text  # the working group's notes are the committee's
    searched = await lan.send("/enterprises an phat")
    assert "Honda Việt Nam" in searched.text and "An Phát" not in searched.text
    # A forged button of another enterprise shows nothing of it.
    others = rows(bot, "SELECT id, name FROM enterprises WHERE name IN (?, ?)", (AN_PHAT, "Samsung Display"))
    message = lan.handle.bot_messages()[-1].message_id
    for other in others:
        await lan.press_data(message, f"v1:en:o:{other['id']}", strict=False)
        assert lan.callback_answer() == "Doanh nghiệp này không thuộc danh sách của đồng chí."
    honda = rows(bot, "SELECT id FROM enterprises WHERE name = 'Honda Việt Nam'")[0]["id"]
    await lan.press_data(message, f"v1:en:c:{honda}", strict=False)
    assert lan.callback_answer() == "Vai trò của đồng chí không dùng được lệnh này. Xem /help."
    await lan.press_data(message, "v1:en:l:0123456789:0", strict=False)
    assert lan.callback_answer() == "Khu/cụm này không còn trong danh sách của đồng chí."
    assert "Vai trò của đồng chí không dùng được lệnh này" in (await lan.send("/contact")).text
    # A secretary whose cell's enterprise is not in the register yet is told how it gets there.
    minh = await tree.minh.send("/enterprises")
    assert "not in the register yet" in minh.text and "/enterprise" in minh.text
    # A committee member of another committee cannot open committee A's enterprises either.
    cuc = tree.cuc
    message = (await cuc.send("/enterprises")).last.message_id
    an_phat = next(o["id"] for o in others if o["name"] == AN_PHAT)
    await cuc.press_data(message, f"v1:en:o:{an_phat}", strict=False)
    assert cuc.callback_answer() == "This enterprise is not in your register."


async def test_the_working_group_is_nudged_weekly_and_in_its_digest(bot: RunningBot, tree: Tree) -> None:
    await import_register(bot, tree.admin)
    binh, cuc = tree.binh, tree.cuc
    await bot.tick()  # the bot runs from Tuesday 24/11: this week's weekly work waits for next week
    before = {p.id: len(texts(p)) for p in (binh, cuc)}
    bot.clock.now = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # Friday 16:30: the weekly nudges
    await bot.tick()
    nudge = texts(binh)[before[binh.id] :]
    assert len(nudge) == 1, nudge
    assert "Tổ công tác: doanh nghiệp đồng chí phụ trách trong tuần này." in nudge[0]
    assert "⏰ Chưa tiếp xúc từ 60 ngày trở lên: Công ty TNHH Nhựa An Phát" in nudge[0]
    assert len(texts(cuc)) == before[cuc.id]  # nothing is assigned to Cúc
    await binh.dialog(
        [("[Doanh nghiệp tôi phụ trách]", "Doanh nghiệp đồng chí phụ trách trong tổ công tác: 1")]
    )
    await bot.tick()
    assert len([t for t in texts(binh) if "Tổ công tác: doanh nghiệp" in t]) == 1  # once a week

    bot.clock.now = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 08:30: the digest
    await bot.tick()
    # The member's own line closes the digest's first message, what needs action.
    digest = next(t for t in reversed(texts(binh)) if t.startswith("Bản tin tuần") and "Cần xử lý" in t)
    assert digest.splitlines()[-1].startswith(
        "🗂 Doanh nghiệp đồng chí phụ trách: 1 chưa tiếp xúc từ 60 ngày trở lên"
    )
