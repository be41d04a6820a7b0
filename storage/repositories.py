"""Repositories: the queries dialogs and jobs need, one class per aggregate.

All of them share the session of one ``UnitOfWork`` so a dialog step's changes
and its bookkeeping (conversation state, processed update) commit together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, inspect
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.governance import Governance
from storage.models import (
    Account,
    Conversation,
    Municipality,
    Need,
    Organisation,
    Person,
    ProcessedUpdate,
    utcnow,
)
from storage.outbox import Outbox
from storage.statistics import Broadcasts, Statistics
from storage.volunteering import ContactRequests, Directory, Privacy, Profiles, SignUps


class UpdateLog:
    """Remembers which incoming updates were handled, for idempotency."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(self, transport: str, event_id: str) -> bool:
        return await self.session.get(ProcessedUpdate, (transport, event_id)) is not None

    async def record(self, transport: str, event_id: str) -> None:
        self.session.add(ProcessedUpdate(transport=transport, event_id=event_id))

    async def forget_before(self, cutoff: datetime) -> int:
        result = await self.session.exec(
            delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < cutoff)
        )
        return result.rowcount or 0


class Conversations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> Conversation | None:
        result = await self.session.exec(select(Conversation).where(Conversation.key == key))
        return result.first()

    async def get_or_create(
        self, key: str, *, transport: str, user_id: str, chat_id: str
    ) -> Conversation:
        conversation = await self.get(key)
        if conversation is None:
            conversation = Conversation(
                key=key, transport=transport, user_id=user_id, chat_id=chat_id
            )
            self.session.add(conversation)
        return conversation

    async def save(self, conversation: Conversation) -> None:
        """Write only when something changed: most steps leave the row as it was."""
        state = inspect(conversation)
        if state.persistent and not self.session.is_modified(conversation):
            return
        conversation.updated_at = utcnow()
        self.session.add(conversation)

    async def set_menu_message(self, key: str, message_ref: str) -> None:
        await self.session.exec(
            update(Conversation)
            .where(col(Conversation.key) == key)
            .values(menu_message_ref=message_ref)
        )

    async def delete(self, conversation: Conversation) -> None:
        """Delete this conversation unless a bulk delete in this transaction already did."""
        state = inspect(conversation)
        if state.pending:
            self.session.expunge(conversation)
        elif state.persistent:
            await self.session.exec(
                delete(Conversation).where(col(Conversation.key) == conversation.key)
            )
            self.session.expunge(conversation)

    async def delete_for_user(self, transport: str, user_id: str) -> None:
        await self.session.exec(
            delete(Conversation).where(
                col(Conversation.transport) == transport, col(Conversation.user_id) == user_id
            )
        )


class People:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def with_account(self, transport: str, user_id: str) -> tuple[Person, Account] | None:
        result = await self.session.exec(
            select(Person, Account)
            .join(Account, col(Account.person_id) == col(Person.id))
            .where(Account.transport == transport, Account.user_id == user_id)
        )
        row = result.first()
        return (row[0], row[1]) if row else None

    async def by_account(self, transport: str, user_id: str) -> Person | None:
        result = await self.session.exec(
            select(Person)
            .join(Account, col(Account.person_id) == col(Person.id))
            .where(Account.transport == transport, Account.user_id == user_id)
        )
        return result.first()

    async def create_with_account(
        self, *, transport: str, user_id: str, chat_id: str, locale: str | None = None
    ) -> Person:
        person = Person(locale=locale)
        self.session.add(person)
        await self.session.flush()
        assert person.id is not None
        self.session.add(
            Account(person_id=person.id, transport=transport, user_id=user_id, chat_id=chat_id)
        )
        await self.session.flush()
        return person

    async def accounts_of(self, person_id: int) -> list[Account]:
        result = await self.session.exec(select(Account).where(Account.person_id == person_id))
        return list(result.all())

    async def save(self, person: Person) -> None:
        self.session.add(person)

    async def mark_unreachable(self, transport: str, chat_id: str, when: datetime) -> None:
        """The messenger refused delivery (blocked bot): stop trying until they write again."""
        await self.session.exec(
            update(Account)
            .where(col(Account.transport) == transport, col(Account.chat_id) == chat_id)
            .where(col(Account.unreachable_since).is_(None))
            .values(unreachable_since=when)
        )

    async def reachable_again(self, transport: str, user_id: str) -> None:
        await self.session.exec(
            update(Account)
            .where(col(Account.transport) == transport, col(Account.user_id) == user_id)
            .where(col(Account.unreachable_since).is_not(None))
            .values(unreachable_since=None)
        )


class Municipalities:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, municipality: Municipality) -> Municipality:
        self.session.add(municipality)
        await self.session.flush()
        return municipality

    async def by_slug(self, slug: str) -> Municipality | None:
        result = await self.session.exec(select(Municipality).where(Municipality.slug == slug))
        return result.first()


class Organisations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, organisation: Organisation) -> Organisation:
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def count(self) -> int:
        result = await self.session.exec(select(func.count()).select_from(Organisation))
        return int(result.one())

    async def approved(self) -> list[Organisation]:
        result = await self.session.exec(
            select(Organisation)
            .where(Organisation.status == "approved")
            .order_by(col(Organisation.name))
        )
        return list(result.all())


class Needs:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, need: Need) -> Need:
        self.session.add(need)
        await self.session.flush()
        return need

    async def open_from(self, now: datetime) -> list[Need]:
        """Open needs that have not started yet, plus long-term ones without a date."""
        result = await self.session.exec(
            select(Need)
            .where(Need.status == "open")
            .where((col(Need.starts_at) > now) | (col(Need.starts_at).is_(None)))
            .order_by(col(Need.starts_at))
        )
        return list(result.all())


class UnitOfWork:
    """The repositories of one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.updates = UpdateLog(session)
        self.conversations = Conversations(session)
        self.people = People(session)
        self.municipalities = Municipalities(session)
        self.organisations = Organisations(session)
        self.needs = Needs(session)
        self.profiles = Profiles(session)
        self.signups = SignUps(session)
        self.directory = Directory(session)
        self.privacy = Privacy(session)
        self.governance = Governance(session)
        self.outbox = Outbox(session)
        self.statistics = Statistics(session)
        self.broadcasts = Broadcasts(session)
        self.contacts = ContactRequests(session)
