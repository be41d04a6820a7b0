"""The Telegram transport under load, against the fake Bot API over real HTTP.

``telegram.reply_throughput`` asks what one dialog step costs the full bot (PTB long
polling, the Engine, SQLite with the demo data, HTML replies) next to a bare PTB echo
bot. The fake Bot API and the simulated users run in a child process: on one loop
the fake's own work (HTML parsing, JSON, deep copies) would be billed to the bot, and
so would the load generator. Pacing is off, because this measures the bot, not
Telegram's flood limits.

``telegram.broadcast_pacing`` sends one message to each of many chats through the
fake in strict mode, as a broadcast sender does (a pool of concurrent sends), paced
by our FloodLimiter; ``telegram.broadcast_pacing.aioratelimiter`` does the same with
PTB's AIORateLimiter for comparison. A full run takes about 105 s per limiter.

Environment: ENGAGE_BENCH_BROADCAST (messages per broadcast, default 3000; 300 for a
quick run), ENGAGE_BENCH_STEPS (dialog steps per phase, default 2000),
ENGAGE_BENCH_USERS (default 200), ENGAGE_BENCH_RATE (steps/s of the steady phase,
default 200), ENGAGE_BENCH_PROFILE (a file: cProfile stats of the full bot's burst
phase, and of the echo bot's in FILE.echo, for ``python -m pstats``).
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import gc
import itertools
import json
import logging
import math
import os
import sys
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseRateLimiter,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bench.child import FakeProcess, emit, freeze_heap
from bench.common import env_int as _env_int
from bench.common import load as _load
from bench.common import percentile as _percentile
from bot.app import App
from bot.config import Settings
from bot.telegram.limiter import FloodLimiter, Limits, seconds_of
from bot.telegram.transport import TelegramSettings, TelegramTransport
from dialogs.engine import Engine
from dialogs.flow import EngineConfig
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import load_demo_data
from tests.bot.telegram.fake_api import FakeTelegramAPI

CHILD = "bench.telegram_bench"
TOKEN = "123456:" + "B" * 35
TELEGRAM_PER_SECOND = 30
UNPACED = Limits(global_per_second=10**6, chat_interval=0.0, group_per_minute=10**6, margin=0.0)

# A user's script: /start (consent question), then single-reply steps round and round:
# a language menu, a typed menu number ("2" picks English, "1" German), the help text.
STEP_CYCLE = ("/language", "2", "/help", "/language", "1", "/help")
REPLY_METHODS = frozenset({"sendMessage", "editMessageText"})
WARMUP_USERS = 20
LIGHT_RATE = 50  # steps/s far below what the bot sustains: latency without queueing
LIGHT_STEPS = 4
STALL_SECONDS = 60.0  # no reply at all for this long: the bot is stuck, fail the case


def script(steps: int) -> list[str]:
    """What one simulated user types, in order."""
    return ["/start", *itertools.islice(itertools.cycle(STEP_CYCLE), steps - 1)]


# -- the child: fake Bot API plus simulated users ------------------------------------


@dataclass
class _User:
    id: int
    script: list[str]
    step: int = 0  # the step in flight, or the next one to send
    in_flight: bool = False
    got: int = 0  # replies to the step in flight so far
    due: int = 0  # steady phase: slots that came while the previous step was unanswered
    sent_at: float = 0.0


@dataclass
class _Phase:
    """Latencies (injection to the step's last reply at the fake, fake's clock)."""

    latencies: list[float] = field(default_factory=list)
    first: float = math.inf
    last: float = -math.inf
    held_back: int = 0
    cpu: float = 0.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        wall = self.last - self.first
        return {
            "steps": len(ordered),
            "wall_s": round(wall, 3),
            "steps_per_s": round(len(ordered) / wall, 1),
            "p50_ms": round(_percentile(ordered, 0.50) * 1e3, 2),
            "p99_ms": round(_percentile(ordered, 0.99) * 1e3, 2),
            "max_ms": round(ordered[-1] * 1e3, 2),
            "held_back": self.held_back,
            "driver_cpu_ms_per_step": round(self.cpu / len(ordered) * 1e3, 3),
        }


class Driver:
    """Plays many users against the fake; a step is done when its last reply arrived.

    Replies are read from ``api.calls`` (stamped with the fake's monotonic clock on
    arrival), incrementally, so following thousands of calls stays linear.
    """

    def __init__(self, api: FakeTelegramAPI, expected: list[int]) -> None:
        self.api = api
        self.expected = expected
        self.cursor = len(api.calls)
        self.users: dict[int, _User] = {}
        self.unexpected = 0
        self.phase = _Phase()

    def add_users(self, first_id: int, count: int, steps: int) -> list[_User]:
        users = [_User(first_id + i, script(steps)) for i in range(count)]
        self.users.update((user.id, user) for user in users)
        return users

    def send(self, user: _User) -> None:
        user.in_flight, user.got = True, 0
        user.sent_at = self.api.clock()
        self.phase.first = min(self.phase.first, user.sent_at)
        self.api.inject_message(user.id, user.script[user.step], first_name="Bench")

    def collect(self) -> list[_User]:
        """Users whose step was completed by calls recorded since the last look."""
        calls, done = self.api.calls, []
        for call in itertools.islice(calls, self.cursor, None):
            if call.method not in REPLY_METHODS:
                continue
            user = self.users.get(call.chat_id)  # type: ignore[arg-type]
            if user is None:
                continue  # a chat of another phase's user or of the calibration
            if not user.in_flight:
                self.unexpected += 1  # more replies than calibrated: the count is off
                continue
            user.got += 1
            if user.got == self.expected[user.step]:
                self.phase.latencies.append(call.time - user.sent_at)
                self.phase.last = max(self.phase.last, call.time)
                user.in_flight = False
                user.step += 1
                done.append(user)
        self.cursor = len(calls)
        return done

    async def activity(self, timeout: float) -> None:  # noqa: ASYNC109 - mirrors api.wait_for
        """Until a call was recorded since the last collect(); TimeoutError after timeout."""
        await self.api.wait_for(lambda: len(self.api.calls) > self.cursor, timeout=timeout)

    async def closed_loop(self, users: list[_User]) -> _Phase:
        """All users at once; each sends its next step as soon as the previous one is done."""
        self.phase, cpu = _Phase(), time.process_time()
        for user in users:
            self.send(user)
        remaining = len(users)
        while remaining:
            await self.activity(STALL_SECONDS)
            for user in self.collect():
                if user.step < len(user.script):
                    self.send(user)
                else:
                    remaining -= 1
        self.phase.cpu = time.process_time() - cpu
        return self.phase

    async def steady(self, users: list[_User], rate: float) -> _Phase:
        """Open loop at ``rate``, round-robin over users (each sends once per M/rate s).

        A step whose user still waits for the previous answer is held back until it
        arrives (and counted): a person does not type on before the bot answered.
        """
        self.phase, cpu = _Phase(), time.process_time()
        slots = [user for _ in range(len(users[0].script)) for user in users]
        start, index = self.api.clock(), 0
        while index < len(slots) or any(user.in_flight for user in users):
            now = self.api.clock()
            while index < len(slots) and start + index / rate <= now:
                user = slots[index]
                if user.in_flight or user.due:
                    user.due += 1
                    self.phase.held_back += 1
                else:
                    self.send(user)
                index += 1
            wait = start + index / rate - now if index < len(slots) else STALL_SECONDS
            try:
                await self.activity(max(wait, 0.0))
            except TimeoutError:
                if index >= len(slots):
                    raise
            for user in self.collect():
                if user.due:
                    user.due -= 1
                    self.send(user)
        self.phase.cpu = time.process_time() - cpu
        return self.phase


async def calibrate(api: FakeTelegramAPI, user_id: int, steps: list[str]) -> list[int]:
    """Replies per step, counted for one user with a pause after each step.

    Counted rather than hard-coded, so a changed dialog changes the bench with it.
    """
    counts = []
    for text in steps:
        cursor = len(api.calls)

        def replies(cursor: int = cursor) -> int:
            return sum(
                1
                for call in itertools.islice(api.calls, cursor, None)
                if call.method in REPLY_METHODS and call.chat_id == user_id
            )

        api.inject_message(user_id, text, first_name="Bench")
        await api.wait_for(replies, timeout=10)
        while True:  # the last reply is the one after which nothing comes for a while
            seen = replies()
            try:
                await api.wait_for(lambda seen=seen: replies() > seen, timeout=0.15)
            except TimeoutError:
                break
        counts.append(replies())
    return counts


async def _drive(api: FakeTelegramAPI, params: dict[str, Any]) -> dict[str, Any]:
    """Calibrate, warm up, then the measured phases, each with fresh users."""
    await api.wait_for(lambda: api.calls_to("getUpdates"), timeout=60)
    users = params["users"]
    per_user = max(1, params["steps"] // users)
    driver = Driver(api, await calibrate(api, 1, script(max(per_user, LIGHT_STEPS))))
    await driver.closed_loop(driver.add_users(100, WARMUP_USERS, per_user))
    emit({"phase": "burst", "edge": "start"})
    burst = await driver.closed_loop(driver.add_users(10_000, users, per_user))
    emit({"phase": "burst", "edge": "end"})
    steady = await driver.steady(driver.add_users(20_000, users, per_user), params["rate"])
    light_users = driver.add_users(30_000, LIGHT_RATE, LIGHT_STEPS)  # one step per user and s
    light = await driver.steady(light_users, LIGHT_RATE)
    failed = sum(1 for c in api.calls if c.method in REPLY_METHODS and c.status != 200)
    return {
        "replies_per_step": driver.expected[:per_user],
        "burst": burst.summary(),
        "steady": steady.summary(),
        "light": light.summary(),
        "failed_replies": failed,
        "unexpected_replies": driver.unexpected,
    }


def _served(api: FakeTelegramAPI, lags: list[float]) -> dict[str, Any]:
    """What a strict fake saw of a broadcast: arrivals of accepted sends, 429s."""
    times = sorted(c.time for c in api.calls if c.method == "sendMessage" and c.ok)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    busiest, j = 0, 0
    for i, t in enumerate(times):  # most accepted sends within any 1.0 s
        while j < len(times) and times[j] < t + 1.0:
            j += 1
        busiest = max(busiest, j - i)
    return {
        "delivered": len(times),
        "too_many_requests": api.too_many_requests,
        "busiest_second": busiest,
        "longest_gap_ms": round(max(gaps, default=0.0) * 1e3, 1),
        **_lag_summary("fake_loop", lags),
    }


async def _child(mode: str, params: dict[str, Any]) -> int:
    """Play Telegram: ``drive`` also plays the users, ``serve`` enforces flood limits."""
    freeze_heap()  # this process stands in for Telegram: its GC must not delay stamps
    api = FakeTelegramAPI()
    await api.start()
    if mode == "serve":
        api.strict_limits()
    status = 0
    try:
        emit({"base_url": api.base_url})
        if mode == "drive":
            try:
                emit({"result": await _drive(api, params)})
            except Exception as error:
                traceback.print_exc()
                emit({"error": f"{type(error).__name__}: {error}"})
                status = 1
        # Keep answering until the bot has stopped; the parent then closes our stdin.
        async with _loop_lag() as lags:
            await asyncio.to_thread(sys.stdin.buffer.read)
        if mode == "serve":
            emit({"result": _served(api, lags)})
    finally:
        await api.stop()
    return status


# -- the parent: the bot under test ----------------------------------------------------


class _Bot(Protocol):
    async def start(self, base_url: str) -> None: ...

    async def stop(self) -> None: ...


class FullBot:
    """The production wiring (as in bot.app and the transport tests) on an SQLite file."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="engage-bench-")
        self.store = Store.connect(f"sqlite+aiosqlite:///{self._tmp.name}/engage.db")
        self.transport: TelegramTransport | None = None

    async def start(self, base_url: str) -> None:
        await self.store.create_all()
        await load_demo_data(self.store, now=datetime.now(UTC))
        engine = Engine(self.store, build_registry(), EngineConfig())
        app = App(Settings(database_url=str(self.store.engine.url)), self.store, engine)
        engine.deliver = app.deliver
        self.transport = TelegramTransport(
            engine,
            TelegramSettings(token=TOKEN, api_url=base_url),
            limits=UNPACED,
            mark_unreachable=app.mark_unreachable,
        )
        app.transports["telegram"] = self.transport
        await self.transport.start()
        freeze_heap()

    async def stop(self) -> None:
        try:
            if self.transport is not None:
                await self.transport.stop()
        finally:
            await self.store.dispose()
            self._tmp.cleanup()


