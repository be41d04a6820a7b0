"""Matching at state scale: 100k volunteers, 10k organisations, 20k open needs in NRW.

Places are real NRW postal-code coordinates (``storage/data/postal_codes_de.csv``,
rows with state_code "NW"), so density follows where people actually live: cities
have many codes, the countryside few. Everything is drawn from one seeded RNG, so
runs are comparable. Every case times the numpy index and the pure-Python reference
on the same inputs and checks that both return the same ranking ("agree").
"""

from __future__ import annotations

import csv
import functools
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from matching import scoring
from matching.availability import FLEXIBLE, WEEKDAY_EVENINGS, WEEKENDS
from matching.geo import round_location
from matching.index import NeedIndex, OrganisationIndex, VolunteerIndex
from matching.taxonomy import INTEREST_IDS, ORGANISATION_KIND_IDS, SKILL_IDS
from matching.types import Match, NeedSnapshot, OrganisationSnapshot, VolunteerSnapshot

POSTAL_CODES = Path(__file__).resolve().parent.parent / "storage" / "data" / "postal_codes_de.csv"
TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # a Monday; the month ahead crosses DST
SEED = 20260323
N_VOLUNTEERS = 100_000
N_ORGANISATIONS = 10_000
N_NEEDS = 20_000
N_QUERIES = 64
PUSH_LIMIT = 50  # a push goes to the best few dozen, not to everyone in range
LIST_LIMIT = 20  # what a /matches answer shows (with paging)

# Rough popularity of causes among volunteers (Freiwilligensurvey-like ordering).
_INTEREST_WEIGHTS = np.array([14, 10, 7, 12, 12, 8, 9, 6, 4, 10, 4, 4], dtype=float)
_SKILL_WEIGHTS = np.array([20, 10, 8, 9, 9, 7, 5, 5, 4, 12, 5, 6], dtype=float)


@dataclass(frozen=True)
class Dataset:
    volunteers: list[VolunteerSnapshot]
    needs: list[NeedSnapshot]
    organisations: list[OrganisationSnapshot]
    new_needs: list[NeedSnapshot]
    """Needs not yet in any volunteer's history: what a push is computed for."""
    askers: list[VolunteerSnapshot]


