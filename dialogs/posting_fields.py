"""What posting and managing needs share: the draft a dialog edits, its checks,
how it reads on a card, and telling signed-up volunteers about changes.

A draft lives in the conversation's data, so it holds only JSON values: times as
ISO strings in UTC, ``postal_code`` None for "at the organisation's address".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from dialogs.events import Reply
from dialogs.flow import Context, Speaker
from dialogs.i18n import N_, Translator
from dialogs.need_parser import ParsedNeed
from dialogs.volunteer import interest_label, relay, when_text
from matching import taxonomy
from storage.models import Account, Need, Organisation, Person, SignUp
from storage.postal_codes import default_directory

DIALOG = "post_need"
MIN_PEOPLE, MAX_PEOPLE = 1, 100
MAX_TITLE = 120
MAX_ADDRESS = 200
MAX_DESCRIPTION = 2000
POSTAL_CODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
STATUS_LABELS = {
    "open": N_("open"),
    "filled": N_("filled"),
    "closed": N_("closed"),
    "cancelled": N_("cancelled"),
}


# -- the draft ------------------------------------------------------------------------


def moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def time_problem(ctx: Context, starts_at: datetime | None, ends_at: datetime | None) -> str:
    """Why this time cannot be posted; empty when it can. Long-term needs have none."""
    if starts_at is None:
        return ""
    if starts_at <= ctx.now():
        return ctx._(
            "That time is in the past ({when}). Please give a time that still lies ahead.",
            when=span_text(ctx, starts_at, ends_at),
        )
    if ends_at is not None and ends_at <= starts_at:
        return ctx._(
            "The end ({end}) is not after the start ({start}). Please write the time again.",
            end=ctx.translator.time(ends_at),
            start=ctx.translator.time(starts_at),
        )
    return ""


def count_problem(ctx: Context, count: int) -> str:
    if MIN_PEOPLE <= count <= MAX_PEOPLE:
        return ""
    return ctx._(
        "Please give a number of people from {low} to {high}.", low=MIN_PEOPLE, high=MAX_PEOPLE
    )


def set_time(data: dict[str, Any], parsed: ParsedNeed) -> None:
    data["long_term"] = parsed.long_term and parsed.starts_at is None
    data["starts_at"] = None if data["long_term"] else iso(parsed.starts_at)
    data["ends_at"] = None if data["long_term"] else iso(parsed.ends_at)


def absorb(ctx: Context, data: dict[str, Any], parsed: ParsedNeed, text: str) -> list[Reply]:
    """Take what the parser read into the draft; what fails a check is left to ask for,
    with a note that says why."""
    notes: list[Reply] = []
    data["parsed"] = True
    data["text"] = text[:MAX_DESCRIPTION]
    if parsed.title:
        data["title"] = " ".join(parsed.title.split())[:MAX_TITLE]
    if parsed.long_term or parsed.starts_at is not None:
        if problem := time_problem(ctx, parsed.starts_at, parsed.ends_at):
            notes.append(Reply(problem))
        else:
            set_time(data, parsed)
    if parsed.count is not None:
        if problem := count_problem(ctx, parsed.count):
            notes.append(Reply(problem))
        else:
            data["count"] = parsed.count
    if parsed.postal_code and default_directory().lookup(parsed.postal_code) is None:
        notes.append(Reply(unknown_code(ctx, parsed.postal_code)))
    elif parsed.postal_code:
        data["postal_code"] = parsed.postal_code
    if parsed.address:
        data["address"] = " ".join(parsed.address.split())[:MAX_ADDRESS]
    known = [i for i in taxonomy.INTEREST_IDS if i in parsed.interests]
    if known:
        data["interests"], data["interests_read"] = known, True
    return notes


NOT_APPROVED = N_(
    "Your organisation is not approved yet. You can post needs as soon as the municipality "
    "has approved it."
)


def unknown_code(ctx: Context, code: str) -> str:
    return ctx._(
        "I don't know the postal code {code}. Please check it; until then I use the "
        "organisation's address.",
        code=code,
    )


def next_state(data: dict[str, Any]) -> str:
    """The first thing still unknown, one question at a time; then the card."""
    if not data.get("org"):
        return "org"
    if not data.get("parsed"):
        return "message"
    if not data.get("title"):
        return "title"
    if not data.get("long_term") and not data.get("starts_at"):
        return "when"
    if not data.get("count"):
        return "count"
    return "card"


def new_draft(organisation: Organisation) -> dict[str, Any]:
    """An empty draft whose fields of interest start as the organisation's own."""
    return {
        "mode": "new",
        "org": organisation.id,
        "interests": list(organisation.interests),
        "address": "",
        "postal_code": None,
    }


def edit_draft(need: Need) -> dict[str, Any]:
    """An existing need as a draft: the same dialog then edits it."""
    return {
        "mode": "edit",
        "need": need.id,
        "org": need.organisation_id,
        "parsed": True,
        "title": need.title,
        "starts_at": iso(need.starts_at),
        "ends_at": iso(need.ends_at),
        "long_term": need.starts_at is None,
        "count": need.capacity,
        "postal_code": need.postal_code,
        "address": need.address,
        "interests": list(need.interests),
    }


# -- the place ---------------------------------------------------------------------------