async def _echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


class EchoBot:
    """The floor: python-telegram-bot alone, no limiter, no database."""

    def __init__(self) -> None:
        self.application: Application | None = None  # type: ignore[type-arg]

    async def start(self, base_url: str) -> None:
        application = (
            Application.builder().token(TOKEN).base_url(base_url).concurrent_updates(True).build()
        )
        application.add_handler(MessageHandler(filters.TEXT, _echo))
        self.application = application
        await application.initialize()
        assert application.updater is not None
        await application.updater.start_polling(timeout=int(TelegramSettings.poll_timeout))
        await application.start()

    async def stop(self) -> None:
        application = self.application
        if application is None:
            return
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


async def _run_against_fake(
    bot: _Bot, params: dict[str, Any], profile: cProfile.Profile | None = None
) -> dict[str, Any]:
    """Point the bot at a driving fake, collect what the child measured."""
    fake = await FakeProcess.start(CHILD, "drive", json.dumps(params))
    failed = True
    try:
        await bot.start(fake.base_url)
        try:
            cpu: dict[str, float] = {}
            with _gc_pauses() as pauses:
                result = await _follow(fake, cpu, profile)
        finally:
            await bot.stop()
        result["burst"]["bot_cpu_ms_per_step"] = round(
            (cpu["end"] - cpu["start"]) / result["burst"]["steps"] * 1e3, 3
        )
        result["bot_gc_max_ms"] = round(max(pauses, default=0.0) * 1e3, 1)
        failed = False
        return result
    finally:
        await fake.close(kill=failed)


