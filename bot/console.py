"""The console transport: talk to the bot in a terminal or through a pipe.

Buttons appear as a numbered list; answer with the number or the label.
``/location <lat> <lon>`` stands in for a shared location.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from typing import TextIO

from dialogs.engine import Engine
from dialogs.events import Event, Identity, LocationShared, Reply, TextMessage
from dialogs.i18n import Translator, match_locale

log = logging.getLogger(__name__)

# Terminals don't run the bidi algorithm's isolates: they'd show the marks as boxes. A
# terminal that handles Arabic at all orders each line itself, so plain text reads best.
BIDI_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


def render(replies: list[Reply]) -> str:
    """Replies as text; buttons are numbered through the whole answer, as the engine counts."""
    blocks, number = [], 0
    for reply in replies:
        lines = [reply.text]
        for button in reply.flat_buttons:
            number += 1
            lines.append(f"  {number}) {button.label}")
        if reply.attachment is not None:
            lines.append(f"  [{reply.attachment.kind}: {reply.attachment.filename}]")
        blocks.append("\n".join(lines))
    return "".join(block + "\n\n" for block in blocks).translate(BIDI_ISOLATES)


def console_identity() -> Identity:
    user = os.environ.get("USER") or "local"
    return Identity(transport="console", user_id=user, chat_id=user)


def language_hint_from_env() -> str | None:
    """LANG=de_DE.UTF-8 → de; the engine keeps it only if a catalog exists."""
    value = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    tag = value.split(".", 1)[0]
    return tag if tag not in ("", "C", "POSIX") else None


class ConsoleTransport:
    name = "console"

    def __init__(
        self,
        engine: Engine,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        identity: Identity | None = None,
    ) -> None:
        self.engine = engine
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.identity = identity or console_identity()
        self.language_hint = language_hint_from_env()
        self.interactive = self.stdin.isatty()

    def event_for(self, line: str) -> Event:
        event_id = uuid.uuid4().hex
        if line.startswith("/location"):
            parts = line.split()
            try:
                latitude, longitude = float(parts[1]), float(parts[2])
            except (IndexError, ValueError):
                pass
            else:
                return LocationShared(
                    identity=self.identity,
                    event_id=event_id,
                    language_hint=self.language_hint,
                    latitude=latitude,
                    longitude=longitude,
                )
        return TextMessage(
            identity=self.identity, event_id=event_id, language_hint=self.language_hint, text=line
        )

    def show(self, replies: list[Reply]) -> None:
        self.write(render(replies))
        self.stdout.flush()

    def write(self, text: str) -> None:
        """Write, degrading characters the terminal's encoding lacks instead of crashing."""
        try:
            self.stdout.write(text)
        except UnicodeEncodeError:
            encoding = getattr(self.stdout, "encoding", None) or "ascii"
            self.stdout.write(text.encode(encoding, "replace").decode(encoding))

    async def run(self) -> None:
        """Read lines until end of input; every line gets the bot's answer."""
        loop = asyncio.get_running_loop()
        if self.interactive:
            t = Translator(
                match_locale(self.language_hint) or self.engine.config.default_locale,
                self.engine.config.tz,
            )
            self.show(
                [Reply(t.gettext("Engage – send /start to begin, /help for help, Ctrl-D to quit."))]
            )
        while True:
            if self.interactive:
                self.stdout.write("> ")
                self.stdout.flush()
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                break
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if not self.interactive:
                self.write(f"> {line}\n")
            self.show(await self.engine.handle(self.event_for(line)))
