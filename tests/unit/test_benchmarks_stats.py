"""Benchmark statistics against a straightforward NumPy reference on random data (with
disclosure control switched off, k = 1: the percentiles as published, every group shown)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from escalera.analytics.benchmarks import (
    benchmark,
    latest_values,
    practice_benchmark,
    share_column,
)
from escalera.analytics.confidentiality import suppress
from escalera.analytics.peer_groups import (
    Window,
    firm_groups,
    parse_dimensions,
    quarter_bounds,
    quarter_of,
    window,
)
from escalera.domain.measures import Direction

START = dt.date(2025, 1, 1)
DIRECTIONS = {"on_time": Direction.HIGHER, "defects": Direction.LOWER}
STATES = ["Puebla", "Jalisco", "Yucatán", "Guanajuato"]
PRODUCTS = ["jeans", "camisas", "uniformes"]


def random_network(seed: int, firms: int = 400) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Firms (some groups small) and several dated observations of two metrics and a
    practice per firm, with ties and repeated values."""
    rng = np.random.default_rng(seed)
    ids = [f"F{i:05d}" for i in range(firms)]
    state_p = np.array([0.5, 0.3, 0.15, 0.05])
    registry = pl.DataFrame({
        "firm_id": ids,
        "state": rng.choice(STATES, firms, p=state_p),
        "roles": [["contractor"]] * firms,
        "products": [[p] if p else [] for p in rng.choice([*PRODUCTS, ""], firms)],
        "employees": pl.Series([None if e < 0 else int(e)
                                for e in rng.integers(-5, 400, firms)], dtype=pl.Int64),
    })
    rows = []
    for i, fid in enumerate(ids):
        for visit in range(int(rng.integers(1, 4))):
            day = START + dt.timedelta(days=int(rng.integers(0, 540)))
            aid = f"A-{i}-{visit}"
            rows.append((fid, aid, day, "metric", "on_time",
                         float(rng.integers(60, 101))))  # integers: many ties
            rows.append((fid, aid, day, "metric", "defects", float(rng.gamma(2.0, 2.0))))
            rows.append((fid, aid, day, "practice", "final_inspection",
                         float(rng.integers(0, 4))))
    obs = pl.DataFrame(rows, orient="row", schema={
        "firm_id": pl.String, "assessment_id": pl.String, "observed_on": pl.Date,
        "kind": pl.String, "item": pl.String, "value": pl.Float64})
    return registry, obs


