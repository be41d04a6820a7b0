"""Daily and weekly digests: the best new needs as one short message.

Run ``send_digests`` every hour (at any minute). A volunteer who chose a digest
hears from us in the local digest hour (``config.tz``, so 18:00 stays 18:00
across daylight saving changes): daily ones every day, weekly ones on
``weekly_day``. A digest lists needs never put in front of them before (no push,
no earlier digest) in the order /matches would show them; nothing new, no message.
The dedup key holds one digest per person and local day, however often it runs.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial

from dialogs.events import Reply
from dialogs.flow import Context, EngineConfig, buttons
from dialogs.jobs import each_in_own_transaction, enqueue, job_context, preferred_account
from dialogs.needs import ranked_needs
from dialogs.volunteer import distance_text, when_text
from matching.types import Match
from storage.db import Store
from storage.models import Need, Organisation, Person
from storage.repositories import UnitOfWork
from storage.volunteering import JobQueries, Pushes

DIGEST_HOUR = 18  # local time: after work, before the quiet hours start at 21:00
WEEKLY_DAY = 0  # Monday: plan the week ahead
DIGEST_SIZE = 5  # short enough to read on a phone at a glance
BUTTONS_PER_ROW = 3

Pick = tuple[Need, Organisation, Match]


async def send_digests(
    store: Store,
    config: EngineConfig,
    now: datetime,
    *,
    hour: int = DIGEST_HOUR,
    weekly_day: int = WEEKLY_DAY,
) -> int:
    """Queue the digests due in this local hour; returns how many were queued."""
    local = now.astimezone(config.tz)
    if local.hour != hour:
        return 0
    modes = ("daily", "weekly") if local.weekday() == weekly_day else ("daily",)
    async with store.transaction() as uow:
        people = await JobQueries(uow.session).digest_profiles(modes)
    person_ids = [person.id for person, _ in people if person.id is not None]
    work = partial(_digest_for, config=config, now=now, modes=modes, day=local.date())
    return await each_in_own_transaction(store, person_ids, work, "digest")


async def _digest_for(
    uow: UnitOfWork,
    person_id: int,
    *,
    config: EngineConfig,
    now: datetime,
    modes: tuple[str, ...],
    day: date,
) -> int:
    person = await uow.session.get(Person, person_id)
    profile = await uow.profiles.get(person_id)
    if person is None or profile is None or profile.paused or profile.notify_mode not in modes:
        return 0  # changed their mind since the list was read
    account = await preferred_account(uow, person_id)
    if account is None:
        return 0
    ctx = job_context(uow, config, now, person, account)
    picks = await new_picks(ctx, person_id)
    if not picks:
        return 0
    reply = digest_reply(ctx, picks, weekly=profile.notify_mode == "weekly")
    if not await enqueue(uow, f"digest:{person_id}:{day.isoformat()}", account, [reply], now):
        return 0  # another run queued today's digest already
    pushes = Pushes(uow.session)
    for need, _, _ in picks:
        assert need.id is not None
        await pushes.claim(person_id, need.id, now)
    return 1


async def new_picks(ctx: Context, person_id: int) -> list[Pick]:
    """The best needs this person was never told about, ranked as in /matches."""
    profile = await ctx.uow.profiles.get(person_id)
    if profile is None:
        return []
    told = await ctx.uow.signups.notified_ids_of(person_id)
    ranked = await ranked_needs(ctx, profile, "regular")
    return [pick for pick in ranked if pick[0].id not in told][:DIGEST_SIZE]


def digest_reply(ctx: Context, picks: list[Pick], *, weekly: bool) -> Reply:
    """A numbered list (title, organisation, when, how far) and a Details button per need."""
    n = len(picks)
    if weekly:
        title = ctx.ngettext(
            "Your weekly digest: {n} new need that fits you.",
            "Your weekly digest: {n} new needs that fit you.",
            n,
        )
    else:
        title = ctx.ngettext(
            "Your daily digest: {n} new need that fits you.",
            "Your daily digest: {n} new needs that fit you.",
            n,
        )
    lines = [title]
    for number, (need, organisation, match) in enumerate(picks, 1):
        urgent = "❗ " if need.urgent else ""
        when = when_text(ctx, need.starts_at, need.ends_at)
        lines.append(f"\n{number}. {urgent}{need.title} – {organisation.name}")
        lines.append(f"🕒 {when} · 📍 {distance_text(ctx, match.distance_km)}")
    lines.append(
        "\n"
        + ctx._(
            "Tap a number for details and to sign up. More in /matches; "
            "how often I write to you: /profile."
        )
    )
    choices = [
        (ctx._("Details {number}", number=number), f"@details:{need.id}")
        for number, (need, _, _) in enumerate(picks, 1)
    ]
    rows = [choices[i : i + BUTTONS_PER_ROW] for i in range(0, n, BUTTONS_PER_ROW)]
    return Reply("\n".join(lines), buttons=buttons(*rows))
