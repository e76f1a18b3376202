"""Checking calls against the Bot API specification: coercing form values, then checking types.

python-telegram-bot sends `application/x-www-form-urlencoded` or `multipart/form-data` in which every
value that is not a string is JSON-encoded (chat_id="123", reply_markup='{"inline_keyboard":...}',
booleans "true"); JSON bodies and query strings are accepted too. A string arriving for a field that is
not a String is coerced by the field's declared types, then every value is checked recursively against
the types of the specification: required fields, unknown fields, subtypes meaning any one of them.
Telegram ignores unknown parameters and fields; the emulator rejects them, because in tests they are bugs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.telegram_emulator.spec import ApiSpec, Field, Method, TypeSpec

__all__ = ["ApiError", "Upload", "check_params", "check_result"]

_PRIMITIVES = {"Integer", "String", "Boolean", "Float", "InputFile"}
_ARRAY = "Array of "
# How a subtype names the value of its discriminating "type" field in its description.
_DISCRIMINATOR_RE = re.compile(r'(?:must be|always)\s+(?!one\b)"?([a-z_]+)"?')
# Types whose values are never coerced from a form string.
_TEXTUAL = {"String", "InputFile"}
_INT_RE = re.compile(r"-?\d+")


class ApiError(Exception):
    """A call Telegram would answer with ok=false: HTTP status, description, optional retry_after.

    bug says whether the rejection means the bot did something wrong (kept in the emulator's errors)
    or is a condition a working bot meets and copes with (429, a blocked user, an injected fault).
    """

    def __init__(
        self, status: int, description: str, retry_after: int | None = None, *, bug: bool = True
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.bug = bug

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram answers with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(message: str) -> ApiError:
    """Return a 400 ApiError worded as Telegram's "Bad Request: ..."."""
    return ApiError(400, f"Bad Request: {message}")


@dataclass(slots=True)
class Upload:
    """A file uploaded in a multipart request."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)


class _Mismatch(Exception):
    """A value does not match a type; the message says where and why."""


def _type_label(types: tuple[str, ...] | list[str]) -> str:
    """Return types joined the way the documentation writes them."""
    return " or ".join(types)


def _coerce_string(value: str, types: tuple[str, ...]) -> Any:
    """Turn a form string into the JSON value it encodes, guided by the field's declared types."""
    for type_ in types:
        if type_ == "Integer" and _INT_RE.fullmatch(value):
            return int(value)
        if type_ == "Float":
            try:
                return float(value)
            except ValueError:
                continue
        if type_ == "Boolean" and value.lower() in {"true", "false", "1", "0"}:
            return value.lower() in {"true", "1"}
        if (type_.startswith(_ARRAY) or type_ not in _PRIMITIVES) and value[:1] in "[{":
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise _Mismatch(f"can't parse JSON: {exc.msg}") from exc
    # A String or InputFile (file_id, URL, attach://name) stays what it is.
    return value


class Checker:
    """Checks values against the types of one specification."""

    def __init__(self, spec: ApiSpec) -> None:
        self.spec = spec

    def check(self, value: Any, types: tuple[str, ...], path: str, *, from_form: bool) -> Any:
        """Return value coerced to one of types, or raise _Mismatch naming path."""
        if isinstance(value, str) and from_form and not _TEXTUAL.issuperset(types):
            value = _coerce_string(value, types)
        errors: list[tuple[int, str]] = []
        for type_ in types:
            try:
                return self._check_one(value, type_, path)
            except _Mismatch as exc:
                errors.append((self._affinity(value, type_), str(exc)))
        if len(errors) == 1:
            raise _Mismatch(errors[0][1])
        # Several candidate types all failed: report the one the value most looks like.
        best = max(errors, key=lambda e: e[0])
        if best[0] > 0:
            raise _Mismatch(best[1])
        raise _Mismatch(f"{path} must be {_type_label(types)}")

    def _affinity(self, value: Any, type_: str) -> int:
        """Score how much value looks like an object of type_ (known keys, matching discriminator)."""
        if type_.startswith(_ARRAY):
            if isinstance(value, list) and value:
                return self._affinity(value[0], type_.removeprefix(_ARRAY))
            return 0
        spec = self.spec.types.get(type_)
        if spec is None or not isinstance(value, dict):
            return 0
        if spec.subtypes:
            return max(self._affinity(value, sub) for sub in spec.subtypes)
        score = sum(1 for key in value if key in spec.fields)
        if _discriminator(spec) is not None and _discriminator(spec) == value.get("type"):
            score += 100
        return score

    def _check_one(self, value: Any, type_: str, path: str) -> Any:
        """Return value if it is of type_, else raise _Mismatch."""
        if type_.startswith(_ARRAY):
            if not isinstance(value, list):
                raise _Mismatch(f"{path} must be an Array")
            inner = type_.removeprefix(_ARRAY)
            return [
                self.check(item, (inner,), f"{path}[{i}]", from_form=False) for i, item in enumerate(value)
            ]
        if type_ == "Integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Mismatch(f"{path} must be an Integer")
            return value
        if type_ == "Float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _Mismatch(f"{path} must be a Float")
            return value
        if type_ == "Boolean":
            if not isinstance(value, bool):
                raise _Mismatch(f"{path} must be a Boolean")
            return value
        if type_ in {"String", "InputFile"}:
            if isinstance(value, Upload) and type_ == "InputFile":
                return value
            if not isinstance(value, str):
                raise _Mismatch(f"{path} must be a String")
            return value
        spec = self.spec.types.get(type_)
        if spec is None:
            raise _Mismatch(f"{path}: the specification has no type {type_}")
        if spec.subtypes:
            return self.check(value, spec.subtypes, path, from_form=False)
        return self._check_object(value, spec, path)

    def _check_object(self, value: Any, spec: TypeSpec, path: str) -> dict[str, Any]:
        """Check a JSON object against an object type: required, unknown and typed fields."""
        if not isinstance(value, dict):
            raise _Mismatch(f"{path} must be a JSON object of type {spec.name}")
        for name in value:
            if name not in spec.fields:
                raise _Mismatch(f'{path} has unknown field "{name}" for type {spec.name}')
        for name, f in spec.fields.items():
            if f.required and name not in value:
                raise _Mismatch(f'{path} lacks required field "{name}" of type {spec.name}')
        discriminator = _discriminator(spec)
        if discriminator is not None and value.get("type") != discriminator:
            raise _Mismatch(f'{path}.type must be "{discriminator}" for type {spec.name}')
        return {
            name: self.check(item, spec.fields[name].types, f"{path}.{name}", from_form=False)
            for name, item in value.items()
        }


def _discriminator(spec: TypeSpec) -> str | None:
    """Return the fixed value of spec's "type" field when its description names one."""
    type_field = spec.fields.get("type")
    if type_field is None or not type_field.required:
        return None
    match = _DISCRIMINATOR_RE.search(type_field.description)
    return match.group(1) if match else None


def _attach_names(value: Any) -> set[str]:
    """Return the names referenced as attach://name anywhere inside value."""
    if isinstance(value, str):
        return set(re.findall(r"attach://([A-Za-z0-9_\-]+)", value))
    if isinstance(value, dict):
        return set().union(*(_attach_names(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_attach_names(v) for v in value))
    return set()


def check_params(
    spec: ApiSpec, method: Method, raw: dict[str, Any], uploads: dict[str, Upload]
) -> dict[str, Any]:
    """Return the call's parameters coerced and checked, or raise a 400 ApiError worded like Telegram."""
    # Telegram reads every top-level parameter as text, whatever the body's encoding, so a string is
    # coerced by the declared types even in a JSON body; nested values must already have their type.
    checker = Checker(spec)
    params: dict[str, Any] = {}
    for name, value in raw.items():
        f: Field | None = method.fields.get(name)
        if f is None:
            raise bad_request(f'unknown parameter "{name}" for method {method.name}')
        try:
            params[name] = checker.check(value, f.types, name, from_form=True)
        except _Mismatch as exc:
            raise bad_request(f"can't parse parameter {name}: {exc}") from exc
    referenced = _attach_names(params)
    for name, upload in uploads.items():
        f = method.fields.get(name)
        if f is not None and "InputFile" in f.types:
            params[name] = upload
        elif name not in referenced:
            raise bad_request(f'unknown parameter "{name}" (an uploaded file) for method {method.name}')
    for name, f in method.fields.items():
        if f.required and name not in params:
            raise bad_request(f"{name} is required")
    return params


def check_result(spec: ApiSpec, method: Method, result: Any) -> None:
    """Raise AssertionError when a result the emulator built is not what the method returns."""
    try:
        Checker(spec).check(result, method.returns, "result", from_form=False)
    except _Mismatch as exc:
        raise AssertionError(f"emulator bug: {method.name} returned a bad result: {exc}") from exc
