"""Onboarding, second half: where (postal code or location, radius), when (regular
times), how to notify, and the summary that also serves /profile."""

from __future__ import annotations

import math

from dialogs.choices import pressed
from dialogs.events import Event, LocationShared, Reply, TextMessage
from dialogs.flow import Context, Step, buttons, column
from dialogs.i18n import N_
from dialogs.need_link import PENDING_NEED
from dialogs.needs import first_matches
from dialogs.onboarding import (
    NOTIFY_CHOICES,
    PART_CHOICES,
    PRESETS,
    onboarding,
    profile_of,
    then,
)
from dialogs.volunteer import (
    RADII_KM,
    WEEKDAYS,
    availability_text,
    interest_label,
    skill_label,
)
from matching import availability
from matching.geo import round_location
from storage.models import VolunteerProfile
from storage.postal_codes import default_directory

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
        # Keep what must survive an edit: a need from a web link waits for the summary.
        kept = {key: ctx.data[key] for key in (PENDING_NEED,) if key in ctx.data}
        ctx.data = {"editing": True, **kept}
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
