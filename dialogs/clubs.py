"""Organisations that fit (/clubs) and contacting them through the bot.

Nothing about the volunteer reaches an organisation before they have seen and confirmed
exactly what is shared. Answers then go back and forth through the bot, so neither side
learns the other's messenger account, and every action is checked against the request.
"""

from __future__ import annotations

from dialogs.choices import pressed
from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons, column
from dialogs.i18n import N_, Translator
from dialogs.needs import NO_PROFILE, require_profile
from dialogs.volunteer import (
    organisation_card,
    organisation_snapshot,
    relay,
    volunteer_snapshot,
    written_answer,
)
from matching.scoring import rank_organisations_for
from matching.types import Match
from storage.models import ContactRequest, Organisation, VolunteerProfile

PAGE_SIZE = 3
MAX_MESSAGE = 1000
MAX_NAME = 100
MAX_CONTACT = 200

contact = Dialog("contact", first="message")

Found = tuple[ContactRequest, Organisation] | None

NOT_YOURS = N_("Sorry, you are not allowed to answer this request.")
DELETED = N_("This person has deleted their data.")
NOT_LISTED = N_("This organisation is not listed any more.")
NOT_SHARED = N_("not shared – replies go through the bot")
BUTTONS_ONLY = N_("Please answer with one of the buttons.")
REPLY, DECLINE = N_("Reply"), N_("Decline")
SKIP_HINT = N_("Please write a phone number or e-mail, or press Skip.")


# -- /clubs ------------------------------------------------------------------------


async def ranked_organisations(
    ctx: Context, profile: VolunteerProfile
) -> list[tuple[Organisation, Match]]:
    """Organisations within the volunteer's radius; shared interests first."""
    if profile.latitude is None or profile.longitude is None:
        return []
    candidates = await ctx.uow.directory.organisations_near(
        profile.latitude, profile.longitude, profile.radius_km
    )
    by_id = {organisation.id: organisation for organisation in candidates}
    matches = rank_organisations_for(
        await volunteer_snapshot(ctx, profile), [organisation_snapshot(o) for o in candidates]
    )
    return [(by_id[match.id], match) for match in matches]


async def clubs_page(ctx: Context, profile: VolunteerProfile, offset: int = 0) -> list[Reply]:
    ranked = await ranked_organisations(ctx, profile)
    page = ranked[offset : offset + PAGE_SIZE]
    if not page:
        if offset:
            return [Reply(ctx._("That was everything for now."))]
        km = ctx.translator.number(profile.radius_km)
        text = ctx._(
            "No organisation within {km} km is listed yet. You can widen your radius with "
            "/profile.",
            km=km,
        )
        return [Reply(text)]
    replies = [] if offset else [Reply(ctx._("Organisations near you:"))]
    replies += [organisation_card(ctx, organisation, match) for organisation, match in page]
    rest = len(ranked) - offset - len(page)
    if rest > 0:
        replies.append(
            Reply(
                ctx.ngettext("{n} more organisation.", "{n} more organisations.", rest),
                buttons=buttons([(ctx._("More"), f"@clubs_more:{offset + PAGE_SIZE}")]),
            )
        )
    return replies


async def on_clubs(event: Event, ctx: Context) -> Step:
    profile = await require_profile(ctx)
    if profile is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    return Step.stay(*await clubs_page(ctx, profile))


async def on_clubs_more(event: ButtonPress, ctx: Context, argument: str) -> Step:
    profile = await require_profile(ctx)
    if profile is None or not argument.isdecimal():
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    return Step.stay(*await clubs_page(ctx, profile, offset=int(argument)))


# -- writing to an organisation -------------------------------------------------------


def admin_actions(request: ContactRequest) -> list[tuple[str, str]]:
    return [(REPLY, f"@contact_reply:{request.id}"), (DECLINE, f"@contact_decline:{request.id}")]


def unreachable(ctx: Context, organisation: Organisation) -> Reply:
    """Without an admin on a messenger: the public contact, or an honest "not yet"."""
    name, public = organisation.name, organisation.public_contact
    if public:
        return Reply(
            ctx._(
                "{organisation} can't be reached through the bot yet, but you can contact "
                "them directly: {contact}",
                organisation=name,
                contact=public,
            )
        )
    return Reply(
        ctx._("Sorry, {organisation} can't be reached through the bot yet.", organisation=name)
    )


async def listed(ctx: Context, organisation_id: object) -> Organisation | None:
    if not str(organisation_id).isdecimal():
        return None
    organisation = await ctx.uow.directory.organisation(int(str(organisation_id)))
    return organisation if organisation and organisation.status == "approved" else None


async def on_contact(event: ButtonPress, ctx: Context, argument: str) -> Step:
    if await require_profile(ctx) is None:
        return Step.stay(Reply(ctx._(NO_PROFILE)))
    organisation = await listed(ctx, argument)
    if organisation is None or organisation.id is None:
        return Step.stay(Reply(ctx._(NOT_LISTED)))
    if not await ctx.uow.directory.admin_accounts(organisation.id):
        return Step.stay(unreachable(ctx, organisation))
    return Step.start(contact.name, data={"org": organisation.id, "org_name": organisation.name})


