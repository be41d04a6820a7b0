"""Migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from storage.db import Store
from storage.migrate import head_revision, upgrade


async def _differences(store: Store) -> tuple[list, str | None]:
    def compare(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata), context.get_current_revision()

    async with store.engine.connect() as connection:
        return await connection.run_sync(compare)


async def test_sqlite_migrations_match_models(sqlite_url: str) -> None:
    await asyncio.to_thread(upgrade, sqlite_url)
    await asyncio.to_thread(upgrade, sqlite_url)  # a second run is a no-op
    store = Store.connect(sqlite_url)
    diff, revision = await _differences(store)
    await store.dispose()
    assert diff == []
    assert revision == head_revision()


async def test_postgres_migrations_match_models(postgres_url: str, pg_schema: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url, schema=pg_schema)
    store = Store.connect(postgres_url, schema=pg_schema)
    diff, revision = await _differences(store)
    await store.dispose()
    assert diff == []
    assert revision == head_revision()
