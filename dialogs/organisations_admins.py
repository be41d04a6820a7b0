"""An organisation's admins: /org, editing the public description and contact,
inviting co-admins with a one-time code (/join CODE), and removing admins.

Each button is re-checked against the presser's rights when pressed; admins see each
other only by display name, never by messenger id; an organisation always keeps at
least one admin.
"""

from __future__ import annotations

from dialogs.choices import pressed
from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons, column
from dialogs.i18n import N_, Translator
from dialogs.organisations_edit import edit_buttons
from dialogs.organisations_edit import register as register_edit
from dialogs.organisations_shared import (
    BUTTONS_ONLY,
    NEEDS_PERSON,
    administered,
    has_consented,
    organisation_from,
    organisation_lines,
    person_name,
    status_label,
)
from dialogs.roles import Roles, audit, roles_of
from dialogs.volunteer import relay
from storage.models import Organisation, Person

INVITE = "admin_invite"
removal = Dialog("org_remove_admin", first="choose")


# -- /org ---------------------------------------------------------------------------------


async def on_org(event: Event, ctx: Context) -> Step:
    if not has_consented(ctx) or ctx.person is None or ctx.person.id is None:
        return Step.stay(Reply(ctx._(NEEDS_PERSON)))
    organisations = await ctx.uow.governance.organisations_of(ctx.person.id)
    if not organisations:
        text = ctx._(
            "You don't manage an organisation yet. Send /register_org to register one, "
            "or /join with a code from an admin."
        )
        return Step.stay(Reply(text))
    if len(organisations) == 1:
        return Step.stay(manage_card(ctx, organisations[0]))
    choices = [(o.name, f"@org_manage:{o.id}") for o in organisations]
    return Step.stay(Reply(ctx._("Which organisation?"), buttons=column(choices)))


