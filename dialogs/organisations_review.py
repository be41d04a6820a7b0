"""Reviewing applications: approve, reject with a reason, ask the applicant a question,
and the queue of what is waiting (/approve).

Every button is checked again when pressed: the presser must coordinate the
organisation's municipality (operators may always) and the application must still be
pending, so a forged, stale or replayed button changes nothing.
"""

from __future__ import annotations

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons
from dialogs.i18n import N_, Translator
from dialogs.organisations_shared import (
    MAX_MESSAGE,
    MAX_REASON,
    applicant_accounts,
    merged,
    organisation_from,
    organisation_lines,
    person_name,
    review_actions,
    reviewer_accounts,
    status_label,
)
from dialogs.roles import NOT_ALLOWED, Roles, audit, refusal, roles_of
from dialogs.volunteer import relay, written_answer
from storage.models import Account, Organisation

QUEUE_SIZE = 10
ANSWER = N_("Answer")

rejection = Dialog("org_reject", first="reason")
question = Dialog("org_question", first="write")


# -- who may decide ------------------------------------------------------------------


def decided_text(ctx: Context, organisation: Organisation, status: str | None = None) -> str:
    return ctx._(
        "This application has already been decided: {organisation} is {status}.",
        organisation=organisation.name,
        status=status_label(ctx, status or organisation.status),
    )


def review_problem(ctx: Context, organisation: Organisation | None, roles: Roles) -> str:
    """Why this presser may not decide this application now; empty when they may."""
    if organisation is None or not roles.coordinates(organisation.municipality_id):
        return ctx._(NOT_ALLOWED)
    if organisation.status != "pending":
        return decided_text(ctx, organisation)
    return ""


async def reviewable(ctx: Context, argument: object) -> tuple[Organisation, Roles] | str:
    """The application and the reviewer's roles, or the answer why not."""
    organisation = await organisation_from(ctx, argument)
    roles = await roles_of(ctx)
    if problem := review_problem(ctx, organisation, roles):
        return problem
    assert organisation is not None
    return organisation, roles


async def decide(ctx: Context, organisation: Organisation, status: str) -> str:
    """Record the decision atomically; the answer for the loser of a race, else empty."""
    assert organisation.id is not None
    if await ctx.uow.governance.decide_organisation(organisation.id, status):
        organisation.status = status
        return ""
    current = await ctx.uow.governance.organisation_status(organisation.id)
    return decided_text(ctx, organisation, current)


# -- approve ----------------------------------------------------------------------------


