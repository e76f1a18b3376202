"""Checking calls against the Bot API specification: coercion of form strings, nested types, subtypes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.devtools.telegram_emulator.spec import load_spec
from bot.devtools.telegram_emulator.validation import ApiError, Upload, check_params, check_result

SPEC = load_spec()


def check(method: str, raw: dict[str, Any], uploads: dict[str, Upload] | None = None) -> dict[str, Any]:
    """Check raw parameters of method the way the server does."""
    found = SPEC.method(method)
    assert found is not None
    return check_params(SPEC, found, raw, uploads or {})


def test_the_spec_is_bot_api_10_1() -> None:
    assert SPEC.version == "Bot API 10.1"
    assert SPEC.method("SENDMESSAGE") is SPEC.methods["sendMessage"]  # Telegram ignores case


def test_form_strings_are_coerced_by_declared_type() -> None:
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    params = check(
        "sendMessage",
        {
            "chat_id": "-100123",
            "text": "123",
            "disable_notification": "true",
            "reply_markup": json.dumps(keyboard),
        },
    )
    assert params == {
        "chat_id": -100123,
        "text": "123",
        "disable_notification": True,
        "reply_markup": keyboard,
    }
    assert check("sendMessage", {"chat_id": "@channel", "text": "x"})["chat_id"] == "@channel"


def test_json_bodies_keep_their_types() -> None:
    assert check("getUpdates", {"offset": 5, "allowed_updates": ["message"]}) == {
        "offset": 5,
        "allowed_updates": ["message"],
    }


@pytest.mark.parametrize(
    ("method", "raw", "message"),
    [
        ("sendMessage", {"chat_id": "1"}, "text is required"),
        ("sendMessage", {"chat_id": "1", "text": "x", "colour": "red"}, 'unknown parameter "colour"'),
        ("getUpdates", {"limit": "ten"}, "limit must be an Integer"),
        ("sendMessage", {"chat_id": "1", "text": "x", "disable_notification": "maybe"}, "must be a Boolean"),
        (
            "sendMessage",
            {"chat_id": "1", "text": "x", "reply_markup": '{"inline_keyboard": [[{"text": "A", "u": "a"}]]}'},
            'unknown field "u" for type InlineKeyboardButton',
        ),
        (
            "sendMessage",
            {"chat_id": "1", "text": "x", "reply_markup": '{"inline_keyboard": [[{"callback_data": "a"}]]}'},
            'lacks required field "text"',
        ),
        ("sendMessage", {"chat_id": "1", "text": "x", "reply_markup": "{oops"}, "can't parse JSON"),
        ("setMyCommands", {"commands": "[]", "scope": '{"type": "chats"}'}, "BotCommandScope"),
    ],
)
def test_bad_calls_get_400(method: str, raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ApiError) as caught:
        check(method, raw)
    assert caught.value.status == 400
    assert caught.value.description.startswith("Bad Request: ")
    assert message in caught.value.description


def test_subtypes_mean_any_of_them_and_errors_name_the_closest() -> None:
    media = [{"type": "document", "media": "attach://f1"}, {"type": "document", "media": "file-id"}]
    uploads = {"f1": Upload("f1", "a.txt", "text/plain", b"x")}
    assert check("sendMediaGroup", {"chat_id": "1", "media": json.dumps(media)}, uploads)["media"] == media
    bad = [{"type": "photo", "media": "x", "bogus": 1}]
    with pytest.raises(ApiError, match='media\\[0\\] has unknown field "bogus" for type InputMediaPhoto'):
        check("sendMediaGroup", {"chat_id": "1", "media": json.dumps(bad)})


def test_uploads_fill_input_file_parameters_and_stray_files_are_refused() -> None:
    upload = Upload("document", "r.xlsx", "application/octet-stream", b"PK")
    assert check("sendDocument", {"chat_id": "1"}, {"document": upload})["document"] is upload
    with pytest.raises(ApiError, match='unknown parameter "stray"'):
        check("sendDocument", {"chat_id": "1", "document": "id"}, {"stray": upload})


def test_results_are_checked_too() -> None:
    method = SPEC.methods["getMe"]
    check_result(SPEC, method, {"id": 1, "is_bot": True, "first_name": "B"})
    with pytest.raises(AssertionError, match="emulator bug"):
        check_result(SPEC, method, {"id": 1, "first_name": "B"})
