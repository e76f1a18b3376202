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
            ("[✅ Lưu]", "đang được gửi đến các bí thư"),
        ]
    )
    await bot.tick()
    message = "Họp <khẩn> & đúng giờ: 14h thứ Sáu"
    assert texts(tree.lan)[before[tree.lan.id] :] == [f"📢 Tin nhắn của Hà gửi Đảng bộ KCN A:\n{message}"]
    assert texts(tree.minh)[before[tree.minh.id] :] == [f"📢 Message from Hà to Đảng bộ KCN A:\n{message}"]
    for other in (tree.son, tree.binh, tree.cuc):
        assert len(texts(other)) == before[other.id]
    assert "đã được gửi đến 2 trên 2 bí thư" in texts(tree.admin)[-1]
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
    await tree.admin.press("✅ Lưu")
    await bot.tick()
    received = "\n".join(texts(tree.son)[-2:])
    assert "Tin & tức & họp số 0: chi bộ <b>nhớ</b> đến đúng giờ" in received
    assert "Tin & tức & họp số 59" in received
