"""Fixtures and helpers for the posting tests: demo data, an admin of the Tafel,
volunteers signed up, and messages delivered to other people."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from dialogs.engine import Engine
from dialogs.events import ButtonPress, Identity, Reply
from dialogs.flow import EngineConfig, buttons
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import AuditEntry, Need, Organisation
from tests.fakes import FixedClock
from tests.harness import Chat

TAFEL = "Aachener Tafel-Freunde e.V."
KITA = "Kita Sonnenblume Burtscheid"
ADMIN = "tafel-admin"
MESSAGE = "Brauchen morgen 15–18 Uhr 3 Helfer für die Tafel-Ausgabe, Adalbertsteinweg 20, 52062"
NO_TIME = "Brauchen 3 Helfer für die Tafel-Ausgabe, Adalbertsteinweg 20, 52062"
NO_COUNT = "Brauchen morgen 15–18 Uhr Helfer für die Tafel-Ausgabe, Adalbertsteinweg 20, 52062"
SATURDAY_15 = datetime(2026, 6, 6, 13, 0, tzinfo=UTC)  # 15:00 in Berlin, the clock's tomorrow
SATURDAY_18 = datetime(2026, 6, 6, 16, 0, tzinfo=UTC)
_events = itertools.count(1)

Delivered = list[tuple[Identity, list[Reply]]]


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def delivered() -> Delivered:
    return []


@pytest.fixture
def published() -> list[int]:
    return []


def recording_engine(
    store: Store, clock: FixedClock, delivered: Delivered, services: dict[str, Any]
) -> Engine:
    """An engine whose messages to other people land in ``delivered``."""

    async def deliver(identity: Identity, replies: list[Reply]) -> None:
        delivered.append((identity, replies))

    return Engine(
        store,
        build_registry(),
        EngineConfig(),
        clock=clock,
        services=services,
        deliver=deliver,
    )


@pytest.fixture
async def engine(
    sqlite_store: Store, clock: FixedClock, delivered: Delivered, published: list[int]
) -> Engine:
    await load_demo_data(sqlite_store, now=clock.now())
    return recording_engine(sqlite_store, clock, delivered, {"on_need_published": published.append})


async def organisation_id(store: Store, name: str) -> int:
    async with store.transaction() as uow:
        result = await uow.session.exec(select(Organisation).where(Organisation.name == name))
        found = result.one().id
        assert found is not None
        return found


async def make_admin(store: Store, name: str = TAFEL, user: str = ADMIN) -> int:
    org_id = await organisation_id(store, name)
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport="telegram", user_id=user, chat_id=user, locale="en"
        )
        assert person.id is not None
        await uow.governance.add_admin(org_id, person.id)
        return person.id


@pytest.fixture
async def admin(sqlite_store: Store, engine: Engine) -> Chat:
    await make_admin(sqlite_store)
    return Chat(engine, user=ADMIN, transport="telegram", language_hint="en")


async def posted_needs(store: Store) -> list[Need]:
    async with store.transaction() as uow:
        result = await uow.session.exec(select(Need).where(col(Need.is_demo).is_(False)))
        return list(result.all())


async def audit_actions(store: Store) -> list[str]:
    async with store.transaction() as uow:
        return [e.action for e in (await uow.session.exec(select(AuditEntry))).all()]


async def volunteer(store: Store, user: str, need_id: int, name: str | None) -> int:
    """A volunteer (English, console) signed up for the need."""
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport="console", user_id=user, chat_id=user, locale="en"
        )
        person.display_name = name
        await uow.people.save(person)
        assert person.id is not None
        await uow.signups.sign_up(need_id, person.id, datetime(2026, 6, 5, 8, 0, tzinfo=UTC))
        return person.id


async def press_value(engine: Engine, user: str, value: str, transport: str = "console") -> str:
    """Press a button with this value that reached the wrong person (see test_clubs)."""
    who = Identity(transport, user, user)
    shown = await engine.push(who, [Reply("?", buttons=buttons([("?", value)]))])
    event = ButtonPress(
        identity=who,
        event_id=f"forged-{next(_events)}",
        token=shown[0].flat_buttons[0].token,
        language_hint="en",
    )
    return "\n".join(reply.text for reply in await engine.handle(event))


def texts_to(delivered: Delivered, user: str) -> str:
    return "\n".join(r.text for who, replies in delivered if who.user_id == user for r in replies)


async def press_on(chat: Chat, title: str, label: str) -> None:
    """Press ``label`` on the /needs card of the need with this title."""
    for reply in chat.last:
        if reply.text.split("\n")[0] == title:
            token = next(b.token for b in reply.flat_buttons if b.label == label)
            await chat.press_token(token)
            return
    raise AssertionError(f"no card {title!r} in {chat.text!r}")


async def publish_message(admin: Chat, store: Store) -> Need:
    await admin.send(MESSAGE)
    await admin.press("Publish")
    [need] = await posted_needs(store)
    return need
