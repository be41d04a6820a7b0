"""Shared set-up for the coordination tests: municipalities, people in every role,
an engine with an operator, and pressing buttons that reached the wrong person."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from sqlmodel import select

from dialogs.engine import Engine
from dialogs.events import ButtonPress, Identity, Reply
from dialogs.flow import EngineConfig, buttons
from dialogs.setup import build_registry
from storage.db import Store
from storage.models import (
    AuditEntry,
    Municipality,
    Organisation,
    OrganisationAdmin,
    OutboxMessage,
    VolunteerProfile,
)
from storage.postal_codes import default_directory
from tests.fakes import FixedClock

OPERATOR = "olga"
AACHEN_KEY, DUEREN_KEY = "05334", "05358"
NOT_ALLOWED = "Sorry, you are not allowed to do that."
_events = itertools.count(1)

Delivered = list[tuple[Identity, list[Reply]]]


def make_engine(store: Store, clock: FixedClock, delivered: Delivered) -> Engine:
    """The bot with one operator (console:olga); messages to others land in ``delivered``."""

    async def deliver(identity: Identity, replies: list[Reply]) -> None:
        delivered.append((identity, replies))

    config = EngineConfig(operators=frozenset({("console", OPERATOR)}))
    return Engine(store, build_registry(), config, clock=clock, deliver=deliver)


async def add_municipality(store: Store, name: str, slug: str, key: str) -> int:
    async with store.transaction() as uow:
        municipality = await uow.municipalities.add(
            Municipality(name=name, slug=slug, district_key=key)
        )
        assert municipality.id is not None
        return municipality.id


async def add_organisation(store: Store, municipality_id: int, name: str = "Tafel") -> int:
    async with store.transaction() as uow:
        organisation = await uow.organisations.add(
            Organisation(
                name=name,
                kind="association",
                postal_code="52062",
                latitude=50.77,
                longitude=6.08,
                status="approved",
                municipality_id=municipality_id,
            )
        )
        assert organisation.id is not None
        return organisation.id


async def add_person(
    store: Store,
    user: str,
    *,
    transport: str = "console",
    locale: str | None = "en",
    name: str | None = None,
    postal_code: str | None = None,
    interests: Sequence[str] = (),
    announcements: bool = True,
    more_accounts: Sequence[tuple[str, str]] = (),
    unreachable: bool = False,
    coordinator_of: Sequence[int] = (),
    admin_of: Sequence[int] = (),
    now: FixedClock | None = None,
) -> int:
    """A person with an account, optionally a completed profile at a postal code and roles."""
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport=transport, user_id=user, chat_id=user, locale=locale
        )
        assert person.id is not None
        person.display_name, person.announcements = name or user.title(), announcements
        await uow.people.save(person)
        for other_transport, other_user in more_accounts:
            await uow.governance.attach_account(
                person.id, transport=other_transport, user_id=other_user, chat_id=other_user
            )
        if unreachable:
            await uow.people.mark_unreachable(transport, user, (now or FixedClock()).now())
        if postal_code is not None:
            found = default_directory().lookup(postal_code)
            assert found is not None
            await uow.profiles.save(
                VolunteerProfile(
                    person_id=person.id,
                    interests=list(interests),
                    postal_code=postal_code,
                    place=found.place,
                    latitude=found.latitude,
                    longitude=found.longitude,
                    completed_at=(now or FixedClock()).now(),
                )
            )
        for municipality_id in coordinator_of:
            await uow.governance.appoint_coordinator(municipality_id, person.id)
        for organisation_id in admin_of:
            uow.session.add(OrganisationAdmin(organisation_id=organisation_id, person_id=person.id))
        return person.id


async def press_value(engine: Engine, user: str, value: str, transport: str = "console") -> str:
    """Press a button with this value that somehow reached the wrong person (see test_clubs)."""
    who = Identity(transport, user, user)
    shown = await engine.push(who, [Reply("?", buttons=buttons([("?", value)]))])
    event = ButtonPress(
        identity=who, event_id=f"forged-{next(_events)}", token=shown[0].flat_buttons[0].token
    )
    return "\n".join(reply.text for reply in await engine.handle(event))


async def audit_entries(store: Store) -> list[AuditEntry]:
    async with store.transaction() as uow:
        return list((await uow.session.exec(select(AuditEntry))).all())


async def outbox(store: Store) -> list[OutboxMessage]:
    async with store.transaction() as uow:
        return list((await uow.session.exec(select(OutboxMessage))).all())


def texts(delivered: Delivered) -> str:
    return "\n".join(reply.text for _, replies in delivered for reply in replies)
