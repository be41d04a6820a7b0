"""Onboarding (/start): consent, language, interests, skills, place, radius, times,
notifications, summary. The same states edit the profile later (/profile)."""

from __future__ import annotations

import math

from dialogs.core import chosen_locale, help_text, language_buttons
from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, LocationShared, Reply, TextMessage
from dialogs.flow import Context, Dialog, Step, buttons, column
from dialogs.i18n import N_, available_locales, language_name
from dialogs.needs import first_matches
from dialogs.volunteer import (
    RADII_KM,
    WEEKDAYS,
    availability_text,
    find_volunteer,
    interest_label,
    skill_label,
)
from matching import availability, taxonomy
from matching.geo import round_location
from storage.models import VolunteerProfile
from storage.postal_codes import default_directory

onboarding = Dialog("onboarding", first="consent")

NOTIFY_CHOICES = (
    ("instant", N_("Instantly, for urgent needs")),
    ("daily", N_("Daily digest")),
    ("weekly", N_("Weekly digest")),
    ("off", N_("Not at all")),
)
PRESETS = (
    ("weekends", N_("Weekends"), availability.WEEKENDS),
    ("evenings", N_("Weekday evenings"), availability.WEEKDAY_EVENINGS),
    ("flexible", N_("Flexible, any time"), availability.FLEXIBLE),
)
PART_CHOICES = (N_("Mornings"), N_("Afternoons"), N_("Evenings"))
MAX_FREE_SKILLS = 10


def pressed(event: Event) -> str | None:
    return event.value if isinstance(event, ButtonPress) else None


async def profile_of(ctx: Context) -> VolunteerProfile:
    found = await find_volunteer(ctx)
    if found is None:
        raise LookupError("onboarding step after consent without a profile")
    return found[1]


def then(ctx: Context, state: str, *replies: Reply) -> Step:
    """Go on to ``state``, or back to the summary when a single part was edited."""
    return Step.to("summary" if ctx.data.get("editing") else state, *replies)


