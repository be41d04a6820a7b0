"""The volunteer's controls over their data: /pause, /resume, /mydata, /delete.

Editing the profile itself is /profile in dialogs.onboarding; this module is about
switching suggestions off and on, and the GDPR rights of access and erasure.
"""

from __future__ import annotations

import json

from dialogs.engine import Registry
from dialogs.events import Attachment, ButtonPress, Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons
from dialogs.i18n import N_
from dialogs.needs import NO_PROFILE, require_profile, tell_organisation
from dialogs.volunteer import when_text

EXPORT_FILENAME = "engage-my-data.json"
NOTHING_STORED = N_("I have stored nothing about you.")

delete = Dialog("delete", first="confirm")


# -- pause and resume ------------------------------------------------------------


async def on_pause(event: Event, ctx: Context) -> Step:
    """Stop pushed suggestions without losing the profile; /matches keeps working."""
    profile = await require_profile(ctx)
    if profile is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    if profile.paused:
        return Step.stay(
            Reply(ctx._("You have paused already. Send /resume when you want news again."))
        )
    profile.paused = True
    await ctx.uow.profiles.save(profile)
    return Step.stay(
        Reply(
            ctx._(
                "Paused: I will not send you any suggestions until you send /resume. "
                "You can still look for yourself with /matches."
            )
        )
    )


async def on_resume(event: Event, ctx: Context) -> Step:
    profile = await require_profile(ctx)
    if profile is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    if not profile.paused:
        return Step.stay(
            Reply(ctx._("Nothing is paused. Send /pause if you want a break from suggestions."))
        )
    profile.paused = False
    await ctx.uow.profiles.save(profile)
    text = ctx._("Welcome back! I will tell you about new needs that fit you again.")
    if profile.notify_mode == "off":
        # Resuming alone would change nothing the volunteer can notice.
        text += "\n" + ctx._(
            "Your notifications are set to “Not at all”; change that with /profile."
        )
    return Step.stay(Reply(text))


# -- access: /mydata -------------------------------------------------------------


def export_attachment(data: dict) -> Attachment:
    """Readable JSON: indented, umlauts kept as they are."""
    content = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    return Attachment(
        kind="file", filename=EXPORT_FILENAME, content=content, mime_type="application/json"
    )


async def on_mydata(event: Event, ctx: Context) -> Step:
    """GDPR art. 15: everything stored about the person, in a machine-readable file."""
    if ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._(NOTHING_STORED)))
    data = await ctx.uow.privacy.export(ctx.person.id)
    return Step.stay(
        Reply(
            ctx._(
                "Here is everything I have stored about you, as a JSON file. "
                "You can delete all of it with /delete."
            ),
            attachment=export_attachment(data),
        )
    )


# -- erasure: /delete ------------------------------------------------------------


async def on_delete(event: Event, ctx: Context) -> Step:
    if ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._(NOTHING_STORED)))
    return Step.start(delete.name)


@delete.ask("confirm")
async def ask_confirm(ctx: Context) -> list[Reply]:
    text = ctx._(
        "This deletes your profile and everything I know about you, for good. "
        "Your sign-ups for upcoming needs are cancelled and the organisations are told "
        "that a volunteer withdrew; past sign-ups remain only as an anonymous count."
    )
    if ctx.person is not None and ctx.person.id is not None:
        organisations = await ctx.uow.privacy.administered(ctx.person.id)
        if organisations:
            text += "\n" + ctx._(
                "You will also no longer manage: {names}.",
                names=", ".join(organisation.name for organisation in organisations),
            )
    text += "\n\n" + ctx._("Really delete?")
    return [
        Reply(
            text,
            buttons=buttons(
                [(ctx._("Yes, delete everything"), "yes")], [(ctx._("No, keep it"), "no")]
            ),
        )
    ]


@delete.handle("confirm")
async def on_confirm(event: Event, ctx: Context) -> Step:
    """Only an explicit yes erases; anything else keeps every bit of data."""
    if not (isinstance(event, ButtonPress) and event.value == "yes"):
        return Step.finish(Reply(ctx._("Nothing was deleted; everything stays as it was.")))
    if ctx.person is None or ctx.person.id is None:
        return Step.finish(Reply(ctx._(NOTHING_STORED)))
    await withdraw_from_upcoming(ctx, ctx.person.id)
    await ctx.uow.privacy.erase(ctx.person.id)
    ctx.person = None  # deleted rows must not be saved again by anyone later in this step
    ctx.forget_conversation()
    return Step.finish(
        Reply(
            ctx._(
                "Done: I have deleted all your data. Goodbye! "
                "If you ever want to start anew, just send /start."
            )
        )
    )


async def withdraw_from_upcoming(ctx: Context, person_id: int) -> None:
    """Cancel the sign-ups that are still to come and tell their organisations, pre-erasure.

    A person who deletes their data cannot come as promised: nobody could reach
    them or recognise them any more. So a sign-up for a need that has not started
    (or has no date) is cancelled as if they had cancelled it themselves:
    ``Need.taken`` drops by one, the spot is offered to others again, and the
    organisation hears that a volunteer withdrew. Sign-ups for needs that have
    started or are over stay ``active``; ``Privacy.erase`` only clears their
    ``person_id``, so they keep counting in ``Need.taken`` as anonymous helpers and
    the organisations' numbers stay right. Either way ``Need.taken`` equals the
    number of active sign-up rows, anonymous ones included.
    """
    now = ctx.now()
    for sign_up, need, organisation in await ctx.uow.signups.active_of(person_id):
        if need.starts_at is not None and need.starts_at <= now:
            continue
        if not await ctx.uow.signups.cancel(sign_up.need_id, person_id, now):
            continue
        await tell_organisation(
            ctx,
            organisation,
            lambda t, need=need: t._(
                "A volunteer withdrew from “{title}” ({when}) and deleted their data. "
                "The spot is open again.",
                title=need.title,
                when=when_text(t, need.starts_at, need.ends_at),
            ),
        )


def register(registry: Registry) -> None:
    """Add this module's commands, dialogs and actions."""
    registry.add_dialog(delete)
    registry.add_command("pause", N_("Pause suggestions"), on_pause)
    registry.add_command("resume", N_("Get suggestions again"), on_resume)
    registry.add_command("mydata", N_("See everything I store about you"), on_mydata)
    registry.add_command("delete", N_("Delete all your data"), on_delete)
