"""Properties: the numpy index returns exactly the reference ranking, and no ranking
ever returns something a hard filter forbids (or misses something all filters allow).

The filter oracle below is written independently of ``matching.scoring``: it uses the
classic haversine and plain datetime comparisons.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import scoring
from matching.availability import slots_of
from matching.geo import distance_km
from matching.index import NeedIndex, OrganisationIndex, VolunteerIndex
from matching.scoring import Caps, Weights
from matching.types import Match, NeedSnapshot, VolunteerSnapshot
from tests.matching.matching_helpers import (
    NOW,
    TZ,
    needs_st,
    organisations_st,
    population,
    volunteers_st,
)

# Generating populations dominates the runtime; 60 examples of up to 20 + 20 snapshots
# keep the whole matching suite well under 20 s while still finding ordering bugs.
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
weights_st = st.one_of(
    st.just(Weights()),
    st.builds(
        Weights,
        *(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]) for _ in range(7)),
    ),
)
limits = st.none() | st.integers(0, 6)
caps_st = st.integers(0, 4).map(Caps)
BOUNDARY_KM = 1e-6


def assert_same(fast: list[Match], reference: list[Match]) -> None:
    assert [m.id for m in fast] == [m.id for m in reference]
    for f, r in zip(fast, reference, strict=True):
        assert abs(f.score - r.score) <= 1e-9
        assert f.distance_km == r.distance_km
        assert f.reasons == r.reasons


@SETTINGS
@given(population(volunteers_st, 20), population(needs_st, 8), weights_st, caps_st, limits)
def test_volunteer_index_agrees_with_reference(
    volunteers: list[VolunteerSnapshot],
    needs: list[NeedSnapshot],
    weights: Weights,
    caps: Caps,
    limit: int | None,
) -> None:
    index = VolunteerIndex.build(volunteers)
    for n in needs:
        kw: dict[str, Any] = {"now": NOW, "tz": TZ, "weights": weights, "caps": caps}
        assert_same(
            index.rank_volunteers_for(n, limit=limit, **kw),
            scoring.rank_volunteers_for(n, volunteers, limit=limit, **kw),
        )


@SETTINGS
@given(population(needs_st, 20), population(volunteers_st, 6), weights_st, limits)
def test_need_index_agrees_with_reference(
    needs: list[NeedSnapshot],
    volunteers: list[VolunteerSnapshot],
    weights: Weights,
    limit: int | None,
) -> None:
    index = NeedIndex.build(needs)
    for v in volunteers:
        for mode in ("regular", "now"):
            kw: dict[str, Any] = {"now": NOW, "tz": TZ, "weights": weights, "mode": mode}
            assert_same(
                index.rank_needs_for(v, limit=limit, **kw),
                scoring.rank_needs_for(v, needs, limit=limit, **kw),
            )


@SETTINGS
@given(population(organisations_st, 20), population(volunteers_st, 6), weights_st, limits)
def test_organisation_index_agrees_with_reference(
    organisations: list[Any], volunteers: list[VolunteerSnapshot], weights: Weights, limit: Any
) -> None:
    index = OrganisationIndex.build(organisations)
    for v in volunteers:
        assert_same(
            index.rank_organisations_for(v, weights=weights, limit=limit),
            scoring.rank_organisations_for(v, organisations, weights=weights, limit=limit),
        )


# --- independent filter oracle ------------------------------------------------------


def _km(a: Any, b: Any) -> float:
    return distance_km(a.lat, a.lon, b.lat, b.lon)


def push_allowed(v: VolunteerSnapshot, n: NeedSnapshot, caps: Caps) -> bool:
    if n.capacity - n.taken <= 0 or (n.starts_at is not None and n.starts_at <= NOW):
        return False
    if v.paused or v.notify_mode == "off" or v.notified_today >= caps.max_per_day:
        return False
    if n.id in v.signed_up or n.id in v.declined or n.id in v.notified:
        return False
    if not _km(v, n) <= v.radius_km:
        return False
    if n.starts_at is None:
        return True
    in_window = v.window is not None and v.window[0] <= n.starts_at < v.window[1]
    return in_window or bool(v.availability & slots_of(n.starts_at, n.ends_at, TZ))


def browse_allowed(v: VolunteerSnapshot, n: NeedSnapshot, mode: str) -> bool:
    if n.capacity - n.taken <= 0 or (n.starts_at is not None and n.starts_at <= NOW):
        return False
    if n.id in v.signed_up or n.id in v.declined or not _km(v, n) <= v.radius_km:
        return False
    if mode == "now":
        return (
            v.window is not None
            and n.starts_at is not None
            and (v.window[0] <= n.starts_at < v.window[1])
        )
    return n.starts_at is None or bool(v.availability & slots_of(n.starts_at, n.ends_at, TZ))


def on_boundary(v: VolunteerSnapshot, other: Any) -> bool:
    return abs(_km(v, other) - v.radius_km) < BOUNDARY_KM


@SETTINGS
@given(population(volunteers_st, 20), population(needs_st, 20), caps_st)
def test_rankings_return_exactly_what_the_filters_allow(
    volunteers: list[VolunteerSnapshot], needs: list[NeedSnapshot], caps: Caps
) -> None:
    for n in needs:
        got = {m.id for m in scoring.rank_volunteers_for(n, volunteers, now=NOW, tz=TZ, caps=caps)}
        for v in volunteers:
            if not on_boundary(v, n):
                assert (v.id in got) == push_allowed(v, n, caps), (v, n)
    for v in volunteers:
        for mode in ("regular", "now"):
            got = {m.id for m in scoring.rank_needs_for(v, needs, now=NOW, tz=TZ, mode=mode)}
            for n in needs:
                if not on_boundary(v, n):
                    assert (n.id in got) == browse_allowed(v, n, mode), (v, n, mode)


@SETTINGS
@given(population(volunteers_st, 8), population(organisations_st, 20))
def test_organisations_are_filtered_by_radius_and_grouped_by_overlap(
    volunteers: list[VolunteerSnapshot], organisations: list[Any]
) -> None:
    for v in volunteers:
        result = scoring.rank_organisations_for(v, organisations)
        got = {m.id for m in result}
        for o in organisations:
            if not on_boundary(v, o):
                assert (o.id in got) == (_km(v, o) <= v.radius_km)
        by_id = {o.id: o for o in organisations}
        shared = [bool(by_id[m.id].interests & v.interests) for m in result]
        assert shared == sorted(shared, reverse=True)
        for a, b in itertools.pairwise(result):
            if bool(by_id[a.id].interests & v.interests) == bool(
                by_id[b.id].interests & v.interests
            ):
                assert (-a.score, a.distance_km, a.id) < (-b.score, b.distance_km, b.id)
