"""Delivery end to end: the production wiring (``bot.app.build_app``) against the fake Bot API.

``delivery.publish_to_first_push`` asks how long a volunteer waits for a fresh need: an
organisation admin writes the need as a Telegram message, presses Publish on the card,
and the clock runs until the first push reaches a volunteer's chat at the fake. The
path is the real one (PTB long polling, the posting dialog, the scheduler's after-commit
hook, matching, the outbox, the worker, the FloodLimiter with default limits).

``delivery.broadcast_throughput`` asks whether the outbox worker keeps Telegram's
30 messages/s busy: a broadcast of N messages with the opt-out button (issuing its
token and remembering the menu message cost database writes per message) is sent by
the real worker and transport to a fake that enforces the flood limits strictly. The
fake runs in a child process, as in ``bench.telegram_bench``: it stamps arrivals on its
own loop, so a stall of the bot's loop shows as a gap instead of hiding in both.

Environment: ENGAGE_BENCH_BROADCAST (messages per broadcast, default 3000, shared with
``telegram.broadcast_pacing``), ENGAGE_BENCH_DELIVERY_PROFILE (a file: cProfile stats of
the bot during the broadcast, for ``python -m pstats``).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import cProfile
import gc
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.child import FakeProcess, emit, freeze_heap
from bench.common import env_int as _env_int
from bench.common import load as _load
from bench.common import percentile as _percentile
from bot.app import App, build_app
from bot.config import Settings
from bot.telegram.limiter import Limits
from bot.telegram.transport import TelegramTransport
from matching.availability import FLEXIBLE
from matching.geo import round_location
from storage.models import Broadcast, Organisation, VolunteerProfile
from tests.bot.telegram.fake_api import Call, FakeTelegramAPI

CHILD = "bench.delivery_bench"
TOKEN = "123456:" + "D" * 35
LAT, LON = 50.776, 6.087  # 52062 Aachen
SEED = 52062
TELEGRAM_PER_SECOND = 30

N_VOLUNTEERS = 200
N_ORGANISATIONS = 3
REPEATS = 30
WARMUP = 1  # the first publication pays for imports, SQL compilation and numpy set-up
FIRST_VOLUNTEER_CHAT = 700_001
FIRST_ADMIN_CHAT = 5_001
PUBLISH_LABELS = ("Veröffentlichen", "Publish")
DAYS = ("morgen", "übermorgen", "in 3 Tagen")
GOAL_MS = 1000.0
WAIT_S = 30.0
READ_S = 1.1  # a person reads the card before tapping; also clears the 1/s per-chat slot

FIRST_BROADCAST_CHAT = 200_001
BROADCAST_TEXT = "📢 Ankündigung aus Aachen:\n\nStadtfest am Samstag: wir brauchen dich!"
OPT_OUT = [[["Stop announcements", "@announcements_off"]]]
GOAL_SHARE = 0.95


def _ms(seconds: float) -> float:
    return round(seconds * 1e3, 1)


@contextlib.contextmanager
def gc_pauses() -> Iterator[list[tuple[int, float]]]:
    """(generation, seconds) of every collection: a full one stalls the whole loop."""
    pauses: list[tuple[int, float]] = []
    started = [0.0]

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((int(info["generation"]), time.perf_counter() - started[0]))

    gc.callbacks.append(note)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(note)


def gc_summary(pauses: list[tuple[int, float]]) -> dict[str, Any]:
    full = [seconds for generation, seconds in pauses if generation == 2]
    return {
        "gc_full_collections": len(full),
        "gc_full_max_ms": _ms(max(full, default=0.0)),
        "gc_max_ms": _ms(max((seconds for _, seconds in pauses), default=0.0)),
    }


@contextlib.asynccontextmanager
async def loop_stalls(every: float = 0.005) -> AsyncIterator[list[tuple[float, float]]]:
    """(due, lag) whenever this loop's timers fired more than 10 ms late: a stall of the
    sender lets sends reserved for different moments leave together; one of the fake
    stamps arrivals that were spread out as if they came together."""
    stalls: list[tuple[float, float]] = []

    async def watch() -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + every
            await asyncio.sleep(every)
            lag = loop.time() - due
            if lag > 0.01:
                stalls.append((due, lag))

    task = asyncio.create_task(watch())
    try:
        yield stalls
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def stall_summary(prefix: str, stalls: list[tuple[float, float]], margin: float) -> dict[str, Any]:
    return {
        f"{prefix}_lag_max_ms": _ms(max((lag for _, lag in stalls), default=0.0)),
        f"{prefix}_stalls_over_margin": sum(1 for _, lag in stalls if lag > margin),
    }


def refusal_context(
    refused: list[float], bot: list[tuple[float, float]], fake: list[tuple[float, float]]
) -> list[dict[str, float]]:
    """For each 429 (at most 10): the longest stall of the bot's loop and of the fake's that
    ended within the second before it. A stall longer than the limiter's margin (or two
    that add up to it) lets sends reserved apart arrive together and overfill a window."""

    def longest(stalls: list[tuple[float, float]], at: float) -> float:
        return max((lag for due, lag in stalls if at - 1.1 <= due + lag <= at + 0.01), default=0.0)

    return [
        {"bot_stall_ms": _ms(longest(bot, at)), "fake_stall_ms": _ms(longest(fake, at))}
        for at in refused[:10]
    ]


def need_text(repeat: int) -> str:
    """A distinct start per repeat (day and hour), so every publication is a new need."""
    day, hour = DAYS[(repeat // 10) % len(DAYS)], 8 + repeat % 10
    return f"Brauchen {day} {hour}–{hour + 3} Uhr 3 Helfer:innen für die Tafel-Ausgabe, 52062"


# -- the deployment --------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def deployment(api_url: str) -> AsyncIterator[App]:
    """``build_app`` as ``engage run`` calls it (migrations, outbox mode, worker, scheduler),
    on an SQLite file of its own; stopped and removed whatever happens."""
    with tempfile.TemporaryDirectory(prefix="engage-delivery-") as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/engage.db",
            demo_data="no",
            log_level="WARNING",
            telegram_token=TOKEN,
            telegram_api_url=api_url,
        )
        app = await build_app(settings)
        try:
            yield app
        finally:
            await app.stop()  # scheduler (never started), worker, transport, database


async def start_delivery(app: App) -> None:
    """Transport and outbox worker; not the scheduler's periodic jobs, which would only
    add noise (its ``need_published`` hook is wired and works without them)."""
    for transport in app.transports.values():
        await transport.start()
    assert app.worker is not None
    await app.worker.start()


def telegram_of(app: App) -> TelegramTransport:
    transport = app.transports["telegram"]
    assert isinstance(transport, TelegramTransport)
    return transport


async def outbox_busy(app: App) -> int:
    """Messages not yet finished (pending or sending)."""
    async with app.store.transaction() as uow:
        counts = await uow.outbox.counts()
    return counts.get("pending", 0) + counts.get("sending", 0)


async def until_outbox_drained(app: App, timeout: float, every: float = 0.05) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while await outbox_busy(app):
        if time.monotonic() > deadline:
            raise TimeoutError(f"outbox not drained within {timeout:.0f} s")
        await asyncio.sleep(every)


# -- publish to first push ------------------------------------------------------------------


async def seed_world(app: App) -> list[int]:
    """Approved organisations in 52062 with one Telegram admin each, and volunteers
    around them who want instant pushes; the admins' chat ids.

    No quiet hours, so the result does not depend on the time of day the bench runs."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    admins = []
    async with app.store.transaction() as uow:
        for number in range(N_ORGANISATIONS):
            organisation = await uow.organisations.add(
                Organisation(
                    name=f"Aachener Tafel {number + 1}",
                    kind="association",
                    interests=["neighbourhood"],
                    postal_code="52062",
                    latitude=LAT,
                    longitude=LON,
                    address="Adalbertsteinweg 20",
                    status="approved",
                )
            )
            chat = FIRST_ADMIN_CHAT + number
            admin = await uow.people.create_with_account(
                transport="telegram", user_id=str(chat), chat_id=str(chat), locale="de"
            )
            assert organisation.id is not None and admin.id is not None
            await uow.governance.add_admin(organisation.id, admin.id)
            admins.append(chat)
        for number in range(N_VOLUNTEERS):
            chat = str(FIRST_VOLUNTEER_CHAT + number)
            person = await uow.people.create_with_account(
                transport="telegram", user_id=chat, chat_id=chat, locale="de"
            )
            assert person.id is not None
            lat, lon = round_location(
                LAT + rng.uniform(-0.03, 0.03), LON + rng.uniform(-0.045, 0.045)
            )
            uow.session.add(
                VolunteerProfile(
                    person_id=person.id,
                    interests=rng.sample(["neighbourhood", "seniors", "children_youth"], 2),
                    postal_code="52062",
                    latitude=lat,
                    longitude=lon,
                    radius_km=10,
                    availability=FLEXIBLE,
                    notify_mode="instant",
                    quiet_from=0,
                    quiet_until=0,
                    completed_at=now,
                )
            )
    return admins


