"""Registering an organisation (/register_org) and sending it for approval.

The applicant becomes an admin at once, so /org shows them the status of the
application; but nothing about the organisation is public or matched before a
coordinator approves it, because /clubs, needs and contact requests only ever use
approved organisations. Who reviews: the coordinators of the municipality the postal
code lies in, else the operators.
"""

from __future__ import annotations

import re

from dialogs import organisations_admins, organisations_review
from dialogs.choices import (
    interests_chosen,
    interests_menu,
    pressed,
)
from dialogs.engine import Registry
from dialogs.events import Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons, column
from dialogs.i18n import N_, Translator
from dialogs.organisations_shared import (
    BUTTONS_ONLY,
    MAX_CONTACT,
    MAX_DESCRIPTION,
    MAX_NAME,
    NEEDS_PERSON,
    has_consented,
    organisation_lines,
    person_name,
    review_actions,
    reviewer_accounts,
)
from dialogs.roles import audit, roles_of
from dialogs.volunteer import kind_label, relay, written_answer
from matching import taxonomy
from storage.models import Organisation
from storage.postal_codes import PostalCode, default_directory

registration = Dialog("register_org", first="name")

MAX_ADDRESS = 300
MAX_PENDING = 3  # open applications per person: enough for real use, a brake on spam
_CODE = re.compile(r"(?<![0-9])([0-9]{5})(?![0-9])")
EDITABLE = (
    ("name", N_("Name")),
    ("kind", N_("Kind")),
    ("description", N_("Description")),
    ("interests", N_("Fields")),
    ("address", N_("Address")),
    ("reach", N_("How volunteers reach you")),
)


def then(ctx: Context, state: str) -> Step:
    """On to ``state``, or back to the summary when one field was being changed."""
    return Step.to("confirm" if ctx.data.get("editing") else state)


async def on_register_org(event: Event, ctx: Context) -> Step:
    if not has_consented(ctx) or ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._(NEEDS_PERSON)))
    if (too_many := await pending_limit(ctx)) is not None:
        return Step.stay(too_many)
    return Step.start(registration.name)


async def pending_limit(ctx: Context) -> Reply | None:
    """Checked when starting and again when sending: a brake on floods of applications."""
    assert ctx.person is not None and ctx.person.id is not None
    if await ctx.uow.governance.pending_count_of(ctx.person.id) < MAX_PENDING:
        return None
    text = ctx._(
        "You already have {n} applications waiting for approval. Please wait until "
        "they are decided.",
        n=MAX_PENDING,
    )
    return Reply(text)


# -- name, kind, description ----------------------------------------------------------


@registration.ask("name")
async def ask_name(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Let's register your organisation. A coordinator checks every new organisation "
        "before volunteers see it.\n\nWhat is its name?"
    )
    return [Reply(text)]


@registration.handle("name")
async def on_name(event: Event, ctx: Context) -> Step:
    name = written_answer(ctx, event, MAX_NAME, N_("Please write the name as a message."))
    if isinstance(name, Step):
        return name
    ctx.data["name"] = " ".join(name.split())
    return then(ctx, "kind")


@registration.ask("kind")
async def ask_kind(ctx: Context) -> list[Reply]:
    choices = [
        (kind_label(ctx, kind.id), f"kind:{kind.id}") for kind in taxonomy.ORGANISATION_KINDS
    ]
    return [Reply(ctx._("What kind of organisation is it?"), buttons=column(choices))]


@registration.handle("kind")
async def on_kind(event: Event, ctx: Context) -> Step:
    kind = (pressed(event) or "").removeprefix("kind:")
    if not taxonomy.is_organisation_kind(kind):
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    ctx.data["kind"] = kind
    return then(ctx, "description")


@registration.ask("description")
async def ask_description(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Describe it in a few sentences for volunteers: what you do and what help you "
        "look for (up to {limit} characters).",
        limit=ctx.translator.number(MAX_DESCRIPTION),
    )
    return [Reply(text)]


