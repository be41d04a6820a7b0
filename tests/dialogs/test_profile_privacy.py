"""/pause, /resume, /mydata and /delete, walked through the harness on a real SQLite store."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from dialogs.engine import Engine
from dialogs.events import Identity, Reply
from dialogs.flow import EngineConfig
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import (
    Account,
    ContactRequest,
    Need,
    NeedDecline,
    NeedNotification,
    Organisation,
    OrganisationAdmin,
    Person,
    SignUp,
    VolunteerProfile,
)
from tests.fakes import FixedClock
from tests.harness import Chat

USER = "zora-4711"
POSTAL_CODE = "52146"  # Würselen: near the Aachen demo needs, but in none of their rows
PLACE = "Würselen"
SKILLS_TEXT = "Zauberkunst"
ADMIN = Identity("console", "org-admin-1", "org-admin-1")

# Columns that may hold one of the searched strings without being about the person:
# transports' opaque update ids, kept a while for idempotency.
NOT_PERSONAL = {("processedupdate", "event_id")}

# Every table that points at a person, and where /mydata shows its rows.
# Table → section of /mydata. Written out on purpose: a new table that points to a
# person must be added here AND to storage.volunteering.PERSON_LINKS.
EXPORT_SECTIONS = {
    "person": "person",
    "account": "accounts",
    "volunteerprofile": "volunteer_profile",
    "signup": "sign_ups",
    "needdecline": "declined_needs",
    "neednotification": "notifications",
    "organisationadmin": "organisation_admin",
    "contactrequest": "contact_requests",
    "coordinator": "coordinator_of",
    "onetimecode": "one_time_codes",
    "auditentry": "audit_entries",
    "broadcast": "broadcasts_written",
    "organisation": "organisations_registered",
    "need": "needs_posted",
    "calendarfeed": "calendar_feeds",
    "partner_post": "partner_posts",
    "partner_consent": "partner_consents",
    "partner_notification": "partner_notifications",
    "partner_connection": "partner_recommendations",
}


@pytest.fixture
def delivered() -> list[tuple[Identity, list[Reply]]]:
    return []


@pytest.fixture
async def engine(
    sqlite_store: Store, clock: FixedClock, delivered: list[tuple[Identity, list[Reply]]]
) -> Engine:
    """The demo city, an admin for every organisation, and a record of what they are sent."""
    await load_demo_data(sqlite_store, now=clock.now())
    async with sqlite_store.transaction() as uow:
        admin = await uow.people.create_with_account(
            transport=ADMIN.transport, user_id=ADMIN.user_id, chat_id=ADMIN.chat_id, locale="en"
        )
        for organisation in await uow.organisations.approved():
            uow.session.add(OrganisationAdmin(organisation_id=organisation.id, person_id=admin.id))

    async def deliver(identity: Identity, replies: list[Reply]) -> None:
        delivered.append((identity, replies))

    return Engine(sqlite_store, build_registry(), EngineConfig(), clock=clock, deliver=deliver)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine, user=USER, language_hint="en")


async def onboard(chat: Chat) -> None:
    """A complete profile: one interest, the free-text skill, the Würselen postal code."""
    await chat.send("/start")
    await chat.press("Yes, I agree")
    await chat.press("English")
    await chat.press("Children & youth")
    await chat.press("Done")
    await chat.send(SKILLS_TEXT)
    await chat.press("Done")
    await chat.send(POSTAL_CODE)
    await chat.press("Yes")
    await chat.press("10 km")
    await chat.press("Flexible, any time")
    await chat.press("Instantly, for urgent needs")
    await chat.press("Looks good")
    assert "All set!" in chat.text


async def sign_up(chat: Chat, *, dated: bool = False) -> int:
    """Press "I'll help" on a suggested need (a dated one if asked); returns the need's id."""
    await chat.send("/matches")
    for reply in chat.last:
        if dated and "ongoing" in reply.text:
            continue
        for button in reply.flat_buttons:
            if button.label == "I'll help":
                need_id = int(button.value.removeprefix("@signup:"))
                await chat.press_token(button.token)
                assert "You are signed up" in chat.text
                return need_id
    raise AssertionError(f"no card to sign up for in {chat.text!r}")


async def person_id_of(store: Store, user_id: str = USER) -> int | None:
    async with store.transaction() as uow:
        person = await uow.people.by_account("console", user_id)
        return person.id if person else None


async def profile_of(store: Store) -> VolunteerProfile:
    person_id = await person_id_of(store)
    assert person_id is not None
    async with store.transaction() as uow:
        profile = await uow.profiles.get(person_id)
    assert profile is not None
    return profile


async def need_taken(store: Store, need_id: int) -> int:
    async with store.transaction() as uow:
        need = await uow.session.get(Need, need_id)
        assert need is not None
        return need.taken


async def sign_up_rows(store: Store, need_id: int) -> list[SignUp]:
    async with store.transaction() as uow:
        return list((await uow.session.exec(select(SignUp).where(SignUp.need_id == need_id))).all())


