"""Spontaneous time (/now and plain messages like "hab grad 2 Std Zeit") and /mine.

A "free now" window is just a start and an end on the profile: matching suggests
needs that START inside it, and it expires by itself once the end has passed.

What the words mean (local time of the municipality; decided here, shown to the user
in the confirmation so a wrong guess is easy to correct with /now):

* a duration ("2 Stunden", "3 std", "an hour", "halbe Stunde", "90 min") counts
  from now (or from the start of the named day part); at most 12 hours;
* "jetzt/gerade/grad/now" without a duration: the next 2 hours;
* "heute/today": until midnight; "Vormittag/morning" 06–12, "Nachmittag/afternoon"
  12–18, "Abend/evening/tonight" 18–23, never starting before now;
* "morgen/tomorrow", "übermorgen" and weekday names: that day 06–23 (or its part);
* "Wochenende/weekend": on Saturday or Sunday from now until Sunday 23:00; on a
  weekday (Friday included: whoever is free on Friday evening says "heute Abend")
  Saturday 06:00 to Sunday 23:00. Durations are ignored, we cannot know which hours;
* "bis 18 Uhr / until 5 pm" ends, "ab 15 Uhr / from 3" starts the window; a bare
  "bis 5" that would lie in the past means 17:00;
* "in einer Stunde / in 2 hours" moves the start.

A message sets a window only with a duration, or with a time word (now, today, a
day, a part of the day, a clock time, the weekend) together with a word about time
("Zeit", "frei", "free", "time", "helfen"…) or a clock time. Any negation ("keine
Zeit", "not free", "busy") means no window: better to ask than to guess wrongly.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Command, Event, Reply, TextMessage
from dialogs.flow import Context, Dialog, Step, buttons
from dialogs.i18n import N_
from dialogs.needs import (
    NO_PROFILE,
    matches_page,
    ranked_needs,
    require_profile,
)
from dialogs.volunteer import (
    window_text,
)
from storage.models import VolunteerProfile

NOW_HOURS = 2
MAX_HOURS = 12
DAY_HOURS = (6, 23)
PART_HOURS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 23)}

# -- parsing free time ------------------------------------------------------------

_NEGATION = re.compile(r"\b(?:kein\w*|nicht|nie|no|not|never|busy|beschäftigt|cannot|can't)\b")
_CUE = re.compile(
    r"zeit\b|\bfrei\b|\bfree\b|\btime\b|\bavailable\b|verfügbar|helfen|\bhelp\b|einspringen"
)
_NOW = re.compile(r"\b(?:jetzt|gerade|grad|gleich|sofort|spontan|momentan|now|right away)\b")
_TODAY = re.compile(r"\b(?:heute|heut|today|tonight)\b")
_WORDS = {
    "ein paar": 3, "a few": 3, "a couple of": 2, "a couple": 2, "paar": 3, "few": 3,
    "eineinhalb": 1.5, "anderthalb": 1.5, "einer": 1, "einen": 1, "eine": 1, "ein": 1,
    "one": 1, "an": 1, "a": 1, "zwei": 2, "two": 2, "drei": 3, "three": 3, "vier": 4,
    "four": 4, "fünf": 5, "five": 5, "sechs": 6, "six": 6, "sieben": 7, "seven": 7,
    "acht": 8, "eight": 8, "neun": 9, "nine": 9, "zehn": 10, "ten": 10, "elf": 11,
    "eleven": 11, "zwölf": 12, "twelve": 12,
}  # fmt: skip
_WORD_ALTERNATIVES = "|".join(re.escape(w) for w in sorted(_WORDS, key=len, reverse=True))
_MINUTE_UNITS = ("min", "minute", "minuten", "minutes", "mins")
_DURATION = re.compile(
    r"(?<![\w.,])(?P<prefix>in\s+)?"
    rf"(?:(?P<digits>\d+(?:[.,]\d+)?)\s*|(?P<words>{_WORD_ALTERNATIVES})\s+)"
    r"(?P<unit>stunden|stunde|stündchen|std|hours|hour|hrs|hr|h|minuten|minutes|minute|mins|min)"
    r"(?!\w)"
)
_HALF = re.compile(r"(?P<prefix>\bin\s+)?(?:\b(?:eine\s+)?halbe\w*\s+stunde|\bhalf\s+an?\s+hour)")
_CLOCK = (
    r"\s+(?:um\s+)?(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?(?!\s*(?:stunde|std|hour|hr|min))"
    r"\s*(?P<suffix>uhr|am|pm|h)?(?!\w)"
)
_UNTIL = re.compile(rf"\b(?:bis|until|till|til|to){_CLOCK}")
_FROM = re.compile(rf"\b(?:ab|from|von|after|nach|um|at){_CLOCK}")
_WEEKDAYS = {
    "montag": 0, "monday": 0, "dienstag": 1, "tuesday": 1, "mittwoch": 2, "wednesday": 2,
    "donnerstag": 3, "thursday": 3, "freitag": 4, "friday": 4, "samstag": 5,
    "sonnabend": 5, "saturday": 5, "sonntag": 6, "sunday": 6,
}  # fmt: skip
_WEEKDAY = re.compile(r"\b(" + "|".join(_WEEKDAYS) + ")")
_DAY_AFTER = re.compile(r"übermorgen|day after tomorrow")
_TOMORROW = re.compile(r"\btomorrow\b|(?<!heute )(?<!guten )(?<!am )\bmorgen\b")
_PARTS = (
    ("morning", re.compile(r"vormittag|\bmorgens\b|heute morgen|morgen früh|\bmorning")),
    ("afternoon", re.compile(r"nachmittag|afternoon")),
    ("evening", re.compile(r"abend|evening|tonight|\bnight\b")),
)
_WEEKEND = re.compile(r"wochenende|weekend")


def _at(day: date, hour: int, tz: tzinfo, minute: int = 0) -> datetime:
    """A local wall-clock time as UTC (24:00 is the next midnight)."""
    moment = datetime.combine(day, time(hour % 24, minute), tzinfo=tz)
    return (moment + timedelta(days=hour // 24)).astimezone(UTC)


def midnight_after(now: datetime, tz: tzinfo) -> datetime:
    return _at(now.astimezone(tz).date(), 24, tz)


def weekend_window(now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """On the weekend: from now to Sunday 23:00; otherwise the coming Sat 06:00–Sun 23:00."""
    today = now.astimezone(tz).date()
    sunday = today + timedelta(days=(6 - today.weekday()) % 7)
    if today.weekday() >= 5 and now < _at(sunday, 23, tz):
        return now, _at(sunday, 23, tz)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    return _at(saturday, 6, tz), _at(saturday + timedelta(days=1), 23, tz)


def _blank(found: re.Match[str]) -> str:
    return " " * len(found.group(0))


def _durations(said: str) -> tuple[float, float]:
    """(hours until the start, hours free) from the message."""
    offset = hours = 0.0
    for pattern in (_HALF, _DURATION):
        for found in pattern.finditer(said):
            groups = found.groupdict()
            if "unit" not in groups:
                value = 0.5
            else:
                number = groups["digits"] or ""
                value = float(number.replace(",", ".")) if number else _WORDS[groups["words"]]
                value /= 60 if groups["unit"] in _MINUTE_UNITS else 1
            if groups["prefix"]:
                offset = offset or value
            else:
                hours = hours or value
        said = pattern.sub(_blank, said)
    return offset, min(hours, MAX_HOURS)


def _clock(pattern: re.Pattern[str], said: str) -> tuple[tuple[int, int, str] | None, str]:
    """The first clock time after the pattern's keyword, and the text without it."""
    found = pattern.search(said)
    if found is None:
        return None, said
    said = said[: found.start()] + _blank(found) + said[found.end() :]
    if int(found["h"]) > 24 or int(found["m"] or 0) > 59:
        return None, said
    return (int(found["h"]), int(found["m"] or 0), found["suffix"] or ""), said


