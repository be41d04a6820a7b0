"""Every message in the code is translated, with the same placeholders, everywhere."""

from __future__ import annotations

from babel.messages.catalog import Catalog

from bot import messages
from dialogs.i18n import Translator, available_locales


def test_german_and_english_catalogs_exist() -> None:
    assert {"de", "en"} <= set(available_locales())


def test_every_message_is_translated_with_matching_placeholders() -> None:
    assert messages.check() == []


def test_extraction_finds_the_code_messages() -> None:
    ids = {m.id for m in messages.extract() if m.id}
    assert "This menu is no longer active." in ids
    assert "View and edit your profile" in ids  # marked with N_
    assert "Children & youth" in ids  # a taxonomy label in matching/


def test_check_catches_missing_untranslated_and_placeholder_mistakes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    template = Catalog()
    for msgid in ("Hello {name}", "Bye", "New"):
        template.add(msgid)
    broken = Catalog(locale="de")
    broken.add("Hello {name}", "Hallo {nome}")
    broken.add("Bye", "")
    monkeypatch.setattr(messages, "extract", lambda: template)
    monkeypatch.setattr(messages, "read_catalog", lambda locale: broken)
    problems = messages.check(["de"])
    assert any("placeholders differ" in p for p in problems)
    assert any("untranslated 'Bye'" in p for p in problems)
    assert any("missing 'New'" in p for p in problems)


def test_dates_and_numbers_follow_the_locale() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    when = datetime(2026, 6, 5, 13, 30, tzinfo=UTC)
    de, en = (
        Translator("de", ZoneInfo("Europe/Berlin")),
        Translator("en", ZoneInfo("Europe/Berlin")),
    )
    assert de.time(when) == "15:30"
    assert en.time(when) == "3:30\u202fPM"
    assert de.date(when) == "Freitag, 5. Juni 2026"
    assert de.number(1234.5, 1) == "1.234,5" and en.number(1234.5, 1) == "1,234.5"
