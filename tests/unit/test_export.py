"""The Excel export, opened with openpyxl and checked cell by cell against the records."""

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from bot.errors import UserError
from bot.features import admin, enterprises, export
from bot.features.calendar import load_calendar
from bot.forms.definitions import pipeline_of
from bot.i18n import Translator, translator
from bot.rules.deadlines import probation_end, recognition_deadline
from bot.rules.enterprises import Stage
from storage import data_ops, records, reviews, units, users
from storage import enterprises as register
from storage.database import Database
from storage.export_queries import Period
from storage.models import Role

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VI = translator("vi")
EN = translator("en")


@dataclass
class World:
    db: Database
    honda: int
    canon: int
    sam: int
    lan: int  # the user who entered cb-honda's records
    an: int  # a person of cb-honda with a full pipeline up to the ceremony
    binh: int  # a person of cb-canon, source only


async def _person(
    db: Database, unit: int, name: str, steps: dict[str, str], by: int | None, **extra: object
) -> int:
    values = {
        "full_name": name,
        "birth_year": 1996,
        "gender": "female",
        "position": "worker",
        "youth_union": 1,
        "helper1": "Trần Bình",
        "helper2": "Phạm Hoa",
        "note": None,
    }
    values.update(extra)
    async with db.transaction() as tx:
        person = await records.insert(tx, "person", unit, values, by, NOW)
        for step, on_date in steps.items():
            details: dict[str, object] = {}
            if step == "cell_vote":
                details = {"votes_for": 9, "official_members": 12}
            if step == "admission_decision":
                details = {"decision_number": "125-QĐ/ĐU"}
            await records.insert(
                tx, "step", unit, {"person_id": person, "step": step, "on_date": on_date, **details}, by, NOW
            )
    return person


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with Database(tmp_path / "t.db") as db:
        await db.migrate()
        await admin.add_unit(db, None, "kcn-a", "Đảng bộ KCN A", NOW)
        honda, _ = await admin.add_unit(db, None, "kcn-a/cb-honda", "Chi bộ Công ty Honda", NOW)
        canon, _ = await admin.add_unit(db, None, "kcn-a/cb-canon", "Chi bộ Công ty Canon", NOW)
        await admin.add_unit(db, None, "kcn-b", "Đảng bộ KCN B", NOW)
        sam, _ = await admin.add_unit(db, None, "kcn-b/cb-sam", "Chi bộ Công ty Samsung", NOW)
        async with db.transaction() as tx:
            lan = await users.upsert_contact(tx, "telegram", "2001", "Nguyễn Thị Lan", NOW)
            await users.set_role(tx, lan.id, Role.SECRETARY, honda.id, NOW)
        an = await _person(
            db,
            honda.id,
            "Lê Văn An",
            {
                "source": "2024-01-10",
                "awareness_class": "2024-03-01",
                "application": "2024-05-02",
                "cell_vote": "2024-09-05",
                "admission_decision": "2024-10-01",
                "ceremony": "2024-10-20",
            },
            lan.id,
            note='=HYPERLINK("http://x")',
        )
        binh = await _person(db, canon.id, "Trần Văn Bình", {"source": "2026-02-01"}, None)
        gone = await _person(db, honda.id, "Người Đã Xóa", {"source": "2026-01-01"}, lan.id)
        await _person(db, sam.id, "Phạm Thị Sen", {"source": "2026-03-03"}, None)
        async with db.transaction() as tx:
            await records.soft_delete(tx, "person", gone, NOW)
            meeting = {
                "kind": "both",
                "minutes": 120,
                "total": 12,
                "present": 9,
                "absent_with_reason": 2,
                "absent_without_reason": 1,
                "topic": "Học tập Nghị quyết",
            }
            await records.insert(tx, "meeting", honda.id, {"on_date": "2026-11-05", **meeting}, lan.id, NOW)
            await records.insert(
                tx,
                "meeting",
                honda.id,
                {
                    "on_date": "2026-10-05",
                    **meeting,
                    "present": 12,
                    "absent_with_reason": 0,
                    "absent_without_reason": 0,
                    "kind": "regular",
                },
                lan.id,
                NOW,
            )
            deleted = await records.insert(
                tx, "meeting", honda.id, {"on_date": "2026-09-05", **meeting}, lan.id, NOW
            )
            await records.soft_delete(tx, "meeting", deleted, NOW)
            await records.insert(
                tx,
                "activity",
                canon.id,
                {
                    "on_date": "2026-11-01",
                    "kind": "training",
                    "title": "Lớp chính trị",
                    "participants": 45,
                    "note": None,
                    "photo_file_id": "PHOTO1",
                },
                None,
                NOW,
            )
            await records.insert(
                tx,
                "transfer",
                honda.id,
                {
                    "direction": "in",
                    "kind": "temporary",
                    "study": 1,
                    "member_name": "Đỗ Minh",
                    "on_date": "2026-06-01",
                    "end_date": "2027-01-01",
                    "note": None,
                },
                lan.id,
                NOW,
            )
            for on_date, workers in (("2026-01-15", 1000), ("2026-11-15", 1200)):
                await records.insert(
                    tx,
                    "enterprise",
                    honda.id,
                    {
                        "on_date": on_date,
                        "name": "Honda Việt Nam",
                        "zone": "KCN A",
                        "workers": workers,
                        "young_workers": 600,
                        "union_members": 900,
                        "youth_union_members": 150,
                        "members_elsewhere": 7,
                    },
                    lan.id,
                    NOW,
                )
        yield World(db, honda.id, canon.id, sam.id, lan.id, an, binh)


