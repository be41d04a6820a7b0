"""Engine and session set-up for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import calendar, models, partners  # noqa: F401  (register their tables on SQLModel.metadata)
from storage.repositories import UnitOfWork
from storage.sqlite_inline import inline_creator

log = logging.getLogger(__name__)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        """WAL lets readers run beside the writer; the busy timeout waits instead of failing
        (inline connections wait on a worker thread instead, see sqlite_inline)."""
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
        cursor.close()

    return on_connect


def create_engine(
    url: str, *, schema: str | None = None, sqlite_busy_timeout: float = 30
) -> AsyncEngine:
    """Create the async engine; ``schema`` isolates a PostgreSQL test run."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # Statements run on the loop thread (see sqlite_inline).
            kwargs["async_creator"] = inline_creator(parsed.database, sqlite_busy_timeout)
        else:
            kwargs["connect_args"] = {"timeout": sqlite_busy_timeout}
    elif schema:
        kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        inline = "async_creator" in kwargs
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(0 if inline else 30000))
    return engine


class Store:
    """The database of one running bot: hands out units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._url = engine.url.render_as_string(hide_password=False)
        self._schema: str | None = None
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    @classmethod
    def connect(cls, url: str, *, schema: str | None = None) -> Store:
        store = cls(create_engine(url, schema=schema))
        store._url, store._schema = url, schema
        return store

    @classmethod
    def connect_like(cls, other: Store) -> Store:
        """A second, independent connection pool to the same database: another instance."""
        return cls.connect(other._url, schema=other._schema)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def create_all(self) -> None:
        """Create the tables directly; tests use this, deployments use migrations."""
        async with self.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """One transaction: committed when the block ends, rolled back on error."""
        async with self._sessions() as session:
            try:
                yield UnitOfWork(session)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def singleton(self, name: str) -> AsyncIterator[bool]:
        """Yield True if this process may run job ``name`` now.

        On PostgreSQL a session advisory lock makes a singleton job run in one
        instance only; SQLite deployments are single-instance, so always True.
        """
        if self.dialect != "postgresql":
            yield True
            return
        async with self.engine.connect() as conn:
            key = text("SELECT hashtext(:name)")
            lock_id = (await conn.execute(key, {"name": f"engage:{name}"})).scalar_one()
            taken = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_id})
            ).scalar_one()
            try:
                yield bool(taken)
            finally:
                if taken:
                    await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                    await conn.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()
