"""Cell meetings under HD 42-HD/BTCTW, through the real bot: a month with only a thematic meeting has not had
its regular meeting, so the secretary is still nudged; in a quarter's last month a cell with no thematic
meeting in the quarter is reminded, once; the digest shows the quarter's check."""

from datetime import UTC, datetime

from storage import records, units
from storage.database import Database
from tests.e2e.conftest import NOW, Tree, texts
from tests.e2e.harness import RunningBot


async def add_meeting(db: Database, unit_code: str, day: str, kind: str) -> None:
    unit = await units.by_code(db, unit_code)
    assert unit is not None
    values = {
        "on_date": day,
        "kind": kind,
        "minutes": 120,
        "total": 5,
        "present": 5,
        "absent_with_reason": 0,
        "absent_without_reason": 0,
    }
    async with db.transaction() as tx:
        await records.insert(tx, "meeting", unit.id, values, None, NOW)


async def test_a_month_with_only_a_thematic_meeting_still_gets_the_regular_meeting_nudge(
    bot: RunningBot, tree: Tree, side_db: Database
) -> None:
    # In December (meeting day 5), Honda holds only a thematic meeting, Samsung a regular meeting with a
    # thematic part, Canon its regular meeting alone.
    await add_meeting(side_db, "cb-honda", "2026-12-03", "thematic")
    await add_meeting(side_db, "cb-sam", "2026-12-04", "both")
    await add_meeting(side_db, "cb-canon", "2026-12-04", "regular")
    await bot.tick()
    before = {p.id: len(texts(p)) for p in (tree.lan, tree.minh, tree.son)}
    bot.clock.now = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # three days after the meeting day
    await bot.tick()
    lan = texts(tree.lan)[before[tree.lan.id] :]
    assert any(
        "Chưa có báo cáo sinh hoạt chi bộ thường kỳ tháng 12/2026 của Chi bộ Công ty Honda" in t
        and "sinh hoạt chuyên đề riêng không thay cho sinh hoạt thường kỳ" in t
        for t in lan
    ), lan
    assert not any("No regular meeting" in t for t in texts(tree.minh)[before[tree.minh.id] :])
    assert not any("Chưa có báo cáo sinh hoạt" in t for t in texts(tree.son)[before[tree.son.id] :])
    # December is a quarter's last month: Canon held no thematic meeting in October-December (its
    # regular meeting has no thematic part), so it is reminded, once; Honda and Samsung are not.
    minh = texts(tree.minh)[before[tree.minh.id] :]
    assert [t for t in minh if "thematic meeting in quarter 4/2026" in t] == [
        "🗓 Chi bộ Công ty Canon has held no thematic meeting in quarter 4/2026 yet (at least one a quarter, "
        "besides the regular monthly meeting). If one took place, report it with /meeting."
    ]
    assert not any("chuyên đề trong quý" in t for t in lan + texts(tree.son)[before[tree.son.id] :])
    count = len(texts(tree.minh))
    bot.clock.now = datetime(2026, 12, 15, 2, 0, tzinfo=UTC)
    await bot.tick()
    assert not any("thematic meeting in quarter" in t for t in texts(tree.minh)[count:])
    # The digest: Honda held no regular meeting in December; the quarter's thematic check.
    bot.clock.now = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    digest = await tree.binh.send("/digest")
    assert "Chi bộ chưa báo cáo sinh hoạt chi bộ thường kỳ tháng 12/2026: 1/2" in digest.text
    assert "Chi bộ không sinh hoạt chuyên đề trong quý 4/2026: 1/2" in digest.text
    assert "Quý 1/2027 đến nay: 0/2 chi bộ đã sinh hoạt chuyên đề" in digest.text
    # January is the next quarter's first month: Canon's missed quarter is also one to act on, and the
    # digest's nudge asks its secretary for it.
    actions = digest.messages[0].text or ""
    assert "🗓 Hết quý 4/2026 mà chưa báo cáo sinh hoạt chuyên đề: 1 chi bộ — Canon" in actions
    count = len(texts(tree.minh))
    nudge = next(b for b in digest.buttons if b.startswith("📣"))
    assert "Đã nhắc: " in (await tree.binh.press(nudge)).text
    await bot.tick()
    asked = [t for t in texts(tree.minh)[count:] if t.startswith("📣")]
    assert len(asked) == 1 and "Chi bộ Công ty Canon" in asked[0], asked
    assert "No meeting with a thematic part has been reported for quarter 4/2026" in asked[0]
    # Once Canon records the thematic meeting it held in December, the next day's press asks only
    # what is still missing.
    await add_meeting(side_db, "cb-canon", "2026-12-18", "thematic")
    bot.clock.advance(days=1)
    await tree.binh.press(nudge)
    await bot.tick()
    asked = [t for t in texts(tree.minh)[count:] if t.startswith("📣")]
    assert len(asked) == 2 and "thematic" not in asked[1] and "Nothing has been recorded" in asked[1]


async def test_the_meeting_lengths_follow_the_kind_of_meeting(bot: RunningBot, tree: Tree) -> None:
    # 90 minutes for the regular meeting, 120 with a thematic part in the same session, none for a
    # thematic meeting on its own (a warning, the answer is kept).
    for choice, minutes, warned in (
        ("1", "85", "ít nhất 90 phút"),
        ("2", "100", "ít nhất 120 phút"),
        ("3", "60", None),
    ):
        reply = await tree.lan.send("/meeting")
        await tree.lan.send("hôm qua")
        await tree.lan.send(choice)
        reply = await tree.lan.send(minutes)
        if warned is None:
            assert "ít nhất" not in reply.text
        else:
            assert warned in reply.text
        await tree.lan.send("/cancel")
        await tree.lan.press("1. Có, hủy")
