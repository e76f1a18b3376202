"""Buttons on Zalo, which has none: a numbered list under the text, answered by typing.

A keyboard (rows of label and callback data, as the Telegram side sends it) becomes a Menu: one line
per button, "3. Label". Typing "3" or the label presses that button: the update the handlers get is
the callback query Telegram would have sent, so every handler works unchanged.

The form engine reads typed answers itself (numbers and labels of its choices, its dates and its
offers, and numbers at the review), so the numbers of a form view (callback data "v1:f:...") are only
shown, never pressed: "2" typed to a question asking for a number stays the answer 2. Where a number
is an answer the engine words its offers instead: "/keep", "/same", "/next", "/prev" press them, and
"/skip" is the command anyway.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot import callbacks
from bot.forms.fields import label_key, split_number
from bot.i18n import N_, Translator

Buttons = Sequence[Sequence[tuple[str, str]]]

FORM_KIND = "f"
QUESTION_ACTIONS = {"a", "kp", "sk", "pg", "sm"}  # the buttons of a form's question
OFFER_ACTIONS = {"rs", "dc"}  # "continue or discard your unfinished form": the engine reads no text there
HINT = N_("Type the number of your choice.")


@dataclass(frozen=True)
class Entry:
    """One button as a line of the list."""

    key: str  # what to type: "3", or a word such as "/keep"
    label: str
    data: str  # the callback data of the button
    pressable: bool  # typing the key or the label presses it; else the text goes to the handlers as typed

    def line(self) -> str:
        """Return the line that shows the button."""
        return f"{self.key}. {self.label}" if self.key.isdecimal() else f"{self.key} — {self.label}"


@dataclass(frozen=True)
class Menu:
    """The buttons of one message, as Zalo shows them."""

    entries: tuple[Entry, ...]
    hint: bool = True  # say how to answer (a form's question says it itself)
    by_label: bool = True  # typing a label presses too (not in a form's question: the text is the answer)

    def text(self, t: Translator) -> str:
        """Return the list to put under the message."""
        lines = [entry.line() for entry in self.entries]
        if self.hint and any(entry.key.isdecimal() for entry in self.entries):
            lines.append(t(HINT))
        return "\n".join(lines)

    def press(self, typed: str) -> Entry | None:
        """Return the button a typed text presses, or None when it is for the handlers as it is."""
        cleaned = typed.strip().rstrip(".)").strip().lower()
        if not cleaned:
            return None
        for entry in self.entries:
            if entry.pressable and cleaned == entry.key.lower():
                return entry
        wanted = label_key(typed)
        # A command is a command; a digit that is no key is text for the handlers.
        if not self.by_label or cleaned.startswith("/") or not wanted or wanted.isdecimal():
            return None
        for entry in self.entries:
            if entry.pressable and label_key(entry.label) == wanted:
                return entry
        return None

    @property
    def pressable(self) -> bool:
        """Tell whether typing can press anything here."""
        return any(entry.pressable for entry in self.entries)

    def to_json(self) -> str:
        """Return the menu as stored between restarts."""
        return json.dumps(
            {
                "hint": self.hint,
                "by_label": self.by_label,
                "entries": [[e.key, e.label, e.data, e.pressable] for e in self.entries],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Menu:
        """Return a stored menu."""
        raw = json.loads(text)
        entries = tuple(Entry(str(k), str(lb), str(d), bool(p)) for k, lb, d, p in raw["entries"])
        return cls(entries, bool(raw["hint"]), bool(raw.get("by_label", True)))


def _form_action(data: str) -> str | None:
    decoded = callbacks.decode(data)
    if decoded is None or decoded.kind != FORM_KIND or len(decoded.args) < 3:
        return None
    return decoded.args[2]


def build(rows: Buttons) -> Menu | None:
    """Return the list showing a keyboard, or None for no buttons."""
    flat = [(label, data) for row in rows for label, data in row]
    if not flat:
        return None
    actions = [action for _, data in flat if (action := _form_action(data)) is not None]
    if len(actions) == len(flat) and not set(actions) <= OFFER_ACTIONS:
        if QUESTION_ACTIONS & set(actions):
            return _question(flat, actions)
        return _review(flat)
    return _choices(flat)


def _choices(flat: list[tuple[str, str]]) -> Menu:
    """Number the buttons (keeping numbers they carry) and let typing press them."""
    numbers = [split_number(label)[0] for label, _ in flat]
    given = [n for n in numbers if n is not None]
    keep = len(given) == len(set(given))  # a label's own number is its key unless two labels share one
    taken = set(given) if keep else set()
    next_free = 1
    entries = []
    for (label, data), number in zip(flat, numbers, strict=True):
        if keep and number is not None:
            key, shown = number, split_number(label)[1]
        else:
            while next_free in taken:
                next_free += 1
            key, shown = next_free, label
            taken.add(next_free)
        entries.append(Entry(str(key), shown, data, pressable=True))
    return Menu(tuple(entries))


WORDS = {
    "kp": "/keep",
    "sm": "/same",
    "sk": "/skip",
}  # the form buttons typed as a word where numbers are answers


def _question(flat: list[tuple[str, str]], actions: list[str]) -> Menu:
    """Show a form question's buttons: the numbered ones with the engine's numbers (it reads them), the
    others with a word to type ("/keep"), since there a typed number is the answer."""
    entries = []
    position = 0
    for (label, data), action in zip(flat, actions, strict=True):
        number, shown = split_number(label)
        if action == "a":
            position += 1
            entries.append(Entry(str(number or position), shown, data, pressable=False))
        elif number is not None:
            entries.append(Entry(str(number), shown, data, pressable=False))
        elif action == "sk":
            entries.append(Entry("/skip", label, data, pressable=False))  # the command does the same
        elif action == "pg":
            word = "/prev" if label.lstrip().startswith("◀") else "/next"
            entries.append(Entry(word, label, data, pressable=True))
        else:
            entries.append(Entry(WORDS.get(action, f"/{action}"), label, data, pressable=True))
    return Menu(tuple(entries), hint=False, by_label=False)


def _review(flat: list[tuple[str, str]]) -> Menu:
    """Number a form's review buttons as the engine counts them (it reads the typed number)."""
    entries = []
    for position, (label, data) in enumerate(flat, 1):
        number, shown = split_number(label)
        entries.append(Entry(str(position), shown if number == position else label, data, pressable=False))
    return Menu(tuple(entries))
