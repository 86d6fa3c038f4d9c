"""Candidate screening, column-wise: level, lead time, capacity unknown, no capacity left and
eligibility; free units after held allocations; per-month capacity for the solver and the
load accepted runs hold."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalera.analytics.match_candidates import (
    SMALL_EMPLOYEES,
    bucket_capacity,
    committed_load,
    month_loads,
    order_load,
    screen,
)
from escalera.domain.delivery import (
    MATERIALS_DAYS,
    TRANSPORT_PER_UNIT_KM,
    month_shares,
    price_factor,
    transit_days,
)
from escalera.domain.orders import Order
from escalera.domain.regions import STATE_CENTROIDS, haversine_km

D0 = dt.date(2027, 1, 15)
DUE = dt.date(2027, 3, 15)  # 59 days: 17 in January, 28 in February, 14 in March
SHARES = {"2027-01": 17 / 59, "2027-02": 28 / 59, "2027-03": 14 / 59}
PUEBLA = STATE_CENTROIDS["Puebla"]

HELD_SCHEMA = {"firm_id": pl.String, "bucket": pl.String, "units": pl.Float64}


def order(**changes: Any) -> Order:
    values: dict[str, Any] = {"id": "P-1", "product": "jeans", "quantity": 3000,
                              "ladder": "buyer_tiers", "level": "tier_2", "order_date": D0,
                              "due_date": DUE, "unit_price": 100.0}
    values.update(changes)
    return Order(**values)


def producer(firm_id: str, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "firm_id": firm_id, "name": f"Taller {firm_id}", "state": "Puebla",
        "products": ["jeans"], "employees": 30, "monthly_capacity": 5900,
        "working_capital": None, "lat": PUEBLA[0], "lon": PUEBLA[1], "rank": 2,
        "lead": 30.0, "turnaround": None, "efficiency": None}
    row.update(changes)
    return row


def profiles(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema={
        "firm_id": pl.String, "name": pl.String, "state": pl.String,
        "products": pl.List(pl.String), "employees": pl.Int64, "monthly_capacity": pl.Int64,
        "working_capital": pl.Float64, "lat": pl.Float64, "lon": pl.Float64,
        "rank": pl.Int64, "lead": pl.Float64, "turnaround": pl.Float64,
        "efficiency": pl.Float64})


def held(*rows: tuple[str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=HELD_SCHEMA, orient="row")


def run_screen(frame: pl.DataFrame, *, o: Order | None = None, required: int = 2,
               allowed: int = 59, hold: pl.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    result = screen(o or order(), required, 3, allowed, frame,
                    hold if hold is not None else held())
    return {r["firm_id"]: r for r in result.iter_rows(named=True)}


def test_each_reason_and_eligibility() -> None:
    frame = profiles(
        producer("OK"),
        producer("LOW", rank=1),
        producer("SLOW", lead=80.0),
        producer("NOCAP", monthly_capacity=None),
        producer("FULL", monthly_capacity=100),
        producer("SHIRTS", products=["shirts"]),
        producer("LOW_AND_SLOW", rank=0, lead=200.0, monthly_capacity=None))
    hold = held(("FULL", "2027-02", 100.0))
    rows = run_screen(frame, hold=hold)
    assert set(rows) == {"OK", "LOW", "SLOW", "NOCAP", "FULL", "LOW_AND_SLOW"}  # makers only
    reasons = {k: v["reason"] for k, v in rows.items()}
    assert reasons == {"OK": None, "LOW": "level", "SLOW": "lead_time",
                       "NOCAP": "capacity_unknown", "FULL": "no_capacity_left",
                       "LOW_AND_SLOW": "level"}  # the first failing check
    assert {k for k, v in rows.items() if v["eligible"]} == {"OK"}
    assert rows["LOW"]["level_ok"] is False and rows["LOW"]["lead_ok"] is True
    assert rows["SLOW"]["level_ok"] is True and rows["SLOW"]["lead_ok"] is False
    assert rows["NOCAP"]["free_units"] == 0 and rows["FULL"]["free_units"] == 0


def test_delivery_days_are_production_plus_transit() -> None:
    frame = profiles(producer("LEAD", lead=30.4),
                     producer("CYCLE", lead=None, turnaround=20.0),
                     producer("NONE", lead=None, turnaround=None),
                     producer("FAR", lead=30.0, state="Yucatán",
                              lat=STATE_CENTROIDS["Yucatán"][0],
                              lon=STATE_CENTROIDS["Yucatán"][1]))
    rows = run_screen(frame, allowed=365)
    texas = transit_days(PUEBLA, "Texas")
    assert texas == 4
    assert rows["LEAD"]["transit_days"] == texas
    assert rows["LEAD"]["delivery_days"] == 31 + texas
    assert rows["CYCLE"]["delivery_days"] == 20 + MATERIALS_DAYS + texas
    assert rows["NONE"]["delivery_days"] == 45 + texas
    assert (rows["LEAD"]["measured"], rows["CYCLE"]["measured"],
            rows["NONE"]["measured"]) == (True, True, False)
    far = transit_days(STATE_CENTROIDS["Yucatán"], "Texas")
    assert far is not None and rows["FAR"]["delivery_days"] == 30 + far


def test_lead_time_limit_is_inclusive() -> None:
    frame = profiles(producer("EDGE", lead=55.0), producer("OVER", lead=56.0))
    rows = run_screen(frame, allowed=59)  # 55 + 4 = 59 days, 56 + 4 = 60
    assert rows["EDGE"]["lead_ok"] is True and rows["EDGE"]["eligible"] is True
    assert rows["OVER"]["reason"] == "lead_time"


def test_level_at_or_above_the_requirement() -> None:
    rows = run_screen(profiles(producer("AT", rank=2), producer("ABOVE", rank=3),
                               producer("BELOW", rank=1)), required=2)
    assert {k: v["level_ok"] for k, v in rows.items()} == {"AT": True, "ABOVE": True,
                                                             "BELOW": False}
    # margin: ranks above the requirement over the ranks the ladder has above it
    assert rows["AT"]["margin"] == 0.0 and rows["ABOVE"]["margin"] == 1.0
    assert rows["BELOW"]["margin"] == 0.0


def test_free_units_are_the_tightest_month() -> None:
    """Capacity 5,900 a month: the order's months take 17/59, 28/59 and 14/59 of it."""
    frame = profiles(producer("A", monthly_capacity=5900), producer("B", monthly_capacity=5900))
    hold = held(("B", "2027-02", 3100.0), ("B", "2027-04", 5900.0))
    rows = run_screen(frame, hold=hold)
    expected_a = min(5900 / s for s in SHARES.values())
    assert rows["A"]["free_units"] == math.floor(expected_a)
    left_b = {"2027-01": 5900.0, "2027-02": 2800.0, "2027-03": 5900.0}
    expected_b = min(left_b[m] / s for m, s in SHARES.items())
    assert rows["B"]["free_units"] == math.floor(expected_b) == 5900
    assert rows["B"]["eligible"] is True


