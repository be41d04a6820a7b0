"""/clubs and contacting an organisation through the bot, between real chats."""

from __future__ import annotations

import itertools

import pytest
from sqlmodel import select

from dialogs.engine import Engine
from dialogs.events import ButtonPress, Identity, Reply
from dialogs.flow import EngineConfig, buttons
from dialogs.setup import build_registry
from dialogs.volunteer import shorten
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import ContactRequest, Organisation, OrganisationAdmin
from tests.fakes import FixedClock
from tests.harness import Chat

KITA = "Kita Sonnenblume Burtscheid"
VOLUNTEER = "vol-4711"
ADMIN = "olga-99"
_events = itertools.count(1)

Delivered = list[tuple[Identity, list[Reply]]]


@pytest.fixture
def delivered() -> Delivered:
    return []


@pytest.fixture
async def engine(sqlite_store: Store, clock: FixedClock, delivered: Delivered) -> Engine:
    """The bot with demo data; messages to other people land in ``delivered``."""

    async def deliver(identity: Identity, replies: list[Reply]) -> None:
        delivered.append((identity, replies))

    await load_demo_data(sqlite_store, now=clock.now())
    return Engine(sqlite_store, build_registry(), EngineConfig(), clock=clock, deliver=deliver)


async def onboard(chat: Chat) -> None:
    """A completed profile: Children & youth, 52062, 10 km, flexible."""
    await chat.send("/start")
    await chat.press("Yes, I agree")
    await chat.press("English")
    await chat.press("Children & youth")
    await chat.press("Done")
    await chat.press("Done")
    await chat.send("52062")
    await chat.press("Yes")
    await chat.press("10 km")
    await chat.press("Flexible, any time")
    await chat.press("Instantly, for urgent needs")
    await chat.press("Looks good")
    assert "All set!" in chat.text


async def organisation_id(store: Store, name: str) -> int:
    async with store.transaction() as uow:
        result = await uow.session.exec(select(Organisation).where(Organisation.name == name))
        organisation = result.one()
        assert organisation.id is not None
        return organisation.id


async def make_admin(store: Store, name: str = KITA, user: str = ADMIN) -> int:
    """An admin of the organisation who uses Telegram in English; returns their person id."""
    org_id = await organisation_id(store, name)
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport="telegram", user_id=user, chat_id=user, locale="en"
        )
        assert person.id is not None
        uow.session.add(OrganisationAdmin(organisation_id=org_id, person_id=person.id))
        return person.id


async def requests(store: Store) -> list[ContactRequest]:
    async with store.transaction() as uow:
        return list((await uow.session.exec(select(ContactRequest))).all())


async def press_in(chat: Chat, fragment: str, label: str) -> None:
    """Press ``label`` on the card that mentions ``fragment`` (paging with More)."""
    for _ in range(10):
        for reply in chat.last:
            if fragment in reply.text:
                token = next(b.token for b in reply.flat_buttons if b.label == label)
                await chat.press_token(token)
                return
        await chat.press("More")
    raise AssertionError(f"no card with {fragment!r}")


def token_of(replies: list[Reply], label: str) -> str:
    return next(b.token for reply in replies for b in reply.flat_buttons if b.label == label)


def texts(delivered: Delivered) -> str:
    return "\n".join(reply.text for _, replies in delivered for reply in replies)


async def press_value(engine: Engine, user: str, value: str, transport: str = "console") -> str:
    """Press a button with this value that somehow reached the wrong person.

    The engine only honours tokens from the presser's own menu, so the button is
    first put into that menu; what is left to stop it is the action's own check.
    """
    who = Identity(transport, user, user)
    shown = await engine.push(who, [Reply("?", buttons=buttons([("?", value)]))])
    event = ButtonPress(
        identity=who, event_id=f"forged-{next(_events)}", token=shown[0].flat_buttons[0].token
    )
    return "\n".join(reply.text for reply in await engine.handle(event))


async def test_a_value_sent_along_with_a_press_is_ignored(engine: Engine) -> None:
    """Only tokens choose: a transport (or attacker) cannot hand the engine a value."""
    event = ButtonPress(
        identity=Identity("console", "mallory", "mallory"),
        event_id=f"forged-{next(_events)}",
        token="x",
        value="@contact_decline:1",
    )
    replies = await engine.handle(event)
    assert "nicht mehr aktiv" in replies[0].text