def _clock_time(clock: tuple[int, int, str], day: date, tz: tzinfo, after: datetime) -> datetime:
    """The clock time on ``day``; 'pm', or a bare small hour that lies before ``after``, +12h."""
    hour, minute, suffix = clock
    if suffix == "am" and hour == 12:
        hour = 0
    moment = _at(day, hour, tz, minute)
    if suffix == "pm" or (suffix != "am" and 1 <= hour < 12 and moment <= after):
        moment = _at(day, hour + 12, tz, minute)
    return moment


def _named_day(said: str, today: date) -> int | None:
    """Days from today to the day the message names, or None when it names none."""
    if _DAY_AFTER.search(said):
        return 2
    if _TOMORROW.search(said):
        return 1
    found = _WEEKDAY.search(said)
    return None if found is None else (_WEEKDAYS[found[1]] - today.weekday()) % 7


def parse_free_time(
    text: str, now: datetime, tz: tzinfo, *, asked: bool = False
) -> tuple[datetime, datetime] | None:
    """The window [start, end) in UTC that a message like "bin heute Nachmittag frei"
    means, or None when it does not say the writer has time (rules: module docstring).
    ``asked``: the text answers "How long do you have?", so "heute" alone is enough."""
    said = " ".join(text.casefold().replace("’", "'").split())
    if _NEGATION.search(said):
        return None
    starts, said = _clock(_FROM, said)
    ends, said = _clock(_UNTIL, said)
    offset, hours = _durations(said)
    today = now.astimezone(tz).date()
    days = _named_day(said, today)
    part = next((name for name, pattern in _PARTS if pattern.search(said)), None)
    weekend = days is None and _WEEKEND.search(said) is not None
    named = days is not None or part is not None or weekend or _TODAY.search(said) is not None
    timely = named or _NOW.search(said) is not None or offset > 0
    clock = starts is not None or ends is not None
    cue = asked or _CUE.search(said) is not None
    if not (hours or (cue and (clock or timely)) or (clock and timely)):
        return None
    if weekend:
        return weekend_window(now, tz)
    day = today + timedelta(days=days or 0)
    if part is not None:
        start, end = (_at(day, hour, tz) for hour in PART_HOURS[part])
    elif days:
        start, end = (_at(day, hour, tz) for hour in DAY_HOURS)
    else:
        start, end = now, midnight_after(now, tz)
    start = max(start, now + timedelta(hours=offset))
    if starts is not None:
        start = max(now, _clock_time(starts, day, tz, now))
    if ends is not None:
        end = _clock_time(ends, day, tz, start)
    elif hours or offset or not (named or starts):
        end = start + timedelta(hours=hours or NOW_HOURS)
    return (start, end) if end > start else None


