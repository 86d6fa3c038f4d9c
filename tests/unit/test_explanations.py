"""``explain``: each reason arises from the shortfall numbers that should produce it, filled
orders get none, per-firm blockers follow the general reasons, and every template's
placeholders are the parameters its code is given."""

from __future__ import annotations

import string
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalera.domain.explanations import TEMPLATES, Explanation, Shortfall, explain

CTX: dict[str, Any] = {"product": "jeans", "ladder": "buyer_tiers", "level": "tier_2",
                       "on": "2027-01-04", "start": "2027-01-04", "due": "2027-03-15"}

# 10 makers, 8 at level, 6 in time, 5 eligible who could make everything asked
BASE = Shortfall(quantity=1000, filled=600, makers=10, at_level=8, in_time=6,
                 allowed_days=63, eligible=5, capacity_unknown=1, eligible_units=5000,
                 largest_supplier=1000, split_units=1000, splittable=True, max_producers=5,
                 solver_status="optimal", gap=0.0, fill_weight=100.0)


def codes(shortfall: Shortfall, blockers: list[Explanation] | None = None) -> list[str]:
    return [e.code for e in explain(shortfall, blockers=blockers or [], **CTX)]


def one(shortfall: Shortfall, code: str) -> Explanation:
    found = [e for e in explain(shortfall, blockers=[], **CTX) if e.code == code]
    assert len(found) == 1, codes(shortfall)
    return found[0]


def test_filled_orders_get_nothing_even_with_blockers() -> None:
    blocker = Explanation("lead_time", {"name": "X", "firm": "F", "days": 90,
                                        "allowed": 63}, "F")
    assert explain(replace(BASE, filled=1000), blockers=[blocker], **CTX) == []
    assert explain(replace(BASE, filled=1200, makers=0), blockers=[blocker], **CTX) == []


def test_no_maker_is_the_only_reason() -> None:
    shortfall = replace(BASE, filled=0, makers=0, at_level=0, in_time=0, eligible=0,
                        capacity_unknown=0, eligible_units=0)
    found = explain(shortfall, blockers=[Explanation("not_assessed", {}, "F")], **CTX)
    assert [(e.code, e.params) for e in found] == [("no_maker", {"product": "jeans"})]


def test_none_at_level() -> None:
    shortfall = replace(BASE, filled=0, at_level=0, in_time=0, eligible=0,
                        capacity_unknown=0, eligible_units=0)
    assert codes(shortfall) == ["none_at_level"]
    assert one(shortfall, "none_at_level").params == {
        "product": "jeans", "level": "tier_2", "ladder": "buyer_tiers", "date": "2027-01-04"}


def test_none_in_time_counts_those_at_level() -> None:
    shortfall = replace(BASE, filled=0, in_time=0, eligible=0, capacity_unknown=0,
                        eligible_units=0)
    assert codes(shortfall) == ["none_in_time"]
    assert one(shortfall, "none_in_time").params == {"count": 8, "allowed": 63}


def test_none_with_capacity_counts_those_with_a_declared_capacity() -> None:
    shortfall = replace(BASE, filled=0, eligible=0, capacity_unknown=2, eligible_units=0)
    assert codes(shortfall) == ["none_with_capacity", "capacity_unknown"]
    assert one(shortfall, "none_with_capacity").params == {
        "count": 4, "start": "2027-01-04", "due": "2027-03-15"}
    assert one(shortfall, "capacity_unknown").params == {"count": 2}


def test_all_in_time_without_declared_capacity_is_only_capacity_unknown() -> None:
    shortfall = replace(BASE, filled=0, eligible=0, capacity_unknown=6, eligible_units=0)
    assert codes(shortfall) == ["capacity_unknown"]
    assert one(shortfall, "capacity_unknown").params == {"count": 6}


def test_capacity_short_names_the_missing_units() -> None:
    shortfall = replace(BASE, capacity_unknown=0, eligible_units=700, largest_supplier=400,
                        split_units=700)
    assert codes(shortfall) == ["capacity_short"]
    assert one(shortfall, "capacity_short").params == {
        "short": 300, "start": "2027-01-04", "due": "2027-03-15", "total": 700,
        "quantity": 1000}


