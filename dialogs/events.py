"""The transport-neutral event model.

Every messenger translates its updates into these events and renders these
replies; dialogs never see a Telegram or Matrix object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Identity:
    """Who wrote, where: a user in a chat on one transport."""

    transport: str
    user_id: str
    chat_id: str

    @property
    def conversation_key(self) -> str:
        return f"{self.transport}:{self.chat_id}:{self.user_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    identity: Identity
    event_id: str
    language_hint: str | None = None
    received_at: datetime | None = None
    sender_name: str | None = None  # the name the messenger shows (first name, display name)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMessage(Event):
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Command(Event):
    """``/name args`` (Telegram, console) or ``!name args`` (Matrix groups)."""

    name: str
    args: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPress(Event):
    """A press of a button shown earlier.

    Transports fill ``token`` (what the engine issued with the button); the
    engine resolves it against the live menu and fills ``value`` and ``label``
    before a dialog sees the press. A typed number or label becomes a press too.
    """

    token: str = ""
    value: str | None = None
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationShared(Event):
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Button:
    """A choice in a reply. ``value`` stays on the server; transports only see ``token``."""

    label: str
    value: str
    token: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # "image" or "file"
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Reply:
    """One outgoing message. ``replace_menu`` asks the transport to edit the last menu."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace_menu: bool = False
    attachment: Attachment | None = None

    @property
    def flat_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """Replies addressed to a chat; what the engine hands back to a transport."""

    identity: Identity
    replies: list[Reply] = field(default_factory=list)


def parse_command(text: str, prefixes: str = "/") -> tuple[str, str] | None:
    """Split ``/cmd@bot args`` into (``cmd``, ``args``); None when it is not a command."""
    stripped = text.strip()
    if len(stripped) < 2 or stripped[0] not in prefixes:
        return None
    head, _, args = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not name or not all(ch.isalnum() or ch == "_" for ch in name):
        return None
    return name, args.strip()


def replies_to_payload(replies: list[Reply]) -> list[dict[str, object]]:
    """Replies as JSON for the outbox. Buttons keep label and value; tokens are issued
    when the message is actually sent, so they belong to the recipient's live menu."""
    payload: list[dict[str, object]] = []
    for reply in replies:
        if reply.attachment is not None:
            raise ValueError("attachments are sent directly, not through the outbox")
        payload.append(
            {
                "text": reply.text,
                "buttons": [[[b.label, b.value] for b in row] for row in reply.buttons],
                "replace_menu": reply.replace_menu,
            }
        )
    return payload


def payload_to_replies(payload: list[dict[str, object]]) -> list[Reply]:
    replies = []
    for item in payload:
        rows = item.get("buttons") or []
        replies.append(
            Reply(
                str(item.get("text", "")),
                buttons=tuple(
                    tuple(Button(str(label), str(value)) for label, value in row)  # type: ignore[misc]
                    for row in rows  # type: ignore[union-attr]
                ),
                replace_menu=bool(item.get("replace_menu", False)),
            )
        )
    return replies
