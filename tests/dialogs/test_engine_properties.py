"""Whatever arrives, in whatever order: an answer every time, no internal error."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.engine import Engine
from dialogs.events import ButtonPress, Identity, LocationShared, TextMessage
from dialogs.setup import build_registry
from storage.db import Store

COMMANDS = ["/start", "/help", "/cancel", "/language", "/unknown", "/start@EngageBot", "/"]

texts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(
        ["1", "2", "0", "99", "-1", "Deutsch", "english", "  2 ", "2.", "🙂🙂", "مرحبا"]
    ),
    st.sampled_from(["\x00", "\u202e", "\u200b", "\r\n", "\t", "ليس لدي وقت 52062"]),
    st.builds(
        lambda chunk, n: chunk * n, st.sampled_from(["ab ", "ä🙂", "x"]), st.integers(1, 5000)
    ),
    st.sampled_from(COMMANDS),
    st.builds(lambda c, a: f"{c} {a}", st.sampled_from(COMMANDS), st.text(max_size=20)),
)
actions = st.one_of(
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("press"), st.integers(0, 5)),
    st.tuples(st.just("token"), st.text(max_size=70)),
    st.tuples(st.just("location"), st.tuples(st.floats(), st.floats())),
)


async def _play(engine: Engine, steps: list[tuple[str, object]]) -> None:
    who = Identity("console", uuid.uuid4().hex, "chat")
    last_buttons: list[str] = []
    for number, (kind, payload) in enumerate(steps):
        meta = {"identity": who, "event_id": f"{who.user_id}-{number}", "language_hint": "de"}
        if kind == "text":
            event = TextMessage(text=str(payload), **meta)
        elif kind == "press":
            index = int(payload)  # type: ignore[call-overload]
            token = last_buttons[index] if index < len(last_buttons) else "zz:0"
            event = ButtonPress(token=token, **meta)
        elif kind == "token":
            event = ButtonPress(token=str(payload), **meta)
        else:
            latitude, longitude = payload  # type: ignore[misc]
            event = LocationShared(latitude=latitude, longitude=longitude, **meta)
        replies = await engine.handle(event)
        assert replies, f"no answer to {event!r}"
        assert all(reply.text.strip() for reply in replies)
        last_buttons = [b.token for reply in replies for b in reply.flat_buttons]


def test_random_input_sequences_always_get_answers(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    with asyncio.Runner() as runner:
        store = Store.connect(f"sqlite+aiosqlite:///{tmp_path / 'prop.db'}")
        runner.run(store.create_all())
        engine = Engine(store, build_registry())

        @settings(
            max_examples=80,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(st.lists(actions, min_size=1, max_size=12))
        def check(steps: list[tuple[str, object]]) -> None:
            runner.run(_play(engine, steps))

        with caplog.at_level(logging.ERROR):
            check()
        runner.run(store.dispose())
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors[0].getMessage()
