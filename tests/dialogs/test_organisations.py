"""Registering an organisation, its review by coordinators, and its admins, between real chats."""

from __future__ import annotations

import pytest
from sqlmodel import select

from dialogs.engine import Engine
from dialogs.events import Command, Event, Identity, Reply
from dialogs.flow import Context, EngineConfig, Step
from dialogs.organisations_admins import join_from_start
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import AuditEntry, Municipality, Organisation
from tests.dialogs.test_clubs import onboard, press_in, press_value, token_of
from tests.fakes import FixedClock
from tests.harness import Chat

NAME = "Lesepaten Frankenberg"
COORDINATOR = "coord-1"
Delivered = list[tuple[Identity, list[Reply]]]


@pytest.fixture
def delivered() -> Delivered:
    return []


@pytest.fixture
async def engine(sqlite_store: Store, clock: FixedClock, delivered: Delivered) -> Engine:
    """The bot with demo data and an operator "olga" on the console."""

    async def deliver(identity: Identity, replies: list[Reply]) -> None:
        delivered.append((identity, replies))

    await load_demo_data(sqlite_store, now=clock.now())
    config = EngineConfig(operators=frozenset({("console", "olga")}))
    return Engine(sqlite_store, build_registry(), config, clock=clock, deliver=deliver)


async def person_of(chat: Chat) -> int:
    """A person record (consent only, no profile) for this chat; returns its id."""
    await chat.send("/start")
    await chat.press("Yes, I agree")
    await chat.send("/cancel")
    async with chat.engine.store.transaction() as uow:
        person = await uow.people.by_account(chat.transport, chat.user)
        assert person is not None and person.id is not None
        person.display_name = chat.user.capitalize()
        await uow.people.save(person)
        return person.id


async def municipality_id(store: Store, slug: str = "aachen") -> int:
    async with store.transaction() as uow:
        municipality = await uow.municipalities.by_slug(slug)
        assert municipality is not None and municipality.id is not None
        return municipality.id


async def coordinator(engine: Engine, user: str = COORDINATOR, slug: str = "aachen") -> Chat:
    chat = Chat(engine, user=user, transport="telegram", language_hint="en")
    person_id = await person_of(chat)
    target = await municipality_id(engine.store, slug)
    async with engine.store.transaction() as uow:
        await uow.governance.appoint_coordinator(target, person_id)
    return chat


@pytest.fixture
async def coord(engine: Engine) -> Chat:
    return await coordinator(engine)


@pytest.fixture
async def applicant(engine: Engine) -> Chat:
    chat = Chat(engine, user="anton", language_hint="en")
    await person_of(chat)
    return chat


async def fill_in(chat: Chat, address: str = "Adalbertsteinweg 20, 52062 Aachen") -> None:
    await chat.send("/register_org")
    await chat.send(NAME)
    await chat.press("Club (Verein)")
    await chat.send("We read stories to children in Aachen-Frankenberg.")
    await chat.press("Children & youth")
    await chat.press("Culture")
    await chat.press("✅ Culture")  # toggled off again
    await chat.press("Done")
    await chat.send(address)
    await chat.press("Public contact")
    await chat.send("lesepaten@example.org")


async def the_org(store: Store) -> Organisation:
    async with store.transaction() as uow:
        result = await uow.session.exec(select(Organisation).where(Organisation.name == NAME))
        return result.one()


async def admin_ids(store: Store, organisation_id: int) -> list[int]:
    async with store.transaction() as uow:
        return await uow.governance.admin_ids(organisation_id)


async def audit_actions(store: Store) -> list[str]:
    async with store.transaction() as uow:
        result = await uow.session.exec(select(AuditEntry).order_by(AuditEntry.id))  # type: ignore[arg-type]
        return [entry.action for entry in result.all()]


def sent_to(delivered: Delivered, chat: Chat) -> list[Reply]:
    return [reply for who, replies in delivered if who == chat.identity for reply in replies]


@pytest.fixture
async def registered(applicant: Chat, coord: Chat, delivered: Delivered) -> Organisation:
    await fill_in(applicant)
    await applicant.press("Send for approval")
    assert "waits for approval" in applicant.text
    return await the_org(applicant.engine.store)


# -- registration ----------------------------------------------------------------------------


