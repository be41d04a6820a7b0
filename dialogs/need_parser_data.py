"""Word lists and regex fragments for the need parser (German and English).

Kept apart from the parser so the rules in ``dialogs/need_parser.py`` stay readable;
nothing here is user-visible text, only words we recognise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")

# fmt: off
NUMBER_WORDS: dict[str, int] = {
    "ein": 1, "eine": 1, "einen": 1, "einer": 1, "eins": 1, "zwei": 2, "drei": 3,
    "vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
    "zehn": 10, "elf": 11, "zwölf": 12, "zwoelf": 12, "dreizehn": 13, "vierzehn": 14,
    "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19,
    "zwanzig": 20,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20,
}

WEEKDAYS: dict[str, int] = {
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4,
    "samstag": 5, "sonnabend": 5, "sonntag": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}
WEEKDAY_ABBREVIATIONS: dict[str, int] = {
    "mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}

MONTHS: dict[str, int] = {
    "januar": 1, "jänner": 1, "january": 1, "jan": 1, "februar": 2, "february": 2,
    "feb": 2, "märz": 3, "maerz": 3, "march": 3, "mär": 3, "mar": 3, "april": 4,
    "apr": 4, "mai": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7,
    "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11,
    "dezember": 12, "december": 12, "dez": 12, "dec": 12,
}

# Parts of the day as (start hour, end hour), local time.
DAY_PARTS: dict[str, tuple[int, int]] = {
    "morning": (8, 12), "forenoon": (9, 12), "noon": (12, 14),
    "afternoon": (14, 17), "evening": (18, 21), "all_day": (9, 18),
}
# "Samstagabend" and friends.
COMPOUND_PARTS: dict[str, str] = {
    "morgen": "morning", "vormittag": "forenoon", "mittag": "noon",
    "nachmittag": "afternoon", "abend": "evening",
}
# What a part of the day says about a bare clock hour ("abends 7" is 19:00).
PART_HINTS: dict[str, str] = {
    "afternoon": "pm", "evening": "pm", "morning": "am", "forenoon": "am",
}
# fmt: on


def alternatives(words: Iterable[str]) -> str:
    """A regex alternation of the words, longest first so 'samstag' beats 'sa'."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def word_value(table: Mapping[str, T], word: str) -> T | None:
    """The entry for a word a case-insensitive regex matched: "MÄRZ", "ſieben" (long s)
    and "Kelvin K" match too, so a plain ``lower()`` is not enough; None if unknown."""
    folded = unicodedata.normalize("NFKC", word).casefold()
    return table.get(" ".join(folded.split()))


NUMBER = rf"(?:\d{{1,3}}|{alternatives(NUMBER_WORDS)})"
WEEKDAY = alternatives(WEEKDAYS)
MONTH = alternatives(MONTHS)

