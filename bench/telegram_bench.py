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
default 200), ENGAGE_BENCH_PROFILE (a file: cProfile stats of the full bot's
process during its burst phase, for ``python -m pstats``).
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import itertools
import json
import math
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
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

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:" + "B" * 35
TELEGRAM_PER_SECOND = 30
UNPACED = Limits(global_per_second=10**6, chat_interval=0.0, group_per_minute=10**6, margin=0.0)

# A user's script: /start (consent question), then single-reply steps round and round:
# a language menu, a typed menu number ("2" picks English, "1" German), the help text.
STEP_CYCLE = ("/language", "2", "/help", "/language", "1", "/help")
REPLY_METHODS = frozenset({"sendMessage", "editMessageText"})
WARMUP_USERS = 20
STALL_SECONDS = 60.0  # no reply at all for this long: the bot is stuck, fail the case
MARK = "@@bench "  # prefix of protocol lines on the child's stdout


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the value below which a share q of the samples lie."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def script(steps: int) -> list[str]:
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

    def add_users(self, first_id: int, count: int) -> list[_User]:
        users = [_User(first_id + i, script(len(self.expected))) for i in range(count)]
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
            if user is None or not user.in_flight:
                self.unexpected += user is not None
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
        slots = [user for _ in range(len(self.expected)) for user in users]
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
                await api.wait_for(lambda seen=seen: replies() > seen, timeout=0.25)
            except TimeoutError:
                break
        counts.append(replies())
    return counts


def _emit(message: dict[str, Any]) -> None:
    print(MARK + json.dumps(message), flush=True)


