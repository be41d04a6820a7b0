"""Municipalities, coordinators, /whoami, announcements opt-out, and who may do what."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dialogs.coordination_common import slugify
from dialogs.engine import Engine
from storage.db import Store
from storage.models import Person
from tests.dialogs.coordination_helpers import (
    AACHEN_KEY,
    DUEREN_KEY,
    NOT_ALLOWED,
    OPERATOR,
    Delivered,
    add_municipality,
    add_organisation,
    add_person,
    audit_entries,
    make_engine,
    press_value,
    texts,
)
from tests.fakes import FixedClock
from tests.harness import Chat


@dataclass
class World:
    aachen: int
    dueren: int
    coordinator: int  # person ids
    other_coordinator: int
    volunteer: int
    admin: int


@pytest.fixture
def delivered() -> Delivered:
    return []


@pytest.fixture
def engine(sqlite_store: Store, clock: FixedClock, delivered: Delivered) -> Engine:
    return make_engine(sqlite_store, clock, delivered)


@pytest.fixture
async def world(sqlite_store: Store) -> World:
    aachen = await add_municipality(sqlite_store, "Aachen", "aachen", AACHEN_KEY)
    dueren = await add_municipality(sqlite_store, "Düren", "dueren", DUEREN_KEY)
    organisation = await add_organisation(sqlite_store, aachen)
    return World(
        aachen=aachen,
        dueren=dueren,
        coordinator=await add_person(sqlite_store, "cora", coordinator_of=[aachen]),
        other_coordinator=await add_person(sqlite_store, "dora", coordinator_of=[dueren]),
        volunteer=await add_person(sqlite_store, "vera", postal_code="52062"),
        admin=await add_person(sqlite_store, "adam", admin_of=[organisation]),
    )


def chat(engine: Engine, user: str) -> Chat:
    return Chat(engine, user=user, language_hint="en")


async def coordinator_ids(store: Store, municipality_id: int) -> list[int]:
    async with store.transaction() as uow:
        return [p.id for p in await uow.governance.coordinators(municipality_id) if p.id]


# -- who may do what -----------------------------------------------------------------------

USERS = {
    "volunteer": "vera",
    "admin": "adam",
    "other coordinator": "dora",
    "coordinator": "cora",
    "operator": OPERATOR,
}
ALLOWED = {
    "/municipality add 05362 Rhein-Erft": {"operator"},
    "/municipalities": {"operator"},
    "/coordinator add aachen ABCDEFGHJK": {"operator"},
    "/coordinators aachen": {"operator"},
    "/broadcast aachen": {"coordinator", "operator"},
    "/broadcasts": {"coordinator", "other coordinator", "operator"},
    "/stats aachen": {"coordinator", "operator"},
}


@pytest.mark.parametrize("role", list(USERS))
@pytest.mark.parametrize("command", list(ALLOWED))
async def test_every_command_checks_the_role(
    engine: Engine, world: World, command: str, role: str
) -> None:
    user = chat(engine, USERS[role])
    await user.send(command)
    refused = NOT_ALLOWED in user.text
    assert refused == (role not in ALLOWED[command]), user.text
    if not refused and command.startswith("/stats"):
        assert user.last[0].attachment is not None


async def test_a_coordinator_without_a_municipality_argument_gets_their_own(
    engine: Engine, world: World
) -> None:
    cora = chat(engine, "cora")
    await cora.send("/broadcast")
    assert "Write the announcement for Aachen" in cora.text
    await cora.send("/cancel")
    olga = chat(engine, OPERATOR)
    await olga.send("/stats")
    assert olga.labels == ["Aachen", "Düren"]
    await olga.press("Düren")
    assert "Düren, the last 30 days" in olga.text


async def test_forged_buttons_do_not_act_beyond_the_role(
    sqlite_store: Store, engine: Engine, world: World
) -> None:
    remove = f"@coord_remove_yes:{world.aachen}:{world.coordinator}"
    assert NOT_ALLOWED in await press_value(engine, "dora", remove)
    assert NOT_ALLOWED in await press_value(engine, "cora", remove)
    assert NOT_ALLOWED in await press_value(engine, "cora", f"@coord_remove:{remove[18:]}")
    assert NOT_ALLOWED in await press_value(engine, "cora", f"@coords:{world.aachen}")
    assert NOT_ALLOWED in await press_value(engine, "cora", f"@stats:{world.dueren}")
    assert NOT_ALLOWED in await press_value(engine, "cora", f"@broadcast:{world.dueren}")
    assert NOT_ALLOWED in await press_value(engine, "vera", f"@stats:{world.aachen}")
    assert NOT_ALLOWED in await press_value(engine, "cora", "@coord_remove_yes:x:y")
    assert await coordinator_ids(sqlite_store, world.aachen) == [world.coordinator]
    assert "Aachen, the last 30 days" in await press_value(engine, "cora", f"@stats:{world.aachen}")


# -- municipalities -------------------------------------------------------------------------


def test_slugs_are_short_and_typeable() -> None:
    assert slugify("Städteregion Aachen") == "staedteregion-aachen"
    assert slugify("  Düren / Jülich  ") == "dueren-juelich"
    assert slugify("Ærø Šibenik") == "aero-sibenik"
    assert slugify("!!!") == ""


async def test_operator_adds_a_municipality_after_confirming(
    sqlite_store: Store, engine: Engine
) -> None:
    olga = chat(engine, OPERATOR)
    await olga.send("/municipality add 05358 Düren")
    assert (
        "Add the municipality Düren (short name: dueren) for the district Kreis Düren "
        "(05358, 21 postal codes)?"
    ) in olga.text
    await olga.press("Cancel")
    assert "nothing was added" in olga.text
    await olga.send("/municipality add 05358 Düren")
    await olga.press("Add")
    assert "Added Düren. Appoint its coordinators with /coordinator add dueren" in olga.text
    async with sqlite_store.transaction() as uow:
        added = await uow.municipalities.by_slug("dueren")
    assert added is not None and added.district_key == "05358"
    [entry] = await audit_entries(sqlite_store)
    assert (entry.role, entry.action, entry.target) == (
        "operator",
        "municipality_added",
        f"municipality:{added.id}",
    )
    await olga.send("/municipalities")
    assert "Düren – dueren, district 05358, 0 coordinators" in olga.text


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        ("", "Usage: /municipality add <district key> <name>"),
        ("add 05334", "Usage: /municipality add"),
        ("add 99999 Nowhere", "I don't know the district key “99999”"),
        ("add abcde Nowhere", "I don't know the district key"),
        ("add 05358 !!!", "Please give the municipality a name"),
        ("add 05358 Aachen", "There is already a municipality called Aachen."),
        ("add 05334 Städteregion", "District 05334 already belongs to the municipality Aachen."),
    ],
)
async def test_bad_municipalities_are_refused_clearly(
    engine: Engine, world: World, args: str, answer: str
) -> None:
    olga = chat(engine, OPERATOR)
    await olga.send(f"/municipality {args}")
    assert answer in olga.text
    assert olga.labels == []


# -- appointing and removing coordinators ------------------------------------------------------


async def person_code(user: Chat) -> str:
    await user.send("/whoami")
    line = next(line for line in user.text.splitlines() if "person code" in line)
    return line.split(": ", 1)[1].split(" ", 1)[0]


async def test_whoami_asks_before_storing_anything(sqlite_store: Store, engine: Engine) -> None:
    newcomer = chat(engine, "nina")
    await newcomer.send("/whoami")
    assert "I don't know you yet" in newcomer.text
    await newcomer.press("No, thanks")
    assert "stored nothing" in newcomer.text
    async with sqlite_store.transaction() as uow:
        assert await uow.people.by_account("console", "nina") is None
    await newcomer.send("/whoami")
    await newcomer.press("Yes, store them")
    assert "Volunteer – no special roles." in newcomer.text
    assert "Your person code: " in newcomer.text and "valid for 24 hours" in newcomer.text


async def test_operator_appoints_with_the_person_code_and_removes_after_confirming(
    sqlite_store: Store, engine: Engine, world: World, delivered: Delivered
) -> None:
    vera, olga = chat(engine, "vera"), chat(engine, OPERATOR)
    code = await person_code(vera)
    await olga.send(f"/coordinator add aachen {code.lower()}")
    assert "Vera now coordinates Aachen." in olga.text
    assert "You are now a coordinator for Aachen" in texts(delivered)
    await olga.send(f"/coordinator add aachen {code}")
    assert "wrong, expired or already used" in olga.text
    await olga.send("/coordinator add nowhere ABCDEFGHJK")
    assert "I don't know the municipality “nowhere”" in olga.text
    assert sorted(await coordinator_ids(sqlite_store, world.aachen)) == sorted(
        [world.coordinator, world.volunteer]
    )
    await vera.send("/whoami")
    assert "Coordinator for: Aachen" in vera.text and "/broadcast" in vera.text

    await olga.send("/coordinators aachen")
    assert [r.text for r in olga.last] == ["Coordinators of Aachen:", "Cora", "Vera"]
    vera_card = next(r for r in olga.last if r.text == "Vera")
    await olga.press_token(vera_card.flat_buttons[0].token)
    assert "Remove Vera as coordinator of Aachen?" in olga.text
    await olga.press("No, keep")
    assert "Nothing changed." in olga.text
    assert world.volunteer in await coordinator_ids(sqlite_store, world.aachen)
    await olga.send("/coordinators aachen")
    await olga.press_token(next(r for r in olga.last if r.text == "Vera").flat_buttons[0].token)
    await olga.press("Yes, remove")
    assert "Removed: Vera no longer coordinates Aachen." in olga.text
    assert await coordinator_ids(sqlite_store, world.aachen) == [world.coordinator]
    assert "You are no longer a coordinator for Aachen." in texts(delivered)
    actions = [(e.role, e.action, e.details) for e in await audit_entries(sqlite_store)]
    assert ("operator", "coordinator_appointed", {"person": world.volunteer}) in actions
    assert ("operator", "coordinator_dismissed", {"person": world.volunteer}) in actions


async def test_an_expired_person_code_is_refused(
    engine: Engine, world: World, clock: FixedClock
) -> None:
    code = await person_code(chat(engine, "vera"))
    clock.advance(hours=24, seconds=1)
    olga = chat(engine, OPERATOR)
    await olga.send(f"/coordinator add aachen {code}")
    assert "wrong, expired or already used" in olga.text


async def test_coordinators_without_slug_offers_the_municipalities(
    engine: Engine, world: World
) -> None:
    olga = chat(engine, OPERATOR)
    await olga.send("/coordinators")
    await olga.press("Düren")
    assert [r.text for r in olga.last] == ["Coordinators of Düren:", "Dora"]
    await olga.send("/coordinator remove dueren dora")
    assert "Usage: /coordinator add" in olga.text


# -- announcements opt-out ----------------------------------------------------------------------


async def announcements_of(store: Store, person_id: int) -> bool:
    async with store.transaction() as uow:
        person = await uow.session.get(Person, person_id)
        assert person is not None
        return person.announcements


async def test_announcements_can_be_turned_off_and_on(
    sqlite_store: Store, engine: Engine, world: World
) -> None:
    vera = chat(engine, "vera")
    await vera.send("/announcements")
    assert "You get announcements from your municipality." in vera.text
    await vera.press("Stop announcements")
    assert "you will get no more announcements" in vera.text
    assert not await announcements_of(sqlite_store, world.volunteer)
    await vera.send("/announcements off")
    assert "already off" in vera.text
    await vera.send("/announcements on")
    assert "you will get announcements from your municipality again" in vera.text
    assert await announcements_of(sqlite_store, world.volunteer)
    await vera.send("/announcements maybe")
    assert "/announcements on or /announcements off" in vera.text
    reply = await press_value(engine, "vera", "@announcements_off")
    assert "no more announcements" in reply
    assert not await announcements_of(sqlite_store, world.volunteer)


async def test_announcements_without_a_person(engine: Engine) -> None:
    stranger = chat(engine, "sam")
    await stranger.send("/announcements off")
    assert "I have nothing stored about you" in stranger.text
