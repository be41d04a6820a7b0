"""A real Synapse homeserver on loopback, so the Matrix transport is tested against the real thing.

Synapse lives in its own virtualenv (`.venv-synapse`): its many pinned dependencies (Twisted,
…) must not leak into the project's environment. We only ever talk to it over HTTP, so no
Synapse code is imported here. The small matrix-nio helpers at the end drive clients by hand
(one `sync` at a time) instead of `sync_forever`, which keeps tests deterministic.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from nio import AsyncClient, Event, SyncResponse

T = TypeVar("T")

# `make_matrix_client(prefix="user", *, admin=False)`, the conftest fixture's factory.
MakeClient = Callable[..., Awaitable[AsyncClient]]

REPO_ROOT = Path(__file__).resolve().parents[3]
PYTHON_ENV_VAR = "ENGAGE_TEST_SYNAPSE_PYTHON"
DEFAULT_PYTHON = REPO_ROOT / ".venv-synapse" / "bin" / "python"

# Every rate limiter Synapse reads from its config. The tests register, log in and send in
# bursts; a limiter firing would make them flaky rather than find a bug in our code.
_RELAXED = {"per_second": 10_000, "burst_count": 100_000}
RATE_LIMITS: dict[str, Any] = {
    "rc_message": _RELAXED,
    "rc_registration": _RELAXED,
    "rc_registration_token_validity": _RELAXED,
    "rc_login": {"address": _RELAXED, "account": _RELAXED, "failed_attempts": _RELAXED},
    "rc_joins": {"local": _RELAXED, "remote": _RELAXED},
    "rc_joins_per_room": _RELAXED,
    "rc_invites": {"per_room": _RELAXED, "per_user": _RELAXED, "per_issuer": _RELAXED},
    "rc_3pid_validation": _RELAXED,
    "rc_third_party_invite": _RELAXED,
    "rc_admin_redaction": _RELAXED,
    "rc_key_requests": _RELAXED,
    "rc_media_create": _RELAXED,
    "rc_presence": {"per_user": _RELAXED},
    "rc_delayed_event_mgmt": _RELAXED,
    "rc_room_creation": _RELAXED,
    "rc_reports": _RELAXED,
    "rc_user_directory": _RELAXED,
    "rc_profile": _RELAXED,
}


class SynapseUnavailable(RuntimeError):
    """Synapse's interpreter is not installed, so no homeserver can be started."""


class SynapseStartError(RuntimeError):
    """Synapse was started but did not come up; the message carries its log tail."""


class MatrixUser(NamedTuple):
    """What the shared-secret registration hands back (unpacks like a 3-tuple)."""

    user_id: str
    access_token: str
    device_id: str


def synapse_python() -> Path:
    """The interpreter of Synapse's own venv, or the one named by ENGAGE_TEST_SYNAPSE_PYTHON."""
    override = os.environ.get(PYTHON_ENV_VAR)
    python = Path(override) if override else DEFAULT_PYTHON
    if not python.is_file():
        raise SynapseUnavailable(
            f"No Synapse interpreter at {python}. Run `make test` (it installs Synapse into "
            f".venv-synapse), point {PYTHON_ENV_VAR} at a Python that has matrix-synapse, "
            "or set ENGAGE_TEST_MATRIX=skip to skip the Matrix tests."
        )
    return python


