"""python-telegram-bot's networking backend on aiohttp instead of httpx.

Profiling on the 2-core VM showed PTB's default ``HTTPXRequest`` costing about 3 ms of CPU per
Bot API call; aiohttp (already a dependency for the webhook server) does the same call for about
0.5 ms. This class keeps ``HTTPXRequest``'s contract, so the swap changes nothing else: the same
default timeouts, per-call timeouts where ``DEFAULT_NONE`` means "the instance default", the same
wire format (form fields, multipart only with files) and the same exceptions (``TimedOut``, also
for a full pool, and ``NetworkError`` with the library error as cause).

Two deliberate differences from httpx: proxies from ``HTTPS_PROXY``/``ALL_PROXY`` are not
honoured (the project uses none, and reading the environment on every call costs CPU), and
cookies are not kept (the Bot API sets none).
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import re
import ssl
from typing import IO
from urllib.parse import urlencode

import aiohttp
import certifi
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import BytesPayload, Payload, StringPayload
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)

FORM_URLENCODED = "application/x-www-form-urlencoded"
UPLOAD_CHUNK = 64 * 1024
KEEPALIVE_SECONDS = 5.0  # httpx's keepalive expiry: connections live as long as before the swap
POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. "
    "Request was *not* sent to Telegram. Consider adjusting the connection "
    "pool size or the pool timeout."
)

# httpx's (HTML5) escaping of multipart filenames: raw UTF-8, '"' and control characters
# percent-encoded; aiohttp (quote_fields=False) then doubles backslashes, as httpx does. httpx
# lets ESC and DEL through, which aiohttp refuses in a header, so those are encoded too.
_FILENAME_ESCAPES = {'"': "%22", "\x7f": "%7F"}
_FILENAME_ESCAPES.update({chr(c): f"%{c:02X}" for c in range(0x20)})
_FILENAME_RE = re.compile("|".join(re.escape(c) for c in _FILENAME_ESCAPES))


def _escape_filename(name: str) -> str:
    return _FILENAME_RE.sub(lambda match: _FILENAME_ESCAPES[match.group(0)], name)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """certifi's CA bundle, as httpx uses: a host without system CA certificates keeps working.

    One per process: loading the bundle costs 20 ms, and contexts are safe to share.
    """
    return ssl.create_default_context(cafile=certifi.where())


def _or_default(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class _UploadPayload(Payload):
    """A file part written in chunks, each under the write timeout.

    aiohttp has no write timeout of its own (its read timer only starts once the body is sent),
    so without this a peer that stops reading would stall an upload until TCP gives up. As with
    httpx, the timeout bounds each write, not the whole upload, and a file handle is sent from
    its start and left open: it belongs to the caller (PTB's ``read_file_handle=False``).
    """

    _autoclose = True  # nothing to close: bytes, or a handle the caller owns

    def __init__(
        self, content: bytes | IO[bytes], write_timeout: float | None, content_type: str
    ) -> None:
        super().__init__(content, content_type=content_type)
        self._write_timeout = write_timeout
        self._handle: IO[bytes] | None = None
        if isinstance(content, (bytes, bytearray, memoryview)):
            self._data = memoryview(content)
        elif getattr(content, "seekable", lambda: False)():
            self._handle, self._data = content, memoryview(b"")
            content.seek(0, io.SEEK_END)
            self._size = content.tell()
            content.seek(0)
            return
        else:  # a pipe: its length must be known for Content-Length, so read it now
            self._data = memoryview(content.read())
        self._size = self._data.nbytes

    def _content(self) -> bytes:
        if self._handle is None:
            return self._data.tobytes()
        self._handle.seek(0)
        return self._handle.read()

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self._content().decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self._content()

    async def write(self, writer: AbstractStreamWriter) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            while chunk := self._handle.read(UPLOAD_CHUNK):
                await self._write_chunk(writer, chunk)
            return
        for start in range(0, self._data.nbytes, UPLOAD_CHUNK):
            await self._write_chunk(writer, self._data[start : start + UPLOAD_CHUNK])

    async def _write_chunk(self, writer: AbstractStreamWriter, chunk: bytes | memoryview) -> None:
        # The TimeoutError reaches the response as is (aiohttp keeps timeouts apart from
        # other write errors), so do_request maps it to TimedOut.
        async with asyncio.timeout(self._write_timeout):
            await writer.write(chunk)


class AiohttpRequest(BaseRequest):
    """``telegram.request.BaseRequest`` on aiohttp, a drop-in for ``HTTPXRequest``.

    Args mirror ``HTTPXRequest``: ``connection_pool_size`` caps open connections (and so
    concurrent requests); the timeouts are the defaults for calls that pass ``DEFAULT_NONE``,
    ``None`` meaning "wait forever". ``media_write_timeout`` replaces ``write_timeout`` for
    uploads unless the call passes its own. The write timeout guards file uploads only: other
    bodies are a few kilobytes of form fields, which the socket buffer takes at once.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._pool: asyncio.Semaphore | None = None

    @property
    def read_timeout(self) -> float | None:
        """PTB adds the long-poll time to this for getUpdates, so it must be the real default."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Create the session here, not in ``__init__``: aiohttp binds it to the running loop."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(
            limit=self._pool_size, keepalive_timeout=KEEPALIVE_SECONDS, ssl=_ssl_context()
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.USER_AGENT},
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        # Our own gate in front of the connector's limit: aiohttp reports a full pool like any
        # connect timeout, but PTB's contract wants it told apart (request not sent).
        self._pool = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        if self._session is None or self._session.closed:
            log.debug("This AiohttpRequest is already shut down. Returning.")
            return
        await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; timeouts and errors as ``HTTPXRequest`` has them."""
        session, pool = self._session, self._pool
        if session is None or session.closed or pool is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")

        files = request_data is not None and request_data.contains_files
        default_write = self._media_write_timeout if files else self._write_timeout
        timeout = aiohttp.ClientTimeout(
            connect=_or_default(connect_timeout, self._connect_timeout),
            sock_read=_or_default(read_timeout, self._read_timeout),
        )
        body = self._body(request_data, _or_default(write_timeout, default_write))

        if pool.locked():
            try:
                async with asyncio.timeout(_or_default(pool_timeout, self._pool_timeout)):
                    await pool.acquire()
            except TimeoutError as error:
                raise TimedOut(message=POOL_TIMEOUT_MESSAGE) from error
        else:
            await pool.acquire()
        try:
            async with session.request(
                method, url, data=body, timeout=timeout, allow_redirects=False
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's connect/read timeouts and our write timeout
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        finally:
            pool.release()

    @staticmethod
    def _body(request_data: RequestData | None, write_timeout: float | None) -> Payload | None:
        """Form fields as Telegram takes them; multipart only when there are files."""
        if request_data is None:
            return None
        fields = request_data.json_parameters  # a property that JSON-encodes: read it once
        if not request_data.contains_files:
            if not fields:
                return None
            return BytesPayload(urlencode(fields).encode("ascii"), content_type=FORM_URLENCODED)
        form = aiohttp.MultipartWriter("form-data")
        for name, value in fields.items():
            part: Payload = StringPayload(value)
            part.set_content_disposition("form-data", quote_fields=False, name=name)
            form.append_payload(part)
        for name, (filename, content, mimetype) in request_data.multipart_data.items():
            part = _UploadPayload(content, write_timeout, mimetype)
            part.set_content_disposition(
                "form-data", quote_fields=False, name=name, filename=_escape_filename(filename)
            )
            form.append_payload(part)
        return form
