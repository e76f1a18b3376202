"""Every message of the code is translated in every catalog, and the catalogs compile."""

from bot import catalogs
from bot.i18n import translator


def test_every_message_is_translated() -> None:
    lacking = catalogs.check()
    assert lacking == {"vi": [], "en": []}, lacking


def test_vietnamese_catalog_is_used() -> None:
    assert translator("vi")("Choose your language:") == "Chọn ngôn ngữ:"
    assert translator("en")("Choose your language:") == "Choose your language:"


def test_placeholders_survive_translation() -> None:
    template = catalogs.extract()
    vi = translator("vi")
    for message in template:
        if not message.id or not isinstance(message.id, str):
            continue
        fields = sorted(part.split("}")[0] for part in message.id.split("{")[1:])
        translated = vi(message.id)
        assert sorted(part.split("}")[0] for part in translated.split("{")[1:]) == fields, message.id


def test_english_says_each_message_as_the_code_does() -> None:
    # English is the source language; an entry that differs was glued to another by a merge.
    en = translator("en")
    for message in catalogs.extract():
        if message.id and isinstance(message.id, str):
            assert en(message.id) == message.id, message.id