# -- /now ---------------------------------------------------------------------------

now_dialog = Dialog("now", first="duration")
CHOICES = (
    ("1", N_("1 hour")),
    ("2", N_("2 hours")),
    ("4", N_("4 hours")),
    ("today", N_("Rest of today")),
    ("weekend", N_("This weekend")),
)


def choice_window(choice: str, now: datetime, tz: tzinfo) -> tuple[datetime, datetime] | None:
    """The window a /now button stands for."""
    if choice in ("1", "2", "4"):
        return now, now + timedelta(hours=int(choice))
    if choice == "today":
        return now, midnight_after(now, tz)
    if choice == "weekend":
        return weekend_window(now, tz)
    return None


def active_window(ctx: Context, profile: VolunteerProfile) -> tuple[datetime, datetime] | None:
    start, end = profile.window_start, profile.window_end
    return (start, end) if start and end and end > ctx.now() else None


async def set_window(
    ctx: Context, profile: VolunteerProfile, window: tuple[datetime, datetime]
) -> list[Reply]:
    """Remember the window and answer at once with what starts inside it."""
    profile.window_start, profile.window_end = window
    await ctx.uow.profiles.save(profile)
    told = window_text(ctx, *window) + " " + ctx._("Send /now again to change or end it.")
    if await ranked_needs(ctx, profile, "now"):
        intro = Reply(told + "\n" + ctx._("This starts near you in that time:"))
        return [intro, *await matches_page(ctx, profile, mode="now")]
    if profile.paused or profile.notify_mode == "off":
        nothing = ctx._(
            "Nothing near you starts in that time yet. Your notifications are off, "
            "so have a look at /matches later."
        )
    else:
        nothing = ctx._(
            "Nothing near you starts in that time yet. I keep your free time noted, "
            "so if something urgent comes up, I will tell you."
        )
    return [Reply(told), Reply(nothing)]


