"""Private calendar feeds of a volunteer's sign-ups.

A feed is addressed by a random token in its URL. Only the token's SHA-256 is
stored: whoever reads the database (a backup, say) cannot subscribe to anyone's
calendar, and the bot cannot show a link again once it was given out. One
person has at most one live feed; a new one or a revocation ends the old, whose
URL then answers 404.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlmodel import Field, SQLModel, col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Need, Organisation, SignUp, _when, utcnow

TOKEN_BYTES = 24  # 32 URL-safe characters


class CalendarFeed(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _when(default_factory=utcnow)
    revoked_at: datetime | None = _when(nullable=True, default=None)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class CalendarFeeds:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_of(self, person_id: int) -> CalendarFeed | None:
        result = await self.session.exec(
            select(CalendarFeed)
            .where(CalendarFeed.person_id == person_id)
            .where(col(CalendarFeed.revoked_at).is_(None))
        )
        return result.first()

    async def create(self, person_id: int, now: datetime) -> str:
        """A new feed for this person; any older one stops working. Returns the token."""
        await self.revoke(person_id, now)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.session.add(CalendarFeed(person_id=person_id, token_hash=token_hash(token)))
        await self.session.flush()
        return token

    async def revoke(self, person_id: int, now: datetime) -> bool:
        result = await self.session.exec(
            update(CalendarFeed)
            .where(col(CalendarFeed.person_id) == person_id)
            .where(col(CalendarFeed.revoked_at).is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)

    async def person_for(self, token: str) -> int | None:
        """Whose live feed this token opens; None for unknown and revoked tokens."""
        if not token or len(token) > 100:
            return None
        result = await self.session.exec(
            select(CalendarFeed.person_id)
            .where(CalendarFeed.token_hash == token_hash(token))
            .where(col(CalendarFeed.revoked_at).is_(None))
        )
        return result.first()

    async def entries(
        self, person_id: int, since: datetime
    ) -> list[tuple[SignUp, Need, Organisation]]:
        """Sign-ups for dated needs starting after ``since``, cancelled ones included, so
        a subscribed calendar sees a cancellation instead of an event silently vanishing."""
        result = await self.session.exec(
            select(SignUp, Need, Organisation)
            .join(Need, col(Need.id) == col(SignUp.need_id))
            .join(Organisation, col(Organisation.id) == col(Need.organisation_id))
            .where(SignUp.person_id == person_id)
            .where(col(Need.starts_at).is_not(None), col(Need.starts_at) >= since)
            .order_by(col(Need.starts_at), col(SignUp.id))
        )
        return [tuple(row) for row in result.all()]  # type: ignore[misc]

    async def signup(self, need_id: int, person_id: int) -> SignUp | None:
        result = await self.session.exec(
            select(SignUp).where(SignUp.need_id == need_id, SignUp.person_id == person_id)
        )
        return result.first()
