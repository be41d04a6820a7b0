"""Organisations post needs by message (or /need): the card, its checks, Publish."""

from __future__ import annotations

import pytest
from sqlmodel import select

from dialogs import posting
from dialogs.engine import Engine
from dialogs.need_parser import ParsedNeed
from storage.db import Store
from storage.models import OrganisationAdmin
from storage.postal_codes import default_directory
from tests.dialogs import posting_support
from tests.dialogs.posting_support import (
    ADMIN,
    KITA,
    MESSAGE,
    NO_COUNT,
    NO_TIME,
    SATURDAY_15,
    SATURDAY_18,
    TAFEL,
    audit_actions,
    organisation_id,
    posted_needs,
)
from tests.fakes import FixedClock
from tests.harness import Chat

# The shared fixtures, made available to this module's tests.
admin, delivered = posting_support.admin, posting_support.delivered
engine, published = posting_support.engine, posting_support.published

# -- posting by message --------------------------------------------------------------------


async def test_an_admins_message_becomes_a_card_and_is_published_on_press(
    sqlite_store: Store, admin: Chat, published: list[int]
) -> None:
    await admin.send(MESSAGE)
    card = admin.text
    assert "This is your need:" in card
    assert "What: Tafel-Ausgabe" in card and TAFEL in card
    assert "When: Saturday, 6 June, 3:00\u202fPM–6:00\u202fPM" in card
    assert "People: 3" in card
    assert "Where: Adalbertsteinweg 20, 52062 Aachen" in card
    assert "Neighbourhood help" in card
    assert "Nothing is published until you press Publish." in card
    assert admin.labels == [
        "Publish",
        "Edit title",
        "Edit time",
        "Edit people",
        "Edit place",
        "Edit interests",
        "Cancel",
    ]
    assert await posted_needs(sqlite_store) == []

    await admin.press("Publish")
    assert "Published: “Tafel-Ausgabe”" in admin.text and "I'll look for people" in admin.text
    [need] = await posted_needs(sqlite_store)
    pc = default_directory().lookup("52062")
    assert pc is not None
    assert (need.title, need.capacity, need.status) == ("Tafel-Ausgabe", 3, "open")
    assert (need.starts_at, need.ends_at) == (SATURDAY_15, SATURDAY_18)
    assert (need.postal_code, need.address) == ("52062", "Adalbertsteinweg 20")
    assert (need.latitude, need.longitude) == (pc.latitude, pc.longitude)
    assert need.created_by is not None and need.organisation_id == await organisation_id(
        sqlite_store, TAFEL
    )
    assert "neighbourhood" in need.interests and need.description == MESSAGE
    assert await audit_actions(sqlite_store) == ["need_publish"]
    assert published == [need.id]


async def test_a_volunteers_identical_message_is_not_a_need(
    sqlite_store: Store, engine: Engine
) -> None:
    chat = Chat(engine, user="vol", language_hint="en")
    await chat.send("/start")
    await chat.press("Yes, I agree")
    await chat.send("/cancel")
    await chat.send(MESSAGE)
    assert "not sure what you mean" in chat.text and "Publish" not in chat.labels
    assert await posted_needs(sqlite_store) == []


async def test_an_admins_other_messages_fall_through(sqlite_store: Store, admin: Chat) -> None:
    await admin.send("Hallo, wie geht's?")
    assert "not sure what you mean" in admin.text
    assert await posted_needs(sqlite_store) == []


async def test_an_organisation_awaiting_approval_cannot_post(
    sqlite_store: Store, admin: Chat
) -> None:
    async with sqlite_store.transaction() as uow:
        tafel = await uow.directory.organisation(await organisation_id(sqlite_store, TAFEL))
        assert tafel is not None
        tafel.status = "pending"
        uow.session.add(tafel)
    await admin.send(MESSAGE)
    assert "not approved yet" in admin.text and "Publish" not in admin.labels
    assert await posted_needs(sqlite_store) == []


async def test_a_missing_time_is_asked_for_and_read_from_the_answer(
    sqlite_store: Store, admin: Chat
) -> None:
    await admin.send(NO_TIME)
    assert "When is it? e.g. 'morgen 15–18 Uhr' or 'long-term'" in admin.text
    await admin.send("irgendwann mal")
    assert "couldn't read a day and time" in admin.text
    await admin.send("morgen 15–18 Uhr")
    assert "When: Saturday, 6 June" in admin.text and "People: 3" in admin.text
    await admin.press("Publish")
    [need] = await posted_needs(sqlite_store)
    assert need.starts_at == SATURDAY_15


async def test_long_term_needs_have_no_date(sqlite_store: Store, admin: Chat) -> None:
    await admin.send(NO_TIME)
    await admin.press("Long-term")
    assert "When: long-term, no fixed date" in admin.text
    await admin.press("Publish")
    [need] = await posted_needs(sqlite_store)
    assert need.starts_at is None and need.ends_at is None


async def test_a_missing_count_is_asked_for_within_limits(sqlite_store: Store, admin: Chat) -> None:
    await admin.send(NO_COUNT)
    assert "How many people do you need?" in admin.text
    await admin.send("some")
    assert "Please write a number" in admin.text
    await admin.send("500")
    assert "from 1 to 100" in admin.text
    await admin.send("4")
    assert "People: 4" in admin.text and "Publish" in admin.labels


async def test_editing_the_count_and_title_at_the_card(sqlite_store: Store, admin: Chat) -> None:
    await admin.send(MESSAGE)
    await admin.press("Edit people")
    await admin.send("0")
    assert "from 1 to 100" in admin.text
    await admin.send("101")
    assert "from 1 to 100" in admin.text
    await admin.send("5")
    assert "People: 5" in admin.text
    await admin.press("Edit title")
    await admin.send("Lebensmittelausgabe")
    assert "What: Lebensmittelausgabe" in admin.text
    await admin.press("Publish")
    [need] = await posted_needs(sqlite_store)
    assert (need.capacity, need.title) == (5, "Lebensmittelausgabe")


