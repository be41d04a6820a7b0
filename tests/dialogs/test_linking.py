"""/link: one person on two messengers, and merging two people into one (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from dialogs.engine import Engine
from storage.db import Store
from storage.models import (
    AuditEntry,
    Broadcast,
    ContactRequest,
    Coordinator,
    Need,
    NeedDecline,
    NeedNotification,
    Organisation,
    OrganisationAdmin,
    Person,
    SignUp,
)
from tests.dialogs.coordination_helpers import (
    Delivered,
    add_municipality,
    add_organisation,
    add_person,
    audit_entries,
    make_engine,
    texts,
)
from tests.fakes import FixedClock
from tests.harness import Chat

NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)
BAD_CODE = "That link code is wrong, expired or already used."


async def add_need(store: Store, organisation_id: int, taken: int = 0) -> int:
    async with store.transaction() as uow:
        need = await uow.needs.add(
            Need(
                organisation_id=organisation_id,
                title="Help",
                postal_code="52062",
                latitude=50.77,
                longitude=6.08,
                capacity=3,
                taken=taken,
                starts_at=NOW + timedelta(days=2),
            )
        )
        assert need.id is not None
        return need.id


async def rows(store: Store, model, *conditions) -> list:  # type: ignore[no-untyped-def]
    async with store.transaction() as uow:
        return list((await uow.session.exec(select(model).where(*conditions))).all())


# -- the repository: merge_person ---------------------------------------------------------------


async def test_merge_moves_everything_and_settles_conflicts(store: Store) -> None:
    m1 = await add_municipality(store, "Aachen", "aachen", "05334")
    m2 = await add_municipality(store, "Düren", "dueren", "05358")
    org1, org2 = await add_organisation(store, m1), await add_organisation(store, m1, "Kita")
    both, mine, theirs, declined, extra = [await add_need(store, org1) for _ in range(5)]
    a = await add_person(
        store, "a", transport="telegram", locale=None, postal_code="52062", interests=["sport"],
        coordinator_of=[m1], admin_of=[org1],
    )  # fmt: skip
    b = await add_person(
        store, "@b:x", transport="matrix", locale="uk", postal_code="52349", interests=["culture"],
        more_accounts=[("console", "b")], coordinator_of=[m1, m2], admin_of=[org1, org2],
    )  # fmt: skip
    async with store.transaction() as uow:
        for need_id, person_id in [(both, a), (both, b), (theirs, b), (mine, b)]:
            assert await uow.signups.sign_up(need_id, person_id, NOW) == "ok"
        assert await uow.signups.sign_up(mine, a, NOW) == "ok"
        assert await uow.signups.cancel(mine, a, NOW)
        assert await uow.signups.sign_up(extra, b, NOW) == "ok"
        assert await uow.signups.cancel(extra, b, NOW)
        for person_id in (a, b):
            await uow.signups.decline(person_id, declined)
            uow.session.add(NeedNotification(person_id=person_id, need_id=declined))
        await uow.signups.decline(b, extra)
        uow.session.add(ContactRequest(person_id=b, organisation_id=org2, message="Hi"))
        uow.session.add(Broadcast(author_id=b, text="News", municipality_id=m2))
        await uow.governance.audit(b, "coordinator", "something", now=NOW)
        await uow.governance.issue_code("admin_invite", b, NOW, organisation_id=org2)
        for model, column in ((Need, "created_by"), (Organisation, "applicant_id")):
            row = await uow.session.get(model, extra if model is Need else org2)
            setattr(row, column, b)
            uow.session.add(row)

    async with store.transaction() as uow:
        await uow.governance.merge_person(a, b)

    async with store.transaction() as uow:
        assert await uow.session.get(Person, b) is None
        kept = await uow.session.get(Person, a)
        assert kept is not None and kept.locale == "uk"  # a had none: b's fills the gap
        accounts = sorted((x.transport, x.user_id) for x in await uow.people.accounts_of(a))
        assert accounts == [("console", "b"), ("matrix", "@b:x"), ("telegram", "a")]
        profile = await uow.profiles.get(a)
        assert profile is not None and profile.interests == ["sport"]
        assert await uow.profiles.get(b) is None
        assert await uow.signups.need_ids_of(a) == {both, mine, theirs}
        assert await uow.governance.coordinated_by(a) == {m1, m2}
        assert await uow.governance.administered_by(a) == {org1, org2}
        assert await uow.signups.declined_ids_of(a) == {declined, extra}
        assert await uow.signups.notified_ids_of(a) == {declined}
        taken = {need.id: need.taken for need in await rows_in(uow, Need)}
    assert taken[both] == 1  # two sign-ups of one person became one
    assert taken[mine] == 1 and taken[theirs] == 1 and taken[extra] == 0
    signups = await rows(store, SignUp, SignUp.person_id == a)
    assert sorted((s.need_id, s.status) for s in signups) == sorted(
        [(both, "active"), (mine, "active"), (theirs, "active"), (extra, "cancelled")]
    )
    for model, column in (
        (ContactRequest, "person_id"),
        (Broadcast, "author_id"),
        (AuditEntry, "actor_id"),
        (Need, "created_by"),
        (Organisation, "applicant_id"),
    ):
        assert await rows(store, model, getattr(model, column) == b) == []
        assert await rows(store, model, getattr(model, column) == a) != []
    assert await rows(store, Coordinator, Coordinator.person_id == b) == []
    assert await rows(store, OrganisationAdmin, OrganisationAdmin.person_id == b) == []
    assert await rows(store, NeedDecline, NeedDecline.person_id == b) == []


async def rows_in(uow, model) -> list:  # type: ignore[no-untyped-def]
    return list((await uow.session.exec(select(model))).all())


async def test_merge_keeps_the_other_profile_when_there_is_none(store: Store) -> None:
    a = await add_person(store, "a", name="Anna")
    b = await add_person(store, "b", name="Bea", postal_code="52062", interests=["sport"])
    async with store.transaction() as uow:
        await uow.governance.merge_person(a, b)
    async with store.transaction() as uow:
        profile = await uow.profiles.get(a)
        assert profile is not None and profile.interests == ["sport"]
        kept = await uow.session.get(Person, a)
        assert kept is not None and kept.display_name == "Anna"
        with pytest.raises(ValueError):
            await uow.governance.merge_person(a, a)


# -- the conversation: /link ----------------------------------------------------------------------


@pytest.fixture
def delivered() -> Delivered:
    return []


@pytest.fixture
def engine(sqlite_store: Store, clock: FixedClock, delivered: Delivered) -> Engine:
    return make_engine(sqlite_store, clock, delivered)


@pytest.fixture
async def anna(sqlite_store: Store) -> int:
    return await add_person(sqlite_store, "1001", transport="telegram", postal_code="52062")


def on(engine: Engine, transport: str, user: str) -> Chat:
    return Chat(engine, user=user, transport=transport, language_hint="en")


async def link_code(chat: Chat) -> str:
    await chat.send("/link")
    assert "Within 15 minutes, send /link" in chat.text
    return chat.text.split("Your link code: ", 1)[1].split()[0]


async def person_of(store: Store, transport: str, user: str) -> int | None:
    async with store.transaction() as uow:
        person = await uow.people.by_account(transport, user)
        return person.id if person else None


async def test_a_new_account_joins_the_person_of_the_code(
    sqlite_store: Store, engine: Engine, anna: int, delivered: Delivered
) -> None:
    code = await link_code(on(engine, "telegram", "1001"))
    matrix = on(engine, "matrix", "@anna:example.org")
    await matrix.send(f"/link {code.lower()}")
    assert "Linked! This Matrix account now shares the profile" in matrix.text
    assert await person_of(sqlite_store, "matrix", "@anna:example.org") == anna
    assert "A Matrix account was just linked to your profile" in texts(delivered)
    assert [identity.transport for identity, _ in delivered] == ["telegram"]
    [entry] = [e for e in await audit_entries(sqlite_store) if e.action == "accounts_linked"]
    assert entry.actor_id == anna and entry.details == {
        "transport": "matrix",
        "merged_person": None,
    }


async def test_an_account_with_its_own_profile_is_merged_only_after_confirming(
    sqlite_store: Store, engine: Engine, anna: int
) -> None:
    organisation = await add_organisation(
        sqlite_store, await add_municipality(sqlite_store, "Aachen", "aachen", "05334")
    )
    need = await add_need(sqlite_store, organisation)
    bea = await add_person(sqlite_store, "@bea:x", transport="matrix", postal_code="52064")
    async with sqlite_store.transaction() as uow:
        await uow.signups.sign_up(need, bea, NOW)
    code = await link_code(on(engine, "telegram", "1001"))
    matrix = on(engine, "matrix", "@bea:x")
    await matrix.send(f"/link {code}")
    assert "This account already has a profile of its own" in matrix.text
    await matrix.press("Cancel")
    assert "Nothing was linked" in matrix.text
    assert await person_of(sqlite_store, "matrix", "@bea:x") == bea
    await matrix.send(f"/link {code}")  # the code was not used up by the cancelled attempt
    await matrix.press("Link and merge")
    assert "Linked! The profile of this account was merged" in matrix.text
    assert await person_of(sqlite_store, "matrix", "@bea:x") == anna
    assert await rows(sqlite_store, Person, Person.id == bea) == []
    [signup] = await rows(sqlite_store, SignUp)
    assert signup.person_id == anna
    [entry] = [e for e in await audit_entries(sqlite_store) if e.action == "accounts_linked"]
    assert entry.details == {"transport": "matrix", "merged_person": bea}


async def test_a_code_used_while_confirming_is_refused(
    sqlite_store: Store, engine: Engine, anna: int
) -> None:
    bea = await add_person(sqlite_store, "@bea:x", transport="matrix", postal_code="52064")
    code = await link_code(on(engine, "telegram", "1001"))
    matrix = on(engine, "matrix", "@bea:x")
    await matrix.send(f"/link {code}")
    await on(engine, "console", "somebody").send(f"/link {code}")
    await matrix.press("Link and merge")
    assert BAD_CODE in matrix.text
    assert await person_of(sqlite_store, "matrix", "@bea:x") == bea


async def test_bad_codes_are_refused_clearly(
    sqlite_store: Store, engine: Engine, anna: int, clock: FixedClock
) -> None:
    telegram, matrix = on(engine, "telegram", "1001"), on(engine, "matrix", "@anna:x")
    await matrix.send("/link NOPE-NOPE")
    assert BAD_CODE in matrix.text
    code = await link_code(telegram)
    await telegram.send(f"/link {code}")
    assert "This account already belongs to the profile of that code" in telegram.text
    clock.advance(minutes=15, seconds=1)
    await matrix.send(f"/link {code}")
    assert BAD_CODE in matrix.text
    code = await link_code(telegram)
    await on(engine, "console", "first").send(f"/link {code}")
    await matrix.send(f"/link {code}")
    assert BAD_CODE in matrix.text
    assert await person_of(sqlite_store, "matrix", "@anna:x") is None


async def test_link_needs_a_person_to_link_to(engine: Engine) -> None:
    stranger = on(engine, "matrix", "@new:x")
    await stranger.send("/link")
    assert "There is nothing to link yet" in stranger.text


async def test_an_account_without_profile_is_merged_at_once_with_its_roles(
    sqlite_store: Store, engine: Engine, anna: int
) -> None:
    aachen = await add_municipality(sqlite_store, "Aachen", "aachen", "05334")
    cora = await add_person(sqlite_store, "@cora:x", transport="matrix", coordinator_of=[aachen])
    code = await link_code(on(engine, "telegram", "1001"))
    matrix = on(engine, "matrix", "@cora:x")
    await matrix.send(f"/link {code}")
    assert "Linked! The profile of this account was merged" in matrix.text
    async with sqlite_store.transaction() as uow:
        assert await uow.governance.coordinated_by(anna) == {aachen}
        assert await uow.session.get(Person, cora) is None