def test_single_supplier_for_an_order_that_cannot_be_split() -> None:
    shortfall = replace(BASE, capacity_unknown=0, splittable=False, largest_supplier=450)
    assert codes(shortfall) == ["single_supplier"]
    assert one(shortfall, "single_supplier").params == {"largest": 450, "quantity": 1000}


def test_split_limit() -> None:
    shortfall = replace(BASE, capacity_unknown=0, max_producers=2, split_units=800)
    assert codes(shortfall) == ["split_limit"]
    assert one(shortfall, "split_limit").params == {"most": 2, "total": 800,
                                                    "quantity": 1000}


def test_time_limit_with_a_gap() -> None:
    shortfall = replace(BASE, capacity_unknown=0, solver_status="time_limit", gap=0.034)
    assert codes(shortfall) == ["time_limit"]
    assert one(shortfall, "time_limit").params == {"gap": "3.4%"}
    # stopped at the limit but proven: the weights are the reason
    assert codes(replace(shortfall, gap=0.0)) == ["weights"]


def test_weights_when_capacity_was_there() -> None:
    shortfall = replace(BASE, capacity_unknown=0, fill_weight=0.5)
    assert codes(shortfall) == ["weights"]
    assert one(shortfall, "weights").params == {"units": 400, "fill": 0.5}


def test_blockers_come_after_the_general_reasons() -> None:
    blockers = [Explanation("requirement", {"firm": "F1"}, "F1"),
                Explanation("lead_time", {"firm": "F2"}, "F2")]
    shortfall = replace(BASE, filled=0, at_level=0, in_time=0, eligible=0,
                        capacity_unknown=0, eligible_units=0)
    found = explain(shortfall, blockers=blockers, **CTX)
    assert [e.code for e in found] == ["none_at_level", "requirement", "lead_time"]
    assert found[1:] == blockers


def placeholders(template: str) -> set[str]:
    return {name for _t, name, _f, _c in string.Formatter().parse(template) if name}


@given(quantity=st.integers(1, 10_000), data=st.data())
def test_every_reason_formats_with_its_parameters(quantity: int, data: st.DataObject) -> None:
    """Whatever the numbers, each general explanation's template takes exactly its
    parameters, and an order short of its quantity always gets at least one reason."""
    makers = data.draw(st.integers(0, 20))
    at_level = data.draw(st.integers(0, makers))
    in_time = data.draw(st.integers(0, at_level))
    unknown = data.draw(st.integers(0, in_time))
    eligible = data.draw(st.integers(0, in_time - unknown))
    units = data.draw(st.integers(1, 3 * quantity)) if eligible else 0
    shortfall = Shortfall(
        quantity=quantity, filled=data.draw(st.integers(0, quantity - 1)), makers=makers,
        at_level=at_level, in_time=in_time, allowed_days=60, eligible=eligible,
        capacity_unknown=unknown, eligible_units=units,
        largest_supplier=min(units, data.draw(st.integers(0, quantity))),
        split_units=min(units, quantity), splittable=data.draw(st.booleans()),
        max_producers=3, solver_status=data.draw(st.sampled_from(["optimal", "time_limit"])),
        gap=data.draw(st.sampled_from([0.0, 0.1])), fill_weight=100.0)
    found = explain(shortfall, blockers=[], **CTX)
    assert found, shortfall
    for e in found:
        assert placeholders(e.template) == set(e.params), e.code
        e.template.format(**e.params)
        assert e.as_dict() == {"code": e.code, "params": e.params, "firm_id": None}


def test_per_firm_templates_name_the_firm() -> None:
    for code in ("requirement", "not_assessed", "lead_time"):
        assert {"name", "firm"} <= placeholders(TEMPLATES[code])
    assert placeholders(TEMPLATES["requirement"]) == {
        "name", "firm", "item", "current", "relation", "required", "level"}


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_templates_are_translated(code: str) -> None:
    from escalera.i18n import current_language, gettext, set_language

    before = current_language()
    try:
        set_language("es")
        spanish = gettext(TEMPLATES[code])
    finally:
        set_language(before)
    assert spanish != TEMPLATES[code]
    assert placeholders(spanish) == placeholders(TEMPLATES[code])