async def test_editing_place_and_interests(sqlite_store: Store, admin: Chat) -> None:
    await admin.send(MESSAGE)
    await admin.press("Edit place")
    await admin.send("Kurbrunnenstraße 12, 99999")
    assert "I don't know the postal code 99999" in admin.text
    await admin.send("Kurbrunnenstraße 12, 52066")
    assert "Where: Kurbrunnenstraße 12, 52066 Aachen" in admin.text
    await admin.press("Edit place")
    await admin.press("At the organisation's address")
    assert "Where: at the organisation's address (52068 Aachen)" in admin.text
    assert "Fields: Neighbourhood help, Health & care" in admin.text  # the Tafel's own
    await admin.press("Edit interests")
    await admin.press("✅ Neighbourhood help")
    await admin.press("✅ Health & care")
    await admin.press("Done")
    assert "Please choose at least one field." in admin.text
    await admin.press("Seniors")
    await admin.press("Done")
    assert "Fields: Seniors" in admin.text
    await admin.press("Publish")
    [need] = await posted_needs(sqlite_store)
    tafel = await organisation_id(sqlite_store, TAFEL)
    async with sqlite_store.transaction() as uow:
        organisation = await uow.directory.organisation(tafel)
    assert organisation is not None
    assert (need.postal_code, need.latitude) == ("52068", organisation.latitude)
    assert need.interests == ["seniors"]


async def test_a_time_in_the_past_is_refused_even_at_publish(
    sqlite_store: Store, admin: Chat, clock: FixedClock
) -> None:
    await admin.send(NO_TIME)
    await admin.send("heute 8 Uhr")  # 8:00 has passed: the clock says 10:00
    assert "That time is in the past" in admin.text
    await admin.send("morgen 15–18 Uhr")
    assert "Publish" in admin.labels
    clock.advance(days=2)  # the card waited too long
    await admin.press("Publish")
    assert "That time is in the past" in admin.text and "When is it?" in admin.text
    assert await posted_needs(sqlite_store) == []


async def test_an_end_before_the_start_is_refused(
    admin: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parser reads "18–15 Uhr" as overnight; a reading with the end first is refused."""
    await admin.send(NO_TIME)
    swapped = ParsedNeed(starts_at=SATURDAY_18, ends_at=SATURDAY_15)
    monkeypatch.setattr(posting, "parse_need", lambda text, now, tz: swapped)
    await admin.send("Samstag 18 Uhr bis 15 Uhr")
    assert "The end (3:00\u202fPM) is not after the start (6:00\u202fPM)" in admin.text
    assert "Publish" not in admin.labels and "When is it?" in admin.text


async def test_an_overnight_time_shows_both_days(admin: Chat) -> None:
    await admin.send(NO_TIME)
    await admin.send("morgen 22–6 Uhr")
    assert "When: Saturday, 6 June, 10:00\u202fPM – Sunday, 7 June, 6:00\u202fAM" in admin.text


async def test_cancel_at_the_card_publishes_nothing(sqlite_store: Store, admin: Chat) -> None:
    await admin.send(MESSAGE)
    await admin.press("Cancel")
    assert "Cancelled – nothing was published." in admin.text
    assert await posted_needs(sqlite_store) == []
    assert await audit_actions(sqlite_store) == []


async def test_publish_checks_the_right_again(sqlite_store: Store, admin: Chat) -> None:
    await admin.send(MESSAGE)
    async with sqlite_store.transaction() as uow:
        for row in (await uow.session.exec(select(OrganisationAdmin))).all():
            await uow.session.delete(row)
    await admin.press("Publish")
    assert "not allowed" in admin.text
    assert await posted_needs(sqlite_store) == []


async def test_a_message_from_an_admin_of_two_asks_which_organisation(
    sqlite_store: Store, admin: Chat
) -> None:
    kita = await organisation_id(sqlite_store, KITA)
    async with sqlite_store.transaction() as uow:
        person = await uow.people.by_account("telegram", ADMIN)
        assert person is not None and person.id is not None
        await uow.governance.add_admin(kita, person.id)
    await admin.send(MESSAGE)
    assert "For which organisation?" in admin.text
    await admin.press(KITA)
    assert "What: Tafel-Ausgabe" in admin.text and KITA in admin.text
    assert "Fields: Children & youth" in admin.text and "Neighbourhood" not in admin.text


async def test_need_command_by_a_non_admin_is_refused(engine: Engine) -> None:
    chat = Chat(engine, user="vol", language_hint="en")
    await chat.send("/need")
    assert "Sorry, you are not allowed to do that." in chat.text


async def test_need_command_asks_for_the_message_and_which_organisation(
    sqlite_store: Store, admin: Chat
) -> None:
    kita = await organisation_id(sqlite_store, KITA)
    async with sqlite_store.transaction() as uow:  # the Tafel's admin runs the Kita too
        person = await uow.people.by_account("telegram", ADMIN)
        assert person is not None and person.id is not None
        await uow.governance.add_admin(kita, person.id)
    await admin.send("/need")
    assert "For which organisation?" in admin.text
    assert admin.labels == [TAFEL, KITA]
    await admin.press(KITA)
    assert "What do you need?" in admin.text
    await admin.send(MESSAGE)
    assert KITA in admin.text and "People: 3" in admin.text
    assert "Fields: Children & youth" in admin.text  # the Kita's own, not the Tafel's
    await admin.press("Publish")
    [need] = await posted_needs(sqlite_store)
    assert need.organisation_id == kita
