"""Housekeeping: close what is over, forget what is stale, delete who left.

``expire`` (run hourly) closes needs that are over, clears spontaneous "free now"
windows that ended, resets half-finished dialogs nobody touched for a month and
forgets old processed-update ids. ``retain`` (run daily) is data minimisation:
who has not used the bot for ``inactive_after`` is warned once, and erased when
``grace`` has passed without a word from them (any message clears the warning).

Who is never erased automatically: a coordinator, and the only admin of an
organisation — erasing them would leave a municipality or an organisation
without anyone to act for it. They get a warning that says so, and each grace
period without a sign of life is logged and written to the audit log, so an
operator can decide by hand (hand the role over, then /delete).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from dialogs.events import Reply
from dialogs.flow import EngineConfig, Speaker
from dialogs.jobs import (
    each_in_own_transaction,
    enqueue,
    flush_outgoing,
    job_context,
    preferred_account,
    recipient_translator,
)
from dialogs.profile import withdraw_from_upcoming
from storage.db import Store
from storage.models import Organisation, Person
from storage.repositories import UnitOfWork
from storage.volunteering import JobQueries

log = logging.getLogger(__name__)

NEED_WITHOUT_END = timedelta(hours=3)  # how long a need with only a start time is "on"
STALE_CONVERSATION = timedelta(days=30)  # a half-finished dialog older than this surprises
KEEP_PROCESSED_UPDATES = timedelta(days=7)  # messengers redeliver within hours, not weeks
INACTIVE_AFTER = timedelta(days=365)
GRACE = timedelta(days=30)
SYSTEM_ROLE = "system"  # the audit log's actor for what the bot does on its own


async def expire(store: Store, config: EngineConfig, now: datetime) -> dict[str, int]:
    """Tidy up in one transaction; returns the rows changed per kind.

    Keys: ``needs_closed`` (open needs past their end, or NEED_WITHOUT_END after a
    start without end; long-term needs never), ``windows_cleared``,
    ``conversations_reset`` (dialog, step, data and menu cleared, language kept),
    ``updates_forgotten``."""
    async with store.transaction() as uow:
        queries = JobQueries(uow.session)
        return {
            "needs_closed": await queries.close_past_needs(now, NEED_WITHOUT_END),
            "windows_cleared": await queries.clear_ended_windows(now),
            "conversations_reset": await queries.reset_stale_conversations(
                now - STALE_CONVERSATION
            ),
            "updates_forgotten": await uow.updates.forget_before(now - KEEP_PROCESSED_UPDATES),
        }


# -- retention -------------------------------------------------------------------------


def last_active(person: Person) -> datetime:
    return person.last_seen_at or person.created_at


async def retain(
    store: Store,
    config: EngineConfig,
    now: datetime,
    *,
    inactive_after: timedelta = INACTIVE_AFTER,
    grace: timedelta = GRACE,
) -> dict[str, int]:
    """Warn the newly inactive, erase the warned ones whose grace has run out.

    Returns ``warned`` (people marked as warned; a message is queued for those
    still reachable), ``erased`` and ``kept`` (protected people whose grace ran out)."""
    async with store.transaction() as uow:
        queries = JobQueries(uow.session)
        to_warn = [p.id for p in await queries.inactive_unwarned(now - inactive_after)]
        to_decide = [p.id for p in await queries.warned_before(now - grace)]
    warn = partial(_warn, config=config, now=now, inactive_after=inactive_after, grace=grace)
    warned = await each_in_own_transaction(store, to_warn, warn, "retention warning")
    kept: list[int] = []
    erase = partial(_erase, config=config, now=now, grace=grace, kept=kept)
    erased = await each_in_own_transaction(store, to_decide, erase, "retention erasure")
    return {"warned": warned, "erased": erased, "kept": len(kept)}


async def protected_roles(uow: UnitOfWork, person_id: int) -> tuple[list[Organisation], bool]:
    """The organisations only this person administers, and whether they coordinate."""
    sole = await JobQueries(uow.session).sole_admin_of(person_id)
    return sole, bool(await uow.governance.coordinated_by(person_id))


async def _warn(
    uow: UnitOfWork,
    person_id: int,
    *,
    config: EngineConfig,
    now: datetime,
    inactive_after: timedelta,
    grace: timedelta,
) -> int:
    person = await uow.session.get(Person, person_id)
    if person is None or person.retention_warned_at is not None:
        return 0
    if last_active(person) >= now - inactive_after:
        return 0  # wrote in the meantime
    sole, coordinator = await protected_roles(uow, person_id)
    account = await preferred_account(uow, person_id)
    if account is not None:
        t = recipient_translator(config, person)
        text = warning_text(t, last_active(person), grace, sole, coordinator)
        key = f"retention:{person_id}:{last_active(person).isoformat()}"
        await enqueue(uow, key, account, [Reply(text)], now)
    person.retention_warned_at = now  # unreachable people are warned as far as we can
    uow.session.add(person)
    return 1


def warning_text(
    t: Speaker, since: datetime, grace: timedelta, sole: list[Organisation], coordinator: bool
) -> str:
    lines = [
        t._(
            "Hello! You have not used Engage since {date}.",
            date=t.translator.date(since, format="long"),
        )
    ]
    if not sole and not coordinator:
        lines.append(
            t.ngettext(
                "To keep your profile and your data, just send me any message within {n} day. "
                "Otherwise I will delete them then, so nothing about you is kept longer "
                "than needed.",
                "To keep your profile and your data, just send me any message within {n} days. "
                "Otherwise I will delete them then, so nothing about you is kept longer "
                "than needed.",
                max(1, grace.days),
            )
        )
        return "\n".join(lines)
    if sole:
        names = ", ".join(organisation.name for organisation in sole)
        lines.append(t._("You are the only admin of {names}.", names=names))
    if coordinator:
        lines.append(t._("You are a coordinator of your municipality."))
    lines.append(
        t._(
            "So that nobody is left without a contact person, I keep your data. "
            "If you no longer want that role, please hand it over and then send /delete. "
            "Any message tells me you are still there."
        )
    )
    return "\n".join(lines)


async def _erase(
    uow: UnitOfWork,
    person_id: int,
    *,
    config: EngineConfig,
    now: datetime,
    grace: timedelta,
    kept: list[int],
) -> int:
    person = await uow.session.get(Person, person_id)
    warned = person.retention_warned_at if person is not None else None
    if person is None or warned is None or warned > now - grace or last_active(person) > warned:
        return 0
    sole, coordinator = await protected_roles(uow, person_id)
    if sole or coordinator:
        await _keep(uow, person, now, sole, coordinator)
        kept.append(person_id)
        return 0
    ctx = job_context(uow, config, now, person, None)
    await withdraw_from_upcoming(ctx, person_id)  # organisations hear a volunteer withdrew
    await uow.privacy.erase(person_id)
    await flush_outgoing(uow, ctx, f"retention-erased:{person_id}", now)
    await uow.governance.audit(None, SYSTEM_ROLE, "retention_erase", f"person:{person_id}", now=now)
    log.info("retention: erased person %s, inactive since %s", person_id, last_active(person))
    return 1


async def _keep(
    uow: UnitOfWork, person: Person, now: datetime, sole: list[Organisation], coordinator: bool
) -> None:
    """Not erased: log it, audit it, and start the grace period again so this repeats
    once per grace period instead of on every run."""
    organisations = [organisation.id for organisation in sole]
    log.warning(
        "retention: person %s inactive since %s is kept (only admin of %s, coordinator: %s)",
        person.id,
        last_active(person),
        organisations,
        coordinator,
    )
    await uow.governance.audit(
        None,
        SYSTEM_ROLE,
        "retention_keep",
        f"person:{person.id}",
        now=now,
        organisations=organisations,
        coordinator=coordinator,
    )
    person.retention_warned_at = now
    uow.session.add(person)