async def test_registration_shows_a_summary_and_stores_nothing_before_confirming(
    sqlite_store: Store, applicant: Chat, coord: Chat, delivered: Delivered
) -> None:
    await fill_in(applicant)
    summary = applicant.text
    assert NAME in summary and "Club (Verein)" in summary
    assert "Works on: Children & youth" in summary and "Culture" not in summary
    assert "Adalbertsteinweg 20, 52062 Aachen" in summary
    assert "Contact: lesepaten@example.org" in summary
    assert applicant.labels[:2] == ["Send for approval", "Cancel"]
    async with sqlite_store.transaction() as uow:
        assert await uow.governance.pending_organisations() == []
    await applicant.press("Change: Name")
    await applicant.send("Lesepaten")
    assert "Lesepaten" in applicant.text and "Send for approval" in applicant.labels
    await applicant.press("Cancel")
    assert "nothing was registered" in applicant.text
    assert delivered == []


async def test_registration_stores_a_pending_org_and_tells_the_coordinator(
    sqlite_store: Store,
    registered: Organisation,
    applicant: Chat,
    coord: Chat,
    delivered: Delivered,
) -> None:
    org = registered
    assert (org.status, org.postal_code, org.place) == ("pending", "52062", "Aachen")
    assert org.address == "Adalbertsteinweg 20" and org.public_contact == "lesepaten@example.org"
    assert org.interests == ["children_youth"] and org.kind == "association"
    assert org.municipality_id == await municipality_id(sqlite_store)
    assert abs(org.latitude - 50.77) < 0.1 and abs(org.longitude - 6.09) < 0.1
    assert await admin_ids(sqlite_store, org.id) == [org.applicant_id]  # type: ignore[arg-type]
    [card] = sent_to(delivered, coord)
    assert f"New organisation waiting for approval (no. {org.id})" in card.text
    assert "Registered by: Anton" in card.text and "anton" not in card.text
    assert [b.label for b in card.flat_buttons] == ["Approve", "Reject", "Ask a question"]
    assert "org_register" in await audit_actions(sqlite_store)


async def test_a_postal_code_alone_is_enough_and_bad_ones_are_explained(applicant: Chat) -> None:
    await applicant.send("/register_org")
    await applicant.send(NAME)
    await applicant.press("Kita")
    await applicant.send("Short.")
    await applicant.send("Done")
    assert "at least one" in applicant.text
    await applicant.press("Seniors")
    await applicant.press("Done")
    await applicant.send("Somewhere nice")
    assert "five digits" in applicant.text
    await applicant.send("00000")
    assert "could not find the postal code" in applicant.text
    await applicant.send("52062")
    await applicant.press("Only through the bot")
    assert "52062 Aachen" in applicant.text and "Contact: only through the bot" in applicant.text


async def test_at_most_three_applications_may_wait_at_once(
    sqlite_store: Store, applicant: Chat
) -> None:
    for _ in range(3):
        await fill_in(applicant)
        await applicant.press("Send for approval")
    await applicant.send("/register_org")
    assert "already have 3 applications" in applicant.text and applicant.labels == []
    async with sqlite_store.transaction() as uow:
        assert len(await uow.governance.pending_organisations()) == 3


async def test_without_a_person_record_registration_asks_for_start_first(engine: Engine) -> None:
    stranger = Chat(engine, user="newbie", language_hint="en")
    await stranger.send("/register_org")
    assert "/start" in stranger.text and stranger.labels == []
    await stranger.send("/org")
    assert "/start" in stranger.text


async def test_without_a_coordinator_operators_are_told_or_it_is_queued(
    sqlite_store: Store, engine: Engine, applicant: Chat, delivered: Delivered
) -> None:
    await fill_in(applicant)
    await applicant.press("Send for approval")
    assert "waits in the queue" in applicant.text  # olga never wrote to the bot
    olga = Chat(engine, user="olga", language_hint="en")
    await person_of(olga)
    await applicant.send("/register_org")
    await applicant.send("Second club")
    await applicant.press("Kita")
    await applicant.send("Short.")
    await applicant.press("Seniors")
    await applicant.press("Done")
    await applicant.send("52062")
    await applicant.press("Only through the bot")
    await applicant.press("Send for approval")
    assert "I have told the coordinators" in applicant.text
    [card] = sent_to(delivered, olga)
    assert "Second club" in card.text


# -- approve, reject, ask --------------------------------------------------------------------


