"""Stable ids for interests, skills and organisation kinds.

Ids are what storage keeps and what matching compares; labels are English source
strings wrapped in ``N_`` so Babel extracts them and the bot translates them at
render time (the user's language is unknown here). The order of each tuple is part
of the contract: the fast index encodes sets as bitmasks in exactly this order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translation happens later)."""
    return message


@dataclass(frozen=True, slots=True)
class Term:
    """One taxonomy entry: a stable id and its untranslated English label."""

    id: str
    label: str


INTERESTS: tuple[Term, ...] = (
    Term("children_youth", N_("Children & youth")),
    Term("seniors", N_("Seniors")),
    Term("refugees_integration", N_("Refugees & integration")),
    Term("environment_animals", N_("Environment & animals")),
    Term("sport", N_("Sport")),
    Term("culture", N_("Culture")),
    Term("education_tutoring", N_("Education & tutoring")),
    Term("health_care", N_("Health & care")),
    Term("civil_protection", N_("Civil protection")),
    Term("neighbourhood", N_("Neighbourhood help")),
    Term("digital", N_("Digital help")),
    Term("events", N_("Events & festivals")),
)

SKILLS: tuple[Term, ...] = (
    Term("driving_licence", N_("Driving licence")),
    Term("first_aid", N_("First aid")),
    Term("languages", N_("Languages")),
    Term("craft", N_("Craft & DIY")),
    Term("cooking", N_("Cooking")),
    Term("it", N_("IT")),
    Term("music", N_("Music")),
    Term("sport_coaching", N_("Sports coaching")),
    Term("care", N_("Care & nursing")),
    Term("carrying", N_("Lifting & carrying")),
    Term("translation", N_("Translation")),
    Term("teaching", N_("Teaching")),
)

ORGANISATION_KINDS: tuple[Term, ...] = (
    Term("association", N_("Club (Verein)")),
    Term("initiative", N_("Free initiative")),
    Term("kita", N_("Kita")),
    Term("school", N_("School")),
    Term("university", N_("University group")),
    Term("company", N_("Company")),
    Term("municipal", N_("Municipal service")),
)

INTEREST_IDS: tuple[str, ...] = tuple(t.id for t in INTERESTS)
SKILL_IDS: tuple[str, ...] = tuple(t.id for t in SKILLS)
ORGANISATION_KIND_IDS: tuple[str, ...] = tuple(t.id for t in ORGANISATION_KINDS)

_INTERESTS_BY_ID = {t.id: t for t in INTERESTS}
_SKILLS_BY_ID = {t.id: t for t in SKILLS}
_KINDS_BY_ID = {t.id: t for t in ORGANISATION_KINDS}
_INTEREST_BIT = {t.id: 1 << i for i, t in enumerate(INTERESTS)}
_SKILL_BIT = {t.id: 1 << i for i, t in enumerate(SKILLS)}


def interest(id: str) -> Term:
    """Return the interest term; raises KeyError for an unknown id."""
    return _INTERESTS_BY_ID[id]


def skill(id: str) -> Term:
    """Return the skill term; raises KeyError for an unknown id."""
    return _SKILLS_BY_ID[id]


def organisation_kind(id: str) -> Term:
    """Return the organisation kind term; raises KeyError for an unknown id."""
    return _KINDS_BY_ID[id]


def is_interest(id: str) -> bool:
    return id in _INTERESTS_BY_ID


def is_skill(id: str) -> bool:
    return id in _SKILLS_BY_ID


def is_organisation_kind(id: str) -> bool:
    return id in _KINDS_BY_ID


def interest_mask(ids: Iterable[str]) -> int:
    """Bitmask over INTERESTS order; unknown ids are ignored (matching ignores them too)."""
    mask = 0
    for i in ids:
        mask |= _INTEREST_BIT.get(i, 0)
    return mask


def skill_mask(ids: Iterable[str]) -> int:
    """Bitmask over SKILLS order; unknown ids are ignored (matching ignores them too)."""
    mask = 0
    for i in ids:
        mask |= _SKILL_BIT.get(i, 0)
    return mask


def interests_of_mask(mask: int) -> tuple[str, ...]:
    """Interest ids set in ``mask``, in taxonomy order."""
    return tuple(t.id for i, t in enumerate(INTERESTS) if mask >> i & 1)


def skills_of_mask(mask: int) -> tuple[str, ...]:
    """Skill ids set in ``mask``, in taxonomy order."""
    return tuple(t.id for i, t in enumerate(SKILLS) if mask >> i & 1)


