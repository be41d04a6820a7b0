"""The dialog engine: one event in, replies out, state persisted in between.

It owns what every transport needs alike: idempotency, one-at-a-time
processing per conversation, typed numbers and labels as button presses, stale
menus, /cancel and /help from anywhere, and an apology instead of a traceback.
"""

from __future__ import annotations

import inspect
import logging
import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from dialogs.events import (
    ButtonPress,
    Command,
    Event,
    Identity,
    Outgoing,
    Reply,
    TextMessage,
    parse_command,
    replies_to_payload,
)
from dialogs.flow import Clock, Context, Dialog, EngineConfig, Step, SystemClock
from dialogs.i18n import Translator, match_locale
from dialogs.registry import (  # noqa: F401  (Registry is imported from here by flows)
    ActionHandler,
    CommandHandler,
    CommandSpec,
    ConversationLocks,
    IdleHandler,
    Registry,
)
from storage.db import Store
from storage.models import Conversation

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4000
SEEN_EVERY = timedelta(hours=1)  # how precisely retention needs "last seen"
Deliver = Callable[[Identity, list[Reply]], Awaitable[None]]
ACTION_PREFIX = "@"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029]")


def clean_text(text: str) -> str:
    """Drop control and invisible separator characters; normalise to NFC."""
    return unicodedata.normalize("NFC", _CONTROL.sub("", text)).strip()