async def test_approval_makes_it_public_and_tells_the_applicant(
    sqlite_store: Store,
    engine: Engine,
    registered: Organisation,
    applicant: Chat,
    coord: Chat,
    delivered: Delivered,
) -> None:
    volunteer = Chat(engine, user="vera", language_hint="en")
    await onboard(volunteer)
    await volunteer.send("/clubs")
    seen = volunteer.text
    while "More" in volunteer.labels:
        await volunteer.press("More")
        seen += volunteer.text
    assert NAME not in seen  # pending: not listed

    card = sent_to(delivered, coord)
    await coord.press_token(token_of(card, "Approve"))
    assert f"Approved: {NAME} is now listed" in coord.text and "told the applicant" in coord.text
    assert (await the_org(sqlite_store)).status == "approved"
    news = sent_to(delivered, applicant)
    assert "has been approved" in news[-1].text
    assert registered.applicant_id in await admin_ids(sqlite_store, registered.id)  # type: ignore[arg-type]
    assert "org_approve" in await audit_actions(sqlite_store)

    await volunteer.send("/clubs")
    await press_in(volunteer, NAME, "Contact")
    assert "Write a short introduction" in volunteer.text

    # Pressing again (a replay, or a second coordinator) changes nothing.
    answer = await press_value(engine, COORDINATOR, f"@org_approve:{registered.id}", "telegram")
    assert "already been decided" in answer and "approved" in answer
    for action in ("org_reject", "org_ask"):
        answer = await press_value(engine, COORDINATOR, f"@{action}:{registered.id}", "telegram")
        assert "already been decided" in answer
    assert (await audit_actions(sqlite_store)).count("org_approve") == 1


async def test_rejection_asks_for_a_reason_and_tells_the_applicant(
    sqlite_store: Store,
    registered: Organisation,
    applicant: Chat,
    coord: Chat,
    delivered: Delivered,
) -> None:
    await coord.press_token(token_of(sent_to(delivered, coord), "Reject"))
    assert "Write a short reason" in coord.text
    assert (await the_org(sqlite_store)).status == "pending"
    await coord.send("We could not verify this organisation.")
    assert f"Rejected: {NAME}." in coord.text
    assert (await the_org(sqlite_store)).status == "rejected"
    news = sent_to(delivered, applicant)[-1].text
    assert "was not approved" in news and "Reason: We could not verify" in news
    assert await admin_ids(sqlite_store, registered.id) == []  # type: ignore[arg-type]
    async with sqlite_store.transaction() as uow:
        [entry] = [e for e in await uow.governance.audit_log() if e.action == "org_reject"]
        assert entry.details == {"reason": "We could not verify this organisation."}
        assert entry.role == "coordinator" and entry.target == f"organisation:{registered.id}"
    answer = await press_value(
        coord.engine, COORDINATOR, f"@org_approve:{registered.id}", "telegram"
    )
    assert "already been decided" in answer and "not approved" in answer


async def test_cancelling_the_reason_leaves_it_pending(
    sqlite_store: Store, registered: Organisation, coord: Chat, delivered: Delivered
) -> None:
    await coord.press_token(token_of(sent_to(delivered, coord), "Reject"))
    await coord.send("/cancel")
    assert (await the_org(sqlite_store)).status == "pending"


async def test_a_question_goes_to_the_applicant_and_the_answer_comes_back(
    sqlite_store: Store,
    registered: Organisation,
    applicant: Chat,
    coord: Chat,
    delivered: Delivered,
) -> None:
    await coord.press_token(token_of(sent_to(delivered, coord), "Ask a question"))
    assert "Write your question" in coord.text
    await coord.send("Are you a registered association?")
    assert "Sent." in coord.text
    question = sent_to(delivered, applicant)[-1]
    assert "A question about your application for" in question.text
    assert "registered association?" in question.text and COORDINATOR not in question.text

    await applicant.press_token(token_of([question], "Answer"))
    await applicant.send("Yes, since 2019 (VR 1234).")
    assert "let you know here when it is decided" in applicant.text
    back = sent_to(delivered, coord)[-1]
    assert back.text.startswith(f"Anton answers about {NAME} (no. {registered.id}):")
    assert "VR 1234" in back.text and "anton" not in back.text
    await coord.press_token(token_of([back], "Approve"))
    assert (await the_org(sqlite_store)).status == "approved"
    assert "org_question" in await audit_actions(sqlite_store)


async def test_only_the_applicant_may_answer_a_question(
    engine: Engine, registered: Organisation
) -> None:
    mallory = Chat(engine, user="mallory", language_hint="en")
    await person_of(mallory)
    answer = await press_value(engine, "mallory", f"@org_answer:{registered.id}:1")
    assert "not allowed" in answer


# -- only the right people may decide -------------------------------------------------------


