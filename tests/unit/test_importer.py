"""The Excel import: the template, a valid file loaded in full, an invalid one refused row by row
with nothing changed, and files that are not the template at all."""

import io
import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from bot.errors import UserError
from bot.features import admin, export, importer
from bot.i18n import Translator, translator
from storage import records, users
from storage.database import Database
from storage.models import Role

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)
VI = translator("vi")
EN = translator("en")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database(tmp_path / "t.db") as database:
        await database.migrate()
        await admin.add_unit(database, None, "kcn-a", "Đảng bộ KCN A", NOW)
        await admin.add_unit(database, None, "kcn-a/cb-honda", "Chi bộ Công ty Honda", NOW)
        yield database


def fill_sheets(template: bytes, sheets: dict[str, list[dict[str, Any]]], t: Translator = VI) -> bytes:
    """Return a template with rows written under the headers of its sheets (by title, then column key)."""
    book = load_workbook(io.BytesIO(template))
    for title, columns, _ in importer.SHEETS:
        sheet = book[t(title)]
        position = {c.key: i for i, c in enumerate(columns, 1)}
        for number, row in enumerate(sheets.get(title, []), 2):
            for key, value in row.items():
                sheet.cell(row=number, column=position[key], value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filled(
    units: list[dict[str, Any]],
    people: list[dict[str, Any]],
    t: Translator = VI,
    transfers: list[dict[str, Any]] | None = None,
) -> bytes:
    """Return the template of a language with rows written under its headers (by column key)."""
    sheets = {
        importer.SHEET_UNITS: units,
        importer.SHEET_PEOPLE: people,
        importer.SHEET_TRANSFERS: transfers or [],
    }
    return fill_sheets(importer.template(t), sheets, t)


def person(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "cell": "cb-honda",
        "full_name": "Lê Văn An",
        "birth_year": 1996,
        "gender": "Nam",
        "position": "Công nhân",
        "youth_union": "Có",
        "helper1": "Trần Bình",
        "helper2": "Phạm Hoa",
        "source": "10/01/2024",
    }
    row.update(changes)
    return row


async def counts(db: Database) -> tuple[int, int, int]:
    return (
        int(await db.fetchval("SELECT COUNT(*) FROM units")),
        int(await db.fetchval("SELECT COUNT(*) FROM people")),
        int(await db.fetchval("SELECT COUNT(*) FROM pipeline_steps")),
    )


def test_the_template_explains_itself_in_the_readers_language() -> None:
    book = load_workbook(io.BytesIO(importer.template(VI)))
    assert book.sheetnames == [
        "Đơn vị",
        "Quần chúng, đảng viên",
        "Doanh nghiệp",
        "Chuyển sinh hoạt",
        "Hướng dẫn",
    ]
    people = book["Quần chúng, đảng viên"]
    headers = [c.value for c in people[1]]
    assert headers[:4] == ["Mã chi bộ", "Họ và tên", "Năm sinh", "Giới tính"]
    assert "Lễ kết nạp" in headers and "Số phiếu tán thành" in headers
    assert people.freeze_panes == "A2"
    gender = people.cell(1, 4).comment
    assert gender is not None and "Nam, Nữ" in gender.text and "Bắt buộc" in gender.text
    help_rows = [r for r in book["Hướng dẫn"].iter_rows(values_only=True) if r and r[0]]
    assert help_rows[5][:3] == ("Đơn vị", "Mã", "Có")
    assert any(r[1] == "Số quyết định" and "125-QĐ/ĐU" in str(r[3]) for r in help_rows if len(r) > 3)
    english = load_workbook(io.BytesIO(importer.template(EN)))
    assert english.sheetnames == ["Units", "People", "Enterprises", "Transfers", "Help"]
    transfers = english["Transfers"]
    assert [c.value for c in transfers[1]][:5] == [
        "Cell code",
        "Member",
        "Direction",
        "Kind",
        "Date (decision, letter or first day)",
    ]
    assert [c.value for c in english["Units"][1]] == ["Code", "Parent code", "Name"]


async def test_a_valid_file_is_checked_then_loaded_in_full(db: Database) -> None:
    data = filled(
        [
            {"code": "kcn-b", "name": "Đảng bộ KCN B"},
            {"code": "cb-sam", "parent": "kcn-b", "name": "Chi bộ Công ty Samsung"},
            {"code": "cb-lg", "parent": "KCN-B", "name": "Chi bộ Công ty LG"},
        ],
        [
            person(
                awareness_class=date(2024, 3, 1),  # a real Excel date
                application="02/05/2024",
                cell_vote="05/09/2024",
                votes_for=9,
                official_members=12,
                admission_decision="01/10/2024",
                decision_number="125-QĐ/ĐU",
                ceremony="20/10/2024",
                note="Tổ trưởng",
            ),
            person(
                cell="cb-sam",
                full_name="Phạm Thị Sen",
                gender="female",
                position="Cán bộ quản lý",
                youth_union="không",
            ),
            person(cell="CB-LG", full_name="Đỗ Minh", source="hôm nay", withdrew="24/11/2026"),
        ],
    )
    parsed = importer.read_workbook(data, VI)
    plan = await importer.check(db, parsed, VI, TODAY)
    assert plan.errors == []
    assert [u.code for u in plan.units] == ["kcn-b", "cb-sam", "cb-lg"]
    assert (len(plan.people), plan.steps) == (3, 6 + 1 + 2)
    text = importer.render_plan(plan, parsed, "danh-sach.xlsx", VI)
    assert "đơn vị sẽ thêm: 3" in text and "người sẽ thêm: 3 (kèm 9 bước kết nạp)" in text
    assert "Tất cả các dòng đều hợp lệ" in text
    before = await counts(db)
    assert before == (3, 0, 0)  # nothing changes at the check

    done = await importer.apply(db, parsed, VI, None, NOW, TODAY)
    assert done is not None
    assert await counts(db) == (6, 3, 9)
    an = await db.fetchone("SELECT * FROM people WHERE full_name = 'Lê Văn An'")
    assert an is not None
    assert (an["birth_year"], an["gender"], an["position"], an["youth_union"], an["note"]) == (
        1996,
        "male",
        "worker",
        1,
        "Tổ trưởng",
    )
    steps = {
        r["step"]: (r["on_date"], r["votes_for"], r["official_members"], r["decision_number"])
        for r in await db.fetchall("SELECT * FROM pipeline_steps WHERE person_id = ?", (an["id"],))
    }
    assert steps["awareness_class"] == ("2024-03-01", None, None, None)
    assert steps["cell_vote"] == ("2024-09-05", 9, 12, None)
    assert steps["admission_decision"][3] == "125-QĐ/ĐU"
    sen = await db.fetchone("SELECT * FROM people WHERE full_name = 'Phạm Thị Sen'")
    assert sen is not None and (sen["gender"], sen["position"], sen["youth_union"]) == (
        "female",
        "manager",
        0,
    )
    lg = await db.fetchone(
        "SELECT p.code AS parent FROM units u JOIN units p ON p.id = u.parent_id WHERE u.code = 'cb-lg'"
    )
    assert lg is not None and lg["parent"] == "kcn-b"
    line = await db.fetchone("SELECT * FROM audit_log WHERE action = 'data.import'")
    assert line is not None and line["new_value"] == (
        '{"enterprises": 0, "people": 3, "steps": 9, "transfers": 0, "units": 3}'
    )
    # The same file again: everything is there already.
    again = await importer.check(db, importer.read_workbook(data, VI), VI, TODAY)
    assert {e.row for e in again.errors if e.sheet == importer.SHEET_UNITS} == {2, 3, 4}


async def test_an_invalid_file_is_refused_row_by_row_and_changes_nothing(db: Database) -> None:
    async with db.transaction() as tx:
        honda = await db_unit(tx, "cb-honda")
        lan = await users.upsert_contact(tx, "telegram", "2001", "Lan", NOW)
        await users.set_role(tx, lan.id, Role.SECRETARY, honda, NOW)
        existing = await records.insert(
            tx,
            "person",
            honda,
            stored_person("Lê Văn An"),
            None,
            NOW,
        )
        await records.insert(
            tx, "step", honda, {"person_id": existing, "step": "source", "on_date": "2024-01-01"}, None, NOW
        )
    data = filled(
        [
            {"code": "kcn b", "name": "Đảng bộ KCN B"},  # 2: a space in the code
            {"code": "kcn-a", "name": "Trùng mã"},  # 3: taken
            {"code": "cb-x", "parent": "nowhere", "name": "Chi bộ X"},  # 4: no such parent
            {"code": "cb-y", "parent": "cb-honda", "name": "Chi bộ Y"},  # 5: under a cell with a secretary
            {"code": "cb-z", "name": "Chi bộ 001203004567"},  # 6: an ID-like number
            {"code": "cb-ok", "name": "Chi bộ Hợp lệ"},  # 7: fine
        ],
        [
            person(),  # 2: already in the list
            person(full_name="Ngô Văn 079203001234"),  # 3: an ID-like number
            person(full_name="Hà Văn Ba", birth_year=2020),  # 4: too young to work
            person(full_name="Hà Văn Bốn", gender="Khác"),  # 5: no such gender
            person(full_name="Hà Văn Năm", helper2="trần bình"),  # 6: the same helper twice
            person(full_name="Hà Văn Sáu", ceremony="01/02/2024"),  # 7: a ceremony without the steps before
            person(full_name="Hà Văn Bảy", awareness_class="01/01/2023"),  # 8: before the source date
            person(
                full_name="Hà Văn Tám",
                application="01/02/2024",
                cell_vote="01/03/2024",
                votes_for=7,
                official_members=12,
            ),  # 9: 7 of 12 is less than two thirds
            person(
                full_name="Hà Văn Chín",
                application="01/02/2024",
                cell_vote="01/03/2024",
                votes_for=9,
                official_members=12,
                admission_decision="01/04/2024",
            ),  # 10: no decision number
            person(full_name="Hà Văn Mười", cell="kcn-a"),  # 11: a committee, not a cell
            person(full_name="Hà Văn Một", cell="cb-none"),  # 12: no such cell
            person(full_name="Hà Văn Hai", source="25/12/2026"),  # 13: in the future
            person(full_name="Hà Văn Ba Mươi", source=None),  # 14: no source date
            person(full_name="Hà Văn Bốn Mươi", votes_for=9),  # 15: votes without a vote
            person(full_name="Hà Thị Đúng", cell="cb-ok"),  # 16: fine, in the new cell
        ],
    )
    before = await counts(db)
    parsed = importer.read_workbook(data, VI)
    plan = await importer.check(db, parsed, VI, TODAY)
    where = {(e.sheet, e.row): (e.column, e.message) for e in plan.errors}
    units_sheet, people_sheet = importer.SHEET_UNITS, importer.SHEET_PEOPLE
    assert {row for sheet, row in where if sheet == units_sheet} == {2, 3, 4, 5, 6}
    assert {row for sheet, row in where if sheet == people_sheet} == set(range(2, 16))
    assert where[(units_sheet, 2)][1].startswith("A unit code has")
    assert where[(units_sheet, 3)][1] == "The code {code} is taken already."
    assert where[(units_sheet, 4)] == ("parent", "There is no unit with code {code}. See /units.")
    assert "a cell cannot have units under it" in where[(units_sheet, 5)][1]
    assert "ID or party card" in where[(units_sheet, 6)][1]
    assert where[(people_sheet, 2)] == ("full_name", "{name} (born {year}) is already in this cell's list.")
    assert "ID or party card" in where[(people_sheet, 3)][1]
    assert where[(people_sheet, 4)][0] == "birth_year"
    assert where[(people_sheet, 5)] == ("gender", "Write one of: {choices}.")
    assert where[(people_sheet, 6)][0] == "helper2"
    assert where[(people_sheet, 7)][0] == "ceremony" and "follow the order" in where[(people_sheet, 7)][1]
    assert (
        where[(people_sheet, 8)][0] == "awareness_class"
        and "before the previous step" in where[(people_sheet, 8)][1]
    )
    assert where[(people_sheet, 9)][0] == "votes_for" and "two thirds" in where[(people_sheet, 9)][1]
    assert where[(people_sheet, 10)] == ("decision_number", "This column cannot be empty.")
    assert where[(people_sheet, 11)] == ("cell", "{unit} is a committee: people belong to a cell.")
    assert where[(people_sheet, 12)][0] == "cell"
    assert where[(people_sheet, 13)][1].startswith("This date is in the future")
    assert where[(people_sheet, 14)] == ("source", "This column cannot be empty.")
    assert where[(people_sheet, 15)][0] == "votes_for"
    assert [u.code for u in plan.units] == ["cb-ok"] and [p.values["full_name"] for p in plan.people] == [
        "Hà Thị Đúng"
    ]

    text = importer.render_plan(plan, parsed, "sai.xlsx", VI)
    assert "<b>19 dòng có lỗi</b>" in text
    assert "<b>Đơn vị, dòng 3, cột “Mã”</b>: Mã kcn-a đã được dùng." in text
    assert "<b>Quần chúng, đảng viên, dòng 9, cột “Số phiếu tán thành”</b>: " in text
    assert "Đồng chí sửa các dòng này rồi gửi lại tệp." in text
    with pytest.raises(importer.ImportRefused):
        await importer.apply(db, parsed, VI, None, NOW, TODAY)
    assert await counts(db) == before  # the good rows were not loaded either


def stored_person(name: str) -> dict[str, Any]:
    """Return the values of a person as a form stores them."""
    return {
        "full_name": name,
        "birth_year": 1996,
        "gender": "male",
        "position": "worker",
        "youth_union": 1,
        "helper1": "A B",
        "helper2": "C D",
    }


async def db_unit(db: Any, code: str) -> int:
    return int(await db.fetchval("SELECT id FROM units WHERE code = ?", (code,)))


def transfer(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "cell": "cb-honda",
        "member_name": "Đỗ Văn Chuyển",
        "direction": "Chuyển đi (khỏi chi bộ mình)",
        "kind": "Chính thức",
        "on_date": "02/11/2026",
    }
    row.update(changes)
    return row


async def test_transfers_and_their_steps_are_imported_and_checked(db: Database) -> None:
    await admin.add_unit(db, None, "kcn-a/cb-canon", "Chi bộ Canon", NOW)
    rows = [
        transfer(letter_date="10/11/2026"),  # 2: out, letter issued, not received yet
        transfer(
            cell="cb-canon",
            member_name="Đỗ  văn chuyển",  # 3: the same member arriving at Canon (spaces and case aside)
            direction="Chuyển đến (vào chi bộ mình)",
            on_date="10/11/2026",
            done_on="20/11/2026",
        ),
        transfer(member_name="Hà Tạm", kind="Tạm thời", on_date="01/09/2026", end_date="31/12/2026"),  # 4
        transfer(kind="Tạm thời", on_date="01/09/2026", end_date="31/10/2026"),  # 5: under 3 months
        transfer(letter_date="01/10/2026"),  # 6: the letter before the decision
        transfer(direction="Chuyển đến (vào chi bộ mình)", letter_date="12/11/2026"),  # 7: a letter of an in
        transfer(end_date="31/12/2026"),  # 8: an official transfer has no end date
        transfer(cell="kcn-a"),  # 9: a committee
    ]
    plan = await importer.check(db, importer.read_workbook(filled([], [], transfers=rows), VI), VI, TODAY)
    assert [(e.row, e.column) for e in plan.errors] == [
        (5, "end_date"),
        (6, "letter_date"),
        (7, "letter_date"),
        (8, "end_date"),
        (9, "cell"),
    ]
    text = str(importer.render_plan(plan, importer.Parsed(), "f.xlsx", VI))
    assert "Chuyển sinh hoạt, dòng 5" in text and "từ 3 tháng đến dưới 12 tháng" in text
    good = importer.read_workbook(filled([], [], transfers=rows[:3]), VI)
    loaded = await importer.apply(db, good, VI, None, NOW, TODAY)
    assert loaded is not None and len(loaded.transfers) == 3
    stored = await db.fetchall(
        "SELECT member_name, kind, direction, on_date, end_date, letter_date, done_on, closed_by "
        "FROM transfers ORDER BY id"
    )
    out, arrival, temporary = (dict(r) for r in stored)
    assert (out["letter_date"], arrival["done_on"]) == ("2026-11-10", "2026-11-20")
    # The arrival at Canon completed Honda's transfer out of the same member.
    assert out["done_on"] == "2026-11-20" and out["closed_by"] is not None
    assert (temporary["kind"], temporary["end_date"], temporary["done_on"]) == (
        "temporary",
        "2026-12-31",
        None,
    )


async def test_a_confirmation_is_used_once(db: Database) -> None:
    parsed = importer.read_workbook(filled([], [person()]), VI)
    uses = iter([True, False])

    async def claim(tx: Any) -> bool:
        return next(uses)

    assert await importer.apply(db, parsed, VI, None, NOW, TODAY, claim=claim) is not None
    assert await importer.apply(db, parsed, VI, None, NOW, TODAY, claim=claim) is None
    assert (await counts(db))[1] == 1


async def test_an_export_imports_into_another_deployment(db: Database, tmp_path: Path) -> None:
    await importer.apply(
        db,
        importer.read_workbook(
            filled([], [person(awareness_class="02/05/2024", note="ghi chú"), person(full_name="Bùi Lan")]),
            VI,
        ),
        VI,
        None,
        NOW,
        TODAY,
    )
    request = await export.request_for(db, Role.ADMIN, None, "", TODAY)
    exported = await export.run(db, request, EN, ZoneInfo("Asia/Ho_Chi_Minh"), NOW)
    async with Database(tmp_path / "other.db") as other:
        await other.migrate()
        await admin.add_unit(other, None, "cb-honda", "Chi bộ Honda", NOW)
        parsed = importer.read_workbook(exported.data, VI)
        assert {"Committee", "Cell", "Current step", "Entered by"} <= set(parsed.ignored_columns)
        plan = await importer.apply(other, parsed, VI, None, NOW, TODAY)
        assert plan is not None and (len(plan.people), plan.steps) == (2, 3)


def _sheet_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Ho ten,Nam sinh\nLan,1990\n", importer.NOT_XLSX),
        (b"PK\x03\x04 not really a zip", importer.NOT_XLSX),
        (_sheet_bytes([["Họ tên", "Địa chỉ"], ["Lan", "Hà Nội"]]), importer.WRONG_COLUMNS),
        (_sheet_bytes([["Mã chi bộ", "Họ và tên"], ["cb-honda", "Lan"]]), importer.MISSING_COLUMNS),
        (
            b"x" * (importer.MAX_BYTES + 1),
            "The file is too big: at most {size} MB. Split it into several files.",
        ),
    ],
)
def test_files_that_are_not_the_template(data: bytes, message: str) -> None:
    with pytest.raises(UserError) as refused:
        importer.read_workbook(data, VI)
    assert refused.value.message == message
    text = refused.value.render(VI)
    assert "{" not in text


