"""Placeholder: filled in by the clubs flow."""

from __future__ import annotations

from dialogs.engine import Registry


def register(registry: Registry) -> None:
    """Add this module's commands, dialogs and actions."""
