"""Suggested needs (/matches), signing up, declining, details."""

from __future__ import annotations

from collections.abc import Callable

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Step, buttons
from dialogs.i18n import N_, Translator
from dialogs.ics import signup_attachment
from dialogs.need_link import pending_need_card
from dialogs.volunteer import (
    RADII_KM,
    find_volunteer,
    need_card,
    need_snapshot,
    relay,
    volunteer_name,
    volunteer_snapshot,
    when_text,
    written_in,
)
from matching.scoring import rank_needs_for
from matching.types import Match
from storage.models import Need, Organisation, VolunteerProfile
from storage.volunteering import SignUpResult

PAGE_SIZE = 3
# "More" keeps paging the same kind of list: /now's pages stay inside the free window.
MORE_ACTIONS = {"regular": "more", "now": "nowmore"}


async def ranked_needs(
    ctx: Context, profile: VolunteerProfile, mode: str = "regular"
) -> list[tuple[Need, Organisation, Match]]:
    """The volunteer's best open needs, nearest candidates fetched by bounding box."""
    if profile.latitude is None or profile.longitude is None:
        return []
    candidates = await ctx.uow.directory.open_needs_near(
        profile.latitude, profile.longitude, profile.radius_km, ctx.now()
    )
    by_id = {need.id: (need, organisation) for need, organisation in candidates}
    matches = rank_needs_for(
        await volunteer_snapshot(ctx, profile),
        [need_snapshot(need) for need, _ in candidates],
        now=ctx.now(),
        tz=ctx.config.tz,
        mode=mode,  # type: ignore[arg-type]
    )
    return [(*by_id[match.id], match) for match in matches]


def wider_radius(radius_km: float) -> int | None:
    return next((km for km in RADII_KM if km > radius_km), None)


async def matches_page(
    ctx: Context, profile: VolunteerProfile, offset: int = 0, mode: str = "regular"
) -> list[Reply]:
    ranked = await ranked_needs(ctx, profile, mode)
    page = ranked[offset : offset + PAGE_SIZE]
    if not page:
        if offset:
            return [Reply(ctx._("That was everything for now."))]
        wider = wider_radius(profile.radius_km)
        text = ctx._("Nothing near you fits right now.")
        if wider is None:
            return [Reply(text + " " + ctx._("I will tell you when something new comes up."))]
        return [
            Reply(
                text + " " + ctx._("Shall I look further away?"),
                buttons=buttons([(ctx._("Widen to {km} km", km=wider), f"@widen:{wider}")]),
            )
        ]
    replies = [need_card(ctx, need, organisation, match) for need, organisation, match in page]
    rest = len(ranked) - offset - len(page)
    if rest > 0:
        replies.append(
            Reply(
                ctx.ngettext("{n} more suggestion.", "{n} more suggestions.", rest),
                buttons=buttons([(ctx._("More"), f"@{MORE_ACTIONS[mode]}:{offset + PAGE_SIZE}")]),
            )
        )
    return replies


async def first_matches(ctx: Context, profile: VolunteerProfile) -> list[Reply]:
    """Shown right after onboarding: the need that brought them (a web page's link), the
    first suggestions, or how to get some."""
    return [
        *await pending_need_card(ctx),
        Reply(ctx._("Here is what fits you right now:")),
        *await matches_page(ctx, profile),
    ]


async def require_profile(ctx: Context) -> VolunteerProfile | None:
    found = await find_volunteer(ctx)
    if found is None or found[1].completed_at is None:
        return None
    return found[1]


NO_PROFILE = N_("First tell me a little about yourself: send /start.")


async def on_matches(event: Event, ctx: Context) -> Step:
    profile = await require_profile(ctx)
    if profile is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    return Step.stay(*await matches_page(ctx, profile))


async def on_more(event: ButtonPress, ctx: Context, argument: str) -> Step:
    profile = await require_profile(ctx)
    if profile is None or not argument.isdecimal():
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    return Step.stay(*await matches_page(ctx, profile, offset=int(argument)))