def _publish_button(call: Call, admin: int) -> tuple[int, str] | None:
    """(message id, callback data) if this call showed the admin a card with Publish."""
    if call.method not in ("sendMessage", "editMessageText") or call.chat_id != admin:
        return None
    result = call.result if call.ok else None
    if not isinstance(result, dict):
        return None
    for row in (result.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if button.get("text") in PUBLISH_LABELS and "callback_data" in button:
                return result["message_id"], button["callback_data"]
    return None


def _calls_since(api: FakeTelegramAPI, cursor: int) -> list[Call]:
    return api.calls[cursor:]


async def publish_once(
    api: FakeTelegramAPI, app: App, admin: int, text: str, volunteers: frozenset[int]
) -> dict[str, float | int]:
    """One need, written and published through Telegram; seconds from the Publish tap to
    the first push and to the admin's confirmation, and how many pushes the wave sent."""
    cursor = len(api.calls)
    api.inject_message(admin, text, first_name="Bench")

    def card() -> tuple[int, str] | None:
        found = (_publish_button(c, admin) for c in _calls_since(api, cursor))
        return next((f for f in found if f is not None), None)

    message_id, data = await api.wait_for(card, WAIT_S)
    await asyncio.sleep(READ_S)
    cursor = len(api.calls)
    tapped = api.clock()
    api.inject_callback(admin, data, message_id=message_id, first_name="Bench")

    def first_push() -> Call | None:
        return next(
            (
                c
                for c in _calls_since(api, cursor)
                if c.method == "sendMessage" and c.ok and c.chat_id in volunteers
            ),
            None,
        )

    def confirmed() -> Call | None:
        return next(
            (
                c
                for c in _calls_since(api, cursor)
                if c.method in ("sendMessage", "editMessageText") and c.chat_id == admin and c.ok
            ),
            None,
        )

    push = await api.wait_for(first_push, WAIT_S)
    answer = await api.wait_for(confirmed, WAIT_S)
    await until_outbox_drained(app, WAIT_S)  # the whole wave is out: the next need starts clean
    calls = _calls_since(api, cursor)
    pushes = sum(1 for c in calls if c.method == "sendMessage" and c.chat_id in volunteers)
    return {"first_push": push.time - tapped, "confirmed": answer.time - tapped, "pushes": pushes}


async def _publish_to_first_push() -> dict[str, Any]:
    api = FakeTelegramAPI()
    await api.start()
    try:
        async with deployment(api.base_url) as app:
            admins = await seed_world(app)
            await start_delivery(app)
            volunteers = frozenset(range(FIRST_VOLUNTEER_CHAT, FIRST_VOLUNTEER_CHAT + N_VOLUNTEERS))
            runs = []
            for repeat in range(WARMUP):
                runs.append(await publish_once(api, app, admins[0], need_text(repeat), volunteers))
            with gc_pauses() as pauses:
                for repeat in range(WARMUP, WARMUP + REPEATS):
                    admin = admins[repeat % len(admins)]
                    runs.append(await publish_once(api, app, admin, need_text(repeat), volunteers))
    finally:
        await api.stop()
    return {"warmup": runs[:WARMUP], "runs": runs[WARMUP:], "gc": gc_summary(pauses)}


def case_publish_to_first_push() -> dict[str, Any]:
    load = _load()
    result = asyncio.run(_publish_to_first_push())
    runs = result["runs"]
    first = sorted(float(r["first_push"]) for r in runs)
    confirmed = sorted(float(r["confirmed"]) for r in runs)
    p50, p95 = _ms(_percentile(first, 0.5)), _ms(_percentile(first, 0.95))
    return {
        "case": "delivery.publish_to_first_push",
        "n": len(runs),
        "volunteers": N_VOLUNTEERS,
        "organisations": N_ORGANISATIONS,
        "db": "sqlite file, migrations",
        "fake": "in process, non-strict; bot paced by default Limits",
        "mode": "admin's need message and Publish tap injected as Telegram updates; "
        "Publish tap to the first push's arrival at the fake",
        "p50_ms": p50,
        "p95_ms": p95,
        "max_ms": _ms(first[-1]),
        "warmup_ms": [_ms(float(r["first_push"])) for r in result["warmup"]],
        "confirmed_p50_ms": _ms(_percentile(confirmed, 0.5)),
        "confirmed_p95_ms": _ms(_percentile(confirmed, 0.95)),
        "pushes_per_need": round(statistics.fmean(int(r["pushes"]) for r in runs), 1),
        **result["gc"],
        "loadavg_1m": [load, _load()],
        "goal_ms": GOAL_MS,
        "met": p95 <= GOAL_MS,
    }


# -- broadcast throughput ---------------------------------------------------------------------


async def seed_broadcast(app: App, n: int) -> int:
    """A broadcast as the coordination dialog queues it: one row, n messages with opt-out."""
    now = datetime.now(UTC)
    async with app.store.transaction() as uow:
        broadcast = Broadcast(text=BROADCAST_TEXT, audience={"kind": "all", "people": n}, total=n)
        uow.session.add(broadcast)
        await uow.session.flush()
        assert broadcast.id is not None
        for number in range(n):
            chat = str(FIRST_BROADCAST_CHAT + number)
            await uow.outbox.enqueue(
                dedup_key=f"broadcast:{broadcast.id}:telegram:{chat}",
                transport="telegram",
                user_id=chat,
                chat_id=chat,
                payload=[{"text": BROADCAST_TEXT, "buttons": OPT_OUT}],
                now=now,
                broadcast_id=broadcast.id,
            )
        return broadcast.id


@dataclass
class Spans:
    """Wall time inside instrumented coroutines (per name), to tell where a message's time
    goes; the wrappers sit on the instances only, the code under test is unchanged."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    starts: dict[str, list[float]] = field(default_factory=dict)

    def wrap(self, owner: Any, attribute: str, name: str) -> None:
        original: Callable[..., Awaitable[Any]] = getattr(owner, attribute)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.monotonic()
            try:
                return await original(*args, **kwargs)
            finally:
                self.starts.setdefault(name, []).append(start)
                self.seconds.setdefault(name, []).append(time.monotonic() - start)

        setattr(owner, attribute, timed)

    def summary(self) -> dict[str, Any]:
        return {
            name: {
                "calls": len(values),
                "mean_ms": round(statistics.fmean(values) * 1e3, 2),
                "p95_ms": round(_percentile(sorted(values), 0.95) * 1e3, 2),
                "max_ms": round(max(values) * 1e3, 2),
                "total_s": round(sum(values), 2),
            }
            for name, values in self.seconds.items()
        }


def instrument(app: App) -> Spans:
    """Time the database work of each message and the waits for the flood limiter."""
    spans = Spans()
    worker, engine = app.worker, app.engine
    assert worker is not None
    transport = telegram_of(app)
    spans.wrap(worker, "drain_once", "drain_batch")
    spans.wrap(engine, "push", "issue_tokens")  # inside the worker's write lock
    spans.wrap(engine, "remember_menu_message", "remember_menu")
    spans.wrap(worker, "_record", "record_outcome")  # includes waiting for the write lock
    spans.wrap(transport.limiter, "_wait_for_slot", "limiter_wait")
    spans.wrap(transport, "deliver", "deliver")
    return spans


def pace(times: list[float], limits: Limits) -> dict[str, Any]:
    """What the arrival times at the fake say: rate, and where the sender left slots unused."""
    spacing = (1.0 + limits.margin) / limits.global_per_second
    gaps = [b - a for a, b in itertools.pairwise(times)]
    idle = [gap - spacing for gap in gaps if gap > 1.5 * spacing]
    busiest, j = 0, 0
    for i, t in enumerate(times):  # most accepted sends within any 1.0 s
        while j < len(times) and times[j] < t + 1.0:
            j += 1
        busiest = max(busiest, j - i)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {
        "first_to_last_s": round(span, 2),
        "messages_per_s": round((len(times) - 1) / span, 2) if span else None,
        "limiter_ceiling_per_s": round(1.0 / spacing, 2),
        "median_gap_ms": _ms(statistics.median(gaps)) if gaps else None,
        "longest_gap_ms": _ms(max(gaps, default=0.0)),
        "gaps_over_1_5_slots": len(idle),
        "idle_s": round(sum(idle), 2),
        "busiest_second": busiest,
    }


def batch_gaps(times: list[float], batch_starts: list[float], limits: Limits) -> dict[str, Any]:
    """What claiming the next batch costs: the gap at the fake between a batch's last send
    and the next batch's first one, beyond the one slot it would take anyway."""
    spacing = (1.0 + limits.margin) / limits.global_per_second
    gaps = []
    for start in batch_starts[1:]:
        at = bisect.bisect_left(times, start)
        if 0 < at < len(times):
            gaps.append(times[at] - times[at - 1])
    if not gaps:
        return {"batches": len(batch_starts)}
    return {
        "batches": len(batch_starts),
        "boundary_gap_mean_ms": _ms(statistics.fmean(gaps)),
        "boundary_gap_max_ms": _ms(max(gaps)),
        "boundary_lost_s": round(sum(max(0.0, gap - spacing) for gap in gaps), 2),
    }


async def _broadcast(n: int, profile: cProfile.Profile | None) -> dict[str, Any]:
    fake = await FakeProcess.start(CHILD, "serve")
    failed = True
    try:
        async with deployment(fake.base_url) as app:
            await seed_broadcast(app, n)
            spans = instrument(app)
            freeze_heap()
            start, cpu = time.monotonic(), time.process_time()
            if profile is not None:
                profile.enable()
            try:
                with gc_pauses() as pauses:
                    async with loop_stalls() as stalls:
                        await start_delivery(app)
                        await until_outbox_drained(app, n / 20 + 120, every=0.5)
            finally:
                if profile is not None:
                    profile.disable()
            wall, cpu = time.monotonic() - start, time.process_time() - cpu
            async with app.store.transaction() as uow:
                states = await uow.outbox.counts()
                sent_rows = states.get("sent", 0)
            limiter = telegram_of(app).limiter
            limits, retry_after = limiter.schedule.limits, limiter.retry_after_count
        served = await fake.finish()
        failed = False
    finally:
        await fake.close(kill=failed)
    times = sorted(served["times"])
    fake_stalls = [(due, lag) for due, lag in served["stalls"]]
    return {
        "n": n,
        "delivered": len(times),
        "sent_rows": sent_rows,
        "outbox_states": states,
        "wall_s": round(wall, 2),
        "bot_cpu_ms_per_message": round(cpu / max(1, len(times)) * 1e3, 2),
        "bot_cpu_share": round(cpu / wall, 3),
        **pace(times, limits),
        "too_many_requests": served["too_many_requests"],
        "too_many_requests_context": refusal_context(served["refused"], stalls, fake_stalls),
        "retry_after_seen_by_bot": retry_after,
        **batch_gaps(times, spans.starts.get("drain_batch", []), limits),
        "spans": spans.summary(),
        **gc_summary(pauses),
        **stall_summary("bot_loop", stalls, limits.margin),
        **stall_summary("fake_loop", fake_stalls, limits.margin),
    }


def case_broadcast_throughput() -> dict[str, Any]:
    n, load = _env_int("ENGAGE_BENCH_BROADCAST", 3000), _load()
    profile_path = os.environ.get("ENGAGE_BENCH_DELIVERY_PROFILE")
    profile = cProfile.Profile() if profile_path else None
    result = asyncio.run(_broadcast(n, profile))
    if profile is not None and profile_path:
        profile.dump_stats(profile_path)
        print(f"bench: broadcast cProfile in {profile_path}", file=sys.stderr)
    rate = result["messages_per_s"] or 0.0
    share = round(rate / TELEGRAM_PER_SECOND, 3)
    return {
        "case": "delivery.broadcast_throughput",
        "db": "sqlite file, migrations",
        "fake": "separate process, strict flood limits",
        "mode": "OutboxWorker + TelegramTransport (default Limits) send one broadcast with "
        "the opt-out button; rate from the first to the last accepted send at the fake",
        **result,
        "share_of_limit": share,
        "limit_per_s": TELEGRAM_PER_SECOND,
        "loadavg_1m": [load, _load()],
        "goal_share": GOAL_SHARE,
        "goal_too_many_requests": 0,
        "met": {
            "share_of_limit": share >= GOAL_SHARE,
            "too_many_requests": result["too_many_requests"] == 0,
        },
    }


# -- the strict fake in a child process ---------------------------------------------------------


async def _child() -> int:
    """Play Telegram with strict limits until stdin closes; then report accepted sends,
    refused ones (429) and this loop's own stalls, all on the shared monotonic clock."""
    freeze_heap()  # this process stands in for Telegram: its GC must not bunch stamps
    api = FakeTelegramAPI()
    await api.start()
    api.strict_limits()
    try:
        async with loop_stalls() as stalls:
            emit({"base_url": api.base_url})
            await asyncio.to_thread(sys.stdin.buffer.read)
        sends = [c for c in api.calls if c.method == "sendMessage"]
        report = {
            "times": [c.time for c in sends if c.ok],
            "refused": [c.time for c in sends if c.status == 429],
            "too_many_requests": api.too_many_requests,
            "stalls": stalls,
        }
        emit({"result": report})
    finally:
        await api.stop()
    return 0


CASES: tuple[tuple[str, Callable[[], dict[str, Any]]], ...] = (
    ("delivery.publish_to_first_push", case_publish_to_first_push),
    ("delivery.broadcast_throughput", case_broadcast_throughput),
)


if __name__ == "__main__" and sys.argv[1:2] == ["serve"]:
    sys.exit(asyncio.run(_child()))
