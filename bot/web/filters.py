"""The query string of a needs page, checked: a bad value is a 400 with a clear
message beside the form field, never a 500."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from dialogs.i18n import N_, available_locales
from matching import taxonomy
from storage.postal_codes import PostalCode, PostalCodeDirectory

RADII_KM = (2, 5, 10, 25, 50)
DEFAULT_RADIUS_KM = 10
KNOWN = ("lang", "interest", "date", "plz", "radius", "embed")
_PLZ = re.compile(r"^[0-9]{5}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

BAD_PLZ = N_("Please enter a German postal code with five digits.")
UNKNOWN_PLZ = N_("This postal code is unknown.")
BAD_DATE = N_("Please enter a date like 2026-06-13.")
BAD_VALUE = N_("This value is not one of the choices.")


@dataclass
class Filters:
    locale: str
    interest: str = ""
    day: date | None = None
    postal_code: PostalCode | None = None
    radius_km: int = DEFAULT_RADIUS_KM
    embed: bool = False
    raw: dict[str, str] = field(default_factory=dict)  # as typed, to refill the form
    errors: dict[str, str] = field(default_factory=dict)  # field → N_ message id

    def query(self, **changes: str) -> str:
        """This page's query string with some values changed (language links)."""
        values = {key: value for key, value in self.raw.items() if value}
        values.update({key: value for key, value in changes.items() if value})
        if self.embed:
            values["embed"] = "1"
        return "?" + urlencode(values) if values else "?"


def parse_filters(
    params: Mapping[str, str], default_locale: str, directory: PostalCodeDirectory
) -> Filters:
    raw = {key: params.get(key, "").strip()[:100] for key in KNOWN if key in params}
    filters = Filters(locale=default_locale, raw=raw)
    errors = filters.errors
    lang = raw.get("lang", "")
    if lang:
        if lang in available_locales():
            filters.locale = lang
        else:
            errors["lang"] = BAD_VALUE
    embed = raw.pop("embed", "")
    if embed not in ("", "0", "1"):
        errors["embed"] = BAD_VALUE
    filters.embed = embed == "1"
    interest = raw.get("interest", "")
    if interest and not taxonomy.is_interest(interest):
        errors["interest"] = BAD_VALUE
    else:
        filters.interest = interest
    filters.day = _day(raw.get("date", ""), errors)
    radius = raw.get("radius", "")
    if radius:
        if radius.isdecimal() and int(radius) in RADII_KM:
            filters.radius_km = int(radius)
        else:
            errors["radius"] = BAD_VALUE
    plz = raw.get("plz", "")
    if plz:
        if not _PLZ.match(plz):
            errors["plz"] = BAD_PLZ
        elif (code := directory.lookup(plz)) is None:
            errors["plz"] = UNKNOWN_PLZ
        else:
            filters.postal_code = code
    return filters


def _day(text: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    if _DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors["date"] = BAD_DATE
    return None
