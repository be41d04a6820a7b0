"""The outbox: messages the bot sends on its own, stored before they are sent.

A message is enqueued in the transaction that decided it, with a unique dedup
key, so the decision and the message commit together or not at all. Senders
claim due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two instances
never take the same row), mark them ``sending`` with a lease, and record the
outcome. A row left in ``sending`` by a crashed process is due again when its
lease runs out: that is the documented at-most-in-flight duplicate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage

LEASE = timedelta(seconds=60)
FINAL_STATES = ("sent", "failed", "blocked")


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(
        self,
        *,
        dedup_key: str,
        transport: str,
        user_id: str,
        chat_id: str,
        payload: list[Any],
        now: datetime,
        broadcast_id: int | None = None,
    ) -> bool:
        """Queue one message; False if the same decision queued it already."""
        values = {
            "dedup_key": dedup_key[:200],
            "transport": transport,
            "user_id": user_id,
            "chat_id": chat_id,
            "payload": payload,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "error": "",
            "broadcast_id": broadcast_id,
        }
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(OutboxMessage)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
        )
        result = await self.session.exec(statement)  # type: ignore[call-overload]
        return bool(result.rowcount)

    async def claim(
        self, transport: str, limit: int, now: datetime, lease: timedelta = LEASE
    ) -> list[OutboxMessage]:
        """Take up to ``limit`` due messages for one transport, oldest first."""
        due = (
            select(OutboxMessage.id)
            .where(OutboxMessage.transport == transport)
            .where(col(OutboxMessage.state).in_(("pending", "sending")))
            .where(col(OutboxMessage.next_attempt_at) <= now)
            # Personal messages (replies, pushes, reports) before bulk announcements.
            .order_by(
                col(OutboxMessage.broadcast_id).is_not(None),
                col(OutboxMessage.next_attempt_at),
                col(OutboxMessage.id),
            )
            .limit(limit)
        )
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list((await self.session.exec(due)).all())
        if not ids:
            return []
        await self.session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .values(
                state="sending",
                attempts=col(OutboxMessage.attempts) + 1,
                next_attempt_at=now + lease,
            )
        )
        result = await self.session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .order_by(col(OutboxMessage.id))
            .execution_options(populate_existing=True)
        )
        return list(result.all())

    async def finish(self, message_id: int, state: str, now: datetime, error: str = "") -> None:
        await self.session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(state=state, sent_at=now if state == "sent" else None, error=error[:500])
        )

    async def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        await self.session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .values(state="pending", next_attempt_at=at, error=error[:500])
        )

    async def counts(self, broadcast_id: int | None = None) -> dict[str, int]:
        query = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        if broadcast_id is not None:
            query = query.where(OutboxMessage.broadcast_id == broadcast_id)
        rows = (await self.session.exec(query)).all()
        return {state: int(count) for state, count in rows}

    async def oldest_due(self) -> datetime | None:
        result = await self.session.exec(
            select(func.min(OutboxMessage.created_at)).where(
                col(OutboxMessage.state).in_(("pending", "sending"))
            )
        )
        return result.one()
