"""/broadcast: a coordinator's announcement to the people of their municipality, and
/broadcasts: how far the recent ones got.

The coordinator writes the text, picks an audience, sees exactly how it will look
and how many people it reaches, and confirms. Then one Broadcast row and one outbox
row per recipient account are written in the same transaction; the sender workers
deliver them. Rights are checked again at the moment of sending.
"""

from __future__ import annotations

from typing import Any

from dialogs.choices import pressed, toggle_rows, toggled
from dialogs.coordination_audience import (
    STOP_ANNOUNCEMENTS,
    announcement_text,
    audience_text,
    deliveries,
    recipients,
)
from dialogs.coordination_common import (
    BUTTONS_ONLY,
    municipality_pressed,
    pick_municipality,
)
from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply, TextMessage
from dialogs.flow import Context, Dialog, Step, buttons, column
from dialogs.i18n import N_, available_locales, language_name
from dialogs.roles import NOT_ALLOWED, audit, refusal, roles_of
from dialogs.volunteer import RADII_KM, interest_label, shorten, written_answer
from matching import taxonomy
from storage.models import Broadcast, Municipality
from storage.postal_codes import default_directory
from storage.statistics import broadcasts_of

MAX_TEXT = 3000
RECENT = 10

broadcast = Dialog("broadcast", first="text")


async def on_broadcast(event: Event, ctx: Context) -> Step:
    roles = await roles_of(ctx)
    found = await pick_municipality(ctx, roles, str(getattr(event, "args", "")), "broadcast")
    return start(found) if isinstance(found, Municipality) else found


async def on_broadcast_for(event: ButtonPress, ctx: Context, argument: str) -> Step:
    municipality = await municipality_pressed(ctx, await roles_of(ctx), argument)
    return start(municipality) if municipality is not None else refusal(ctx)


def start(municipality: Municipality) -> Step:
    return Step.start(broadcast.name, data={"m": municipality.id, "m_name": municipality.name})


async def current_municipality(ctx: Context) -> Municipality | None:
    """The dialog's municipality, if this person may still act for it."""
    roles = await roles_of(ctx)
    if not roles.coordinates(ctx.data.get("m")):
        return None
    return await ctx.uow.governance.municipality(int(ctx.data["m"]))


# -- text ----------------------------------------------------------------------------------


@broadcast.ask("text")
async def ask_text(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Write the announcement for {municipality} (up to {limit} characters). It goes out "
        "exactly as you write it. /cancel stops.",
        municipality=ctx.data["m_name"],
        limit=ctx.translator.number(MAX_TEXT),
    )
    return [Reply(text)]


@broadcast.handle("text")
async def on_text(event: Event, ctx: Context) -> Step:
    text = written_answer(ctx, event, MAX_TEXT, N_("Please write the announcement as a message."))
    if isinstance(text, Step):
        return text
    ctx.data["text"] = text
    return Step.to("audience")


# -- audience ------------------------------------------------------------------------------


@broadcast.ask("audience")
async def ask_audience(ctx: Context) -> list[Reply]:
    name = ctx.data["m_name"]
    choices = [
        (ctx._("All volunteers in {municipality}", municipality=name), "all"),
        (ctx._("By interest"), "interests"),
        (ctx._("By language"), "languages"),
        (ctx._("Admins of organisations in {municipality}", municipality=name), "admins"),
        (ctx._("Around a postal code"), "radius"),
    ]
    return [Reply(ctx._("Who should get it?"), buttons=column(choices))]


