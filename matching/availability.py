"""Regular weekly availability as a 21-bit mask, and spontaneous "free now" windows.

Volunteers think in coarse local slots ("Saturday mornings", "weekday evenings"),
not in minutes, so a week is 7 days x 3 parts of the day: bit ``weekday * 3 + part``
with weekday 0 = Monday and part 0 = morning 06-12, 1 = afternoon 12-18,
2 = evening 18-23, all in the municipality's LOCAL time. 23-06 belongs to no slot:
nobody signs up to be woken for a regular task, so a span entirely at night
overlaps no regular availability.

Datetimes are aware and usually UTC; slot boundaries are built as local wall-clock
times and converted to UTC before comparing, which keeps DST weeks correct.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta, tzinfo

MORNING = 0
AFTERNOON = 1
EVENING = 2
PART_HOURS: tuple[tuple[int, int], ...] = ((6, 12), (12, 18), (18, 23))
"""Local [start, end) hour of each part of the day."""

SLOT_COUNT = 21


def slot_bit(weekday: int, part: int) -> int:
    """The mask bit of one (weekday, part) slot."""
    if not 0 <= weekday <= 6 or not 0 <= part <= 2:
        raise ValueError(f"no slot for weekday={weekday} part={part}")
    return 1 << (weekday * 3 + part)


def mask_of(weekdays: range | tuple[int, ...], parts: range | tuple[int, ...]) -> int:
    """Mask with every combination of the given weekdays and parts set."""
    mask = 0
    for weekday in weekdays:
        for part in parts:
            mask |= slot_bit(weekday, part)
    return mask


def slots_in(mask: int) -> tuple[tuple[int, int], ...]:
    """The (weekday, part) pairs set in ``mask``, Monday morning first (for display)."""
    return tuple((i // 3, i % 3) for i in range(SLOT_COUNT) if mask >> i & 1)


FLEXIBLE = (1 << SLOT_COUNT) - 1
WEEKENDS = mask_of((5, 6), (MORNING, AFTERNOON, EVENING))
WEEKDAY_EVENINGS = mask_of(range(5), (EVENING,))


@functools.lru_cache(maxsize=8192)
def _day_slots_utc(day: date, tz: tzinfo) -> tuple[tuple[datetime, datetime], ...]:
    """UTC [start, end) of the three slots of one local day; cached because needs
    cluster on few dates and ZoneInfo conversions dominate the cost otherwise."""
    bounds = []
    for h0, h1 in PART_HOURS:
        start = datetime(day.year, day.month, day.day, h0, tzinfo=tz).astimezone(UTC)
        end = datetime(day.year, day.month, day.day, h1, tzinfo=tz).astimezone(UTC)
        bounds.append((start, end))
    return tuple(bounds)


def _slot_at(moment: datetime, tz: tzinfo) -> int:
    """Mask of the single slot containing an instant (0 at night)."""
    local = moment.astimezone(tz)
    for part, (h0, h1) in enumerate(PART_HOURS):
        if h0 <= local.hour < h1:
            return slot_bit(local.weekday(), part)
    return 0


def slots_of(start: datetime | None, end: datetime | None, tz: tzinfo) -> int:
    """Mask of the local slots that the span [start, end) touches.

    * ``start is None``: an ongoing need without a date, which fits any slot.
    * ``end is None`` (or not after ``start``): an instant, the slot containing start.
    * Otherwise every slot sharing a positive length with the span, across midnight,
      days and DST changes. Spans of 8 days or more cover a whole week anyway.
    """
    if start is None:
        return FLEXIBLE
    if end is None or end <= start:
        return _slot_at(start, tz)
    if end - start >= timedelta(days=8):
        return FLEXIBLE
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    mask = 0
    while day <= last:
        weekday = day.weekday()
        for part, (slot_start, slot_end) in enumerate(_day_slots_utc(day, tz)):
            if start < slot_end and slot_start < end:
                mask |= 1 << (weekday * 3 + part)
        day += timedelta(days=1)
    return mask


def overlaps(mask: int, start: datetime | None, end: datetime | None, tz: tzinfo) -> bool:
    """Whether a span touches at least one slot of a regular availability mask."""
    return bool(mask & slots_of(start, end, tz))


def window_overlaps(
    window_start: datetime,
    window_end: datetime,
    start: datetime | None,
    end: datetime | None = None,
) -> bool:
    """Whether a need fits a spontaneous window: it must START inside [window_start, window_end).

    Product rule: "I'm free for the next 3 hours" means needs that begin in that time;
    when they end does not matter (``end`` is accepted for symmetry and ignored) and
    undated ongoing needs never count as spontaneous.
    """
    del end
    return start is not None and window_start <= start < window_end
