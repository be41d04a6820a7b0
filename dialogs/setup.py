"""Every flow of the bot, registered once; the order is the order of /help."""

from __future__ import annotations

from dialogs import clubs, contact, core, mine, needs, onboarding, profile, spontaneous
from dialogs.engine import Registry


def build_registry() -> Registry:
    registry = Registry()
    onboarding.register(registry)
    needs.register(registry)
    spontaneous.register(registry)
    mine.register(registry)
    clubs.register(registry)
    contact.register(registry)
    profile.register(registry)
    core.register(registry)
    registry.idle = spontaneous.on_idle  # "hab grad 2 Stunden Zeit" outside any flow
    return registry
