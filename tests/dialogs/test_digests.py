"""Daily and weekly digests: local timing (also across DST), content, no repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from dialogs.digests import send_digests
from dialogs.engine import Engine
from dialogs.flow import EngineConfig
from dialogs.setup import build_registry
from storage.db import Store
from storage.models import Account, Conversation, NeedNotification
from tests.dialogs.jobs_support import (
    add_need,
    add_organisation,
    add_volunteer,
    labels_of,
    outbox,
    shown,
    text_of,
)
from tests.fakes import FixedClock
from tests.harness import Chat

CONFIG = EngineConfig()  # Europe/Berlin


async def run_hourly(store: Store, start: datetime, hours: int, twice: bool = True) -> int:
    """Run the job like an hourly scheduler (at :05), optionally a second time each hour."""
    queued = 0
    for hour in range(hours):
        moment = start + timedelta(hours=hour, minutes=5)
        queued += await send_digests(store, CONFIG, moment)
        if twice:
            queued += await send_digests(store, CONFIG, moment + timedelta(minutes=30))
    return queued


async def notified(store: Store, person_id: int) -> set[int]:
    async with store.transaction() as uow:
        result = await uow.session.exec(
            select(NeedNotification.need_id).where(NeedNotification.person_id == person_id)
        )
        return set(result.all())


async def test_a_daily_digest_arrives_once_at_18_local_with_the_best_needs(
    sqlite_store: Store,
) -> None:
    org = await add_organisation(sqlite_store)
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    far = await add_need(sqlite_store, org, start, title="Reading aloud", north_km=6)
    near = await add_need(sqlite_store, org, start, title="Garden day", north_km=0.5)
    anna = await add_volunteer(sqlite_store, "anna")

    assert await run_hourly(sqlite_store, datetime(2026, 6, 5, 0, 0, tzinfo=UTC), 24) == 1

    [digest] = await outbox(sqlite_store, "digest:")
    assert digest.dedup_key == f"digest:{anna}:2026-06-05"
    assert digest.created_at == datetime(2026, 6, 5, 16, 5, tzinfo=UTC)  # 18:05 in Berlin
    assert (digest.transport, digest.user_id) == ("telegram", "anna")
    text = text_of(digest)
    assert "Your daily digest: 2 new needs that fit you." in text
    assert text.index("1. Garden day – Kita Sonnenblume") < text.index("2. Reading aloud")
    assert "500 m" in text and "6.0 km" in text and "Wednesday, 10 June, 10:00" in text
    assert labels_of(digest) == ["Details 1", "Details 2"]
    assert await notified(sqlite_store, anna) == {near, far}


async def test_no_new_needs_no_digest_and_later_only_the_new_ones(sqlite_store: Store) -> None:
    org = await add_organisation(sqlite_store)
    await add_need(sqlite_store, org, datetime(2026, 6, 20, 8, tzinfo=UTC), title="Old news")
    await add_volunteer(sqlite_store, "anna")
    await run_hourly(sqlite_store, datetime(2026, 6, 5, 0, tzinfo=UTC), 24)

    assert await run_hourly(sqlite_store, datetime(2026, 6, 6, 0, tzinfo=UTC), 24) == 0

    await add_need(sqlite_store, org, datetime(2026, 6, 20, 8, tzinfo=UTC), title="Fresh")
    assert await run_hourly(sqlite_store, datetime(2026, 6, 7, 0, tzinfo=UTC), 24) == 1
    latest = (await outbox(sqlite_store, "digest:"))[-1]
    assert "Your daily digest: 1 new need that fits you." in text_of(latest)
    assert "Fresh" in text_of(latest) and "Old news" not in text_of(latest)


async def test_a_digest_lists_at_most_five_and_keeps_the_rest_for_tomorrow(
    sqlite_store: Store,
) -> None:
    org = await add_organisation(sqlite_store)
    for km in range(7):
        await add_need(sqlite_store, org, datetime(2026, 6, 20, 8, tzinfo=UTC), north_km=km + 0.5)
    anna = await add_volunteer(sqlite_store, "anna")
    await run_hourly(sqlite_store, datetime(2026, 6, 5, 0, tzinfo=UTC), 48)

    first, second = await outbox(sqlite_store, "digest:")
    assert labels_of(first) == [f"Details {n}" for n in range(1, 6)]
    assert labels_of(second) == ["Details 1", "Details 2"]
    assert second.dedup_key == f"digest:{anna}:2026-06-06"
    assert len(await notified(sqlite_store, anna)) == 7


@pytest.mark.parametrize(
    ("day", "expected_utc_hour"),
    [
        (datetime(2026, 3, 29, tzinfo=UTC), 16),  # clocks went forward at 02:00: CEST
        (datetime(2026, 10, 25, tzinfo=UTC), 17),  # clocks went back at 03:00: CET
    ],
)
async def test_the_digest_stays_at_18_local_across_daylight_saving_changes(
    sqlite_store: Store, day: datetime, expected_utc_hour: int
) -> None:
    org = await add_organisation(sqlite_store)
    await add_need(sqlite_store, org, day + timedelta(days=3, hours=9))
    await add_volunteer(sqlite_store, "anna")
    # from 18:00 UTC the day before to 06:00 UTC the day after, at :00 this time
    begin = day - timedelta(hours=6)
    for hour in range(36):
        await send_digests(sqlite_store, CONFIG, begin + timedelta(hours=hour))

    [digest] = await outbox(sqlite_store, "digest:")
    assert digest.created_at == day.replace(hour=expected_utc_hour)
    assert digest.dedup_key.endswith(day.date().isoformat())


async def test_weekly_digests_come_on_monday_only(sqlite_store: Store) -> None:
    org = await add_organisation(sqlite_store)
    await add_need(sqlite_store, org, datetime(2026, 6, 25, 8, tzinfo=UTC), title="Summer fair")
    ben = await add_volunteer(sqlite_store, "ben", notify_mode="weekly")

    # Friday 5 June to Thursday 11 June: one digest, on Monday 8 June at 18:05 local
    assert await run_hourly(sqlite_store, datetime(2026, 6, 5, 0, tzinfo=UTC), 7 * 24) == 1
    [digest] = await outbox(sqlite_store, "digest:")
    assert digest.dedup_key == f"digest:{ben}:2026-06-08"
    assert digest.created_at == datetime(2026, 6, 8, 16, 5, tzinfo=UTC)
    assert "Your weekly digest: 1 new need that fits you." in text_of(digest)

    await add_need(sqlite_store, org, datetime(2026, 6, 25, 8, tzinfo=UTC), title="Later")
    assert await send_digests(sqlite_store, CONFIG, datetime(2026, 6, 8, 16, 50, tzinfo=UTC)) == 0
    assert (
        await send_digests(
            sqlite_store, CONFIG, datetime(2026, 6, 9, 16, 5, tzinfo=UTC), weekly_day=1
        )
        == 1
    )


async def test_paused_off_and_instant_volunteers_get_no_digest(sqlite_store: Store) -> None:
    org = await add_organisation(sqlite_store)
    await add_need(sqlite_store, org, datetime(2026, 6, 20, 8, tzinfo=UTC))
    await add_volunteer(sqlite_store, "paused", paused=True)
    await add_volunteer(sqlite_store, "off", notify_mode="off")
    await add_volunteer(sqlite_store, "instant", notify_mode="instant")
    daily = await add_volunteer(sqlite_store, "daily")

    assert await run_hourly(sqlite_store, datetime(2026, 6, 5, 0, tzinfo=UTC), 24) == 1
    [digest] = await outbox(sqlite_store, "digest:")
    assert digest.dedup_key == f"digest:{daily}:2026-06-05"


async def test_the_digest_is_in_the_volunteers_language(sqlite_store: Store) -> None:
    org = await add_organisation(sqlite_store)
    await add_need(sqlite_store, org, datetime(2026, 6, 20, 8, tzinfo=UTC), title="Lesepate")
    await add_volunteer(sqlite_store, "dora", locale="de")
    await run_hourly(sqlite_store, datetime(2026, 6, 5, 0, tzinfo=UTC), 24)
    [digest] = await outbox(sqlite_store, "digest:")
    assert "Samstag, 20. Juni, 10:00" in text_of(digest)


async def test_a_details_button_of_the_digest_shows_the_need(
    sqlite_store: Store, clock: FixedClock
) -> None:
    org = await add_organisation(sqlite_store)
    await add_need(sqlite_store, org, datetime(2026, 6, 20, 8, tzinfo=UTC), title="Garden day")
    await add_volunteer(sqlite_store, "anna")
    await run_hourly(sqlite_store, datetime(2026, 6, 5, 0, tzinfo=UTC), 24)
    [digest] = await outbox(sqlite_store, "digest:")

    engine = Engine(sqlite_store, build_registry(), CONFIG, clock=clock)
    chat = Chat(engine, user="anna", transport="telegram", language_hint="en")
    chat.last = await shown(engine, digest)
    await chat.press("Details 1")
    assert "Garden day" in chat.text and "Hauptstraße 1" in chat.text
    assert "I'll help" in chat.labels


async def test_the_digest_goes_to_the_messenger_used_last(sqlite_store: Store) -> None:
    org = await add_organisation(sqlite_store)
    await add_need(sqlite_store, org, datetime(2026, 6, 20, 8, tzinfo=UTC))
    anna = await add_volunteer(sqlite_store, "anna")  # on Telegram
    async with sqlite_store.transaction() as uow:
        uow.session.add(
            Account(person_id=anna, transport="matrix", user_id="@anna:x", chat_id="!room:x")
        )
        for transport, user, chat, day in (
            ("telegram", "anna", "anna", 1),
            ("matrix", "@anna:x", "!room:x", 3),
        ):
            uow.session.add(
                Conversation(
                    key=f"{transport}:{chat}:{user}",
                    transport=transport,
                    user_id=user,
                    chat_id=chat,
                    updated_at=datetime(2026, 6, day, tzinfo=UTC),
                )
            )
    await run_hourly(sqlite_store, datetime(2026, 6, 5, 0, tzinfo=UTC), 24)
    [digest] = await outbox(sqlite_store, "digest:")
    assert (digest.transport, digest.chat_id) == ("matrix", "!room:x")
