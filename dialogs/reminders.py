"""Reminders before a sign-up, and the answers to them: "I'm coming", "I can't come".

Run ``send_reminders`` every 10 minutes. A sign-up whose need starts in 24 hours
(± ``window``) gets the 24-hour reminder, one starting in 2 hours the 2-hour one;
each at most once (dedup key per reminder and sign-up), however often the job
runs inside the window. A sign-up made after a reminder's window opened skips
that reminder: the confirmation of the sign-up has just said it all.

"I can't come" is one tap, because it has to be easy to say in time: it cancels
the sign-up exactly like /mine does, tells the organisation, lets the scheduler
offer the spot again, and offers a way back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Reply
from dialogs.flow import Context, EngineConfig, Speaker, Step, buttons
from dialogs.i18n import N_
from dialogs.jobs import each_in_own_transaction, enqueue, job_context, preferred_account
from dialogs.mine import NOT_SIGNED_UP
from dialogs.needs import spot_freed, tell_organisation
from dialogs.volunteer import own_signup, volunteer_name, when_text
from storage.db import Store
from storage.models import Need, Organisation, Person, SignUp
from storage.repositories import UnitOfWork
from storage.volunteering import JobQueries

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)  # with a 10-minute interval, every start is seen at least once
HEADLINES = {
    24: N_("⏰ Reminder: “{title}” with {organisation} starts in about 24 hours."),
    2: N_("⏰ Soon: “{title}” with {organisation} starts in about 2 hours."),
}
QUESTION = N_(
    "Are you coming? If you can't make it, please tell me now – then someone else can "
    "take your spot."
)


async def send_reminders(
    store: Store, config: EngineConfig, now: datetime, *, window: timedelta = WINDOW
) -> int:
    """Queue the reminders due now; returns how many were newly queued."""
    due: list[tuple[int, int]] = []  # (hours, sign-up id)
    async with store.transaction() as uow:
        queries = JobQueries(uow.session)
        for hours in HEADLINES:
            moment = now + timedelta(hours=hours)
            for sign_up, need, _ in await queries.signups_starting(
                moment - window, moment + window
            ):
                assert sign_up.id is not None and need.starts_at is not None
                if sign_up.created_at <= need.starts_at - timedelta(hours=hours) - window:
                    due.append((hours, sign_up.id))
    work = partial(_remind, config=config, now=now)
    return await each_in_own_transaction(store, due, work, "reminder")


async def _remind(
    uow: UnitOfWork, due: tuple[int, int], *, config: EngineConfig, now: datetime
) -> int:
    hours, sign_up_id = due
    sign_up = await uow.session.get(SignUp, sign_up_id)
    if sign_up is None or sign_up.status != "active" or sign_up.person_id is None:
        return 0
    person = await uow.session.get(Person, sign_up.person_id)
    found = await uow.directory.need(sign_up.need_id)
    account = await preferred_account(uow, sign_up.person_id)
    if person is None or found is None or account is None:
        return 0
    need, organisation = found
    ctx = job_context(uow, config, now, person, account)
    reply = reminder_reply(ctx, hours, need, organisation)
    return int(await enqueue(uow, f"reminder:{hours}h:{sign_up_id}", account, [reply], now))


def reminder_reply(ctx: Speaker, hours: int, need: Need, organisation: Organisation) -> Reply:
    where = ", ".join(filter(None, [need.address, need.postal_code]))
    lines = [
        ctx._(HEADLINES[hours], title=need.title, organisation=organisation.name),
        "🕒 " + when_text(ctx, need.starts_at, need.ends_at),
        "📍 " + where,
        ctx._(QUESTION),
    ]
    choices = [
        (ctx._("I'm coming"), f"@coming:{need.id}"),
        (ctx._("I can't come"), f"@cantcome:{need.id}"),
    ]
    return Reply("\n".join(lines), buttons=buttons(choices))


# -- the answers -----------------------------------------------------------------------


async def on_coming(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await own_signup(ctx, argument)
    if found is None:
        return Step.stay(Reply(ctx._(NOT_SIGNED_UP)))
    need, organisation = found
    return Step.stay(
        Reply(
            ctx._(
                "Great, thank you! {organisation} is counting on you for “{title}”.",
                organisation=organisation.name,
                title=need.title,
            )
        )
    )


async def on_cant_come(event: ButtonPress, ctx: Context, argument: str) -> Step:
    """Cancel at once, like /mine's cancel; the answer says plainly what happened."""
    found = await own_signup(ctx, argument)
    if found is None or ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._(NOT_SIGNED_UP)))
    need, organisation = found
    assert need.id is not None
    if not await ctx.uow.signups.cancel(need.id, ctx.person.id, ctx.now()):
        return Step.stay(Reply(ctx._(NOT_SIGNED_UP)))
    person = ctx.person
    await tell_organisation(
        ctx,
        organisation,
        lambda t: t._(
            "{name} can't come to “{title}” ({when}) after all and has cancelled. "
            "The spot is free again.",
            name=volunteer_name(t, person),
            title=need.title,
            when=when_text(t, need.starts_at, need.ends_at),
        ),
    )
    await spot_freed(ctx, need.id)
    text = ctx._(
        "Okay – I have cancelled your sign-up for “{title}” and told {organisation}. "
        "Thank you for letting them know in time!",
        title=need.title,
        organisation=organisation.name,
    )
    undo = [(ctx._("Sign me up again"), f"@signup:{need.id}")]
    return Step.stay(Reply(text, buttons=buttons(undo)))


def register(registry: Registry) -> None:
    registry.add_action("coming", on_coming)
    registry.add_action("cantcome", on_cant_come)
