"""SQLite statements run on the loop thread, yet a lock never blocks the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.db import Store
from storage.models import Municipality
from storage.sqlite_inline import InlineConnection


async def _ticks_while(awaitable) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    """Run ``awaitable`` and count how often the loop got to run something else meanwhile."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        return await awaitable, ticks
    finally:
        task.cancel()


async def test_connections_are_inline_and_statements_work(sqlite_store: Store) -> None:
    async with sqlite_store.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
        assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one() == 0
    async with sqlite_store.transaction() as uow:
        uow.session.add(Municipality(name="Aachen", slug="aachen", district_key="05334"))
    async with sqlite_store.transaction() as uow:
        assert (await uow.session.get(Municipality, 1)).slug == "aachen"  # type: ignore[union-attr]


async def test_a_transaction_of_this_process_holding_the_lock_does_not_freeze_the_loop(
    sqlite_store: Store,
) -> None:
    """A writes and then waits for the loop; B's write must wait for A without blocking it."""
    a_wrote, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with sqlite_store.transaction() as uow:
            uow.session.add(Municipality(name="A", slug="a", district_key="1"))
            await uow.session.flush()  # takes the write lock
            a_wrote.set()
            await release.wait()

    async def second() -> None:
        await a_wrote.wait()
        async with sqlite_store.transaction() as uow:
            uow.session.add(Municipality(name="B", slug="b", district_key="2"))

    a, b = asyncio.create_task(first()), asyncio.create_task(second())
    await a_wrote.wait()
    await asyncio.sleep(0.05)  # B is now waiting for the lock, on a worker thread
    assert not b.done()
    release.set()  # only the loop can get A to commit: it must not be blocked
    await asyncio.wait_for(asyncio.gather(a, b), timeout=10)
    async with sqlite_store.transaction() as uow:
        assert await uow.session.get(Municipality, 2) is not None


async def test_another_process_holding_the_lock_is_waited_for_off_the_loop(
    sqlite_store: Store, sqlite_url: str
) -> None:
    path = sqlite_url.split("///", 1)[1]
    async with sqlite_store.transaction():
        pass  # the tables exist; now an outside writer takes the lock for a moment
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute(
        "INSERT INTO municipality (name, slug, district_key, is_demo) VALUES ('X', 'x', '9', 0)"
    )
    threading.Timer(0.3, holder.commit).start()

    async def write() -> int | None:
        async with sqlite_store.transaction() as uow:
            municipality = Municipality(name="Y", slug="y", district_key="8")
            uow.session.add(municipality)
            await uow.session.flush()
            return municipality.id

    written, ticks = await _ticks_while(write())
    holder.close()
    assert written == 2  # after the outside writer's row
    assert ticks >= 10  # the loop kept running for the ~0.3 s of waiting


async def test_a_lock_held_past_the_timeout_is_a_clear_error(sqlite_url: str) -> None:
    from storage import db

    store = Store(db.create_engine(sqlite_url, sqlite_busy_timeout=0.2))
    await store.create_all()
    holder = sqlite3.connect(sqlite_url.split("///", 1)[1])
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with store.transaction() as uow:
                uow.session.add(Municipality(name="Z", slug="z", district_key="7"))
    finally:
        holder.rollback()
        holder.close()
        await store.dispose()
