"""The flood limiter's schedule keeps Telegram's limits under any interleaving."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import RetryAfter

from bot.telegram.limiter import FloodLimiter, Limits, SendSchedule


def violations(times: list[float], window: float, capacity: int) -> int:
    times = sorted(times)
    return sum(times[i + capacity] - times[i] < window for i in range(len(times) - capacity))


def test_global_limit_is_kept_and_nearly_reached() -> None:
    """A broadcast to 3,000 chats with 50 sends in flight, as the sender runs it."""
    schedule = SendSchedule()
    times: list[float] = []
    for chat in range(3000):
        now = times[-50] if len(times) >= 50 else 0.0
        times.append(schedule.reserve(chat, now))
    assert violations(times, 1.0, 30) == 0
    rate = len(times) / max(times)
    assert 0.95 * 30 <= rate <= 30


def test_one_message_per_second_in_a_chat() -> None:
    schedule = SendSchedule()
    times = [schedule.reserve(7, 0.0) for _ in range(5)]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))


def test_twenty_per_minute_in_a_group() -> None:
    """AIORateLimiter's leaky bucket lets more through; a sliding window does not."""
    schedule = SendSchedule()
    times = [schedule.reserve(-100, 0.0) for _ in range(45)]
    assert violations(times, 60.0, 20) == 0
    assert times[19] < 60 <= times[20]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([1, 2, 3, -5, -6, None]), st.floats(0, 5)),
        min_size=1,
        max_size=120,
    )
)
def test_no_interleaving_breaks_a_limit(requests: list[tuple[int | None, float]]) -> None:
    schedule = SendSchedule()
    by_chat: dict[int | None, list[float]] = {}
    everything = []
    for chat, now in sorted(requests, key=lambda r: r[1]):
        at = schedule.reserve(chat, now)
        assert at >= now
        everything.append(at)
        by_chat.setdefault(chat, []).append(at)
    assert violations(everything, 1.0, 30) == 0
    for chat, times in by_chat.items():
        if chat is None:
            continue
        assert violations(times, 1.0, 1) == 0
        if chat < 0:
            assert violations(times, 60.0, 20) == 0


def test_a_pause_only_moves_forward() -> None:
    schedule = SendSchedule()
    schedule.pause(10.0)
    schedule.pause(3.0)  # a later, shorter RetryAfter must not release the halt early
    assert schedule.reserve(1, 0.0) >= 10.0


class Clock:
    def __init__(self) -> None:
        self.start = asyncio.get_running_loop().time()

    def __call__(self) -> float:
        return asyncio.get_running_loop().time() - self.start


async def test_retry_after_halts_every_request_and_then_retries() -> None:
    limiter = FloodLimiter(Limits(margin=0.0), clock=Clock())
    sent: list[tuple[str, float]] = []
    refused = {"first": True}

    async def send(chat: int) -> dict:
        if refused["first"]:
            refused["first"] = False
            raise RetryAfter(timedelta(seconds=0.3))
        sent.append((str(chat), limiter.clock()))
        return {"ok": True}

    results = await asyncio.gather(
        *(
            limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)
            for chat in range(5)
        )
    )
    assert results == [{"ok": True}] * 5
    assert len(sent) == 5
    assert min(at for _, at in sent) >= 0.3  # nobody slipped through during the halt
    assert limiter.retry_after_count == 1


async def test_unpaced_methods_are_not_delayed_by_the_schedule() -> None:
    limiter = FloodLimiter(clock=Clock())
    for _ in range(40):
        limiter.schedule.reserve(None, 0.0)  # a busy broadcast queue

    async def answer() -> bool:
        return True

    started = asyncio.get_running_loop().time()
    assert await limiter.process_request(answer, (), {}, "answerCallbackQuery", {}, None)
    assert asyncio.get_running_loop().time() - started < 0.5


async def test_gives_up_after_the_configured_retries() -> None:
    limiter = FloodLimiter(max_retries=1, clock=Clock())

    async def always_refused() -> bool:
        raise RetryAfter(timedelta(seconds=0.05))

    with pytest.raises(RetryAfter):
        await limiter.process_request(always_refused, (), {}, "sendMessage", {"chat_id": 1}, None)


def test_schedule_memory_is_bounded() -> None:
    schedule = SendSchedule()
    clock = 0.0
    for _ in range(5000):
        clock += random.uniform(0.02, 0.2)
        schedule.reserve(random.randint(-50, 50), clock)
    assert len(schedule.sent) < 70 * 30
