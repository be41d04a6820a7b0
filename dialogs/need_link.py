"""``/start need_<id>``: the "help via Telegram/Matrix" links of the public needs page.

Someone with a profile sees the need's card with its sign-up button at once.
Someone new sees the need, goes through onboarding (signing up needs consent and
a profile), and gets the card with its button again right after the summary.
"""

from __future__ import annotations

from dialogs.events import Reply
from dialogs.flow import Context, Step
from dialogs.volunteer import find_volunteer, need_card
from storage.models import Need, Organisation

PENDING_NEED = "need"  # key in the onboarding dialog's data


def is_open(need: Need, organisation: Organisation, ctx: Context) -> bool:
    starts = need.starts_at
    return (
        need.status == "open"
        and organisation.status == "approved"
        and (starts is None or starts > ctx.now())
    )


async def open_need(ctx: Context, argument: str) -> tuple[Need, Organisation] | None:
    if not argument.isdecimal() or len(argument) > 12:
        return None
    found = await ctx.uow.directory.need(int(argument))
    return found if found is not None and is_open(*found, ctx) else None


async def need_from_start(ctx: Context, argument: str, onboarding: str) -> Step:
    found = await open_need(ctx, argument)
    if found is None:
        text = ctx._(
            "This need is no longer open – it may be filled or cancelled. "
            "Send /start to see what else fits you."
        )
        return Step.stay(Reply(text))
    need, organisation = found
    card = need_card(ctx, need, organisation, None)
    volunteer = await find_volunteer(ctx)
    if volunteer is not None and volunteer[1].completed_at is not None:
        return Step.stay(card)
    intro = Reply(
        card.text
        + "\n\n"
        + ctx._(
            "To sign up, first tell me a little about yourself – it takes two minutes. "
            "Afterwards I show you this need again."
        )
    )
    state = "interests" if volunteer is not None else None
    return Step.start(onboarding, intro, state=state, data={PENDING_NEED: need.id})


async def pending_need_card(ctx: Context) -> list[Reply]:
    """After onboarding: the need that brought this person here, if still open."""
    need_id = ctx.data.get(PENDING_NEED)
    if not isinstance(need_id, int):
        return []
    found = await open_need(ctx, str(need_id))
    if found is None:
        return []
    intro = Reply(ctx._("You came for this need – sign up here:"))
    return [intro, need_card(ctx, *found, None)]
