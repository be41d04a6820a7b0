"""Offers, searches and connections against SQLite and a real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from storage.db import Store
from storage.models import Organisation, OrganisationAdmin
from storage.partners import (
    PartnerConnection,
    PartnerConsent,
    PartnerNotification,
    PartnerPost,
    Partners,
    Side,
)

NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)
AACHEN = ("52062", 50.776, 6.087)
KOELN = ("50667", 50.94, 6.96)


async def person(store: Store, user: str) -> int:
    async with store.transaction() as uow:
        found = await uow.people.create_with_account(
            transport="console", user_id=user, chat_id=user
        )
        assert found.id is not None
        return found.id


async def organisation(store: Store, admin: int) -> int:
    async with store.transaction() as uow:
        found = await uow.organisations.add(
            Organisation(name="Club", kind="association", postal_code="52062",
                         latitude=50.77, longitude=6.08, status="approved")
        )  # fmt: skip
        assert found.id is not None
        uow.session.add(OrganisationAdmin(organisation_id=found.id, person_id=admin))
        return found.id


async def post(
    store: Store, owner: int, direction: str = "offer", *, where=AACHEN, **extra: object
) -> int:
    code, latitude, longitude = where
    values: dict = {
        "direction": direction, "kind": "skill", "title": "Webseiten", "postal_code": code,
        "latitude": latitude, "longitude": longitude, "expires_at": NOW + timedelta(days=60),
        "owner_id": owner, "created_at": NOW, "interests": ["digital"],
    }  # fmt: skip
    values.update(extra)
    async with store.transaction() as uow:
        added = await Partners(uow.session).add(PartnerPost(**values))
        assert added.id is not None
        return added.id


async def test_open_posts_near_a_place_of_a_person_and_in_postal_codes(store: Store) -> None:
    anna, bernd = await person(store, "anna"), await person(store, "bernd")
    club = await organisation(store, bernd)
    mine = await post(store, anna, date_from=date(2026, 6, 12), date_until=date(2026, 6, 13))
    clubs = await post(store, anna, "search", organisation_id=club)
    far = await post(store, bernd, where=KOELN)
    await post(store, bernd, status="closed")
    await post(store, bernd, expires_at=NOW)
    async with store.transaction() as uow:
        partners = Partners(uow.session)
        near = await partners.open_near(50.776, 6.087, 25, NOW)
        assert [p.id for p in near] == [mine, clubs]
        assert near[0].date_from == date(2026, 6, 12) and near[0].expires_at.tzinfo is not None
        assert [p.id for p in await partners.open_of(bernd, frozenset({club}), NOW)] == [
            clubs, far,
        ]  # fmt: skip
        assert [p.id for p in await partners.open_of(anna, frozenset(), NOW)] == [mine, clubs]
        assert {p.id for p in await partners.open_in(["52062"], NOW)} == {mine, clubs}
        assert await partners.open_counts(["52062", "50667"], NOW) == {"offer": 2, "search": 1}
        assert await partners.open_counts([], NOW) == {"offer": 0, "search": 0}


async def test_a_connection_is_one_row_whichever_side_starts(store: Store) -> None:
    anna, bernd = await person(store, "anna"), await person(store, "bernd")
    offer, search = await post(store, anna), await post(store, bernd, "search")
    one, other = Side("post", search), Side("post", offer)
    async with store.transaction() as uow:
        partners = Partners(uow.session)
        connection = await partners.open_connection(one, other, "52062", NOW)
        assert (connection.a_id, connection.b_id) == (offer, search)  # ordered
        assert (await partners.open_connection(other, one, "52062", NOW)).id == connection.id
        await partners.give_consent(connection, "b", bernd, "Bernd, 0241", NOW)
        assert connection.status == "open" and connection.b_interested_at == NOW
        await partners.give_consent(connection, "a", anna, "", NOW + timedelta(hours=5))
    async with store.transaction() as uow:
        partners = Partners(uow.session)
        found = await partners.connection(other, one)
        assert found is not None and found.status == "connected"
        assert found.connected_at == NOW + timedelta(hours=5)
        consent = await partners.consent(found.id or 0, "b")
        assert consent is not None and consent.shared == "Bernd, 0241"
        assert [c.id for c in await partners.connections_of([one])] == [found.id]
        times = await partners.connect_times(
            ["52062"], NOW - timedelta(days=1), NOW + timedelta(days=1)
        )
        assert times == [(NOW, NOW + timedelta(hours=5))]
        assert await partners.connect_times(["50667"], NOW - timedelta(days=1), NOW) == []


async def test_a_post_is_claimed_for_a_person_only_once(store: Store) -> None:
    anna = await person(store, "anna")
    offer = await post(store, anna)

    async def claim() -> bool:
        async with store.transaction() as uow:
            return await Partners(uow.session).claim(anna, offer, NOW)

    results = await asyncio.gather(claim(), claim())
    assert sorted(results) == [False, True]
    async with store.transaction() as uow:
        partners = Partners(uow.session)
        assert await partners.notified_about(offer) == {anna}
        assert await partners.notified_since([anna], NOW) == {anna: 1}
        assert await partners.notified_since([anna], NOW + timedelta(seconds=1)) == {}


async def test_erasure_deletes_a_persons_posts_and_consents_and_merge_moves_them(
    store: Store,
) -> None:
    anna, bernd, clara = [await person(store, name) for name in ("anna", "bernd", "clara")]
    offer, search = await post(store, anna), await post(store, bernd, "search")
    async with store.transaction() as uow:
        partners = Partners(uow.session)
        connection = await partners.open_connection(
            Side("post", offer), Side("post", search), "52062", NOW
        )
        connection.recommended_by = clara
        await partners.give_consent(connection, "a", anna, "Anna, 0241", NOW)
        await partners.give_consent(connection, "b", bernd, "Bernd", NOW)
        await partners.claim(bernd, offer, NOW)
        export = await uow.privacy.export(anna)
        assert [p["id"] for p in export["partner_posts"]] == [offer]
        assert export["partner_consents"][0]["shared"] == "Anna, 0241"
    async with store.transaction() as uow:
        await uow.privacy.erase(anna)
        await uow.privacy.erase(clara)
    async with store.transaction() as uow:
        assert [p.id for p in (await uow.session.exec(select(PartnerPost))).all()] == [search]
        consents = (await uow.session.exec(select(PartnerConsent))).all()
        assert [(c.side, c.shared) for c in consents] == [("b", "Bernd")]
        assert (await uow.session.exec(select(PartnerNotification))).all() == []  # post gone
        [kept] = (await uow.session.exec(select(PartnerConnection))).all()
        assert kept.status == "connected" and kept.recommended_by is None  # counts survive
    dora = await person(store, "dora")
    async with store.transaction() as uow:
        await uow.governance.merge_person(dora, bernd)
    async with store.transaction() as uow:
        [moved] = (await uow.session.exec(select(PartnerPost))).all()
        assert moved.owner_id == dora
        [consent] = (await uow.session.exec(select(PartnerConsent))).all()
        assert consent.person_id == dora
