"""/partners: suggestions with reasons, "interested", and connecting two sides by consent.

A press on "Interested" asks what the presser wants the other side to see once both
agreed (a name and a phone number, say, or nothing but messages through the bot). If
the other side has not said yes yet, it gets a contact request that shows the
presser's post and the kind of party behind it – never a name or a contact. When the
second yes comes in, each side sees what the other chose to share and gets a button to
write through the bot. Every press is checked again: the presser must act for their
side right now, and both sides must still be open.
"""

from __future__ import annotations

from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Dialog, Speaker, Step, buttons, column
from dialogs.i18n import N_, Translator
from dialogs.partners_common import (
    GONE,
    NOT_YOURS,
    WRITE,
    Party,
    accounts_of,
    acts_for,
    load_party,
    party_lines,
    request_contact,
    side_of,
)
from dialogs.partners_suggest import my_sides, suggestions_for
from dialogs.volunteer import relay, written_answer
from storage.partners import PartnerConnection, Side, partners_of

share = Dialog("partner_share", first="share")
write = Dialog("partner_write", first="write")

MAX_SHARED, MAX_MESSAGE = 300, 2000
BOT_ONLY = "bot_only"
REPLY = N_("Reply")


# -- /partners -----------------------------------------------------------------------------


async def on_partners(event: Event, ctx: Context) -> Step:
    sides = await my_sides(ctx)
    if not sides:
        text = ctx._(
            "You have no open offers or searches yet. Post one with /offer (what you can "
            "give) or /search (what you are looking for)."
        )
        return Step.stay(Reply(text))
    if len(sides) == 1:
        return Step.stay(*await suggestions_for(ctx, sides[0][0]))
    choices = [(label, f"@partners_for:{side.value}") for side, label in sides]
    return Step.stay(Reply(ctx._("For which of yours shall I look?"), buttons=column(choices)))


async def on_partners_for(event: ButtonPress, ctx: Context, argument: str) -> Step:
    side = Side.parse(argument)
    party = await load_party(ctx, side)
    if side is None or party is None:
        return Step.stay(Reply(ctx._(GONE)))
    if not await acts_for(ctx, party):
        return Step.stay(Reply(ctx._(NOT_YOURS)))
    return Step.stay(*await suggestions_for(ctx, side))


# -- interested ---------------------------------------------------------------------------------


async def both_parties(
    ctx: Context, mine: Side | None, theirs: Side | None
) -> tuple[Party, Party] | str:
    """Both sides, if they are still open and the presser acts for the first one."""
    my_party, their_party = await load_party(ctx, mine), await load_party(ctx, theirs)
    if my_party is None or their_party is None or mine == theirs:
        return ctx._(GONE)
    if not await acts_for(ctx, my_party):
        return ctx._(NOT_YOURS)
    return my_party, their_party


async def on_interested(event: ButtonPress, ctx: Context, argument: str) -> Step:
    mine_text, _, theirs_text = argument.partition(":")
    mine, theirs = Side.parse(mine_text), Side.parse(theirs_text)
    found = await both_parties(ctx, mine, theirs)
    if isinstance(found, str) or mine is None or theirs is None:
        return Step.stay(Reply(str(found)))
    connection = await partners_of(ctx.uow).connection(mine, theirs)
    if connection is not None and connection.status == "connected":
        letter = side_of(connection, mine) or "a"
        return Step.stay(await revealed(ctx, connection, letter, found[1]))
    if connection is not None and connection.status == "declined":
        return Step.stay(Reply(ctx._("This connection was declined – it can't be opened again.")))
    return Step.start(share.name, data={"mine": mine.value, "theirs": theirs.value})


@share.ask("share")
async def ask_share(ctx: Context) -> list[Reply]:
    text = ctx._(
        "Good! What may the other side see once you both agree? Write your name and how to "
        "reach you (e.g. “Anna Schmidt, 0241 123456”) – or press the button to talk only "
        "through the bot. Nothing is shown before they agree too."
    )
    return [Reply(text, buttons=buttons([(ctx._("Only through the bot"), BOT_ONLY)]))]


