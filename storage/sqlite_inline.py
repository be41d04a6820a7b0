"""SQLite for the async engine without a thread hop per statement.

aiosqlite runs every call on a worker thread and hands the result back through the
event loop: a dialog step's dozen statements cost a dozen thread switches, each
fighting the loop for the GIL, which was most of what a step cost on SQLite. A local
SQLite call takes microseconds, so here it runs where it is awaited.

Waiting for a lock must not block the loop, though: the transaction holding it may be
a coroutine of this same process that needs the loop to finish. So connections run
with no busy timeout, and a statement that finds the database locked is retried on a
worker thread (backing off up to the timeout) while the loop goes on: the lock holder
commits, the retry gets through. A statement refused with SQLITE_BUSY did nothing, so
retrying it is what SQLite's own busy handler does.

The price: a long query (statistics over a large table) holds the loop while it runs.
SQLite is the default for a town's volume; larger deployments use PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiosqlite


class _RunNow:
    """Takes the place of aiosqlite's queue to its worker thread: runs each call at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to the awaiting caller, as the thread would
            if future is not None and not future.done():
                future.set_exception(error)
        else:
            if future is not None and not future.done():
                future.set_result(result)


SQLITE_BUSY, SQLITE_BUSY_RECOVERY = 5, 261  # not BUSY_SNAPSHOT: a retry can't help there


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code in (SQLITE_BUSY, SQLITE_BUSY_RECOVERY) or (code is None and "locked" in str(error))


def _retry_while_busy(call: Callable[[], Any], timeout: float) -> Any:
    """On a worker thread: what SQLite's busy handler would do, without holding the loop."""
    deadline, pause = time.monotonic() + timeout, 0.001
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _busy(error) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection API (what SQLAlchemy's dialect drives), on the calling thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], timeout: float) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]
        self.timeout = timeout

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._connect().__await__()  # no worker thread to start

    async def _execute(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
        return await asyncio.to_thread(
            _retry_while_busy, partial(fn, *args, **kwargs), self.timeout
        )


def inline_creator(database: str, timeout: float) -> Callable[[], Awaitable[InlineConnection]]:
    """An ``async_creator`` for ``create_async_engine``."""
    connect = partial(sqlite3.connect, database, timeout=0, check_same_thread=False)

    async def create() -> InlineConnection:
        return await InlineConnection(connect, timeout)

    return create
