"""The real Telegram transport against the fake Bot API, over HTTP."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlmodel import select

from bot.app import App
from bot.config import Settings
from bot.telegram.limiter import Limits
from bot.telegram.transport import SECRET_HEADER, TelegramSettings, TelegramTransport
from dialogs.engine import Engine, Registry
from dialogs.events import Event, Reply, TextMessage
from dialogs.flow import Context, Dialog, EngineConfig, Step
from dialogs.i18n import Translator
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import Account
from tests.bot.telegram.fake_api import FakeTelegramAPI
from tests.fakes import FixedClock

pytestmark = pytest.mark.slow
TOKEN = "123456:" + "A" * 35
USER = 4242
UNPACED = Limits(chat_interval=0.0, margin=0.0)


@dataclass
class Running:
    transport: TelegramTransport
    api: FakeTelegramAPI
    store: Store
    engine: Engine

    def texts(self, chat_id: int = USER) -> list[str]:
        return [
            m.get("text") or m.get("caption") or ""
            for m in self.api.history(chat_id)
            if m.get("from", {}).get("is_bot")
        ]

    async def say(self, text: str, count: int = 1, **kwargs: Any) -> list[dict[str, Any]]:
        """Write as the user and wait for ``count`` more bot messages (sent or edited)."""
        before = self.bot_events()
        self.api.inject_message(USER, text, **kwargs)
        return await self.wait_bot(before + count)

    async def tap(self, label: str, count: int = 1) -> list[dict[str, Any]]:
        """Press the newest inline button with this label."""
        for message in reversed(self.api.history(USER)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        before = self.bot_events()
                        self.api.inject_callback(
                            USER, button["callback_data"], message_id=message["message_id"]
                        )
                        return await self.wait_bot(before + count)
        raise AssertionError(f"no button {label!r}")

    def bot_events(self) -> int:
        return sum(
            1 for c in self.api.calls if c.ok and c.method in ("sendMessage", "editMessageText")
        )

    async def wait_bot(self, total: int) -> list[dict[str, Any]]:
        await self.api.wait_for(lambda: self.bot_events() >= total, timeout=10)
        return self.api.history(USER)


def quick_settings(api: FakeTelegramAPI, **overrides: Any) -> TelegramSettings:
    values: dict[str, Any] = {
        "token": TOKEN,
        "api_url": api.base_url,
        "file_url": api.base_file_url,
        "poll_timeout": 1.0,
        "first_backoff": 0.05,
    }
    values.update(overrides)
    return TelegramSettings(**values)


@pytest.fixture
async def running(
    telegram_api: FakeTelegramAPI, sqlite_store: Store, clock: FixedClock
) -> AsyncIterator[Running]:
    # Functional tests do not wait a second per message in one chat; pacing has its own test.
    async for bot in start_bot(
        telegram_api, sqlite_store, build_registry(), clock=clock, limits=UNPACED
    ):
        yield bot


async def start_bot(
    api: FakeTelegramAPI,
    store: Store,
    registry: Registry,
    *,
    clock: FixedClock | None = None,
    limits: Limits | None = None,
    **overrides: Any,
) -> AsyncIterator[Running]:
    engine = Engine(store, registry, EngineConfig(), clock=clock)
    settings = Settings(database_url="sqlite+aiosqlite://")
    app = App(settings, store, engine)
    engine.deliver = app.deliver
    transport = TelegramTransport(
        engine,
        quick_settings(api, **overrides),
        limits=limits,
        mark_unreachable=app.mark_unreachable,
    )
    app.transports["telegram"] = transport
    await transport.start()
    try:
        yield Running(transport, api, store, engine)
    finally:
        await transport.stop()


async def test_start_publishes_commands_per_language(running: Running) -> None:
    languages = {c.params.get("language_code") for c in running.api.calls_to("setMyCommands")}
    assert languages == {None, "de", "en", "uk", "ar", "tr", "ru"}
    for call in running.api.calls_to("setMyCommands"):
        code = call.params.get("language_code")
        if code in (None, "en"):
            continue
        described = {c["command"]: c["description"] for c in call.params["commands"]}
        expected = Translator(code, ZoneInfo("Europe/Berlin")).gettext("Change the language")
        assert described["language"] == expected != "Change the language"
    german = next(
        c for c in running.api.calls_to("setMyCommands") if c.params.get("language_code") == "de"
    )
    assert {"command": "matches", "description": "Einsätze, die zu dir passen"} in german.params[
        "commands"
    ]


async def test_onboarding_with_buttons_from_start_to_first_matches(
    running: Running, clock: FixedClock
) -> None:
    await load_demo_data(running.store, now=clock.now())
    await running.say("/start", count=2)
    assert "Bist du einverstanden?" in running.texts()[-1]
    await running.tap("Ja, einverstanden", count=2)
    await running.tap("English")
    await running.tap("Children & youth")
    # A toggle edits the menu message instead of piling up new ones.
    assert running.api.calls_to("editMessageText")
    assert "✅ Children & youth" in str(running.api.history(USER)[-1]["reply_markup"])
    await running.tap("Done")
    await running.say("2", count=1)  # a typed number instead of a button: "First aid"
    await running.tap("Done")
    await running.say("52062")
    await running.tap("Yes")
    await running.tap("10 km")
    await running.tap("Flexible, any time")
    await running.tap("Instantly, for urgent needs")
    assert "Skills: First aid" in running.texts()[-1]
    await running.tap("Looks good", count=4)
    everything = "\n".join(running.texts())
    assert "All set!" in everything and "fits:" in everything
    assert all(c.status == 200 for c in running.api.calls if c.method == "answerCallbackQuery")
    assert len(running.api.calls_to("answerCallbackQuery")) >= 10


async def test_forged_and_replayed_callbacks_are_refused(running: Running) -> None:
    await running.say("/language")
    message = running.api.history(USER)[-1]
    token = message["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    before = running.bot_events()
    running.api.inject_callback(USER, "forged:0", message_id=message["message_id"])
    await running.wait_bot(before + 2)
    assert "nicht mehr aktiv" in running.texts()[-2]
    # Another user replaying a real token from someone else's menu:
    before = running.bot_events()
    running.api.inject_callback(7777, token, message_id=message["message_id"], chat_id=7777)
    await running.api.wait_for(lambda: running.api.sent_messages(7777))
    assert "nicht mehr aktiv" in running.api.sent_messages(7777)[0]["text"]
    # The original owner's token still works exactly once.
    await running.tap("English")
    assert "continue in English" in running.texts()[-1]


def echo_registry() -> Registry:
    """Echo text back, as user content inside a reply."""
    echo = Dialog("echo", first="say")

    @echo.ask("say")
    async def ask(ctx: Context) -> list[Reply]:
        return []

    @echo.handle("say")
    async def handle(event: Event, ctx: Context) -> Step:
        text = event.text if isinstance(event, TextMessage) else "?"
        if text.startswith("long "):
            return Step.stay(Reply(("Zeile mit <Sonderzeichen> & Text. " * 30 + "\n\n") * 6))
        return Step.stay(Reply(f"Du schreibst: {text}"))

    async def idle(event: Event, ctx: Context) -> Step:
        return Step.start("echo", Reply("Bereit."))

    registry = Registry()
    registry.add_dialog(echo)
    registry.idle = idle
    return registry


@pytest.fixture
async def echo_bot(telegram_api: FakeTelegramAPI, sqlite_store: Store) -> AsyncIterator[Running]:
    async for bot in start_bot(telegram_api, sqlite_store, echo_registry(), limits=UNPACED):
        yield bot


async def test_user_text_is_escaped_for_html(echo_bot: Running) -> None:
    await echo_bot.say("hello")
    await echo_bot.say("<b>bold & </i>broken")
    assert echo_bot.texts()[-1] == "Du schreibst: <b>bold & </i>broken"
    assert all(c.ok for c in echo_bot.api.calls_to("sendMessage"))


async def test_long_text_is_split_cleanly(echo_bot: Running) -> None:
    await echo_bot.say("hello")
    await echo_bot.say("long please", count=2)
    parts = echo_bot.texts()[-2:]
    assert all(len(p) <= 4096 for p in parts)
    assert parts[0].endswith("Text.") and parts[1].startswith("Zeile")
    assert all(c.ok for c in echo_bot.api.calls_to("sendMessage"))


async def test_retry_after_is_honoured_and_nothing_is_lost(echo_bot: Running) -> None:
    await echo_bot.say("hello")
    echo_bot.api.retry_after_all(1, methods="sendMessage")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await echo_bot.say("after the ban")
    assert loop.time() - started >= 1.0
    assert echo_bot.texts()[-1] == "Du schreibst: after the ban"
    assert echo_bot.api.ignored_retry_after == 0
    assert echo_bot.transport.limiter.retry_after_count == 1


async def test_server_errors_are_retried(echo_bot: Running) -> None:
    await echo_bot.say("hello")
    echo_bot.api.fail_next(2, status=502, description="Bad Gateway", methods="sendMessage")
    await echo_bot.say("despite errors")
    assert echo_bot.texts()[-1] == "Du schreibst: despite errors"
    statuses = [c.status for c in echo_bot.api.calls_to("sendMessage")][-3:]
    assert statuses == [502, 502, 200]


async def test_a_blocked_user_is_marked_unreachable_without_a_retry_storm(
    running: Running,
) -> None:
    await running.say("/start", count=2)
    await running.tap("Ja, einverstanden", count=2)
    running.api.block_chat(USER)
    sends_before = len(running.api.calls_to("sendMessage"))
    running.api.inject_message(USER, "/help")
    await running.api.wait_for(
        lambda: len(running.api.calls_to("sendMessage")) > sends_before, timeout=5
    )
    await asyncio.sleep(0.3)
    # The first refusal stops the rest of that answer: one attempt, no storm.
    assert len(running.api.calls_to("sendMessage")) - sends_before == 1
    async with running.store.transaction() as uow:
        account = (await uow.session.exec(select(Account))).one()
    assert account.unreachable_since is not None
    # Writing again makes them reachable again.
    running.api.unblock_chat(USER)
    await running.say("/help")
    async with running.store.transaction() as uow:
        account = (await uow.session.exec(select(Account))).one()
    assert account.unreachable_since is None


async def test_a_timeout_is_retried_and_the_reply_arrives_once(
    telegram_api: FakeTelegramAPI, sqlite_store: Store
) -> None:
    async for bot in start_bot(
        telegram_api, sqlite_store, echo_registry(), limits=UNPACED, request_timeout=0.5
    ):
        await bot.say("hello")
        # The fake holds the next send past the client's timeout and drops it.
        telegram_api.delay_next(1, 1.5, methods="sendMessage", before=True)
        await bot.say("slow network")
        assert bot.texts()[-1] == "Du schreibst: slow network"
        assert bot.texts().count("Du schreibst: slow network") == 1
        tries = [c for c in telegram_api.calls_to("sendMessage") if "slow" in c.params["text"]]
        assert len(tries) == 2 and [c.status for c in tries].count(200) == 1


async def test_bad_request_is_logged_not_retried(
    echo_bot: Running, caplog: pytest.LogCaptureFixture
) -> None:
    await echo_bot.say("hello")
    echo_bot.api.fail_next(
        1, status=400, description="Bad Request: chat not found", methods="sendMessage"
    )
    before = len(echo_bot.api.calls_to("sendMessage"))
    echo_bot.api.inject_message(USER, "lost")
    await echo_bot.api.wait_for(lambda: len(echo_bot.api.calls_to("sendMessage")) > before)
    await asyncio.sleep(0.3)
    assert len(echo_bot.api.calls_to("sendMessage")) == before + 1
    assert any("rejected a request" in r.getMessage() for r in caplog.records)


async def test_groups_only_hear_commands_and_replies(running: Running) -> None:
    group = -1001234
    running.api.inject_group_message(group, USER, "just chatting")
    running.api.inject_group_message(group, USER, "/help@SomeOtherBot")
    running.api.inject_group_message(group, USER, "/help@EngageTestBot")
    await running.api.wait_for(lambda: running.api.sent_messages(group))
    await asyncio.sleep(0.2)
    sent = running.api.sent_messages(group)
    assert len(sent) == 1
    assert "https://t.me/EngageTestBot" in sent[0]["text"]


async def test_shared_location_reaches_the_dialog(running: Running) -> None:
    before = running.bot_events()
    running.api.inject_location(USER, 50.7766, 6.0834)
    await running.wait_bot(before + 1)
    assert "Standort" in running.texts()[-1]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_checks_the_secret(
    telegram_api: FakeTelegramAPI, sqlite_store: Store
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async for bot in start_bot(
        telegram_api,
        sqlite_store,
        echo_registry(),
        webhook_url=url,
        webhook_secret="s3cr3t-Token",
        http_port=port,
    ):
        assert telegram_api.calls_to("setWebhook")[-1].params["secret_token"] == "s3cr3t-Token"
        assert not telegram_api.calls_to("getUpdates")
        await bot.say("hello")
        await bot.say("via webhook")
        assert bot.texts()[-1] == "Du schreibst: via webhook"
        update = {
            "update_id": 99,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "forged",
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "M"},
            },
        }
        async with aiohttp.ClientSession() as session:
            for headers in ({SECRET_HEADER: "wrong"}, {}):
                async with session.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
        await asyncio.sleep(0.2)
        assert all("forged" not in text for text in bot.texts())


async def test_replies_are_paced_to_the_strict_limits(
    telegram_api: FakeTelegramAPI, sqlite_store: Store, clock: FixedClock
) -> None:
    """Real pacing against a server that answers 429 as soon as a limit is crossed."""
    await load_demo_data(sqlite_store, now=clock.now())
    telegram_api.strict_limits()
    async for _bot in start_bot(telegram_api, sqlite_store, build_registry(), clock=clock):
        for user in (USER, USER + 1):
            telegram_api.inject_message(user, "/start")  # two messages each, at once
            telegram_api.inject_message(user, "/help")  # and two more right after
        await telegram_api.wait_for(
            lambda: all(len(telegram_api.sent_messages(u)) >= 4 for u in (USER, USER + 1)),
            timeout=15,
        )
        assert telegram_api.too_many_requests == 0
        times = sorted(c.time for c in telegram_api.calls_to("sendMessage") if c.chat_id == USER)
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))


async def test_admins_and_coordinators_get_their_commands_in_their_own_chat(
    telegram_api: FakeTelegramAPI, sqlite_store: Store, clock: FixedClock
) -> None:
    await load_demo_data(sqlite_store, now=clock.now())
    async with sqlite_store.transaction() as uow:
        admin = await uow.people.create_with_account(
            transport="telegram", user_id="9001", chat_id="9001", locale="en"
        )
        coordinator = await uow.people.create_with_account(
            transport="telegram", user_id="9002", chat_id="9002"
        )
        organisation = (await uow.organisations.approved())[0]
        await uow.governance.add_admin(organisation.id, admin.id)
        municipality = (await uow.governance.municipalities())[0]
        await uow.governance.appoint_coordinator(municipality.id, coordinator.id)
    async for _bot in start_bot(telegram_api, sqlite_store, build_registry(), clock=clock):
        scoped = {
            call.params["scope"]["chat_id"]: [c["command"] for c in call.params["commands"]]
            for call in telegram_api.calls_to("setMyCommands")
            if call.params.get("scope", {}).get("type") == "chat"
        }
    assert {"need", "needs", "org"} <= set(scoped[9001]) and "broadcast" not in scoped[9001]
    assert {"approve", "broadcast", "stats"} <= set(scoped[9002])
    assert "approve" not in scoped[9001] and "municipality" not in scoped[9002]
    assert "matches" in scoped[9001]  # the everyday commands stay in the menu
    public = next(c for c in telegram_api.calls_to("setMyCommands") if "scope" not in c.params)
    assert "broadcast" not in [c["command"] for c in public.params["commands"]]
