"""Fixtures for testing the Telegram transport against a fake Bot API over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.bot.telegram.fake_api import FakeTelegramAPI


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramAPI]:
    """A fresh fake Telegram per test, so recorded calls and limits never leak between tests."""
    api = FakeTelegramAPI()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
