"""Rows for the scheduler-job tests: organisations, needs, volunteers, admins, outbox."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from dialogs.engine import Engine
from dialogs.events import Identity, Reply, payload_to_replies
from matching.availability import FLEXIBLE
from storage.db import Store
from storage.models import (
    Need,
    Organisation,
    OrganisationAdmin,
    OutboxMessage,
    VolunteerProfile,
)

AACHEN = (50.7753, 6.0839)
_names = itertools.count(1)


async def add_organisation(store: Store, name: str = "Kita Sonnenblume") -> int:
    async with store.transaction() as uow:
        organisation = await uow.organisations.add(
            Organisation(
                name=name,
                kind="kita",
                postal_code="52062",
                latitude=AACHEN[0],
                longitude=AACHEN[1],
                status="approved",
                interests=["children_youth"],
            )
        )
        assert organisation.id is not None
        return organisation.id


async def add_need(
    store: Store,
    organisation_id: int,
    starts_at: datetime | None,
    *,
    ends_at: datetime | None = None,
    title: str | None = None,
    capacity: int = 2,
    status: str = "open",
    north_km: float = 1.0,
    created_at: datetime | None = None,
) -> int:
    async with store.transaction() as uow:
        need = await uow.needs.add(
            Need(
                organisation_id=organisation_id,
                title=title or f"Need {next(_names)}",
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=capacity,
                status=status,
                postal_code="52062",
                address="Hauptstraße 1",
                latitude=AACHEN[0] + north_km / 111.2,
                longitude=AACHEN[1],
                interests=["children_youth"],
                created_at=created_at or datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        assert need.id is not None
        return need.id


async def add_volunteer(
    store: Store,
    user: str,
    *,
    transport: str = "telegram",
    locale: str | None = "en",
    notify_mode: str = "daily",
    paused: bool = False,
    created_at: datetime | None = None,
    last_seen_at: datetime | None = None,
) -> int:
    """A volunteer in Aachen with a completed profile, interested in children & youth."""
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport=transport, user_id=user, chat_id=user, locale=locale
        )
        assert person.id is not None
        person.created_at = created_at or datetime(2026, 1, 1, tzinfo=UTC)
        person.last_seen_at = last_seen_at
        uow.session.add(person)
        uow.session.add(
            VolunteerProfile(
                person_id=person.id,
                interests=["children_youth"],
                postal_code="52062",
                latitude=AACHEN[0],
                longitude=AACHEN[1],
                radius_km=10,
                availability=FLEXIBLE,
                notify_mode=notify_mode,
                paused=paused,
                completed_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        return person.id


async def add_admin(
    store: Store,
    organisation_id: int,
    user: str = "olga",
    *,
    created_at: datetime | None = None,
) -> int:
    """An admin of the organisation on Telegram, reading English."""
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport="telegram", user_id=user, chat_id=user, locale="en"
        )
        assert person.id is not None
        person.created_at = created_at or datetime(2026, 1, 1, tzinfo=UTC)
        uow.session.add(person)
        uow.session.add(OrganisationAdmin(organisation_id=organisation_id, person_id=person.id))
        return person.id


async def sign_up(store: Store, need_id: int, person_id: int, at: datetime) -> None:
    async with store.transaction() as uow:
        assert await uow.signups.sign_up(need_id, person_id, at) == "ok"


async def outbox(store: Store, prefix: str = "") -> list[OutboxMessage]:
    async with store.transaction() as uow:
        result = await uow.session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.dedup_key).startswith(prefix))
            .order_by(col(OutboxMessage.id))
        )
        return list(result.all())


def text_of(message: OutboxMessage) -> str:
    return "\n".join(reply.text for reply in payload_to_replies(message.payload))


def labels_of(message: OutboxMessage) -> list[str]:
    return [b.label for reply in payload_to_replies(message.payload) for b in reply.flat_buttons]


async def shown(engine: Engine, message: OutboxMessage) -> list[Reply]:
    """What the outbox worker does before sending: the buttons join the live menu."""
    identity = Identity(message.transport, message.user_id, message.chat_id)
    return await engine.push(identity, payload_to_replies(message.payload))


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
