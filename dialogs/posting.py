"""Organisations post needs by writing them as a message (or with /need).

An organisation admin writes "Brauchen morgen 15–18 Uhr 3 Helfer für die Tafel-Ausgabe,
Adalbertsteinweg 20, 52062" outside any dialog: :func:`need_message` recognises it,
the parser reads what it can, the dialog asks for what is missing one field at a time
and shows a card. Nothing is published before the admin presses Publish, and Publish
checks the admin's rights again at that moment.

After a need is published, ``ctx.services["on_need_published"]`` (an async function
of the need id, set by the bootstrap to the scheduler's push) runs once the step
has committed, so it sees the need; a failure there is logged and does not undo
the publication.
"""

from __future__ import annotations

from dialogs import posting_manage
from dialogs.choices import (
    BUTTONS_ONLY,
    interests_chosen,
    interests_menu,
    organisation_choices,
    organisation_pressed,
    pressed,
)
from dialogs.engine import Registry
from dialogs.events import Command, Event, Reply, TextMessage
from dialogs.flow import Context, Dialog, Step, buttons, column
from dialogs.i18n import N_
from dialogs.need_parser import looks_like_need, parse_need
from dialogs.posting_fields import (
    DIALOG,
    MAX_ADDRESS,
    MAX_DESCRIPTION,
    MAX_TITLE,
    NOT_APPROVED,
    POSTAL_CODE,
    absorb,
    count_problem,
    draft_lines,
    new_draft,
    next_state,
    set_time,
    time_problem,
    unknown_code,
)
from dialogs.posting_save import publish, save_changes
from dialogs.roles import NOT_ALLOWED, refusal, roles_of
from dialogs.volunteer import written_answer
from storage.models import Organisation
from storage.postal_codes import default_directory

post = Dialog(DIALOG, first="message")

EXAMPLE = "Brauchen morgen 15–18 Uhr 3 Helfer für die Tafel-Ausgabe, Adalbertsteinweg 20, 52062"
LONG_TERM = "long_term"
EDITS = {"edit:title": "title", "edit:when": "when", "edit:count": "count"}
EDITS |= {"edit:place": "place", "edit:interests": "interests"}


# -- entry points ---------------------------------------------------------------------


async def postable(ctx: Context, admin_of: frozenset[int]) -> list[Organisation]:
    """The approved organisations this person administers: only those can post."""
    if ctx.person is None or ctx.person.id is None:
        return []
    organisations = await ctx.uow.governance.organisations_of(ctx.person.id)
    return [o for o in organisations if o.id in admin_of and o.status == "approved"]


async def start_posting(ctx: Context, admin_of: frozenset[int], text: str = "") -> Step:
    """Open the dialog: for which organisation, then what the message said, then what is missing."""
    organisations = await postable(ctx, admin_of)
    if not organisations:
        return Step.stay(Reply(ctx._(NOT_APPROVED)))
    # A menu shown before (say, /needs) must not catch a typed answer like "3".
    ctx.conversation.menu_id, ctx.conversation.menu = None, []
    data = new_draft(organisations[0])
    if len(organisations) > 1:
        data["org"], data["orgs"] = None, [o.id for o in organisations]
    notes: list[Reply] = []
    if text:
        notes = absorb(ctx, data, parse_need(text, ctx.now(), ctx.config.tz), text)
    return Step.start(post.name, *notes, state=next_state(data), data=data)


async def need_message(event: Event, ctx: Context) -> Step | None:
    """An understander: an admin's free message that reads like a need starts a draft."""
    if not isinstance(event, TextMessage) or ctx.person is None:
        return None
    roles = await roles_of(ctx)
    if not roles.admin_of or not looks_like_need(event.text):
        return None
    return await start_posting(ctx, roles.admin_of, event.text[:MAX_DESCRIPTION])


