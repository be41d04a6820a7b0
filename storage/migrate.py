"""Schema migrations (Alembic), callable from the CLI and the bootstrap."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str, *, schema: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["schema"] = schema
    return config


def upgrade(url: str, *, schema: str | None = None, revision: str = "head") -> None:
    """Bring the database to ``revision``. Blocking: call it outside the event loop."""
    command.upgrade(alembic_config(url, schema=schema), revision)


def make_revision(url: str, message: str) -> None:
    """Autogenerate a migration from the models (developer tool)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(sync_connection) -> str | None:  # type: ignore[no-untyped-def]
    return MigrationContext.configure(sync_connection).get_current_revision()