def toggle_rows(ctx: Context, terms, chosen: list[str], label) -> list[list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """Two choices per row; chosen ones carry a check mark."""
    items = [
        (("✅ " if term.id in chosen else "") + label(ctx, term.id), f"toggle:{term.id}")
        for term in terms
    ]
    return [items[i : i + 2] for i in range(0, len(items), 2)]


# -- consent -------------------------------------------------------------------


@onboarding.ask("consent")
async def ask_consent(ctx: Context) -> list[Reply]:
    others = [code for code in available_locales() if code != ctx.locale]
    return [
        Reply(
            ctx._(
                "Hello! I am Engage. I help you find ways to volunteer near you – "
                "regularly or spontaneously, whenever you have time."
            )
        ),
        Reply(
            ctx._(
                "Before we start: to suggest what fits you, I store what you tell me – "
                "interests, skills, your postal code (or a location rounded to about 1 km), "
                "when you have time and how I may notify you – with your messenger ID. "
                "Only this service uses it, to match you with needs. Organisations see your "
                "name and message only when you sign up or contact them. You can see "
                "everything with /mydata and delete it at any time with /delete.\n\n"
                "Do you agree?"
            ),
            buttons=buttons(
                [(ctx._("Yes, I agree"), "agree"), (ctx._("No, thanks"), "decline")],
                [(f"🌐 {language_name(code)}", f"lang:{code}") for code in others],
            ),
        ),
    ]


@onboarding.handle("consent")
async def on_consent(event: Event, ctx: Context) -> Step:
    if (locale := chosen_locale(event)) is not None:
        ctx.set_locale(locale)
        return Step.stay()
    choice = pressed(event)
    if choice == "decline":
        ctx.forget_conversation()
        return Step.finish(
            Reply(
                ctx._(
                    "No problem – I have stored nothing about you. "
                    "If you change your mind, just send /start."
                )
            )
        )
    if choice != "agree":
        return Step.stay(Reply(ctx._("Please answer with one of the buttons.")))
    who = ctx.identity
    person = ctx.person or await ctx.uow.people.create_with_account(
        transport=who.transport, user_id=who.user_id, chat_id=who.chat_id
    )
    person.consented_at = ctx.now()
    person.locale = ctx.locale
    await ctx.uow.people.save(person)
    ctx.person = person
    assert person.id is not None
    if await ctx.uow.profiles.get(person.id) is None:
        await ctx.uow.profiles.save(VolunteerProfile(person_id=person.id))
    return Step.to("language", Reply(ctx._("Thank you!")))


# -- language ------------------------------------------------------------------


@onboarding.ask("language")
async def ask_language(ctx: Context) -> list[Reply]:
    return [Reply(ctx._("Which language would you like to use?"), buttons=language_buttons())]


@onboarding.handle("language")
async def on_language(event: Event, ctx: Context) -> Step:
    locale = chosen_locale(event)
    if locale is None:
        return Step.stay(Reply(ctx._("Please choose a language from the list.")))
    ctx.set_locale(locale)
    return then(ctx, "interests")


# -- interests -----------------------------------------------------------------


@onboarding.ask("interests")
async def ask_interests(ctx: Context) -> list[Reply]:
    if "interests" not in ctx.data:
        ctx.data["interests"] = list((await profile_of(ctx)).interests)
    rows = toggle_rows(ctx, taxonomy.INTERESTS, ctx.data["interests"], interest_label)
    rows.append([(ctx._("Done"), "done")])
    return [
        Reply(
            ctx._("What would you like to help with? Choose one or more, then press Done."),
            buttons=buttons(*rows),
            replace_menu=True,
        )
    ]


def toggled(chosen: list[str], value: str) -> list[str]:
    item = value.removeprefix("toggle:")
    return [c for c in chosen if c != item] if item in chosen else [*chosen, item]


@onboarding.handle("interests")
async def on_interests(event: Event, ctx: Context) -> Step:
    choice = pressed(event) or ""
    if choice.startswith("toggle:") and taxonomy.is_interest(choice.removeprefix("toggle:")):
        ctx.data["interests"] = toggled(ctx.data.get("interests", []), choice)
        return Step.stay()
    if choice == "done":
        if not ctx.data.get("interests"):
            return Step.stay(Reply(ctx._("Please choose at least one field.")))
        profile = await profile_of(ctx)
        order = taxonomy.INTEREST_IDS
        profile.interests = sorted(ctx.data["interests"], key=order.index)
        await ctx.uow.profiles.save(profile)
        return then(ctx, "skills")
    return Step.stay(Reply(ctx._("Please tap the fields that interest you, then Done.")))


# -- skills --------------------------------------------------------------------


@onboarding.ask("skills")
async def ask_skills(ctx: Context) -> list[Reply]:
    profile = await profile_of(ctx)
    if "skills" not in ctx.data:
        ctx.data["skills"] = list(profile.skills)
        ctx.data["skills_other"] = list(profile.skills_other)
    rows = toggle_rows(ctx, taxonomy.SKILLS, ctx.data["skills"], skill_label)
    rows.append([(ctx._("Done"), "done")])
    text = ctx._(
        "Anything you are good at? Tap what fits, or write other skills "
        "(e.g. “Arabic, bookkeeping”). This is optional – press Done to go on."
    )
    if ctx.data["skills_other"]:
        text += "\n" + ctx._("Also noted: {skills}", skills=", ".join(ctx.data["skills_other"]))
    return [Reply(text, buttons=buttons(*rows), replace_menu=True)]


@onboarding.handle("skills")
async def on_skills(event: Event, ctx: Context) -> Step:
    choice = pressed(event) or ""
    if choice.startswith("toggle:") and taxonomy.is_skill(choice.removeprefix("toggle:")):
        ctx.data["skills"] = toggled(ctx.data.get("skills", []), choice)
        return Step.stay()
    if choice == "done":
        profile = await profile_of(ctx)
        profile.skills = sorted(ctx.data.get("skills", []), key=taxonomy.SKILL_IDS.index)
        profile.skills_other = list(ctx.data.get("skills_other", []))
        await ctx.uow.profiles.save(profile)
        return then(ctx, "place")
    if isinstance(event, TextMessage):
        others: list[str] = list(ctx.data.get("skills_other", []))
        for part in event.text.replace(";", ",").split(","):
            skill = " ".join(part.split())[:60]
            if skill and skill.casefold() not in {o.casefold() for o in others}:
                others.append(skill)
        ctx.data["skills_other"] = others[:MAX_FREE_SKILLS]
        return Step.stay()
    return Step.stay(Reply(ctx._("Please tap a skill, write one, or press Done.")))


# -- place ---------------------------------------------------------------------


@onboarding.ask("place")
async def ask_place(ctx: Context) -> list[Reply]:
    return [
        Reply(
            ctx._(
                "Where would you like to help? Send your postal code (e.g. 52062) "
                "or share your location."
            )
        )
    ]


@onboarding.handle("place")
async def on_place(event: Event, ctx: Context) -> Step:
    directory = default_directory()
    if isinstance(event, LocationShared):
        lat, lon = event.latitude, event.longitude
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90):
            return Step.stay(Reply(ctx._("I could not read that location.")))
        lat, lon = round_location(lat, lon)
        nearest = directory.nearest(lat, lon)
        ctx.data["place"] = {
            "code": nearest.code,
            "name": nearest.place,
            "lat": lat,
            "lon": lon,
            "shared": True,
        }
        return Step.to("place_confirm")
    if not isinstance(event, TextMessage):
        return Step.stay(Reply(ctx._("Please send a postal code.")))
    found = directory.lookup(event.text)
    if found is None:
        places = directory.search_place(event.text.strip())
        if places:
            codes = ", ".join(p.code for p in places[:12])
            return Step.stay(
                Reply(
                    ctx._(
                        "{place} has several postal codes ({codes}). Which one is yours?",
                        place=places[0].place,
                        codes=codes,
                    )
                ),
                ask=False,
            )
        return Step.stay(
            Reply(
                ctx._(
                    "I could not find the postal code “{text}”. Please send five digits, "
                    "e.g. 52062.",
                    text=event.text[:20],
                )
            ),
            ask=False,
        )
    ctx.data["place"] = {
        "code": found.code,
        "name": found.place,
        "lat": found.latitude,
        "lon": found.longitude,
        "shared": False,
    }
    return Step.to("place_confirm")


