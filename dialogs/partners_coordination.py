"""Coordinators: the open offers and searches of their municipality, and recommending
two sides to each other by hand.

A recommendation is a contact request to both sides at once, sent only after the
coordinator confirmed: each side sees the other's post and what kind of party it is,
and the same consent rules hold – nothing about a person is shown until both said yes.
Rights are checked on every press: the coordinator must coordinate the municipality the
first side lies in, right now.
"""

from __future__ import annotations

from dialogs.coordination_common import district_codes, per_municipality
from dialogs.events import ButtonPress, Reply
from dialogs.flow import Context, Step, buttons
from dialogs.i18n import N_, Translator
from dialogs.partners_common import (
    GONE,
    Party,
    load_party,
    party_lines,
    reasons_line,
    request_contact,
)
from dialogs.partners_suggest import ranked
from dialogs.roles import audit, roles_of
from storage.models import Municipality
from storage.partners import Side, partners_of
from storage.postal_codes import default_directory

LISTED = 10
RECOMMENDED = 3


async def municipality_of(ctx: Context, party: Party) -> Municipality | None:
    found = default_directory().lookup(party.postal_code)
    if found is None:
        return None
    return await ctx.uow.governance.municipality_for_district(found.district_key)


async def coordinated_party(ctx: Context, side: Side | None) -> Party | str:
    """The side, if it is open and lies in a municipality the presser coordinates now."""
    party = await load_party(ctx, side)
    if party is None:
        return ctx._(GONE)
    municipality = await municipality_of(ctx, party)
    roles = await roles_of(ctx)
    if municipality is None or not roles.coordinates(municipality.id):
        return ctx._("Sorry, you are not allowed to do that.")
    return party


# -- the list -------------------------------------------------------------------------------


async def open_posts(ctx: Context, municipality: Municipality) -> Step:
    posts = await partners_of(ctx.uow).open_in(district_codes(municipality.district_key), ctx.now())
    if not posts:
        return Step.stay(
            Reply(ctx._("No open offers or searches in {name}.", name=municipality.name))
        )
    head = ctx.ngettext(
        "{n} open offer or search in {name}:",
        "{n} open offers and searches in {name}:",
        len(posts),
        name=municipality.name,
    )
    replies = [Reply(head)]
    for post in posts[:LISTED]:
        party = await load_party(ctx, Side("post", post.id or 0))
        if party is None:
            continue
        text = "\n".join([ctx._("No. {number}", number=post.id), *party_lines(ctx, party)])
        choice = [(ctx._("Recommend a partner"), f"@precfor:{post.id}")]
        replies.append(Reply(text, buttons=buttons(choice)))
    return Step.stay(*replies)


on_posts, on_posts_for = per_municipality("posts", open_posts)


# -- recommending -------------------------------------------------------------------------------


async def on_recommend_for(event: ButtonPress, ctx: Context, argument: str) -> Step:
    side = Side("post", int(argument)) if argument.isdecimal() and len(argument) < 12 else None
    party = await coordinated_party(ctx, side)
    if isinstance(party, str) or side is None:
        return Step.stay(Reply(str(party)))
    matches = await ranked(ctx.uow, party, ctx.now(), ctx.config.tz, RECOMMENDED)
    if not matches:
        return Step.stay(Reply(ctx._("Nothing fits “{title}” at the moment.", title=party.title)))
    replies = [Reply(ctx._("Who could fit “{title}”:", title=party.title))]
    for match in matches:
        other = await load_party(ctx, Side(match.side, match.id))
        if other is None:
            continue
        lines = party_lines(ctx, other)
        if why := reasons_line(ctx, match.reasons):
            lines.append("💡 " + why)
        value = f"@prec:{side.value}:{other.side.value}"
        rows = buttons([(ctx._("Recommend to both"), value)])
        replies.append(Reply("\n".join(lines), buttons=rows))
    return Step.stay(*replies)


async def pair_pressed(ctx: Context, argument: str) -> tuple[Party, Party] | str:
    first, _, second = argument.partition(":")
    party = await coordinated_party(ctx, Side.parse(first))
    other = await load_party(ctx, Side.parse(second))
    if isinstance(party, str):
        return party
    if other is None or other.side == party.side:
        return ctx._(GONE)
    return party, other


async def on_recommend(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await pair_pressed(ctx, argument)
    if isinstance(found, str):
        return Step.stay(Reply(found))
    party, other = found
    text = ctx._(
        "Recommend “{one}” and “{other}” to each other? Both get a message now; nothing "
        "about either is shown unless both agree.",
        one=party.title,
        other=other.title,
    )
    rows = buttons(
        [(ctx._("Recommend to both"), f"@precyes:{argument}"), (ctx._("Cancel"), "@precno")]
    )
    return Step.stay(Reply(text, buttons=rows))


async def on_recommend_no(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return Step.stay(Reply(ctx._("Cancelled – nobody was told anything.")))


async def on_recommend_yes(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await pair_pressed(ctx, argument)
    if isinstance(found, str) or ctx.person is None:
        return Step.stay(Reply(str(found)))
    party, other = found
    repository = partners_of(ctx.uow)
    connection = await repository.open_connection(
        party.side, other.side, party.postal_code, ctx.now()
    )
    if connection.status != "open" or connection.recommended_by is not None:
        return Step.stay(Reply(ctx._("These two were already put in touch.")))
    connection.recommended_by = ctx.person.id
    await repository.save(connection)
    municipality = await municipality_of(ctx, party)
    name = municipality.name if municipality is not None else ""
    for to, about in ((party, other), (other, party)):
        await recommend(ctx, connection.id or 0, name, to, about)
    await audit(
        ctx, await roles_of(ctx), "partner_recommend", f"partner_connection:{connection.id}"
    )
    return Step.stay(Reply(ctx._("Recommended. Both sides decide for themselves.")))


async def recommend(ctx: Context, connection_id: int, name: str, to: Party, about: Party) -> None:
    def head(t: Translator) -> str:
        return t.gettext(
            "The engagement office of {municipality} suggests a partner for “{title}”. "
            "Nothing about you is shown unless you both agree:",
            municipality=name,
            title=to.title,
        )

    await request_contact(ctx, to, about, connection_id, head)


COMMAND = N_("Coordinators: open offers and searches in your municipality")