class Engine:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        config: EngineConfig | None = None,
        clock: Clock | None = None,
        services: dict[str, Any] | None = None,
        deliver: Deliver | None = None,
        outbox: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.config = config or EngineConfig()
        self.clock = clock or SystemClock()
        self.services = services or {}
        self.deliver = deliver
        # With an outbox, messages to others are stored in the step's own transaction
        # and this callback wakes the sender; without one they are delivered directly.
        self.outbox = outbox
        self.locks = ConversationLocks()

    async def handle(self, event: Event) -> list[Reply]:
        """Process one incoming event; never raises, always answers new events."""
        if isinstance(event, ButtonPress) and (event.value is not None or event.label):
            # Only a token issued by this engine can choose; a value from outside never does.
            event = replace(event, value=None, label="")
        outgoing: list[Outgoing] = []
        committed: list[Callable[[], Awaitable[None] | None]] = []
        async with self.locks.hold(event.identity.conversation_key):
            try:
                async with self.store.transaction() as uow:
                    # A read here and the insert at commit: taking SQLite's write lock
                    # at the start would make every other conversation wait for this one.
                    if await uow.updates.seen(event.identity.transport, event.event_id):
                        log.info("duplicate update %s ignored", event.event_id)
                        return []
                    ctx = await self._context(event, uow)
                    replies = await self._dispatch(event, ctx)
                    if ctx.forget:
                        await uow.conversations.delete(ctx.conversation)
                    else:
                        self._issue_menu(ctx, replies)
                        ctx.conversation.data = dict(ctx.data)
                        await uow.conversations.save(ctx.conversation)
                    outgoing, committed = ctx.outgoing, ctx.committed
                    if self.outbox is not None:
                        await self._enqueue(uow, event, outgoing)
                    await uow.updates.record(event.identity.transport, event.event_id)
            except Exception:
                log.exception("failed to handle %r", event)
                return await self._apologise(event)
        for action in committed:
            try:
                result = action()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("after-commit action failed for %s", event.event_id)
        if self.outbox is not None:
            if outgoing:
                self.outbox()
            return replies
        # Outside the lock: a recipient may be this very conversation.
        for message in outgoing:
            await self.send(message.identity, message.replies)
        return replies

    async def _enqueue(self, uow: Any, event: Event, outgoing: list[Outgoing]) -> None:
        for number, message in enumerate(outgoing):
            who = message.identity
            await uow.outbox.enqueue(
                dedup_key=f"event:{event.identity.transport}:{event.event_id}:{number}",
                transport=who.transport,
                user_id=who.user_id,
                chat_id=who.chat_id,
                payload=replies_to_payload(message.replies),
                now=self.clock.now(),
            )

    async def push(self, identity: Identity, replies: list[Reply]) -> list[Reply]:
        """Prepare replies the bot sends on its own: their buttons become the live menu."""
        replies = list(replies)
        if not any(reply.buttons for reply in replies):
            return replies
        async with self.locks.hold(identity.conversation_key), self.store.transaction() as uow:
            conversation = await uow.conversations.get_or_create(
                identity.conversation_key,
                transport=identity.transport,
                user_id=identity.user_id,
                chat_id=identity.chat_id,
            )
            self._issue_menu_into(conversation, replies)
            await uow.conversations.save(conversation)
        return replies

    async def send(self, identity: Identity, replies: list[Reply]) -> None:
        """Deliver to someone else (an organisation's admin, say); never raises."""
        try:
            prepared = await self.push(identity, replies)
            if self.deliver is None:
                log.warning("no delivery configured; dropped message to %s", identity)
                return
            await self.deliver(identity, prepared)
        except Exception:
            log.exception("could not deliver to %s", identity)

    async def remember_menu_message(self, key: str, message_ref: str) -> None:
        """Transports that can edit messages note which message shows the live menu."""
        async with self.store.transaction() as uow:
            await uow.conversations.set_menu_message(key, message_ref)

    async def menu_message(self, key: str) -> str | None:
        async with self.store.transaction() as uow:
            conversation = await uow.conversations.get(key)
            return conversation.menu_message_ref if conversation else None

    # -- internals -------------------------------------------------------

    async def _context(self, event: Event, uow: Any) -> Context:
        who = event.identity
        conversation = await uow.conversations.get_or_create(
            who.conversation_key, transport=who.transport, user_id=who.user_id, chat_id=who.chat_id
        )
        found = await uow.people.with_account(who.transport, who.user_id)
        person = found[0] if found else None
        if found is not None:
            person, account = found
            now = self.clock.now()
            if account.unreachable_since is not None:  # they wrote: reachable again
                account.unreachable_since = None
            if person.last_seen_at is None or now - person.last_seen_at > SEEN_EVERY:
                person.last_seen_at, person.retention_warned_at = now, None
        locale = (
            (person.locale if person else None)
            or conversation.locale
            or match_locale(event.language_hint)
            or self.config.default_locale
        )
        return Context(
            identity=who,
            uow=uow,
            clock=self.clock,
            config=self.config,
            conversation=conversation,
            person=person,
            translator=Translator(locale, self.config.tz),
            registry=self.registry,
            data=dict(conversation.data or {}),
            services=self.services,
        )

    async def _apologise(self, event: Event) -> list[Reply]:
        """Tell the user something went wrong; keep the state as it was before the event."""
        locale = match_locale(event.language_hint) or self.config.default_locale
        try:
            async with self.store.transaction() as uow:
                conversation = await uow.conversations.get(event.identity.conversation_key)
                if conversation is not None and conversation.locale:
                    locale = conversation.locale
                await uow.updates.record(event.identity.transport, event.event_id)
        except Exception:
            log.exception("could not record failed update %s", event.event_id)
        t = Translator(locale, self.config.tz)
        return [
            Reply(
                t.gettext(
                    "Sorry, something went wrong on my side. Please try again, "
                    "or send /cancel to start over."
                )
            )
        ]

    async def _dispatch(self, event: Event, ctx: Context) -> list[Reply]:
        if isinstance(event, TextMessage):
            text = clean_text(event.text)
            if len(text) > MAX_TEXT_LENGTH:
                return await self._with_current_question(
                    ctx,
                    ctx._(
                        "That message is too long for me ({length} characters). "
                        "Please keep it under {limit}.",
                        length=ctx.translator.number(len(text)),
                        limit=ctx.translator.number(MAX_TEXT_LENGTH),
                    ),
                )
            if not text:
                return await self._with_current_question(
                    ctx, ctx._("I can only read text messages here.")
                )
            parsed = parse_command(text)
            if parsed is not None:
                event = Command(
                    identity=event.identity,
                    event_id=event.event_id,
                    language_hint=event.language_hint,
                    sender_name=event.sender_name,
                    name=parsed[0],
                    args=parsed[1],
                )
            else:
                event = replace(event, text=text)
                pressed = self._typed_choice(text, ctx.conversation)
                if pressed is not None:
                    event = pressed_event(event, *pressed)

        if isinstance(event, Command):
            return await self._on_command(event, ctx)

        if isinstance(event, ButtonPress) and event.value is None:
            resolved = self._resolve_token(event.token, ctx.conversation)
            if resolved is None:
                return await self._with_current_question(
                    ctx, ctx._("This menu is no longer active.")
                )
            event = pressed_event(event, *resolved)

        if isinstance(event, ButtonPress) and (event.value or "").startswith(ACTION_PREFIX):
            name, _, argument = (event.value or "")[1:].partition(":")
            action = self.registry.actions.get(name)
            if action is not None:
                ctx.conversation.menu_id = None
                ctx.conversation.menu = []
                return await self._apply(await action(event, ctx, argument), ctx)

        dialog = self._active_dialog(ctx.conversation)
        if dialog is None:
            for understand in self.registry.understanders:
                if (step := await understand(event, ctx)) is not None:
                    return await self._apply(step, ctx)
            if self.registry.idle is None:
                return [Reply(ctx._("Send /help to see what I can do."))]
            return await self._apply(await self.registry.idle(event, ctx), ctx)

        # A press consumes its menu: the same button cannot act twice.
        ctx.conversation.menu_id = None
        ctx.conversation.menu = []
        handler = dialog.handlers[ctx.conversation.step or dialog.first]
        return await self._apply(await handler(event, ctx), ctx)

    async def _on_command(self, event: Command, ctx: Context) -> list[Reply]:
        spec = self.registry.commands.get(event.name)
        if spec is None:
            return await self._with_current_question(
                ctx,
                ctx._(
                    "I don't know the command /{command}. Send /help to see what I can do.",
                    command=event.name[:40],
                ),
            )
        return await self._apply(await spec.handler(event, ctx), ctx)

    async def _apply(self, step: Step, ctx: Context) -> list[Reply]:
        conversation = ctx.conversation
        replies = list(step.replies)
        if step.dialog is not None:
            dialog = self.registry.dialogs[step.dialog]
            conversation.dialog = dialog.name
            conversation.step = step.state or dialog.first
            ctx.data = dict(step.data or {})
        elif step.end:
            conversation.dialog = None
            conversation.step = None
            ctx.data = {}
        elif step.state is not None:
            conversation.step = step.state
        if step.ask:
            replies.extend(await self._current_question(ctx))
        return replies

    async def _current_question(self, ctx: Context) -> list[Reply]:
        dialog = self._active_dialog(ctx.conversation)
        if dialog is None:
            return []
        ask = dialog.asks.get(ctx.conversation.step or dialog.first)
        return list(await ask(ctx)) if ask else []

    async def _with_current_question(self, ctx: Context, text: str) -> list[Reply]:
        """An explanation, then the question the user is expected to answer."""
        question = await self._current_question(ctx)
        if not question and self._active_dialog(ctx.conversation) is None:
            return [Reply(text)]
        return [Reply(text), *question]

    def _active_dialog(self, conversation: Conversation) -> Dialog | None:
        dialog = self.registry.dialogs.get(conversation.dialog or "")
        if dialog is None and conversation.dialog:
            log.warning(
                "conversation %s was in unknown dialog %s", conversation.key, conversation.dialog
            )
            conversation.dialog = conversation.step = None
        return dialog

    def _issue_menu(self, ctx: Context, replies: list[Reply]) -> None:
        self._issue_menu_into(ctx.conversation, replies)

    @staticmethod
    def _issue_menu_into(conversation: Conversation, replies: list[Reply]) -> None:
        """Give these buttons fresh tokens; older menus become stale."""
        menu: list[list[str]] = []
        menu_id = secrets.token_urlsafe(6)
        for index, reply in enumerate(replies):
            if not reply.buttons:
                continue
            rows = []
            for row in reply.buttons:
                tokens = []
                for button in row:
                    tokens.append(replace(button, token=f"{menu_id}:{len(menu)}"))
                    menu.append([button.label, button.value])
                rows.append(tuple(tokens))
            replies[index] = replace(reply, buttons=tuple(rows))
        if menu:
            conversation.menu_id = menu_id
            conversation.menu = menu

    @staticmethod
    def _resolve_token(token: str, conversation: Conversation) -> tuple[str, str] | None:
        menu_id, _, index = token.partition(":")
        if not conversation.menu_id or menu_id != conversation.menu_id or not index.isdecimal():
            return None
        position = int(index)
        if position >= len(conversation.menu):
            return None
        label, value = conversation.menu[position]
        return label, value

    @staticmethod
    def _typed_choice(text: str, conversation: Conversation) -> tuple[str, str] | None:
        """A typed ``2`` or a button's label counts as pressing that button."""
        if not conversation.menu:
            return None
        candidate = text.strip().rstrip(".)").strip()
        if candidate.isdecimal():
            position = int(candidate) - 1
            if 0 <= position < len(conversation.menu):
                label, value = conversation.menu[position]
                return label, value
            return None
        folded = candidate.casefold()
        for label, value in conversation.menu:
            if label.casefold() == folded:
                return label, value
        return None


def pressed_event(event: Event, label: str, value: str) -> ButtonPress:
    """The press as a dialog sees it: the chosen value, however it was made."""
    return ButtonPress(
        identity=event.identity,
        event_id=event.event_id,
        language_hint=event.language_hint,
        received_at=event.received_at,
        sender_name=event.sender_name,
        token=event.token if isinstance(event, ButtonPress) else "",
        value=value,
        label=label,
    )
