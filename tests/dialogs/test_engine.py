"""The engine's promises, each checked through a real SQLite store."""

from __future__ import annotations

import asyncio
import logging

import pytest

from dialogs.engine import MAX_TEXT_LENGTH, Engine, Registry
from dialogs.events import ButtonPress, Event, Identity, Reply, TextMessage
from dialogs.flow import Context, Dialog, EngineConfig, Step, column
from dialogs.setup import build_registry
from storage.db import Store
from tests.fakes import FixedClock
from tests.harness import Chat

LANGUAGE_MENU = ["Deutsch", "English", "Українська", "العربية", "Türkçe", "Русский"]


async def test_start_greets_in_german_by_default(chat: Chat) -> None:
    await chat.send("/start")
    assert "Hallo" in chat.text


async def test_language_hint_picks_english(engine: Engine) -> None:
    chat = Chat(engine, language_hint="en-GB")
    await chat.send("/language")
    assert "Which language" in chat.text


async def test_button_press_sets_language_and_it_sticks(chat: Chat) -> None:
    await chat.send("/language")
    await chat.press("English")
    assert "continue in English" in chat.text
    await chat.send("what?")
    assert "not sure what you mean" in chat.text


async def test_typed_number_and_label_count_as_presses(chat: Chat) -> None:
    await chat.send("/language")
    await chat.send("2")
    assert "English" in chat.text
    await chat.send("/language")
    await chat.send("deutsch")
    assert "auf Deutsch" in chat.text


async def test_number_outside_the_menu_is_not_a_press(chat: Chat) -> None:
    await chat.send("/language")
    await chat.send("7")
    assert "Bitte wähle eine Sprache" in chat.text
    assert chat.labels == LANGUAGE_MENU


async def test_stale_button_explains_and_repeats_the_question(chat: Chat) -> None:
    await chat.send("/language")
    old_token = chat.last[-1].flat_buttons[1].token
    await chat.send("/language")
    await chat.press_token(old_token)
    assert "nicht mehr aktiv" in chat.text
    assert chat.labels == LANGUAGE_MENU


async def test_a_button_acts_only_once(chat: Chat) -> None:
    await chat.send("/language")
    token = chat.last[-1].flat_buttons[1].token
    await chat.press_token(token)
    assert "English" in chat.text
    await chat.press_token(token)
    assert "no longer active" in chat.text


async def test_forged_token_from_another_users_menu_is_refused(engine: Engine) -> None:
    anna, ben = Chat(engine, user="anna"), Chat(engine, user="ben")
    await anna.send("/language")
    await ben.send("/language")
    await ben.press_token(anna.last[-1].flat_buttons[1].token)
    assert "nicht mehr aktiv" in ben.text
    await ben.press_token("garbage-without-colon")
    assert "nicht mehr aktiv" in ben.text


async def test_cancel_ends_the_dialog_from_any_step(chat: Chat) -> None:
    await chat.send("/language")
    await chat.send("/cancel")
    assert "Abgebrochen" in chat.text
    await chat.send("1")
    assert "nicht verstanden" in chat.text
    await chat.send("/cancel")
    assert "nichts abzubrechen" in chat.text


async def test_help_keeps_the_place_in_the_dialog(chat: Chat) -> None:
    await chat.send("/language")
    await chat.send("/help")
    assert "/cancel" in chat.text
    assert chat.labels == LANGUAGE_MENU
    await chat.press("English")
    assert "continue in English" in chat.text


async def test_unknown_command_and_oversized_text_get_answers(chat: Chat) -> None:
    await chat.send("/language")
    await chat.send("/fly_me_to_the_moon")
    assert "/fly_me_to_the_moon" in chat.text
    assert chat.labels == LANGUAGE_MENU
    await chat.send("x" * (MAX_TEXT_LENGTH + 1))
    assert "zu lang" in chat.text
    await chat.send("\x00\x01\u200b")
    assert "nur Textnachrichten" in chat.text


async def test_duplicate_update_is_processed_once(engine: Engine) -> None:
    who = Identity("telegram", "7", "7")
    first = await engine.handle(TextMessage(identity=who, event_id="u-1", text="/language"))
    again = await engine.handle(TextMessage(identity=who, event_id="u-1", text="/language"))
    assert first and again == []


async def test_restart_resumes_the_conversation(sqlite_store: Store, clock: FixedClock) -> None:
    before = Chat(Engine(sqlite_store, build_registry(), clock=clock))
    await before.send("/language")
    after_restart = Chat(Engine(sqlite_store, build_registry(), clock=clock))
    await after_restart.send("English")
    assert "continue in English" in after_restart.text


# -- engine mechanics with purpose-built dialogs --------------------------------


