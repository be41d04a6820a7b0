"""Municipalities and their coordinators (operators only), and /whoami.

A coordinator is appointed with a one-time person code the future coordinator gets
from /whoami and hands to an operator: nobody can be made a coordinator by typing
someone else's name, and operators never need to see a messenger id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from dialogs import coordination_announcements, coordination_broadcast, coordination_stats
from dialogs.choices import pressed
from dialogs.coordination_common import (
    BUTTONS_ONLY,
    UNKNOWN_MUNICIPALITY,
    check_new_municipality,
    district_codes,
    district_name,
    new_municipality_problem,
    person_label,
)
from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons, column
from dialogs.i18n import N_, Translator
from dialogs.roles import Roles, audit, refusal, roles_of
from dialogs.volunteer import relay
from storage.models import Municipality, Person

APPOINT_CODE_VALID = timedelta(hours=24)
MUNICIPALITY_USAGE = N_(
    "Usage: /municipality add <district key> <name>, e.g. /municipality add 05334 Aachen"
)
COORDINATOR_USAGE = N_(
    "Usage: /coordinator add <municipality> <person code>. The future coordinator gets "
    "their person code with /whoami. To remove a coordinator, send /coordinators <municipality>."
)

adding = Dialog("municipality_add", first="confirm")


# -- /whoami ----------------------------------------------------------------------------


async def role_lines(ctx: Context, roles: Roles) -> list[str]:
    lines = []
    if roles.operator:
        lines.append(ctx._("Operator of this bot."))
    if roles.coordinator_of:
        municipalities = await ctx.uow.governance.municipalities()
        mine = [m.name for m in municipalities if m.id in roles.coordinator_of]
        lines.append(ctx._("Coordinator for: {municipalities}", municipalities=", ".join(mine)))
    if roles.person_id is not None and roles.admin_of:
        organisations = await ctx.uow.governance.organisations_of(roles.person_id)
        names = ", ".join(organisation.name for organisation in organisations)
        lines.append(ctx._("Admin of: {organisations}", organisations=names))
    return lines or [ctx._("Volunteer – no special roles.")]


async def whoami_card(ctx: Context) -> Step:
    assert ctx.person is not None and ctx.person.id is not None
    roles = await roles_of(ctx)
    code = await ctx.uow.governance.issue_code(
        "appoint", ctx.person.id, ctx.now(), valid_for=APPOINT_CODE_VALID
    )
    lines = [ctx._("Your name here: {name}", name=person_label(ctx, ctx.person))]
    lines += await role_lines(ctx, roles)
    if roles.is_coordinator:
        lines.append(ctx._("As a coordinator you can use /broadcast, /broadcasts and /stats."))
    if roles.operator:
        lines.append(
            ctx._(
                "As an operator you can also use /municipality add, /municipalities, "
                "/coordinator add and /coordinators."
            )
        )
    lines.append(
        ctx._(
            "Your person code: {code} (valid for 24 hours). An operator needs it to appoint "
            "you as a coordinator – give it to nobody else.",
            code=code,
        )
    )
    return Step.stay(Reply("\n".join(lines)))


async def on_whoami(event: Event, ctx: Context) -> Step:
    if ctx.person is not None and ctx.person.id is not None:
        return await whoami_card(ctx)
    text = ctx._(
        "I don't know you yet. To give you a role (coordinator, say), I need to store your "
        "messenger account and name. Only this service uses them; /delete removes them. "
        "Store them?"
    )
    choices = [(ctx._("Yes, store them"), "@whoami_store"), (ctx._("No, thanks"), "@whoami_no")]
    return Step.stay(Reply(text, buttons=buttons(choices)))


async def on_whoami_store(event: ButtonPress, ctx: Context, argument: str) -> Step:
    if ctx.person is None:
        who = ctx.identity
        person = await ctx.uow.people.create_with_account(
            transport=who.transport, user_id=who.user_id, chat_id=who.chat_id, locale=ctx.locale
        )
        person.consented_at = ctx.now()
        if event.sender_name:
            person.display_name = " ".join(event.sender_name.split())[:200]
        await ctx.uow.people.save(person)
        ctx.person = person
    return await whoami_card(ctx)


async def on_whoami_no(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return Step.stay(Reply(ctx._("All right – I have stored nothing.")))


# -- municipalities -----------------------------------------------------------------------


async def on_municipality(event: Event, ctx: Context) -> Step:
    roles = await roles_of(ctx)
    if not roles.operator:
        return refusal(ctx)
    verb, _, rest = str(getattr(event, "args", "")).strip().partition(" ")
    key, _, name = rest.strip().partition(" ")
    if verb.casefold() != "add" or not key or not name.strip():
        return Step.stay(Reply(ctx._(MUNICIPALITY_USAGE)))
    draft = await check_new_municipality(ctx.uow, key, name)
    if draft.problem:
        return Step.stay(Reply(new_municipality_problem(ctx, draft)))
    data = {"key": draft.district_key, "name": draft.name, "slug": draft.slug}
    return Step.start(adding.name, data=data)


@adding.ask("confirm")
async def ask_add(ctx: Context) -> list[Reply]:
    key = ctx.data["key"]
    text = ctx._(
        "Add the municipality {name} (short name: {slug}) for the district {district} "
        "({key}, {count} postal codes)?",
        name=ctx.data["name"],
        slug=ctx.data["slug"],
        district=district_name(key),
        key=key,
        count=ctx.translator.number(len(district_codes(key))),
    )
    choices = [(ctx._("Add"), "add"), (ctx._("Cancel"), "cancel")]
    return [Reply(text, buttons=buttons(choices))]


@adding.handle("confirm")
async def on_add(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "cancel":
        return Step.finish(Reply(ctx._("Cancelled – nothing was added.")))
    if choice != "add":
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    roles = await roles_of(ctx)
    if not roles.operator:
        return Step.finish(*refusal(ctx).replies)
    draft = await check_new_municipality(ctx.uow, ctx.data["key"], ctx.data["name"])
    if draft.problem:
        return Step.finish(Reply(new_municipality_problem(ctx, draft)))
    municipality = await ctx.uow.municipalities.add(
        Municipality(name=draft.name, slug=draft.slug, district_key=draft.district_key)
    )
    target = f"municipality:{municipality.id}"
    await audit(ctx, roles, "municipality_added", target, district_key=draft.district_key)
    text = ctx._(
        "Added {name}. Appoint its coordinators with /coordinator add {slug} <person code>; "
        "they get their code with /whoami.",
        name=municipality.name,
        slug=municipality.slug,
    )
    return Step.finish(Reply(text))


async def on_municipalities(event: Event, ctx: Context) -> Step:
    if not (await roles_of(ctx)).operator:
        return refusal(ctx)
    municipalities = await ctx.uow.governance.municipalities()
    if not municipalities:
        return Step.stay(Reply(ctx._(MUNICIPALITY_USAGE)))
    lines = [ctx._("Municipalities:")]
    for municipality in municipalities:
        assert municipality.id is not None
        count = len(await ctx.uow.governance.coordinators(municipality.id))
        lines.append(
            "• "
            + ctx.ngettext(
                "{name} – {slug}, district {key}, {n} coordinator",
                "{name} – {slug}, district {key}, {n} coordinators",
                count,
                name=municipality.name,
                slug=municipality.slug,
                key=municipality.district_key,
            )
        )
    lines.append(ctx._("Coordinators of one: /coordinators <short name>"))
    return Step.stay(Reply("\n".join(lines)))


# -- coordinators --------------------------------------------------------------------------


async def on_coordinator(event: Event, ctx: Context) -> Step:
    roles = await roles_of(ctx)
    if not roles.operator:
        return refusal(ctx)
    parts = str(getattr(event, "args", "")).split()
    if len(parts) != 3 or parts[0].casefold() != "add":
        return Step.stay(Reply(ctx._(COORDINATOR_USAGE)))
    municipality = await ctx.uow.municipalities.by_slug(parts[1].casefold())
    if municipality is None or municipality.id is None:
        return Step.stay(Reply(ctx._(UNKNOWN_MUNICIPALITY, slug=parts[1][:60])))
    code = await ctx.uow.governance.redeem_code(parts[2], "appoint", ctx.now())
    person = await ctx.uow.governance.person(code.person_id) if code else None
    if person is None or person.id is None:
        text = ctx._(
            "That person code is wrong, expired or already used. The future coordinator "
            "gets a fresh one with /whoami."
        )
        return Step.stay(Reply(text))
    name = person_label(ctx, person)
    if not await ctx.uow.governance.appoint_coordinator(municipality.id, person.id):
        text = ctx._(
            "{name} already coordinates {municipality}.", name=name, municipality=municipality.name
        )
        return Step.stay(Reply(text))
    target = f"municipality:{municipality.id}"
    await audit(ctx, roles, "coordinator_appointed", target, person=person.id)
    await tell_person(
        ctx,
        person,
        lambda t: t.gettext(
            "You are now a coordinator for {municipality}. Send /whoami to see what you can do.",
            municipality=municipality.name,
        ),
    )
    text = ctx._(
        "{name} now coordinates {municipality}.", name=name, municipality=municipality.name
    )
    return Step.stay(Reply(text))


async def tell_person(ctx: Context, person: Person, text: Callable[[Translator], str]) -> None:
    """Tell someone about their role, on each of their messengers, in their language."""
    assert person.id is not None
    accounts = await ctx.uow.people.accounts_of(person.id)
    await relay(ctx, [a for a in accounts if a.unreachable_since is None], text)


async def coordinator_list(ctx: Context, municipality: Municipality) -> Step:
    assert municipality.id is not None
    people = await ctx.uow.governance.coordinators(municipality.id)
    if not people:
        text = ctx._(
            "{municipality} has no coordinators yet. Appoint one with "
            "/coordinator add {slug} <person code>.",
            municipality=municipality.name,
            slug=municipality.slug,
        )
        return Step.stay(Reply(text))
    replies = [Reply(ctx._("Coordinators of {municipality}:", municipality=municipality.name))]
    for person in people:
        value = f"@coord_remove:{municipality.id}:{person.id}"
        replies.append(
            Reply(person_label(ctx, person), buttons=buttons([(ctx._("Remove"), value)]))
        )
    return Step.stay(*replies)


async def on_coordinators(event: Event, ctx: Context) -> Step:
    if not (await roles_of(ctx)).operator:
        return refusal(ctx)
    slug = str(getattr(event, "args", "")).strip()
    if slug:
        municipality = await ctx.uow.municipalities.by_slug(slug.split()[0].casefold())
        if municipality is None:
            return Step.stay(Reply(ctx._(UNKNOWN_MUNICIPALITY, slug=slug[:60])))
        return await coordinator_list(ctx, municipality)
    municipalities = await ctx.uow.governance.municipalities()
    if not municipalities:
        return Step.stay(Reply(ctx._(MUNICIPALITY_USAGE)))
    choices = [(m.name, f"@coords:{m.id}") for m in municipalities]
    return Step.stay(Reply(ctx._("Which municipality?"), buttons=column(choices)))


async def on_coords(event: ButtonPress, ctx: Context, argument: str) -> Step:
    if not (await roles_of(ctx)).operator:
        return refusal(ctx)
    municipality = (
        await ctx.uow.governance.municipality(int(argument)) if argument.isdecimal() else None
    )
    if municipality is None:
        return Step.stay(Reply(ctx._("This municipality does not exist any more.")))
    return await coordinator_list(ctx, municipality)


async def appointment(ctx: Context, argument: str) -> tuple[Roles, Municipality, Person] | Step:
    """The operator, municipality and coordinator a Remove button names, checked now."""
    roles = await roles_of(ctx)
    if not roles.operator:
        return refusal(ctx)
    municipality_id, _, person_id = argument.partition(":")
    if not (municipality_id.isdecimal() and person_id.isdecimal()):
        return refusal(ctx)
    municipality = await ctx.uow.governance.municipality(int(municipality_id))
    coordinators = await ctx.uow.governance.coordinators(int(municipality_id))
    person = next((p for p in coordinators if p.id == int(person_id)), None)
    if municipality is None or person is None:
        return Step.stay(Reply(ctx._("This person is not a coordinator there any more.")))
    return roles, municipality, person


async def on_coord_remove(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await appointment(ctx, argument)
    if isinstance(found, Step):
        return found
    _roles, municipality, person = found
    text = ctx._(
        "Remove {name} as coordinator of {municipality}? They can then no longer review "
        "organisations, send announcements or see statistics there.",
        name=person_label(ctx, person),
        municipality=municipality.name,
    )
    choices = [
        (ctx._("Yes, remove"), f"@coord_remove_yes:{argument}"),
        (ctx._("No, keep"), "@coord_keep"),
    ]
    return Step.stay(Reply(text, buttons=buttons(choices)))


async def on_coord_remove_yes(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await appointment(ctx, argument)
    if isinstance(found, Step):
        return found
    roles, municipality, person = found
    assert municipality.id is not None and person.id is not None
    await ctx.uow.governance.dismiss_coordinator(municipality.id, person.id)
    await audit(
        ctx, roles, "coordinator_dismissed", f"municipality:{municipality.id}", person=person.id
    )
    await tell_person(
        ctx,
        person,
        lambda t: t.gettext(
            "You are no longer a coordinator for {municipality}.", municipality=municipality.name
        ),
    )
    text = ctx._(
        "Removed: {name} no longer coordinates {municipality}.",
        name=person_label(ctx, person),
        municipality=municipality.name,
    )
    return Step.stay(Reply(text))


async def on_coord_keep(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return Step.stay(Reply(ctx._("Nothing changed.")))


def register(registry: Registry) -> None:
    """Everything coordination: roles and municipalities here, broadcasts and /stats
    in their own modules."""
    registry.add_dialog(adding)
    registry.add_command("whoami", N_("Your roles and your person code"), on_whoami)
    coordination_announcements.register(registry)
    coordination_broadcast.register(registry)
    coordination_stats.register(registry)
    registry.add_command(
        "municipality", N_("Operators: add a municipality"), on_municipality, public=False
    )
    registry.add_command(
        "municipalities", N_("Operators: list the municipalities"), on_municipalities, public=False
    )
    registry.add_command(
        "coordinator", N_("Operators: appoint a coordinator"), on_coordinator, public=False
    )
    registry.add_command(
        "coordinators", N_("Operators: list and remove coordinators"), on_coordinators, public=False
    )
    for name, action in (
        ("whoami_store", on_whoami_store),
        ("whoami_no", on_whoami_no),
        ("coords", on_coords),
        ("coord_remove", on_coord_remove),
        ("coord_remove_yes", on_coord_remove_yes),
        ("coord_keep", on_coord_keep),
    ):
        registry.add_action(name, action)
