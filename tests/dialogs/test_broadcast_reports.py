"""Coordinators hear how their announcement goes: quarters, then a final report."""

from __future__ import annotations

from sqlmodel import select

from dialogs.broadcast_reports import report_broadcasts
from dialogs.flow import EngineConfig
from storage.db import Store
from storage.models import Broadcast, OutboxMessage
from tests.fakes import FixedClock


async def make_broadcast(store: Store, clock: FixedClock, recipients: int) -> tuple[int, int]:
    async with store.transaction() as uow:
        author = await uow.people.create_with_account(
            transport="telegram", user_id="42", chat_id="42", locale="en"
        )
        broadcast = Broadcast(author_id=author.id, text="Sommerfest am Samstag – helft mit!")
        uow.session.add(broadcast)
        await uow.session.flush()
        for number in range(recipients):
            await uow.outbox.enqueue(
                dedup_key=f"broadcast:{broadcast.id}:telegram:{number}",
                transport="telegram",
                user_id=str(1000 + number),
                chat_id=str(1000 + number),
                payload=[{"text": "x", "buttons": []}],
                now=clock.now(),
                broadcast_id=broadcast.id,
            )
        return broadcast.id, author.id


async def finish(store: Store, broadcast_id: int, count: int, state: str = "sent") -> None:
    async with store.transaction() as uow:
        rows = await uow.session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.state == "pending")
            .limit(count)
        )
        for row in rows.all():
            row.state = state
            uow.session.add(row)


async def reports(store: Store) -> list[str]:
    async with store.transaction() as uow:
        rows = await uow.session.exec(
            select(OutboxMessage).where(OutboxMessage.user_id == "42").order_by(OutboxMessage.id)
        )
        return [row.payload[0]["text"] for row in rows.all()]


async def test_progress_in_quarters_then_one_final_report(
    sqlite_store: Store, clock: FixedClock
) -> None:
    config = EngineConfig()
    broadcast_id, _ = await make_broadcast(sqlite_store, clock, 8)
    assert await report_broadcasts(sqlite_store, config, clock.now()) == 0
    await finish(sqlite_store, broadcast_id, 3)
    assert await report_broadcasts(sqlite_store, config, clock.now()) == 1
    assert await report_broadcasts(sqlite_store, config, clock.now()) == 0  # never twice
    assert (await reports(sqlite_store))[-1].endswith("3 of 8 sent.")
    await finish(sqlite_store, broadcast_id, 3)
    await finish(sqlite_store, broadcast_id, 1, state="blocked")
    await finish(sqlite_store, broadcast_id, 1, state="failed")
    assert await report_broadcasts(sqlite_store, config, clock.now()) == 1
    final = (await reports(sqlite_store))[-1]
    assert "is through: 6 of 8 delivered, 1 blocked the bot, 1 failed" in final
    assert await report_broadcasts(sqlite_store, config, clock.now()) == 0


async def test_reports_jump_the_broadcast_queue(sqlite_store: Store, clock: FixedClock) -> None:
    broadcast_id, _ = await make_broadcast(sqlite_store, clock, 50)
    await finish(sqlite_store, broadcast_id, 20)
    clock.advance(seconds=1)
    await report_broadcasts(sqlite_store, EngineConfig(), clock.now())
    async with sqlite_store.transaction() as uow:
        first = await uow.outbox.claim("telegram", 1, clock.now())
    assert first[0].user_id == "42"  # the report, though queued after 30 pending messages
