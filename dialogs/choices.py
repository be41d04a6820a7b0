"""Reading button choices, and the multi-select ("tap to tick, then Done") used
wherever someone picks interests or skills."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Speaker, Step, buttons
from dialogs.i18n import N_
from dialogs.roles import NOT_ALLOWED, roles_of
from dialogs.volunteer import interest_label
from matching import taxonomy
from matching.taxonomy import Term

TOGGLE = "toggle:"
DONE = "done"
BUTTONS_ONLY = N_("Please answer with one of the buttons.")


def pressed(event: Event) -> str | None:
    """The chosen button's value, however it was chosen (tap, number, label)."""
    return event.value if isinstance(event, ButtonPress) else None


def toggle_rows(
    ctx: Speaker, terms: Sequence[Term], chosen: list[str], label: Callable[[Speaker, str], str]
) -> list[list[tuple[str, str]]]:
    """Two choices per row; chosen ones carry a check mark."""
    items = [
        (("✅ " if term.id in chosen else "") + label(ctx, term.id), f"{TOGGLE}{term.id}")
        for term in terms
    ]
    return [items[i : i + 2] for i in range(0, len(items), 2)]


def toggled(chosen: list[str], value: str) -> list[str]:
    item = value.removeprefix(TOGGLE)
    return [c for c in chosen if c != item] if item in chosen else [*chosen, item]


def multi_select_menu(
    ctx: Context,
    text: str,
    terms: Sequence[Term],
    key: str,
    label: Callable[[Speaker, str], str],
) -> list[Reply]:
    """The question with one toggle per term and Done; redrawn in place on every tap."""
    rows = toggle_rows(ctx, terms, ctx.data.get(key, []), label)
    rows.append([(ctx._("Done"), DONE)])
    return [Reply(text, buttons=buttons(*rows), replace_menu=True)]


def toggle_tapped(
    event: Event, ctx: Context, key: str, valid: Callable[[str], bool]
) -> Step | None:
    """A tap on a term ticks or unticks it in ``ctx.data[key]``; None for anything else."""
    choice = pressed(event) or ""
    if choice.startswith(TOGGLE) and valid(choice.removeprefix(TOGGLE)):
        ctx.data[key] = toggled(ctx.data.get(key, []), choice)
        return Step.stay()
    return None


def in_taxonomy_order(chosen: list[str], ids: Sequence[str] = taxonomy.INTEREST_IDS) -> list[str]:
    return [i for i in ids if i in chosen]


def interests_menu(ctx: Context, text: str) -> list[Reply]:
    """The interests question: ``text`` and a toggle per field, on ``ctx.data["interests"]``."""
    return multi_select_menu(ctx, text, taxonomy.INTERESTS, "interests", interest_label)


def interests_chosen(event: Event, ctx: Context, hint: str) -> list[str] | Step:
    """The answer to ``interests_menu``.

    A tap ticks or unticks a field and stays; Done with at least one field gives the fields
    in taxonomy order, for the caller to keep and go on; anything else is answered with
    ``hint`` (a message id), which each dialog words for its own question.
    """
    if (step := toggle_tapped(event, ctx, "interests", taxonomy.is_interest)) is not None:
        return step
    if pressed(event) != DONE:
        return Step.stay(Reply(ctx._(hint)))
    if not ctx.data.get("interests"):
        return Step.stay(Reply(ctx._("Please choose at least one field.")))
    return in_taxonomy_order(ctx.data["interests"])


async def organisation_choices(ctx: Context, ids: Sequence[int]) -> list[tuple[str, str]]:
    """A button ("org:<id>") for each of these organisations that still exists."""
    choices = []
    for organisation_id in ids:
        organisation = await ctx.uow.directory.organisation(organisation_id)
        if organisation is not None:
            choices.append((organisation.name, f"org:{organisation.id}"))
    return choices


async def organisation_pressed(event: Event, ctx: Context) -> int | Step:
    """The organisation pressed among ``ctx.data["orgs"]`` – if the presser administers it
    right now, since the buttons may be older than a change of admins."""
    number = (pressed(event) or "").removeprefix("org:")
    if not number.isdecimal() or int(number) not in ctx.data.get("orgs", []):
        return Step.stay(Reply(ctx._(BUTTONS_ONLY)))
    if not (await roles_of(ctx)).administers(int(number)):
        return Step.finish(Reply(ctx._(NOT_ALLOWED)))
    return int(number)
