"""Shared fixtures: databases (SQLite and a real PostgreSQL), clock, dialog harness."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import normalise_database_url
from storage.db import Store
from tests.fakes import FixedClock

POSTGRES_URL = normalise_database_url(
    os.environ.get("ENGAGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)


def postgres_skipped() -> bool:
    return os.environ.get("ENGAGE_TEST_POSTGRES", "").lower() == "skip"


async def _postgres_reachable() -> str | None:
    engine = create_async_engine(POSTGRES_URL)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None
    except Exception as error:  # any failure means: not usable for tests
        return f"{type(error).__name__}: {error}"
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test server; a missing one fails loudly unless skipped by hand."""
    if postgres_skipped():
        pytest.skip("ENGAGE_TEST_POSTGRES=skip")
    with ThreadPoolExecutor(1) as pool:  # its own loop: callers may already run one
        problem = pool.submit(asyncio.run, _postgres_reachable()).result()
    if problem:
        pytest.fail(
            f"PostgreSQL at {POSTGRES_URL} is unreachable ({problem}). Start it, point "
            "ENGAGE_TEST_POSTGRES_URL at one, or set ENGAGE_TEST_POSTGRES=skip to skip them.",
            pytrace=False,
        )
    return POSTGRES_URL


async def _postgres_schema(url: str) -> AsyncIterator[str]:
    """A fresh schema per test, so runs and tests never see each other's rows."""
    schema = f"engage_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def pg_schema(postgres_url: str) -> AsyncIterator[str]:
    async for schema in _postgres_schema(postgres_url):
        yield schema


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite+aiosqlite:///{tmp_path / 'engage.db'}"


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[Store]:
    store = Store.connect(sqlite_url)
    await store.create_all()
    yield store
    await store.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[Store]:
    """The same storage test on both backends."""
    if request.param == "sqlite":
        store = Store.connect(sqlite_url)
        await store.create_all()
        yield store
        await store.dispose()
        return
    postgres_url = request.getfixturevalue("postgres_url")
    async for schema in _postgres_schema(postgres_url):
        store = Store.connect(postgres_url, schema=schema)
        await store.create_all()
        yield store
        await store.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()
