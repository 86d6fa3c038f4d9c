"""The bounds every order keeps (``domain.orders``): the due date within the horizon, the
window, the quantity, text and list lengths; what a run leaves out; the reasons worded in
the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from escalera.domain.explanations import TEMPLATES
from escalera.domain.orders import (
    BOUND_TEMPLATES,
    HORIZON_MONTHS,
    MAX_POOL_REGIONS,
    MAX_QUANTITY,
    MAX_WINDOW_DAYS,
    PAST_DAYS,
    Order,
    OrderBoundsError,
    add_months,
    check_new_order,
    horizon_end,
    new_order_breaches,
    run_breaches,
)
from escalera.i18n import current_language, set_language

TODAY = dt.date(2026, 12, 8)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


def order(**changes: Any) -> Order:
    values: dict[str, Any] = {"id": "P-1", "product": "jeans", "quantity": 1000,
                              "segment": "smaller_us_chains", "order_date": TODAY,
                              "due_date": TODAY + dt.timedelta(days=70), "unit_price": 100.0}
    values.update(changes)
    return Order(**values)


def fields(o: Order) -> list[tuple[str, str]]:
    return [(b.field, b.code) for b in new_order_breaches(o, TODAY)]


@pytest.mark.parametrize(("day", "months", "moved"), [
    (dt.date(2026, 12, 8), 24, dt.date(2028, 12, 8)),
    (dt.date(2027, 1, 31), 1, dt.date(2027, 2, 28)),
    (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
    (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
    (dt.date(2026, 11, 30), 1, dt.date(2026, 12, 30)),
    (dt.date(2026, 12, 31), 2, dt.date(2027, 2, 28)),
])
def test_add_months_keeps_the_day_or_the_last_of_a_shorter_month(
        day: dt.date, months: int, moved: dt.date) -> None:
    assert add_months(day, months) == moved


def test_an_order_within_every_bound_keeps_them() -> None:
    edge = order(order_date=TODAY - dt.timedelta(days=PAST_DAYS),
                 due_date=TODAY - dt.timedelta(days=PAST_DAYS) + dt.timedelta(
                     days=MAX_WINDOW_DAYS), quantity=MAX_QUANTITY,
                 pool_regions=tuple(f"R{i}" for i in range(MAX_POOL_REGIONS)))
    assert new_order_breaches(edge, TODAY) == []
    assert new_order_breaches(order(due_date=horizon_end(TODAY)), TODAY) == []
    check_new_order(edge, TODAY)  # nothing raised


@pytest.mark.parametrize(("changes", "breach"), [
    ({"due_date": dt.date(3000, 1, 1)}, ("due_date", "due_beyond_horizon")),
    ({"due_date": add_months(TODAY, HORIZON_MONTHS) + dt.timedelta(days=1)},
     ("due_date", "due_beyond_horizon")),
    ({"order_date": TODAY - dt.timedelta(days=300), "due_date": TODAY + dt.timedelta(days=432)},
     ("due_date", "window_too_long")),
    ({"quantity": MAX_QUANTITY + 1}, ("quantity", "too_large")),
    ({"order_date": TODAY - dt.timedelta(days=PAST_DAYS + 1)},
     ("order_date", "order_date_too_old")),
    ({"order_date": TODAY - dt.timedelta(days=30), "due_date": TODAY - dt.timedelta(days=1)},
     ("due_date", "due_in_past")),
    ({"product": "j" * 41}, ("product", "too_long")),
    ({"buyer_name": "x" * 201}, ("buyer_name", "too_long")),
    ({"destination": "x" * 81}, ("destination", "too_long")),
    ({"segment": "s" * 65}, ("segment", "too_long")),
    ({"pool_regions": tuple(f"R{i}" for i in range(MAX_POOL_REGIONS + 1))},
     ("pool_regions", "too_many")),
    ({"pool_regions": ("Puebla", "x" * 81)}, ("pool_regions.1", "too_long")),
    ({"payment_days": 366}, ("payment_days", "too_large")),
    ({"max_producers": 101}, ("max_producers", "too_large")),
    ({"max_pool_members": 101}, ("max_pool_members", "too_large")),
    ({"unit_price": 1e12}, ("unit_price", "too_large")),
    ({"materials_cost": 1e12}, ("materials_cost", "too_large")),
])
def test_each_bound_names_its_field(changes: dict[str, Any], breach: tuple[str, str]) -> None:
    assert breach in fields(order(**changes))


def test_the_issue_orders_break_the_horizon_window_and_quantity() -> None:
    far = order(due_date=dt.date(6758, 3, 1), quantity=67_000_000)
    assert fields(far) == [("due_date", "due_beyond_horizon"), ("due_date", "window_too_long"),
                           ("quantity", "too_large")]
    with pytest.raises(OrderBoundsError) as raised:
        check_new_order(far, TODAY)
    text = str(raised.value)
    assert text.startswith("order P-1: due_date: the due date 6758-03-01 is beyond the "
                           "planning horizon: at most 24 months ahead, until 2028-12-08")
    assert "quantity: 67000000 is more than the 10000000 allowed" in text
    set_language("es")
    assert "más allá del horizonte" in str(raised.value)


def test_a_run_leaves_out_only_what_would_blow_up_its_plan() -> None:
    """A run plans stored orders whose dates are past or whose text is long (an old
    database), but not one beyond the horizon, too long a window or too many units."""
    old = order(order_date=TODAY - dt.timedelta(days=800), due_date=TODAY - dt.timedelta(
        days=700), product="x" * 90)
    assert run_breaches(old, TODAY) == []
    assert [b.code for b in run_breaches(order(due_date=dt.date(3000, 1, 1)), TODAY)] == [
        "due_beyond_horizon", "window_too_long"]
    assert [b.code for b in run_breaches(order(quantity=MAX_QUANTITY + 1), TODAY)] == [
        "too_large"]


def test_every_bound_reads_as_an_explanation() -> None:
    """A run explains an order it leaves out with the same codes, worded at show time."""
    assert set(BOUND_TEMPLATES) <= set(TEMPLATES) and "not_allocable" in TEMPLATES
    for breach in new_order_breaches(order(due_date=dt.date(3000, 1, 1), quantity=10**9,
                                           product="j" * 41, pool_regions=("x" * 81,)),
                                     TODAY):
        assert TEMPLATES[breach.code].format(**breach.params) == breach.text()
