"""Everything that speaks to a platform: Telegram's delivery channel, Zalo (its API, its bot and its
channel) and the one web server (webhooks, signed file links)."""
