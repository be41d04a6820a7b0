"""Building blocks of a conversation: steps, dialogs, the context a step sees.

A dialog is a set of named states. Each state has an ``ask`` (what the bot says
when the state is entered, and again after a stale button or /help) and a
``handle`` (``async (event, ctx) -> Step``). The returned Step names the next
state; the engine persists it and appends that state's question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from dialogs.events import Button, Event, Identity, Outgoing, Reply
from dialogs.i18n import Translator

if TYPE_CHECKING:
    from dialogs.engine import Registry
    from storage.models import Conversation, Person
    from storage.repositories import UnitOfWork


class Speaker(Protocol):
    """What rendering needs: a language. Both Context and Translator are Speakers,
    so the same helper renders for the user at hand or for someone being told."""

    @property
    def locale(self) -> str: ...

    @property
    def translator(self) -> Translator: ...

    def _(self, message: str, **values: Any) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class EngineConfig:
    """What dialogs need to know about the deployment."""

    default_locale: str = "de"
    timezone: str = "Europe/Berlin"
    operators: frozenset[tuple[str, str]] = frozenset()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Step:
    """The outcome of handling one event.

    ``state`` is the next state of the current dialog; ``dialog`` switches to
    another dialog (at ``state`` or its first state); ``end`` finishes the
    dialog. ``ask`` appends the next state's question after ``replies``.
    """

    replies: tuple[Reply, ...] = ()
    state: str | None = None
    dialog: str | None = None
    end: bool = False
    ask: bool = True
    data: dict[str, Any] | None = None  # the new dialog's starting data

    @classmethod
    def to(cls, state: str, *replies: Reply, ask: bool = True) -> Step:
        return cls(replies=replies, state=state, ask=ask)

    @classmethod
    def stay(cls, *replies: Reply, ask: bool = True) -> Step:
        return cls(replies=replies, ask=ask)

    @classmethod
    def start(
        cls,
        dialog: str,
        *replies: Reply,
        state: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Step:
        """Switch to ``dialog``; ``data`` says what it is about (an organisation, a request)."""
        return cls(replies=replies, dialog=dialog, state=state, data=data)

    @classmethod
    def finish(cls, *replies: Reply) -> Step:
        return cls(replies=replies, end=True, ask=False)


Ask = Callable[["Context"], Awaitable[Sequence[Reply]]]
Handle = Callable[[Event, "Context"], Awaitable[Step]]


class Dialog:
    """A named conversation flow; states are registered with decorators."""

    def __init__(self, name: str, first: str) -> None:
        self.name = name
        self.first = first
        self.asks: dict[str, Ask] = {}
        self.handlers: dict[str, Handle] = {}

    def ask(self, state: str) -> Callable[[Ask], Ask]:
        def register(fn: Ask) -> Ask:
            self.asks[state] = fn
            return fn

        return register

    def handle(self, state: str) -> Callable[[Handle], Handle]:
        def register(fn: Handle) -> Handle:
            self.handlers[state] = fn
            return fn

        return register

    def check(self) -> None:
        """Fail at start-up, not mid-conversation, when a state lacks a handler."""
        missing = set(self.asks) ^ set(self.handlers)
        if self.first not in self.handlers or missing:
            raise ValueError(f"dialog {self.name}: states without ask/handle: {sorted(missing)}")


@dataclass
class Context:
    """What a step may use: the reader's language, the clock, the repositories."""

    identity: Identity
    uow: UnitOfWork
    clock: Clock
    config: EngineConfig
    conversation: Conversation
    person: Person | None
    translator: Translator
    registry: Registry
    data: dict[str, Any] = field(default_factory=dict)
    services: dict[str, Any] = field(default_factory=dict)
    outgoing: list[Outgoing] = field(default_factory=list)
    forget: bool = False
    committed: list[Callable[[], Awaitable[None] | None]] = field(default_factory=list)

    @property
    def locale(self) -> str:
        return self.translator.locale

    def _(self, message: str, **values: Any) -> str:
        return self.translator.gettext(message, **values)

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self.translator.ngettext(singular, plural, n, **values)

    def now(self) -> datetime:
        return self.clock.now()

    def send_to(self, identity: Identity, *replies: Reply) -> None:
        """Tell someone else, once this step's changes are committed."""
        self.outgoing.append(Outgoing(identity, list(replies)))

    def after_commit(self, action: Callable[[], Awaitable[None] | None]) -> None:
        """Run ``action`` once this step's changes are committed (e.g. push a new need)."""
        self.committed.append(action)

    def forget_conversation(self) -> None:
        """Keep no trace of this chat (declined consent, deleted account)."""
        self.forget = True

    def set_locale(self, locale: str) -> None:
        """Remember the reader's language choice from now on, in this reply too."""
        self.conversation.locale = locale
        if self.person is not None:
            self.person.locale = locale
        self.translator = Translator(locale, self.config.tz)

    @property
    def is_operator(self) -> bool:
        return (self.identity.transport, self.identity.user_id) in self.config.operators


def buttons(*rows: Sequence[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
    """Rows of (label, value) pairs as reply buttons."""
    return tuple(tuple(Button(label, value) for label, value in row) for row in rows)


def column(choices: Sequence[tuple[str, str]]) -> tuple[tuple[Button, ...], ...]:
    """One button per row: easiest to tap, and reads well as a numbered list."""
    return buttons(*([choice] for choice in choices))
