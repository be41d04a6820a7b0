"""What the engine dispatches to: commands, dialogs, actions, understanders;
and the per-conversation locks that keep one chat's updates in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from dialogs.events import ButtonPress, Event
from dialogs.flow import Context, Dialog, Step

CommandHandler = Callable[[Event, Context], Awaitable[Step]]
IdleHandler = Callable[[Event, Context], Awaitable[Step | None]]
ActionHandler = Callable[[ButtonPress, Context, str], Awaitable[Step]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str  # an N_ message id, shown in /help and command menus
    handler: CommandHandler
    public: bool = True


@dataclass
class Registry:
    """All dialogs and commands of the bot; built once at start-up."""

    dialogs: dict[str, Dialog] = field(default_factory=dict)
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    idle: CommandHandler | None = None
    # Tried in order before ``idle`` for input outside any dialog; None means "not mine".
    understanders: list[IdleHandler] = field(default_factory=list)

    def add_dialog(self, dialog: Dialog) -> Dialog:
        dialog.check()
        self.dialogs[dialog.name] = dialog
        return dialog

    def add_command(
        self, name: str, description: str, handler: CommandHandler, *, public: bool = True
    ) -> None:
        self.commands[name] = CommandSpec(name, description, handler, public)

    def add_action(self, name: str, handler: ActionHandler) -> None:
        """A button value ``@name:arg`` runs ``handler`` from any state, e.g. on a pushed card."""
        self.actions[name] = handler


class ConversationLocks:
    """One lock per conversation key, dropped again when nobody waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
