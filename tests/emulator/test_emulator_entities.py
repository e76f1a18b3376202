"""Telegram's HTML parse mode as the emulator parses it: entities, offsets in UTF-16, errors."""

from __future__ import annotations

import pytest

from bot.devtools.telegram_emulator.entities import (
    EntityError,
    Parsed,
    detect_bot_commands,
    parse_html,
    trim,
    utf16_len,
)


def test_tags_become_entities_with_utf16_offsets() -> None:
    parsed = parse_html("😀 <b>bold <i>both</i></b> <a href='https://x.org/?a=1&amp;b=2'>link</a>")
    assert parsed.text == "😀 bold both link"
    assert parsed.entities == [
        {"offset": 3, "length": 9, "type": "bold"},
        {"offset": 8, "length": 4, "type": "italic"},
        {"offset": 13, "length": 4, "type": "text_link", "url": "https://x.org/?a=1&b=2"},
    ]


@pytest.mark.parametrize(
    ("html", "entity"),
    [
        ("<strong>x</strong>", {"type": "bold"}),
        ("<em>x</em>", {"type": "italic"}),
        ("<ins>x</ins>", {"type": "underline"}),
        ("<u>x</u>", {"type": "underline"}),
        ("<del>x</del>", {"type": "strikethrough"}),
        ("<strike>x</strike>", {"type": "strikethrough"}),
        ('<span class="tg-spoiler">x</span>', {"type": "spoiler"}),
        ("<tg-spoiler>x</tg-spoiler>", {"type": "spoiler"}),
        ("<code>x</code>", {"type": "code"}),
        ('<pre><code class="language-python">x</code></pre>', {"type": "pre", "language": "python"}),
        ("<blockquote>x</blockquote>", {"type": "blockquote"}),
        ("<blockquote expandable>x</blockquote>", {"type": "expandable_blockquote"}),
        ('<tg-emoji emoji-id="5368324170671202286">x</tg-emoji>', {"type": "custom_emoji"}),
    ],
)
def test_every_telegram_tag_is_understood(html: str, entity: dict[str, str]) -> None:
    parsed = parse_html(html)
    assert parsed.text == "x"
    assert len(parsed.entities) == 1
    assert parsed.entities[0].items() >= {"offset": 0, "length": 1, **entity}.items()


def test_entities_and_numeric_references_decode() -> None:
    assert parse_html("&lt;&gt;&amp;&quot;&#39;&#x27;&#8364;").text == "<>&\"''€"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("line<br>break", 'Unsupported start tag "br"'),
        ("<p>x</p>", 'Unsupported start tag "p"'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag"),
        ("Tom & Jerry", 'must be escaped as "&amp;"'),
        ("1 < 2", 'must be escaped as "&lt;"'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
        ('<a href="x>y</a>', "Unclosed start tag"),
        ("&#0;", "Invalid character reference"),
    ],
)
def test_bad_html_is_refused_like_telegram(html: str, error: str) -> None:
    with pytest.raises(EntityError, match=error.replace("(", r"\(")):
        parse_html(html)


def test_error_offsets_are_utf8_bytes() -> None:
    with pytest.raises(EntityError, match="byte offset 6"):
        parse_html("ă😀<br>")


def test_a_mention_of_a_known_user_becomes_text_mention() -> None:
    users = {7: {"id": 7, "is_bot": False, "first_name": "An"}}
    parsed = parse_html('<a href="tg://user?id=7">An</a> <a href="tg://user?id=8">Bo</a>', users)
    assert parsed.entities == [{"offset": 0, "length": 2, "type": "text_mention", "user": users[7]}]


def test_trim_strips_whitespace_and_moves_entities() -> None:
    assert trim(parse_html("\n  <b> hi</b> \n")) == Parsed("hi", [{"offset": 0, "length": 2, "type": "bold"}])


def test_utf16_length_counts_surrogate_pairs() -> None:
    assert utf16_len("a😀ă") == 4


def test_bot_commands_are_detected_where_telegram_detects_them() -> None:
    assert detect_bot_commands("/start abc /help@chibo_test_bot a/b") == [
        {"type": "bot_command", "offset": 0, "length": 6},
        {"type": "bot_command", "offset": 11, "length": 20},
    ]
