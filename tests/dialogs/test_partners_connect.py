"""/partners and mutual consent: nothing about a side is shown before both said yes;
then each sees what the other shared and can write through the bot – across a
Telegram and a Matrix account of the same person."""

from __future__ import annotations

import pytest

from dialogs.engine import Engine
from storage.db import Store
from tests.dialogs import partners_support
from tests.dialogs.coordination_helpers import press_value
from tests.dialogs.partners_support import (
    BEEKEEPER,
    BEES,
    TEACHER_MX,
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
from tests.harness import Chat

engine, delivered, published = partners_support.FIXTURES
BERND_SHARES = "Bernd Bienenfreund, 0241 999 888"
ANNA_SHARES = "Anna Schmidt, anna@example.org"


@pytest.fixture
async def world(sqlite_store: Store) -> dict[str, int]:
    anna = await add_person(
        sqlite_store, TEACHER_TG, name="Anna Schmidt", more=[("matrix", TEACHER_MX)]
    )
    bernd = await add_person(sqlite_store, BEEKEEPER, name="Bernd Bienenfreund")
    bees = await add_organisation(
        sqlite_store, BEES, "52066", "association", ["environment_animals"], bernd
    )
    search = await add_post(
        sqlite_store, anna, "search", "knowledge", "Imker:in für unser Bienenprojekt",
        interests=("children_youth", "environment_animals"),
    )  # fmt: skip
    offer = await add_post(
        sqlite_store, bernd, "offer", "knowledge", "Bienen-AG für Schulklassen",
        organisation_id=bees, postal_code="52062",
    )  # fmt: skip
    return {"anna": anna, "bernd": bernd, "bees": bees, "search": search, "offer": offer}


async def bernd_presses_interested(engine: Engine) -> Chat:
    """Bernd finds Anna's search for his offer and presses Interested; he is asked what to share."""
    bernd = chat_of(engine, BEEKEEPER)
    await bernd.send("/partners")
    assert "For which of yours" in bernd.text
    await bernd.press("🎁 Bienen-AG für Schulklassen")
    assert "Partners who may fit “Bienen-AG für Schulklassen”" in bernd.text
    assert "Imker:in für unser Bienenprojekt" in bernd.text
    assert "a private person" in bernd.text and "Anna" not in bernd.text
    assert "fits: Environment & animals" in bernd.text
    await bernd.press("Interested")
    assert "What may the other side see" in bernd.text
    return bernd


async def bernd_is_interested(engine: Engine) -> Chat:
    bernd = await bernd_presses_interested(engine)
    await bernd.send(BERND_SHARES)
    assert "I've let the other side know – without your name" in bernd.text
    return bernd


async def test_nothing_is_shown_before_both_agree_then_both_see_what_was_shared(
    sqlite_store: Store, engine: Engine, delivered: Delivered, world: dict[str, int]
) -> None:
    bernd = await bernd_is_interested(engine)
    # Anna hears about it on Telegram and on Matrix – without Bernd's name or contact.
    for user in (TEACHER_TG, TEACHER_MX):
        request = texts_to(delivered, user)
        assert "Someone is interested in “Imker:in für unser Bienenprojekt”" in request
        assert "Bienen-AG für Schulklassen" in request
        assert "an organisation: Club (Verein)" in request
        for secret in ("Bernd", "0241", BEES):
            assert secret not in request
    [connection] = await connections(sqlite_store)
    assert connection.status == "open" and connection.connected_at is None

    # She agrees on Matrix.
    anna = Chat(engine, user=TEACHER_MX, transport="matrix", language_hint="en")
    await press_delivered(anna, last_to(delivered, TEACHER_MX), "Interested")
    assert "What may the other side see" in anna.text
    assert "Anna" not in texts_to(delivered, BEEKEEPER)  # still nothing about her
    await anna.send(ANNA_SHARES)
    assert "You are connected about “Bienen-AG für Schulklassen”" in anna.text
    assert f"They share: {BERND_SHARES}" in anna.text and BEES in anna.text
    to_bernd = texts_to(delivered, BEEKEEPER)
    assert "You are connected about “Imker:in für unser Bienenprojekt”" in to_bernd
    assert f"They share: {ANNA_SHARES}" in to_bernd
    [connection] = await connections(sqlite_store)
    assert connection.status == "connected" and connection.connected_at is not None

    # Now they write through the bot; the message reaches both of Anna's accounts.
    await press_delivered(bernd, last_to(delivered, BEEKEEPER), "Write to them")
    assert "Write your message" in bernd.text
    await bernd.send("Passt euch Dienstag um 10?")
    assert "Sent." in bernd.text
    for user in (TEACHER_TG, TEACHER_MX):
        said = last_to(delivered, user)[0].text
        assert said.startswith(f"Message about “Bienen-AG für Schulklassen” from {BEES}:")
        assert "Passt euch Dienstag um 10?" in said and BEEKEEPER not in said
    anna_tg = chat_of(engine, TEACHER_TG)
    await press_delivered(anna_tg, last_to(delivered, TEACHER_TG), "Reply")
    await anna_tg.send("Ja, gern!")
    answer = last_to(delivered, BEEKEEPER)[0].text
    assert answer.startswith(f"Message about “Imker:in für unser Bienenprojekt” from {ANNA_SHARES}")
    assert TEACHER_TG not in answer and TEACHER_MX not in answer


async def test_bot_only_shares_nothing_and_a_decline_tells_nothing(
    sqlite_store: Store, engine: Engine, delivered: Delivered, world: dict[str, int]
) -> None:
    bernd = await bernd_presses_interested(engine)
    await bernd.press("Only through the bot")
    anna = chat_of(engine, TEACHER_TG)
    await press_delivered(anna, last_to(delivered, TEACHER_TG), "Not for me")
    assert "Declined. The other side learns nothing about you." in anna.text
    note = last_to(delivered, BEEKEEPER)[0].text
    assert "declined your interest" in note and "Anna" not in note
    [connection] = await connections(sqlite_store)
    assert connection.status == "declined"
    # the pair is never suggested again, and the old request can't be reopened
    await bernd.send("/partners")
    await bernd.press("🎁 Bienen-AG für Schulklassen")
    assert "Nothing fits" in bernd.text
    await press_delivered(anna, delivered[0][1], "Interested")
    assert "no longer active" in anna.text  # her answer used up the request's buttons
    value = f"@pint:post.{world['search']}:post.{world['offer']}"
    assert "declined" in await press_value(engine, TEACHER_TG, value, "telegram")


async def test_forged_and_stale_presses_are_refused(
    sqlite_store: Store, engine: Engine, delivered: Delivered, world: dict[str, int]
) -> None:
    await add_person(sqlite_store, "mallory")
    search, offer = world["search"], world["offer"]
    # Mallory pretends to act for Anna's search, or to answer for the club.
    said = await press_value(engine, "mallory", f"@pint:post.{search}:post.{offer}", "telegram")
    assert "not yours to answer" in said
    await bernd_is_interested(engine)
    [connection] = await connections(sqlite_store)
    for value in (f"@pno:{connection.id}", f"@pmsg:{connection.id}", "@pno:999", "@pint:x:y"):
        said = await press_value(engine, "mallory", value, "telegram")
        assert "not yours to answer" in said or "no longer open" in said
    assert "Bernd" not in "\n".join(texts_to(delivered, u) for u in ("mallory",))
    # Anna's post closes: her old request buttons say so instead of connecting.
    async with sqlite_store.transaction() as uow:
        from storage.partners import Partners

        post = await Partners(uow.session).get(search)
        assert post is not None
        post.status = "closed"
        uow.session.add(post)
    anna = chat_of(engine, TEACHER_TG)
    await press_delivered(anna, last_to(delivered, TEACHER_TG), "Interested")
    assert "no longer open" in anna.text


async def test_partners_without_posts_points_to_offer_and_search(
    engine: Engine, sqlite_store: Store
) -> None:
    await add_person(sqlite_store, "newbie")
    chat = chat_of(engine, "newbie")
    await chat.send("/partners")
    assert "/offer" in chat.text and "/search" in chat.text


async def test_an_organisation_is_shown_partner_organisations_with_reasons(
    sqlite_store: Store, engine: Engine, world: dict[str, int]
) -> None:
    head = await add_person(sqlite_store, "rektorin")
    await add_organisation(sqlite_store, "Grundschule Burtscheid", "52066", "school",
                           ["children_youth", "environment_animals"], head)  # fmt: skip
    chat = chat_of(engine, "rektorin")
    await chat.send("/partners")
    assert "Organisations Grundschule Burtscheid might work well with:" in chat.text
    assert f"{BEES} (Club (Verein))" in chat.text
    assert "fits: Environment & animals · Club (Verein)" in chat.text


async def test_the_author_closes_a_post_after_confirming(
    sqlite_store: Store, engine: Engine, world: dict[str, int]
) -> None:
    anna = chat_of(engine, TEACHER_TG)
    await anna.send("/partners")
    assert "Partners who may fit “Imker:in für unser Bienenprojekt”" in anna.text
    await anna.press("Close it")
    assert "Nobody will be suggested it any more" in anna.text
    await anna.press("Keep it")
    assert "stays open" in anna.text
    forged = await press_value(engine, BEEKEEPER, f"@pcloseyes:{world['search']}", "telegram")
    assert "not yours to answer" in forged
    await anna.send("/partners")
    await anna.press("Close it")
    await anna.press("Close it")
    assert "Closed: “Imker:in für unser Bienenprojekt”" in anna.text
    await anna.send("/partners")
    assert "You have no open offers or searches yet" in anna.text


async def test_cancel_while_choosing_what_to_share_records_nothing(
    sqlite_store: Store, engine: Engine, delivered: Delivered, world: dict[str, int]
) -> None:
    bernd = await bernd_presses_interested(engine)
    await bernd.send("/cancel")
    assert "Cancelled" in bernd.text
    assert await connections(sqlite_store) == [] and delivered == []
