"""The volunteer's sign-ups (/mine) and cancelling one, which frees the spot."""

from __future__ import annotations

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Step, buttons
from dialogs.i18n import N_
from dialogs.needs import (
    NO_PROFILE,
    spot_freed,
    tell_organisation,
)
from dialogs.volunteer import (
    is_over,
    own_signup,
    signup_card,
    volunteer_name,
    when_text,
)

# -- /mine --------------------------------------------------------------------------


async def on_mine(event: Event, ctx: Context) -> Step:
    if ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    signed = await ctx.uow.signups.active_of(ctx.person.id)
    upcoming = [(need, org) for _, need, org in signed if not is_over(need, ctx.now())]
    if not upcoming:
        return Step.stay(
            Reply(ctx._("You have not signed up for anything yet – see /matches."))
            if not signed
            else Reply(ctx._("You have no upcoming sign-ups – see /matches."))
        )
    title = ctx.ngettext(
        "You are signed up for {n} need:", "You are signed up for {n} needs:", len(upcoming)
    )
    return Step.stay(Reply(title), *(signup_card(ctx, need, org) for need, org in upcoming))


NOT_SIGNED_UP = N_("You are not signed up for this (any more).")


async def on_unsign(event: ButtonPress, ctx: Context, argument: str) -> Step:
    """Ask first: a cancelled spot may be taken by someone else at once."""
    found = await own_signup(ctx, argument)
    if found is None:
        return Step.stay(Reply(ctx._(NOT_SIGNED_UP)))
    need, organisation = found
    question = ctx._(
        "Really cancel your sign-up for “{title}” ({when})? {organisation} will be told.",
        title=need.title,
        when=when_text(ctx, need.starts_at, need.ends_at),
        organisation=organisation.name,
    )
    choices = [
        (ctx._("Yes, cancel it"), f"@unsign_yes:{need.id}"),
        (ctx._("No, keep it"), f"@unsign_no:{need.id}"),
    ]
    return Step.stay(Reply(question, buttons=buttons(choices)))


async def on_unsign_yes(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await own_signup(ctx, argument)
    if found is None or ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._(NOT_SIGNED_UP)))
    need, organisation = found
    assert need.id is not None
    if not await ctx.uow.signups.cancel(need.id, ctx.person.id, ctx.now()):
        return Step.stay(Reply(ctx._(NOT_SIGNED_UP)))
    await spot_freed(ctx, need.id)
    person = ctx.person
    await tell_organisation(
        ctx,
        organisation,
        lambda t: t._(
            "{name} cancelled the sign-up for “{title}” ({when}). The spot is free again.",
            name=volunteer_name(t, person),
            title=need.title,
            when=when_text(t, need.starts_at, need.ends_at),
        ),
    )
    return Step.stay(
        Reply(
            ctx._(
                "Your sign-up for “{title}” is cancelled; {organisation} has been told.",
                title=need.title,
                organisation=organisation.name,
            )
        )
    )


async def on_unsign_no(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return Step.stay(Reply(ctx._("Good – you stay signed up. See /mine for all your sign-ups.")))


def register(registry: Registry) -> None:
    registry.add_command("mine", N_("Your sign-ups"), on_mine)
    registry.add_action("unsign", on_unsign)
    registry.add_action("unsign_yes", on_unsign_yes)
    registry.add_action("unsign_no", on_unsign_no)