async def write_to_kita(chat: Chat, intro: str = "Hi, I love reading to children.") -> None:
    await chat.send("/clubs")
    await press_in(chat, KITA, "Contact")
    await chat.send(intro)
    await chat.press("Share my name")
    await chat.send("Anna B.")
    await chat.send("anna@example.org")


@pytest.fixture
async def volunteer(engine: Engine) -> Chat:
    chat = Chat(engine, user=VOLUNTEER, language_hint="en")
    await onboard(chat)
    return chat


@pytest.fixture
def admin(engine: Engine) -> Chat:
    return Chat(engine, user=ADMIN, transport="telegram", language_hint="en")


# -- /clubs ------------------------------------------------------------------------------


async def test_clubs_without_profile_points_to_start(engine: Engine) -> None:
    chat = Chat(engine, language_hint="en")
    await chat.send("/clubs")
    assert "/start" in chat.text
    assert chat.labels == []


async def test_clubs_lists_fitting_organisations_first_with_reasons(volunteer: Chat) -> None:
    await volunteer.send("/clubs")
    cards = [reply for reply in volunteer.last if reply.flat_buttons]
    assert volunteer.labels == ["Contact", "Contact", "Contact", "More"]
    first = cards[0].text
    assert "Works on: Children & youth" in first
    assert "fits: Children & youth · " in first and " km" in first
    assert "School" in first  # the kind, translated from its id
    seen = volunteer.text
    for _ in range(6):
        if "More" not in volunteer.labels:
            break
        await volunteer.press("More")
        seen += volunteer.text
    # Clubs without a shared interest still appear, after the fitting ones, with the distance.
    assert "RWTH Campus hilft" in seen and " away" in seen
    assert seen.index(KITA) < seen.index("RWTH Campus hilft")
    assert "That was everything" in volunteer.text or "More" not in volunteer.labels


def test_long_descriptions_are_cut_at_a_word() -> None:
    text = "word " * 100
    short = shorten(text, 200)
    assert len(short) <= 200 and short.endswith("word…")
    assert shorten("  short\ntext ", 200) == "short text"


# -- contacting: the happy path ----------------------------------------------------------


async def test_contact_flow_end_to_end_between_volunteer_and_admin(
    sqlite_store: Store, volunteer: Chat, admin: Chat, delivered: Delivered
) -> None:
    await make_admin(sqlite_store)
    await write_to_kita(volunteer)
    preview = volunteer.text
    assert "exactly what Kita Sonnenblume Burtscheid will get" in preview
    assert "Name: Anna B." in preview and "Contact: anna@example.org" in preview
    assert "Hi, I love reading to children." in preview
    assert volunteer.labels == ["Send", "Cancel"]
    assert delivered == [] and await requests(sqlite_store) == []

    await volunteer.press("Send")
    assert "Sent to Kita Sonnenblume Burtscheid" in volunteer.text
    [(to_admin, card)] = delivered
    assert to_admin == Identity("telegram", ADMIN, ADMIN)
    assert "New contact request" in card[0].text and "Anna B." in card[0].text
    assert "anna@example.org" in card[0].text and "reading to children" in card[0].text
    assert VOLUNTEER not in texts(delivered)  # never the messenger id
    [request] = await requests(sqlite_store)
    assert (request.shared_name, request.status) == ("Anna B.", "sent")

    # The admin answers through the bot ...
    await admin.press_token(token_of(card, "Reply"))
    assert "Write your answer to Anna B." in admin.text
    await admin.send("Wonderful! Come by on Monday at 3.")
    assert "Sent." in admin.text
    (to_volunteer, answer) = delivered[1]
    assert to_volunteer == volunteer.identity
    assert answer[0].text.startswith("Kita Sonnenblume Burtscheid answers:")
    assert "Come by on Monday" in answer[0].text and ADMIN not in answer[0].text

    # ... and the volunteer answers back, again without seeing anyone's account.
    await volunteer.press_token(token_of(answer, "Reply"))
    assert "Write your answer to Kita Sonnenblume Burtscheid" in volunteer.text
    await volunteer.send("See you then!")
    (again_admin, back) = delivered[2]
    assert again_admin == to_admin
    assert back[0].text.startswith(f"Anna B. answers (request no. {request.id}):")
    assert "See you then!" in back[0].text
    assert [r.status for r in await requests(sqlite_store)] == ["answered"]


