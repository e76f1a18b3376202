"""The Telegram Bot API specification the emulator checks calls against, loaded from api.min.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Field:
    """One parameter of a method or one field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class Method:
    """One Bot API method: its parameters by name and what it returns."""

    name: str
    fields: dict[str, Field]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """One Bot API type: its fields by name, or the subtypes it stands for."""

    name: str
    fields: dict[str, Field]
    subtypes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """The whole specification: version, methods and types."""

    version: str
    methods: dict[str, Method]
    types: dict[str, TypeSpec]
    # Telegram matches method names case-insensitively, so keep a lower-case index.
    methods_lower: dict[str, Method]

    def method(self, name: str) -> Method | None:
        """Return the method called name (case-insensitive, as Telegram), or None."""
        return self.methods_lower.get(name.lower())


def _fields(raw: list[dict[str, Any]]) -> dict[str, Field]:
    """Build Field objects from the JSON list of fields."""
    return {
        f["name"]: Field(f["name"], tuple(f["types"]), bool(f["required"]), str(f.get("description", "")))
        for f in raw
    }


@cache
def load_spec() -> ApiSpec:
    """Load and index api.min.json once per process."""
    text = resources.files(__package__).joinpath("api.min.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    methods = {
        name: Method(name, _fields(m.get("fields", [])), tuple(m.get("returns", [])))
        for name, m in raw["methods"].items()
    }
    types = {
        name: TypeSpec(name, _fields(t.get("fields", [])), tuple(t.get("subtypes", [])))
        for name, t in raw["types"].items()
    }
    return ApiSpec(
        version=str(raw["version"]),
        methods=methods,
        types=types,
        methods_lower={name.lower(): m for name, m in methods.items()},
    )
