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