async def test_only_through_the_bot_shares_no_name_or_contact(
    sqlite_store: Store, volunteer: Chat, delivered: Delivered
) -> None:
    await make_admin(sqlite_store)
    await volunteer.send("/clubs")
    await press_in(volunteer, KITA, "Contact")
    await volunteer.send("Hello!")
    await volunteer.press("Only reply through the bot")
    assert "Name: not shared" in volunteer.text and "Contact: not shared" in volunteer.text
    await volunteer.press("Send")
    [request] = await requests(sqlite_store)
    assert (request.shared_name, request.shared_contact) == ("", "")
    assert "Name: not shared" in texts(delivered)


async def test_skipping_the_contact_detail_shares_only_the_name(
    sqlite_store: Store, volunteer: Chat
) -> None:
    await make_admin(sqlite_store)
    await volunteer.send("/clubs")
    await press_in(volunteer, KITA, "Contact")
    await volunteer.send("Hello!")
    await volunteer.press("Share my name")
    await volunteer.send("Anna")
    await volunteer.press("Skip")
    assert "Name: Anna" in volunteer.text and "Contact: not shared" in volunteer.text


# -- nothing leaves without confirmation ---------------------------------------------------


async def test_cancel_at_the_confirmation_stores_and_relays_nothing(
    sqlite_store: Store, volunteer: Chat, delivered: Delivered
) -> None:
    await make_admin(sqlite_store)
    await write_to_kita(volunteer)
    await volunteer.press("Cancel")
    assert "nothing was sent" in volunteer.text
    assert delivered == [] and await requests(sqlite_store) == []


async def test_cancel_command_in_the_middle_stores_and_relays_nothing(
    sqlite_store: Store, volunteer: Chat, delivered: Delivered
) -> None:
    await make_admin(sqlite_store)
    await write_to_kita(volunteer)
    await volunteer.send("/cancel")
    assert "Cancelled" in volunteer.text
    await volunteer.send("Send")
    assert delivered == [] and await requests(sqlite_store) == []


async def test_too_long_inputs_get_a_clear_answer(
    sqlite_store: Store, volunteer: Chat, delivered: Delivered
) -> None:
    await make_admin(sqlite_store)
    await volunteer.send("/clubs")
    await press_in(volunteer, KITA, "Contact")
    await volunteer.send("x" * 1001)
    assert "1,001 characters" in volunteer.text and "1,000 at most" in volunteer.text
    await volunteer.send("Short and sweet.")
    await volunteer.press("Share my name")
    await volunteer.send("n" * 101)
    assert "101 characters" in volunteer.text
    await volunteer.send("Anna")
    await volunteer.send("p" * 201)
    assert "201 characters" in volunteer.text
    await volunteer.press("Skip")
    assert "Short and sweet." in volunteer.text and volunteer.labels == ["Send", "Cancel"]
    assert delivered == []


# -- organisations without an admin on a messenger ------------------------------------------


async def test_without_admin_the_public_contact_is_shown_and_nothing_is_stored(
    sqlite_store: Store, volunteer: Chat, delivered: Delivered
) -> None:
    await volunteer.send("/clubs")
    await press_in(volunteer, KITA, "Contact")
    assert "can't be reached through the bot yet" in volunteer.text
    assert "kita-sonnenblume@example.org" in volunteer.text
    assert delivered == [] and await requests(sqlite_store) == []


async def test_without_admin_or_public_contact_it_says_so(
    sqlite_store: Store, volunteer: Chat
) -> None:
    async with sqlite_store.transaction() as uow:
        kita = await uow.directory.organisation(await organisation_id(sqlite_store, KITA))
        assert kita is not None
        kita.public_contact = None
        uow.session.add(kita)
    await volunteer.send("/clubs")
    await press_in(volunteer, KITA, "Contact")
    assert "Sorry, Kita Sonnenblume Burtscheid can't be reached through the bot yet." in (
        volunteer.text
    )


# -- only the right people may act ------------------------------------------------------------


@pytest.fixture
async def sent(sqlite_store: Store, volunteer: Chat, delivered: Delivered) -> ContactRequest:
    """A request the volunteer sent to the Kita's admin."""
    await make_admin(sqlite_store)
    await write_to_kita(volunteer)
    await volunteer.press("Send")
    [request] = await requests(sqlite_store)
    return request