async def open_needs(store: Store) -> list[Need]:
    async with store.transaction() as uow:
        return await uow.needs.open_from(FixedClock().now())


async def rows_mentioning(store: Store, *needles: str) -> list[str]:
    """Every cell, in every table, that contains one of the needles."""
    found = []
    async with store.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(sa_select(table))).mappings():
                for column, value in row.items():
                    if (table.name, column) in NOT_PERSONAL:
                        continue
                    text = json.dumps(value, ensure_ascii=False, default=str)
                    found += [f"{table.name}.{column}: {text}" for n in needles if n in text]
    return found


async def export(chat: Chat) -> dict[str, Any]:
    await chat.send("/mydata")
    attachment = chat.last[0].attachment
    assert attachment is not None
    assert attachment.kind == "file"
    assert attachment.filename == "engage-my-data.json"
    assert attachment.mime_type == "application/json"
    return json.loads(attachment.content.decode("utf-8"))


async def confirm_delete(chat: Chat) -> None:
    await chat.send("/delete")
    assert "Really delete?" in chat.text
    await chat.press("Yes, delete everything")
    assert "deleted all your data" in chat.text


def withdrawals(delivered: list[tuple[Identity, list[Reply]]]) -> list[str]:
    return [
        reply.text
        for identity, replies in delivered
        for reply in replies
        if identity == ADMIN and "withdrew" in reply.text
    ]


# -- pause and resume --------------------------------------------------------------


async def test_pause_and_resume(chat: Chat, sqlite_store: Store) -> None:
    await onboard(chat)
    await chat.send("/pause")
    assert "Paused" in chat.text
    assert (await profile_of(sqlite_store)).paused
    await chat.send("/pause")
    assert "paused already" in chat.text
    await chat.send("/matches")
    assert "I'll help" in chat.labels
    await chat.send("/resume")
    assert "Welcome back" in chat.text
    assert not (await profile_of(sqlite_store)).paused
    await chat.send("/resume")
    assert "Nothing is paused" in chat.text


async def test_resume_points_out_notifications_switched_off(
    chat: Chat, sqlite_store: Store
) -> None:
    await onboard(chat)
    await chat.send("/profile")
    await chat.press("Edit notifications")
    await chat.press("Not at all")
    await chat.press("Looks good")
    await chat.send("/pause")
    await chat.send("/resume")
    assert "“Not at all”" in chat.text


async def test_controls_without_a_profile(chat: Chat) -> None:
    for command in ("/pause", "/resume"):
        await chat.send(command)
        assert "send /start" in chat.text
    for command in ("/mydata", "/delete"):
        await chat.send(command)
        assert "I have stored nothing about you" in chat.text
        assert all(reply.attachment is None for reply in chat.last)


# -- /mydata ----------------------------------------------------------------------------


async def test_mydata_contains_profile_sign_up_account_and_conversation(
    chat: Chat, sqlite_store: Store
) -> None:
    await onboard(chat)
    need_id = await sign_up(chat)
    await chat.send("/matches")
    await chat.press("Not for me")

    data = await export(chat)

    assert "/delete" in chat.text
    assert data["person"]["id"] == await person_id_of(sqlite_store)
    profile = data["volunteer_profile"]
    assert profile["postal_code"] == POSTAL_CODE
    assert profile["interests"] == ["children_youth"]
    assert profile["skills_other"] == [SKILLS_TEXT]
    assert [s["need_id"] for s in data["sign_ups"]] == [need_id]
    assert data["sign_ups"][0]["status"] == "active"
    assert len(data["declined_needs"]) == 1
    assert [a["user_id"] for a in data["accounts"]] == [USER]
    assert [c["key"] for c in data["conversations"]] == [chat.identity.conversation_key]


async def test_export_has_a_section_for_every_table_that_references_a_person(
    chat: Chat, sqlite_store: Store
) -> None:
    """A table added later with a person_id must show up in /mydata too."""
    referencing = {
        table.name
        for table in SQLModel.metadata.sorted_tables
        if any(fk.column.table.name == "person" for fk in table.foreign_keys)
    }
    assert referencing | {"person"} == set(EXPORT_SECTIONS)

    await onboard(chat)
    await sign_up(chat)
    person_id = await person_id_of(sqlite_store)
    need = (await open_needs(sqlite_store))[0]
    async with sqlite_store.transaction() as uow:
        uow.session.add(NeedNotification(person_id=person_id, need_id=need.id))
    data = await export(chat)
    assert set(EXPORT_SECTIONS.values()) | {"conversations", "outbox"} == set(data)
    assert data["notifications"][0]["need_id"] == need.id


# -- /delete ---------------------------------------------------------------------------


