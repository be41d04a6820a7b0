"""Small helpers every benchmark case uses."""

from __future__ import annotations

import math
import os


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def load() -> float:
    """Other processes on the machine skew every number here; this says how busy it was."""
    return round(os.getloadavg()[0], 2)


def percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the value below which a share q of the samples lie."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