def test_the_missing_columns_are_named() -> None:
    with pytest.raises(UserError) as refused:
        importer.read_workbook(_sheet_bytes([["Cell code", "Full name", "Gender"], ["cb", "Lan", "Nữ"]]), VI)
    text = refused.value.render(VI)
    assert "Năm sinh" in text and "Là quần chúng ưu tú từ ngày" in text and "Giới tính" not in text


async def test_id_numbers_are_refused_in_every_shape_a_sheet_holds_them(db: Database) -> None:
    data = filled(
        [{"code": "079123456789", "name": "Chi bộ Số"}],  # 2: a code made of an ID
        [
            person(full_name="Ngô Văn Một", note=1234567890),  # 2: 001234567890 in a number cell
            person(full_name="Ngô Văn Hai", note=79123456789),  # 3: 079123456789 in a number cell
            person(full_name="Ngô Văn Ba", note="CCCD 079\u00a0123\u00a0456\u00a0789"),  # 4: no-break spaces
            person(full_name="Ngô Văn Bốn", helper1="Trần Bình 001.234.567.890"),  # 5: dots
            person(full_name="Ngô Văn Năm", note="Đóng 1.500.000đ ngày 12.05.2025 14.30"),  # 6: fine
            person(full_name="Ngô Văn Sáu", note=2024),  # 7: fine, a number is not an ID
        ],
    )
    plan = await importer.check(db, importer.read_workbook(data, VI), VI, TODAY)
    where = {(e.sheet, e.row): (e.column, e.message) for e in plan.errors}
    refusal = "This looks like an ID or party card number. chibo does not keep such numbers: leave it out."
    assert where == {
        (importer.SHEET_UNITS, 2): ("code", refusal),
        (importer.SHEET_PEOPLE, 2): ("note", refusal),
        (importer.SHEET_PEOPLE, 3): ("note", refusal),
        (importer.SHEET_PEOPLE, 4): ("note", refusal),
        (importer.SHEET_PEOPLE, 5): ("helper1", refusal),
    }
    assert [p.values["full_name"] for p in plan.people] == ["Ngô Văn Năm", "Ngô Văn Sáu"]


