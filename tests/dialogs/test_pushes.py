"""Pushing fresh needs: who hears about a need, how waves widen, the message, the answers."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from dialogs import pushes
from dialogs.engine import Engine
from dialogs.events import Button, ButtonPress, Identity, Reply
from dialogs.pushes import FirstWaveHook, escalate, push_need
from dialogs.setup import build_registry
from matching.availability import WEEKDAY_EVENINGS
from storage.db import Store
from storage.models import Account, Need, NeedDecline, NeedNotification
from tests.dialogs.pushes_support import (
    CONFIG,
    Sent,
    load_need,
    need,
    notify,
    organisation,
    outbox,
    recipients,
    user_of,
    users_of,
    volunteer,
)
from tests.fakes import FixedClock

# -- who is reached --------------------------------------------------------------


async def test_a_published_need_reaches_only_fitting_instant_volunteers(
    store: Store, clock: FixedClock
) -> None:
    org = await organisation(store)
    need_id = await need(store, org, capacity=5)  # a wave of 15: room for everyone
    others = [await need(store, org, title=f"Other {i}") for i in range(3)]
    best = await volunteer(store, km=1)
    capped_yesterday = await volunteer(store, km=2)
    capped_today = await volunteer(store, km=1.5)
    declined = await volunteer(store, km=1)
    told = await volunteer(store, km=1)
    excluded = [
        await volunteer(store, km=1, paused=True),
        await volunteer(store, km=1, notify_mode="off"),
        await volunteer(store, km=1, notify_mode="daily"),
        await volunteer(store, km=1, notify_mode="weekly"),
        await volunteer(store, km=15),  # outside its 10 km
        await volunteer(store, km=30, radius_km=50),  # outside every radius we offer
        await volunteer(store, km=1, availability=WEEKDAY_EVENINGS),  # Saturday morning
        await volunteer(store, km=1, quiet_from=9 * 60, quiet_until=12 * 60),  # now 10:00
        await volunteer(store, km=1, reachable=False),
        await volunteer(store, km=1, completed_at=None),  # onboarding not finished
        await volunteer(store, km=1, interests=[], latitude=None, longitude=None),
        capped_today,
        declined,
        told,
    ]
    async with store.transaction() as uow:
        uow.session.add(NeedDecline(person_id=declined, need_id=need_id))
    await notify(store, told, [need_id], datetime(2026, 6, 4, 12, 0, tzinfo=UTC))
    # 00:30 Berlin today counts towards today's cap of 3; 23:30 yesterday does not.
    await notify(store, capped_today, others, datetime(2026, 6, 4, 22, 30, tzinfo=UTC))
    await notify(store, capped_yesterday, others, datetime(2026, 6, 4, 21, 30, tzinfo=UTC))

    queued = await push_need(store, CONFIG, clock.now(), need_id)

    assert queued == 2
    assert await recipients(store) == await users_of(store, [best, capped_yesterday])
    assert not await recipients(store) & await users_of(store, excluded)
    async with store.transaction() as uow:
        rows = (await uow.session.exec(select(NeedNotification))).all()
        assert {r.person_id for r in rows if r.need_id == need_id} == {
            best,
            capped_yesterday,
            told,
        }
        profile = await uow.profiles.get(best)
        assert profile is not None and profile.last_notified_at == clock.now()
    pushed = await load_need(store, need_id)
    assert (pushed.waves, pushed.last_wave_at) == (1, clock.now())
    first = (await outbox(store))[0]
    assert first.dedup_key == f"push:{need_id}:{best}:console:{first.user_id}"


async def test_never_the_same_need_twice(store: Store, clock: FixedClock) -> None:
    need_id = await need(store, await organisation(store))
    await volunteer(store)
    assert await push_need(store, CONFIG, clock.now(), need_id) == 1
    clock.advance(hours=5)
    assert await push_need(store, CONFIG, clock.now(), need_id) == 0
    assert await escalate(store, CONFIG, clock.now()) == 0
    assert len(await outbox(store)) == 1


async def test_every_linked_messenger_gets_the_push(store: Store, clock: FixedClock) -> None:
    need_id = await need(store, await organisation(store))
    person = await volunteer(store, user="anna")
    async with store.transaction() as uow:
        uow.session.add(
            Account(person_id=person, transport="telegram", user_id="4711", chat_id="4711")
        )
    assert await push_need(store, CONFIG, clock.now(), need_id) == 2
    keys = {sent.dedup_key for sent in await outbox(store)}
    assert keys == {
        f"push:{need_id}:{person}:console:anna",
        f"push:{need_id}:{person}:telegram:4711",
    }


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"taken": 1}, "full"),
        ({"status": "filled"}, "filled"),
        ({"status": "cancelled"}, "cancelled"),
        ({"starts_at": datetime(2026, 6, 5, 7, 0, tzinfo=UTC)}, "started"),
    ],
)
async def test_no_push_for_a_need_that_is_not_open(
    sqlite_store: Store, clock: FixedClock, change: dict[str, Any], why: str
) -> None:
    need_id = await need(sqlite_store, await organisation(sqlite_store))
    await volunteer(sqlite_store)
    async with sqlite_store.transaction() as uow:
        row = await uow.session.get(Need, need_id)
        assert row is not None
        for name, value in change.items():
            setattr(row, name, value)
        uow.session.add(row)
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 0, why
    assert (await load_need(sqlite_store, need_id)).waves == 0


async def test_no_push_for_an_organisation_not_approved(
    sqlite_store: Store, clock: FixedClock
) -> None:
    need_id = await need(sqlite_store, await organisation(sqlite_store, status="pending"))
    await volunteer(sqlite_store)
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 0
    assert await push_need(sqlite_store, CONFIG, clock.now(), 999) == 0  # no such need


async def test_a_digest_volunteer_hears_of_a_need_in_their_free_now_window(
    sqlite_store: Store, clock: FixedClock
) -> None:
    """/now promises to say so when something comes up in that time, whatever the mode."""
    org = await organisation(sqlite_store)
    soon = await need(sqlite_store, org, starts_at=clock.now() + timedelta(hours=1))
    later = await need(sqlite_store, org, starts_at=clock.now() + timedelta(hours=5))
    free = await volunteer(
        sqlite_store,
        notify_mode="daily",
        availability=0,
        window_start=clock.now(),
        window_end=clock.now() + timedelta(hours=2),
    )
    assert await push_need(sqlite_store, CONFIG, clock.now(), later) == 0
    assert await push_need(sqlite_store, CONFIG, clock.now(), soon) == 1
    [sent] = await outbox(sqlite_store)
    assert sent.user_id == await user_of(sqlite_store, free)
    assert "you told me you have time" in sent.text
    assert "Fewer messages" not in sent.labels


# -- waves and escalation ------------------------------------------------------------


async def test_the_first_wave_asks_three_people_per_open_spot(
    sqlite_store: Store, clock: FixedClock
) -> None:
    need_id = await need(sqlite_store, await organisation(sqlite_store), capacity=2)
    people = [await volunteer(sqlite_store, km=0.5 + i) for i in range(8)]
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 6
    assert await recipients(sqlite_store) == await users_of(sqlite_store, people[:6])


async def test_escalation_widens_to_the_next_best_after_the_interval(
    store: Store, clock: FixedClock
) -> None:
    need_id = await need(store, await organisation(store))
    people = [await volunteer(store, km=0.5 + i) for i in range(7)]
    assert await push_need(store, CONFIG, clock.now(), need_id) == 3
    clock.advance(hours=1, minutes=59)
    assert await escalate(store, CONFIG, clock.now()) == 0
    clock.advance(minutes=1)
    assert await escalate(store, CONFIG, clock.now()) == 3
    assert await recipients(store) == await users_of(store, people[:6])
    assert (await load_need(store, need_id)).waves == 2
    clock.advance(hours=2)
    assert await escalate(store, CONFIG, clock.now()) == 1
    clock.advance(hours=2)
    assert await escalate(store, CONFIG, clock.now()) == 0  # everyone asked
    assert (await load_need(store, need_id)).waves == 3


async def test_short_notice_needs_escalate_faster(sqlite_store: Store, clock: FixedClock) -> None:
    start = clock.now() + timedelta(hours=4)  # a quarter of that: the next wave after 1 h
    need_id = await need(sqlite_store, await organisation(sqlite_store), starts_at=start)
    for i in range(5):
        await volunteer(sqlite_store, km=0.5 + i)
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 3
    clock.advance(minutes=59)
    assert await escalate(sqlite_store, CONFIG, clock.now()) == 0
    clock.advance(minutes=1)
    assert await escalate(sqlite_store, CONFIG, clock.now()) == 2


async def test_escalation_stops_when_the_need_is_filled(
    sqlite_store: Store, clock: FixedClock
) -> None:
    need_id = await need(sqlite_store, await organisation(sqlite_store))
    people = [await volunteer(sqlite_store, km=0.5 + i) for i in range(6)]
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 3
    clock.advance(minutes=30)
    async with sqlite_store.transaction() as uow:
        await uow.signups.sign_up(need_id, people[0], clock.now())
    clock.advance(hours=3)
    assert await escalate(sqlite_store, CONFIG, clock.now()) == 0
    assert len(await outbox(sqlite_store)) == 3


async def test_escalation_ignores_needs_that_started(
    sqlite_store: Store, clock: FixedClock
) -> None:
    start = clock.now() + timedelta(hours=1)
    need_id = await need(sqlite_store, await organisation(sqlite_store), starts_at=start)
    for i in range(5):
        await volunteer(sqlite_store, km=0.5 + i)
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 3
    clock.advance(hours=1)
    assert await escalate(sqlite_store, CONFIG, clock.now()) == 0


async def test_escalate_sends_a_missed_first_wave_of_an_undated_need(
    store: Store, clock: FixedClock
) -> None:
    """A lost publish hook costs a few minutes, not the push; old needs stay quiet."""
    org = await organisation(store)
    fresh = await need(store, org, starts_at=None, created_at=clock.now())
    old = await need(store, org, starts_at=None, created_at=clock.now() - timedelta(days=2))
    await volunteer(store)
    clock.advance(minutes=5)
    assert await escalate(store, CONFIG, clock.now()) == 1
    assert [sent.dedup_key.split(":")[1] for sent in await outbox(store)] == [str(fresh)]
    await volunteer(store, km=2)
    clock.advance(hours=5)
    assert await escalate(store, CONFIG, clock.now()) == 0  # undated: one wave only
    assert (await load_need(store, old)).waves == 0


# -- the message ------------------------------------------------------------------------


async def test_the_push_is_written_in_each_recipients_language(
    sqlite_store: Store, clock: FixedClock
) -> None:
    need_id = await need(sqlite_store, await organisation(sqlite_store), capacity=2)
    english = await volunteer(sqlite_store, locale="en", km=1)
    german = await volunteer(sqlite_store, locale="de", km=2)
    await push_need(sqlite_store, CONFIG, clock.now(), need_id)
    sent = {message.user_id: message for message in await outbox(sqlite_store)}
    en, de = sent[await user_of(sqlite_store, english)], sent[await user_of(sqlite_store, german)]
    assert "A new need near you" in en.text
    assert "Sorting donations" in en.text and "Tafel Aachen" in en.text
    assert "Saturday, 6 June, 10:00" in en.text
    assert "Children & youth" in en.text  # why it fits
    assert "2 spots left" in en.text
    assert "you asked to hear about urgent needs right away" in en.text
    assert en.labels == ["I'll help", "Not for me", "Fewer messages"]
    assert en.values == [f"@signup:{need_id}", f"@decline:{need_id}", "@fewer"]
    assert "Samstag, 6. Juni" in de.text and "Saturday" not in de.text
    assert "Kinder" in de.text
    assert de.labels[:2] == ["Ich helfe mit", "Nichts für mich"]
    assert de.values == en.values


# -- answering a push in the chat ------------------------------------------------------


@pytest.fixture
def engine(sqlite_store: Store, clock: FixedClock) -> Engine:
    registry = build_registry()
    pushes.register(registry)
    return Engine(sqlite_store, registry, CONFIG, clock=clock)


_events = itertools.count(1)


async def press(engine: Engine, sent: Sent, label: str) -> str:
    """Show the queued push in the recipient's chat, as the worker would, and tap a button."""
    who = Identity("console", sent.user_id, sent.user_id)
    shown = await engine.push(who, sent.replies)
    token = next(b.token for reply in shown for b in reply.flat_buttons if b.label == label)
    event = ButtonPress(identity=who, event_id=f"push-{next(_events)}", token=token)
    return "\n".join(reply.text for reply in await engine.handle(event))


