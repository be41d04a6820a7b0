"""Matrix round trips: the full bot against a bare matrix-nio echo bot, on one real Synapse.

Both bots run at the same time on the same homeserver, each in its own direct chat with the
same user client, and the user alternates between them message by message. So Synapse's state,
the machine's load and the user's own sync overhead are shared by both series, and the ratio
full/echo shows what the engine and the transport add on top of what matrix-nio and Synapse
cost anyway. The echo bot mirrors how ``MatrixTransport`` syncs and replies (callback, task,
``room_send``, key upkeep between long-polls), minus the engine.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import math
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LoginResponse,
    MatrixRoom,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendResponse,
    SyncError,
    SyncResponse,
)
from nio.event_builders import EnableEncryptionBuilder

from bot.matrix.transport import MatrixSettings, MatrixTransport
from dialogs.engine import Engine
from dialogs.flow import EngineConfig, SystemClock
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import load_demo_data
from tests.bot.matrix.synapse import SynapseServer, sync_once, unique_localpart

N_MESSAGES = 200
N_WARMUP = 10
TEXT = "/help"  # one dialog step, one answer, whatever state the conversation is in
SYNC_TIMEOUT_MS = 30_000  # both bots long-poll alike; new events end a long-poll at once
USER_POLL_MS = 10_000
REPLY_WITHIN = 15.0
GOALS = {False: 1.5, True: 2.0}  # full p50 / echo p50, unencrypted and encrypted


# --- the shared homeserver ------------------------------------------------------------------


@functools.cache
def homeserver() -> SynapseServer:
    """One Synapse for all matrix cases, stopped (and its directory removed) at exit."""
    directory = tempfile.TemporaryDirectory(prefix="engage-bench-synapse-")
    atexit.register(directory.cleanup)
    server = SynapseServer(Path(directory.name) / "synapse")
    atexit.register(server.stop)  # registered after cleanup, so it runs before it
    server.start()
    return server


async def register(server: SynapseServer, prefix: str) -> tuple[str, str]:
    password = secrets.token_urlsafe(16)
    user = await asyncio.to_thread(server.register, unique_localpart(prefix), password)
    return user.user_id, password


async def logged_in_client(server: SynapseServer, store: Path, prefix: str) -> AsyncClient:
    """A fresh user with an E2E device, logged in with a password like the bot."""
    user_id, password = await register(server, prefix)
    await asyncio.to_thread(store.mkdir, parents=True)
    client = AsyncClient(
        server.base_url,
        user_id,
        store_path=str(store),
        config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
    )
    response = await client.login(password, device_name=f"bench-{prefix}")
    if not isinstance(response, LoginResponse):
        await client.close()
        raise RuntimeError(f"login of {user_id} failed: {response}")
    return client


# --- the echo bot ---------------------------------------------------------------------------


class EchoBot:
    """``MatrixTransport`` without the engine: join on invite, answer each text with itself."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.ready = asyncio.Event()
        self._live = False
        self._sync_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def user_id(self) -> str:
        return self.client.user_id

    async def start(self) -> None:
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)  # type: ignore[arg-type]
        self.client.add_event_callback(self._on_message, RoomMessageText)  # type: ignore[arg-type]
        self._sync_task = asyncio.create_task(self._sync_forever())

    async def stop(self) -> None:
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sync_task
            self._sync_task = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.client.close()

    async def _sync_forever(self) -> None:
        timeout = 0
        while True:
            response = await self.client.sync(timeout=timeout, full_state=timeout == 0)
            if isinstance(response, SyncError) or not isinstance(response, SyncResponse):
                await asyncio.sleep(0.05)
                continue
            timeout = SYNC_TIMEOUT_MS
            client = self.client
            with contextlib.suppress(Exception):
                await client.send_to_device_messages()
                if client.should_upload_keys:
                    await client.keys_upload()
                if client.should_query_keys:
                    await client.keys_query()
                if client.should_claim_keys:
                    await client.keys_claim(client.get_users_for_key_claiming())
            self._live = True
            self.ready.set()

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.client.user_id and event.membership == "invite":
            await self.client.join(room.room_id)

    async def _on_message(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender == self.client.user_id or not self._live:
            return
        task = asyncio.create_task(self._echo(room.room_id, event.body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _echo(self, room_id: str, body: str) -> None:
        await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": body},
            ignore_unverified_devices=True,
        )


# --- the user's side ------------------------------------------------------------------------


async def open_direct_chat(user: AsyncClient, bot_id: str, *, encrypted: bool) -> str:
    """Create a direct chat, then sync until the bot joined and its devices are known."""
    state = [EnableEncryptionBuilder().as_dict()] if encrypted else []
    created = await user.room_create(is_direct=True, invite=[bot_id], initial_state=state)
    if not isinstance(created, RoomCreateResponse):
        raise RuntimeError(f"could not create a room: {created}")
    deadline = time.monotonic() + REPLY_WITHIN
    while True:
        room = user.rooms.get(created.room_id)
        if room is not None and bot_id in room.users:
            return created.room_id
        if time.monotonic() > deadline:
            raise RuntimeError(f"{bot_id} did not join {created.room_id}")
        await sync_once(user, timeout_ms=500)


async def round_trip(user: AsyncClient, room_id: str, bot_id: str, check: str) -> float:
    """Seconds from just before ``room_send`` to the sync that brings the bot's answer.

    Sequential long-polls with the key upkeep of ``sync_once``: the same loop for both bots,
    so the user's own overhead (including the sync that returns its own message) cancels out.
    """
    t0 = time.perf_counter()
    sent = await user.room_send(
        room_id,
        "m.room.message",
        {"msgtype": "m.text", "body": TEXT},
        ignore_unverified_devices=True,
    )
    if not isinstance(sent, RoomSendResponse):
        raise RuntimeError(f"send failed: {sent}")
    deadline = t0 + REPLY_WITHIN
    while time.perf_counter() < deadline:
        response = await sync_once(user, timeout_ms=USER_POLL_MS)
        arrived = time.perf_counter()
        joined = response.rooms.join.get(room_id)
        for event in joined.timeline.events if joined else []:
            if event.sender != bot_id:
                continue
            if not isinstance(event, RoomMessageText):
                raise RuntimeError(f"{bot_id} answered with {type(event).__name__}")
            if check not in event.body:
                raise RuntimeError(f"unexpected answer from {bot_id}: {event.body!r}")
            return arrived - t0
    raise RuntimeError(f"no answer from {bot_id} within {REPLY_WITHIN} s")


# --- the case -------------------------------------------------------------------------------


@dataclass
class Series:
    name: str
    room_id: str
    bot_id: str
    check: str
    samples: list[float]


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and nearest-rank p99, in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
    return round(statistics.median(ordered) * 1e3, 2), round(p99 * 1e3, 2)


async def measure(
    encrypted: bool,
    n: int = N_MESSAGES,
    warmup: int = N_WARMUP,
    on_ready: Callable[[], None] | None = None,
) -> dict[str, Any]:
    server = homeserver()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="engage-bench-matrix-") as tmp:
        root = Path(tmp)
        store = Store.connect(f"sqlite+aiosqlite:///{root / 'engage.db'}")
        transport: MatrixTransport | None = None
        echo: EchoBot | None = None
        user: AsyncClient | None = None
        try:
            await store.create_all()
            await load_demo_data(store, now=SystemClock().now())
            engine = Engine(store, build_registry(), EngineConfig())
            bot_id, bot_password = await register(server, "engage")
            transport = MatrixTransport(
                engine,
                MatrixSettings(
                    homeserver=server.base_url,
                    user_id=bot_id,
                    password=bot_password,
                    store_path=str(root / "bot"),
                    sync_timeout_ms=SYNC_TIMEOUT_MS,
                ),
            )
            engine.deliver = transport.deliver
            echo = EchoBot(await logged_in_client(server, root / "echo", "echo"))
            user = await logged_in_client(server, root / "user", "anna")
            await user.keys_upload()
            await transport.start()
            await echo.start()
            await asyncio.wait_for(transport.ready.wait(), REPLY_WITHIN)
            await asyncio.wait_for(echo.ready.wait(), REPLY_WITHIN)
            await sync_once(user)
            series = [
                Series(
                    "full",
                    await open_direct_chat(user, bot_id, encrypted=encrypted),
                    bot_id,
                    "/cancel",
                    [],
                ),
                Series(
                    "echo",
                    await open_direct_chat(user, echo.user_id, encrypted=encrypted),
                    echo.user_id,
                    TEXT,
                    [],
                ),
            ]
            setup_s = time.perf_counter() - started
            if on_ready is not None:
                on_ready()
            measured_from = time.perf_counter()
            for i in range(warmup + n):
                # Alternate who goes first, so neither bot always follows the other.
                for s in series if i % 2 == 0 else reversed(series):
                    elapsed = await round_trip(user, s.room_id, s.bot_id, s.check)
                    if i >= warmup:
                        s.samples.append(elapsed)
            measured_s = time.perf_counter() - measured_from
        finally:
            for stop in (
                transport.stop if transport else None,
                echo.stop if echo else None,
                user.close if user else None,
                store.dispose,
            ):
                if stop is not None:
                    with contextlib.suppress(Exception):
                        await stop()
    full, bare = series
    full_p50, full_p99 = percentiles(full.samples)
    echo_p50, echo_p99 = percentiles(bare.samples)
    ratio = round(full_p50 / echo_p50, 2)
    goal = GOALS[encrypted]
    return {
        "case": "matrix.round_trip" + (".encrypted" if encrypted else ""),
        "n": n,
        "warmup": warmup,
        "full_p50_ms": full_p50,
        "full_p99_ms": full_p99,
        "echo_p50_ms": echo_p50,
        "echo_p99_ms": echo_p99,
        "ratio": ratio,
        "p99_ratio": round(full_p99 / echo_p99, 2),
        "goal_ratio": goal,
        "met": ratio <= goal,
        "full_mean_ms": round(statistics.fmean(full.samples) * 1e3, 2),
        "echo_mean_ms": round(statistics.fmean(bare.samples) * 1e3, 2),
        "full_min_ms": round(min(full.samples) * 1e3, 2),
        "echo_min_ms": round(min(bare.samples) * 1e3, 2),
        "sync_timeout_ms": SYNC_TIMEOUT_MS,
        "synapse_startup_s": round(server.startup_seconds or 0.0, 2),
        "setup_s": round(setup_s, 2),
        "measured_s": round(measured_s, 2),
    }


def case(encrypted: bool) -> dict[str, Any]:
    return asyncio.run(measure(encrypted))


CASES: tuple[tuple[str, Callable[[], dict[str, Any]]], ...] = (
    ("matrix.round_trip", lambda: case(False)),
    ("matrix.round_trip.encrypted", lambda: case(True)),
)