async def _export(world: World, role: Role, unit: int | None, args: str, t: Translator = VI) -> Workbook:
    request = await export.request_for(world.db, role, unit, args, TODAY)
    result = await export.run(world.db, request, t, TZ, NOW)
    return load_workbook(io.BytesIO(result.data))


def excel_day(value: object) -> date:
    """Return the day of an Excel date cell (openpyxl reads dates as datetimes), refusing text."""
    assert isinstance(value, datetime), f"{value!r} is not an Excel date"
    return value.date()


def _rows(workbook: Workbook, title: str) -> list[dict[str, object]]:
    sheet = workbook[title]
    values = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


async def test_every_sheet_in_vietnamese_with_typed_cells(world: World) -> None:
    book = await _export(world, Role.ADMIN, None, "")
    assert book.sheetnames == [
        "Tổng hợp",
        "Kết nạp đảng",
        "Sinh hoạt chi bộ",
        "Hoạt động",
        "Chuyển sinh hoạt",
        "Báo cáo doanh nghiệp",
        "Doanh nghiệp",
        "Bản ghi bị trả lại",
        "Nhận xét đảng viên dự bị",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert sheet["A1"].font.b
        # Every column has a width set for its content.
        assert all(sheet.column_dimensions[c.column_letter].customWidth for c in sheet[1])
    widths = {
        c.value: book["Kết nạp đảng"].column_dimensions[c.column_letter].width
        for c in book["Kết nạp đảng"][1]
    }
    assert widths["Họ và tên"] > widths["Năm sinh"] and widths["Lễ kết nạp"] >= 11

    people = {row["Họ và tên"]: row for row in _rows(book, "Kết nạp đảng")}
    assert set(people) == {"Lê Văn An", "Trần Văn Bình", "Phạm Thị Sen"}  # the deleted person is not there
    an = people["Lê Văn An"]
    assert (an["Đảng bộ"], an["Chi bộ"], an["Mã chi bộ"]) == (
        "Đảng bộ KCN A",
        "Chi bộ Công ty Honda",
        "cb-honda",
    )
    assert an["Năm sinh"] == 1996 and isinstance(an["Năm sinh"], int)
    assert (an["Giới tính"], an["Vị trí công tác"], an["Đoàn viên Đoàn TNCS Hồ Chí Minh"]) == (
        "Nữ",
        "Công nhân",
        "Có",
    )
    assert excel_day(an["Là quần chúng ưu tú từ ngày"]) == date(2024, 1, 10)
    assert excel_day(an["Lễ kết nạp"]) == date(2024, 10, 20)
    assert (an["Số phiếu tán thành"], an["Số đảng viên chính thức"]) == (9, 12)
    assert an["Số quyết định"] == "125-QĐ/ĐU"
    steps = {
        "source": date(2024, 1, 10),
        "ceremony": date(2024, 10, 20),
        "admission_decision": date(2024, 10, 1),
    }
    pipeline = pipeline_of(steps)
    calendar = await load_calendar(world.db)
    ends = probation_end(pipeline)
    assert ends is not None and excel_day(an["Hết thời gian dự bị"]) == ends.due
    due = recognition_deadline(pipeline, calendar)
    assert due is not None and excel_day(an["Hạn xét công nhận"]) == due.due
    assert an["Công nhận chính thức"] is None
    assert an["Bước hiện tại"] == "Lễ kết nạp"
    # What a user typed is text, never a formula.
    assert an["Ghi chú"] == '=HYPERLINK("http://x")'
    sheet = book["Kết nạp đảng"]
    header = [c.value for c in sheet[1]]
    an_row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("Họ và tên")].value == "Lê Văn An")
    assert an_row[header.index("Ghi chú")].data_type == "s"
    assert an["Người nhập"] == "Nguyễn Thị Lan"
    assert excel_day(an["Ngày nhập"]) == date(2026, 11, 24)
    date_cell = next(c for c in sheet[2] if isinstance(c.value, datetime))
    assert date_cell.number_format == "DD/MM/YYYY"

    meetings = _rows(book, "Sinh hoạt chi bộ")
    # Not the deleted one.
    assert [excel_day(m["Ngày"]) for m in meetings] == [date(2026, 10, 5), date(2026, 11, 5)]
    november = meetings[1]
    assert november["Loại"] == "Sinh hoạt thường kỳ kết hợp chuyên đề trong cùng buổi"
    assert (november["Tổng số đảng viên"], november["Có mặt"]) == (12, 9)
    assert november["Tỷ lệ dự sinh hoạt"] == pytest.approx(0.75)
    assert book["Sinh hoạt chi bộ"]["K3"].number_format == "0%"

    activity = _rows(book, "Hoạt động")[0]
    assert (activity["Số người tham gia"], activity["Ảnh"], activity["Người nhập"]) == (45, "Có", None)
    transfer = _rows(book, "Chuyển sinh hoạt")[0]
    assert excel_day(transfer["Ngày kết thúc"]) == date(2027, 1, 1) and transfer["Đi học"] == "Có"
    assert [e["Số lao động"] for e in _rows(book, "Báo cáo doanh nghiệp")] == [1000, 1200]

    summary = {row["Mã chi bộ"]: row for row in _rows(book, "Tổng hợp")}
    assert set(summary) == {"cb-canon", "cb-honda", "cb-sam", None}  # None: the total row
    honda = summary["cb-honda"]
    assert honda["Số người trong danh sách"] == 1
    assert honda["Đã kết nạp (đã tổ chức lễ)"] == 1
    assert (honda["Sinh hoạt chi bộ"], honda["Sinh hoạt chuyên đề"]) == (2, 1)
    assert honda["Tỷ lệ dự sinh hoạt bình quân"] == pytest.approx((0.75 + 1.0) / 2)
    assert honda["Chuyển đến"] == 1 and honda["Chuyển đi"] == 0
    assert honda["Số lao động"] == 1200  # the latest snapshot
    assert summary["cb-canon"]["Hoạt động"] == 1 and summary["cb-canon"]["Số người tham gia"] == 45
    total = summary[None]
    assert total["Chi bộ"] is None and total["Đảng bộ"] == "Tổng cộng"
    assert total["Số người trong danh sách"] == 3 and total["Số lao động"] == 1200


