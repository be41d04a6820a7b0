"""Coordinators: open offers and searches of their municipality, recommending partners
by hand, and the connections in /stats."""

from __future__ import annotations

from dialogs.engine import Engine
from storage.db import Store
from tests.dialogs import partners_support
from tests.dialogs.coordination_helpers import audit_entries, press_value
from tests.dialogs.partners_support import (
    BEEKEEPER,
    BEES,
    COORDINATOR,
    TEACHER_TG,
    Delivered,
    add_organisation,
    add_person,
    add_post,
    chat_of,
    connections,
    last_to,
    press_delivered,
    texts_to,
)

engine, delivered, published = partners_support.FIXTURES


async def seed(store: Store) -> tuple[int, int]:
    anna = await add_person(store, TEACHER_TG, name="Anna Schmidt")
    bernd = await add_person(store, BEEKEEPER, name="Bernd Bienenfreund")
    bees = await add_organisation(
        store, BEES, "52066", "association", ["environment_animals"], bernd
    )
    search = await add_post(store, anna, "search", "knowledge", "Imker:in für Bienenprojekt",
                            interests=("children_youth", "environment_animals"))  # fmt: skip
    offer = await add_post(store, bernd, "offer", "knowledge", "Bienen-AG für Schulklassen",
                           organisation_id=bees)  # fmt: skip
    clara = await add_person(store, COORDINATOR)
    async with store.transaction() as uow:
        aachen = await uow.municipalities.by_slug("aachen")
        assert aachen is not None and aachen.id is not None
        await uow.governance.appoint_coordinator(aachen.id, clara)
    return search, offer


async def test_a_coordinator_sees_open_posts_and_recommends_a_pair_by_hand(
    sqlite_store: Store, engine: Engine, delivered: Delivered
) -> None:
    search, offer = await seed(sqlite_store)
    clara = chat_of(engine, COORDINATOR)
    await clara.send("/posts")
    assert "2 open offers and searches in Aachen:" in clara.text
    assert f"No. {search}" in clara.text and f"No. {offer}" in clara.text
    assert "Anna" not in clara.text and "Bernd" not in clara.text
    search_card = next(r for r in clara.last if f"No. {search}" in r.text)
    clara.last = [search_card]
    await clara.press("Recommend a partner")
    assert "Who could fit “Imker:in für Bienenprojekt”" in clara.text
    assert "Bienen-AG für Schulklassen" in clara.text
    await clara.press("Recommend to both")
    assert "Both get a message now" in clara.text and delivered == []  # asked first
    await clara.press("Recommend to both")
    assert "Recommended." in clara.text
    for user, about in ((TEACHER_TG, "Bienen-AG für Schulklassen"),
                        (BEEKEEPER, "Imker:in für Bienenprojekt")):  # fmt: skip
        told = texts_to(delivered, user)
        assert "The engagement office of Aachen suggests a partner" in told and about in told
        assert "Anna" not in told and "Bernd" not in told
    [connection] = await connections(sqlite_store)
    assert connection.recommended_by is not None and connection.status == "open"
    assert "partner_recommend" in [e.action for e in await audit_entries(sqlite_store)]

    # Both say yes: connected, and /stats counts it.
    anna = chat_of(engine, TEACHER_TG)
    await press_delivered(anna, last_to(delivered, TEACHER_TG), "Interested")
    await anna.send("Anna Schmidt, 0241 1")
    bernd = chat_of(engine, BEEKEEPER)
    await press_delivered(bernd, last_to(delivered, BEEKEEPER), "Interested")
    await bernd.press("Only through the bot")
    assert "They share: Anna Schmidt, 0241 1" in bernd.text
    assert "They prefer to write through the bot." in texts_to(delivered, TEACHER_TG)
    await clara.send("/stats")
    assert "Open offers: 1 · open searches: 1" in clara.text
    assert "Partner connections: 1 (median time to connect: 1 minute)" in clara.text


async def test_only_the_municipalitys_coordinator_may_recommend(
    sqlite_store: Store, engine: Engine, delivered: Delivered
) -> None:
    search, offer = await seed(sqlite_store)
    await add_person(sqlite_store, "mallory")
    mallory = chat_of(engine, "mallory")
    await mallory.send("/posts")
    assert "not allowed" in mallory.text
    for value in (f"@precfor:{search}", f"@prec:post.{search}:post.{offer}",
                  f"@precyes:post.{search}:post.{offer}"):  # fmt: skip
        assert "not allowed" in await press_value(engine, "mallory", value, "telegram")
    assert delivered == [] and await connections(sqlite_store) == []