async def on_need(event: Event, ctx: Context) -> Step:
    roles = await roles_of(ctx)
    if not roles.admin_of:
        return refusal(ctx)
    text = event.args[:MAX_DESCRIPTION] if isinstance(event, Command) else ""
    return await start_posting(ctx, roles.admin_of, text)


# -- which organisation -----------------------------------------------------------------


@post.ask("org")
async def ask_org(ctx: Context) -> list[Reply]:
    choices = await organisation_choices(ctx, ctx.data.get("orgs", []))
    return [Reply(ctx._("For which organisation?"), buttons=column(choices))]


@post.handle("org")
async def on_org(event: Event, ctx: Context) -> Step:
    chosen = await organisation_pressed(event, ctx)
    if isinstance(chosen, Step):
        return chosen
    organisation = await ctx.uow.directory.organisation(chosen)
    if organisation is None:
        return Step.finish(Reply(ctx._(NOT_ALLOWED)))
    ctx.data["org"] = organisation.id
    if not ctx.data.get("interests_read"):  # nothing in the message: the chosen one's own
        ctx.data["interests"] = list(organisation.interests)
    return Step.to(next_state(ctx.data))


# -- the message ---------------------------------------------------------------------------


@post.ask("message")
async def ask_message(ctx: Context) -> list[Reply]:
    text = ctx._(
        "What do you need? Write it in one message, with when, how many people and where – "
        "for example: “{example}”",
        example=EXAMPLE,
    )
    return [Reply(text)]


@post.handle("message")
async def on_message(event: Event, ctx: Context) -> Step:
    text = written_answer(ctx, event, MAX_DESCRIPTION, N_("Please write what you need."))
    if isinstance(text, Step):
        return text
    notes = absorb(ctx, ctx.data, parse_need(text, ctx.now(), ctx.config.tz), text)
    return Step.to(next_state(ctx.data), *notes)


# -- the fields, one at a time ---------------------------------------------------------------


@post.ask("title")
async def ask_title(ctx: Context) -> list[Reply]:
    text = ctx._("What should the need be called? A short title, e.g. “Tafel-Ausgabe”.")
    return [Reply(text)]


@post.handle("title")
async def on_title(event: Event, ctx: Context) -> Step:
    title = written_answer(ctx, event, MAX_TITLE, N_("Please write the title as a message."))
    if isinstance(title, Step):
        return title
    ctx.data["title"] = " ".join(title.split())
    return Step.to(next_state(ctx.data))


@post.ask("when")
async def ask_when(ctx: Context) -> list[Reply]:
    text = ctx._("When is it? e.g. 'morgen 15–18 Uhr' or 'long-term'")
    return [Reply(text, buttons=buttons([(ctx._("Long-term"), LONG_TERM)]))]


@post.handle("when")
async def on_when(event: Event, ctx: Context) -> Step:
    if pressed(event) == LONG_TERM:
        ctx.data.update(long_term=True, starts_at=None, ends_at=None)
        return Step.to(next_state(ctx.data))
    text = written_answer(ctx, event, 200, N_("Please write when it is."))
    if isinstance(text, Step):
        return text
    parsed = parse_need(text, ctx.now(), ctx.config.tz)
    if not parsed.long_term and parsed.starts_at is None:
        hint = ctx._("Sorry, I couldn't read a day and time in that.")
        return Step.stay(Reply(hint))
    if problem := time_problem(ctx, parsed.starts_at, parsed.ends_at):
        return Step.stay(Reply(problem))
    set_time(ctx.data, parsed)
    return Step.to(next_state(ctx.data))


@post.ask("count")
async def ask_count(ctx: Context) -> list[Reply]:
    return [Reply(ctx._("How many people do you need? Write a number from 1 to 100."))]


