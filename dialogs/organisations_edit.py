"""An admin changes what volunteers see of the organisation: its description and its
public contact. Both are public, so the new text is shown once more before it is saved."""

from __future__ import annotations

from dialogs.choices import pressed
from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons
from dialogs.i18n import N_
from dialogs.organisations_shared import (
    BUTTONS_ONLY,
    MAX_CONTACT,
    MAX_DESCRIPTION,
    administered,
)
from dialogs.roles import audit
from dialogs.volunteer import written_answer
from storage.models import Organisation

editing = Dialog("org_edit", first="write")
LIMITS = {"description": MAX_DESCRIPTION, "contact": MAX_CONTACT}


def edit_buttons(ctx: Context, organisation: Organisation) -> list[list[tuple[str, str]]]:
    number = organisation.id
    return [
        [
            (ctx._("Edit description"), f"@org_edit_description:{number}"),
            (ctx._("Edit contact"), f"@org_edit_contact:{number}"),
        ]
    ]


async def start_editing(ctx: Context, argument: str, field: str) -> Step:
    found = await administered(ctx, argument)
    if isinstance(found, str):
        return Step.stay(Reply(found))
    organisation = found[0]
    data = {"org": organisation.id, "name": organisation.name, "field": field}
    return Step.start(editing.name, data=data)


async def on_edit_description(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return await start_editing(ctx, argument, "description")


async def on_edit_contact(event: ButtonPress, ctx: Context, argument: str) -> Step:
    return await start_editing(ctx, argument, "contact")


@editing.ask("write")
async def ask_write(ctx: Context) -> list[Reply]:
    organisation = ctx.data.get("name", "")
    limit = ctx.translator.number(LIMITS[ctx.data["field"]])
    if ctx.data["field"] == "description":
        text = ctx._(
            "Write the new description of {organisation} (up to {limit} characters).",
            organisation=organisation,
            limit=limit,
        )
        return [Reply(text)]
    text = ctx._(
        "Write the new public contact of {organisation}, e.g. phone, e-mail or website (up "
        "to {limit} characters) – or press the button to be reached only through the bot.",
        organisation=organisation,
        limit=limit,
    )
    return [Reply(text, buttons=buttons([(ctx._("Only through the bot"), "none")]))]


@editing.handle("write")
async def on_write(event: Event, ctx: Context) -> Step:
    field = ctx.data["field"]
    if field == "contact" and pressed(event) == "none":
        ctx.data["text"] = ""
        return Step.to("confirm")
    text = written_answer(ctx, event, LIMITS[field], N_("Please write it as a message."))
    if isinstance(text, Step):
        return text
    ctx.data["text"] = text
    return Step.to("confirm")


@editing.ask("confirm")
async def ask_confirm(ctx: Context) -> list[Reply]:
    shown = ctx.data["text"] or ctx._("only through the bot")
    if ctx.data["field"] == "description":
        intro = ctx._("Volunteers will see this description:")
    else:
        intro = ctx._("Volunteers will see this contact:")
    choices = [(ctx._("Save"), "save"), (ctx._("Cancel"), "cancel")]
    return [Reply(f"{intro}\n\n{shown}", buttons=buttons(choices))]


@editing.handle("confirm")
async def on_confirm(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "cancel":
        return Step.finish(Reply(ctx._("Cancelled – nothing was changed.")))
    if choice != "save":
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    found = await administered(ctx, ctx.data.get("org"))
    if isinstance(found, str):
        return Step.finish(Reply(found))
    organisation, roles = found
    field, text = ctx.data["field"], ctx.data["text"]
    if field == "description":
        organisation.description = text
        organisation.language = ctx.locale
    else:
        organisation.public_contact = text or None
    await ctx.uow.organisations.add(organisation)
    await audit(ctx, roles, "org_edit", f"organisation:{organisation.id}", field=field)
    return Step.finish(Reply(ctx._("Saved.")))


def register(registry: Registry) -> None:
    registry.add_dialog(editing)
    registry.add_action("org_edit_description", on_edit_description)
    registry.add_action("org_edit_contact", on_edit_contact)