async def on_org_approve(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await reviewable(ctx, argument)
    if isinstance(found, str):
        return Step.stay(Reply(found))
    organisation, roles = found
    assert organisation.id is not None
    if lost := await decide(ctx, organisation, "approved"):
        return Step.stay(Reply(lost))
    if organisation.applicant_id is not None:
        await ctx.uow.governance.add_admin(organisation.id, organisation.applicant_id)
    await audit(ctx, roles, "org_approve", f"organisation:{organisation.id}")

    def news(t: Translator) -> str:
        return t._(
            "Good news: {organisation} has been approved! Volunteers can now find it with "
            "/clubs. Send /org to manage it and to invite co-admins.",
            organisation=organisation.name,
        )

    told = await relay(ctx, await applicant_accounts(ctx, organisation), news)
    text = ctx._("Approved: {organisation} is now listed.", organisation=organisation.name)
    return Step.stay(Reply(text + " " + told_text(ctx, told)))


def told_text(ctx: Context, told: int) -> str:
    if told:
        return ctx._("I have told the applicant.")
    return ctx._("The applicant can't be reached through the bot right now.")


# -- reject with a reason ---------------------------------------------------------------


async def on_org_reject(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await reviewable(ctx, argument)
    if isinstance(found, str):
        return Step.stay(Reply(found))
    organisation = found[0]
    return Step.start(rejection.name, data={"org": organisation.id, "name": organisation.name})


@rejection.ask("reason")
async def ask_reason(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Why can't {organisation} be approved? Write a short reason (up to {limit} "
        "characters) – the applicant will read it. Or send /cancel.",
        organisation=ctx.data.get("name", ""),
        limit=ctx.translator.number(MAX_REASON),
    )
    return [Reply(text)]


@rejection.handle("reason")
async def on_reason(event: Event, ctx: Context) -> Step:
    reason = written_answer(ctx, event, MAX_REASON, N_("Please write the reason as a message."))
    if isinstance(reason, Step):
        return reason
    found = await reviewable(ctx, ctx.data.get("org"))
    if isinstance(found, str):
        return Step.finish(Reply(found))
    organisation, roles = found
    assert organisation.id is not None
    if lost := await decide(ctx, organisation, "rejected"):
        return Step.finish(Reply(lost))
    # A rejected organisation has nobody acting for it; its applicant may apply again.
    for person_id in await ctx.uow.governance.admin_ids(organisation.id):
        await ctx.uow.governance.remove_admin(organisation.id, person_id)
    await audit(ctx, roles, "org_reject", f"organisation:{organisation.id}", reason=reason)

    def news(t: Translator) -> str:
        head = t._("Sorry, {organisation} was not approved.", organisation=organisation.name)
        why = t._("Reason: {reason}", reason=reason)
        again = t._("You can send /register_org to apply again.")
        return f"{head}\n{why}\n\n{again}"

    told = await relay(ctx, await applicant_accounts(ctx, organisation), news)
    text = ctx._("Rejected: {organisation}.", organisation=organisation.name)
    return Step.finish(Reply(text + " " + told_text(ctx, told)))


# -- a question to the applicant and the answer back ---------------------------------------


async def on_org_ask(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await reviewable(ctx, argument)
    if isinstance(found, str):
        return Step.stay(Reply(found))
    organisation, roles = found
    data = {"org": organisation.id, "name": organisation.name, "as": "reviewer"}
    return Step.start(question.name, data=data | {"asker": roles.person_id})


def applicant_problem(ctx: Context, organisation: Organisation | None) -> str:
    """Only the applicant answers for a pending application."""
    person_id = ctx.person.id if ctx.person else None
    if organisation is None or person_id is None or organisation.applicant_id != person_id:
        return ctx._(NOT_ALLOWED)
    if organisation.status != "pending":
        return decided_text(ctx, organisation)
    return ""


async def on_org_answer(event: ButtonPress, ctx: Context, argument: str) -> Step:
    number, _, asker = argument.partition(":")
    organisation = await organisation_from(ctx, number)
    if problem := applicant_problem(ctx, organisation):
        return Step.stay(Reply(problem))
    assert organisation is not None
    data = {"org": organisation.id, "name": organisation.name, "as": "applicant"}
    return Step.start(
        question.name, data=data | {"asker": int(asker) if asker.isdecimal() else None}
    )


@question.ask("write")
async def ask_write(ctx: Context) -> list[Reply]:
    organisation = ctx.data.get("name", "")
    if ctx.data.get("as") == "applicant":
        text = ctx._("Write your answer about {organisation}.", organisation=organisation)
    else:
        text = ctx._(
            "Write your question to whoever registered {organisation}.", organisation=organisation
        )
    return [Reply(text + " " + ctx._("I'll pass it on through the bot."))]


@question.handle("write")
async def on_write(event: Event, ctx: Context) -> Step:
    text = written_answer(ctx, event, MAX_MESSAGE, N_("Please write it as a message."))
    if isinstance(text, Step):
        return text
    if ctx.data.get("as") == "applicant":
        return await send_answer(ctx, text)
    return await send_question(ctx, text)


async def send_question(ctx: Context, text: str) -> Step:
    found = await reviewable(ctx, ctx.data.get("org"))
    if isinstance(found, str):
        return Step.finish(Reply(found))
    organisation, roles = found
    await audit(ctx, roles, "org_question", f"organisation:{organisation.id}", question=text)

    def asked(t: Translator) -> str:
        head = t._(
            "A question about your application for {organisation}:", organisation=organisation.name
        )
        return f"{head}\n\n{text}"

    actions = [(ANSWER, f"@org_answer:{organisation.id}:{roles.person_id or ''}")]
    if not await relay(ctx, await applicant_accounts(ctx, organisation), asked, actions):
        return Step.finish(Reply(told_text(ctx, 0)))
    return Step.finish(Reply(ctx._("Sent. I'll pass on the answer here.")))


async def asker_accounts(ctx: Context, organisation: Organisation) -> list[Account]:
    """The reviewer who asked, if they still review this application."""
    asker = ctx.data.get("asker")
    if not isinstance(asker, int):
        return []
    accounts = [a for a in await ctx.uow.people.accounts_of(asker) if a.unreachable_since is None]
    operator = any((a.transport, a.user_id) in ctx.config.operators for a in accounts)
    coordinated = await ctx.uow.governance.coordinated_by(asker)
    return accounts if operator or organisation.municipality_id in coordinated else []


async def send_answer(ctx: Context, text: str) -> Step:
    organisation = await organisation_from(ctx, ctx.data.get("org"))
    if problem := applicant_problem(ctx, organisation):
        return Step.finish(Reply(problem))
    assert organisation is not None
    applicant = ctx.person

    def answer(t: Translator) -> str:
        head = t._(
            "{name} answers about {organisation} (no. {number}):",
            name=person_name(t, applicant),
            organisation=organisation.name,
            number=organisation.id,
        )
        return f"{head}\n\n{text}"

    reviewers = merged(
        await asker_accounts(ctx, organisation), await reviewer_accounts(ctx, organisation)
    )
    if not await relay(ctx, reviewers, answer, review_actions(organisation)):
        return Step.finish(Reply(ctx._("Sorry, nobody can be reached to review it right now.")))
    return Step.finish(Reply(ctx._("Sent. I'll let you know here when it is decided.")))


# -- the queue ---------------------------------------------------------------------------


async def on_approve(event: Event, ctx: Context) -> Step:
    roles = await roles_of(ctx)
    if not roles.is_coordinator:
        return refusal(ctx)
    where = None if roles.operator else roles.coordinator_of
    pending = await ctx.uow.governance.pending_organisations(where)
    if not pending:
        return Step.stay(Reply(ctx._("Nothing is waiting for approval.")))
    head = ctx.ngettext(
        "{n} organisation is waiting for approval:",
        "{n} organisations are waiting for approval:",
        len(pending),
    )
    replies = [Reply(head)]
    for organisation in pending[:QUEUE_SIZE]:
        replies.append(await queue_card(ctx, organisation))
    if len(pending) > QUEUE_SIZE:
        replies.append(Reply(ctx._("Decide these first; then send /approve for the rest.")))
    return Step.stay(*replies)


async def queue_card(ctx: Context, organisation: Organisation) -> Reply:
    applicant = None
    if organisation.applicant_id is not None:
        applicant = await ctx.uow.governance.person(organisation.applicant_id)
    lines = [ctx._("No. {number}", number=organisation.id), *organisation_lines(ctx, organisation)]
    lines.append(ctx._("Registered by: {name}", name=person_name(ctx, applicant)))
    choices = [(ctx._(label), value) for label, value in review_actions(organisation)]
    return Reply("\n".join(lines), buttons=buttons(choices))


def register(registry: Registry) -> None:
    registry.add_dialog(rejection)
    registry.add_dialog(question)
    registry.add_command(
        "approve", N_("Organisations waiting for approval"), on_approve, public=False
    )
    registry.add_action("org_approve", on_org_approve)
    registry.add_action("org_reject", on_org_reject)
    registry.add_action("org_ask", on_org_ask)
    registry.add_action("org_answer", on_org_answer)
