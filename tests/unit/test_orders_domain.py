"""Buyers' orders as domain records: validation, the requirement they resolve to (segment or
ladder and level), level ranks, the days they allow, the smallest share, materials cost; and
what an allocation means for working capital (``financing``) and time to market
(``sourcing.compare``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from escalera.domain.catalog_model import Catalog
from escalera.domain.financing import ANNUAL_RATE, financing
from escalera.domain.orders import (
    DEFAULT_MATERIALS_SHARE,
    DEFAULT_PAYMENT_DAYS,
    Order,
    OrderError,
    allowed_days,
    level_rank,
    requirement,
)
from escalera.domain.sourcing import SourcingOrigin, compare
from escalera.i18n import current_language, set_language

D0 = dt.date(2027, 1, 4)


@pytest.fixture(autouse=True)
def _english() -> Any:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


def order(**changes: Any) -> Order:
    values: dict[str, Any] = {"id": "P-1", "product": "jeans", "quantity": 1000,
                              "ladder": "buyer_tiers", "level": "tier_2", "order_date": D0,
                              "due_date": D0 + dt.timedelta(days=70), "unit_price": 100.0}
    values.update(changes)
    return Order(**values)


# --- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize("changes", [
    {"quantity": 0}, {"quantity": -5}, {"unit_price": -1.0}, {"id": ""}, {"product": ""},
    {"due_date": D0}, {"due_date": D0 - dt.timedelta(days=1)},
    {"ladder": None, "level": None}, {"level": None}, {"ladder": None},
    {"min_share": 1.5}, {"min_share": -0.1}, {"max_producers": 0}, {"payment_days": -1},
    {"materials_cost": -2.0}, {"max_pool_members": -1}, {"colour": "blue"},
])
def test_bad_orders_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        order(**changes)


def test_due_date_message_names_both_dates() -> None:
    with pytest.raises(ValidationError) as raised:
        order(due_date=D0 - dt.timedelta(days=3))
    text = str(raised.value)
    assert "2027-01-01" in text and "2027-01-04" in text


def test_a_segment_alone_is_enough() -> None:
    o = order(ladder=None, level=None, segment="smaller_us_chains")
    assert o.segment == "smaller_us_chains" and o.ladder is None


def test_defaults_and_window() -> None:
    o = order()
    assert o.payment_days == DEFAULT_PAYMENT_DAYS == 60
    assert o.splittable and o.max_producers == 5 and o.min_share == 0.0
    assert o.destination == "Texas"
    assert o.window_days == 70


def test_orders_are_frozen() -> None:
    with pytest.raises(ValidationError):
        order().quantity = 5  # type: ignore[misc]


# --- requirement ----------------------------------------------------------------------------

def test_segment_resolves_to_its_ladder_level_and_lead_time(catalog: Catalog) -> None:
    for seg in catalog.segments:
        need = requirement(order(ladder=None, level=None, segment=seg.id), catalog)
        assert (need.ladder, need.level, need.lead_time_days, need.segment) == (
            seg.ladder, seg.level, seg.lead_time_days, seg.id)


def test_segment_wins_over_a_ladder_given_beside_it(catalog: Catalog) -> None:
    need = requirement(order(segment="large_us_dept_stores", ladder="regional_state_iso",
                             level="state"), catalog)
    assert (need.ladder, need.level, need.lead_time_days) == ("buyer_tiers", "tier_1", 49)


def test_ladder_and_level(catalog: Catalog) -> None:
    need = requirement(order(ladder="regional_state_iso", level="state"), catalog)
    assert (need.ladder, need.level, need.lead_time_days, need.segment) == (
        "regional_state_iso", "state", None, None)


def test_unknown_segment_names_it_and_the_valid_ones(catalog: Catalog) -> None:
    with pytest.raises(OrderError) as raised:
        requirement(order(ladder=None, level=None, segment="luxury_paris"), catalog)
    text = str(raised.value)
    assert "P-1" in text and "'luxury_paris'" in text
    for seg in catalog.segments:
        assert seg.id in text


def test_unknown_ladder_names_it_and_the_valid_ones(catalog: Catalog) -> None:
    with pytest.raises(OrderError) as raised:
        requirement(order(ladder="iso_14000"), catalog)
    text = str(raised.value)
    assert "'iso_14000'" in text and "P-1" in text
    for ladder in catalog.ladders:
        assert ladder.id in text


def test_level_no_ladder_defines_names_the_levels(catalog: Catalog) -> None:
    with pytest.raises(OrderError) as raised:
        requirement(order(level="tier_0"), catalog)
    text = str(raised.value)
    assert "'tier_0'" in text and "buyer_tiers" in text
    assert all(level in text for level in ("tier_3", "tier_2", "tier_1"))


def test_a_level_of_another_ladder_is_refused(catalog: Catalog) -> None:
    with pytest.raises(OrderError):
        requirement(order(ladder="buyer_tiers", level="iso9001_like"), catalog)


# --- ranks, allowed days, shares, materials -------------------------------------------------

def test_level_rank_counts_from_the_lowest_level(catalog: Catalog) -> None:
    for ladder in catalog.ladders:
        assert level_rank(catalog, ladder.id, None) == 0
        ranks = [level_rank(catalog, ladder.id, lv.id) for lv in ladder.levels]
        assert ranks == list(range(1, len(ladder.levels) + 1))
    # buyer tiers are listed lowest first: tier 3 < tier 2 < tier 1
    assert level_rank(catalog, "buyer_tiers", "tier_3") == 1
    assert level_rank(catalog, "buyer_tiers", "tier_1") == 3


@pytest.mark.parametrize(("window", "segment", "expected"), [
    (70, None, 70),  # a level order: its window
    (70, "smaller_us_chains", 63),  # the segment asks for 63 days
    (50, "smaller_us_chains", 50),  # the window is shorter still
    (200, "local_informal", 120),
])
def test_allowed_days(catalog: Catalog, window: int, segment: str | None,
                      expected: int) -> None:
    extra: dict[str, Any] = {"ladder": None, "level": None, "segment": segment} if segment \
        else {}
    o = order(due_date=D0 + dt.timedelta(days=window), **extra)
    assert allowed_days(o, requirement(o, catalog)) == expected


@pytest.mark.parametrize(("quantity", "share", "expected"), [
    (1000, 0.0, 0), (1000, 0.1, 100), (1000, 0.25, 250), (999, 1 / 3, 333),
    (10, 0.35, 4), (7, 1.0, 7),
])
def test_min_units(quantity: int, share: float, expected: int) -> None:
    assert order(quantity=quantity, min_share=share).min_units == expected


def test_unit_materials_cost() -> None:
    assert DEFAULT_MATERIALS_SHARE == 0.55
    assert order(unit_price=165.0).unit_materials_cost == pytest.approx(90.75)
    assert order(unit_price=99.99).unit_materials_cost == pytest.approx(54.99)  # 54.9945
    assert order(unit_price=100.0, materials_cost=30.0).unit_materials_cost == 30.0
    assert order(unit_price=100.0, materials_cost=0.0).unit_materials_cost == 0.0


# --- financing ------------------------------------------------------------------------------

def test_financing_need_days_cost_and_flag() -> None:
    money = financing(2000, 90.75, 70, 60, 150_000.0)
    assert money.need == pytest.approx(181_500.0)
    assert money.days == 130
    assert money.cost == pytest.approx(round(181_500 * 0.30 * 130 / 365, 2))
    assert money.working_capital == 150_000.0 and money.credit_candidate is True
    assert financing(2000, 90.75, 70, 60, 181_500.0).credit_candidate is False  # equal: no
    assert financing(2000, 90.75, 70, 60, 500_000.0).credit_candidate is False
    unknown = financing(2000, 90.75, 70, 60, None)
    assert unknown.credit_candidate is None and unknown.working_capital is None
    assert unknown.need == money.need


@given(units=st.integers(0, 100_000), cost=st.floats(0, 1000), window=st.integers(1, 400),
       pay=st.integers(0, 180), capital=st.none() | st.floats(0, 1e8))
def test_financing_properties(units: int, cost: float, window: int, pay: int,
                              capital: float | None) -> None:
    money = financing(units, cost, window, pay, capital)
    assert money.need == pytest.approx(units * cost, abs=0.006)
    assert money.days == window + pay
    assert money.cost == pytest.approx(money.need * ANNUAL_RATE * (window + pay) / 365,
                                       abs=0.006)
    assert money.credit_candidate == (None if capital is None else money.need > capital)


def test_financing_rate_is_a_parameter() -> None:
    assert financing(100, 10.0, 300, 65, None, rate=0.10).cost == pytest.approx(100.0)


# --- time to market -------------------------------------------------------------------------

def test_compare_with_the_catalog_sourcing_section(catalog: Catalog) -> None:
    ids = [o.id for o in catalog.sourcing]
    assert ids == ["mexico", "hungary_italy", "portugal", "brazil_china_indonesia"]
    by = {o.id: o for o in catalog.sourcing}
    assert (by["mexico"].weeks_min, by["mexico"].weeks_max) == (7, 11)
    # 8 weeks: within Mexico's range, faster than every other origin
    verdicts = {r["origin"]: r["verdict"] for r in compare(56, catalog.sourcing)}
    assert verdicts == {"mexico": "within", "hungary_italy": "faster", "portugal": "faster",
                        "brazil_china_indonesia": "faster"}
    # 5 weeks: faster than all; 16 weeks: slower than Mexico, Hungary; faster than the rest
    assert {r["verdict"] for r in compare(35, catalog.sourcing)} == {"faster"}
    late = {r["origin"]: r["verdict"] for r in compare(112, catalog.sourcing)}
    assert late == {"mexico": "slower", "hungary_italy": "slower", "portugal": "faster",
                    "brazil_china_indonesia": "faster"}


def test_compare_bounds_are_within_and_weeks_ahead() -> None:
    origin = SourcingOrigin(id="x", name={"es": "X", "en": "X"}, weeks_min=7, weeks_max=11,
                            rationale="r")
    assert compare(49, (origin,))[0]["verdict"] == "within"  # exactly 7 weeks
    assert compare(77, (origin,))[0]["verdict"] == "within"  # exactly 11 weeks
    assert compare(48, (origin,))[0]["verdict"] == "faster"
    assert compare(78, (origin,))[0]["verdict"] == "slower"
    row = compare(35, (origin,))[0]
    assert row["weeks_ahead"] == pytest.approx(2.0)
    assert (row["weeks_min"], row["weeks_max"]) == (7, 11)


def test_sourcing_origin_refuses_a_reversed_range() -> None:
    with pytest.raises(ValidationError):
        SourcingOrigin(id="x", name={"es": "X", "en": "X"}, weeks_min=12, weeks_max=11,
                       rationale="r")