@registration.handle("description")
async def on_description(event: Event, ctx: Context) -> Step:
    hint = N_("Please write the description as a message.")
    text = written_answer(ctx, event, MAX_DESCRIPTION, hint)
    if isinstance(text, Step):
        return text
    ctx.data["description"] = text
    return then(ctx, "interests")


# -- interests --------------------------------------------------------------------------


@registration.ask("interests")
async def ask_interests(ctx: Context) -> list[Reply]:
    text = ctx._("Which fields does your organisation work in? Choose one or more, then Done.")
    return interests_menu(ctx, text)


@registration.handle("interests")
async def on_interests(event: Event, ctx: Context) -> Step:
    chosen = interests_chosen(event, ctx, N_("Please tap the fields that fit, then Done."))
    if isinstance(chosen, Step):
        return chosen
    ctx.data["interests"] = chosen
    return then(ctx, "address")


# -- address -----------------------------------------------------------------------------


def street_part(text: str, match: re.Match[str], found: PostalCode) -> str:
    """What is left of "Adalbertsteinweg 20, 52062 Aachen" without code and town."""
    before = text[: match.start()].strip(" ,;")
    after = text[match.end() :].strip(" ,;")
    if after.casefold().startswith(found.place.casefold()):
        after = after[len(found.place) :].strip(" ,;")
    return ", ".join(part for part in (before, after) if part)


