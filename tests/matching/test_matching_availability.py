from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.availability import (
    AFTERNOON,
    EVENING,
    FLEXIBLE,
    MORNING,
    WEEKDAY_EVENINGS,
    WEEKENDS,
    mask_of,
    overlaps,
    slot_bit,
    slots_in,
    slots_of,
    window_overlaps,
)

BERLIN = ZoneInfo("Europe/Berlin")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def local(*args: int) -> datetime:
    """A Berlin wall-clock time as an aware UTC datetime (what storage holds)."""
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def test_slot_bits_and_presets() -> None:
    assert slot_bit(MON, MORNING) == 1
    assert slot_bit(MON, EVENING) == 1 << 2
    assert slot_bit(SUN, EVENING) == 1 << 20
    assert FLEXIBLE == (1 << 21) - 1
    assert slots_in(WEEKENDS) == tuple((d, p) for d in (SAT, SUN) for p in range(3))
    assert slots_in(WEEKDAY_EVENINGS) == tuple((d, EVENING) for d in range(5))
    assert mask_of((TUE,), (AFTERNOON,)) == slot_bit(TUE, AFTERNOON)
    with pytest.raises(ValueError):
        slot_bit(7, 0)
    with pytest.raises(ValueError):
        slot_bit(0, 3)


# 2025-06-02 is a Monday.
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (local(2025, 6, 2, 10), local(2025, 6, 2, 11), [(MON, MORNING)]),
        (local(2025, 6, 2, 11), local(2025, 6, 2, 13), [(MON, MORNING), (MON, AFTERNOON)]),
        (local(2025, 6, 2, 6), local(2025, 6, 2, 12), [(MON, MORNING)]),  # end is exclusive
        (local(2025, 6, 2, 17, 59), local(2025, 6, 2, 18, 1), [(MON, AFTERNOON), (MON, EVENING)]),
        # Friday night into Saturday morning crosses midnight.
        (local(2025, 6, 6, 22), local(2025, 6, 7, 7), [(FRI, EVENING), (SAT, MORNING)]),
        # Sunday evening into Monday wraps the week.
        (local(2025, 6, 8, 20), local(2025, 6, 9, 9), [(MON, MORNING), (SUN, EVENING)]),
        # Entirely at night: no regular slot.
        (local(2025, 6, 2, 23, 15), local(2025, 6, 3, 5, 45), []),
        # Instants and spans without an end: the slot containing the start.
        (local(2025, 6, 2, 12), None, [(MON, AFTERNOON)]),
        (local(2025, 6, 2, 12), local(2025, 6, 2, 12), [(MON, AFTERNOON)]),
        (local(2025, 6, 2, 23, 30), None, []),
        (local(2025, 6, 2, 10), local(2025, 6, 2, 9), [(MON, MORNING)]),
    ],
)
def test_slots_of_spans(start: datetime, end: datetime | None, expected: list) -> None:
    assert sorted(slots_in(slots_of(start, end, BERLIN))) == sorted(expected)


def test_multi_day_and_ongoing_spans() -> None:
    three_days = slots_of(local(2025, 6, 2, 10), local(2025, 6, 4, 13), BERLIN)
    assert three_days == (
        mask_of((MON,), (MORNING, AFTERNOON, EVENING))
        | mask_of((TUE,), (MORNING, AFTERNOON, EVENING))
        | mask_of((WED,), (MORNING, AFTERNOON))
    )
    assert slots_of(local(2025, 6, 2, 10), local(2025, 6, 30, 10), BERLIN) == FLEXIBLE
    assert slots_of(None, None, BERLIN) == FLEXIBLE


def test_same_utc_time_lands_in_different_slots_across_spring_dst() -> None:
    # Europe/Berlin switches to CEST on Sunday 2025-03-30 at 02:00.
    saturday = datetime(2025, 3, 29, 10, 30, tzinfo=UTC)  # 11:30 CET
    sunday = datetime(2025, 3, 30, 10, 30, tzinfo=UTC)  # 12:30 CEST
    assert slots_of(saturday, None, BERLIN) == slot_bit(SAT, MORNING)
    assert slots_of(sunday, None, BERLIN) == slot_bit(SUN, AFTERNOON)
    # The same UTC hour 10:00-11:00 is a morning on Saturday and an afternoon on Sunday.
    hour = timedelta(hours=1)
    sat_ten, sun_ten = datetime(2025, 3, 29, 10, tzinfo=UTC), datetime(2025, 3, 30, 10, tzinfo=UTC)
    assert slots_of(sat_ten, sat_ten + hour, BERLIN) == slot_bit(SAT, MORNING)
    assert slots_of(sun_ten, sun_ten + hour, BERLIN) == slot_bit(SUN, AFTERNOON)


