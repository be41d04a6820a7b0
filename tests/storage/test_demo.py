"""The Aachen demo data: complete, valid, in the future and loaded only once; its
offers and searches removable with the rest of it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, delete, select

from matching.taxonomy import INTEREST_IDS, ORGANISATION_KIND_IDS, SKILL_IDS
from storage.db import Store
from storage.demo import DemoSummary, has_data, load_demo_data
from storage.models import Account, Municipality, Need, Organisation, Person
from storage.partners import DIRECTIONS, PartnerPost, Partners
from storage.partners import KINDS as POST_KINDS
from storage.postal_codes import default_directory, haversine_km

# The taxonomy's ids are pinned by tests/matching/test_matching_taxonomy.py; use them.
KINDS = set(ORGANISATION_KIND_IDS)
INTERESTS = set(INTEREST_IDS)
SKILLS = set(SKILL_IDS)
AACHEN_CODES = {f"520{n}" for n in range(62, 81, 2)}

# 00:30 on 6 June in Aachen while UTC still says 5 June: "tomorrow" must be local.
NOW = datetime(2026, 6, 5, 22, 30, tzinfo=UTC)


async def rows(store: Store) -> tuple[list[Municipality], list[Organisation], list[Need]]:
    async with store.transaction() as uow:
        session = uow.session
        municipalities = list((await session.exec(select(Municipality))).all())
        organisations = list((await session.exec(select(Organisation))).all())
        needs = list((await session.exec(select(Need))).all())
    return municipalities, organisations, needs


async def all_posts(store: Store) -> list[PartnerPost]:
    async with store.transaction() as uow:
        return list((await uow.session.exec(select(PartnerPost).order_by(PartnerPost.id))).all())


async def test_loads_into_an_empty_database(store: Store) -> None:
    assert not await has_data(store)
    summary = await load_demo_data(store, now=NOW)
    assert await has_data(store)

    municipalities, organisations, needs = await rows(store)
    assert summary == DemoSummary(
        municipalities=len(municipalities),
        organisations=len(organisations),
        needs=len(needs),
        posts=len(await all_posts(store)),
    )
    assert 5 <= summary.posts <= 12
    assert len(municipalities) == 1
    assert len(organisations) >= 15
    assert len(needs) >= 20
    assert len({o.kind for o in organisations}) >= 5
    assert str(summary)  # printed by the CLI

    (aachen,) = municipalities
    assert (aachen.name, aachen.slug, aachen.district_key, aachen.is_demo) == (
        "Aachen",
        "aachen",
        "05334",
        True,
    )


async def test_organisations_are_valid(store: Store) -> None:
    await load_demo_data(store, now=NOW)
    municipalities, organisations, _ = await rows(store)
    directory = default_directory()
    assert len({o.name for o in organisations}) == len(organisations)
    for org in organisations:
        assert org.kind in KINDS, org.name
        assert org.interests and set(org.interests) <= INTERESTS, org.name
        assert org.status == "approved" and org.is_demo
        assert org.municipality_id == municipalities[0].id
        assert 20 <= len(org.description) <= 2000 and org.description.endswith((".", "!"))
        pc = directory.lookup(org.postal_code)
        assert pc is not None and pc.district_key == "05334" and org.postal_code in AACHEN_CODES
        assert org.place == pc.place == "Aachen"
        assert haversine_km(org.latitude, org.longitude, pc.latitude, pc.longitude) < 0.3
        if org.public_contact is not None:
            assert org.public_contact.endswith("@example.org")
    contacts = [o.public_contact for o in organisations]
    assert any(contacts) and None in contacts


async def test_needs_are_valid(store: Store) -> None:
    await load_demo_data(store, now=NOW)
    _, organisations, needs = await rows(store)
    directory = default_directory()
    org_ids = {o.id for o in organisations}
    for need in needs:
        assert need.organisation_id in org_ids
        assert need.title and need.description and need.address, need.title
        assert 1 <= need.capacity <= 6
        assert need.interests and set(need.interests) <= INTERESTS, need.title
        assert set(need.skills) <= SKILLS, need.title
        assert need.status == "open" and need.is_demo
        pc = directory.lookup(need.postal_code)
        assert pc is not None and pc.district_key == "05334"
        assert need.postal_code in AACHEN_CODES
        assert haversine_km(need.latitude, need.longitude, pc.latitude, pc.longitude) < 0.3
        if need.starts_at is None:
            assert need.ends_at is None
            continue
        assert need.ends_at is not None
        assert need.starts_at.tzinfo is not None
        assert NOW < need.starts_at <= NOW + timedelta(days=10), need.title
        assert need.starts_at < need.ends_at
    dated = [n for n in needs if n.starts_at is not None]
    assert len(needs) - len(dated) == 2
    assert 2 <= sum(n.urgent for n in needs) < len(needs) / 2
    assert any(n.skills for n in needs) and any(not n.skills for n in needs)
    # Spread over the coming days rather than piled onto one.
    assert len({n.starts_at.date() for n in dated if n.starts_at}) >= 5


async def test_times_are_local_wall_clock(tmp_path: Path) -> None:
    """A slot like "tomorrow 15:00" means 15:00 in Aachen, summer or winter."""
    berlin = ZoneInfo("Europe/Berlin")
    winter = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    before_clocks_go_back = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)  # DST ends 25 Oct
    for now in (NOW, winter, before_clocks_go_back):
        other = Store.connect(f"sqlite+aiosqlite:///{tmp_path}/{now.month}-{now.day}.db")
        await other.create_all()
        try:
            await load_demo_data(other, now=now)
            _, _, needs = await rows(other)
        finally:
            await other.dispose()
        tafel = next(n for n in needs if n.title.startswith("Helfende Hände bei der Tafel"))
        assert tafel.starts_at is not None
        local = tafel.starts_at.astimezone(berlin)
        assert local.date() == now.astimezone(berlin).date() + timedelta(days=1)
        assert (local.hour, local.minute) == (15, 0)
        for need in needs:
            if need.starts_at is not None and need.ends_at is not None:
                assert 7 <= need.starts_at.astimezone(berlin).hour <= 21
                assert need.ends_at - need.starts_at <= timedelta(hours=8)


async def test_second_call_adds_nothing(store: Store) -> None:
    first = await load_demo_data(store, now=NOW)
    before = [len(r) for r in await rows(store)]
    second = await load_demo_data(store, now=NOW + timedelta(days=3))
    assert second == DemoSummary(municipalities=0, organisations=0, needs=0, posts=0)
    assert [len(r) for r in await rows(store)] == before
    assert before == [first.municipalities, first.organisations, first.needs]
    assert len(await all_posts(store)) == first.posts


async def test_deterministic(store: Store, tmp_path: Path) -> None:
    await load_demo_data(store, now=NOW)
    other = Store.connect(f"sqlite+aiosqlite:///{tmp_path}/other.db")
    await other.create_all()
    try:
        await load_demo_data(other, now=NOW)

        def snapshot(needs: list[Need]) -> list[tuple[object, ...]]:
            return sorted(
                (n.title, n.starts_at, n.latitude, n.longitude, n.postal_code) for n in needs
            )

        assert snapshot((await rows(store))[2]) == snapshot((await rows(other))[2])
    finally:
        await other.dispose()


async def test_naive_now_is_rejected(store: Store) -> None:
    with pytest.raises(ValueError):
        await load_demo_data(store, now=datetime(2026, 6, 5, 8, 0))
    assert not await has_data(store)


async def test_concurrent_loads_keep_one_copy(store: Store) -> None:
    """Two loads at once (e.g. bot and CLI) must not duplicate the demo."""
    second = Store(store.engine)  # its own sessions and connections, same database
    results = await asyncio.gather(load_demo_data(store, now=NOW), load_demo_data(second, now=NOW))
    municipalities, organisations, needs = await rows(store)
    assert sorted(r.organisations for r in results) == [0, len(organisations)]
    assert len(municipalities) == 1 and sum(r.needs for r in results) == len(needs)
    assert sum(r.posts for r in results) == len(await all_posts(store))


# -- offers and searches ------------------------------------------------------------------


async def test_offers_and_searches_are_valid(store: Store) -> None:
    await load_demo_data(store, now=NOW)
    _, organisations, _ = await rows(store)
    by_id = {o.id: o for o in organisations}
    posts = await all_posts(store)
    today = NOW.astimezone(ZoneInfo("Europe/Berlin")).date()
    for post in posts:
        assert post.direction in DIRECTIONS and post.kind in POST_KINDS, post.title
        assert set(post.interests) <= INTERESTS, post.title
        assert post.is_demo and post.status == "open" and post.language == "de"
        organisation = by_id[post.organisation_id]
        assert organisation.is_demo
        assert (post.postal_code, post.latitude) == (
            organisation.postal_code,
            organisation.latitude,
        )
        assert 20 <= len(post.text) <= 2000 and post.text.endswith((".", "!", "?"))
        # written a few days ago, so the pushes' one-day catch-up never takes them for new
        assert NOW - timedelta(days=7) <= post.created_at < NOW - timedelta(days=1)
        assert post.expires_at > NOW + timedelta(days=1)
        if post.date_from is None:
            assert post.date_until is None
            assert post.expires_at == post.created_at + timedelta(days=60)
        else:
            assert today < post.date_from <= (post.date_until or post.date_from)
            assert post.date_from <= today + timedelta(days=9)
    directions = [p.direction for p in posts]
    assert directions.count("offer") >= 3 and directions.count("search") >= 3
    assert {"team_day", "knowledge", "room"} <= {p.kind for p in posts}
    team_days = [p for p in posts if p.kind == "team_day"]
    assert team_days and all(p.people and p.people >= 2 and p.date_from for p in team_days)
    async with store.transaction() as uow:
        assert (
            await Partners(uow.session).unpushed(NOW - timedelta(days=1), NOW, include_pushed=True)
            == []
        )


async def test_the_beekeepers_are_there_for_the_school(store: Store) -> None:
    await load_demo_data(store, now=NOW)
    _, organisations, _ = await rows(store)
    names = {o.id: o.name for o in organisations}
    posts = {(names[p.organisation_id], p.direction): p for p in await all_posts(store)}
    bees = next(p for (name, d), p in posts.items() if name.startswith("Imkerverein"))
    school = next(p for (name, d), p in posts.items() if name.startswith("Schule am Westpark"))
    assert (bees.direction, school.direction) == ("offer", "search")
    assert "Bienen" in bees.title and "Bienenprojekt" in school.title
    km = haversine_km(bees.latitude, bees.longitude, school.latitude, school.longitude)
    assert km < bees.radius_km


async def test_demo_posts_belong_to_organisations_and_invent_no_people(store: Store) -> None:
    await load_demo_data(store, now=NOW)
    posts = await all_posts(store)
    assert {p.owner_id for p in posts} == {None}
    assert all(p.organisation_id is not None for p in posts)
    async with store.transaction() as uow:
        assert (await uow.session.exec(select(Person))).all() == []
        assert (await uow.session.exec(select(Account))).all() == []


async def test_removed_with_the_rest_of_the_demo_data(store: Store) -> None:
    """Removing what is marked ``is_demo`` leaves nothing of the demo behind and every
    real post and person in place."""
    await load_demo_data(store, now=NOW)
    _, organisations, _ = await rows(store)
    demo_org = organisations[0]
    async with store.transaction() as uow:
        real = Person(display_name="Real", consented_at=NOW)
        uow.session.add(real)
        await uow.session.flush()
        assert real.id is not None
        real_post = await Partners(uow.session).add(
            PartnerPost(
                direction="search", kind="room", title="Raum gesucht", postal_code="52062",
                latitude=demo_org.latitude, longitude=demo_org.longitude,
                expires_at=NOW + timedelta(days=30), owner_id=real.id,
            )
        )  # fmt: skip
    async with store.transaction() as uow:
        # the demo's organisations first: their needs and posts go with them
        await uow.session.exec(delete(Organisation).where(col(Organisation.is_demo)))
    left = await all_posts(store)
    assert [p.id for p in left] == [real_post.id]
    async with store.transaction() as uow:
        await uow.session.exec(delete(Need).where(col(Need.is_demo)))
        await uow.session.exec(delete(PartnerPost).where(col(PartnerPost.is_demo)))
        await uow.session.exec(delete(Municipality).where(col(Municipality.is_demo)))
        people = (await uow.session.exec(select(Person))).all()
    assert [p.id for p in await all_posts(store)] == [real_post.id]
    assert [p.display_name for p in people] == ["Real"]
    assert await rows(store) == ([], [], [])