@broadcast.handle("audience")
async def on_audience(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice in ("all", "admins"):
        ctx.data["audience"] = {"kind": choice}
        return Step.to("confirm")
    if choice in ("interests", "languages"):
        ctx.data["picked"] = []
        return Step.to(choice)
    if choice == "radius":
        return Step.to("postal")
    return Step.stay(Reply(ctx._(BUTTONS_ONLY)))


def toggle_or_done(ctx: Context, event: Event, allowed: tuple[str, ...], key: str) -> Step | None:
    """A toggle press updates the choice; Done with a choice moves on; None: not understood."""
    choice = pressed(event) or ""
    if choice.startswith("toggle:") and choice.removeprefix("toggle:") in allowed:
        ctx.data["picked"] = toggled(ctx.data.get("picked", []), choice)
        return Step.stay()
    if choice == "done":
        if not ctx.data.get("picked"):
            return Step.stay(Reply(ctx._("Please choose at least one.")))
        picked = [item for item in allowed if item in ctx.data["picked"]]
        field = "interests" if key == "interests" else "locales"
        ctx.data["audience"] = {"kind": key, field: picked}
        return Step.to("confirm")
    return None


@broadcast.ask("interests")
async def ask_interests(ctx: Context) -> list[Reply]:
    rows = toggle_rows(ctx, taxonomy.INTERESTS, ctx.data.get("picked", []), interest_label)
    rows.append([(ctx._("Done"), "done")])
    text = ctx._("Which interests? Volunteers with any of them get it. Then press Done.")
    return [Reply(text, buttons=buttons(*rows), replace_menu=True)]


@broadcast.handle("interests")
async def on_interests(event: Event, ctx: Context) -> Step:
    step = toggle_or_done(ctx, event, taxonomy.INTEREST_IDS, "interests")
    return step or Step.stay(Reply(ctx._(BUTTONS_ONLY)))


@broadcast.ask("languages")
async def ask_languages(ctx: Context) -> list[Reply]:
    picked = ctx.data.get("picked", [])
    rows = [
        [(("✅ " if code in picked else "") + language_name(code), f"toggle:{code}")]
        for code in available_locales()
    ]
    rows.append([(ctx._("Done"), "done")])
    text = ctx._("Which languages? Volunteers who use any of them get it. Then press Done.")
    return [Reply(text, buttons=buttons(*rows), replace_menu=True)]


@broadcast.handle("languages")
async def on_languages(event: Event, ctx: Context) -> Step:
    step = toggle_or_done(ctx, event, available_locales(), "languages")
    return step or Step.stay(Reply(ctx._(BUTTONS_ONLY)))


@broadcast.ask("postal")
async def ask_postal(ctx: Context) -> list[Reply]:
    text = ctx._("Around which postal code in {municipality}?", municipality=ctx.data["m_name"])
    return [Reply(text)]


@broadcast.handle("postal")
async def on_postal(event: Event, ctx: Context) -> Step:
    municipality = await current_municipality(ctx)
    if municipality is None:
        return Step.finish(*refusal(ctx).replies)
    typed = event.text.strip() if isinstance(event, TextMessage) else ""
    found = default_directory().lookup(typed)
    if found is None:
        return Step.stay(Reply(ctx._("Please write a postal code with five digits.")))
    if found.district_key != municipality.district_key:
        text = ctx._(
            "{code} is not in {municipality}. Please write a postal code in {municipality}.",
            code=found.code,
            municipality=municipality.name,
        )
        return Step.stay(Reply(text))
    ctx.data["postal_code"] = found.code
    return Step.to("radius")


@broadcast.ask("radius")
async def ask_radius(ctx: Context) -> list[Reply]:
    choices = [(ctx._("{km} km", km=km), f"km:{km}") for km in RADII_KM]
    text = ctx._("How far around {code}?", code=ctx.data.get("postal_code", ""))
    return [Reply(text, buttons=buttons(choices))]


@broadcast.handle("radius")
async def on_radius(event: Event, ctx: Context) -> Step:
    choice = (pressed(event) or "").removeprefix("km:")
    if not choice.isdecimal() or int(choice) not in RADII_KM:
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    code = ctx.data.get("postal_code", "")
    ctx.data["audience"] = {"kind": "radius", "postal_code": code, "radius_km": int(choice)}
    return Step.to("confirm")


# -- preview and sending ---------------------------------------------------------------------


def reach_text(ctx: Context, people: int, messages: int) -> str:
    text = ctx.ngettext("It reaches {n} person", "It reaches {n} people", people)
    if messages != people:
        text += " " + ctx.ngettext(
            "({n} message: one per messenger account).",
            "({n} messages: one per messenger account).",
            messages,
        )
    return text


@broadcast.ask("confirm")
async def ask_confirm(ctx: Context) -> list[Reply]:
    municipality = await current_municipality(ctx)
    if municipality is None:
        return [Reply(ctx._(NOT_ALLOWED))]
    audience: dict[str, Any] = ctx.data["audience"]
    people = await recipients(ctx, municipality, audience)
    messages = sum(len(recipient.accounts) for recipient in people)
    intro = ctx._(
        "This is exactly how it will look, with a “{button}” button below it. Each person "
        "reads the first line in their own language.",
        button=ctx._(STOP_ANNOUNCEMENTS),
    )
    preview = Reply(announcement_text(ctx, municipality.name, ctx.data["text"]))
    who = audience_text(ctx, municipality, audience)
    change = (ctx._("Change the audience"), "change")
    cancel = (ctx._("Cancel"), "cancel")
    if not people:
        text = who + "\n" + ctx._("Nobody in this audience takes announcements right now.")
        return [Reply(intro), preview, Reply(text, buttons=buttons([change], [cancel]))]
    text = f"{who}\n{reach_text(ctx, len(people), messages)}\n\n" + ctx._("Send it now?")
    send = (ctx.ngettext("Send to {n} person", "Send to {n} people", len(people)), "send")
    return [Reply(intro), preview, Reply(text, buttons=buttons([send], [change], [cancel]))]


@broadcast.handle("confirm")
async def on_confirm(event: Event, ctx: Context) -> Step:
    choice = pressed(event)
    if choice == "change":
        return Step.to("audience")
    if choice == "cancel":
        return Step.finish(Reply(ctx._("Cancelled – nothing was sent.")))
    if choice != "send":
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    roles = await roles_of(ctx)
    municipality = await current_municipality(ctx)
    if municipality is None or municipality.id is None:
        return Step.finish(*refusal(ctx).replies)
    audience: dict[str, Any] = ctx.data["audience"]
    people = await recipients(ctx, municipality, audience)
    if not people:
        return Step.stay(Reply(ctx._("Nobody in this audience takes announcements right now.")))
    text = ctx.data["text"]
    queued = deliveries(ctx, people, municipality.name, text)
    sent = await broadcasts_of(ctx.uow).queue(
        Broadcast(
            municipality_id=municipality.id,
            author_id=roles.person_id,
            text=text,
            language=ctx.locale,
            audience={**audience, "people": len(people)},
        ),
        queued,
        ctx.now(),
    )
    await audit(
        ctx,
        roles,
        "broadcast_queued",
        f"broadcast:{sent.id}",
        municipality=municipality.id,
        audience=audience.get("kind"),
        people=len(people),
        messages=len(queued),
    )
    done = ctx.ngettext(
        "Queued {n} message; I'll report progress.",
        "Queued {n} messages; I'll report progress.",
        len(queued),
    )
    return Step.finish(Reply(done + " " + ctx._("You can also check with /broadcasts.")))


# -- /broadcasts ----------------------------------------------------------------------------


def progress_text(ctx: Context, counts: dict[str, int]) -> str:
    parts = [
        ctx._(
            "{sent} of {total} sent",
            sent=ctx.translator.number(counts["sent"]),
            total=ctx.translator.number(counts["total"]),
        )
    ]
    if waiting := counts["pending"] + counts["sending"]:
        parts.append(ctx._("waiting: {count}", count=ctx.translator.number(waiting)))
    if counts["failed"]:
        parts.append(ctx._("failed: {count}", count=ctx.translator.number(counts["failed"])))
    if counts["blocked"]:
        parts.append(ctx._("blocked: {count}", count=ctx.translator.number(counts["blocked"])))
    return " · ".join(parts)


async def on_broadcasts(event: Event, ctx: Context) -> Step:
    """The recent broadcasts of the municipalities one coordinates, with their progress."""
    roles = await roles_of(ctx)
    if not roles.is_coordinator:
        return refusal(ctx)
    repository = broadcasts_of(ctx.uow)
    recent = await repository.recent(None if roles.operator else roles.coordinator_of, RECENT)
    if not recent:
        return Step.stay(Reply(ctx._("No announcements yet. Write one with /broadcast.")))
    names = {m.id: m.name for m in await ctx.uow.governance.municipalities()}
    lines = [ctx._("Recent announcements:")]
    for item in recent:
        assert item.id is not None
        when = ctx.translator.datetime(item.created_at, format="short")
        where = names.get(item.municipality_id, "–")
        lines.append(f"\n{when} · {where}: “{shorten(item.text, 60)}”")
        lines.append(progress_text(ctx, await repository.report(item.id)))
    return Step.stay(Reply("\n".join(lines)))


def register(registry: Registry) -> None:
    registry.add_dialog(broadcast)
    registry.add_command(
        "broadcast", N_("Coordinators: send an announcement"), on_broadcast, public=False
    )
    registry.add_command(
        "broadcasts", N_("Coordinators: recent announcements"), on_broadcasts, public=False
    )
    registry.add_action("broadcast", on_broadcast_for)
