"""A fake Telegram Bot API server over real HTTP, for testing the Telegram transport.

Telegram is unreachable from the test machines, and mocking python-telegram-bot (PTB) from the
inside would hide exactly the things that break in production: how parameters are encoded, how
error bodies map to exceptions, rate limits, HTML that Telegram refuses to parse. So the
transport talks to this server through PTB's real HTTP stack, and the tests look at what arrived.

Wire formats follow PTB 22 and the Bot API: requests are ``POST {base_url}{token}/{method}`` with
form fields (non-string values JSON-encoded, multipart when files are uploaded); answers are
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...,
"parameters": {...}}`` with the matching HTTP status, because PTB picks its exception by status.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import re
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple, TypeVar

import aiohttp
from aiohttp import web

T = TypeVar("T")

BOT_ID = 999
BOT_USERNAME = "EngageTestBot"
BOT_FIRST_NAME = "Engage Test"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_LONG_POLL_SECONDS = 50.0

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
BLOCKED = "Forbidden: bot was blocked by the user"

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Parameters that are strings on the wire and must never be JSON-decoded: a user could type
# "42" or "[1]" as message text, and PTB sends str values without json.dumps.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "secret_token",
        "language_code",
        "action",
        "description",
        "short_description",
        "name",
        "title",
        "address",
        "file_id",
        "ip_address",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "photo",
        "document",
    }
)

# Bot API HTML: tdlib's parser accepts exactly these tag names (case-insensitively).
HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)
HTML_ENTITY_TYPES = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ApiError(Exception):
    """A Bot API error answer; raised inside method handlers, turned into JSON by the server."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


class HtmlParseError(ValueError):
    """Markup Telegram would refuse; the message is the part after "can't parse entities: "."""


@dataclass
class UploadedFile:
    """One multipart file part, as the fake received it."""

    field: str
    filename: str | None
    size: int
    content_type: str | None
    data: bytes = field(repr=False)


@dataclass
class Call:
    """One request to the fake API, recorded on arrival and completed when answered."""

    method: str
    params: dict[str, Any]
    time: float
    chat_id: int | str | None
    token: str
    http_method: str = "POST"
    content_type: str = ""
    raw: dict[str, str] = field(default_factory=dict, repr=False)
    status: int | None = None
    response: dict[str, Any] | None = field(default=None, repr=False)
    client_gone: bool = False  # the client had hung up (timeout, cancel) before the answer

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")

    @property
    def error(self) -> str | None:
        if self.response is None or self.response.get("ok"):
            return None
        return self.response.get("description")

    @property
    def files(self) -> dict[str, UploadedFile]:
        return {k: v for k, v in self.params.items() if isinstance(v, UploadedFile)}


@dataclass
class WebhookDelivery:
    """One attempt to POST an update to the bot's webhook."""

    update: dict[str, Any]
    url: str
    secret_token: str | None
    time: float
    status: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status <= 299


@dataclass
class _Rule:
    remaining: int
    methods: frozenset[str] | None
    status: int = 500
    description: str = ""
    parameters: dict[str, Any] | None = None
    seconds: float = 0.0
    before: bool = False

    def matches(self, method: str) -> bool:
        return self.remaining > 0 and (self.methods is None or method in self.methods)


@dataclass
class _Limits:
    per_second: int = 30
    per_private_chat_second: int = 1
    per_group_minute: int = 20
    count_edits: bool = True


class _Described(NamedTuple):
    """A successful result plus the "description" Telegram adds to some answers."""

    result: Any
    description: str


