"""The /activity form written the idiomatic python-telegram-bot way: the second baseline of the benchmark.

    TELEGRAM_BOT_TOKEN=... CHIBO_BOT_API_URL=... python -m bench.idiomatic_bot --data FILE

A ConversationHandler with one state per question (the library's conversationbot.py), the answers in
context.user_data, the saved forms in bot_data, kept by PicklePersistence in FILE. It asks what chibo
asks and makes the same Bot API calls: a typed answer gets the next question; a press is answered,
the pressed message edited to show the answer (which removes its buttons, editMessageText) and the
next question sent. As chibo does, the note and the photo are not asked: the review follows the
number of participants. Updates are processed one
at a time, python-telegram-bot's default and what ConversationHandler needs: with concurrent updates a
person's answer can arrive before the handler that asked the question has returned its next state,
and is then dropped.

What it does not do is what chibo is for: PicklePersistence writes its file every 60 seconds
(update_interval), so a kill -9 loses every form and answer of the last minute, "Saved" or not; no
replay protection, no audit, no drafts a restart can resume, no checks of dates or numbers past int().
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import sys
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

DATE, KIND, TITLE, PARTICIPANTS, REVIEW = range(5)
KINDS = ("Tập huấn", "Đối thoại", "Tuyên truyền", "Công đoàn", "Thi đua", "Khác")
Context = ContextTypes.DEFAULT_TYPE


async def _ask(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _pressed(update: Update) -> str:
    query = update.callback_query
    assert query is not None
    await query.answer()
    chosen = query.data or ""
    if query.message is not None:
        await query.edit_message_text(f"Đã chọn: <b>{html.escape(chosen)}</b>", parse_mode=ParseMode.HTML)
    return chosen


def _form(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    form: dict[str, Any] = context.user_data.setdefault("form", {})
    return form


async def start(update: Update, context: Context) -> int:
    """Open a new form."""
    assert context.user_data is not None
    context.user_data["form"] = {}
    await _ask(update, "<b>Hoạt động</b> · 1/4\nHoạt động diễn ra khi nào?")
    return DATE


async def date(update: Update, context: Context) -> int:
    """Take the date (as typed)."""
    assert update.message is not None
    _form(context)["date"] = update.message.text
    rows = [[InlineKeyboardButton(k, callback_data=f"kind:{i}")] for i, k in enumerate(KINDS)]
    await _ask(update, "<b>Hoạt động</b> · 2/4\nLoại hoạt động?", InlineKeyboardMarkup(rows))
    return KIND


async def kind(update: Update, context: Context) -> int:
    """Take the kind (a button)."""
    _form(context)["kind"] = await _pressed(update)
    await _ask(update, "<b>Hoạt động</b> · 3/4\nTên hoạt động?")
    return TITLE


async def title(update: Update, context: Context) -> int:
    """Take the title."""
    assert update.message is not None
    _form(context)["title"] = update.message.text
    await _ask(update, "<b>Hoạt động</b> · 4/4\nBao nhiêu người tham gia?")
    return PARTICIPANTS


async def participants(update: Update, context: Context) -> int:
    """Take the number of participants."""
    assert update.message is not None and update.message.text is not None
    if not update.message.text.isdecimal():
        await _ask(update, "Nhập một số, ví dụ 25.")
        return PARTICIPANTS
    _form(context)["participants"] = int(update.message.text)
    form = _form(context)
    text = "\n".join(f"{k}: {html.escape(str(v))}" for k, v in form.items())
    save = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Lưu", callback_data="save")]])
    await _ask(update, f"<b>Hoạt động</b>\n{text}", save)
    return REVIEW


async def save(update: Update, context: Context) -> int:
    """Save the form into bot_data (written to the pickle file at the next interval)."""
    await _pressed(update)
    assert context.user_data is not None
    form = context.user_data.pop("form", {})
    context.bot_data.setdefault("activities", []).append(form)
    await _ask(update, f"✅ Đã lưu: {html.escape(str(form.get('title')))}.")
    return ConversationHandler.END


def main(argv: list[str] | None = None) -> int:
    """Run the bot with long polling until SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.idiomatic_bot", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--data", required=True, help="the PicklePersistence file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # Its buttons are the current question's only: per_message tracking is not what it needs.
    warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
    app = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["CHIBO_BOT_API_URL"])
        .persistence(PicklePersistence(args.data))
        .build()
    )
    text = filters.TEXT & ~filters.COMMAND
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("activity", start)],
            states={
                DATE: [MessageHandler(text, date)],
                KIND: [CallbackQueryHandler(kind, pattern="^kind:")],
                TITLE: [MessageHandler(text, title)],
                PARTICIPANTS: [MessageHandler(text, participants)],
                REVIEW: [CallbackQueryHandler(save, pattern="^save$")],
            },
            fallbacks=[CommandHandler("activity", start)],
            name="activity",
            persistent=True,
        )
    )
    app.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
    return 0


if __name__ == "__main__":
    sys.exit(main())
