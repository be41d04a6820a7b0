"""Dates and times in a need message (the "when" half of the need parser; rules in
``dialogs/need_parser.py``). Pure: the caller passes ``now`` and the time zone.

Everything found is blanked out of a ``Scratch`` so later patterns cannot read the
same digits twice and the title is what remains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dialogs.need_parser_data import (
    COMPOUND_PARTS,
    DAY_PARTS,
    MONTH,
    MONTHS,
    NUMBER,
    NUMBER_WORDS,
    PART_HINTS,
    PART_WORDS,
    RELATIVE_DAYS,
    WEEKDAY,
    WEEKDAY_ABBREVIATIONS,
    WEEKDAYS,
    word_value,
)

BLANK = "\x00"  # neither a word character nor whitespace, so it separates
_FLAGS = re.IGNORECASE


class Scratch:
    """The message with the parts already understood blanked out (same length)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def take(self, found: re.Match[str], group: int | str = 0) -> None:
        start, end = found.span(group)
        self.text = self.text[:start] + BLANK * (end - start) + self.text[end:]

    def first(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The first match, blanked out."""
        found = pattern.search(self.text)
        if found is not None:
            self.take(found)
        return found


@dataclass
class When:
    """What the message says about its time, before it is pinned to the calendar."""

    day: date | None = None
    offset: int | None = None  # days from today ("morgen" = 1)
    weekday: int | None = None
    after_today: bool = False  # "nächsten Samstag" never means today
    weeks_later: int = 0  # "übernächsten Samstag"
    start: tuple[int, int] | None = None
    end: tuple[int, int] | None = None
    part: str | None = None  # a key of DAY_PARTS
    minutes: int | None = None  # "Dauer ca. 2 Stunden": an end when only the start is known


# -- days ----------------------------------------------------------------------------

_RELATIVE = tuple(
    (re.compile(pattern, _FLAGS), offset, part) for pattern, offset, part in RELATIVE_DAYS
)
# Named but too vague to pin down: read (so they leave the title) but "when" stays missing.
_VAGUE_TIME = re.compile(
    r"\b(?:(?:am|übers|über\s+das|dieses|nächstes|kommendes)\s+)?wochenende\b"
    r"|\b(?:(?:this|next|on\s+the|at\s+the|over\s+the)\s+)?weekend\b"
    r"|\b(?:nächste|kommende|diese)\s+woche\b|\b(?:next|this)\s+week\b",
    _FLAGS,
)
_IN_DAYS = re.compile(rf"\bin\s+(?P<n>{NUMBER})\s+(?:tagen|days)\b", _FLAGS)
_IN_A_WEEK = re.compile(r"\bin\s+(?:einer|a|one)\s+woche\b|\bin\s+(?:a|one)\s+week\b", _FLAGS)
_PARTS = tuple((re.compile(pattern, _FLAGS), part) for pattern, part in PART_WORDS)
_MODIFIER = (
    r"(?:(?P<mod>nächsten|nächste|naechsten|kommenden|kommende|diesen|diese|this\s+coming"
    r"|this|next|coming|übernächsten|uebernaechsten)\s+)?"
)
_WEEKDAY_RE = re.compile(
    rf"(?:\b(?:am|on)\s+)?{_MODIFIER}\b(?P<wd>{WEEKDAY})"
    r"(?P<part>vormittag|nachmittag|abend|morgen|mittag)?s?\b",
    _FLAGS,
)
# "Sa 10 Uhr", "Fr., 12.6.", "am Sa", "Di und Do 14 Uhr": an abbreviation counts before
# a number or another abbreviation, or after "am/on/nächsten"; never alone ("Fr. Müller",
# "so 3 Leute").
_ABBREVIATIONS = "|".join(w.capitalize() for w in WEEKDAY_ABBREVIATIONS)
_ABBREVIATION = re.compile(
    rf"(?:\b(?P<pre>am|on|ab|bis)\s+)?{_MODIFIER}\b(?-i:(?P<wd>[A-Z][a-z]{{1,4}}))\b"
    rf"(?:\.?(?=,?\s*\d|\s*(?:und|and|,|-|/|&)\s*(?-i:(?:{_ABBREVIATIONS})\b))"
    r"|(?(pre)\.?|(?(mod)\.?|(?!))))",
    _FLAGS,
)
_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")
_DOTTED = re.compile(
    r"(?<![\d.])(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})?(?![\d])"
    r"|(?:\b(?:am|den|vom|ab|bis|zum|on)\s+)(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})(?![\d.:])",
    _FLAGS,
)
_SLASHED = re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/])")
_DAY_MONTH = re.compile(
    rf"(?<![\d.])(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?(?P<mon>{MONTH})\b\.?"
    r"(?:\s*,?\s*(?P<y>\d{4})\b)?",
    _FLAGS,
)
_MONTH_DAY = re.compile(
    rf"\b(?P<mon>{MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?![:.]\d|\s*(?:uhr|h\b|am\b|pm\b))"
    r"(?:,?\s+(?P<y>\d{4})\b)?",
    _FLAGS,
)


def _date(year: int | None, month: int, day: int, today: date) -> date | None:
    """A valid date; without a year the next such date from today on."""
    if year is not None and year < 100:
        year += 2000
    try:
        found = date(year or today.year, month, day)
        if year is None and found < today:
            found = date(today.year + 1, month, day)
    except ValueError:
        return None
    return found


def _explicit_date(scratch: Scratch, today: date) -> date | None:
    """The first calendar date written out; all of them are blanked."""
    found_day: date | None = None
    for pattern in (_ISO, _DOTTED, _DAY_MONTH, _MONTH_DAY, _SLASHED):
        for found in list(pattern.finditer(scratch.text)):
            parts = found.groupdict()
            year = int(parts["y"]) if parts.get("y") else None
            if pattern is _SLASHED:  # German day first unless only month first is valid
                a, b = int(parts["a"]), int(parts["b"])
                day = _date(year, b, a, today) or _date(year, a, b, today)
            elif "mon" in parts:
                month = word_value(MONTHS, parts["mon"])
                day = _date(year, month, int(parts["d"]), today) if month else None
            else:
                d, m = parts["d"] or parts.get("d2"), parts["m"] or parts.get("m2")
                day = _date(year, int(m), int(d), today)
            if day is not None:
                scratch.take(found)
                found_day = found_day or day
    return found_day


def _days(scratch: Scratch, when: When, today: date) -> None:
    for pattern, offset, part in _RELATIVE:
        found = scratch.first(pattern)
        while found is not None:
            if offset is not None and when.offset is None:
                when.offset = offset
            when.part = when.part or part
            found = scratch.first(pattern)
    while scratch.first(_VAGUE_TIME) is not None:
        pass
    for found in (scratch.first(_IN_DAYS), scratch.first(_IN_A_WEEK)):
        if found is not None and when.offset is None:
            n = found.groupdict().get("n") or "7"
            when.offset = int(n) if n.isdecimal() else word_value(NUMBER_WORDS, n)
    for pattern, part in _PARTS:
        if scratch.first(pattern) is not None:
            when.part = when.part or part
    for pattern in (_WEEKDAY_RE, _ABBREVIATION):
        for found in list(pattern.finditer(scratch.text)):
            name = found["wd"]
            weekday = word_value(WEEKDAYS, name)
            weekday = weekday if weekday is not None else word_value(WEEKDAY_ABBREVIATIONS, name)
            if weekday is None:
                continue
            scratch.take(found)
            if when.weekday is None:
                when.weekday = weekday
                modifier = (found["mod"] or "").lower()
                when.after_today = modifier.startswith(("n", "k", "ü", "ue"))
                when.weeks_later = int(modifier.startswith(("ü", "ue")))
            if found.groupdict().get("part"):
                when.part = when.part or word_value(COMPOUND_PARTS, found["part"])
    when.day = _explicit_date(scratch, today)


# -- clock times ---------------------------------------------------------------------


def _clock(p: str) -> str:
    """One clock time with groups {p}_hour, {p}_min, {p}_suffix ("am" before a
    capitalised word is the German "am Markt", not a.m.)."""
    return (
        rf"(?P<{p}_hour>\d{{1,2}})(?:[:.](?P<{p}_min>\d{{2}}))?\s*(?P<{p}_suffix>uhr\b|h\b"
        r"|a\.m\.|p\.m\.|pm\b|(?<=\d)am\b|am\b(?!\s+(?-i:[A-ZÄÖÜ])))?"
    )


_END_GUARD = r"(?!\w|[:.]\d)"
_UNITS = (
    r"(?!\s*(?:jahre|jährige|years|euro|€|%|kinder|stunden|std|hours|min|tage|days|wochen"
    r"|weeks|mal|km|kg|teilnehm|plätze))"
)
_RANGE = re.compile(
    r"(?<![\w.:/])(?:(?P<pre>von|from|zwischen|between|ab|um|gegen|at)\s+)?"
    + _clock("a")
    + r"\s*(?P<sep>-|bis|to|until|till|und|and)\s*"
    + _clock("b")
    + _END_GUARD
    + _UNITS,
    _FLAGS,
)
_SINGLE = re.compile(
    r"(?<![\w.:/])(?:(?P<pre>um|ab|gegen|at|from|von|by|bis|until|till|starting(?:\s+at)?"
    r"|beginn\s+um|start(?:ing)?\s+at)\s+)?" + _clock("a") + _END_GUARD + _UNITS,
    _FLAGS,
)
_DURATION = re.compile(
    r"(?:\b(?:dauer|duration|länge)\w*:?\s*)?(?:\b(?:für|for|ca\.?|circa|etwa|about|around"
    r"|approx\.?|rund|ungefähr)\s+)*(?<![\w.,])"
    rf"(?P<n>\d{{1,3}}(?:[.,]5)?|{NUMBER})\s*(?P<unit>stunden|stunde|std\.?|hours?|hrs?"
    r"|minuten|min\.?|minutes)(?!\w)",
    _FLAGS,
)
# "halb 3" = 2:30, "viertel nach 3" = 3:15, "viertel vor 3" = 2:45, "half past 2", "quarter to 3"
_SPOKEN = re.compile(
    r"(?:\b(?P<pre>um|ab|gegen|at|from|bis|until)\s+)?\b(?P<kind>halb|viertel\s+nach"
    r"|viertel\s+vor|dreiviertel|half\s+past|quarter\s+past|quarter\s+to)\s+"
    rf"(?P<h>\d{{1,2}}|{NUMBER})\b(?:\s*uhr\b)?",
    _FLAGS,
)
_SPOKEN_OFFSET = {"halb": -30, "viertel nach": 15, "viertel vor": -15, "dreiviertel": -15}
_SPOKEN_OFFSET |= {"half past": 30, "quarter past": 15, "quarter to": -15}
_NOON = re.compile(r"\b(?:noon|high\s+noon)\b", _FLAGS)
_END_ONLY = ("bis", "until", "till", "by")


def _hour(found: re.Match[str], p: str, hint: str | None) -> tuple[int, int, bool] | None:
    """(hour, minute, plain) of one clock; plain = no am/pm, no leading zero, no hint."""
    raw, minute = found[p + "_hour"], int(found[p + "_min"] or 0)
    hour, suffix = int(raw), (found[p + "_suffix"] or "").lower().replace(".", "")
    if hour > 24 or minute > 59 or (suffix in ("am", "pm") and not 1 <= hour <= 12):
        return None
    if suffix in ("am", "pm"):
        return hour % 12 + (12 if suffix == "pm" else 0), minute, False
    if hint == "pm" and hour < 12:
        return hour + 12, minute, False
    return hour, minute, hint is None and not raw.startswith("0")


def _range(
    found: re.Match[str], hint: str | None
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    pre, sep = (found["pre"] or "").lower(), found["sep"].lower()
    marked = pre in ("von", "from", "zwischen", "between", "ab", "um", "at", "gegen")
    marked = marked or any(found[g] for g in ("a_suffix", "b_suffix", "a_min", "b_min"))
    if sep in ("und", "and") and pre not in ("zwischen", "between"):
        return None
    if not marked and sep not in ("-", "bis"):
        return None
    start, end = _hour(found, "a", hint), _hour(found, "b", hint)
    if start is None or end is None or start[0] == 24:
        return None
    (sh, sm, s_plain), (eh, em, e_plain) = start, end
    b_suffix = (found["b_suffix"] or "").lower().replace(".", "")
    if s_plain and b_suffix == "pm" and sh < 12 and sh + 12 <= eh:
        sh += 12  # "2-6pm"
    elif s_plain and e_plain and 1 <= sh <= 6 and eh <= 12:
        sh += 12  # "2-6": an afternoon, not the small hours
    if e_plain and eh < 12 and (eh, em) <= (sh, sm) and eh + 12 > sh:
        eh += 12  # "10-2" ends at 14:00; "22-2" still crosses midnight
    return (sh, sm), (eh, em)


def _single(found: re.Match[str], hint: str | None) -> tuple[int, int] | None:
    pre = (found["pre"] or "").lower()
    if not (pre or found["a_suffix"] or found["a_min"]):
        return None
    if found["a_min"] and not found["a_suffix"] and not pre and "." in found.group(0):
        return None  # "10.12" without "Uhr" is more likely a date than a time
    clock = _hour(found, "a", hint)
    if clock is None:
        return None
    hour, minute, plain = clock
    if plain and 1 <= hour <= 6:
        hour += 12
    return hour, minute


def _duration(scratch: Scratch, when: When) -> None:
    found = scratch.first(_DURATION)
    if found is None:
        return
    n = found["n"].replace(",", ".")
    amount = float(n) if n[0].isdecimal() else word_value(NUMBER_WORDS, n)
    if amount is None:
        return
    minutes = int(amount if found["unit"].lower().startswith("m") else amount * 60)
    if 0 < minutes <= 12 * 60:
        when.minutes = minutes


def _spoken(found: re.Match[str], hint: str | None) -> tuple[int, int] | None:
    raw = found["h"]
    hour = int(raw) if raw.isdecimal() else word_value(NUMBER_WORDS, raw)
    offset = word_value(_SPOKEN_OFFSET, found["kind"])
    if hour is None or offset is None or not 1 <= hour <= 12:
        return None
    if hint == "pm" or (hint is None and hour <= 6):
        hour += 12
    total = hour * 60 + offset
    return total // 60, total % 60


def _times(scratch: Scratch, when: When) -> None:
    hint = PART_HINTS.get(when.part or "")
    for found in list(_RANGE.finditer(scratch.text)):
        window = _range(found, hint)
        if window is not None:
            scratch.take(found)
            if when.start is None:
                when.start, when.end = window
    for found in list(_SINGLE.finditer(scratch.text)):
        clock = _single(found, hint)
        if clock is None:
            continue
        scratch.take(found)
        pre = (found["pre"] or "").lower()
        if pre.startswith(_END_ONLY):
            when.end = when.end or clock
        elif when.start is None and clock[0] < 24:
            when.start = clock
    while (found := scratch.first(_SPOKEN)) is not None:
        clock = _spoken(found, hint)
        if clock is None:
            continue
        if (found["pre"] or "").lower() in _END_ONLY:
            when.end = when.end or clock
        elif when.start is None:
            when.start = clock
    if scratch.first(_NOON) is not None and when.start is None:
        when.start = (12, 0)


def read_when(scratch: Scratch, today: date) -> When:
    """Everything the message says about the day and the time (blanked from ``scratch``)."""
    when = When()
    _days(scratch, when, today)
    _duration(scratch, when)
    _times(scratch, when)
    return when


# -- pinning to the calendar -----------------------------------------------------------


def _at(day: date, clock: tuple[int, int], tz: tzinfo) -> datetime:
    """A local wall-clock time as aware UTC (hour 24 is the next midnight)."""
    hour, minute = clock
    moment = datetime.combine(day + timedelta(days=hour // 24), time(hour % 24, minute), tz)
    return moment.astimezone(UTC)


def resolve(
    when: When, now: datetime, tz: tzinfo
) -> tuple[datetime | None, datetime | None, date | None]:
    """(starts_at, ends_at, local day) in UTC; times are None when the start is unknown."""
    today = now.astimezone(tz).date()
    window = DAY_PARTS.get(when.part or "")
    start = when.start or (window and (window[0], 0))
    end = when.end if when.start or not window else (when.end or (window[1], 0))
    if when.start and end is None and when.minutes:
        total = when.start[0] * 60 + when.start[1] + when.minutes
        end = (total // 60, total % 60)
    day = when.day
    if day is None and when.offset is not None:
        day = today + timedelta(days=when.offset)
    if day is None and when.weekday is not None:
        delta = (when.weekday - today.weekday()) % 7
        passed = start is not None and _at(today, start, tz) <= now
        if delta == 0 and (when.after_today or passed):
            delta = 7
        day = today + timedelta(days=delta + 7 * when.weeks_later)
    if day is None and start is not None:
        day = today if _at(today, start, tz) > now else today + timedelta(days=1)
    if day is None or start is None:
        return None, None, day
    starts_at = _at(day, start, tz)
    ends_at = _at(day, end, tz) if end is not None else None
    if end is not None and ends_at is not None and ends_at <= starts_at:
        ends_at = _at(day + timedelta(days=1), end, tz)  # crosses midnight
    return starts_at, ends_at, day
