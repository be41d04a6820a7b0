"""/calendar (private feed links), the .ics file on sign-up confirmations, and the
``/start need_<id>`` links of the public web page."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from dialogs.engine import Engine
from dialogs.flow import EngineConfig
from dialogs.ics import event_uid
from dialogs.setup import build_registry
from storage.calendar import CalendarFeeds
from storage.db import Store
from storage.models import Need
from tests.bot.web.seed import Seeded, seed
from tests.fakes import FixedClock
from tests.harness import Chat

PUBLIC_URL = "https://engage.example.org"
FEED = re.compile(re.escape(PUBLIC_URL) + r"/ical/([A-Za-z0-9_-]+)\.ics")


@pytest.fixture
async def seeded(sqlite_store: Store, clock: FixedClock) -> Seeded:
    return await seed(sqlite_store, clock.now())


@pytest.fixture
def engine(sqlite_store: Store, clock: FixedClock, seeded: Seeded) -> Engine:
    services = {"public_url": PUBLIC_URL}
    return Engine(sqlite_store, build_registry(), EngineConfig(), clock=clock, services=services)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine, language_hint="en")


async def answer_onboarding(chat: Chat) -> None:
    """From the consent question to the summary, once the conversation has started."""
    await chat.press("Yes, I agree")
    await chat.press("English")
    await chat.press("Neighbourhood help")
    await chat.press("Done")
    await chat.press("Done")
    await chat.send("52062")
    await chat.press("Yes")
    await chat.press("25 km")
    await chat.press("Flexible, any time")
    await chat.press("Instantly, for urgent needs")


async def onboard(chat: Chat, first: str = "/start") -> None:
    await chat.send(first)
    await answer_onboarding(chat)
    await chat.press("Looks good")
    assert "All set!" in chat.text


async def person_for(store: Store, token: str) -> int | None:
    async with store.transaction() as uow:
        return await CalendarFeeds(uow.session).person_for(token)


def token_in(text: str) -> str:
    found = FEED.search(text)
    assert found, text
    return found.group(1)


async def test_calendar_needs_a_profile(chat: Chat) -> None:
    await chat.send("/calendar")
    assert "First tell me a little about yourself" in chat.text


async def test_calendar_without_a_public_address(
    sqlite_store: Store, clock: FixedClock, seeded: Seeded
) -> None:
    chat = Chat(
        Engine(sqlite_store, build_registry(), EngineConfig(), clock=clock), language_hint="en"
    )
    await onboard(chat)
    await chat.send("/calendar")
    assert "Calendar links are not available on this server" in chat.text


async def test_make_renew_and_turn_off_a_calendar_link(chat: Chat, sqlite_store: Store) -> None:
    await onboard(chat)
    await chat.send("/calendar")
    assert "private calendar link" in chat.text
    await chat.press("Make my calendar link")
    first = token_in(chat.text)
    assert await person_for(sqlite_store, first) is not None

    await chat.send("/calendar")  # the link is not shown again: only its hash is kept
    assert first not in chat.text and "cannot show it again" in chat.text
    await chat.press("Make a new link")
    assert "Calendars that use the old one stop updating" in chat.text
    await chat.press("No")
    assert await person_for(sqlite_store, first) is not None

    await chat.send("/calendar")
    await chat.press("Make a new link")
    await chat.press("Yes, make a new link")
    second = token_in(chat.text)
    assert second != first
    assert await person_for(sqlite_store, first) is None
    assert await person_for(sqlite_store, second) is not None

    await chat.send("/calendar")
    await chat.press("Turn it off")
    await chat.press("Yes, turn it off")
    assert "Your calendar link is turned off" in chat.text
    assert await person_for(sqlite_store, second) is None
    await chat.send("/calendar")
    assert "Make my calendar link" in chat.labels


async def test_calendar_flow_can_be_left(chat: Chat) -> None:
    await onboard(chat)
    await chat.send("/calendar")
    await chat.send("what?")
    assert "Please answer with one of the buttons." in chat.text
    await chat.send("/cancel")
    await chat.send("/calendar")
    await chat.press("Cancel")
    assert "no calendar link" in chat.text


async def test_sign_up_confirmation_carries_an_ics_file(
    chat: Chat, sqlite_store: Store, seeded: Seeded
) -> None:
    need_id = seeded.shown["Lebensmittel sortieren"]
    await onboard(chat)
    await chat.send(f"/start need_{need_id}")
    await chat.press("I'll help")
    assert "You are signed up for “Lebensmittel sortieren”" in chat.text
    attachment = chat.last[0].attachment
    assert attachment is not None and attachment.kind == "file"
    assert attachment.filename.endswith(".ics") and attachment.mime_type == "text/calendar"
    events = Calendar.from_ical(attachment.content).walk("VEVENT")
    assert len(events) == 1 and str(events[0]["summary"]) == "Lebensmittel sortieren"
    async with sqlite_store.transaction() as uow:
        person = await uow.people.by_account(chat.identity.transport, chat.identity.user_id)
        assert person is not None and person.id is not None
        signup = await CalendarFeeds(uow.session).signup(need_id, person.id)
    assert signup is not None and signup.id is not None
    # the same UID as in the feed: importing both shows one event
    assert str(events[0]["uid"]) == event_uid(need_id, signup.id, "engage.example.org")


async def test_undated_needs_get_no_file(chat: Chat, seeded: Seeded) -> None:
    await onboard(chat)
    await chat.send(f"/start need_{seeded.shown['Dauerhafte Begleitung']}")
    await chat.press("I'll help")
    assert "You are signed up" in chat.text
    assert chat.last[0].attachment is None


async def test_need_link_shows_the_card_to_a_volunteer(chat: Chat, seeded: Seeded) -> None:
    await onboard(chat)
    await chat.send(f"/start need_{seeded.shown['Hausaufgabenhilfe']}")
    assert "Hausaufgabenhilfe" in chat.text and "Tafel Musterstadt" in chat.text
    assert chat.labels == ["I'll help", "Not for me", "Details"]


async def test_need_link_for_someone_new_leads_through_onboarding_to_the_need(
    chat: Chat, seeded: Seeded
) -> None:
    need_id = seeded.shown["Hausaufgabenhilfe"]
    await onboard(chat, first=f"/start need_{need_id}")
    shown = "\n".join(reply.text for reply in chat.history)
    assert "Hausaufgabenhilfe" in shown.split("Hello!")[0]  # the need first, then the welcome
    assert "first tell me a little about yourself" in shown
    assert "You came for this need" in chat.text
    await chat.press("I'll help")  # the first "I'll help": the need they came for
    assert "You are signed up for “Hausaufgabenhilfe”" in chat.text


async def test_need_link_survives_an_edit_on_the_onboarding_summary(
    chat: Chat, seeded: Seeded
) -> None:
    need_id = seeded.shown["Hausaufgabenhilfe"]
    await chat.send(f"/start need_{need_id}")
    await answer_onboarding(chat)
    await chat.press("Edit notifications")
    await chat.press("Instantly, for urgent needs")
    await chat.press("Looks good")
    assert "You came for this need" in chat.text
    await chat.press("I'll help")
    assert "You are signed up for “Hausaufgabenhilfe”" in chat.text


@pytest.mark.parametrize(
    "title", ["Vergangener Einsatz", "Abgesagter Einsatz", "Nicht freigegeben"]
)
async def test_need_link_to_a_closed_need(chat: Chat, seeded: Seeded, title: str) -> None:
    await chat.send(f"/start need_{seeded.hidden[title]}")
    assert "This need is no longer open" in chat.text
    assert title not in chat.text


@pytest.mark.parametrize("argument", ["need_", "need_abc", "need_99999", "need_" + "9" * 40])
async def test_need_link_with_a_bad_id(chat: Chat, argument: str) -> None:
    await chat.send(f"/start {argument}")
    assert "This need is no longer open" in chat.text


async def test_need_closed_during_onboarding_is_not_offered(
    chat: Chat, sqlite_store: Store, seeded: Seeded
) -> None:
    need_id = seeded.shown["Hausaufgabenhilfe"]
    await chat.send(f"/start need_{need_id}")
    async with sqlite_store.transaction() as uow:
        need = await uow.session.get(Need, need_id)
        assert need is not None
        need.status = "cancelled"
        uow.session.add(need)
    await answer_onboarding(chat)
    await chat.press("Looks good")
    assert "All set!" in chat.text
    assert "You came for this need" not in chat.text
