"""Telegram transport on python-telegram-bot 22: updates in, replies out.

Long polling by default; webhook mode when a public URL is configured. Every
request goes through :class:`~bot.telegram.limiter.FloodLimiter`; network
errors and 5xx are retried with backoff here, a blocked bot marks the account
unreachable, and a 400 is logged with the request instead of retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from starlette.applications import Starlette
from telegram import Bot, BotCommand, BotCommandScopeChat, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.outbox import Outcome
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.limiter import FloodLimiter, Limits, seconds_of
from bot.telegram.render import chunks_for
from bot.web.server import WebServer
from bot.web.webhook import SECRET_HEADER as SECRET_HEADER  # re-exported for tests
from bot.web.webhook import webhook_route
from dialogs.engine import Engine
from dialogs.events import (
    ButtonPress,
    Event,
    Identity,
    LocationShared,
    Reply,
    TextMessage,
    parse_command,
)
from dialogs.i18n import Translator, available_locales, match_locale
from dialogs.roles import Roles, menu_commands

log = logging.getLogger(__name__)
T = TypeVar("T")
TRANSPORT = "telegram"


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_url: str = "https://api.telegram.org/bot"
    file_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # Serve the webhook on a listener of its own; the bot process routes it through its
    # web app instead (one port for everything), see bot.app.
    own_listener: bool = True
    poll_timeout: float = 10.0
    request_timeout: float = 15.0
    max_attempts: int = 6
    first_backoff: float = 0.5


class ChatUnreachable(Exception):
    """Telegram refused delivery to this chat (bot blocked, chat gone)."""


class DeliveryError(Exception):
    """A request that did not go through: retryable (network) or not (a 400)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class TelegramTransport:
    name = TRANSPORT

    def __init__(
        self,
        engine: Engine,
        settings: TelegramSettings,
        *,
        limits: Limits | None = None,
        mark_unreachable: Callable[[Identity], Awaitable[None]] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.limiter = FloodLimiter(limits)
        self.mark_unreachable = mark_unreachable
        self.application = self._build_application()
        self.username = ""
        self.bot_id = 0
        self._listener: WebServer | None = None

    @property
    def bot(self) -> Bot:
        return self.application.bot

    def _build_application(self) -> Application:  # type: ignore[type-arg]
        builder: ApplicationBuilder = (  # type: ignore[type-arg]
            Application.builder()
            .token(self.settings.token)
            .base_url(self.settings.api_url)
            .rate_limiter(self.limiter)
            .concurrent_updates(True)
            # aiohttp instead of PTB's httpx: about a sixth of the CPU per Bot API call.
            # Timeouts and pool sizes as the builder had them (PTB's 256 covers the
            # limiter's concurrent sends); the builder refuses timeouts next to a request.
            .request(
                AiohttpRequest(
                    connection_pool_size=256,
                    read_timeout=self.settings.request_timeout,
                    write_timeout=self.settings.request_timeout,
                    connect_timeout=10,
                )
            )
            .get_updates_request(
                AiohttpRequest(connection_pool_size=1, read_timeout=self.settings.poll_timeout + 10)
            )
        )
        if self.settings.file_url:
            builder = builder.base_file_url(self.settings.file_url)
        if self.settings.webhook_url:
            builder = builder.updater(None)
        application = builder.build()
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)
        return application

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        await self.application.initialize()
        me = await self.bot.get_me()
        self.username, self.bot_id = me.username or "", me.id
        await self._publish_commands()
        if self.settings.webhook_url:
            await self._start_webhook()
        else:
            await self.bot.delete_webhook()
            assert self.application.updater is not None
            await self.application.updater.start_polling(
                timeout=int(self.settings.poll_timeout),
                allowed_updates=["message", "callback_query"],
                error_callback=lambda error: log.warning("polling: %s", error),
            )
        await self.application.start()
        log.info("Telegram transport running as @%s", self.username)

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _start_webhook(self) -> None:
        url, secret = self.settings.webhook_url or "", self.settings.webhook_secret or ""
        if self.settings.own_listener:
            app = Starlette(routes=[webhook_route(self.webhook_path, self.accept_webhook)])
            self._listener = WebServer(app, self.settings.http_host, self.settings.http_port)
            await self._listener.start()
        await self.bot.set_webhook(
            url, secret_token=secret, allowed_updates=["message", "callback_query"]
        )

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.settings.webhook_url or "").path or "/"

    @property
    def connected(self) -> bool:
        """Started and receiving: polling runs, or the webhook is registered."""
        if not self.application.running:
            return False
        updater = self.application.updater
        return self.settings.webhook_url is not None or bool(updater and updater.running)

    async def accept_webhook(self, secret: str, body: bytes) -> int:
        """python-telegram-bot's custom-webhook pattern, with the secret checked first;
        the HTTP status to answer."""
        expected = (self.settings.webhook_secret or "").encode()
        if not expected or not hmac.compare_digest(secret.encode(), expected):
            log.warning("webhook call with a wrong secret")
            return 403
        try:
            update = Update.de_json(json.loads(body), self.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return 400
        if update is None:
            return 400
        await self.application.update_queue.put(update)
        return 200

    def _menu(self, locale: str | None, extra: tuple[str, ...] = ()) -> list[BotCommand]:
        commands = self.engine.registry.commands
        t = Translator(locale or self.engine.config.default_locale, self.engine.config.tz)
        names = [n for n, spec in commands.items() if spec.public] + [
            n for n in extra if n in commands
        ]
        return [BotCommand(n, t.gettext(commands[n].description)[:256]) for n in names]

    async def _publish_commands(self) -> None:
        """Command menus in every language we speak, plus the default one; admins and
        coordinators get theirs in their own chat (refreshed at every start)."""
        for locale in (None, *available_locales()):
            commands = self._menu(locale)
            with contextlib.suppress(DeliveryError):
                await self._call(
                    None,
                    lambda c=commands, lc=locale: self.bot.set_my_commands(c, language_code=lc),
                )
        await self.publish_role_commands()

    async def publish_role_commands(self) -> None:
        operators = {
            user for transport, user in self.engine.config.operators if transport == TRANSPORT
        }
        async with self.engine.store.transaction() as uow:
            privileged = await uow.governance.privileged_accounts(TRANSPORT)
            locales = {}
            for account, _coordinated, _administered in privileged:
                person = await uow.people.by_account(TRANSPORT, account.user_id)
                locales[account.id] = person.locale if person else None
        for account, coordinated, administered in privileged:
            roles = Roles(
                account.person_id, account.user_id in operators, coordinated, administered
            )
            commands = self._menu(locales[account.id], menu_commands(roles))
            scope = BotCommandScopeChat(int(account.chat_id))
            with contextlib.suppress(DeliveryError, ChatUnreachable, ValueError):
                await self._call(
                    None, lambda c=commands, sc=scope: self.bot.set_my_commands(c, scope=sc)
                )

    # -- incoming --------------------------------------------------------------

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await self._answer_callback(update)
        message = update.effective_message
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or user.is_bot:
            return
        if chat.type != "private":
            await self._on_group_message(update)
            return
        event = self.event_for(update)
        if event is None:
            return
        replies = await self.engine.handle(event)
        edit = (
            update.callback_query.message.message_id if update.callback_query and message else None
        )
        await self.send(event.identity, replies, edit_message_id=edit)

    async def _answer_callback(self, update: Update) -> None:
        """Always answer, so the client's spinner stops, whatever happens next."""
        assert update.callback_query is not None
        try:
            await update.callback_query.answer()
        except TelegramError as error:
            log.info("could not answer callback query: %s", error)

    def event_for(self, update: Update) -> Event | None:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None
        meta: dict[str, Any] = {
            "identity": Identity(TRANSPORT, str(user.id), str(chat.id)),
            "event_id": str(update.update_id),
            "language_hint": user.language_code,
        }
        if update.callback_query is not None:
            return ButtonPress(token=update.callback_query.data or "", **meta)
        message = update.message
        if message is None:
            return None
        if message.location is not None:
            return LocationShared(
                latitude=message.location.latitude, longitude=message.location.longitude, **meta
            )
        # Photos, stickers, voice… arrive as empty text, which the engine answers kindly.
        return TextMessage(text=message.text or "", **meta)

    def _addressed_to_me(self, message: Message) -> bool:
        """In groups: a command for this bot, or a reply to one of its messages."""
        replied_to = message.reply_to_message
        if replied_to and replied_to.from_user and replied_to.from_user.id == self.bot_id:
            return True
        text = message.text or ""
        if parse_command(text) is None:
            return False
        head = text.split()[0]
        return "@" not in head or head.split("@", 1)[1].lower() == self.username.lower()

    async def _on_group_message(self, update: Update) -> None:
        message = update.effective_message
        if message is None or not self._addressed_to_me(message):
            return
        user = update.effective_user
        locale = match_locale(user.language_code if user else None)
        t = Translator(locale or self.engine.config.default_locale, self.engine.config.tz)
        text = t.gettext(
            "Let's talk in a private chat, so your details stay between us: {link}",
            link=f"https://t.me/{self.username}",
        )
        with contextlib.suppress(ChatUnreachable, DeliveryError):
            await self._call(message.chat_id, lambda: message.reply_text(text))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling a Telegram update", exc_info=context.error)

    # -- outgoing --------------------------------------------------------------

    async def deliver(self, identity: Identity, replies: list[Reply]) -> Outcome:
        """Messages the bot sends on its own (the outbox's sender)."""
        return await self.send(identity, replies)

    async def send(
        self, identity: Identity, replies: list[Reply], *, edit_message_id: int | None = None
    ) -> Outcome:
        """Send an answer; after the first failure the rest is not attempted."""
        try:
            await self._send(identity, replies, edit_message_id)
        except ChatUnreachable:
            return "blocked"
        except DeliveryError as error:
            return "retry" if error.retryable else "failed"
        return "sent"

    async def _send(
        self, identity: Identity, replies: list[Reply], edit_message_id: int | None
    ) -> None:
        chat_id = int(identity.chat_id)
        key = identity.conversation_key
        for reply in replies:
            if reply.attachment is not None:
                await self._send_attachment(chat_id, reply)
                continue
            chunks = chunks_for(reply)
            if reply.replace_menu and len(chunks) == 1:
                target = edit_message_id or await self._menu_message(key)
                chunk = chunks[0]
                if target is not None and await self._edit(
                    chat_id, target, chunk.html, chunk.keyboard, identity
                ):
                    await self.engine.remember_menu_message(key, str(target))
                    continue
            last: Message | None = None
            for chunk in chunks:
                last = await self._call(
                    identity,
                    lambda c=chunk: self.bot.send_message(
                        chat_id, c.html, parse_mode="HTML", reply_markup=c.keyboard
                    ),
                )
            if reply.buttons and last is not None:
                await self.engine.remember_menu_message(key, str(last.message_id))

    async def _menu_message(self, key: str) -> int | None:
        ref = await self.engine.menu_message(key)
        return int(ref) if ref and ref.isdecimal() else None

    async def _edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Any, identity: Identity
    ) -> bool:
        try:
            await self._call(
                identity,
                lambda: self.bot.edit_message_text(
                    text, chat_id, message_id, parse_mode="HTML", reply_markup=keyboard
                ),
                raise_bad_request=True,
            )
            return True
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return True
            log.info("menu message %s not editable (%s); sending anew", message_id, error)
            return False

    async def _send_attachment(self, chat_id: int, reply: Reply) -> None:
        attachment = reply.attachment
        assert attachment is not None
        caption = reply.text[:1024] if reply.text else None
        identity = Identity(TRANSPORT, str(chat_id), str(chat_id))
        if attachment.kind == "image":
            await self._call(
                identity,
                lambda: self.bot.send_photo(
                    chat_id, attachment.content, caption=caption, filename=attachment.filename
                ),
            )
        else:
            await self._call(
                identity,
                lambda: self.bot.send_document(
                    chat_id, attachment.content, caption=caption, filename=attachment.filename
                ),
            )

    async def _call(
        self,
        identity: Identity | int | None,
        request: Callable[[], Awaitable[T]],
        *,
        raise_bad_request: bool = False,
    ) -> T:
        """One Bot API call: retried on network trouble, never fatal for the bot."""
        delay = self.settings.first_backoff
        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                return await request()
            except Forbidden as error:
                log.info("Telegram refused delivery to %s: %s", identity, error)
                if isinstance(identity, Identity) and self.mark_unreachable is not None:
                    await self.mark_unreachable(identity)
                raise ChatUnreachable(str(error)) from error
            except BadRequest as error:
                if raise_bad_request:
                    raise
                log.error("Telegram rejected a request for %s: %s", identity, error)
                raise DeliveryError(str(error), retryable=False) from error
            except RetryAfter as error:
                await asyncio.sleep(seconds_of(error.retry_after))
            except NetworkError as error:
                log.warning("Telegram request failed (%s), try %d", error, attempt)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        log.error("giving up on a Telegram request for %s after %d tries", identity, attempt)
        raise DeliveryError("network trouble", retryable=True)
