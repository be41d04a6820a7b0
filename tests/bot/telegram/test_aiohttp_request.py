"""AiohttpRequest under a real PTB Bot, against the fake Bot API over real HTTP.

The class replaces PTB's httpx backend, so these tests hold it to HTTPXRequest's contract:
what arrives at the server (compared byte for byte with httpx where it matters), which
exception each failure becomes, and which timeout applies to which call.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import io
import socket
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.aiohttp_request import AiohttpRequest
from tests.bot.telegram.fake_api import BOT_USERNAME, FakeTelegramAPI, UploadedFile

pytestmark = pytest.mark.slow
TOKEN = "123:ABC"
USER = 4242


def make_bot(api: FakeTelegramAPI, **request_kwargs: Any) -> Bot:
    """PTB's request layout (a one-connection pool for polling), both on aiohttp."""
    return Bot(
        TOKEN,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=AiohttpRequest(**request_kwargs),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


@pytest.fixture
async def bot(telegram_api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with make_bot(telegram_api) as bot:
        yield bot


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Ja", callback_data="yes")],
            [InlineKeyboardButton("Nein", callback_data="no")],
        ]
    )


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """A server that accepts connections and never reads: uploads to it stall."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/bot{TOKEN}/sendDocument"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/bot"


# ---------------------------------------------------------------------- what arrives


async def test_get_me(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    me = await bot.get_me()
    assert me.username == BOT_USERNAME
    call = telegram_api.calls_to("getMe")[-1]
    assert (call.http_method, call.token, call.status) == ("POST", TOKEN, 200)


async def test_send_message_sends_form_fields(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    text = 'Grüße &amp; "42" <b>fett</b> 🎉'
    message = await bot.send_message(USER, text, parse_mode="HTML", reply_markup=keyboard())

    call = telegram_api.calls_to("sendMessage")[0]
    assert call.content_type == "application/x-www-form-urlencoded"
    assert call.raw["text"] == text
    assert call.params["chat_id"] == USER
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"]["inline_keyboard"][1][0]["callback_data"] == "no"
    assert message.text == 'Grüße & "42" fett 🎉'
    assert message.reply_markup == keyboard()


async def test_send_document_bytes_is_multipart(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    data = bytes(range(256)) * 1000
    message = await bot.send_document(
        USER, data, filename="termine.ics", caption="Deine Termine", reply_markup=keyboard()
    )

    call = telegram_api.calls_to("sendDocument")[0]
    assert call.content_type == "multipart/form-data"
    upload = call.files["document"]
    assert (upload.filename, upload.size, upload.data) == ("termine.ics", len(data), data)
    assert upload.content_type == "text/calendar"
    assert call.params["caption"] == "Deine Termine"
    assert call.params["reply_markup"] == keyboard().to_dict()
    assert message.document is not None and message.document.file_size == len(data)
    file = await bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == data  # BaseRequest.retrieve: a GET


async def test_a_file_handle_is_sent_whole_and_left_open(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    """PTB's read_file_handle=False hands the handle over; the caller still owns it."""
    handle = io.BytesIO(b"x" * 200_000)
    handle.seek(1234)  # httpx sends from the start whatever the position; so do we
    await bot.send_document(USER, InputFile(handle, filename="a.bin", read_file_handle=False))
    await bot.send_document(USER, InputFile(handle, filename="b.bin", read_file_handle=False))

    uploads = [call.files["document"] for call in telegram_api.calls_to("sendDocument")]
    assert [(u.filename, u.size) for u in uploads] == [("a.bin", 200_000), ("b.bin", 200_000)]
    assert not handle.closed


async def upload_as_seen_by_fake(api: FakeTelegramAPI, bot: Bot) -> tuple[dict, UploadedFile]:
    await bot.send_message(USER, "Grüße 🎉 & +%20", reply_markup=keyboard())
    await bot.send_document(USER, b"%PDF-1.4 data", filename='Bericht "Q1"\\ü\n.pdf', caption="é")
    message, document = api.calls_to("sendMessage")[-1], api.calls_to("sendDocument")[-1]
    return {"message": message.raw, "document": document.raw}, document.files["document"]


async def test_wire_format_matches_httpx(telegram_api: FakeTelegramAPI) -> None:
    """What the server parses is what PTB's own backend would have sent."""
    async with make_bot(telegram_api) as bot:
        ours = await upload_as_seen_by_fake(telegram_api, bot)
    httpx_bot = Bot(
        TOKEN, base_url=telegram_api.base_url, request=HTTPXRequest(httpx_kwargs={"verify": False})
    )
    async with httpx_bot:
        theirs = await upload_as_seen_by_fake(telegram_api, httpx_bot)
    assert ours == theirs
    assert ours[1].filename == "Bericht %22Q1%22\\ü%0A.pdf"