def _counting_registry(gate: asyncio.Event | None = None, started: list[str] | None = None):
    """A dialog whose step is slow and counts, to observe ordering and overlap."""
    counter = Dialog("count", first="counting")

    @counter.ask("counting")
    async def ask(ctx: Context) -> list[Reply]:
        return [Reply(f"count={ctx.data.get('n', 0)}")]

    @counter.handle("counting")
    async def handle(event: Event, ctx: Context) -> Step:
        if started is not None:
            started.append(ctx.identity.user_id)
        if gate is not None:
            await gate.wait()
        ctx.data["n"] = ctx.data.get("n", 0) + 1
        await asyncio.sleep(0.01)
        return Step.stay()

    async def begin(event: Event, ctx: Context) -> Step:
        return Step.start("count")

    registry = Registry()
    registry.add_dialog(counter)
    registry.add_command("count", "count", begin)
    return registry


async def test_one_conversation_is_processed_one_update_at_a_time(sqlite_store: Store) -> None:
    engine = Engine(sqlite_store, _counting_registry())
    chat = Chat(engine)
    await chat.send("/count")
    results = await asyncio.gather(*(chat.send(f"tick {i}") for i in range(5)))
    counts = sorted(int(r[-1].text.split("=")[1]) for r in results)
    assert counts == [1, 2, 3, 4, 5]


async def test_different_conversations_run_concurrently(sqlite_store: Store) -> None:
    gate, started = asyncio.Event(), []
    engine = Engine(sqlite_store, _counting_registry(gate, started))
    anna, ben = Chat(engine, user="anna"), Chat(engine, user="ben")
    await anna.send("/count")
    await ben.send("/count")
    pending = asyncio.gather(anna.send("go"), ben.send("go"))
    for _ in range(200):
        if len(started) == 2:
            break
        await asyncio.sleep(0.01)
    assert sorted(started) == ["anna", "ben"], "the second conversation waited for the first"
    gate.set()
    await pending
    assert len(engine.locks) == 0


def _failing_registry() -> Registry:
    flaky = Dialog("flaky", first="ask")

    @flaky.ask("ask")
    async def ask(ctx: Context) -> list[Reply]:
        return [Reply("pick", buttons=column([("ok", "ok"), ("boom", "boom")]))]

    @flaky.handle("ask")
    async def handle(event: Event, ctx: Context) -> Step:
        ctx.data["touched"] = True
        if isinstance(event, ButtonPress) and event.value == "boom":
            ctx.set_locale("en")
            raise RuntimeError("step failed")
        return Step.finish(Reply(f"done touched={ctx.data['touched']}"))

    async def begin(event: Event, ctx: Context) -> Step:
        return Step.start("flaky")

    registry = Registry()
    registry.add_dialog(flaky)
    registry.add_command("flaky", "flaky", begin)
    return registry


async def test_exception_in_a_step_apologises_and_keeps_state(
    sqlite_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    engine = Engine(sqlite_store, _failing_registry(), EngineConfig(default_locale="de"))
    chat = Chat(engine)
    await chat.send("/flaky")
    with caplog.at_level(logging.ERROR):
        await chat.send("2")
    assert "schiefgelaufen" in chat.text
    assert any("failed to handle" in r.message for r in caplog.records)
    # The failed step changed nothing: same step, same menu, same language.
    await chat.send("1")
    assert chat.text == "done touched=True"


async def test_redelivered_failed_update_is_not_retried_forever(sqlite_store: Store) -> None:
    engine = Engine(sqlite_store, _failing_registry())
    who = Identity("telegram", "9", "9")
    await engine.handle(TextMessage(identity=who, event_id="a", text="/flaky"))
    first = await engine.handle(TextMessage(identity=who, event_id="b", text="boom"))
    assert "schiefgelaufen" in first[0].text
    assert await engine.handle(TextMessage(identity=who, event_id="b", text="boom")) == []


async def test_broken_database_still_gets_an_apology(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store.connect(f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}")
    engine = Engine(store, build_registry())
    replies = await engine.handle(
        TextMessage(identity=Identity("console", "x", "x"), event_id="1", text="/start")
    )
    assert len(replies) == 1 and "schiefgelaufen" in replies[0].text
    await store.dispose()


async def test_digits_that_are_not_decimal_are_text_not_a_choice(chat: Chat) -> None:
    """'²' passes str.isdigit() but int() refuses it: found by the property test."""
    await chat.send("/language")
    for odd in ("²", "½", "①"):
        await chat.send(odd)
        assert "Bitte wähle eine Sprache" in chat.text
    await chat.send("٢")  # an Arabic-Indic two is a real digit: the second button
    assert "English" in chat.text
