"""Pushing a new offer or search to the partners it fits: scheduler jobs, not dialogs.

Who hears about a new post: the people behind the best-fitting other sides – the
author of a fitting post, the admins of an organisation whose need fits an offer. The
same policy as for needs (``dialogs.pushes_policy``): nobody in their quiet hours,
nobody paused or with notifications off, at most ``CAPS.max_per_day`` pushes a day
(needs and posts together), and never the same post twice (``PartnerNotification``,
claimed with a conflict-tolerant insert so two jobs never both send). Deciding,
recording and queueing in the outbox happen in one transaction per post.

The publish hook runs the first round at once; ``push_new_partner_posts`` repeats it for
a day, so people who were asleep or at their cap hear about it later, once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from dialogs.events import Reply, replies_to_payload
from dialogs.flow import EngineConfig, Speaker
from dialogs.i18n import Translator
from dialogs.partners_common import (
    Party,
    load_side,
    people_of,
    suggestion_card,
)
from dialogs.partners_suggest import ranked
from dialogs.pushes_policy import dedup_key, in_quiet_hours, local_midnight
from matching.partners import PartnerMatch
from matching.scoring import Caps
from storage.db import Store
from storage.models import Person, VolunteerProfile
from storage.partners import Side, partners_of
from storage.repositories import UnitOfWork
from storage.volunteering import Pushes

log = logging.getLogger(__name__)

CAPS = Caps(max_per_day=3)
RECIPIENT_SIDES = 10
"""At most this many fitting sides hear about one post: the best few, not everyone."""
CATCH_UP = timedelta(days=1)


async def push_partner_post(store: Store, config: EngineConfig, now: datetime, post_id: int) -> int:
    """One round for one post; the messages queued."""
    async with store.transaction() as uow:
        return await push_round(uow, config, now, post_id)


async def push_new_partner_posts(store: Store, config: EngineConfig, now: datetime) -> int:
    """Another round for every post of the last day: who could not hear it before may now."""
    async with store.transaction() as uow:
        posts = await partners_of(uow).unpushed(now - CATCH_UP, now, include_pushed=True)
    queued = 0
    for post in posts:
        assert post.id is not None
        try:
            queued += await push_partner_post(store, config, now, post.id)
        except Exception:
            log.exception("pushing partner post %s failed; the next round tries again", post.id)
    return queued


async def push_round(uow: UnitOfWork, config: EngineConfig, now: datetime, post_id: int) -> int:
    party = await load_side(uow, Side("post", post_id), now)
    if party is None or party.post is None:
        return 0
    repository = partners_of(uow)
    pushes = Pushes(uow.session)
    today = local_midnight(now, config.tz)
    recipients: list[tuple[int, Party, PartnerMatch]] = []
    for match in await ranked(uow, party, now, config.tz, RECIPIENT_SIDES):
        if match.side == "organisation":
            continue  # organisations did not ask; they see posts in /partners
        other = await load_side(uow, Side(match.side, match.id), now)
        if other is None:
            continue
        for person_id in sorted(await people_of(uow, other)):
            if person_id != party.post.owner_id:
                recipients.append((person_id, other, match))
    # Today's pushes of everyone concerned, in two queries rather than two per person.
    people = sorted({person_id for person_id, _, _ in recipients})
    done = await repository.notified_since(people, today)
    for person_id, count in (await pushes.notified_since(people, today)).items():
        done[person_id] = done.get(person_id, 0) + count
    queued = 0
    for person_id, other, match in recipients:
        if done.get(person_id, 0) >= CAPS.max_per_day:
            continue
        if not await may_push(uow, config, now, person_id):
            continue
        if not await repository.claim(person_id, post_id, now):
            continue  # told before, by this job or another
        queued += await queue_push(uow, config, now, person_id, party, other, match)
        done[person_id] = done.get(person_id, 0) + 1
    await repository.mark_pushed(post_id, now)
    return queued


async def may_push(uow: UnitOfWork, config: EngineConfig, now: datetime, person_id: int) -> bool:
    """Not paused, not off, not in their quiet hours (21–8 for people without a profile)."""
    profile = await uow.profiles.get(person_id)
    if profile is None:
        profile = VolunteerProfile(person_id=person_id)
    if profile.paused or profile.notify_mode == "off":
        return False
    return not in_quiet_hours(profile, now, config.tz)


def push_card(t: Speaker, new: Party, theirs: Party, match: PartnerMatch) -> Reply:
    """The suggestion card /partners would show for ``theirs``, announced and with a note."""
    card = suggestion_card(t, theirs.side, new, match)
    head = "🔔 " + t._("Something new may fit “{title}”:", title=theirs.title)
    foot = t._("Nothing about you is shown unless you both agree.")
    return Reply("\n".join([head, "", card.text, foot]), buttons=card.buttons)


async def queue_push(
    uow: UnitOfWork,
    config: EngineConfig,
    now: datetime,
    person_id: int,
    new: Party,
    theirs: Party,
    match: PartnerMatch,
) -> int:
    person = await uow.session.get(Person, person_id)
    accounts = (await Pushes(uow.session).reachable_accounts([person_id])).get(person_id, [])
    if person is None or not accounts:
        return 0
    t = Translator(person.locale or config.default_locale, config.tz)
    payload = replies_to_payload([push_card(t, new, theirs, match)])
    assert new.post is not None and new.post.id is not None
    queued = 0
    for account in accounts:
        queued += await uow.outbox.enqueue(
            dedup_key=dedup_key(
                new.post.id, person_id, account.transport, account.user_id, kind="partner"
            ),
            transport=account.transport,
            user_id=account.user_id,
            chat_id=account.chat_id,
            payload=payload,
            now=now,
        )
    return queued
