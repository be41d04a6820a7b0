"""Immutable input snapshots and results of matching.

Storage adapts its rows to these plain values so matching never sees an ORM object,
a session or a chat API: it stays pure and trivially testable. All datetimes are
timezone-aware (UTC in storage); interest/skill values are taxonomy ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NOTIFY_MODES: tuple[str, ...] = ("instant", "daily", "weekly", "off")
"""Allowed ``VolunteerSnapshot.notify_mode`` values; only "off" excludes from pushes."""


@dataclass(frozen=True, slots=True)
class VolunteerSnapshot:
    """What matching needs to know about one volunteer (location already rounded)."""

    id: int
    lat: float
    lon: float
    radius_km: float
    interests: frozenset[str]
    skills: frozenset[str]
    availability: int
    """Regular weekly slots, see ``matching.availability``."""
    window: tuple[datetime, datetime] | None
    """Spontaneous "free now" window [start, end), or None."""
    paused: bool
    notify_mode: str
    """"instant" | "daily" | "weekly" | "off"."""
    last_notified_at: datetime | None
    notified_today: int
    signed_up: frozenset[int]
    declined: frozenset[int]
    notified: frozenset[int]
    """Need ids this volunteer was already told about (never push the same need twice)."""


@dataclass(frozen=True, slots=True)
class NeedSnapshot:
    """An open need of an organisation; ``starts_at is None`` means long-term/ongoing."""

    id: int
    organisation_id: int
    lat: float
    lon: float
    starts_at: datetime | None
    ends_at: datetime | None
    interests: frozenset[str]
    skills: frozenset[str]
    capacity: int
    taken: int
    urgent: bool
    created_at: datetime

    @property
    def spots_left(self) -> int:
        return self.capacity - self.taken

    @property
    def ongoing(self) -> bool:
        return self.starts_at is None


@dataclass(frozen=True, slots=True)
class OrganisationSnapshot:
    """An organisation a volunteer could join directly, independent of concrete needs."""

    id: int
    lat: float
    lon: float
    kind: str
    interests: frozenset[str]


@dataclass(frozen=True, slots=True)
class Reason:
    """Machine-readable reason for a match; the bot renders it in the user's language.

    Kinds: "interest" (interest id), "skill" (skill id), "time" ("window" | "regular"),
    "ongoing" (1), "distance" (km, float), "soon" (whole hours until start),
    "urgent" (1), "spots" (spots left).
    """

    kind: str
    value: str | float | int


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked result: the id of the need, volunteer or organisation that matched."""

    id: int
    score: float
    reasons: tuple[Reason, ...]
    distance_km: float
