"""/link: one person on two messengers (Telegram and Matrix, say).

On the account to keep, /link gives a code valid for 15 minutes; /link CODE on the
other account joins it to the same person. If that other account already has a
profile of its own, it is merged in only after an explicit confirmation, and the
code is used up only at that moment. The person behind the code hears about it on
their other accounts, so a link they did not make does not go unnoticed.
"""

from __future__ import annotations

from datetime import timedelta

from dialogs.engine import Registry
from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Dialog, Step, buttons
from dialogs.i18n import N_, Translator
from dialogs.roles import audit, roles_of
from dialogs.volunteer import relay
from storage.models import OneTimeCode

LINK_CODE_VALID = timedelta(minutes=15)
BAD_CODE = N_(
    "That link code is wrong, expired or already used. Send /link on your other account "
    "for a new one."
)
TRANSPORT_NAMES = {"telegram": "Telegram", "matrix": "Matrix", "console": "Console"}

merging = Dialog("link_merge", first="confirm")


def transport_name(transport: str) -> str:
    return TRANSPORT_NAMES.get(transport, transport)


async def on_link(event: Event, ctx: Context) -> Step:
    code = str(getattr(event, "args", "")).strip()
    return await use_code(ctx, code) if code else await give_code(ctx)


async def give_code(ctx: Context) -> Step:
    if ctx.person is None or ctx.person.id is None:
        text = ctx._(
            "There is nothing to link yet: I don't know this account. Send /start first "
            "(on the account whose profile you want to keep), then /link there."
        )
        return Step.stay(Reply(text))
    code = await ctx.uow.governance.issue_code(
        "link", ctx.person.id, ctx.now(), valid_for=LINK_CODE_VALID
    )
    text = ctx._(
        "Your link code: {code}\n\nWithin 15 minutes, send /link {code} from your other "
        "messenger account (Telegram or Matrix). Both accounts then share this profile. "
        "Give the code to nobody else.",
        code=code,
    )
    return Step.stay(Reply(text))


def same_person(ctx: Context) -> Step:
    text = ctx._(
        "This account already belongs to the profile of that code – nothing to link. "
        "Send the code from your other messenger account."
    )
    return Step.stay(Reply(text))


async def has_profile(ctx: Context) -> bool:
    person_id = ctx.person.id if ctx.person is not None else None
    return person_id is not None and await ctx.uow.profiles.get(person_id) is not None


async def use_code(ctx: Context, code: str) -> Step:
    """Check the code without using it; use it right away unless a profile would be merged."""
    found = await ctx.uow.governance.peek_code(code, "link", ctx.now())
    if found is None:
        return Step.stay(Reply(ctx._(BAD_CODE)))
    if ctx.person is not None and found.person_id == ctx.person.id:
        return same_person(ctx)
    if await has_profile(ctx):
        return Step.start(merging.name, data={"code": found.code})
    redeemed = await ctx.uow.governance.redeem_code(found.code, "link", ctx.now())
    return await link(ctx, redeemed)


async def link(ctx: Context, code: OneTimeCode | None) -> Step:
    """Join this account (and whatever person it had) to the person behind the code."""
    if code is None:
        return Step.finish(Reply(ctx._(BAD_CODE)))
    target = await ctx.uow.governance.person(code.person_id)
    if target is None or target.id is None:
        return Step.finish(Reply(ctx._(BAD_CODE)))
    who = ctx.identity
    merged = ctx.person.id if ctx.person is not None else None
    accounts = await ctx.uow.people.accounts_of(target.id)
    others = [account for account in accounts if account.unreachable_since is None]
    if merged is None:
        await ctx.uow.governance.attach_account(
            target.id, transport=who.transport, user_id=who.user_id, chat_id=who.chat_id
        )
    else:
        await ctx.uow.governance.merge_person(target.id, merged)
    ctx.person = target
    if target.locale:
        ctx.set_locale(target.locale)
    await audit(
        ctx,
        await roles_of(ctx),
        "accounts_linked",
        f"person:{target.id}",
        transport=who.transport,
        merged_person=merged,
    )
    messenger = transport_name(who.transport)

    def notice(t: Translator) -> str:
        return t.gettext(
            "A {messenger} account was just linked to your profile with your link code.",
            messenger=messenger,
        )

    await relay(ctx, others, notice)
    if merged is None:
        text = ctx._(
            "Linked! This {messenger} account now shares the profile of your other account.",
            messenger=messenger,
        )
    else:
        text = ctx._(
            "Linked! The profile of this account was merged into the one of your other "
            "account; your sign-ups and roles came along."
        )
    return Step.finish(Reply(text))


@merging.ask("confirm")
async def ask_merge(ctx: Context) -> list[Reply]:
    text = ctx._(
        "This account already has a profile of its own. If you link it, it is merged into "
        "the profile of your other account: that profile and its settings are kept, the "
        "ones here are deleted; your sign-ups and roles move over. Link and merge?"
    )
    choices = [(ctx._("Link and merge"), "merge"), (ctx._("Cancel"), "cancel")]
    return [Reply(text, buttons=buttons(choices))]


@merging.handle("confirm")
async def on_merge(event: Event, ctx: Context) -> Step:
    if not (isinstance(event, ButtonPress) and event.value == "merge"):
        return Step.finish(Reply(ctx._("Nothing was linked; both profiles stay as they are.")))
    code = str(ctx.data.get("code", ""))
    found = await ctx.uow.governance.peek_code(code, "link", ctx.now())
    if found is not None and ctx.person is not None and found.person_id == ctx.person.id:
        return Step.finish(*same_person(ctx).replies)
    return await link(ctx, await ctx.uow.governance.redeem_code(code, "link", ctx.now()))


def register(registry: Registry) -> None:
    registry.add_dialog(merging)
    registry.add_command("link", N_("Use one profile on Telegram and Matrix"), on_link)
