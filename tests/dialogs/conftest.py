from __future__ import annotations

import pytest

from dialogs.engine import Engine
from dialogs.flow import EngineConfig
from dialogs.setup import build_registry
from storage.db import Store
from tests.fakes import FixedClock
from tests.harness import Chat


@pytest.fixture
def engine(sqlite_store: Store, clock: FixedClock) -> Engine:
    return Engine(sqlite_store, build_registry(), EngineConfig(), clock=clock)


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine)