async def on_org_manage(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await administered(ctx, argument)
    if isinstance(found, str):
        return Step.stay(Reply(found))
    return Step.stay(manage_card(ctx, found[0]))


def manage_card(ctx: Context, organisation: Organisation) -> Reply:
    status = ctx._("Status: {status}", status=status_label(ctx, organisation.status))
    text = "\n".join([*organisation_lines(ctx, organisation), "", status])
    number = organisation.id
    rows = buttons(
        *edit_buttons(ctx, organisation),
        [
            (ctx._("Invite co-admin"), f"@org_invite:{number}"),
            (ctx._("Remove admin"), f"@org_remove:{number}"),
        ],
    )
    return Reply(text, buttons=rows)


# -- inviting a co-admin ---------------------------------------------------------------------


async def on_org_invite(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await administered(ctx, argument)
    if isinstance(found, str):
        return Step.stay(Reply(found))
    organisation, roles = found
    if roles.person_id is None:
        return Step.stay(Reply(ctx._(NEEDS_PERSON)))
    code = await ctx.uow.governance.issue_code(
        INVITE, roles.person_id, ctx.now(), organisation_id=organisation.id
    )
    await audit(ctx, roles, "admin_invite", f"organisation:{organisation.id}")
    text = ctx._(
        "Here is a one-time code for a new co-admin of {organisation}:\n\n{code}\n\n"
        "Pass it on to them; they send me /join {code} (after /start, if they are new "
        "here). The code works once and expires in 24 hours.",
        organisation=organisation.name,
        code=code,
    )
    return Step.stay(Reply(text))


async def on_join(event: Event, ctx: Context) -> Step:
    code = getattr(event, "args", "").strip()
    if not code:
        text = ctx._("Send /join followed by the code an admin gave you, e.g. /join ABCD234567.")
        return Step.stay(Reply(text))
    return await join_with_code(ctx, code)


async def join_with_code(ctx: Context, code: str) -> Step:
    """Redeem an invitation. The person is checked first, so a code stays valid for
    someone who still has to send /start."""
    if not has_consented(ctx) or ctx.person is None or ctx.person.id is None:
        text = ctx._(
            "Please send /start first and agree to how I store your data. Then send "
            "/join {code} again – the code stays valid until it expires.",
            code=code[:32],
        )
        return Step.stay(Reply(text))
    governance = ctx.uow.governance
    redeemed = await governance.redeem_code(code, INVITE, ctx.now())
    invalid = ctx._(
        "This code is not valid: it may have been used already or expired. "
        "Please ask an admin for a new one."
    )
    if redeemed is None or redeemed.organisation_id is None:
        return Step.stay(Reply(invalid))
    organisation = await organisation_from(ctx, redeemed.organisation_id)
    if organisation is None or organisation.status == "rejected":
        return Step.stay(Reply(invalid))
    if not await inviter_still_admin(ctx, redeemed.person_id, redeemed.organisation_id):
        return Step.stay(Reply(invalid))
    assert organisation.id is not None
    roles = await roles_of(ctx)
    if not await governance.add_admin(organisation.id, ctx.person.id):
        text = ctx._("You are already an admin of {organisation}.", organisation=organisation.name)
        return Step.stay(Reply(text))
    await audit(
        ctx, roles, "admin_join", f"organisation:{organisation.id}", invited_by=redeemed.person_id
    )
    newcomer = ctx.person

    def news(t: Translator) -> str:
        return t._(
            "{name} has joined {organisation} as a co-admin.",
            name=person_name(t, newcomer),
            organisation=organisation.name,
        )

    inviter = await ctx.uow.people.accounts_of(redeemed.person_id)
    await relay(ctx, [a for a in inviter if a.unreachable_since is None], news)
    text = ctx._(
        "Welcome! You are now an admin of {organisation}. Send /org to manage it.",
        organisation=organisation.name,
    )
    return Step.stay(Reply(text))


async def inviter_still_admin(ctx: Context, person_id: int, organisation_id: int) -> bool:
    """A code is only as good as its issuer's rights when it is used."""
    if person_id in await ctx.uow.governance.admin_ids(organisation_id):
        return True
    accounts = await ctx.uow.people.accounts_of(person_id)
    return any((a.transport, a.user_id) in ctx.config.operators for a in accounts)


async def join_from_start(ctx: Context, code: str) -> Step:
    """``/start join_CODE`` (a Telegram deep link): join now, or set up first."""
    if has_consented(ctx):
        return await join_with_code(ctx, code)
    text = ctx._(
        "You have been invited to help run an organisation. Let's set you up first; "
        "then send /join {code} – the code stays valid until it expires.",
        code=code[:32],
    )
    return Step.start("onboarding", Reply(text))


# -- removing an admin --------------------------------------------------------------------


async def on_org_remove(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await administered(ctx, argument)
    if isinstance(found, str):
        return Step.stay(Reply(found))
    organisation = found[0]
    assert organisation.id is not None
    if len(await ctx.uow.governance.admin_ids(organisation.id)) < 2:
        return Step.stay(Reply(last_admin_text(ctx, organisation)))
    return Step.start(removal.name, data={"org": organisation.id})


def last_admin_text(ctx: Context, organisation: Organisation) -> str:
    return ctx._(
        "{organisation} has only one admin, and an organisation needs at least one. "
        "Invite a co-admin first.",
        organisation=organisation.name,
    )


def admin_label(ctx: Context, person: Person) -> str:
    name = person_name(ctx, person)
    if ctx.person is not None and person.id == ctx.person.id:
        return ctx._("{name} (you)", name=name)
    return name


@removal.ask("choose")
async def ask_choose(ctx: Context) -> list[Reply]:
    admins = await ctx.uow.governance.admins(int(ctx.data["org"]))
    choices = [(admin_label(ctx, person), f"person:{person.id}") for person in admins]
    choices.append((ctx._("Cancel"), "cancel"))
    return [Reply(ctx._("Whom should I remove as admin?"), buttons=column(choices))]


@removal.handle("choose")
async def on_choose(event: Event, ctx: Context) -> Step:
    choice = pressed(event) or ""
    if choice == "cancel":
        return Step.finish(Reply(ctx._("Cancelled – nobody was removed.")))
    person_id = choice.removeprefix("person:")
    if not choice.startswith("person:") or not person_id.isdecimal():
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    person = await ctx.uow.governance.person(int(person_id))
    if person is None:
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    ctx.data["person"] = person.id
    ctx.data["label"] = admin_label(ctx, person)
    return Step.to("confirm")


@removal.ask("confirm")
async def ask_confirm(ctx: Context) -> list[Reply]:
    text = ctx._("Remove {name} as admin?", name=ctx.data.get("label", ""))
    choices = [(ctx._("Yes, remove"), "yes"), (ctx._("Cancel"), "cancel")]
    return [Reply(text, buttons=buttons(choices))]


@removal.handle("confirm")
async def on_confirm(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "cancel":
        return Step.finish(Reply(ctx._("Cancelled – nobody was removed.")))
    if choice != "yes":
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    found = await administered(ctx, ctx.data.get("org"))
    if isinstance(found, str):
        return Step.finish(Reply(found))
    organisation, roles = found
    return Step.finish(await remove(ctx, organisation, roles, int(ctx.data["person"])))


async def remove(ctx: Context, organisation: Organisation, roles: Roles, person_id: int) -> Reply:
    """Remove one admin, never the last; checked again now, as others may have acted."""
    governance = ctx.uow.governance
    assert organisation.id is not None
    admins = await governance.admin_ids(organisation.id)
    if person_id not in admins:
        return Reply(ctx._("{name} is not an admin any more.", name=ctx.data.get("label", "")))
    if len(admins) < 2:
        return Reply(last_admin_text(ctx, organisation))
    accounts = await ctx.uow.people.accounts_of(person_id)
    await governance.remove_admin(organisation.id, person_id)
    await audit(ctx, roles, "admin_remove", f"organisation:{organisation.id}", person=person_id)
    if person_id == roles.person_id:
        text = ctx._(
            "You are no longer an admin of {organisation}.", organisation=organisation.name
        )
        return Reply(text)

    def news(t: Translator) -> str:
        return t._("You are no longer an admin of {organisation}.", organisation=organisation.name)

    await relay(ctx, [a for a in accounts if a.unreachable_since is None], news)
    return Reply(ctx._("Removed {name} as admin.", name=ctx.data.get("label", "")))


def register(registry: Registry) -> None:
    registry.add_dialog(removal)
    registry.add_command("org", N_("Manage your organisation"), on_org)
    registry.add_command("join", N_("Become co-admin with a code"), on_join, public=False)
    registry.add_action("org_manage", on_org_manage)
    registry.add_action("org_invite", on_org_invite)
    registry.add_action("org_remove", on_org_remove)
    register_edit(registry)
