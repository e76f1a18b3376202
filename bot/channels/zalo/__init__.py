"""Zalo: the same bot on the Zalo Bot API (Zalo Bot Platform, 2025).

Zalo's Bot API is modelled on Telegram's, with less: no buttons, no editing, no files, one update per
long poll, string ids. chibo serves it from the same core. The Zalo application is a second
python-telegram-bot Application whose bot (bot/channels/zalo/bot.py, ZaloBot) translates the Bot API calls
the handlers make into Zalo's, so every handler runs unchanged on both channels; the outbox delivers
reminders, digests and broadcasts through ZaloChannel. Both can run in one process on one database
(bot/app.py: build_applications, serve).

    api.py        the HTTP client (JSON posted to {api}/bot{token}/{method}), errors, webhook bodies
    updates.py    a Zalo update as the Bot API update python-telegram-bot reads
    menus.py      buttons as a numbered list; a typed number or label as the press of a button
    text.py       HTML made plain, texts cut at 2000 characters on line boundaries
    files.py      short-lived signed links for pictures and exports (CHIBO_PUBLIC_URL)
    messenger.py  one bot's sending and reading: ids, the list of each chat, links
    channel.py    the outbox's Channel for Zalo
    emulator.py   a local Zalo Bot API for the tests

What of the Zalo Bot API is verified, with its sources, and what is assumed: README.md here.
"""
