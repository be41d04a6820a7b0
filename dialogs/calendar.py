"""/calendar: a private calendar link (iCal feed) with the volunteer's sign-ups.

The link is shown once, when it is made: only a fingerprint of it is stored.
Later, /calendar offers a new link (the old one stops working) or turning it
off; both ask for a confirmation, since calendars using the old link stop
updating.
"""

from __future__ import annotations

from dialogs.choices import BUTTONS_ONLY, pressed
from dialogs.engine import Registry
from dialogs.events import Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons
from dialogs.i18n import N_
from dialogs.needs import NO_PROFILE, require_profile
from storage.calendar import CalendarFeeds

calendar = Dialog("calendar", first="offer")
NOT_AVAILABLE = N_(
    "Calendar links are not available on this server. Every sign-up confirmation comes "
    "with a calendar file you can open to add the date."
)


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/ical/{token}.ics"


def feeds(ctx: Context) -> CalendarFeeds:
    return CalendarFeeds(ctx.uow.session)


async def on_calendar(event: Event, ctx: Context) -> Step:
    profile = await require_profile(ctx)
    if profile is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    if not ctx.services.get("public_url"):
        return Step.stay(Reply(ctx._(NOT_AVAILABLE)))
    if await feeds(ctx).active_of(profile.person_id) is None:
        return Step.start(calendar.name, state="offer")
    return Step.start(calendar.name, state="manage")


async def new_link(ctx: Context) -> Step:
    assert ctx.person is not None and ctx.person.id is not None
    token = await feeds(ctx).create(ctx.person.id, ctx.now())
    text = ctx._(
        "Your private calendar link:\n{url}\n\nAdd it to your calendar app as a "
        "subscription (“subscribe to calendar” or “add calendar from URL”). It shows your "
        "sign-ups and keeps itself up to date. Keep the link to yourself: whoever has it "
        "sees your sign-ups. I show it only this once; /calendar makes a new one or turns "
        "it off.",
        url=feed_url(ctx.services["public_url"], token),
    )
    return Step.finish(Reply(text))


@calendar.ask("offer")
async def ask_offer(ctx: Context) -> list[Reply]:
    text = ctx._(
        "I can make you a private calendar link: your calendar app then shows the needs "
        "you signed up for, and changes and cancellations as they happen. Make one?"
    )
    choices = [(ctx._("Make my calendar link"), "create"), (ctx._("Cancel"), "cancel")]
    return [Reply(text, buttons=buttons(choices))]


@calendar.handle("offer")
async def on_offer(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "create" and ctx.person is not None:
        return await new_link(ctx)
    if choice == "cancel":
        return Step.finish(Reply(ctx._("All right, no calendar link.")))
    return Step.stay(Reply(ctx._(BUTTONS_ONLY)))


@calendar.ask("manage")
async def ask_manage(ctx: Context) -> list[Reply]:
    assert ctx.person is not None and ctx.person.id is not None
    feed = await feeds(ctx).active_of(ctx.person.id)
    since = ctx.translator.date(feed.created_at, format="medium") if feed else "–"
    text = ctx._(
        "You have a private calendar link since {date}. I keep only a fingerprint of it, "
        "so I cannot show it again. You can make a new one (the old one stops working) or "
        "turn it off.",
        date=since,
    )
    choices = [(ctx._("Make a new link"), "renew"), (ctx._("Turn it off"), "revoke")]
    return [Reply(text, buttons=buttons(choices, [(ctx._("Cancel"), "cancel")]))]


@calendar.handle("manage")
async def on_manage(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice in ("renew", "revoke"):
        ctx.data["choice"] = choice
        return Step.to("confirm")
    if choice == "cancel":
        return Step.finish(Reply(ctx._("All right, your calendar link stays as it is.")))
    return Step.stay(Reply(ctx._(BUTTONS_ONLY)))


@calendar.ask("confirm")
async def ask_confirm(ctx: Context) -> list[Reply]:
    if ctx.data.get("choice") == "renew":
        text = ctx._(
            "Make a new link? Calendars that use the old one stop updating; you add the new "
            "one instead."
        )
        yes = ctx._("Yes, make a new link")
    else:
        text = ctx._(
            "Turn your calendar link off? Calendars that use it stop updating; its address "
            "stops working for good."
        )
        yes = ctx._("Yes, turn it off")
    return [Reply(text, buttons=buttons([(yes, "yes"), (ctx._("No"), "no")]))]


@calendar.handle("confirm")
async def on_confirm(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "no":
        return Step.finish(Reply(ctx._("All right, your calendar link stays as it is.")))
    if choice != "yes":
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    if ctx.person is None or ctx.person.id is None:
        return Step.finish(Reply(ctx._(NO_PROFILE)))
    if ctx.data.get("choice") == "renew":
        return await new_link(ctx)
    await feeds(ctx).revoke(ctx.person.id, ctx.now())
    return Step.finish(
        Reply(ctx._("Your calendar link is turned off. /calendar makes a new one any time."))
    )


def register(registry: Registry) -> None:
    registry.add_dialog(calendar)
    registry.add_command("calendar", N_("Your sign-ups in your calendar app"), on_calendar)