async def test_delete_leaves_no_personal_data_in_any_table(chat: Chat, sqlite_store: Store) -> None:
    needles = (USER, POSTAL_CODE, PLACE, SKILLS_TEXT)
    assert await rows_mentioning(sqlite_store, *needles) == []
    await onboard(chat)
    await sign_up(chat)
    await chat.send("/matches")
    await chat.press("Not for me")
    await add_rows_no_dialog_writes_yet(sqlite_store)
    await export(chat)
    found = {cell.split(".")[0] for cell in await rows_mentioning(sqlite_store, *needles)}
    assert found == {"account", "conversation", "volunteerprofile", "contactrequest"}

    await confirm_delete(chat)

    assert await rows_mentioning(sqlite_store, *needles) == []
    assert await person_id_of(sqlite_store) is None
    admin_id = await person_id_of(sqlite_store, ADMIN.user_id)
    async with sqlite_store.transaction() as uow:
        people = (await uow.session.exec(select(Person))).all()
        assert [p.id for p in people] == [admin_id]
        assert (await uow.session.exec(select(VolunteerProfile))).all() == []
        assert (await uow.session.exec(select(NeedDecline))).all() == []
        assert (await uow.session.exec(select(NeedNotification))).all() == []
        assert len((await uow.session.exec(select(Account))).all()) == 1


async def add_rows_no_dialog_writes_yet(store: Store) -> None:
    """A contact request, a notification and a group chat of the volunteer, written directly."""
    person_id = await person_id_of(store)
    need = (await open_needs(store))[0]
    async with store.transaction() as uow:
        uow.session.add(NeedNotification(person_id=person_id, need_id=need.id))
        uow.session.add(
            ContactRequest(
                person_id=person_id,
                organisation_id=need.organisation_id,
                message=f"I could help with {SKILLS_TEXT}.",
                shared_name="Zora",
                shared_contact=f"@{USER}",
            )
        )
        group = Identity("console", USER, "group-1")
        await uow.conversations.get_or_create(
            group.conversation_key, transport="console", user_id=USER, chat_id="group-1"
        )


async def test_declining_delete_keeps_everything(chat: Chat, sqlite_store: Store) -> None:
    await onboard(chat)
    await sign_up(chat)
    before = await export(chat)

    await chat.send("/delete")
    await chat.press("No, keep it")
    assert "Nothing was deleted" in chat.text
    await chat.send("/delete")
    await chat.send("hmm, maybe")
    assert "Nothing was deleted" in chat.text

    after = await export(chat)
    for section in ("person", "accounts", "volunteer_profile", "sign_ups", "declined_needs"):
        assert after[section] == before[section]
    assert len(after["conversations"]) == 1


async def test_upcoming_sign_up_is_withdrawn_and_the_organisation_told(
    chat: Chat, sqlite_store: Store, delivered: list[tuple[Identity, list[Reply]]]
) -> None:
    await onboard(chat)
    taken_before = {need.id: need.taken for need in await open_needs(sqlite_store)}
    need_id = await sign_up(chat, dated=True)
    assert await need_taken(sqlite_store, need_id) == taken_before[need_id] + 1
    async with sqlite_store.transaction() as uow:
        need = await uow.session.get(Need, need_id)
        assert need is not None
        title = need.title

    await confirm_delete(chat)

    assert len(withdrawals(delivered)) == 1
    assert title in withdrawals(delivered)[0]
    assert await need_taken(sqlite_store, need_id) == taken_before[need_id]
    [row] = await sign_up_rows(sqlite_store, need_id)
    assert (row.person_id, row.status) == (None, "cancelled")


async def test_past_sign_up_stays_as_an_anonymous_count(
    chat: Chat,
    sqlite_store: Store,
    clock: FixedClock,
    delivered: list[tuple[Identity, list[Reply]]],
) -> None:
    await onboard(chat)
    need_id = await sign_up(chat, dated=True)
    taken = await need_taken(sqlite_store, need_id)
    async with sqlite_store.transaction() as uow:
        need = await uow.session.get(Need, need_id)
        assert need is not None and need.starts_at is not None
        clock.current = need.starts_at + timedelta(hours=1)

    await confirm_delete(chat)

    assert withdrawals(delivered) == []
    assert await need_taken(sqlite_store, need_id) == taken
    [row] = await sign_up_rows(sqlite_store, need_id)
    assert (row.person_id, row.status) == (None, "active")


async def test_confirmation_names_the_organisations_the_person_manages(
    chat: Chat, sqlite_store: Store
) -> None:
    await onboard(chat)
    person_id = await person_id_of(sqlite_store)
    async with sqlite_store.transaction() as uow:
        organisation = (await uow.session.exec(select(Organisation))).first()
        assert organisation is not None
        uow.session.add(OrganisationAdmin(organisation_id=organisation.id, person_id=person_id))
    await chat.send("/delete")
    assert f"no longer manage: {organisation.name}" in chat.text
    await chat.press("Yes, delete everything")
    async with sqlite_store.transaction() as uow:
        admins = (await uow.session.exec(select(OrganisationAdmin))).all()
        assert person_id not in {admin.person_id for admin in admins}


async def test_start_after_delete_begins_onboarding_again(chat: Chat) -> None:
    await onboard(chat)
    await confirm_delete(chat)
    await chat.send("/mydata")
    assert "I have stored nothing about you" in chat.text
    await chat.send("/start")
    assert "Do you agree?" in chat.text
    assert "Yes, I agree" in chat.labels
