"""Matrix fixtures: one real Synapse per session, and fresh logged-in matrix-nio clients.

Synapse takes seconds to start, so it is shared by the whole session; tests stay independent by
registering users with unique names (`unique_localpart`) and creating their own rooms.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nio import AsyncClient, AsyncClientConfig, LoginResponse

from tests.bot.matrix.synapse import (
    MakeClient,
    SynapseServer,
    SynapseStartError,
    SynapseUnavailable,
    synapse_python,
    unique_localpart,
)


def matrix_skipped() -> bool:
    return os.environ.get("ENGAGE_TEST_MATRIX", "").lower() == "skip"


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    """The session's homeserver; a missing Synapse fails loudly unless skipped by hand."""
    if matrix_skipped():
        pytest.skip("ENGAGE_TEST_MATRIX=skip")
    problem = None
    try:
        server = SynapseServer(tmp_path_factory.mktemp("synapse"), python=synapse_python())
        server.start()
    except (SynapseUnavailable, SynapseStartError) as error:
        problem = str(error)
    if problem:  # failed outside `except`, so the message is not printed twice as a chain
        pytest.fail(problem, pytrace=False)
    _started.append(server)
    try:
        yield server
    finally:
        server.stop()


_started: list[SynapseServer] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how long Synapse took to start, so a slow-down is noticed before it hurts."""
    for server in _started:
        terminalreporter.write_line(
            f"Synapse {server.server_name} on {server.base_url} started in "
            f"{server.startup_seconds:.2f} s"
        )


@pytest.fixture
async def make_matrix_client(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[MakeClient]:
    """A factory: `await make_matrix_client("alice")` is a fresh user, logged in, E2E capable.

    The user is registered through the shared-secret admin API, then logs in with its password
    like the bot does, which creates a new device and (because `store_path` is set) loads the
    Olm account from the SQLite store in a temp directory. Keys are *not* uploaded yet: call
    `client.keys_upload()` (or `sync_once`) before encrypting. Clients are closed afterwards.
    """
    clients: list[AsyncClient] = []

    async def make(prefix: str = "user", *, admin: bool = False) -> AsyncClient:
        localpart = unique_localpart(prefix)
        password = secrets.token_urlsafe(16)
        user = await asyncio.to_thread(synapse.register, localpart, password, admin)
        store = tmp_path / "nio" / localpart
        store.mkdir(parents=True)
        client = AsyncClient(
            synapse.base_url,
            user.user_id,
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
        )
        clients.append(client)
        response = await client.login(password, device_name=f"engage-test-{prefix}")
        assert isinstance(response, LoginResponse), response
        assert client.olm is not None, "login should have loaded the Olm store"
        return client

    try:
        yield make
    finally:
        for client in clients:
            await client.close()