async def _follow(
    fake: FakeProcess, cpu: dict[str, float], profile: cProfile.Profile | None
) -> dict[str, Any]:
    """The driver's messages until its result; phase edges stamp CPU time and profile."""
    while True:
        message = await fake.message(600)
        if "phase" in message:
            cpu[message["edge"]] = time.process_time()
            if profile is not None:
                (profile.enable if message["edge"] == "start" else profile.disable)()
        elif "error" in message:
            raise RuntimeError(f"driver: {message['error']}")
        elif "result" in message:
            return message["result"]


def case_reply_throughput() -> dict[str, Any]:
    params = {
        "steps": _env_int("ENGAGE_BENCH_STEPS", 2000),
        "users": _env_int("ENGAGE_BENCH_USERS", 200),
        "rate": float(_env_int("ENGAGE_BENCH_RATE", 200)),
    }
    load = _load()
    profile_path = os.environ.get("ENGAGE_BENCH_PROFILE")
    profiles = (cProfile.Profile(), cProfile.Profile()) if profile_path else (None, None)
    full = asyncio.run(_run_against_fake(FullBot(), params, profiles[0]))
    echo = asyncio.run(_run_against_fake(EchoBot(), params, profiles[1]))
    if profile_path:
        for profile, path in zip(profiles, (profile_path, profile_path + ".echo"), strict=True):
            assert profile is not None
            profile.dump_stats(path)
        print(f"bench: burst-phase cProfile in {profile_path}(.echo)", file=sys.stderr)
    fb, fs, fl = full["burst"], full["steady"], full["light"]
    eb, es, el = echo["burst"], echo["steady"], echo["light"]
    cost, echo_cost = fb["wall_s"] / fb["steps"], eb["wall_s"] / eb["steps"]
    goals = {"steps_per_s": 300, "p99_ms": 100, "ratio": 2.0}
    ratio = round(cost / echo_cost, 2)
    users, rate = params["users"], params["rate"]
    return {
        "case": "telegram.reply_throughput",
        "n": fb["steps"],
        "users": users,
        "pacing": "off",
        "db": "sqlite file, demo data",
        "fake": "separate process (with the simulated users)",
        "mode": {
            "steps_per_s": f"burst: {users} users at once, each sends its next step when the "
            "last reply to the previous one arrived (closed loop)",
            "latency": f"steady: {rate:g} steps/s open loop, round-robin over {users} users; "
            "a step waits (held_back) only while its user's previous step is unanswered; "
            "injection to last reply, at the fake",
            "light": f"the same at {LIGHT_RATE} steps/s ({LIGHT_RATE} users x {LIGHT_STEPS} "
            "steps): latency without queueing",
        },
        "replies_per_step": full["replies_per_step"],
        "steps_per_s": fb["steps_per_s"],
        "p50_ms": fs["p50_ms"],
        "p99_ms": fs["p99_ms"],
        "max_ms": fs["max_ms"],
        "steady_steps_per_s": fs["steps_per_s"],
        "held_back": fs["held_back"],
        "light_p50_ms": fl["p50_ms"],
        "light_p99_ms": fl["p99_ms"],
        "burst_p50_ms": fb["p50_ms"],
        "burst_p99_ms": fb["p99_ms"],
        "bot_cpu_ms_per_step": fb["bot_cpu_ms_per_step"],
        "cost_ms_per_step": round(cost * 1e3, 3),
        "echo_steps_per_s": eb["steps_per_s"],
        "echo_p50_ms": es["p50_ms"],
        "echo_p99_ms": es["p99_ms"],
        "echo_held_back": es["held_back"],
        "echo_light_p50_ms": el["p50_ms"],
        "echo_light_p99_ms": el["p99_ms"],
        "echo_cpu_ms_per_step": eb["bot_cpu_ms_per_step"],
        "echo_cost_ms_per_step": round(echo_cost * 1e3, 3),
        "ratio": ratio,
        "bot_gc_max_ms": full["bot_gc_max_ms"],
        "echo_gc_max_ms": echo["bot_gc_max_ms"],
        "driver_cpu_ms_per_step": max(fb["driver_cpu_ms_per_step"], eb["driver_cpu_ms_per_step"]),
        "loadavg_1m": [load, _load()],
        "cpus": os.cpu_count(),
        "failed_replies": full["failed_replies"] + echo["failed_replies"],
        "unexpected_replies": full["unexpected_replies"] + echo["unexpected_replies"],
        "goal_steps_per_s": goals["steps_per_s"],
        "goal_p99_ms": goals["p99_ms"],
        "goal_ratio": goals["ratio"],
        "met": {
            "steps_per_s": fb["steps_per_s"] >= goals["steps_per_s"],
            "p99_ms": fs["p99_ms"] < goals["p99_ms"],
            "ratio": ratio <= goals["ratio"],
        },
    }


