"""Self-tests of the fake Bot API, driven by a real python-telegram-bot ``Bot`` over HTTP.

The transport's tests trust this fake; these tests make sure that trust is earned: what PTB
sends arrives decoded, and what the fake answers turns into the exceptions PTB raises against
the real Telegram.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import socket
import struct
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession, web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.bot.telegram.fake_api import BLOCKED, FakeTelegramAPI

# PTB warns inside RetryAfter.__init__ itself (int vs timedelta); nothing for us to change.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

USER = 4711
GROUP = -1001234567890


class ManualClock:
    """Rate windows are measured with this, so limit tests never sleep through a window."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_bot(api: FakeTelegramAPI) -> Bot:
    """A real PTB Bot aimed at the fake, with PTB's own request layout (1-connection poll pool).

    ``verify=False`` only skips loading the CA bundle (0.1 s per client, two clients per Bot):
    the fake speaks plain HTTP, so nothing is verified either way.
    """
    return Bot(
        token="123:ABC",
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=HTTPXRequest(httpx_kwargs={"verify": False}),
        get_updates_request=HTTPXRequest(connection_pool_size=1, httpx_kwargs={"verify": False}),
    )


@pytest.fixture
async def bot(telegram_api: FakeTelegramAPI) -> AsyncIterator[Bot]:
    """An initialised Bot; its getMe is the first recorded call of every test."""
    async with make_bot(telegram_api) as bot:
        yield bot


@pytest.fixture
def clock(telegram_api: FakeTelegramAPI) -> ManualClock:
    clock = ManualClock()
    telegram_api.clock = clock
    return clock


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d)] for d in data])


def retry_seconds(error: RetryAfter) -> float:
    return error._retry_after.total_seconds()  # the public attribute warns about int vs timedelta


