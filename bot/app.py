"""Bootstrap: the one place that knows every part and wires them together."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Protocol

from bot.config import Settings
from dialogs.engine import Engine
from dialogs.flow import Clock, EngineConfig, SystemClock
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import has_data, load_demo_data
from storage.migrate import upgrade

log = logging.getLogger(__name__)


class Transport(Protocol):
    name: str

    async def run(self) -> None: ...


@dataclass
class App:
    settings: Settings
    store: Store
    engine: Engine
    transports: list[Transport] = field(default_factory=list)

    async def close(self) -> None:
        await self.store.dispose()


def messengers_configured(settings: Settings) -> list[str]:
    """Names of the messenger transports the settings enable (none yet: console only)."""
    return []


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


def build_engine(store: Store, settings: Settings, *, clock: Clock | None = None) -> Engine:
    return Engine(store, build_registry(), engine_config(settings), clock=clock)