@onboarding.ask("place_confirm")
async def ask_place_confirm(ctx: Context) -> list[Reply]:
    place = ctx.data.get("place") or {}
    text = (
        ctx._("Near {code} {name} – right?", code=place.get("code"), name=place.get("name"))
        if place.get("shared")
        else ctx._("{code} {name} – right?", code=place.get("code"), name=place.get("name"))
    )
    return [
        Reply(
            text,
            buttons=buttons([(ctx._("Yes"), "yes"), (ctx._("No, enter again"), "no")]),
        )
    ]


@onboarding.handle("place_confirm")
async def on_place_confirm(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "no":
        return Step.to("place")
    if choice != "yes" or not ctx.data.get("place"):
        return Step.stay(Reply(ctx._("Please answer with one of the buttons.")))
    place = ctx.data.pop("place")
    profile = await profile_of(ctx)
    profile.postal_code, profile.place = place["code"], place["name"]
    profile.latitude, profile.longitude = round_location(place["lat"], place["lon"])
    await ctx.uow.profiles.save(profile)
    return Step.to("radius")


@onboarding.ask("radius")
async def ask_radius(ctx: Context) -> list[Reply]:
    return [
        Reply(
            ctx._("How far would you go?"),
            buttons=buttons([(ctx._("{km} km", km=km), f"radius:{km}") for km in RADII_KM]),
        )
    ]


@onboarding.handle("radius")
async def on_radius(event: Event, ctx: Context) -> Step:
    choice = pressed(event) or ""
    if not choice.startswith("radius:"):
        return Step.stay(Reply(ctx._("Please choose a distance.")))
    profile = await profile_of(ctx)
    profile.radius_km = float(choice.removeprefix("radius:"))
    await ctx.uow.profiles.save(profile)
    return then(ctx, "availability")


# -- availability ----------------------------------------------------------------


@onboarding.ask("availability")
async def ask_availability(ctx: Context) -> list[Reply]:
    choices = [(ctx._(label), key) for key, label, _mask in PRESETS]
    choices.append((ctx._("Choose days and times"), "custom"))
    return [
        Reply(
            ctx._(
                "When do you usually have time? (For spontaneous time, send /now whenever "
                "you are free.)"
            ),
            buttons=column(choices),
        )
    ]


@onboarding.handle("availability")
async def on_availability(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "custom":
        ctx.data["days"], ctx.data["parts"] = [], []
        return Step.to("days")
    for key, _label, mask in PRESETS:
        if choice == key:
            profile = await profile_of(ctx)
            profile.availability = mask
            await ctx.uow.profiles.save(profile)
            return then(ctx, "notify")
    return Step.stay(Reply(ctx._("Please answer with one of the buttons.")))


@onboarding.ask("days")
async def ask_days(ctx: Context) -> list[Reply]:
    chosen = ctx.data.get("days", [])
    items = [
        (("✅ " if day in chosen else "") + ctx._(WEEKDAYS[day]), f"day:{day}") for day in range(7)
    ]
    rows = [items[:4], items[4:], [(ctx._("Done"), "done")]]
    return [Reply(ctx._("Which days?"), buttons=buttons(*rows), replace_menu=True)]


@onboarding.handle("days")
async def on_days(event: Event, ctx: Context) -> Step:
    choice = pressed(event) or ""
    if choice.startswith("day:"):
        day = int(choice.removeprefix("day:"))
        days = ctx.data.get("days", [])
        ctx.data["days"] = [d for d in days if d != day] if day in days else [*days, day]
        return Step.stay()
    if choice == "done":
        if not ctx.data.get("days"):
            return Step.stay(Reply(ctx._("Please choose at least one day.")))
        return Step.to("parts")
    return Step.stay(Reply(ctx._("Please tap the days, then Done.")))


@onboarding.ask("parts")
async def ask_parts(ctx: Context) -> list[Reply]:
    chosen = ctx.data.get("parts", [])
    items = [
        (("✅ " if part in chosen else "") + ctx._(label), f"part:{part}")
        for part, label in enumerate(PART_CHOICES)
    ]
    rows = [items, [(ctx._("Done"), "done")]]
    return [Reply(ctx._("Which times of day?"), buttons=buttons(*rows), replace_menu=True)]


@onboarding.handle("parts")
async def on_parts(event: Event, ctx: Context) -> Step:
    choice = pressed(event) or ""
    if choice.startswith("part:"):
        part = int(choice.removeprefix("part:"))
        parts = ctx.data.get("parts", [])
        ctx.data["parts"] = [p for p in parts if p != part] if part in parts else [*parts, part]
        return Step.stay()
    if choice == "done":
        if not ctx.data.get("parts"):
            return Step.stay(Reply(ctx._("Please choose at least one time of day.")))
        profile = await profile_of(ctx)
        profile.availability = availability.mask_of(
            tuple(sorted(ctx.data["days"])), tuple(sorted(ctx.data["parts"]))
        )
        await ctx.uow.profiles.save(profile)
        return then(ctx, "notify")
    return Step.stay(Reply(ctx._("Please tap the times of day, then Done.")))


# -- notifications ---------------------------------------------------------------


@onboarding.ask("notify")
async def ask_notify(ctx: Context) -> list[Reply]:
    return [
        Reply(
            ctx._("How should I tell you about new needs? I never write between 21:00 and 08:00."),
            buttons=column([(ctx._(label), f"notify:{key}") for key, label in NOTIFY_CHOICES]),
        )
    ]


@onboarding.handle("notify")
async def on_notify(event: Event, ctx: Context) -> Step:
    choice = (pressed(event) or "").removeprefix("notify:")
    if choice not in {key for key, _ in NOTIFY_CHOICES}:
        return Step.stay(Reply(ctx._("Please answer with one of the buttons.")))
    profile = await profile_of(ctx)
    profile.notify_mode = choice
    await ctx.uow.profiles.save(profile)
    return Step.to("summary")


# -- summary ---------------------------------------------------------------------


def summary_text(ctx: Context, profile: VolunteerProfile) -> str:
    notify = dict(NOTIFY_CHOICES).get(profile.notify_mode, NOTIFY_CHOICES[0][1])
    skills = [skill_label(ctx, s) for s in profile.skills] + list(profile.skills_other)
    lines = [
        ctx._("Your profile:"),
        ctx._(
            "Interests: {list}", list=", ".join(interest_label(ctx, i) for i in profile.interests)
        ),
        ctx._("Skills: {list}", list=", ".join(skills) or "–"),
        ctx._(
            "Where: {code} {place}, within {km} km",
            code=profile.postal_code or "",
            place=profile.place or "",
            km=ctx.translator.number(profile.radius_km),
        ),
        ctx._("When: {times}", times=availability_text(ctx, profile.availability)),
        ctx._("Notifications: {mode}", mode=ctx._(notify)),
    ]
    if profile.paused:
        lines.append(ctx._("Paused: I send you nothing until you /resume."))
    return "\n".join(lines)


SECTIONS = (
    ("interests", N_("Edit interests")),
    ("skills", N_("Edit skills")),
    ("place", N_("Edit place")),
    ("availability", N_("Edit times")),
    ("notify", N_("Edit notifications")),
    ("language", N_("Change the language")),
)


@onboarding.ask("summary")
async def ask_summary(ctx: Context) -> list[Reply]:
    profile = await profile_of(ctx)
    rows = [[(ctx._(label), f"edit:{state}")] for state, label in SECTIONS]
    rows.append([(ctx._("Looks good"), "done")])
    return [Reply(summary_text(ctx, profile), buttons=buttons(*rows))]


@onboarding.handle("summary")
async def on_summary(event: Event, ctx: Context) -> Step:
    choice = pressed(event) or ""
    if choice.startswith("edit:") and choice.removeprefix("edit:") in dict(SECTIONS):
        state = choice.removeprefix("edit:")
        ctx.data = {"editing": True}
        return Step.to(state)
    if choice != "done":
        return Step.stay(Reply(ctx._("Please answer with one of the buttons.")))
    profile = await profile_of(ctx)
    first_time = profile.completed_at is None
    if first_time:
        profile.completed_at = ctx.now()
        await ctx.uow.profiles.save(profile)
    replies = [Reply(ctx._("All set!") if first_time else ctx._("Saved."))]
    replies.extend(await first_matches(ctx, profile))
    return Step.finish(*replies)


# -- entry points ----------------------------------------------------------------


async def on_start(event: Event, ctx: Context) -> Step:
    found = await find_volunteer(ctx)
    if found is None:
        return Step.start(onboarding.name)
    _person, profile = found
    if profile.completed_at is None:
        return Step.start(onboarding.name, state="interests")
    return Step.stay(Reply(ctx._("Welcome back!")), Reply(help_text(ctx)))


async def on_profile(event: Event, ctx: Context) -> Step:
    found = await find_volunteer(ctx)
    if found is None or found[1].completed_at is None:
        return Step.stay(Reply(ctx._("You have no profile yet. Send /start to create one.")))
    return Step.start(onboarding.name, state="summary")


def register(registry: Registry) -> None:
    registry.add_dialog(onboarding)
    registry.add_command("start", N_("Start: set up your profile"), on_start)
    registry.add_command("profile", N_("View and edit your profile"), on_profile)
