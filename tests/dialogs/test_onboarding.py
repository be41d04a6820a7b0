"""The volunteer's journey from /start to the first matches, in German and English."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from dialogs.engine import Engine
from dialogs.flow import EngineConfig
from dialogs.setup import build_registry
from matching import availability
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import Conversation, Need, Organisation, Person, VolunteerProfile
from tests.fakes import FixedClock
from tests.harness import Chat


async def walk_onboarding(chat: Chat, *, english: bool = True, postal_code: str = "52062") -> None:
    """Consent → language → interests → skills → place → radius → times → notify → summary."""
    await chat.send("/start")
    await chat.send("1")  # agree, by number
    await chat.press("English" if english else "Deutsch")
    await chat.send("1")  # first interest by number
    await chat.press("Done" if english else "Fertig")
    await chat.send("Zauberkunst")
    await chat.press("Done" if english else "Fertig")
    await chat.send(postal_code)
    await chat.press("Yes" if english else "Ja")
    await chat.press("10 km")
    await chat.press("Flexible, any time" if english else "Flexibel, jederzeit")
    await chat.press("Instantly, for urgent needs" if english else "Sofort, bei dringendem Bedarf")


async def profile_of(store: Store, user: str = "anna") -> VolunteerProfile | None:
    async with store.transaction() as uow:
        person = await uow.people.by_account("console", user)
        return await uow.profiles.get(person.id) if person else None


async def test_full_journey_in_english_ends_with_matches(
    sqlite_store: Store, engine: Engine, clock: FixedClock
) -> None:
    await load_demo_data(sqlite_store, now=clock.now())
    chat = Chat(engine, language_hint="en")
    await walk_onboarding(chat)
    assert "Your profile:" in chat.text
    assert "Interests: Children & youth" in chat.text
    assert "Skills: Zauberkunst" in chat.text
    assert "Where: 52062 Aachen, within 10 km" in chat.text
    await chat.press("Looks good")
    assert "All set!" in chat.text
    assert "fits:" in chat.text
    assert "I'll help" in chat.labels
    profile = await profile_of(sqlite_store)
    assert profile is not None and profile.completed_at == clock.now()
    assert profile.interests == ["children_youth"]
    assert profile.availability == availability.FLEXIBLE
    assert profile.notify_mode == "instant" and profile.radius_km == 10


async def test_journey_in_german(sqlite_store: Store, engine: Engine, clock: FixedClock) -> None:
    await load_demo_data(sqlite_store, now=clock.now())
    chat = Chat(engine, language_hint="de")
    await chat.send("/start")
    assert "Bist du einverstanden?" in chat.text
    await walk_onboarding(chat, english=False)
    assert "Dein Profil:" in chat.text
    assert "Interessen: Kinder & Jugend" in chat.text
    await chat.press("Passt so")
    assert "Alles fertig!" in chat.text
    assert "Ich helfe mit" in chat.labels


async def test_declining_consent_stores_nothing(sqlite_store: Store, engine: Engine) -> None:
    chat = Chat(engine, language_hint="en")
    await chat.send("/start")
    await chat.press("No, thanks")
    assert "stored nothing" in chat.text
    async with sqlite_store.transaction() as uow:
        assert (await uow.session.exec(select(Person))).all() == []
        assert (await uow.session.exec(select(Conversation))).all() == []


async def test_language_switch_on_the_consent_screen(engine: Engine) -> None:
    chat = Chat(engine, language_hint="de")
    await chat.send("/start")
    await chat.press("🌐 English")
    assert "Do you agree?" in chat.text


async def test_no_interest_chosen_is_refused(engine: Engine) -> None:
    chat = Chat(engine, language_hint="en")
    await chat.send("/start")
    await chat.press("Yes, I agree")
    await chat.press("English")
    await chat.press("Done")
    assert "at least one field" in chat.text
    await chat.press("Sport")
    assert "✅ Sport" in chat.labels
    await chat.press("✅ Sport")
    assert "Sport" in chat.labels  # toggled off again


async def test_wrong_postal_codes_get_clear_answers(engine: Engine) -> None:
    chat = Chat(engine, language_hint="en")
    await walk_to_place(chat)
    for wrong in ("1234", "00000", "hello"):
        await chat.send(wrong)
        assert "could not find the postal code" in chat.text
    await chat.send("Aachen")
    assert "several postal codes" in chat.text and "52062" in chat.text
    await chat.send("D-52062")
    assert "52062 Aachen – right?" in chat.text
    await chat.press("No, enter again")
    assert "postal code" in chat.text


async def walk_to_place(chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("Yes, I agree")
    await chat.press("English")
    await chat.press("Sport")
    await chat.press("Done")
    await chat.press("Done")


async def test_shared_location_is_rounded_and_named(sqlite_store: Store, engine: Engine) -> None:
    chat = Chat(engine, language_hint="en")
    await walk_to_place(chat)
    await chat.share_location(50.776543, 6.083712)
    assert "Near 520" in chat.text and "Aachen" in chat.text
    await chat.press("Yes")
    profile = await profile_of(sqlite_store)
    assert profile is not None
    assert (profile.latitude, profile.longitude) != (50.776543, 6.083712)
    assert abs(profile.latitude - 50.776543) < 0.01 and abs(profile.longitude - 6.083712) < 0.01


async def test_nothing_near_offers_a_wider_radius(
    sqlite_store: Store, engine: Engine, clock: FixedClock
) -> None:
    await load_demo_data(sqlite_store, now=clock.now())
    chat = Chat(engine, language_hint="en")
    await walk_onboarding(chat, postal_code="52156")  # Monschau, ~25 km from Aachen
    await chat.press("Edit place")
    await chat.send("52156")
    await chat.press("Yes")
    await chat.press("2 km")
    await chat.press("Looks good")
    assert "Nothing near you fits right now" in chat.text
    assert chat.labels == ["Widen to 5 km"]
    await chat.press("Widen to 5 km")
    assert "within 5 km" in chat.text


async def test_custom_days_and_times(sqlite_store: Store, engine: Engine) -> None:
    chat = Chat(engine, language_hint="en")
    await walk_to_place(chat)
    await chat.send("52062")
    await chat.press("Yes")
    await chat.press("5 km")
    await chat.press("Choose days and times")
    await chat.press("Done")
    assert "at least one day" in chat.text
    await chat.press("Tue")
    await chat.press("Thu")
    await chat.press("Done")
    await chat.press("Evenings")
    await chat.press("Done")
    await chat.press("Daily digest")
    assert "When: Tue, Thu: evening" in chat.text
    profile = await profile_of(sqlite_store)
    assert profile is not None
    assert profile.availability == availability.mask_of((1, 3), (availability.EVENING,))


async def test_editing_one_section_returns_to_the_summary(engine: Engine) -> None:
    chat = Chat(engine, language_hint="en")
    await walk_onboarding(chat)
    await chat.press("Edit interests")
    await chat.press("Sport")
    await chat.press("Done")
    assert "Your profile:" in chat.text
    assert "Interests: Children & youth, Sport" in chat.text


async def test_cancel_midway_and_resume_later(sqlite_store: Store, clock: FixedClock) -> None:
    first = Chat(
        Engine(sqlite_store, build_registry(), EngineConfig(), clock=clock), language_hint="en"
    )
    await first.send("/start")
    await first.press("Yes, I agree")
    await first.press("English")
    await first.press("Culture")
    await first.send("/cancel")
    assert "Cancelled" in first.text
    # A restarted bot: /start skips consent and language and resumes at the interests.
    restarted = Chat(
        Engine(sqlite_store, build_registry(), EngineConfig(), clock=clock), language_hint="en"
    )
    await restarted.send("/start")
    assert "What would you like to help with?" in restarted.text


async def test_restart_mid_dialog_continues_at_the_same_step(
    sqlite_store: Store, clock: FixedClock
) -> None:
    before = Chat(Engine(sqlite_store, build_registry(), clock=clock), language_hint="en")
    await walk_to_place(before)
    after = Chat(Engine(sqlite_store, build_registry(), clock=clock), language_hint="en")
    await after.send("52062")
    assert "52062 Aachen – right?" in after.text


async def test_sign_up_respects_capacity_and_is_not_doubled(
    sqlite_store: Store, engine: Engine, clock: FixedClock
) -> None:
    async with sqlite_store.transaction() as uow:
        org = await uow.organisations.add(
            Organisation(
                name="Tafel",
                kind="association",
                postal_code="52062",
                latitude=50.776,
                longitude=6.087,
                status="approved",
                interests=["children_youth"],
            )
        )
        need = await uow.needs.add(
            Need(
                organisation_id=org.id,
                title="Ausgabe",
                postal_code="52062",
                latitude=50.776,
                longitude=6.087,
                capacity=1,
                interests=["children_youth"],
                starts_at=clock.now() + timedelta(days=1),
                ends_at=clock.now() + timedelta(days=1, hours=3),
            )
        )
    anna, ben = (
        Chat(engine, user="anna", language_hint="en"),
        Chat(engine, user="ben", language_hint="en"),
    )
    for chat in (anna, ben):
        await walk_onboarding(chat)
        await chat.press("Looks good")
        assert "Ausgabe" in chat.text
    await anna.press("I'll help")
    assert "You are signed up" in anna.text
    await ben.press("I'll help")
    assert "all spots are taken" in ben.text
    await anna.send("/matches")
    assert "Ausgabe" not in anna.text
    async with sqlite_store.transaction() as uow:
        assert (await uow.session.get(Need, need.id)).taken == 1