def test_over_committed_month_leaves_nothing() -> None:
    rows = run_screen(profiles(producer("A", monthly_capacity=1000)),
                      hold=held(("A", "2027-03", 1500.0)))
    assert rows["A"]["free_units"] == 0 and rows["A"]["reason"] == "no_capacity_left"


def test_cost_small_and_adhoc() -> None:
    frame = profiles(producer("S", employees=SMALL_EMPLOYEES, efficiency=120.0),
                     producer("L", employees=SMALL_EMPLOYEES + 1, state="Jalisco"),
                     producer("U", employees=None))
    o = order(max_pool_members=3, pool_regions=("Puebla",))
    rows = run_screen(frame, o=o)
    km = haversine_km(PUEBLA, (32.78, -96.80)) * 1.25
    factor = float(price_factor([120.0])[0])  # type: ignore[arg-type]
    assert rows["S"]["unit_cost"] == pytest.approx(100 * factor + TRANSPORT_PER_UNIT_KM * km,
                                                   abs=0.006)
    assert rows["L"]["unit_cost"] == pytest.approx(100 + TRANSPORT_PER_UNIT_KM * km, abs=0.006)
    assert (rows["S"]["small"], rows["L"]["small"], rows["U"]["small"]) == (True, False, True)
    assert (rows["S"]["adhoc_ok"], rows["L"]["adhoc_ok"]) == (True, False)
    no_pool = run_screen(frame, o=order())
    assert not any(r["adhoc_ok"] for r in no_pool.values())
    anywhere = run_screen(frame, o=order(max_pool_members=2))
    assert all(r["adhoc_ok"] for r in anywhere.values())


def test_nobody_makes_the_product() -> None:
    result = screen(order(product="sweaters"), 2, 3, 59, profiles(producer("A")), held())
    assert result.is_empty()
    assert {"eligible", "reason", "free_units", "delivery_days"} <= set(result.columns)


def test_unknown_destination_or_place_counts_no_transit() -> None:
    rows = run_screen(profiles(producer("A", lat=None, lon=None)),
                      o=order(destination="Atlantis"))
    assert rows["A"]["transit_days"] is None and rows["A"]["delivery_days"] == 30


# --- loads and capacity ---------------------------------------------------------------------

def test_order_load_is_the_month_shares() -> None:
    assert order_load(order()) == pytest.approx(SHARES)


def test_committed_load_spreads_units_and_sums_per_month() -> None:
    committed = pl.DataFrame([
        ("A", 590, D0, DUE, 40),
        ("A", 310, dt.date(2027, 2, 1), dt.date(2027, 3, 3), 30),  # 28 Feb days, 2 March
        ("B", 100, dt.date(2027, 5, 1), dt.date(2027, 5, 11), 20)],
        schema={"firm_id": pl.String, "units": pl.Int64, "order_date": pl.Date,
                "due_date": pl.Date, "delivery_days": pl.Int64}, orient="row")
    months = ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06"]
    load = {(f, b): u for f, b, u in committed_load(committed, months).iter_rows()}
    assert load == pytest.approx({
        ("A", "2027-01"): 590 * 17 / 59, ("A", "2027-02"): 590 * 28 / 59 + 310 * 28 / 30,
        ("A", "2027-03"): 590 * 14 / 59 + 310 * 2 / 30, ("B", "2027-05"): 100.0})


