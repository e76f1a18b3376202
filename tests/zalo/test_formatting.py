"""Bold and italics on Zalo (sendMessage's text_styles): the forms' reviews and the weekly digest come
styled; when Zalo refuses a styled message the bot sends it plain once and, for the deployment, sends
plain from then on (remembered across restarts, tried again after a month)."""

from datetime import UTC, datetime

from bot.devtools.zalo_emulator import ZaloEmulator
from tests.zalo.conftest import ADMIN, AnotherBot, Cells
from tests.zalo.harness import RunningZalo, register

MEETING_TO_REVIEW = [
    ("/meeting", "Buổi sinh hoạt diễn ra ngày nào?"),
    ("hôm qua", "Hình thức sinh hoạt?"),
    ("1", "Buổi sinh hoạt kéo dài bao nhiêu phút?"),
    ("90", "Chi bộ có tổng số bao nhiêu đảng viên?"),
    ("12", "Bao nhiêu đồng chí có mặt?"),
    ("10", "vắng có lý do"),
    ("1", "Đồng chí kiểm tra lại"),  # absent without reason worked out, the topic offered at the review
]


def styled_calls(zalo: ZaloEmulator, since: int = 0) -> list[int]:
    """Return the statuses of the sendMessage calls that carried text_styles."""
    return [c.status for c in zalo.calls[since:] if c.method == "sendMessage" and "text_styles" in c.params]


async def test_a_form_review_comes_with_its_title_and_answers_in_bold(
    bot: RunningZalo, cells: Cells, zalo: ZaloEmulator
) -> None:
    answers = await cells.lan.dialog(MEETING_TO_REVIEW)
    question = answers[0].messages[-1]
    assert "Buổi sinh hoạt diễn ra ngày nào?" in question.styled("b")
    review = answers[-1].messages[-1]
    bold = review.styled("b")
    assert "Sinh hoạt chi bộ" in bold and "23/11/2026" in bold and "12" in bold
    assert "Đồng chí kiểm tra lại" not in "".join(bold)  # only what the HTML made bold
    assert review.text is not None and "<b>" not in review.text


async def test_the_weekly_digest_comes_with_bold_headings_and_its_week_in_italics(
    bot: RunningZalo, cells: Cells, zalo: ZaloEmulator
) -> None:
    await bot.tick()  # the bot runs from Tuesday 24/11
    before = len(cells.binh.user.bot_messages())
    bot.clock.now = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # Monday 08:30 in Hà Nội
    await bot.tick()
    texts = [m for m in cells.binh.user.bot_messages()[before:] if m.text]
    bold = [s for m in texts for s in m.styled("b")]
    italic = [s for m in texts for s in m.styled("i")]
    assert "Bản tin tuần: Đảng bộ KCN A" in bold
    assert any(s.startswith("Tuần từ ") for s in italic), italic


async def test_refused_formatting_is_sent_plain_once_then_plain_for_good_even_after_a_restart(
    bot: RunningZalo, cells: Cells, zalo: ZaloEmulator
) -> None:
    zalo.formatting = False
    start = len(zalo.calls)
    answers = await cells.lan.dialog(MEETING_TO_REVIEW[:3])
    assert styled_calls(zalo, start) == [400]  # tried once, refused
    first = answers[0].messages[-1]
    assert first.text is not None and "Buổi sinh hoạt diễn ra ngày nào?" in first.text
    assert first.text_styles is None  # the same text, plain
    await bot.restart()
    zalo.formatting = True  # Zalo would take them now, but the refusal is remembered
    again = len(zalo.calls)
    await cells.lan.dialog(MEETING_TO_REVIEW[3:])
    assert styled_calls(zalo, again) == []
    bot.clock.advance(days=31)  # a month later the bot tries again
    await bot.restart()
    retried = len(zalo.calls)
    await cells.lan.dialog([("/cancel", "Hủy Sinh hoạt chi bộ?"), ("2", "Đồng chí kiểm tra lại")])
    assert 200 in styled_calls(zalo, retried) and 400 not in styled_calls(zalo, retried)
    assert zalo.errors == []


async def test_formatting_switched_off_sends_plain_text(zalo: ZaloEmulator, another_bot: AnotherBot) -> None:
    async with another_bot(formatting=False) as bot:
        admin = bot.person(ADMIN, "Hà")
        await admin.send("/addunit cb-a Chi bộ A")
        lan = bot.person("e4ea2cd5189df1c3a88c", "Lan")
        await register(admin, lan, "cb-a", "bithu")
        await lan.dialog(MEETING_TO_REVIEW)
        assert styled_calls(zalo) == []
