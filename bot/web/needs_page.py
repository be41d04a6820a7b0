"""What a municipality's public needs page shows: open needs of approved
organisations that still lie ahead, filtered, in the reader's language.

Only needs and organisations appear here, never anything about volunteers: no
names, no sign-up lists, just how many spots are left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from bot.web.filters import Filters
from dialogs.i18n import Translator
from dialogs.volunteer import (
    distance_text,
    interest_label,
    kind_label,
    shorten,
    spots_text,
    when_text,
    written_in,
)
from matching.geo import distance_km
from storage.db import Store
from storage.models import Municipality, Need, Organisation
from storage.postal_codes import PostalCodeDirectory

DESCRIPTION_CHARS = 300


@dataclass(frozen=True)
class Links:
    """Where "help via …" leads; empty when that messenger is not configured."""

    telegram_bot: str = ""  # username, without @
    matrix_user: str = ""  # the bot's full Matrix ID


@dataclass(frozen=True)
class NeedView:
    id: int
    title: str
    urgent: bool
    organisation: str
    kind: str
    when: str
    place: str
    distance: str
    spots: str
    interests: list[str]
    description: str
    contact: str
    telegram_url: str
    matrix_url: str
    matrix_command: str
    language: str  # of title and description as written; the page marks them with it
    original: str  # "🌐 original language: German" when it is not the reader's


async def municipality_by_slug(store: Store, slug: str) -> Municipality | None:
    async with store.transaction() as uow:
        return await uow.municipalities.by_slug(slug)


async def public_needs(
    store: Store, municipality_id: int, now: datetime
) -> list[tuple[Need, Organisation]]:
    async with store.transaction() as uow:
        result = await uow.session.exec(
            select(Need, Organisation)
            .join(Organisation, col(Organisation.id) == col(Need.organisation_id))
            .where(Organisation.municipality_id == municipality_id)
            .where(Organisation.status == "approved", Need.status == "open")
            .where((col(Need.starts_at) > now) | (col(Need.starts_at).is_(None)))
        )
        rows = [(need, organisation) for need, organisation in result.all()]
    # Dated needs by time, then the ongoing ones; urgent first within the same start.
    return sorted(
        rows, key=lambda row: (row[0].starts_at is None, row[0].starts_at or now, not row[0].urgent)
    )


def matching_needs(
    rows: list[tuple[Need, Organisation]], filters: Filters, t: Translator
) -> list[tuple[Need, Organisation, float | None]]:
    kept = []
    for need, organisation in rows:
        if filters.interest and filters.interest not in need.interests:
            continue
        if filters.day is not None and (
            need.starts_at is None or need.starts_at.astimezone(t.tz).date() != filters.day
        ):
            continue
        km = None
        if filters.postal_code is not None:
            here = filters.postal_code
            km = distance_km(here.latitude, here.longitude, need.latitude, need.longitude)
            if km > filters.radius_km:
                continue
        kept.append((need, organisation, km))
    return kept


def place_of(postal_code: str, directory: PostalCodeDirectory) -> str:
    """'52062 Aachen': the code people know, with the town it belongs to."""
    found = directory.lookup(postal_code)
    return f"{postal_code} {found.place}" if found and not found.large_customer else postal_code


def need_view(
    t: Translator,
    need: Need,
    organisation: Organisation,
    km: float | None,
    links: Links,
    directory: PostalCodeDirectory,
) -> NeedView:
    assert need.id is not None
    start = f"need_{need.id}"
    return NeedView(
        id=need.id,
        title=need.title,
        urgent=need.urgent,
        organisation=organisation.name,
        kind=kind_label(t, organisation.kind),
        when=when_text(t, need.starts_at, need.ends_at),
        place=", ".join(filter(None, [need.address, place_of(need.postal_code, directory)])),
        distance=distance_text(t, km) if km is not None else "",
        spots=spots_text(t, need),
        interests=[interest_label(t, interest) for interest in need.interests],
        description=shorten(need.description, DESCRIPTION_CHARS) if need.description else "",
        contact=t.gettext("Contact: {contact}", contact=organisation.public_contact)
        if organisation.public_contact
        else "",
        telegram_url=f"https://t.me/{links.telegram_bot}?start={start}"
        if links.telegram_bot
        else "",
        matrix_url=f"https://matrix.to/#/{links.matrix_user}" if links.matrix_user else "",
        matrix_command=f"!start {start}",
        language=need.language or "",
        original=written_in(t, need.language, mark=""),
    )
