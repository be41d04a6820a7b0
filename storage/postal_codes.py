"""German postal codes: validate what users type and place them on the map.

The bundled table is GeoNames' DE postal code file (CC BY 4.0,
https://www.geonames.org). It has one row per place *within* a postal code, so
codes repeat; the directory folds those rows into one ``PostalCode`` each.

GeoNames mixes two kinds of rows: ordinary places (two-letter state code such as
``NW``) and large customers with their own postal code (Großkundenpostleitzahl,
numeric state code such as ``07``, e.g. 52056 "RWTH Aachen"). Place rows win when
a code has both, so a user's code never shows up as a company name when a town
name is known.
"""

from __future__ import annotations

import csv
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "postal_codes_de.csv"

# "52062", " 52062 ", "D-52062", "DE 52062", "52062 Aachen", "52062, Aachen".
# [0-9] rather than \d: \d also matches Arabic-Indic and other Unicode digits.
_INPUT = re.compile(r"^(?:DE?\s*-?\s*)?([0-9]{5})(?:[\s,;]+.*)?$", re.IGNORECASE | re.DOTALL)

_EARTH_RADIUS_KM = 6371.0088

_COLUMNS = (
    "zipcode",
    "place",
    "state",
    "state_code",
    "community",
    "community_code",
    "latitude",
    "longitude",
)


@dataclass(frozen=True, slots=True)
class PostalCode:
    """One postal code with a display name, its district (Kreis) and a centre point."""

    code: str
    place: str
    district: str
    district_key: str
    state: str
    latitude: float
    longitude: float
    large_customer: bool = False
    """True for codes that only name an organisation (e.g. 52056 "RWTH Aachen")."""


class _Row(NamedTuple):
    """The columns of one CSV row that the directory uses."""

    place: str
    state: str
    state_code: str
    district: str
    district_key: str
    latitude: float
    longitude: float

    @property
    def is_place(self) -> bool:
        """Large-customer rows carry a numeric state code; ordinary places carry letters."""
        return not self.state_code.isdigit()


def _most_common(values: Iterable[str]) -> str:
    """The most frequent value; on a tie the one seen first (Counter keeps insertion order)."""
    counts = Counter(values)
    best = max(counts.values())
    return next(value for value, count in counts.items() if count == best)


def _fold(code: str, rows: list[_Row]) -> tuple[PostalCode, set[str]]:
    """One postal code from all its rows, plus the place names worth searching for."""
    places = [row for row in rows if row.is_place]
    chosen = places or rows
    place = _most_common(row.place for row in chosen)
    district_key = _most_common(row.district_key for row in chosen)
    first = next(row for row in chosen if row.district_key == district_key)
    postal_code = PostalCode(
        code=code,
        place=place,
        district=first.district,
        district_key=district_key,
        state=first.state,
        latitude=round(sum(row.latitude for row in chosen) / len(chosen), 5),
        longitude=round(sum(row.longitude for row in chosen) / len(chosen), 5),
        large_customer=not places,
    )
    return postal_code, {place, *(row.place for row in places)} - {""}


