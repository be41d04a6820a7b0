"""rank_volunteers_for (push targeting) and rank_organisations_for, both implementations.

Filter tests pair each excluded volunteer with an identical control that is listed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from matching.availability import WEEKDAY_EVENINGS, WEEKENDS, slot_bit
from matching.scoring import Caps, Weights
from matching.types import Reason
from tests.matching.matching_helpers import (
    NOW,
    TZ,
    ids,
    index_organisations,
    index_volunteers,
    need,
    north,
    organisation,
    reference_organisations,
    reference_volunteers,
    volunteer,
)

Ranker = Any


@pytest.fixture(params=[reference_volunteers, index_volunteers], ids=["reference", "index"])
def rank(request: pytest.FixtureRequest) -> Ranker:
    return request.param


@pytest.fixture(params=[reference_organisations, index_organisations], ids=["reference", "index"])
def rank_orgs(request: pytest.FixtureRequest) -> Ranker:
    return request.param


def push(rank: Ranker, n: Any, volunteers: list[Any], **kw: Any) -> list[int]:
    return ids(rank(n, volunteers, now=NOW, tz=TZ, **kw))


def test_paused_volunteers_are_not_pushed(rank: Ranker) -> None:
    assert push(rank, need(), [volunteer(1, paused=True), volunteer(2)]) == [2]


def test_volunteers_with_notifications_off_are_not_pushed(rank: Ranker) -> None:
    vols = [volunteer(1, notify_mode="off"), volunteer(2, notify_mode="weekly")]
    assert push(rank, need(), vols) == [2]


def test_need_must_be_inside_the_volunteers_radius(rank: Ranker) -> None:
    n = need(lat=north(7.0))
    vols = [volunteer(1, radius_km=5.0), volunteer(2, radius_km=10.0), volunteer(3, radius_km=0.0)]
    assert push(rank, n, vols) == [2]
    assert push(rank, need(), [volunteer(3, radius_km=0.0)]) == [3]


def test_time_must_fit_the_mask_or_the_window(rank: Ranker) -> None:
    n = need()  # Tuesday 10:00-12:00 local
    start = n.starts_at
    assert start is not None
    vols = [
        volunteer(1, availability=WEEKENDS),
        volunteer(2, availability=slot_bit(1, 0)),
        volunteer(3, availability=WEEKDAY_EVENINGS, window=(start, start + timedelta(hours=1))),
        volunteer(4, availability=0, window=(start - timedelta(hours=3), start)),
    ]
    result = {m.id: m for m in rank(n, vols, now=NOW, tz=TZ)}
    assert sorted(result) == [2, 3]
    assert Reason("time", "regular") in result[2].reasons
    assert Reason("time", "window") in result[3].reasons


def test_ongoing_needs_reach_every_available_volunteer(rank: Ranker) -> None:
    n = need(starts_at=None, ends_at=None)
    [match] = rank(n, [volunteer(1, availability=0)], now=NOW, tz=TZ)
    assert Reason("ongoing", 1) in match.reasons


@pytest.mark.parametrize("field", ["signed_up", "declined", "notified"])
def test_volunteers_who_know_the_need_are_not_pushed(rank: Ranker, field: str) -> None:
    vols = [volunteer(1, **{field: {7}}), volunteer(2, **{field: {8}})]
    assert push(rank, need(7), vols) == [2]


def test_daily_cap(rank: Ranker) -> None:
    vols = [volunteer(1, notified_today=3), volunteer(2, notified_today=2)]
    assert push(rank, need(), vols) == [2]
    assert push(rank, need(), vols, caps=Caps(max_per_day=4)) == [1, 2]
    assert push(rank, need(), vols, caps=Caps(max_per_day=0)) == []


def test_full_or_started_needs_are_pushed_to_nobody(rank: Ranker) -> None:
    assert push(rank, need(capacity=2, taken=2), [volunteer()]) == []
    started = need(starts_at=NOW, ends_at=NOW + timedelta(hours=1))
    assert push(rank, started, [volunteer()]) == []


def test_fairness_prefers_volunteers_notified_less_recently(rank: Ranker) -> None:
    vols = [
        volunteer(1, last_notified_at=NOW - timedelta(hours=2)),
        volunteer(2, last_notified_at=None),
        volunteer(3, last_notified_at=NOW - timedelta(days=3)),
        volunteer(4, last_notified_at=NOW - timedelta(days=30)),
    ]
    # Never and long ago both earn the full bonus; then the tie breaks by id.
    assert push(rank, need(), vols) == [2, 4, 3, 1]
    flat = Weights(fairness=0.0)
    assert push(rank, need(), vols, weights=flat) == [1, 2, 3, 4]


def test_push_scores_interest_and_distance(rank: Ranker) -> None:
    n = need(interests={"sport", "culture"})
    vols = [
        volunteer(1, interests={"sport"}),
        volunteer(2, interests={"sport", "culture"}, lat=north(3.0)),
        volunteer(3, lat=north(1.0)),
        volunteer(4),
    ]
    assert push(rank, n, vols) == [2, 1, 4, 3]
    [best, *_] = rank(n, vols, now=NOW, tz=TZ, limit=1)
    assert best.reasons[:2] == (Reason("interest", "sport"), Reason("interest", "culture"))


def test_push_limit_keeps_the_best(rank: Ranker) -> None:
    vols = [volunteer(i, lat=north(i / 10)) for i in range(1, 8)]
    assert push(rank, need(), vols, limit=3) == [1, 2, 3]


# --- organisations -----------------------------------------------------------------


def test_organisations_outside_the_radius_are_filtered(rank_orgs: Ranker) -> None:
    orgs = [organisation(1, lat=north(6.0)), organisation(2, lat=north(4.0))]
    assert ids(rank_orgs(volunteer(radius_km=5.0), orgs)) == [2]


def test_organisations_with_shared_interests_come_first(rank_orgs: Ranker) -> None:
    v = volunteer(interests={"sport", "culture"})
    orgs = [
        organisation(1, interests={"seniors"}),  # next door, nothing shared
        organisation(2, interests={"sport", "events", "seniors", "digital"}, lat=north(9.9)),
        organisation(3, interests={"culture"}, lat=north(3.0)),
        organisation(4, lat=north(1.0)),
    ]
    result = rank_orgs(v, orgs)
    assert ids(result) == [3, 2, 1, 4]
    assert result[0].reasons == (Reason("interest", "culture"), Reason("distance", 3.0))
    assert result[2].reasons == (Reason("distance", 0.0),)
    assert result[0].score == pytest.approx(3.0 * (1 / 2) + 2.0 * (1 - 3.0 / 10.0), abs=1e-9)
    assert ids(rank_orgs(v, orgs, limit=2)) == [3, 2]
