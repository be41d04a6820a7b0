"""Reference ranking: plain loops, readable rules, the oracle for the fast index.

Every ranking is (1) hard filters that a match must pass, then (2) a score that is a
weighted sum of components normalised to [0, 1], then (3) a deterministic order:
score descending, distance ascending, id ascending. ``matching.index`` implements
the same rules with numpy and must return exactly the same list; the shared
component functions below are the single definition of the arithmetic, written so
that numpy can repeat each operation in the same order (see ``docs/matching.md``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

from matching.availability import overlaps, slots_of, window_overlaps
from matching.geo import point_distance_km, unit_vector
from matching.taxonomy import INTEREST_IDS, SKILL_IDS
from matching.types import Match, NeedSnapshot, OrganisationSnapshot, Reason, VolunteerSnapshot

Mode = Literal["regular", "now"]
MODES: tuple[str, ...] = ("regular", "now")

SOON_HORIZON_HOURS = 72.0
"""Needs starting within three days get a soonness bonus that shrinks linearly to 0:
they are the ones that fail if nobody reacts today; next month's need can wait."""

FAIRNESS_HORIZON_HOURS = 168.0
"""A volunteer not notified for a week (or never) gets the full fairness bonus, so
pushes rotate through the pool instead of always hitting the same best profiles."""

US_PER_HOUR = 3_600_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the score components; every component lies in [0, 1].

    The defaults encode the product's priorities (WHY each value, see docs/matching.md):
    interest dominates because caring about the cause is what brings people back;
    distance comes next since a short way makes spontaneous help realistic; urgency,
    soonness, skills, open spots and fairness reorder within that.
    """

    interest: float = 3.0
    """Largest: the cause is why people volunteer and come back. A fully on-topic need
    8 km away (of 10) still beats an off-topic one next door (3 + 0.4 > 2)."""
    skill: float = 1.0
    """A required skill the volunteer has makes the help useful, but most needs require
    none, so this only reorders within similar interest."""
    distance: float = 2.0
    """A short way is what turns "maybe" into showing up; second only to interest."""
    soon: float = 1.0
    """Needs starting within SOON_HORIZON_HOURS fail if nobody reacts now."""
    urgency: float = 1.5
    """Organisations flag urgent sparingly: above soonness, never above the cause."""
    spots: float = 0.5
    """Share of open spots; a tie-breaker towards needs that still need most helpers."""
    fairness: float = 1.0
    """Pushes only: rotate notifications through the pool. Half the distance weight,
    so fairness alone never lifts a far, off-topic volunteer over a fitting one."""


@dataclass(frozen=True, slots=True)
class Caps:
    """Limits on pushes so nobody is flooded: at most ``max_per_day`` notifications."""

    max_per_day: int = 3


DEFAULT_WEIGHTS = Weights()
DEFAULT_CAPS = Caps()


def to_us(moment: datetime) -> int:
    """Exact integer microseconds since the epoch (the index stores times like this)."""
    return (moment - EPOCH) // _ONE_US


def require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")


# --- components, each in [0, 1] -------------------------------------------------


def interest_share(
    volunteer: frozenset[str], need: frozenset[str]
) -> tuple[tuple[str, ...], float]:
    """Shared interests (taxonomy order) and the share of the need's interests covered.

    Share of the *need's* interests rather than Jaccard: a volunteer with many
    interests should not be penalised for being open to more.
    """
    wanted = [i for i in INTEREST_IDS if i in need]
    common = tuple(i for i in wanted if i in volunteer)
    return common, (len(common) / len(wanted) if wanted else 0.0)


def interest_jaccard(
    volunteer: frozenset[str], organisation: frozenset[str]
) -> tuple[tuple[str, ...], float]:
    """Shared interests and |A & B| / |A | B|: organisations have broad profiles, so a
    focused overlap is a better hint than one interest among many."""
    common = tuple(i for i in INTEREST_IDS if i in volunteer and i in organisation)
    union = sum(1 for i in INTEREST_IDS if i in volunteer or i in organisation)
    return common, (len(common) / union if union else 0.0)


def skill_share(volunteer: frozenset[str], need: frozenset[str]) -> tuple[tuple[str, ...], float]:
    """Shared skills and the share of required skills covered; 1.0 if none are required,
    because a need anyone can do should not rank below one the volunteer is unfit for."""
    wanted = [s for s in SKILL_IDS if s in need]
    common = tuple(s for s in wanted if s in volunteer)
    return common, (len(common) / len(wanted) if wanted else 1.0)


def distance_share(distance_km: float, radius_km: float) -> float:
    """1 at the doorstep, 0 at the edge of the volunteer's radius."""
    return 1.0 - distance_km / radius_km if radius_km > 0 else 1.0