def test_the_short_night_of_the_spring_change() -> None:
    # Saturday 22:00 CET -> Sunday 07:00 CEST is only 8 real hours.
    start, end = local(2025, 3, 29, 22), local(2025, 3, 30, 7)
    assert end - start == timedelta(hours=8)
    assert slots_of(start, end, BERLIN) == slot_bit(SAT, EVENING) | slot_bit(SUN, MORNING)
    # 06:00 CEST on the change day is 04:00 UTC: a need ending then touches no morning.
    assert slots_of(start, datetime(2025, 3, 30, 4, 0, tzinfo=UTC), BERLIN) == slot_bit(
        SAT, EVENING
    )


def test_autumn_dst_moves_the_morning_boundary_in_utc() -> None:
    # Berlin returns to CET on Sunday 2025-10-26; 04:30 UTC is 06:30 CEST on Saturday
    # but 05:30 CET (night) on Sunday.
    assert slots_of(datetime(2025, 10, 25, 4, 30, tzinfo=UTC), None, BERLIN) == slot_bit(
        SAT, MORNING
    )
    assert slots_of(datetime(2025, 10, 26, 4, 30, tzinfo=UTC), None, BERLIN) == 0
    assert slots_of(datetime(2025, 10, 26, 5, 30, tzinfo=UTC), None, BERLIN) == slot_bit(
        SUN, MORNING
    )


def test_time_zone_matters() -> None:
    moment = datetime(2025, 6, 2, 10, 30, tzinfo=UTC)
    assert slots_of(moment, None, BERLIN) == slot_bit(MON, AFTERNOON)  # 12:30 local
    assert slots_of(moment, None, UTC) == slot_bit(MON, MORNING)
    assert slots_of(moment, None, ZoneInfo("America/New_York")) == slot_bit(MON, MORNING)


def test_overlaps_uses_the_mask() -> None:
    saturday = (local(2025, 6, 7, 10), local(2025, 6, 7, 12))
    assert overlaps(WEEKENDS, *saturday, BERLIN)
    assert not overlaps(WEEKDAY_EVENINGS, *saturday, BERLIN)
    assert overlaps(WEEKDAY_EVENINGS, local(2025, 6, 3, 19), local(2025, 6, 3, 21), BERLIN)
    assert not overlaps(FLEXIBLE, local(2025, 6, 3, 23, 30), local(2025, 6, 4, 5), BERLIN)
    assert overlaps(WEEKENDS, None, None, BERLIN)
    assert not overlaps(0, None, None, BERLIN)


def test_window_means_the_need_starts_inside_it() -> None:
    opened, closes = local(2025, 6, 2, 14), local(2025, 6, 2, 17)
    assert window_overlaps(opened, closes, opened)
    assert window_overlaps(opened, closes, local(2025, 6, 2, 16, 59), local(2025, 6, 2, 22))
    assert not window_overlaps(opened, closes, closes)
    # Running at window start does not count: it must start inside the window.
    assert not window_overlaps(opened, closes, local(2025, 6, 2, 13), local(2025, 6, 2, 18))
    assert not window_overlaps(opened, closes, None)


# Oracle: sample the span every 15 minutes; with endpoints on a 15-minute grid and slot
# boundaries on whole hours, a slot shares positive time with the span exactly when
# one sample falls inside it.
@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 365 * 24 * 4),
    st.integers(1, 4 * 24 * 4),
    st.sampled_from(["Europe/Berlin", "UTC", "America/New_York", "Asia/Kolkata"]),
)
def test_slots_of_matches_sampling_oracle(offset: int, length: int, zone: str) -> None:
    tz = ZoneInfo(zone)
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=15 * offset)
    end = start + timedelta(minutes=15 * length)
    expected = 0
    moment = start
    while moment < end:
        expected |= slots_of(moment, None, tz)
        moment += timedelta(minutes=15)
    assert slots_of(start, end, tz) == expected
