"""chibo: the application (composition root, forms, domain rules, scheduling)."""

import os

# python-telegram-bot 22 warns on every RetryAfter (a 429) until one opts into timedelta values;
# we do, so flood-control answers are handled without deprecation warnings.
os.environ.setdefault("PTB_TIMEDELTA", "true")