@contact.ask("message")
async def ask_message(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Write a short introduction for {organisation}: who you are and how you would like "
        "to help (up to {limit} characters).",
        organisation=ctx.data.get("org_name", ""),
        limit=ctx.translator.number(MAX_MESSAGE),
    )
    return [Reply(text)]


@contact.handle("message")
async def on_message(event: Event, ctx: Context) -> Step:
    text = written_answer(
        ctx, event, MAX_MESSAGE, N_("Please write your introduction as a message.")
    )
    if isinstance(text, Step):
        return text
    ctx.data["message"] = text
    return Step.to("share")


@contact.ask("share")
async def ask_share(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Should {organisation} see your name? Either way they answer you here, through "
        "the bot – they never see your messenger account.",
        organisation=ctx.data.get("org_name", ""),
    )
    choices = [(ctx._("Only reply through the bot"), "bot"), (ctx._("Share my name"), "name")]
    return [Reply(text, buttons=column(choices))]


@contact.handle("share")
async def on_share(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "bot":
        ctx.data["name"], ctx.data["contact"] = "", ""
        return Step.to("confirm")
    if choice == "name":
        return Step.to("name")
    return Step.stay(Reply(ctx._(BUTTONS_ONLY)))


@contact.ask("name")
async def ask_name(ctx: Context) -> list[Reply]:
    organisation = ctx.data.get("org_name", "")
    return [Reply(ctx._("Which name should {organisation} see?", organisation=organisation))]


@contact.handle("name")
async def on_name(event: Event, ctx: Context) -> Step:
    name = written_answer(ctx, event, MAX_NAME, N_("Please write the name as a message."))
    if isinstance(name, Step):
        return name
    ctx.data["name"] = name
    return Step.to("reach")


@contact.ask("reach")
async def ask_reach(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Would you like to share a phone number or e-mail address too? Write it, or press Skip."
    )
    return [Reply(text, buttons=buttons([(ctx._("Skip"), "skip")]))]


@contact.handle("reach")
async def on_reach(event: Event, ctx: Context) -> Step:
    reach = "" if pressed(event) == "skip" else written_answer(ctx, event, MAX_CONTACT, SKIP_HINT)
    if isinstance(reach, Step):
        return reach
    ctx.data["contact"] = reach
    return Step.to("confirm")


def shared_text(t: Translator, name: str, reach: str, message: str) -> str:
    """The same lines in the volunteer's preview and at the organisation."""
    return "\n".join(
        [
            t.gettext("Name: {name}", name=name or t.gettext(NOT_SHARED)),
            t.gettext("Contact: {contact}", contact=reach or t.gettext(NOT_SHARED)),
            t.gettext("Message:"),
            message,
        ]
    )


@contact.ask("confirm")
async def ask_confirm(ctx: Context) -> list[Reply]:
    data = ctx.data
    organisation = data.get("org_name", "")
    intro = ctx._("This is exactly what {organisation} will get:", organisation=organisation)
    body = shared_text(ctx.translator, data["name"], data["contact"], data["message"])
    choices = [(ctx._("Send"), "send"), (ctx._("Cancel"), "cancel")]
    return [Reply(f"{intro}\n\n{body}", buttons=buttons(choices))]


@contact.handle("confirm")
async def on_confirm(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "cancel":
        return Step.finish(Reply(ctx._("Cancelled – nothing was sent.")))
    if choice != "send":
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    organisation = await listed(ctx, ctx.data.get("org"))
    if organisation is None or organisation.id is None or ctx.person is None:
        return Step.finish(Reply(ctx._(NOT_LISTED)))
    admins = await ctx.uow.directory.admin_accounts(organisation.id)
    if not admins:
        return Step.finish(unreachable(ctx, organisation))
    request = await ctx.uow.contacts.add(
        ContactRequest(
            person_id=ctx.person.id,
            organisation_id=organisation.id,
            message=ctx.data["message"],
            shared_name=ctx.data["name"],
            shared_contact=ctx.data["contact"],
            created_at=ctx.now(),
        )
    )

    def card(t: Translator) -> str:
        head = t.gettext(
            "New contact request for {organisation} (no. {number}):",
            organisation=organisation.name,
            number=request.id,
        )
        body = shared_text(t, request.shared_name, request.shared_contact, request.message)
        return f"{head}\n\n{body}"

    await relay(ctx, admins, card, admin_actions(request))
    text = ctx._(
        "Sent to {organisation}. When they answer, I'll pass it on to you here.",
        organisation=organisation.name,
    )
    return Step.finish(Reply(text))


def register(registry: Registry) -> None:
    registry.add_dialog(contact)
    registry.add_command("clubs", N_("Organisations that fit you"), on_clubs)
    registry.add_action("clubs_more", on_clubs_more)
    registry.add_action("contact", on_contact)
