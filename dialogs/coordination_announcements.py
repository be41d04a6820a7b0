"""Everyone's say over announcements: /announcements on|off, and the "Stop announcements"
button under every broadcast (``@announcements_off``), which works from any state."""

from __future__ import annotations

from dialogs.coordination_audience import STOP_ANNOUNCEMENTS
from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Speaker, Step, buttons
from dialogs.i18n import N_


def announcements_status(t: Speaker, on: bool) -> Reply:
    """Where someone stands, with the button that changes it."""
    if on:
        text = t._("You get announcements from your municipality.")
        choice = (t._(STOP_ANNOUNCEMENTS), "@announcements_off")
    else:
        text = t._("You get no announcements from your municipality.")
        choice = (t._("Get announcements again"), "@announcements_on")
    return Reply(text, buttons=buttons([choice]))


async def set_announcements(ctx: Context, on: bool) -> Step:
    if ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._("You get no announcements: I have nothing stored about you.")))
    if ctx.person.announcements == on:
        text = (
            ctx._("Announcements are already on. Send /announcements off to stop them.")
            if on
            else ctx._("Announcements are already off. Send /announcements on to get them again.")
        )
        return Step.stay(Reply(text))
    ctx.person.announcements = on
    await ctx.uow.people.save(ctx.person)
    if on:
        text = ctx._(
            "Done: you will get announcements from your municipality again. "
            "Send /announcements off to stop them."
        )
    else:
        text = ctx._(
            "Done: you will get no more announcements from your municipality. "
            "Send /announcements on to get them again."
        )
    return Step.stay(Reply(text))


async def on_announcements(event: Event, ctx: Context) -> Step:
    argument = str(getattr(event, "args", "")).strip().casefold()
    if argument in ("on", "off"):
        return await set_announcements(ctx, argument == "on")
    if argument:
        return Step.stay(Reply(ctx._("Please write /announcements on or /announcements off.")))
    if ctx.person is None:
        return await set_announcements(ctx, False)
    return Step.stay(announcements_status(ctx, ctx.person.announcements))


async def on_announcements_off(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return await set_announcements(ctx, False)


async def on_announcements_on(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return await set_announcements(ctx, True)


def register(registry: Registry) -> None:
    registry.add_command(
        "announcements", N_("Turn announcements from your municipality on or off"), on_announcements
    )
    registry.add_action("announcements_off", on_announcements_off)
    registry.add_action("announcements_on", on_announcements_on)
