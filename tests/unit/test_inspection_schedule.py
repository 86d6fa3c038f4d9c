"""The random inspection schedule: risk weights by the documented formula, a seeded weighted
draw without replacement that repeats with its seed, and discontinued streams never drawn."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import polars as pl
import pytest

from escalera.domain.inspection_schedule import CANDIDATE_SCHEMA, draw, weigh

ON = dt.date(2026, 11, 20)
FACTOR = {"tightened": 3.0, "normal": 1.0, "reduced": 0.5}


def frame(rows: list[tuple[str, str, str, int, dt.date | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CANDIDATE_SCHEMA, orient="row")


def expected_weight(severity: str, not_accepted: int, last: dt.date | None) -> float:
    """The module's formula, written out: factor x (1 + not accepted) x (1 + days / 90),
    days capped at 365 and a never-inspected stream counted as 365."""
    days = 365 if last is None else min(max((ON - last).days, 0), 365)
    return FACTOR[severity] * (1 + not_accepted) * (1 + days / 90)


ROWS = [
    ("F-A", "jeans", "tightened", 2, ON - dt.timedelta(days=30)),
    ("F-B", "jeans", "normal", 0, None),
    ("F-C", "shirts", "reduced", 0, ON - dt.timedelta(days=400)),
    ("F-D", "jeans", "discontinued", 5, ON - dt.timedelta(days=3)),
    ("F-E", "uniforms", "normal", 1, ON + dt.timedelta(days=5)),  # dated after the plan
    ("F-A", "shirts", "normal", 0, ON - dt.timedelta(days=90)),
    ("F-F", "jeans", "normal", 0, ON - dt.timedelta(days=7)),
]


def test_weights_follow_the_documented_formula() -> None:
    weighed = weigh(frame(ROWS), ON)
    got = {(r["firm_id"], r["product"]): r["weight"] for r in weighed.iter_rows(named=True)}
    want = {(f, p): expected_weight(s, n, last) for f, p, s, n, last in ROWS
            if s != "discontinued"}
    assert got.keys() == want.keys()
    for key, weight in want.items():
        assert got[key] == pytest.approx(weight), key
    days = dict(zip(zip(weighed["firm_id"], weighed["product"], strict=True),
                    weighed["days_since"], strict=True))
    assert days[("F-B", "jeans")] == 365 and days[("F-C", "shirts")] == 365
    assert days[("F-E", "uniforms")] == 0


@pytest.mark.parametrize(("severity", "ratio"), [("tightened", 3.0), ("reduced", 0.5)])
def test_severity_factor_against_normal(severity: str, ratio: float) -> None:
    last = ON - dt.timedelta(days=45)
    weighed = weigh(frame([("F-1", "jeans", "normal", 1, last),
                           ("F-2", "jeans", severity, 1, last)]), ON).sort("firm_id")
    normal, other = weighed["weight"].to_list()
    assert other == pytest.approx(ratio * normal)


def test_more_rejections_and_longer_absence_weigh_more() -> None:
    base = ("F-1", "jeans", "normal", 0, ON - dt.timedelta(days=10))
    weighed = weigh(frame([base, ("F-2", "jeans", "normal", 1, base[4]),
                           ("F-3", "jeans", "normal", 0, ON - dt.timedelta(days=100))]),
                    ON).sort("firm_id")
    w1, w2, w3 = weighed["weight"].to_list()
    assert w2 == pytest.approx(2 * w1) and w3 > w1


def test_same_seed_and_data_give_the_same_picks_whatever_the_row_order() -> None:
    first = draw(frame(ROWS), ON, 4, seed=11)
    assert first.equals(draw(frame(ROWS), ON, 4, seed=11))
    assert first.equals(draw(frame(list(reversed(ROWS))), ON, 4, seed=11))


def test_different_seeds_usually_give_different_orders() -> None:
    orders = set()
    for seed in range(20):
        picked = draw(frame(ROWS), ON, 6, seed=seed)
        orders.add(tuple(zip(picked["firm_id"], picked["product"], strict=True)))
    assert len(orders) >= 5


def test_discontinued_streams_are_never_drawn() -> None:
    for seed in range(50):
        picked = draw(frame(ROWS), ON, 100, seed=seed)
        assert "discontinued" not in picked["severity"].to_list()
        assert picked.height == len(ROWS) - 1  # a count above the candidates returns all


def test_count_larger_than_candidates_returns_all_with_their_share() -> None:
    picked = draw(frame(ROWS), ON, 50, seed=3)
    live = [(f, p) for f, p, s, _n, _l in ROWS if s != "discontinued"]
    assert sorted(zip(picked["firm_id"], picked["product"], strict=True)) == sorted(live)
    total = sum(expected_weight(s, n, last) for _f, _p, s, n, last in ROWS
                if s != "discontinued")
    for row in picked.iter_rows(named=True):
        assert row["share"] == pytest.approx(row["weight"] / total)
    assert sum(picked["share"]) == pytest.approx(1.0)


def test_nothing_to_draw() -> None:
    assert draw(frame(ROWS), ON, 0, seed=1).is_empty()
    assert draw(frame([]), ON, 5, seed=1).is_empty()
    only_discontinued = [r for r in ROWS if r[2] == "discontinued"]
    assert draw(frame(only_discontinued), ON, 5, seed=1).is_empty()


def test_a_stream_four_times_heavier_comes_first_about_four_times_as_often() -> None:
    last = ON - dt.timedelta(days=60)
    rows: list[tuple[str, str, str, int, dt.date | None]] = [
        (f"F-{i}", "jeans", "normal", 3 if i == 0 else 0, last) for i in range(5)]
    weighed = weigh(frame(rows), ON).sort("firm_id")
    assert weighed["weight"][0] == pytest.approx(4 * weighed["weight"][1])
    seeds = range(1000)  # fixed seeds: the counts are the same on every run
    candidates = frame(rows)
    first = Counter(draw(candidates, ON, 1, seed=s)["firm_id"][0] for s in seeds)
    heavy = first["F-0"]
    others = [first[f"F-{i}"] for i in range(1, 5)]
    # expected: heavy 4/8 of the draws, each other 1/8
    assert 0.45 < heavy / len(seeds) < 0.55
    assert all(0.09 < n / len(seeds) < 0.16 for n in others)
    assert 3.2 < heavy / (sum(others) / 4) < 4.8
