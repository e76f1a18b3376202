"""A broadcast reaches exactly the secretaries of a subtree, once, and the admin gets the count."""

from bot.devtools.telegram_emulator import BotApiEmulator
from tests.e2e.conftest import Tree, texts
from tests.e2e.harness import RunningBot


async def test_a_broadcast_reaches_exactly_the_secretaries_of_the_subtree(
    bot: RunningBot,
    tree: Tree,
    emulator: BotApiEmulator,
) -> None:
    before = {p.id: len(texts(p)) for p in (tree.lan, tree.minh, tree.son, tree.binh, tree.cuc)}
    await tree.admin.dialog(
        [
            ("/broadcast nowhere", "Không có đơn vị mã nowhere"),
            ("/broadcast kcn-a", "Viết nội dung"),
            (
                "Họp <khẩn> & đúng giờ: 14h thứ Sáu",
                ["Gửi đến: Đảng bộ KCN A (kcn-a)", "Họp <khẩn> & đúng giờ"],
            ),
            ("[1. 📨 Gửi]", "đang được gửi đến các bí thư"),
        ]
    )
    await bot.tick()
    message = "Họp <khẩn> & đúng giờ: 14h thứ Sáu"
    assert texts(tree.lan)[before[tree.lan.id] :] == [f"📢 Tin nhắn của Hà gửi Đảng bộ KCN A:\n{message}"]
    assert texts(tree.minh)[before[tree.minh.id] :] == [f"📢 Message from Hà to Đảng bộ KCN A:\n{message}"]
    for other in (tree.son, tree.binh, tree.cuc):
        assert len(texts(other)) == before[other.id]
    assert "đã đến 2/2 bí thư" in texts(tree.admin)[-1]
    await bot.tick()
    assert len(texts(tree.lan)) == before[tree.lan.id] + 1
    assert "Lệnh này chỉ dành cho quản trị viên" in await tree.lan.send("/broadcast kcn-a")


async def test_a_long_message_of_many_lines_is_previewed_and_sent_whole(bot: RunningBot, tree: Tree) -> None:
    message = "\n".join(f"Tin & tức & họp số {n}: chi bộ <b>nhớ</b> đến đúng giờ" for n in range(60))
    await tree.admin.send("/broadcast kcn-b")
    preview = await tree.admin.send(message)
    # Over 4,400 characters of HTML (every & and < escaped), 3,200 shown: Telegram counts what it shows,
    # so the preview is one message, valid HTML (the emulator would refuse it otherwise).
    assert len(preview.messages) == 1
    assert "Tin & tức & họp số 0: chi bộ <b>nhớ</b>" in preview.text
    assert "Tin & tức & họp số 59" in preview.text
    await tree.admin.press("1. 📨 Gửi")
    await bot.tick()
    received = "\n".join(texts(tree.son)[-2:])
    assert "Tin & tức & họp số 0: chi bộ <b>nhớ</b> đến đúng giờ" in received
    assert "Tin & tức & họp số 59" in received


async def test_broadcast_root_is_a_shortcut_with_a_form_open_and_the_committee_comes_first(
    bot: RunningBot, tree: Tree
) -> None:
    # No unit named: the whole committee is the first option, not somewhere down the list.
    choose = await tree.admin.send("/broadcast")
    assert choose.buttons[0] == "1. Toàn Đảng bộ các Khu công nghiệp"
    # The same form open: the unit named goes into it, nothing is offered, nothing asked twice.
    again = await tree.admin.send("/broadcast kcn-b")
    assert "biểu mẫu đang làm dở" not in again.text
    assert "Viết nội dung" in again
    await tree.admin.send("Họp giao ban")
    review = await tree.admin.send("/broadcast root")
    assert "Gửi đến: Toàn Đảng bộ các Khu công nghiệp" in review
    assert "Nội dung: Họp giao ban" in review
    assert review.buttons[0] == "1. 📨 Gửi"
    await tree.admin.press("3. ✖ Hủy")
    # Another form open: discarding it goes on to the broadcast with its unit, once.
    await tree.admin.dialog([("/meeting", "Cho chi bộ nào?"), ("honda", "ngày nào?")])
    offer = await tree.admin.send("/broadcast root")
    assert "biểu mẫu đang làm dở" in offer
    started = await tree.admin.press("Bỏ biểu mẫu này")
    assert "Đã hủy: Sinh hoạt chi bộ" in started
    assert "Viết nội dung" in started
    review = await tree.admin.send("Họp toàn Đảng bộ")
    assert "Gửi đến: Toàn Đảng bộ các Khu công nghiệp" in review
    assert "đang được gửi đến các bí thư" in await tree.admin.press("1. 📨 Gửi")
