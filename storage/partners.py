"""Offers and searches between partners, and the connections made between them.

A *post* is what someone gives (``direction`` "offer") or looks for ("search"), for
themselves or for an organisation they administer. A *connection* pairs two sides –
each a post, a need or an organisation, named by (kind, id) so a deleted post leaves
the count of connections intact – and records when each side said "interested". A
side's *consent* holds what that side chose to show the other once both agreed; it
belongs to the person who gave it and goes when they erase their data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, SQLModel, col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import utcnow
from storage.types import UTCDateTime

DIRECTIONS = ("offer", "search")
KINDS = ("skill", "time", "material", "room", "knowledge", "team_day")
SIDE_KINDS = ("post", "need", "organisation")
KM_PER_DEGREE = 111.2


def _when(nullable: bool = False, **kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kwargs)


class PartnerPost(SQLModel, table=True):
    """An offer or a search, written in plain language and confirmed as a card."""

    __tablename__ = "partner_post"
    __table_args__ = (Index("ix_partner_post_open", "status", "direction", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=10)  # offer, search
    kind: str = Field(max_length=20)  # see KINDS
    title: str = Field(max_length=200)
    text: str = Field(default="", max_length=2000)
    interests: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    people: int | None = None  # how many people are offered or needed
    postal_code: str = Field(max_length=5)
    place: str = Field(default="", max_length=200)
    latitude: float
    longitude: float
    radius_km: float = 25
    date_from: date | None = None  # local days; both None means ongoing
    date_until: date | None = None
    expires_at: datetime = _when()
    # Who wrote it; None only for an organisation's post without an author (demo data).
    owner_id: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, index=True, ondelete="CASCADE"
    )
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", nullable=True, index=True, ondelete="CASCADE"
    )
    status: str = Field(default="open", max_length=20)  # open, closed
    language: str | None = Field(default=None, max_length=10)  # of title and text, as written
    pushed_at: datetime | None = _when(nullable=True, default=None)
    is_demo: bool = False  # from storage.demo: removed with the rest of the demo data
    created_at: datetime = _when(default_factory=utcnow)


class PartnerConnection(SQLModel, table=True):
    """Two sides that may work together; sides are stored in a fixed order (a < b)."""

    __tablename__ = "partner_connection"
    __table_args__ = (
        UniqueConstraint("a_kind", "a_id", "b_kind", "b_id", name="uq_partner_connection_sides"),
    )

    id: int | None = Field(default=None, primary_key=True)
    a_kind: str = Field(max_length=20)
    a_id: int
    b_kind: str = Field(max_length=20)
    b_id: int
    a_interested_at: datetime | None = _when(nullable=True, default=None)
    b_interested_at: datetime | None = _when(nullable=True, default=None)
    status: str = Field(default="open", max_length=20)  # open, connected, declined
    postal_code: str = Field(default="", max_length=5)  # where it happens, for /stats
    recommended_by: int | None = Field(
        default=None, foreign_key="person.id", nullable=True, ondelete="SET NULL"
    )
    created_at: datetime = _when(default_factory=utcnow)
    connected_at: datetime | None = _when(nullable=True, default=None)


class PartnerConsent(SQLModel, table=True):
    """One side's "yes" and what it shows the other side once both said yes."""

    __tablename__ = "partner_consent"

    connection_id: int = Field(
        primary_key=True, foreign_key="partner_connection.id", ondelete="CASCADE"
    )
    side: str = Field(primary_key=True, max_length=1)  # a, b
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    shared: str = Field(default="", max_length=300)
    created_at: datetime = _when(default_factory=utcnow)


class PartnerNotification(SQLModel, table=True):
    """A post was pushed to a person: never the same one twice."""

    __tablename__ = "partner_notification"

    person_id: int = Field(primary_key=True, foreign_key="person.id", ondelete="CASCADE")
    post_id: int = Field(primary_key=True, foreign_key="partner_post.id", ondelete="CASCADE")
    sent_at: datetime = _when(default_factory=utcnow, index=True)


# For storage.volunteering.PERSON_LINKS: /mydata section, table, column, erasure policy.
PARTNER_PERSON_LINKS: tuple[tuple[str, Any, str, str], ...] = (
    ("partner_posts", PartnerPost, "owner_id", "delete"),
    ("partner_consents", PartnerConsent, "person_id", "delete"),
    ("partner_notifications", PartnerNotification, "person_id", "delete"),
    ("partner_recommendations", PartnerConnection, "recommended_by", "anonymise"),
)


