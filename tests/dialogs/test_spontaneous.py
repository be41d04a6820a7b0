"""Spontaneous time: the free-time parser, /now, plain "hab grad Zeit" messages, /mine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialogs.engine import Engine
from dialogs.events import Identity, Reply
from dialogs.flow import EngineConfig
from dialogs.setup import build_registry
from dialogs.spontaneous import parse_free_time, weekend_window
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import Account, Need, Organisation, OrganisationAdmin, Person
from storage.postal_codes import default_directory
from tests.fakes import FixedClock
from tests.harness import Chat

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)  # Friday 10:00 in Berlin, like the test clock


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A Berlin wall-clock time in June 2026 (day 5 is the Friday of the clock)."""
    return datetime(2026, 6, day, hour, minute, tzinfo=BERLIN)


# -- the parser ------------------------------------------------------------------------

PHRASES = [
    # German
    ("Ich habe jetzt Zeit", berlin(5, 10), berlin(5, 12)),
    ("heute 2 Stunden", berlin(5, 10), berlin(5, 12)),
    ("hab grad 3 std zeit", berlin(5, 10), berlin(5, 13)),
    ("bin heute Nachmittag frei", berlin(5, 12), berlin(5, 18)),
    ("Habe heute Zeit", berlin(5, 10), berlin(6, 0)),
    ("heute Abend hab ich Zeit", berlin(5, 18), berlin(5, 23)),
    ("Hab gerade 1h Zeit", berlin(5, 10), berlin(5, 11)),
    ("eine halbe Stunde Zeit", berlin(5, 10), berlin(5, 10, 30)),
    ("habe anderthalb Stunden", berlin(5, 10), berlin(5, 11, 30)),
    ("90 Minuten frei", berlin(5, 10), berlin(5, 11, 30)),
    ("Am Wochenende hab ich Zeit", berlin(6, 6), berlin(7, 23)),
    ("bin bis 18 Uhr frei", berlin(5, 10), berlin(5, 18)),
    ("heute von 14 bis 17 Uhr Zeit", berlin(5, 14), berlin(5, 17)),
    ("ab 15 Uhr frei", berlin(5, 15), berlin(6, 0)),
    ("morgen früh frei", berlin(6, 6), berlin(6, 12)),
    ("morgen hab ich Zeit", berlin(6, 6), berlin(6, 23)),
    ("Samstagabend frei", berlin(6, 18), berlin(6, 23)),
    ("übermorgen Nachmittag Zeit", berlin(7, 12), berlin(7, 18)),
    ("in einer Stunde hab ich Zeit", berlin(5, 11), berlin(5, 13)),
    ("ein paar Stunden Zeit", berlin(5, 10), berlin(5, 13)),
    ("Ich kann heute spontan helfen", berlin(5, 10), berlin(6, 0)),
    ("bis 2 Stunden frei", berlin(5, 10), berlin(5, 12)),
    # English
    ("free this afternoon", berlin(5, 12), berlin(5, 18)),
    ("I have an hour now", berlin(5, 10), berlin(5, 11)),
    ("this weekend I'm free", berlin(6, 6), berlin(7, 23)),
    ("I have time today", berlin(5, 10), berlin(6, 0)),
    ("free tonight", berlin(5, 18), berlin(5, 23)),
    ("I've got 2 hours", berlin(5, 10), berlin(5, 12)),
    ("half an hour now", berlin(5, 10), berlin(5, 10, 30)),
    ("free from 2 to 5 pm", berlin(5, 14), berlin(5, 17)),
    ("I'm free until 5", berlin(5, 10), berlin(5, 17)),
    ("available tomorrow morning", berlin(6, 6), berlin(6, 12)),
    ("free on Sunday afternoon", berlin(7, 12), berlin(7, 18)),
    ("a couple of hours free right now", berlin(5, 10), berlin(5, 12)),
    ("I could help for 3 hrs", berlin(5, 10), berlin(5, 13)),
    ("free for 100 hours", berlin(5, 10), berlin(5, 22)),  # capped at 12 hours
]

NOT_FREE = [
    "Hallo",
    "52062",
    "keine Zeit",
    "heute leider keine Zeit",
    "I'm not free today",
    "busy this afternoon",
    "jetzt",
    "heute",
    "Guten Morgen",
    "Ich habe Zeit",  # no time given: the idle answer points to /now instead of guessing
    "What can I do?",
    "Ich will mich freiwillig engagieren",
    "heute Nachmittag",  # a time without saying one is free
    "",
]


