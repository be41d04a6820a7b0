"""The need parser: realistic German and English requests with every field pinned down.

``now`` is Friday 2026-06-05 10:00 in Berlin (08:00 UTC), like the dialog tests' clock.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.need_parser import ParsedNeed, looks_like_need, parse_need

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)


def at(when: str | None) -> datetime | None:
    """'06-06 15:00' (2026) or '2027-03-07 10:00', Berlin wall clock, as aware UTC."""
    if when is None:
        return None
    day, clock = when.split()
    text = day if day.count("-") == 2 else f"2026-{day}"
    return datetime.fromisoformat(f"{text}T{clock}").replace(tzinfo=BERLIN).astimezone(UTC)


@dataclass(frozen=True)
class Case:
    text: str
    title: str | None
    start: str | None
    end: str | None
    count: int | None
    plz: str | None = None
    address: str | None = None
    missing: tuple[str, ...] = ()
    long_term: bool = False


# fmt: off
CASES = [
    Case("Brauchen morgen 15–18 Uhr 3 Helfer:innen für die Tafel-Ausgabe, Adalbertsteinweg 20",
         "Tafel-Ausgabe", "06-06 15:00", "06-06 18:00", 3, address="Adalbertsteinweg 20"),
    Case("Samstag 10 Uhr 2 Leute zum Aufbau Sommerfest",
         "Aufbau Sommerfest", "06-06 10:00", None, 2),
    Case("Need 4 people tomorrow 2-6pm for the book sale",
         "Book sale", "06-06 14:00", "06-06 18:00", 4),
    Case("Suchen dauerhaft Lesepat:innen für die Grundschule",
         "Lesepat:innen für die Grundschule", None, None, None, missing=("count",),
         long_term=True),
    Case("Wir suchen am 24.12. von 16 bis 20 Uhr drei Personen für die Weihnachtsfeier im "
         "Seniorenheim, Hauptstr. 5a, 52062 Aachen", "Weihnachtsfeier im Seniorenheim",
         "12-24 16:00", "12-24 20:00", 3, plz="52062", address="Hauptstr. 5a"),
    Case("Helfer gesucht! Sa 10-14 Uhr Flohmarkt am Markt, Am Markt 1", "Flohmarkt am Markt",
         "06-06 10:00", "06-06 14:00", None, address="Am Markt 1", missing=("count",)),
    Case("Looking for 2 volunteers on Saturday 9am-1pm to help at the beach clean-up, "
         "12 Main Street", "Beach clean-up", "06-06 09:00", "06-06 13:00", 2,
         address="12 Main Street"),
    Case("Brauchen nächsten Samstag ab 9 Uhr ein paar Leute zum Tische tragen",
         "Tische tragen", "06-06 09:00", None, None, missing=("count",)),
    Case("Wer hat heute Abend Zeit beim Abbau zu helfen?",
         "Abbau", "06-05 18:00", "06-05 21:00", None, missing=("count",)),
    Case("Need someone to drive seniors to the doctor on Tuesday at 3",
         "Drive seniors to the doctor", "06-09 15:00", None, 1),
    Case("Brauchen übermorgen nachmittags 5 Freiwillige für die Kleiderkammer",
         "Kleiderkammer", "06-07 14:00", "06-07 17:00", 5),
    Case("Suchen für den 3. Juli 10-12 zwei Helfer für das Schulfest",
         "Schulfest", "07-03 10:00", "07-03 12:00", 2),
    Case("July 3, 2-4pm: 6 volunteers needed for the library book fair",
         "Library book fair", "07-03 14:00", "07-03 16:00", 6),
    Case("Brauchen jeden Dienstag 2 Helfer für das Sprachcafé",
         "Sprachcafé", None, None, 2, long_term=True),
    Case("Nachtschicht Samstag 22-2 Uhr, 2 Leute für die Bahnhofsmission",
         "Nachtschicht, Bahnhofsmission", "06-06 22:00", "06-07 02:00", 2),
    Case("Brauchen 2-3 Helfer für den Umzug am Montag 8:30 Uhr, Aachener Straße 12",
         "Umzug", "06-08 08:30", None, 3, address="Aachener Straße 12"),
    Case("Heute 14 Uhr brauchen wir eine Person für die Essensausgabe",
         "Essensausgabe", "06-05 14:00", None, 1),
    Case("Kommenden Sonntag 11-15 Uhr suchen wir 4 Helfende für das Kinderfest im Park, 52064",
         "Kinderfest im Park", "06-07 11:00", "06-07 15:00", 4, plz="52064"),
    Case("Gesucht: 3 Fahrer:innen am 12.06.2026 ab 7:30 Uhr für die Lebensmittelrettung",
         "Lebensmittelrettung", "06-12 07:30", None, 3),
    Case("We need 10 volunteers next Saturday from 10am to 4pm for the city marathon",
         "City marathon", "06-06 10:00", "06-06 16:00", 10),
    Case("Brauchen noch 4 für den Kuchenverkauf morgen Vormittag",
         "Kuchenverkauf", "06-06 09:00", "06-06 12:00", 4),
    Case("Suchen Samstagvormittag zwei starke Helfer zum Möbel schleppen, Karl-Marx-Straße 7",
         "Möbel schleppen", "06-06 09:00", "06-06 12:00", 2, address="Karl-Marx-Straße 7"),
    Case("Looking for a driver tomorrow at noon to deliver meals",
         "Deliver meals", "06-06 12:00", None, 1),
    Case("Freitag 19:00 - 22:00 brauchen wir 2 Personen für die Bar beim Konzert",
         "Bar beim Konzert", "06-05 19:00", "06-05 22:00", 2),
    Case("Suchen ab sofort regelmäßig Unterstützung für die Hausaufgabenhilfe, Di und Do "
         "14-16 Uhr", "Hausaufgabenhilfe", None, None, None, missing=("count",), long_term=True),
    Case("Hilfe! Brauchen morgen früh 6 Uhr 3 Leute zum Brötchen verteilen",
         "Brötchen verteilen", "06-06 06:00", None, 3),
    Case("Need help on Sunday 2-5 with the garden cleanup",
         "Garden cleanup", "06-07 14:00", "06-07 17:00", None, missing=("count",)),
    Case("Brauchen am 6.6 um 10.30 Uhr zwei Helfer:innen fürs Grillen",
         "Grillen", "06-06 10:30", None, 2),
    Case("Suchen 1 Person für 24.12. 18 Uhr Weihnachtsessen",
         "Weihnachtsessen", "12-24 18:00", None, 1),
    Case("Helfer für Sommerfest gesucht (m/w/d)",
         "Sommerfest", None, None, None, missing=("when", "count")),
    Case("am Samstag, 13.6., 10 bis 16 Uhr, 8 Helfer für Stadtfest, Marktplatz 1, 52062 Aachen",
         "Stadtfest", "06-13 10:00", "06-13 16:00", 8, plz="52062", address="Marktplatz 1"),
    Case("Wir brauchen morgen zwischen 10 und 12 Uhr Unterstützung beim Sortieren der Spenden",
         "Sortieren der Spenden", "06-06 10:00", "06-06 12:00", None, missing=("count",)),
    Case("Brauchen heute ab 20 Uhr bis 1 Uhr 2 Leute für die Nachtwache",
         "Nachtwache", "06-05 20:00", "06-06 01:00", 2),
    Case("Need 3 people on 7/3 at 10am for the picnic",  # German order: 7 March
         "Picnic", "2027-03-07 10:00", None, 3),
    Case("Brauchen morgen um 3 zwei Leute für den Umzug", "Umzug", "06-06 15:00", None, 2),
    Case("Brauchen Mo. 15 Uhr einen Übersetzer für ein Elterngespräch",
         "Elterngespräch", "06-08 15:00", None, 1),
    Case("Suchen in 3 Tagen 2 Helfer für das Straßenfest auf der Lindenstraße 3",
         "Straßenfest", None, None, 2, address="Lindenstraße 3", missing=("when",)),
    Case("Treffpunkt An der Eiche 3, Samstag 14 Uhr, 4 Helfer zum Bäume pflanzen",
         "Bäume pflanzen", "06-06 14:00", None, 4, address="An der Eiche 3"),
    Case("Need 2 people at 45 Park Road Sunday 1pm for the street party",
         "Street party", "06-07 13:00", None, 2, address="45 Park Road"),
    Case("Brauchen morgen abends 7-9 zwei Leute für den Elternabend",
         "Elternabend", "06-06 19:00", "06-06 21:00", 2),
    Case("Brauchen am Sonntag mittags 3 Leute für die Suppenküche",
         "Suppenküche", "06-07 12:00", "06-07 14:00", 3),
    Case("Brauchen morgen ganztags 4 Leute für den Infostand",
         "Infostand", "06-06 09:00", "06-06 18:00", 4),
    Case("Suchen Helfer für die Kita-Renovierung am 20. Juni, 9-17 Uhr, 8 Personen",
         "Kita-Renovierung", "06-20 09:00", "06-20 17:00", 8),
    Case("Need a couple of volunteers this afternoon for sorting donations",
         "Sorting donations", "06-05 14:00", "06-05 17:00", None, missing=("count",)),
    Case("Brauchen 2 Helfer und 1 Fahrer am Samstag 10-14 Uhr für die Tafel",
         "Tafel", "06-06 10:00", "06-06 14:00", 3),
    Case("Brauchen morgen 15 Uhr 3 Leute, Dauer ca. 2 Stunden",
         None, "06-06 15:00", "06-06 17:00", 3, missing=("title",)),
    Case("Need 3 people tomorrow at 10 for 3 hours to paint the fence",
         "Paint the fence", "06-06 10:00", "06-06 13:00", 3),
    Case("Brauchen heute 9 Uhr 2 Leute für den Markt",  # already past: asked again
         "Markt", "06-05 09:00", None, 2, missing=("when",)),
    Case("Brauchen 3 Leute", None, None, None, 3, missing=("title", "when")),
    Case("Suchen dringend jemanden, der morgen um 16 Uhr beim Einkaufen für Frau Müller hilft",
         "Einkaufen für Frau Müller", "06-06 16:00", None, 1),
    Case("We need five volunteers on June 20th from 9 to 12 for the park clean-up",
         "Park clean-up", "06-20 09:00", "06-20 12:00", 5),
    Case("Brauchen am Freitag, 12.06., 3 Leute 14.00-16.00 Uhr für die Tombola, "
         "Burtscheider Markt 5, 52066 Aachen", "Tombola", "06-12 14:00", "06-12 16:00", 3,
         plz="52066", address="Burtscheider Markt 5"),
    Case("Need 2 people for the soup kitchen tonight",
         "Soup kitchen", "06-05 18:00", "06-05 21:00", 2),
    Case("Suchen zwanzig Helfer:innen für den Stadtlauf am 1. August ab 8 Uhr",
         "Stadtlauf", "08-01 08:00", None, 20),
    Case("Sonntag 03:00 Uhr 2 Leute für den Brötchendienst",
         "Brötchendienst", "06-07 03:00", None, 2),
    Case("Need 4 volunteers on Saturday, June 13 from 2pm to 5pm at 12 High Street for the fair",
         "Fair", "06-13 14:00", "06-13 17:00", 4, address="12 High Street"),
    Case("Ongoing: volunteers needed every week for reading to children at the library",
         "Reading to children at the library", None, None, None, missing=("count",),
         long_term=True),
    Case("Brauchen am 3.1. 2 Leute 10-12 Uhr fürs Neujahrsputzen",  # past date: next year
         "Neujahrsputzen", "2027-01-03 10:00", "2027-01-03 12:00", 2),
]
# fmt: on


@pytest.mark.parametrize("case", CASES, ids=[c.text[:40] for c in CASES])
def test_parses_realistic_needs(case: Case) -> None:
    parsed = parse_need(case.text, NOW, BERLIN)
    assert (parsed.title, parsed.starts_at, parsed.ends_at, parsed.count) == (
        case.title,
        at(case.start),
        at(case.end),
        case.count,
    )
    assert (parsed.postal_code, parsed.address) == (case.plz, case.address)
    assert parsed.missing == case.missing
    assert parsed.long_term is case.long_term
    if parsed.starts_at is not None:
        assert parsed.starts_at.tzinfo is UTC


@pytest.mark.parametrize("case", CASES, ids=[c.text[:40] for c in CASES])
def test_realistic_needs_look_like_needs(case: Case) -> None:
    assert looks_like_need(case.text)


NOT_NEEDS = [
    "hab heute 2 Stunden Zeit",
    "Ich hätte morgen ab 15 Uhr Zeit",
    "Bin heute Nachmittag frei",
    "I'm free tomorrow afternoon",
    "I have some time on Saturday, can I help?",
    "Ich kann morgen helfen",
    "Wir sind 2 Leute und haben Samstag Zeit",
    "Hallo zusammen!",
    "Guten Morgen",
    "Danke!",
    "ok",
    "",
    "Wie lege ich einen Bedarf an?",
    "Wie finde ich Helfer für meinen Verein?",
    "Was kann der Bot?",
    "Need help with the bot",
    "Brauche Hilfe",
    "Kann ich mein Profil ändern?",
    "Wer braucht am Samstag Hilfe?",
    "Do you need volunteers on Saturday?",
    "Braucht ihr noch Helfer für Samstag?",
    "Danke, wir brauchen keine Helfer mehr",
    "Thanks, we don't need anyone anymore",
    "Hi, ich suche ein Ehrenamt im Tierheim",
    "Ich suche eine Möglichkeit, mich ehrenamtlich zu engagieren",
    "Looking for volunteer opportunities this weekend",
    "Suche was mit Kindern am Wochenende",
    "Ich würde gern als Helferin bei der Tafel mitmachen",
]


@pytest.mark.parametrize("text", NOT_NEEDS)
def test_chat_offers_and_questions_are_not_needs(text: str) -> None:
    assert not looks_like_need(text)


def test_the_three_example_titles_and_interests() -> None:
    assert parse_need(CASES[1].text, NOW, BERLIN).interests == frozenset({"events"})
    lesepaten = parse_need(CASES[3].text, NOW, BERLIN)
    assert lesepaten.interests == frozenset({"education_tutoring"})
    assert lesepaten.day is None


def test_an_address_does_not_make_interests() -> None:
    parsed = parse_need("Brauchen morgen 10 Uhr 2 Leute, Gartenstraße 4", NOW, BERLIN)
    assert parsed.address == "Gartenstraße 4"
    assert parsed.interests == frozenset()


def test_a_day_without_a_time_keeps_the_day_and_asks_when() -> None:
    parsed = parse_need("Brauchen Samstag 3 Leute fürs Sommerfest", NOW, BERLIN)
    assert (parsed.starts_at, parsed.day, parsed.missing) == (None, date(2026, 6, 6), ("when",))


@pytest.mark.parametrize(
    ("now", "text", "start"),
    [
        (NOW, "Brauchen 15 Uhr 2 Leute zum Aufräumen", "06-05 15:00"),  # still ahead: today
        (NOW, "Brauchen 9 Uhr 2 Leute zum Aufräumen", "06-06 09:00"),  # passed: tomorrow
        (at("06-06 09:00"), "Samstag 10 Uhr 2 Leute zum Aufräumen", "06-06 10:00"),
        (at("06-06 11:00"), "Samstag 10 Uhr 2 Leute zum Aufräumen", "06-13 10:00"),
        (at("06-06 09:00"), "nächsten Samstag 10 Uhr 2 Leute zum Aufräumen", "06-13 10:00"),
        (NOW, "übernächsten Samstag 10 Uhr 2 Leute zum Aufräumen", "06-13 10:00"),
        (NOW, "Freitag 9 Uhr 2 Leute zum Aufräumen", "06-12 09:00"),
    ],
)
def test_weekday_and_time_only_rules(now: datetime, text: str, start: str) -> None:
    assert parse_need(text, now, BERLIN).starts_at == at(start)


def test_dst_end_tomorrow_and_a_night_shift_across_the_change() -> None:
    saturday = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)  # 10:00 CEST, clocks go back tonight
    tomorrow = parse_need("Brauchen morgen 10-12 Uhr 2 Leute zum Laubfegen", saturday, BERLIN)
    assert tomorrow.starts_at == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # 10:00 CET
    night = parse_need("Heute 22-4 Uhr 2 Leute für die Nachtwache", saturday, BERLIN)
    assert night.starts_at == datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 22:00 CEST
    assert night.ends_at == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)  # 04:00 CET: 7 real hours
    twice = parse_need("Heute 22-2 Uhr 2 Leute für die Nachtwache", saturday, BERLIN)
    assert twice.ends_at == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 exists twice: first


def test_dst_start_moves_the_utc_offset() -> None:
    saturday = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    parsed = parse_need("Brauchen morgen 10 Uhr 2 Leute für den Osterbasar", saturday, BERLIN)
    assert parsed.starts_at == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 10:00 CEST
    skipped = parse_need("Brauchen morgen 02:30 Uhr 2 Leute zum Aufbau", saturday, BERLIN)
    assert skipped.starts_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # = 03:30 CEST


def test_the_parser_is_pure() -> None:
    """No storage, no engine: only the word lists and the taxonomy."""
    root = Path(__file__).resolve().parents[2] / "dialogs"
    for name in ("need_parser.py", "need_parser_data.py", "need_parser_when.py"):
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        modules = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        } | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        allowed = {"__future__", "re", "dataclasses", "datetime", "unicodedata", "typing"}
        allowed |= {"collections.abc", "matching.taxonomy"}
        assert modules <= allowed | {"dialogs.need_parser_data", "dialogs.need_parser_when"}


@pytest.mark.parametrize(
    "text", ["3. Auguſt 10 Uhr", "in ſieben Tagen", "halb ſieben", "vİertel nach 3", "fİve people"]
)
def test_letters_that_regexes_fold_differently_do_not_crash(text: str) -> None:
    """re.IGNORECASE lets "ſ" (long s) match "s" and "İ" match "i"; lookups must cope."""
    _check(parse_need(text, NOW, BERLIN))
    looks_like_need(text)


def _check(parsed: ParsedNeed) -> None:
    assert parsed.count is None or 1 <= parsed.count <= 999
    assert (parsed.title is None) == ("title" in parsed.missing)
    assert (parsed.count is None) == ("count" in parsed.missing)
    assert parsed.title is None or 2 <= len(parsed.title) <= 60
    if parsed.starts_at is not None:
        assert parsed.starts_at.tzinfo is UTC
        assert not parsed.long_term
    if parsed.ends_at is not None:
        assert parsed.starts_at is not None and parsed.ends_at > parsed.starts_at


# fmt: off
WORDS = [
    "morgen", "heute", "Samstag", "Sa", "nächsten", "am", "24.12.", "3.", "Juli", "July", "3",
    "7/3", "15", "Uhr", "15:30", "10-12", "2-6pm", "ab", "bis", "von", "um", "9", "noon",
    "abends", "vormittags", "drei", "zwei", "Leute", "Helfer:innen", "people", "a", "few",
    "jemand", "für", "die", "zum", "Tafel", "Aufbau", "Hauptstr.", "5a", "Am", "Markt", "1",
    "52062", "Aachen", "dauerhaft", "jeden", "Dienstag", "brauchen", "suchen", "need", ",",
    ".", "!", "?", "-", "–", ":", "22-2", "24", "0", "99", "1000", "übermorgen", "Mo.", "Fr",
    "Dauer", "2", "Stunden", "(m/w/d)", "12", "Main", "Street", "An", "der", "Eiche",
    "halb", "viertel", "nach", "ſieben", "Auguſt", "vİertel", "fİve", "İn", "in", "Tagen",
]
# fmt: on


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_never_raises(text: str) -> None:
    _check(parse_need(text, NOW, BERLIN))
    looks_like_need(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), max_size=25),
    st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)),
)
def test_random_need_like_text_keeps_the_invariants(words: list[str], now: datetime) -> None:
    text = " ".join(words)
    _check(parse_need(text, now, BERLIN))
    looks_like_need(text)