async def test_english_headers_for_english_readers(world: World) -> None:
    book = await _export(world, Role.ADMIN, None, "", EN)
    assert book.sheetnames == [
        "Summary",
        "Admission",
        "Meetings",
        "Activities",
        "Transfers",
        "Enterprise reports",
        "Enterprises",
        "Sent back",
        "Mentor notes",
    ]
    row = {r["Full name"]: r for r in _rows(book, "Admission")}["Lê Văn An"]
    assert (row["Gender"], excel_day(row["Admission ceremony"])) == ("Female", date(2024, 10, 20))


async def test_review_states_comments_and_mentor_notes(world: World) -> None:
    db = world.db
    async with db.transaction() as tx:
        member = await users.upsert_contact(tx, "telegram", "3001", "Trần Văn Bình", NOW)
        await users.set_role(tx, member.id, Role.COMMITTEE, world.honda, NOW)
        meetings = await tx.fetchall(
            "SELECT id, on_date FROM meetings WHERE deleted_at IS NULL ORDER BY on_date"
        )
        november = meetings[-1]["id"]
        vote = await tx.fetchval(
            "SELECT id FROM pipeline_steps WHERE person_id = ? AND step = 'cell_vote'", (world.an,)
        )
        first = await reviews.add(tx, "person", world.an, world.honda, "Thiếu năm sinh", member.id, NOW)
        assert first is not None
        await reviews.resolve(tx, first, reviews.CORRECTED, world.lan, NOW + timedelta(hours=1))
        await reviews.add(
            tx, "step", vote, world.honda, "Số phiếu chưa đúng", member.id, NOW + timedelta(hours=2)
        )
        await reviews.add(
            tx, "meeting", november, world.honda, "Sai số có mặt", member.id, NOW + timedelta(hours=3)
        )
        await records.insert(
            tx,
            "mentor",
            world.honda,
            {"person_id": world.an, "quarter": 1, "note": "Tiến bộ rõ."},
            world.lan,
            NOW,
        )
    book = await _export(world, Role.ADMIN, None, "")
    people = {row["Họ và tên"]: row for row in _rows(book, "Kết nạp đảng")}
    an = people["Lê Văn An"]
    # The latest return of the person's records (the vote) is open; every comment is there, oldest first.
    assert an["Trả lại để sửa"] == "Đã trả lại, chưa sửa"
    assert (
        an["Ý kiến của cấp ủy"]
        == "24/11/2026 Trần Văn Bình: Thiếu năm sinh\n24/11/2026 Trần Văn Bình: Số phiếu chưa đúng"
    )
    assert an["Số quý có nhận xét (dự bị)"] == 1
    assert people["Trần Văn Bình"]["Số quý có nhận xét (dự bị)"] is None  # not admitted: no probation
    assert people["Trần Văn Bình"]["Trả lại để sửa"] in (None, "")
    by_day = {excel_day(m["Ngày"]): m for m in _rows(book, "Sinh hoạt chi bộ")}
    assert by_day[date(2026, 11, 5)]["Trả lại để sửa"] == "Đã trả lại, chưa sửa"
    assert "Sai số có mặt" in str(by_day[date(2026, 11, 5)]["Ý kiến của cấp ủy"])
    assert by_day[date(2026, 10, 5)]["Trả lại để sửa"] in (None, "")
    returns = _rows(book, "Bản ghi bị trả lại")
    assert [(r["Bản ghi"], r["Nội dung bản ghi"], r["Ý kiến"], r["Tình trạng"]) for r in returns] == [
        ("Quần chúng ưu tú mới", "Lê Văn An", "Thiếu năm sinh", "Đã sửa"),
        (
            "Bước kết nạp",
            "Lê Văn An: chi bộ xét, đề nghị kết nạp",
            "Số phiếu chưa đúng",
            "Đã trả lại, chưa sửa",
        ),
        (
            "Sinh hoạt chi bộ",
            "Sinh hoạt thường kỳ kết hợp chuyên đề trong cùng buổi",
            "Sai số có mặt",
            "Đã trả lại, chưa sửa",
        ),
    ]
    assert returns[0]["Người sửa/xóa"] == "Nguyễn Thị Lan" and excel_day(returns[0]["Ngày sửa/xóa"]) == TODAY
    assert returns[1]["Người sửa/xóa"] is None and excel_day(returns[1]["Ngày trả lại"]) == TODAY
    assert excel_day(returns[2]["Ngày"]) == date(2026, 11, 5)
    notes = _rows(book, "Nhận xét đảng viên dự bị")
    assert [(n["Họ và tên"], n["Quý dự bị"], n["Ghi chú"], n["Người nhập"]) for n in notes] == [
        ("Lê Văn An", 1, "Tiến bộ rõ.", "Nguyễn Thị Lan")
    ]
    assert excel_day(notes[0]["Lễ kết nạp"]) == date(2024, 10, 20)
    # A period: the returns and notes made within it.
    later = await _export(world, Role.ADMIN, None, "from 01/12/2026")
    assert _rows(later, "Bản ghi bị trả lại") == [] and _rows(later, "Nhận xét đảng viên dự bị") == []


