"""The outbox end to end: a step queues a message, the worker sends it over the real
Telegram transport to the fake Bot API, and every outcome is recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.outbox import OutboxWorker
from bot.telegram.limiter import Limits
from bot.telegram.transport import TelegramSettings, TelegramTransport
from dialogs.engine import Engine
from dialogs.events import Identity
from dialogs.flow import EngineConfig
from dialogs.setup import build_registry
from storage.db import Store
from storage.demo import load_demo_data
from storage.models import Account, OutboxMessage
from tests.bot.telegram.fake_api import FakeTelegramAPI
from tests.dialogs.test_onboarding import walk_onboarding
from tests.fakes import FixedClock
from tests.harness import Chat

pytestmark = pytest.mark.slow
ADMIN_CHAT = 5151


@pytest.fixture
async def setup(
    telegram_api: FakeTelegramAPI, sqlite_store: Store, clock: FixedClock
) -> AsyncIterator[tuple[Engine, OutboxWorker, TelegramTransport]]:
    await load_demo_data(sqlite_store, now=clock.now())
    woken: list[int] = []
    engine = Engine(
        sqlite_store,
        build_registry(),
        EngineConfig(),
        clock=clock,
        outbox=lambda: woken.append(1),
    )
    transport = TelegramTransport(
        engine,
        TelegramSettings(
            token="123456:" + "B" * 35,
            api_url=telegram_api.base_url,
            poll_timeout=1.0,
            max_attempts=1,
            first_backoff=0.01,
        ),
        limits=Limits(chat_interval=0.0, margin=0.0),
    )
    await transport.start()

    async def blocked(identity: Identity) -> None:
        async with sqlite_store.transaction() as uow:
            await uow.people.mark_unreachable(identity.transport, identity.chat_id, clock.now())

    worker = OutboxWorker(sqlite_store, engine, {"telegram": transport}, on_blocked=blocked)
    try:
        yield engine, worker, transport
    finally:
        await transport.stop()


async def make_admin_of_first_need_org(store: Store, clock: FixedClock) -> None:
    async with store.transaction() as uow:
        person = await uow.people.create_with_account(
            transport="telegram", user_id=str(ADMIN_CHAT), chat_id=str(ADMIN_CHAT)
        )
        for organisation_id in {n.organisation_id for n in await uow.needs.open_from(clock.now())}:
            await uow.governance.add_admin(organisation_id, person.id)


async def sign_up_somewhere(engine: Engine) -> None:
    anna = Chat(engine, language_hint="en")
    await walk_onboarding(anna)
    await anna.press("Looks good")
    await anna.press("I'll help")
    assert "You are signed up" in anna.text


async def states(store: Store) -> list[str]:
    async with store.transaction() as uow:
        return [m.state for m in (await uow.session.exec(select(OutboxMessage))).all()]


async def test_a_decision_is_queued_with_its_step_and_sent_by_the_worker(
    setup: tuple[Engine, OutboxWorker, TelegramTransport],
    sqlite_store: Store,
    clock: FixedClock,
    telegram_api: FakeTelegramAPI,
) -> None:
    engine, worker, transport = setup
    await make_admin_of_first_need_org(sqlite_store, clock)
    await sign_up_somewhere(engine)
    assert await states(sqlite_store) == ["pending"]
    assert telegram_api.sent_messages(ADMIN_CHAT) == []  # nothing sent inside the step
    assert await worker.drain_once("telegram", transport) == 1
    sent = telegram_api.sent_messages(ADMIN_CHAT)
    assert len(sent) == 1 and "Neue Anmeldung" in sent[0]["text"]
    assert await states(sqlite_store) == ["sent"]
    assert await worker.drain_once("telegram", transport) == 0  # never sent twice


async def test_blocked_recipient_is_recorded_and_marked_unreachable(
    setup: tuple[Engine, OutboxWorker, TelegramTransport],
    sqlite_store: Store,
    clock: FixedClock,
    telegram_api: FakeTelegramAPI,
) -> None:
    engine, worker, transport = setup
    await make_admin_of_first_need_org(sqlite_store, clock)
    telegram_api.block_chat(ADMIN_CHAT)
    await sign_up_somewhere(engine)
    await worker.drain_once("telegram", transport)
    assert await states(sqlite_store) == ["blocked"]
    async with sqlite_store.transaction() as uow:
        account = (
            await uow.session.exec(select(Account).where(Account.chat_id == str(ADMIN_CHAT)))
        ).one()
    assert account.unreachable_since is not None


async def test_transient_errors_are_retried_later_until_sent(
    setup: tuple[Engine, OutboxWorker, TelegramTransport],
    sqlite_store: Store,
    clock: FixedClock,
    telegram_api: FakeTelegramAPI,
) -> None:
    engine, worker, transport = setup
    await make_admin_of_first_need_org(sqlite_store, clock)
    await sign_up_somewhere(engine)
    telegram_api.fail_next(1, status=502, description="Bad Gateway", methods="sendMessage")
    await worker.drain_once("telegram", transport)
    assert await states(sqlite_store) == ["pending"]
    assert await worker.drain_once("telegram", transport) == 0  # not due yet: backoff
    clock.advance(seconds=5)
    await worker.drain_once("telegram", transport)
    assert await states(sqlite_store) == ["sent"]
    assert len(telegram_api.sent_messages(ADMIN_CHAT)) == 1


async def test_buttons_of_a_queued_message_work_for_the_recipient(
    setup: tuple[Engine, OutboxWorker, TelegramTransport],
    sqlite_store: Store,
    clock: FixedClock,
    telegram_api: FakeTelegramAPI,
) -> None:
    """Tokens are issued at sending time, into the recipient's own live menu."""
    _engine, worker, transport = setup
    async with sqlite_store.transaction() as uow:
        need = (await uow.needs.open_from(clock.now()))[0]
        await uow.outbox.enqueue(
            dedup_key="manual:1",
            transport="telegram",
            user_id="777",
            chat_id="777",
            payload=[{"text": "Neu:", "buttons": [[["Details", f"@details:{need.id}"]]]}],
            now=clock.now(),
        )
    await worker.drain_once("telegram", transport)
    message = telegram_api.sent_messages(777)[0]
    token = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    before = len(telegram_api.sent_messages(777))
    telegram_api.inject_callback(777, token, message_id=message["message_id"])
    await telegram_api.wait_for(lambda: len(telegram_api.sent_messages(777)) > before)
    assert need.title in telegram_api.sent_messages(777)[-1]["text"]


async def test_the_running_worker_sends_as_soon_as_it_is_woken(
    setup: tuple[Engine, OutboxWorker, TelegramTransport],
    sqlite_store: Store,
    clock: FixedClock,
    telegram_api: FakeTelegramAPI,
) -> None:
    engine, worker, _transport = setup
    worker.poll_interval = 30  # only the wake-up can make it send in time
    engine.outbox = worker.wake
    await worker.start()
    try:
        await make_admin_of_first_need_org(sqlite_store, clock)
        await sign_up_somewhere(engine)
        await telegram_api.wait_for_messages(ADMIN_CHAT, 1, timeout=5)
    finally:
        await worker.stop()
