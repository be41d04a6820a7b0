"""Pushes and the clock: quiet hours across midnight and DST, the local day of the
daily cap, and when the next wave is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogs.pushes import escalate, push_need
from dialogs.pushes_policy import in_quiet_hours, local_midnight, wave_due
from storage.db import Store
from storage.models import Need, VolunteerProfile
from tests.dialogs.pushes_support import (
    BERLIN,
    CONFIG,
    load_need,
    need,
    notify,
    organisation,
    recipients,
    user_of,
    volunteer,
)
from tests.fakes import FixedClock


def test_wave_due_rule() -> None:
    now = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)
    two_hours = timedelta(hours=2)
    fresh = Need(organisation_id=1, title="x", postal_code="1", latitude=0, longitude=0)
    fresh.starts_at = now + timedelta(days=3)
    assert wave_due(fresh, now, two_hours)  # no wave yet
    fresh.last_wave_at = now - timedelta(minutes=119)
    assert not wave_due(fresh, now, two_hours)
    fresh.last_wave_at = now - two_hours
    assert wave_due(fresh, now, two_hours)
    fresh.starts_at, fresh.last_wave_at = None, now - timedelta(days=1)
    assert not wave_due(fresh, now, two_hours)


async def test_quiet_hours_hold_the_push_until_the_morning(
    sqlite_store: Store, clock: FixedClock
) -> None:
    clock.current = datetime(2026, 6, 5, 19, 30, tzinfo=UTC)  # 21:30 in Berlin
    sunday = datetime(2026, 6, 7, 8, 0, tzinfo=UTC)
    need_id = await need(sqlite_store, await organisation(sqlite_store), starts_at=sunday)
    sleeper = await volunteer(sqlite_store)  # quiet 21:00–08:00, the default
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 0
    assert (await load_need(sqlite_store, need_id)).waves == 0
    clock.current = datetime(2026, 6, 6, 5, 59, tzinfo=UTC)  # 07:59
    assert await escalate(sqlite_store, CONFIG, clock.now()) == 0
    clock.advance(minutes=1)  # 08:00: the quiet hours are over
    assert await escalate(sqlite_store, CONFIG, clock.now()) == 1
    assert await recipients(sqlite_store) == {await user_of(sqlite_store, sleeper)}


async def test_a_second_push_after_quiet_hours_reaches_the_sleeper(
    sqlite_store: Store, clock: FixedClock
) -> None:
    clock.current = datetime(2026, 6, 5, 23, 0, tzinfo=UTC)  # 01:00 in Berlin
    need_id = await need(sqlite_store, await organisation(sqlite_store))
    await volunteer(sqlite_store)
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 0
    clock.advance(hours=7)  # 08:00
    assert await push_need(sqlite_store, CONFIG, clock.now(), need_id) == 1


@pytest.mark.parametrize(
    ("utc", "quiet"),
    [
        # the last Sunday of March: 02:00 becomes 03:00, so 06:30 UTC is 08:30 already
        (datetime(2026, 3, 29, 5, 30, tzinfo=UTC), True),
        (datetime(2026, 3, 29, 6, 30, tzinfo=UTC), False),
        (datetime(2026, 3, 28, 19, 59, tzinfo=UTC), False),  # 20:59 CET
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), True),  # 01:30, across midnight
        # the last Sunday of October: 03:00 becomes 02:00, so 06:30 UTC is only 07:30
        (datetime(2026, 10, 25, 6, 30, tzinfo=UTC), True),
        (datetime(2026, 10, 25, 7, 0, tzinfo=UTC), False),
        (datetime(2026, 10, 24, 19, 0, tzinfo=UTC), True),  # 21:00 CEST
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), True),  # 02:30 CEST, the first one
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), True),  # 02:30 CET, the second one
    ],
)
def test_quiet_hours_follow_local_time_on_dst_days(utc: datetime, quiet: bool) -> None:
    profile = VolunteerProfile(person_id=1)  # 21:00–08:00
    assert in_quiet_hours(profile, utc, BERLIN) is quiet


@pytest.mark.parametrize(
    ("quiet_from", "quiet_until", "local", "quiet"),
    [
        (22 * 60, 6 * 60, "23:30", True),
        (22 * 60, 6 * 60, "05:59", True),
        (22 * 60, 6 * 60, "06:00", False),
        (22 * 60, 6 * 60, "21:59", False),
        (22 * 60, 6 * 60, "22:00", True),
        (9 * 60, 12 * 60, "10:00", True),
        (9 * 60, 12 * 60, "12:00", False),
        (8 * 60, 8 * 60, "08:00", False),  # equal bounds: no quiet hours at all
    ],
)
def test_quiet_hours_may_wrap_midnight(
    quiet_from: int, quiet_until: int, local: str, quiet: bool
) -> None:
    hour, minute = map(int, local.split(":"))
    moment = datetime(2026, 6, 5, hour, minute, tzinfo=BERLIN)
    profile = VolunteerProfile(person_id=1, quiet_from=quiet_from, quiet_until=quiet_until)
    assert in_quiet_hours(profile, moment, BERLIN) is quiet


@pytest.mark.parametrize(
    ("utc", "midnight"),
    [
        (datetime(2026, 3, 29, 10, 0, tzinfo=UTC), datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 10, 0, tzinfo=UTC), datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
        (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
        (datetime(2026, 10, 24, 21, 30, tzinfo=UTC), datetime(2026, 10, 23, 22, 0, tzinfo=UTC)),
    ],
)
def test_the_day_starts_at_local_midnight_on_dst_days(utc: datetime, midnight: datetime) -> None:
    assert local_midnight(utc, BERLIN).astimezone(UTC) == midnight


async def test_the_daily_cap_counts_from_local_not_utc_midnight(sqlite_store: Store) -> None:
    """00:30 in Berlin is still yesterday in UTC: three pushes at 23:30 were yesterday."""
    now = datetime(2026, 6, 5, 22, 30, tzinfo=UTC)  # 00:30 on Saturday in Berlin
    org = await organisation(sqlite_store)
    need_id = await need(sqlite_store, org)
    others = [await need(sqlite_store, org, title=f"o{i}") for i in range(3)]
    night_owl = await volunteer(sqlite_store, quiet_from=0, quiet_until=0)
    await notify(sqlite_store, night_owl, others, datetime(2026, 6, 5, 21, 30, tzinfo=UTC))
    assert await push_need(sqlite_store, CONFIG, now, need_id) == 1


@pytest.mark.parametrize(
    ("now", "reached"),
    [
        (datetime(2026, 3, 29, 5, 30, tzinfo=UTC), False),  # 07:30 CEST
        (datetime(2026, 3, 29, 6, 30, tzinfo=UTC), True),  # 08:30 CEST
        (datetime(2026, 10, 25, 6, 30, tzinfo=UTC), False),  # 07:30 CET
        (datetime(2026, 10, 25, 7, 30, tzinfo=UTC), True),  # 08:30 CET
    ],
)
async def test_pushes_on_dst_days(sqlite_store: Store, now: datetime, reached: bool) -> None:
    start = now + timedelta(hours=6)
    org = await organisation(sqlite_store)
    need_id = await need(sqlite_store, org, starts_at=start, created_at=now)
    others = [await need(sqlite_store, org, starts_at=start, title=f"o{i}") for i in range(3)]
    fresh = await volunteer(sqlite_store)
    capped = await volunteer(sqlite_store)
    # 00:30 local on the DST day: counts; 23:30 local the evening before: does not
    midnight = local_midnight(now, BERLIN).astimezone(UTC)
    await notify(sqlite_store, capped, others, midnight + timedelta(minutes=30))
    await notify(sqlite_store, fresh, others, midnight - timedelta(minutes=30))
    queued = await push_need(sqlite_store, CONFIG, now, need_id)
    assert queued == (1 if reached else 0)
    if reached:
        assert await recipients(sqlite_store) == {await user_of(sqlite_store, fresh)}
