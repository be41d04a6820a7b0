"""New offers and searches reach the partners they fit through the outbox, with the
push policy: quiet hours, the daily cap, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.scheduler import Scheduler
from dialogs.events import payload_to_replies
from dialogs.flow import EngineConfig
from dialogs.partners_pushes import push_new_partner_posts, push_partner_post
from storage.db import Store
from storage.models import Need, NeedNotification, OutboxMessage, VolunteerProfile
from tests.dialogs.partners_support import (
    BEEKEEPER,
    BEES,
    TEACHER_MX,
    TEACHER_TG,
    add_organisation,
    add_person,
    add_post,
)
from tests.fakes import FixedClock

CONFIG = EngineConfig()
MORNING = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)  # 10:00 in Berlin
NIGHT = datetime(2026, 6, 5, 21, 0, tzinfo=UTC)  # 23:00 in Berlin


async def outbox(store: Store) -> list[OutboxMessage]:
    async with store.transaction() as uow:
        return list((await uow.session.exec(select(OutboxMessage))).all())


def text_of(message: OutboxMessage) -> str:
    return "\n".join(reply.text for reply in payload_to_replies(message.payload))


async def bee_world(store: Store, at: datetime = MORNING) -> tuple[int, int, int]:
    anna = await add_person(store, TEACHER_TG, name="Anna Schmidt", more=[("matrix", TEACHER_MX)])
    bernd = await add_person(store, BEEKEEPER, name="Bernd Bienenfreund")
    bees = await add_organisation(
        store, BEES, "52066", "association", ["environment_animals"], bernd
    )
    await add_post(store, anna, "search", "knowledge", "Imker:in für unser Bienenprojekt",
                   interests=("children_youth", "environment_animals"),
                   created_at=at - timedelta(days=2))  # fmt: skip
    offer = await add_post(store, bernd, "offer", "knowledge", "Bienen-AG für Schulklassen",
                           organisation_id=bees, created_at=at)  # fmt: skip
    return anna, bernd, offer


async def test_a_new_offer_reaches_the_fitting_search_once_on_every_account(
    sqlite_store: Store,
) -> None:
    _anna, _bernd, offer = await bee_world(sqlite_store)
    assert await push_partner_post(sqlite_store, CONFIG, MORNING, offer) == 2
    messages = await outbox(sqlite_store)
    assert sorted(m.user_id for m in messages) == sorted([TEACHER_TG, TEACHER_MX])
    for message in messages:
        text = text_of(message)
        assert "Something new may fit “Imker:in für unser Bienenprojekt”" in text
        assert "Bienen-AG für Schulklassen" in text and "an organisation: Club (Verein)" in text
        assert "Bernd" not in text and BEES not in text
        [reply] = payload_to_replies(message.payload)
        assert [b.label for b in reply.flat_buttons] == ["Interested"]
    # never twice: neither the hook again nor the catch-up round
    assert await push_partner_post(sqlite_store, CONFIG, MORNING, offer) == 0
    assert await push_new_partner_posts(sqlite_store, CONFIG, MORNING + timedelta(hours=1)) == 0
    assert len(await outbox(sqlite_store)) == 2


async def test_quiet_hours_wait_for_the_morning_round(sqlite_store: Store) -> None:
    _anna, _bernd, offer = await bee_world(sqlite_store, at=NIGHT)
    assert await push_partner_post(sqlite_store, CONFIG, NIGHT, offer) == 0
    morning = NIGHT + timedelta(hours=11)  # 10:00 the next day
    assert await push_new_partner_posts(sqlite_store, CONFIG, morning) == 2
    # after a day the round no longer carries it
    assert await push_new_partner_posts(sqlite_store, CONFIG, morning + timedelta(days=2)) == 0


async def test_the_daily_cap_counts_needs_too_and_paused_people_hear_nothing(
    sqlite_store: Store,
) -> None:
    anna, _bernd, offer = await bee_world(sqlite_store)
    async with sqlite_store.transaction() as uow:
        organisation_id = (await uow.directory.organisations_near(50.77, 6.08, 30))[0].id
        assert organisation_id is not None
        for number in range(3):
            need = await uow.needs.add(
                Need(organisation_id=organisation_id, title=f"n{number}", postal_code="52066",
                     latitude=50.77, longitude=6.08, starts_at=MORNING + timedelta(days=3))
            )  # fmt: skip
            assert need.id is not None
            uow.session.add(NeedNotification(person_id=anna, need_id=need.id, sent_at=MORNING))
    assert await push_partner_post(sqlite_store, CONFIG, MORNING, offer) == 0
    async with sqlite_store.transaction() as uow:
        await uow.profiles.save(VolunteerProfile(person_id=anna, paused=True))
    tomorrow = MORNING + timedelta(hours=23)  # 09:00 the next day
    assert await push_new_partner_posts(sqlite_store, CONFIG, tomorrow) == 0
    async with sqlite_store.transaction() as uow:
        profile = await uow.profiles.get(anna)
        assert profile is not None
        profile.paused = False
        await uow.profiles.save(profile)
    assert await push_new_partner_posts(sqlite_store, CONFIG, tomorrow) == 2


async def test_a_team_day_offer_reaches_the_admins_of_a_need_for_six_that_day(
    sqlite_store: Store,
) -> None:
    boss = await add_person(sqlite_store, "firma-boss")
    tafel_admin = await add_person(sqlite_store, "tafel-admin")
    company = await add_organisation(sqlite_store, "Schreinerei Holz", "52062", "company", [], boss)
    tafel = await add_organisation(sqlite_store, "Tafel", "52064", "association",
                                   ["neighbourhood"], tafel_admin)  # fmt: skip
    day = datetime(2026, 6, 12, 8, 0, tzinfo=UTC)
    async with sqlite_store.transaction() as uow:
        for capacity, starts in ((6, day), (6, day + timedelta(days=7))):
            await uow.needs.add(
                Need(organisation_id=tafel, title=f"Regale bauen {starts.day}.6.",
                     postal_code="52064", latitude=50.77, longitude=6.08, capacity=capacity,
                     starts_at=starts, ends_at=starts + timedelta(hours=6),
                     interests=["neighbourhood"])
            )  # fmt: skip
    team_day = await add_post(
        sqlite_store, boss, "offer", "team_day", "8 Azubis für einen Tag", postal_code="52062",
        interests=(), organisation_id=company, people=8,
        days=(date(2026, 6, 12), date(2026, 6, 12)),
    )  # fmt: skip
    assert await push_partner_post(sqlite_store, CONFIG, MORNING, team_day) == 1
    [message] = await outbox(sqlite_store)
    assert message.user_id == "tafel-admin"
    text = text_of(message)
    assert "Something new may fit “Regale bauen 12.6.”" in text
    assert "8 people" in text and "Schreinerei" not in text


async def test_the_scheduler_pushes_a_published_post_beside_the_dialog(
    sqlite_store: Store,
) -> None:
    _anna, _bernd, offer = await bee_world(sqlite_store)
    woken: list[int] = []
    scheduler = Scheduler(sqlite_store, CONFIG, FixedClock(MORNING), queued=lambda: woken.append(1))
    await scheduler.services()["on_partner_post_published"](offer)
    await scheduler.stop()  # waits for the push task
    assert len(await outbox(sqlite_store)) == 2 and woken == [1]
    assert await scheduler.run("partners", push_new_partner_posts) == 0  # nothing new
