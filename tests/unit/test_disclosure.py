"""The disclosure rules of ``analytics.confidentiality``, as properties on random groups:
what a published row shows never determines a member's value; complementary suppression
leaves no one-level marginal line with a single hidden cell, or hidden cells that are
small or one firm each; month-end readings of a group differ by none or at least k firms.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from escalera.analytics.benchmarks import Settle, benchmark
from escalera.analytics.confidentiality import (
    PERCENTILES,
    hidden_cells,
    percentile_min_group_size,
    publication_ranks,
    settle_since,
    settled_groups,
    snap,
)
from escalera.analytics.peer_groups import Window, firm_groups, window
from escalera.domain.measures import Direction

K = 5
LOW, HIGH = 0.0, 100.0
DAY = dt.date(2026, 5, 31)
PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def one_group(values: list[float], day: dt.date = DAY) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A registry of one peer group and one observation per firm."""
    ids = [f"F{i:04d}" for i in range(len(values))]
    registry = pl.DataFrame({
        "firm_id": ids, "state": ["Puebla"] * len(ids), "roles": [["contractor"]] * len(ids),
        "products": [["jeans"]] * len(ids),
        "employees": pl.Series([8] * len(ids), dtype=pl.Int64)})
    obs = pl.DataFrame({
        "firm_id": ids, "assessment_id": [f"A-{i}" for i in range(len(ids))],
        "observed_on": [day] * len(ids), "kind": ["metric"] * len(ids),
        "item": ["on_time"] * len(ids), "value": values},
        schema_overrides={"observed_on": pl.Date})
    return firm_groups(registry), obs


def published_row(values: list[float], k: int = K) -> dict[str, object] | None:
    groups, obs = one_group(values)
    result = benchmark(obs, groups, {"on_time": Direction.HIGHER}, ["region"],
                       Window("test", DAY - dt.timedelta(days=30), DAY), k,
                       bounds={"on_time": (LOW, HIGH)})
    rows = result.stats.to_dicts()
    return rows[0] if rows else None


def ranges(n: int, row: dict[str, object]) -> list[tuple[float, float]]:
    """For every rank of the group, the least and greatest value it can have given what the
    row shows: a linear programme over all sorted groups of n values in the metric's bounds
    that reproduce every published percentile (the attacker knows the rule)."""
    equations, targets = [], []
    for name, q in PERCENTILES.items():
        value = row[name]
        if value is None:
            continue
        ranks_low, ranks_high, weights = publication_ranks(np.array([n]), q)
        a, b, weight = int(ranks_low[0]), int(ranks_high[0]), float(weights[0])
        line = np.zeros(n)
        line[a] += 1 - weight
        line[b] += weight
        equations.append(line)
        targets.append(float(value))  # type: ignore[arg-type]
    order = np.zeros((max(n - 1, 0), n))
    for i in range(n - 1):
        order[i, i], order[i, i + 1] = 1.0, -1.0  # x_i <= x_{i+1}
    bounds = [(LOW, HIGH)] * n
    found = []
    for j in range(n):
        objective = np.zeros(n)
        objective[j] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            answer = linprog(sign * objective, A_ub=order if n > 1 else None,
                             b_ub=np.zeros(n - 1) if n > 1 else None,
                             A_eq=np.array(equations) if equations else None,
                             b_eq=np.array(targets) if targets else None, bounds=bounds,
                             method="highs")
            assert answer.status == 0, answer.message
            ends.append(sign * answer.fun)
        found.append((ends[0], ends[1]))
    return found


group_values = st.lists(
    st.one_of(st.integers(60, 100).map(float),
              st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2))),
    min_size=K, max_size=32)


@PROPERTY
@given(group_values)
def test_what_a_published_row_shows_never_determines_a_members_value(
        values: list[float]) -> None:
    row = published_row(values)
    assert row is not None and row["n"] == len(values)
    for low, high in ranges(len(values), row):
        assert high - low > 1e-6  # every rank can take more than one value