@post.handle("count")
async def on_count(event: Event, ctx: Context) -> Step:
    text = event.text.strip() if isinstance(event, TextMessage) else ""
    number = text.split()[0] if text else ""
    if not number.isdecimal() or len(number) > 4:
        return Step.stay(Reply(ctx._("Please write a number, e.g. 3.")))
    if problem := count_problem(ctx, int(number)):
        return Step.stay(Reply(problem))
    ctx.data["count"] = int(number)
    return Step.to(next_state(ctx.data))


@post.ask("place")
async def ask_place(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Where is it? Write the street and postal code, e.g. “Adalbertsteinweg 20, 52062” – "
        "or press the button if it is at the organisation's address."
    )
    choice = [(ctx._("At the organisation's address"), "org_address")]
    return [Reply(text, buttons=buttons(choice))]


@post.handle("place")
async def on_place(event: Event, ctx: Context) -> Step:
    if pressed(event) == "org_address":
        ctx.data.update(postal_code=None, address="")
        return Step.to(next_state(ctx.data))
    text = written_answer(ctx, event, MAX_ADDRESS, N_("Please write the street and postal code."))
    if isinstance(text, Step):
        return text
    found = POSTAL_CODE.search(text)
    if found is not None and default_directory().lookup(found.group(1)) is None:
        return Step.stay(Reply(unknown_code(ctx, found.group(1))))
    if found is not None:
        ctx.data["postal_code"] = found.group(1)
        text = text[: found.start()] + text[found.end() :]
    ctx.data["address"] = " ".join(text.split()).strip(" ,;-–")
    return Step.to(next_state(ctx.data))


@post.ask("interests")
async def ask_interests(ctx: Context) -> list[Reply]:
    text = ctx._("Which fields does this need belong to? Tap to choose, then press Done.")
    return interests_menu(ctx, text)


@post.handle("interests")
async def on_interests(event: Event, ctx: Context) -> Step:
    chosen = interests_chosen(event, ctx, N_("Please tap the fields, then Done."))
    if isinstance(chosen, Step):
        return chosen
    ctx.data["interests"] = chosen
    return Step.to(next_state(ctx.data))


# -- the card ------------------------------------------------------------------------------------


@post.ask("card")
async def ask_card(ctx: Context) -> list[Reply]:
    organisation = await ctx.uow.directory.organisation(ctx.data["org"])
    if organisation is None:
        return [Reply(ctx._(NOT_ALLOWED))]
    editing = ctx.data.get("mode") == "edit"
    if editing:
        head = ctx._("Your need with the changes:")
        foot = ctx._("Nothing changes until you press Save changes.")
        go = ctx._("Save changes")
    else:
        head = ctx._("This is your need:")
        foot = ctx._("Nothing is published until you press Publish.")
        go = ctx._("Publish")
    text = "\n".join([head, "", *draft_lines(ctx, ctx.data, organisation), "", foot])
    rows = buttons(
        [(go, "publish")],
        [(ctx._("Edit title"), "edit:title"), (ctx._("Edit time"), "edit:when")],
        [(ctx._("Edit people"), "edit:count"), (ctx._("Edit place"), "edit:place")],
        [(ctx._("Edit interests"), "edit:interests"), (ctx._("Cancel"), "cancel")],
    )
    return [Reply(text, buttons=rows)]


@post.handle("card")
async def on_card(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice in EDITS:
        return Step.to(EDITS[choice])
    if choice == "cancel":
        if ctx.data.get("mode") == "edit":
            return Step.finish(Reply(ctx._("Cancelled – the need stays as it was.")))
        return Step.finish(Reply(ctx._("Cancelled – nothing was published.")))
    if choice != "publish":
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    if ctx.data.get("mode") == "edit":
        return await save_changes(ctx)
    return await publish(ctx)


def register(registry: Registry) -> None:
    """Add this module's commands, dialogs, actions and understanders."""
    registry.add_dialog(post)
    registry.add_command("need", N_("For organisations: post a need"), on_need)
    posting_manage.register(registry)
    registry.understanders.append(need_message)