def png(width: int, height: int) -> bytes:
    """A tiny valid PNG, so the fake can report real dimensions."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff" * width for _ in range(height)))
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


# ---------------------------------------------------------------------- basics


async def test_get_me_answers_the_test_bot(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot, me.can_join_groups) == (999, "EngageTestBot", True, True)
    assert telegram_api.calls[0].method == "getMe"
    assert telegram_api.calls[0].token == "123:ABC"


async def test_send_message_records_decoded_params(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    markup = keyboard("ja", "nein")
    first = await bot.send_message(USER, "Mitmachen?", reply_markup=markup)
    second = await bot.send_message(USER, "Noch da?")

    call = telegram_api.calls_to("sendMessage")[0]
    assert call.chat_id == USER
    assert call.content_type == "application/x-www-form-urlencoded"
    assert call.raw["reply_markup"].startswith('{"inline_keyboard"')  # JSON string on the wire
    assert InlineKeyboardMarkup.de_json(call.params["reply_markup"], None) == markup
    assert call.params["reply_markup"]["inline_keyboard"][1][0]["callback_data"] == "nein"
    assert (first.message_id, second.message_id) == (1, 2)
    assert first.reply_markup == markup
    assert second.reply_markup is None
    assert first.from_user.id == 999
    assert first.chat.id == USER
    assert [m["text"] for m in telegram_api.sent_messages(USER)] == ["Mitmachen?", "Noch da?"]


async def test_html_becomes_plain_text_with_entities(bot: Bot) -> None:
    name = html.escape("<Anna & Co>")
    message = await bot.send_message(
        USER, f'<b>Hallo</b> {name} 😀 <a href="https://example.org">Link</a>', parse_mode="HTML"
    )
    assert message.text == "Hallo <Anna & Co> 😀 Link"
    assert message.entities == (
        MessageEntity("bold", 0, 5),
        MessageEntity("text_link", 21, 4, url="https://example.org"),  # 😀 is 2 UTF-16 units
    )


async def test_message_ids_are_shared_per_chat_with_user_messages(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    update = telegram_api.inject_message(USER, "Hallo")
    reply = await bot.send_message(USER, "Hi", reply_parameters=ReplyParameters(1))
    assert update["message"]["message_id"] == 1
    assert reply.message_id == 2
    assert reply.reply_to_message.text == "Hallo"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(USER, "Hi", reply_parameters=ReplyParameters(99))


async def test_unknown_method_is_404(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    with pytest.raises(EndPointNotFound):  # PTB maps 404 to InvalidToken, do_api_request to this
        await bot.do_api_request("frobnicate")
    call = telegram_api.calls[-1]
    assert (call.method, call.status, call.error) == ("frobnicate", 404, "Not Found")


# ---------------------------------------------------------------------- updates


async def test_get_updates_offset_confirms_earlier_updates(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    ids = [telegram_api.inject_message(USER, f"m{i}")["update_id"] for i in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3

    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates()] == ids  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1], limit=1)] == [ids[1]]
    assert [u.update_id for u in await bot.get_updates(offset=ids[2] + 1)] == []
    assert telegram_api.pending_updates == []
    later = telegram_api.inject_message(USER, "später")["update_id"]
    assert later > ids[2]


async def test_long_poll_returns_promptly_when_an_update_arrives(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await telegram_api.wait_for(lambda: telegram_api.calls_to("getUpdates"))
    await asyncio.sleep(0.05)
    assert not poll.done()
    telegram_api.inject_message(USER, "/start")
    updates = await asyncio.wait_for(poll, 1)
    assert time.monotonic() - started < 1
    assert updates[0].message.text == "/start"
    assert updates[0].message.entities == (MessageEntity("bot_command", 0, 6),)


async def test_long_poll_without_updates_waits_for_its_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.3)) == ()
    assert 0.25 < time.monotonic() - started < 1.5


async def test_a_second_poll_terminates_the_first(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await telegram_api.wait_for(lambda: telegram_api.calls_to("getUpdates"))
    # A second instance: one Bot's getUpdates pool has a single connection.
    async with make_bot(telegram_api) as second:
        assert await second.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
        await asyncio.wait_for(first, 1)


async def test_injected_updates_parse_in_ptb(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    telegram_api.inject_message(USER, "Hallo", username="anna_k", language_code="en")
    bot_message = await bot.send_message(GROUP, "Wer hilft?")
    telegram_api.inject_group_message(
        GROUP, USER, "/hilfe@EngageTestBot morgen", reply_to_message_id=bot_message.message_id
    )
    telegram_api.inject_location(USER, 52.52, 13.405)
    private, group, location = await bot.get_updates()

    assert private.effective_user.username == "anna_k"
    assert private.effective_user.language_code == "en"
    assert private.effective_chat.type == "private"
    assert group.effective_chat.type == "supergroup"
    assert group.message.reply_to_message.text == "Wer hilft?"
    assert group.message.entities == (MessageEntity("bot_command", 0, 20),)
    assert (location.message.location.latitude, location.message.location.longitude) == (
        52.52,
        13.405,
    )
    with pytest.raises(ValueError, match="bot command"):
        telegram_api.inject_command(USER, "/über")


# ---------------------------------------------------------------------- callbacks and edits


async def test_callback_query_carries_the_message_and_is_answered_once(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    sent = await bot.send_message(USER, "Mitmachen?", reply_markup=keyboard("ja"))
    telegram_api.inject_callback(USER, "ja", message_id=sent.message_id)
    telegram_api.inject_callback(USER, "alt", message_id=77)
    known, unknown = await bot.get_updates()

    query = known.callback_query
    assert query.data == "ja"
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == keyboard("ja")
    # PTB 22.8 parses it as a Message with date ZERO_DATE, not as InaccessibleMessage.
    assert unknown.callback_query.message.is_accessible is False

    assert await bot.answer_callback_query(query.id, text="Danke!") is True
    assert telegram_api.calls_to("answerCallbackQuery")[0].chat_id == USER
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("12345")


async def test_edit_errors_map_to_bad_request(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    markup = keyboard("a")
    sent = await bot.send_message(USER, "<b>Frage</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>Frage</b>", chat_id=USER, message_id=1, parse_mode="HTML", reply_markup=markup
        )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("a"))

    edited = await bot.edit_message_text("Frage", chat_id=USER, message_id=1)  # formatting differs
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # editing text without markup removes the keyboard
    assert telegram_api.message(USER, 1)["text"] == "Frage"
    assert telegram_api.sent_messages(USER)[0]["reply_markup"] == keyboard("a").to_dict()

    telegram_api.inject_message(USER, "meins")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("fremd", chat_id=USER, message_id=2)


# ---------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Zeile<br>Zeile", 'Unsupported start tag "br" at byte offset 5'),
        ("<b>fett", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="rot">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("Fragen & Antworten", 'Unescaped "&" at byte offset 7'),
    ],
)
async def test_bad_html_is_refused(bot: Bot, text: str, error: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as caught:
        await bot.send_message(USER, text, parse_mode="HTML")
    assert error.lower() in caught.value.message.lower()  # PTB lower-cases all but the 1st char


async def test_telegram_leniency_for_bare_ampersand_can_be_restored(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    telegram_api.strict_html_entities = False
    message = await bot.send_message(USER, "Fragen & Antworten &nbsp;&lt", parse_mode="HTML")
    assert message.text == "Fragen & Antworten &nbsp;<"


async def test_length_and_button_limits(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    await bot.send_message(USER, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "<b>" + "x" * 4097 + "</b>", parse_mode="HTML")
    await bot.send_message(USER, "ok", reply_markup=keyboard("ä" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "zu lang", reply_markup=keyboard("ä" * 33))  # 66 bytes
    assert len(telegram_api.sent_messages()) == 2


async def test_blocked_chat_is_forbidden(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    telegram_api.block_chat(USER)
    with pytest.raises(Forbidden, match=BLOCKED):
        await bot.send_message(USER, "Hallo?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(USER, "typing")
    await bot.send_message(USER + 1, "andere Person")
    assert telegram_api.calls_to("sendMessage")[0].status == 403


# ---------------------------------------------------------------------- failure injection


async def test_fail_next_500_is_a_network_error_without_effect(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    telegram_api.fail_next(1, 500, methods="sendMessage")
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(USER, "eins")
    assert type(caught.value) is NetworkError  # BadRequest and TimedOut subclass NetworkError
    assert caught.value.message == "Internal Server Error"
    await bot.send_message(USER, "zwei")
    assert [m["text"] for m in telegram_api.sent_messages(USER)] == ["zwei"]


async def test_delay_next_provokes_a_client_timeout_after_delivery(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    telegram_api.delay_next(1, 0.3, methods="sendMessage")
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "langsam", read_timeout=0.1)
    # The message arrived although the client gave up: a blind retry would send it twice.
    assert await telegram_api.wait_for_messages(USER, 1, timeout=1)
    assert telegram_api.calls_to("sendMessage")[0].client_gone


async def test_delay_before_drops_the_request_when_the_client_gave_up(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    telegram_api.delay_next(1, 0.2, methods="sendMessage", before=True)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "verloren", read_timeout=0.05)
    status = await telegram_api.wait_for(lambda: telegram_api.calls_to("sendMessage")[0].status)
    assert status == 499  # held, then dropped: the client had hung up
    assert telegram_api.sent_messages() == []


async def test_strict_limit_one_message_per_second_per_private_chat(
    bot: Bot, telegram_api: FakeTelegramAPI, clock: ManualClock
) -> None:
    telegram_api.strict_limits()
    await bot.send_message(USER, "eins")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "zwei")
    assert retry_seconds(caught.value) >= 1
    assert telegram_api.calls[-1].response["parameters"] == {"retry_after": 1}
    await bot.send_message(USER + 1, "andere Person")  # other chats are not affected
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "trotzdem")  # ignored the retry_after
    clock.now += 1.0
    await bot.send_message(USER, "zwei")
    assert (telegram_api.too_many_requests, telegram_api.ignored_retry_after) == (2, 1)


async def test_strict_limit_thirty_messages_per_second_overall(
    bot: Bot, telegram_api: FakeTelegramAPI, clock: ManualClock
) -> None:
    telegram_api.strict_limits()
    for chat in range(1, 31):
        await bot.send_message(chat, "Rundbrief")
        clock.now += 0.01
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(31, "Rundbrief")
    assert retry_seconds(caught.value) == 1
    assert len(telegram_api.sent_messages()) == 30
    clock.now += 1.0  # obey retry_after
    await bot.send_message(31, "Rundbrief")


async def test_strict_limit_twenty_messages_per_minute_per_group(
    bot: Bot, telegram_api: FakeTelegramAPI, clock: ManualClock
) -> None:
    telegram_api.strict_limits()
    for i in range(20):
        await bot.send_message(GROUP, f"Nachricht {i}")
        clock.now += 1.01  # respects the 1/s private and 30/s global limits
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(GROUP, "eine zu viel")
    assert retry_seconds(caught.value) == 40  # the first send was 20.2 s ago
    clock.now += 40
    await bot.send_message(GROUP, "jetzt wieder")
    assert telegram_api.too_many_requests == 1


async def test_retry_after_all_catches_clients_that_ignore_it(
    bot: Bot, telegram_api: FakeTelegramAPI, clock: ManualClock
) -> None:
    telegram_api.retry_after_all(3, methods="sendMessage")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "eins")
    assert retry_seconds(caught.value) == 3
    clock.now += 1.5
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER + 1, "gleich nochmal")
    assert retry_seconds(caught.value) == 2
    assert await bot.get_me()  # other methods are outside the ban
    clock.now += 1.5
    await bot.send_message(USER, "eins")
    assert (telegram_api.too_many_requests, telegram_api.ignored_retry_after) == (2, 1)


# ---------------------------------------------------------------------- webhook, files, misc


async def start_receiver(
    answers: list[int],
) -> tuple[web.AppRunner, str, list[tuple[dict[str, str], dict[str, Any]]]]:
    """A stand-in for the bot's webhook endpoint that answers the given statuses in turn."""
    received: list[tuple[dict[str, str], dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.json()))
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    return runner, f"http://127.0.0.1:{sock.getsockname()[1]}/hook", received


