"""Zalo: the same bot on the Zalo Bot API (Zalo Bot Platform, as documented in 2026).

Zalo's Bot API is modelled on Telegram's, with less: no buttons, no editing, no files, one update per
long poll, string ids, and no promise that a bot may write to someone who has not written to it
lately. chibo serves it from the same core. The Zalo application is a second
python-telegram-bot Application whose bot (bot/channels/zalo/bot.py, ZaloBot) translates the Bot API calls
the handlers make into Zalo's, so every handler runs unchanged on both channels; the outbox delivers
reminders, digests and broadcasts through ZaloChannel. Both can run in one process on one database
(bot/app.py: build_applications, serve).

    api.py        the HTTP client (JSON posted to {api}/bot{token}/{method}) at Zalo's own pace,
                  errors, webhook bodies
    updates.py    a Zalo update (text, picture, sticker, voice note) as the Bot API update
                  python-telegram-bot reads
    menus.py      buttons as a numbered list; a typed number or label as the press of a button
    text.py       HTML made plain with its bold and italic runs (text_styles), cut at 2000 characters
    messenger.py  one bot's sending and reading: ids, the list of each chat, links, the fallback to
                  plain text Zalo may force
    channel.py    the outbox's Channel for Zalo: Zalo's error codes read as the documentation says

Signed links for pictures, exports, kept photos and the /import upload page are the web server's
(bot/channels/web/); the local Zalo emulator is bot/devtools/zalo_emulator.py.

What of the Zalo Bot API is verified, with its sources, and what is assumed: README.md here.
"""