@pytest.mark.parametrize(("text", "start", "end"), PHRASES, ids=[p[0] for p in PHRASES])
def test_parse_free_time_understands(text: str, start: datetime, end: datetime) -> None:
    assert parse_free_time(text, NOW, BERLIN) == (start, end)


@pytest.mark.parametrize("text", NOT_FREE)
def test_parse_free_time_refuses(text: str) -> None:
    assert parse_free_time(text, NOW, BERLIN) is None


def test_an_answer_to_how_long_needs_no_word_about_time() -> None:
    assert parse_free_time("heute", NOW, BERLIN) is None
    assert parse_free_time("heute", NOW, BERLIN, asked=True) == (berlin(5, 10), berlin(6, 0))
    assert parse_free_time("bis 18 Uhr", NOW, BERLIN, asked=True) == (berlin(5, 10), berlin(5, 18))
    assert parse_free_time("keine Ahnung", NOW, BERLIN, asked=True) is None


def test_a_time_of_day_that_is_over_gives_no_window() -> None:
    evening = datetime(2026, 6, 5, 17, 0, tzinfo=UTC)  # 19:00 in Berlin
    assert parse_free_time("bin heute Nachmittag frei", evening, BERLIN) is None
    assert parse_free_time("heute Abend frei", evening, BERLIN) == (berlin(5, 19), berlin(5, 23))


def test_the_weekend_starts_now_when_it_is_the_weekend() -> None:
    saturday = datetime(2026, 6, 6, 12, 0, tzinfo=UTC)
    assert weekend_window(saturday, BERLIN) == (saturday, berlin(7, 23))
    late_sunday = datetime(2026, 6, 7, 21, 30, tzinfo=UTC)  # 23:30 in Berlin: it is over
    assert weekend_window(late_sunday, BERLIN) == (berlin(13, 6), berlin(14, 23))


def test_windows_keep_wall_clock_times_across_the_dst_change() -> None:
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # clocks go forward that night
    start, end = parse_free_time("am Wochenende frei", saturday, BERLIN) or (None, None)
    assert start == saturday
    assert end == datetime(2026, 3, 29, 21, 0, tzinfo=UTC)  # 23:00 CEST


# -- the chat --------------------------------------------------------------------------

Delivered = list[tuple[Identity, list[Reply]]]


@pytest.fixture
def deliveries() -> Delivered:
    return []


@pytest.fixture
def engine(sqlite_store: Store, clock: FixedClock, deliveries: Delivered) -> Engine:
    async def deliver(identity: Identity, replies: list[Reply]) -> None:
        deliveries.append((identity, replies))

    return Engine(sqlite_store, build_registry(), EngineConfig(), clock=clock, deliver=deliver)


@pytest.fixture
async def demo(sqlite_store: Store, clock: FixedClock) -> Store:
    await load_demo_data(sqlite_store, now=clock.now())
    return sqlite_store


async def onboard(engine: Engine, user: str = "anna") -> Chat:
    """A volunteer with a completed profile near 52062, flexible, 10 km."""
    chat = Chat(engine, user=user, language_hint="en")
    await chat.send("/start")
    for label in ("Yes, I agree", "English", "Children & youth", "Done", "Done"):
        await chat.press(label)
    await chat.send("52062")
    for label in ("Yes", "10 km", "Flexible, any time", "Instantly, for urgent needs"):
        await chat.press(label)
    await chat.press("Looks good")
    assert "All set" in chat.text
    return chat


async def add_organisation(store: Store, admin: str = "orgadmin") -> int:
    """An approved club at 52062 whose admin can be reached on the console."""
    place = default_directory().lookup("52062")
    assert place is not None
    async with store.transaction() as uow:
        organisation = await uow.organisations.add(
            Organisation(
                name="Testverein Aachen",
                kind="association",
                postal_code="52062",
                latitude=place.latitude,
                longitude=place.longitude,
                status="approved",
            )
        )
        person = Person(display_name="Olga")
        uow.session.add(person)
        await uow.session.flush()
        assert person.id is not None and organisation.id is not None
        uow.session.add(
            Account(person_id=person.id, transport="console", user_id=admin, chat_id=admin)
        )
        uow.session.add(OrganisationAdmin(organisation_id=organisation.id, person_id=person.id))
        return organisation.id


