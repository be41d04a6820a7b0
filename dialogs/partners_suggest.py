"""Finding partners for one side: candidates from the database, ranking from matching.

Used by /partners (the person asks), by the pushes (a new post looks for the people it
fits) and by the coordinators' view. Declined pairs are never suggested again.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from dialogs.events import Reply
from dialogs.flow import Context, buttons
from dialogs.partners_common import (
    ORGANISATION_REACH_KM,
    Party,
    load_party,
    need_snapshot,
    organisation_snapshot,
    post_snapshot,
    suggestion_card,
)
from dialogs.roles import roles_of
from matching.partners import (
    PartnerMatch,
    PartnerSnapshot,
    rank_partner_organisations,
    rank_partners_for,
)
from storage.partners import PartnerPost, Side, partners_of
from storage.repositories import UnitOfWork

SUGGESTIONS = 5
WIDEST_KM = 50.0
"""Nobody chooses a wider radius, so candidates come from this bounding box."""


async def my_sides(ctx: Context) -> list[tuple[Side, str]]:
    """The presser's open posts and the approved organisations they administer."""
    if ctx.person is None or ctx.person.id is None:
        return []
    roles = await roles_of(ctx)
    sides: list[tuple[Side, str]] = []
    for post in await partners_of(ctx.uow).open_of(ctx.person.id, roles.admin_of, ctx.now()):
        assert post.id is not None
        icon = "🎁" if post.direction == "offer" else "🔎"
        sides.append((Side("post", post.id), f"{icon} {post.title}"))
    for organisation in await ctx.uow.governance.organisations_of(ctx.person.id):
        if organisation.id in roles.admin_of and organisation.status == "approved":
            sides.append((Side("organisation", organisation.id), f"🤝 {organisation.name}"))
    return sides


async def candidates_for(
    uow: UnitOfWork, mine: PartnerSnapshot, now: datetime, tz: tzinfo
) -> list[PartnerSnapshot]:
    """Everything near a side that could be its partner, as snapshots."""
    found: list[PartnerSnapshot] = []
    for post in await partners_of(uow).open_near(mine.lat, mine.lon, WIDEST_KM, now):
        organisation = None
        if post.organisation_id is not None:
            organisation = await uow.directory.organisation(post.organisation_id)
        found.append(post_snapshot(post, organisation))
    if mine.side == "post" and mine.direction == "offer":
        needs = await uow.directory.open_needs_near(mine.lat, mine.lon, WIDEST_KM, now)
        found += [need_snapshot(need, tz) for need, _organisation in needs]
    else:
        reach = ORGANISATION_REACH_KM if mine.side == "organisation" else WIDEST_KM
        for organisation in await uow.directory.organisations_near(mine.lat, mine.lon, reach):
            found.append(organisation_snapshot(organisation))
    return found


async def snapshot_of(uow: UnitOfWork, party: Party) -> PartnerSnapshot | None:
    if party.post is not None:
        return post_snapshot(party.post, party.organisation)
    if party.organisation is not None and party.need is None:
        return organisation_snapshot(party.organisation)
    return None


async def ranked(
    uow: UnitOfWork, party: Party, now: datetime, tz: tzinfo, limit: int | None
) -> list[PartnerMatch]:
    """The side's partners, best first, without those a side already declined."""
    mine = await snapshot_of(uow, party)
    if mine is None:
        return []
    candidates = await candidates_for(uow, mine, now, tz)
    if mine.side == "organisation":
        matches = rank_partner_organisations(mine, candidates)
    else:
        matches = rank_partners_for(mine, candidates)
    declined = {
        (c.a_kind, c.a_id, c.b_kind, c.b_id)
        for c in await partners_of(uow).connections_of([party.side])
        if c.status == "declined"
    }
    kept = []
    for match in matches:
        one, other = sorted([party.side, Side(match.side, match.id)])
        if (one.kind, one.id, other.kind, other.id) not in declined:
            kept.append(match)
    return kept if limit is None else kept[:limit]


async def suggestions_for(ctx: Context, side: Side) -> list[Reply]:
    party = await load_party(ctx, side)
    if party is None:
        return [Reply(ctx._("This offer or search is no longer open."))]
    matches = await ranked(ctx.uow, party, ctx.now(), ctx.config.tz, SUGGESTIONS)
    close = buttons([(ctx._("Close it"), f"@pclose:{side.id}")]) if side.kind == "post" else ()
    if not matches:
        text = ctx._(
            "Nothing fits “{title}” yet. I'll tell you when a fitting partner posts something.",
            title=party.title,
        )
        return [Reply(text, buttons=close)]
    if side.kind == "organisation":
        head = ctx._("Organisations {name} might work well with:", name=party.title)
    else:
        head = ctx._("Partners who may fit “{title}”:", title=party.title)
    replies = [Reply(head, buttons=close)]
    for match in matches:
        other = await load_party(ctx, Side(match.side, match.id))
        if other is not None:
            replies.append(suggestion_card(ctx, side, other, match))
    replies.append(
        Reply(
            ctx._(
                "Tap “Interested” on one you like. They learn nothing about you until you "
                "both agree."
            )
        )
    )
    return replies


def post_side(post: PartnerPost) -> Side:
    assert post.id is not None
    return Side("post", post.id)
