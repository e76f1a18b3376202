"""The translation between chibo and Zalo, piece by piece: buttons as numbered lists and typed
answers as presses, HTML made plain, long texts cut, Zalo updates read, ids mapped for good,
signed links, the settings, and the outbox's view of Zalo's errors."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.web.signed import SignedFiles
from bot.channels.zalo import menus, updates
from bot.channels.zalo.api import ZaloApi, ZaloError, ZaloNetworkError, webhook_update
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.messenger import ZaloMessenger
from bot.channels.zalo.text import html_to_styled, html_to_text, split, split_styled
from bot.config import ZALO_API_URL, ConfigError, Settings, load_settings
from bot.i18n import translator
from bot.scheduling.channel import RetryLater, Undeliverable
from bot.text import utf16_len
from storage.database import Database
from tests.e2e.harness import FakeClock

EN = translator("en")


def form(draft: int, version: int, action: str, arg: str = "") -> str:
    return f"v1:f:{draft}:{version}:{action}:{arg}"


# ----- buttons and typed answers --------------------------------------------------------------------


def test_buttons_become_a_numbered_list_and_a_number_or_a_label_presses_one() -> None:
    menu = menus.build([[("Tiếng Việt", "v1:lang:vi"), ("English", "v1:lang:en")]])
    assert menu is not None
    assert menu.text(EN) == "1. Tiếng Việt\n2. English\nType the number of your choice."
    for typed, data in (
        ("2", "v1:lang:en"),
        (" 1. ", "v1:lang:vi"),
        ("tieng viet", "v1:lang:vi"),
        ("ENGLISH", "v1:lang:en"),
    ):
        entry = menu.press(typed)
        assert entry is not None and entry.data == data, typed
    for typed in ("3", "0", "French", "", "/keep", "/english"):
        assert menu.press(typed) is None, typed


def test_numbers_a_label_carries_are_kept_and_the_others_follow() -> None:
    # /mine, page 2: the records are numbered 6 to 7, then come the page buttons.
    menu = menus.build(
        [
            [("6. Thu (1998)", "v1:m:o:person:6")],
            [("7. Nam (1990)", "v1:m:o:person:7")],
            [("◀ Previous", "v1:m:p:0")],
        ]
    )
    assert menu is not None
    assert menu.text(EN).splitlines()[:3] == ["6. Thu (1998)", "7. Nam (1990)", "1. ◀ Previous"]
    assert menu.press("7") is not None and menu.press("7").data == "v1:m:o:person:7"  # type: ignore[union-attr]
    assert menu.press("previous") is not None


def test_a_form_question_shows_its_choices_but_leaves_typed_numbers_to_the_engine() -> None:
    menu = menus.build(
        [
            [(f"{n}. Option {n}", form(5, 2, "a", str(n))) for n in (9, 10)],
            [("◀ Previous", form(5, 2, "pg", "0")), ("Next ▶", form(5, 2, "pg", "2"))],
            [("Keep: 12", form(5, 2, "kp"))],
            [("Skip", form(5, 2, "sk"))],
        ]
    )
    assert menu is not None
    assert menu.text(EN).splitlines() == [
        "9. Option 9",
        "10. Option 10",
        "/prev — ◀ Previous",
        "/next — Next ▶",
        "/keep — Keep: 12",
        "/skip — Skip",
    ]
    # "2" or "9" typed to a question is the answer, read by the engine, never a press.
    for typed in ("9", "2", "Option 9", "keep", "Keep: 12", "next", "/skip"):
        assert menu.press(typed) is None, typed
    assert menu.press("/keep").data == form(5, 2, "kp")  # type: ignore[union-attr]
    assert menu.press("/NEXT").data == form(5, 2, "pg", "2")  # type: ignore[union-attr]


def test_offers_keep_the_engines_numbers_where_numbers_are_no_answer_and_words_elsewhere() -> None:
    # A date's question: its offers are numbered by the engine, which reads "4" back itself.
    dates = menus.build(
        [
            [
                ("1. Hôm nay (24/11)", form(5, 3, "a", "2026-11-24")),
                ("2. Hôm qua (23/11)", form(5, 3, "a", "x")),
            ],
            [("3. Ngày sinh hoạt (05/11)", form(5, 3, "a", "2026-11-05"))],
            [("4. Giữ nguyên: 20/11/2026", form(5, 3, "kp"))],
        ]
    )
    assert dates is not None
    assert dates.text(EN).splitlines() == [
        "1. Hôm nay (24/11)",
        "2. Hôm qua (23/11)",
        "3. Ngày sinh hoạt (05/11)",
        "4. Giữ nguyên: 20/11/2026",
    ]
    assert all(dates.press(typed) is None for typed in ("1", "4", "hôm qua"))
    # A number's question: "12" is an answer, so last month's answers are a word away.
    number = menus.build([[("Giữ nguyên: 12", form(5, 4, "kp"))], [("↺ Như tháng trước", form(5, 4, "sm"))]])
    assert number is not None
    assert number.text(EN).splitlines() == ["/keep — Giữ nguyên: 12", "/same — ↺ Như tháng trước"]
    assert number.press("12") is None and number.press("như tháng trước") is None
    assert number.press("/same").data == form(5, 4, "sm")  # type: ignore[union-attr]


def test_a_form_review_is_numbered_as_the_engine_counts_and_the_resume_offer_is_pressed() -> None:
    review = menus.build(
        [
            [("✅ Save", form(5, 9, "ok"))],
            [("✏️ Change an answer", form(5, 9, "ch"))],
            [("✖ Cancel", form(5, 9, "cx"))],
        ]
    )
    assert review is not None
    assert review.text(EN).splitlines()[:3] == ["1. ✅ Save", "2. ✏️ Change an answer", "3. ✖ Cancel"]
    assert review.press("1") is None  # the engine reads it
    offer = menus.build([[("Continue it", form(5, 9, "rs"))], [("Discard it", form(5, 9, "dc", "meeting"))]])
    assert offer is not None
    assert offer.press("2").data == form(5, 9, "dc", "meeting")  # type: ignore[union-attr]
    assert menus.Menu.from_json(offer.to_json()) == offer


# ----- text -------------------------------------------------------------------------------------


def test_html_becomes_plain_text_with_what_the_user_typed_intact() -> None:
    html = '<b>Lê &lt;b&gt;Văn&lt;/b&gt; &amp; Co</b>\n<i>note</i> <code>/start abc</code> <a href="https://x.vn/?a=1&amp;b=2">link</a>'
    assert html_to_text(html) == "Lê <b>Văn</b> & Co\nnote /start abc link (https://x.vn/?a=1&b=2)"
    assert html_to_text('<a href="https://x.vn">https://x.vn</a>') == "https://x.vn"


def test_bold_and_italic_become_text_styles_counted_in_utf16_units() -> None:
    styled = html_to_styled("📊 <b>Bản tin tuần</b>\n<i>Lê &lt;Văn&gt;</i> <code>/x</code> <b> </b><u>u</u>")
    assert styled.text == "📊 Bản tin tuần\nLê <Văn> /x  u"
    assert styled.text_styles() == [
        {"start": 3, "len": 12, "st": ["b"]},  # the emoji is two UTF-16 units, one character
        {"start": 16, "len": 8, "st": ["i"]},
        {"start": 29, "len": 1, "st": ["u"]},  # a run of spaces only is not sent
    ]
    nested = html_to_styled("<b>a <i>b</i></b>")
    assert nested.text_styles() == [{"start": 0, "len": 3, "st": ["b"]}, {"start": 2, "len": 1, "st": ["i"]}]


def test_a_long_styled_text_is_cut_with_each_part_keeping_its_own_runs() -> None:
    html = "\n".join(f"<b>{n:03d}</b> " + "đồng chí " * 20 for n in range(60))
    parts = split_styled(html_to_styled(html))
    assert len(parts) > 1 and all(utf16_len(p.text) <= 2000 for p in parts)
    for part in parts:
        bold = [part.text[a:b] for a, b, _ in part.runs]
        assert bold == [line[:3] for line in part.text.splitlines()]


def test_long_texts_are_cut_on_line_boundaries_within_2000_characters() -> None:
    lines = [f"{n:03d} " + "đồng chí " * 20 for n in range(60)]
    parts = split("\n".join(lines))
    assert len(parts) > 1
    assert all(len(p) <= 2000 for p in parts)
    assert "\n".join(parts).splitlines() == lines
    word = "x" * 4500  # one line longer than a message (only a user's text can be)
    pieces = split(word)
    assert len(pieces) > 2 and all(len(p) <= 2000 for p in pieces) and "".join(pieces) == word


# ----- updates ----------------------------------------------------------------------------------


def zalo_update(event: str = "message.text.received", **message: object) -> dict[str, object]:
    body: dict[str, object] = {
        "from": {"id": "u1", "display_name": "Lan", "is_bot": False},
        "chat": {"id": "u1", "chat_type": "PRIVATE"},
        "message_id": "16f6366b3f02645a3d15",
        "date": 1766619597466,
    }
    body.update(message)
    return {"event_name": event, "message": body}


def test_a_text_becomes_a_bot_api_message_and_a_command_gets_its_entity() -> None:
    incoming = updates.read(zalo_update(text="/start abc"))
    assert incoming is not None
    result = updates.message(incoming, chat=7, user=7, now_s=1)
    assert result["update_id"] == updates.number_of_message("16f6366b3f02645a3d15")
    message = result["message"]
    assert message["date"] == 1766619597  # Zalo counts milliseconds
    assert message["chat"] == {"id": 7, "type": "private", "first_name": "Lan"}
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert (
        "entities"
        not in updates.message(updates.read(zalo_update(text="hello")), chat=7, user=7, now_s=1)["message"]
    )  # type: ignore[arg-type]


def test_pictures_stickers_and_the_rest_are_messages_without_text() -> None:
    photo = updates.read(
        zalo_update("message.image.received", photo_url="https://p.zalo/x.jpg", caption="hi")
    )
    assert photo is not None
    body = updates.message(photo, chat=1, user=1, now_s=1)["message"]
    assert body["photo"][0]["file_id"] == "https://p.zalo/x.jpg" and body["caption"] == "hi"
    sticker = updates.read(zalo_update("message.sticker.received", sticker="abc"))
    assert "sticker" in updates.message(sticker, chat=1, user=1, now_s=1)["message"]  # type: ignore[arg-type]
    other = updates.read(zalo_update("message.unsupported.received"))
    assert set(updates.message(other, chat=1, user=1, now_s=1)["message"]) == {
        "message_id",
        "date",
        "chat",
        "from",
    }  # type: ignore[arg-type]
    group = updates.read(zalo_update(text="hi", chat={"id": "g1", "chat_type": "GROUP"}))
    assert updates.message(group, chat=2, user=1, now_s=1)["message"]["chat"]["type"] == "group"  # type: ignore[arg-type]


def test_an_older_sample_with_first_name_is_read_and_what_is_not_a_message_is_not() -> None:
    older = zalo_update(text="Xin chào", **{"from": {"id": "u1", "first_name": "Nguyen Van A"}})
    assert updates.read(older).name == "Nguyen Van A"  # type: ignore[union-attr]
    assert updates.read({"event_name": "message.text.received"}) is None
    assert updates.read(zalo_update(text="x", **{"from": {"id": "b", "is_bot": True}})) is None
    assert updates.read(["not", "an", "update"]) is None


def test_webhook_bodies_come_wrapped_or_bare() -> None:
    update = zalo_update(text="hi")
    assert webhook_update({"ok": True, "result": update}) == update
    assert webhook_update(update) == update
    assert webhook_update({"ok": True}) is None
    assert webhook_update("x") is None


def test_a_typed_answer_to_a_list_is_the_press_of_its_button() -> None:
    incoming = updates.read(zalo_update(text="2"))
    assert incoming is not None
    press = updates.press(incoming, chat=7, user=7, message_id=99, data="v1:lang:en", now_s=5)
    query = press["callback_query"]
    assert press["update_id"] == incoming.update_id
    assert (query["data"], query["message"]["message_id"], query["message"]["date"]) == ("v1:lang:en", 99, 5)


# ----- ids and lists kept in the database ----------------------------------------------------------


async def test_zalo_ids_keep_their_numbers_and_lists_their_buttons_across_a_restart(tmp_path: Path) -> None:
    settings = Settings(zalo_token="1:abcdefgh", db_path=tmp_path / "ids.db")
    menu = menus.build([[("English", "v1:lang:en")]])
    async with Database(settings.db_path) as db:
        await db.migrate()
        first = ZaloMessenger(ZaloApi("1:abcdefgh"), db, settings)
        lan, minh = await first.number_of("e4ea2cd5189df1c3a88c"), await first.number_of("9f8e7d6c5b4a3928")
        assert lan != minh and await first.number_of("e4ea2cd5189df1c3a88c") == lan
        assert menu is not None
        await first._set_menu("e4ea2cd5189df1c3a88c", 42, menu)
    async with Database(settings.db_path) as db:
        again = ZaloMessenger(ZaloApi("1:abcdefgh"), db, settings)
        assert await again.zalo_id_of(lan) == "e4ea2cd5189df1c3a88c"
        assert await again.number_of("9f8e7d6c5b4a3928") == minh
        assert await again.menu("e4ea2cd5189df1c3a88c") == (42, menu)
        await again.forget_menu("e4ea2cd5189df1c3a88c", 41)  # another message's buttons went
        assert await again.menu("e4ea2cd5189df1c3a88c") is not None
        await again.forget_menu("e4ea2cd5189df1c3a88c", 42)
        assert await again.menu("e4ea2cd5189df1c3a88c") is None
        with pytest.raises(LookupError):
            await again.zalo_id_of(10_000)


def test_the_same_message_always_gets_the_same_update_id() -> None:
    assert updates.number_of_message("abc") == updates.number_of_message("abc")
    assert updates.number_of_message("abc") != updates.number_of_message("abd")
    assert 0 < updates.number_of_message("abc") < 2**63


# ----- signed links -----------------------------------------------------------------------------


def test_a_signed_link_works_until_it_expires_and_not_once_altered() -> None:
    clock = FakeClock()
    files = SignedFiles("https://bot.example.vn/", ttl=timedelta(minutes=60), clock=clock)
    url = files.put(b"\x89PNG...", "bản tin.png", "image/png")
    assert url.startswith("https://bot.example.vn/zalo/files/")
    path, query = url.split("/zalo/files/", 1)[1].split("?")
    file_id = path.split("/")[0]
    expires, signature = query.removeprefix("exp=").split("&sig=")
    assert files.get(file_id, expires, signature) is not None
    assert files.get(file_id, str(int(expires) + 3600), signature) is None  # stretched
    assert files.get(file_id, expires, "0" * 32) is None
    assert files.get("unknown", expires, signature) is None
    clock.advance(minutes=61)
    assert files.get(file_id, expires, signature) is None


# ----- settings ---------------------------------------------------------------------------------


def test_zalo_settings_are_read_and_checked() -> None:
    settings = load_settings(
        {
            "ZALO_BOT_TOKEN": "1459232241454765289:AbCdEf-123_xyz",
            "CHIBO_ZALO_ADMINS": "e4ea2cd5189df1c3a88c, 9f8e",
            "CHIBO_PUBLIC_URL": "https://bot.example.vn/",
        },
        env_file=None,
    )
    assert settings.zalo_token == "1459232241454765289:AbCdEf-123_xyz"
    assert settings.zalo_api_url == ZALO_API_URL
    assert settings.zalo_admins == {"e4ea2cd5189df1c3a88c", "9f8e"}
    assert settings.public_url == "https://bot.example.vn"
    for name, value in (
        ("ZALO_BOT_TOKEN", "not a token"),
        ("CHIBO_ZALO_API_URL", "bot-api.zaloplatforms.com"),
        ("CHIBO_PUBLIC_URL", "ftp://x"),
        ("CHIBO_ZALO_ADMINS", "a b"),
    ):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: value}, env_file=None)


# ----- the outbox's view of Zalo's errors ----------------------------------------------------------


class Failing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send_text(self, *args: object, **kwargs: object) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected", "seconds"),
    [
        (ZaloError(404, "Not found"), Undeliverable, None),
        (ZaloError(400, "chat not found"), Undeliverable, None),
        (ZaloError(400, "Người nhận không hợp lệ"), Undeliverable, None),
        (ZaloError(403, "Internal server error"), RetryLater, 30),  # documented so; retried, then held
        (ZaloError(429, "Quota exceeded"), RetryLater, 60),
        (ZaloError(408, "Request timeout"), RetryLater, 5),
        (ZaloError(401, "Unauthorized"), RetryLater, 300),
        (ZaloError(502, "Bad gateway"), RetryLater, 5),
        (ZaloNetworkError("sendMessage: ClientConnectorError"), RetryLater, 5),
        (ZaloError(400, "text must be 1 to 2000 characters"), ZaloError, None),  # a bug of ours
        (ZaloError(400, "Bad request - invalid API name"), ZaloError, None),
    ],
)
async def test_the_outbox_reads_zalo_s_documented_error_codes(
    error: Exception, expected: type[Exception], seconds: float | None
) -> None:
    channel = ZaloChannel(Failing(error))  # type: ignore[arg-type]
    with pytest.raises(expected) as raised:
        await channel.send_text("u1", "hi", None)
    if isinstance(raised.value, RetryLater):
        assert raised.value.seconds == seconds
        assert raised.value.personal == (isinstance(error, ZaloError) and error.error_code == 403)
