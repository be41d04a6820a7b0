"""Counting for coordinators: a municipality's numbers (/stats) and broadcasts – who
gets one, the outbox rows that carry it, and how far their delivery has come.

Both repositories share the session of a ``UnitOfWork``; ``statistics_of`` and
``broadcasts_of`` reach them from one until the unit of work carries them itself.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Account,
    Broadcast,
    Need,
    Organisation,
    OrganisationAdmin,
    OutboxMessage,
    Person,
    SignUp,
    VolunteerProfile,
)
from storage.partners import Partners

if TYPE_CHECKING:
    from storage.repositories import UnitOfWork

OUTBOX_STATES = ("pending", "sending", "sent", "failed", "blocked")


@dataclass(frozen=True)
class MunicipalityStats:
    """A municipality's numbers over one window (``since`` to ``until``)."""

    since: datetime
    until: datetime
    volunteers: int  # completed profiles living in the district
    new_volunteers: int  # ... completed within the window
    organisations: int  # approved
    open_needs: int  # open and still ahead (or undated)
    sign_ups: int  # active sign-ups made within the window
    needs_ended: int  # needs whose end passed within the window (not cancelled)
    needs_ended_full: int  # ... of which every spot was taken
    fill_times: tuple[timedelta, ...] = ()  # created → filled, for needs filled in the window
    sign_up_times: tuple[datetime, ...] = field(default=(), repr=False)
    open_offers: int = 0  # partner offers and searches open now in the district
    open_searches: int = 0
    connect_times: tuple[timedelta, ...] = ()  # first interest → both agreed, in the window

    @property
    def connections(self) -> int:
        return len(self.connect_times)

    @property
    def median_time_to_connect(self) -> timedelta | None:
        return statistics.median(self.connect_times) if self.connect_times else None

    @property
    def fill_rate(self) -> float | None:
        return self.needs_ended_full / self.needs_ended if self.needs_ended else None

    @property
    def median_time_to_fill(self) -> timedelta | None:
        return statistics.median(self.fill_times) if self.fill_times else None


def _ended_between(since: datetime, until: datetime) -> Any:
    """A need's end (its start when it has no end) lies in (since, until]."""
    ends, starts = col(Need.ends_at), col(Need.starts_at)
    return or_(
        and_(ends > since, ends <= until),
        and_(ends.is_(None), starts > since, starts <= until),
    )


