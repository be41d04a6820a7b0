"""Reading an offer or a search written in plain language (pure, no I/O).

The need parser reads days, counts and places; this adds what offers and searches say
differently: people offered ("2 Azubis", "8 colleagues", "5 freie Plätze"), the kind
(a team day, a room, material, knowledge, skills, time), fields a need would not name
("Imker" is about animals and nature) and a title without "bietet"/"sucht". Whatever is
read here is shown on a card and can be changed before anything is published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from dialogs.need_parser import parse_need
from dialogs.need_parser_data import NUMBER, NUMBER_WORDS, word_value
from matching.taxonomy import INTEREST_IDS

_I = re.IGNORECASE
_PEOPLE_OFFERED = re.compile(
    rf"(?<![\w.:,/-])(?P<n>{NUMBER})\s+(?:[\w-]+\s+)?(?:azubis?|auszubildende\w*|kolleg\w*"
    r"|mitarbeit\w*|beschäftigte\w*|angestellte\w*|leute|personen|menschen|helfer\w*"
    r"|freiwillige\w*|plätze|platze|colleagues|employees|staff|people|volunteers|seats"
    r"|places|trainees|apprentices|helpers)\b",
    _I,
)
KIND_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, _I))
    for kind, pattern in (
        (
            "team_day",
            r"\b(?:team-?tag\w*|teamday|team\s+day|social\s+day|aktionstag\w*|corporate"
            r"|azubis?|auszubildende\w*|kolleg\w*|mitarbeitende\w*|belegschaft|colleagues"
            r"|employees|staff|apprentices|trainees)\b",
        ),
        (
            "room",
            r"\b(?:\w*raum|räume|\w*saal|\w*halle|werkstatt|büro|room|rooms|hall|space|venue)\b",
        ),
        (
            "material",
            r"\b(?:material\w*|werkzeug\w*|geräte?|möbel|spende\w*|sachspende\w*|laptops?"
            r"|equipment|tools?|furniture|donations?|supplies)\b",
        ),
        (
            "knowledge",
            r"\b(?:wissen|kurs\w*|\w*kurs|schulung\w*|workshop\w*|fortbildung\w*|vortrag"
            r"|beratung|imker\w*|expert\w*|know-?how|course|training|talk|advice"
            r"|beekeeper\w*|knowledge)\b",
        ),
        (
            "skill",
            r"\b(?:kann|können|webseite\w*|website\w*|reparier\w*|handwerk\w*|schreiner\w*"
            r"|kassenprüf\w*|buchhalt\w*|design\w*|programmier\w*|übersetz\w*|can|skills?"
            r"|repair\w*|accounting|translat\w*)\b",
        ),
        ("time", r"\b(?:zeit|stunden?|helfen|hilfe|time|hours?|help)\b"),
    )
)
EXTRA_FIELDS: dict[str, re.Pattern[str]] = {
    "environment_animals": re.compile(r"\b(?:imker\w*|beekeep\w*|bees?|honig|honey)\b", _I),
    "children_youth": re.compile(r"\w*(?:schule|kita)\b|\b(?:school|pupils|class)\b", _I),
    "education_tutoring": re.compile(r"\w*schule\b|\b(?:school|pupils)\b", _I),
}
_VERBS = re.compile(
    r"\b(?:bieten\s+an|bietet|bieten|biete|offers?|offering|we\s+offer|öffnet|sucht"
    r"|suchen|suche|looking\s+for|is\s+looking\s+for|seeks?)\b",
    _I,
)


@dataclass(frozen=True)
class ReadPost:
    title: str | None = None
    people: int | None = None
    kind: str | None = None
    days: tuple[date, date] | None = None
    ongoing: bool = False
    postal_code: str | None = None
    interests: tuple[str, ...] = field(default=())


def guess_kind(text: str) -> str | None:
    """The first kind whose words occur; team days first, time (the vaguest) last."""
    for kind, pattern in KIND_WORDS:
        if pattern.search(text):
            return kind
    return None


def read_days(text: str, now: datetime, tz: tzinfo) -> tuple[tuple[date, date] | None, bool]:
    """(first and last day, ongoing) as the need parser reads them."""
    parsed = parse_need(text, now, tz)
    if parsed.long_term:
        return None, True
    if parsed.starts_at is not None:
        first = parsed.starts_at.astimezone(tz).date()
        last = (parsed.ends_at or parsed.starts_at).astimezone(tz).date()
        return (first, last), False
    if parsed.day is not None:
        return (parsed.day, parsed.day), False
    return None, False


def read_title(text: str, now: datetime, tz: tzinfo, whole: str | None) -> str | None:
    """What comes after "bietet"/"sucht" names the thing ("Grundschule sucht Imker:in für
    Bienenprojekt" → "Imker:in für Bienenprojekt"); without such a verb, or when that
    leaves a single word, the whole message's title without the verbs."""
    verb = _VERBS.search(text)
    if verb is not None:
        after = parse_need(text[verb.end() :], now, tz).title
        if after and len(after.split()) >= 2:
            return after[:1].upper() + after[1:]
    if not whole:
        return None
    title = " ".join(_VERBS.sub(" ", whole).split()).strip(" ,.;:-")
    return title[:1].upper() + title[1:] if title else None


def read_post(text: str, now: datetime, tz: tzinfo) -> ReadPost:
    parsed = parse_need(text, now, tz)
    people = parsed.count
    if people is None and (found := _PEOPLE_OFFERED.search(text)) is not None:
        number = found["n"]
        people = int(number) if number.isdecimal() else word_value(NUMBER_WORDS, number)
    days, ongoing = read_days(text, now, tz)
    fields = set(parsed.interests)
    fields |= {field for field, pattern in EXTRA_FIELDS.items() if pattern.search(text)}
    title = read_title(text, now, tz, parsed.title)
    return ReadPost(
        title=title,
        people=people if people and people <= 999 else None,
        kind=guess_kind(text),
        days=days,
        ongoing=ongoing,
        postal_code=parsed.postal_code,
        interests=tuple(i for i in INTEREST_IDS if i in fields),
    )