def soon_share(start_us: int | None, now_us: int) -> float:
    """1 for a need starting now, linearly 0 at SOON_HORIZON_HOURS; 0 for ongoing needs."""
    if start_us is None:
        return 0.0
    return max(0.0, 1.0 - (start_us - now_us) / US_PER_HOUR / SOON_HORIZON_HOURS)


def soon_hours(start_us: int | None, now_us: int) -> int | None:
    """Whole hours until start when the need is inside the soonness horizon, else None."""
    if start_us is None or soon_share(start_us, now_us) <= 0.0:
        return None
    return (start_us - now_us) // US_PER_HOUR


def spots_share(capacity: int, taken: int) -> float:
    """Share of spots still open: an untouched need still needs most of its helpers,
    and a nearly full one may be gone before the volunteer reacts."""
    return (capacity - taken) / capacity if capacity > 0 else 0.0


def fairness_share(last_us: int | None, now_us: int) -> float:
    """1 if never notified, else grows linearly to 1 over FAIRNESS_HORIZON_HOURS."""
    if last_us is None:
        return 1.0
    return min(1.0, max(0.0, (now_us - last_us) / US_PER_HOUR / FAIRNESS_HORIZON_HOURS))


def pair_score(
    w: Weights,
    interest: float,
    skill: float,
    distance: float,
    soon: float,
    urgent: float,
    spots: float,
) -> float:
    """The weighted sum, left to right; the index repeats this exact order."""
    return (
        w.interest * interest
        + w.skill * skill
        + w.distance * distance
        + w.soon * soon
        + w.urgency * urgent
        + w.spots * spots
    )


def pair_reasons(
    interests: tuple[str, ...],
    skills: tuple[str, ...],
    time: str,
    distance_km: float,
    hours_until: int | None,
    urgent: bool,
    spots: int,
) -> tuple[Reason, ...]:
    """Reasons in display order: interest, skill, time/ongoing, distance, soon, urgent, spots."""
    reasons = [Reason("interest", i) for i in interests]
    reasons += [Reason("skill", s) for s in skills]
    reasons.append(Reason("ongoing", 1) if time == "ongoing" else Reason("time", time))
    reasons.append(Reason("distance", round(distance_km, 1)))
    if hours_until is not None:
        reasons.append(Reason("soon", hours_until))
    if urgent:
        reasons.append(Reason("urgent", 1))
    reasons.append(Reason("spots", spots))
    return tuple(reasons)


def ordered(matches: list[Match], limit: int | None) -> list[Match]:
    """Deterministic order: score desc, distance asc, id asc; then the limit."""
    matches.sort(key=lambda m: (-m.score, m.distance_km, m.id))
    return matches if limit is None else matches[: max(0, limit)]


# --- time rules ------------------------------------------------------------------


def time_for_query(
    volunteer: VolunteerSnapshot, need: NeedSnapshot, mode: str, tz: tzinfo
) -> str | None:
    """Time reason when a volunteer browses: "regular" mask, "now" window, or None."""
    if need.starts_at is None:
        return None if mode == "now" else "ongoing"
    if mode == "now":
        window = volunteer.window
        if window is not None and window_overlaps(window[0], window[1], need.starts_at):
            return "window"
        return None
    return "regular" if overlaps(volunteer.availability, need.starts_at, need.ends_at, tz) else None


def time_for_push(volunteer: VolunteerSnapshot, need: NeedSnapshot, need_slots: int) -> str | None:
    """Time reason when pushing: the window wins (explicitly free), else the regular mask."""
    if need.starts_at is None:
        return "ongoing"
    window = volunteer.window
    if window is not None and window_overlaps(window[0], window[1], need.starts_at):
        return "window"
    return "regular" if volunteer.availability & need_slots else None


# --- rankings ----------------------------------------------------------------------


def _pair_match(
    match_id: int,
    volunteer: VolunteerSnapshot,
    need: NeedSnapshot,
    distance_km: float,
    time: str,
    now_us: int,
    weights: Weights,
    fairness: float | None,
) -> Match:
    interests, interest = interest_share(volunteer.interests, need.interests)
    skills, skill = skill_share(volunteer.skills, need.skills)
    start_us = None if need.starts_at is None else to_us(need.starts_at)
    score = pair_score(
        weights,
        interest,
        skill,
        distance_share(distance_km, volunteer.radius_km),
        soon_share(start_us, now_us),
        1.0 if need.urgent else 0.0,
        spots_share(need.capacity, need.taken),
    )
    if fairness is not None:
        score = score + weights.fairness * fairness
    reasons = pair_reasons(
        interests,
        skills,
        time,
        distance_km,
        soon_hours(start_us, now_us),
        need.urgent,
        need.spots_left,
    )
    return Match(match_id, score, reasons, distance_km)