async def test_a_period_keeps_records_dated_within_it(world: World) -> None:
    book = await _export(world, Role.ADMIN, None, "từ 01/11/2026 đến 30/11/2026")
    assert [excel_day(m["Ngày"]) for m in _rows(book, "Sinh hoạt chi bộ")] == [date(2026, 11, 5)]
    assert _rows(book, "Kết nạp đảng") == []  # nobody had a step in November
    assert _rows(book, "Chuyển sinh hoạt") == []
    book = await _export(world, Role.ADMIN, None, "01/01/2026 31/12/2026")
    names = {r["Họ và tên"] for r in _rows(book, "Kết nạp đảng")}
    assert names == {"Trần Văn Bình", "Phạm Thị Sen"}
    summary = {row["Mã chi bộ"]: row for row in _rows(book, "Tổng hợp")}
    assert summary["cb-honda"]["Đã kết nạp (đã tổ chức lễ)"] == 0  # the 2024 ceremony is outside the period


async def test_who_may_export_what(world: World) -> None:
    kcn_a = await units.by_code(world.db, "kcn-a")
    assert kcn_a is not None
    # A committee member gets their subtree, by default and by code, and nothing else.
    book = await _export(world, Role.COMMITTEE, kcn_a.id, "")
    assert {r["Mã chi bộ"] for r in _rows(book, "Kết nạp đảng")} == {"cb-honda", "cb-canon"}
    book = await _export(world, Role.COMMITTEE, kcn_a.id, "cb-canon")
    assert {r["Họ và tên"] for r in _rows(book, "Kết nạp đảng")} == {"Trần Văn Bình"}
    with pytest.raises(UserError) as refused:
        await export.request_for(world.db, Role.COMMITTEE, kcn_a.id, "kcn-b", TODAY)
    assert refused.value.message == "You can export only {unit} and the units under it."
    # An admin any unit; a secretary none, and the refusal says why.
    book = await _export(world, Role.ADMIN, world.honda, "kcn-b")
    assert {r["Họ và tên"] for r in _rows(book, "Kết nạp đảng")} == {"Phạm Thị Sen"}
    with pytest.raises(UserError) as refused:
        await export.request_for(world.db, Role.SECRETARY, world.honda, "", TODAY)
    assert "admins and committee members" in refused.value.message
    with pytest.raises(UserError):
        await export.request_for(world.db, Role.ADMIN, None, "no-such-unit", TODAY)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", (None, Period())),
        ("kcn-a", ("kcn-a", Period())),
        ("kcn-a from 01/01/2026 to 31/03/2026", ("kcn-a", Period(date(2026, 1, 1), date(2026, 3, 31)))),
        ("từ 1/1/2026", (None, Period(date(2026, 1, 1), None))),
        ("cb-honda đến 31-03-2026", ("cb-honda", Period(None, date(2026, 3, 31)))),
        ("01/01/2026 31/03/2026", (None, Period(date(2026, 1, 1), date(2026, 3, 31)))),
    ],
)
def test_arguments(args: str, expected: tuple[str | None, Period]) -> None:
    assert export.parse_args(args, TODAY) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("from 31/02/2026", "There is no such day"),
        ("from 01/03/2026 to 01/02/2026", "starts after it ends"),
        ("kcn-a kcn-b", "Write it like this"),
        ("from", "Write it like this"),
    ],
)
def test_bad_arguments(args: str, message: str) -> None:
    with pytest.raises(UserError) as refused:
        export.parse_args(args, TODAY)
    assert message in refused.value.message


