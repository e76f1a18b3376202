"""Telegram's text rules: HTML parse mode to plain text plus entities, UTF-16 lengths, trimming, commands.

The HTML parser follows tdlib's `parse_html` (what Telegram runs): the same tags, the same nesting
rule (an end tag must close the innermost open tag) and error messages worded like Telegram's. It is
stricter than Telegram in one place on purpose: a `&` that does not start `&lt;`, `&gt;`, `&amp;`,
`&quot;` or a numeric reference is rejected, because it almost always means text was not escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EntityError",
    "Parsed",
    "detect_bot_commands",
    "parse_html",
    "trim",
    "utf16_len",
]

# Tags Telegram understands, mapped to the entity type they produce.
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED_TAGS = {*_SIMPLE_TAGS, "a", "span", "tg-emoji", "blockquote"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]*));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]*")
_COMMAND_RE = re.compile(r"(?<!\S)/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,64})?")
# What tdlib trims from both ends of a message text.
_TRIMMED = " \t\n\r\u00a0"


class EntityError(ValueError):
    """Text Telegram would refuse with "can't parse entities"."""


@dataclass(slots=True)
class Parsed:
    """Plain text and its MessageEntity dicts (offsets and lengths in UTF-16 code units)."""

    text: str
    entities: list[dict[str, Any]]


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units, the unit of Telegram's limits and offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    """Return the UTF-8 byte offset of text[index], as tdlib reports errors."""
    return len(text[:index].encode("utf-8"))


@dataclass(slots=True)
class _Open:
    """An open tag waiting for its end tag."""

    name: str
    offset: int
    attrs: dict[str, str]
    # Set on a <pre> by a <code class="language-x"> directly inside it.
    language: str = ""


def _decode_entity(text: str, i: int) -> tuple[str, int]:
    """Decode the character reference at text[i] ('&'); return the character and the index after it."""
    match = _ENTITY_RE.match(text, i)
    if match is None:
        raise EntityError(f'Character "&" at byte offset {_byte_offset(text, i)} must be escaped as "&amp;"')
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        if name not in _NAMED_ENTITIES:
            raise EntityError(f'Unsupported HTML entity "&{name};" at byte offset {_byte_offset(text, i)}')
        return _NAMED_ENTITIES[name], match.end()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityError(f"Invalid character reference at byte offset {_byte_offset(text, i)}")
    return chr(code), match.end()


def _parse_attributes(text: str, i: int, tag: str, start: int) -> tuple[dict[str, str], int]:
    """Parse attributes of a start tag from text[i]; return them and the index after '>'."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
        if text[i] == ">":
            return attrs, i + 1
        match = _ATTR_NAME_RE.match(text, i)
        if match is None:
            raise EntityError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, start)}'
            )
        name = match.group().lower()
        i = match.end()
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] != "=":
            # An attribute without a value, like <blockquote expandable>.
            attrs[name] = ""
            continue
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
        value: list[str] = []
        if text[i] in "\"'":
            quote = text[i]
            i += 1
            while i < n and text[i] != quote:
                if text[i] == "&":
                    char, i = _decode_entity(text, i)
                    value.append(char)
                else:
                    value.append(text[i])
                    i += 1
            if i >= n:
                raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, start)}")
            i += 1
        else:
            while i < n and not text[i].isspace() and text[i] != ">":
                if text[i] == "&":
                    char, i = _decode_entity(text, i)
                    value.append(char)
                else:
                    value.append(text[i])
                    i += 1
        attrs[name] = "".join(value)


def _entity_for(tag: _Open, length: int, users: dict[int, dict[str, Any]]) -> dict[str, Any] | None:
    """Return the MessageEntity a closed tag produces, or None when it produces none."""
    entity: dict[str, Any] = {"offset": tag.offset, "length": length}
    if tag.name in _SIMPLE_TAGS:
        entity["type"] = _SIMPLE_TAGS[tag.name]
        if tag.language:
            entity["language"] = tag.language
        return entity
    if tag.name == "span":
        entity["type"] = "spoiler"
        return entity
    if tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        return entity
    if tag.name == "tg-emoji":
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        return entity
    # <a href>: a link, or a mention of a user the bot knows by id.
    href = tag.attrs.get("href", "")
    mention = re.fullmatch(r"tg://user\?id=(\d+)", href)
    if mention is not None:
        user = users.get(int(mention.group(1)))
        if user is None:
            return None
        entity["type"] = "text_mention"
        entity["user"] = user
        return entity
    if not href:
        return None
    entity["type"] = "text_link"
    entity["url"] = href
    return entity


def parse_html(html: str, users: dict[int, dict[str, Any]] | None = None) -> Parsed:
    """Parse Telegram HTML into plain text and entities, raising EntityError as Telegram would."""
    users = users or {}
    out: list[str] = []
    offset = 0  # UTF-16 offset of the end of `out`
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(html)
    while i < n:
        char = html[i]
        if char == "&":
            decoded, i = _decode_entity(html, i)
            out.append(decoded)
            offset += utf16_len(decoded)
            continue
        if char != "<":
            out.append(char)
            offset += utf16_len(char)
            i += 1
            continue
        start = i
        if i + 1 < n and html[i + 1] == "/":
            end = html.find(">", i)
            if end == -1:
                raise EntityError(f"Unclosed end tag at byte offset {_byte_offset(html, start)}")
            name = html[i + 2 : end].strip().lower()
            if not stack:
                raise EntityError(f"Unexpected end tag at byte offset {_byte_offset(html, start)}")
            top = stack[-1]
            if name != top.name:
                raise EntityError(
                    f"Unmatched end tag at byte offset {_byte_offset(html, start)}, "
                    f'expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            parent = stack[-1] if stack else None
            language = top.attrs.get("class", "") if top.name == "code" else ""
            if parent is not None and parent.name == "pre" and language.startswith("language-"):
                # tdlib moves the language of <pre><code class="language-x"> onto the pre entity.
                parent.language = language.removeprefix("language-")
            elif offset > top.offset:
                entity = _entity_for(top, offset - top.offset, users)
                if entity is not None:
                    entities.append(entity)
            i = end + 1
            continue
        match = _TAG_NAME_RE.match(html, i + 1)
        if match is None:
            raise EntityError(
                f'Character "<" at byte offset {_byte_offset(html, start)} must be escaped as "&lt;"'
            )
        name = match.group().lower()
        if name not in _SUPPORTED_TAGS:
            raise EntityError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(html, start)}')
        attrs, i = _parse_attributes(html, match.end(), name, start)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(html, start)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise EntityError(
                f"Custom emoji identifier must be specified at byte offset {_byte_offset(html, start)}"
            )
        stack.append(_Open(name, offset, attrs))
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return Parsed("".join(out), entities)


def trim(parsed: Parsed) -> Parsed:
    """Strip leading and trailing whitespace as Telegram does, moving and clipping entities."""
    text = parsed.text
    stripped_left = text.lstrip(_TRIMMED)
    head = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(_TRIMMED)
    total = utf16_len(result)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - head, 0)
        end = min(entity["offset"] + entity["length"] - head, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return Parsed(result, entities)


def detect_bot_commands(text: str) -> list[dict[str, Any]]:
    """Return bot_command entities for /commands in text, as Telegram adds to user messages."""
    entities: list[dict[str, Any]] = []
    for match in _COMMAND_RE.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return entities