def free_loopback_port() -> int:
    """A port nobody listens on right now; the tiny race with other processes is acceptable."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _signing_key() -> str:
    """A fresh ed25519 key in Synapse's file format, written by us to skip `--generate-keys`.

    The format is `ed25519 <version> <unpadded base64 of the 32-byte seed>`, which is all
    signedjson needs; generating it in Synapse's interpreter would cost ~2 s of imports.
    """
    seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"ed25519 a_{secrets.token_hex(2)} {seed}\n"


class SynapseServer:
    """One Synapse process with its config, SQLite database, media and log in `directory`."""

    def __init__(
        self,
        directory: Path,
        *,
        server_name: str = "engage.test",
        python: Path | None = None,
        port: int | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.server_name = server_name
        self.python = python
        self.port = port or 0
        self.registration_shared_secret = secrets.token_urlsafe(32)
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "homeserver.log"

    @property
    def output_path(self) -> Path:
        """Stdout and stderr: where a crash before logging is set up ends up."""
        return self.directory / "synapse.out"

    def config(self) -> dict[str, Any]:
        """The smallest config that starts fast, never federates and never throttles tests."""
        directory = self.directory
        return {
            "server_name": self.server_name,
            "public_baseurl": f"{self.base_url}/",
            "pid_file": str(directory / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
            "log_config": str(directory / "log.yaml"),
            "media_store_path": str(directory / "media"),
            "signing_key_path": str(directory / "signing.key"),
            "macaroon_secret_key": secrets.token_urlsafe(32),
            "form_secret": secrets.token_urlsafe(32),
            "registration_shared_secret": self.registration_shared_secret,
            # The lowest bcrypt cost: every register and login hashes a password.
            "bcrypt_rounds": 4,
            "enable_registration": True,
            "enable_registration_without_verification": True,
            "report_stats": False,
            "enable_metrics": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "allow_public_rooms_over_federation": False,
            "url_preview_enabled": False,
            "presence": {"enabled": False},
            "serve_server_wellknown": False,
            **RATE_LIMITS,
        }

    def log_config(self) -> dict[str, Any]:
        """Warnings and worse to a file, so a failing test can show what Synapse complained of."""
        return {
            "version": 1,
            "formatters": {
                "precise": {
                    "format": "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - "
                    "%(request)s - %(message)s"
                }
            },
            "handlers": {
                "file": {
                    "class": "logging.FileHandler",
                    "formatter": "precise",
                    "filename": str(self.log_path),
                    "encoding": "utf8",
                }
            },
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }

    def write_files(self) -> Path:
        """Write config, log config and signing key; JSON is valid YAML, so no PyYAML needed."""
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "media").mkdir(exist_ok=True)
        config_path = self.directory / "homeserver.yaml"
        config_path.write_text(json.dumps(self.config(), indent=2))
        (self.directory / "log.yaml").write_text(json.dumps(self.log_config(), indent=2))
        key_path = self.directory / "signing.key"
        if not key_path.exists():
            key_path.write_text(_signing_key())
        return config_path

    def start(self, timeout: float = 60.0) -> None:
        """Start Synapse and return once its client API answers; raise with its log if not.

        A port we picked ourselves can be taken by someone else before Synapse binds it, so
        that one failure is retried on a new port; any other failure is raised at once.
        """
        python = self.python or synapse_python()
        pick_port = not self.port
        for attempt in range(3):
            if pick_port:
                self.port = free_loopback_port()
            try:
                self._launch(python, timeout)
                return
            except SynapseStartError as error:
                if not (pick_port and "Failed to listen" in str(error)) or attempt == 2:
                    raise

    def _launch(self, python: Path, timeout: float) -> None:
        config_path = self.write_files()
        started = time.monotonic()
        with self.output_path.open("wb") as output:
            self._process = subprocess.Popen(
                [str(python), "-m", "synapse.app.homeserver", "--config-path", str(config_path)],
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_answering(self._process, started + timeout, timeout)
        except BaseException:  # also Ctrl-C: never leave an orphaned Synapse behind
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_until_answering(
        self, process: subprocess.Popen[bytes], deadline: float, timeout: float
    ) -> None:
        while not self._answers():
            code = process.poll()
            if code is not None:
                raise SynapseStartError(
                    f"Synapse exited with code {code} during start-up.\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise SynapseStartError(
                    f"Synapse did not answer on {self.base_url} within {timeout:.0f} s.\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/_matrix/client/versions", timeout=1):
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of Synapse's output and log, for error messages."""
        parts = []
        for path in (self.output_path, self.log_path):
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name} ---\n" + "\n".join(tail))
        return "\n".join(parts) or "(Synapse wrote no output)"

    def stop(self, timeout: float = 10.0) -> None:
        """Ask Synapse to shut down cleanly; kill it if it does not within `timeout`."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> SynapseServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        access_token: str | None = None,
    ) -> Any:
        """A JSON call to the homeserver: for admin APIs that matrix-nio does not wrap."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        request = urllib.request.Request(
            f"{self.base_url}{path}", data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise RuntimeError(f"{method} {path} failed: {error.code} {detail}") from error

    def register(self, username: str, password: str, admin: bool = False) -> MatrixUser:
        """Create a user with the shared-secret admin API, the only way that can make admins.

        The flow: GET a nonce, then POST it with an HMAC-SHA1 over
        `nonce\\0username\\0password\\0(admin|notadmin)` keyed by the shared secret.
        """
        path = "/_synapse/admin/v1/register"
        nonce = self.request("GET", path)["nonce"]
        message = b"\x00".join(
            part.encode() for part in (nonce, username, password, "admin" if admin else "notadmin")
        )
        mac = hmac.new(self.registration_shared_secret.encode(), message, hashlib.sha1)
        answer = self.request(
            "POST",
            path,
            {
                "nonce": nonce,
                "username": username,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return MatrixUser(answer["user_id"], answer["access_token"], answer["device_id"])


# --- matrix-nio helpers ---------------------------------------------------------------------


def unique_localpart(prefix: str = "user") -> str:
    """A localpart no other test in this session uses: the homeserver is shared."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def sync_once(client: AsyncClient, timeout_ms: int = 0) -> SyncResponse:
    """One sync, then the key upkeep that `sync_forever` would do after it.

    Without the upload/query/claim steps a hand-driven client never learns its peers' devices,
    so it could neither share nor receive Megolm room keys.
    """
    response = await client.sync(timeout=timeout_ms)
    assert isinstance(response, SyncResponse), response
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    return response


async def sync_until(
    client: AsyncClient,
    found: Callable[[SyncResponse], T | None],
    *,
    within: float = 10.0,
) -> T:
    """Sync (long-polling) until `found` returns something for a sync response, and return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        result = found(await sync_once(client, timeout_ms=500))
        if result is not None:
            return result
    raise AssertionError(f"{client.user_id} saw nothing matching within {within} s")


def timeline(response: SyncResponse, room_id: str) -> list[Event]:
    """The timeline events of one joined room in a sync response (empty if none)."""
    room = response.rooms.join.get(room_id)
    return list(room.timeline.events) if room else []