@pytest.mark.parametrize("action", ["org_approve", "org_reject", "org_ask"])
async def test_a_volunteer_pressing_a_forged_review_button_is_refused(
    sqlite_store: Store, engine: Engine, registered: Organisation, action: str
) -> None:
    volunteer = Chat(engine, user="vera", language_hint="en")
    await onboard(volunteer)
    before = await audit_actions(sqlite_store)
    answer = await press_value(engine, "vera", f"@{action}:{registered.id}")
    assert "not allowed to do that" in answer
    assert (await the_org(sqlite_store)).status == "pending"
    assert await audit_actions(sqlite_store) == before
    # The applicant may not approve their own organisation either.
    answer = await press_value(engine, "anton", f"@{action}:{registered.id}")
    assert "not allowed to do that" in answer
    assert "not allowed" in await press_value(engine, "vera", f"@{action}:999")


async def test_a_coordinator_of_another_municipality_is_refused(
    sqlite_store: Store, engine: Engine, registered: Organisation
) -> None:
    async with sqlite_store.transaction() as uow:
        await uow.municipalities.add(
            Municipality(name="Düren", slug="dueren", district_key="05358")
        )
    other = await coordinator(engine, user="coord-dueren", slug="dueren")
    answer = await press_value(engine, "coord-dueren", f"@org_approve:{registered.id}", "telegram")
    assert "not allowed to do that" in answer
    assert (await the_org(sqlite_store)).status == "pending"
    await other.send("/approve")
    assert "Nothing is waiting for approval." in other.text


async def test_an_operator_may_decide_anywhere(
    sqlite_store: Store, engine: Engine, registered: Organisation
) -> None:
    olga = Chat(engine, user="olga", language_hint="en")
    await person_of(olga)
    answer = await press_value(engine, "olga", f"@org_approve:{registered.id}")
    assert "Approved" in answer
    async with sqlite_store.transaction() as uow:
        [entry] = [e for e in await uow.governance.audit_log() if e.action == "org_approve"]
        assert entry.role == "operator"


async def test_the_approve_queue(
    sqlite_store: Store, engine: Engine, registered: Organisation, coord: Chat
) -> None:
    await coord.send("/approve")
    assert "1 organisation is waiting for approval" in coord.text
    assert NAME in coord.text and "Registered by: Anton" in coord.text
    assert coord.labels == ["Approve", "Reject", "Ask a question"]
    await coord.press("Approve")
    assert "Approved" in coord.text
    await coord.send("/approve")
    assert "Nothing is waiting for approval." in coord.text
    volunteer = Chat(engine, user="vera", language_hint="en")
    await person_of(volunteer)
    await volunteer.send("/approve")
    assert "not allowed to do that" in volunteer.text


# -- co-admins ---------------------------------------------------------------------------------


@pytest.fixture
async def approved(registered: Organisation, coord: Chat, delivered: Delivered) -> Organisation:
    await coord.press_token(token_of(sent_to(delivered, coord), "Approve"))
    return registered


async def invite_code(applicant: Chat) -> str:
    await applicant.send("/org")
    assert "Status: approved" in applicant.text
    await applicant.press("Invite co-admin")
    assert "expires in 24 hours" in applicant.text and "/join " in applicant.text
    return applicant.text.split("/join ")[1].split()[0]


async def test_an_invited_person_joins_as_co_admin(
    sqlite_store: Store,
    engine: Engine,
    approved: Organisation,
    applicant: Chat,
    delivered: Delivered,
) -> None:
    code = await invite_code(applicant)
    berta = Chat(engine, user="berta", language_hint="en")
    await berta.send(f"/join {code}")
    assert "/start first" in berta.text  # the code stays valid meanwhile
    berta_id = await person_of(berta)
    await berta.send(f"/join {code.lower()}")
    assert f"You are now an admin of {NAME}" in berta.text
    assert berta_id in await admin_ids(sqlite_store, approved.id)  # type: ignore[arg-type]
    assert f"Berta has joined {NAME} as a co-admin." in sent_to(delivered, applicant)[-1].text
    actions = await audit_actions(sqlite_store)
    assert "admin_invite" in actions and "admin_join" in actions

    carl = Chat(engine, user="carl", language_hint="en")
    await person_of(carl)
    await carl.send(f"/join {code}")
    assert "not valid" in carl.text
    await carl.send("/org")
    assert "don't manage an organisation" in carl.text


async def test_an_expired_code_is_refused(
    sqlite_store: Store, engine: Engine, approved: Organisation, applicant: Chat, clock: FixedClock
) -> None:
    code = await invite_code(applicant)
    clock.advance(hours=25)
    berta = Chat(engine, user="berta", language_hint="en")
    await person_of(berta)
    await berta.send(f"/join {code}")
    assert "not valid" in berta.text
    assert len(await admin_ids(sqlite_store, approved.id)) == 1  # type: ignore[arg-type]


