"""Sender workers: deliver what the outbox holds, one loop per transport.

Each loop claims a batch of due messages, sends them with bounded
concurrency through the transport's own pacing, and records every outcome:
``sent``; ``blocked`` (the person blocked the bot: never retried, visible in
broadcast reports); ``retry`` (network trouble: due again later, with
backoff); ``failed`` (refused for good, or too many tries).

Crash safety: a claimed row is ``sending`` with a lease; if the process dies,
the lease runs out and the row is claimed again. So after ``kill -9`` nothing
is lost, and at most the messages in flight at that moment (``concurrency``
per transport) can arrive twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Literal, Protocol

from dialogs.engine import Engine
from dialogs.events import Identity, Reply, payload_to_replies
from storage.db import Store
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

Outcome = Literal["sent", "blocked", "retry", "failed"]
MAX_ATTEMPTS = 8


class Sender(Protocol):
    async def deliver(self, identity: Identity, replies: list[Reply]) -> Outcome: ...


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0) * 2, 600))


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        engine: Engine,
        senders: dict[str, Sender],
        *,
        batch: int = 100,
        concurrency: int = 30,
        poll_interval: float = 1.0,
        lease: timedelta = timedelta(seconds=60),
        on_blocked: Callable[[Identity], Awaitable[None]] | None = None,
        on_outcome: Callable[[str, Outcome, OutboxMessage, datetime], None] | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.senders = senders
        self.batch = batch
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.lease = lease
        self.on_blocked = on_blocked
        self.on_outcome = on_outcome  # metrics: (transport, outcome, message, now)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # One bookkeeping write at a time: on SQLite, concurrent writers would only
        # wait for each other's lock inside the driver's thread, where a shutdown
        # cannot interrupt them.
        self._writing = asyncio.Lock()
        self._stopping = False

    @property
    def running(self) -> bool:
        """Every sender loop alive (for /healthz); a crashed loop would leave mail unsent."""
        return bool(self._tasks) and not any(task.done() for task in self._tasks)

    def wake(self) -> None:
        """Called after a transaction queued messages: send now, not at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        for name, sender in self.senders.items():
            self._tasks.append(asyncio.create_task(self._loop(name, sender), name=f"outbox-{name}"))

    async def stop(self, grace: float = 10.0) -> None:
        """Finish the batch in hand (up to ``grace`` seconds), then stop."""
        self._stopping = True
        self._wake.set()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks.clear()

    async def _loop(self, transport: str, sender: Sender) -> None:
        while not self._stopping:
            try:
                sent = await self.drain_once(transport, sender)
            except Exception:
                log.exception("outbox loop for %s failed; going on", transport)
                sent = 0
            if sent == 0 and not self._stopping:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def drain_once(self, transport: str, sender: Sender) -> int:
        """Claim one batch and send it; the number of messages handled."""
        async with self._writing, self.store.transaction() as uow:
            claimed = await uow.outbox.claim(
                transport, self.batch, self.engine.clock.now(), self.lease
            )
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.concurrency)

        async def one(message: OutboxMessage) -> None:
            async with gate:
                await self._send(sender, message)

        await asyncio.gather(*(one(message) for message in claimed))
        return len(claimed)

    async def _send(self, sender: Sender, message: OutboxMessage) -> None:
        assert message.id is not None
        identity = Identity(message.transport, message.user_id, message.chat_id)
        try:
            replies = payload_to_replies(message.payload)
            if any(reply.buttons for reply in replies):
                async with self._writing:  # issuing tokens writes the recipient's menu
                    replies = await self.engine.push(identity, replies)
            outcome: Outcome = await sender.deliver(identity, replies)
        except Exception as error:
            log.exception("sending outbox message %s failed", message.id)
            outcome, detail = "retry", str(error)
        else:
            detail = ""
        await self._record(message, identity, outcome, detail)

    async def _record(
        self, message: OutboxMessage, identity: Identity, outcome: Outcome, detail: str
    ) -> None:
        assert message.id is not None
        now = self.engine.clock.now()
        async with self._writing, self.store.transaction() as uow:
            if outcome == "retry" and message.attempts >= MAX_ATTEMPTS:
                outcome, detail = "failed", detail or "too many attempts"
            if outcome == "retry":
                await uow.outbox.retry_later(message.id, now + backoff(message.attempts), detail)
            else:
                await uow.outbox.finish(message.id, outcome, now, detail)
        if self.on_outcome is not None:
            self.on_outcome(message.transport, outcome, message, now)
        if outcome == "blocked" and self.on_blocked is not None:
            await self.on_blocked(identity)
