"""Bootstrap: the one place that knows every part and wires them together."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from bot.config import Settings
from bot.matrix.transport import MatrixSettings, MatrixTransport
from bot.metrics import MeteredEngine, Metrics
from bot.outbox import OutboxWorker, Outcome
from bot.scheduler import Scheduler
from bot.telegram.limiter import Limits
from bot.telegram.transport import TelegramSettings, TelegramTransport
from bot.web.app import WebDeps, create_web_app
from bot.web.ops import HealthSources
from bot.web.server import WebServer
from dialogs.engine import Engine
from dialogs.events import Identity, Reply
from dialogs.flow import Clock, EngineConfig, SystemClock
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import has_data, load_demo_data
from storage.migrate import upgrade

log = logging.getLogger(__name__)


class Transport(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def deliver(self, identity: Identity, replies: list[Reply]) -> Outcome: ...


@dataclass
class App:
    settings: Settings
    store: Store
    engine: Engine
    transports: dict[str, Transport] = field(default_factory=dict)
    worker: OutboxWorker | None = None
    scheduler: Scheduler | None = None
    metrics: Metrics | None = None
    web: WebServer | None = None

    async def deliver(self, identity: Identity, replies: list[Reply]) -> Outcome:
        """Route a message to the recipient's messenger (direct mode, without outbox)."""
        transport = self.transports.get(identity.transport)
        if transport is None:
            log.warning("no %s transport; message to %s dropped", identity.transport, identity)
            return "failed"
        return await transport.deliver(identity, replies)

    async def mark_unreachable(self, identity: Identity) -> None:
        async with self.store.transaction() as uow:
            await uow.people.mark_unreachable(
                identity.transport, identity.chat_id, self.engine.clock.now()
            )

    async def start(self) -> None:
        if self.web is not None:  # first: a webhook registered next must find it listening
            await self.web.start()
        for transport in self.transports.values():
            await transport.start()
        if self.worker is not None:
            await self.worker.start()
        if self.scheduler is not None:
            self.scheduler.start()

    async def stop(self) -> None:
        if self.web is not None:
            await self.web.stop()
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.worker is not None:
            await self.worker.stop()
        for transport in reversed(list(self.transports.values())):
            with contextlib.suppress(Exception):
                await transport.stop()
        await self.store.dispose()
        log.info("stopped")


def messengers_configured(settings: Settings) -> list[str]:
    """Names of the messenger transports the settings enable."""
    names = ["telegram"] if settings.telegram_token else []
    return [*names, "matrix"] if settings.matrix_homeserver else names


async def prepare_database(settings: Settings, *, clock: Clock | None = None) -> Store:
    """Apply migrations, then load demo data where the settings ask for it."""
    await asyncio.to_thread(upgrade, settings.database_url)
    store = Store.connect(settings.database_url)
    wants_demo = settings.demo_data == "yes" or (
        settings.demo_data == "auto" and not messengers_configured(settings)
    )
    if wants_demo and not await has_data(store):
        await load_demo_data(store, now=(clock or SystemClock()).now())
    return store


def engine_config(settings: Settings) -> EngineConfig:
    return EngineConfig(
        default_locale=settings.default_locale,
        timezone=settings.timezone,
        operators=settings.operators,
    )


def build_engine(
    store: Store,
    settings: Settings,
    *,
    clock: Clock | None = None,
    metrics: Metrics | None = None,
) -> Engine:
    """Messages to other people always go through the outbox; a worker sends them
    where a messenger runs (the console chat alone just leaves them queued)."""
    config = engine_config(settings)
    if metrics is not None:
        engine: Engine = MeteredEngine(
            store, build_registry(), config, clock=clock, outbox=_idle, metrics=metrics
        )
    else:
        engine = Engine(store, build_registry(), config, clock=clock, outbox=_idle)
    engine.services["public_url"] = settings.public_url  # calendar links (/calendar)
    return engine


def _idle() -> None:
    return None


def telegram_settings(settings: Settings) -> TelegramSettings:
    assert settings.telegram_token
    return TelegramSettings(
        token=settings.telegram_token,
        api_url=settings.telegram_api_url,
        webhook_url=settings.telegram_webhook_url,
        webhook_secret=settings.telegram_webhook_secret,
        http_host=settings.http_host,
        http_port=settings.http_port,
        own_listener=False,  # the webhook is a route of the bot's web app
    )


async def build_app(settings: Settings, *, clock: Clock | None = None) -> App:
    store = await prepare_database(settings, clock=clock)
    metrics = Metrics()
    engine = build_engine(store, settings, clock=clock, metrics=metrics)
    app = App(settings, store, engine, metrics=metrics)
    telegram: TelegramTransport | None = None
    if settings.telegram_token:
        telegram = TelegramTransport(
            engine,
            telegram_settings(settings),
            limits=Limits(global_per_second=settings.telegram_rate),
            mark_unreachable=app.mark_unreachable,
        )
        app.transports["telegram"] = telegram
        limiter = telegram.limiter
        metrics.rate_limit_sources.append(lambda: ("telegram", limiter.retry_after_count))
    if settings.matrix_homeserver:
        app.transports["matrix"] = MatrixTransport(engine, matrix_settings(settings))
    app.worker = OutboxWorker(
        store,
        engine,
        dict(app.transports),
        lease=timedelta(seconds=settings.outbox_lease),
        on_blocked=app.mark_unreachable,
        on_outcome=metrics.sent,
    )
    engine.outbox = app.worker.wake
    app.scheduler = Scheduler(store, engine.config, engine.clock, queued=app.worker.wake)
    engine.services.update(app.scheduler.services())
    app.web = WebServer(
        create_web_app(web_deps(app, telegram)), settings.http_host, settings.http_port
    )
    return app


def web_deps(app: App, telegram: TelegramTransport | None) -> WebDeps:
    settings, engine = app.settings, app.engine
    webhook = None
    if telegram is not None and settings.telegram_webhook_url:
        webhook = (telegram.webhook_path, telegram.accept_webhook)
    return WebDeps(
        store=app.store,
        config=engine.config,
        clock=engine.clock,
        public_url=settings.public_url,
        telegram_bot=(lambda: telegram.username) if telegram is not None else (lambda: ""),
        matrix_user=settings.matrix_user or "",
        metrics=app.metrics,
        health=HealthSources(
            app.store,
            engine.clock,
            transports=app.transports,
            scheduler=app.scheduler,
            worker=app.worker,
        ),
        webhook=webhook,
    )


def matrix_settings(settings: Settings) -> MatrixSettings:
    assert settings.matrix_homeserver and settings.matrix_user
    return MatrixSettings(
        homeserver=settings.matrix_homeserver,
        user_id=settings.matrix_user,
        password=settings.matrix_password,
        access_token=settings.matrix_access_token,
        device_id=settings.matrix_device_id,
        store_path=settings.matrix_store_path,
    )


async def serve(settings: Settings) -> None:
    """Run every configured messenger until SIGINT or SIGTERM."""
    app = await build_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await app.start()
        # Everything loaded so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise pause the loop for ~100 ms.
        gc.collect()
        gc.freeze()
        log.info("running: %s", ", ".join(app.transports))
        await stop.wait()
    finally:
        log.info("stopping")
        await app.stop()