class PostalCodeDirectory:
    """All German postal codes in memory: lookups by code, district, place and position."""

    def __init__(
        self, codes: Iterable[PostalCode], names: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        """``names`` adds searchable place names per code beyond each display name."""
        names = names or {}
        self._by_code: dict[str, PostalCode] = {pc.code: pc for pc in codes}
        ordered = sorted(self._by_code.values(), key=lambda pc: pc.code)
        self._ordered = tuple(ordered)
        self._by_district: dict[str, list[PostalCode]] = {}
        self._by_place: dict[str, list[PostalCode]] = {}
        for pc in ordered:
            self._by_district.setdefault(pc.district_key, []).append(pc)
            for name in {pc.place.casefold(), *(n.casefold() for n in names.get(pc.code, ()))}:
                self._by_place.setdefault(name, []).append(pc)
        # Only delivery areas can be "where someone is": a shared location in the city
        # centre must not resolve to the town hall's own large-customer code.
        self._areas = tuple(pc for pc in ordered if not pc.large_customer) or self._ordered
        # Radians, precomputed once: nearest() is then a handful of vector operations.
        self._lat = np.radians(np.array([pc.latitude for pc in self._areas], dtype=float))
        self._lon = np.radians(np.array([pc.longitude for pc in self._areas], dtype=float))
        self._cos_lat = np.cos(self._lat)

    @classmethod
    def load(cls, path: Path | str = DEFAULT_PATH) -> PostalCodeDirectory:
        """Read a GeoNames postal code CSV (with header row)."""
        rows_by_code: dict[str, list[_Row]] = {}
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            missing = [name for name in _COLUMNS if name not in header]
            if missing:
                raise ValueError(f"{path}: missing postal code columns {missing}")
            columns = [header.index(name) for name in _COLUMNS]
            for record in reader:
                try:
                    code, place, state, state_code, district, key, lat, lon = (
                        record[i].strip() for i in columns
                    )
                    row = _Row(place, state, state_code, district, key, float(lat), float(lon))
                except (IndexError, ValueError):
                    log.warning("skipping malformed postal code row %r", record)
                    continue
                if len(code) != 5 or not code.isascii() or not code.isdigit():
                    log.warning("skipping postal code row with invalid code %r", code)
                    continue
                rows_by_code.setdefault(code, []).append(row)
        codes: list[PostalCode] = []
        names: dict[str, set[str]] = {}
        for code, rows in rows_by_code.items():
            postal_code, names[code] = _fold(code, rows)
            codes.append(postal_code)
        log.debug("loaded %d postal codes from %s", len(codes), path)
        return cls(codes, names)

    def __len__(self) -> int:
        return len(self._ordered)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.lookup(text) is not None

    def lookup(self, text: str) -> PostalCode | None:
        """The postal code a user typed, tolerating "D-" prefixes and a trailing place name."""
        match = _INPUT.match(text.strip())
        return self._by_code.get(match.group(1)) if match else None

    def in_district(
        self, district_key: str, *, include_large_customers: bool = False
    ) -> list[PostalCode]:
        """Postal codes whose main district is ``district_key`` (5-digit Kreis key), by code.

        Large-customer codes are left out unless asked for: nobody lives at 52056.
        """
        codes = self._by_district.get(district_key.strip(), [])
        return [pc for pc in codes if include_large_customers or not pc.large_customer]

    def search_place(self, name: str) -> list[PostalCode]:
        """Postal codes of a place, matched case-insensitively on the whole name, by code.

        Besides the display name this knows every other place GeoNames lists under a
        code, so a village sharing its code with a bigger neighbour is found too.
        """
        return list(self._by_place.get(name.strip().casefold(), ()))

    def nearest(self, latitude: float, longitude: float) -> PostalCode:
        """The delivery-area postal code whose centre is closest to a position (great-circle).

        Large-customer codes are skipped. There is no distance limit: a position abroad
        still gets the nearest German code, so callers that care should check the distance.
        """
        if not self._ordered:
            raise ValueError("the postal code directory is empty")
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            raise ValueError(f"not a position: {latitude!r}, {longitude!r}")
        if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
            raise ValueError(f"position out of range: {latitude!r}, {longitude!r}")
        lat, lon = math.radians(latitude), math.radians(longitude)
        # Haversine without the arcsin: the term grows monotonically with distance.
        term = (
            np.sin((self._lat - lat) / 2) ** 2
            + math.cos(lat) * self._cos_lat * np.sin((self._lon - lon) / 2) ** 2
        )
        return self._areas[int(np.argmin(term))]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    term = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(term)))


@cache
def default_directory() -> PostalCodeDirectory:
    """The bundled directory, read once per process."""
    return PostalCodeDirectory.load()
