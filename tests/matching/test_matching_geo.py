from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.geo import (
    EARTH_RADIUS_KM,
    KM_PER_DEGREE,
    bbox_half_extent_deg,
    distance_km,
    distance_km_np,
    point_distance_km,
    round_location,
    unit_vector,
)

lats = st.floats(-80.0, 80.0, allow_nan=False)
lons = st.floats(-180.0, 180.0, allow_nan=False)


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """Point reached from (lat, lon) after ``km`` along ``bearing`` (independent formula)."""
    delta = km / EARTH_RADIUS_KM
    phi1, lmb1, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lmb2) + 540.0) % 360.0 - 180.0


def test_known_distances() -> None:
    assert distance_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(KM_PER_DEGREE, rel=1e-12)
    assert distance_km(51.0, 7.0, 52.0, 7.0) == pytest.approx(KM_PER_DEGREE, rel=1e-12)
    # Cologne cathedral -> Düsseldorf main station, about 34 km as the crow flies.
    assert distance_km(50.9413, 6.9583, 51.2199, 6.7943) == pytest.approx(33.5, abs=0.5)
    assert distance_km(51.0, 7.0, 51.0, 7.0) == 0.0
    assert distance_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_KM)


def test_longitude_wraps_at_the_antimeridian() -> None:
    assert distance_km(0.0, 179.9, 0.0, -179.9) == pytest.approx(0.2 * KM_PER_DEGREE, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(lats, lons, lats, lons)
def test_distance_forms_agree(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    d = distance_km(lat1, lon1, lat2, lon2)
    assert d == pytest.approx(distance_km(lat2, lon2, lat1, lon1), abs=1e-9)
    assert point_distance_km(unit_vector(lat1, lon1), unit_vector(lat2, lon2)) == pytest.approx(
        d, abs=1e-6
    )
    assert float(distance_km_np(lat1, lon1, lat2, lon2)) == pytest.approx(d, abs=1e-6)


def test_vectorised_haversine_broadcasts() -> None:
    lat = np.array([51.0, 52.0, 50.0])
    lon = np.array([7.0, 7.0, 8.0])
    result = distance_km_np(51.0, 7.0, lat, lon)
    expected = [distance_km(51.0, 7.0, a, b) for a, b in zip(lat, lon, strict=True)]
    assert result.shape == (3,)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(lats, lons, st.floats(0.0, 360.0), st.floats(0.0, 1.0), st.sampled_from([2, 5, 10, 25]))
def test_bounding_box_contains_every_point_in_the_radius(
    lat: float, lon: float, bearing: float, fraction: float, radius: float
) -> None:
    lat2, lon2 = destination(lat, lon, bearing, fraction * radius)
    dlat, dlon = bbox_half_extent_deg(lat, radius)
    assert abs(lat2 - lat) <= dlat
    gap = abs((lon2 - lon + 180.0) % 360.0 - 180.0)
    assert gap <= dlon


def test_bounding_box_is_tight_enough_to_prefilter() -> None:
    dlat, dlon = bbox_half_extent_deg(51.0, 10.0)
    assert dlat == pytest.approx(10.0 / KM_PER_DEGREE, rel=1e-6)
    assert dlon == pytest.approx(10.0 / KM_PER_DEGREE / math.cos(math.radians(51.0)), rel=1e-3)
    assert bbox_half_extent_deg(89.5, 100.0)[1] == 360.0
    assert bbox_half_extent_deg(51.0, -1.0) == (-1.0, -1.0)


@settings(max_examples=200, deadline=None)
@given(lats, lons)
def test_round_location_is_coarse_idempotent_and_close(lat: float, lon: float) -> None:
    rounded = round_location(lat, lon)
    assert round_location(*rounded) == rounded
    # Half the diagonal of a 1 km cell, plus slack for the cell's widening with latitude.
    assert distance_km(lat, lon, *rounded) <= 0.75


def test_round_location_shares_cells_and_hides_exact_homes() -> None:
    a = round_location(51.22771, 6.77351)
    b = round_location(51.22779, 6.77359)  # ten metres away
    assert a == b
    assert a != (51.22771, 6.77351)
    far = round_location(51.25, 6.77351)
    assert far != a
    # A coarser grid moves points further.
    assert distance_km(51.22771, 6.77351, *round_location(51.22771, 6.77351, km=5.0)) <= 3.6


def test_round_location_wraps_longitude_and_validates() -> None:
    _, lon = round_location(10.0, 179.9999)
    assert -180.0 <= lon < 180.0
    assert round_location(90.0, 45.0) == (90.0, 0.0)
    with pytest.raises(ValueError):
        round_location(51.0, 7.0, km=0.0)
