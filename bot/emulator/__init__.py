"""A local Telegram Bot API emulator for end-to-end tests, the browser sandbox and benchmarks."""

from bot.emulator.core import BotApiEmulator, CallContext, Outcome
from bot.emulator.models import (
    Button,
    CallbackQueryRecord,
    CallRecord,
    ChatMessage,
    Counters,
    ErrorRecord,
    Faults,
    FloodControl,
    Marker,
    StoredFile,
    UpdateRecord,
)
from bot.emulator.users import GroupHandle, UserHandle
from bot.emulator.validation import ApiError

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "Button",
    "CallContext",
    "CallRecord",
    "CallbackQueryRecord",
    "ChatMessage",
    "Counters",
    "ErrorRecord",
    "Faults",
    "FloodControl",
    "GroupHandle",
    "Marker",
    "Outcome",
    "StoredFile",
    "UpdateRecord",
    "UserHandle",
]
