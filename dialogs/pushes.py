"""Pushing fresh needs to the volunteers who fit them best: scheduler jobs, not dialogs.

Each job is a plain async function of (store, config, now) that returns how many
messages it queued. One wave is one transaction: choosing the recipients, noting
that they were told (``NeedNotification``, ``last_notified_at``), counting the wave
on the need and queueing the messages in the outbox commit together or not at all,
so a crash never loses a push that was recorded, nor records one that was lost.
The outbox worker sends them; its dedup keys make a repeated job queue nothing new.

Policy (see ``dialogs.pushes_policy``): ask the best few first (``wave_factor``
people per open spot), respect quiet hours and the daily cap, never tell anyone
about the same need twice, and widen the circle in later waves while spots are open.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Reply, replies_to_payload
from dialogs.flow import Clock, Context, EngineConfig, Speaker, Step, buttons
from dialogs.i18n import Translator
from dialogs.needs import NO_PROFILE, require_profile
from dialogs.onboarding import NOTIFY_CHOICES
from dialogs.pushes_policy import (
    PUSH_MODES,
    UNDATED_CATCH_UP,
    by_window,
    dedup_key,
    in_quiet_hours,
    is_pushable,
    local_midnight,
    wants_push,
    wave_due,
    wave_size,
)
from dialogs.volunteer import (
    RADII_KM,
    distance_text,
    need_snapshot,
    reasons_text,
    snapshot_of,
    spots_text,
    when_text,
)
from matching.scoring import Caps, rank_volunteers_for
from matching.types import Match, VolunteerSnapshot
from storage.db import Store
from storage.models import Account, Need, Organisation, Person, VolunteerProfile
from storage.repositories import UnitOfWork
from storage.volunteering import Pushes

log = logging.getLogger(__name__)

CAPS = Caps(max_per_day=3)
MAX_RADIUS_KM = max(RADII_KM)
"""Nobody chooses a wider radius, so candidates are fetched from this bounding box."""
ESCALATION_INTERVAL = timedelta(hours=2)


@dataclass(frozen=True)
class Recipient:
    profile: VolunteerProfile
    person: Person
    accounts: list[Account]
    match: Match


def pushes_of(uow: UnitOfWork) -> Pushes:
    return getattr(uow, "pushes", None) or Pushes(uow.session)


# -- the jobs --------------------------------------------------------------------


async def push_need(
    store: Store, config: EngineConfig, now: datetime, need_id: int, *, wave_factor: int = 3
) -> int:
    """Tell the best-fitting volunteers about a need, one wave; the messages queued.

    Called when a need is published and again by ``escalate``: people told before are
    never asked again, so each call reaches the next best ones."""
    async with store.transaction() as uow:
        return await push_wave(uow, config, now, need_id, wave_factor)


async def escalate(
    store: Store,
    config: EngineConfig,
    now: datetime,
    *,
    interval: timedelta = ESCALATION_INTERVAL,
    wave_factor: int = 3,
) -> int:
    """Push the next wave for every open need whose last one got too few people.

    Each wave has its own transaction, so one broken need cannot hold up the others
    and no transaction keeps the database locked for the whole round."""
    async with store.transaction() as uow:
        needs = await pushes_of(uow).wave_candidates(now, now - UNDATED_CATCH_UP)
        due = [need.id for need in needs if need.id is not None and wave_due(need, now, interval)]
    queued = 0
    for need_id in due:
        try:
            queued += await push_need(store, config, now, need_id, wave_factor=wave_factor)
        except Exception:
            log.exception("push wave for need %s failed; the next round tries again", need_id)
    return queued


async def push_wave(
    uow: UnitOfWork, config: EngineConfig, now: datetime, need_id: int, wave_factor: int
) -> int:
    """One wave inside the caller's transaction: decide, record, queue."""
    found = await uow.directory.need(need_id)
    if found is None:
        return 0
    need, organisation = found
    if organisation.status != "approved" or not is_pushable(need, now):
        return 0
    repository = pushes_of(uow)
    queued, told = 0, []
    for recipient in await choose(repository, config, now, need, wave_factor):
        person_id = recipient.profile.person_id
        if not await repository.claim(person_id, need_id, now):
            continue  # another job told them a moment ago
        told.append(person_id)
        t = Translator(recipient.person.locale or config.default_locale, config.tz)
        payload = replies_to_payload([push_card(t, need, organisation, recipient)])
        for account in recipient.accounts:
            queued += await uow.outbox.enqueue(
                dedup_key=dedup_key(need_id, person_id, account.transport, account.user_id),
                transport=account.transport,
                user_id=account.user_id,
                chat_id=account.chat_id,
                payload=payload,
                now=now,
            )
    if told:
        await repository.mark_notified(told, now)
        await repository.record_wave(need_id, now)
    return queued


