"""Calendar feeds on SQLite and PostgreSQL: tokens stored as hashes, one live feed per
person, revocation, what a feed lists, and that feeds go with the person."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage.calendar import CalendarFeed, CalendarFeeds, token_hash
from storage.db import Store
from tests.bot.web.seed import seed
from tests.fakes import FixedClock


async def test_tokens_are_stored_only_as_hashes(store: Store, clock: FixedClock) -> None:
    seeded = await seed(store, clock.now())
    async with store.transaction() as uow:
        token = await CalendarFeeds(uow.session).create(seeded.volunteer_id, clock.now())
    assert len(token) >= 32
    async with store.transaction() as uow:
        rows = list((await uow.session.exec(select(CalendarFeed))).all())
        assert [row.token_hash for row in rows] == [token_hash(token)]
        assert token not in repr(rows)
        assert await CalendarFeeds(uow.session).person_for(token) == seeded.volunteer_id


async def test_a_new_feed_ends_the_old_and_revocation_ends_both(
    store: Store, clock: FixedClock
) -> None:
    seeded = await seed(store, clock.now())
    person = seeded.volunteer_id
    async with store.transaction() as uow:
        first = await CalendarFeeds(uow.session).create(person, clock.now())
    async with store.transaction() as uow:
        second = await CalendarFeeds(uow.session).create(person, clock.now())
    async with store.transaction() as uow:
        feeds = CalendarFeeds(uow.session)
        assert first != second
        assert await feeds.person_for(first) is None
        assert await feeds.person_for(second) == person
        active = await feeds.active_of(person)
        assert active is not None and active.token_hash == token_hash(second)
        assert await feeds.revoke(person, clock.now())
        assert not await feeds.revoke(person, clock.now())
    async with store.transaction() as uow:
        feeds = CalendarFeeds(uow.session)
        assert await feeds.person_for(second) is None
        assert await feeds.active_of(person) is None
        assert await feeds.person_for("") is None
        assert await feeds.person_for("x" * 500) is None


async def test_entries_include_cancellations_but_not_old_or_undated_needs(
    store: Store, clock: FixedClock
) -> None:
    seeded = await seed(store, clock.now())
    person = seeded.volunteer_id
    sorting, homework = seeded.shown["Lebensmittel sortieren"], seeded.shown["Hausaufgabenhilfe"]
    ongoing = seeded.shown["Dauerhafte Begleitung"]
    async with store.transaction() as uow:
        await uow.signups.sign_up(homework, person, clock.now())
        await uow.signups.sign_up(ongoing, person, clock.now())
        await uow.signups.cancel(homework, person, clock.now())
    async with store.transaction() as uow:
        entries = await CalendarFeeds(uow.session).entries(person, clock.now() - timedelta(days=1))
        listed = {(need.id, signup.status) for signup, need, _ in entries}
        assert listed == {(sorting, "active"), (homework, "cancelled")}
        later = await CalendarFeeds(uow.session).entries(person, clock.now() + timedelta(days=2))
        assert [need.id for _, need, _ in later] == [homework]


async def test_feeds_go_when_the_person_is_erased(store: Store, clock: FixedClock) -> None:
    seeded = await seed(store, clock.now())
    async with store.transaction() as uow:
        token = await CalendarFeeds(uow.session).create(seeded.volunteer_id, clock.now())
    async with store.transaction() as uow:
        await uow.privacy.erase(seeded.volunteer_id)
    async with store.transaction() as uow:
        assert await CalendarFeeds(uow.session).person_for(token) is None
        assert list((await uow.session.exec(select(CalendarFeed))).all()) == []
