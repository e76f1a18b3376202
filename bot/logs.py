"""Logging that never writes a bot token (and keeps the HTTP client's request lines out)."""

from __future__ import annotations

import logging
import re

# Bot API URLs carry the token: /bot123456:ABC.../method
_TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,}")


class RedactTokens(logging.Filter):
    """Replace anything shaped like a bot token in a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with tokens masked."""
        message = record.getMessage()
        if _TOKEN_RE.search(message):
            record.msg = _TOKEN_RE.sub("<token>", message)
            record.args = None
        return True


def setup(level: int = logging.INFO) -> None:
    """Log to stderr with tokens redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL (with the token) at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
