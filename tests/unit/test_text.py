"""Long messages are split at line ends within Telegram's limit, never truncated."""

import html as htmllib
import re

from bot import callbacks
from bot.rules.privacy import looks_like_id_number
from bot.text import split_message, utf16_len


def test_short_message_is_one_part() -> None:
    assert split_message("a\nb") == ["a\nb"]


def shown(html: str) -> str:
    """Return what Telegram shows of our HTML: no tags, entities read."""
    return htmllib.unescape(re.sub(r"<[^>]*>", "", html))


def test_long_message_is_split_at_line_ends_and_nothing_is_lost() -> None:
    lines = [f"<b>line {i}</b> " + "x" * 50 for i in range(300)]
    text = "\n".join(lines)
    parts = split_message(text, limit=1000)
    assert len(parts) > 1
    assert all(utf16_len(shown(p)) <= 1000 for p in parts)
    assert "\n".join(parts) == text


def test_emoji_count_as_two_units() -> None:
    parts = split_message("😀" * 600, limit=1000)
    assert all(utf16_len(p) <= 1000 for p in parts)
    assert "".join(parts) == "😀" * 600


def test_one_very_long_line_is_cut_at_spaces() -> None:
    text = " ".join(["word"] * 1000)
    parts = split_message(text, limit=500)
    assert all(utf16_len(p) <= 500 for p in parts)
    assert " ".join(parts) == text


def test_callback_data_round_trip_and_stale_data() -> None:
    data = callbacks.encode("lang", "vi")
    assert data == "v1:lang:vi"
    decoded = callbacks.decode(data)
    assert decoded is not None
    assert (decoded.kind, decoded.args) == ("lang", ("vi",))
    assert callbacks.decode("v0:lang:vi") is None
    assert callbacks.decode("garbage") is None
    assert callbacks.decode("") is None


def test_id_like_numbers() -> None:
    assert looks_like_id_number("CCCD 001203004567")
    assert looks_like_id_number("so 123456789")
    assert not looks_like_id_number("phone 0912345678")  # 10 digits: not an ID
    assert not looks_like_id_number("Nguyễn Văn A 1990")


def test_a_cut_never_falls_inside_an_entity_or_a_tag_and_tags_stay_balanced() -> None:
    # A search for 4,000 "<": 16,000 characters of HTML, 4,000 shown.
    search = "Không có gì khớp với “" + "&lt;" * 5000 + "”."
    parts = split_message(search)
    assert len(parts) == 2
    assert all(utf16_len(shown(p)) <= 4096 for p in parts)
    assert "".join(shown(p) for p in parts) == shown(search)
    assert all(re.fullmatch(r"(?:[^&]|&lt;)*", p) for p in parts)
    bold = "<b>" + "chữ " * 3000 + '</b>\n<a href="https://x.vn/a?b=1&amp;c=2">' + "đường dẫn " * 600 + "</a>"
    parts = split_message(bold, limit=1000)
    for part in parts:
        assert utf16_len(shown(part)) <= 1000
        opened = re.findall(r"<(b|a)[ >]", part)
        closed = re.findall(r"</(b|a)>", part)
        assert opened == closed, part[:60]
    assert all(p.startswith(("<b>", '<a href="https://x.vn/a?b=1&amp;c=2">')) for p in parts)


def test_short_unit_names_drop_what_every_cell_repeats() -> None:
    import unicodedata

    from bot.text import short_unit_name

    assert short_unit_name("Chi bộ Công ty TNHH Điện tử Sao Mai") == "Điện tử Sao Mai"
    assert short_unit_name("Chi bộ Công ty CP Giấy Bạch Hạc") == "Giấy Bạch Hạc"
    assert short_unit_name("CHI BỘ CÔNG TY TNHH MTV Cơ khí Hà Nam") == "Cơ khí Hà Nam"
    assert short_unit_name("Chi bộ Cty CP. Tân Á") == "Tân Á"
    assert short_unit_name("Đảng bộ KCN Thụy Vân") == "KCN Thụy Vân"
    assert short_unit_name(unicodedata.normalize("NFD", "Chi bộ Công ty Honda")) == "Honda"
    # Only whole words at the start: a name that merely begins like one stays whole.
    assert short_unit_name("Chi bộ Cpanel Việt") == "Cpanel Việt"
    assert short_unit_name("Chi bộ Trường Cao đẳng DN") == "Trường Cao đẳng DN"
    assert short_unit_name("Chi bộ") == "Chi bộ"  # nothing would be left