async def test_fewer_messages_switches_to_the_daily_digest(
    sqlite_store: Store, clock: FixedClock, engine: Engine
) -> None:
    org = await organisation(sqlite_store)
    first, second = await need(sqlite_store, org), await need(sqlite_store, org)
    person = await volunteer(sqlite_store)
    await push_need(sqlite_store, CONFIG, clock.now(), first)
    [sent] = await outbox(sqlite_store)
    answer = await press(engine, sent, "Fewer messages")
    assert "no more instant messages" in answer and "daily digest" in answer
    assert "/profile" in answer and "Edit notifications" in answer
    async with sqlite_store.transaction() as uow:
        profile = await uow.profiles.get(person)
        assert profile is not None and profile.notify_mode == "daily"
    assert await push_need(sqlite_store, CONFIG, clock.now(), second) == 0
    again = await press(engine, sent, "Fewer messages")
    assert "You don't get instant messages any more" in again and "Daily digest" in again


async def test_fewer_messages_needs_a_profile(
    sqlite_store: Store, clock: FixedClock, engine: Engine
) -> None:
    stranger = Sent("stranger", "", [Reply("?", buttons=((Button("Fewer messages", "@fewer"),),))])
    assert "/start" in await press(engine, stranger, "Fewer messages")


async def test_a_yes_after_the_need_filled_is_told_it_is_full(
    sqlite_store: Store, clock: FixedClock, engine: Engine
) -> None:
    need_id = await need(sqlite_store, await organisation(sqlite_store))
    await volunteer(sqlite_store, km=1)
    await volunteer(sqlite_store, km=2)
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 2
    quick, slow = await outbox(sqlite_store)
    assert "You are signed up" in await press(engine, quick, "I'll help")
    clock.advance(minutes=10)
    assert "all spots are taken already" in await press(engine, slow, "I'll help")
    assert (await load_need(sqlite_store, need_id)).taken == 1


async def test_not_for_me_is_remembered(
    sqlite_store: Store, clock: FixedClock, engine: Engine
) -> None:
    need_id = await need(sqlite_store, await organisation(sqlite_store))
    person = await volunteer(sqlite_store)
    await push_need(sqlite_store, CONFIG, clock.now(), need_id)
    [sent] = await outbox(sqlite_store)
    assert "won't suggest this one again" in await press(engine, sent, "Not for me")
    async with sqlite_store.transaction() as uow:
        assert await uow.session.get(NeedDecline, (person, need_id)) is not None


# -- the publish hook -------------------------------------------------------------------


async def test_the_publish_hook_pushes_the_first_wave_after_the_commit(
    sqlite_store: Store, clock: FixedClock
) -> None:
    need_id = await need(sqlite_store, await organisation(sqlite_store))
    await volunteer(sqlite_store)
    woken: list[bool] = []
    hook = FirstWaveHook(sqlite_store, CONFIG, clock, wake=lambda: woken.append(True), delay=0)
    assert hook(need_id) is None  # nothing for the posting step to await
    for task in list(hook.tasks):
        await task
    assert len(await outbox(sqlite_store)) == 1
    assert woken == [True]
