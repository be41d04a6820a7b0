"""Repositories of who may do what: coordinators, organisation admins, one-time
codes, and the audit log of privileged actions."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Account,
    AuditEntry,
    Coordinator,
    Municipality,
    Need,
    OneTimeCode,
    Organisation,
    OrganisationAdmin,
    Person,
    SignUp,
    VolunteerProfile,
)
from storage.volunteering import PERSON_LINKS

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed by hand


class Governance:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- municipalities and coordinators ------------------------------------------

    async def municipalities(self) -> list[Municipality]:
        result = await self.session.exec(select(Municipality).order_by(col(Municipality.name)))
        return list(result.all())

    async def municipality(self, municipality_id: int) -> Municipality | None:
        return await self.session.get(Municipality, municipality_id)

    async def municipality_for_district(self, district_key: str) -> Municipality | None:
        """The municipality a postal code belongs to, by its district key."""
        result = await self.session.exec(
            select(Municipality).where(Municipality.district_key == district_key)
        )
        return result.first()

    async def coordinated_by(self, person_id: int) -> frozenset[int]:
        result = await self.session.exec(
            select(Coordinator.municipality_id).where(Coordinator.person_id == person_id)
        )
        return frozenset(result.all())

    async def appoint_coordinator(self, municipality_id: int, person_id: int) -> bool:
        if await self.session.get(Coordinator, (municipality_id, person_id)) is not None:
            return False
        self.session.add(Coordinator(municipality_id=municipality_id, person_id=person_id))
        await self.session.flush()
        return True

    async def dismiss_coordinator(self, municipality_id: int, person_id: int) -> bool:
        result = await self.session.exec(
            delete(Coordinator).where(
                col(Coordinator.municipality_id) == municipality_id,
                col(Coordinator.person_id) == person_id,
            )
        )
        return bool(result.rowcount)

    async def coordinator_accounts(self, municipality_id: int) -> list[Account]:
        """Where to reach a municipality's coordinators."""
        result = await self.session.exec(
            select(Account)
            .join(Coordinator, col(Coordinator.person_id) == col(Account.person_id))
            .where(Coordinator.municipality_id == municipality_id)
            .where(col(Account.unreachable_since).is_(None))
        )
        return list(result.all())

    # -- organisation admins ---------------------------------------------------------

    async def administered_by(self, person_id: int) -> frozenset[int]:
        result = await self.session.exec(
            select(OrganisationAdmin.organisation_id).where(
                OrganisationAdmin.person_id == person_id
            )
        )
        return frozenset(result.all())

    async def organisations_of(self, person_id: int) -> list[Organisation]:
        result = await self.session.exec(
            select(Organisation)
            .join(OrganisationAdmin, col(OrganisationAdmin.organisation_id) == col(Organisation.id))
            .where(OrganisationAdmin.person_id == person_id)
            .order_by(col(Organisation.name))
        )
        return list(result.all())

    async def add_admin(self, organisation_id: int, person_id: int) -> bool:
        if await self.session.get(OrganisationAdmin, (organisation_id, person_id)) is not None:
            return False
        self.session.add(OrganisationAdmin(organisation_id=organisation_id, person_id=person_id))
        await self.session.flush()
        return True

    async def remove_admin(self, organisation_id: int, person_id: int) -> bool:
        result = await self.session.exec(
            delete(OrganisationAdmin).where(
                col(OrganisationAdmin.organisation_id) == organisation_id,
                col(OrganisationAdmin.person_id) == person_id,
            )
        )
        return bool(result.rowcount)

    async def admin_ids(self, organisation_id: int) -> list[int]:
        result = await self.session.exec(
            select(OrganisationAdmin.person_id).where(
                OrganisationAdmin.organisation_id == organisation_id
            )
        )
        return list(result.all())

    async def admins(self, organisation_id: int) -> list[Person]:
        """The people who administer an organisation, oldest admin first."""
        result = await self.session.exec(
            select(Person)
            .join(OrganisationAdmin, col(OrganisationAdmin.person_id) == col(Person.id))
            .where(OrganisationAdmin.organisation_id == organisation_id)
            .order_by(col(OrganisationAdmin.created_at), col(Person.id))
        )
        return list(result.all())

    # -- organisation applications ---------------------------------------------------------

    async def pending_organisations(
        self, municipality_ids: Iterable[int] | None = None
    ) -> list[Organisation]:
        """Applications waiting for review, oldest first; ``None`` means everywhere."""
        query = select(Organisation).where(Organisation.status == "pending")
        if municipality_ids is not None:
            query = query.where(col(Organisation.municipality_id).in_(list(municipality_ids)))
        result = await self.session.exec(
            query.order_by(col(Organisation.created_at), col(Organisation.id))
        )
        return list(result.all())

    async def pending_count_of(self, applicant_id: int) -> int:
        result = await self.session.exec(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.status == "pending", Organisation.applicant_id == applicant_id)
        )
        return int(result.one())

    async def decide_organisation(self, organisation_id: int, status: str) -> bool:
        """Approve or reject a pending application: an atomic update, so two reviewers
        pressing at once cannot both decide (the loser is told it is already decided)."""
        result = await self.session.exec(
            update(Organisation)
            .where(col(Organisation.id) == organisation_id, col(Organisation.status) == "pending")
            .values(status=status)
        )
        return result.rowcount == 1

    async def organisation_status(self, organisation_id: int) -> str | None:
        """The stored status, read afresh (after another reviewer's decision won a race)."""
        result = await self.session.exec(
            select(Organisation.status).where(Organisation.id == organisation_id)
        )
        return result.first()

    async def person(self, person_id: int) -> Person | None:
        return await self.session.get(Person, person_id)

    async def accounts_for(self, pairs: Iterable[tuple[str, str]]) -> list[Account]:
        """Reachable accounts for (transport, user id) pairs, e.g. the configured operators."""
        wanted = [
            and_(col(Account.transport) == transport, col(Account.user_id) == user_id)
            for transport, user_id in sorted(set(pairs))
        ]
        if not wanted:
            return []
        result = await self.session.exec(
            select(Account).where(or_(*wanted)).where(col(Account.unreachable_since).is_(None))
        )
        return list(result.all())

    # -- one-time codes -----------------------------------------------------------------

    async def issue_code(
        self,
        purpose: str,
        person_id: int,
        now: datetime,
        *,
        organisation_id: int | None = None,
        valid_for: timedelta = timedelta(hours=24),
    ) -> str:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
        self.session.add(
            OneTimeCode(
                code=code,
                purpose=purpose,
                person_id=person_id,
                organisation_id=organisation_id,
                created_at=now,
                expires_at=now + valid_for,
            )
        )
        await self.session.flush()
        return code

    async def redeem_code(self, code: str, purpose: str, now: datetime) -> OneTimeCode | None:
        """Use a code once: an atomic update, so two people cannot both redeem it."""
        normalised = "".join(ch for ch in code.upper() if ch.isalnum())[:32]
        used = await self.session.exec(
            update(OneTimeCode)
            .where(
                col(OneTimeCode.code) == normalised,
                col(OneTimeCode.purpose) == purpose,
                col(OneTimeCode.used_at).is_(None),
                col(OneTimeCode.expires_at) > now,
            )
            .values(used_at=now)
        )
        if used.rowcount != 1:
            return None
        return await self.session.get(OneTimeCode, normalised)

    # -- audit log ----------------------------------------------------------------------

    async def audit(
        self,
        actor_id: int | None,
        role: str,
        action: str,
        target: str = "",
        now: datetime | None = None,
        **details: Any,
    ) -> None:
        entry = AuditEntry(actor_id=actor_id, role=role, action=action, target=target)
        entry.details = details
        if now is not None:
            entry.at = now
        self.session.add(entry)

    async def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        result = await self.session.exec(
            select(AuditEntry).order_by(col(AuditEntry.at).desc()).limit(limit)
        )
        return list(result.all())

    # -- coordinators by municipality, one-time codes looked at ------------------------

    async def coordinators(self, municipality_id: int) -> list[Person]:
        """The people coordinating a municipality, longest-serving first."""
        result = await self.session.exec(
            select(Person)
            .join(Coordinator, col(Coordinator.person_id) == col(Person.id))
            .where(Coordinator.municipality_id == municipality_id)
            .order_by(col(Coordinator.created_at), col(Person.id))
        )
        return list(result.all())

    async def peek_code(self, code: str, purpose: str, now: datetime) -> OneTimeCode | None:
        """A valid code without using it, to answer "that is your own code" without burning it."""
        normalised = "".join(ch for ch in code.upper() if ch.isalnum())[:32]
        result = await self.session.exec(
            select(OneTimeCode).where(
                col(OneTimeCode.code) == normalised,
                col(OneTimeCode.purpose) == purpose,
                col(OneTimeCode.used_at).is_(None),
                col(OneTimeCode.expires_at) > now,
            )
        )
        return result.first()

    # -- linking accounts: one person from two ---------------------------------------------

    async def attach_account(
        self, person_id: int, *, transport: str, user_id: str, chat_id: str
    ) -> Account:
        """A messenger account the bot has not known so far joins an existing person."""
        account = Account(
            person_id=person_id, transport=transport, user_id=user_id, chat_id=chat_id
        )
        self.session.add(account)
        await self.session.flush()
        return account

    async def merge_person(self, into_id: int, from_id: int) -> None:
        """Fold person ``from_id`` into ``into_id`` (both messengers become one person).

        ``into`` keeps its profile and settings; everything pointing to ``from`` moves
        over unless ``into`` already has the same row (the same need declined, the same
        organisation administered), then ``from``'s copy goes. Two active sign-ups for one
        need become one, and the need gets the doubly taken spot back.
        """
        into = await self.session.get(Person, into_id)
        source = await self.session.get(Person, from_id)
        if into_id == from_id or into is None or source is None:
            raise ValueError(f"cannot merge person {from_id} into {into_id}")
        await self._merge_sign_ups(into_id, from_id)
        for _name, model, column, _policy in PERSON_LINKS:
            await self._move_rows(model, column, into_id, from_id)
        if await self.session.get(VolunteerProfile, into_id) is None:
            await self._move_rows(VolunteerProfile, "person_id", into_id, from_id)
        else:
            await self.session.exec(
                delete(VolunteerProfile).where(col(VolunteerProfile.person_id) == from_id)
            )
        await self._move_rows(Account, "person_id", into_id, from_id)
        into.display_name = into.display_name or source.display_name
        into.locale = into.locale or source.locale
        into.consented_at = into.consented_at or source.consented_at
        self.session.add(into)
        await self.session.flush()
        await self.session.exec(delete(Person).where(col(Person.id) == from_id))

    async def _merge_sign_ups(self, into_id: int, from_id: int) -> None:
        """Settle the needs both people signed up for; the rest moves with the other rows."""
        result = await self.session.exec(
            select(SignUp).where(col(SignUp.person_id).in_([into_id, from_id]))
        )
        rows = list(result.all())
        kept = {row.need_id: row for row in rows if row.person_id == into_id}
        for theirs in (row for row in rows if row.person_id == from_id):
            ours = kept.get(theirs.need_id)
            if ours is None:
                continue
            if ours.status == "active" and theirs.status == "active":
                await self.session.exec(
                    update(Need)
                    .where(col(Need.id) == theirs.need_id, col(Need.taken) > 0)
                    .values(taken=col(Need.taken) - 1)
                )
            await self.session.delete(
                ours if ours.status != "active" and theirs.status == "active" else theirs
            )
        await self.session.flush()

    async def _move_rows(self, model: Any, column: str, into_id: int, from_id: int) -> None:
        """Point ``model.column`` from one person to the other, dropping duplicate keys."""
        table = model.__table__
        others = [c for c in table.primary_key.columns if c.name != column]
        if table.c[column].primary_key and len(others) == 1:
            mine = table.alias()
            taken = select(mine.c[others[0].name]).where(mine.c[column] == into_id)
            await self.session.exec(
                delete(model).where(
                    col(getattr(model, column)) == from_id,
                    col(getattr(model, others[0].name)).in_(taken),
                )
            )
        await self.session.exec(
            update(model).where(col(getattr(model, column)) == from_id).values({column: into_id})
        )

    async def privileged_accounts(
        self, transport: str
    ) -> list[tuple[Account, frozenset[int], frozenset[int]]]:
        """Accounts of admins and coordinators on one messenger, with their roles."""
        result = await self.session.exec(
            select(Account).where(Account.transport == transport).order_by(col(Account.id))
        )
        accounts = []
        for account in result.all():
            coordinated = await self.coordinated_by(account.person_id)
            administered = await self.administered_by(account.person_id)
            if coordinated or administered:
                accounts.append((account, coordinated, administered))
        return accounts