async def test_a_forgotten_author_is_not_named(world: World) -> None:
    async with world.db.transaction() as tx:
        await data_ops.forget_user(tx, world.lan, NOW)
    book = await _export(world, Role.ADMIN, None, "")
    an = {r["Họ và tên"]: r for r in _rows(book, "Kết nạp đảng")}["Lê Văn An"]
    assert an["Người nhập"] == "người dùng (đã xóa)"
    assert "Nguyễn Thị Lan" not in {
        str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r
    }


async def test_a_large_export_reports_progress(world: World) -> None:
    async with world.db.transaction() as tx:
        await tx.executemany(
            """
            INSERT INTO meetings (unit_id, on_date, kind, minutes, total, present, absent_with_reason,
                                  absent_without_reason, created_at, updated_at)
            VALUES (?, ?, 'regular', 90, 10, 8, 1, 1, ?, ?)
            """,
            [
                (
                    world.canon,
                    (date(2020, 1, 1) + timedelta(days=i % 2000)).isoformat(),
                    NOW.isoformat(),
                    NOW.isoformat(),
                )
                for i in range(12_000)
            ],
        )
    request = await export.request_for(world.db, Role.ADMIN, None, "", TODAY)
    progress = export.Progress()
    result = await export.run(world.db, request, VI, TZ, NOW, progress)
    assert progress.phase == "done" and progress.done == progress.total == result.rows + 4  # + summary rows
    assert result.counts[export.SHEET_MEETINGS] == 12_002
    book = load_workbook(io.BytesIO(result.data), read_only=True)
    assert sum(1 for _ in book["Sinh hoạt chi bộ"].iter_rows(values_only=True)) == 12_003


