"""Delivery rules: road transit (the study's 4 days from Mexico City to Texas), vectorised and
scalar agreeing, production days, the even spread of an order over months, month capacity
factors and the price factor."""

from __future__ import annotations

import calendar
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalera.domain.delivery import (
    BORDER_DAYS,
    DEFAULT_PRODUCTION_DAYS,
    HUBS,
    KM_PER_DAY,
    LABOUR_SHARE,
    MATERIALS_DAYS,
    PREVAILING_EFFICIENCY,
    ROAD_FACTOR,
    destination_point,
    month_capacity_factor,
    month_shares,
    price_factor,
    production_days,
    road_km_many,
    transit_days,
    transit_days_many,
)
from escalera.domain.regions import STATE_CENTROIDS, haversine_km, locate


def expected_days(origin: tuple[float, float], target: tuple[float, float],
                  abroad: bool) -> int:
    """The rule of the module docstring, written out: great circle x 1.25, 800 km a day
    (at least one day), one more to cross the border."""
    km = haversine_km(origin, target) * 1.25
    return max(math.ceil(km / 800), 1) + (1 if abroad else 0)


def test_constants_are_the_documented_ones() -> None:
    assert (ROAD_FACTOR, KM_PER_DAY, BORDER_DAYS, MATERIALS_DAYS) == (1.25, 800.0, 1, 14)


def test_mexico_city_to_texas_is_four_days() -> None:
    assert transit_days(locate("Ciudad de México"), "Texas") == 4
    assert transit_days(locate("CDMX"), "texas") == 4  # names as people write them


@pytest.mark.parametrize("state", sorted(STATE_CENTROIDS))
@pytest.mark.parametrize("destination", [*HUBS, "Ciudad de México", "Jalisco", "Yucatán"])
def test_transit_follows_the_rule_and_scalar_agrees_with_vector(state: str,
                                                              destination: str) -> None:
    origin = STATE_CENTROIDS[state]
    target, abroad = destination_point(destination)
    assert target is not None
    assert abroad == (destination in HUBS)
    want = expected_days(origin, target, abroad)
    assert transit_days(origin, destination) == want
    many = transit_days_many(np.array([origin[0]]), np.array([origin[1]]), destination)
    assert many is not None and int(many[0]) == want


def test_vector_handles_many_origins_and_unknowns() -> None:
    states = sorted(STATE_CENTROIDS)
    lat = np.array([STATE_CENTROIDS[s][0] for s in states] + [np.nan])
    lon = np.array([STATE_CENTROIDS[s][1] for s in states] + [np.nan])
    many = transit_days_many(lat, lon, "California")
    assert many is not None
    assert many.tolist() == [transit_days(STATE_CENTROIDS[s], "California") for s in states] \
        + [-1]  # an unknown origin
    assert transit_days_many(lat, lon, "Atlantis") is None
    assert transit_days(None, "Texas") is None
    assert transit_days((19.0, -99.0), "Atlantis") is None


def test_same_place_is_one_day_and_road_km() -> None:
    point = STATE_CENTROIDS["Puebla"]
    assert transit_days(point, "Puebla") == 1  # at least a day, no border
    road = road_km_many(np.array([point[0]]), np.array([point[1]]), "Texas")
    assert road is not None
    km, abroad = road
    assert abroad is True
    assert float(km[0]) == pytest.approx(haversine_km(point, HUBS["Texas"]) * ROAD_FACTOR,
                                         rel=1e-9)


@given(lat=st.floats(14.5, 32.5), lon=st.floats(-117.0, -86.5),
       step=st.floats(0.0, 8.0))
def test_transit_grows_with_distance(lat: float, lon: float, step: float) -> None:
    """Moving an origin straight away from the Texas hub never shortens the trip."""
    hub = HUBS["Texas"]
    dlat, dlon = lat - hub[0], lon - hub[1]
    norm = math.hypot(dlat, dlon) or 1.0
    far = (lat + step * dlat / norm, lon + step * dlon / norm)
    near_days, far_days = transit_days((lat, lon), "Texas"), transit_days(far, "Texas")
    assert near_days is not None and far_days is not None
    if haversine_km(far, hub) >= haversine_km((lat, lon), hub):
        assert far_days >= near_days
    assert near_days >= 1 + BORDER_DAYS


def test_production_days() -> None:
    lead = np.array([40.2, np.nan, np.nan, 10.0])
    turn = np.array([5.0, 21.5, np.nan, np.nan])
    days, measured = production_days(lead, turn)
    # own lead time (rounded up); else cycle rounded up + materials; else the default
    assert days.tolist() == [41.0, 22 + MATERIALS_DAYS, DEFAULT_PRODUCTION_DAYS, 10.0]
    assert measured.tolist() == [True, True, False, True]


def test_price_factor() -> None:
    factors = price_factor(np.array([PREVAILING_EFFICIENCY, np.nan, 120.0, 200.0, 30.0,
                                     5.0]))
    labour = LABOUR_SHARE
    assert factors.tolist() == pytest.approx([
        1.0, 1.0,  # prevailing efficiency, and unknown counts as prevailing
        (1 - labour) + labour * 60 / 120, (1 - labour) + labour * 60 / 120,  # clipped at 120
        (1 - labour) + labour * 2, (1 - labour) + labour * 3])  # 30 %; 5 % clipped at 20
    assert bool(np.all(np.diff(price_factor(np.linspace(20, 120, 11))) < 0))


# --- months ---------------------------------------------------------------------------------

def test_month_shares_split_by_days() -> None:
    shares = month_shares(dt.date(2027, 1, 15), dt.date(2027, 3, 15))  # 59 days
    assert list(shares) == ["2027-01", "2027-02", "2027-03"]
    assert shares["2027-01"] == pytest.approx(17 / 59)  # 15..31 January
    assert shares["2027-02"] == pytest.approx(28 / 59)
    assert shares["2027-03"] == pytest.approx(14 / 59)  # 1..14 March (end excluded)


def test_month_shares_inside_one_month_and_empty_window() -> None:
    assert month_shares(dt.date(2027, 5, 3), dt.date(2027, 5, 20)) == {"2027-05": 1.0}
    assert month_shares(dt.date(2027, 5, 3), dt.date(2027, 6, 1)) == {"2027-05": 1.0}
    assert month_shares(dt.date(2027, 5, 3), dt.date(2027, 5, 3)) == {"2027-05": 1.0}


days_st = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


@given(start=days_st, length=st.integers(1, 800))
def test_month_shares_properties(start: dt.date, length: int) -> None:
    end = start + dt.timedelta(days=length)
    shares = month_shares(start, end)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert all(v > 0 for v in shares.values())
    # one entry per calendar month the days touch, each its day count over the total
    counted: dict[str, int] = {}
    for n in range(length):
        day = start + dt.timedelta(days=n)
        counted[f"{day:%Y-%m}"] = counted.get(f"{day:%Y-%m}", 0) + 1
    assert list(shares) == list(counted)
    for month, count in counted.items():
        assert shares[month] == pytest.approx(count / length)


@given(start=days_st, length=st.integers(1, 400))
def test_month_capacity_factor(start: dt.date, length: int) -> None:
    end = start + dt.timedelta(days=length)
    for month in month_shares(start, end):
        year, mon = int(month[:4]), int(month[5:])
        days_in = calendar.monthrange(year, mon)[1]
        inside = sum(1 for n in range(length)
                     if (start + dt.timedelta(days=n)).strftime("%Y-%m") == month)
        assert month_capacity_factor(month, start, end) == pytest.approx(inside / days_in)
    assert month_capacity_factor("1999-01", start, end) == 0.0
