"""Fast, numpy-vectorised rankings that return exactly what ``matching.scoring`` returns.

The bot keeps one index per kind in memory and updates single rows as volunteers,
needs and organisations change. A query runs the cheap vectorised filters first
(flags, bounding box in degrees, time slots), computes exact distances only for the
survivors, scores them with the reference's own arithmetic in the same order, and
builds ``Match`` objects only for the rows it returns. Property tests assert the same
ids, order, scores and reasons as the reference on random inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

import numpy as np

from matching._columns import (
    MASK_DTYPE,
    BaseIndex,
    exact_km,
    geo_row,
    interests_of,
    lon_gap_deg,
    order,
    popcount,
    rows_of,
    share,
    skills_of,
    without,
)
from matching.availability import slots_of
from matching.geo import bbox_half_extent_deg, unit_vector
from matching.scoring import (
    DEFAULT_CAPS,
    DEFAULT_WEIGHTS,
    FAIRNESS_HORIZON_HOURS,
    MODES,
    SOON_HORIZON_HOURS,
    US_PER_HOUR,
    Caps,
    Mode,
    Weights,
    pair_reasons,
    pair_score,
    require_aware,
    soon_hours,
    soon_share,
    spots_share,
    to_us,
)
from matching.taxonomy import interest_mask, skill_mask
from matching.types import Match, NeedSnapshot, OrganisationSnapshot, Reason, VolunteerSnapshot


class VolunteerIndex(BaseIndex):
    """All volunteers, for push targeting: which volunteers to notify about a need."""

    # fmt: off
    _SPEC = (
        ("id", np.int64), ("lat", np.float64), ("lon", np.float64), ("x", np.float64),
        ("y", np.float64), ("z", np.float64), ("radius", np.float64), ("dlat", np.float64),
        ("dlon", np.float64), ("interests", MASK_DTYPE), ("skills", MASK_DTYPE),
        ("avail", np.int32), ("has_window", np.bool_), ("win_start", np.int64),
        ("win_end", np.int64), ("active", np.bool_), ("has_last", np.bool_),
        ("last", np.int64), ("notified_today", np.int32),
    )
    # fmt: on

    def __init__(self) -> None:
        super().__init__()
        self._excluded_by_need: dict[int, set[int]] = {}

    @classmethod
    def build(cls, volunteers: Iterable[VolunteerSnapshot]) -> VolunteerIndex:
        """Index a full population; a later snapshot with the same id wins."""
        index = cls()
        index._bulk_load(volunteers)
        for snapshot in index._snapshots.values():
            index._add_exclusions(snapshot)
        return index

    def _row(self, v: VolunteerSnapshot) -> tuple[Any, ...]:
        dlat, dlon = bbox_half_extent_deg(v.lat, v.radius_km)
        window = v.window
        last = v.last_notified_at
        return (
            v.id, *geo_row(v.lat, v.lon), v.radius_km, dlat, dlon,
            interest_mask(v.interests), skill_mask(v.skills), v.availability,
            window is not None, 0 if window is None else to_us(window[0]),
            0 if window is None else to_us(window[1]),
            not v.paused and v.notify_mode != "off",
            last is not None, 0 if last is None else to_us(last), v.notified_today,
        )  # fmt: skip

    def _add_exclusions(self, v: VolunteerSnapshot) -> None:
        excluded = self._excluded_by_need
        for group in (v.signed_up, v.declined, v.notified):
            for need_id in group:
                holders = excluded.get(need_id)
                if holders is None:
                    excluded[need_id] = {v.id}
                else:
                    holders.add(v.id)

    def _drop_exclusions(self, v: VolunteerSnapshot) -> None:
        for need_id in v.signed_up | v.declined | v.notified:
            holders = self._excluded_by_need.get(need_id)
            if holders is not None:
                holders.discard(v.id)
                if not holders:
                    del self._excluded_by_need[need_id]

    def get(self, id: int) -> VolunteerSnapshot | None:
        return self._snapshots.get(id)

    def upsert(self, volunteer: VolunteerSnapshot) -> None:
        """Insert or replace one volunteer in O(1) amortised (no rebuild)."""
        old = self._snapshots.get(volunteer.id)
        if old is not None:
            self._drop_exclusions(old)
        self._upsert_row(volunteer)
        self._add_exclusions(volunteer)

    def remove(self, id: int) -> bool:
        """Forget a volunteer; returns False if it was not indexed."""
        old = self._snapshots.get(id)
        if old is not None:
            self._drop_exclusions(old)
        return self._remove_row(id)

    def rank_volunteers_for(
        self,
        need: NeedSnapshot,
        *,
        now: datetime,
        tz: tzinfo,
        weights: Weights = DEFAULT_WEIGHTS,
        caps: Caps = DEFAULT_CAPS,
        limit: int | None = None,
    ) -> list[Match]:
        """Same contract and result as ``scoring.rank_volunteers_for``."""
        require_aware(now)
        if need.spots_left <= 0 or (need.starts_at is not None and need.starts_at <= now):
            return []
        c = self._cols
        keep = c["active"] & (c["notified_today"] < caps.max_per_day)
        keep &= np.abs(c["lat"] - need.lat) <= c["dlat"]
        keep &= lon_gap_deg(c["lon"], need.lon) <= c["dlon"]
        rows = np.flatnonzero(keep)

        ongoing = need.starts_at is None
        start_us = None if ongoing else to_us(need.starts_at)
        if ongoing:
            in_window = np.zeros(rows.size, dtype=bool)
        else:
            in_window = (
                c["has_window"][rows]
                & (c["win_start"][rows] <= start_us)
                & (start_us < c["win_end"][rows])
            )
            regular = (c["avail"][rows] & slots_of(need.starts_at, need.ends_at, tz)) != 0
            sel = in_window | regular
            rows, in_window = rows[sel], in_window[sel]
        excluded = self._excluded_by_need.get(need.id, ())
        sel = without(rows, rows_of(excluded, self._row_of))
        rows, in_window = rows[sel], in_window[sel]

        place = unit_vector(need.lat, need.lon)
        distance = exact_km(c["x"][rows], c["y"][rows], c["z"][rows], place)
        radius = c["radius"][rows]
        sel = distance <= radius
        rows, in_window, distance, radius = rows[sel], in_window[sel], distance[sel], radius[sel]

        now_us = to_us(now)
        need_interests = interest_mask(need.interests)
        need_skills = skill_mask(need.skills)
        common_i = c["interests"][rows] & need_interests
        common_s = c["skills"][rows] & need_skills
        n_i = np.full(rows.size, need_interests.bit_count())
        n_s = np.full(rows.size, need_skills.bit_count())
        positive = radius > 0
        score = pair_score(
            weights,
            share(popcount(common_i), n_i, 0.0),
            share(popcount(common_s), n_s, 1.0),
            np.where(positive, 1.0 - distance / np.where(positive, radius, 1.0), 1.0),
            soon_share(start_us, now_us),
            1.0 if need.urgent else 0.0,
            spots_share(need.capacity, need.taken),
        )
        hours = (now_us - c["last"][rows]) / US_PER_HOUR / FAIRNESS_HORIZON_HOURS
        fairness = np.where(c["has_last"][rows], np.minimum(1.0, np.maximum(0.0, hours)), 1.0)
        score = score + weights.fairness * fairness

        ids = c["id"][rows]
        until = soon_hours(start_us, now_us)
        result = []
        for k in order(score, distance, ids, limit).tolist():
            time = "ongoing" if ongoing else ("window" if in_window[k] else "regular")
            reasons = pair_reasons(
                interests_of(int(common_i[k])),
                skills_of(int(common_s[k])),
                time,
                float(distance[k]),
                until,
                need.urgent,
                need.spots_left,
            )
            result.append(Match(int(ids[k]), float(score[k]), reasons, float(distance[k])))
        return result


class NeedIndex(BaseIndex):
    """All open needs, for a volunteer's own list of matches."""

    # fmt: off
    _SPEC = (
        ("id", np.int64), ("lat", np.float64), ("lon", np.float64), ("x", np.float64),
        ("y", np.float64), ("z", np.float64), ("has_start", np.bool_), ("start", np.int64),
        ("interests", MASK_DTYPE), ("skills", MASK_DTYPE), ("capacity", np.int64),
        ("taken", np.int64), ("urgent", np.bool_),
    )
    # fmt: on

    def __init__(self) -> None:
        super().__init__()
        self._slot_columns: dict[tzinfo, str] = {}

    @classmethod
    def build(cls, needs: Iterable[NeedSnapshot], tz: tzinfo | None = None) -> NeedIndex:
        """Index needs; pass ``tz`` to precompute its slot masks (else done on first use)."""
        index = cls()
        index._bulk_load(needs)
        if tz is not None:
            index._slots(tz)
        return index

    def _row(self, n: NeedSnapshot) -> tuple[Any, ...]:
        start = n.starts_at
        return (
            n.id, *geo_row(n.lat, n.lon), start is not None, 0 if start is None else to_us(start),
            interest_mask(n.interests), skill_mask(n.skills), n.capacity, n.taken, n.urgent,
        )  # fmt: skip

    def _slots(self, tz: tzinfo) -> np.ndarray:
        """Weekly slot mask of every need in ``tz`` (cached per zone: zone maths is slow)."""
        name = self._slot_columns.get(tz)
        if name is None:
            name = f"slots{len(self._slot_columns)}"
            snaps = (self._snapshots[i] for i in self._cols["id"].tolist())
            values = (slots_of(n.starts_at, n.ends_at, tz) for n in snaps)
            self._cols.add_column(name, np.int32, values)
            self._slot_columns[tz] = name
        return self._cols[name]

    def get(self, id: int) -> NeedSnapshot | None:
        return self._snapshots.get(id)

    def upsert(self, need: NeedSnapshot) -> None:
        """Insert or replace one need (e.g. after a sign-up changed ``taken``)."""
        row = self._upsert_row(need)
        for tz, name in self._slot_columns.items():
            self._cols.set(name, row, slots_of(need.starts_at, need.ends_at, tz))

    def remove(self, id: int) -> bool:
        """Forget a need (filled, cancelled, past); returns False if it was not indexed."""
        return self._remove_row(id)

    def rank_needs_for(
        self,
        volunteer: VolunteerSnapshot,
        *,
        now: datetime,
        tz: tzinfo,
        weights: Weights = DEFAULT_WEIGHTS,
        mode: Mode = "regular",
        limit: int | None = None,
    ) -> list[Match]:
        """Same contract and result as ``scoring.rank_needs_for``."""
        require_aware(now)
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        window = volunteer.window
        if mode == "now" and window is None:
            return []
        c = self._cols
        now_us = to_us(now)
        dlat, dlon = bbox_half_extent_deg(volunteer.lat, volunteer.radius_km)
        has_start = c["has_start"]
        keep = c["capacity"] - c["taken"] > 0
        keep &= ~has_start | (c["start"] > now_us)
        keep &= np.abs(c["lat"] - volunteer.lat) <= dlat
        keep &= lon_gap_deg(c["lon"], volunteer.lon) <= dlon
        if mode == "now":
            start = c["start"]
            keep &= has_start & (to_us(window[0]) <= start) & (start < to_us(window[1]))
        else:
            keep &= ~has_start | ((self._slots(tz) & volunteer.availability) != 0)
        rows = np.flatnonzero(keep)
        rows = rows[without(rows, rows_of(volunteer.signed_up | volunteer.declined, self._row_of))]

        home = unit_vector(volunteer.lat, volunteer.lon)
        distance = exact_km(c["x"][rows], c["y"][rows], c["z"][rows], home)
        sel = distance <= volunteer.radius_km
        rows, distance = rows[sel], distance[sel]

        need_interests = c["interests"][rows]
        need_skills = c["skills"][rows]
        common_i = need_interests & interest_mask(volunteer.interests)
        common_s = need_skills & skill_mask(volunteer.skills)
        starts = c["start"][rows]
        dated = has_start[rows]
        capacity = c["capacity"][rows]
        spots_left = capacity - c["taken"][rows]
        radius = volunteer.radius_km
        soon = np.maximum(0.0, 1.0 - (starts - now_us) / US_PER_HOUR / SOON_HORIZON_HOURS)
        score = pair_score(
            weights,
            share(popcount(common_i), popcount(need_interests), 0.0),
            share(popcount(common_s), popcount(need_skills), 1.0),
            1.0 - distance / radius if radius > 0 else np.ones(rows.size),
            np.where(dated, soon, 0.0),
            c["urgent"][rows].astype(np.float64),
            share(spots_left, capacity, 0.0),
        )

        ids = c["id"][rows]
        result = []
        for k in order(score, distance, ids, limit).tolist():
            start_us = int(starts[k]) if dated[k] else None
            time = "ongoing" if start_us is None else ("window" if mode == "now" else "regular")
            reasons = pair_reasons(
                interests_of(int(common_i[k])),
                skills_of(int(common_s[k])),
                time,
                float(distance[k]),
                soon_hours(start_us, now_us),
                bool(c["urgent"][rows[k]]),
                int(spots_left[k]),
            )
            result.append(Match(int(ids[k]), float(score[k]), reasons, float(distance[k])))
        return result


