"""Reading offers and searches written in plain language (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from dialogs.partners_reading import read_post

NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)  # Friday
BERLIN = ZoneInfo("Europe/Berlin")
JUNE_12 = (date(2026, 6, 12), date(2026, 6, 12))


@pytest.mark.parametrize(
    ("text", "title", "kind", "people", "days"),
    [
        ("Schreinerei bietet 2 Azubis für einen Tag am 12.6.", "2 Azubis für einen Tag",
         "team_day", 2, JUNE_12),
        ("Firma öffnet 5 freie Plätze im Erste-Hilfe-Kurs", "5 freie Plätze im Erste-Hilfe-Kurs",
         "knowledge", 5, None),
        ("Ich kann Webseiten bauen", "Webseiten bauen", "skill", None, None),
        ("Gemeindesaal samstags frei", "Gemeindesaal frei", "room", None, None),
        ("Grundschule sucht Imker:in für Bienenprojekt", "Imker:in für Bienenprojekt",
         "knowledge", None, None),
        ("We offer a team day with 8 colleagues on 12 June", "Team day with 8 colleagues",
         "team_day", 8, JUNE_12),
        ("Verein sucht Kassenprüfer:in", "Verein Kassenprüfer:in", "skill", None, None),
    ],
)  # fmt: skip
def test_what_is_read(
    text: str, title: str, kind: str, people: int | None, days: tuple[date, date] | None
) -> None:
    found = read_post(text, NOW, BERLIN)
    assert (found.title, found.kind, found.people, found.days) == (title, kind, people, days)


def test_ongoing_places_and_fields() -> None:
    found = read_post("Gemeindesaal samstags frei, 52062", NOW, BERLIN)
    assert found.ongoing and found.days is None and found.postal_code == "52062"
    bees = read_post("Our class is looking for a beekeeper, 52066", NOW, BERLIN)
    assert bees.interests == ("children_youth", "environment_animals")
    assert read_post("Paint and brushes", NOW, BERLIN).kind is None
