"""What the coordination flows share: which municipality a command is about, who may
act for it, and what a municipality covers (its district's postal codes).

The CLI (``engage admin``) uses the same checks for a new municipality, so chat and
command line accept and refuse exactly the same input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dialogs.events import ButtonPress, Event, Reply
from dialogs.flow import Context, Speaker, Step, column
from dialogs.i18n import N_
from dialogs.roles import Roles, refusal, roles_of
from storage.models import Municipality, Person
from storage.postal_codes import default_directory

if TYPE_CHECKING:
    from storage.repositories import UnitOfWork

MAX_MUNICIPALITY_NAME = 200
BUTTONS_ONLY = N_("Please answer with one of the buttons.")
UNKNOWN_MUNICIPALITY = N_(
    "I don't know the municipality “{slug}”. Send /municipalities to see all."
)
NO_MUNICIPALITY = N_(
    "There is no municipality yet. An operator adds one with "
    "/municipality add <district key> <name>."
)
_TRANSLITERATE = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l"}
)


def slugify(name: str) -> str:
    """A short, typeable name: "Städteregion Aachen" → "staedteregion-aachen"."""
    text = unicodedata.normalize("NFKD", name.casefold().translate(_TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:100].strip("-")


def district_codes(district_key: str) -> list[str]:
    """Every postal code of a district; large-customer codes too, since someone may have
    typed one as their own (lookup() maps it to the same district)."""
    found = default_directory().in_district(district_key, include_large_customers=True)
    return [postal_code.code for postal_code in found]


def district_name(district_key: str) -> str:
    found = default_directory().in_district(district_key, include_large_customers=True)
    return found[0].district if found else district_key


@dataclass(frozen=True)
class NewMunicipality:
    """A municipality that may be added, or ``problem`` saying why not."""

    district_key: str
    name: str
    slug: str
    problem: str = ""  # "district", "name", "slug", "taken"
    existing: str = ""  # the municipality already using the slug or district


async def check_new_municipality(uow: UnitOfWork, district_key: str, name: str) -> NewMunicipality:
    """The same rules for chat and CLI: a known district, a name, nothing taken twice."""
    key, name = district_key.strip(), " ".join(name.split())
    slug = slugify(name)
    draft = NewMunicipality(key, name, slug)
    if not (key.isascii() and key.isdecimal() and district_codes(key)):
        return NewMunicipality(key, name, slug, "district")
    if not slug or len(name) > MAX_MUNICIPALITY_NAME:
        return NewMunicipality(key, name, slug, "name")
    if (same := await uow.municipalities.by_slug(slug)) is not None:
        return NewMunicipality(key, name, slug, "slug", same.name)
    if (same := await uow.governance.municipality_for_district(key)) is not None:
        return NewMunicipality(key, name, slug, "taken", same.name)
    return draft


def new_municipality_problem(t: Speaker, draft: NewMunicipality) -> str:
    """Why a municipality can't be added, in the reader's language."""
    if draft.problem == "district":
        return t._(
            "I don't know the district key “{key}”. It is the five-digit key of the "
            "district (Kreis), e.g. 05334 for the Städteregion Aachen.",
            key=draft.district_key[:20],
        )
    if draft.problem == "name":
        return t._("Please give the municipality a name of at most 200 characters, with letters.")
    if draft.problem == "slug":
        return t._("There is already a municipality called {name}.", name=draft.existing)
    return t._(
        "District {key} already belongs to the municipality {name}.",
        key=draft.district_key,
        name=draft.existing,
    )


def person_label(t: Speaker, person: Person) -> str:
    """How coordinators appear to operators: their name, never a messenger id."""
    return person.display_name or t._("Person no. {number}", number=person.id)


async def coordinated(ctx: Context, roles: Roles) -> list[Municipality]:
    """The municipalities someone may act for: all of them for operators."""
    municipalities = await ctx.uow.governance.municipalities()
    return [m for m in municipalities if roles.coordinates(m.id)]


async def municipality_named(ctx: Context, roles: Roles, slug: str) -> Municipality | Step:
    """The municipality a command names, if this person may act for it."""
    municipality = await ctx.uow.municipalities.by_slug(slug.strip().casefold())
    if municipality is None:
        if not roles.is_coordinator:
            return refusal(ctx)
        return Step.stay(Reply(ctx._(UNKNOWN_MUNICIPALITY, slug=slug.strip()[:60])))
    return municipality if roles.coordinates(municipality.id) else refusal(ctx)


async def municipality_pressed(ctx: Context, roles: Roles, argument: str) -> Municipality | None:
    """The municipality behind a button, if this person may act for it right now."""
    if not argument.isdecimal() or not roles.coordinates(int(argument)):
        return None
    return await ctx.uow.governance.municipality(int(argument))


async def pick_municipality(
    ctx: Context, roles: Roles, argument: str, action: str
) -> Municipality | Step:
    """The municipality a coordinator's command is about: the one named, the only one
    they coordinate, or else a choice whose buttons run ``@action:<id>``."""
    if not roles.is_coordinator:
        return refusal(ctx)
    if argument.strip():
        return await municipality_named(ctx, roles, argument.split()[0])
    options = await coordinated(ctx, roles)
    if not options:
        return Step.stay(Reply(ctx._(NO_MUNICIPALITY)))
    if len(options) == 1:
        return options[0]
    choices = [(m.name, f"@{action}:{m.id}") for m in options]
    return Step.stay(Reply(ctx._("Which municipality?"), buttons=column(choices)))


MunicipalityAnswer = Callable[[Context, Municipality], Awaitable[Step]]


def per_municipality(action: str, answer: MunicipalityAnswer) -> tuple[Any, Any]:
    """A coordinator's command about one municipality (``/stats [name]``) and its
    ``@action:<id>`` button, both checked against the coordinator's rights."""

    async def on_command(event: Event, ctx: Context) -> Step:
        roles = await roles_of(ctx)
        found = await pick_municipality(ctx, roles, str(getattr(event, "args", "")), action)
        return await answer(ctx, found) if isinstance(found, Municipality) else found

    async def on_pressed(event: ButtonPress, ctx: Context, argument: str) -> Step:
        municipality = await municipality_pressed(ctx, await roles_of(ctx), argument)
        return await answer(ctx, municipality) if municipality is not None else refusal(ctx)

    return on_command, on_pressed
