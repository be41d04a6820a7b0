"""Repositories of the volunteer's side: profiles, sign-ups, declines, contacts, privacy."""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Account,
    AuditEntry,
    Broadcast,
    ContactRequest,
    Conversation,
    Coordinator,
    Need,
    NeedDecline,
    NeedNotification,
    OneTimeCode,
    Organisation,
    OrganisationAdmin,
    OutboxMessage,
    Person,
    SignUp,
    VolunteerProfile,
    utcnow,
)

KM_PER_DEGREE = 111.2


class Profiles:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: int) -> VolunteerProfile | None:
        return await self.session.get(VolunteerProfile, person_id)

    async def save(self, profile: VolunteerProfile) -> None:
        profile.updated_at = utcnow()
        self.session.add(profile)


class SignUpResult(StrEnum):
    OK = "ok"
    ALREADY = "already"
    FULL = "full"
    CLOSED = "closed"


class SignUps:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _existing(self, need_id: int, person_id: int) -> SignUp | None:
        result = await self.session.exec(
            select(SignUp).where(SignUp.need_id == need_id, SignUp.person_id == person_id)
        )
        return result.first()

    async def sign_up(self, need_id: int, person_id: int, now: datetime) -> SignUpResult:
        """Take a spot if one is left; safe against two people taking the last one."""
        existing = await self._existing(need_id, person_id)
        if existing is not None and existing.status == "active":
            return SignUpResult.ALREADY
        need = await self.session.get(Need, need_id)
        if need is None or need.status != "open" or (need.starts_at and need.starts_at <= now):
            return SignUpResult.CLOSED
        taken = await self.session.exec(
            update(Need)
            .where(col(Need.id) == need_id, col(Need.taken) < col(Need.capacity))
            .values(taken=col(Need.taken) + 1)
        )
        if taken.rowcount != 1:
            return SignUpResult.FULL
        if existing is None:
            self.session.add(SignUp(need_id=need_id, person_id=person_id, created_at=now))
        else:
            existing.status, existing.cancelled_at, existing.created_at = "active", None, now
            self.session.add(existing)
        await self.session.flush()
        await self.session.refresh(need)
        return SignUpResult.OK

    async def cancel(self, need_id: int, person_id: int, now: datetime) -> bool:
        existing = await self._existing(need_id, person_id)
        if existing is None or existing.status != "active":
            return False
        existing.status, existing.cancelled_at = "cancelled", now
        self.session.add(existing)
        await self.session.exec(
            update(Need)
            .where(col(Need.id) == need_id, col(Need.taken) > 0)
            .values(taken=col(Need.taken) - 1)
        )
        await self.session.flush()
        need = await self.session.get(Need, need_id)
        if need is not None:
            await self.session.refresh(need)
        return True

    async def active_of(self, person_id: int) -> list[tuple[SignUp, Need, Organisation]]:
        result = await self.session.exec(
            select(SignUp, Need, Organisation)
            .join(Need, col(Need.id) == col(SignUp.need_id))
            .join(Organisation, col(Organisation.id) == col(Need.organisation_id))
            .where(SignUp.person_id == person_id, SignUp.status == "active")
            .order_by(col(Need.starts_at))
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]

    async def need_ids_of(self, person_id: int) -> frozenset[int]:
        result = await self.session.exec(
            select(SignUp.need_id).where(SignUp.person_id == person_id, SignUp.status == "active")
        )
        return frozenset(result.all())

    async def decline(self, person_id: int, need_id: int) -> None:
        if await self.session.get(NeedDecline, (person_id, need_id)) is None:
            self.session.add(NeedDecline(person_id=person_id, need_id=need_id))

    async def declined_ids_of(self, person_id: int) -> frozenset[int]:
        result = await self.session.exec(
            select(NeedDecline.need_id).where(NeedDecline.person_id == person_id)
        )
        return frozenset(result.all())

    async def notified_ids_of(self, person_id: int) -> frozenset[int]:
        result = await self.session.exec(
            select(NeedNotification.need_id).where(NeedNotification.person_id == person_id)
        )
        return frozenset(result.all())


class Directory:
    """Open needs and organisations around a place, for matching."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float]:
        dlat = radius_km / KM_PER_DEGREE
        dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
        return dlat, dlon

    async def open_needs_near(
        self, latitude: float, longitude: float, radius_km: float, now: datetime
    ) -> list[tuple[Need, Organisation]]:
        """Candidates in a bounding box; exact distances are matching's job."""
        dlat, dlon = self._box(latitude, longitude, radius_km)
        result = await self.session.exec(
            select(Need, Organisation)
            .join(Organisation, col(Organisation.id) == col(Need.organisation_id))
            .where(Need.status == "open", Organisation.status == "approved")
            .where((col(Need.starts_at) > now) | (col(Need.starts_at).is_(None)))
            .where(col(Need.latitude).between(latitude - dlat, latitude + dlat))
            .where(col(Need.longitude).between(longitude - dlon, longitude + dlon))
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]

    async def organisations_near(
        self, latitude: float, longitude: float, radius_km: float
    ) -> list[Organisation]:
        dlat, dlon = self._box(latitude, longitude, radius_km)
        result = await self.session.exec(
            select(Organisation)
            .where(Organisation.status == "approved")
            .where(col(Organisation.latitude).between(latitude - dlat, latitude + dlat))
            .where(col(Organisation.longitude).between(longitude - dlon, longitude + dlon))
        )
        return list(result.all())

    async def need(self, need_id: int) -> tuple[Need, Organisation] | None:
        result = await self.session.exec(
            select(Need, Organisation)
            .join(Organisation, col(Organisation.id) == col(Need.organisation_id))
            .where(Need.id == need_id)
        )
        row = result.first()
        return (row[0], row[1]) if row else None

    async def organisation(self, organisation_id: int) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def is_admin(self, organisation_id: int, person_id: int) -> bool:
        """Whether this person may act for the organisation (checked on every admin action)."""
        admin = await self.session.get(OrganisationAdmin, (organisation_id, person_id))
        return admin is not None

    async def admin_accounts(self, organisation_id: int) -> list[Account]:
        """Where to reach an organisation's admins, on whatever messenger they use."""
        result = await self.session.exec(
            select(Account)
            .join(OrganisationAdmin, col(OrganisationAdmin.person_id) == col(Account.person_id))
            .where(OrganisationAdmin.organisation_id == organisation_id)
            .where(col(Account.unreachable_since).is_(None))
        )
        return list(result.all())


