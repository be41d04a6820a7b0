"""Turning an organisation's plain message into a structured need (pure, no I/O).

Placeholder interface: the parser fills it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo


@dataclass(frozen=True)
class ParsedNeed:
    """What could be read from the message; ``missing`` names what could not."""

    title: str | None = None
    starts_at: datetime | None = None  # aware, UTC
    ends_at: datetime | None = None
    count: int | None = None  # people needed
    postal_code: str | None = None
    address: str | None = None  # street and number
    interests: frozenset[str] = field(default_factory=frozenset)
    long_term: bool = False  # "ongoing", no date
    missing: tuple[str, ...] = ()  # of "title", "when", "count"


def looks_like_need(text: str) -> bool:
    """Whether a message from an organisation admin is probably a request for helpers."""
    raise NotImplementedError


def parse_need(text: str, now: datetime, tz: tzinfo) -> ParsedNeed:
    raise NotImplementedError
