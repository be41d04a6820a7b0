"""A small world for the partner tests: a school teacher with Telegram and Matrix, a
beekeeping club with its admin, a company; messages to others land in ``delivered``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from dialogs.engine import Engine
from dialogs.events import Reply
from storage.db import Store
from storage.models import Municipality, Organisation, OrganisationAdmin
from storage.partners import PartnerConnection, PartnerPost, Partners
from storage.postal_codes import default_directory
from tests.dialogs.posting_support import Delivered, delivered, published, recording_engine
from tests.fakes import FixedClock
from tests.harness import Chat

NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)
TEACHER_TG, TEACHER_MX = "anna-tg", "@anna:example.org"
BEEKEEPER = "bernd-bees"
COORDINATOR = "clara-coord"
BEES = "Imkerverein Aachen-Süd"


@pytest.fixture
async def engine(
    sqlite_store: Store, clock: FixedClock, delivered: Delivered, published: list[int]
) -> Engine:
    services = {"on_partner_post_published": published.append}
    return recording_engine(sqlite_store, clock, delivered, services)


# What a test module takes over with ``engine, delivered, published = FIXTURES``.
FIXTURES = (engine, delivered, published)


async def add_person(
    store: Store,
    user: str,
    *,
    transport: str = "telegram",
    locale: str = "en",
    name: str = "",
    more: Sequence[tuple[str, str]] = (),
) -> int:
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport=transport, user_id=user, chat_id=user, locale=locale
        )
        assert person.id is not None
        person.display_name, person.consented_at = name or None, NOW
        await uow.people.save(person)
        for other_transport, other_user in more:
            await uow.governance.attach_account(
                person.id, transport=other_transport, user_id=other_user, chat_id=other_user
            )
        return person.id


async def add_organisation(
    store: Store, name: str, postal_code: str, kind: str, interests: list[str], admin: int
) -> int:
    found = default_directory().lookup(postal_code)
    assert found is not None
    async with store.transaction() as uow:
        municipality = await uow.municipalities.by_slug("aachen")
        if municipality is None:
            municipality = await uow.municipalities.add(
                Municipality(name="Aachen", slug="aachen", district_key="05334")
            )
        organisation = await uow.organisations.add(
            Organisation(
                name=name, kind=kind, postal_code=postal_code, place=found.place,
                latitude=found.latitude, longitude=found.longitude, status="approved",
                interests=interests, municipality_id=municipality.id,
            )
        )  # fmt: skip
        assert organisation.id is not None
        uow.session.add(OrganisationAdmin(organisation_id=organisation.id, person_id=admin))
        return organisation.id


async def posts(store: Store) -> list[PartnerPost]:
    async with store.transaction() as uow:
        return list((await uow.session.exec(select(PartnerPost))).all())


async def connections(store: Store) -> list[PartnerConnection]:
    async with store.transaction() as uow:
        return list((await uow.session.exec(select(PartnerConnection))).all())


def texts_to(delivered: Delivered, user: str) -> str:
    return "\n".join(r.text for who, replies in delivered if who.user_id == user for r in replies)


def last_to(delivered: Delivered, user: str) -> list[Reply]:
    for who, replies in reversed(delivered):
        if who.user_id == user:
            return replies
    raise AssertionError(f"nothing delivered to {user}")


def chat_of(engine: Engine, user: str) -> Chat:
    """The Telegram chat of ``user``, in English."""
    return Chat(engine, user=user, transport="telegram", language_hint="en")


async def new_teacher(store: Store, engine: Engine) -> Chat:
    """The teacher, who agreed to storage but has no profile, and her chat."""
    await add_person(store, TEACHER_TG)
    return chat_of(engine, TEACHER_TG)


async def press_delivered(chat: Chat, replies: list[Reply], label: str) -> None:
    """Press a button on a message the bot sent this chat on its own."""
    chat.last = replies
    await chat.press(label)


async def add_post(
    store: Store,
    owner: int,
    direction: str,
    kind: str,
    title: str,
    *,
    postal_code: str = "52066",
    interests: Sequence[str] = ("environment_animals",),
    organisation_id: int | None = None,
    people: int | None = None,
    days: tuple[date, date] | None = None,
    radius_km: float = 25,
    text: str = "",
    created_at: datetime = NOW,
) -> int:
    found = default_directory().lookup(postal_code)
    assert found is not None
    async with store.transaction() as uow:
        post = await Partners(uow.session).add(
            PartnerPost(
                direction=direction, kind=kind, title=title, text=text,
                interests=list(interests), people=people, postal_code=postal_code,
                place=found.place, latitude=found.latitude, longitude=found.longitude,
                radius_km=radius_km, date_from=days[0] if days else None,
                date_until=days[1] if days else None, expires_at=NOW + timedelta(days=60),
                owner_id=owner, organisation_id=organisation_id, created_at=created_at,
            )
        )  # fmt: skip
        assert post.id is not None
        return post.id