def _utf16_len(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _method_set(methods: Iterable[str] | str | None) -> frozenset[str] | None:
    if methods is None:
        return None
    if isinstance(methods, str):
        methods = [methods]
    return frozenset(methods)


def _is_send_like(method: str) -> bool:
    """Methods that put something into a chat: the ones a block or a flood limit affects."""
    return method.startswith(("send", "edit", "copy", "forward"))


def _as_chat_id(value: Any) -> int | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return str(value)


def _as_int(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise bad_request(f"invalid integer value {value!r}") from error


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"true", "1"}
    return bool(value)


def _decode_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Form values arrive as strings; turn JSON-encoded ones back into Python objects."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in STRING_PARAMS:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        if key == "chat_id":
            value = _as_chat_id(value)
        params[key] = value
    return params


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return None


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """tdlib's decode_html_entity: numeric references and &lt; &gt; &amp; &quot; (";" optional)."""
    end = pos + 1
    if text[end : end + 1] == "#":
        end += 1
        value = 0
        if text[end : end + 1] == "x":
            end += 1
            while end < len(text) and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
        else:
            while end < len(text) and text[end] in "0123456789":
                value = value * 10 + int(text[end])
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None
        decoded = chr(value)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(text[pos + 1 : end])
        if named is None:
            return None
        decoded = named
    if text[end : end + 1] == ";":
        end += 1
    return decoded, end


def parse_html(text: str, *, strict_entities: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Bot API HTML like tdlib does: plain text plus entities with UTF-16 offsets.

    Error messages copy tdlib's wording, so a failing test reads like a production log. With
    ``strict_entities`` a "&" that does not start &lt; &gt; &amp; &quot; or a numeric reference
    is refused too; Telegram would show it literally, but it almost always means user text was
    not escaped.
    """
    n = len(text)

    def ch(i: int) -> str:
        return text[i] if i < n else "\0"

    def is_space(c: str) -> bool:
        return c in " \t\r\n\0\v\f"

    def at(i: int) -> str:
        return f"byte offset {len(text[:i].encode('utf-8'))}"

    out: list[str] = []
    offset = 0  # UTF-16 offset in the plain text
    stack: list[tuple[str, str, bool, int]] = []  # tag, argument, expandable, start offset
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                offset += _utf16_len(decoded[0])
                i = decoded[1]
                continue
            if strict_entities:
                raise HtmlParseError(
                    f'Unescaped "&" at {at(i)} (the fake is stricter than Telegram here: '
                    "escape user text with html.escape)"
                )
        if c != "<":
            out.append(c)
            offset += _utf16_len(c)
            i += 1
            continue
        begin = i
        i += 1
        if ch(i) != "/":
            tag_begin = i
            while not is_space(ch(i)) and ch(i) != ">":
                i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag at {at(begin)}")
            tag = text[tag_begin:i].lower()
            if tag not in HTML_TAGS:
                raise HtmlParseError(f'Unsupported start tag "{tag}" at {at(begin)}')
            argument = ""
            expandable = False
            while ch(i) != ">":
                while i < n and is_space(ch(i)):
                    i += 1
                if ch(i) == ">":
                    break
                name_begin = i
                while not is_space(ch(i)) and ch(i) != "=":
                    i += 1
                name = text[name_begin:i]
                if not name:
                    raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at {at(begin)}')
                while i < n and is_space(ch(i)):
                    i += 1
                if ch(i) != "=":
                    if tag == "blockquote" and name == "expandable":
                        expandable = True
                        continue
                    raise HtmlParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at {at(begin)}'
                    )
                i += 1
                while i < n and is_space(ch(i)):
                    i += 1
                if i >= n:
                    raise HtmlParseError(f'Unclosed start tag "{tag}" at {at(begin)}')
                if ch(i) not in "'\"":
                    token_begin = i
                    while ch(i).isascii() and (ch(i).isalnum() or ch(i) in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if not is_space(ch(i)) and ch(i) != ">":
                        raise HtmlParseError(f"Unexpected end of name token at {at(token_begin)}")
                else:
                    quote = ch(i)
                    i += 1
                    chars: list[str] = []
                    while i < n and ch(i) != quote:
                        if ch(i) == "&":
                            decoded = _decode_html_entity(text, i)
                            if decoded is not None:
                                chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        chars.append(ch(i))
                        i += 1
                    if ch(i) == quote:
                        i += 1
                    value = "".join(chars)
                if i >= n:
                    raise HtmlParseError(f"Unclosed start tag at {at(begin)}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
                elif tag == "blockquote" and name == "expandable":
                    expandable = True
            if tag == "span" and argument != "spoiler":
                raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at {at(begin)}')
            stack.append((tag, argument, expandable, offset))
            i += 1
            continue
        # an end tag
        if not stack:
            raise HtmlParseError(f"Unexpected end tag at {at(begin)}")
        while not is_space(ch(i)) and ch(i) != ">":
            i += 1
        end_name = text[begin + 2 : i]
        while i < n and is_space(ch(i)):
            i += 1
        if ch(i) != ">":
            raise HtmlParseError(f"Unclosed end tag at {at(begin)}")
        tag, argument, expandable, start = stack.pop()
        if end_name and end_name != tag:
            raise HtmlParseError(
                f'Unmatched end tag at {at(begin)}, expected "</{tag}>", found "</{end_name}>"'
            )
        i += 1
        if offset <= start:
            continue
        entity: dict[str, Any] = {
            "type": HTML_ENTITY_TYPES[tag],
            "offset": start,
            "length": offset - start,
        }
        if tag == "a":
            inner = "".join(out)
            entity["url"] = argument or _utf16_slice(inner, start, offset)
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = argument
        elif tag == "blockquote" and expandable:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and argument:
            entity["language"] = argument
        elif tag == "pre":
            inner_code = [
                e
                for e in entities
                if e["type"] == "code" and e["offset"] == start and e["length"] == offset - start
            ]
            for code in inner_code:
                entities.remove(code)
                if code.get("language"):
                    entity["language"] = code["language"]
        entities.append(entity)
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _utf16_slice(text: str, start: int, end: int) -> str:
    encoded = text.encode("utf-16-le")
    return encoded[start * 2 : end * 2].decode("utf-16-le")


class FakeTelegramAPI:
    """An in-process Bot API server: records every call, injects updates, injects failures.

    Start it, pass ``base_url``/``base_file_url`` to PTB, and stop it after the test. All
    state lives in this object, so every test gets a fresh Telegram.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        strict_html_entities: bool = True,
        webhook_timeout: float = 5.0,
        webhook_max_attempts: int = 3,
        webhook_retry_delay: float = 0.2,
    ) -> None:
        self.clock = clock
        self.strict_html_entities = strict_html_entities
        self.webhook_timeout = webhook_timeout
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_retry_delay = webhook_retry_delay

        self.calls: list[Call] = []
        self.tokens: set[str] = set()
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.too_many_requests = 0
        self.ignored_retry_after = 0
        self.bot_user: dict[str, Any] = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.settings: dict[str, dict[str, Any]] = {}

        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._closing = False
        self._change = asyncio.Event()

        self._update_ids = itertools.count(100_000)
        self._callback_ids = itertools.count(4_412_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._pending: list[dict[str, Any]] = []
        self._poll_generation = 0
        self._webhook: dict[str, Any] | None = None
        self._webhook_error: tuple[int, str] | None = None

        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._callback_queries: dict[str, dict[str, Any]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._files_by_path: dict[str, str] = {}

        self._failures: list[_Rule] = []
        self._delays: list[_Rule] = []
        self._blocked: set[int] = set()
        self._limits: _Limits | None = None
        self._sends: deque[float] = deque()
        self._chat_sends: dict[int, deque[float]] = {}
        self._penalties: dict[int | str, float] = {}
        self._flood_armed: _Rule | None = None
        self._flood_until = -math.inf
        self._flood_methods: frozenset[str] | None = None

        self._handlers: dict[str, tuple[str, Callable[[Call], Any]]] = {}
        for name, handler in {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendLocation": self._send_location,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "setMyDescription": self._store_setting,
            "setMyShortDescription": self._store_setting,
            "setMyName": self._store_setting,
            "setChatMenuButton": self._store_setting,
        }.items():
            self._handlers[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ server lifecycle

    async def start(self) -> None:
        """Listen on a free 127.0.0.1 port; a fixed port would collide between parallel runs."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unrouted)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._session = aiohttp.ClientSession()
        self._webhook_task = asyncio.create_task(self._webhook_worker())

    async def stop(self) -> None:
        """Answer pending long polls at once, so shutdown never waits for a poll timeout."""
        if self._closing:
            return
        self._closing = True
        self._signal()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeTelegramAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ------------------------------------------------------------------ recording helpers

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent successfully (as Telegram answered them), in order."""
        messages = []
        for call in self.calls:
            if not (call.ok and call.method.startswith("send")):
                continue
            result = call.result
            if not isinstance(result, dict) or "message_id" not in result:
                continue
            if chat_id is None or result["chat"]["id"] == chat_id:
                messages.append(result)
        return messages

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The current state of a message (after edits), or None if it never existed."""
        found = self._messages.get((chat_id, message_id))
        return copy.deepcopy(found) if found is not None else None

    def history(self, chat_id: int) -> list[dict[str, Any]]:
        """Every message of a chat, user's and bot's, in their current state."""
        keys = sorted(key for key in self._messages if key[0] == chat_id)
        return [copy.deepcopy(self._messages[key]) for key in keys]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._pending)

    async def wait_for(
        self,
        predicate: Callable[[], T],
        timeout: float = 5.0,  # noqa: ASYNC109 - reads better in tests than asyncio.timeout
    ) -> T:
        """Wait until ``predicate()`` is truthy and return its value.

        Woken by every recorded call, answer, update and webhook delivery, never by polling.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            change = self._change
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = ", ".join(
                    f"{call.method}({call.chat_id})={call.status}" for call in self.calls[-10:]
                )
                raise TimeoutError(
                    f"condition not met within {timeout}s; last calls: {recent or 'none'}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(change.wait(), remaining)

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - same reason as wait_for
    ) -> list[dict[str, Any]]:
        """Wait until the bot sent at least ``count`` messages to the chat; return them all."""

        def enough() -> list[dict[str, Any]]:
            messages = self.sent_messages(chat_id)
            return messages if len(messages) >= count else []

        return await self.wait_for(enough, timeout)

    def _signal(self) -> None:
        """Wake every waiter: swap in a fresh Event so sync injectors can notify too."""
        change, self._change = self._change, asyncio.Event()
        change.set()

    # ------------------------------------------------------------------ injecting updates

    def inject_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (e.g. {"my_chat_member": {...}}); assigns the next update_id."""
        update = {"update_id": next(self._update_ids), **copy.deepcopy(payload)}
        self._pending.append(update)
        self._signal()
        return copy.deepcopy(update)

    def inject_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str = "de",
        first_name: str = "Anna",
        username: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text``; a leading /command gets a bot_command entity, as in Telegram."""
        extra: dict[str, Any] = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}
            ]
        return self._inject_user_message(
            user_id,
            extra,
            chat_id=chat_id,
            chat_type=chat_type,
            language_code=language_code,
            first_name=first_name,
            username=username,
            reply_to_message_id=reply_to_message_id,
        )

    def inject_command(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        """Like inject_message, but refuses text Telegram would not mark as a bot command."""
        if not text.startswith("/"):
            text = "/" + text
        if not _COMMAND_RE.match(text):
            raise ValueError(f"Telegram would not recognise {text!r} as a bot command")
        return self.inject_message(user_id, text, **kwargs)

    def inject_group_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to_message_id: int | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A member writes in a group; ids starting with -100 are supergroups, like Telegram's."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        return self.inject_message(
            user_id,
            text,
            chat_id=chat_id,
            chat_type=chat_type,
            reply_to_message_id=reply_to_message_id,
            **kwargs,
        )

    def inject_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        chat_id: int | None = None,
        language_code: str = "de",
        first_name: str = "Anna",
    ) -> dict[str, Any]:
        return self._inject_user_message(
            user_id,
            {"location": {"latitude": latitude, "longitude": longitude}},
            chat_id=chat_id,
            chat_type="private" if chat_id is None or chat_id > 0 else "group",
            language_code=language_code,
            first_name=first_name,
        )

    def inject_callback(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int,
        chat_id: int | None = None,
        language_code: str = "de",
        first_name: str = "Anna",
        username: str | None = None,
    ) -> dict[str, Any]:
        """A user taps an inline button under message ``message_id``.

        Like Telegram, ``message`` is the current state of that message, or an
        InaccessibleMessage (date 0) when the fake never saw it.
        """
        chat_id = user_id if chat_id is None else chat_id
        user = self._remember_user(user_id, first_name, username, language_code)
        if chat_id > 0:
            self._remember_private_chat(user)
        stored = self._messages.get((chat_id, message_id))
        if stored is not None:
            message = copy.deepcopy(stored)
        else:
            message = {"chat": self._chat_object(chat_id), "message_id": message_id, "date": 0}
        query_id = str(next(self._callback_ids))
        self._callback_queries[query_id] = {"chat_id": chat_id, "answer": None}
        return self.inject_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message,
                    "chat_instance": str(-7_000_000_000 - abs(chat_id)),
                    "data": data,
                }
            }
        )

    def _inject_user_message(
        self,
        user_id: int,
        content: dict[str, Any],
        *,
        chat_id: int | None,
        chat_type: str,
        language_code: str,
        first_name: str,
        username: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        user = self._remember_user(user_id, first_name, username, language_code)
        if chat_id is None:
            if chat_type != "private":
                raise ValueError("a group message needs its chat_id")
            chat_id = user_id
        if chat_type == "private":
            self._remember_private_chat(user, chat_id)
        else:
            self._chats.setdefault(
                chat_id, {"id": chat_id, "title": "Testgruppe", "type": chat_type}
            )
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": user,
            "chat": self._chat_object(chat_id),
            "date": int(time.time()),
        }
        if reply_to_message_id is not None:
            replied = self._messages.get((chat_id, reply_to_message_id))
            if replied is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
            message["reply_to_message"] = self._as_reply(replied)
        message.update(content)
        self._messages[(chat_id, message["message_id"])] = message
        return self.inject_update({"message": message})

    def _remember_user(
        self, user_id: int, first_name: str, username: str | None, language_code: str
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return dict(user)

    def _remember_private_chat(self, user: dict[str, Any], chat_id: int | None = None) -> None:
        chat: dict[str, Any] = {"id": chat_id or user["id"], "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        chat["type"] = "private"
        self._chats[chat["id"]] = chat

    def _chat_object(self, chat_id: int) -> dict[str, Any]:
        known = self._chats.get(chat_id)
        if known is not None:
            return dict(known)
        if chat_id > 0:
            return {"id": chat_id, "type": "private"}
        chat_type = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "title": "Testgruppe", "type": chat_type}

    def _new_message_id(self, chat_id: int) -> int:
        """Message ids count per chat, shared by user and bot messages, as in Telegram."""
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    @staticmethod
    def _as_reply(message: dict[str, Any]) -> dict[str, Any]:
        reply = copy.deepcopy(message)
        reply.pop("reply_to_message", None)
        return reply

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        description: str = "Internal Server Error",
        methods: Iterable[str] | str | None = None,
        *,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        """The next ``n`` matching requests fail with this error and have no effect.

        ``methods=None`` matches every method, a background poller's getUpdates included.
        """
        self._failures.append(
            _Rule(n, _method_set(methods), status, description, parameters=parameters)
        )

    def delay_next(
        self,
        n: int,
        seconds: float,
        methods: Iterable[str] | str | None = None,
        *,
        before: bool = False,
    ) -> None:
        """Hold the answer to the next ``n`` matching requests for ``seconds``.

        By default the request takes effect first (the message is delivered, only the answer
        is late), which is what a slow network does and what makes naive retries duplicate
        messages. ``before=True`` waits first and drops the request if the client gave up.
        """
        self._delays.append(_Rule(n, _method_set(methods), seconds=seconds, before=before))

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot: every send or edit to the chat answers 403."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def strict_limits(
        self,
        enabled: bool = True,
        *,
        per_second: int = 30,
        per_private_chat_second: int = 1,
        per_group_minute: int = 20,
        count_edits: bool = True,
    ) -> None:
        """Enforce Telegram's documented flood limits exactly, where Telegram itself is lenient.

        Sliding windows: ``per_second`` sends per 1.0 s over all chats,
        ``per_private_chat_second`` per 1.0 s per private chat, ``per_group_minute`` per 60 s per
        group (chat id < 0). Only successful sends count. A violation answers 429 with
        retry_after = whole seconds until the window frees (at least 1).
        """
        self._limits = (
            _Limits(per_second, per_private_chat_second, per_group_minute, count_edits)
            if enabled
            else None
        )
        self._sends.clear()
        self._chat_sends.clear()
        self._penalties.clear()

    def retry_after_all(self, seconds: int, methods: Iterable[str] | str | None = None) -> None:
        """A flood-wait ban: the next request answers 429, and so does any during the ban.

        Every request that arrives while the announced retry_after is still running counts in
        ``ignored_retry_after``.
        """
        if seconds < 1:
            raise ValueError("Telegram never answers retry_after < 1 (PTB would ignore 0)")
        self._flood_armed = _Rule(1, _method_set(methods), seconds=seconds)

    # ------------------------------------------------------------------ HTTP handling

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        name = request.match_info["method"]
        self.tokens.add(token)
        method, handler = self._handlers.get(name.lower(), (name, None))
        try:
            raw, params = await self._read_params(request)
            read_error = None
        except ApiError as error:
            raw, params, read_error = {}, {}, error
        call = Call(
            method=method,
            params=params,
            time=self.clock(),
            chat_id=self._call_chat_id(method, params),
            token=token,
            http_method=request.method,
            content_type=request.content_type if request.body_exists else "",
            raw=raw,
        )
        self.calls.append(call)
        self._signal()
        try:
            if read_error is not None:
                raise read_error
            if handler is None:
                raise ApiError(404, "Not Found")
            outcome = await self._process(call, handler, request)
        except ApiError as error:
            if error.status == 429:
                self.too_many_requests += 1
            call.status, call.response = error.status, error.body()
        except _ClientGone:
            call.status, call.response, call.client_gone = 499, None, True
            self._signal()
            return web.Response(status=499)
        else:
            body: dict[str, Any] = {"ok": True}
            if isinstance(outcome, _Described):
                body["result"] = outcome.result
                body["description"] = outcome.description
            else:
                body["result"] = outcome
            call.status, call.response = 200, body
        transport = request.transport
        call.client_gone = transport is None or transport.is_closing()
        self._signal()
        return web.json_response(
            call.response, status=call.status, dumps=partial(json.dumps, ensure_ascii=False)
        )

    async def _process(
        self, call: Call, handler: Callable[[Call], Any], request: web.Request
    ) -> Any:
        """Failure injection first, then the method itself, in the order Telegram would apply."""
        self._check_flood_ban(call)
        failure = self._take(self._failures, call.method)
        if failure is not None:
            raise ApiError(failure.status, failure.description, failure.parameters)
        delay = self._take(self._delays, call.method)
        if delay is not None and delay.before:
            await self._sleep(delay.seconds)
            transport = request.transport
            if transport is None or transport.is_closing():
                raise _ClientGone
        blocked = isinstance(call.chat_id, int) and call.chat_id in self._blocked
        if blocked and _is_send_like(call.method):
            raise ApiError(403, BLOCKED)
        counted = self._check_limits(call)
        result = await handler(call)
        if counted:
            self._register_send(call)
        if delay is not None and not delay.before:
            await self._sleep(delay.seconds)
        return result

    async def _read_params(self, request: web.Request) -> tuple[dict[str, str], dict[str, Any]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.body_exists:
            try:
                if request.content_type == "application/json":
                    body = await request.json()
                    if not isinstance(body, dict):
                        raise bad_request("JSON object expected")
                    raw.update(
                        {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
                    )
                else:
                    form = await request.post()
                    for key, value in form.items():
                        if isinstance(value, web.FileField):
                            data = value.file.read()
                            files[key] = UploadedFile(
                                key, value.filename, len(data), value.content_type, data
                            )
                        else:
                            raw[key] = str(value)
            except web.HTTPRequestEntityTooLarge as error:
                raise ApiError(413, "Request Entity Too Large") from error
            except ValueError as error:
                raise bad_request("can't parse request body") from error
        params = _decode_params(raw)
        params.update(files)
        return raw, params

    def _call_chat_id(self, method: str, params: dict[str, Any]) -> int | str | None:
        chat_id = params.get("chat_id")
        if chat_id is None and method == "answerCallbackQuery":
            query = self._callback_queries.get(str(params.get("callback_query_id")))
            if query is not None:
                return query["chat_id"]
        return chat_id

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        file_id = self._files_by_path.get(request.match_info["path"])
        if file_id is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        stored = self._files[file_id]
        return web.Response(body=stored["data"], content_type=stored["mime_type"])

    async def _handle_unrouted(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but end early when the server stops, so shutdown never hangs."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self._closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            change = self._change
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(change.wait(), remaining)

    @staticmethod
    def _take(rules: list[_Rule], method: str) -> _Rule | None:
        for rule in rules:
            if rule.matches(method):
                rule.remaining -= 1
                if rule.remaining == 0:
                    rules.remove(rule)
                return rule
        return None

    # ------------------------------------------------------------------ flood control

    def _check_flood_ban(self, call: Call) -> None:
        now = self.clock()
        armed = self._flood_armed
        if armed is not None and armed.matches(call.method):
            self._flood_armed = None
            self._flood_until = now + armed.seconds
            self._flood_methods = armed.methods
            raise self._too_many(int(armed.seconds))
        in_scope = self._flood_methods is None or call.method in self._flood_methods
        if in_scope and now < self._flood_until:
            self.ignored_retry_after += 1
            raise self._too_many(max(1, math.ceil(self._flood_until - now)))

    @staticmethod
    def _too_many(retry_after: int) -> ApiError:
        return ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )

    def _limited(self, call: Call) -> bool:
        limits = self._limits
        if limits is None or not _is_send_like(call.method) or call.method == "sendChatAction":
            return False
        return limits.count_edits or not call.method.startswith("edit")

    def _check_limits(self, call: Call) -> bool:
        """Answer 429 if this send would break a window; True if the send will count."""
        if not self._limited(call):
            return False
        assert self._limits is not None
        now = self.clock()
        chat = call.chat_id if isinstance(call.chat_id, int) else None
        keys: list[int | str] = ["*"] if chat is None else ["*", chat]
        if any(self._penalties.get(key, -math.inf) > now for key in keys):
            self.ignored_retry_after += 1
        waits: dict[int | str, float] = {}
        wait = self._window_wait(self._sends, now, 1.0, self._limits.per_second)
        if wait is not None:
            waits["*"] = wait
        if chat is not None:
            window, limit = (
                (1.0, self._limits.per_private_chat_second)
                if chat > 0
                else (60.0, self._limits.per_group_minute)
            )
            wait = self._window_wait(self._chat_sends.get(chat), now, window, limit)
            if wait is not None:
                waits[chat] = wait
        if not waits:
            return True
        retry_after = max(1, math.ceil(max(waits.values()) - 1e-9))
        for key in waits:
            self._penalties[key] = now + retry_after
        raise self._too_many(retry_after)

    @staticmethod
    def _window_wait(
        sends: deque[float] | None, now: float, window: float, limit: int
    ) -> float | None:
        """Seconds until one more send fits into the sliding window, or None if it fits now."""
        if not sends:
            return None if limit > 0 else window
        while sends and sends[0] <= now - window:
            sends.popleft()
        if len(sends) < limit:
            return None
        return sends[-limit] + window - now

    def _register_send(self, call: Call) -> None:
        now = self.clock()
        self._sends.append(now)
        if isinstance(call.chat_id, int):
            self._chat_sends.setdefault(call.chat_id, deque()).append(now)

    # ------------------------------------------------------------------ method helpers

    def _require_chat(self, call: Call) -> int:
        chat_id = call.chat_id
        if chat_id is None:
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        if chat_id not in self._chats:
            self._chats[chat_id] = self._chat_object(chat_id)
        return chat_id

    def _formatted(
        self, call: Call, key: str, limit: int, too_long: str, *, required: bool
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        """Text or caption after parse_mode, checked like Telegram checks it."""
        text = call.params.get(key)
        if text is None or text == "":
            if required:
                raise bad_request("message text is empty")
            return None, None
        text = str(text)
        entities = call.params.get("entities" if key == "text" else "caption_entities")
        parse_mode = call.params.get("parse_mode")
        if parse_mode and not entities:
            mode = str(parse_mode).lower()
            if mode == "html":
                try:
                    text, entities = parse_html(text, strict_entities=self.strict_html_entities)
                except HtmlParseError as error:
                    raise bad_request(f"can't parse entities: {error}") from error
            elif mode not in {"markdown", "markdownv2"}:
                raise bad_request("unsupported parse_mode")
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > limit:
            raise bad_request(too_long)
        return text, entities or None

    @staticmethod
    def _inline_markup(call: Call) -> dict[str, Any] | None:
        """Validate reply_markup; return it if Telegram would echo it (inline keyboards only)."""
        markup = call.params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return None
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise bad_request("can't parse inline keyboard markup JSON object")
        for row in keyboard:
            for button in row:
                if not isinstance(button, dict):
                    raise bad_request("can't parse inline keyboard button")
                if not button.get("text"):
                    raise bad_request("BUTTON_TEXT_EMPTY")
                if "callback_data" in button:
                    data = str(button["callback_data"]).encode("utf-8")
                    if not 1 <= len(data) <= MAX_CALLBACK_DATA_BYTES:
                        raise bad_request("BUTTON_DATA_INVALID")
        return markup

    def _store_bot_message(
        self, chat_id: int, content: dict[str, Any], call: Call
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat_id),
            "from": dict(self.bot_user_short),
            "chat": self._chat_object(chat_id),
            "date": int(time.time()),
        }
        reply = call.params.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        if reply_id is None and call.params.get("reply_to_message_id") is not None:
            reply_id = call.params["reply_to_message_id"]
        if reply_id is not None:
            replied = self._messages.get((chat_id, int(reply_id)))
            allow = isinstance(reply, dict) and reply.get("allow_sending_without_reply")
            if replied is not None:
                message["reply_to_message"] = self._as_reply(replied)
            elif not (allow or _as_bool(call.params.get("allow_sending_without_reply", False))):
                raise bad_request("message to be replied not found")
        message.update({k: v for k, v in content.items() if v is not None})
        self._messages[(chat_id, message["message_id"])] = message
        return copy.deepcopy(message)

    @property
    def bot_user_short(self) -> dict[str, Any]:
        """The bot as it appears in a message's "from" (without getMe's capability flags)."""
        return {key: self.bot_user[key] for key in ("id", "is_bot", "first_name", "username")}

    def _editable(self, call: Call) -> dict[str, Any]:
        if call.params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat_id = self._require_chat(call)
        message_id = _as_int(call.params.get("message_id"), 0)
        if message_id <= 0:
            raise bad_request("message identifier is not specified")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _file_params(self, call: Call, key: str, kind: str) -> dict[str, Any]:
        value = call.params.get(key)
        if isinstance(value, UploadedFile):
            return self._store_file(value.data, value.filename, value.content_type, kind)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self._store_file(b"", value.rsplit("/", 1)[-1], None, kind)
        if value is None:
            raise bad_request(f"there is no {key} in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _store_file(
        self, data: bytes, filename: str | None, mime_type: str | None, kind: str
    ) -> dict[str, Any]:
        number = next(self._file_ids)
        file_id = f"fake-{kind}-{number:06d}"
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[-1]
        stored = {
            "file_id": file_id,
            "file_unique_id": f"uniq{number:06d}",
            "file_size": len(data),
            "file_name": filename,
            "mime_type": mime_type or "application/octet-stream",
            "kind": kind,
            "data": data,
            "file_path": f"{kind}s/file_{number}{suffix}",
        }
        self._files[file_id] = stored
        self._files_by_path[stored["file_path"]] = file_id
        return stored

    # ------------------------------------------------------------------ Bot API methods

    async def _get_me(self, call: Call) -> dict[str, Any]:
        return dict(self.bot_user)

    async def _get_updates(self, call: Call) -> list[dict[str, Any]]:
        """Telegram's long polling: offset confirms, timeout waits, a newer poll ends an older."""
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = _as_int(call.params.get("offset"), 0)
        limit = min(max(_as_int(call.params.get("limit"), 100), 1), 100)
        try:
            timeout = float(call.params.get("timeout") or 0)
        except (TypeError, ValueError) as error:
            raise bad_request("invalid timeout") from error
        timeout = min(max(timeout, 0.0), MAX_LONG_POLL_SECONDS)
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._signal()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            change = self._change
            if self._webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
            remaining = deadline - loop.time()
            if self._pending or self._closing or remaining <= 0:
                return copy.deepcopy(self._pending[:limit])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(change.wait(), remaining)

    async def _send_message(self, call: Call) -> dict[str, Any]:
        chat_id = self._require_chat(call)
        text, entities = self._formatted(
            call, "text", MAX_TEXT_LENGTH, "message is too long", required=True
        )
        markup = self._inline_markup(call)
        return self._store_bot_message(
            chat_id, {"text": text, "entities": entities, "reply_markup": markup}, call
        )

    async def _edit_message_text(self, call: Call) -> dict[str, Any]:
        message = self._editable(call)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._formatted(
            call, "text", MAX_TEXT_LENGTH, "message is too long", required=True
        )
        markup = self._inline_markup(call)
        return self._apply_edit(message, {"text": text, "entities": entities}, markup)

    async def _edit_message_caption(self, call: Call) -> dict[str, Any]:
        message = self._editable(call)
        caption, entities = self._formatted(
            call, "caption", MAX_CAPTION_LENGTH, "message caption is too long", required=False
        )
        markup = self._inline_markup(call)
        return self._apply_edit(message, {"caption": caption, "caption_entities": entities}, markup)

    async def _edit_message_reply_markup(self, call: Call) -> dict[str, Any]:
        message = self._editable(call)
        return self._apply_edit(message, {}, self._inline_markup(call))

    def _apply_edit(
        self,
        message: dict[str, Any],
        content: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Telegram refuses edits that change nothing; an edit without markup removes it."""
        unchanged = all(message.get(k) == v for k, v in content.items())
        if unchanged and message.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        for key, value in content.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _delete_message(self, call: Call) -> bool:
        chat_id = self._require_chat(call)
        message_id = _as_int(call.params.get("message_id"), 0)
        if self._messages.pop((chat_id, message_id), None) is None:
            raise bad_request("message to delete not found")
        return True

    async def _answer_callback_query(self, call: Call) -> bool:
        """Each query can be answered once; unknown or answered ids get Telegram's error."""
        query = self._callback_queries.get(str(call.params.get("callback_query_id")))
        if query is None or query["answer"] is not None:
            raise bad_request(QUERY_INVALID)
        query["answer"] = dict(call.params)
        return True

    async def _send_photo(self, call: Call) -> dict[str, Any]:
        chat_id = self._require_chat(call)
        caption, entities = self._formatted(
            call, "caption", MAX_CAPTION_LENGTH, "message caption is too long", required=False
        )
        markup = self._inline_markup(call)
        stored = self._file_params(call, "photo", "photo")
        width, height = _png_size(stored["data"]) or (800, 600)
        scale = min(1.0, 90 / max(width, height, 1))
        sizes = [
            {
                "file_id": stored["file_id"] + "-s",
                "file_unique_id": stored["file_unique_id"] + "s",
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": min(stored["file_size"], 1500),
            },
            {
                "file_id": stored["file_id"],
                "file_unique_id": stored["file_unique_id"],
                "width": width,
                "height": height,
                "file_size": stored["file_size"],
            },
        ]
        content = {
            "photo": sizes,
            "caption": caption,
            "caption_entities": entities,
            "reply_markup": markup,
        }
        return self._store_bot_message(chat_id, content, call)

    async def _send_document(self, call: Call) -> dict[str, Any]:
        chat_id = self._require_chat(call)
        caption, entities = self._formatted(
            call, "caption", MAX_CAPTION_LENGTH, "message caption is too long", required=False
        )
        markup = self._inline_markup(call)
        stored = self._file_params(call, "document", "document")
        document = {
            "file_id": stored["file_id"],
            "file_unique_id": stored["file_unique_id"],
            "file_name": stored["file_name"],
            "mime_type": stored["mime_type"],
            "file_size": stored["file_size"],
        }
        content = {
            "document": {k: v for k, v in document.items() if v is not None},
            "caption": caption,
            "caption_entities": entities,
            "reply_markup": markup,
        }
        return self._store_bot_message(chat_id, content, call)

    async def _send_location(self, call: Call) -> dict[str, Any]:
        chat_id = self._require_chat(call)
        try:
            latitude = float(call.params["latitude"])
            longitude = float(call.params["longitude"])
        except (KeyError, TypeError, ValueError) as error:
            raise bad_request("wrong latitude or longitude") from error
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong latitude or longitude")
        content = {
            "location": {"latitude": latitude, "longitude": longitude},
            "reply_markup": self._inline_markup(call),
        }
        return self._store_bot_message(chat_id, content, call)

    async def _get_file(self, call: Call) -> dict[str, Any]:
        stored = self._files.get(str(call.params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        keys = ("file_id", "file_unique_id", "file_size", "file_path")
        return {key: stored[key] for key in keys}

    @staticmethod
    def _commands_key(call: Call) -> tuple[str, str]:
        scope = call.params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), str(call.params.get("language_code") or "")

    async def _set_my_commands(self, call: Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            if not _BOT_COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(call)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: Call) -> list[dict[str, Any]]:
        return copy.deepcopy(self.commands.get(self._commands_key(call), []))

    async def _delete_my_commands(self, call: Call) -> bool:
        self.commands.pop(self._commands_key(call), None)
        return True

    async def _set_webhook(self, call: Call) -> _Described:
        url = str(call.params.get("url") or "")
        if not url:
            return await self._delete_webhook(call)
        secret = call.params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if _as_bool(call.params.get("drop_pending_updates", False)):
            self._pending.clear()
        was_set = self._webhook is not None and self._webhook["url"] == url
        self._webhook = {
            "url": url,
            "secret_token": None if secret is None else str(secret),
            "max_connections": _as_int(call.params.get("max_connections"), 40),
            "allowed_updates": call.params.get("allowed_updates"),
        }
        self._webhook_error = None
        self._signal()
        return _Described(True, "Webhook is already set" if was_set else "Webhook was set")

    async def _delete_webhook(self, call: Call) -> _Described:
        if _as_bool(call.params.get("drop_pending_updates", False)):
            self._pending.clear()
        was_set = self._webhook is not None
        self._webhook = None
        self._signal()
        return _Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    async def _get_webhook_info(self, call: Call) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook is not None:
            info["url"] = self._webhook["url"]
            info["max_connections"] = self._webhook["max_connections"]
            info["ip_address"] = "127.0.0.1"
            if self._webhook["allowed_updates"]:
                info["allowed_updates"] = self._webhook["allowed_updates"]
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _send_chat_action(self, call: Call) -> bool:
        self._require_chat(call)
        if call.params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _get_chat(self, call: Call) -> dict[str, Any]:
        chat_id = call.chat_id
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise bad_request("chat not found")
        return {
            **self._chats[chat_id],
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _store_setting(self, call: Call) -> bool:
        self.settings[call.method] = dict(call.params)
        return True

    # ------------------------------------------------------------------ webhook delivery

    async def _webhook_worker(self) -> None:
        """Deliver pending updates in order, one at a time, while a webhook is set."""
        attempts = 0
        while not self._closing:
            change = self._change
            webhook = self._webhook
            if webhook is None or not self._pending:
                await change.wait()
                continue
            update = self._pending[0]
            delivery = await self._deliver(webhook, update)
            self.webhook_deliveries.append(delivery)
            if delivery.ok or attempts + 1 >= self.webhook_max_attempts:
                attempts = 0
                if self._pending and self._pending[0] is update:
                    self._pending.pop(0)
            else:
                attempts += 1
            if not delivery.ok:
                message = delivery.error or f"Wrong response from the webhook: {delivery.status}"
                self._webhook_error = (int(time.time()), message)
            self._signal()
            if not delivery.ok and attempts:
                await self._sleep(self.webhook_retry_delay)

    async def _deliver(self, webhook: dict[str, Any], update: dict[str, Any]) -> WebhookDelivery:
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if webhook["secret_token"] is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret_token"]
        delivery = WebhookDelivery(
            copy.deepcopy(update), webhook["url"], webhook["secret_token"], self.clock()
        )
        try:
            async with self._session.post(
                webhook["url"],
                data=json.dumps(update, ensure_ascii=False).encode("utf-8"),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                await response.read()
                delivery.status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            delivery.error = f"{type(error).__name__}: {error}"
        return delivery


class _ClientGone(Exception):
    """The client disconnected while a ``delay_next(before=True)`` request was held."""
