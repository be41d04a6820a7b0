"""Placeholder: filled in by the coordination flow."""

from __future__ import annotations

from dialogs.engine import Registry


def register(registry: Registry) -> None:
    """Add this module's commands, dialogs, actions and understanders."""
