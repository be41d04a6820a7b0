"""Six languages: complete catalogs, working plural rules, onboarding in each language,
right-to-left isolation in Arabic and a note on people's own words in another language."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from babel.messages.plurals import get_plural
from sqlmodel import select

from bot import messages
from dialogs.engine import Engine
from dialogs.i18n import FSI, PDI, Translator, available_locales, language_name
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import Need
from tests.fakes import FixedClock
from tests.harness import Chat

LANGUAGES = ("de", "en", "uk", "ar", "tr", "ru")
BERLIN = ZoneInfo("Europe/Berlin")


def test_all_six_languages_are_offered_german_first() -> None:
    assert available_locales() == LANGUAGES


@pytest.mark.parametrize("locale", LANGUAGES)
def test_catalog_is_complete_with_the_code_placeholders(locale: str) -> None:
    assert messages.check([locale]) == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_plural_forms_follow_babel_and_format_for_every_count(locale: str) -> None:
    catalog = messages.read_catalog(locale)
    assert catalog.num_plurals == get_plural(locale).num_plurals
    t = Translator(locale, BERLIN)
    plural_messages = [m for m in catalog if m.id and isinstance(m.id, tuple)]
    assert plural_messages
    for message in plural_messages:
        assert len(message.string) == catalog.num_plurals
        assert all(form.strip() for form in message.string), message.id
        for n in (*range(0, 30), 100, 101, 102, 111, 1000):
            values = {name: "X" for name in messages.placeholders(message.id[0]) - {"n"}}
            text = t.ngettext(message.id[0], message.id[1], n, **values)
            assert text.strip() and "{" not in text


def test_plural_forms_pick_the_right_word() -> None:
    uk, ru = Translator("uk", BERLIN), Translator("ru", BERLIN)
    forms = [uk.ngettext("{n} spot left", "{n} spots left", n) for n in (1, 3, 5, 21)]
    assert len({forms[0].split()[-1], forms[1].split()[-1], forms[2].split()[-1]}) >= 2
    assert forms[0].replace("1", "21") == forms[3]  # 21 takes the form of 1
    assert (
        ru.ngettext("{n} spot left", "{n} spots left", 2)
        != ru.ngettext("{n} spot left", "{n} spots left", 5)
        or ru.ngettext("{n} spot left", "{n} spots left", 5).count("5") == 1
    )


def test_arabic_isolates_inserted_values_and_other_languages_do_not() -> None:
    ar, de = Translator("ar", BERLIN), Translator("de", BERLIN)
    assert ar.rtl and not de.rtl
    text = ar.gettext("Contact: {contact}", contact="info@tafel-aachen.de")
    assert f"{FSI}info@tafel-aachen.de{PDI}" in text
    assert FSI not in de.gettext("Contact: {contact}", contact="info@tafel-aachen.de")
    counted = ar.ngettext("{n} spot left", "{n} spots left", 12)
    assert f"{FSI}12{PDI}" in counted
    lines = ar.isolate("Zeile 1\n\nZeile 2")
    assert lines == f"{FSI}Zeile 1{PDI}\n\n{FSI}Zeile 2{PDI}"  # an isolate ends at a line break
    assert ar.isolate(ar.isolate("52062")) == f"{FSI}52062{PDI}"


async def walk_onboarding_in(chat: Chat, locale: str) -> Translator:
    """The same walk as in test_onboarding, with every button label in ``locale``."""
    t = Translator(locale, BERLIN)
    await chat.send("/start")
    assert t.gettext("Yes, I agree") in chat.labels
    await chat.press(t.gettext("Yes, I agree"))
    await chat.press(language_name(locale))
    await chat.send("1")  # the first interest, by number
    await chat.press(t.gettext("Done"))
    await chat.send("Zauberkunst")
    await chat.press(t.gettext("Done"))
    await chat.send("52062")
    await chat.press(t.gettext("Yes"))
    await chat.press(t.gettext("{km} km", km=10))
    await chat.press(t.gettext("Flexible, any time"))
    await chat.press(t.gettext("Instantly, for urgent needs"))
    assert t.gettext("Your profile:") in chat.text
    await chat.press(t.gettext("Looks good"))
    return t


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_onboarding_walks_to_matches_in_each_language(
    sqlite_store: Store, engine: Engine, clock: FixedClock, locale: str
) -> None:
    await load_demo_data(sqlite_store, now=clock.now())
    chat = Chat(engine, language_hint=locale)
    t = await walk_onboarding_in(chat, locale)
    assert t.gettext("All set!") in chat.text
    assert t.gettext("I'll help") in chat.labels
    if locale != "en":
        assert "All set!" not in chat.text and "I'll help" not in chat.labels


async def test_telegram_language_code_picks_the_first_language(engine: Engine) -> None:
    chat = Chat(engine, language_hint="uk-UA")
    await chat.send("/start")
    uk = Translator("uk", BERLIN)
    assert uk.gettext("Yes, I agree") in chat.labels
    assert "🌐 Deutsch" in chat.labels and "🌐 Українська" not in chat.labels


async def test_arabic_need_card_isolates_names_codes_and_notes_the_original_language(
    sqlite_store: Store, engine: Engine, clock: FixedClock
) -> None:
    await load_demo_data(sqlite_store, now=clock.now())
    chat = Chat(engine, language_hint="ar")
    ar = await walk_onboarding_in(chat, "ar")
    async with sqlite_store.transaction() as uow:
        needs = {need.title: need for need in (await uow.session.exec(select(Need))).all()}
    cards = [reply.text for reply in chat.last if any(title in reply.text for title in needs)]
    assert cards, chat.text
    card = cards[0]
    title = next(title for title in needs if title in card)
    need = needs[title]
    assert f"{FSI}{title}{PDI}" in card
    assert f"{FSI}{need.address}, {need.postal_code}{PDI}" in card
    german = language_name("de", "ar")
    assert ar.gettext("original language: {language}", language=german) in card
    assert f"{FSI}{german}{PDI}" in card


async def test_note_only_when_the_reader_reads_another_language(
    sqlite_store: Store, engine: Engine, clock: FixedClock
) -> None:
    await load_demo_data(sqlite_store, now=clock.now())
    german = Chat(engine, user="greta", language_hint="de")
    await walk_onboarding_in(german, "de")
    assert "🌐" not in german.text
    english = Chat(engine, user="emma", language_hint="en")
    await walk_onboarding_in(english, "en")
    assert "🌐 original language: German" in english.text


def test_dates_read_as_each_language_writes_them() -> None:
    from datetime import UTC, datetime

    from dialogs.volunteer import when_text

    start, end = datetime(2026, 6, 6, 8, 0, tzinfo=UTC), datetime(2026, 6, 6, 11, 0, tzinfo=UTC)
    said = {code: when_text(Translator(code, BERLIN), start, end) for code in LANGUAGES}
    assert said["de"] == "Samstag, 6. Juni, 10:00–13:00"
    assert said["tr"].startswith("6 Haziran Cumartesi")
    assert said["ar"].startswith(f"{FSI}السبت، 6 يونيو{PDI}")
    assert "червня" in said["uk"] and "июня" in said["ru"]
