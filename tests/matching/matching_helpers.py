"""Factories and hypothesis strategies shared by the matching tests.

Snapshots default to a simple, matching situation (same place, flexible volunteer,
open need tomorrow morning) so each test only states what it varies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from matching import scoring
from matching.availability import FLEXIBLE, WEEKDAY_EVENINGS, WEEKENDS
from matching.geo import KM_PER_DEGREE
from matching.index import NeedIndex, OrganisationIndex, VolunteerIndex
from matching.taxonomy import INTEREST_IDS, SKILL_IDS
from matching.types import Match, NeedSnapshot, OrganisationSnapshot, VolunteerSnapshot

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)  # Monday 10:00 in Berlin (CEST)
TUESDAY_MORNING = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)  # 10:00 local
LAT, LON = 51.0, 7.0


def north(km: float) -> float:
    """Latitude ``km`` north of the default place (meridian distance is exact)."""
    return LAT + km / KM_PER_DEGREE


def volunteer(id: int = 1, **changes: Any) -> VolunteerSnapshot:
    values: dict[str, Any] = {
        "lat": LAT,
        "lon": LON,
        "radius_km": 10.0,
        "interests": frozenset(),
        "skills": frozenset(),
        "availability": FLEXIBLE,
        "window": None,
        "paused": False,
        "notify_mode": "instant",
        "last_notified_at": None,
        "notified_today": 0,
        "signed_up": frozenset(),
        "declined": frozenset(),
        "notified": frozenset(),
    }
    values.update(changes)
    for key in ("interests", "skills", "signed_up", "declined", "notified"):
        values[key] = frozenset(values[key])
    return VolunteerSnapshot(id=id, **values)


def need(id: int = 1, **changes: Any) -> NeedSnapshot:
    values: dict[str, Any] = {
        "organisation_id": 1,
        "lat": LAT,
        "lon": LON,
        "starts_at": TUESDAY_MORNING,
        "ends_at": TUESDAY_MORNING + timedelta(hours=2),
        "interests": frozenset(),
        "skills": frozenset(),
        "capacity": 3,
        "taken": 0,
        "urgent": False,
        "created_at": NOW - timedelta(days=1),
    }
    values.update(changes)
    for key in ("interests", "skills"):
        values[key] = frozenset(values[key])
    return NeedSnapshot(id=id, **values)


def organisation(id: int = 1, **changes: Any) -> OrganisationSnapshot:
    values: dict[str, Any] = {"lat": LAT, "lon": LON, "kind": "association"}
    values.update(changes)
    values["interests"] = frozenset(values.get("interests", ()))
    return OrganisationSnapshot(id=id, **values)


def ids(matches: Iterable[Match]) -> list[int]:
    return [m.id for m in matches]


# Both implementations behind one calling convention, so every behavioural test
# runs against the reference and the index.
NeedRanker = Callable[..., list[Match]]


def reference_needs(v: VolunteerSnapshot, needs: list[NeedSnapshot], **kw: Any) -> list[Match]:
    return scoring.rank_needs_for(v, needs, **kw)


def index_needs(v: VolunteerSnapshot, needs: list[NeedSnapshot], **kw: Any) -> list[Match]:
    return NeedIndex.build(needs).rank_needs_for(v, **kw)


def reference_volunteers(
    n: NeedSnapshot, volunteers: list[VolunteerSnapshot], **kw: Any
) -> list[Match]:
    return scoring.rank_volunteers_for(n, volunteers, **kw)


def index_volunteers(
    n: NeedSnapshot, volunteers: list[VolunteerSnapshot], **kw: Any
) -> list[Match]:
    return VolunteerIndex.build(volunteers).rank_volunteers_for(n, **kw)


def reference_organisations(
    v: VolunteerSnapshot, organisations: list[OrganisationSnapshot], **kw: Any
) -> list[Match]:
    return scoring.rank_organisations_for(v, organisations, **kw)


def index_organisations(
    v: VolunteerSnapshot, organisations: list[OrganisationSnapshot], **kw: Any
) -> list[Match]:
    return OrganisationIndex.build(organisations).rank_organisations_for(v, **kw)


# --- hypothesis strategies --------------------------------------------------------
# Coordinates on a coarse grid (about 1.1 km x 1.4 km) so that identical places,
# equal distances and equal scores happen often: that is where ordering bugs hide.


def _grid(size: int) -> st.SearchStrategy[tuple[float, float]]:
    return st.tuples(
        st.integers(0, size).map(lambda k: LAT + k * 0.01),
        st.integers(0, size).map(lambda k: LON + k * 0.02),
    )


# A tiny grid makes identical places (equal distances, equal scores) common.
coords = st.one_of(_grid(1), _grid(8))
radii = st.sampled_from([0.0, 1.0, 2.0, 5.0, 10.0, 10.0, 25.0, 25.0])
# Most generated volunteers should be reachable, or rankings are mostly empty.
mostly_false = st.sampled_from([False, False, False, True])
interest_sets = st.one_of(
    st.frozensets(st.sampled_from(INTEREST_IDS[:3]), max_size=2),
    st.frozensets(st.sampled_from(INTEREST_IDS), max_size=4),
)
skill_sets = st.one_of(
    st.frozensets(st.sampled_from(SKILL_IDS[:2]), max_size=1),
    st.frozensets(st.sampled_from(SKILL_IDS), max_size=3),
)
masks = st.one_of(
    st.sampled_from([0, FLEXIBLE, WEEKENDS, WEEKDAY_EVENINGS]), st.integers(0, FLEXIBLE)
)
# Times on a 90-minute grid around NOW: often within the next day (where windows
# and needs meet), sometimes in the past or up to a week ahead.
moments = st.one_of(st.integers(-2, 12), st.integers(-4, 120)).map(
    lambda k: NOW + timedelta(minutes=90 * k)
)
need_ids = st.integers(1, 30)


@st.composite
def volunteers_st(draw: st.DrawFn, id: int) -> VolunteerSnapshot:
    lat, lon = draw(coords)
    window = None
    if draw(st.booleans()):
        start = draw(moments)
        window = (start, start + timedelta(minutes=90 * draw(st.integers(0, 4))))
    return volunteer(
        id,
        lat=lat,
        lon=lon,
        radius_km=draw(radii),
        interests=draw(interest_sets),
        skills=draw(skill_sets),
        availability=draw(masks),
        window=window,
        paused=draw(mostly_false),
        notify_mode=draw(st.sampled_from(["instant", "daily", "weekly", "instant", "off"])),
        last_notified_at=draw(st.none() | moments),
        notified_today=draw(st.sampled_from([0, 0, 0, 1, 2, 3, 4])),
        signed_up=draw(st.frozensets(need_ids, max_size=3)),
        declined=draw(st.frozensets(need_ids, max_size=3)),
        notified=draw(st.frozensets(need_ids, max_size=3)),
    )


@st.composite
def needs_st(draw: st.DrawFn, id: int) -> NeedSnapshot:
    lat, lon = draw(coords)
    starts = draw(st.none() | moments)
    ends = None
    if starts is not None and draw(st.booleans()):
        ends = starts + timedelta(minutes=90 * draw(st.integers(0, 40)))
    capacity = draw(st.integers(0, 4))
    full = draw(mostly_false)
    return need(
        id,
        lat=lat,
        lon=lon,
        starts_at=starts,
        ends_at=ends,
        interests=draw(interest_sets),
        skills=draw(skill_sets),
        capacity=capacity,
        taken=capacity if full else draw(st.integers(0, max(0, capacity - 1))),
        urgent=draw(mostly_false),
    )


@st.composite
def organisations_st(draw: st.DrawFn, id: int) -> OrganisationSnapshot:
    lat, lon = draw(coords)
    return organisation(id, lat=lat, lon=lon, interests=draw(interest_sets))


def population(strategy: Callable[[int], st.SearchStrategy[Any]], max_size: int):
    """Lists with unique ids 1..n (ids are unique in storage)."""
    return st.integers(0, max_size).flatmap(
        lambda n: st.tuples(*(strategy(i + 1) for i in range(n))).map(list)
    )
