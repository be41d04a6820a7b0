"""Repositories of the volunteer's side: profiles, sign-ups, declines, contacts, privacy."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.calendar import CalendarFeed
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
from storage.partners import PARTNER_PERSON_LINKS

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
        if need.taken >= need.capacity and need.filled_at is None:
            need.filled_at = now  # for time-to-fill; kept if someone cancels later
            self.session.add(need)
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
    ("calendar_feeds", CalendarFeed, "person_id", "delete"),
    *PARTNER_PERSON_LINKS,
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


class Pushes:
    """The queries of the push jobs: who could hear about a need, and what was sent.

    Jobs run outside any conversation, so they write with conflict-tolerant inserts
    and atomic updates: two jobs pushing the same need at once (a publish hook and an
    escalation tick, or two instances) never notify a person twice.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def volunteers_near(
        self, latitude: float, longitude: float, radius_km: float, modes: tuple[str, ...]
    ) -> list[tuple[VolunteerProfile, Person]]:
        """Completed, unpaused profiles with one of these notify modes in a bounding box;
        each volunteer's own radius is matching's job."""
        dlat, dlon = Directory._box(latitude, longitude, radius_km)
        result = await self.session.exec(
            select(VolunteerProfile, Person)
            .join(Person, col(Person.id) == col(VolunteerProfile.person_id))
            .where(col(VolunteerProfile.completed_at).is_not(None))
            .where(col(VolunteerProfile.paused).is_(False))
            .where(col(VolunteerProfile.notify_mode).in_(modes))
            .where(col(VolunteerProfile.latitude).between(latitude - dlat, latitude + dlat))
            .where(col(VolunteerProfile.longitude).between(longitude - dlon, longitude + dlon))
            .order_by(col(VolunteerProfile.person_id))
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]

    async def reachable_accounts(self, person_ids: list[int]) -> dict[int, list[Account]]:
        """Every messenger account of these people that did not refuse delivery."""
        if not person_ids:
            return {}
        result = await self.session.exec(
            select(Account)
            .where(col(Account.person_id).in_(person_ids))
            .where(col(Account.unreachable_since).is_(None))
            .order_by(col(Account.id))
        )
        accounts: dict[int, list[Account]] = {}
        for account in result.all():
            accounts.setdefault(account.person_id, []).append(account)
        return accounts

    async def signed_up_for(self, need_id: int) -> frozenset[int]:
        result = await self.session.exec(
            select(SignUp.person_id).where(SignUp.need_id == need_id, SignUp.status == "active")
        )
        return frozenset(person for person in result.all() if person is not None)

    async def declined(self, need_id: int) -> frozenset[int]:
        result = await self.session.exec(
            select(NeedDecline.person_id).where(NeedDecline.need_id == need_id)
        )
        return frozenset(result.all())

    async def notified_about(self, need_id: int) -> frozenset[int]:
        result = await self.session.exec(
            select(NeedNotification.person_id).where(NeedNotification.need_id == need_id)
        )
        return frozenset(result.all())

    async def notified_since(self, person_ids: list[int], since: datetime) -> dict[int, int]:
        """How many needs each of these people was told about since ``since``."""
        if not person_ids:
            return {}
        result = await self.session.exec(
            select(NeedNotification.person_id, func.count())
            .where(col(NeedNotification.person_id).in_(person_ids))
            .where(col(NeedNotification.sent_at) >= since)
            .group_by(col(NeedNotification.person_id))
        )
        return {person: int(count) for person, count in result.all()}

    async def claim(self, person_id: int, need_id: int, now: datetime) -> bool:
        """Note that this person hears about this need; False if someone noted it first."""
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(NeedNotification)
            .values(person_id=person_id, need_id=need_id, sent_at=now)
            .on_conflict_do_nothing(index_elements=["person_id", "need_id"])
        )
        result = await self.session.exec(statement)  # type: ignore[call-overload]
        return bool(result.rowcount)

    async def mark_notified(self, person_ids: list[int], now: datetime) -> None:
        """Fairness: the ranking prefers people who have not heard from us for a while."""
        if person_ids:
            await self.session.exec(
                update(VolunteerProfile)
                .where(col(VolunteerProfile.person_id).in_(person_ids))
                .values(last_notified_at=now)
            )

    async def record_wave(self, need_id: int, now: datetime) -> None:
        """Count the wave atomically, leaving ``taken`` to the sign-ups running beside us."""
        await self.session.exec(
            update(Need)
            .where(col(Need.id) == need_id)
            .values(waves=col(Need.waves) + 1, last_wave_at=now)
        )

    async def wave_candidates(self, now: datetime, undated_since: datetime) -> list[Need]:
        """Open needs with spots left that may need another wave: dated ones still ahead,
        and undated ones published since ``undated_since`` that no wave reached yet."""
        result = await self.session.exec(
            select(Need)
            .join(Organisation, col(Organisation.id) == col(Need.organisation_id))
            .where(Need.status == "open", Organisation.status == "approved")
            .where(col(Need.taken) < col(Need.capacity))
            .where(
                (col(Need.starts_at) > now)
                | (
                    col(Need.starts_at).is_(None)
                    & col(Need.last_wave_at).is_(None)
                    & (col(Need.created_at) >= undated_since)
                )
            )
            .order_by(col(Need.starts_at), col(Need.id))
        )
        return list(result.all())