def rank_needs_for(
    volunteer: VolunteerSnapshot,
    needs: Iterable[NeedSnapshot],
    *,
    now: datetime,
    tz: tzinfo,
    weights: Weights = DEFAULT_WEIGHTS,
    mode: Mode = "regular",
    limit: int | None = None,
) -> list[Match]:
    """Needs a volunteer could take, best first (the volunteer's /matches list).

    Hard filters: spots left; starts in the future (or ongoing); not signed up or
    declined; within the volunteer's radius; time: "regular" = overlaps the weekly
    mask (ongoing always passes), "now" = starts inside the volunteer's window
    (ongoing excluded). Paused/notified do not filter: asking is not being pushed.
    """
    require_aware(now)
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    now_us = to_us(now)
    home = unit_vector(volunteer.lat, volunteer.lon)
    excluded = volunteer.signed_up | volunteer.declined
    matches: list[Match] = []
    for need in needs:
        if need.spots_left <= 0:
            continue
        if need.starts_at is not None and need.starts_at <= now:
            continue
        if need.id in excluded:
            continue
        distance = point_distance_km(home, unit_vector(need.lat, need.lon))
        if not distance <= volunteer.radius_km:
            continue
        time = time_for_query(volunteer, need, mode, tz)
        if time is None:
            continue
        matches.append(_pair_match(need.id, volunteer, need, distance, time, now_us, weights, None))
    return ordered(matches, limit)


def rank_volunteers_for(
    need: NeedSnapshot,
    volunteers: Iterable[VolunteerSnapshot],
    *,
    now: datetime,
    tz: tzinfo,
    weights: Weights = DEFAULT_WEIGHTS,
    caps: Caps = DEFAULT_CAPS,
    limit: int | None = None,
) -> list[Match]:
    """Volunteers to notify about a need, best first (push targeting).

    Hard filters: need has spots and starts in the future; volunteer not paused and
    notify_mode != "off"; under the daily cap; need within the volunteer's radius;
    time (window contains the start, or the weekly mask overlaps; ongoing passes);
    need not signed up, declined or already notified. The score adds fairness.
    """
    require_aware(now)
    if need.spots_left <= 0 or (need.starts_at is not None and need.starts_at <= now):
        return []
    now_us = to_us(now)
    place = unit_vector(need.lat, need.lon)
    need_slots = slots_of(need.starts_at, need.ends_at, tz)
    matches: list[Match] = []
    for volunteer in volunteers:
        if volunteer.paused or volunteer.notify_mode == "off":
            continue
        if volunteer.notified_today >= caps.max_per_day:
            continue
        if need.id in volunteer.signed_up or need.id in volunteer.declined:
            continue
        if need.id in volunteer.notified:
            continue
        distance = point_distance_km(unit_vector(volunteer.lat, volunteer.lon), place)
        if not distance <= volunteer.radius_km:
            continue
        time = time_for_push(volunteer, need, need_slots)
        if time is None:
            continue
        last_us = None if volunteer.last_notified_at is None else to_us(volunteer.last_notified_at)
        fairness = fairness_share(last_us, now_us)
        match = _pair_match(
            volunteer.id, volunteer, need, distance, time, now_us, weights, fairness
        )
        matches.append(match)
    return ordered(matches, limit)


def rank_organisations_for(
    volunteer: VolunteerSnapshot,
    organisations: Iterable[OrganisationSnapshot],
    *,
    weights: Weights = DEFAULT_WEIGHTS,
    limit: int | None = None,
) -> list[Match]:
    """Organisations near a volunteer: those sharing an interest first, then the rest.

    Filter: within the volunteer's radius. Score: interest Jaccard and distance.
    Organisations without a shared interest are still listed (a local club is worth
    knowing) but always below every organisation with one; within each group the
    usual order applies.
    """
    home = unit_vector(volunteer.lat, volunteer.lon)
    scored: list[tuple[bool, Match]] = []
    for org in organisations:
        distance = point_distance_km(home, unit_vector(org.lat, org.lon))
        if not distance <= volunteer.radius_km:
            continue
        common, share = interest_jaccard(volunteer.interests, org.interests)
        score = weights.interest * share + weights.distance * distance_share(
            distance, volunteer.radius_km
        )
        reasons = tuple(Reason("interest", i) for i in common)
        reasons += (Reason("distance", round(distance, 1)),)
        scored.append((bool(common), Match(org.id, score, reasons, distance)))
    scored.sort(key=lambda t: (not t[0], -t[1].score, t[1].distance_km, t[1].id))
    matches = [m for _, m in scored]
    return matches if limit is None else matches[: max(0, limit)]
