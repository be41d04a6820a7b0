"""SQLModel tables for the core entities.

A *person* is one human across messengers; an *account* is how one messenger
knows them. Conversations are keyed by account and chat, so a person can be in the
middle of different flows on Telegram and Matrix without the two colliding.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when(nullable: bool = False, **kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kwargs)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    display_name: str | None = Field(default=None, max_length=200)
    locale: str | None = Field(default=None, max_length=10)
    created_at: datetime = _when(default_factory=utcnow)
    consented_at: datetime | None = _when(nullable=True, default=None)
    announcements: bool = True  # coordinators' broadcasts; each person can opt out
    last_seen_at: datetime | None = _when(nullable=True, default=None)  # for data retention
    retention_warned_at: datetime | None = _when(nullable=True, default=None)


class Account(SQLModel, table=True):
    """A messenger account of a person (Telegram user id, Matrix user id, console)."""

    __table_args__ = (UniqueConstraint("transport", "user_id", name="uq_account_transport_user"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    transport: str = Field(max_length=20)
    user_id: str = Field(max_length=255)
    chat_id: str = Field(max_length=255)
    unreachable_since: datetime | None = _when(nullable=True, default=None)
    created_at: datetime = _when(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """Where one chat with one user stands: dialog, step, collected data, live menu."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=600, unique=True)
    transport: str = Field(max_length=20)
    user_id: str = Field(max_length=255)
    chat_id: str = Field(max_length=255)
    dialog: str | None = Field(default=None, max_length=50)
    step: str | None = Field(default=None, max_length=50)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    locale: str | None = Field(default=None, max_length=10)
    menu_id: str | None = Field(default=None, max_length=32)
    menu: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    menu_message_ref: str | None = Field(default=None, max_length=100)
    updated_at: datetime = _when(default_factory=utcnow)


class ProcessedUpdate(SQLModel, table=True):
    """Redelivered updates are recognised by (transport, event id) and skipped."""

    transport: str = Field(primary_key=True, max_length=20)
    event_id: str = Field(primary_key=True, max_length=255)
    processed_at: datetime = _when(default_factory=utcnow, index=True)


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    slug: str = Field(max_length=100, unique=True)
    district_key: str = Field(max_length=10, index=True)
    is_demo: bool = False


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=30)
    description: str = Field(default="", max_length=2000)
    interests: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    postal_code: str = Field(max_length=5)
    place: str = Field(default="", max_length=200)
    latitude: float
    longitude: float
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    status: str = Field(default="pending", max_length=20)  # pending, approved, rejected
    public_contact: str | None = Field(default=None, max_length=300)
    address: str = Field(default="", max_length=300)
    applicant_id: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, ondelete="SET NULL"
    )
    language: str | None = Field(default=None, max_length=10)  # of the description, as written
    is_demo: bool = False
    created_at: datetime = _when(default_factory=utcnow)


class Need(SQLModel, table=True):
    __table_args__ = (Index("ix_need_status_starts", "status", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    starts_at: datetime | None = _when(nullable=True, default=None)
    ends_at: datetime | None = _when(nullable=True, default=None)
    capacity: int = 1
    taken: int = 0  # active sign-ups; changed only by atomic conditional updates
    postal_code: str = Field(max_length=5)
    address: str = Field(default="", max_length=300)
    latitude: float
    longitude: float
    interests: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    urgent: bool = False
    status: str = Field(default="open", max_length=20)  # open, filled, closed, cancelled
    created_by: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, ondelete="SET NULL"
    )
    filled_at: datetime | None = _when(nullable=True, default=None)
    waves: int = 0  # push waves sent so far (escalation)
    last_wave_at: datetime | None = _when(nullable=True, default=None)
    language: str | None = Field(default=None, max_length=10)  # of title and text, as written
    is_demo: bool = False
    created_at: datetime = _when(default_factory=utcnow)


class VolunteerProfile(SQLModel, table=True):
    """What a volunteer told us in onboarding; exists only after consent."""

    person_id: int = Field(primary_key=True, foreign_key="person.id", ondelete="CASCADE")
    interests: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    skills_other: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    postal_code: str | None = Field(default=None, max_length=5)
    place: str | None = Field(default=None, max_length=200)
    latitude: float | None = None  # rounded to about 1 km
    longitude: float | None = None
    radius_km: float = 10
    availability: int = 0  # bit weekday*3 + part of day, see matching.availability
    window_start: datetime | None = _when(nullable=True, default=None)
    window_end: datetime | None = _when(nullable=True, default=None)
    notify_mode: str = Field(default="instant", max_length=10)
    quiet_from: int = 21 * 60  # minutes after local midnight
    quiet_until: int = 8 * 60
    paused: bool = False
    last_notified_at: datetime | None = _when(nullable=True, default=None)
    completed_at: datetime | None = _when(nullable=True, default=None)
    updated_at: datetime = _when(default_factory=utcnow)


class SignUp(SQLModel, table=True):
    """A volunteer's promise to help; ``person_id`` is cleared when they delete their data."""

    __table_args__ = (UniqueConstraint("need_id", "person_id", name="uq_signup_need_person"),)

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True, ondelete="CASCADE")
    person_id: int | None = Field(
        default=None, foreign_key="person.id", index=True, nullable=True, ondelete="SET NULL"
    )
    status: str = Field(default="active", max_length=20)
    created_at: datetime = _when(default_factory=utcnow)
    cancelled_at: datetime | None = _when(nullable=True, default=None)