async def test_get_updates_long_polls_with_offset(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    first = telegram_api.inject_message(USER, "eins")
    updates = await bot.get_updates(timeout=5)
    assert [u.update_id for u in updates] == [first["update_id"]]

    async def inject_later() -> dict:
        await asyncio.sleep(0.3)
        return telegram_api.inject_message(USER, "zwei")

    injector = asyncio.create_task(inject_later())
    started = time.monotonic()
    updates = await bot.get_updates(offset=first["update_id"] + 1, timeout=5)
    second = await injector
    assert [(u.update_id, u.message.text) for u in updates] == [(second["update_id"], "zwei")]
    assert 0.2 < time.monotonic() - started < 3  # held until the update came, not polled
    polls = telegram_api.calls_to("getUpdates")
    assert [(c.params.get("offset"), c.params["timeout"]) for c in polls] == [
        (None, 5),
        (first["update_id"] + 1, 5),
    ]


async def test_long_poll_outlasts_a_short_read_timeout(telegram_api: FakeTelegramAPI) -> None:
    """PTB adds the poll time to the request's read timeout: the per-call value must win."""
    bot = Bot(
        TOKEN,
        base_url=telegram_api.base_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=0.3),
    )
    async with bot:
        assert await bot.get_updates(timeout=1) == ()


# ---------------------------------------------------------------------- errors


async def test_server_error_is_network_error(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    telegram_api.fail_next(1, 500)
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(USER, "hallo")
    assert type(caught.value) is NetworkError
    assert "Internal Server Error" in str(caught.value)
    assert (await bot.send_message(USER, "nochmal")).text == "nochmal"


async def test_flood_wait_is_retry_after(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    telegram_api.fail_next(
        1, 429, "Too Many Requests: retry after 7", parameters={"retry_after": 7}
    )
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "hallo")
    assert caught.value._retry_after.total_seconds() == 7


async def test_blocked_chat_is_forbidden(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    telegram_api.block_chat(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hallo")


async def test_bad_html_is_bad_request(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "<b>offen", parse_mode="HTML")


async def test_slow_answer_is_timed_out(telegram_api: FakeTelegramAPI) -> None:
    async with make_bot(telegram_api, read_timeout=0.5) as bot:
        telegram_api.delay_next(1, 2.0, before=True)
        started = time.monotonic()
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(USER, "hallo")
        assert time.monotonic() - started < 1.5
        assert isinstance(caught.value.__cause__, TimeoutError)
        call = await telegram_api.wait_for(lambda: telegram_api.calls_to("sendMessage")[0].status)
        assert call == 499  # the fake saw the client hang up and dropped the message
        assert telegram_api.sent_messages(USER) == []


async def test_per_call_read_timeout_overrides_the_default(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    telegram_api.delay_next(1, 1.0, "sendMessage", before=True)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "kurz", read_timeout=0.3)
    async with make_bot(telegram_api, read_timeout=0.2) as patient:
        telegram_api.delay_next(1, 0.6, "sendMessage", before=True)
        message = await patient.send_message(USER, "lang", read_timeout=3)
    assert message.text == "lang"


async def test_full_pool_is_timed_out_without_sending(telegram_api: FakeTelegramAPI) -> None:
    async with make_bot(telegram_api, connection_pool_size=1, pool_timeout=0.2) as bot:
        telegram_api.delay_next(1, 1.0, "sendMessage")
        first = asyncio.create_task(bot.send_message(USER, "eins"))
        await telegram_api.wait_for(lambda: telegram_api.calls_to("sendMessage"))
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.send_message(USER, "zwei")
        assert (await first).text == "eins"
        assert [c.params["text"] for c in telegram_api.calls_to("sendMessage")] == ["eins"]
        assert (await bot.send_message(USER, "drei")).text == "drei"  # the slot came back


async def test_refused_connection_is_network_error() -> None:
    bot = Bot(TOKEN, base_url=closed_port_url(), request=AiohttpRequest())
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.get_me()
    finally:
        await bot.request.shutdown()
    assert type(caught.value) is NetworkError
    assert str(caught.value).startswith("aiohttp.ClientConnectorError")
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)


@pytest.mark.parametrize(
    ("request_kwargs", "call_write_timeout"),
    [({"media_write_timeout": 0.3}, None), ({"write_timeout": 30.0}, 0.3)],
    ids=["media-default", "per-call"],
)
async def test_stalled_upload_is_timed_out(
    request_kwargs: dict[str, float], call_write_timeout: float | None
) -> None:
    """aiohttp has no write timeout; ours bounds each write of an upload, as httpx does."""
    data = RequestData([RequestParameter.from_input("document", InputFile(b"x" * 64_000_000))])
    timeouts = {} if call_write_timeout is None else {"write_timeout": call_write_timeout}
    async with silent_server() as url, AiohttpRequest(**request_kwargs) as request:  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises(TimedOut):
            async with asyncio.timeout(10):  # without a write timeout it would hang for good
                await request.post(url, data, **timeouts)  # type: ignore[arg-type]
    assert time.monotonic() - started < 5


# ---------------------------------------------------------------------- lifecycle


async def test_shutdown_closes_the_session(telegram_api: FakeTelegramAPI) -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(telegram_api.base_url + TOKEN + "/getMe", "POST")
    bot = Bot(TOKEN, base_url=telegram_api.base_url, request=request)
    async with bot:
        session = request._session
        assert session is not None and not session.closed
    assert session.closed and session.connector is None
    await request.shutdown()  # twice is fine

    with pytest.raises(NetworkError, match="not initialized"):
        await bot.get_me()
    async with bot:  # and it comes back
        assert (await bot.get_me()).username == BOT_USERNAME


async def test_no_unclosed_session_warnings(telegram_api: FakeTelegramAPI) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with make_bot(telegram_api) as bot:
            await bot.send_message(USER, "hallo")
            await bot.send_document(USER, b"data", filename="a.txt")
        del bot
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
