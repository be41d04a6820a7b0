"""Serve an ASGI app with uvicorn inside the bot's own event loop.

The socket is bound here, so a busy port fails start-up with a clear OSError
instead of uvicorn's ``sys.exit``; port 0 picks a free one (tests). Signals
stay with the bot, which stops the server like every other part.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator
from typing import Any

import uvicorn

log = logging.getLogger(__name__)
START_TIMEOUT = 10.0


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the bot handles SIGINT/SIGTERM and calls stop()


class ListenError(RuntimeError):
    """The web server's address cannot be used (port taken, unknown host)."""


def bind(host: str, port: int) -> socket.socket:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, port), family=family, backlog=1024)
    except OSError as error:
        raise ListenError(
            f"web server cannot listen on {host}:{port} ({error.strerror or error}); "
            "set ENGAGE_HTTP_HOST / ENGAGE_HTTP_PORT"
        ) from error
    sock.setblocking(False)
    return sock


class WebServer:
    def __init__(self, app: Any, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.requested_port = port
        self._socket: socket.socket | None = None
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1]) if self._socket else self.requested_port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        self._socket = bind(self.host, self.requested_port)
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_config=None,  # keep the bot's logging set-up
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]), name="web")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what went wrong
                raise RuntimeError("web server stopped during start-up")
            if loop.time() > deadline:
                raise TimeoutError("web server did not start")
            await asyncio.sleep(0.01)
        log.info("web server listening on %s", self.url)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._socket is not None:
            self._socket.close()
        self._server = self._task = self._socket = None