async def test_webhook_delivery_with_secret_and_getupdates_conflict(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    telegram_api.webhook_retry_delay = 0.05
    runner, url, received = await start_receiver([500])
    try:
        assert await bot.set_webhook(url, secret_token="geheim-123")
        update = telegram_api.inject_message(USER, "per Webhook")
        await telegram_api.wait_for(lambda: len(telegram_api.webhook_deliveries) >= 2, timeout=2)

        statuses = [d.status for d in telegram_api.webhook_deliveries]
        assert statuses == [500, 200]  # a failed delivery is retried, like Telegram does
        headers, body = received[-1]
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == "geheim-123"
        assert body == update
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (url, 0)
        assert "500" in info.last_error_message

        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook()
        assert await bot.get_updates() == ()
    finally:
        await runner.cleanup()


async def test_send_photo_upload_is_recorded(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    data = png(3, 2)
    message = await bot.send_photo(USER, photo=data, filename="karte.png", caption="Treffpunkt")

    call = telegram_api.calls_to("sendPhoto")[0]
    assert call.content_type == "multipart/form-data"
    upload = call.files["photo"]
    assert (upload.filename, upload.size) == ("karte.png", len(data))
    assert upload.content_type == "image/png"
    assert (message.photo[-1].width, message.photo[-1].height) == (3, 2)
    assert message.caption == "Treffpunkt"
    again = await bot.send_photo(USER, photo=message.photo[-1].file_id)  # reuse by file_id
    assert again.photo[-1].file_id == message.photo[-1].file_id
    downloaded = await (await bot.get_file(message.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == data


async def test_send_document_upload_is_recorded(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    message = await bot.send_document(USER, document=b"Name;Ort\n", filename="liste.csv")
    upload = telegram_api.calls_to("sendDocument")[0].files["document"]
    assert (upload.filename, upload.size) == ("liste.csv", 9)
    assert (message.document.file_name, message.document.file_size) == ("liste.csv", 9)


async def test_wait_for_messages_wakes_promptly(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    async def send_later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(USER, "eins")
        await bot.send_message(USER, "zwei")

    started = time.monotonic()
    sender = asyncio.create_task(send_later())
    messages = await telegram_api.wait_for_messages(USER, 2, timeout=3)
    assert [m["text"] for m in messages] == ["eins", "zwei"]
    assert time.monotonic() - started < 0.5
    await sender
    with pytest.raises(TimeoutError, match="sendMessage"):
        await telegram_api.wait_for_messages(USER, 3, timeout=0.1)


async def test_commands_are_stored_per_scope_and_language(
    bot: Bot, telegram_api: FakeTelegramAPI
) -> None:
    await bot.set_my_commands([BotCommand("start", "Los geht's")], language_code="de")
    await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeChat(USER))
    assert await bot.get_my_commands(language_code="de") == (BotCommand("start", "Los geht's"),)
    assert await bot.get_my_commands() == ()
    chat_scope = BotCommandScopeChat(USER)
    assert await bot.get_my_commands(scope=chat_scope) == (BotCommand("help", "Help"),)
    assert await bot.delete_my_commands(language_code="de")
    assert await bot.get_my_commands(language_code="de") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Über", "Umlaute gehen nicht")])


async def test_chat_action_and_get_chat(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    telegram_api.inject_message(USER, "Hallo", first_name="Ben")
    assert await bot.send_chat_action(USER, "typing") is True
    chat = await bot.get_chat(USER)
    assert (chat.id, chat.type, chat.first_name) == (USER, "private", "Ben")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat(123456)


async def test_plain_http_clients_may_use_get_and_json(telegram_api: FakeTelegramAPI) -> None:
    async with ClientSession() as session:
        async with session.get(f"{telegram_api.base_url}42:XYZ/getme") as response:
            assert (await response.json())["result"]["username"] == "EngageTestBot"
        body = {"chat_id": USER, "text": "42", "reply_markup": keyboard("ja").to_dict()}
        url = f"{telegram_api.base_url}42:XYZ/sendMessage"
        async with session.post(url, json=body) as response:
            assert (await response.json())["result"]["text"] == "42"
        async with session.post(f"{telegram_api.base_url}42:XYZ") as response:
            assert (response.status, await response.json()) == (
                404,
                {"ok": False, "error_code": 404, "description": "Not Found"},
            )
    get_me, send = telegram_api.calls
    assert (get_me.method, get_me.http_method, get_me.token) == ("getMe", "GET", "42:XYZ")
    assert send.params == body  # "42" stays text: text fields are never JSON-decoded
    assert telegram_api.tokens == {"42:XYZ"}


async def test_stop_answers_a_pending_long_poll(bot: Bot, telegram_api: FakeTelegramAPI) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await telegram_api.wait_for(lambda: telegram_api.calls_to("getUpdates"))
    started = time.monotonic()
    await telegram_api.stop()
    assert await asyncio.wait_for(poll, 2) == ()
    assert time.monotonic() - started < 1.5


async def test_a_ptb_application_polls_and_replies(telegram_api: FakeTelegramAPI) -> None:
    """End to end with PTB's Updater: bootstrap, long polling, offsets and a clean stop."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        name = html.escape(update.effective_user.first_name)
        await update.effective_message.reply_html(f"Hallo {name}!")

    app = (
        Application.builder()
        .token("123:ABC")
        .base_url(telegram_api.base_url)
        .request(HTTPXRequest(httpx_kwargs={"verify": False}))
        .get_updates_request(HTTPXRequest(connection_pool_size=1, httpx_kwargs={"verify": False}))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
        telegram_api.inject_command(USER, "/start", first_name="<Eve>")
        [reply] = await telegram_api.wait_for_messages(USER, 1, timeout=3)
        await telegram_api.wait_for(  # the Updater's next long poll is pending
            lambda: [c for c in telegram_api.calls_to("getUpdates") if c.status is None]
        )
        started = time.monotonic()
        await app.updater.stop()
        await app.stop()
        assert time.monotonic() - started < 1.5
    assert reply["text"] == "Hallo <Eve>!"
    assert telegram_api.calls_to("deleteWebhook")  # the Updater's bootstrap
    # Stopping cancels the pending long poll client-side; the final short poll then ends it.
    assert [c.status for c in telegram_api.calls if not c.ok] == [409]
    assert all(c.client_gone for c in telegram_api.calls if not c.ok)
    assert telegram_api.pending_updates == []  # the final getUpdates confirmed the update
