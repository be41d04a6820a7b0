"""Every flow of the bot, registered once; the order is the order of /help."""

from __future__ import annotations

from dialogs import core, needs, onboarding
from dialogs.engine import Registry


def build_registry() -> Registry:
    registry = Registry()
    onboarding.register(registry)
    needs.register(registry)
    core.register(registry)
    return registry