@share.handle("share")
async def on_share(event: Event, ctx: Context) -> Step:
    if isinstance(event, ButtonPress) and event.value == BOT_ONLY:
        shared = ""
    else:
        answer = written_answer(ctx, event, MAX_SHARED, N_("Please write it as a message."))
        if isinstance(answer, Step):
            return answer
        shared = " ".join(answer.split())
    mine, theirs = Side.parse(ctx.data.get("mine", "")), Side.parse(ctx.data.get("theirs", ""))
    found = await both_parties(ctx, mine, theirs)
    if isinstance(found, str) or mine is None or theirs is None or ctx.person is None:
        return Step.finish(Reply(str(found)))
    my_party, their_party = found
    repository = partners_of(ctx.uow)
    connection = await repository.open_connection(
        mine, theirs, my_party.postal_code or their_party.postal_code, ctx.now()
    )
    if connection.status == "declined":
        return Step.finish(Reply(ctx._("This connection was declined – it can't be opened again.")))
    letter = side_of(connection, mine) or "a"
    asked_before = connection.a_interested_at if letter == "a" else connection.b_interested_at
    assert ctx.person.id is not None
    await repository.give_consent(connection, letter, ctx.person.id, shared, ctx.now())
    if connection.status == "connected":
        await tell_connected(ctx, connection, their_party, my_party, "b" if letter == "a" else "a")
        return Step.finish(await revealed(ctx, connection, letter, their_party))
    if asked_before is None:
        await ask_other_side(ctx, connection, my_party, their_party)
    text = ctx._(
        "Noted. I've let the other side know – without your name. Once they agree too, you "
        "both see what the other shared and can write to each other through the bot."
    )
    return Step.finish(Reply(text))


async def ask_other_side(
    ctx: Context, connection: PartnerConnection, asking: Party, asked: Party
) -> None:
    """The contact request: what the asker posted and what kind of party they are."""

    def head(t: Translator) -> str:
        return t.gettext(
            "Someone is interested in “{title}”. Nothing about them is shown until you agree too:",
            title=asked.title,
        )

    await request_contact(ctx, asked, asking, connection.id, head)


# -- connected -------------------------------------------------------------------------------------


async def shared_by(ctx: Context, connection: PartnerConnection, letter: str) -> str:
    assert connection.id is not None
    consent = await partners_of(ctx.uow).consent(connection.id, letter)
    return consent.shared if consent is not None else ""


def introduction(t: Speaker, party: Party, shared: str) -> list[str]:
    """What one side sees of the other once both agreed: the post, the organisation
    behind it, and what the other side chose to share."""
    lines = party_lines(t, party)
    if party.organisation is not None and party.need is None and party.post is not None:
        lines.append("🏠 " + party.organisation.name)
    if shared:
        lines.append("✉️ " + t._("They share: {shared}", shared=shared))
    else:
        lines.append("✉️ " + t._("They prefer to write through the bot."))
    return lines


async def revealed(ctx: Context, connection: PartnerConnection, letter: str, other: Party) -> Reply:
    shared = await shared_by(ctx, connection, "b" if letter == "a" else "a")
    head = ctx._("🤝 You are connected about “{title}”:", title=other.title)
    text = "\n".join([head, "", *introduction(ctx, other, shared)])
    return Reply(text, buttons=buttons([(ctx._(WRITE), f"@pmsg:{connection.id}")]))


async def tell_connected(
    ctx: Context, connection: PartnerConnection, party: Party, other: Party, letter: str
) -> None:
    """Tell ``party`` (sitting at ``letter``) about ``other`` now that both agreed."""
    shared = await shared_by(ctx, connection, "b" if letter == "a" else "a")

    def note(t: Translator) -> str:
        head = t.gettext("🤝 You are connected about “{title}”:", title=other.title)
        return "\n".join([head, "", *introduction(t, other, shared)])

    await relay(ctx, await accounts_of(ctx, party), note, [(WRITE, f"@pmsg:{connection.id}")])