async def test_a_start_deep_link_joins_or_sets_up_first(
    sqlite_store: Store, clock: FixedClock, engine: Engine, approved: Organisation, applicant: Chat
) -> None:
    """The change proposed for onboarding's /start: ``/start join_CODE`` joins."""
    registry = engine.registry
    original = registry.commands["start"].handler

    async def on_start(event: Event, ctx: Context) -> Step:
        if isinstance(event, Command) and event.args.startswith("join_"):
            return await join_from_start(ctx, event.args.removeprefix("join_"))
        return await original(event, ctx)

    registry.add_command("start", "start", on_start)
    code = await invite_code(applicant)
    berta = Chat(engine, user="berta", language_hint="en")
    await berta.send(f"/start join_{code}")
    assert "invited to help run an organisation" in berta.text and "Yes, I agree" in berta.labels
    await berta.press("Yes, I agree")
    await berta.send("/cancel")
    await berta.send(f"/start join_{code}")
    assert f"You are now an admin of {NAME}" in berta.text


async def test_join_without_a_code_explains_itself(engine: Engine) -> None:
    chat = Chat(engine, user="berta", language_hint="en")
    await chat.send("/join")
    assert "followed by the code" in chat.text


async def test_removing_admins_keeps_at_least_one(
    sqlite_store: Store,
    engine: Engine,
    approved: Organisation,
    applicant: Chat,
    delivered: Delivered,
) -> None:
    await applicant.send("/org")
    await applicant.press("Remove admin")
    assert "only one admin" in applicant.text

    code = await invite_code(applicant)
    berta = Chat(engine, user="berta", language_hint="en")
    berta_id = await person_of(berta)
    await berta.send(f"/join {code}")

    await applicant.send("/org")
    await applicant.press("Remove admin")
    assert applicant.labels == ["Anton (you)", "Berta", "Cancel"]
    assert "berta" not in applicant.text
    await applicant.press("Berta")
    assert "Remove Berta as admin?" in applicant.text
    await applicant.press("Yes, remove")
    assert "Removed Berta as admin." in applicant.text
    assert berta_id not in await admin_ids(sqlite_store, approved.id)  # type: ignore[arg-type]
    assert f"no longer an admin of {NAME}" in sent_to(delivered, berta)[-1].text
    async with sqlite_store.transaction() as uow:
        [entry] = [e for e in await uow.governance.audit_log() if e.action == "admin_remove"]
        assert entry.details == {"person": berta_id}

    # Berta's old menu cannot act any more.
    answer = await press_value(engine, "berta", f"@org_invite:{approved.id}")
    assert "not allowed to do that" in answer


async def test_an_admin_may_leave_when_another_remains(
    sqlite_store: Store, engine: Engine, approved: Organisation, applicant: Chat
) -> None:
    code = await invite_code(applicant)
    berta = Chat(engine, user="berta", language_hint="en")
    berta_id = await person_of(berta)
    await berta.send(f"/join {code}")
    await berta.send("/org")
    await berta.press("Remove admin")
    await berta.press("Berta (you)")
    await berta.press("Yes, remove")
    assert f"You are no longer an admin of {NAME}" in berta.text
    assert await admin_ids(sqlite_store, approved.id) == [approved.applicant_id]  # type: ignore[arg-type]
    assert berta_id not in await admin_ids(sqlite_store, approved.id)  # type: ignore[arg-type]


async def test_editing_the_description_and_contact(
    sqlite_store: Store, approved: Organisation, applicant: Chat
) -> None:
    await applicant.send("/org")
    await applicant.press("Edit description")
    await applicant.send("We read stories every Saturday.")
    assert "We read stories every Saturday." in applicant.text
    await applicant.press("Save")
    assert "Saved." in applicant.text
    await applicant.send("/org")
    await applicant.press("Edit contact")
    await applicant.press("Only through the bot")
    await applicant.press("Save")
    org = await the_org(sqlite_store)
    assert org.description == "We read stories every Saturday." and org.public_contact is None
    assert (await audit_actions(sqlite_store)).count("org_edit") == 2


async def test_a_stranger_cannot_edit_or_invite(
    sqlite_store: Store, engine: Engine, approved: Organisation
) -> None:
    mallory = Chat(engine, user="mallory", language_hint="en")
    await person_of(mallory)
    for action in ("org_edit_description", "org_invite", "org_remove", "org_manage"):
        answer = await press_value(engine, "mallory", f"@{action}:{approved.id}")
        assert "not allowed to do that" in answer
    assert "admin_invite" not in await audit_actions(sqlite_store)
