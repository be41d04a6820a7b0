"""Settings from ``ENGAGE_*`` environment variables, checked once at start-up.

Every bad value is reported on its own line so an operator can fix all of them
in one go, instead of meeting them one crash at a time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dialogs.i18n import available_locales

TRANSPORTS = ("telegram", "matrix", "console")
DEMO_DATA_CHOICES = ("auto", "yes", "no")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(Exception):
    """Raised with every problem found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    database_url: str
    default_locale: str = "de"
    timezone: str = "Europe/Berlin"
    operators: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    demo_data: str = "auto"
    log_level: str = "INFO"
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_rate: int = 30
    outbox_lease: int = 60
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    public_url: str | None = None
    matrix_homeserver: str | None = None
    matrix_user: str | None = None
    matrix_password: str | None = None
    matrix_access_token: str | None = None
    matrix_device_id: str | None = None
    matrix_store_path: str = "var/matrix"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_operator(self, transport: str, user_id: str) -> bool:
        return (transport, user_id) in self.operators


def default_database_url(base: Path | None = None) -> str:
    """SQLite under ./var so a fresh clone runs without any set-up."""
    base = base or Path.cwd()
    return f"sqlite+aiosqlite:///{base / 'var' / 'engage.db'}"


def normalise_database_url(url: str) -> str:
    """Accept the plain URLs people copy from docs and pick the async driver."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def _parse_operators(raw: str, problems: list[str]) -> frozenset[tuple[str, str]]:
    operators: set[tuple[str, str]] = set()
    for item in filter(None, (part.strip() for part in raw.split(","))):
        transport, sep, user_id = item.partition(":")
        if not sep or transport not in TRANSPORTS or not user_id:
            problems.append(
                f"ENGAGE_OPERATORS: {item!r} is not transport:id "
                f"(transport one of {', '.join(TRANSPORTS)}), e.g. telegram:12345"
            )
            continue
        operators.add((transport, user_id))
    return frozenset(operators)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings; raises ConfigError listing every bad value."""
    env = os.environ if env is None else env
    problems: list[str] = []

    url = env.get("ENGAGE_DATABASE_URL", "").strip() or default_database_url()
    url = normalise_database_url(url)
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        problems.append(
            "ENGAGE_DATABASE_URL: only sqlite:///path and postgresql://user@host/db are supported"
        )

    locale = env.get("ENGAGE_DEFAULT_LOCALE", "de").strip() or "de"
    if locale not in available_locales():
        problems.append(
            f"ENGAGE_DEFAULT_LOCALE: {locale!r} has no catalog "
            f"(available: {', '.join(available_locales())})"
        )

    timezone = env.get("ENGAGE_TIMEZONE", "Europe/Berlin").strip() or "Europe/Berlin"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"ENGAGE_TIMEZONE: {timezone!r} is not an IANA time zone")

    operators = _parse_operators(env.get("ENGAGE_OPERATORS", ""), problems)

    demo = env.get("ENGAGE_DEMO_DATA", "auto").strip().lower() or "auto"
    if demo not in DEMO_DATA_CHOICES:
        problems.append(f"ENGAGE_DEMO_DATA: {demo!r} is not one of {', '.join(DEMO_DATA_CHOICES)}")

    level = env.get("ENGAGE_LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        problems.append(f"ENGAGE_LOG_LEVEL: {level!r} is not one of {', '.join(LOG_LEVELS)}")

    telegram = _telegram_settings(env, problems)
    matrix = _matrix_settings(env, problems)
    http_host = env.get("ENGAGE_HTTP_HOST", "127.0.0.1").strip() or "127.0.0.1"
    raw_port = env.get("ENGAGE_HTTP_PORT", "8080").strip() or "8080"
    http_port = int(raw_port) if raw_port.isdecimal() and 0 < int(raw_port) < 65536 else 0
    if not http_port:
        problems.append(f"ENGAGE_HTTP_PORT: {raw_port!r} is not a port number (1-65535)")

    public_url = env.get("ENGAGE_PUBLIC_URL", "").strip().rstrip("/") or None
    if public_url and not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", public_url):
        problems.append(
            f"ENGAGE_PUBLIC_URL: {public_url!r} is not an http(s) address like "
            "https://engage.example.org"
        )

    raw_lease = env.get("ENGAGE_OUTBOX_LEASE", "60").strip() or "60"
    lease = int(raw_lease) if raw_lease.isdecimal() and int(raw_lease) > 0 else 0
    if not lease:
        problems.append(f"ENGAGE_OUTBOX_LEASE: {raw_lease!r} is not a positive number of seconds")

    if problems:
        raise ConfigError(problems)
    return Settings(
        outbox_lease=lease,
        **telegram,
        **matrix,
        http_host=http_host,
        http_port=http_port,
        public_url=public_url,
        database_url=url,
        default_locale=locale,
        timezone=timezone,
        operators=operators,
        demo_data=demo,
        log_level=level,
    )


_TOKEN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]{20,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _telegram_settings(env: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    token = env.get("ENGAGE_TELEGRAM_TOKEN", "").strip() or None
    api_url = env.get("ENGAGE_TELEGRAM_API_URL", "").strip() or "https://api.telegram.org/bot"
    webhook = env.get("ENGAGE_TELEGRAM_WEBHOOK_URL", "").strip() or None
    secret = env.get("ENGAGE_TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    if token and not _TOKEN.match(token):
        problems.append("ENGAGE_TELEGRAM_TOKEN: does not look like a bot token (123456:ABC-...)")
    if not api_url.startswith(("http://", "https://")):
        problems.append(f"ENGAGE_TELEGRAM_API_URL: {api_url!r} is not an http(s) URL")
    if webhook and not webhook.startswith("https://") and not webhook.startswith("http://127."):
        problems.append("ENGAGE_TELEGRAM_WEBHOOK_URL: Telegram only calls https:// webhooks")
    if webhook and not (secret and _SECRET.match(secret)):
        problems.append(
            "ENGAGE_TELEGRAM_WEBHOOK_SECRET: required with a webhook; 1-256 of A-Z a-z 0-9 _ -"
        )
    if (webhook or secret) and not token:
        problems.append("ENGAGE_TELEGRAM_TOKEN: needed when a Telegram webhook is configured")
    raw_rate = env.get("ENGAGE_TELEGRAM_RATE", "30").strip() or "30"
    rate = int(raw_rate) if raw_rate.isdecimal() and int(raw_rate) > 0 else 0
    if not rate:
        problems.append(f"ENGAGE_TELEGRAM_RATE: {raw_rate!r} is not a positive whole number")
    return {
        "telegram_rate": rate or 30,
        "telegram_token": token,
        "telegram_api_url": api_url,
        "telegram_webhook_url": webhook,
        "telegram_webhook_secret": secret,
    }


_MXID = re.compile(r"^@[^:\s]+:[^\s]+$")


def _matrix_settings(env: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    def get(name: str) -> str | None:
        return env.get(f"ENGAGE_MATRIX_{name}", "").strip() or None

    homeserver, user = get("HOMESERVER"), get("USER")
    password, token, device = get("PASSWORD"), get("ACCESS_TOKEN"), get("DEVICE_ID")
    if homeserver:
        if not homeserver.startswith(("http://", "https://")):
            problems.append(f"ENGAGE_MATRIX_HOMESERVER: {homeserver!r} is not an http(s) URL")
        if not user or not _MXID.match(user):
            problems.append(
                "ENGAGE_MATRIX_USER: needed as a full Matrix ID, e.g. @engage:example.org"
            )
        if not password and not token:
            problems.append("ENGAGE_MATRIX_PASSWORD: or ENGAGE_MATRIX_ACCESS_TOKEN is needed")
        if token and not device:
            problems.append("ENGAGE_MATRIX_DEVICE_ID: needed with ENGAGE_MATRIX_ACCESS_TOKEN")
    elif user or password or token:
        problems.append("ENGAGE_MATRIX_HOMESERVER: needed when other ENGAGE_MATRIX_* are set")
    return {
        "matrix_homeserver": homeserver,
        "matrix_user": user,
        "matrix_password": password,
        "matrix_access_token": token,
        "matrix_device_id": device,
        "matrix_store_path": get("STORE_PATH") or "var/matrix",
    }