# Nouns for the people a need asks for; German gender forms ("Helfer:innen",
# "Helfer*innen", "HelferInnen", "Helfer/-innen", "Helfer(innen)") are allowed after.
_GERMAN_PEOPLE_STEMS = (
    "helfer", "helfend", "hilfen", "hilfskr", "leute", "person", "kräfte", "freiwillig",
    "ehrenamtlich", "unterstützer", "mitstreiter", "mitarbeiter", "mitmacher", "menschen",
    "fahrer", "begleit", "betreuer", "trainer", "übungsleiter", "ordner", "sanitäter",
    "dolmetscher", "übersetzer", "vorleser", "lesepat", "teamer", "aufsicht", "köch",
)  # fmt: skip
_ENGLISH_PEOPLE = (
    r"volunteers?|helpers?|people|persons?|folks|hands|drivers?|chaperones?|tutors?"
    r"|mentors?|coach(?:es)?|cooks?|stewards?|marshals?|readers?|adults|staff|buddies|buddy"
)
GENDER_SUFFIX = r"(?:(?:[:*_]|/-?)(?:innen|in)\b|\((?:innen|in)\))?"
PEOPLE = (
    rf"(?:\w*(?:{'|'.join(_GERMAN_PEOPLE_STEMS)})\w*"
    rf"|\w*pat(?:e|en|in|innen)\b|mann\b|hände\b|{_ENGLISH_PEOPLE}\b){GENDER_SUFFIX}"
)
# Words that may stand between a count and the people: "3 weitere kräftige Helfer".
ADJECTIVES = (
    r"(?:(?:(?:weiter|zusätzlich|freiwillig|ehrenamtlich|engagiert|motiviert|kräftig|stark"
    r"|nett|zuverlässig|erfahren|tatkräftig|helfend|fleißig|jung|erwachsen)(?:e[nrs]?)?"
    r"|more|extra|additional|volunteer|strong|reliable|friendly|keen|willing|experienced"
    r"|helpful|enthusiastic|adult)\s+)"
)
# "ein paar Leute", "a few volunteers": people are wanted, how many is unknown.
VAGUE_AMOUNT = (
    r"(?:ein\s+paar|einige|mehrere|viele|genug|a\s+few|a\s+couple\s+of|a\s+couple"
    r"|some|several|many|lots\s+of|a\s+lot\s+of|more|enough|any)"
)
# Nouns that, without a number, just mean "people" / "help" and make no title.
GENERIC_PEOPLE = (
    r"(?:(?:helfer|unterstützer|mitstreiter|mitarbeiter)(?:in|innen)?" + GENDER_SUFFIX + r"|"
    r"helfende[n]?|leute|personen|person|freiwillige[n]?|ehrenamtliche[n]?|hände|menschen"
    r"|unterstützung|hilfe|mithilfe|verstärkung|jemand(?:en)?|volunteers?|helpers?|people"
    r"|hands|help|support|someone|somebody|anyone|folks)"
)

STREET_SUFFIX = (
    r"(?:straße|strasse|str\.|str|weg|platz|allee|gasse|ring|damm|ufer|markt|chaussee"
    r"|pfad|steig|stieg|graben|wall|berg|kamp|hof|park|promenade|zeile|anger|deich|kai)"
)
STREET_PREFIX = (
    r"(?:Am|An\s+der|An\s+den|Auf\s+dem|Auf\s+der|Im|In\s+der|In\s+den|Unter\s+den"
    r"|Hinter\s+der|Hinter\s+dem|Vor\s+dem|Vor\s+der)"
)
ENGLISH_STREET = (
    r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Way|Square|Place|Close"
    r"|Court|Boulevard|Blvd\.?)"
)
# Capitalised words that follow "Am/Im/..." but are times, not streets ("Am Samstag 10").
NOT_STREET_NAMES = frozenset(
    {*WEEKDAYS, *MONTHS, "morgen", "vormittag", "nachmittag", "mittag", "abend", "tag"}
    | {"wochenende", "weekend", "anfang", "ende", "monat", "jahr", "woche"}
)

# Removed anywhere from a title: request verbs, politeness, pronouns.
TITLE_NOISE = (
    r"\b(?:we're|we've|i'm|we\s+are|wir|ich|uns|we|i|us|our|brauch(?:e|en|t)|benötig(?:e|en|t)|such(?:e|en|t)"
    r"|gesucht|dringend|noch|bitte|hallo|hi|hey|moin|servus|need(?:s|ed)?|looking\s+for"
    r"|are|is|wanted|seeking|require[sd]?|urgent(?:ly)?|please|still|wer\s+hat\s+lust"
    r"|wer\s+kann|wer\s+hat\s+zeit|zu\s+helfen|(?:mit)?helfen|mit\s+anpacken|anpacken"
    r"|who\s+can|can\s+help|to\s+help(?:\s+out)?|help\s+out|ab\s+sofort|sofort|asap"
    r"|immediately|from\s+now\s+on|hilft|hilfst|so|also|okay|ok)\b"
    r"|\(m/w/d\)|\(w/m/d\)|\(d/m/w\)|[!¡]+"
)
# Stripped from the edges of a title only: articles, prepositions, generic people.
TITLE_EDGE = (
    r"(?:für|fürs|die|der|das|den|dem|des|zum|zur|beim|bei|mit|im|in|am|an|auf|um|ab|von"
    r"|vom|bis|und|oder|sowie|ein|eine|einen|einem|einer|unsere?[nmrs]?|als|zu|uhr|the"
    r"|a|an|for|to|at|with|on|of|and|or|as|by|from|treffpunkt|ort|adresse|address|location"
    r"|wann|wo|was|when|where|what|wer|who|aufgabe|task|datum|date|uhrzeit|time|zeit|anzahl"
    r"|dauer|duration|kann|könnte|können|könnt|can|could|" + GENERIC_PEOPLE + r")"
)

