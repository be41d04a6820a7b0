"""/healthz and /metrics: what makes the bot unhealthy, and the counters being real."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bot.metrics import MeteredEngine, Metrics
from bot.outbox import OutboxWorker, Outcome
from bot.web.app import create_web_app
from bot.web.ops import HealthSources
from dialogs.events import Identity, Reply, TextMessage
from dialogs.flow import EngineConfig
from dialogs.setup import build_registry
from storage.db import Store
from tests.bot.web.conftest import deps
from tests.fakes import FixedClock


class RecordingSender:
    """Stands in for a messenger: takes every message, or refuses as told."""

    def __init__(self, outcome: Outcome = "sent") -> None:
        self.outcome = outcome
        self.received: list[Identity] = []

    async def deliver(self, identity: Identity, replies: list[Reply]) -> Outcome:
        self.received.append(identity)
        return self.outcome


async def get(store: Store, clock: FixedClock, path: str, **changes: object) -> httpx.Response:
    app = create_web_app(deps(store, clock, **changes))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://engage.test"
    ) as client:
        return await client.get(path)


async def queue(store: Store, clock: FixedClock, number: int) -> None:
    async with store.transaction() as uow:
        await uow.outbox.enqueue(
            dedup_key=f"test:{number}",
            transport="telegram",
            user_id=str(number),
            chat_id=str(number),
            payload=[{"text": "Hallo", "buttons": []}],
            now=clock.now(),
        )


async def test_healthy_database_and_empty_outbox(sqlite_store: Store, clock: FixedClock) -> None:
    response = await get(sqlite_store, clock, "/healthz", health=HealthSources(sqlite_store, clock))
    assert response.status_code == 200
    assert response.json() == {
        "database": True,
        "transports": {},
        "outbox": {"backlog": 0, "oldest_seconds": 0.0},
        "status": "ok",
    }
    assert response.headers["cache-control"] == "no-store"


async def test_unreachable_database_is_503(sqlite_store: Store, clock: FixedClock) -> None:
    gone = Store.connect("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        response = await get(sqlite_store, clock, "/healthz", health=HealthSources(gone, clock))
    finally:
        await gone.dispose()
    assert response.status_code == 503
    assert response.json()["database"] is False
    assert response.json()["status"] == "unhealthy"


async def test_an_old_outbox_backlog_is_503(sqlite_store: Store, clock: FixedClock) -> None:
    sources = HealthSources(sqlite_store, clock, backlog_limit=timedelta(minutes=30))
    await queue(sqlite_store, clock, 1)
    clock.advance(minutes=10)
    fresh = await get(sqlite_store, clock, "/healthz", health=sources)
    assert fresh.status_code == 200
    assert fresh.json()["outbox"] == {"backlog": 1, "oldest_seconds": 600.0}
    clock.advance(minutes=25)
    stale = await get(sqlite_store, clock, "/healthz", health=sources)
    assert stale.status_code == 503
    assert stale.json()["outbox"]["oldest_seconds"] == 2100.0


async def test_stopped_scheduler_and_worker_are_503(sqlite_store: Store, clock: FixedClock) -> None:
    from bot.scheduler import Scheduler

    engine = MeteredEngine(
        sqlite_store, build_registry(), EngineConfig(), clock=clock, metrics=Metrics()
    )
    worker = OutboxWorker(sqlite_store, engine, {"telegram": RecordingSender()})
    scheduler = Scheduler(sqlite_store, engine.config, clock)
    sources = HealthSources(sqlite_store, clock, scheduler=scheduler, worker=worker)
    assert (await get(sqlite_store, clock, "/healthz", health=sources)).status_code == 503
    scheduler.start()
    await worker.start()
    try:
        running = await get(sqlite_store, clock, "/healthz", health=sources)
        assert running.status_code == 200
        assert running.json()["scheduler"] is True and running.json()["outbox_worker"] is True
    finally:
        await worker.stop()
        await scheduler.stop()
    stopped = await get(sqlite_store, clock, "/healthz", health=sources)
    assert stopped.status_code == 503
    assert stopped.json()["outbox_worker"] is False


async def test_metrics_count_updates_replies_sends_and_latency(
    sqlite_store: Store, clock: FixedClock
) -> None:
    metrics = Metrics()
    engine = MeteredEngine(
        sqlite_store, build_registry(), EngineConfig(), clock=clock, metrics=metrics
    )
    who = Identity("console", "m1", "m1")
    for number, text in enumerate(("/help", "/help", "hallo")):
        await engine.handle(TextMessage(identity=who, event_id=f"m{number}", text=text))

    for number in range(3):
        await queue(sqlite_store, clock, number)
    clock.advance(seconds=4)
    sender = RecordingSender()
    worker = OutboxWorker(sqlite_store, engine, {"telegram": sender}, on_outcome=metrics.sent)
    before = (await get(sqlite_store, clock, "/metrics", metrics=metrics)).text
    assert "engage_outbox_depth 3.0" in before
    assert "engage_outbox_oldest_age_seconds 4.0" in before
    assert await worker.drain_once("telegram", sender) == 3
    await queue(sqlite_store, clock, 99)
    sender.outcome = "blocked"
    assert await worker.drain_once("telegram", sender) == 1

    response = await get(sqlite_store, clock, "/metrics", metrics=metrics)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'engage_updates_total{transport="console"} 3.0' in text
    assert 'engage_replies_total{transport="console"}' in text
    assert 'engage_outbox_sends_total{result="sent",transport="telegram"} 3.0' in text
    assert 'engage_outbox_sends_total{result="blocked",transport="telegram"} 1.0' in text
    assert 'engage_push_latency_seconds_count{transport="telegram"} 3.0' in text
    assert 'engage_push_latency_seconds_bucket{le="5.0",transport="telegram"} 3.0' in text
    assert 'engage_push_latency_seconds_bucket{le="2.5",transport="telegram"} 0.0' in text
    assert "engage_outbox_depth 0.0" in text
    assert 'engage_update_seconds_count{transport="console"} 3.0' in text


async def test_metrics_read_the_telegram_limiter(sqlite_store: Store, clock: FixedClock) -> None:
    from bot.telegram.limiter import FloodLimiter

    metrics = Metrics()
    limiter = FloodLimiter()
    metrics.rate_limit_sources.append(lambda: ("telegram", limiter.retry_after_count))
    limiter.retry_after_count += 2  # as process_request does on each 429
    text = (await get(sqlite_store, clock, "/metrics", metrics=metrics)).text
    assert 'engage_rate_limited_total{transport="telegram"} 2.0' in text