async def on_widen(event: ButtonPress, ctx: Context, argument: str) -> Step:
    profile = await require_profile(ctx)
    if profile is None or not argument.isdecimal() or int(argument) not in RADII_KM:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    profile.radius_km = float(argument)
    await ctx.uow.profiles.save(profile)
    return Step.stay(
        Reply(ctx._("I now look within {km} km.", km=argument)),
        *await matches_page(ctx, profile),
    )


async def _need(ctx: Context, argument: str) -> tuple[Need, Organisation] | None:
    return await ctx.uow.directory.need(int(argument)) if argument.isdecimal() else None


async def tell_organisation(
    ctx: Context, organisation: Organisation, text: Callable[[Translator], str]
) -> None:
    """Tell the organisation's admins, each in their own language."""
    assert organisation.id is not None
    await relay(ctx, await ctx.uow.directory.admin_accounts(organisation.id), text)


async def on_signup(event: ButtonPress, ctx: Context, argument: str) -> Step:
    profile = await require_profile(ctx)
    found = await _need(ctx, argument)
    if profile is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    if found is None:
        return Step.stay(Reply(ctx._("This need does not exist any more.")))
    need, organisation = found
    result = await ctx.uow.signups.sign_up(need.id, profile.person_id, ctx.now())  # type: ignore[arg-type]
    if result is SignUpResult.ALREADY:
        return Step.stay(Reply(ctx._("You are already signed up for this.")))
    if result is SignUpResult.FULL:
        return Step.stay(Reply(ctx._("Sorry, all spots are taken already.")))
    if result is SignUpResult.CLOSED:
        return Step.stay(Reply(ctx._("Sorry, this need is closed.")))
    person = ctx.person
    await tell_organisation(
        ctx,
        organisation,
        lambda t: t._(
            "New sign-up for “{title}” ({when}): {name}.",
            title=need.title,
            when=when_text(t, need.starts_at, need.ends_at),
            name=volunteer_name(t, person),
        ),
    )
    return Step.stay(
        Reply(
            ctx._(
                "Thank you! You are signed up for “{title}”, {when}. {organisation} has been "
                "told. You find your sign-ups under /mine.",
                title=need.title,
                when=when_text(ctx, need.starts_at, need.ends_at),
                organisation=organisation.name,
            ),
            attachment=await signup_attachment(ctx, need, organisation, profile.person_id),
        )
    )


async def on_decline(event: ButtonPress, ctx: Context, argument: str) -> Step:
    profile = await require_profile(ctx)
    found = await _need(ctx, argument)
    if profile is None or found is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    await ctx.uow.signups.decline(profile.person_id, found[0].id)  # type: ignore[arg-type]
    return Step.stay(Reply(ctx._("Got it – I won't suggest this one again.")))


async def on_details(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await _need(ctx, argument)
    if found is None:
        return Step.stay(Reply(ctx._("This need does not exist any more.")))
    need, organisation = found
    card = need_card(ctx, need, organisation, None)
    iso = ctx.translator.isolate
    details = [card.text]
    if need.description:
        details.append(iso(need.description))
    about = iso(f"{organisation.name}: {organisation.description}")
    if note := written_in(ctx, organisation.language):
        about += "\n" + note
    details.append(about)
    if organisation.public_contact:
        details.append(ctx._("Contact: {contact}", contact=organisation.public_contact))
    return Step.stay(Reply("\n\n".join(details), buttons=card.buttons[:1]))


def register(registry: Registry) -> None:
    registry.add_command("matches", N_("Needs that fit you"), on_matches)
    registry.add_action("more", on_more)
    registry.add_action("widen", on_widen)
    registry.add_action("signup", on_signup)
    registry.add_action("decline", on_decline)
    registry.add_action("details", on_details)


async def spot_freed(ctx: Context, need_id: int) -> None:
    """Let the scheduler offer the spot to others once the cancellation is committed.

    A failing hook is logged by the engine; the cancellation stands."""
    hook = ctx.services.get("on_spot_freed")
    if hook is not None:
        ctx.after_commit(lambda: hook(need_id))
