"""The ``engage`` command line: run, chat, db upgrade, demo-data."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from dotenv import load_dotenv
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.admin import add_admin_parser, run_admin
from bot.app import build_engine, messengers_configured, prepare_database, serve
from bot.config import ConfigError, Settings, load_settings
from bot.console import ConsoleTransport
from bot.web.server import ListenError
from storage.db import Store
from storage.demo import load_demo_data
from storage.migrate import upgrade

log = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engage", description="Engage volunteering assistant")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start every configured messenger (console if none)")
    commands.add_parser("chat", help="talk to the bot in this terminal (works with a pipe)")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply schema migrations")
    commands.add_parser(
        "demo-data", help="load the Aachen demo organisations, needs, offers and searches"
    )
    add_admin_parser(commands)
    return parser


def _configure_logging(settings: Settings, *, quiet: bool) -> None:
    """Console chat keeps the terminal for the conversation: only warnings and worse."""
    level = logging.WARNING if quiet else getattr(logging, settings.log_level)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # One line per HTTP request drowns everything else; keep their warnings only.
    for chatty in ("httpx", "httpcore", "apscheduler.executors.default", "alembic"):
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))


async def _chat(settings: Settings) -> None:
    store = await prepare_database(settings)
    try:
        await ConsoleTransport(build_engine(store, settings)).run()
    finally:
        await store.dispose()


async def _run(settings: Settings) -> None:
    if not messengers_configured(settings):
        await _chat(settings)
        return
    await serve(settings)


async def _demo_data(settings: Settings) -> None:
    from datetime import UTC, datetime

    await asyncio.to_thread(upgrade, settings.database_url)
    store = Store.connect(settings.database_url)
    try:
        summary = await load_demo_data(store, now=datetime.now(UTC))
        print(f"demo data: {summary}")
    finally:
        await store.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    load_dotenv(Path.cwd() / ".env", override=False)
    try:
        settings = load_settings()
    except ConfigError as error:
        for problem in error.problems:
            print(f"engage: {problem}", file=sys.stderr)
        return 2
    interactive_chat = args.command == "chat" or (
        args.command == "run" and not messengers_configured(settings)
    )
    _configure_logging(settings, quiet=interactive_chat)
    try:
        if args.command == "db":
            upgrade(settings.database_url)
            print("database is up to date")
        elif args.command == "demo-data":
            asyncio.run(_demo_data(settings))
        elif args.command == "admin":
            return run_admin(args, settings)
        elif args.command == "chat":
            asyncio.run(_chat(settings))
        else:
            asyncio.run(_run(settings))
    except KeyboardInterrupt:
        return 130
    except ListenError as error:
        print(f"engage: {error}", file=sys.stderr)
        return 1
    except (OSError, SQLAlchemyError) as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        print(f"engage: database {where} is not usable: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
