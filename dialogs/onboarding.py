"""Onboarding (/start): consent, language, interests, skills, place, radius, times,
notifications, summary. The same states edit the profile later (/profile)."""

from __future__ import annotations

from dialogs.choices import (
    interests_chosen,
    interests_menu,
    pressed,
    toggle_rows,
    toggled,
)
from dialogs.core import chosen_locale, help_text, language_buttons
from dialogs.engine import Registry
from dialogs.events import Command, Event, Reply, TextMessage
from dialogs.flow import Context, Dialog, Step, buttons
from dialogs.i18n import N_, available_locales, language_name
from dialogs.need_link import need_from_start
from dialogs.organisations_admins import join_from_start
from dialogs.volunteer import (
    find_volunteer,
    skill_label,
)
from matching import availability, taxonomy
from storage.models import VolunteerProfile

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


async def profile_of(ctx: Context) -> VolunteerProfile:
    found = await find_volunteer(ctx)
    if found is None:
        raise LookupError("onboarding step after consent without a profile")
    return found[1]


def then(ctx: Context, state: str, *replies: Reply) -> Step:
    """Go on to ``state``, or back to the summary when a single part was edited."""
    return Step.to("summary" if ctx.data.get("editing") else state, *replies)


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
                *(
                    [(f"🌐 {language_name(code)}", f"lang:{code}") for code in others[i : i + 3]]
                    for i in range(0, len(others), 3)
                ),
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
    if event.sender_name and not person.display_name:
        person.display_name = " ".join(event.sender_name.split())[:200]
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
    text = ctx._("What would you like to help with? Choose one or more, then press Done.")
    return interests_menu(ctx, text)


@onboarding.handle("interests")
async def on_interests(event: Event, ctx: Context) -> Step:
    chosen = interests_chosen(event, ctx, N_("Please tap the fields that interest you, then Done."))
    if isinstance(chosen, Step):
        return chosen
    profile = await profile_of(ctx)
    profile.interests = chosen
    await ctx.uow.profiles.save(profile)
    return then(ctx, "skills")


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


# -- entry points ----------------------------------------------------------------


async def on_start(event: Event, ctx: Context) -> Step:
    if isinstance(event, Command) and event.args.startswith("join_"):  # an admin invitation
        return await join_from_start(ctx, event.args.removeprefix("join_"))
    if isinstance(event, Command) and event.args.startswith("need_"):  # the public web page
        return await need_from_start(ctx, event.args.removeprefix("need_"), onboarding.name)
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
    # The later states live in their own module; importing it adds them to the dialog.
    from dialogs import onboarding_details  # noqa: F401

    registry.add_dialog(onboarding)
    registry.add_command("start", N_("Start: set up your profile"), on_start)
    registry.add_command("profile", N_("View and edit your profile"), on_profile)
