"""The postal code directory against the bundled GeoNames file and small fixtures."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from storage.postal_codes import (
    DEFAULT_PATH,
    PostalCode,
    PostalCodeDirectory,
    default_directory,
    haversine_km,
)

HEADER = (
    "country_code,zipcode,place,state,state_code,province,province_code,"
    "community,community_code,latitude,longitude\n"
)


@pytest.fixture(scope="module")
def directory() -> PostalCodeDirectory:
    return default_directory()


def write_csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "codes.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def test_bundled_file_has_every_distinct_code(directory: PostalCodeDirectory) -> None:
    assert len(directory) == 10_814


def test_aachen_city_centre(directory: PostalCodeDirectory) -> None:
    aachen = directory.lookup("52062")
    assert aachen is not None
    assert aachen.code == "52062"
    assert aachen.place == "Aachen"
    assert aachen.district_key == "05334"
    assert aachen.district == "Städteregion Aachen"
    assert aachen.state == "Nordrhein-Westfalen"
    assert aachen.latitude == pytest.approx(50.776, abs=0.01)
    assert aachen.longitude == pytest.approx(6.087, abs=0.01)
    assert not aachen.large_customer


@pytest.mark.parametrize(
    "text", ["52062", " 52062 ", "D-52062", "d-52062", "DE-52062", "52062 Aachen", "52062, Aachen"]
)
def test_lookup_tolerates_what_people_type(directory: PostalCodeDirectory, text: str) -> None:
    found = directory.lookup(text)
    assert found is not None and found.code == "52062"


@pytest.mark.parametrize(
    "text", ["00000", "abcde", "5206", "520621", "", "   ", "52 062", "Aachen", "٥٢٠٦٢"]
)
def test_lookup_rejects_unknown_and_invalid(directory: PostalCodeDirectory, text: str) -> None:
    assert directory.lookup(text) is None
    assert text not in directory


def test_contains(directory: PostalCodeDirectory) -> None:
    assert "52062" in directory
    assert "D-52062" in directory
    assert 52062 not in directory


def test_display_name_follows_the_rule_for_52056(directory: PostalCodeDirectory) -> None:
    """Place rows beat large-customer rows; without place rows the most common name wins."""
    with open(DEFAULT_PATH, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["zipcode"] == "52056"]
    assert rows
    place_rows = [row for row in rows if not row["state_code"].isdigit()]
    found = directory.lookup("52056")
    assert found is not None
    if place_rows:
        assert found.place in {row["place"] for row in place_rows}
        assert not found.large_customer
    else:
        # The bundled data only knows the university here (a large-customer code).
        assert found.place == Counter(row["place"] for row in rows).most_common(1)[0][0]
        assert found.large_customer
    assert found.district_key == "05334"


def test_place_rows_win_over_more_numerous_company_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "DE,67653,Karstadt AG,Rheinland-Pfalz,08,,,Kaiserslautern,07312,49.44,7.76",
        "DE,67653,Sparkasse,Rheinland-Pfalz,08,,,Kaiserslautern,07312,49.44,7.76",
        "DE,67653,Sparkasse,Rheinland-Pfalz,08,,,Kaiserslautern,07312,49.44,7.76",
        'DE,67653,"Kaiserslautern",Rheinland-Pfalz,RP,,,Kaiserslautern,07312,49.45,7.75',
    )
    found = PostalCodeDirectory.load(path).lookup("67653")
    assert found is not None
    assert found.place == "Kaiserslautern"
    assert not found.large_customer
    # Centre from the place rows only: company rows may sit far from the delivery area.
    assert (found.latitude, found.longitude) == (49.45, 7.75)


def test_most_common_name_wins_and_ties_go_to_the_first_row(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "DE,11111,Dorf A,Bayern,BY,,,Landkreis X,09111,48.0,11.0",
        "DE,11111,Stadt B,Bayern,BY,,,Landkreis X,09111,48.2,11.2",
        "DE,11111,Stadt B,Bayern,BY,,,Landkreis X,09111,48.4,11.4",
        "DE,22222,Erstdorf,Bayern,BY,,,Landkreis X,09111,48.0,11.0",
        "DE,22222,Zweitdorf,Bayern,BY,,,Landkreis Y,09222,48.0,11.0",
        "DE,33333,Firma A GmbH,Bayern,03,,,Landkreis X,09111,48.0,11.0",
        "DE,33333,Firma B GmbH,Bayern,03,,,Landkreis X,09111,48.0,11.0",
    )
    directory = PostalCodeDirectory.load(path)
    b = directory.lookup("11111")
    assert b is not None and b.place == "Stadt B"
    assert b.latitude == pytest.approx(48.2) and b.longitude == pytest.approx(11.2)
    first = directory.lookup("22222")
    assert first is not None and first.place == "Erstdorf" and first.district_key == "09111"
    company = directory.lookup("33333")
    assert company is not None and company.place == "Firma A GmbH" and company.large_customer
    # Other places under a code are searchable too, display name or not.
    assert [pc.code for pc in directory.search_place("zweitdorf")] == ["22222"]


def test_in_district(directory: PostalCodeDirectory) -> None:
    codes = directory.in_district("05334")
    aachen_city = [f"520{n}" for n in range(62, 81, 2)]
    assert {pc.code for pc in codes} >= set(aachen_city)
    assert all(pc.district_key == "05334" for pc in codes)
    assert [pc.code for pc in codes] == sorted(pc.code for pc in codes)
    assert "52056" not in {pc.code for pc in codes}
    with_customers = directory.in_district("05334", include_large_customers=True)
    assert "52056" in {pc.code for pc in with_customers}
    assert directory.in_district("99999") == []


def test_search_place(directory: PostalCodeDirectory) -> None:
    found = directory.search_place("Aachen")
    assert [pc.code for pc in found] == [f"520{n}" for n in range(62, 81, 2)]
    assert directory.search_place("  aACHEN ") == found
    assert directory.search_place("Aache") == []  # no prefix matching


def test_nearest_is_a_delivery_area(directory: PostalCodeDirectory) -> None:
    found = directory.nearest(50.7766, 6.0834)
    assert found.place == "Aachen"
    assert found.district_key == "05334"
    assert not found.large_customer
    # The exact centre of a code maps to that code.
    munich = directory.lookup("80331")
    assert munich is not None
    assert directory.nearest(munich.latitude, munich.longitude) == munich


@pytest.mark.parametrize(("lat", "lon"), [(float("nan"), 6.0), (91.0, 6.0), (50.0, 181.0)])
def test_nearest_rejects_non_positions(
    directory: PostalCodeDirectory, lat: float, lon: float
) -> None:
    with pytest.raises(ValueError):
        directory.nearest(lat, lon)


def test_empty_directory() -> None:
    empty = PostalCodeDirectory([])
    assert len(empty) == 0 and empty.lookup("52062") is None
    with pytest.raises(ValueError):
        empty.nearest(50.0, 6.0)


def test_default_directory_is_cached() -> None:
    assert default_directory() is default_directory()


def test_postal_code_is_frozen(directory: PostalCodeDirectory) -> None:
    found = directory.lookup("52062")
    assert isinstance(found, PostalCode)
    with pytest.raises(AttributeError):
        found.place = "Köln"  # type: ignore[misc]


def test_haversine() -> None:
    # Aachen Dom to Köln Dom, roughly 64 km as the crow flies.
    assert haversine_km(50.7747, 6.0839, 50.9413, 6.9583) == pytest.approx(64, abs=2)
    assert haversine_km(50.0, 6.0, 50.0, 6.0) == 0.0