async def add_need(store: Store, organisation_id: int, title: str, starts_at: datetime) -> int:
    place = default_directory().lookup("52062")
    assert place is not None
    async with store.transaction() as uow:
        need = await uow.needs.add(
            Need(
                organisation_id=organisation_id,
                title=title,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
                capacity=2,
                postal_code="52062",
                address="Markt 1",
                latitude=place.latitude,
                longitude=place.longitude,
            )
        )
        assert need.id is not None
        return need.id


async def get_need(store: Store, need_id: int) -> Need:
    async with store.transaction() as uow:
        found = await uow.directory.need(need_id)
        assert found is not None
        return found[0]


def suggested(chat: Chat) -> list[int]:
    """Need ids of the cards in the bot's last answer."""
    return [
        int(button.value.removeprefix("@signup:"))
        for reply in chat.last
        for button in reply.flat_buttons
        if button.value.startswith("@signup:")
    ]


async def press_value(chat: Chat, value: str) -> None:
    for reply in chat.last:
        for button in reply.flat_buttons:
            if button.value == value:
                await chat.press_token(button.token)
                return
    raise AssertionError(f"no button with value {value!r}")


async def assert_all_start_inside(
    store: Store, ids: list[int], start: datetime, end: datetime
) -> None:
    for need_id in ids:
        need = await get_need(store, need_id)
        assert need.starts_at is not None and start <= need.starts_at < end, need.title


async def test_now_suggests_what_starts_inside_the_window(
    engine: Engine, demo: Store, clock: FixedClock
) -> None:
    organisation = await add_organisation(demo)
    soon = await add_need(demo, organisation, "Stühle tragen", clock.now() + timedelta(hours=1))
    later = await add_need(demo, organisation, "Abbauen", clock.now() + timedelta(hours=5))
    chat = await onboard(engine)
    await chat.send("/now")
    assert "How long do you have?" in chat.text
    assert chat.labels == ["1 hour", "2 hours", "4 hours", "Rest of today", "This weekend"]
    await chat.press("2 hours")
    assert "You are marked free until 12:00" in chat.text
    assert "Stühle tragen" in chat.text and "while you said you have time" in chat.text
    ids = suggested(chat)
    assert soon in ids and later not in ids
    await assert_all_start_inside(demo, ids, clock.now(), clock.now() + timedelta(hours=2))


async def test_this_weekend_on_a_friday_means_saturday_and_sunday(
    engine: Engine, demo: Store, clock: FixedClock
) -> None:
    chat = await onboard(engine)
    await chat.send("/now")
    await chat.press("This weekend")
    assert (
        "You are marked free from Saturday, 6:00\u202fAM until Sunday, 11:00\u202fPM" in chat.text
    )
    ids = suggested(chat)
    assert ids, "the demo data has weekend needs near 52062"
    await assert_all_start_inside(demo, ids, berlin(6, 6), berlin(7, 23))


async def test_nothing_in_the_window_says_so_and_keeps_the_window(
    engine: Engine, demo: Store
) -> None:
    chat = await onboard(engine)
    await chat.send("/now")
    await chat.press("1 hour")
    assert "Nothing near you starts in that time yet" in chat.text
    assert "if something urgent comes up, I will tell you" in chat.text
    assert suggested(chat) == []
    await chat.send("/now")
    assert "You are marked free until 11:00" in chat.text
    assert "End now" in chat.labels


async def test_more_keeps_to_the_window_and_stops_once_it_expired(
    engine: Engine, demo: Store, clock: FixedClock
) -> None:
    organisation = await add_organisation(demo)
    ids = [
        await add_need(demo, organisation, f"Helfen {i}", clock.now() + timedelta(minutes=20 * i))
        for i in range(1, 5)
    ]
    chat = await onboard(engine)
    await chat.send("/now")
    await chat.press("2 hours")
    shown = suggested(chat)
    assert len(shown) == 3 and "1 more suggestion" in chat.text
    await chat.press("More")
    assert sorted(shown + suggested(chat)) == ids
    await chat.send("/now")
    await chat.press("2 hours")
    clock.advance(hours=3)
    await chat.press("More")
    assert "Your free time is over" in chat.text
    await chat.send("/now")
    assert "How long do you have?" in chat.text and "End now" not in chat.labels


