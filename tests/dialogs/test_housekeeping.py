"""Expiry (needs, windows, stale dialogs, processed updates) and data retention."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from dialogs.engine import Engine
from dialogs.flow import EngineConfig
from dialogs.housekeeping import expire, retain
from dialogs.setup import build_registry
from storage.db import Store
from storage.models import (
    Account,
    AuditEntry,
    Conversation,
    Coordinator,
    Municipality,
    Need,
    Person,
    ProcessedUpdate,
    SignUp,
    VolunteerProfile,
)
from tests.dialogs.jobs_support import (
    add_admin,
    add_need,
    add_organisation,
    add_volunteer,
    outbox,
    sign_up,
    text_of,
)
from tests.fakes import FixedClock
from tests.harness import Chat

CONFIG = EngineConfig()
NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)
LONG_AGO = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)  # more than a year before NOW


async def statuses(store: Store) -> dict[str, str]:
    async with store.transaction() as uow:
        return {need.title: need.status for need in (await uow.session.exec(select(Need))).all()}


async def test_expire_closes_needs_that_are_over_and_only_those(sqlite_store: Store) -> None:
    org = await add_organisation(sqlite_store)
    h = timedelta(hours=1)
    await add_need(sqlite_store, org, NOW - 5 * h, ends_at=NOW - h, title="ended")
    await add_need(sqlite_store, org, NOW - 5 * h, ends_at=NOW + h, title="still running")
    await add_need(sqlite_store, org, NOW - 4 * h, title="started 4 h ago, no end")
    await add_need(sqlite_store, org, NOW - 2 * h, title="started 2 h ago, no end")
    await add_need(sqlite_store, org, None, title="long-term", created_at=LONG_AGO)
    await add_need(sqlite_store, org, NOW + 24 * h, title="tomorrow")
    await add_need(sqlite_store, org, NOW - 9 * h, ends_at=NOW - h, title="filled", status="filled")

    counts = await expire(sqlite_store, CONFIG, NOW)

    assert counts["needs_closed"] == 2
    assert await statuses(sqlite_store) == {
        "ended": "closed",
        "still running": "open",
        "started 4 h ago, no end": "closed",
        "started 2 h ago, no end": "open",
        "long-term": "open",
        "tomorrow": "open",
        "filled": "filled",
    }


async def test_expire_clears_ended_windows_resets_stale_dialogs_and_forgets_updates(
    sqlite_store: Store,
) -> None:
    ended, running = await add_volunteer(sqlite_store, "a"), await add_volunteer(sqlite_store, "b")
    async with sqlite_store.transaction() as uow:
        for person_id, end in (
            (ended, NOW - timedelta(minutes=1)),
            (running, NOW + timedelta(hours=1)),
        ):
            profile = await uow.profiles.get(person_id)
            assert profile is not None
            profile.window_start, profile.window_end = NOW - timedelta(hours=2), end
            uow.session.add(profile)
        for key, dialog, age in (
            ("stale", "onboarding", 31),
            ("recent", "onboarding", 29),
            ("idle", None, 90),
        ):
            uow.session.add(
                Conversation(
                    key=key, transport="console", user_id=key, chat_id=key, dialog=dialog,
                    step="interests" if dialog else None, data={"draft": 1} if dialog else {},
                    menu_id="m1", menu=[["Done", "done"]], locale="en",
                    updated_at=NOW - timedelta(days=age),
                )
            )  # fmt: skip
        for event_id, age in (("old", 8), ("new", 6)):
            uow.session.add(
                ProcessedUpdate(
                    transport="console", event_id=event_id, processed_at=NOW - timedelta(days=age)
                )
            )

    counts = await expire(sqlite_store, CONFIG, NOW)

    assert counts == {
        "needs_closed": 0,
        "windows_cleared": 1,
        "conversations_reset": 1,
        "updates_forgotten": 1,
    }
    async with sqlite_store.transaction() as uow:
        windows = {
            profile.person_id: profile.window_end
            for profile in (await uow.session.exec(select(VolunteerProfile))).all()
        }
        assert windows == {ended: None, running: NOW + timedelta(hours=1)}
        stale = await uow.conversations.get("stale")
        recent = await uow.conversations.get("recent")
        idle = await uow.conversations.get("idle")
        assert stale is not None and recent is not None and idle is not None
        assert (stale.dialog, stale.step, stale.data, stale.menu, stale.menu_id) == (
            None, None, {}, [], None,
        )  # fmt: skip
        assert stale.locale == "en"
        assert (recent.dialog, recent.step, recent.data) == (
            "onboarding",
            "interests",
            {"draft": 1},
        )
        assert idle.menu == [["Done", "done"]]
        assert not await uow.updates.seen("console", "old")
        assert await uow.updates.seen("console", "new")

    assert set((await expire(sqlite_store, CONFIG, NOW)).values()) == {0}


# -- retention -----------------------------------------------------------------------------


async def person(store: Store, person_id: int) -> Person | None:
    async with store.transaction() as uow:
        return await uow.session.get(Person, person_id)


async def audit_actions(store: Store) -> list[str]:
    async with store.transaction() as uow:
        entries = (await uow.session.exec(select(AuditEntry))).all()
        return [entry.action for entry in entries if entry.role == "system"]


async def test_an_inactive_volunteer_is_warned_and_erased_after_the_grace_period(
    sqlite_store: Store, clock: FixedClock
) -> None:
    org = await add_organisation(sqlite_store)
    await add_admin(sqlite_store, org)  # active: joined this year
    ongoing = await add_need(sqlite_store, org, None, title="Reading buddy")
    anna = await add_volunteer(sqlite_store, "anna", created_at=LONG_AGO, last_seen_at=LONG_AGO)
    await sign_up(sqlite_store, ongoing, anna, LONG_AGO)

    assert await retain(sqlite_store, CONFIG, clock.now()) == {"warned": 1, "erased": 0, "kept": 0}
    [warning] = await outbox(sqlite_store, "retention:")
    assert (warning.transport, warning.user_id) == ("telegram", "anna")
    assert "You have not used Engage since June 1, 2025." in text_of(warning)
    assert "send me any message within 30 days" in text_of(warning)
    warned = await person(sqlite_store, anna)
    assert warned is not None and warned.retention_warned_at == clock.now()
    assert await retain(sqlite_store, CONFIG, clock.now()) == {"warned": 0, "erased": 0, "kept": 0}

    clock.advance(days=29)
    assert await retain(sqlite_store, CONFIG, clock.now()) == {"warned": 0, "erased": 0, "kept": 0}
    clock.advance(days=2)
    assert await retain(sqlite_store, CONFIG, clock.now()) == {"warned": 0, "erased": 1, "kept": 0}

    assert await person(sqlite_store, anna) is None
    async with sqlite_store.transaction() as uow:
        assert (
            await uow.session.exec(select(Account).where(Account.user_id == "anna"))
        ).all() == []
        [kept_sign_up] = (await uow.session.exec(select(SignUp))).all()
        assert (kept_sign_up.person_id, kept_sign_up.status) == (None, "cancelled")
        need = await uow.session.get(Need, ongoing)
        assert need is not None and need.taken == 0
    [told] = await outbox(sqlite_store, f"retention-erased:{anna}:")
    assert told.user_id == "olga" and "A volunteer withdrew from “Reading buddy”" in text_of(told)
    assert await audit_actions(sqlite_store) == ["retention_erase"]


async def test_a_message_during_the_grace_period_keeps_the_account(
    sqlite_store: Store, clock: FixedClock
) -> None:
    anna = await add_volunteer(
        sqlite_store, "anna", transport="console", created_at=LONG_AGO, last_seen_at=LONG_AGO
    )
    assert (await retain(sqlite_store, CONFIG, clock.now()))["warned"] == 1

    clock.advance(days=10)
    chat = Chat(Engine(sqlite_store, build_registry(), CONFIG, clock=clock), language_hint="en")
    await chat.send("Hello")
    assert chat.last  # answered, and seen
    clock.advance(days=25)

    assert await retain(sqlite_store, CONFIG, clock.now()) == {"warned": 0, "erased": 0, "kept": 0}
    kept = await person(sqlite_store, anna)
    assert kept is not None and kept.retention_warned_at is None
    assert kept.last_seen_at == clock.now() - timedelta(days=25)


async def test_someone_never_seen_and_unreachable_is_still_erased(
    sqlite_store: Store, clock: FixedClock
) -> None:
    ghost = await add_volunteer(sqlite_store, "ghost", created_at=LONG_AGO)
    async with sqlite_store.transaction() as uow:
        await uow.people.mark_unreachable("telegram", "ghost", LONG_AGO)

    assert (await retain(sqlite_store, CONFIG, clock.now()))["warned"] == 1
    assert await outbox(sqlite_store, "retention:") == []  # nowhere to send it
    clock.advance(days=31)
    assert (await retain(sqlite_store, CONFIG, clock.now()))["erased"] == 1
    assert await person(sqlite_store, ghost) is None


async def test_the_last_admin_and_coordinators_are_only_warned(
    sqlite_store: Store, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    kita = await add_organisation(sqlite_store)
    club = await add_organisation(sqlite_store, "Sportverein")
    olga = await add_admin(sqlite_store, kita, "olga", created_at=LONG_AGO)
    paul = await add_admin(sqlite_store, club, "paul", created_at=LONG_AGO)
    async with sqlite_store.transaction() as uow:  # Olga co-administers the club with Paul
        assert await uow.governance.add_admin(club, olga)
        town = await uow.municipalities.add(
            Municipality(name="Aachen", slug="aachen", district_key="05334")
        )
        assert town.id is not None
        carl = await uow.people.create_with_account(
            transport="telegram", user_id="carl", chat_id="carl", locale="en"
        )
        assert carl.id is not None
        carl.created_at = LONG_AGO
        uow.session.add(Coordinator(municipality_id=town.id, person_id=carl.id))
        carl_id = carl.id

    assert (await retain(sqlite_store, CONFIG, clock.now()))["warned"] == 3
    warnings = {message.user_id: text_of(message) for message in await outbox(sqlite_store)}
    assert "You are the only admin of Kita Sonnenblume." in warnings["olga"]
    assert "send me any message within" not in warnings["olga"]
    assert "You are a coordinator of your municipality." in warnings["carl"]
    assert "only admin" not in warnings["paul"]  # Olga is still there for the club

    clock.advance(days=31)
    with caplog.at_level(logging.WARNING, logger="dialogs.housekeeping"):
        assert await retain(sqlite_store, CONFIG, clock.now()) == {
            "warned": 0,
            "erased": 1,
            "kept": 2,
        }
    assert await person(sqlite_store, paul) is None
    assert await person(sqlite_store, olga) is not None
    assert await person(sqlite_store, carl_id) is not None
    assert sum("is kept" in record.message for record in caplog.records) == 2
    assert sorted(await audit_actions(sqlite_store)) == [
        "retention_erase",
        "retention_keep",
        "retention_keep",
    ]
    async with sqlite_store.transaction() as uow:
        assert await uow.governance.admin_ids(club) == [olga]  # now the only one

    # logged once per grace period, not on every run
    assert (await retain(sqlite_store, CONFIG, clock.now()))["kept"] == 0
