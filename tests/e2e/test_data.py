"""The data commands as people use them, through the real bot and the emulator: an export arriving
as an Excel file, the import template and a file checked then imported, the audit pages, deletion
on request, and every refusal of the commands a secretary or a committee member may not use."""

import io
import sqlite3
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from bot.features import importer
from bot.i18n import translator
from bot.processor import PerUserUpdateProcessor
from handlers import data as data_handlers
from storage import records, units
from storage.database import Database
from tests.e2e.conftest import NOW, Tree, add_person
from tests.e2e.harness import Person, Reply, RunningBot

VI = translator("vi")


async def send_file(bot: RunningBot, person: Person, content: bytes, name: str) -> Reply:
    marker = person.handle.marker()
    update_id = await person.handle.send_document(content, name)
    await bot.processed(update_id)
    return Reply(person.handle.bot_messages_since(marker))


def document(reply: Reply) -> tuple[str, bytes]:
    sent = [m for m in reply.messages if m.kind == "document"]
    assert len(sent) == 1, reply.text
    message = sent[0]
    assert message.file is not None and message.file.file_name is not None
    return message.file.file_name, message.file.data


def rows(bot: RunningBot, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(bot.db_path) as db:
        db.row_factory = sqlite3.Row
        return list(db.execute(sql, params))


async def add_meeting(db: Database, unit_code: str, on_date: str, present: int = 9) -> None:
    unit = await units.by_code(db, unit_code)
    assert unit is not None
    async with db.transaction() as tx:
        await records.insert(
            tx,
            "meeting",
            unit.id,
            {
                "on_date": on_date,
                "kind": "regular",
                "minutes": 90,
                "total": 10,
                "present": present,
                "absent_with_reason": 10 - present,
                "absent_without_reason": 0,
                "topic": None,
            },
            None,
            NOW,
        )


# ----- /export ------------------------------------------------------------------------------------


async def test_an_admin_gets_the_export_as_an_excel_file(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    await add_person(
        side_db, "cb-honda", "Lê Thị Hoa", {"source": "2026-01-05", "awareness_class": "2026-03-02"}
    )
    await add_person(side_db, "cb-sam", "Phạm Văn Sơn", {"source": "2026-02-01"})
    await add_meeting(side_db, "cb-honda", "2026-11-05")
    answer = await tree.admin.send("/export")
    assert bot.emulator.chat_actions[tree.admin.id][0] == "upload_document"
    name, content = document(answer)
    assert name == "chibo-root-20261124-1000.xlsx"
    caption = next(m.caption for m in answer.messages if m.kind == "document")
    assert caption == (
        "📊 Đảng bộ các Khu công nghiệp, toàn bộ thời gian: 2 người trong quy trình kết nạp, "
        "1 buổi sinh hoạt, 0 hoạt động, 0 lượt chuyển sinh hoạt, 0 báo cáo doanh nghiệp; "
        "0 doanh nghiệp trong danh sách."
    )
    # The progress message ends saying it is done.
    assert "✅ Đã xuất xong dữ liệu Đảng bộ các Khu công nghiệp: 3 dòng." in answer.texts
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[:3] == ["Tổng hợp", "Kết nạp đảng", "Sinh hoạt chi bộ"]
    people = list(book["Kết nạp đảng"].iter_rows(values_only=True))
    header = people[0]
    hoa = dict(zip(header, people[1], strict=True))
    assert (hoa["Họ và tên"], hoa["Mã chi bộ"], hoa["Năm sinh"]) == ("Lê Thị Hoa", "cb-honda", 1995)
    awareness = hoa["Lớp bồi dưỡng nhận thức về Đảng"]
    assert isinstance(awareness, datetime) and awareness.date() == date(2026, 3, 2)
    summary = {r[2]: r for r in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert set(summary) == {"cb-honda", "cb-canon", "cb-sam", None}
    # Exports carry personal data: the audit says who took one.
    assert "Xuất dữ liệu ra Excel" in await tree.admin.send("/audit")


async def test_a_committee_member_exports_their_subtree_only(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    await add_person(side_db, "cb-honda", "Lê Thị Hoa", {"source": "2026-01-05"})
    await add_person(side_db, "cb-sam", "Phạm Văn Sơn", {"source": "2026-02-01"})
    await add_meeting(side_db, "cb-honda", "2026-10-05")
    await add_meeting(side_db, "cb-honda", "2026-11-05")
    answer = await tree.binh.send("/export từ 01/11/2026 đến 30/11/2026")
    _, content = document(answer)
    caption = next(m.caption for m in answer.messages if m.kind == "document")
    assert caption is not None and caption.startswith("📊 Đảng bộ KCN A, từ 01/11/2026 đến 30/11/2026:")
    book = load_workbook(io.BytesIO(content))
    assert [r[2] for r in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)] == [
        "cb-canon",
        "cb-honda",
        None,
    ]
    assert [r[3].date() for r in book["Sinh hoạt chi bộ"].iter_rows(min_row=2, values_only=True)] == [
        date(2026, 11, 5)
    ]
    refused = await tree.binh.send("/export kcn-b")
    assert refused.text == "Đồng chí chỉ xuất được dữ liệu của Đảng bộ KCN A và các đơn vị trực thuộc."
    assert all(m.kind != "document" for m in refused.messages)
    # An English committee member gets English headers.
    _, content = document(await tree.cuc.send("/export"))
    english = load_workbook(io.BytesIO(content))
    assert english.sheetnames[0] == "Summary"
    assert [r[3] for r in english["Admission"].iter_rows(min_row=2, values_only=True)] == ["Phạm Văn Sơn"]
    bad = await tree.cuc.send("/export from 31/02/2026")
    assert "There is no such day as 31/02/2026" in bad.text


async def test_a_large_export_shows_progress_and_arrives(
    bot: RunningBot, tree: Tree, side_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_handlers, "PROGRESS_SECONDS", 0.05)
    honda = await units.by_code(side_db, "cb-honda")
    assert honda is not None
    stamp = NOW.isoformat()
    async with side_db.transaction() as tx:
        await tx.executemany(
            """
            INSERT INTO people (unit_id, full_name, birth_year, gender, position, youth_union,
                                helper1, helper2, created_at, updated_at)
            VALUES (?, ?, 1990, 'male', 'worker', 0, 'Trần Bình', 'Phạm Hoa', ?, ?)
            """,
            [(honda.id, f"Người số {i}", stamp, stamp) for i in range(6000)],
        )
        await tx.executemany(
            """
            INSERT INTO pipeline_steps (person_id, unit_id, step, on_date, created_at, updated_at)
            SELECT id, unit_id, 'source', ?, ?, ? FROM people WHERE id = ?
            """,
            [("2025-06-01", stamp, stamp, i) for i in range(1, 6001)],
        )
        await tx.executemany(
            """
            INSERT INTO meetings (unit_id, on_date, kind, minutes, total, present, absent_with_reason,
                                  absent_without_reason, created_at, updated_at)
            VALUES (?, ?, 'regular', 90, 10, 8, 2, 0, ?, ?)
            """,
            [
                (honda.id, (date(2015, 1, 1) + timedelta(days=i % 3000)).isoformat(), stamp, stamp)
                for i in range(14_000)
            ],
        )
    admin = tree.admin
    marker = admin.handle.marker()
    update_id = await admin.handle.send("/export")
    await bot.emulator.wait_fetched(update_id)
    assert bot.app is not None
    processor = bot.app.update_processor
    assert isinstance(processor, PerUserUpdateProcessor)
    # Longer than a dialog step may take: twenty thousand rows are read and written first.
    await processor.wait_processed(update_id, within=110)
    answer = Reply(admin.handle.bot_messages_since(marker))
    _, content = document(answer)
    edits = [c.params["text"] for c in bot.emulator.calls if c.method == "editMessageText"]
    assert any("đang ghi tệp Excel" in text or "đang đọc các bản ghi" in text for text in edits), edits
    assert edits[-1] == "✅ Đã xuất xong dữ liệu <b>Đảng bộ các Khu công nghiệp</b>: 20.000 dòng."
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert sum(1 for _ in book["Kết nạp đảng"].iter_rows(values_only=True)) == 6001
    assert sum(1 for _ in book["Sinh hoạt chi bộ"].iter_rows(values_only=True)) == 14_001


# ----- refusals -------------------------------------------------------------------------------------


async def test_secretaries_and_committee_members_are_refused_the_admin_commands(
    bot: RunningBot, tree: Tree
) -> None:
    admins_only = "Lệnh này chỉ dành cho quản trị viên."
    for person in (tree.lan, tree.binh):
        for command in ("/template", "/import", "/audit", "/audit kcn-a", "/forget 2002"):
            answer = await person.send(command)
            assert answer.text == admins_only, (person.handle.user.first_name, command, answer.text)
            assert all(m.kind == "text" for m in answer.messages)
    refused = await tree.lan.send("/export")
    assert refused.text == (
        "Tệp xuất dữ liệu chứa thông tin cá nhân nên chỉ gửi cho quản trị viên và cấp ủy viên. "
        "Bí thư chi bộ không xuất được dữ liệu; các bản ghi của đồng chí xem tại /mine."
    )
    assert (
        await tree.binh.send("/deleteperson")
    ).text == "Vai trò của đồng chí không dùng được lệnh này. Xem /help."
    # A secretary's file is not an import: nothing is read from it.
    answer = await send_file(bot, tree.lan, importer.template(VI), "danh-sach.xlsx")
    assert "Đã kiểm tra" not in answer.text
    # Nobody lost anything on the way.
    assert rows(bot, "SELECT COUNT(*) AS n FROM users WHERE external_id LIKE 'forgotten:%'")[0]["n"] == 0


# ----- /template and /import -----------------------------------------------------------------------


def fill(template: bytes, units_rows: list[list[Any]], people_rows: list[list[Any]]) -> bytes:
    book = load_workbook(io.BytesIO(template))
    units_sheet, people_sheet = book.worksheets[0], book.worksheets[1]
    for index, row in enumerate(units_rows, 2):
        for column, value in enumerate(row, 1):
            units_sheet.cell(index, column, value)
    for index, row in enumerate(people_rows, 2):
        for column, value in enumerate(row, 1):
            people_sheet.cell(index, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


PERSON = ["cb-honda", "Lê Thị Hoa", 1996, "Nữ", "Công nhân", "Có", "Trần Bình", "Phạm Hoa", "05/01/2026"]


async def test_the_template_then_an_import_after_a_dry_run(bot: RunningBot, tree: Tree) -> None:
    admin = tree.admin
    answer = await admin.send("/template")
    name, template = document(answer)
    assert name == "chibo-mau-nhap-du-lieu.xlsx"
    assert "Mẫu nhập dữ liệu" in answer.text
    assert load_workbook(io.BytesIO(template)).sheetnames == [
        "Đơn vị",
        "Quần chúng, đảng viên",
        "Doanh nghiệp",
        "Chuyển sinh hoạt",
        "Hướng dẫn",
    ]
    assert "Đồng chí gửi cho tôi tệp Excel" in await admin.send("/import")
    content = fill(
        template,
        [["cb-lg", "kcn-b", "Chi bộ Công ty LG"]],
        [
            PERSON,
            [
                "cb-lg",
                "Đỗ Minh",
                1990,
                "Nam",
                "Kỹ thuật viên, kỹ sư",
                "Không",
                "A Bình",
                "B Hoa",
                "01/02/2026",
                "01/03/2026",
            ],
        ],
    )
    answer = await send_file(bot, admin, content, "ds.xlsx")
    assert answer.text == (
        "Đã kiểm tra ds.xlsx (chưa nhập gì):\n"
        "• đơn vị sẽ thêm: 1\n"
        "• người sẽ thêm: 2 (kèm 3 bước kết nạp)\n"
        "Tất cả các dòng đều hợp lệ. Nhập dữ liệu?"
    )
    assert answer.buttons == ["✅ Nhập", "Hủy"]
    assert rows(bot, "SELECT COUNT(*) AS n FROM people")[0]["n"] == 0
    old = answer.messages[-1]
    data = next(b.value for row in old.buttons for b in row if b.text == "✅ Nhập")
    done = await admin.press("✅ Nhập")
    assert "✅ Đã nhập từ ds.xlsx: 1 đơn vị, 2 người và 3 bước kết nạp." in done.text
    stored = rows(
        bot, "SELECT p.full_name, u.code FROM people p JOIN units u ON u.id = p.unit_id ORDER BY p.id"
    )
    assert [(r["full_name"], r["code"]) for r in stored] == [("Lê Thị Hoa", "cb-honda"), ("Đỗ Minh", "cb-lg")]
    # The button cannot import twice.
    await admin.press_data(old.message_id, str(data), strict=False)
    assert admin.callback_answer() == "Lượt nhập này không còn chờ xác nhận: đồng chí gửi lại tệp."
    assert rows(bot, "SELECT COUNT(*) AS n FROM people")[0]["n"] == 2
    # The same file again: every row is there already, by row number.
    again = await send_file(bot, admin, content, "ds.xlsx")
    assert "<b>" not in again.text and "3 dòng có lỗi" in again.text
    assert "Đơn vị, dòng 2, cột “Mã”: Mã cb-lg đã được dùng." in again.text
    assert (
        "Quần chúng, đảng viên, dòng 2, cột “Họ và tên”: Lê Thị Hoa (sinh năm 1996) đã có trong danh sách"
        in again.text
    )
    assert again.buttons == []


async def test_a_bad_file_changes_nothing(bot: RunningBot, tree: Tree) -> None:
    admin = tree.admin
    template = importer.template(VI)
    content = fill(
        template,
        [],
        [
            PERSON,
            [*PERSON[:1], "Ngô Văn 079203001234", *PERSON[2:]],
            [
                *PERSON[:1],
                "Hà Văn Ba",
                1996,
                "Nữ",
                "Công nhân",
                "Có",
                "Trần Bình",
                "Phạm Hoa",
                "05/01/2026",
                None,
                "01/02/2026",
            ],
        ],
    )
    answer = await send_file(bot, admin, content, "sai.xlsx")
    assert "2 dòng có lỗi" in answer.text
    assert (
        "Quần chúng, đảng viên, dòng 3, cột “Họ và tên”: Nội dung có dãy số giống số căn cước" in answer.text
    )
    assert (
        "Quần chúng, đảng viên, dòng 4, cột “Đơn xin vào Đảng”: Các bước phải theo đúng trình tự kết nạp"
        in answer.text
    )
    assert "Đồng chí sửa các dòng này rồi gửi lại tệp." in answer.text
    assert answer.buttons == []
    assert rows(bot, "SELECT COUNT(*) AS n FROM people")[0]["n"] == 0
    not_excel = await send_file(bot, admin, b"Ho ten;Nam sinh\nLan;1990\n", "danh-sach.csv")
    assert not_excel.text.startswith("Đây không phải tệp Excel (.xlsx) mà tôi đọc được.")
    broken = await send_file(bot, admin, b"PK\x03\x04 broken", "hong.xlsx")
    assert broken.text.startswith("Đây không phải tệp Excel (.xlsx) mà tôi đọc được.")
    wrong = await send_file(bot, admin, _other_columns(), "khac.xlsx")
    assert wrong.text.startswith("Tôi không tìm thấy trang nào có các cột của mẫu.")


def _other_columns() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Họ tên", "Số CCCD"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ----- /audit -----------------------------------------------------------------------------------------


async def test_the_audit_in_pages(bot: RunningBot, tree: Tree) -> None:
    admin = tree.admin
    first = await admin.send("/audit")
    # The tree: 5 units added, 5 invitations created and 5 accepted.
    assert "Nhật ký thay đổi: tất cả đơn vị (15 mục gần nhất, trang 1/3)" in first.text
    assert "24/11/2026 10:00 · Cúc\nNgười dùng đăng ký · Đảng bộ KCN B" in first.text
    assert "sau: invitation: 5, role: committee, unit_id: " in first.text
    assert first.buttons == ["Trang sau ▶"]
    second = await admin.press("Trang sau ▶")
    assert "trang 2/3" in second.text and second.last.edited
    assert second.buttons == ["◀ Trang trước", "Trang sau ▶"]
    only_b = await admin.send("/audit kcn-b")
    assert "Nhật ký thay đổi: Đảng bộ KCN B (6 mục gần nhất, trang 1/2)" in only_b.text
    assert "Chi bộ Công ty Honda" not in only_b.text
    assert (await admin.send("/audit nope")).text == "Không có đơn vị mã nope. Xem /units."


# ----- /forget and /deleteperson ------------------------------------------------------------------------


async def test_forgetting_a_user_on_request(bot: RunningBot, tree: Tree, side_db: Database) -> None:
    admin = tree.admin
    await tree.lan.send("/meeting")  # an unfinished form
    question = await admin.send(f"/forget {tree.lan.id}")
    assert question.text.startswith("Xóa dữ liệu của Lan (mã 2001, Chi bộ Công ty Honda)?")
    assert question.buttons == ["Đồng ý, xóa dữ liệu", "Không, giữ lại"]
    done = await admin.press("Đồng ý, xóa dữ liệu")
    assert done.last.text == (
        "Xong: đã xóa dữ liệu của người dùng số 2. 0 bản ghi được giữ lại, không còn ghi tên; "
        "đã xóa 1 biểu mẫu làm dở và 0 tin nhắn đang chờ gửi."
    ).replace(
        "số 2.",
        f"số {rows(bot, 'SELECT id FROM users WHERE external_id LIKE ?', ('forgotten:%',))[0]['id']}.",
    )
    assert "Lan" not in done.last.text
    assert "Lan" not in (await admin.send("/users")).text
    back = await tree.lan.send("/help")
    assert back.text.startswith("Chào đồng chí Lan! chibo dành cho bí thư chi bộ")
    assert (await admin.send(f"/forget {admin.id}")).text.startswith(
        "Người này là quản trị viên theo cấu hình"
    )


async def test_deleting_a_person_on_request(bot: RunningBot, tree: Tree, side_db: Database) -> None:
    await add_person(
        side_db, "cb-honda", "Lê Thị Hoa", {"source": "2026-01-05", "awareness_class": "2026-03-02"}
    )
    await add_person(side_db, "cb-honda", "Trần Văn Nam", {"source": "2026-02-05"})
    await add_person(side_db, "cb-canon", "Nguyễn Văn Nam", {"source": "2026-02-05"})
    lan = tree.lan
    listing = await lan.send("/deleteperson")
    assert "Xóa hẳn dữ liệu của ai?" in listing.text
    # Buttons show the name, the year and the step reached (cut to fit a button).
    assert listing.buttons == [
        "1. Lê Thị Hoa (1995) · giấy chứng nhận lớp bồi dưỡng nhận t…",
        "2. Trần Văn Nam (1995) · quần chúng ưu tú",
    ]
    question = await lan.press("1. Lê Thị Hoa (1995) · giấy chứng nhận lớp bồi dưỡng nhận t…")
    assert question.text == (
        "Xóa hẳn Lê Thị Hoa (1995) · giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng cùng 2 bước kết nạp? "
        "Không thể hoàn tác; nhật ký thay đổi chỉ ghi lại rằng đã xóa một người theo yêu cầu."
    )
    done = await lan.press("Đồng ý, xóa hẳn")
    # The question named the person; it no longer does.
    assert done.last.message_id == question.last.message_id
    assert done.last.text == "Đã xóa theo yêu cầu: một người và 2 bước kết nạp."
    assert done.last.buttons == []
    assert rows(bot, "SELECT COUNT(*) AS n FROM people WHERE full_name = 'Lê Thị Hoa'")[0]["n"] == 0
    assert rows(bot, "SELECT COUNT(*) AS n FROM pipeline_steps")[0]["n"] == 2
    line = rows(bot, "SELECT * FROM audit_log WHERE action = 'person.erase'")
    assert len(line) == 1 and "Hoa" not in str(tuple(line[0]))
    # A secretary sees only their own cell; an admin searches everywhere.
    assert (
        await tree.minh.send("/deleteperson Hoa")
    ).text == "Nobody matches “Hoa”. Try another part of the name."
    found = await tree.admin.send("/deleteperson nam")
    assert "Có 2 người khớp với “nam”" in found.text
    assert [b.split(" · ")[:2] for b in found.buttons] == [
        ["1. Nguyễn Văn Nam (1995)", "Chi bộ Công ty Canon"],
        ["2. Trần Văn Nam (1995)", "Chi bộ Công ty Honda"],
    ]
    kept = await tree.admin.press(found.buttons[1])
    assert kept.buttons == ["Đồng ý, xóa hẳn", "Không, giữ lại"]
    assert (await tree.admin.press("Không, giữ lại")).last.text == "Đã giữ lại; không có gì thay đổi."
    assert rows(bot, "SELECT COUNT(*) AS n FROM people")[0]["n"] == 2
