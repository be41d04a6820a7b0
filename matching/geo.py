"""Great-circle distances and privacy rounding of coordinates.

Matching measures distance through per-point unit vectors (``unit_vector``,
``chord2``, ``chord2_to_km``): that is the haversine in another form
(|u - v|^2 / 4 = hav(central angle)), but the only operations applied per *pair*
are +, -, *, sqrt, which IEEE-754 rounds identically in numpy and in pure Python.
The numpy index can therefore reproduce the pure-Python reference bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088
"""Mean earth radius (IUGG); errors against the ellipsoid are < 0.5 %, irrelevant here."""

KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0
_DIAMETER_KM = 2.0 * EARTH_RADIUS_KM

UnitVector = tuple[float, float, float]
FloatArray = npt.NDArray[np.float64]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km between two WGS84 points given in degrees."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2.0) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2.0) ** 2
    return _DIAMETER_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_km_np(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Vectorised haversine in km; arguments broadcast like any numpy ufunc."""
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin((phi2 - phi1) / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2.0) ** 2
    return _DIAMETER_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def unit_vector(lat: float, lon: float) -> UnitVector:
    """Point on the unit sphere; computed once per point so pair distances need no trig."""
    phi = math.radians(lat)
    lmb = math.radians(lon)
    cos_phi = math.cos(phi)
    return (cos_phi * math.cos(lmb), cos_phi * math.sin(lmb), math.sin(phi))


def chord2(a: UnitVector, b: UnitVector) -> float:
    """Squared straight-line distance between two unit vectors (4 * haversine)."""
    dx = a[0] - b[0]
    dy = a[1] - b[1]
    dz = a[2] - b[2]
    return dx * dx + dy * dy + dz * dz


def chord2_to_km(c2: float) -> float:
    """Great-circle km for a squared chord; the numpy index calls this very function."""
    return _DIAMETER_KM * math.asin(min(1.0, math.sqrt(c2) / 2.0))


def point_distance_km(a: UnitVector, b: UnitVector) -> float:
    """Great-circle km between two unit vectors (the distance matching uses)."""
    return chord2_to_km(chord2(a, b))


def bbox_half_extent_deg(lat: float, radius_km: float) -> tuple[float, float]:
    """Conservative (dlat, dlon) in degrees containing every point within ``radius_km``.

    Used only as a cheap prefilter before the exact test, so it errs on the wide side:
    a small relative and absolute margin absorbs rounding, and near the poles (or for
    huge radii) the longitude extent becomes the whole circle.
    """
    if radius_km < 0:
        return (-1.0, -1.0)
    theta = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(theta) * (1.0 + 1e-9) + 1e-9
    if abs(lat) + math.degrees(theta) >= 89.0 or theta >= math.pi / 2:
        return (dlat, 360.0)
    ratio = math.sin(theta) / math.cos(math.radians(lat))
    dlon = 180.0 if ratio >= 1.0 else math.degrees(math.asin(ratio))
    return (dlat, dlon * (1.0 + 1e-9) + 1e-9)


def round_location(lat: float, lon: float, km: float = 1.0) -> tuple[float, float]:
    """Snap a point to a grid of roughly ``km`` so storage never keeps exact homes.

    Latitude rows are ``km`` apart; each row is cut into a whole number of longitude
    cells about ``km`` wide (fewer near the poles), so the grid closes cleanly at the
    antimeridian. Rounding twice gives the same point, and everyone in one cell
    shares the exact same stored coordinates.
    """
    if km <= 0:
        raise ValueError("grid size must be positive")
    lat_step = km / KM_PER_DEGREE
    row = round(max(-90.0, min(90.0, lat)) / lat_step)
    lat_r = max(-90.0, min(90.0, row * lat_step))
    row_km = 360.0 * KM_PER_DEGREE * math.cos(math.radians(lat_r))
    cells = max(1, round(row_km / km))
    lon_step = 360.0 / cells
    cell = round(((lon + 180.0) % 360.0 - 180.0) / lon_step) % cells
    lon_r = round(cell * lon_step, 6)
    if lon_r >= 180.0:
        lon_r = round(lon_r - 360.0, 6)
    return (round(lat_r, 6), lon_r)