class NeedDecline(SQLModel, table=True):
    """A "not for me": never suggest this need to this person again."""

    person_id: int = Field(primary_key=True, foreign_key="person.id", ondelete="CASCADE")
    need_id: int = Field(primary_key=True, foreign_key="need.id", ondelete="CASCADE")
    created_at: datetime = _when(default_factory=utcnow)


class NeedNotification(SQLModel, table=True):
    """A need was put in front of a person (push or digest): never the same one twice."""

    person_id: int = Field(primary_key=True, foreign_key="person.id", ondelete="CASCADE")
    need_id: int = Field(primary_key=True, foreign_key="need.id", ondelete="CASCADE")
    sent_at: datetime = _when(default_factory=utcnow, index=True)


class OrganisationAdmin(SQLModel, table=True):
    organisation_id: int = Field(
        primary_key=True, foreign_key="organisation.id", ondelete="CASCADE"
    )
    person_id: int = Field(primary_key=True, foreign_key="person.id", ondelete="CASCADE")
    created_at: datetime = _when(default_factory=utcnow)


class ContactRequest(SQLModel, table=True):
    """A volunteer's introduction to an organisation, relayed only after they confirmed."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int | None = Field(
        default=None, foreign_key="person.id", index=True, nullable=True, ondelete="SET NULL"
    )
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    message: str = Field(max_length=2000)
    shared_name: str = Field(default="", max_length=200)
    shared_contact: str = Field(default="", max_length=300)
    status: str = Field(default="sent", max_length=20)
    created_at: datetime = _when(default_factory=utcnow)


class Coordinator(SQLModel, table=True):
    """A municipal engagement officer: approves organisations, broadcasts, sees /stats."""

    municipality_id: int = Field(
        primary_key=True, foreign_key="municipality.id", ondelete="CASCADE"
    )
    person_id: int = Field(primary_key=True, foreign_key="person.id", ondelete="CASCADE")
    created_at: datetime = _when(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Who did what to which object, for every privileged action. No messenger ids."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(default_factory=utcnow, index=True)
    actor_id: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, ondelete="SET NULL"
    )
    role: str = Field(max_length=20)  # operator, coordinator, admin, cli
    action: str = Field(max_length=50)
    target: str = Field(default="", max_length=100)  # e.g. organisation:12
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OneTimeCode(SQLModel, table=True):
    """Codes that link a second messenger account or invite a co-admin; used once."""

    code: str = Field(primary_key=True, max_length=32)
    purpose: str = Field(max_length=20)  # link, admin_invite
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", nullable=True, ondelete="CASCADE"
    )
    created_at: datetime = _when(default_factory=utcnow)
    expires_at: datetime = _when()
    used_at: datetime | None = _when(nullable=True, default=None)


class Broadcast(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int | None = Field(
        default=None, foreign_key="municipality.id", nullable=True, ondelete="SET NULL"
    )
    author_id: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, ondelete="SET NULL"
    )
    text: str = Field(max_length=4000)
    language: str | None = Field(default=None, max_length=10)  # the author's, as written
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    total: int = 0
    created_at: datetime = _when(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """A message the bot sends on its own, written in the transaction that decided it.

    Sender workers claim due rows, send them and record the outcome; the unique
    dedup key keeps one decision from ever producing two messages.
    """

    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=200, unique=True)
    transport: str = Field(max_length=20)
    user_id: str = Field(max_length=255)
    chat_id: str = Field(max_length=255)
    payload: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=20)  # pending, sending, sent, failed, blocked
    attempts: int = 0
    next_attempt_at: datetime = _when(default_factory=utcnow)
    created_at: datetime = _when(default_factory=utcnow)
    sent_at: datetime | None = _when(nullable=True, default=None)
    error: str = Field(default="", max_length=500)
    broadcast_id: int | None = Field(
        default=None, foreign_key="broadcast.id", nullable=True, index=True, ondelete="CASCADE"
    )