# Keywords are word *prefixes* because German glues words together: "kinder" must
# find "Kinderbetreuung" and "sport" must find "Sportfest". Keywords that would
# prefix-match unrelated everyday words ("fest" -> "feststellen", "natur" ->
# "natürlich") are matched as whole words only, see _WHOLE_WORDS.
# fmt: off
INTEREST_KEYWORDS: dict[str, tuple[str, ...]] = {
    "children_youth": (
        "kinder", "kita", "kitas", "kindergarten", "jugend", "schule", "schüler",
        "hausaufgaben", "spielplatz", "ferienbetreuung", "ferienfreizeit", "baby",
        "kids", "kid", "youth", "children", "child", "teenager", "babysit",
    ),
    "seniors": (
        "senior", "rentner", "ältere", "älteren", "altenheim", "altersheim", "altenpflege",
        "besuchsdienst", "oma", "omas", "opa", "opas", "großeltern", "elderly",
        "older people", "pensioner", "retiree", "grandparent",
    ),
    "refugees_integration": (
        "flüchtling", "geflüchtet", "asyl", "migrant", "migration", "integration",
        "zuwander", "ukrain", "sprachcafé", "deutschkurs", "willkommenskultur",
        "refugee", "asylum", "newcomer", "immigrant",
    ),
    "environment_animals": (
        "umwelt", "natur", "naturschutz", "klima", "tier", "tiere", "tierheim", "tierschutz",
        "garten", "gärten", "baum", "bäume", "baumpflanz", "wald", "müll", "müllsammel",
        "bienen", "insekt", "hund", "hunde", "katze", "aufforst", "environment", "nature",
        "animal", "climate", "tree", "garden", "litter", "clean-up", "cleanup", "recycl",
        "forest", "dog", "dogs", "cat", "cats", "pets",
    ),
    "sport": (
        "sport", "fußball", "turnen", "turnhalle", "schwimm", "lauftreff", "fitness",
        "radfahr", "wander", "yoga", "handball", "basketball", "volleyball", "tennis",
        "football", "soccer", "swim", "cycling", "hiking", "gym",
    ),
    "culture": (
        "kultur", "kunst", "kunstprojekt", "kunstwerk", "künstler", "museum", "museen",
        "theater", "musik", "konzert", "chor", "bibliothek", "bücherei", "lesung",
        "ausstellung", "culture", "cultural", "arts", "artist", "theatre", "music",
        "concert", "choir", "library", "exhibition",
    ),
    "education_tutoring": (
        "nachhilfe", "hausaufgaben", "lernen", "lernhilfe", "lernpat", "lesepat", "bildung",
        "unterricht", "mathe", "alphabetisierung", "sprachkurs", "schule", "tutor",
        "homework", "mentor", "education", "learning", "literacy",
    ),
    "health_care": (
        "gesundheit", "pflege", "pflegeheim", "pflegedienst", "pflegebedürftig", "kranke",
        "kranken", "klinik", "hospiz", "demenz", "blutspende", "behinderung", "health",
        "care", "hospital", "hospice", "nursing", "patient", "dementia", "blood donation",
        "disabilit",
    ),
    "civil_protection": (
        "feuerwehr", "katastrophenschutz", "bevölkerungsschutz", "zivilschutz", "thw",
        "drk", "rettungsdienst", "sanitätsdienst", "hochwasser", "sandsäcke", "notfall",
        "fire brigade", "firefighter", "civil protection", "disaster", "emergency",
        "flood", "rescue",
    ),
    "neighbourhood": (
        "nachbar", "einkaufshilfe", "einkaufen", "besorgung", "quartier", "umzug",
        "neighbour", "neighbor", "errand", "groceries", "community",
    ),
    "digital": (
        "digital", "computer", "smartphone", "handy", "tablet", "pc", "laptop", "software",
        "medienkompetenz", "technikhilfe", "whatsapp",
    ),
    "events": (
        "fest", "feste", "festival", "sommerfest", "stadtfest", "straßenfest", "pfarrfest",
        "veranstaltung", "feier", "feiern", "karneval", "fasching", "flohmarkt", "basar",
        "weihnachtsmarkt", "event", "events", "party", "celebration", "parade",
    ),
}

# Matched only as whole words: short keywords (<= 3 letters) are matched whole
# automatically; these longer ones would prefix-match unrelated everyday words
# ("natur" -> "natürlich", "müll" -> "Müller", "hunde" -> "hundert").
_WHOLE_WORDS = frozenset(
    {
        "natur", "kunst", "fest", "feste", "feier", "pflege", "tier", "tiere", "baum",
        "bäume", "wald", "müll", "hund", "hunde", "care", "handy", "chor", "kranke",
        "event", "events", "omas", "opas", "kitas", "cats", "dogs",
    }
)
# fmt: on


def _fold(text: str) -> str:
    """Case- and umlaut-insensitive form: 'Bäume', 'Baeume' and 'Baume' all become 'baume'."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for keyword in sorted(set(keywords), key=len, reverse=True):
        folded = re.escape(_fold(keyword)).replace(r"\ ", r"\s+")
        whole = keyword in _WHOLE_WORDS or len(keyword) <= 3
        parts.append(rf"\b{folded}\b" if whole else rf"\b{folded}")
    return re.compile("|".join(parts))


_PATTERNS: dict[str, re.Pattern[str]] = {
    key: _keyword_pattern(words) for key, words in INTEREST_KEYWORDS.items()
}


def interests_in_text(text: str) -> frozenset[str]:
    """Interest ids whose keywords occur in free text (for parsing needs typed by humans)."""
    folded = _fold(text)
    return frozenset(key for key, pattern in _PATTERNS.items() if pattern.search(folded))
