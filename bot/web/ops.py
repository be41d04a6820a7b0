"""What operators look at: ``/healthz`` (JSON, 200 or 503) and ``/metrics``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.metrics import CONTENT_TYPE, Metrics
from dialogs.flow import Clock
from storage.db import Store

log = logging.getLogger(__name__)
BACKLOG_LIMIT = timedelta(minutes=30)  # older unsent outbox messages make the bot unhealthy
DATABASE_TIMEOUT = 5.0
NO_CACHE = {"Cache-Control": "no-store"}
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class HealthSources:
    """The running parts /healthz asks; transports, scheduler and worker may be absent."""

    store: Store
    clock: Clock
    transports: Mapping[str, Any] = field(default_factory=dict)
    scheduler: Any | None = None
    worker: Any | None = None
    backlog_limit: timedelta = BACKLOG_LIMIT


async def database_reachable(store: Store) -> bool:
    async def ping() -> None:
        async with store.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), DATABASE_TIMEOUT)
    except Exception as error:  # any failure means: not reachable
        log.warning("health check: database not reachable: %s", error)
        return False
    return True


async def health_report(sources: HealthSources) -> tuple[bool, dict[str, Any]]:
    report: dict[str, Any] = {"database": await database_reachable(sources.store)}
    healthy = report["database"]
    report["transports"] = {
        name: bool(getattr(transport, "connected", False))
        for name, transport in sources.transports.items()
    }
    healthy = healthy and all(report["transports"].values())
    if sources.scheduler is not None:
        report["scheduler"] = bool(sources.scheduler.running)
        healthy = healthy and report["scheduler"]
    if sources.worker is not None:
        report["outbox_worker"] = bool(sources.worker.running)
        healthy = healthy and report["outbox_worker"]
    if report["database"]:
        async with sources.store.transaction() as uow:
            counts = await uow.outbox.counts()
            oldest = await uow.outbox.oldest_due()
        age = (sources.clock.now() - oldest).total_seconds() if oldest else 0.0
        report["outbox"] = {
            "backlog": counts.get("pending", 0) + counts.get("sending", 0),
            "oldest_seconds": round(max(age, 0.0), 1),
        }
        healthy = healthy and age <= sources.backlog_limit.total_seconds()
    report["status"] = "ok" if healthy else "unhealthy"
    return healthy, report


def healthz(sources: HealthSources) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        healthy, report = await health_report(sources)
        return JSONResponse(report, status_code=200 if healthy else 503, headers=NO_CACHE)

    return endpoint


def metrics_endpoint(metrics: Metrics, store: Store, clock: Clock) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            await metrics.refresh(store, clock.now())
        except Exception as error:  # the other series are still worth scraping
            log.warning("metrics: could not read the outbox: %s", error)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE, headers=NO_CACHE)

    return endpoint