async def test_a_third_user_pressing_the_admins_token_is_refused(
    engine: Engine, sent: ContactRequest, delivered: Delivered
) -> None:
    mallory = Chat(engine, user="mallory", language_hint="en")
    await mallory.press_token(token_of(delivered[0][1], "Reply"))
    assert "no longer active" in mallory.text
    assert len(delivered) == 1


@pytest.mark.parametrize("action", ["contact_reply", "contact_decline", "contact_answer"])
async def test_a_forged_action_value_from_a_stranger_is_refused(
    sqlite_store: Store, engine: Engine, sent: ContactRequest, delivered: Delivered, action: str
) -> None:
    stranger = Chat(engine, user="mallory", language_hint="en")
    await onboard(stranger)
    answer = await press_value(engine, "mallory", f"@{action}:{sent.id}")
    assert "not allowed to answer this request" in answer
    assert [r.status for r in await requests(sqlite_store)] == ["sent"]
    assert len(delivered) == 1
    # A request that does not exist gets the same answer: ids cannot be probed.
    assert "not allowed" in await press_value(engine, "mallory", f"@{action}:999")


async def test_the_volunteer_cannot_act_as_the_organisation(
    sqlite_store: Store, engine: Engine, sent: ContactRequest, delivered: Delivered
) -> None:
    answer = await press_value(engine, VOLUNTEER, f"@contact_decline:{sent.id}")
    assert "not allowed" in answer
    assert [r.status for r in await requests(sqlite_store)] == ["sent"]


async def test_an_admin_of_another_organisation_is_refused(
    sqlite_store: Store, engine: Engine, sent: ContactRequest
) -> None:
    await make_admin(sqlite_store, name="RWTH Campus hilft", user="rwth-admin")
    answer = await press_value(engine, "rwth-admin", f"@contact_reply:{sent.id}", "telegram")
    assert "not allowed" in answer


async def test_an_action_typed_as_text_is_just_text(
    sqlite_store: Store, engine: Engine, sent: ContactRequest, delivered: Delivered
) -> None:
    stranger = Chat(engine, user="mallory", language_hint="en")
    await stranger.send(f"@contact_decline:{sent.id}")
    assert "not sure what you mean" in stranger.text
    assert [r.status for r in await requests(sqlite_store)] == ["sent"]


async def test_removed_admin_cannot_send_the_answer_they_started(
    sqlite_store: Store, admin: Chat, sent: ContactRequest, delivered: Delivered
) -> None:
    await admin.press_token(token_of(delivered[0][1], "Reply"))
    async with sqlite_store.transaction() as uow:
        for row in (await uow.session.exec(select(OrganisationAdmin))).all():
            await uow.session.delete(row)
    await admin.send("Hello?")
    assert "not allowed" in admin.text
    assert len(delivered) == 1


# -- declining and deleted data ----------------------------------------------------------------


async def test_decline_tells_the_volunteer_politely_and_closes_the_conversation(
    sqlite_store: Store,
    engine: Engine,
    volunteer: Chat,
    admin: Chat,
    sent: ContactRequest,
    delivered: Delivered,
) -> None:
    await admin.press_token(token_of(delivered[0][1], "Decline"))
    assert "let the volunteer know" in admin.text
    (to_volunteer, note) = delivered[1]
    assert to_volunteer == volunteer.identity
    assert "can't take you on at the moment" in note[0].text and "/clubs" in note[0].text
    assert note[0].flat_buttons == []
    assert [r.status for r in await requests(sqlite_store)] == ["declined"]
    # Declining twice (a replayed press) changes nothing and says why.
    replayed = await press_value(engine, ADMIN, f"@contact_decline:{sent.id}", "telegram")
    assert "already declined" in replayed and len(delivered) == 2
    closed = await press_value(engine, VOLUNTEER, f"@contact_answer:{sent.id}")
    assert "closed this conversation" in closed


async def test_a_deleted_volunteer_cannot_be_answered(
    sqlite_store: Store, engine: Engine, admin: Chat, sent: ContactRequest, delivered: Delivered
) -> None:
    assert sent.person_id is not None
    async with sqlite_store.transaction() as uow:
        await uow.privacy.erase(sent.person_id)
    await admin.press_token(token_of(delivered[0][1], "Reply"))
    assert "This person has deleted their data." in admin.text
    declined = await press_value(engine, ADMIN, f"@contact_decline:{sent.id}", "telegram")
    assert "This person has deleted their data." in declined
    assert len(delivered) == 1
