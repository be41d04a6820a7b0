"""An organisation's needs (/needs): who signed up, and closing, filling, reopening,
editing or cancelling a need.

Every button is checked again when it is pressed: the right to act for the need's
organisation, and the need's current status, so a stale or replayed press changes
nothing and says why. Sign-ups are shown by the name volunteers chose to share,
never by a messenger id.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Step, buttons
from dialogs.i18n import N_, Translator
from dialogs.posting_fields import (
    DIALOG,
    cancelled_text,
    edit_draft,
    needs_of,
    place_line,
    signed_up,
    span_text,
    status_label,
    volunteer_accounts,
)
from dialogs.posting_save import EDITABLE, not_editable
from dialogs.roles import Roles, audit, refusal, roles_of
from dialogs.volunteer import is_over, relay, spots_text
from storage.models import Need, Organisation, Person

RECENT = timedelta(days=7)
AUDITED = {"closed": "need_close", "filled": "need_filled", "open": "need_reopen"}
Managed = tuple[Roles, Need, Organisation]


def current(need: Need, now: datetime) -> bool:
    """Open needs, and ended or settled ones for a week after their end."""
    last = need.ends_at or need.starts_at
    if last is None:
        return need.status in EDITABLE
    return last >= now - RECENT


def sign_up_name(ctx: Context, person: Person | None) -> str:
    return (person.display_name if person else None) or ctx._("a volunteer")


def need_actions(ctx: Context, need: Need) -> tuple:
    """The buttons that make sense for the need as it is now."""
    close = (ctx._("Close"), f"@need_close:{need.id}")
    cancel = (ctx._("Cancel need"), f"@need_cancel:{need.id}")
    reopen = (ctx._("Reopen"), f"@need_reopen:{need.id}")
    edit = (ctx._("Edit"), f"@need_edit:{need.id}")
    if need.status == "cancelled":
        return ()
    if is_over(need, ctx.now()):
        return buttons([close]) if need.status in EDITABLE else ()
    if need.status == "open":
        return buttons([close, (ctx._("Mark filled"), f"@need_filled:{need.id}")], [edit, cancel])
    if need.status == "filled":
        return buttons([reopen, close], [edit, cancel])
    return buttons([reopen, cancel])


async def need_overview(ctx: Context, need: Need, organisation: Organisation) -> Reply:
    assert need.id is not None
    people = await signed_up(ctx, need.id)
    taken = ctx._("{taken} of {capacity} signed up", taken=need.taken, capacity=need.capacity)
    lines = [
        need.title,
        "🏠 " + organisation.name,
        "🕒 " + span_text(ctx, need.starts_at, need.ends_at),
        "📍 " + place_line(need.address, need.postal_code),
        "👥 " + taken + " · " + spots_text(ctx, need),
    ]
    if people:
        names = ", ".join(sign_up_name(ctx, person) for _, person in people)
        lines.append("✋ " + ctx._("Signed up: {names}", names=names))
    lines.append(ctx._("Status: {status}", status=status_label(ctx, need.status)))
    return Reply("\n".join(lines), buttons=need_actions(ctx, need))


async def on_needs(event: Event, ctx: Context) -> Step:
    roles = await roles_of(ctx)
    if not roles.admin_of or ctx.person is None or ctx.person.id is None:
        return refusal(ctx)
    organisations = {
        o.id: o
        for o in await ctx.uow.governance.organisations_of(ctx.person.id)
        if o.id in roles.admin_of
    }
    found = await needs_of(ctx, [i for i in organisations if i is not None])
    shown = [need for need in found if current(need, ctx.now())]
    if not shown:
        text = ctx._("There are no open or recent needs. Write me what you need, or send /need.")
        return Step.stay(Reply(text))
    far = datetime.max.replace(tzinfo=ctx.now().tzinfo)
    shown.sort(key=lambda n: (n.status not in EDITABLE, n.starts_at or far, n.id or 0))
    head = ctx._("Your needs ({count}):", count=len(shown))
    cards = [await need_overview(ctx, n, organisations[n.organisation_id]) for n in shown]
    return Step.stay(Reply(head), *cards)


# -- actions -------------------------------------------------------------------------------


async def managed(ctx: Context, argument: str) -> Managed | None:
    """The need behind a button, if this person may act for its organisation right now.

    A missing need gets the same answer as a foreign one: ids cannot be probed."""
    roles = await roles_of(ctx)
    found = await ctx.uow.directory.need(int(argument)) if argument.isdecimal() else None
    if found is None or not roles.administers(found[0].organisation_id):
        return None
    return roles, found[0], found[1]


def unchanged(ctx: Context, need: Need) -> Step:
    """The clear answer to a stale or replayed press."""
    text = ctx._(
        "“{title}” is {status} already – nothing changed.",
        title=need.title,
        status=status_label(ctx, need.status),
    )
    return Step.stay(Reply(text))


async def set_status(ctx: Context, argument: str, status: str, allowed: tuple[str, ...]) -> Step:
    found = await managed(ctx, argument)
    if found is None:
        return refusal(ctx)
    roles, need, _ = found
    if need.status not in allowed:
        return unchanged(ctx, need)
    if status == "open" and is_over(need, ctx.now()):
        return Step.stay(Reply(not_editable(ctx, need)))
    need.status = status
    need.filled_at = ctx.now() if status == "filled" else need.filled_at
    await ctx.uow.needs.add(need)
    await audit(ctx, roles, AUDITED[status], f"need:{need.id}")
    texts = {
        "closed": N_("Closed: “{title}”. Nobody new can sign up; those signed up still come."),
        "filled": N_("Marked as filled: “{title}”. I won't suggest it to anyone any more."),
        "open": N_("“{title}” is open again."),
    }
    return Step.stay(Reply(ctx._(texts[status], title=need.title)))


async def on_close(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return await set_status(ctx, argument, "closed", ("open", "filled"))


async def on_filled(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return await set_status(ctx, argument, "filled", ("open",))


async def on_reopen(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return await set_status(ctx, argument, "open", ("filled", "closed"))


async def on_edit(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await managed(ctx, argument)
    if found is None:
        return refusal(ctx)
    need = found[1]
    if need.status not in EDITABLE or is_over(need, ctx.now()):
        return Step.stay(Reply(not_editable(ctx, need)))
    return Step.start(DIALOG, state="card", data=edit_draft(need))


async def on_cancel(event: ButtonPress, ctx: Context, argument: str) -> Step:
    """Ask first: cancelling tells every volunteer and cannot be undone."""
    found = await managed(ctx, argument)
    if found is None:
        return refusal(ctx)
    need = found[1]
    if need.status == "cancelled":
        return unchanged(ctx, need)
    if is_over(need, ctx.now()):
        return Step.stay(Reply(not_editable(ctx, need)))
    people = len(await volunteer_accounts(ctx, need))
    question = ctx._(
        "Really cancel “{title}” ({when})? This cannot be undone.",
        title=need.title,
        when=span_text(ctx, need.starts_at, need.ends_at),
    )
    if people:
        question += " " + ctx.ngettext(
            "{n} signed-up volunteer will be told.",
            "{n} signed-up volunteers will be told.",
            people,
        )
    choices = [
        (ctx._("Yes, cancel the need"), f"@need_cancel_yes:{need.id}"),
        (ctx._("No, keep it"), f"@need_cancel_no:{need.id}"),
    ]
    return Step.stay(Reply(question, buttons=buttons(choices)))


async def on_cancel_yes(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await managed(ctx, argument)
    if found is None:
        return refusal(ctx)
    roles, need, organisation = found
    assert need.id is not None
    if need.status == "cancelled":
        return unchanged(ctx, need)
    if is_over(need, ctx.now()):
        return Step.stay(Reply(not_editable(ctx, need)))
    people = await volunteer_accounts(ctx, need)
    for signup, _person in await signed_up(ctx, need.id):
        if signup.person_id is not None:
            await ctx.uow.signups.cancel(need.id, signup.person_id, ctx.now())
    need.status = "cancelled"
    await ctx.uow.needs.add(need)

    def note(t: Translator) -> str:
        return cancelled_text(t, need, organisation)

    for accounts in people:
        await relay(ctx, accounts, note)
    await audit(ctx, roles, "need_cancel", f"need:{need.id}", told=len(people))
    text = ctx._("Cancelled: “{title}”.", title=need.title)
    if people:
        text += " " + ctx.ngettext(
            "{n} signed-up volunteer has been told.",
            "{n} signed-up volunteers have been told.",
            len(people),
        )
    return Step.stay(Reply(text))


async def on_cancel_no(event: ButtonPress, ctx: Context, argument: str) -> Step:
    found = await managed(ctx, argument)
    if found is None:
        return refusal(ctx)
    return Step.stay(Reply(ctx._("Good – “{title}” stays as it is.", title=found[1].title)))


def register(registry: Registry) -> None:
    registry.add_command("needs", N_("For organisations: your needs and sign-ups"), on_needs)
    registry.add_action("need_close", on_close)
    registry.add_action("need_filled", on_filled)
    registry.add_action("need_reopen", on_reopen)
    registry.add_action("need_edit", on_edit)
    registry.add_action("need_cancel", on_cancel)
    registry.add_action("need_cancel_yes", on_cancel_yes)
    registry.add_action("need_cancel_no", on_cancel_no)
