"""Building the world for push tests directly through the repositories (faster than
onboarding), and reading back what landed in the outbox."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from dialogs.events import Reply, payload_to_replies
from dialogs.flow import EngineConfig
from matching.availability import FLEXIBLE
from storage.db import Store
from storage.models import (
    Account,
    Need,
    NeedNotification,
    Organisation,
    OutboxMessage,
    VolunteerProfile,
)

CONFIG = EngineConfig()  # German by default, Europe/Berlin
BERLIN = CONFIG.tz
LAT, LON = 50.776, 6.087  # 52062 Aachen
KM = 1 / 111.195  # degrees of latitude per kilometre
SATURDAY_10 = datetime(2026, 6, 6, 8, 0, tzinfo=UTC)  # 10:00 in Berlin
_users = itertools.count(1)


async def organisation(store: Store, status: str = "approved") -> int:
    async with store.transaction() as uow:
        found = await uow.organisations.add(
            Organisation(
                name="Tafel Aachen",
                kind="association",
                postal_code="52062",
                latitude=LAT,
                longitude=LON,
                status=status,
            )
        )
        assert found.id is not None
        return found.id


async def need(
    store: Store,
    org_id: int,
    *,
    starts_at: datetime | None = SATURDAY_10,
    hours: int = 3,
    capacity: int = 1,
    created_at: datetime | None = None,
    title: str = "Sorting donations",
) -> int:
    async with store.transaction() as uow:
        found = await uow.needs.add(
            Need(
                organisation_id=org_id,
                title=title,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=hours) if starts_at else None,
                capacity=capacity,
                postal_code="52062",
                address="Adalbertsteinweg 20",
                latitude=LAT,
                longitude=LON,
                interests=["children_youth"],
                created_at=created_at or datetime(2026, 6, 5, 7, 0, tzinfo=UTC),
            )
        )
        assert found.id is not None
        return found.id


async def volunteer(
    store: Store,
    *,
    km: float = 1.0,
    locale: str = "en",
    user: str | None = None,
    reachable: bool = True,
    **profile: Any,
) -> int:
    """A completed volunteer ``km`` north of the need: instant, flexible, 10 km radius."""
    user = user or f"vol-{next(_users)}"
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport="console", user_id=user, chat_id=user, locale=locale
        )
        assert person.id is not None
        values: dict[str, Any] = {
            "interests": ["children_youth"],
            "postal_code": "52062",
            "latitude": LAT + km * KM,
            "longitude": LON,
            "radius_km": 10,
            "availability": FLEXIBLE,
            "completed_at": datetime(2026, 6, 1, tzinfo=UTC),
        }
        values.update(profile)
        uow.session.add(VolunteerProfile(person_id=person.id, **values))
        if not reachable:
            for account in await uow.people.accounts_of(person.id):
                account.unreachable_since = datetime(2026, 6, 1, tzinfo=UTC)
                uow.session.add(account)
        return person.id


async def notify(store: Store, person_id: int, need_ids: list[int], at: datetime) -> None:
    async with store.transaction() as uow:
        for need_id in need_ids:
            uow.session.add(NeedNotification(person_id=person_id, need_id=need_id, sent_at=at))


@dataclass
class Sent:
    user_id: str
    dedup_key: str
    replies: list[Reply]

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    @property
    def labels(self) -> list[str]:
        return [b.label for reply in self.replies for b in reply.flat_buttons]

    @property
    def values(self) -> list[str]:
        return [b.value for reply in self.replies for b in reply.flat_buttons]


async def outbox(store: Store) -> list[Sent]:
    async with store.transaction() as uow:
        rows = (await uow.session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        return [Sent(row.user_id, row.dedup_key, payload_to_replies(row.payload)) for row in rows]


async def user_of(store: Store, person_id: int) -> str:
    async with store.transaction() as uow:
        result = await uow.session.exec(select(Account).where(Account.person_id == person_id))
        return result.one().user_id


async def users_of(store: Store, person_ids: list[int]) -> set[str]:
    return {await user_of(store, person_id) for person_id in person_ids}


async def recipients(store: Store) -> set[str]:
    return {sent.user_id for sent in await outbox(store)}


async def load_need(store: Store, need_id: int) -> Need:
    async with store.transaction() as uow:
        found = await uow.directory.need(need_id)
        assert found is not None
        return found[0]