class JobQueries:
    """What the scheduled jobs (digests, reminders, expiry, retention) ask the database.

    Bulk changes are single conditional UPDATEs, so a job that runs twice, or on
    two instances at once, changes each row only once.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def digest_profiles(
        self, modes: tuple[str, ...]
    ) -> list[tuple[Person, VolunteerProfile]]:
        """Completed, unpaused profiles that want a digest, with a place to match around."""
        result = await self.session.exec(
            select(Person, VolunteerProfile)
            .join(VolunteerProfile, col(VolunteerProfile.person_id) == col(Person.id))
            .where(col(VolunteerProfile.notify_mode).in_(modes))
            .where(col(VolunteerProfile.paused).is_(False))
            .where(col(VolunteerProfile.completed_at).is_not(None))
            .where(col(VolunteerProfile.latitude).is_not(None))
            .order_by(col(Person.id))
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]

    async def signups_starting(
        self, earliest: datetime, latest: datetime
    ) -> list[tuple[SignUp, Need, Organisation]]:
        """Active sign-ups of known people whose need (open or filled) starts in the range."""
        result = await self.session.exec(
            select(SignUp, Need, Organisation)
            .join(Need, col(Need.id) == col(SignUp.need_id))
            .join(Organisation, col(Organisation.id) == col(Need.organisation_id))
            .where(SignUp.status == "active", col(SignUp.person_id).is_not(None))
            .where(col(Need.status).in_(("open", "filled")))
            .where(col(Need.starts_at).between(earliest, latest))
            .order_by(col(Need.starts_at), col(SignUp.id))
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]

    async def close_past_needs(self, now: datetime, without_end: timedelta) -> int:
        """Open dated needs that are over: past their end, or ``without_end`` after their
        start when they have none. Long-term needs (no start) never expire."""
        over = (col(Need.ends_at).is_not(None) & (col(Need.ends_at) <= now)) | (
            col(Need.ends_at).is_(None) & (col(Need.starts_at) <= now - without_end)
        )
        result = await self.session.exec(
            update(Need)
            .where(Need.status == "open", col(Need.starts_at).is_not(None), over)
            .values(status="closed")
        )
        return result.rowcount or 0

    async def clear_ended_windows(self, now: datetime) -> int:
        result = await self.session.exec(
            update(VolunteerProfile)
            .where(col(VolunteerProfile.window_end).is_not(None))
            .where(col(VolunteerProfile.window_end) <= now)
            .values(window_start=None, window_end=None)
        )
        return result.rowcount or 0

    async def reset_stale_conversations(self, before: datetime) -> int:
        """Leave dialogs nobody touched since ``before``; the language stays."""
        result = await self.session.exec(
            update(Conversation)
            .where(col(Conversation.dialog).is_not(None))
            .where(col(Conversation.updated_at) < before)
            .values(dialog=None, step=None, data={}, menu_id=None, menu=[], menu_message_ref=None)
        )
        return result.rowcount or 0

    @staticmethod
    def _inactive_since(before: datetime) -> Any:
        seen = col(Person.last_seen_at)
        return (seen.is_not(None) & (seen < before)) | (
            seen.is_(None) & (col(Person.created_at) < before)
        )

    async def inactive_unwarned(self, before: datetime) -> list[Person]:
        """People not seen since ``before`` (or created before it and never seen), not warned."""
        result = await self.session.exec(
            select(Person)
            .where(col(Person.retention_warned_at).is_(None), self._inactive_since(before))
            .order_by(col(Person.id))
        )
        return list(result.all())

    async def warned_before(self, before: datetime) -> list[Person]:
        result = await self.session.exec(
            select(Person)
            .where(col(Person.retention_warned_at).is_not(None))
            .where(col(Person.retention_warned_at) <= before)
            .order_by(col(Person.id))
        )
        return list(result.all())

    async def sole_admin_of(self, person_id: int) -> list[Organisation]:
        """Organisations this person is the only admin of: erasing them would orphan these."""
        admins = (
            select(func.count())
            .select_from(OrganisationAdmin)
            .where(col(OrganisationAdmin.organisation_id) == col(Organisation.id))
            .correlate(Organisation)
            .scalar_subquery()
        )
        result = await self.session.exec(
            select(Organisation)
            .join(OrganisationAdmin, col(OrganisationAdmin.organisation_id) == col(Organisation.id))
            .where(OrganisationAdmin.person_id == person_id, admins == 1)
            .order_by(col(Organisation.name))
        )
        return list(result.all())
