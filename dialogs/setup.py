"""Every flow of the bot, registered once; the order is the order of /help."""

from __future__ import annotations

from dialogs import clubs, core, needs, onboarding, profile, spontaneous
from dialogs.engine import Registry


def build_registry() -> Registry:
    registry = Registry()
    onboarding.register(registry)
    needs.register(registry)
    spontaneous.register(registry)
    clubs.register(registry)
    profile.register(registry)
    core.register(registry)
    return registry
