"""The rules of pushing, as plain functions: when someone may be written to, who wants
a push, how big a wave is and when the next one is due. No database, no clock."""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta, tzinfo

from matching.types import Match
from storage.models import Need, VolunteerProfile

PUSH_MODES = ("instant", "daily", "weekly")
"""Modes whose profiles are loaded as candidates; ``wants_push`` decides for each one."""

UNDATED_CATCH_UP = timedelta(days=1)
"""An undated need that no wave reached (everyone asleep, a crashed hook) is still
pushed by ``escalate`` for this long after it was published; later the digest has it."""


def minutes_of_day(moment: datetime, tz: tzinfo) -> int:
    """Local wall-clock minutes after midnight (so DST days need no special case)."""
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute


def in_quiet_hours(profile: VolunteerProfile, moment: datetime, tz: tzinfo) -> bool:
    """Whether local time lies in [quiet_from, quiet_until), which may wrap midnight.

    Equal bounds mean "no quiet hours": an empty span, not the whole day."""
    start, end = profile.quiet_from, profile.quiet_until
    minute = minutes_of_day(moment, tz)
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def local_midnight(moment: datetime, tz: tzinfo) -> datetime:
    """The start of the recipient's local day: the daily cap counts from here."""
    return datetime.combine(moment.astimezone(tz).date(), time(0), tzinfo=tz)


def by_window(match: Match) -> bool:
    """The match fits because the need starts in the volunteer's "free now" window."""
    return any(reason.kind == "time" and reason.value == "window" for reason in match.reasons)


def wants_push(profile: VolunteerProfile, match: Match) -> bool:
    """Instant mode always; digest modes only for a need inside their "free now" window,
    because /now promises to say so when something comes up in that time."""
    if profile.paused or profile.notify_mode == "off":
        return False
    return profile.notify_mode == "instant" or by_window(match)


def wave_size(need: Need, wave_factor: int) -> int:
    """Ask the best few first: a few people per open spot, not everyone at once."""
    return max(0, wave_factor * (need.capacity - need.taken))


def is_pushable(need: Need, now: datetime) -> bool:
    """Open, not full, not started: the only needs worth interrupting someone for."""
    if need.status != "open" or need.taken >= need.capacity:
        return False
    return need.starts_at is None or need.starts_at > now


def wave_due(need: Need, now: datetime, interval: timedelta) -> bool:
    """Whether the next wave is due.

    A need no wave has reached yet is due at once. Otherwise the pause after the last
    wave is ``interval``, shortened to a quarter of the time that was left before the
    start then, so a need for this afternoon escalates within the hour; undated needs
    get no further waves (the digest carries them).
    """
    if need.last_wave_at is None:
        return True
    if need.starts_at is None:
        return False
    pause = min(interval, (need.starts_at - need.last_wave_at) / 4)
    return now - need.last_wave_at >= pause


def dedup_key(
    item_id: int, person_id: int, transport: str, user_id: str, *, kind: str = "push"
) -> str:
    """One message per need (or, with ``kind="partner"``, partner post) and account, ever;
    overly long Matrix ids are hashed to fit."""
    key = f"{kind}:{item_id}:{person_id}:{transport}:{user_id}"
    if len(key) <= 200:
        return key
    digest = hashlib.sha256(user_id.encode("utf-8")).hexdigest()
    return f"{kind}:{item_id}:{person_id}:{transport}:sha256:{digest}"
