"""What the partner flows share: labels, the sides of a connection (a post, a need, an
organisation), who may act for a side and where to reach them, snapshots for matching,
and rendering a side without giving away who is behind it.

Privacy rule: before both sides said yes, a side is described by what it posted and
what kind of party it is ("a school", "a private person"), never by a person's name or
contact. An organisation's need is public anyway (it is on /matches), so it shows the
organisation; an organisation's post does not, until both agreed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from dialogs.events import Reply
from dialogs.flow import Context, Speaker, buttons
from dialogs.i18n import N_, Translator
from dialogs.volunteer import (
    distance_text,
    interest_label,
    kind_label,
    relay,
    when_text,
    written_in,
)
from matching.partners import PartnerMatch, PartnerSnapshot, topic_words
from matching.types import Reason
from storage.models import Account, Need, Organisation
from storage.partners import PartnerConnection, PartnerPost, Side, partners_of

if TYPE_CHECKING:
    from storage.repositories import UnitOfWork

KIND_LABELS = {
    "skill": N_("Skills"),
    "time": N_("Time"),
    "material": N_("Material"),
    "room": N_("Room"),
    "knowledge": N_("Knowledge"),
    "team_day": N_("Team day"),
}
OFFER, SEARCH = N_("Offer"), N_("Search")
INTERESTED, NOT_FOR_ME = N_("Interested"), N_("Not for me")
WRITE = N_("Write to them")
GONE = N_("This offer or search is no longer open.")
NOT_YOURS = N_("This is not yours to answer.")
NEEDS_PERSON = N_(
    "Please send /start first and agree to how I store your data – then you can post "
    "offers and searches."
)
ORGANISATION_REACH_KM = 25.0


def kind_text(t: Speaker, kind: str) -> str:
    return t._(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def direction_text(t: Speaker, direction: str) -> str:
    return t._(OFFER) if direction == "offer" else t._(SEARCH)


def days_text(t: Speaker, first: date | None, last: date | None) -> str:
    if first is None:
        return t._("ongoing, no fixed date")
    fmt = "EEEE, d. MMMM" if t.locale == "de" else "EEEE, d MMMM"
    noon = datetime.combine(first, time(12), tzinfo=t.translator.tz)
    if last is None or last == first:
        return t.translator.date(noon, format=fmt)
    end = datetime.combine(last, time(12), tzinfo=t.translator.tz)
    return f"{t.translator.date(noon, format=fmt)} – {t.translator.date(end, format=fmt)}"


def expiry_of(now: datetime, last: date | None, tz: object) -> datetime:
    """A dated post ends after its last day; an ongoing one after 60 days."""
    if last is None:
        return now + timedelta(days=60)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)  # type: ignore[arg-type]


# -- sides -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """A side, loaded: the post, need or organisation behind it."""

    side: Side
    post: PartnerPost | None = None
    need: Need | None = None
    organisation: Organisation | None = None

    @property
    def title(self) -> str:
        if self.post is not None:
            return self.post.title
        if self.need is not None:
            return self.need.title
        return self.organisation.name if self.organisation else ""

    @property
    def postal_code(self) -> str:
        for row in (self.post, self.need, self.organisation):
            if row is not None:
                return row.postal_code
        return ""

    @property
    def organisation_id(self) -> int | None:
        if self.post is not None:
            return self.post.organisation_id
        return self.organisation.id if self.organisation is not None else None


async def load_party(ctx: Context, side: Side | None, *, open_only: bool = True) -> Party | None:
    """The side if it still exists (and, with ``open_only``, may still be answered)."""
    return await load_side(ctx.uow, side, ctx.now(), open_only=open_only)


async def load_side(
    uow: UnitOfWork, side: Side | None, now: datetime, *, open_only: bool = True
) -> Party | None:
    if side is None:
        return None
    if side.kind == "post":
        post = await partners_of(uow).get(side.id)
        if post is None or (open_only and (post.status != "open" or post.expires_at <= now)):
            return None
        organisation = None
        if post.organisation_id is not None:
            organisation = await uow.directory.organisation(post.organisation_id)
        return Party(side, post=post, organisation=organisation)
    if side.kind == "need":
        found = await uow.directory.need(side.id)
        if found is None or (open_only and found[0].status != "open"):
            return None
        return Party(side, need=found[0], organisation=found[1])
    organisation = await uow.directory.organisation(side.id)
    if organisation is None or organisation.status != "approved":
        return None
    return Party(side, organisation=organisation)


async def people_of(uow: UnitOfWork, party: Party) -> set[int]:
    """Who may act for a side: a private post's author; an organisation's admins."""
    people: set[int] = set()
    if party.post is not None and party.post.organisation_id is None and party.post.owner_id:
        people.add(party.post.owner_id)
    organisation_id = party.organisation_id
    if party.need is not None:
        organisation_id = party.need.organisation_id
    if organisation_id is not None:
        for account in await uow.directory.admin_accounts(organisation_id):
            people.add(account.person_id)
    return people


async def acts_for(ctx: Context, party: Party) -> bool:
    """Checked on every press: a button only proves it was once shown to someone."""
    if ctx.person is None or ctx.person.id is None:
        return False
    if party.post is not None and party.post.organisation_id is None:
        return party.post.owner_id == ctx.person.id
    organisation_id = party.organisation_id
    if party.need is not None:
        organisation_id = party.need.organisation_id
    if organisation_id is None:
        return False
    return await ctx.uow.directory.is_admin(organisation_id, ctx.person.id)


async def accounts_of(ctx: Context, party: Party) -> list[Account]:
    """Every reachable account of everyone who acts for the side."""
    accounts: list[Account] = []
    for person_id in sorted(await people_of(ctx.uow, party)):
        found = await ctx.uow.people.accounts_of(person_id)
        accounts += [account for account in found if account.unreachable_since is None]
    return accounts


def side_of(connection: PartnerConnection, side: Side) -> str | None:
    """ "a" or "b": where this side sits in the connection; None if it is not in it."""
    if (connection.a_kind, connection.a_id) == (side.kind, side.id):
        return "a"
    if (connection.b_kind, connection.b_id) == (side.kind, side.id):
        return "b"
    return None


def other_side(connection: PartnerConnection, letter: str) -> Side:
    if letter == "a":
        return Side(connection.b_kind, connection.b_id)
    return Side(connection.a_kind, connection.a_id)


# -- snapshots ----------------------------------------------------------------------------


def post_snapshot(post: PartnerPost, organisation: Organisation | None = None) -> PartnerSnapshot:
    assert post.id is not None
    days = None
    if post.date_from is not None:
        days = (post.date_from, post.date_until or post.date_from)
    return PartnerSnapshot(
        side="post",
        id=post.id,
        direction=post.direction,
        kind=post.kind,
        lat=post.latitude,
        lon=post.longitude,
        radius_km=post.radius_km,
        interests=frozenset(post.interests),
        topics=topic_words(f"{post.title} {post.text}"),
        days=days,
        people=post.people,
        owner=None if post.organisation_id else post.owner_id,
        organisation=post.organisation_id,
        organisation_kind=organisation.kind if organisation else None,
    )


def need_snapshot(need: Need, tz: object) -> PartnerSnapshot:
    assert need.id is not None
    days = None
    if need.starts_at is not None:
        first = need.starts_at.astimezone(tz).date()  # type: ignore[arg-type]
        last = (need.ends_at or need.starts_at).astimezone(tz).date()  # type: ignore[arg-type]
        days = (first, last)
    return PartnerSnapshot(
        side="need",
        id=need.id,
        direction="search",
        kind="",
        lat=need.latitude,
        lon=need.longitude,
        radius_km=0.0,
        interests=frozenset(need.interests),
        topics=topic_words(f"{need.title} {need.description}"),
        days=days,
        people=need.capacity - need.taken,
        organisation=need.organisation_id,
    )


def organisation_snapshot(organisation: Organisation) -> PartnerSnapshot:
    assert organisation.id is not None
    return PartnerSnapshot(
        side="organisation",
        id=organisation.id,
        direction="offer",
        kind="",
        lat=organisation.latitude,
        lon=organisation.longitude,
        radius_km=0.0,
        interests=frozenset(organisation.interests),
        topics=topic_words(f"{organisation.name} {organisation.description}"),
        organisation=organisation.id,
        organisation_kind=organisation.kind,
    )


# -- rendering ----------------------------------------------------------------------------


def reasons_line(t: Speaker, reasons: tuple[Reason, ...]) -> str:
    """'fits: Environment & animals · topic “biene” · same kind · 10 km'."""
    parts = []
    fields = [interest_label(t, str(r.value)) for r in reasons if r.kind == "interest"]
    if fields:
        parts.append(", ".join(fields))
    for reason in reasons:
        if reason.kind == "topic":
            parts.append(t._("topic “{word}…”", word=str(reason.value)))
        elif reason.kind == "kind":
            parts.append(t._("both: {kind}", kind=kind_text(t, str(reason.value))))
        elif reason.kind == "days":
            day = date.fromisoformat(str(reason.value))
            parts.append(t._("on {day}", day=days_text(t, day, day)))
        elif reason.kind == "people":
            parts.append(t.ngettext("{n} person", "{n} people", int(reason.value)))
        elif reason.kind == "partner_kind":
            parts.append(kind_label(t, str(reason.value)))
        elif reason.kind == "distance":
            parts.append(distance_text(t, float(reason.value)))
    return t._("fits: {reasons}", reasons=" · ".join(parts)) if parts else ""


def who_text(t: Speaker, party: Party) -> str:
    """What kind of party is behind a side, without a name (organisations' needs and
    organisations themselves are public, so they keep theirs)."""
    if party.post is not None:
        if party.organisation is not None:
            return t._("an organisation: {kind}", kind=kind_label(t, party.organisation.kind))
        return t._("a private person")
    if party.organisation is not None:
        return f"{party.organisation.name} ({kind_label(t, party.organisation.kind)})"
    return ""


def post_lines(t: Speaker, post: PartnerPost) -> list[str]:
    icon = "🎁" if post.direction == "offer" else "🔎"
    iso = t.translator.isolate  # the author's words inside a possibly right-to-left card
    lines = [
        f"{icon} {direction_text(t, post.direction)}: {iso(post.title)}",
        "🏷 " + kind_text(t, post.kind),
        "🕒 " + days_text(t, post.date_from, post.date_until),
    ]
    if post.people:
        lines.append("👥 " + t.ngettext("{n} person", "{n} people", post.people))
    lines.append("📍 " + iso(" ".join(filter(None, [post.postal_code, post.place]))))
    if note := written_in(t, post.language):
        lines.append(note)
    return lines


def party_lines(t: Speaker, party: Party) -> list[str]:
    """A side as shown before anyone agreed: what it is about, never who wrote it."""
    if party.post is not None:
        return [*post_lines(t, party.post), "👤 " + who_text(t, party)]
    if party.need is not None:
        need = party.need
        return [
            "🔎 " + t._("Need: {title}", title=need.title),
            "🕒 " + when_text(t, need.starts_at, need.ends_at),
            "👥 " + t.ngettext("{n} spot left", "{n} spots left", need.capacity - need.taken),
            "👤 " + who_text(t, party),
        ]
    organisation = party.organisation
    assert organisation is not None
    fields = ", ".join(interest_label(t, i) for i in organisation.interests)
    return ["🤝 " + who_text(t, party), "🎯 " + fields]


def suggestion_card(t: Speaker, mine: Side, party: Party, match: PartnerMatch) -> Reply:
    """``party`` as a partner for ``mine``, with the reasons and an Interested button."""
    lines = party_lines(t, party)
    if why := reasons_line(t, match.reasons):
        lines.append("💡 " + why)
    value = f"@pint:{mine.value}:{party.side.value}"
    return Reply("\n".join(lines), buttons=buttons([(t._(INTERESTED), value)]))


async def request_contact(
    ctx: Context,
    to: Party,
    about: Party,
    connection_id: int | None,
    head: Callable[[Translator], str],
) -> None:
    """A contact request to every account of ``to``: ``head``, then what ``about`` posted and
    what kind of party it is (never a name), with Interested and Not for me."""

    def note(t: Translator) -> str:
        return "\n".join([head(t), "", *party_lines(t, about)])

    actions = [
        (INTERESTED, f"@pint:{to.side.value}:{about.side.value}"),
        (NOT_FOR_ME, f"@pno:{connection_id}"),
    ]
    await relay(ctx, await accounts_of(ctx, to), note, actions)
