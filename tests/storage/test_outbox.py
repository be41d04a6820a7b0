"""The outbox on SQLite and PostgreSQL: dedup, claims, leases, reports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.db import Store
from storage.outbox import LEASE

NOW = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)


async def queue(store: Store, count: int, transport: str = "telegram", **extra: object) -> None:
    async with store.transaction() as uow:
        for number in range(count):
            await uow.outbox.enqueue(
                dedup_key=f"test:{transport}:{number}",
                transport=transport,
                user_id=str(number),
                chat_id=str(number),
                payload=[{"text": f"Nachricht {number}", "buttons": []}],
                now=NOW + timedelta(milliseconds=number),
                **extra,  # type: ignore[arg-type]
            )


async def test_the_same_decision_is_queued_once(store: Store) -> None:
    await queue(store, 3)
    await queue(store, 3)
    async with store.transaction() as uow:
        assert await uow.outbox.counts() == {"pending": 3}


async def test_claims_are_oldest_first_per_transport_and_leased(store: Store) -> None:
    await queue(store, 5)
    await queue(store, 2, transport="matrix")
    async with store.transaction() as uow:
        first = await uow.outbox.claim("telegram", 3, NOW + timedelta(seconds=1))
        assert [m.user_id for m in first] == ["0", "1", "2"]
        assert all(m.state == "sending" and m.attempts == 1 for m in first)
    async with store.transaction() as uow:
        second = await uow.outbox.claim("telegram", 10, NOW + timedelta(seconds=1))
        assert [m.user_id for m in second] == ["3", "4"]
        assert await uow.outbox.claim("telegram", 10, NOW + timedelta(seconds=2)) == []
    # A sender that died holding a lease: the rows are due again after it.
    async with store.transaction() as uow:
        again = await uow.outbox.claim("telegram", 10, NOW + LEASE + timedelta(seconds=2))
        assert len(again) == 5 and all(m.attempts == 2 for m in again)


async def test_outcomes_and_report(store: Store) -> None:
    await queue(store, 4)
    async with store.transaction() as uow:
        claimed = await uow.outbox.claim("telegram", 4, NOW + timedelta(seconds=1))
        ids = [m.id for m in claimed]
        await uow.outbox.finish(ids[0], "sent", NOW)
        await uow.outbox.finish(ids[1], "blocked", NOW, "Forbidden: bot was blocked by the user")
        await uow.outbox.finish(ids[2], "failed", NOW, "Bad Request")
        await uow.outbox.retry_later(ids[3], NOW + timedelta(minutes=5), "timeout")
    async with store.transaction() as uow:
        assert await uow.outbox.counts() == {"sent": 1, "blocked": 1, "failed": 1, "pending": 1}
        assert await uow.outbox.claim("telegram", 4, NOW + timedelta(minutes=1)) == []
        assert len(await uow.outbox.claim("telegram", 4, NOW + timedelta(minutes=6))) == 1


async def test_concurrent_claimers_never_share_a_message(store: Store) -> None:
    """Two senders (two instances on PostgreSQL) split the queue without overlap."""
    await queue(store, 300)
    second = Store(store.engine)
    taken: list[str] = []

    async def claimer(which: Store) -> None:
        while True:
            async with which.transaction() as uow:
                batch = await uow.outbox.claim("telegram", 7, NOW + timedelta(seconds=1))
            if not batch:
                return
            taken.extend(m.user_id for m in batch)
            await asyncio.sleep(0)

    if store.dialect == "sqlite":
        # SQLite deployments run one instance with one claimer per transport.
        await claimer(store)
    else:
        await asyncio.gather(claimer(store), claimer(second), claimer(store))
    assert sorted(taken, key=int) == [str(n) for n in range(300)]
