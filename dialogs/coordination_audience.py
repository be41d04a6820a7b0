"""Who a coordinator's announcement reaches, and how it reads for each of them.

An audience is a small JSON-able dict kept in the dialog and stored with the
broadcast: ``{"kind": "all"}``, ``{"kind": "interests", "interests": [...]}``,
``{"kind": "languages", "locales": [...]}``, ``{"kind": "admins"}`` or
``{"kind": "radius", "postal_code": "52062", "radius_km": 5}``. Everyone is counted
as a person and reached on each of their messenger accounts; people who opted out
of announcements (or can't be reached) are never in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogs.coordination_common import district_codes
from dialogs.flow import Context, Speaker
from dialogs.i18n import N_, Translator, language_name
from dialogs.volunteer import interest_label, written_in
from matching.geo import distance_km
from storage.models import Account, Municipality, Person, VolunteerProfile
from storage.postal_codes import default_directory
from storage.statistics import broadcasts_of

STOP_ANNOUNCEMENTS = N_("Stop announcements")
OPT_OUT_ACTION = "@announcements_off"
KINDS = ("all", "interests", "languages", "admins", "radius")


@dataclass
class Recipient:
    person: Person
    accounts: list[Account] = field(default_factory=list)


def _by_person(rows: list[tuple[Person, Account]]) -> list[Recipient]:
    recipients: dict[int | None, Recipient] = {}
    for person, account in rows:
        recipients.setdefault(person.id, Recipient(person)).accounts.append(account)
    return list(recipients.values())


def _near(profile: VolunteerProfile, latitude: float, longitude: float, radius_km: float) -> bool:
    """Within the radius, measured from the volunteer's rounded position or postal code."""
    lat, lon = profile.latitude, profile.longitude
    if lat is None or lon is None:
        found = default_directory().lookup(profile.postal_code or "")
        if found is None:
            return False
        lat, lon = found.latitude, found.longitude
    return distance_km(latitude, longitude, lat, lon) <= radius_km


def _fits(
    profile: VolunteerProfile, person: Person, audience: dict[str, Any], default: str
) -> bool:
    kind = audience.get("kind")
    if kind == "interests":
        return bool(set(profile.interests) & set(audience.get("interests", [])))
    if kind == "languages":
        return (person.locale or default) in audience.get("locales", [])
    if kind == "radius":
        centre = default_directory().lookup(str(audience.get("postal_code", "")))
        if centre is None:
            return False
        km = float(audience.get("radius_km", 0))
        return _near(profile, centre.latitude, centre.longitude, km)
    return kind == "all"


async def recipients(
    ctx: Context, municipality: Municipality, audience: dict[str, Any]
) -> list[Recipient]:
    """The people an audience stands for right now, with their reachable accounts.

    Volunteers are those whose postal code lies in the municipality's district; a radius
    audience stays inside the district too, so nobody is written to by a municipality
    that isn't theirs."""
    repository = broadcasts_of(ctx.uow)
    assert municipality.id is not None
    if audience.get("kind") == "admins":
        return _by_person(await repository.admins(municipality.id))
    rows = await repository.volunteers(district_codes(municipality.district_key))
    default = ctx.config.default_locale
    return _by_person(
        [
            (person, account)
            for profile, person, account in rows
            if _fits(profile, person, audience, default)
        ]
    )


def audience_text(t: Speaker, municipality: Municipality, audience: dict[str, Any]) -> str:
    """The audience in words, for the preview and the list of broadcasts."""
    kind, name = audience.get("kind"), municipality.name
    if kind == "interests":
        interests = ", ".join(interest_label(t, i) for i in audience.get("interests", []))
        return t._(
            "Volunteers in {municipality} interested in: {interests}",
            municipality=name,
            interests=interests,
        )
    if kind == "languages":
        languages = ", ".join(language_name(code) for code in audience.get("locales", []))
        return t._(
            "Volunteers in {municipality} who use: {languages}",
            municipality=name,
            languages=languages,
        )
    if kind == "admins":
        return t._("Admins of organisations in {municipality}", municipality=name)
    if kind == "radius":
        code = str(audience.get("postal_code", ""))
        found = default_directory().lookup(code)
        return t._(
            "Volunteers within {km} km of {place}",
            km=t.translator.number(float(audience.get("radius_km", 0))),
            place=f"{code} {found.place if found else ''}".strip(),
        )
    return t._("All volunteers in {municipality}", municipality=name)


def announcement_text(
    t: Speaker, municipality_name: str, text: str, language: str | None = None
) -> str:
    """The frame in the reader's language around the text exactly as written."""
    head = t._("📢 Announcement from {municipality}:", municipality=municipality_name)
    body = f"{head}\n\n{t.translator.isolate(text)}"
    note = written_in(t, language)
    return f"{body}\n\n{note}" if note else body


def payload_for(
    t: Translator, municipality_name: str, text: str, language: str | None = None
) -> list[dict[str, Any]]:
    """One outbox payload: a list of reply dicts with the opt-out button."""
    return [
        {
            "text": announcement_text(t, municipality_name, text, language),
            "buttons": [[[t.gettext(STOP_ANNOUNCEMENTS), OPT_OUT_ACTION]]],
        }
    ]


def deliveries(
    ctx: Context, people: list[Recipient], municipality_name: str, text: str
) -> list[tuple[Account, list[dict[str, Any]]]]:
    """One payload per account, each framed in its owner's language."""
    translators: dict[str, Translator] = {}
    result = []
    for recipient in people:
        locale = recipient.person.locale or ctx.config.default_locale
        if locale not in translators:
            translators[locale] = Translator(locale, ctx.config.tz)
        payload = payload_for(translators[locale], municipality_name, text, ctx.locale)
        result += [(account, payload) for account in recipient.accounts]
    return result