class Statistics:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _count(self, query: Any) -> int:
        return int((await self.session.exec(query)).one())

    async def volunteers(self, postal_codes: Collection[str], since: datetime | None = None) -> int:
        """Completed profiles in these postal codes (completed after ``since``, if given)."""
        if not postal_codes:
            return 0
        query = (
            select(func.count())
            .select_from(VolunteerProfile)
            .where(col(VolunteerProfile.postal_code).in_(list(postal_codes)))
            .where(col(VolunteerProfile.completed_at).is_not(None))
        )
        if since is not None:
            query = query.where(col(VolunteerProfile.completed_at) > since)
        return await self._count(query)

    async def organisations(self, municipality_id: int) -> int:
        return await self._count(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.municipality_id == municipality_id)
            .where(Organisation.status == "approved")
        )

    def _needs_of(self, municipality_id: int, *columns: Any) -> Any:
        return (
            select(*columns)
            .select_from(Need)
            .join(Organisation, col(Organisation.id) == col(Need.organisation_id))
            .where(Organisation.municipality_id == municipality_id)
            .where(Organisation.status == "approved")
        )

    async def open_needs(self, municipality_id: int, now: datetime) -> int:
        return await self._count(
            self._needs_of(municipality_id, func.count(col(Need.id)))
            .where(Need.status == "open")
            .where(or_(col(Need.starts_at) > now, col(Need.starts_at).is_(None)))
        )

    async def sign_up_times(
        self, municipality_id: int, since: datetime, until: datetime
    ) -> list[datetime]:
        """When each active sign-up for the municipality's needs was made in the window."""
        result = await self.session.exec(
            select(SignUp.created_at)
            .join(Need, col(Need.id) == col(SignUp.need_id))
            .join(Organisation, col(Organisation.id) == col(Need.organisation_id))
            .where(Organisation.municipality_id == municipality_id)
            .where(SignUp.status == "active")
            .where(col(SignUp.created_at) > since, col(SignUp.created_at) <= until)
            .order_by(col(SignUp.created_at))
        )
        return list(result.all())

    async def ended_needs(
        self, municipality_id: int, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """(needs that ended in the window, those of them with every spot taken)."""
        result = await self.session.exec(
            self._needs_of(municipality_id, Need.taken, Need.capacity)
            .where(Need.status != "cancelled")
            .where(_ended_between(since, until))
        )
        rows = list(result.all())
        return len(rows), sum(1 for taken, capacity in rows if taken >= capacity)

    async def fill_times(
        self, municipality_id: int, since: datetime, until: datetime
    ) -> list[timedelta]:
        """How long needs filled in the window took, from posting to the last spot taken."""
        result = await self.session.exec(
            self._needs_of(municipality_id, Need.created_at, Need.filled_at).where(
                col(Need.filled_at) > since, col(Need.filled_at) <= until
            )
        )
        return [filled - created for created, filled in result.all() if filled >= created]

    async def municipality(
        self,
        municipality_id: int,
        postal_codes: Collection[str],
        since: datetime,
        now: datetime,
    ) -> MunicipalityStats:
        """Everything /stats shows, for the window from ``since`` to ``now``."""
        ended, full = await self.ended_needs(municipality_id, since, now)
        times = await self.sign_up_times(municipality_id, since, now)
        partners = Partners(self.session)
        codes = list(postal_codes)
        open_posts = await partners.open_counts(codes, now)
        connected = await partners.connect_times(codes, since, now)
        return MunicipalityStats(
            since=since,
            until=now,
            volunteers=await self.volunteers(postal_codes),
            new_volunteers=await self.volunteers(postal_codes, since),
            organisations=await self.organisations(municipality_id),
            open_needs=await self.open_needs(municipality_id, now),
            sign_ups=len(times),
            needs_ended=ended,
            needs_ended_full=full,
            fill_times=tuple(await self.fill_times(municipality_id, since, now)),
            sign_up_times=tuple(times),
            open_offers=open_posts["offer"],
            open_searches=open_posts["search"],
            connect_times=tuple(done - created for created, done in connected if done >= created),
        )


class Broadcasts:
    """Who a coordinator's announcement reaches, and the outbox rows that carry it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def volunteers(
        self, postal_codes: Collection[str]
    ) -> list[tuple[VolunteerProfile, Person, Account]]:
        """Reachable accounts of volunteers in these postal codes who take announcements."""
        if not postal_codes:
            return []
        query = (
            select(VolunteerProfile, Person, Account)
            .join(Person, col(Person.id) == col(VolunteerProfile.person_id))
            .join(Account, col(Account.person_id) == col(Person.id))
            .where(col(VolunteerProfile.postal_code).in_(list(postal_codes)))
            .where(col(Person.announcements).is_(True))
            .where(col(Account.unreachable_since).is_(None))
        )
        result = await self.session.exec(query.order_by(col(Person.id), col(Account.id)))
        return [tuple(row) for row in result.all()]  # type: ignore[misc]

    async def admins(self, municipality_id: int) -> list[tuple[Person, Account]]:
        """Reachable accounts of the admins of a municipality's approved organisations."""
        admins = (
            select(OrganisationAdmin.person_id)
            .join(Organisation, col(Organisation.id) == col(OrganisationAdmin.organisation_id))
            .where(Organisation.municipality_id == municipality_id)
            .where(Organisation.status == "approved")
        )
        result = await self.session.exec(
            select(Person, Account)
            .join(Account, col(Account.person_id) == col(Person.id))
            .where(col(Person.id).in_(admins))
            .where(col(Person.announcements).is_(True))
            .where(col(Account.unreachable_since).is_(None))
            .order_by(col(Person.id), col(Account.id))
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]

    async def queue(
        self,
        broadcast: Broadcast,
        deliveries: Sequence[tuple[Account, list[dict[str, Any]]]],
        now: datetime,
    ) -> Broadcast:
        """The broadcast and one outbox row per account, in the caller's transaction:
        either all of them are written or none."""
        broadcast.total = len(deliveries)
        broadcast.created_at = now
        self.session.add(broadcast)
        await self.session.flush()
        assert broadcast.id is not None
        self.session.add_all(
            OutboxMessage(
                dedup_key=dedup_key(broadcast.id, account),
                transport=account.transport,
                user_id=account.user_id,
                chat_id=account.chat_id,
                payload=payload,
                next_attempt_at=now,
                created_at=now,
                broadcast_id=broadcast.id,
            )
            for account, payload in deliveries
        )
        await self.session.flush()
        return broadcast

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.session.get(Broadcast, broadcast_id)

    async def recent(
        self, municipality_ids: Collection[int] | None, limit: int = 10
    ) -> list[Broadcast]:
        """The latest broadcasts of these municipalities (None: of all), newest first."""
        query = select(Broadcast)
        if municipality_ids is not None:
            query = query.where(col(Broadcast.municipality_id).in_(list(municipality_ids)))
        result = await self.session.exec(
            query.order_by(col(Broadcast.created_at).desc(), col(Broadcast.id).desc()).limit(limit)
        )
        return list(result.all())

    async def report(self, broadcast_id: int) -> dict[str, int]:
        """Outbox rows of a broadcast by state, plus ``total``."""
        result = await self.session.exec(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.broadcast_id == broadcast_id)
            .group_by(col(OutboxMessage.state))
        )
        counts = dict.fromkeys(OUTBOX_STATES, 0)
        for state, count in result.all():
            counts[state] = counts.get(state, 0) + int(count)
        counts["total"] = sum(counts.values())
        return counts


def dedup_key(broadcast_id: int, account: Account) -> str:
    """One message per broadcast and account; overly long Matrix ids are hashed to fit."""
    key = f"broadcast:{broadcast_id}:{account.transport}:{account.user_id}"
    if len(key) <= 200:
        return key
    digest = hashlib.sha256(account.user_id.encode("utf-8")).hexdigest()
    return f"broadcast:{broadcast_id}:{account.transport}:sha256:{digest}"


def statistics_of(uow: UnitOfWork) -> Statistics:
    return getattr(uow, "statistics", None) or Statistics(uow.session)


def broadcasts_of(uow: UnitOfWork) -> Broadcasts:
    return getattr(uow, "broadcasts", None) or Broadcasts(uow.session)


async def broadcast_report(uow: UnitOfWork, broadcast_id: int) -> dict[str, int]:
    """Delivery progress of a broadcast: counts by outbox state (pending, sending, sent,
    failed, blocked) and the total, e.g. for "1,240 of 3,100 sent"."""
    return await broadcasts_of(uow).report(broadcast_id)
