"""What the organisation flows share: finding an organisation named by a button,
rendering it alike for the applicant, its reviewers and its admins, and knowing
who reviews an application."""

from __future__ import annotations

from dialogs.flow import Context, Speaker
from dialogs.i18n import N_
from dialogs.roles import NOT_ALLOWED, Roles, roles_of
from dialogs.volunteer import interest_label, kind_label, written_in
from storage.models import Account, Organisation, Person

MAX_NAME = 200
MAX_DESCRIPTION = 1000
MAX_CONTACT = 300
MAX_MESSAGE = 1000
MAX_REASON = 500

BUTTONS_ONLY = N_("Please answer with one of the buttons.")
NEEDS_PERSON = N_(
    "Please send /start first and agree to how I store your data – then you can "
    "register or manage an organisation."
)
NOT_APPROVED = N_("This organisation was not approved.")
APPROVE, REJECT, ASK = N_("Approve"), N_("Reject"), N_("Ask a question")
STATUS = {
    "pending": N_("waiting for approval"),
    "approved": N_("approved"),
    "rejected": N_("not approved"),
}


def has_consented(ctx: Context) -> bool:
    """Only someone who agreed at /start has a person record we may attach roles to."""
    return ctx.person is not None and ctx.person.id is not None and bool(ctx.person.consented_at)


async def organisation_from(ctx: Context, argument: object) -> Organisation | None:
    """The organisation a button or dialog names; None for anything else."""
    text = str(argument)
    if not text.isdecimal():
        return None
    return await ctx.uow.directory.organisation(int(text))


async def administered(ctx: Context, argument: object) -> tuple[Organisation, Roles] | str:
    """The organisation if the presser administers it right now, else why not."""
    organisation = await organisation_from(ctx, argument)
    roles = await roles_of(ctx)
    if organisation is None or not roles.administers(organisation.id):
        return ctx._(NOT_ALLOWED)
    if organisation.status == "rejected":
        return ctx._(NOT_APPROVED)
    return organisation, roles


def status_label(t: Speaker, status: str) -> str:
    return t._(STATUS[status]) if status in STATUS else status


def person_name(t: Speaker, person: Person | None) -> str:
    """How a person appears to reviewers and co-admins: their name, never a messenger id."""
    return (person.display_name if person else None) or t._("someone without a name")


def where_text(organisation: Organisation) -> str:
    area = f"{organisation.postal_code} {organisation.place}".strip()
    return ", ".join(filter(None, [organisation.address, area]))


def organisation_lines(t: Speaker, organisation: Organisation) -> list[str]:
    """The same description everywhere, so a reviewer approves exactly what will be listed."""
    iso = t.translator.isolate
    lines = [iso(organisation.name), "🏷 " + kind_label(t, organisation.kind)]
    if organisation.interests:
        works_on = ", ".join(interest_label(t, i) for i in organisation.interests)
        lines.append("🎯 " + t._("Works on: {interests}", interests=works_on))
    lines.append("📍 " + iso(where_text(organisation)))
    contact = organisation.public_contact or t._("only through the bot")
    lines.append("✉️ " + t._("Contact: {contact}", contact=contact))
    if organisation.description:
        lines.append(iso(organisation.description))
        if note := written_in(t, organisation.language):
            lines.append(note)
    return lines


def review_actions(organisation: Organisation) -> list[tuple[str, str]]:
    number = organisation.id
    return [
        (APPROVE, f"@org_approve:{number}"),
        (REJECT, f"@org_reject:{number}"),
        (ASK, f"@org_ask:{number}"),
    ]


async def operator_accounts(ctx: Context) -> list[Account]:
    """Operators are configured by messenger id; only those who wrote to the bot are known."""
    return await ctx.uow.governance.accounts_for(ctx.config.operators)


async def reviewer_accounts(ctx: Context, organisation: Organisation) -> list[Account]:
    """The municipality's coordinators; the operators when it has none (or no municipality)."""
    if organisation.municipality_id is not None:
        coordinators = await ctx.uow.governance.coordinator_accounts(organisation.municipality_id)
        if coordinators:
            return coordinators
    return await operator_accounts(ctx)


async def applicant_accounts(ctx: Context, organisation: Organisation) -> list[Account]:
    if organisation.applicant_id is None:
        return []
    accounts = await ctx.uow.people.accounts_of(organisation.applicant_id)
    return [account for account in accounts if account.unreachable_since is None]


def merged(*groups: list[Account]) -> list[Account]:
    """Accounts from several lists, each once."""
    seen: dict[int | None, Account] = {}
    for group in groups:
        for account in group:
            seen.setdefault(account.id, account)
    return list(seen.values())
