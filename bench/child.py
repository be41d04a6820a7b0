"""The child process that plays Telegram for a bench case, and how the parent talks to it.

On one loop the fake's own work (JSON, HTML checks, bookkeeping) would be billed to the
bot under test, so the fake runs in ``python -m <module> <args>``. Protocol: JSON lines
prefixed with MARK on the child's stdout; closing its stdin tells it that the bot has
stopped and it may report and exit.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARK = "@@bench "  # prefix of protocol lines on the child's stdout


def emit(message: dict[str, Any]) -> None:
    """In the child: one protocol line to the parent."""
    print(MARK + json.dumps(message), flush=True)


def freeze_heap() -> None:
    """Keep what exists now out of later full collections, as ``engage run`` does once
    started: in the fake a long collection would bunch arrival stamps, in the bot it
    would stall every send."""
    gc.collect()
    gc.freeze()


class FakeProcess:
    """The parent's handle on the child: its base URL, its messages, its end."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.base_url = ""

    @classmethod
    async def start(cls, module: str, *args: str) -> FakeProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *args,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**24,  # a report can be one long line
        )
        fake = cls(process)
        try:
            fake.base_url = (await fake.message(60))["base_url"]
        except BaseException:
            await fake.close(kill=True)
            raise
        return fake

    async def message(self, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
        assert self.process.stdout is not None
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
            if not line:
                raise RuntimeError("the fake's process ended unexpectedly")
            text = line.decode()
            if text.startswith(MARK):
                return json.loads(text[len(MARK) :])  # type: ignore[no-any-return]
            sys.stderr.write(text)

    async def finish(self) -> dict[str, Any]:
        """The child's report, once the bot is done with it."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        return (await self.message(60))["result"]  # type: ignore[no-any-return]

    async def close(self, *, kill: bool = False) -> None:
        """Let the child stop its server and exit (it takes well under a second).

        ``kill`` when something failed: the child may still be waiting for the bot.
        """
        assert self.process.stdin is not None and self.process.stdout is not None
        if not self.process.stdin.is_closing():
            self.process.stdin.close()
        if kill and self.process.returncode is None:
            self.process.kill()
        try:
            await asyncio.wait_for(self.process.stdout.read(), 10)  # drain: the pipe closes
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