@dataclass(frozen=True, order=True)
class Side:
    """One side of a connection: ("post", 12), ("need", 3) or ("organisation", 7)."""

    kind: str
    id: int

    @property
    def value(self) -> str:
        return f"{self.kind}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> Side | None:
        kind, _, number = text.partition(".")
        if kind not in SIDE_KINDS or not number.isdecimal() or len(number) > 12:
            return None
        return cls(kind, int(number))


def ordered_sides(one: Side, other: Side) -> tuple[Side, Side]:
    return (one, other) if one <= other else (other, one)


def _box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float]:
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    return dlat, dlon


def _open(now: datetime) -> Any:
    return (col(PartnerPost.status) == "open") & (col(PartnerPost.expires_at) > now)


class Partners:
    """The queries of offers, searches and connections."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- posts -------------------------------------------------------------------------

    async def add(self, post: PartnerPost) -> PartnerPost:
        self.session.add(post)
        await self.session.flush()
        return post

    async def get(self, post_id: int) -> PartnerPost | None:
        return await self.session.get(PartnerPost, post_id)

    async def save(self, row: Any) -> None:
        self.session.add(row)

    async def open_near(
        self, latitude: float, longitude: float, radius_km: float, now: datetime
    ) -> list[PartnerPost]:
        """Open posts in a bounding box; exact distances and radii are matching's job."""
        dlat, dlon = _box(latitude, longitude, radius_km)
        result = await self.session.exec(
            select(PartnerPost)
            .where(_open(now))
            .where(col(PartnerPost.latitude).between(latitude - dlat, latitude + dlat))
            .where(col(PartnerPost.longitude).between(longitude - dlon, longitude + dlon))
            .order_by(col(PartnerPost.id))
        )
        return list(result.all())

    async def open_of(
        self, person_id: int, organisation_ids: frozenset[int], now: datetime
    ) -> list[PartnerPost]:
        """A person's own open posts and those of the organisations they administer."""
        mine = col(PartnerPost.owner_id) == person_id
        if organisation_ids:
            mine = mine | col(PartnerPost.organisation_id).in_(sorted(organisation_ids))
        result = await self.session.exec(
            select(PartnerPost).where(_open(now), mine).order_by(col(PartnerPost.id))
        )
        return list(result.all())

    async def open_in(self, postal_codes: list[str], now: datetime) -> list[PartnerPost]:
        """Open posts in these postal codes (a municipality's district), newest first."""
        if not postal_codes:
            return []
        result = await self.session.exec(
            select(PartnerPost)
            .where(_open(now), col(PartnerPost.postal_code).in_(postal_codes))
            .order_by(col(PartnerPost.created_at).desc(), col(PartnerPost.id).desc())
        )
        return list(result.all())

    async def open_counts(self, postal_codes: list[str], now: datetime) -> dict[str, int]:
        counts = dict.fromkeys(DIRECTIONS, 0)
        if not postal_codes:
            return counts
        result = await self.session.exec(
            select(PartnerPost.direction, func.count())
            .where(_open(now), col(PartnerPost.postal_code).in_(postal_codes))
            .group_by(col(PartnerPost.direction))
        )
        for direction, count in result.all():
            counts[direction] = int(count)
        return counts

    async def unpushed(
        self, since: datetime, now: datetime, *, include_pushed: bool = False
    ) -> list[PartnerPost]:
        """Open posts published since ``since`` that no push round has handled yet (or all
        of them, ``include_pushed``: a later round reaches who could not hear it before)."""
        query = select(PartnerPost).where(_open(now), col(PartnerPost.created_at) >= since)
        if not include_pushed:
            query = query.where(col(PartnerPost.pushed_at).is_(None))
        result = await self.session.exec(query.order_by(col(PartnerPost.id)))
        return list(result.all())

    async def mark_pushed(self, post_id: int, now: datetime) -> None:
        await self.session.exec(
            update(PartnerPost).where(col(PartnerPost.id) == post_id).values(pushed_at=now)
        )

    # -- connections ---------------------------------------------------------------------

    async def connection(self, one: Side, other: Side) -> PartnerConnection | None:
        a, b = ordered_sides(one, other)
        result = await self.session.exec(
            select(PartnerConnection).where(
                PartnerConnection.a_kind == a.kind,
                PartnerConnection.a_id == a.id,
                PartnerConnection.b_kind == b.kind,
                PartnerConnection.b_id == b.id,
            )
        )
        return result.first()

    async def connection_by_id(self, connection_id: int) -> PartnerConnection | None:
        return await self.session.get(PartnerConnection, connection_id)

    async def open_connection(
        self, one: Side, other: Side, postal_code: str, now: datetime
    ) -> PartnerConnection:
        """The connection of two sides, created on first use."""
        found = await self.connection(one, other)
        if found is not None:
            return found
        a, b = ordered_sides(one, other)
        connection = PartnerConnection(
            a_kind=a.kind, a_id=a.id, b_kind=b.kind, b_id=b.id, postal_code=postal_code
        )
        connection.created_at = now
        self.session.add(connection)
        await self.session.flush()
        return connection

    async def consent(self, connection_id: int, side: str) -> PartnerConsent | None:
        return await self.session.get(PartnerConsent, (connection_id, side))

    async def give_consent(
        self, connection: PartnerConnection, side: str, person_id: int, shared: str, now: datetime
    ) -> None:
        """Record one side's yes (again: the newer answer counts) and what it shares."""
        assert connection.id is not None
        found = await self.consent(connection.id, side)
        if found is None:
            found = PartnerConsent(connection_id=connection.id, side=side, person_id=person_id)
        found.person_id, found.shared, found.created_at = person_id, shared, now
        self.session.add(found)
        if side == "a":
            connection.a_interested_at = connection.a_interested_at or now
        else:
            connection.b_interested_at = connection.b_interested_at or now
        both = connection.a_interested_at and connection.b_interested_at
        if both and connection.status != "connected":
            connection.status, connection.connected_at = "connected", now
        self.session.add(connection)
        await self.session.flush()

    async def connections_of(self, sides: list[Side]) -> list[PartnerConnection]:
        if not sides:
            return []
        conditions = []
        for side in sides:
            conditions.append(
                (col(PartnerConnection.a_kind) == side.kind)
                & (col(PartnerConnection.a_id) == side.id)
            )
            conditions.append(
                (col(PartnerConnection.b_kind) == side.kind)
                & (col(PartnerConnection.b_id) == side.id)
            )
        any_of = conditions[0]
        for condition in conditions[1:]:
            any_of = any_of | condition
        result = await self.session.exec(
            select(PartnerConnection).where(any_of).order_by(col(PartnerConnection.id))
        )
        return list(result.all())

    async def connect_times(
        self, postal_codes: list[str], since: datetime, until: datetime
    ) -> list[tuple[datetime, datetime]]:
        """(created, connected) of connections made in the window in these postal codes."""
        if not postal_codes:
            return []
        result = await self.session.exec(
            select(PartnerConnection.created_at, PartnerConnection.connected_at)
            .where(col(PartnerConnection.status) == "connected")
            .where(col(PartnerConnection.postal_code).in_(postal_codes))
            .where(col(PartnerConnection.connected_at) > since)
            .where(col(PartnerConnection.connected_at) <= until)
        )
        return [(created, connected) for created, connected in result.all() if connected]

    # -- pushes ------------------------------------------------------------------------------

    async def claim(self, person_id: int, post_id: int, now: datetime) -> bool:
        """Note that this person hears about this post; False if someone noted it first."""
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(PartnerNotification)
            .values(person_id=person_id, post_id=post_id, sent_at=now)
            .on_conflict_do_nothing(index_elements=["person_id", "post_id"])
        )
        result = await self.session.exec(statement)  # type: ignore[call-overload]
        return bool(result.rowcount)

    async def notified_about(self, post_id: int) -> frozenset[int]:
        result = await self.session.exec(
            select(PartnerNotification.person_id).where(PartnerNotification.post_id == post_id)
        )
        return frozenset(result.all())

    async def notified_since(self, person_ids: list[int], since: datetime) -> dict[int, int]:
        """How many posts each of these people was told about since ``since``."""
        if not person_ids:
            return {}
        result = await self.session.exec(
            select(PartnerNotification.person_id, func.count())
            .where(col(PartnerNotification.person_id).in_(person_ids))
            .where(col(PartnerNotification.sent_at) >= since)
            .group_by(col(PartnerNotification.person_id))
        )
        return {person: int(count) for person, count in result.all()}


def partners_of(uow: Any) -> Partners:
    """The repository on a unit of work's session (until the unit of work carries it)."""
    return getattr(uow, "partners", None) or Partners(uow.session)
