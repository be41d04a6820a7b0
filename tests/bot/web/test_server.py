"""The bot process with its web app on one real port: Telegram's webhook (secret
checked), the needs page with the bot's deep links, /healthz and /metrics."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import App, build_app
from bot.config import Settings
from bot.web.webhook import SECRET_HEADER
from tests.bot.telegram.fake_api import BOT_USERNAME, FakeTelegramAPI
from tests.bot.web.seed import SLUG, Seeded, seed

pytestmark = pytest.mark.slow
TOKEN = "123456:" + "W" * 35
SECRET = "s3cr3t-Token"
USER = 4242


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramAPI]:
    api = FakeTelegramAPI()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()


@pytest.fixture
async def running(
    telegram_api: FakeTelegramAPI, sqlite_url: str
) -> AsyncIterator[tuple[App, Seeded, str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=sqlite_url,
        demo_data="no",
        telegram_token=TOKEN,
        telegram_api_url=telegram_api.base_url,
        telegram_webhook_url=f"{base}/telegram/hook",
        telegram_webhook_secret=SECRET,
        http_port=port,
        public_url="https://engage.example.org",
    )
    app = await build_app(settings)
    seeded = await seed(app.store, app.engine.clock.now())
    await app.start()
    try:
        yield app, seeded, base
    finally:
        await app.stop()


def update(text: str, update_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": text,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "M", "language_code": "en"},
        },
    }


async def test_one_port_serves_webhook_pages_health_and_metrics(
    running: tuple[App, Seeded, str], telegram_api: FakeTelegramAPI
) -> None:
    app, seeded, base = running
    assert telegram_api.calls_to("setWebhook")[-1].params["secret_token"] == SECRET
    assert not telegram_api.calls_to("getUpdates")
    async with httpx.AsyncClient(base_url=base) as client:
        for headers in ({SECRET_HEADER: "wrong"}, {}, {SECRET_HEADER: SECRET + "x"}):
            response = await client.post("/telegram/hook", json=update("/help", 1), headers=headers)
            assert response.status_code == 403
        assert not telegram_api.sent_messages(USER)
        bad = await client.post(
            "/telegram/hook", content=b"{not json", headers={SECRET_HEADER: SECRET}
        )
        assert bad.status_code == 400
        assert (await client.get("/telegram/hook")).status_code == 405

        response = await client.post(
            "/telegram/hook", json=update("/help", 2), headers={SECRET_HEADER: SECRET}
        )
        assert response.status_code == 200
        await telegram_api.wait_for(lambda: bool(telegram_api.sent_messages(USER)), timeout=10)
        assert "/calendar" in telegram_api.sent_messages(USER)[-1]["text"]

        telegram_api.inject_message(USER, "/matches", language_code="en")  # Telegram's own call
        await telegram_api.wait_for(lambda: len(telegram_api.sent_messages(USER)) >= 2, timeout=10)

        page = await client.get(f"/{SLUG}/")
        assert page.status_code == 200
        need_id = seeded.shown["Hausaufgabenhilfe"]
        assert f"https://t.me/{BOT_USERNAME}?start=need_{need_id}" in page.text
        assert "matrix.to" not in page.text  # Matrix is not configured

        health = await client.get("/healthz")
        assert health.status_code == 200, health.text
        report = health.json()
        assert report["status"] == "ok"
        assert report["database"] is True
        assert report["transports"] == {"telegram": True}
        assert report["scheduler"] is True and report["outbox_worker"] is True
        assert report["outbox"]["backlog"] == 0

        metrics = (await client.get("/metrics")).text
        assert 'engage_updates_total{transport="telegram"} 2.0' in metrics
        assert 'engage_replies_total{transport="telegram"}' in metrics
        assert "engage_outbox_depth 0.0" in metrics
        assert 'engage_rate_limited_total{transport="telegram"} 0.0' in metrics

    await app.transports["telegram"].stop()  # a dead transport makes the bot unhealthy
    async with httpx.AsyncClient(base_url=base) as client:
        health = await client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["transports"] == {"telegram": False}


async def test_a_taken_port_is_a_clear_error() -> None:
    from starlette.applications import Starlette

    from bot.web.server import ListenError, WebServer

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = WebServer(Starlette(), "127.0.0.1", port)
        with pytest.raises(ListenError, match=f"127.0.0.1:{port}"):
            await server.start()
        await server.stop()
