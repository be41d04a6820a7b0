"""Prometheus metrics of one bot process, on its own registry (``/metrics``).

Counters are bumped where things happen: :class:`MeteredEngine` around every
incoming update, the outbox worker's outcome hook for every send. Values that
live in the database (outbox depth and age) or in a transport (Telegram 429s)
are read when Prometheus scrapes, so they are never stale.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from dialogs.engine import Engine
from dialogs.events import Event, Reply
from storage.db import Store
from storage.models import OutboxMessage

disable_created_metrics()  # the *_created series only double the output
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600)


class _RateLimited(Collector):
    """Telegram's 429 answers, as counted by the transport's flood limiter."""

    def __init__(self, sources: Callable[[], Iterable[tuple[str, int]]]) -> None:
        self.sources = sources

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(
            "engage_rate_limited",
            "429 Too Many Requests answers from a messenger",
            labels=["transport"],
        )
        for transport, count in self.sources():
            family.add_metric([transport], count)
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            "engage_updates", "Incoming updates handled", ["transport"], registry=r
        )
        self.replies = Counter(
            "engage_replies", "Replies the dialogs gave to updates", ["transport"], registry=r
        )
        self.update_seconds = Histogram(
            "engage_update_seconds", "Time to handle one update", ["transport"], registry=r
        )
        self.sends = Counter(
            "engage_outbox_sends",
            "Outbox messages sent by result (sent, retry, blocked, failed)",
            ["transport", "result"],
            registry=r,
        )
        self.push_latency = Histogram(
            "engage_push_latency_seconds",
            "From queueing a message the bot sends on its own to its delivery",
            ["transport"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.outbox_depth = Gauge(
            "engage_outbox_depth", "Outbox messages waiting or being sent", registry=r
        )
        self.outbox_age = Gauge(
            "engage_outbox_oldest_age_seconds",
            "Age of the oldest outbox message not yet sent (0 when empty)",
            registry=r,
        )
        self.rate_limit_sources: list[Callable[[], tuple[str, int]]] = []
        r.register(_RateLimited(lambda: [source() for source in self.rate_limit_sources]))

    def sent(self, transport: str, result: str, message: OutboxMessage, now: datetime) -> None:
        """The outbox worker's hook: one outcome, and the latency of a delivery."""
        self.sends.labels(transport, result).inc()
        if result == "sent":
            waited = (now - message.created_at).total_seconds()
            self.push_latency.labels(transport).observe(max(waited, 0.0))

    async def refresh(self, store: Store, now: datetime) -> None:
        """Read what lives in the database, right before a scrape."""
        async with store.transaction() as uow:
            counts = await uow.outbox.counts()
            oldest = await uow.outbox.oldest_due()
        self.outbox_depth.set(counts.get("pending", 0) + counts.get("sending", 0))
        self.outbox_age.set(max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MeteredEngine(Engine):
    """The dialog engine, counting what it handles (dialogs/ stays free of metrics)."""

    def __init__(self, *args: Any, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    async def handle(self, event: Event) -> list[Reply]:
        started = time.perf_counter()
        replies = await super().handle(event)
        transport = event.identity.transport
        self.metrics.update_seconds.labels(transport).observe(time.perf_counter() - started)
        self.metrics.updates.labels(transport).inc()
        self.metrics.replies.labels(transport).inc(len(replies))
        return replies
