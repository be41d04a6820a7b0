"""A seeded database and the web app over ASGI (no socket) for most route tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.web.app import WebDeps, create_web_app
from dialogs.flow import EngineConfig
from storage.db import Store
from tests.bot.web.seed import Seeded, seed
from tests.fakes import FixedClock

BOT = "engage_test_bot"
MXID = "@engage:example.org"


@pytest.fixture
async def seeded(sqlite_store: Store, clock: FixedClock) -> Seeded:
    return await seed(sqlite_store, clock.now())


def deps(store: Store, clock: FixedClock, **changes: object) -> WebDeps:
    values: dict[str, object] = {
        "store": store,
        "config": EngineConfig(),
        "clock": clock,
        "public_url": "https://engage.example.org",
        "telegram_bot": lambda: BOT,
        "matrix_user": MXID,
    }
    values.update(changes)
    return WebDeps(**values)  # type: ignore[arg-type]


@pytest.fixture
async def client(
    sqlite_store: Store, clock: FixedClock, seeded: Seeded
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_web_app(deps(sqlite_store, clock))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://engage.test") as client:
        yield client