@registration.ask("address")
async def ask_address(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Where is it? Send the address with the postal code (e.g. “Adalbertsteinweg 20, "
        "52062”) or just the postal code."
    )
    return [Reply(text)]


@registration.handle("address")
async def on_address(event: Event, ctx: Context) -> Step:
    hint = N_("Please write the address as a message.")
    text = written_answer(ctx, event, MAX_ADDRESS, hint)
    if isinstance(text, Step):
        return text
    match = _CODE.search(text)
    if match is None:
        return Step.stay(
            Reply(ctx._("I need the postal code: five digits, e.g. 52062.")), ask=False
        )
    found = default_directory().lookup(match.group(1))
    if found is None:
        reply = ctx._(
            "I could not find the postal code “{text}”. Please send five digits, e.g. 52062.",
            text=match.group(1),
        )
        return Step.stay(Reply(reply), ask=False)
    ctx.data["place"] = {
        "address": street_part(text, match, found),
        "code": found.code,
        "name": found.place,
        "district": found.district_key,
        "lat": found.latitude,
        "lon": found.longitude,
    }
    return then(ctx, "reach")


# -- how volunteers reach it -------------------------------------------------------------


@registration.ask("reach")
async def ask_reach(ctx: Context) -> list[Reply]:
    text = ctx._(
        "How may volunteers reach you? Through the bot, they write to you here and you "
        "answer here – nobody sees your messenger account. A public contact (phone, "
        "e-mail, website) is shown to everyone."
    )
    choices = [(ctx._("Only through the bot"), "bot"), (ctx._("Public contact"), "public")]
    return [Reply(text, buttons=column(choices))]


@registration.handle("reach")
async def on_reach(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "bot":
        ctx.data["contact"] = ""
        return then(ctx, "confirm")
    if choice == "public":
        return Step.to("contact")
    return Step.stay(Reply(ctx._(BUTTONS_ONLY)))


@registration.ask("contact")
async def ask_contact(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Write the public contact, e.g. phone, e-mail or website (up to {limit} characters).",
        limit=ctx.translator.number(MAX_CONTACT),
    )
    return [Reply(text)]


@registration.handle("contact")
async def on_contact(event: Event, ctx: Context) -> Step:
    hint = N_("Please write the contact as a message.")
    text = written_answer(ctx, event, MAX_CONTACT, hint)
    if isinstance(text, Step):
        return text
    ctx.data["contact"] = text
    return Step.to("confirm")


# -- summary and confirmation --------------------------------------------------------------


def draft(ctx: Context) -> Organisation:
    """The organisation as it would be stored; rendered for the summary, saved on confirm."""
    data, place = ctx.data, ctx.data.get("place", {})
    return Organisation(
        name=data.get("name", ""),
        kind=data.get("kind", ""),
        description=data.get("description", ""),
        interests=list(data.get("interests", [])),
        postal_code=place.get("code", ""),
        place=place.get("name", ""),
        address=place.get("address", ""),
        latitude=place.get("lat", 0.0),
        longitude=place.get("lon", 0.0),
        public_contact=data.get("contact") or None,
        status="pending",
        language=ctx.locale,
    )


@registration.ask("confirm")
async def ask_confirm(ctx: Context) -> list[Reply]:
    ctx.data["editing"] = True
    intro = ctx._("Please check your organisation:")
    outro = ctx._(
        "Volunteers will see this once a coordinator has approved it. Send it for approval?"
    )
    body = "\n".join(organisation_lines(ctx, draft(ctx)))
    edits = [
        (ctx._("Change: {field}", field=ctx._(label)), f"edit:{state}") for state, label in EDITABLE
    ]
    rows = buttons(
        [(ctx._("Send for approval"), "send"), (ctx._("Cancel"), "cancel")],
        *(edits[i : i + 2] for i in range(0, len(edits), 2)),
    )
    return [Reply(f"{intro}\n\n{body}\n\n{outro}", buttons=rows)]


@registration.handle("confirm")
async def on_confirm(event: Event, ctx: Context) -> Step:
    choice = pressed(event) or ""
    if choice == "cancel":
        return Step.finish(Reply(ctx._("Cancelled – nothing was registered.")))
    if choice.startswith("edit:") and choice.removeprefix("edit:") in dict(EDITABLE):
        return Step.to(choice.removeprefix("edit:"))
    if choice != "send":
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    if not has_consented(ctx) or ctx.person is None:
        return Step.finish(Reply(ctx._(NEEDS_PERSON)))
    if (too_many := await pending_limit(ctx)) is not None:
        return Step.finish(too_many)
    return await submit(ctx)


async def submit(ctx: Context) -> Step:
    """Store the application, make the applicant its (first) admin, and ask for review."""
    assert ctx.person is not None and ctx.person.id is not None
    governance = ctx.uow.governance
    municipality = await governance.municipality_for_district(ctx.data["place"]["district"])
    organisation = draft(ctx)
    organisation.applicant_id = ctx.person.id
    organisation.municipality_id = municipality.id if municipality else None
    organisation.created_at = ctx.now()
    organisation = await ctx.uow.organisations.add(organisation)
    assert organisation.id is not None
    await governance.add_admin(organisation.id, ctx.person.id)
    roles = await roles_of(ctx)
    await audit(ctx, roles, "org_register", f"organisation:{organisation.id}")
    applicant = ctx.person

    def card(t: Translator) -> str:
        head = t._("New organisation waiting for approval (no. {number}):", number=organisation.id)
        body = "\n".join(organisation_lines(t, organisation))
        by = t._("Registered by: {name}", name=person_name(t, applicant))
        return f"{head}\n\n{body}\n\n{by}"

    told = await relay(
        ctx, await reviewer_accounts(ctx, organisation), card, review_actions(organisation)
    )
    if told:
        text = ctx._(
            "Thank you! {organisation} is registered and waits for approval. I have told "
            "the coordinators and will let you know here when it is decided.",
            organisation=organisation.name,
        )
    else:
        text = ctx._(
            "Thank you! {organisation} is registered and waits in the queue for approval. "
            "I will let you know here when it is decided.",
            organisation=organisation.name,
        )
    return Step.finish(Reply(text))


def register(registry: Registry) -> None:
    """Registration here; review and admin management in their own modules."""
    registry.add_dialog(registration)
    registry.add_command("register_org", N_("Register your organisation"), on_register_org)
    organisations_review.register(registry)
    organisations_admins.register(registry)
