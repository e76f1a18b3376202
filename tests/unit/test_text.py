"""Long messages are split at line ends within Telegram's limit, never truncated."""

from bot import callbacks
from bot.rules.privacy import looks_like_id_number
from bot.text import split_message, utf16_len


def test_short_message_is_one_part() -> None:
    assert split_message("a\nb") == ["a\nb"]


def test_long_message_is_split_at_line_ends_and_nothing_is_lost() -> None:
    lines = [f"<b>line {i}</b> " + "x" * 50 for i in range(300)]
    text = "\n".join(lines)
    parts = split_message(text, limit=1000)
    assert len(parts) > 1
    assert all(utf16_len(p) <= 1000 for p in parts)
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
