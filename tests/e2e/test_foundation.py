"""The foundation through the real bot and the emulator: units, invitations, registration,
help per role, language, refusals, groups, duplicates and command menus, in both languages."""

import re

from bot.devtools.telegram_emulator import BotApiEmulator
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.harness import Person, RunningBot


def link_token(text: str) -> str:
    match = re.search(r"https://t\.me/chibo_test_bot\?start=([A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


async def setup_cell(admin: Person) -> None:
    await admin.dialog(
        [
            (
                "/addunit kcn-a Đảng bộ KCN A",
                "Đã thêm đơn vị Đảng bộ KCN A (kcn-a) trực thuộc Đảng bộ các Khu công nghiệp",
            ),
            ("/addunit kcn-a/cb-honda Chi bộ Công ty Honda", "trực thuộc Đảng bộ KCN A"),
        ]
    )


async def test_admin_sets_up_units_and_invites_a_secretary(bot: RunningBot) -> None:
    admin = bot.person(ADMIN_ID, "Hà", "Trần", language="vi")
    await setup_cell(admin)
    reply = await admin.send("/units")
    assert "Đảng bộ các Khu công nghiệp (root) · đảng bộ" in reply
    assert "Đảng bộ KCN A (kcn-a) · đảng bộ" in reply
    assert "Chi bộ Công ty Honda (cb-honda) · chi bộ" in reply
    assert "chưa có ai" in reply

    invite = await admin.send("/invite cb-honda bithu")
    assert "bí thư chi bộ, đơn vị Chi bộ Công ty Honda" in invite
    token = link_token(invite.text)

    lan = bot.person(2001, "Lan", "Nguyễn", language="vi")
    welcome = await lan.send(f"/start {token}")
    assert "Chào mừng đồng chí Lan Nguyễn!" in welcome
    assert "Đồng chí đã được đăng ký là bí thư chi bộ, đơn vị Chi bộ Công ty Honda." in welcome
    assert "/meeting" in welcome
    assert "/invite" not in welcome
    # Short: who she is, her cell, the three things she does most, and /help for the rest.
    assert "Việc đồng chí làm thường xuyên nhất:\n/meeting — " in welcome.text
    assert [line.split(" — ")[0] for line in welcome.text.splitlines() if " — " in line] == [
        "/meeting",
        "/progress",
        "/report",
    ]
    assert welcome.text.rstrip().endswith("/help")

    again = bot.person(2002, "Mai", language="vi")
    refused = await again.send(f"/start {token}")
    assert "Lời mời này đã được sử dụng" in refused
    assert "Mai" not in (await admin.send("/users")).text

    units = await admin.send("/units")
    assert "• Lan Nguyễn — bí thư chi bộ" in units
    whoami = await lan.send("/whoami")
    assert "Vai trò: bí thư chi bộ" in whoami
    assert "Đơn vị: Chi bộ Công ty Honda" in whoami
    # Back later, /start says again who she is and for which cell, before the three things.
    hello = await lan.send("/start")
    assert hello.text.startswith(
        "Chào đồng chí Lan Nguyễn! Đồng chí là bí thư chi bộ, đơn vị Chi bộ Công ty Honda."
    )


async def test_refusals_of_tokens_change_nothing(bot: RunningBot) -> None:
    admin = bot.person(ADMIN_ID, "Hà", language="en")
    await admin.send("/addunit cb Chi bộ A")
    first = link_token((await admin.send("/invite cb committee")).text)
    await admin.send("/invites")
    revoked = await admin.send("/uninvite 1")
    assert "Invitation no. 1 is revoked" in revoked
    stranger = bot.person(3001, "Tuấn", language="en")
    assert "withdrawn" in await stranger.send(f"/start {first}")
    assert "not valid" in await stranger.send("/start madeUpTokenmadeUpTokenmadeUp")
    bot.clock.advance(days=1)
    second = link_token((await admin.send("/invite cb committee")).text)
    bot.clock.advance(days=7, seconds=1)
    assert "expired" in await stranger.send(f"/start {second}")
    assert "Nobody has registered yet" in await admin.send("/users")
    not_registered = await stranger.send("/units")
    assert "ask your committee's office" in not_registered
    assert "3001" in not_registered


async def test_help_shows_only_what_the_role_may_do(bot: RunningBot) -> None:
    admin = bot.person(ADMIN_ID, "Hà", language="en")
    await admin.send("/addunit cb Chi bộ A")
    token = link_token((await admin.send("/invite cb committee")).text)
    member = bot.person(4001, "Bình", language="en")
    await member.send(f"/start {token}")
    member_help = await member.send("/help")
    assert "/whoami" in member_help
    assert "/invite" not in member_help
    assert "/meeting" not in member_help
    assert "digest of your unit comes by itself" in member_help
    assert "/digest — " in member_help and "all" not in member_help  # an admin's variant
    admin_help = await admin.send("/help")
    assert "/invite unit-code bí thư|cấp ủy|quản trị" in admin_help
    assert "/revoke user-id" in admin_help
    assert "/digest [all]" in admin_help
    assert "/meetingday unit-code [day]" in admin_help
    # A secretary's guide: the forms first, her account last, no admin variant anywhere.
    await admin.send("/addunit cb-2 Chi bộ B")
    token = link_token((await admin.send("/invite cb-2 secretary")).text)
    lan = bot.person(4002, "Lan", language="en")
    await lan.send(f"/start {token}")
    guide = (await lan.send("/help")).text
    assert guide.index("/meeting — ") < guide.index("/report — ") < guide.index("/mine — ")
    assert guide.index("Report") < guide.index("Follow up") < guide.index("Your account")
    assert "/meetingday [day]" in guide and "unit-code" not in guide and "admins" not in guide
    assert "/digest all" not in guide and "/digest [all]" not in guide
    assert "a date is a button, or typed as 5/11" in guide
    assert [c["command"] for c in bot.emulator.visible_commands(4002)][:3] == [
        "meeting",
        "progress",
        "candidate",
    ]


async def test_invite_takes_the_words_people_type_and_usage_errors_say_what_was_wrong(
    bot: RunningBot,
) -> None:
    admin = bot.person(ADMIN_ID, "Hà", language="vi")
    await admin.send("/addunit cb Chi bộ A")
    await admin.send("/addunit kcn Đảng bộ KCN")
    nfd = "qua\u0309n tri\u0323"  # "quản trị" typed with combining accents
    for words, role in (
        ("bí thư", "bí thư chi bộ"),
        ("Bí Thư", "bí thư chi bộ"),
        ("BI THU", "bí thư chi bộ"),
        ("phó bí thư", "bí thư chi bộ"),
        ("cấp uỷ", "cấp ủy viên"),
        ("Cấp ủy viên", "cấp ủy viên"),
        (nfd, "quản trị viên"),
        ("quản trị viên", "quản trị viên"),
    ):
        code = "kcn" if role == "cấp ủy viên" else "cb"
        invited = await admin.send(f"/invite {code} {words}")
        assert "Lời mời số" in invited and role in invited, (words, invited.text)
    await admin.dialog(
        [
            ("/invite", ["/invite cb-honda bí thư", "bí thư, cấp ủy, quản trị"]),
            ("/invite cb", ["Còn thiếu vai trò", "/invite cb bí thư"]),
            ("/invite cb giám đốc", "“giám đốc” không phải là một vai trò"),
            ("/invite nowhere bí thư", "Không có đơn vị mã nowhere"),
            ("/addunit kcn-b", ["Còn thiếu tên đơn vị", "/addunit kcn-b Chi bộ Công ty Honda"]),
            ("/target kcn 2026x 12", "“2026x” không phải là một năm"),
            ("/target kcn 2026 mười", "“mười” không phải là số đảng viên kết nạp"),
            ("/target kcn 2026", "Lệnh /target cần ba thông tin, đồng chí đã viết 2"),
            ("/uninvite abc", "“abc” không phải là số lời mời"),
            ("/revoke abc", "“abc” không phải là mã người dùng"),
            ("/meetingday cb mười", "“mười” không phải là ngày sinh hoạt"),
        ]
    )


async def test_non_admin_is_refused_and_nothing_changes(bot: RunningBot) -> None:
    admin = bot.person(ADMIN_ID, "Hà", language="vi")
    await admin.send("/addunit cb Chi bộ A")
    token = link_token((await admin.send("/invite cb bithu")).text)
    lan = bot.person(2001, "Lan", language="vi")
    await lan.send(f"/start {token}")
    await lan.dialog(
        [
            ("/addunit x Đơn vị X", "Lệnh này chỉ dành cho quản trị viên."),
            ("/invite cb admin", "Lệnh này chỉ dành cho quản trị viên."),
            ("/revoke 1000", "Lệnh này chỉ dành cho quản trị viên."),
            ("/nonsense", "Không có lệnh này"),
        ]
    )
    assert "Đơn vị X" not in (await admin.send("/units")).text


async def test_revoke_takes_access_away(bot: RunningBot) -> None:
    admin = bot.person(ADMIN_ID, "Hà", language="en")
    await admin.send("/addunit cb Chi bộ A")
    token = link_token((await admin.send("/invite cb secretary")).text)
    lan = bot.person(2001, "Lan", language="en")
    await lan.send(f"/start {token}")
    users = await admin.send("/users")
    assert "Lan — cell secretary, Chi bộ A — id 2001" in users
    assert "admin by configuration" in await admin.send(f"/revoke {ADMIN_ID}")
    assert "cannot revoke your own" not in await admin.send("/revoke 2001")
    assert "ask your committee's office" in await lan.send("/meeting")
    assert "No registered user has the id 2001" in await admin.send("/revoke 2001")


async def test_language_is_chosen_with_buttons_and_remembered(bot: RunningBot) -> None:
    admin = bot.person(ADMIN_ID, "Hà", language="vi")
    choose = await admin.send("/language")
    assert "Chọn ngôn ngữ:" in choose
    assert choose.buttons == ["Tiếng Việt", "English"]
    chosen = await admin.press("English")
    assert "Language: English" in chosen
    await bot.restart()
    assert "Your account" in await admin.send("/help")


async def test_unregistered_people_are_told_how_to_get_an_invitation(bot: RunningBot) -> None:
    stranger = bot.person(5001, "Khoa", language="vi")
    reply = await stranger.send("xin chào")
    assert "Chào đồng chí Khoa! chibo dành cho bí thư chi bộ và cấp ủy viên đã được mời." in reply
    assert "5001" in reply
    assert "chưa đăng ký" in await stranger.send("/whoami")
    english = bot.person(5002, "John", language="en")
    assert "ask your committee's office" in await english.send("/start")


async def test_the_bot_answers_only_in_private_chats(bot: RunningBot, emulator: BotApiEmulator) -> None:
    admin = bot.person(ADMIN_ID, "Hà", language="vi")
    # An admin of the group sees every message, not only commands: the bot still stays quiet.
    group = emulator.group(-2001, "Nhóm chi bộ", bot_is_admin=True)
    marker = admin.handle.marker()
    update_id = await admin.handle.send("/help", chat=group)
    await bot.processed(update_id)
    said = [m.text or "" for m in group.bot_messages_since(marker)]
    assert len(said) == 1
    assert "Tôi chỉ trả lời trong tin nhắn riêng" in said[0]
    update_id = await admin.handle.send("chào cả nhóm", chat=group)
    await bot.processed(update_id)
    assert len(group.bot_messages_since(marker)) == 1


async def test_an_update_delivered_twice_is_processed_once(bot: RunningBot, emulator: BotApiEmulator) -> None:
    admin = bot.person(ADMIN_ID, "Hà", language="vi")
    await admin.send("/addunit cb Chi bộ A")
    update_id = await admin.handle.send("/invite cb bithu")
    await bot.processed(update_id)
    answers = len(admin.handle.bot_messages())
    # A restart before Telegram learnt the update was confirmed: it comes again.
    await bot.stop()
    emulator.redeliver(update_id)
    await bot.start()
    record = emulator.updates[update_id]
    await emulator.wait_for(lambda: record.fetch_count >= 2, what="the update fetched again")
    await bot.processed(update_id)
    assert len(admin.handle.bot_messages()) == answers
    invites = await admin.send("/invites")
    assert invites.text.count("số ") == 1, invites.text


async def test_command_menus_per_role_and_language(bot: RunningBot, emulator: BotApiEmulator) -> None:
    default_vi = [c["command"] for c in emulator.commands("all_private_chats", "vi")]
    assert default_vi == ["start", "help", "whoami", "language", "cancel"]
    descriptions = {c["command"]: c["description"] for c in emulator.commands("all_private_chats", "en")}
    assert descriptions["language"] == "Change the language"
    assert {c["command"]: c["description"] for c in emulator.commands("all_private_chats", "vi")}[
        "language"
    ] == "Đổi ngôn ngữ"
    admin = bot.person(ADMIN_ID, "Hà", language="vi")
    await admin.send("/addunit cb Chi bộ A")
    token = link_token((await admin.send("/invite cb bithu")).text)
    lan = bot.person(2001, "Lan", language="vi")
    await lan.send(f"/start {token}")
    secretary_menu = [c["command"] for c in emulator.visible_commands(2001)]
    assert "meeting" in secretary_menu
    assert "invite" not in secretary_menu
    admin_menu = [c["command"] for c in emulator.visible_commands(ADMIN_ID)]
    assert "invite" in admin_menu
    await admin.send("/revoke 2001")
    assert [c["command"] for c in emulator.visible_commands(2001)] == default_vi
