"""Reminders 24 h and 2 h before a sign-up, and the "I'm coming" / "I can't come" answers."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from dialogs import reminders
from dialogs.engine import Engine
from dialogs.events import ButtonPress, Identity, Reply
from dialogs.flow import EngineConfig, buttons
from dialogs.reminders import send_reminders
from dialogs.setup import build_registry
from storage.db import Store
from storage.models import Need, SignUp
from tests.dialogs.jobs_support import (
    add_admin,
    add_need,
    add_organisation,
    add_volunteer,
    labels_of,
    outbox,
    shown,
    sign_up,
    text_of,
)
from tests.fakes import FixedClock
from tests.harness import Chat

CONFIG = EngineConfig()
NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)  # the test clock: Friday 10:00 in Berlin
START = datetime(2026, 6, 7, 8, 0, tzinfo=UTC)  # Sunday 10:00 in Berlin
_events = itertools.count(1)


async def every_ten_minutes(store: Store, begin: datetime, end: datetime) -> int:
    queued, moment = 0, begin
    while moment < end:
        queued += await send_reminders(store, CONFIG, moment)
        moment += timedelta(minutes=10)
    return queued


async def the_sign_up(store: Store, need_id: int) -> SignUp:
    async with store.transaction() as uow:
        return (await uow.session.exec(select(SignUp).where(SignUp.need_id == need_id))).one()


async def need_of(store: Store, need_id: int) -> Need:
    async with store.transaction() as uow:
        need = await uow.session.get(Need, need_id)
        assert need is not None
        return need


@pytest.mark.parametrize("offset_minutes", [0, 3, 7])
async def test_each_reminder_comes_exactly_once_whenever_the_job_ticks(
    sqlite_store: Store, offset_minutes: int
) -> None:
    org = await add_organisation(sqlite_store)
    need = await add_need(sqlite_store, org, START, ends_at=START + timedelta(hours=3))
    anna = await add_volunteer(sqlite_store, "anna")
    await sign_up(sqlite_store, need, anna, NOW)
    sign_up_id = (await the_sign_up(sqlite_store, need)).id

    begin = NOW + timedelta(minutes=offset_minutes)
    assert await every_ten_minutes(sqlite_store, begin, START) == 2

    day, soon = await outbox(sqlite_store, "reminder:")
    assert day.dedup_key == f"reminder:24h:{sign_up_id}"
    assert soon.dedup_key == f"reminder:2h:{sign_up_id}"
    assert abs(day.created_at - (START - timedelta(hours=24))) <= timedelta(minutes=15)
    assert abs(soon.created_at - (START - timedelta(hours=2))) <= timedelta(minutes=15)
    assert "starts in about 24 hours" in text_of(day)
    assert "starts in about 2 hours" in text_of(soon)
    assert "Sunday, 7 June, 10:00" in text_of(day) and "Hauptstraße 1, 52062" in text_of(day)
    assert labels_of(day) == labels_of(soon) == ["I'm coming", "I can't come"]
    assert (day.transport, day.user_id) == ("telegram", "anna")


async def test_a_late_sign_up_skips_the_reminder_it_has_just_passed(sqlite_store: Store) -> None:
    org = await add_organisation(sqlite_store)
    need = await add_need(sqlite_store, org, START)
    anna = await add_volunteer(sqlite_store, "anna")
    late = START - timedelta(hours=24, minutes=5)  # inside the 24-hour window already
    await sign_up(sqlite_store, need, anna, late)

    assert await every_ten_minutes(sqlite_store, late, START) == 1
    [only] = await outbox(sqlite_store, "reminder:")
    assert only.dedup_key.startswith("reminder:2h:")


async def test_no_reminders_for_cancelled_sign_ups_or_closed_needs(sqlite_store: Store) -> None:
    org = await add_organisation(sqlite_store)
    cancelled_need = await add_need(sqlite_store, org, START)
    closed_need = await add_need(sqlite_store, org, START)
    anna = await add_volunteer(sqlite_store, "anna")
    for need in (cancelled_need, closed_need):
        await sign_up(sqlite_store, need, anna, NOW)
    async with sqlite_store.transaction() as uow:
        assert await uow.signups.cancel(cancelled_need, anna, NOW)
        need = await uow.session.get(Need, closed_need)
        assert need is not None
        need.status = "cancelled"
        uow.session.add(need)

    assert await every_ten_minutes(sqlite_store, NOW, START) == 0


# -- answering ----------------------------------------------------------------------------

Delivered = list[tuple[Identity, list[Reply]]]


@pytest.fixture
def delivered() -> Delivered:
    return []


@pytest.fixture
def freed() -> list[int]:
    return []


@pytest.fixture
def engine(
    sqlite_store: Store, clock: FixedClock, delivered: Delivered, freed: list[int]
) -> Engine:
    async def deliver(identity: Identity, replies: list[Reply]) -> None:
        delivered.append((identity, replies))

    registry = build_registry()
    reminders.register(registry)  # idempotent if the lead wires it into build_registry
    return Engine(
        sqlite_store,
        registry,
        CONFIG,
        clock=clock,
        deliver=deliver,
        services={"on_spot_freed": freed.append},
    )


async def reminded(store: Store, engine: Engine) -> tuple[Chat, int]:
    """Anna (console) is signed up for a need of an organisation with an admin, and got
    the 24-hour reminder; returns her chat showing it, and the need's id."""
    org = await add_organisation(store)
    await add_admin(store, org)
    need = await add_need(store, org, START, title="Garden day", capacity=1)
    anna = await add_volunteer(store, "anna", transport="console")
    await sign_up(store, need, anna, NOW)
    assert await send_reminders(store, CONFIG, START - timedelta(hours=24)) == 1
    [message] = await outbox(store, "reminder:")
    chat = Chat(engine, user="anna", transport="console", language_hint="en")
    chat.last = await shown(engine, message)
    return chat, need


