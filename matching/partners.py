"""Partner matching: offers for a search, searches and needs for an offer, partner
organisations for an organisation – pure functions, with reasons like the volunteers'.

Every side becomes a :class:`PartnerSnapshot`: an offer or search someone posted, an
organisation's need (a search for people), or an organisation (it offers what it knows
and looks for partners). A pair fits when all of these hold:

* it joins opposite directions (an offer and something looked for), never one owner or
  one organisation with itself;
* the distance is within the larger of the two radii: one side is willing to come;
* both kinds belong together (skill ↔ knowledge, time ↔ team day, a room ↔ a room…);
  a need asks for hands (time, team day); an organisation has every kind;
* when both name days, the days overlap; an ongoing side fits any day;
* a team day (an offer of several people on a day) goes only to what needs several
  people: a need or search for at least two;
* there is common ground: a shared interest field or a shared topic word ("Bienen"
  ↔ "Bienenprojekt"). A team day without fields of its own needs none.

The score then adds interest (3), distance (2), topic (1), the same kind (1), days that
both name and share (1) and people who fit (0.5); the order is score descending,
distance ascending, side and id ascending.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from matching.geo import distance_km
from matching.scoring import interest_jaccard
from matching.taxonomy import INTEREST_IDS
from matching.types import Reason

KIND_GROUPS: dict[str, str] = {
    "skill": "know-how",
    "knowledge": "know-how",
    "time": "hands",
    "team_day": "hands",
    "material": "material",
    "room": "room",
}
"""Kinds in one group answer each other; a need (kind "") asks for hands."""

TOPIC_STEM = 5
"""Topic words are compared by their first letters: German glues words together, so
"Bienen", "Bienenprojekt" and "Bienen-AG" share the stem "biene"."""

ORGANISATION_RADIUS_KM = 25.0
"""How far apart two organisations may be to be suggested to each other."""

# Stems every post uses (offering, looking, people, filler, time words): no topic.
# fmt: off
_STOP_STEMS = frozenset(
    {
        "about", "also", "anbie", "angeb", "benot", "biete", "brauc", "dafur", "damit",
        "dauer", "diens", "donne", "durch", "eine", "einen", "einer", "einma", "euren", "frei",
        "freie", "freit", "from", "fur", "gerne", "gesuc", "haben", "have", "helfe", "helpe",
        "heute", "hilfe", "ihren", "ihrer", "immer", "jahre", "konne", "koste", "kostenl",
        "leute", "looki", "mensc", "mittw", "mocht", "monat", "monta", "morge", "need",
        "needs", "neuen", "neues", "oder", "offer", "peopl", "perso", "samst", "searc", "sind",
        "some", "sonnt", "stund", "suche", "sucht", "tage", "that", "their", "there", "this",
        "unser", "unter", "volun", "ware", "where", "which", "will", "wird", "with", "woche",
        "would", "wurde", "your", "zeit", "zusam",
        "alle", "allen", "auch", "beim", "bitte", "dies", "diese", "einfa", "ganze", "gemei",
        "gibt", "ihre", "jahr", "kann", "kein", "keine", "mache", "mehr", "nach", "noch",
        "schon", "sehr", "uber", "viel", "viele", "wenn", "werde",
    }
)
# fmt: on
_WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass(frozen=True, slots=True)
class PartnerSnapshot:
    """One side as matching sees it. ``side`` is "post", "need" or "organisation";
    ``days`` the first and last local day, None when ongoing."""

    side: str
    id: int
    direction: str  # "offer" or "search"; needs search, organisations are both
    kind: str  # see KIND_GROUPS; "" for needs and organisations
    lat: float
    lon: float
    radius_km: float
    interests: frozenset[str]
    topics: frozenset[str] = frozenset()
    days: tuple[date, date] | None = None
    people: int | None = None
    owner: int | None = None
    organisation: int | None = None
    organisation_kind: str | None = None

    @property
    def team_day(self) -> bool:
        return self.kind == "team_day" and self.direction == "offer"


@dataclass(frozen=True, slots=True)
class PartnerMatch:
    """A ranked side with its reasons (kinds: interest, topic, kind, days, ongoing,
    people, distance, partner_kind)."""

    side: str
    id: int
    score: float
    reasons: tuple[Reason, ...]
    distance_km: float


def _fold(word: str) -> str:
    text = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def topic_words(text: str) -> frozenset[str]:
    """Stems of the content words of a title or text ("Bienenprojekt" → "bienen"[:5])."""
    stems = set()
    for word in _WORD.findall(text):
        stem = _fold(word)[:TOPIC_STEM]
        if stem not in _STOP_STEMS:
            stems.add(stem)
    return frozenset(stems)


def _kinds_fit(one: str, other: str) -> bool:
    return KIND_GROUPS.get(one or "time") == KIND_GROUPS.get(other or "time")


def _days_overlap(one: tuple[date, date], other: tuple[date, date]) -> bool:
    return one[0] <= other[1] and other[0] <= one[1]


def _opposite(one: PartnerSnapshot, other: PartnerSnapshot) -> bool:
    if one.side == "organisation" or other.side == "organisation":
        return True
    return one.direction != other.direction


def _same_party(one: PartnerSnapshot, other: PartnerSnapshot) -> bool:
    if (one.side, one.id) == (other.side, other.id):
        return True
    if one.owner is not None and one.owner == other.owner:
        return True
    return one.organisation is not None and one.organisation == other.organisation


def pair(given: PartnerSnapshot, wanted: PartnerSnapshot) -> PartnerMatch | None:
    """How well what one side gives fits what the other wants; None when it does not.
    The match is about ``wanted`` when ranking for ``given`` – callers swap as needed."""
    if _same_party(given, wanted) or not _opposite(given, wanted):
        return None
    distance = distance_km(given.lat, given.lon, wanted.lat, wanted.lon)
    reach = max(given.radius_km, wanted.radius_km)
    if not distance <= reach:
        return None
    organisations = "organisation" in (given.side, wanted.side)  # they have every kind
    if not organisations and not _kinds_fit(given.kind, wanted.kind):
        return None
    both_dated = given.days is not None and wanted.days is not None
    days_apart = (
        given.days is not None
        and wanted.days is not None
        and not _days_overlap(given.days, wanted.days)
    )
    if days_apart:
        return None
    team_day = given.team_day  # only an offer is a team day, and the given side offers
    if team_day and (wanted.people is None or wanted.people < 2):
        return None
    wanted_fields = [i for i in INTEREST_IDS if i in wanted.interests]
    common = tuple(i for i in wanted_fields if i in given.interests)
    topics = tuple(sorted(given.topics & wanted.topics))
    open_team_day = team_day and not given.interests
    if not common and not topics and not open_team_day:
        return None
    interest = len(common) / len(wanted_fields) if wanted_fields else 0.0
    people = min(given.people or 0, wanted.people or 0) if team_day else 0
    same_kind = bool(given.kind) and given.kind == wanted.kind
    score = (
        3.0 * interest
        + 2.0 * (1.0 - distance / reach if reach > 0 else 1.0)
        + 1.0 * min(1.0, len(topics) / 2)
        + 1.0 * same_kind
        + 1.0 * both_dated
        + 0.5 * (people > 0)
    )
    reasons = [Reason("interest", i) for i in common]
    reasons += [Reason("topic", t) for t in topics[:3]]
    if same_kind:
        reasons.append(Reason("kind", given.kind))
    if both_dated and given.days is not None and wanted.days is not None:
        reasons.append(Reason("days", max(given.days[0], wanted.days[0]).isoformat()))
    elif given.days is None and wanted.days is None:
        reasons.append(Reason("ongoing", 1))
    if people:
        reasons.append(Reason("people", people))
    reasons.append(Reason("distance", round(distance, 1)))
    return PartnerMatch(wanted.side, wanted.id, score, tuple(reasons), distance)


def _ordered(matches: Iterable[PartnerMatch], limit: int | None) -> list[PartnerMatch]:
    found = sorted(matches, key=lambda m: (-m.score, m.distance_km, m.side, m.id))
    return found if limit is None else found[: max(0, limit)]


def _flip(match: PartnerMatch, about: PartnerSnapshot) -> PartnerMatch:
    return PartnerMatch(about.side, about.id, match.score, match.reasons, match.distance_km)


def rank_partners_for(
    mine: PartnerSnapshot, candidates: Iterable[PartnerSnapshot], *, limit: int | None = None
) -> list[PartnerMatch]:
    """For a search: offers and organisations that fit; for an offer: searches and needs."""
    matches = []
    for other in candidates:
        if mine.direction == "search":
            if other.side == "need" or (other.side == "post" and other.direction != "offer"):
                continue
            found = pair(other, mine)
            match = _flip(found, other) if found is not None else None
        else:
            if other.side == "organisation" or other.direction != "search":
                continue
            match = pair(mine, other)
        if match is not None:
            matches.append(match)
    return _ordered(matches, limit)


def rank_partner_organisations(
    mine: PartnerSnapshot,
    organisations: Iterable[PartnerSnapshot],
    *,
    radius_km: float = ORGANISATION_RADIUS_KM,
    limit: int | None = None,
) -> list[PartnerMatch]:
    """ "You might work well with…": organisations nearby that share a field, those of
    another kind (a school and a club) a little ahead of more of the same."""
    matches = []
    for other in organisations:
        if other.side != "organisation" or other.id == mine.id:
            continue
        distance = distance_km(mine.lat, mine.lon, other.lat, other.lon)
        if not distance <= radius_km:
            continue
        common, share = interest_jaccard(mine.interests, other.interests)
        if not common:
            continue
        different = bool(other.organisation_kind) and other.organisation_kind != (
            mine.organisation_kind
        )
        score = 3.0 * share + 2.0 * (1.0 - distance / radius_km) + 0.5 * different
        reasons = [Reason("interest", i) for i in common]
        if different and other.organisation_kind:
            reasons.append(Reason("partner_kind", other.organisation_kind))
        reasons.append(Reason("distance", round(distance, 1)))
        matches.append(PartnerMatch("organisation", other.id, score, tuple(reasons), distance))
    return _ordered(matches, limit)
