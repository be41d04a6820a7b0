"""Relaying a contact request's conversation between volunteer and organisation,
without either side seeing the other's messenger id."""

from __future__ import annotations

from dialogs.clubs import (
    DELETED,
    MAX_MESSAGE,
    NOT_YOURS,
    REPLY,
    Found,
    admin_actions,
    unreachable,
)
from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Dialog, Step
from dialogs.i18n import N_, Translator
from dialogs.volunteer import (
    relay,
    written_answer,
)
from storage.models import Account, ContactRequest

conversation = Dialog("contact_reply", first="write")


# -- relaying the conversation ----------------------------------------------------------


async def volunteer_accounts(ctx: Context, request: ContactRequest) -> list[Account]:
    if request.person_id is None:
        return []
    accounts = await ctx.uow.people.accounts_of(request.person_id)
    return [account for account in accounts if account.unreachable_since is None]


async def find_request(ctx: Context, argument: object) -> Found:
    if not str(argument).isdecimal():
        return None
    request = await ctx.uow.contacts.get(int(str(argument)))
    if request is None:
        return None
    organisation = await ctx.uow.directory.organisation(request.organisation_id)
    return (request, organisation) if organisation is not None else None


async def admin_refusal(ctx: Context, found: Found) -> str:
    """Why this presser may not act for the organisation; empty when they may.

    Checked on every press and again before sending: a button only proves that the bot
    once showed it to someone, not that this person may still act on it."""
    person_id = ctx.person.id if ctx.person else None
    if found is None or person_id is None:
        return ctx._(NOT_YOURS)
    if not await ctx.uow.directory.is_admin(found[0].organisation_id, person_id):
        return ctx._(NOT_YOURS)
    return ctx._(DELETED) if found[0].person_id is None else ""


def volunteer_refusal(ctx: Context, found: Found) -> str:
    """Only the volunteer who wrote the request may answer for it, until it is declined."""
    person_id = ctx.person.id if ctx.person else None
    if found is None or person_id is None or found[0].person_id != person_id:
        return ctx._(NOT_YOURS)
    if found[0].status == "declined":
        return ctx._("{organisation} has closed this conversation.", organisation=found[1].name)
    return ""


async def refusal_for(ctx: Context, found: Found, role: object) -> str:
    return volunteer_refusal(ctx, found) if role == "volunteer" else await admin_refusal(ctx, found)


async def on_contact_reply(event: ButtonPress, ctx: Context, argument: str) -> Step:
    if refusal := await admin_refusal(ctx, await find_request(ctx, argument)):
        return Step.stay(Reply(refusal))
    return Step.start(conversation.name, data={"request": int(argument), "as": "organisation"})


async def on_contact_answer(event: ButtonPress, ctx: Context, argument: str) -> Step:
    if refusal := volunteer_refusal(ctx, await find_request(ctx, argument)):
        return Step.stay(Reply(refusal))
    return Step.start(conversation.name, data={"request": int(argument), "as": "volunteer"})


async def on_contact_decline(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await find_request(ctx, argument)
    if (refusal := await admin_refusal(ctx, found)) or found is None:
        return Step.stay(Reply(refusal))
    request, organisation = found
    if request.status == "declined":
        return Step.stay(Reply(ctx._("You have already declined this request.")))
    request.status = "declined"
    await ctx.uow.contacts.save(request)

    def note(t: Translator) -> str:
        return t.gettext(
            "{organisation} has read your message, but can't take you on at the moment. "
            "Thank you for your interest! Send /clubs to find other organisations.",
            organisation=organisation.name,
        )

    await relay(ctx, await volunteer_accounts(ctx, request), note, ())
    return Step.stay(Reply(ctx._("Declined. I have let the volunteer know politely.")))


@conversation.ask("write")
async def ask_write(ctx: Context) -> list[Reply]:
    found = await find_request(ctx, ctx.data.get("request"))
    if found is None:
        return [Reply(ctx._(NOT_YOURS))]
    request, organisation = found
    if ctx.data.get("as") == "volunteer":
        text = ctx._("Write your answer to {organisation}.", organisation=organisation.name)
    elif request.shared_name:
        text = ctx._("Write your answer to {name}.", name=request.shared_name)
    else:
        text = ctx._("Write your answer to the volunteer.")
    return [Reply(text + " " + ctx._("I'll pass it on through the bot."))]


@conversation.handle("write")
async def on_write(event: Event, ctx: Context) -> Step:
    text = written_answer(ctx, event, MAX_MESSAGE, N_("Please write your answer as a message."))
    if isinstance(text, Step):
        return text
    found = await find_request(ctx, ctx.data.get("request"))
    if (refusal := await refusal_for(ctx, found, ctx.data.get("as"))) or found is None:
        return Step.finish(Reply(refusal))
    request, organisation = found
    if ctx.data.get("as") == "volunteer":
        admins = await ctx.uow.directory.admin_accounts(request.organisation_id)
        said = await relay(
            ctx, admins, lambda t: volunteer_says(t, request, text), admin_actions(request)
        )
        if not said:
            return Step.finish(unreachable(ctx, organisation))
        return Step.finish(Reply(ctx._("Sent. I'll pass on any answer here.")))
    request.status = "answered"
    await ctx.uow.contacts.save(request)

    def answer(t: Translator) -> str:
        head = t.gettext("{organisation} answers:", organisation=organisation.name)
        return f"{head}\n\n{text}"

    actions = [(REPLY, f"@contact_answer:{request.id}")]
    if not await relay(ctx, await volunteer_accounts(ctx, request), answer, actions):
        return Step.finish(Reply(ctx._("This person can't be reached any more.")))
    return Step.finish(Reply(ctx._("Sent. I'll pass on any answer here.")))


def volunteer_says(t: Translator, request: ContactRequest, text: str) -> str:
    """What an organisation sees of a volunteer's answer: the shared name, never an id."""
    number, name = request.id, request.shared_name
    if name:
        head = t.gettext("{name} answers (request no. {number}):", name=name, number=number)
    else:
        head = t.gettext("The volunteer answers (request no. {number}):", number=number)
    return f"{head}\n\n{text}"


def register(registry: Registry) -> None:
    registry.add_dialog(conversation)
    registry.add_action("contact_reply", on_contact_reply)
    registry.add_action("contact_answer", on_contact_answer)
    registry.add_action("contact_decline", on_contact_decline)