# -- not for me ---------------------------------------------------------------------------------


async def letter_of_presser(
    ctx: Context, connection: PartnerConnection
) -> tuple[str, Party, Party] | None:
    """Which side the presser acts for, with both parties (closed ones too)."""
    a = await load_party(ctx, Side(connection.a_kind, connection.a_id), open_only=False)
    b = await load_party(ctx, Side(connection.b_kind, connection.b_id), open_only=False)
    if a is None or b is None:
        return None
    if await acts_for(ctx, a):
        return "a", a, b
    if await acts_for(ctx, b):
        return "b", b, a
    return None


async def connection_pressed(ctx: Context, argument: str) -> PartnerConnection | None:
    number = argument.split(":")[0]
    if not number.isdecimal() or len(number) > 12:
        return None
    return await partners_of(ctx.uow).connection_by_id(int(number))


async def on_not_for_me(event: ButtonPress, ctx: Context, argument: str) -> Step:
    connection = await connection_pressed(ctx, argument)
    found = await letter_of_presser(ctx, connection) if connection is not None else None
    if connection is None or found is None:
        return Step.stay(Reply(ctx._(NOT_YOURS)))
    letter, mine, other = found
    if connection.status == "connected":
        return Step.stay(Reply(ctx._("You are already connected – write to them any time.")))
    if connection.status == "declined":
        return Step.stay(Reply(ctx._("You have already declined this.")))
    connection.status = "declined"
    await partners_of(ctx.uow).save(connection)
    if (connection.a_interested_at if letter == "b" else connection.b_interested_at) is not None:

        def note(t: Translator) -> str:
            return t.gettext(
                "The other side has declined your interest in “{title}” for now – nothing "
                "about you was shown. Send /partners for more suggestions.",
                title=mine.title,
            )

        await relay(ctx, await accounts_of(ctx, other), note)
    return Step.stay(Reply(ctx._("Declined. The other side learns nothing about you.")))


# -- writing through the bot ---------------------------------------------------------------


async def on_write(event: ButtonPress, ctx: Context, argument: str) -> Step:
    connection = await connection_pressed(ctx, argument)
    found = await letter_of_presser(ctx, connection) if connection is not None else None
    if connection is None or found is None or connection.status != "connected":
        return Step.stay(Reply(ctx._(NOT_YOURS)))
    return Step.start(write.name, data={"connection": connection.id})


@write.ask("write")
async def ask_write(ctx: Context) -> list[Reply]:
    return [Reply(ctx._("Write your message. I'll pass it on through the bot."))]


def sender_label(t: Speaker, party: Party, shared: str) -> str:
    if party.organisation is not None:
        return party.organisation.name
    return shared or t._("your partner")


@write.handle("write")
async def on_write_text(event: Event, ctx: Context) -> Step:
    text = written_answer(ctx, event, MAX_MESSAGE, N_("Please write your message as text."))
    if isinstance(text, Step):
        return text
    connection = await connection_pressed(ctx, str(ctx.data.get("connection", "")))
    found = await letter_of_presser(ctx, connection) if connection is not None else None
    if connection is None or found is None or connection.status != "connected":
        return Step.finish(Reply(ctx._(NOT_YOURS)))
    letter, mine, other = found
    shared = await shared_by(ctx, connection, letter)

    def message(t: Translator) -> str:
        head = t.gettext(
            "Message about “{title}” from {sender}:",
            title=mine.title,
            sender=sender_label(t, mine, shared),
        )
        return f"{head}\n\n{text}"

    sent = await relay(
        ctx, await accounts_of(ctx, other), message, [(REPLY, f"@pmsg:{connection.id}")]
    )
    if not sent:
        return Step.finish(Reply(ctx._("They can't be reached at the moment.")))
    return Step.finish(Reply(ctx._("Sent. I'll pass on any answer here.")))