async def choose(
    repository: Pushes, config: EngineConfig, now: datetime, need: Need, wave_factor: int
) -> list[Recipient]:
    """The best candidates that want a push now and can be reached, at most one wave."""
    assert need.id is not None
    rows = await repository.volunteers_near(
        need.latitude, need.longitude, MAX_RADIUS_KM, PUSH_MODES
    )
    accounts = await repository.reachable_accounts([profile.person_id for profile, _ in rows])
    rows = [
        (profile, person)
        for profile, person in rows
        if profile.person_id in accounts and profile.latitude is not None
    ]
    ids = [profile.person_id for profile, _ in rows]
    seen = Seen(
        signed_up=await repository.signed_up_for(need.id),
        declined=await repository.declined(need.id),
        notified=await repository.notified_about(need.id),
        today=await repository.notified_since(ids, local_midnight(now, config.tz)),
    )
    snapshots = [snapshot(profile, need.id, seen, now) for profile, _ in rows]
    matches = rank_volunteers_for(need_snapshot(need), snapshots, now=now, tz=config.tz, caps=CAPS)
    by_id = {profile.person_id: (profile, person) for profile, person in rows}
    size = wave_size(need, wave_factor)
    chosen: list[Recipient] = []
    for match in matches:
        if len(chosen) >= size:
            break
        profile, person = by_id[match.id]
        if wants_push(profile, match) and not in_quiet_hours(profile, now, config.tz):
            chosen.append(Recipient(profile, person, accounts[match.id], match))
    return chosen


@dataclass(frozen=True)
class Seen:
    """What already happened between one need and the people around it."""

    signed_up: frozenset[int]
    declined: frozenset[int]
    notified: frozenset[int]
    today: dict[int, int]


def snapshot(
    profile: VolunteerProfile, need_id: int, seen: Seen, now: datetime
) -> VolunteerSnapshot:
    """What ranking needs about one volunteer, as far as this one need is concerned."""
    person_id = profile.person_id

    def mark(people: frozenset[int]) -> frozenset[int]:
        return frozenset({need_id}) if person_id in people else frozenset()

    return snapshot_of(
        profile,
        now,
        signed_up=mark(seen.signed_up),
        declined=mark(seen.declined),
        notified=mark(seen.notified),
        notified_today=seen.today.get(person_id, 0),
    )


# -- the message -----------------------------------------------------------------


def push_card(t: Speaker, need: Need, organisation: Organisation, recipient: Recipient) -> Reply:
    """The need, why it fits, why this person hears about it, and the ways to answer."""
    match = recipient.match
    where = ", ".join(filter(None, [need.address, need.postal_code]))
    lines = [
        "🔔 " + t._("A new need near you:"),
        f"{'❗ ' if need.urgent else ''}{need.title}",
        organisation.name,
        "🕒 " + when_text(t, need.starts_at, need.ends_at),
        f"📍 {where} ({distance_text(t, match.distance_km)})",
        "👥 " + spots_text(t, need),
    ]
    why = reasons_text(t, match.reasons, need.starts_at)
    if why:
        lines.append("💡 " + why)
    rows = [[(t._("I'll help"), f"@signup:{need.id}"), (t._("Not for me"), f"@decline:{need.id}")]]
    if recipient.profile.notify_mode == "instant":
        lines.append(
            "ℹ️ "
            + t._(
                "You get this because you asked to hear about urgent needs right away. "
                "Too many messages? Tap “Fewer messages” for one daily digest instead."
            )
        )
        rows.append([(t._("Fewer messages"), "@fewer")])
    elif by_window(match):
        lines.append("ℹ️ " + t._("You get this because you told me you have time just then."))
    return Reply("\n".join(lines), buttons=buttons(*rows))


# -- the "Fewer messages" button ---------------------------------------------------


async def on_fewer(event: ButtonPress, ctx: Context, argument: str) -> Step:
    """Switch from instant pushes to the daily digest, and say how to switch back."""
    profile = await require_profile(ctx)
    if profile is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    if profile.notify_mode != "instant":
        mode = dict(NOTIFY_CHOICES).get(profile.notify_mode, profile.notify_mode)
        return Step.stay(
            Reply(
                ctx._(
                    "You don't get instant messages any more: your notifications are set "
                    "to “{mode}”. You can change that with /profile.",
                    mode=ctx._(mode),
                )
            )
        )
    profile.notify_mode = "daily"
    await ctx.uow.profiles.save(profile)
    return Step.stay(
        Reply(
            ctx._(
                "Done: no more instant messages. From now on I collect new needs that fit "
                "you in one daily digest. To hear about them right away again, send "
                "/profile and tap “{button}”.",
                button=ctx._("Edit notifications"),
            )
        )
    )


def register(registry: Registry) -> None:
    registry.add_action("fewer", on_fewer)


# -- wiring help for the deployment -----------------------------------------------


class FirstWaveHook:
    """An ``on_need_published`` service: push the first wave once the publication is in.

    The posting step calls the hook inside its own transaction, before the commit, so
    the wave runs as a task a moment later. If it still misses the need (or the
    process dies first), ``escalate`` sends the first wave on its next round: a need
    no wave has reached is always due. Calling it returns None, so nobody awaits it."""

    def __init__(
        self,
        store: Store,
        config: EngineConfig,
        clock: Clock,
        *,
        wake: Callable[[], None] | None = None,
        delay: float = 1.0,
    ) -> None:
        self.store, self.config, self.clock = store, config, clock
        self.wake = wake
        self.delay = delay
        self.tasks: set[asyncio.Task[None]] = set()  # kept, so they are not collected early

    def __call__(self, need_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self.first_wave(need_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def first_wave(self, need_id: int) -> None:
        await asyncio.sleep(self.delay)
        try:
            queued = await push_need(self.store, self.config, self.clock.now(), need_id)
        except Exception:
            log.exception("first wave for need %s failed; escalate will retry", need_id)
            return
        if queued and self.wake is not None:
            self.wake()
