"""Telegram transport (python-telegram-bot 22)."""

import os

# Opt in to python-telegram-bot's future behaviour (RetryAfter.retry_after as a
# timedelta) now, instead of a deprecation warning on every flood wait.
os.environ.setdefault("PTB_TIMEDELTA", "1")
