"""A dialog harness that reads like a conversation, with no network.

chat = Chat(engine)
await chat.send("/start")
assert "Sprache" in chat.text
await chat.press("English")
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from dialogs.engine import Engine
from dialogs.events import ButtonPress, Event, Identity, LocationShared, Reply, TextMessage

_ids = itertools.count(1)


@dataclass
class Chat:
    engine: Engine
    user: str = "anna"
    transport: str = "console"
    language_hint: str | None = "de"
    last: list[Reply] = field(default_factory=list)
    history: list[Reply] = field(default_factory=list)

    @property
    def identity(self) -> Identity:
        return Identity(self.transport, self.user, self.user)

    @property
    def text(self) -> str:
        """Everything the bot said in its last answer, as one string."""
        return "\n".join(reply.text for reply in self.last)

    @property
    def labels(self) -> list[str]:
        return [button.label for reply in self.last for button in reply.flat_buttons]

    def _meta(self) -> dict:
        return {
            "identity": self.identity,
            "event_id": f"e{next(_ids)}",
            "language_hint": self.language_hint,
        }

    async def deliver(self, event: Event) -> list[Reply]:
        self.last = await self.engine.handle(event)
        self.history.extend(self.last)
        return self.last

    async def send(self, text: str) -> list[Reply]:
        return await self.deliver(TextMessage(text=text, **self._meta()))

    async def press(self, label: str) -> list[Reply]:
        """Tap the button with this label in the bot's last answer."""
        for reply in self.last:
            for button in reply.flat_buttons:
                if button.label == label:
                    return await self.deliver(ButtonPress(token=button.token, **self._meta()))
        raise AssertionError(f"no button {label!r} in {self.labels}")

    async def press_token(self, token: str) -> list[Reply]:
        return await self.deliver(ButtonPress(token=token, **self._meta()))

    async def share_location(self, latitude: float, longitude: float) -> list[Reply]:
        return await self.deliver(
            LocationShared(latitude=latitude, longitude=longitude, **self._meta())
        )
