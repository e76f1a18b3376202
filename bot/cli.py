"""The command line: `chibo run | sandbox | migrate | backup | restore | export`.

With no command, chibo runs the real bot when TELEGRAM_BOT_TOKEN is set and the local sandbox
when it is not, so the README's first command works on any machine.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from collections.abc import Sequence

from telegram.error import InvalidToken, NetworkError

from bot import data_cli, logs
from bot.app import ALLOWED_UPDATES, build_application, serve
from bot.config import ConfigError, Settings, load_settings
from storage.database import Database
from storage.updates import kv_get, kv_set

WEBHOOK_SECRET_KEY = "webhook_secret"
CHANNELS = {"telegram": ["telegram"], "zalo": ["zalo"], "both": ["telegram", "zalo"]}
NO_TELEGRAM_TOKEN = (
    "TELEGRAM_BOT_TOKEN: not set. Get a token from @BotFather, or try `chibo sandbox` without one."
)


def _fail(message: str, code: int = 2) -> int:
    print(f"chibo: {message}", file=sys.stderr)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chibo", description="Reporting bot for party cells.")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (long polling, or a webhook with --webhook-url)")
    run.add_argument(
        "--channel",
        choices=CHANNELS,
        help="the messenger(s) to serve: telegram, zalo or both in one process (default: those with a token)",
    )
    run.add_argument(
        "--webhook-url", help="public HTTPS URL Telegram (at /telegram) and Zalo (at /zalo) post updates to"
    )
    run.add_argument("--listen", default="127.0.0.1", help="address the webhook server binds (127.0.0.1)")
    run.add_argument("--port", type=int, default=8443, help="port of the webhook server (8443)")
    sub.add_parser("migrate", help="bring the database up to date and exit")
    sandbox = sub.add_parser("sandbox", help="try chibo in a browser, with no Telegram account")
    sandbox.add_argument("--port", type=int, default=8080, help="port of the web page (8080)")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to serve on (127.0.0.1)")
    data_cli.add_commands(sub)
    return parser


async def _migrate(settings: Settings) -> list[str]:
    async with Database(settings.db_path) as db:
        return await db.migrate()


async def _webhook_secret(settings: Settings) -> str:
    """Return CHIBO_WEBHOOK_SECRET, or the secret generated once and kept in the database."""
    if settings.webhook_secret:
        return settings.webhook_secret
    async with Database(settings.db_path) as db:
        await db.migrate()
        secret = await kv_get(db, WEBHOOK_SECRET_KEY)
        if secret is None:
            secret = secrets.token_urlsafe(32)
            async with db.transaction() as tx:
                await kv_set(tx, WEBHOOK_SECRET_KEY, secret)
        return secret


def _run(settings: Settings, args: argparse.Namespace) -> int:
    channel = args.channel or ("zalo" if settings.zalo_token and not settings.token else "telegram")
    if args.channel is None and settings.token and settings.zalo_token:
        channel = "both"
    if channel != "telegram":
        return _run_channels(settings, args, CHANNELS[channel])
    if not settings.token:
        return _fail(NO_TELEGRAM_TOKEN)
    if (in_use := data_cli.claim_database(settings)) is not None:
        return _fail(in_use)
    app = build_application(settings)
    try:
        if args.webhook_url:
            secret = asyncio.run(_webhook_secret(settings))
            # run_webhook stops cleanly on SIGINT and SIGTERM.
            app.run_webhook(
                listen=args.listen,
                port=args.port,
                url_path="telegram",
                webhook_url=args.webhook_url.rstrip("/") + "/telegram",
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        return _fail("TELEGRAM_BOT_TOKEN: Telegram does not accept this token (check it with @BotFather)")
    except NetworkError as exc:
        return _fail(f"cannot reach the Bot API at {settings.bot_api_url}: {exc}")
    return 0


def _run_channels(settings: Settings, args: argparse.Namespace, channels: list[str]) -> int:
    """Run Zalo, or Telegram and Zalo in one process on one database."""
    if "telegram" in channels and not settings.token:
        return _fail(NO_TELEGRAM_TOKEN)
    if not settings.zalo_token:
        return _fail(
            "ZALO_BOT_TOKEN: not set. Create a bot with Zalo Bot Creator (in the Zalo app, Zalo Bot Manager) "
            "and set its token."
        )
    if (in_use := data_cli.claim_database(settings)) is not None:
        return _fail(in_use)
    secret = asyncio.run(_webhook_secret(settings)) if args.webhook_url else ""
    if args.webhook_url and len(secret) < 8:
        return _fail("CHIBO_WEBHOOK_SECRET: Zalo needs a secret of 8 to 256 characters")
    try:
        asyncio.run(
            serve(
                settings,
                channels,
                webhook_url=args.webhook_url,
                listen=args.listen,
                port=args.port,
                secret=secret,
            )
        )
    except InvalidToken as exc:
        if "Zalo" in str(exc):
            return _fail("ZALO_BOT_TOKEN: Zalo does not accept this token (check it in Zalo Bot Creator)")
        return _fail("TELEGRAM_BOT_TOKEN: Telegram does not accept this token (check it with @BotFather)")
    except NetworkError as exc:
        return _fail(f"cannot reach the Bot API ({settings.bot_api_url} or {settings.zalo_api_url}): {exc}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    args = _parser().parse_args(argv)
    logs.setup()
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    command = args.command or ("run" if settings.token or settings.zalo_token else "sandbox")
    if command in data_cli.COMMANDS:
        return data_cli.run(settings, args)
    if command == "migrate":
        applied = asyncio.run(_migrate(settings))
        print(f"chibo: database {settings.db_path} is up to date ({len(applied)} migration(s) applied)")
        return 0
    if command == "sandbox":
        from bot.devtools.sandbox.server import main as sandbox_main  # noqa: PLC0415 - only the sandbox needs the emulator

        return sandbox_main(
            settings, port=getattr(args, "port", 8080), host=getattr(args, "host", "127.0.0.1")
        )
    if args.command is None:
        args = _parser().parse_args(["run"])
    return _run(settings, args)


if __name__ == "__main__":
    sys.exit(main())
