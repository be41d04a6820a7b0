"""Every flow of the bot, registered once; the order is the order of /help."""

from __future__ import annotations

from dialogs import (
    calendar,
    clubs,
    contact,
    coordination,
    core,
    linking,
    mine,
    needs,
    onboarding,
    organisations,
    partners,
    posting,
    profile,
    pushes,
    reminders,
    spontaneous,
)
from dialogs.engine import Registry


def build_registry() -> Registry:
    registry = Registry()
    onboarding.register(registry)
    needs.register(registry)
    spontaneous.register(registry)
    mine.register(registry)
    calendar.register(registry)
    clubs.register(registry)
    contact.register(registry)
    partners.register(registry)  # commands and buttons only, no understander
    profile.register(registry)
    pushes.register(registry)
    reminders.register(registry)
    posting.register(registry)  # before free time: an admin's "Brauchen morgen 3 Helfer"
    organisations.register(registry)
    coordination.register(registry)
    linking.register(registry)
    core.register(registry)
    registry.understanders.append(spontaneous.free_time_message)  # "hab grad 2 Std Zeit"
    return registry
