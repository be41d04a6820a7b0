"""Test doubles that stand in for the outside world (never for our own code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FixedClock:
    """A clock tests move by hand: Friday 2026-06-05 10:00 Berlin time by default."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 6, 5, 8, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
