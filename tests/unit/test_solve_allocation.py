"""Order allocation: every allocation keeps every rule; check() names each broken rule;
unfillable orders and empty inputs come back without exceptions; the MIP is never worse
than the greedy."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from escalera.solve.allocation import (
    AllocationInputError,
    AllocationProblem,
    OrderSpec,
    Weights,
    allocate,
    check,
    greedy_allocate,
    objective_value,
)


def cands(rows: list[tuple[str, str, float, int, bool]]) -> pl.DataFrame:
    """(order, producer, unit cost, max units, adhoc_ok); margin 0, not small."""
    return pl.DataFrame(
        {"order_id": [r[0] for r in rows], "producer_id": [r[1] for r in rows],
         "unit_cost": [r[2] for r in rows], "margin": [0.0] * len(rows),
         "small": [False] * len(rows), "max_units": [r[3] for r in rows],
         "adhoc_ok": [r[4] for r in rows]},
        schema={"order_id": pl.String, "producer_id": pl.String, "unit_cost": pl.Float64,
                "margin": pl.Float64, "small": pl.Boolean, "max_units": pl.Int64,
                "adhoc_ok": pl.Boolean})


def capacity(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"producer_id": pl.String, "bucket": pl.String,
                                      "free_units": pl.Int64}, orient="row")


def load(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"order_id": pl.String, "bucket": pl.String,
                                      "fraction": pl.Float64}, orient="row")


def pools(rows: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame({"pool_id": [r[0] for r in rows], "kind": ["integradora"] * len(rows),
                         "producer_id": [r[1] for r in rows]},
                        schema={"pool_id": pl.String, "kind": pl.String,
                                "producer_id": pl.String})


def assignments(rows: list[tuple[str, str, str, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"order_id": pl.String, "producer_id": pl.String,
                                      "channel": pl.String, "units": pl.Int64}, orient="row")


# A: splittable, 10 units, min 3, at most 2 producers. B: one supplier, 8 units, min 2,
# ad-hoc pools of up to 2. Pool G = {p2, p3}. p3 may not join ad-hoc pools.
BASE = AllocationProblem(
    orders=(OrderSpec("A", 10, 3, 2, True, 0, 10.0), OrderSpec("B", 8, 2, 3, False, 2, 12.0)),
    candidates=cands([("A", "p1", 5.0, 6, True), ("A", "p2", 6.0, 10, True),
                      ("A", "p3", 7.0, 4, False), ("B", "p1", 5.0, 5, True),
                      ("B", "p2", 6.0, 5, True), ("B", "p3", 8.0, 5, False)]),
    capacity=capacity([("p1", "m1", 7), ("p2", "m1", 9), ("p1", "m2", 20)]),
    load=load([("A", "m1", 1.0), ("B", "m1", 0.5), ("B", "m2", 0.5)]),
    pools=pools([("G", "p2"), ("G", "p3")]),
)
VALID = [("A", "p1", "direct", 3), ("A", "p2", "direct", 7), ("B", "p2", "G", 2),
         ("B", "p3", "G", 5)]


def test_the_hand_made_allocation_is_valid() -> None:
    assert check(BASE, assignments(VALID)) == []


@pytest.mark.parametrize(("rows", "words"), [
    ([("A", "p1", "direct", -1)], "not negative"),
    ([("A", "p4", "direct", 3)], "not an eligible candidate"),
    ([("C", "p1", "direct", 3)], "no such order"),
    ([("A", "p1", "direct", 2)], "fewer than the order's minimum 3"),
    ([("A", "p3", "direct", 5)], "more than its most 4"),
    ([("A", "p1", "direct", 5), ("A", "p2", "direct", 6)], "more than the 10 ordered"),
    ([("A", "p1", "direct", 3), ("A", "p2", "direct", 3), ("A", "p3", "direct", 3)],
     "3 producers, more than the 2 allowed"),
    ([("B", "p1", "direct", 3), ("B", "p2", "direct", 3)], "cannot be split but has 2"),
    ([("B", "p1", "direct", 3), ("B", "p2", "G", 3)], "cannot be split but has 2"),
    ([("B", "p1", "G", 3), ("B", "p2", "G", 3)], "not a member of it"),
    ([("B", "p1", "Z", 3)], "neither direct, adhoc nor a pool"),
    ([("B", "p3", "adhoc", 3)], "may not join one"),
    ([("A", "p1", "adhoc", 3)], "only for orders that cannot be split"),
    ([("A", "p1", "direct", 3), ("A", "p1", "direct", 3)], "more than one row"),
    ([("B", "p1", "adhoc", 2), ("B", "p2", "adhoc", 2), ("B", "p3", "adhoc", 2)],
     "ad-hoc pool of 3, more than the 2 allowed"),
    # p1 in m1: 6 (order A) + 5 * 0.5 (order B) = 8.5 > 7 free.
    ([("A", "p1", "direct", 6), ("B", "p1", "direct", 5)], "bucket m1: 8.5 units"),
])
def test_check_names_each_broken_rule(rows: list[tuple[str, str, str, int]],
                                      words: str) -> None:
    found = check(BASE, assignments(rows))
    assert any(words in message for message in found), found


def test_zero_unit_rows_are_not_work() -> None:
    rows = [*VALID, ("B", "p1", "direct", 0), ("A", "p9", "nowhere", 0)]
    assert check(BASE, assignments(rows)) == []
    assert objective_value(BASE, assignments(rows)) == objective_value(BASE, assignments(VALID))


def test_objective_follows_the_documented_formula() -> None:
    w = Weights(fill=100.0, cost=2.0, margin=3.0, small=4.0, fewest=0.5)
    problem = AllocationProblem(
        orders=(OrderSpec("A", 10, 0, 3, True, 0, 10.0), OrderSpec("B", 30, 0, 3, True, 0, 5.0)),
        candidates=pl.DataFrame({"order_id": ["A", "A", "B"], "producer_id": ["p", "q", "p"],
                                 "unit_cost": [4.0, 6.0, 3.0], "margin": [0.5, 0.0, 0.25],
                                 "small": [True, False, False], "max_units": [10, 10, 30],
                                 "adhoc_ok": [False] * 3}),
        weights=w)
    rows = assignments([("A", "p", "direct", 4), ("A", "q", "direct", 6), ("B", "p", "direct", 8)])
    quantity, value = 40, 10 * 10.0 + 30 * 5.0
    expected = (100.0 * 18 / quantity - 2.0 * (4 * 4.0 + 6 * 6.0 + 8 * 3.0) / value
                + 3.0 * (4 * 0.5 + 8 * 0.25) / quantity + 4.0 * 4 / quantity - 0.5 * 3 / 2)
    assert objective_value(problem, rows) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("solver", ["mip", "greedy"])
def test_base_allocations_keep_every_rule(solver: str) -> None:
    result = allocate(BASE, time_limit=5) if solver == "mip" else greedy_allocate(BASE)
    assert check(BASE, result.assignments) == []
    assert result.objective == pytest.approx(objective_value(BASE, result.assignments))
    assert result.filled["filled"].sum() == result.assignments["units"].sum() > 0


def test_mip_proves_its_optimum_on_the_base_case() -> None:
    result = allocate(BASE, time_limit=10)
    assert result.status == "optimal" and result.gap == 0.0
    assert result.bound == pytest.approx(result.objective)
    assert result.objective >= result.greedy_objective - 1e-9


def test_an_order_nobody_can_fill_comes_back_unfilled() -> None:
    orders = (*BASE.orders, OrderSpec("Z", 50, 60, 1, True, 0, 9.0))  # min above everyone's max
    problem = AllocationProblem(orders, BASE.candidates.vstack(cands([("Z", "p1", 1.0, 40, True)])),
                                BASE.capacity, BASE.load, BASE.pools)
    for result in (allocate(problem, time_limit=5), greedy_allocate(problem)):
        filled = dict(result.filled.select("order_id", "filled").iter_rows())
        assert filled["Z"] == 0 and filled["A"] > 0
        assert check(problem, result.assignments) == []


@pytest.mark.parametrize("case", ["no candidates", "no columns", "zero capacity", "no orders"])
def test_empty_looking_inputs_give_an_empty_allocation(case: str) -> None:
    problem = {
        "no candidates": AllocationProblem(BASE.orders, BASE.candidates.clear()),
        "no columns": AllocationProblem(BASE.orders, pl.DataFrame(), pl.DataFrame(),
                                        pl.DataFrame(), pl.DataFrame()),
        "zero capacity": AllocationProblem(
            BASE.orders, BASE.candidates,
            capacity([(p, b, 0) for p in ("p1", "p2", "p3") for b in ("m1", "m2")]),
            BASE.load),
        "no orders": AllocationProblem(()),
    }[case]
    for result in (allocate(problem, time_limit=5), greedy_allocate(problem)):
        assert result.assignments.height == 0
        assert result.filled["filled"].to_list() == [0] * len(problem.orders)
        assert result.objective == 0.0 and result.status == "optimal"


def test_a_producer_with_no_capacity_row_for_a_bucket_is_limited_only_by_max_units() -> None:
    problem = AllocationProblem((OrderSpec("A", 10, 0, 1, True, 0, 10.0),),
                                cands([("A", "p1", 1.0, 8, False)]), capacity([]),
                                load([("A", "m1", 1.0)]))
    assert allocate(problem).assignments["units"].to_list() == [8]


def test_capacity_binds_per_bucket_across_orders() -> None:
    # Two orders load bucket m1 by half each; p has 6 free there, so 12 units in all.
    orders = tuple(OrderSpec(o, 10, 0, 1, True, 0, 10.0) for o in ("A", "B"))
    problem = AllocationProblem(orders, cands([("A", "p", 1.0, 10, False),
                                               ("B", "p", 1.0, 10, False)]),
                                capacity([("p", "m1", 6), ("p", "m2", 100)]),
                                load([("A", "m1", 0.5), ("A", "m2", 0.5),
                                      ("B", "m1", 0.5), ("B", "m2", 0.5)]))
    for result in (allocate(problem), greedy_allocate(problem)):
        assert result.assignments["units"].sum() == 12
        assert check(problem, result.assignments) == []


def test_an_order_that_cannot_be_split_goes_to_a_pool_when_no_one_alone_can_fill_it() -> None:
    orders = (OrderSpec("A", 12, 2, 3, False, 0, 10.0),)
    problem = AllocationProblem(orders, cands([("A", p, 1.0, 5, False) for p in "pqrs"]),
                                pools=pools([("G", "p"), ("G", "q"), ("H", "r"), ("H", "s"),
                                             ("H", "p")]))
    result = allocate(problem)
    assert result.source == "mip"
    assert set(result.assignments["channel"]) == {"H"}
    assert result.assignments["units"].sum() == 12


def test_an_adhoc_pool_respects_its_size_and_adhoc_ok() -> None:
    orders = (OrderSpec("A", 12, 1, 5, False, 2, 10.0),)
    problem = AllocationProblem(orders, cands([("A", "p", 1.0, 5, True), ("A", "q", 1.0, 5, True),
                                               ("A", "r", 1.0, 5, False)]))
    result = allocate(problem)
    assert result.source == "mip"
    assert result.assignments.sort("producer_id").rows() == [("A", "p", "adhoc", 5),
                                                              ("A", "q", "adhoc", 5)]


@pytest.mark.parametrize(("problem", "words"), [
    (AllocationProblem((OrderSpec("A", 1, 0, 1, True, 0, 1.0),) * 2), "listed more than once"),
    (AllocationProblem((OrderSpec("A", -1, 0, 1, True, 0, 1.0),)), "quantity"),
    (AllocationProblem((OrderSpec("A", 1, 0, 0, True, 0, 1.0),)), "max_producers"),
    (AllocationProblem((OrderSpec("A", 1, 0, 1, True, 0, 1.0),),
                       cands([("B", "p", 1.0, 1, True)])), "not in the problem"),
    (AllocationProblem((OrderSpec("A", 1, 0, 1, True, 0, 1.0),),
                       cands([("A", "p", 1.0, 1, True)] * 2)), "listed more than once"),
    (AllocationProblem((OrderSpec("A", 1, 0, 1, True, 0, 1.0),),
                       cands([("A", "p", 1.0, 1, True)]).drop("max_units")), "max_units"),
    (AllocationProblem((), weights=Weights(cost=-1.0)), "weight cost"),
    (AllocationProblem((OrderSpec("A", 1, 0, 1, True, 0, 1.0),),
                       cands([("A", "p", float("nan"), 1, True)])), "column unit_cost"),
    (AllocationProblem((OrderSpec("A", 1, 0, 1, True, 0, 1.0),),
                       load=load([("A", "m1", 1.0)]).with_columns(pl.lit(None).alias("bucket"))),
     "missing or not-a-number value in the column bucket"),
])
def test_inputs_that_do_not_fit_raise_a_clear_error(problem: AllocationProblem,
                                                    words: str) -> None:
    with pytest.raises(AllocationInputError) as raised:
        allocate(problem)
    error = raised.value
    assert words in error.message.format(**error.params)  # the English template


def random_problem(seed: int, n_orders: int = 8, n_producers: int = 10) -> AllocationProblem:
    """A small random problem with pools, ad-hoc pools, buckets and tight capacity."""
    rng = np.random.default_rng(seed)
    orders = tuple(OrderSpec(f"o{i}", int(rng.integers(5, 40)), int(rng.integers(0, 8)),
                             int(rng.integers(1, 4)), bool(rng.random() < 0.5),
                             int(rng.integers(0, 4)), float(rng.uniform(5, 15)))
                   for i in range(n_orders))
    rows = [(o.order_id, f"p{j}", float(rng.uniform(3, 14)), int(rng.integers(1, 30)),
             bool(rng.random() < 0.6))
            for o in orders for j in range(n_producers) if rng.random() < 0.45]
    frame = cands(rows).with_columns(
        pl.Series("margin", rng.uniform(0, 1, len(rows))),
        pl.Series("small", rng.random(len(rows)) < 0.4))
    buckets = ["b0", "b1", "b2"]
    loads = []
    for o in orders:
        start = int(rng.integers(0, 2))
        share = rng.dirichlet(np.ones(2))
        loads += [(o.order_id, buckets[start + k], float(share[k])) for k in range(2)]
    caps = [(f"p{j}", b, int(rng.integers(0, 40))) for j in range(n_producers)
            for b in buckets if rng.random() < 0.8]
    members = [(f"g{g}", f"p{j}") for g in range(3)
               for j in rng.choice(n_producers, size=3, replace=False)]
    weights = Weights(fill=100.0, cost=float(rng.uniform(0, 20)), margin=float(rng.uniform(0, 5)),
                      small=float(rng.uniform(0, 5)), fewest=float(rng.uniform(0, 3)))
    return AllocationProblem(orders, frame, capacity(caps), load(loads), pools(members), weights)


# No shrinking: an example is a whole problem drawn from its seed, and each solve costs time.
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.integers(0, 2**32 - 1))
def test_mip_is_never_worse_than_greedy_and_both_keep_every_rule(seed: int) -> None:
    problem = random_problem(seed)
    greedy = greedy_allocate(problem)
    result = allocate(problem, time_limit=5)
    assert check(problem, greedy.assignments) == []
    assert check(problem, result.assignments) == []
    assert result.greedy_objective == pytest.approx(greedy.objective)
    assert result.objective >= greedy.objective - 1e-9
    assert result.source == "mip"  # the solver's own answer kept every rule
    assert result.bound >= result.objective - 1e-9
    assert greedy.bound >= result.objective - 1e-6  # the greedy's simple bound is a bound
    assert result.objective == pytest.approx(objective_value(problem, result.assignments))


@pytest.mark.parametrize("stopped", ["nothing found", "worse than greedy"])
def test_when_the_solver_stops_short_the_greedy_allocation_is_returned(
        monkeypatch: pytest.MonkeyPatch, stopped: str) -> None:
    import escalera.solve.allocation as allocation
    from escalera.solve.mip import LinearModel, MipResult, MipStatus

    def short(model: LinearModel, **_: object) -> MipResult:
        if stopped == "nothing found":
            return MipResult(MipStatus.NO_SOLUTION, None, 150.0, None, 0.1, None)
        return MipResult(MipStatus.TIME_LIMIT, 0.0, 150.0, 1.0, 0.1, np.zeros(model.num_cols))

    monkeypatch.setattr(allocation, "solve_mip", short)
    greedy = greedy_allocate(BASE)
    result = allocate(BASE, time_limit=1)
    assert (result.source, result.status) == ("greedy", "time_limit")
    assert result.objective == result.greedy_objective == greedy.objective > 0
    assert result.assignments.equals(greedy.assignments)
    # The bound is the tighter of the solver's and the greedy's simple one.
    assert result.bound == pytest.approx(min(150.0, greedy.bound))
    assert result.gap == pytest.approx((result.bound - result.objective) / result.objective)


def test_a_time_limit_must_be_positive() -> None:
    from escalera.solve.mip import SolverError

    with pytest.raises(SolverError):
        allocate(BASE, time_limit=0)