async def _drive(api: FakeTelegramAPI, params: dict[str, Any]) -> dict[str, Any]:
    await api.wait_for(lambda: api.calls_to("getUpdates"), timeout=60)
    steps, users = params["steps"], params["users"]
    per_user = max(1, steps // users)
    expected = await calibrate(api, 1, script(per_user))
    driver = Driver(api, expected)
    await driver.closed_loop(driver.add_users(100, WARMUP_USERS))
    _emit({"phase": "burst", "edge": "start"})
    burst = await driver.closed_loop(driver.add_users(10_000, users))
    _emit({"phase": "burst", "edge": "end"})
    steady = await driver.steady(driver.add_users(20_000, users), params["rate"])
    failed = sum(1 for c in api.calls if c.method in REPLY_METHODS and c.status != 200)
    return {
        "replies_per_step": expected,
        "burst": burst.summary(),
        "steady": steady.summary(),
        "failed_replies": failed,
        "unexpected_replies": driver.unexpected,
    }


async def _child(params: dict[str, Any]) -> int:
    api = FakeTelegramAPI()
    await api.start()
    status = 0
    try:
        _emit({"base_url": api.base_url})
        try:
            _emit({"result": await _drive(api, params)})
        except Exception as error:
            traceback.print_exc()
            _emit({"error": f"{type(error).__name__}: {error}"})
            status = 1
        # Keep answering until the bot has stopped; the parent then closes our stdin.
        await asyncio.to_thread(sys.stdin.buffer.read)
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


async def _message(stream: asyncio.StreamReader, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
    while True:
        line = await asyncio.wait_for(stream.readline(), timeout)
        if not line:
            raise RuntimeError("the fake's process ended unexpectedly")
        text = line.decode()
        if text.startswith(MARK):
            return json.loads(text[len(MARK) :])
        sys.stderr.write(text)


async def _run_against_fake(
    bot: _Bot, params: dict[str, Any], profile: cProfile.Profile | None = None
) -> dict[str, Any]:
    """Start the child, point the bot at its fake, collect what the child measured."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.telegram_bench",
        "drive",
        json.dumps(params),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        hello = await _message(process.stdout, 60)
        await bot.start(hello["base_url"])
        try:
            cpu: dict[str, float] = {}
            while True:
                message = await _message(process.stdout, 600)
                if "phase" in message:
                    cpu[message["edge"]] = time.process_time()
                    if profile is not None:
                        (profile.enable if message["edge"] == "start" else profile.disable)()
                elif "error" in message:
                    raise RuntimeError(f"driver: {message['error']}")
                elif "result" in message:
                    result: dict[str, Any] = message["result"]
                    break
        finally:
            await bot.stop()
        result["burst"]["bot_cpu_ms_per_step"] = round(
            (cpu["end"] - cpu["start"]) / result["burst"]["steps"] * 1e3, 3
        )
        return result
    finally:
        process.stdin.close()
        with contextlib.suppress(Exception):
            await process.stdout.read()  # drain to EOF, so the pipe closes cleanly
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


def case_reply_throughput() -> dict[str, Any]:
    params = {
        "steps": _env_int("ENGAGE_BENCH_STEPS", 2000),
        "users": _env_int("ENGAGE_BENCH_USERS", 200),
        "rate": float(_env_int("ENGAGE_BENCH_RATE", 200)),
    }
    profile_path = os.environ.get("ENGAGE_BENCH_PROFILE")
    profile = cProfile.Profile() if profile_path else None
    full = asyncio.run(_run_against_fake(FullBot(), params, profile))
    echo = asyncio.run(_run_against_fake(EchoBot(), params))
    if profile is not None and profile_path:
        profile.dump_stats(profile_path)
        print(f"bench: cProfile of the full bot's burst phase in {profile_path}", file=sys.stderr)
    fb, fs, eb, es = full["burst"], full["steady"], echo["burst"], echo["steady"]
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
            "latency": f"steady: {rate:g} steps/s open loop over {fs['steps'] // users or 1} "
            f"rounds of {users} users; a step waits (held_back) only while its user's "
            "previous step is unanswered; injection to last reply, at the fake",
        },
        "replies_per_step": full["replies_per_step"],
        "steps_per_s": fb["steps_per_s"],
        "p50_ms": fs["p50_ms"],
        "p99_ms": fs["p99_ms"],
        "max_ms": fs["max_ms"],
        "steady_steps_per_s": fs["steps_per_s"],
        "held_back": fs["held_back"],
        "burst_p50_ms": fb["p50_ms"],
        "burst_p99_ms": fb["p99_ms"],
        "bot_cpu_ms_per_step": fb["bot_cpu_ms_per_step"],
        "cost_ms_per_step": round(cost * 1e3, 3),
        "echo_steps_per_s": eb["steps_per_s"],
        "echo_p50_ms": es["p50_ms"],
        "echo_p99_ms": es["p99_ms"],
        "echo_held_back": es["held_back"],
        "echo_cpu_ms_per_step": eb["bot_cpu_ms_per_step"],
        "echo_cost_ms_per_step": round(echo_cost * 1e3, 3),
        "ratio": ratio,
        "driver_cpu_ms_per_step": fb["driver_cpu_ms_per_step"],
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


async def _broadcast(limiter: BaseRateLimiter[Any], n: int, concurrency: int) -> dict[str, Any]:
    """n chats, ``concurrency`` sends in flight; a 429 is waited out and retried."""
    api = FakeTelegramAPI()
    await api.start()
    api.strict_limits()
    retried = 0
    try:
        bot: ExtBot[Any] = ExtBot(TOKEN, base_url=api.base_url, rate_limiter=limiter)
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

            start = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            wall = time.monotonic() - start
    finally:
        await api.stop()
    times = sorted(c.time for c in api.calls if c.method == "sendMessage" and c.ok)
    busiest = max(
        (j - i for i, j in _window_ends(times, 1.0)),
        default=0,
    )
    rate = len(times) / wall
    return {
        "n": n,
        "delivered": len(times),
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "messages_per_s": round(rate, 2),
        "share_of_limit": round(rate / TELEGRAM_PER_SECOND, 3),
        "too_many_requests": api.too_many_requests,
        "retried_by_sender": retried,
        "busiest_second": busiest,
    }


def _window_ends(times: list[float], window: float) -> list[tuple[int, int]]:
    """For each send i, the index just past the last send within ``window`` after it."""
    pairs, j = [], 0
    for i, t in enumerate(times):
        while j < len(times) and times[j] < t + window:
            j += 1
        pairs.append((i, j))
    return pairs


def _pacing_case(name: str, make_limiter: Callable[[], BaseRateLimiter[Any]]) -> dict[str, Any]:
    n = _env_int("ENGAGE_BENCH_BROADCAST", 3000)
    result = asyncio.run(_broadcast(make_limiter(), n, concurrency=100))
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


if __name__ == "__main__" and sys.argv[1:2] == ["drive"]:
    sys.exit(asyncio.run(_child(json.loads(sys.argv[2]))))
