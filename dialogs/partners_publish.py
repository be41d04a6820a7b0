"""Publishing a drafted offer or search, its card, and closing it again.

Publish checks the rights again at the moment of the press (an admin may have lost the
organisation meanwhile); a published post is announced to fitting partners by the
``on_partner_post_published`` service once the step has committed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dialogs.events import ButtonPress, Reply
from dialogs.flow import Context, Step, buttons
from dialogs.partners_common import (
    GONE,
    NEEDS_PERSON,
    NOT_YOURS,
    acts_for,
    days_text,
    direction_text,
    expiry_of,
    kind_text,
    load_party,
)
from dialogs.roles import NOT_ALLOWED, roles_of
from dialogs.volunteer import interest_label
from storage.partners import PartnerPost, Side, partners_of
from storage.postal_codes import default_directory


def radius_text(ctx: Context, km: float) -> str:
    return ctx._("{km} km", km=ctx.translator.number(round(km)))


def draft_days(data: dict[str, Any]) -> tuple[date | None, date | None]:
    first, last = data.get("date_from"), data.get("date_until")
    return (
        date.fromisoformat(first) if first else None,
        date.fromisoformat(last) if last else None,
    )


async def card_lines(ctx: Context) -> list[str]:
    data = ctx.data
    first, last = draft_days(data)
    found = default_directory().lookup(data["postal_code"])
    if isinstance(data.get("for"), int):
        organisation = await ctx.uow.directory.organisation(data["for"])
        owner = organisation.name if organisation else ""
    else:
        owner = ctx._("you, as a private person")
    fields = ", ".join(interest_label(ctx, i) for i in data.get("interests", []))
    expires = expiry_of(ctx.now(), last, ctx.config.tz)
    people = data.get("people")
    return [
        f"{direction_text(ctx, data['direction'])}: {data['title']}",
        "🏷 " + ctx._("Kind: {kind}", kind=kind_text(ctx, data["kind"])),
        "👤 " + ctx._("From: {owner}", owner=owner),
        "🕒 " + ctx._("When: {when}", when=days_text(ctx, first, last)),
        "👥 " + ctx._("People: {count}", count=people if people else "–"),
        "📍 "
        + ctx._(
            "Where: {place}, partners up to {distance} away",
            place=f"{data['postal_code']} {found.place if found else ''}".strip(),
            distance=radius_text(ctx, float(data.get("radius", 25))),
        ),
        "🎯 " + ctx._("Fields: {interests}", interests=fields or "–"),
        "⌛ " + ctx._("Open until: {day}", day=ctx.translator.date(expires, format="medium")),
    ]


async def publish(ctx: Context) -> Step:
    data = ctx.data
    if ctx.person is None or ctx.person.id is None:
        return Step.finish(Reply(ctx._(NEEDS_PERSON)))
    organisation_id = data["for"] if isinstance(data.get("for"), int) else None
    if organisation_id is not None:
        organisation = await ctx.uow.directory.organisation(organisation_id)
        roles = await roles_of(ctx)
        if organisation is None or organisation.status != "approved":
            return Step.finish(Reply(ctx._(NOT_ALLOWED)))
        if not roles.administers(organisation_id):
            return Step.finish(Reply(ctx._(NOT_ALLOWED)))
    first, last = draft_days(data)
    if last is not None and last < ctx.now().astimezone(ctx.config.tz).date():
        return Step.to(
            "when", Reply(ctx._("That day has passed. Please give one that lies ahead."))
        )
    found = default_directory().lookup(data["postal_code"])
    if found is None:
        return Step.to("place")
    saved = await partners_of(ctx.uow).add(
        PartnerPost(
            direction=data["direction"],
            kind=data["kind"],
            title=data["title"],
            text=data.get("text", ""),
            interests=list(data.get("interests", [])),
            people=data.get("people"),
            postal_code=found.code,
            place=found.place,
            latitude=found.latitude,
            longitude=found.longitude,
            radius_km=float(data.get("radius", 25)),
            date_from=first,
            date_until=last,
            expires_at=expiry_of(ctx.now(), last, ctx.config.tz),
            owner_id=ctx.person.id,
            organisation_id=organisation_id,
            language=ctx.locale,
            created_at=ctx.now(),
        )
    )
    hook = ctx.services.get("on_partner_post_published")
    if hook is not None and saved.id is not None:
        post_id = saved.id
        ctx.after_commit(lambda: hook(post_id))
    text = ctx._(
        "Published: “{title}”. I'll tell fitting partners about it. Send /partners to see "
        "who fits – nobody learns who you are until you both agree.",
        title=saved.title,
    )
    return Step.finish(Reply(text))


# -- closing ------------------------------------------------------------------------------------


async def own_post(ctx: Context, argument: str) -> PartnerPost | str:
    side = Side("post", int(argument)) if argument.isdecimal() and len(argument) < 12 else None
    party = await load_party(ctx, side)
    if party is None or party.post is None:
        return ctx._(GONE)
    if not await acts_for(ctx, party):
        return ctx._(NOT_YOURS)
    return party.post


async def on_close(event: ButtonPress, ctx: Context, argument: str) -> Step:
    post = await own_post(ctx, argument)
    if isinstance(post, str):
        return Step.stay(Reply(post))
    text = ctx._("Close “{title}”? Nobody will be suggested it any more.", title=post.title)
    rows = buttons([(ctx._("Close it"), f"@pcloseyes:{post.id}"), (ctx._("Keep it"), "@pkeep")])
    return Step.stay(Reply(text, buttons=rows))


async def on_close_yes(event: ButtonPress, ctx: Context, argument: str) -> Step:
    post = await own_post(ctx, argument)
    if isinstance(post, str):
        return Step.stay(Reply(post))
    post.status = "closed"
    await partners_of(ctx.uow).save(post)
    return Step.stay(Reply(ctx._("Closed: “{title}”.", title=post.title)))


async def on_keep(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return Step.stay(Reply(ctx._("Fine – it stays open.")))