def resolve_place(
    data: dict[str, Any], organisation: Organisation
) -> tuple[str, str, float, float]:
    """Postal code, address and coordinates: the organisation's unless another code is given."""
    code = data.get("postal_code") or organisation.postal_code
    address = data.get("address") or ("" if data.get("postal_code") else organisation.address)
    found = default_directory().lookup(code)
    if code == organisation.postal_code or found is None:
        return code, address, organisation.latitude, organisation.longitude
    return code, address, found.latitude, found.longitude


def code_with_place(code: str) -> str:
    found = default_directory().lookup(code)
    return f"{code} {found.place}" if found is not None else code


def place_line(address: str, code: str) -> str:
    return ", ".join(filter(None, [address, code_with_place(code)]))


def draft_place(ctx: Speaker, data: dict[str, Any], organisation: Organisation) -> str:
    if data.get("postal_code") or data.get("address"):
        code, address, _, _ = resolve_place(data, organisation)
        return place_line(address, code)
    where = place_line(organisation.address, organisation.postal_code)
    return ctx._("at the organisation's address ({where})", where=where)


# -- rendering -----------------------------------------------------------------------------


def span_text(t: Speaker, starts_at: datetime | None, ends_at: datetime | None) -> str:
    """Like when_text, but an end on another day names that day (night shifts)."""
    tz = t.translator.tz
    if starts_at and ends_at and starts_at.astimezone(tz).date() != ends_at.astimezone(tz).date():
        return f"{when_text(t, starts_at, None)} – {when_text(t, ends_at, None)}"
    return when_text(t, starts_at, ends_at)


def draft_when(ctx: Speaker, data: dict[str, Any]) -> str:
    if data.get("long_term"):
        return ctx._("long-term, no fixed date")
    return span_text(ctx, moment(data.get("starts_at")), moment(data.get("ends_at")))


def interests_text(ctx: Speaker, interests: list[str]) -> str:
    return ", ".join(interest_label(ctx, i) for i in interests) or ctx._("none chosen")


def draft_lines(ctx: Context, data: dict[str, Any], organisation: Organisation) -> list[str]:
    return [
        "📝 " + ctx._("What: {title}", title=data.get("title", "")),
        "🏠 " + organisation.name,
        "🕒 " + ctx._("When: {when}", when=draft_when(ctx, data)),
        "👥 " + ctx._("People: {count}", count=data.get("count", "")),
        "📍 " + ctx._("Where: {place}", place=draft_place(ctx, data, organisation)),
        "🎯 " + ctx._("Fields: {interests}", interests=interests_text(ctx, data["interests"])),
    ]


def status_label(ctx: Speaker, status: str) -> str:
    return ctx._(STATUS_LABELS[status]) if status in STATUS_LABELS else status


# -- who signed up (queries the lead may move into storage.volunteering.SignUps) ------------


async def signed_up(ctx: Context, need_id: int) -> list[tuple[SignUp, Person | None]]:
    """Active sign-ups of a need, with the person when they have not erased their data."""
    result = await ctx.uow.session.exec(
        select(SignUp, Person)
        .join(Person, col(Person.id) == col(SignUp.person_id), isouter=True)
        .where(SignUp.need_id == need_id, SignUp.status == "active")
        .order_by(col(SignUp.created_at))
    )
    return [(row[0], row[1]) for row in result.all()]


async def needs_of(ctx: Context, organisation_ids: list[int]) -> list[Need]:
    """All needs of these organisations; /needs filters what is current."""
    result = await ctx.uow.session.exec(
        select(Need).where(col(Need.organisation_id).in_(organisation_ids))
    )
    return list(result.all())


# -- telling volunteers ----------------------------------------------------------------------


async def volunteer_accounts(ctx: Context, need: Need) -> list[list[Account]]:
    """Where to reach each person signed up for the need (one list per person)."""
    assert need.id is not None
    people = []
    for _signup, person in await signed_up(ctx, need.id):
        if person is not None and person.id is not None:
            found = await ctx.uow.people.accounts_of(person.id)
            reachable = [account for account in found if account.unreachable_since is None]
            if reachable:
                people.append(reachable)
    return people


async def tell_volunteers(ctx: Context, need: Need, text: Callable[[Translator], str]) -> int:
    """Tell everyone signed up for the need, each in their own language; how many people."""
    people = await volunteer_accounts(ctx, need)
    for accounts in people:
        await relay(ctx, accounts, text)
    return len(people)


def changed_text(t: Translator, need: Need, organisation: Organisation) -> str:
    return t.gettext(
        "Change for “{title}” ({organisation}): it is now {when}, at {place}. You are still "
        "signed up – if that no longer suits you, you can cancel under /mine.",
        title=need.title,
        organisation=organisation.name,
        when=span_text(t, need.starts_at, need.ends_at),
        place=place_line(need.address, need.postal_code),
    )


def cancelled_text(t: Translator, need: Need, organisation: Organisation) -> str:
    return t.gettext(
        "Sorry – {organisation} has cancelled “{title}” ({when}). You don't need to come. "
        "Send /matches for other ways to help.",
        organisation=organisation.name,
        title=need.title,
        when=span_text(t, need.starts_at, need.ends_at),
    )
