"""Transfers as a small pipeline, through the real bot: a transfer out completed from its reminder's button
never shows as overdue again; /mine lists every open transfer, however old, with a button for its next
step; an arrival recorded in another cell of the deployment completes the sending cell's transfer out."""

from datetime import UTC, datetime

from storage import records, units
from storage.database import Database
from tests.e2e.conftest import NOW, Tree, texts
from tests.e2e.harness import RunningBot


async def add_transfer(db: Database, unit_code: str, **values: object) -> int:
    unit = await units.by_code(db, unit_code)
    assert unit is not None
    row = {"kind": "official", "direction": "out", "study": 0, **values}
    async with db.transaction() as tx:
        return await records.insert(tx, "transfer", unit.id, row, None, NOW)


async def test_a_transfer_out_completed_from_its_reminder_is_never_overdue(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    # The decision took effect on 01/10/2026 and the letter was issued on 20/10/2026: the member must be
    # received by the new cell within 30 working days of the letter, by Tue 01/12/2026 (Oct 21-23, 26-30,
    # Nov 02-06, 09-13, 16-20, 23-27, 30, Dec 01).
    await add_transfer(
        side_db, "cb-honda", member_name="Đỗ Văn Long", on_date="2026-10-01", letter_date="2026-10-20"
    )
    before = len(texts(tree.lan))
    await bot.tick()  # Tuesday 24/11/2026
    reminder = texts(tree.lan)[before:]
    assert reminder == [
        "⏰ Còn 7 ngày: đồng chí Đỗ Văn Long phải xuất trình giấy giới thiệu sinh hoạt đảng với chi bộ nơi "
        "chuyển đến chậm nhất ngày 01/12/2026; khi chi bộ nơi đến đã tiếp nhận, đồng chí ghi lại."
    ]
    await tree.lan.dialog(
        [
            ("[Ghi nhận: nơi chuyển đến đã tiếp nhận]", ["Bước chuyển sinh hoạt", "Vào ngày nào?"]),
            ("19/10/2026", "không thể trước ngày cấp giấy giới thiệu (20/10/2026)"),
            ("hôm qua", ["Đỗ Văn Long", "nơi chuyển đến đã tiếp nhận", "23/11/2026", "✅ Lưu"]),
            ("[1. ✅ Lưu]", "Đã lưu: Bước chuyển sinh hoạt"),
        ]
    )
    stored = await side_db.fetchone("SELECT letter_date, done_on FROM transfers")
    assert stored is not None and tuple(stored) == ("2026-10-20", "2026-11-23")
    # A second press of the reminder's button finds nothing left to record.
    await tree.lan.press("Ghi nhận: nơi chuyển đến đã tiếp nhận")
    assert tree.lan.callback_answer() == "Việc chuyển sinh hoạt này không còn hoặc đã hoàn thành."
    # Long after every date it had: no reminder, no overdue notice, nothing in the digest, not open in /mine.
    for moment in (datetime(2026, 12, 2, 2, 0, tzinfo=UTC), datetime(2027, 3, 1, 2, 0, tzinfo=UTC)):
        bot.clock.now = moment
        count = len(texts(tree.lan))
        await bot.tick()
        assert not any("Đỗ Văn Long" in t for t in texts(tree.lan)[count:])
        digest = await tree.binh.send("/digest")
        assert "Đỗ Văn Long" not in digest.text
        assert "Thời hạn: 0 quá hạn, 0 đến hạn trong 30 ngày tới" in digest.text
    mine = await tree.lan.send("/mine")
    assert "chưa hoàn thành" not in mine.text


async def test_mine_lists_open_transfers_and_records_their_steps(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    # An official transfer out decided on 02/03/2026: long past its 60 working days, still open, so it is
    # listed in /mine (which shows records of 30 days) and overdue in the digest until it is completed.
    await add_transfer(side_db, "cb-honda", member_name="Phan Văn Cũ", on_date="2026-03-02")
    digest = await tree.binh.send("/digest")
    assert "Phan Văn Cũ: chuyển chính thức đi: cấp giấy giới thiệu" in digest.text
    await tree.lan.dialog(
        [
            (
                "/mine",
                [
                    "Việc chuyển sinh hoạt của chi bộ chưa hoàn thành",
                    "Phan Văn Cũ · chuyển sinh hoạt chính thức đi · từ 02/03/2026",
                    "[➡️ Phan Văn Cũ: đã cấp giấy giới thiệu]",
                ],
            ),
            # Two steps may come next (the letter, or the receipt straight away): the form asks which.
            ("[➡️ Phan Văn Cũ: đã cấp giấy giới thiệu]", ["Bước nào?", "đã cấp giấy giới thiệu"]),
            ("1", "Vào ngày nào?"),
            ("01/03/2026", "không thể trước ngày đầu"),
            ("03/03/2026", "✅ Lưu"),
            ("[1. ✅ Lưu]", "Đã lưu"),
            ("/mine", ["Phan Văn Cũ · chuyển sinh hoạt chính thức đi · đã cấp giấy giới thiệu 03/03/2026"]),
            ("[➡️ Phan Văn Cũ: nơi chuyển đến đã tiếp nhận]", "Vào ngày nào?"),
            ("10/03/2026", "✅ Lưu"),
            ("[1. ✅ Lưu]", "Đã lưu"),
        ]
    )
    assert "Phan Văn Cũ" not in (await tree.binh.send("/digest")).text
    assert "chưa hoàn thành" not in (await tree.lan.send("/mine")).text


async def test_an_arrival_in_another_cell_completes_the_transfer_out(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    out = await add_transfer(
        side_db, "cb-honda", member_name="Trần Văn Đi", on_date="2026-10-01", letter_date="2026-11-02"
    )
    # Canon's secretary records the arrival, the name typed in other capitals and spaces.
    await tree.minh.dialog(
        [
            ("/transfer", "Transfer in or out?"),
            ("1", "Official or temporary?"),
            ("1", "Full name of the member?"),
            ("TRẦN  văn đi", "date of the introduction letter"),
            ("02/11/2026", "arrive and present the letter"),
            ("20/11/2026", ["Check your answers", "Arrived: 20/11/2026", "Add: note"]),
            ("1", "Saved"),
        ]
    )
    closed = await side_db.fetchone("SELECT done_on, closed_by FROM transfers WHERE id = ?", (out,))
    assert closed is not None and closed["done_on"] == "2026-11-20" and closed["closed_by"] is not None
    before = len(texts(tree.lan))
    await bot.tick()
    assert any(
        "Trần Văn Đi đã đến Chi bộ Công ty Canon ngày 20/11/2026" in t and "đã hoàn thành" in t
        for t in texts(tree.lan)[before:]
    ), texts(tree.lan)[before:]
    assert "chưa hoàn thành" not in (await tree.lan.send("/mine")).text
