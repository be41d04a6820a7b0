"""The demo offers and searches at work: a newcomer's bee search finds the demo
beekeepers in /partners, without learning who they are, and loading the demo pushes
nothing to anyone."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from dialogs.engine import Engine
from dialogs.flow import EngineConfig
from dialogs.partners_common import load_side
from dialogs.partners_pushes import push_new_partner_posts, push_partner_post
from dialogs.partners_suggest import ranked
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import OutboxMessage
from storage.partners import PartnerPost, Side
from tests.dialogs import partners_support
from tests.dialogs.partners_support import (
    Delivered,
    connections,
    new_teacher,
    posts,
)
from tests.fakes import FixedClock

engine, delivered, published = partners_support.FIXTURES
DEMO_BEES = "Imkerei erleben: Wir zeigen Kindern unsere Bienen"
DEMO_CLUB = "Imkerverein Lousberg & Soers"


async def my_search(sqlite_store: Store) -> PartnerPost:
    [mine] = [post for post in await posts(sqlite_store) if not post.is_demo]
    return mine


async def test_a_new_bee_search_finds_the_demo_beekeepers(
    sqlite_store: Store, engine: Engine, clock: FixedClock, delivered: Delivered
) -> None:
    await load_demo_data(sqlite_store, now=clock.now())
    teacher = await new_teacher(sqlite_store, engine)
    await teacher.send("/search Unsere Klasse sucht eine Imkerin für ein Bienenprojekt, 52066")
    assert "Kind: Knowledge" in teacher.text and "Environment & animals" in teacher.text
    await teacher.press("Publish")
    assert "Published:" in teacher.text

    await teacher.send("/partners")
    assert "Partners who may fit “Imkerin für ein Bienenprojekt”" in teacher.text
    card = teacher.last[1]  # the best suggestion: the demo beekeepers' offer
    assert DEMO_BEES in card.text
    assert "Offer: " in card.text and "Knowledge" in card.text
    assert "an organisation: Club (Verein)" in card.text
    assert "fits: " in card.text and "Environment & animals" in card.text
    assert "topic “biene…”" in card.text
    assert DEMO_CLUB not in card.text  # the offer does not say who is behind it
    assert [b.label for b in card.flat_buttons] == ["Interested"]

    # Saying "interested" works on a demo offer; nobody is behind it to answer.
    teacher.last = [card]
    await teacher.press("Interested")
    await teacher.press("Only through the bot")
    assert "I've let the other side know" in teacher.text
    [connection] = await connections(sqlite_store)
    assert connection.status == "open" and delivered == []


async def test_the_demo_schools_search_and_offer_are_partners(
    sqlite_store: Store, engine: Engine, clock: FixedClock
) -> None:
    """The demo pairs are there without anyone posting: the school's bee project and
    the beekeepers' offer suggest each other (as a coordinator's /posts would show)."""
    await load_demo_data(sqlite_store, now=clock.now())
    by_title = {post.title: post for post in await posts(sqlite_store)}
    school = by_title["Imker:in für unser Bienenprojekt gesucht"]
    bees = by_title[DEMO_BEES]
    tz = EngineConfig().tz
    async with sqlite_store.transaction() as uow:
        party = await load_side(uow, Side("post", school.id or 0), clock.now())
        assert party is not None
        found = await ranked(uow, party, clock.now(), tz, 5)
    assert (found[0].side, found[0].id) == ("post", bees.id)
    assert {r.kind for r in found[0].reasons} >= {"interest", "topic", "kind", "distance"}


async def test_loading_the_demo_pushes_nothing(
    sqlite_store: Store, engine: Engine, clock: FixedClock
) -> None:
    """Demo posts read as a few days old: the catch-up round, which repeats the last
    day's posts, never announces an invented offer to a real person as new."""
    await load_demo_data(sqlite_store, now=clock.now())
    teacher = await new_teacher(sqlite_store, engine)
    await teacher.send("/search Our class is looking for a beekeeper for a bee project, 52066")
    await teacher.press("Publish")
    mine = await my_search(sqlite_store)
    config = EngineConfig()
    assert await push_partner_post(sqlite_store, config, clock.now(), mine.id or 0) == 0
    for hours in (1, 12, 23):
        later = clock.now() + timedelta(hours=hours)
        assert await push_new_partner_posts(sqlite_store, config, later) == 0
    async with sqlite_store.transaction() as uow:
        assert (await uow.session.exec(select(OutboxMessage))).all() == []