def test_sheet_titles_are_what_excel_accepts() -> None:
    taken: set[str] = set()
    assert export.sheet_title("Hoạt động: 2026/11 [KCN]", taken) == "Hoạt động  2026 11  KCN"
    assert export.sheet_title("x" * 40, taken) == "x" * 31
    assert export.sheet_title("x" * 40, taken) == "x" * 27 + " (2)"


async def test_the_register_sheet_holds_every_enterprise_of_the_subtree(world: World) -> None:
    kcn_a = await units.by_code(world.db, "kcn-a")
    kcn_b = await units.by_code(world.db, "kcn-b")
    assert kcn_a is not None and kcn_b is not None
    admin_scope = enterprises.Scope(Role.ADMIN, None, None)
    async with world.db.transaction() as tx:
        for unit, name, members, cell in (
            (kcn_a.id, "Công ty TNHH Nhựa An Phát", 3, None),
            (kcn_a.id, "Honda Việt Nam", 19, world.honda),
            (kcn_b.id, "Công ty Samsung Display", 0, None),
        ):
            values = {
                "unit_id": unit,
                "name": name,
                "zone": "KCN A" if unit == kcn_a.id else "KCN B",
                "ownership": "foreign",
                "workers": 500,
                "young_workers": 300,
                "youth_union_members": 20,
                "party_members": members,
                "members_elsewhere": members if cell is None else 0,
            }
            saved = await enterprises.save_entry(
                tx, admin_scope, None, values, trade_union=True, youth_union=True, cell_id=cell, now=NOW
            )
            if members == 3:
                await enterprises.record_stage(
                    tx, admin_scope, saved, Stage.THREE_MEMBERS, date(2026, 10, 2), NOW
                )
                await register.add_contact(tx, saved, date(2026, 11, 3), "visit", "Thăm", world.lan, NOW)
    book = await _export(world, Role.COMMITTEE, kcn_a.id, "từ 01/11/2026")
    rows = {row["Doanh nghiệp"]: row for row in _rows(book, "Doanh nghiệp")}
    # The committee's own register only, whatever the period.
    assert set(rows) == {"Công ty TNHH Nhựa An Phát", "Honda Việt Nam"}
    an_phat = rows["Công ty TNHH Nhựa An Phát"]
    assert an_phat["Thuộc danh sách của"] == "Đảng bộ KCN A"
    assert an_phat["Loại hình sở hữu"] == "Có vốn đầu tư nước ngoài"
    assert an_phat["Mốc"] == "Có từ 3 đảng viên chính thức: đủ điều kiện lập chi bộ"
    assert excel_day(an_phat["Ngày đạt mốc"]) == date(2026, 10, 2)
    assert an_phat["Đủ điều kiện lập chi bộ"] == "Có" and an_phat["Chi bộ"] is None
    assert (
        excel_day(an_phat["Lần tiếp xúc gần nhất"]) == date(2026, 11, 3) and an_phat["Số lần tiếp xúc"] == 1
    )
    honda = rows["Honda Việt Nam"]
    assert (honda["Chi bộ"], honda["Mã chi bộ"], honda["Mốc"]) == (
        "Chi bộ Công ty Honda",
        "cb-honda",
        "Đã thành lập chi bộ",
    )
    assert honda["Công đoàn"] == "Có" and honda["Ngày thành lập công đoàn"] is None  # a yes, not a date