async def test_a_name_stored_decomposed_or_typed_in_capitals_is_the_same_person(db: Database) -> None:
    decomposed = unicodedata.normalize("NFD", "Lê Văn An")
    async with db.transaction() as tx:
        honda = await db_unit(tx, "cb-honda")
        await records.insert(
            tx,
            "person",
            honda,
            stored_person(decomposed),
            None,
            NOW,
        )
    data = filled(
        [],
        [
            person(full_name="LÊ VĂN AN"),  # 2: the person stored decomposed
            person(full_name="Phạm Thị Thủy"),  # 3: new
            person(full_name="PHẠM THỊ THUỶ"),  # 4: the same as row 3, the other tone placement
            person(full_name="Hà Văn Hòa", helper1="Lê Hoà", helper2="LÊ HÒA"),  # 5: one helper twice
        ],
    )
    plan = await importer.check(db, importer.read_workbook(data, VI), VI, TODAY)
    where = {e.row: (e.column, e.message) for e in plan.errors}
    assert where == {
        2: ("full_name", "{name} (born {year}) is already in this cell's list."),
        4: ("full_name", "{name} (born {year}) is already in this cell's list."),
        5: ("helper2", "The two helping members must be two different people."),
    }


def test_empty_rows_count_toward_the_limit() -> None:
    # A small file of many empty rows: reading stops at the limit instead of going through them all.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([c.header for c in importer.PEOPLE_COLUMNS])
    sheet.cell(row=importer.MAX_SCANNED_ROWS + 10, column=1, value="cb-honda")
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(UserError) as refused:
        importer.read_workbook(buffer.getvalue(), EN)
    assert "empty rows included" in refused.value.message