# -- broadcast pacing --------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _loop_lag(every: float = 0.005) -> AsyncIterator[list[float]]:
    """How late this loop's timers fire: GC, CPU taken by other processes, slow callbacks.

    A limiter reserves send times; a lag beyond its margin bunches sends together.
    """
    lags: list[float] = []

    async def watch() -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + every
            await asyncio.sleep(every)
            lags.append(loop.time() - due)

    task = asyncio.create_task(watch())
    try:
        yield lags
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _lag_summary(prefix: str, lags: list[float]) -> dict[str, Any]:
    return {
        f"{prefix}_lag_max_ms": round(max(lags, default=0.0) * 1e3, 1),
        f"{prefix}_lags_over_30ms": sum(1 for lag in lags if lag > 0.03),
    }


@contextlib.contextmanager
def _gc_pauses() -> Iterator[list[float]]:
    """Durations of this process's garbage collections: they stall every send."""
    pauses: list[float] = []
    started = [0.0]

    def note(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - started[0])

    gc.callbacks.append(note)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(note)


async def _broadcast(limiter: BaseRateLimiter[Any], n: int, concurrency: int) -> dict[str, Any]:
    """n chats, ``concurrency`` sends in flight; a 429 is waited out and retried.

    The strict fake runs in a child process, so it stamps arrivals on its own clock, as
    Telegram would, while a stall of this process still shows as one.
    """
    fake = await FakeProcess.start(CHILD, "serve", "{}")
    retried, failed = 0, True
    try:
        bot: ExtBot[Any] = ExtBot(TOKEN, base_url=fake.base_url, rate_limiter=limiter)
        async with bot:
            chats = list(range(50_000 + n, 50_000, -1))
            text = "<b>Neu in deiner Nähe:</b> Lesepatin gesucht, Stadtbibliothek Aachen."

            async def worker() -> None:
                nonlocal retried
                while chats:
                    chat_id = chats.pop()
                    while True:
                        try:
                            await bot.send_message(chat_id, text, parse_mode="HTML")
                            break
                        except RetryAfter as error:
                            retried += 1
                            await asyncio.sleep(seconds_of(error.retry_after))

            async with _loop_lag() as lags:
                with _gc_pauses() as pauses:
                    start = time.monotonic()
                    await asyncio.gather(*(worker() for _ in range(concurrency)))
                    wall = time.monotonic() - start
        served = await fake.finish()
        failed = False
    finally:
        await fake.close(kill=failed)
    rate = served["delivered"] / wall
    return {
        "n": n,
        "delivered": served["delivered"],
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "messages_per_s": round(rate, 2),
        "share_of_limit": round(rate / TELEGRAM_PER_SECOND, 3),
        "too_many_requests": served["too_many_requests"],
        "retried_by_sender": retried,
        "busiest_second": served["busiest_second"],
        "longest_gap_ms": served["longest_gap_ms"],
        **_lag_summary("sender_loop", lags),
        "sender_gc_max_ms": round(max(pauses, default=0.0) * 1e3, 1),
        **{k: v for k, v in served.items() if k.startswith("fake_loop")},
    }


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """AIORateLimiter logs every 429 with a traceback; the count is in the result anyway."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _pacing_case(name: str, make_limiter: Callable[[], BaseRateLimiter[Any]]) -> dict[str, Any]:
    n, load = _env_int("ENGAGE_BENCH_BROADCAST", 3000), _load()
    with _quiet("telegram.ext.AIORateLimiter"):
        result = asyncio.run(_broadcast(make_limiter(), n, concurrency=100))
    result["loadavg_1m"] = [load, _load()]
    goal_share = 0.95
    return {
        "case": name,
        **result,
        "limit_per_s": TELEGRAM_PER_SECOND,
        "goal_share": goal_share,
        "goal_too_many_requests": 0,
        "met": {
            "share_of_limit": result["share_of_limit"] >= goal_share,
            "too_many_requests": result["too_many_requests"] == 0,
        },
    }


CASES: tuple[tuple[str, Callable[[], dict[str, Any]]], ...] = (
    ("telegram.reply_throughput", case_reply_throughput),
    (
        "telegram.broadcast_pacing",
        lambda: _pacing_case("telegram.broadcast_pacing", lambda: FloodLimiter(Limits())),
    ),
    (
        "telegram.broadcast_pacing.aioratelimiter",
        lambda: _pacing_case("telegram.broadcast_pacing.aioratelimiter", AIORateLimiter),
    ),
)


if __name__ == "__main__" and sys.argv[1:2] in (["drive"], ["serve"]):
    sys.exit(asyncio.run(_child(sys.argv[1], json.loads(sys.argv[2]))))