# (pattern, days from today, part of the day) for words naming a day relative to today.
RELATIVE_DAYS: tuple[tuple[str, int | None, str | None], ...] = (
    (r"\b(?:guten\s+morgen|good\s+morning)\b", None, None),  # a greeting, no date
    (r"\b(?:übermorgen|uebermorgen|(?:the\s+)?day\s+after\s+tomorrow)\b", 2, None),
    (r"\bheute\s+(?:morgen|früh)\b|\bthis\s+morning\b", 0, "morning"),
    (r"\bthis\s+afternoon\b", 0, "afternoon"),
    (r"\btonight\b|\bthis\s+evening\b", 0, "evening"),
    (r"\b(?:heute|today)\b", 0, None),
    (r"\b(?:am|jeden)\s+morgen\b", None, "morning"),
    (r"\b(?:morgen|tomorrow)\b", 1, None),
)
# (pattern, key of DAY_PARTS)
PART_WORDS: tuple[tuple[str, str], ...] = (
    (r"\b(?:am\s+)?vormittags?\b|\bforenoon\b", "forenoon"),
    (r"\b(?:am\s+)?nachmittags?\b|\b(?:in\s+the\s+)?afternoon\b", "afternoon"),
    (r"\b(?:am\s+)?abends?\b|\b(?:in\s+the\s+)?evening\b", "evening"),
    (r"\b(?:über\s+)?mittags?\b|\bmidday\b|\blunchtime\b", "noon"),
    (r"\bmorgens\b|\bfrüh(?:morgens)?\b|\b(?:in\s+the\s+)?morning\b", "morning"),
    (r"\bganztags\b|\bganztägig\b|\bden\s+ganzen\s+tag\b|\b(?:all|full)[\s-]day\b", "all_day"),
)

# Messages that mention helpers but are not an organisation asking for them.
NOT_NEED = (
    # someone offering help, asking who needs it
    r"\b(?:braucht\s+ihr|brauchst\s+du|brauchen\s+sie|benötigt\s+ihr|sucht\s+ihr|suchst\s+du"
    r"|wer\s+braucht|who\s+needs|do\s+you\s+(?:still\s+)?need|does\s+anyone\s+need"
    r"|need\s+any\s+help|need\s+me|(?:kann|darf|soll)\s+ich\s+(?:\w+\s+)?helfen"
    r"|can\s+i\s+help)\b"
    # no longer needed
    rf"|\bkein(?:e|en)?\s+(?:\w+\s+)?(?:{PEOPLE}|hilfe\b|mehr\b)"
    rf"|\bno\s+(?:more\s+|longer\s+)?(?:{PEOPLE}|help\b)"
    r"|\b(?:don't|dont|do\s+not|no\s+longer)\s+need\b|\bnicht\s+mehr\b"
    # the writer has time or wants to volunteer: not an organisation
    r"|\bvolunteer(?:ing)?\s+(?:opportunit\w*|work|jobs?|positions?|roles?|chances?)\b"
    r"|\bas\s+an?\s+(?:volunteer|helper)\b|\bals\s+(?:helfer\w*|freiwillig\w*|ehrenamtlich\w*)"
    r"|\b(?:mich|me)\s+(?:\w+\s+){0,2}(?:engagieren|einbringen|involved)\b"
    r"|(?:^\W*|\b(?:ich|i|wir|we)\s+)(?:hab|habe|haben|hätte|hätten|have|i've\s+got|got)\b"
    r"[^.?!]*\b(?:zeit|time)\b"
    r"|\b(?:ich\s+bin|bin|i'm|im|i\s+am|wir\s+sind|we\s+are|we're)\s+(?:\w+\s+){0,2}"
    r"(?:frei|free|available|verfügbar)\b"
    r"|\b(?:ich|i)\s+(?:kann|könnte|can|could)\s+(?:\w+\s+){0,3}(?:helfen|help|mithelfen)\b"
)