class ContactRequests:
    """Introductions a volunteer confirmed, and the conversation relayed about them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, request: ContactRequest) -> ContactRequest:
        self.session.add(request)
        await self.session.flush()
        return request

    async def get(self, request_id: int) -> ContactRequest | None:
        return await self.session.get(ContactRequest, request_id)

    async def save(self, request: ContactRequest) -> None:
        self.session.add(request)


# Every table that points to a person: its name in /mydata, the column, and what
# erasure does ("delete" the row, or "anonymise" by clearing the column).
PERSON_LINKS: tuple[tuple[str, Any, str, str], ...] = (
    ("sign_ups", SignUp, "person_id", "anonymise"),
    ("declined_needs", NeedDecline, "person_id", "delete"),
    ("notifications", NeedNotification, "person_id", "delete"),
    ("organisation_admin", OrganisationAdmin, "person_id", "delete"),
    ("coordinator_of", Coordinator, "person_id", "delete"),
    ("one_time_codes", OneTimeCode, "person_id", "delete"),
    ("contact_requests", ContactRequest, "person_id", "anonymise"),
    ("audit_entries", AuditEntry, "actor_id", "anonymise"),
    ("broadcasts_written", Broadcast, "author_id", "anonymise"),
    ("organisations_registered", Organisation, "applicant_id", "anonymise"),
    ("needs_posted", Need, "created_by", "anonymise"),
)


class Privacy:
    """GDPR: export everything about a person, or erase it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _rows(self, model: Any, *conditions: Any) -> list[Any]:
        result = await self.session.exec(select(model).where(*conditions))
        return list(result.all())

    async def _outbox_of(self, accounts: list[Account]) -> list[OutboxMessage]:
        rows = []
        for account in accounts:
            rows += await self._rows(
                OutboxMessage,
                OutboxMessage.transport == account.transport,
                OutboxMessage.user_id == account.user_id,
            )
        return rows

    async def export(self, person_id: int) -> dict[str, Any]:
        def plain(row: Any) -> dict[str, Any]:
            return {
                key: value.isoformat() if isinstance(value, datetime) else value
                for key, value in row.model_dump().items()
            }

        person = await self.session.get(Person, person_id)
        accounts = await self._rows(Account, Account.person_id == person_id)
        conversations = []
        for account in accounts:
            conversations += await self._rows(
                Conversation,
                Conversation.transport == account.transport,
                Conversation.user_id == account.user_id,
            )
        profile = await self.session.get(VolunteerProfile, person_id)
        document: dict[str, Any] = {
            "person": plain(person) if person else None,
            "accounts": [plain(a) for a in accounts],
            "volunteer_profile": plain(profile) if profile else None,
        }
        for name, model, column, _policy in PERSON_LINKS:
            rows = await self._rows(model, getattr(model, column) == person_id)
            document[name] = [plain(row) for row in rows]
        document["conversations"] = [plain(c) for c in conversations]
        document["outbox"] = [plain(m) for m in await self._outbox_of(accounts)]
        return document

    async def administered(self, person_id: int) -> list[Organisation]:
        """The organisations this person manages, to warn before an erasure removes the role."""
        result = await self.session.exec(
            select(Organisation)
            .join(OrganisationAdmin, col(OrganisationAdmin.organisation_id) == col(Organisation.id))
            .where(OrganisationAdmin.person_id == person_id)
            .order_by(col(Organisation.name))
        )
        return list(result.all())

    async def erase(self, person_id: int) -> None:
        """Delete the person and what is theirs; keep what others rely on, anonymously.

        Sign-ups stay as counts, audit entries and broadcasts keep what happened,
        organisations and needs they created stay; none of it points to them any more.
        """
        accounts = await self._rows(Account, Account.person_id == person_id)
        for account in accounts:
            for model in (Conversation, OutboxMessage):
                await self.session.exec(
                    delete(model).where(
                        col(model.transport) == account.transport,
                        col(model.user_id) == account.user_id,
                    )
                )
        await self.session.exec(
            update(ContactRequest)
            .where(col(ContactRequest.person_id) == person_id)
            .values(message="", shared_name="", shared_contact="")
        )
        for _name, model, column, policy in PERSON_LINKS:
            where = col(getattr(model, column)) == person_id
            if policy == "delete":
                await self.session.exec(delete(model).where(where))
            else:
                await self.session.exec(update(model).where(where).values({column: None}))
        for model in (VolunteerProfile, Account):
            await self.session.exec(delete(model).where(col(model.person_id) == person_id))
        await self.session.exec(delete(Person).where(col(Person.id) == person_id))