def test_committed_load_of_nothing_is_empty() -> None:
    empty = pl.DataFrame(schema={"firm_id": pl.String, "units": pl.Int64,
                                 "order_date": pl.Date, "due_date": pl.Date,
                                 "delivery_days": pl.Int64})
    load = committed_load(empty, ["2027-01"])
    assert load.is_empty() and set(load.columns) == {"firm_id", "bucket", "units"}


def test_bucket_capacity() -> None:
    frame = profiles(producer("A", monthly_capacity=1000), producer("B", monthly_capacity=None),
                     producer("C", monthly_capacity=500))
    hold = held(("A", "2027-02", 250.5), ("C", "2027-01", 800.0))
    needed = pl.DataFrame([(p, b) for p in "ABC" for b in ("2027-01", "2027-02")],
                          schema={"producer_id": pl.String, "bucket": pl.String},
                          orient="row")
    cap = {(p, b): u for p, b, u in bucket_capacity(frame, hold, needed).iter_rows()}
    assert cap == {("A", "2027-01"): 1000, ("A", "2027-02"): 749,  # floor of what is left
                   ("C", "2027-01"): 0, ("C", "2027-02"): 500}  # B declared none: no rows


def test_month_loads_are_the_month_shares_of_each_window() -> None:
    windows = pl.DataFrame({"key": ["a", "b", "c"],
                            "start": [D0, dt.date(2027, 5, 3), dt.date(2027, 5, 3)],
                            "end": [DUE, dt.date(2027, 6, 1), dt.date(2027, 5, 3)]})
    rows = month_loads(windows, dt.date(2026, 1, 1), dt.date(2028, 1, 1))
    found = {(k, b): s for k, b, s in rows.iter_rows()}
    assert found == pytest.approx({**{("a", b): s for b, s in SHARES.items()},
                                   ("b", "2027-05"): 1.0, ("c", "2027-05"): 1.0})


def test_month_loads_and_capacity_are_bounded_by_the_windows_not_the_dates() -> None:
    """A window ending in year 6758 makes no more rows than the months of the span planned
    (the horizon), an accepted allocation to year 6758 holds units only in the months a run
    plans, and the capacity the solver gets is per candidate and month of its order's window: a
    count, independent of how far away a date is."""
    first, last = dt.date(2026, 12, 1), dt.date(2028, 12, 8)  # 25 months
    windows = pl.DataFrame({"key": ["near", "far"], "start": [D0, dt.date(2026, 12, 1)],
                            "end": [DUE, dt.date(6758, 1, 1)]})
    rows = month_loads(windows, first, last)
    assert rows.filter(pl.col("key") == "near").height == 3
    assert rows.filter(pl.col("key") == "far").height == 25
    committed = pl.DataFrame([("A", 67_000_000, dt.date(2026, 12, 1), dt.date(6758, 1, 1), 40)],
                             schema={"firm_id": pl.String, "units": pl.Int64,
                                     "order_date": pl.Date, "due_date": pl.Date,
                                     "delivery_days": pl.Int64}, orient="row")
    held_rows = committed_load(committed, ["2027-01", "2027-02", "2027-03"])
    assert held_rows.height == 3  # only the months the run plans
    firms = profiles(*(producer(f"P{i}") for i in range(50)))
    near = rows.filter(pl.col("key") == "near")
    needed = (pl.DataFrame({"producer_id": [f"P{i}" for i in range(10)]})
              .join(near.select("bucket"), how="cross"))
    cap = bucket_capacity(firms, held(), needed)
    assert cap.height == 10 * 3  # ten candidates, three months: not 50 firms x 25 months


@settings(max_examples=40, deadline=None)
@given(capacity=st.integers(0, 20_000), length=st.integers(1, 120),
       start=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 1, 1)),
       taken=st.lists(st.floats(0, 20_000), min_size=5, max_size=5))
def test_free_units_respect_every_month(capacity: int, length: int, start: dt.date,
                                        taken: list[float]) -> None:
    """Taking the free units spread like the order never overflows a month, and one more
    unit would (unless nothing is free)."""
    o = order(order_date=start, due_date=start + dt.timedelta(days=length))
    shares = month_shares(o.order_date, o.due_date)
    hold = held(*((("A", m, t) for m, t in zip(shares, taken, strict=False))))
    rows = run_screen(profiles(producer("A", monthly_capacity=capacity)), o=o, hold=hold,
                      allowed=10_000)
    free = rows["A"]["free_units"]
    left = {m: max(capacity - (taken[i] if i < len(taken) else 0.0), 0.0)
            for i, m in enumerate(shares)}
    assert free >= 0
    for month, share in shares.items():
        assert free * share <= left[month] + 1e-6
    assert any((free + 1) * share > left[m] - 1e-6 for m, share in shares.items())
