"""A bare python-telegram-bot echo bot: the ceiling of the throughput benchmark.

    TELEGRAM_BOT_TOKEN=... CHIBO_BOT_API_URL=... python -m bench.echo_bot [--sequential|--limiter|--aiohttp]

It makes the Bot API calls chibo makes for the same user actions and nothing else: a typed message gets
one HTML message with an inline button back; a button press gets answerCallbackQuery, the pressed
message edited to show the answer (editMessageText, which removes the button) and one HTML message.
No database, no forms, no translations. By default it processes updates concurrently
(python-telegram-bot's `concurrent_updates(True)`), the fastest the library goes; --sequential
processes one at a time; --limiter adds the AIORateLimiter chibo runs with (30 requests a second
overall); --aiohttp sends its calls through chibo's HTTP layer (bot/channels/http.py) instead of
python-telegram-bot's default, httpx.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import sys
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.http import AiohttpRequest


# The rate limiter as bot/app.py builds it (one request every 1/29 s, retries after a 429).
def limiter() -> AIORateLimiter:
    """Return the rate limiter chibo runs with."""
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 29, max_retries=5)


BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="v1:echo")]])


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo a typed message with a button under it."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await context.bot.send_message(
        message.chat_id,
        f"<b>Echo</b> · {html.escape(message.text)}",
        parse_mode=ParseMode.HTML,
        reply_markup=BUTTON,
    )


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a press, show the answer in the pressed message (its button goes) and say so in a new one."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.message is not None:
        await query.edit_message_text("<b>Echo</b> · ➜ <b>OK</b>", parse_mode=ParseMode.HTML)
        await context.bot.send_message(
            query.message.chat.id, "<b>Echo</b> · pressed", parse_mode=ParseMode.HTML, reply_markup=BUTTON
        )


def main(argv: list[str] | None = None) -> int:
    """Run the echo bot with long polling until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bench.echo_bot", description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", action="store_true", help="one update at a time")
    parser.add_argument("--limiter", action="store_true", help="AIORateLimiter as chibo has it")
    parser.add_argument("--aiohttp", action="store_true", help="chibo's HTTP layer instead of httpx")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    builder = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["CHIBO_BOT_API_URL"])
        .concurrent_updates(not args.sequential)
    )
    if args.aiohttp:
        builder = builder.request(AiohttpRequest()).get_updates_request(
            AiohttpRequest(connection_pool_size=1)
        )
    app: Application[Any, Any, Any, Any, Any, Any] = (
        builder.rate_limiter(limiter()).build() if args.limiter else builder.build()
    )
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.add_handler(CallbackQueryHandler(on_press))
    app.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])
    return 0


if __name__ == "__main__":
    sys.exit(main())