def published_percentile(values: np.ndarray, q: float) -> float:
    """The percentile as published, in plain Python: NumPy's linear interpolation, except
    that a whole-number position (one member's value) gives the mean of its neighbours."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    if position == int(position) and 1 <= position <= len(ordered) - 2:
        h = int(position)
        return (ordered[h - 1] + ordered[h + 1]) / 2
    return float(np.percentile(ordered, 100 * q))


def reference_latest(obs: pl.DataFrame, kind: str, start: dt.date,
                     end: dt.date) -> dict[tuple[str, str], float]:
    """Plain Python: each firm's latest value per item in the window."""
    best: dict[tuple[str, str], tuple[dt.date, str, float]] = {}
    for fid, aid, day, k, item, value in obs.iter_rows():
        if k != kind or not start <= day <= end:
            continue
        key = (fid, item)
        if key not in best or (day, aid) > best[key][:2]:
            best[key] = (day, aid, value)
    return {key: v[2] for key, v in best.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("by", ["region", "region,product", "size_band", "", "role,size_band"])
def test_metric_statistics_match_numpy(seed: int, by: str) -> None:
    registry, obs = random_network(seed)
    dims = parse_dimensions(by)
    groups = firm_groups(registry)
    win = Window("test", dt.date(2025, 3, 1), dt.date(2026, 3, 1))
    result = benchmark(obs, groups, DIRECTIONS, dims, win, min_group_size=1)

    latest = reference_latest(obs, "metric", win.start, win.end)
    keys = {r["firm_id"]: r for r in groups.iter_rows(named=True)}
    per_group: dict[tuple[object, ...], list[float]] = {}
    for (fid, item), value in latest.items():
        per_group.setdefault((*[keys[fid][d] for d in dims], item), []).append(value)
    assert result.stats.height == len(per_group)
    for row in result.stats.iter_rows(named=True):
        values = np.array(per_group[(*[row[d] for d in dims], row["item"])])
        assert row["n"] == len(values)
        for name, q in (("p10", .1), ("p25", .25), ("median", .5), ("p75", .75), ("p90", .9)):
            assert row[name] == pytest.approx(published_percentile(values, q), abs=1e-9)
        higher = DIRECTIONS[row["item"]] is Direction.HIGHER
        best = published_percentile(values, .9 if higher else .1)
        median = published_percentile(values, .5)
        assert row["best"] == pytest.approx(best)
        assert row["prevailing"] == pytest.approx(median)
        assert row["gap"] == pytest.approx(best - median if higher else median - best)
        assert row["gap"] >= 0

    # Percentile ranks: share of the other firms in the group a firm equals or beats.
    for row in result.positions.iter_rows(named=True):
        values = np.array(per_group[(*[row[d] for d in dims], row["item"])])
        v = latest[(row["firm_id"], row["item"])]
        assert row["value"] == v
        higher = DIRECTIONS[row["item"]] is Direction.HIGHER
        no_better = np.sum(values <= v) if higher else np.sum(values >= v)
        expected = None if len(values) == 1 else 100.0 * (no_better - 1) / (len(values) - 1)
        assert row["percentile_rank"] == pytest.approx(expected)
    assert result.positions.height == len(latest)


@pytest.mark.parametrize("seed", [4, 5])
def test_practice_shares_match_a_count(seed: int) -> None:
    registry, obs = random_network(seed)
    win = Window("test", START, dt.date(2027, 1, 1))
    table, hidden = practice_benchmark(obs, firm_groups(registry), ["final_inspection"],
                                       ["region"], win, min_group_size=1)
    latest = reference_latest(obs, "practice", win.start, win.end)
    state = dict(registry.select("firm_id", "state").iter_rows())
    for row in table.iter_rows(named=True):
        values = np.array([v for (f, _i), v in latest.items() if state[f] == row["region"]])
        assert row["n"] == len(values)
        for m in range(4):
            assert row[share_column(m)] == pytest.approx(np.mean(values == m))
        assert sum(row[share_column(m)] for m in range(4)) == pytest.approx(1.0)
        assert row["median"] == pytest.approx(np.median(values))
    assert hidden.groups == 0


def test_per_period_values_take_the_latest_in_each_quarter() -> None:
    _registry, obs = random_network(7, firms=60)
    values = latest_values(obs, "metric", ["on_time"], Window("all", START, dt.date(2027, 1, 1)),
                           per_period=True)
    for row in values.sample(30, seed=1).iter_rows(named=True):
        start, end = quarter_bounds(row["period"])
        expected = reference_latest(obs.filter(pl.col("firm_id") == row["firm_id"]), "metric",
                                    start, end)[(row["firm_id"], "on_time")]
        assert row["value"] == expected


def test_small_groups_never_leave_the_benchmark() -> None:
    registry, obs = random_network(11)
    groups = firm_groups(registry)
    win = Window("test", START, dt.date(2027, 1, 1))
    for k in (3, 5, 20, 60):
        result = benchmark(obs, groups, DIRECTIONS, ["region", "product"], win, k)
        assert result.stats.height > 0 or k == 60  # 60: every group is too small
        assert (result.stats["n"] >= k).all()
        assert (result.positions["n"] >= k).all()
        everything = benchmark(obs, groups, DIRECTIONS, ["region", "product"], win, 1)
        small = everything.stats.filter(pl.col("n") < k)
        # Every small group is hidden, and complementary cells with them.
        assert result.hidden.groups >= small.height
        assert result.hidden.firms >= small["n"].sum()
        assert result.hidden.groups + result.stats.height == everything.stats.height
        shown = set(result.stats.select("region", "product", "item").iter_rows())
        assert not shown & set(small.select("region", "product", "item").iter_rows())
        # No firm of a suppressed group gets a rank.
        ranked = set(result.positions.select("firm_id", "item").iter_rows())
        for row in everything.positions.filter(pl.col("n") < k).iter_rows(named=True):
            assert (row["firm_id"], row["item"]) not in ranked


def test_suppress_refuses_nonsense_and_drops_unknown_sizes() -> None:
    frame = pl.DataFrame({"g": ["a", "b", "c"], "n": [5, 4, None]})
    shown, hidden = suppress(frame, 5)
    assert shown["g"].to_list() == ["a"]
    assert (hidden.groups, hidden.firms) == (2, 4)
    with pytest.raises(ValueError):
        suppress(frame, 0)


def test_size_bands_follow_inegi() -> None:
    registry = pl.DataFrame({
        "firm_id": [str(i) for i in range(9)], "state": ["X"] * 9, "roles": [[]] * 9,
        "products": [[]] * 9,
        "employees": pl.Series([0, 10, 11, 50, 51, 250, 251, 9000, None], dtype=pl.Int64)})
    bands = firm_groups(registry)["size_band"].to_list()
    assert bands == ["micro", "micro", "small", "small", "medium", "medium", "large", "large",
                     "unknown"]
    assert firm_groups(registry)["product"].to_list() == [""] * 9


def test_quarters_and_windows() -> None:
    assert quarter_of(dt.date(2026, 9, 30)) == "2026Q3"
    assert quarter_bounds("2026q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert quarter_bounds("2026Q1") == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    latest = window("latest", dt.date(2026, 6, 1), 730)
    assert (latest.start, latest.end) == (dt.date(2024, 6, 1), dt.date(2026, 6, 1))
    with pytest.raises(ValueError, match="2026Q5"):
        window("2026Q5", dt.date(2026, 6, 1), 730)
    with pytest.raises(ValueError, match="colour"):
        parse_dimensions("region,colour")
    with pytest.raises(ValueError):
        parse_dimensions("region,region")


def test_no_observations_give_empty_tables() -> None:
    registry, obs = random_network(1, firms=10)
    empty = obs.clear()
    result = benchmark(empty, firm_groups(registry), DIRECTIONS, ["region"],
                       Window("x", START, START), 5)
    assert result.stats.is_empty() and result.positions.is_empty()
    assert "p90" in result.stats.columns


def test_same_day_ties_go_to_the_larger_assessment_id() -> None:
    registry = pl.DataFrame({
        "firm_id": [f"F{i}" for i in range(5)], "state": ["Puebla"] * 5,
        "roles": [["contractor"]] * 5, "products": [["jeans"]] * 5,
        "employees": pl.Series([5] * 5, dtype=pl.Int64)})
    day = dt.date(2026, 1, 10)
    rows = [(f"F{i}", f"A-{i}", day, "metric", "on_time", 80.0 + i) for i in range(5)]
    rows += [("F0", "A-9", day, "metric", "on_time", 99.0),   # same day, larger id: wins
             ("F1", "A-0", day, "metric", "on_time", 10.0)]   # same day, smaller id: loses
    obs = pl.DataFrame(rows, orient="row", schema={
        "firm_id": pl.String, "assessment_id": pl.String, "observed_on": pl.Date,
        "kind": pl.String, "item": pl.String, "value": pl.Float64})
    result = benchmark(obs, firm_groups(registry), {"on_time": Direction.HIGHER}, [],
                       Window("x", day, day), 5)
    values = dict(result.positions.select("firm_id", "value").iter_rows())
    assert values == {"F0": 99.0, "F1": 81.0, "F2": 82.0, "F3": 83.0, "F4": 84.0}
    assert result.stats["n"].to_list() == [5]
