"""Turning an organisation's plain message into a structured need (pure, no I/O).

"Brauchen morgen 15–18 Uhr 3 Helfer:innen für die Tafel-Ausgabe, Adalbertsteinweg 20"
becomes title "Tafel-Ausgabe", tomorrow 15:00–18:00, 3 people, that address. What the
words mean (local time of ``tz``; the dialog shows the result for confirmation, so a
plain, predictable rule beats a clever guess):

Days
* heute/today, morgen/tomorrow, übermorgen/day after tomorrow, "in 3 Tagen/days".
  "heute Morgen/this morning" is today's morning; "Guten Morgen" is a greeting.
* A weekday ("Samstag", "am Sa", "Sa 10 Uhr", "on Saturday", "this Saturday") is the
  next such day from today on; today itself only while the named time still lies ahead
  (on a Saturday at 09:00 "Samstag 10 Uhr" is today, at 11:00 it is next week).
  "nächsten/kommenden Samstag", "next Saturday" is the first Saturday after today,
  never today; "übernächsten" adds a week. "Wochenende", "nächste Woche", "next week"
  name no day: "when" stays missing. Abbreviations count only before a number or
  after "am/on/nächsten" ("Fr. Müller" and "so 3 Leute" are not days).
* Written dates are German day-first: 24.12., 24.12.2026, 24.12.26, "am 6.6", 3. Juli,
  3 July, July 3rd, 2026-07-03; "7/3" is 7 March (month-first only when day-first is
  impossible, 7/13). Without a year: the next such date from today on. A written date
  wins over a weekday or a relative word in the same message.
* Recurring or open-ended ("dauerhaft", "regelmäßig", "langfristig", "wöchentlich",
  "jeden Dienstag", "dienstags", "ongoing", "regularly", "every week", "on Tuesdays")
  sets ``long_term``; then there is no start, no end and "when" is not missing.

Times
* 15 Uhr, 15:30, 15.30 Uhr, 15h, um 15, at 3, 9 am, 9am, noon, halb 3 (2:30), viertel
  nach/vor 3, half past 2, quarter to 3; ranges 15-18 Uhr, 15–18, von 15 bis 18 Uhr,
  10-12, 14:00–16:30, 2-6pm, 2pm-6pm, zwischen 10 und 12; the first range counts.
  "ab 15 Uhr/from 3" has no end; "bis 18 Uhr" alone gives no start (so "when" is missing).
  A duration ("Dauer ca. 2 Stunden", "for 3 hours", "90 min") gives the end when only
  the start is known.
* A bare hour 1–6 without am/pm, leading zero or a morning word is the afternoon
  ("um 3" = 15:00, "2-6" = 14:00–18:00, but "06:00" and "6 am" stay early). A range's
  end that would lie before its start becomes pm when that fits ("10-2" = 10–14),
  otherwise the range crosses midnight ("22-2 Uhr" ends 02:00 the next day).
* Parts of the day without a clock time are windows: morgens/früh/morning 08–12,
  vormittags 09–12, mittags/midday 12–14, nachmittags/afternoon 14–17, abends/evening/
  tonight 18–21, ganztags/all day 09–18. With a clock time they only say am/pm
  ("abends 7" = 19:00).
* A time without a day is today if it still lies ahead, else tomorrow. A day without a
  time leaves ``starts_at`` empty, "when" missing and the day in ``day``. A start that
  has already passed ("heute 9 Uhr" at 10:00) is kept, but "when" is missing too.
  Wall-clock times are pinned in ``tz``: a time that occurs twice when the clocks go
  back means the first one, a time skipped when they go forward the hour after.
  ``now`` must be aware.

People: "3 Helfer:innen", "drei Leute", "2-3 Personen" (the upper bound: capacity),
"eine Person", "a driver", "jemand/someone" = 1, "brauchen noch 4" = 4; number words up
to twenty in both languages. "2 Helfer und 1 Fahrer" adds up. "ein paar/a few/einige/
several" means unknown: "count" is missing.

Place: a 5-digit postal code (with the town after it), a German street with a typical
suffix ("Adalbertsteinweg 20", "Hauptstr. 5a", "Aachener Straße 12") or a prefix
("Am Markt 1", "An der Eiche 3"), or an English one ("12 Main Street").

Title: what is left after all of the above, first sentence with content, without
request verbs and filler ("brauchen", "suchen", "need", "bitte") and without articles,
prepositions and generic people words at its edges ("für die", "zum", "for the",
"Helfer"); at most 60 characters, first letter capitalised. Empty means "title" is
missing. Interests come from ``matching.taxonomy.interests_in_text`` on the message
without its address. Only the first 2000 characters are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from dialogs.need_parser_data import (
    ADJECTIVES,
    ENGLISH_STREET,
    NOT_NEED,
    NOT_STREET_NAMES,
    NUMBER,
    NUMBER_WORDS,
    PEOPLE,
    STREET_PREFIX,
    STREET_SUFFIX,
    TITLE_EDGE,
    TITLE_NOISE,
    VAGUE_AMOUNT,
    WEEKDAY,
    alternatives,
    word_value,
)
from dialogs.need_parser_when import BLANK, Scratch, read_when, resolve
from matching.taxonomy import interests_in_text

TEXT_LIMIT = 2000
TITLE_LIMIT = 60
MAX_COUNT = 999


@dataclass(frozen=True)
class ParsedNeed:
    """What could be read from the message; ``missing`` names what could not."""

    title: str | None = None
    starts_at: datetime | None = None  # aware, UTC
    ends_at: datetime | None = None
    count: int | None = None  # people needed
    postal_code: str | None = None
    address: str | None = None  # street and number
    interests: frozenset[str] = field(default_factory=frozenset)
    long_term: bool = False  # "ongoing", no date
    missing: tuple[str, ...] = ()  # of "title", "when", "count"
    day: date | None = None  # local day when one was named, even without a time


_I = re.IGNORECASE
_NORMALISE = str.maketrans(
    {"–": "-", "—": "-", "‒": "-", "−": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " "}
    | {"\x00": " ", "’": "'", "`": "'"}
)

# -- long-term ------------------------------------------------------------------------

_LONG_TERM = re.compile(
    r"\b(?:dauerhaft\w*|regelmäßig\w*|regelmässig\w*|langfristig\w*|auf\s+dauer"
    r"|wöchentlich\w*|monatlich\w*|jede\s+woche|jeden\s+monat|immer\s+wieder"
    r"|(?:einmal|zweimal|[12]\s*x|[12]-mal)\s+(?:pro|die|in\s+der|im|a|per)\s+(?:woche|monat|week|month)"
    rf"|jeden\s+(?:\w+\s+)?(?:{WEEKDAY})|immer\s+(?:{WEEKDAY})s?|(?:{WEEKDAY})s"
    r"|ongoing|regular(?:ly)?|long[\s-]term|permanent(?:ly)?|weekly|monthly"
    rf"|every\s+(?:other\s+)?(?:week|month|{WEEKDAY})|once\s+a\s+(?:week|month))\b",
    _I,
)

# -- people -----------------------------------------------------------------------------

# One more lowercase word may stand before the people: "3 reading buddies".
_NOT_ADJECTIVE = rf"(?:{NUMBER}|uhr|und|oder|and|for|für|paar|few|couple|mehr)\b"
_COUNT = re.compile(
    rf"(?<![\w.:,/-])(?P<n>{NUMBER})\b(?:\s*(?:-|bis|oder|or|to|/)\s*(?P<n2>{NUMBER})\b)?"
    rf"\s*{ADJECTIVES}*(?:(?!{_NOT_ADJECTIVE})(?-i:[a-zäöüß]{{3,}})\s+)?(?:{PEOPLE})",
    _I,
)
_JOINED = re.compile(r"[\s\x00]*(?:,|\+|&|und|and|sowie|plus)[\s\x00]*", _I)
_VAGUE = re.compile(rf"\b{VAGUE_AMOUNT}\s+{ADJECTIVES}*(?:{PEOPLE})", _I)
_SOMEONE = re.compile(r"\b(?:jemand(?:en)?|someone|somebody)\b", _I)
_SEVERAL = alternatives(word for word, n in NUMBER_WORDS.items() if n > 1)  # not "a/ein"
_VERB_NUMBER = re.compile(
    r"\b(?:brauch(?:e|en|t)|benötig(?:e|en|t)|such(?:e|en|t)|need(?:s)?)\s+"
    r"(?:(?:noch|still|dringend|urgently|mindestens|at\s+least|ca\.?|circa|etwa|about"
    rf"|around)\s+)*(?P<n>\d{{1,3}}|{_SEVERAL})\b"
    r"(?!\s*(?:[:.,/-]\s*\d|uhr|h\b|am\b|pm\b|stunden|std|min|hours?|hrs?|euro|€|%|x\b"
    r"|mal|tage|days|wochen|weeks|jahre|years))",
    _I,
)


def _number(word: str | None) -> int | None:
    if word is None:
        return None
    return int(word) if word.isdecimal() else word_value(NUMBER_WORDS, word)


def _read_count(scratch: Scratch) -> tuple[int | None, bool]:
    """(people, vague) from "3 Helfer", "2-3 Leute", "jemand"; all mentions are blanked."""
    vague = False
    while scratch.first(_VAGUE) is not None:
        vague = True
    total: int | None = None
    chained, previous_end = True, 0
    for found in list(_COUNT.finditer(scratch.text)):
        n, upper = _number(found["n"]), _number(found["n2"])
        if n is None:
            continue
        n = upper if upper is not None and upper >= n else n  # "2-3 Leute": up to three
        if total is None:
            total = n
        elif chained and _JOINED.fullmatch(scratch.text[previous_end : found.start()]):
            total += n  # "2 Helfer und 1 Fahrer"
        else:
            chained = False
        previous_end = found.end()
        scratch.take(found)
    someone = scratch.first(_SOMEONE)
    if total is None and someone is not None and not vague:
        total = 1
    return (total if total and total <= MAX_COUNT else None), vague


# -- place ------------------------------------------------------------------------------

_CAP = r"(?-i:[A-ZÄÖÜ])"
_HOUSE = r"(?P<number>\d{1,3}(?:\s?[a-z](?!\w))?(?:\s?[-/]\s?\d{1,3}(?:[a-z](?!\w))?)?)"
_HOUSE_GUARD = r"(?!\w|[.:]\d|\s*(?:[-/]\s*\d+\s*)?(?:uhr|h\b|am\b|pm\b|a\.m\.|p\.m\.))"
_STREETS = tuple(
    re.compile(pattern, _I)
    for pattern in (
        rf"(?<![\w-])(?P<name>{_CAP}[\w-]*?{STREET_SUFFIX})(?!\w)\s*{_HOUSE}{_HOUSE_GUARD}",
        rf"(?<![\w-])(?P<name>{_CAP}\w*(?:e|er|es)\s+(?-i:Straße|Strasse|Str\.|Str|Weg|Platz"
        rf"|Allee|Gasse|Ring|Damm|Ufer|Markt|Chaussee|Promenade))(?!\w)\s*{_HOUSE}{_HOUSE_GUARD}",
        rf"\b(?P<name>(?-i:{STREET_PREFIX})\s+{_CAP}[\w-]*(?:\s+{_CAP}[\w-]*)?)\s*{_HOUSE}"
        + _HOUSE_GUARD,
        rf"(?<![\w.:/-])(?P<number>\d{{1,4}}[a-z]?)\s+(?P<name>(?:{_CAP}\w*\s+){{1,2}}"
        rf"(?-i:{ENGLISH_STREET}))(?!\w)",
    )
)
_NOT_STREET_START = frozenset({"bring", "spring", "during", "string"})
_POSTAL_CODE = re.compile(
    r"(?:\bPLZ:?\s*)?(?<![\d+/.,:-])\b(?P<code>\d{5})\b(?![\d.,:/-])"
    rf"(?:\s+(?P<town>{_CAP}[\w]+(?:-[\w]+)*))?",
    _I,
)


def _street_ok(name: str) -> bool:
    words = [w.lower().strip(".") for w in name.replace("-", " ").split()]
    return not (set(words) & NOT_STREET_NAMES) and words[0] not in _NOT_STREET_START


def _read_place(scratch: Scratch) -> tuple[str | None, str | None]:
    """(postal code, street and number); both are blanked."""
    address = None
    for pattern in _STREETS:
        for found in pattern.finditer(scratch.text):
            if _street_ok(found["name"]):
                address = address or " ".join(found.group(0).split())
                scratch.take(found)
    code = None
    for found in list(_POSTAL_CODE.finditer(scratch.text)):
        town = found["town"]
        keep_town = town and town.lower() in NOT_STREET_NAMES
        scratch.take(found, "code")
        if not keep_town and town:
            scratch.take(found, "town")
        code = code or found["code"]
    return code, address


# -- title ------------------------------------------------------------------------------

_SENTENCES = re.compile(r"[;!?\n]+|\.(?=\s|$)")
_NOISE = re.compile(TITLE_NOISE + r"|\b(?:ca\.?|circa|etwa|about|around|mindestens)\b", _I)
_LEADING = re.compile(rf"^(?:{TITLE_EDGE})(?=[\s:]|$)\s*", _I)
_TRAILING = re.compile(rf"(?:^|\s)(?:{TITLE_EDGE})$", _I)
_PUNCTUATION = " \t,.;:!?-–()[]\"'«»„“”/*+&"


def _clean(clause: str) -> str:
    """A clause without noise and with no articles/prepositions at its edges."""
    text = " ".join(_NOISE.sub(" ", clause).split()).strip(_PUNCTUATION)
    while True:
        shorter = _TRAILING.sub("", _LEADING.sub("", text)).strip(_PUNCTUATION)
        if shorter == text:
            return text
        text = shorter


def _wordy(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= 2


def _shorten(title: str, clauses: list[str]) -> str:
    """At most TITLE_LIMIT characters: the first clause, else cut at a space."""
    if len(title) <= TITLE_LIMIT:
        return title
    if len(clauses[0]) <= TITLE_LIMIT and _wordy(clauses[0]):
        return clauses[0]
    cut = title[:TITLE_LIMIT].rsplit(" ", 1)[0].strip(_PUNCTUATION)
    return cut if _wordy(cut) else title[:TITLE_LIMIT]


def _read_title(leftover: str) -> str | None:
    for sentence in _SENTENCES.split(leftover.replace(BLANK, " ")):
        clauses = [c for c in (_clean(part) for part in sentence.split(",")) if c]
        title = _shorten(", ".join(clauses), clauses) if clauses else ""
        if _wordy(title):
            first = title[:1].upper()  # "ß".upper() is "SS": then leave it
            return (first if len(first) == 1 else title[:1]) + title[1:]
    return None


# -- the parser -------------------------------------------------------------------------


def _without_place(said: str, before: str, after: str) -> str:
    """The message with only the address blanked ("Gartenstraße" is no garden)."""
    return "".join(" " if b != a else c for c, b, a in zip(said, before, after, strict=True))


def parse_need(text: str, now: datetime, tz: tzinfo) -> ParsedNeed:
    """Read title, time, people and place from a message (rules: module docstring)."""
    said = text[:TEXT_LIMIT].translate(_NORMALISE)
    scratch = Scratch(said)
    long_term = False
    while scratch.first(_LONG_TERM) is not None:
        long_term = True
    count, _vague = _read_count(scratch)
    before = scratch.text
    postal_code, address = _read_place(scratch)
    unplaced = _without_place(said, before, scratch.text)
    when = read_when(scratch, now.astimezone(tz).date())
    if count is None:
        found = scratch.first(_VERB_NUMBER)
        count = _number(found["n"]) if found else None
        count = count if count and count <= MAX_COUNT else None
    starts_at, ends_at, day = resolve(when, now, tz)
    if long_term:
        starts_at = ends_at = None
    title = _read_title(scratch.text)
    missing = tuple(
        name
        for name, absent in (
            ("title", title is None),
            ("when", (starts_at is None or starts_at <= now) and not long_term),
            ("count", count is None),
        )
        if absent
    )
    return ParsedNeed(
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        count=count,
        postal_code=postal_code,
        address=address,
        interests=interests_in_text(unplaced),
        long_term=long_term,
        missing=missing,
        day=None if long_term else day,
    )


# -- is it a need at all? ---------------------------------------------------------------

_REQUEST = re.compile(
    r"\b(?:brauch(?:e|en|t)|benötig(?:e|en|t)|such(?:e|en|t)|gesucht|need(?:s|ed)?"
    r"|looking\s+for|wanted|seeking|require[sd]?)\b",
    _I,
)
_WHO_CAN = re.compile(
    r"\b(?:wer\s+(?:hat|kann|könnte|hilft|möchte|mag|will)|kann\s+(?:uns\s+)?jemand"
    r"|who\s+(?:can|could|is|wants|would)|anyone\s+(?:free|available|able|around)"
    r"|can\s+(?:anyone|someone|somebody)|is\s+anyone)\b",
    _I,
)
_PEOPLE_WORD = re.compile(rf"\b(?:{PEOPLE})", _I)
_HELP = re.compile(r"\b(?:hilfe|unterstützung|help|support|verstärkung|mithilfe)\b", _I)
_WE = re.compile(r"\b(?:wir|uns|unser\w*|we|us|our)\b", _I)
_META = re.compile(
    r"\b(?:bot|app|konto|account|profil\w*|anmeld\w*|registr\w*|passwor[dt]|login"
    r"|befehl\w*|commands?|funktion\w*|settings|einstellung\w*)\b",
    _I,
)
_OFFER = re.compile(r"\b(?:wir\s+sind|wir\s+kommen|we\s+are|we're|we\s+can)\b", _I)
_QUESTION = re.compile(
    r"^\W*(?:wie|wo|was|warum|wieso|weshalb|how|where|what|why|kann\s+ich|can\s+i"
    r"|darf\s+ich|muss\s+ich|soll\s+ich)\b",
    _I,
)
_NOT_NEED = re.compile(NOT_NEED, _I)


def _names_a_time(said: str) -> bool:
    when = read_when(Scratch(said), date(2000, 1, 1))
    return any(
        value is not None
        for value in (when.day, when.offset, when.weekday, when.start, when.end, when.part)
    )


def looks_like_need(text: str) -> bool:
    """Whether a message from an organisation admin is probably a request for helpers:
    a request word (brauchen, suchen, gesucht, need, looking for…) with people (a count,
    "Helfer", "volunteers", "jemand"), or with "Hilfe/help" plus a time or "wir/we", or
    "wer hat/kann…" plus a time, or a count plus a time ("Samstag 10 Uhr 2 Leute zum
    Aufbau"). Never for offers of time ("hab heute 2 Stunden Zeit", "bin frei"), for
    "braucht ihr…?", for "no more helpers", for someone looking for an Ehrenamt or for
    questions about the bot."""
    said = text[:TEXT_LIMIT].translate(_NORMALISE)
    if _NOT_NEED.search(said):
        return False
    count, vague = _read_count(Scratch(said))
    timed = _names_a_time(said)
    if count is None and (_META.search(said) or (_QUESTION.search(said) and not timed)):
        return False
    if _REQUEST.search(said):
        if count is not None or vague or _PEOPLE_WORD.search(said) or _VERB_NUMBER.search(said):
            return True
        if _HELP.search(said) and (timed or _WE.search(said)):
            return True
    if count is not None and timed and not _OFFER.search(said):
        return True  # "Samstag 10 Uhr 2 Leute zum Aufbau": a count and a time
    return bool(_WHO_CAN.search(said) and timed)