def test_the_reported_reconstruction_now_fails() -> None:
    """Five firms: the old figures gave all five values; now only the median is shown, the
    mean of the second and fourth values."""
    values = [62.0, 71.5, 80.0, 88.0, 93.5]
    row = published_row(values)
    assert row is not None
    assert row["median"] == pytest.approx((71.5 + 88.0) / 2)
    assert all(row[p] is None for p in ("p10", "p25", "p75", "p90"))
    assert min(high - low for low, high in ranges(5, row)) > 1.0


def test_a_whole_number_position_never_publishes_one_members_value() -> None:
    for n in range(3, 80):
        for q in PERCENTILES.values():
            low, high, weight = (a[0] for a in publication_ranks(np.array([n]), q))
            assert low < high and 0 < weight < 1, (n, q)
    threshold = percentile_min_group_size(K)
    for n in range(threshold, 200):
        ranks = [publication_ranks(np.array([n]), q)[:2] for q in PERCENTILES.values()]
        spans = [(int(a[0]), int(b[0])) for a, b in ranks]
        assert spans[0][0] >= 1 and spans[-1][1] <= n - 2  # the extremes are in no figure
        assert all(x[1] < y[0] for x, y in itertools.pairwise(spans))  # no rank shared


def test_ties_or_a_bound_withhold_the_spread() -> None:
    assert published_row([100.0] * 25)["p90"] is None  # type: ignore[index]
    assert published_row([100.0] * 25)["median"] is None  # type: ignore[index]
    spread = published_row([float(v) for v in range(60, 85)])
    assert spread is not None and spread["p10"] is not None and spread["best"] is not None


sizes_2d = st.lists(st.lists(st.integers(1, 12), min_size=2, max_size=5), min_size=2,
                    max_size=5).filter(lambda rows: len({len(r) for r in rows}) == 1)


def _table(rows: list[list[int]]) -> pl.DataFrame:
    return pl.DataFrame([(f"r{i}", f"c{j}", n) for i, row in enumerate(rows)
                         for j, n in enumerate(row)], orient="row",
                        schema={"region": pl.String, "product": pl.String, "n": pl.Int64})


@PROPERTY
@given(sizes_2d)
def test_complementary_suppression_closes_every_one_level_line(rows: list[list[int]]) -> None:
    table = _table(rows)
    hide = hidden_cells(table, K, ["region", "product"])
    assert not (table["n"].to_numpy()[~hide] < K).any()  # primary suppression
    for line_key in ("region", "product"):
        # The table one level coarser (by region, or by product), suppressed the same way:
        # a line whose total it hides cannot be subtracted from.
        totals = table.group_by(line_key).agg(pl.col("n").sum()).sort(line_key)
        published = set(totals.filter(~pl.Series(hidden_cells(totals, K, [line_key])))
                        [line_key].to_list())
        for (key,), cells in table.with_columns(pl.Series("hide", hide)).group_by(line_key):
            if key not in published:
                continue
            hidden = cells.filter("hide")["n"]
            # Subtracting the shown cells from the line's total leaves the sum of at least
            # two hidden cells, of at least k firms, and not one firm each unless every cell
            # of the line is hidden (there is nothing left to hide; the sizes then tell
            # only that each group has one firm).
            assert hidden.len() == 0 or (hidden.len() >= 2 and hidden.sum() >= K)
            assert (hidden.len() == 0 or hidden.sum() > hidden.len()
                    or hidden.len() == cells.height)


@PROPERTY
@given(st.lists(st.integers(1, 12), min_size=1, max_size=12))
def test_no_hidden_group_of_a_one_level_table_is_determined(sizes: list[int]) -> None:
    """By region: the population total minus the shown regions; the attacker knows which
    regions exist (the registry) and that each holds at least one firm."""
    table = pl.DataFrame({"region": [f"r{i}" for i in range(len(sizes))], "n": sizes})
    hide = hidden_cells(table, K, ["region"])
    hidden = np.array(sizes)[hide]
    # Under k the population total is not shown; when every group holds one firm there is
    # nothing left to hide (the total then says only that).
    if len(hidden) and sum(sizes) >= K and sum(sizes) > len(sizes):
        rest = int(hidden.sum())
        widest = rest - (len(hidden) - 1)  # one cell takes what the others leave
        assert widest > 1  # each hidden cell can hold 1 or more: not determined
        assert len(hidden) >= 2 and rest >= K


