"""Pacing outgoing Telegram requests to the documented flood limits.

Telegram allows about 30 messages per second across chats, one per second in
one chat and 20 per minute in a group. python-telegram-bot's AIORateLimiter
has known flaws (its leaky bucket lets more than 20/min through to a group,
python-telegram-bot#3772; a concurrent request can release a RetryAfter halt
early, #5338), so this limiter does it differently:

* every send *reserves* a time slot under one lock: the earliest moment at
  which the global, per-chat and per-group windows all have room. Two
  concurrent sends can never both take the last place in a window. Sends
  across chats are spread evenly (1/30 s apart), which keeps every one-second
  window at 30 without bursts at its edges;
* a RetryAfter moves one shared ``paused_until`` forward (never back), every
  request waits for it, and a request that waited re-reserves its slot so the
  queue does not burst out when the pause ends.

Times are reserved with a small margin, because Telegram counts arrivals and
the network adds jitter.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

PACED_METHODS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "sendPhoto",
        "sendDocument",
        "sendLocation",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)


LATE_WAKE = 0.02  # seconds past its slot after which a send takes a new one


@dataclass(frozen=True)
class Limits:
    global_per_second: int = 30
    chat_interval: float = 1.0
    group_per_minute: int = 20
    margin: float = 0.03  # seconds added to every window against network jitter


def _fits(times: list[float], moment: float, window: float, capacity: int) -> bool:
    """Whether a send at ``moment`` keeps every window of length ``window`` at ``capacity``."""
    lo = bisect.bisect_right(times, moment - window)
    hi = bisect.bisect_left(times, moment + window)
    if hi - lo < capacity:
        return True
    merged = sorted([*times[lo:hi], moment])
    return all(merged[i + capacity] - merged[i] >= window for i in range(len(merged) - capacity))


def _earliest(times: list[float], moment: float, window: float, capacity: int) -> float:
    """The first moment from ``moment`` on that fits.

    Whether a moment fits only changes where a reservation leaves its window,
    at ``t + window``; so those are the only candidates to try.
    """
    if _fits(times, moment, window, capacity):
        return moment
    if capacity == 1:  # the common spacing case: walk to the first gap wide enough
        start = bisect.bisect_right(times, moment - window)
        for index in range(start, len(times)):
            candidate = max(moment, times[index] + window)
            if index + 1 == len(times) or times[index + 1] - candidate >= window:
                return candidate
    for taken in times[bisect.bisect_right(times, moment - window) :]:
        candidate = taken + window
        if candidate > moment and _fits(times, candidate, window, capacity):
            return candidate
    return max(moment, times[-1] + window)


@dataclass
class SendSchedule:
    """Reservations of send times; pure bookkeeping, the clock is passed in."""

    limits: Limits = field(default_factory=Limits)
    sent: list[float] = field(default_factory=list)
    chats: dict[int, float] = field(default_factory=dict)
    groups: dict[int, list[float]] = field(default_factory=dict)
    paused_until: float = 0.0
    next_forget: float = 0.0

    def reserve(self, chat_id: int | None, now: float) -> float:
        """The earliest time this send may go out; recorded as taken."""
        limits = self.limits
        window = 1.0 + limits.margin
        group_window = 60.0 + limits.margin
        moment = max(now, self.paused_until)
        if chat_id is not None and chat_id in self.chats:
            moment = max(moment, self.chats[chat_id] + limits.chat_interval + limits.margin)
        group = self.groups.setdefault(chat_id, []) if chat_id is not None and chat_id < 0 else None
        spacing = window / limits.global_per_second  # evenly spread: no burst at a boundary
        while True:
            settled = _earliest(self.sent, moment, spacing, 1)
            if group is not None:
                settled = _earliest(group, settled, group_window, limits.group_per_minute)
            if settled == moment:
                break
            moment = settled
        bisect.insort(self.sent, moment)
        if chat_id is not None:
            self.chats[chat_id] = max(self.chats.get(chat_id, 0.0), moment)
        if group is not None:
            bisect.insort(group, moment)
        if now >= self.next_forget:  # walking every chat per send costs more than it saves
            self._forget_before(now - group_window)
            self.next_forget = now + 1.0
        return moment

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def _forget_before(self, cutoff: float) -> None:
        del self.sent[: bisect.bisect_left(self.sent, cutoff)]
        for chat_id in [c for c, t in self.chats.items() if t < cutoff]:
            del self.chats[chat_id]
        for chat_id, times in list(self.groups.items()):
            del times[: bisect.bisect_left(times, cutoff)]
            if not times:
                del self.groups[chat_id]


class FloodLimiter(BaseRateLimiter[int]):
    """A python-telegram-bot rate limiter built on :class:`SendSchedule`."""

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        max_retries: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.schedule = SendSchedule(limits or Limits())
        self.max_retries = max_retries
        self.clock = clock
        self._lock = asyncio.Lock()
        self.retry_after_count = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def _wait_for_slot(self, chat_id: int | None) -> None:
        while True:
            async with self._lock:
                now = self.clock()
                at = self.schedule.reserve(chat_id, now)
            if at <= now:
                # A slot free right now (a reservation never precedes a pause's end): go
                # without yielding. Sleeping, even for 0 s, lets a busy loop run other work
                # first; the wake is then late, the slot retaken, and so on under load.
                return
            await asyncio.sleep(at - now)
            now = self.clock()
            if now - at > LATE_WAKE:
                continue  # woke too late (GC pause, busy loop): sending now could burst
            if now >= self.schedule.paused_until:
                return
            # A RetryAfter arrived while we waited: queue up again behind the pause.

    async def _wait_for_pause(self) -> None:
        # The pause end can move later while we sleep, so look again after each sleep.
        while (delay := self.schedule.paused_until - self.clock()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        paced = endpoint in PACED_METHODS
        chat_id = _chat_id(data.get("chat_id"))
        for attempt in range(self.max_retries + 1):
            if paced:
                await self._wait_for_slot(chat_id)
            else:
                await self._wait_for_pause()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                self.retry_after_count += 1
                seconds = seconds_of(error.retry_after)
                log.warning(
                    "Telegram asked to wait %.1f s (%s, try %d)", seconds, endpoint, attempt
                )
                self.schedule.pause(self.clock() + seconds)
                if attempt == self.max_retries:
                    raise
        raise AssertionError("unreachable")


def _chat_id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None  # @channelusername: only the global limit applies


def seconds_of(retry_after: Any) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on settings."""
    return (
        retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)
    )
