"""rank_needs_for: every hard filter, scoring direction, reasons and order.

Each test runs against the reference and the numpy index. Filter tests always pair
the excluded need with an otherwise identical control that is listed, so removing
the filter (or breaking the control path) fails the test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from matching.availability import WEEKDAY_EVENINGS, WEEKENDS, slot_bit
from matching.scoring import Weights
from matching.types import Reason
from tests.matching.matching_helpers import (
    NOW,
    TUESDAY_MORNING,
    TZ,
    NeedRanker,
    ids,
    index_needs,
    need,
    north,
    reference_needs,
    volunteer,
)


@pytest.fixture(params=[reference_needs, index_needs], ids=["reference", "index"])
def rank(request: pytest.FixtureRequest) -> NeedRanker:
    return request.param


def test_needs_without_spots_are_filtered(rank: NeedRanker) -> None:
    needs = [need(1, capacity=2, taken=2), need(2, capacity=2, taken=1), need(3, capacity=0)]
    assert ids(rank(volunteer(), needs, now=NOW, tz=TZ)) == [2]


def test_needs_that_already_started_are_filtered(rank: NeedRanker) -> None:
    needs = [
        need(1, starts_at=NOW - timedelta(minutes=1), ends_at=NOW + timedelta(hours=2)),
        need(2, starts_at=NOW, ends_at=NOW + timedelta(hours=2)),
        need(3, starts_at=NOW + timedelta(minutes=1), ends_at=NOW + timedelta(hours=2)),
        need(4, starts_at=None, ends_at=None),
    ]
    assert sorted(ids(rank(volunteer(), needs, now=NOW, tz=TZ))) == [3, 4]


def test_signed_up_and_declined_needs_are_filtered(rank: NeedRanker) -> None:
    v = volunteer(signed_up={1}, declined={2})
    needs = [need(1), need(2), need(3)]
    assert ids(rank(v, needs, now=NOW, tz=TZ)) == [3]


def test_needs_outside_the_radius_are_filtered(rank: NeedRanker) -> None:
    v = volunteer(radius_km=10.0)
    needs = [need(1, lat=north(10.5)), need(2, lat=north(9.5)), need(3, lat=north(9.99))]
    assert ids(rank(v, needs, now=NOW, tz=TZ)) == [2, 3]


def test_regular_mode_requires_overlap_with_the_weekly_mask(rank: NeedRanker) -> None:
    saturday = TUESDAY_MORNING + timedelta(days=4)  # Saturday 10:00 local
    needs = [
        need(1),  # Tuesday morning
        need(2, starts_at=saturday, ends_at=saturday + timedelta(hours=2)),
        need(3, starts_at=None, ends_at=None),
    ]
    assert sorted(ids(rank(volunteer(availability=WEEKENDS), needs, now=NOW, tz=TZ))) == [2, 3]
    tuesday_morning = slot_bit(1, 0)
    result = rank(volunteer(availability=tuesday_morning), needs, now=NOW, tz=TZ)
    assert sorted(ids(result)) == [1, 3]


def test_ongoing_needs_pass_even_without_any_regular_slot(rank: NeedRanker) -> None:
    needs = [need(1), need(2, starts_at=None, ends_at=None)]
    assert ids(rank(volunteer(availability=0), needs, now=NOW, tz=TZ)) == [2]


def test_now_mode_requires_the_need_to_start_inside_the_window(rank: NeedRanker) -> None:
    window = (NOW + timedelta(hours=1), NOW + timedelta(hours=4))
    needs = [
        need(1, starts_at=NOW + timedelta(hours=2), ends_at=NOW + timedelta(hours=6)),
        need(2, starts_at=NOW + timedelta(hours=4), ends_at=NOW + timedelta(hours=5)),
        need(3, starts_at=NOW + timedelta(minutes=30), ends_at=NOW + timedelta(hours=2)),
        need(4, starts_at=None, ends_at=None),
        need(5, starts_at=NOW + timedelta(hours=1), ends_at=None),
    ]
    v = volunteer(window=window, availability=0)
    result = rank(v, needs, now=NOW, tz=TZ, mode="now")
    assert sorted(ids(result)) == [1, 5]
    assert all(Reason("time", "window") in m.reasons for m in result)
    # Without a window there is nothing spontaneous to match.
    assert rank(volunteer(), needs, now=NOW, tz=TZ, mode="now") == []


def test_regular_mode_ignores_the_window(rank: NeedRanker) -> None:
    v = volunteer(window=(NOW, NOW + timedelta(days=2)), availability=WEEKDAY_EVENINGS)
    assert rank(v, [need(1)], now=NOW, tz=TZ) == []


def test_paused_or_already_notified_volunteers_still_see_needs(rank: NeedRanker) -> None:
    v = volunteer(paused=True, notify_mode="off", notified={1}, notified_today=99)
    assert ids(rank(v, [need(1)], now=NOW, tz=TZ)) == [1]


def test_unknown_mode_is_rejected(rank: NeedRanker) -> None:
    with pytest.raises(ValueError):
        rank(volunteer(), [need(1)], now=NOW, tz=TZ, mode="later")


def test_naive_now_is_rejected(rank: NeedRanker) -> None:
    with pytest.raises(ValueError):
        rank(volunteer(), [need(1)], now=NOW.replace(tzinfo=None), tz=TZ)


def test_interest_is_not_required_but_ranks_strongly(rank: NeedRanker) -> None:
    v = volunteer(interests={"sport"})
    needs = [
        need(1, interests={"culture"}),  # next door, off-topic
        need(2, interests={"sport"}, lat=north(8.0)),  # on-topic, 8 km away
    ]
    assert ids(rank(v, needs, now=NOW, tz=TZ)) == [2, 1]


def test_score_components_move_the_ranking(rank: NeedRanker) -> None:
    v = volunteer(skills={"driving_licence"})
    assert ids(rank(v, [need(1, lat=north(5)), need(2, lat=north(1))], now=NOW, tz=TZ)) == [2, 1]
    assert ids(rank(v, [need(1), need(2, urgent=True)], now=NOW, tz=TZ)) == [2, 1]
    later = TUESDAY_MORNING + timedelta(days=1)
    sooner = [need(1, starts_at=later, ends_at=later + timedelta(hours=1)), need(2)]
    assert ids(rank(v, sooner, now=NOW, tz=TZ)) == [2, 1]
    fuller = [need(1, capacity=4, taken=3), need(2, capacity=4, taken=1)]
    assert ids(rank(v, fuller, now=NOW, tz=TZ)) == [2, 1]
    unfit = [need(1, skills={"first_aid"}), need(2, skills={"driving_licence"})]
    assert ids(rank(v, unfit, now=NOW, tz=TZ)) == [2, 1]


def test_reasons_are_complete_and_ordered(rank: NeedRanker) -> None:
    v = volunteer(interests={"sport", "seniors", "events"}, skills={"cooking", "first_aid"})
    n = need(
        7,
        lat=north(2.0),
        interests={"events", "seniors", "culture"},
        skills={"first_aid", "it"},
        urgent=True,
        capacity=5,
        taken=2,
    )
    [match] = rank(v, [n], now=NOW, tz=TZ)
    assert match.id == 7
    assert match.distance_km == pytest.approx(2.0, abs=1e-6)
    assert match.reasons == (
        Reason("interest", "seniors"),
        Reason("interest", "events"),
        Reason("skill", "first_aid"),
        Reason("time", "regular"),
        Reason("distance", 2.0),
        Reason("soon", 24),
        Reason("urgent", 1),
        Reason("spots", 3),
    )
    w = Weights()
    expected = (
        w.interest * 2 / 3
        + w.skill * 1 / 2
        + w.distance * (1 - match.distance_km / 10.0)
        + w.soon * (1 - 24 / 72)
        + w.urgency
        + w.spots * 3 / 5
    )
    assert match.score == pytest.approx(expected, abs=1e-12)


def test_ongoing_and_distant_needs_have_no_soon_reason(rank: NeedRanker) -> None:
    later = NOW + timedelta(days=5)
    needs = [need(1, starts_at=None, ends_at=None), need(2, starts_at=later, ends_at=None)]
    result = {m.id: m.reasons for m in rank(volunteer(), needs, now=NOW, tz=TZ)}
    assert result[1] == (Reason("ongoing", 1), Reason("distance", 0.0), Reason("spots", 3))
    assert result[2] == (Reason("time", "regular"), Reason("distance", 0.0), Reason("spots", 3))


def test_ties_break_by_distance_then_id(rank: NeedRanker) -> None:
    same = [need(5), need(3), need(4, lat=north(1.0)), need(9)]
    flat = Weights(distance=0.0)
    assert ids(rank(volunteer(), same, now=NOW, tz=TZ, weights=flat)) == [3, 5, 9, 4]
    result = rank(volunteer(), same, now=NOW, tz=TZ, weights=flat, limit=2)
    assert ids(result) == [3, 5]
    assert rank(volunteer(), same, now=NOW, tz=TZ, limit=0) == []