@now_dialog.ask("duration")
async def ask_duration(ctx: Context) -> list[Reply]:
    profile = await require_profile(ctx)
    rows = [[(ctx._(label), key) for key, label in CHOICES[:3]]]
    rows.append([(ctx._(label), key) for key, label in CHOICES[3:]])
    window = active_window(ctx, profile) if profile else None
    if window is None:
        return [Reply(ctx._("How long do you have?"), buttons=buttons(*rows))]
    rows.append([(ctx._("End now"), "end")])
    text = window_text(ctx, *window) + " " + ctx._("Change it, or end it now?")
    return [Reply(text, buttons=buttons(*rows))]


@now_dialog.handle("duration")
async def on_duration(event: Event, ctx: Context) -> Step:
    profile = await require_profile(ctx)
    if profile is None:
        return Step.finish(Reply(ctx._(NO_PROFILE)))
    choice = event.value if isinstance(event, ButtonPress) else None
    if choice == "end":
        profile.window_start = profile.window_end = None
        await ctx.uow.profiles.save(profile)
        return Step.finish(
            Reply(ctx._("Done – you are no longer marked as free. Send /now when you have time."))
        )
    window = choice_window(choice or "", ctx.now(), ctx.config.tz)
    if isinstance(event, TextMessage):
        window = parse_free_time(event.text, ctx.now(), ctx.config.tz, asked=True)
    if window is None:
        return Step.stay(
            Reply(ctx._("Please tap one of the buttons, or write e.g. “2 hours” or “until 18:00”."))
        )
    return Step.finish(*await set_window(ctx, profile, window))


async def on_now(event: Event, ctx: Context) -> Step:
    """/now, or /now with the time right away ("/now 2 Stunden")."""
    profile = await require_profile(ctx)
    if profile is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    args = event.args if isinstance(event, Command) else ""
    window = parse_free_time(args, ctx.now(), ctx.config.tz, asked=True) if args else None
    if window is None:
        return Step.start(now_dialog.name)
    return Step.stay(*await set_window(ctx, profile, window))


async def on_now_more(event: ButtonPress, ctx: Context, argument: str) -> Step:
    profile = await require_profile(ctx)
    if profile is None or not argument.isdecimal():
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    if active_window(ctx, profile) is None:
        return Step.stay(
            Reply(ctx._("Your free time is over. Send /now when you have time again."))
        )
    return Step.stay(*await matches_page(ctx, profile, int(argument), mode="now"))


async def free_time_message(event: Event, ctx: Context) -> Step | None:
    """Outside any dialog, "hab grad 2 Std Zeit" works like /now; None if it is not that."""
    if not isinstance(event, TextMessage):
        return None
    window = parse_free_time(event.text, ctx.now(), ctx.config.tz)
    if window is None:
        return None
    profile = await require_profile(ctx)
    if profile is None:
        return Step.stay(Reply(ctx._("Great that you have time!") + " " + ctx._(NO_PROFILE)))
    return Step.stay(*await set_window(ctx, profile, window))


def register(registry: Registry) -> None:
    """Add /now and /mine. on_idle must become registry.idle AFTER core.register."""
    registry.add_dialog(now_dialog)
    registry.add_command("now", N_("Tell me you have time right now"), on_now)
    registry.add_action("nowmore", on_now_more)
