"""/offer and /search: what someone gives or looks for, in plain language, as a card.

"Schreinerei bietet 2 Azubis für einen Tag am 12.6., 52062" or "Grundschule sucht
Imker:in für Bienenprojekt": the reader (``dialogs.partners_reading``) takes what it
can – kind, people, days, place, fields – the dialog asks for what is missing one thing
at a time and shows a card. Nothing is published before Publish; an organisation's post
is checked against the admin's rights again at that moment. Offers and searches are
started by command (or a button), never guessed from free text: an admin's "Brauchen
morgen 3 Helfer" stays a need, a volunteer's "hab grad 2 Std Zeit" stays free time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dialogs.choices import (
    BUTTONS_ONLY,
    interests_chosen,
    interests_menu,
    organisation_choices,
    organisation_pressed,
    pressed,
)
from dialogs.events import Command, Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons, column
from dialogs.i18n import N_
from dialogs.partners_common import KIND_LABELS, NEEDS_PERSON
from dialogs.partners_publish import card_lines, publish, radius_text
from dialogs.partners_reading import read_days, read_post
from dialogs.roles import roles_of
from dialogs.volunteer import written_answer
from storage.postal_codes import default_directory

post = Dialog("partner_post", first="message")

MAX_TEXT, MAX_TITLE = 2000, 120
RADII_KM = (5, 10, 25, 50)
PRIVATE = "private"
ONGOING = "ongoing"
EDITS = {"edit:kind": "kind", "edit:when": "when", "edit:people": "people"}
EDITS |= {"edit:place": "place", "edit:radius": "radius", "edit:interests": "interests"}
EDITS |= {"edit:title": "title"}


# -- entry points --------------------------------------------------------------------------


async def start_post(ctx: Context, direction: str, text: str = "") -> Step:
    """For whom (oneself or an organisation one administers), then the text, then the card."""
    if ctx.person is None or ctx.person.id is None or not ctx.person.consented_at:
        return Step.stay(Reply(ctx._(NEEDS_PERSON)))
    roles = await roles_of(ctx)
    organisations = [
        o
        for o in await ctx.uow.governance.organisations_of(ctx.person.id)
        if o.id in roles.admin_of and o.status == "approved"
    ]
    ctx.conversation.menu_id, ctx.conversation.menu = None, []
    data: dict[str, Any] = {"direction": direction, "radius": 25, "interests": []}
    if organisations:
        data["orgs"] = [o.id for o in organisations]
    else:
        data["for"] = PRIVATE
    if text:
        read_into(ctx, data, text)
    await place_default(ctx, data)
    return Step.start(post.name, state=next_state(data), data=data)


async def on_offer(event: Event, ctx: Context) -> Step:
    return await start_post(
        ctx, "offer", event.args[:MAX_TEXT] if isinstance(event, Command) else ""
    )


async def on_search(event: Event, ctx: Context) -> Step:
    return await start_post(
        ctx, "search", event.args[:MAX_TEXT] if isinstance(event, Command) else ""
    )


# -- the draft ---------------------------------------------------------------------------


def set_days(data: dict[str, Any], days: tuple[date, date] | None) -> None:
    data["date_from"] = days[0].isoformat() if days else None
    data["date_until"] = days[1].isoformat() if days else None


def read_into(ctx: Context, data: dict[str, Any], text: str) -> None:
    found = read_post(text, ctx.now(), ctx.config.tz)
    data["text"], data["parsed"] = text[:MAX_TEXT], True
    data["title"] = (found.title or "")[:MAX_TITLE] or data.get("title")
    if found.kind:
        data["kind"] = found.kind
    if found.people:
        data["people"] = found.people
    set_days(data, found.days)
    if found.postal_code and default_directory().lookup(found.postal_code) is not None:
        data["postal_code"] = found.postal_code
    if found.interests:
        data["interests"] = list(found.interests)


def next_state(data: dict[str, Any]) -> str:
    if "for" not in data:
        return "who"
    if not data.get("parsed"):
        return "message"
    if not data.get("kind"):
        return "kind"
    if not data.get("title"):
        return "title"
    if not data.get("postal_code"):
        return "place"
    if not data.get("interests") and data.get("kind") != "team_day":
        return "interests"
    return "card"


async def place_default(ctx: Context, data: dict[str, Any]) -> None:
    """An organisation's post is at its address; a person's where their profile says."""
    if data.get("postal_code"):
        return
    if isinstance(data.get("for"), int):
        organisation = await ctx.uow.directory.organisation(data["for"])
        if organisation is not None:
            data["postal_code"] = organisation.postal_code
    elif ctx.person is not None and ctx.person.id is not None:
        profile = await ctx.uow.profiles.get(ctx.person.id)
        if profile is not None and profile.postal_code:
            data["postal_code"] = profile.postal_code


async def go_on(ctx: Context, *replies: Reply) -> Step:
    await place_default(ctx, ctx.data)
    return Step.to(next_state(ctx.data), *replies)


# -- for whom ---------------------------------------------------------------------------------


@post.ask("who")
async def ask_who(ctx: Context) -> list[Reply]:
    choices = [(ctx._("For myself"), PRIVATE)]
    choices += await organisation_choices(ctx, ctx.data.get("orgs", []))
    return [Reply(ctx._("For whom do you post this?"), buttons=column(choices))]


@post.handle("who")
async def on_who(event: Event, ctx: Context) -> Step:
    if pressed(event) == PRIVATE:
        ctx.data["for"] = PRIVATE
        return await go_on(ctx)
    chosen = await organisation_pressed(event, ctx)
    if isinstance(chosen, Step):
        return chosen
    ctx.data["for"] = chosen
    return await go_on(ctx)


# -- the message and the fields ------------------------------------------------------------


@post.ask("message")
async def ask_message(ctx: Context) -> list[Reply]:
    if ctx.data["direction"] == "offer":
        text = ctx._(
            "What do you offer? Write it in one message – what, when (or “ongoing”), how "
            "many people and where. For example: “Schreinerei bietet 2 Azubis für einen Tag "
            "am 12.6., 52062” or “Gemeindesaal samstags frei”."
        )
    else:
        text = ctx._(
            "What are you looking for? Write it in one message – what, when (or “ongoing”) "
            "and where. For example: “Grundschule sucht Imker:in für Bienenprojekt, 52066”."
        )
    return [Reply(text)]


@post.handle("message")
async def on_message(event: Event, ctx: Context) -> Step:
    text = written_answer(ctx, event, MAX_TEXT, N_("Please write it as a message."))
    if isinstance(text, Step):
        return text
    read_into(ctx, ctx.data, text)
    return await go_on(ctx)


@post.ask("kind")
async def ask_kind(ctx: Context) -> list[Reply]:
    choices = [(ctx._(label), f"kind:{kind}") for kind, label in KIND_LABELS.items()]
    rows = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    return [Reply(ctx._("What kind is it?"), buttons=buttons(*rows))]


@post.handle("kind")
async def on_kind(event: Event, ctx: Context) -> Step:
    kind = (pressed(event) or "").removeprefix("kind:")
    if kind not in KIND_LABELS:
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    ctx.data["kind"] = kind
    return await go_on(ctx)


@post.ask("title")
async def ask_title(ctx: Context) -> list[Reply]:
    return [Reply(ctx._("A short title, please, e.g. “Bienen-AG” or “Webseiten bauen”."))]


@post.handle("title")
async def on_title(event: Event, ctx: Context) -> Step:
    title = written_answer(ctx, event, MAX_TITLE, N_("Please write the title as a message."))
    if isinstance(title, Step):
        return title
    ctx.data["title"] = " ".join(title.split())
    return await go_on(ctx)


@post.ask("place")
async def ask_place(ctx: Context) -> list[Reply]:
    return [Reply(ctx._("Where is it? Please write the postal code, e.g. 52062."))]


@post.handle("place")
async def on_place(event: Event, ctx: Context) -> Step:
    text = written_answer(ctx, event, 100, N_("Please write the postal code."))
    if isinstance(text, Step):
        return text
    code = "".join(ch for ch in text if ch.isdigit())[:5]
    if len(code) != 5 or default_directory().lookup(code) is None:
        return Step.stay(Reply(ctx._("I don't know that postal code. Please write five digits.")))
    ctx.data["postal_code"] = code
    return await go_on(ctx)


@post.ask("interests")
async def ask_interests(ctx: Context) -> list[Reply]:
    text = ctx._("Which fields is it about? Tap to choose, then press Done.")
    return interests_menu(ctx, text)


@post.handle("interests")
async def on_interests(event: Event, ctx: Context) -> Step:
    chosen = interests_chosen(event, ctx, N_("Please tap the fields, then Done."))
    if isinstance(chosen, Step):
        return chosen
    ctx.data["interests"] = chosen
    return await go_on(ctx)


@post.ask("when")
async def ask_when(ctx: Context) -> list[Reply]:
    text = ctx._("On which day? e.g. “12.6.” or “Samstag” – or press Ongoing.")
    return [Reply(text, buttons=buttons([(ctx._("Ongoing"), ONGOING)]))]


@post.handle("when")
async def on_when(event: Event, ctx: Context) -> Step:
    if pressed(event) == ONGOING:
        set_days(ctx.data, None)
        return await go_on(ctx)
    text = written_answer(ctx, event, 200, N_("Please write the day."))
    if isinstance(text, Step):
        return text
    days, ongoing = read_days(text, ctx.now(), ctx.config.tz)
    if days is None and not ongoing:
        return Step.stay(Reply(ctx._("Sorry, I couldn't read a day in that.")))
    if days is not None and days[1] < ctx.now().astimezone(ctx.config.tz).date():
        return Step.stay(Reply(ctx._("That day has passed. Please give one that lies ahead.")))
    set_days(ctx.data, days)
    return await go_on(ctx)


@post.ask("people")
async def ask_people(ctx: Context) -> list[Reply]:
    text = ctx._("How many people? Write a number from 1 to 999 – or 0 if it doesn't matter.")
    return [Reply(text)]


@post.handle("people")
async def on_people(event: Event, ctx: Context) -> Step:
    text = written_answer(ctx, event, 20, N_("Please write a number, e.g. 3."))
    if isinstance(text, Step):
        return text
    number = text.strip().split()[0] if text.strip() else ""
    if not number.isdecimal() or int(number) > 999:
        return Step.stay(Reply(ctx._("Please write a number, e.g. 3.")))
    ctx.data["people"] = int(number) or None
    return await go_on(ctx)


@post.ask("radius")
async def ask_radius(ctx: Context) -> list[Reply]:
    choices = [(radius_text(ctx, km), f"radius:{km}") for km in RADII_KM]
    return [Reply(ctx._("How far may partners be?"), buttons=buttons(choices))]


@post.handle("radius")
async def on_radius(event: Event, ctx: Context) -> Step:
    value = (pressed(event) or "").removeprefix("radius:")
    if not value.isdecimal() or int(value) not in RADII_KM:
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    ctx.data["radius"] = int(value)
    return await go_on(ctx)


# -- the card --------------------------------------------------------------------------------


@post.ask("card")
async def ask_card(ctx: Context) -> list[Reply]:
    head = (
        ctx._("This is your offer:")
        if ctx.data["direction"] == "offer"
        else ctx._("This is your search:")
    )
    foot = ctx._(
        "Nothing is published until you press Publish. Your name and contact stay hidden "
        "until you and a partner both agree."
    )
    text = "\n".join([head, "", *await card_lines(ctx), "", foot])
    rows = buttons(
        [(ctx._("Publish"), "publish")],
        [(ctx._("Edit title"), "edit:title"), (ctx._("Edit kind"), "edit:kind")],
        [(ctx._("Edit time"), "edit:when"), (ctx._("Edit people"), "edit:people")],
        [(ctx._("Edit place"), "edit:place"), (ctx._("Edit distance"), "edit:radius")],
        [(ctx._("Edit fields"), "edit:interests"), (ctx._("Cancel"), "cancel")],
    )
    return [Reply(text, buttons=rows)]


@post.handle("card")
async def on_card(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice in EDITS:
        return Step.to(EDITS[choice])
    if choice == "cancel":
        return Step.finish(Reply(ctx._("Cancelled – nothing was published.")))
    if choice != "publish":
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    return await publish(ctx)
