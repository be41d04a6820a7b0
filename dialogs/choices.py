"""Reading button choices, and the multi-select ("tap to tick, then Done") used
wherever someone picks interests or skills."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Speaker, Step, buttons
from matching import taxonomy
from matching.taxonomy import Term

TOGGLE = "toggle:"
DONE = "done"


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