def nrw_places(path: Path = POSTAL_CODES) -> np.ndarray:
    """(lat, lon) of every NRW postal-code row; the csv module handles quoted fields."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            (float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(handle)
            if row["state_code"] == "NW" and row["latitude"] and row["longitude"]
        ]
    if not rows:
        raise RuntimeError(f"no NRW rows in {path}")
    return np.array(rows)


def _places(rng: np.random.Generator, places: np.ndarray, n: int, jitter_km: float):
    """n points around random postal-code centres (about jitter_km standard deviation)."""
    centre = places[rng.integers(0, len(places), n)]
    lat = centre[:, 0] + rng.normal(0.0, jitter_km / 111.2, n)
    lon = centre[:, 1] + rng.normal(0.0, jitter_km / 70.0, n)
    return lat.tolist(), lon.tolist()


def _local(day: datetime, hour: int, minute: int) -> datetime:
    local = day.astimezone(TZ)
    return datetime(local.year, local.month, local.day, hour, minute, tzinfo=TZ).astimezone(UTC)


def generate(seed: int = SEED) -> Dataset:
    rng = np.random.default_rng(seed)
    places = nrw_places()
    iw, sw = _INTEREST_WEIGHTS / _INTEREST_WEIGHTS.sum(), _SKILL_WEIGHTS / _SKILL_WEIGHTS.sum()

    def interests(k: int) -> frozenset[str]:
        return frozenset(INTEREST_IDS[i] for i in rng.choice(12, k, replace=False, p=iw))

    def skills(k: int) -> frozenset[str]:
        return frozenset(SKILL_IDS[i] for i in rng.choice(12, k, replace=False, p=sw))

    lat, lon = _places(rng, places, N_ORGANISATIONS, 1.0)
    organisations = [
        OrganisationSnapshot(
            i + 1,
            lat[i],
            lon[i],
            ORGANISATION_KIND_IDS[int(rng.choice(7, p=[0.45, 0.2, 0.1, 0.1, 0.03, 0.05, 0.07]))],
            interests(int(rng.integers(1, 4))),
        )
        for i in range(N_ORGANISATIONS)
    ]

    def need(id: int) -> NeedSnapshot:
        org = organisations[int(rng.integers(0, N_ORGANISATIONS))]
        if rng.random() < 0.25:
            starts = ends = None
        else:
            day = NOW + timedelta(days=int(rng.integers(0, 31)))
            starts = _local(day, int(rng.integers(8, 21)), int(rng.choice([0, 30])))
            if starts <= NOW:
                starts += timedelta(days=1)
            ends = starts + timedelta(hours=int(rng.integers(1, 7)))
        own = sorted(org.interests)
        wanted = frozenset(rng.choice(own, min(len(own), int(rng.integers(1, 3))), replace=False))
        capacity = int(rng.integers(1, 11))
        return NeedSnapshot(
            id=id,
            organisation_id=org.id,
            lat=org.lat,
            lon=org.lon,
            starts_at=starts,
            ends_at=ends,
            interests=frozenset(map(str, wanted)),
            skills=skills(int(rng.choice(3, p=[0.5, 0.35, 0.15]))),
            capacity=capacity,
            taken=int(rng.integers(0, capacity)),
            urgent=bool(rng.random() < 0.08),
            created_at=NOW - timedelta(hours=float(rng.uniform(0, 480))),
        )

    needs = [need(i + 1) for i in range(N_NEEDS)]
    new_needs = [need(N_NEEDS + 1 + i) for i in range(N_QUERIES)]

    presets = [WEEKENDS, WEEKDAY_EVENINGS, FLEXIBLE, WEEKENDS | WEEKDAY_EVENINGS]
    modes = ["instant", "daily", "weekly", "off"]
    lat, lon = _places(rng, places, N_VOLUNTEERS, 2.0)
    volunteers = []
    for i in range(N_VOLUNTEERS):
        rlat, rlon = round_location(lat[i], lon[i])
        kind = rng.random()
        if kind < 0.8:
            availability = presets[int(rng.choice(4, p=[0.3, 0.3, 0.2, 0.2]))]
        else:
            availability = int(sum(1 << int(b) for b in rng.choice(21, int(rng.integers(2, 9)))))
        window = None
        if rng.random() < 0.03:
            opened = NOW - timedelta(minutes=int(rng.integers(0, 60)))
            window = (opened, opened + timedelta(hours=int(rng.integers(2, 6))))
        last = None if rng.random() < 0.4 else NOW - timedelta(hours=float(rng.uniform(0, 504)))
        history = rng.integers(1, N_NEEDS + 1, int(rng.integers(0, 12))).tolist()
        volunteers.append(
            VolunteerSnapshot(
                id=i + 1,
                lat=rlat,
                lon=rlon,
                radius_km=float(rng.choice([2, 5, 10, 25], p=[0.2, 0.35, 0.3, 0.15])),
                interests=interests(int(rng.choice([1, 2, 3, 4], p=[0.35, 0.35, 0.2, 0.1]))),
                skills=skills(int(rng.choice(4, p=[0.3, 0.35, 0.25, 0.1]))),
                availability=availability,
                window=window,
                paused=bool(rng.random() < 0.05),
                notify_mode=modes[int(rng.choice(4, p=[0.5, 0.3, 0.1, 0.1]))],
                last_notified_at=last,
                notified_today=int(rng.choice(4, p=[0.7, 0.15, 0.08, 0.07])),
                signed_up=frozenset(history[:2]),
                declined=frozenset(history[2:4]),
                notified=frozenset(history[4:]),
            )
        )
    askers = [volunteers[int(i)] for i in rng.choice(N_VOLUNTEERS, N_QUERIES, replace=False)]
    return Dataset(volunteers, needs, organisations, new_needs, askers)


@functools.cache
def dataset() -> Dataset:
    return generate()


@functools.cache
def indexes() -> tuple[VolunteerIndex, NeedIndex, OrganisationIndex]:
    data = dataset()
    return (
        VolunteerIndex.build(data.volunteers),
        NeedIndex.build(data.needs, tz=TZ),
        OrganisationIndex.build(data.organisations),
    )


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return round(statistics.median(ordered) * 1e3, 3), round(p95 * 1e3, 3)


def _same(fast: list[Match], reference: list[Match]) -> bool:
    """Same ids in the same order, same reasons and distances, scores within 1e-9."""
    return len(fast) == len(reference) and all(
        f.id == r.id
        and abs(f.score - r.score) <= 1e-9
        and f.reasons == r.reasons
        and f.distance_km == r.distance_km
        for f, r in zip(fast, reference, strict=True)
    )


def _peak_mb(call: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        call()
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 3)
    finally:
        tracemalloc.stop()


def _query_case(
    case: str,
    n: int,
    queries: list[Any],
    fast: Callable[[Any, int | None], list[Match]],
    reference: Callable[[Any], list[Match]],
    limit: int | None,
    goal_ms: float | None,
    reps: int = 300,
    reference_reps: int = 5,
) -> dict[str, Any]:
    for query in queries[:5]:  # warm caches (lru of reasons, numpy dispatch)
        fast(query, limit)
    samples, sizes = [], []
    for i in range(reps):
        query = queries[i % len(queries)]
        t0 = time.perf_counter()
        result = fast(query, limit)
        samples.append(time.perf_counter() - t0)
        sizes.append(len(result))
    ref_samples, agree, in_range = [], True, []
    for query in queries[:reference_reps]:
        t0 = time.perf_counter()
        expected = reference(query)
        ref_samples.append(time.perf_counter() - t0)
        in_range.append(len(expected))
        agree &= _same(fast(query, limit), expected[:limit]) and _same(fast(query, None), expected)
    median_ms, p95_ms = _ms(samples)
    reference_ms, _ = _ms(ref_samples)
    return {
        "case": case,
        "n": n,
        "median_ms": median_ms,
        "p95_ms": p95_ms,
        "peak_mb": _peak_mb(lambda: fast(queries[0], limit)),
        "reference_median_ms": reference_ms,
        "speedup": round(reference_ms / median_ms, 1) if median_ms else None,
        "goal_ms": goal_ms,
        "met": None if goal_ms is None else median_ms <= goal_ms,
        "agree": agree,
        "limit": limit,
        "reps": reps,
        "reference_reps": reference_reps,
        "mean_results": round(statistics.fmean(sizes), 1),
        "reference_mean_matches": round(statistics.fmean(in_range), 1),
    }


def case_rank_volunteers(limit: int | None = PUSH_LIMIT) -> dict[str, Any]:
    data, (volunteers, _, _) = dataset(), indexes()
    return _query_case(
        "matching.rank_volunteers_for" + ("" if limit else ".all"),
        len(data.volunteers),
        data.new_needs,
        lambda need, limit: volunteers.rank_volunteers_for(need, now=NOW, tz=TZ, limit=limit),
        lambda need: scoring.rank_volunteers_for(need, data.volunteers, now=NOW, tz=TZ),
        limit,
        20.0,
    )


def case_rank_needs(limit: int | None = LIST_LIMIT) -> dict[str, Any]:
    data, (_, needs, _) = dataset(), indexes()
    return _query_case(
        "matching.rank_needs_for" + ("" if limit else ".all"),
        len(data.needs),
        data.askers,
        lambda v, limit: needs.rank_needs_for(v, now=NOW, tz=TZ, limit=limit),
        lambda v: scoring.rank_needs_for(v, data.needs, now=NOW, tz=TZ),
        limit,
        5.0,
    )


def case_rank_organisations() -> dict[str, Any]:
    data, (_, _, organisations) = dataset(), indexes()
    return _query_case(
        "matching.rank_organisations_for",
        len(data.organisations),
        data.askers,
        lambda v, limit: organisations.rank_organisations_for(v, limit=limit),
        lambda v: scoring.rank_organisations_for(v, data.organisations),
        LIST_LIMIT,
        None,
        reference_reps=20,
    )


def case_index_build() -> dict[str, Any]:
    data = dataset()

    def build() -> tuple[VolunteerIndex, NeedIndex, OrganisationIndex]:
        return (
            VolunteerIndex.build(data.volunteers),
            NeedIndex.build(data.needs, tz=TZ),
            OrganisationIndex.build(data.organisations),
        )

    samples = []
    for _ in range(3):
        t0 = time.perf_counter()
        built = build()
        samples.append(time.perf_counter() - t0)
    median_ms, p95_ms = _ms(samples)
    peak_mb = _peak_mb(build)
    return {
        "case": "matching.index_build",
        "n": len(data.volunteers) + len(data.needs) + len(data.organisations),
        "median_ms": median_ms,
        "p95_ms": p95_ms,
        "peak_mb": peak_mb,
        "reference_median_ms": None,
        "speedup": None,
        "goal_ms": None,
        "goal_mb": 300,
        "met": peak_mb <= 300,
        "column_mb": round(sum(index.nbytes() for index in built) / 2**20, 3),
        "reps": len(samples),
    }


CASES: tuple[tuple[str, Callable[[], dict[str, Any]]], ...] = (
    ("matching.index_build", case_index_build),
    ("matching.rank_volunteers_for", case_rank_volunteers),
    ("matching.rank_volunteers_for.all", lambda: case_rank_volunteers(limit=None)),
    ("matching.rank_needs_for", case_rank_needs),
    ("matching.rank_needs_for.all", lambda: case_rank_needs(limit=None)),
    ("matching.rank_organisations_for", case_rank_organisations),
)
