"""What the scheduled jobs share: a context for one recipient, and the outbox.

Jobs run outside any conversation. Each builds a :class:`Context` for the person
it writes to, so the helpers the dialogs use (need cards, ``ranked_needs``,
``tell_organisation``) work unchanged, and what would be sent goes into the
outbox in the job's own transaction: the decision and its message commit
together, and the dedup key makes a second run of the same job a no-op.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from dialogs.events import Identity, Reply, replies_to_payload
from dialogs.flow import Context, EngineConfig
from dialogs.i18n import Translator
from dialogs.registry import Registry
from dialogs.volunteer import account_identity
from storage.db import Store
from storage.models import Account, Conversation, Person
from storage.repositories import UnitOfWork
from storage.volunteering import Pushes

log = logging.getLogger(__name__)
T = TypeVar("T")
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class At:
    """A clock standing still at the job's ``now``: every decision of one run agrees."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment


def recipient_translator(config: EngineConfig, person: Person) -> Translator:
    return Translator(person.locale or config.default_locale, config.tz)


async def preferred_account(uow: UnitOfWork, person_id: int) -> Account | None:
    """Where to write to someone: of their reachable accounts, the one they used last."""
    accounts = (await Pushes(uow.session).reachable_accounts([person_id])).get(person_id, [])
    ranked: list[tuple[datetime, int, Account]] = []
    for position, account in enumerate(accounts):
        conversation = await uow.conversations.get(account_identity(account).conversation_key)
        used = conversation.updated_at if conversation is not None else NEVER
        ranked.append((used, -position, account))  # a tie goes to the oldest account
    return max(ranked, key=lambda entry: entry[:2])[2] if ranked else None


def job_context(
    uow: UnitOfWork, config: EngineConfig, now: datetime, person: Person, account: Account | None
) -> Context:
    """A context "as if" the person had written: their language, the job's clock.

    The conversation is a detached placeholder that is never saved; messages to
    others end up in ``ctx.outgoing`` for :func:`flush_outgoing`."""
    if account is not None:
        identity = account_identity(account)
    else:
        identity = Identity("job", f"person:{person.id}", f"person:{person.id}")
    conversation = Conversation(
        key=identity.conversation_key,
        transport=identity.transport,
        user_id=identity.user_id,
        chat_id=identity.chat_id,
    )
    return Context(
        identity=identity,
        uow=uow,
        clock=At(now),
        config=config,
        conversation=conversation,
        person=person,
        translator=recipient_translator(config, person),
        registry=Registry(),
    )


async def enqueue(
    uow: UnitOfWork, key: str, account: Account, replies: list[Reply], now: datetime
) -> bool:
    """Queue replies for one account; False when this decision was queued before."""
    return await uow.outbox.enqueue(
        dedup_key=key,
        transport=account.transport,
        user_id=account.user_id,
        chat_id=account.chat_id,
        payload=replies_to_payload(replies),
        now=now,
    )


async def flush_outgoing(uow: UnitOfWork, ctx: Context, key: str, now: datetime) -> int:
    """Queue what helpers "sent" to others (e.g. an organisation's admins) via ctx.send_to."""
    queued = 0
    for number, message in enumerate(ctx.outgoing):
        who = message.identity
        queued += await uow.outbox.enqueue(
            dedup_key=f"{key}:{number}",
            transport=who.transport,
            user_id=who.user_id,
            chat_id=who.chat_id,
            payload=replies_to_payload(message.replies),
            now=now,
        )
    ctx.outgoing.clear()
    return queued


async def each_in_own_transaction(
    store: Store,
    items: Iterable[T],
    work: Callable[[UnitOfWork, T], Awaitable[int]],
    what: str,
) -> int:
    """Run ``work`` per item, each in its own transaction, and add up what it returns.

    One broken row (or a conflict with a user acting at the same moment) rolls back
    only its own item and is logged; the job goes on, and its next run retries it."""
    total = 0
    for item in items:
        try:
            async with store.transaction() as uow:
                total += await work(uow, item)
        except Exception:
            log.exception("%s failed for %r; skipped until the next run", what, item)
    return total
