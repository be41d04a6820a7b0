"""The volunteer's sign-ups (/mine) and cancelling one, which frees the spot."""

from __future__ import annotations

import re

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Step, buttons
from dialogs.i18n import N_
from dialogs.needs import (
    NO_PROFILE,
    spot_freed,
    tell_organisation,
)
from dialogs.volunteer import (
    is_over,
    own_signup,
    signup_card,
    volunteer_name,
    when_text,
)

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


# -- /mine --------------------------------------------------------------------------


async def on_mine(event: Event, ctx: Context) -> Step:
    if ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    signed = await ctx.uow.signups.active_of(ctx.person.id)
    upcoming = [(need, org) for _, need, org in signed if not is_over(need, ctx.now())]
    if not upcoming:
        return Step.stay(
            Reply(ctx._("You have not signed up for anything yet – see /matches."))
            if not signed
            else Reply(ctx._("You have no upcoming sign-ups – see /matches."))
        )
    title = ctx.ngettext(
        "You are signed up for {n} need:", "You are signed up for {n} needs:", len(upcoming)
    )
    return Step.stay(Reply(title), *(signup_card(ctx, need, org) for need, org in upcoming))


NOT_SIGNED_UP = N_("You are not signed up for this (any more).")


async def on_unsign(event: ButtonPress, ctx: Context, argument: str) -> Step:
    """Ask first: a cancelled spot may be taken by someone else at once."""
    found = await own_signup(ctx, argument)
    if found is None:
        return Step.stay(Reply(ctx._(NOT_SIGNED_UP)))
    need, organisation = found
    question = ctx._(
        "Really cancel your sign-up for “{title}” ({when})? {organisation} will be told.",
        title=need.title,
        when=when_text(ctx, need.starts_at, need.ends_at),
        organisation=organisation.name,
    )
    choices = [
        (ctx._("Yes, cancel it"), f"@unsign_yes:{need.id}"),
        (ctx._("No, keep it"), f"@unsign_no:{need.id}"),
    ]
    return Step.stay(Reply(question, buttons=buttons(choices)))


async def on_unsign_yes(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await own_signup(ctx, argument)
    if found is None or ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._(NOT_SIGNED_UP)))
    need, organisation = found
    assert need.id is not None
    if not await ctx.uow.signups.cancel(need.id, ctx.person.id, ctx.now()):
        return Step.stay(Reply(ctx._(NOT_SIGNED_UP)))
    await spot_freed(ctx, need.id)
    person = ctx.person
    await tell_organisation(
        ctx,
        organisation,
        lambda t: t._(
            "{name} cancelled the sign-up for “{title}” ({when}). The spot is free again.",
            name=volunteer_name(t, person),
            title=need.title,
            when=when_text(t, need.starts_at, need.ends_at),
        ),
    )
    return Step.stay(
        Reply(
            ctx._(
                "Your sign-up for “{title}” is cancelled; {organisation} has been told.",
                title=need.title,
                organisation=organisation.name,
            )
        )
    )


async def on_unsign_no(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return Step.stay(Reply(ctx._("Good – you stay signed up. See /mine for all your sign-ups.")))


def register(registry: Registry) -> None:
    registry.add_command("mine", N_("Your sign-ups"), on_mine)
    registry.add_action("unsign", on_unsign)
    registry.add_action("unsign_yes", on_unsign_yes)
    registry.add_action("unsign_no", on_unsign_no)