class OrganisationIndex(BaseIndex):
    """All organisations, for "who is active near me" suggestions."""

    # fmt: off
    _SPEC = (
        ("id", np.int64), ("lat", np.float64), ("lon", np.float64), ("x", np.float64),
        ("y", np.float64), ("z", np.float64), ("interests", MASK_DTYPE),
    )
    # fmt: on

    @classmethod
    def build(cls, organisations: Iterable[OrganisationSnapshot]) -> OrganisationIndex:
        index = cls()
        index._bulk_load(organisations)
        return index

    def _row(self, o: OrganisationSnapshot) -> tuple[Any, ...]:
        return (o.id, *geo_row(o.lat, o.lon), interest_mask(o.interests))

    def get(self, id: int) -> OrganisationSnapshot | None:
        return self._snapshots.get(id)

    def upsert(self, organisation: OrganisationSnapshot) -> None:
        """Insert or replace one organisation (moved, changed interests)."""
        self._upsert_row(organisation)

    def remove(self, id: int) -> bool:
        """Forget an organisation; returns False if it was not indexed."""
        return self._remove_row(id)

    def rank_organisations_for(
        self,
        volunteer: VolunteerSnapshot,
        *,
        weights: Weights = DEFAULT_WEIGHTS,
        limit: int | None = None,
    ) -> list[Match]:
        """Same contract and result as ``scoring.rank_organisations_for``."""
        c = self._cols
        dlat, dlon = bbox_half_extent_deg(volunteer.lat, volunteer.radius_km)
        keep = np.abs(c["lat"] - volunteer.lat) <= dlat
        keep &= lon_gap_deg(c["lon"], volunteer.lon) <= dlon
        rows = np.flatnonzero(keep)
        home = unit_vector(volunteer.lat, volunteer.lon)
        distance = exact_km(c["x"][rows], c["y"][rows], c["z"][rows], home)
        sel = distance <= volunteer.radius_km
        rows, distance = rows[sel], distance[sel]

        mine = interest_mask(volunteer.interests)
        theirs = c["interests"][rows]
        common = theirs & mine
        jaccard = share(popcount(common), popcount(theirs | mine), 0.0)
        radius = volunteer.radius_km
        closeness = 1.0 - distance / radius if radius > 0 else np.ones(rows.size)
        score = weights.interest * jaccard + weights.distance * closeness

        ids = c["id"][rows]
        order = np.lexsort((ids, distance, -score, common == 0))
        if limit is not None:
            order = order[: max(0, limit)]
        result = []
        for k in order.tolist():
            reasons = tuple(Reason("interest", i) for i in interests_of(int(common[k])))
            reasons += (Reason("distance", round(float(distance[k]), 1)),)
            result.append(Match(int(ids[k]), float(score[k]), reasons, float(distance[k])))
        return result