def _history(changes: list[int], stale: int | None) -> pl.DataFrame:
    """One group: in month m (from January 2025), ``changes[m]`` firms get a new value."""
    rows, firm = [], 0
    for month, count in enumerate(changes):
        day = dt.date(2025 + month // 12, month % 12 + 1, 10)
        for i in range(count):
            rows.append((f"F{(firm + i) % 9:02d}", "Puebla", day))
        firm += count
    return pl.DataFrame(rows, orient="row", schema={"firm_id": pl.String,
                                                     "region": pl.String,
                                                     "observed_on": pl.Date})


def _contributions(frame: pl.DataFrame, on: dt.date, stale: int | None) -> set[tuple[str, dt.date]]:
    """Ground truth: each firm's latest observation date counted at ``on``."""
    seen = frame.filter(pl.col("observed_on") <= on)
    if stale is not None:
        seen = seen.filter(pl.col("observed_on") >= on - dt.timedelta(days=stale))
    latest = seen.group_by("firm_id").agg(pl.col("observed_on").max())
    return set(latest.iter_rows())


@PROPERTY
@given(st.lists(st.integers(0, 6), min_size=2, max_size=18),
       st.sampled_from([None, 100, 200]))
def test_two_published_month_ends_differ_by_no_firm_or_by_k(changes: list[int],
                                                             stale: int | None) -> None:
    frame = _history(changes, stale)
    ends = [snap(dt.date(2025 + m // 12, m % 12 + 1, 28) + dt.timedelta(days=4))
            for m in range(len(changes) + 8)]
    def settled(end: dt.date) -> bool:
        latest = (frame.filter(pl.col("observed_on").is_between(settle_since(end, stale), end))
                  .group_by("firm_id", "region").agg(pl.col("observed_on").max()))
        return settled_groups(latest, ["region"], end, stale, K).height > 0

    shown = [end for end in ends  # settled, and k firms counted (primary suppression)
             if settled(end) and len(_contributions(frame, end, stale)) >= K]
    for a, b in itertools.combinations(shown, 2):
        before, after = _contributions(frame, a, stale), _contributions(frame, b, stale)
        firms = {f for f, _ in before ^ after}
        assert not firms or len(firms) >= K, (a, b, firms)


def test_readings_snap_to_month_ends() -> None:
    assert snap(dt.date(2026, 6, 1)) == dt.date(2026, 5, 31)
    assert snap(dt.date(2026, 5, 31)) == dt.date(2026, 5, 31)
    assert snap(dt.date(2026, 3, 15)) == dt.date(2026, 2, 28)
    latest = window("latest", snap(dt.date(2026, 6, 1)), 730)
    assert latest.end == dt.date(2026, 5, 31)


def test_a_group_one_firm_changed_in_is_not_shown_that_month() -> None:
    groups, obs = one_group([70.0 + i for i in range(25)], day=dt.date(2026, 3, 10))
    late = obs.head(1).with_columns(pl.lit(dt.date(2026, 4, 20)).alias("observed_on"),
                                    pl.lit("A-late").alias("assessment_id"),
                                    pl.lit(99.0).alias("value"))
    both = pl.concat([obs, late])

    def read(on: dt.date) -> int:
        win = window("latest", on, 730)
        return benchmark(both, groups, {"on_time": Direction.HIGHER}, ["region"], win, K,
                         settle=Settle(on, 730)).stats.height

    assert read(dt.date(2026, 3, 31)) == 1  # 25 firms came in in March
    assert read(dt.date(2026, 4, 30)) == 0  # only one firm changed in April
    assert read(dt.date(2026, 5, 31)) == 0  # nothing since: still April's change
