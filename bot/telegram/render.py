"""Replies as Telegram messages: escaped HTML, inline keyboards, clean splits."""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from dialogs.events import Reply

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class Chunk:
    html: str
    keyboard: InlineKeyboardMarkup | None


def keyboard_for(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = []
    for row in reply.buttons:
        for button in row:
            if len(button.token.encode()) > MAX_CALLBACK_BYTES:
                raise ValueError(f"callback token too long: {button.token!r}")
        rows.append([InlineKeyboardButton(b.label[:64], callback_data=b.token) for b in row])
    return InlineKeyboardMarkup(rows)


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Split at paragraph, then line, then word boundaries; hard cut only as a last resort.

    The limit applies to the escaped text, so pieces are measured after escaping.
    """
    pieces: list[str] = []
    rest = text
    while len(html.escape(rest, quote=False)) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    # The longest prefix whose escaped form fits.
    low, high = 1, min(len(text), limit)
    while low < high:
        middle = (low + high + 1) // 2
        if len(html.escape(text[:middle], quote=False)) <= limit:
            low = middle
        else:
            high = middle - 1
    window = text[:low]
    for separator in ("\n\n", "\n", " "):
        position = window.rfind(separator)
        if position > low // 2:
            return position + len(separator)
    return low


def chunks_for(reply: Reply) -> list[Chunk]:
    """One reply as one or more messages; the keyboard rides on the last one."""
    texts = split_text(reply.text or "…")
    keyboard = keyboard_for(reply)
    return [
        Chunk(html.escape(text, quote=False), keyboard if i == len(texts) - 1 else None)
        for i, text in enumerate(texts)
    ]
