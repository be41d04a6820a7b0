"""/stats: the numbers on known data (both database backends) and the reply with its chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialogs.coordination_common import district_codes
from dialogs.coordination_stats import per_day, render_chart
from dialogs.engine import Engine
from storage.db import Store
from storage.models import Need, Organisation, SignUp
from storage.statistics import statistics_of
from tests.dialogs.coordination_helpers import (
    AACHEN_KEY,
    DUEREN_KEY,
    Delivered,
    add_municipality,
    add_person,
    make_engine,
)
from tests.fakes import FixedClock
from tests.harness import Chat

NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


@dataclass
class Seeded:
    aachen: int
    dueren: int


async def organisation(store: Store, municipality_id: int, status: str = "approved") -> int:
    async with store.transaction() as uow:
        added = await uow.organisations.add(
            Organisation(
                name=f"Org {status} {municipality_id}",
                kind="association",
                postal_code="52062",
                latitude=50.77,
                longitude=6.08,
                status=status,
                municipality_id=municipality_id,
            )
        )
        assert added.id is not None
        return added.id


async def need(store: Store, organisation_id: int, **fields) -> int:  # type: ignore[no-untyped-def]
    fields.setdefault("created_at", NOW - 3 * DAY)
    async with store.transaction() as uow:
        added = await uow.needs.add(
            Need(
                organisation_id=organisation_id,
                title="Help",
                postal_code="52062",
                latitude=50.77,
                longitude=6.08,
                **fields,
            )
        )
        assert added.id is not None
        return added.id


async def sign_up(
    store: Store, need_id: int, person_id: int, ago: timedelta, status: str = "active"
) -> None:
    async with store.transaction() as uow:
        uow.session.add(
            SignUp(need_id=need_id, person_id=person_id, created_at=NOW - ago, status=status)
        )


async def seed(store: Store) -> Seeded:
    """Aachen: 2 volunteers (1 new), 1 approved organisation with 2 open needs, 3 ended
    needs of which 1 was full, 2 filled in the window (after 5 h and 25 h), 3 sign-ups.
    Düren, a pending organisation, old and cancelled rows add noise that must not count."""
    clock = FixedClock(NOW - 60 * DAY)
    aachen = await add_municipality(store, "Aachen", "aachen", AACHEN_KEY)
    dueren = await add_municipality(store, "Düren", "dueren", DUEREN_KEY)
    old = await add_person(store, "old", postal_code="52062", now=clock)
    new = await add_person(store, "new", postal_code="52064", now=FixedClock(NOW - 3 * DAY))
    await add_person(store, "duerener", postal_code="52349")
    async with store.transaction() as uow:  # started, never finished onboarding
        unfinished = await uow.profiles.get(await add_person(store, "x", postal_code="52222"))
        assert unfinished is not None
        unfinished.completed_at = None
        await uow.profiles.save(unfinished)
    mine = await organisation(store, aachen)
    pending = await organisation(store, aachen, "pending")
    theirs = await organisation(store, dueren)

    future = await need(store, mine, starts_at=NOW + 2 * DAY, capacity=2)
    await need(store, mine)  # open, undated
    full = await need(
        store, mine, starts_at=NOW - DAY, ends_at=NOW - DAY + 2 * HOUR, taken=1,
        filled_at=NOW - 3 * DAY + 5 * HOUR,
    )  # fmt: skip
    await need(
        store, mine, starts_at=NOW - 10 * DAY - HOUR, ends_at=NOW - 10 * DAY, capacity=3, taken=1
    )
    await need(store, mine, starts_at=NOW - 2 * DAY)  # ended by its start, nobody came
    await need(store, mine, status="cancelled", starts_at=NOW - 5 * DAY, ends_at=NOW - 5 * DAY)
    await need(store, mine, starts_at=NOW - 40 * DAY, ends_at=NOW - 40 * DAY)
    filled = await need(
        store, mine, status="filled", starts_at=NOW + 5 * DAY, capacity=2, taken=2,
        created_at=NOW - 2 * DAY, filled_at=NOW - 2 * DAY + 25 * HOUR,
    )  # fmt: skip
    await need(store, pending, starts_at=NOW + DAY)
    elsewhere = await need(
        store, theirs, starts_at=NOW - DAY, ends_at=NOW - DAY, taken=1, filled_at=NOW - 2 * DAY
    )

    await sign_up(store, full, old, 2 * DAY)
    await sign_up(store, filled, old, DAY)
    await sign_up(store, filled, new, 2 * DAY + HOUR)
    await sign_up(store, future, new, DAY, status="cancelled")
    await sign_up(store, future, old, 40 * DAY)
    await sign_up(store, elsewhere, new, DAY)
    return Seeded(aachen, dueren)


async def test_municipality_numbers_on_known_data(store: Store) -> None:
    seeded = await seed(store)
    async with store.transaction() as uow:
        stats = await statistics_of(uow).municipality(
            seeded.aachen, district_codes(AACHEN_KEY), NOW - 30 * DAY, NOW
        )
    assert (stats.volunteers, stats.new_volunteers) == (2, 1)
    assert stats.organisations == 1
    assert stats.open_needs == 2
    assert stats.sign_ups == 3
    assert sorted(stats.sign_up_times) == [NOW - 2 * DAY - HOUR, NOW - 2 * DAY, NOW - DAY]
    assert (stats.needs_ended, stats.needs_ended_full) == (3, 1)
    assert stats.fill_rate == pytest.approx(1 / 3)
    assert sorted(stats.fill_times) == [5 * HOUR, 25 * HOUR]
    assert stats.median_time_to_fill == 15 * HOUR


async def test_an_empty_municipality_has_no_rates(store: Store) -> None:
    seeded = await seed(store)
    async with store.transaction() as uow:
        stats = await statistics_of(uow).municipality(
            seeded.dueren, [], NOW - 30 * DAY, NOW - 29 * DAY
        )
    assert (stats.volunteers, stats.sign_ups, stats.needs_ended) == (0, 0, 0)
    assert stats.fill_rate is None and stats.median_time_to_fill is None


def test_sign_ups_are_counted_per_local_day() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    days = [date(2026, 6, 4), date(2026, 6, 5)]
    late = datetime(2026, 6, 4, 22, 30, tzinfo=UTC)  # 00:30 on the 5th in Berlin
    early = datetime(2026, 6, 4, 8, 0, tzinfo=UTC)
    assert per_day([late, early, late], days, berlin) == [1, 2]


def test_the_chart_is_a_small_png() -> None:
    png = render_chart([f"{d}.6." for d in range(1, 31)], list(range(30)), "Sign-ups per day")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert 1_000 < len(png) < 200_000


@pytest.fixture
def delivered() -> Delivered:
    return []


@pytest.fixture
def engine(sqlite_store: Store, clock: FixedClock, delivered: Delivered) -> Engine:
    return make_engine(sqlite_store, clock, delivered)


async def test_stats_reply_has_the_numbers_and_the_chart(
    sqlite_store: Store, engine: Engine
) -> None:
    seeded = await seed(sqlite_store)
    await add_person(sqlite_store, "cora", coordinator_of=[seeded.aachen])
    cora = Chat(engine, user="cora", language_hint="en")
    await cora.send("/stats")
    [reply] = cora.last
    lines = reply.text.splitlines()
    assert lines[0] == "📊 Aachen, the last 30 days (5/7/26 – 6/5/26):"
    assert lines[1:] == [
        "Volunteers: 2 (1 new)",
        "Organisations: 1",
        "Open needs: 2",
        "Sign-ups: 3",
        "Fill rate: 33 % (1 of 3 needs that ended had every spot taken)",
        "Median time to fill: 15 hours",
        "Open offers: 0 · open searches: 0",
        "Partner connections: 0",
    ]
    assert reply.attachment is not None
    assert reply.attachment.filename == "stats.png"
    assert reply.attachment.mime_type == "image/png" and reply.attachment.kind == "image"
    assert reply.attachment.content.startswith(b"\x89PNG")


async def test_stats_are_per_municipality(sqlite_store: Store, engine: Engine) -> None:
    seeded = await seed(sqlite_store)
    await add_person(sqlite_store, "dora", coordinator_of=[seeded.dueren])
    dora = Chat(engine, user="dora", language_hint="en")
    await dora.send("/stats dueren")
    assert "Volunteers: 1 (1 new)" in dora.text
    assert "Fill rate: 100 % (1 of 1 needs" in dora.text
    assert "Median time to fill: 24 hours" in dora.text
    await dora.send("/stats nowhere")
    assert "I don't know the municipality “nowhere”" in dora.text
