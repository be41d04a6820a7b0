from __future__ import annotations

import dataclasses

import pytest

from matching import taxonomy
from matching.taxonomy import (
    INTEREST_IDS,
    INTEREST_KEYWORDS,
    N_,
    ORGANISATION_KIND_IDS,
    SKILL_IDS,
    Term,
    interest,
    interest_mask,
    interests_in_text,
    interests_of_mask,
    is_interest,
    is_organisation_kind,
    is_skill,
    organisation_kind,
    skill,
    skill_mask,
    skills_of_mask,
)


def test_ids_are_stable_and_ordered() -> None:
    assert INTEREST_IDS == (
        "children_youth",
        "seniors",
        "refugees_integration",
        "environment_animals",
        "sport",
        "culture",
        "education_tutoring",
        "health_care",
        "civil_protection",
        "neighbourhood",
        "digital",
        "events",
    )
    assert SKILL_IDS == (
        "driving_licence",
        "first_aid",
        "languages",
        "craft",
        "cooking",
        "it",
        "music",
        "sport_coaching",
        "care",
        "carrying",
        "translation",
        "teaching",
    )
    assert ORGANISATION_KIND_IDS == (
        "association",
        "initiative",
        "kita",
        "school",
        "university",
        "company",
        "municipal",
    )


def test_labels_and_lookups() -> None:
    assert interest("neighbourhood") == Term("neighbourhood", "Neighbourhood help")
    assert skill("carrying").label == "Lifting & carrying"
    assert organisation_kind("association").label == "Club (Verein)"
    assert is_interest("sport") and not is_interest("driving_licence")
    assert is_skill("it") and not is_skill("sport")
    assert is_organisation_kind("kita") and not is_organisation_kind("children_youth")
    with pytest.raises(KeyError):
        interest("knitting")


def test_marker_is_identity_and_terms_are_frozen() -> None:
    assert N_("Seniors") == "Seniors"
    with pytest.raises(dataclasses.FrozenInstanceError):
        interest("sport").label = "Football"  # type: ignore[misc]


def test_masks_follow_taxonomy_order_and_ignore_unknown_ids() -> None:
    assert interest_mask({"children_youth"}) == 1
    assert interest_mask({"events", "seniors", "knitting"}) == (1 << 11) | (1 << 1)
    assert interests_of_mask(interest_mask({"events", "seniors"})) == ("seniors", "events")
    assert skills_of_mask(skill_mask({"teaching", "driving_licence"})) == (
        "driving_licence",
        "teaching",
    )


def test_every_interest_has_lowercase_keywords_that_find_it() -> None:
    assert set(INTEREST_KEYWORDS) == set(INTEREST_IDS)
    for key, words in INTEREST_KEYWORDS.items():
        assert words, key
        for word in words:
            assert word == word.lower(), word
            assert key in interests_in_text(word), (key, word)
            assert key in interests_in_text(f"Wir suchen Hilfe: {word.upper()}!"), (key, word)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hausaufgabenhilfe für Schulkinder", {"children_youth", "education_tutoring"}),
        ("Kinderbetreuung beim Sommerfest", {"children_youth", "events"}),
        ("Wir suchen Helfer fürs Seniorencafé", {"seniors"}),
        ("Sprachcafé für Geflüchtete", {"refugees_integration"}),
        ("Help at the animal shelter and dog walking", {"environment_animals"}),
        ("Die Freiwillige Feuerwehr braucht Unterstützung", {"civil_protection"}),
        ("Smartphone-Sprechstunde in der Bücherei", {"digital", "culture"}),
        ("Fire brigade open day", {"civil_protection"}),
        ("Nothing here at all", set()),
    ],
)
def test_interests_in_text(text: str, expected: set[str]) -> None:
    assert interests_in_text(text) == expected


@pytest.mark.parametrize("text", ["Flüchtlinge", "Fluechtlinge", "Fluchtlinge", "FLÜCHTLINGE"])
def test_keyword_detection_tolerates_umlaut_spellings(text: str) -> None:
    assert interests_in_text(f"Begleitung für {text}") == {"refugees_integration"}


@pytest.mark.parametrize(
    "text",
    [
        "Transport von Möbeln",  # "sport" inside a word
        "Natürlich freuen wir uns",  # "natur" as a prefix of "natürlich"
        "Familie Müller",  # "müll" as a prefix of a name
        "hundert Leute",  # "hunde" as a prefix of "hundert"
        "nach Feierabend feststellen",  # "feier", "fest" prefixes
        "Bitte sei pünktlich",
    ],
)
def test_keywords_respect_word_boundaries(text: str) -> None:
    assert interests_in_text(text) == frozenset()


def test_keyword_patterns_are_precompiled_per_interest() -> None:
    assert set(taxonomy._PATTERNS) == set(INTEREST_IDS)