async def test_end_now_clears_the_window(engine: Engine, demo: Store) -> None:
    chat = await onboard(engine)
    await chat.send("/now")
    await chat.press("Rest of today")
    assert "You are marked free until midnight" in chat.text
    await chat.send("/now")
    await chat.press("End now")
    assert "no longer marked as free" in chat.text
    await chat.send("/now")
    assert "How long do you have?" in chat.text


async def test_now_accepts_typed_times_and_explains_bad_ones(engine: Engine, demo: Store) -> None:
    chat = await onboard(engine)
    await chat.send("/now")
    await chat.send("banana")
    assert "Please tap one of the buttons" in chat.text
    assert "How long do you have?" in chat.text
    await chat.send("bis 18 Uhr")
    assert "You are marked free until 6:00\u202fPM" in chat.text
    await chat.send("/now 3 hours")
    assert "You are marked free until 1:00\u202fPM" in chat.text


async def test_plain_messages_set_the_window(
    engine: Engine, demo: Store, clock: FixedClock
) -> None:
    organisation = await add_organisation(demo)
    soon = await add_need(demo, organisation, "Stühle tragen", clock.now() + timedelta(hours=1))
    chat = await onboard(engine)
    await chat.send("hab grad 3 std zeit")
    assert "You are marked free until 1:00\u202fPM" in chat.text
    assert soon in suggested(chat)
    await chat.send("Hallo")
    assert "not sure what you mean" in chat.text


async def test_without_a_profile_both_ways_point_to_start(engine: Engine) -> None:
    chat = Chat(engine, user="ben", language_hint="en")
    await chat.send("I have an hour now")
    assert "Great that you have time" in chat.text and "/start" in chat.text
    await chat.send("/now")
    assert "send /start" in chat.text
    await chat.send("/mine")
    assert "send /start" in chat.text


# -- /mine -----------------------------------------------------------------------------


async def sign_up_for_soon_need(engine: Engine, demo: Store, clock: FixedClock) -> tuple[Chat, int]:
    organisation = await add_organisation(demo)
    need_id = await add_need(demo, organisation, "Stühle tragen", clock.now() + timedelta(hours=1))
    chat = await onboard(engine)
    await chat.send("/now")
    await chat.press("2 hours")
    await press_value(chat, f"@signup:{need_id}")
    assert "You are signed up for “Stühle tragen”" in chat.text
    return chat, need_id


async def test_mine_without_sign_ups(engine: Engine, demo: Store) -> None:
    chat = await onboard(engine)
    await chat.send("/mine")
    assert chat.text == "You have not signed up for anything yet – see /matches."


async def test_mine_lists_and_cancels_with_confirmation(
    engine: Engine, demo: Store, clock: FixedClock, deliveries: Delivered
) -> None:
    chat, need_id = await sign_up_for_soon_need(engine, demo, clock)
    assert (await get_need(demo, need_id)).taken == 1
    deliveries.clear()
    await chat.send("/mine")
    assert "You are signed up for 1 need:" in chat.text
    assert "Stühle tragen" in chat.text and "Testverein Aachen" in chat.text
    assert "Markt 1" in chat.text and "Friday, 5 June, 11:00" in chat.text
    await chat.press("Cancel my sign-up")
    assert "Really cancel your sign-up for “Stühle tragen”" in chat.text
    await chat.press("No, keep it")
    assert "you stay signed up" in chat.text
    assert (await get_need(demo, need_id)).taken == 1 and deliveries == []

    await chat.send("/mine")
    await chat.press("Cancel my sign-up")
    await chat.press("Yes, cancel it")
    assert "Your sign-up for “Stühle tragen” is cancelled" in chat.text
    assert (await get_need(demo, need_id)).taken == 0
    assert [identity.user_id for identity, _ in deliveries] == ["orgadmin"]
    # The admin is told in their own language (German, the default), not the volunteer's.
    assert "hat die Anmeldung für „Stühle tragen“" in deliveries[0][1][0].text
    await chat.send("/mine")
    assert "You have not signed up for anything yet" in chat.text


async def test_mine_leaves_out_what_is_over(engine: Engine, demo: Store, clock: FixedClock) -> None:
    chat, _ = await sign_up_for_soon_need(engine, demo, clock)
    await chat.send("/mine")
    await chat.press("Cancel my sign-up")
    clock.advance(hours=3)
    await chat.press("Yes, cancel it")
    assert "not signed up for this" in chat.text
    await chat.send("/mine")
    assert chat.text == "You have no upcoming sign-ups – see /matches."
