"""Repositories against SQLite and a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storage.db import Store
from storage.models import Account, Need, Organisation

NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)


async def test_person_with_account_is_found_by_account(store: Store) -> None:
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport="telegram", user_id="42", chat_id="42", locale="en"
        )
    async with store.transaction() as uow:
        found = await uow.people.by_account("telegram", "42")
        assert found is not None and found.id == person.id and found.locale == "en"
        assert found.created_at.tzinfo is not None
        assert await uow.people.by_account("matrix", "42") is None
        accounts = await uow.people.accounts_of(person.id)
        assert [(a.transport, a.user_id) for a in accounts] == [("telegram", "42")]


async def test_one_messenger_account_belongs_to_one_person(store: Store) -> None:
    async with store.transaction() as uow:
        await uow.people.create_with_account(transport="matrix", user_id="@a:x", chat_id="!r")
    with pytest.raises(IntegrityError):
        async with store.transaction() as uow:
            person = await uow.people.create_with_account(
                transport="matrix", user_id="@b:x", chat_id="!s"
            )
            uow.session.add(
                Account(person_id=person.id, transport="matrix", user_id="@a:x", chat_id="!t")
            )


async def test_conversation_state_round_trips_json(store: Store) -> None:
    async with store.transaction() as uow:
        conversation = await uow.conversations.get_or_create(
            "telegram:1:1", transport="telegram", user_id="1", chat_id="1"
        )
        conversation.dialog, conversation.step = "welcome", "language"
        conversation.data = {"interests": ["sport", "culture"], "radius": 5, "note": "Grüße 🙂"}
        conversation.menu = [["Deutsch", "lang:de"]]
        await uow.conversations.save(conversation)
    async with store.transaction() as uow:
        again = await uow.conversations.get("telegram:1:1")
        assert again is not None
        assert again.data == {"interests": ["sport", "culture"], "radius": 5, "note": "Grüße 🙂"}
        assert again.menu == [["Deutsch", "lang:de"]]
        await uow.conversations.delete_for_user("telegram", "1")
    async with store.transaction() as uow:
        assert await uow.conversations.get("telegram:1:1") is None


async def test_update_log_remembers_and_forgets(store: Store) -> None:
    async with store.transaction() as uow:
        assert not await uow.updates.seen("telegram", "1")
        await uow.updates.record("telegram", "1")
    async with store.transaction() as uow:
        assert await uow.updates.seen("telegram", "1")
        assert not await uow.updates.seen("matrix", "1")
        removed = await uow.updates.forget_before(datetime.now(UTC) + timedelta(seconds=5))
        assert removed == 1


async def test_open_needs_are_future_or_undated_and_keep_time_zones(store: Store) -> None:
    async with store.transaction() as uow:
        org = await uow.organisations.add(
            Organisation(
                name="Tafel",
                kind="association",
                postal_code="52062",
                latitude=50.77,
                longitude=6.08,
                status="approved",
            )
        )
        for title, start, status in [
            ("past", NOW - timedelta(hours=1), "open"),
            ("soon", NOW + timedelta(hours=2), "open"),
            ("later", NOW + timedelta(days=2), "open"),
            ("closed", NOW + timedelta(days=1), "closed"),
            ("ongoing", None, "open"),
        ]:
            await uow.needs.add(
                Need(
                    organisation_id=org.id,
                    title=title,
                    starts_at=start,
                    postal_code="52062",
                    latitude=50.77,
                    longitude=6.08,
                    status=status,
                )
            )
    async with store.transaction() as uow:
        needs = await uow.needs.open_from(NOW)
        assert sorted(n.title for n in needs) == ["later", "ongoing", "soon"]
        soon = next(n for n in needs if n.title == "soon")
        assert soon.starts_at == NOW + timedelta(hours=2)
        assert soon.starts_at.tzinfo is not None
        assert await uow.organisations.count() == 1
        assert [o.name for o in await uow.organisations.approved()] == ["Tafel"]


async def test_failed_transaction_keeps_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as uow:
            await uow.people.create_with_account(transport="console", user_id="u", chat_id="u")
            raise RuntimeError("abort")
    async with store.transaction() as uow:
        assert await uow.people.by_account("console", "u") is None


async def test_singleton_jobs_run_in_one_instance_at_a_time(store: Store) -> None:
    second = Store(store.engine) if store.dialect == "sqlite" else Store.connect_like(store)
    async with store.singleton("digests") as first_may:
        async with second.singleton("digests") as second_may:
            assert first_may
            # PostgreSQL: the advisory lock keeps the second instance out.
            assert second_may == (store.dialect == "sqlite")
        async with second.singleton("expiry") as other_job:
            assert other_job
    async with second.singleton("digests") as later:
        assert later
    if second is not store and store.dialect != "sqlite":
        await second.dispose()