async def test_i_cant_come_frees_the_spot_and_tells_the_organisation(
    sqlite_store: Store, engine: Engine, delivered: Delivered, freed: list[int]
) -> None:
    chat, need = await reminded(sqlite_store, engine)
    assert (await need_of(sqlite_store, need)).taken == 1

    await chat.press("I can't come")

    assert "I have cancelled your sign-up for “Garden day” and told Kita Sonnenblume" in chat.text
    assert (await the_sign_up(sqlite_store, need)).status == "cancelled"
    assert (await need_of(sqlite_store, need)).taken == 0
    [(admin, replies)] = delivered
    assert admin == Identity("telegram", "olga", "olga")
    assert "can't come to “Garden day” (Sunday, 7 June, 10:00" in replies[0].text
    assert "The spot is free again." in replies[0].text
    assert freed == [need]

    await chat.press("Sign me up again")
    assert "You are signed up for “Garden day”" in chat.text
    assert (await need_of(sqlite_store, need)).taken == 1


async def test_i_am_coming_confirms_and_keeps_the_sign_up(
    sqlite_store: Store, engine: Engine, delivered: Delivered, freed: list[int]
) -> None:
    chat, need = await reminded(sqlite_store, engine)
    await chat.press("I'm coming")
    assert "Great, thank you! Kita Sonnenblume is counting on you for “Garden day”." in chat.text
    assert (await the_sign_up(sqlite_store, need)).status == "active"
    assert delivered == [] and freed == []


async def test_i_cant_come_from_someone_not_signed_up_changes_nothing(
    sqlite_store: Store, engine: Engine, delivered: Delivered, freed: list[int]
) -> None:
    _, need = await reminded(sqlite_store, engine)
    await add_volunteer(sqlite_store, "mallory", transport="console")
    who = Identity("console", "mallory", "mallory")
    pushed = await engine.push(who, [Reply("?", buttons=buttons([("?", f"@cantcome:{need}")]))])
    token = pushed[0].flat_buttons[0].token
    event = ButtonPress(identity=who, event_id=f"forged-{next(_events)}", token=token)
    answer = "\n".join(reply.text for reply in await engine.handle(event))

    assert "You are not signed up for this (any more)." in answer
    assert (await need_of(sqlite_store, need)).taken == 1
    assert delivered == [] and freed == []
