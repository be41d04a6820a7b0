"""/offer and /search: plain language becomes a card; Publish stores it; /cancel and
stale buttons leave nothing behind."""

from __future__ import annotations

from datetime import date

from dialogs.engine import Engine
from storage.db import Store
from tests.dialogs import partners_support
from tests.dialogs.partners_support import (
    BEEKEEPER,
    BEES,
    add_organisation,
    add_person,
    chat_of,
    new_teacher,
    posts,
)
from tests.harness import Chat

engine, delivered, published = partners_support.FIXTURES


async def test_a_search_in_english_becomes_a_card_and_is_published(
    sqlite_store: Store, engine: Engine, published: list[int]
) -> None:
    teacher = await new_teacher(sqlite_store, engine)
    await teacher.send("/search Our class is looking for a beekeeper for a bee project, 52066")
    card = teacher.text
    assert "This is your search:" in card
    assert "Search: Beekeeper for a bee project" in card
    assert "Kind: Knowledge" in card
    assert "From: you, as a private person" in card
    assert "When: ongoing, no fixed date" in card
    assert "Where: 52066 Aachen, partners up to 25 km away" in card
    assert "Environment & animals" in card and "Children & youth" in card
    assert "Open until: Aug 4, 2026" in card
    assert "Nothing is published until you press Publish." in card
    assert await posts(sqlite_store) == []

    await teacher.press("Publish")
    assert "Published:" in teacher.text and "/partners" in teacher.text
    [post] = await posts(sqlite_store)
    assert (post.direction, post.kind, post.postal_code) == ("search", "knowledge", "52066")
    assert post.organisation_id is None and post.language == "en"
    assert "environment_animals" in post.interests
    assert published == [post.id]


async def test_an_offer_in_german_for_an_organisation_asks_what_is_missing(
    sqlite_store: Store, engine: Engine
) -> None:
    bernd = await add_person(sqlite_store, BEEKEEPER, locale="de")
    await add_organisation(
        sqlite_store, BEES, "52066", "association", ["environment_animals"], bernd
    )
    admin = Chat(engine, user=BEEKEEPER, transport="telegram", language_hint="de")
    await admin.send("/offer")
    assert "Für wen" in admin.text
    assert admin.labels == ["Für mich selbst", BEES]
    await admin.press(BEES)
    assert "Was bietest du an?" in admin.text
    await admin.send("Wir zeigen Schulklassen am 12.6. unsere Bienenstöcke")
    assert "Was für eine Art ist es?" in admin.text  # nothing in the text says it
    await admin.press("Wissen")
    card = admin.text
    assert "Das ist dein Angebot:" in card
    assert "Art: Wissen" in card
    assert f"Von: {BEES}" in card
    assert "Freitag, 12. Juni" in card
    assert "52066 Aachen" in card  # the club's own postal code
    assert "Umwelt & Tiere" in card
    await admin.press("Art ändern")
    await admin.press("Zeit")
    await admin.press("Veröffentlichen")
    assert "Veröffentlicht" in admin.text
    [post] = await posts(sqlite_store)
    assert post.kind == "time" and post.organisation_id is not None
    assert (post.date_from, post.date_until) == (date(2026, 6, 12), date(2026, 6, 12))
    assert post.language == "de"


async def test_cancel_leaves_nothing_and_a_stale_card_button_does_nothing(
    sqlite_store: Store, engine: Engine
) -> None:
    teacher = await new_teacher(sqlite_store, engine)
    await teacher.send("/offer I can build websites and help with computers, 52062")
    card = list(teacher.last)
    assert "Kind: Skills" in teacher.text
    await teacher.send("/cancel")
    assert "Cancelled" in teacher.text
    teacher.last = card
    await teacher.press("Publish")  # the dialog is gone: the press publishes nothing
    assert "not sure what you mean" in teacher.text
    # a new card makes the old one stale
    await teacher.send("/offer I can build websites and help with computers, 52062")
    teacher.last = card
    await teacher.press("Publish")
    assert "no longer active" in teacher.text
    assert "This is your offer:" in teacher.text  # and the open question comes again
    assert await posts(sqlite_store) == []


async def test_what_is_not_read_is_asked_one_thing_at_a_time(
    sqlite_store: Store, engine: Engine
) -> None:
    teacher = await new_teacher(sqlite_store, engine)
    await teacher.send("/offer")
    assert "What do you offer?" in teacher.text
    await teacher.send("Paint and brushes for an art project")
    assert "Kind: Material" in teacher.text or "What kind is it?" in teacher.text
    if "What kind is it?" in teacher.text:
        await teacher.press("Material")
    assert "postal code" in teacher.text  # a private person without a profile: where?
    await teacher.send("99999")
    assert "I don't know that postal code" in teacher.text
    await teacher.send("52062")
    assert "Culture" in teacher.text or "Which fields" in teacher.text
    if "Which fields" in teacher.text:
        await teacher.press("Culture")
        await teacher.press("Done")
    assert "This is your offer:" in teacher.text
    await teacher.press("Edit time")
    await teacher.send("yesterday")
    assert "couldn't read a day" in teacher.text or "has passed" in teacher.text
    await teacher.press("Ongoing")
    await teacher.press("Edit distance")
    await teacher.press("10 km")
    assert "partners up to 10 km away" in teacher.text
    await teacher.press("Publish")
    [post] = await posts(sqlite_store)
    assert post.radius_km == 10 and post.kind == "material" and post.date_from is None


async def test_someone_who_never_agreed_to_storage_cannot_post(engine: Engine) -> None:
    stranger = chat_of(engine, "nobody")
    await stranger.send("/search a room for our choir")
    assert "/start" in stranger.text
