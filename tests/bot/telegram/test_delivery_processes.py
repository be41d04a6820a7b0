"""Real `engage run` processes against the fake Bot API: kill -9 mid-broadcast, and
two instances on one PostgreSQL. Nothing is lost; duplicates stay within the bound."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Store
from storage.migrate import upgrade
from storage.models import Broadcast
from tests.bot.telegram.fake_api import FakeTelegramAPI

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
RECIPIENTS = 2000
FIRST_CHAT = 100_000
IN_FLIGHT = 30  # OutboxWorker's default concurrency per transport


async def seed_broadcast(url: str, schema: str | None = None) -> None:
    await asyncio.to_thread(upgrade, url, schema=schema)
    store = Store.connect(url, schema=schema)
    async with store.transaction() as uow:
        broadcast = Broadcast(text="Stadtfest: wir brauchen dich!", total=RECIPIENTS)
        uow.session.add(broadcast)
        await uow.session.flush()
        for number in range(RECIPIENTS):
            chat = str(FIRST_CHAT + number)
            await uow.outbox.enqueue(
                dedup_key=f"broadcast:{broadcast.id}:telegram:{chat}",
                transport="telegram",
                user_id=chat,
                chat_id=chat,
                payload=[{"text": f"📢 Stadtfest #{number}", "buttons": []}],
                now=datetime.now(UTC),
                broadcast_id=broadcast.id,
            )
    await store.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_bot(api: FakeTelegramAPI, url: str, tmp: Path, **extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "ENGAGE_DATABASE_URL": url,
            "ENGAGE_TELEGRAM_TOKEN": "123456:" + "C" * 35,
            "ENGAGE_TELEGRAM_API_URL": api.base_url,
            "ENGAGE_TELEGRAM_RATE": "1000",
            "ENGAGE_OUTBOX_LEASE": "2",
            "ENGAGE_DEMO_DATA": "no",
            "ENGAGE_LOG_LEVEL": "WARNING",
            "ENGAGE_HTTP_PORT": str(free_port()),  # each instance has its own web listener
            **extra,
        }
    )
    with (tmp / f"bot-{len(list(tmp.glob('bot-*.log')))}.log").open("wb") as log:
        # The child keeps its own copy of the descriptor; ours closes here.
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"], cwd=tmp, env=env, stdout=log, stderr=log
        )


def delivered(api: FakeTelegramAPI) -> Counter[int]:
    return Counter(
        call.chat_id
        for call in api.calls_to("sendMessage")
        if call.ok and isinstance(call.chat_id, int) and call.chat_id >= FIRST_CHAT
    )


async def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a service manager stops the bot; it must exit promptly and cleanly."""
    process.send_signal(signal.SIGTERM)
    try:
        code = await asyncio.to_thread(process.wait, 30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the bot did not stop within 30 s of SIGTERM") from None
    assert code == 0


async def test_kill_9_mid_broadcast_loses_nothing(
    telegram_api: FakeTelegramAPI, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'engage.db'}"
    await seed_broadcast(url)
    first = start_bot(telegram_api, url, tmp_path)
    try:
        await telegram_api.wait_for(lambda: sum(delivered(telegram_api).values()) >= 600, 60)
    finally:
        first.kill()  # SIGKILL: no clean-up of any kind
        await asyncio.to_thread(first.wait, 30)
    before_restart = sum(delivered(telegram_api).values())
    assert before_restart < RECIPIENTS, "the broadcast finished before the crash"
    second = start_bot(telegram_api, url, tmp_path)
    try:
        await telegram_api.wait_for(lambda: len(delivered(telegram_api)) == RECIPIENTS, 90)
    finally:
        await stop(second)
    counts = delivered(telegram_api)
    duplicates = sum(count - 1 for count in counts.values())
    print(f"\ncrash test: {before_restart} sent before kill -9, {duplicates} sent twice")
    assert len(counts) == RECIPIENTS  # nothing lost
    assert duplicates <= IN_FLIGHT, f"{duplicates} sent twice, more than in flight"


@pytest.fixture
async def postgres_database(postgres_url: str) -> AsyncIterator[str]:
    """A database of its own: two bot processes share it like two real instances."""
    name = f"engage_instances_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(postgres_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.mark.postgres
async def test_two_instances_on_postgres_never_double_send(
    telegram_api: FakeTelegramAPI, tmp_path: Path, postgres_database: str
) -> None:
    await seed_broadcast(postgres_database)
    processes = [start_bot(telegram_api, postgres_database, tmp_path) for _ in range(2)]
    try:
        await telegram_api.wait_for(lambda: len(delivered(telegram_api)) == RECIPIENTS, 120)
        await asyncio.sleep(1)
    finally:
        for process in processes:
            await stop(process)
    counts = delivered(telegram_api)
    assert len(counts) == RECIPIENTS
    assert max(counts.values()) == 1, "a message was sent twice"
    assert sum(counts.values()) == RECIPIENTS
