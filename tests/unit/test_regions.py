"""State centroids and distances for "nearest by region"."""

from __future__ import annotations

import pytest

from escalera.demo.places import PLACES
from escalera.domain.regions import (
    STATE_CENTROIDS,
    canonical_state,
    distance_km,
    haversine_km,
    locate,
)


def test_all_32_states_have_a_centroid_inside_mexico() -> None:
    assert len(STATE_CENTROIDS) == 32
    for lat, lon in STATE_CENTROIDS.values():
        assert 14 <= lat <= 33 and -118 <= lon <= -86


def test_names_match_without_accents_case_or_official_suffixes() -> None:
    assert canonical_state("YUCATAN") == "Yucatán"
    assert canonical_state("CDMX") == canonical_state("Distrito Federal") == "Ciudad de México"
    assert canonical_state("Michoacán de Ocampo") == "Michoacán"
    assert canonical_state("Atlantis") is None


def test_every_demo_place_is_located_at_its_municipality() -> None:
    for place in PLACES:
        point = locate(place.state, place.municipality)
        assert point is not None and point != STATE_CENTROIDS[place.state], place


def test_unknown_municipality_falls_back_to_its_state() -> None:
    assert locate("Puebla", "Zacatlán") == STATE_CENTROIDS["Puebla"]
    assert locate("Nowhere") is None
    assert distance_km("Puebla", "", "Nowhere", "") is None


def test_known_distances() -> None:
    # Mexico City to Guadalajara is about 460 km in a straight line; Tijuana-Mérida ~3,100.
    assert distance_km("CDMX", "Cuauhtémoc", "Jalisco", "Guadalajara") == pytest.approx(
        460, abs=30)
    assert distance_km("Baja California", "Tijuana", "Yucatán", "Mérida") == pytest.approx(
        3100, abs=150)
    assert haversine_km((19.0, -99.0), (19.0, -99.0)) == 0.0
    assert distance_km("Guanajuato", "Moroleón", "Guanajuato", "Uriangato") < 5
