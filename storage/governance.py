"""Repositories of who may do what: coordinators, organisation admins, one-time
codes, and the audit log of privileged actions."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Account,
    AuditEntry,
    Coordinator,
    Municipality,
    OneTimeCode,
    Organisation,
    OrganisationAdmin,
)

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
