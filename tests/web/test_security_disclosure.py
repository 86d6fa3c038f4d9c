"""Attacks on the published peer benchmarks, automated against the API and the CLI on the
demo: each must find nothing (see ``docs/confidentiality.md``).

1. Reconstruction: a group of exactly k firms whose p10, p25, median, p75 and p90 are
   published gives all k values (NumPy's linear interpolation is invertible at n = 5).
2. Differencing in time: the same group read on ``on=D-1`` and ``on=D``, where D is the
   only day in the window on which a named firm was assessed, isolates that firm's value.
3. Differencing of groupings: a coarser table (the whole population, or a region) minus the
   shown rows of a finer one gives a suppressed group when it is the only one hidden in
   its line.

The attacker is a buyer (benchmarks only) who also knows the registry (public profiles:
each producer's state, main product and size band) and, for attack 2, is handed the exact
assessment dates of the firms attacked, the strongest case.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from escalera.analytics.confidentiality import percentile_min_group_size as quantile_min_group_size
from escalera.cli.main import app as cli
from escalera.config import Settings
from escalera.services.benchmarks import producer_groups
from escalera.store.evidence import observations_frame
from tests.web.conftest import TestClient, WebDemo

API = "/api/v1"
METRICS = ("on_time_delivery_pct", "defect_rate_pct")
GROUPINGS = ("", "region", "product", "size_band", "role", "region,size_band",
             "product,size_band", "region,product")
PERCENTILES = ("p10", "p25", "median", "p75", "p90")
ApiClient = Callable[[str], TestClient]


def get(api: TestClient, path: str, **params: Any) -> dict[str, Any]:
    answer = api.get(f"{API}{path}", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture()
def buyer(api_client: ApiClient) -> TestClient:
    return api_client("buyer")


@pytest.fixture()
def truth(web_app: Any) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """What the attacker does not have: every producer's groups and every observation."""
    with web_app.state.context.transaction() as session:
        yield producer_groups(session), observations_frame(session)


def reconstruct_five(row: dict[str, Any]) -> list[float] | None:
    """The five values behind a row of n = 5, read as NumPy's linear interpolation
    (positions 0.4, 1, 2, 3, 3.6); None when the row does not show all five percentiles."""
    if row["n"] != 5 or any(row.get(p) is None for p in PERCENTILES):
        return None
    x1, x2, x3 = row["p25"], row["median"], row["p75"]
    x0 = (row["p10"] - 0.4 * x1) / 0.6
    x4 = (row["p90"] - 0.4 * x3) / 0.6
    return [x0, x1, x2, x3, x4]


def test_no_group_of_k_firms_gives_its_values_back(buyer: TestClient, web_app: Any) -> None:
    settings: Settings = web_app.state.context.settings
    found = []
    for metric in METRICS:
        for by in GROUPINGS:
            for row in get(buyer, "/benchmarks", metric=metric, by=by)["rows"]:
                values = reconstruct_five(row)
                if values is not None and values == sorted(values):
                    found.append((metric, by, row))
                # No spread from fewer firms than documented, whatever n.
                if row["p10"] is not None and row["n"] < quantile_min_group_size(
                        settings.min_group_size):
                    found.append((metric, by, row))
    assert found == []


def _single_changers(observations: pl.DataFrame, groups: pl.DataFrame, metric: str,
                     limit: int) -> list[tuple[str, dt.date]]:
    """(firm, day) where the firm is the only producer with a value of ``metric`` on that
    day, latest days first: reading the population before and on that day changes one
    firm's contribution only."""
    days = (observations.filter(pl.col("kind") == "metric", pl.col("item") == metric)
            .join(groups.select("firm_id"), on="firm_id")
            .group_by("observed_on").agg(pl.col("firm_id").unique())
            .filter(pl.col("firm_id").list.len() == 1)
            .sort("observed_on", descending=True).head(limit))
    return [(ids[0], day) for day, ids in days.select("observed_on", "firm_id").iter_rows()]


def _month_end_before(day: dt.date) -> dt.date:
    return day.replace(day=1) - dt.timedelta(days=1)


def _row_of(table: dict[str, Any], keys: dict[str, str]) -> dict[str, Any] | None:
    return next((r for r in table["rows"] if all(r.get(k) == v for k, v in keys.items())),
                None)


def test_reading_a_group_the_day_before_and_on_a_firms_assessment_isolates_nothing(
        buyer: TestClient, truth: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    groups, observations = truth
    metric = METRICS[0]
    found = []
    pairs = _single_changers(observations, groups, metric, limit=4)
    assert len(pairs) == 4  # the demo has such days: the attack is really tried
    for firm, day in pairs:
        keys = groups.filter(pl.col("firm_id") == firm).row(0, named=True)
        # The day before and the day itself; the month ends around the day.
        month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) \
            - dt.timedelta(days=1)
        for before, after in ((day - dt.timedelta(days=1), day),
                              (_month_end_before(day), month_end)):
            for by in ("region",):
                key = {"region": keys["region"]}
                old = _row_of(get(buyer, "/benchmarks", metric=metric, by=by,
                                  on=before.isoformat()), key)
                new = _row_of(get(buyer, "/benchmarks", metric=metric, by=by,
                                  on=after.isoformat()), key)
                if old is None or new is None or old == new:
                    continue
                # Both rows shown and different: if only this firm changed between the two
                # readings, the difference is its value alone.
                changed = _changed_firms(observations, groups, metric, key, before, after)
                if changed <= {firm}:
                    found.append((firm, day, before, after, by))
    assert found == []


def _changed_firms(observations: pl.DataFrame, groups: pl.DataFrame, metric: str,
                   keys: dict[str, str], before: dt.date, after: dt.date) -> set[str]:
    """Firms of the group whose latest value of ``metric`` differs between the two
    readings (ground truth, ignoring the snapping of the dates)."""
    members = groups.filter(*[pl.col(k) == v for k, v in keys.items()]) if keys else groups
    mine = observations.filter(pl.col("kind") == "metric", pl.col("item") == metric,
                               pl.col("firm_id").is_in(members["firm_id"].implode()))
    return set(mine.filter(pl.col("observed_on").is_between(
        before + dt.timedelta(days=1), after))["firm_id"].to_list())


def _lines(fine: list[dict[str, Any]], cells: set[tuple[str, ...]], dims: list[str],
           free: int) -> dict[tuple[str, ...], tuple[int, list[tuple[str, ...]]]]:
    """Per line of the finer table along dimension ``free``: the n shown and the cells of
    the registry that are not shown."""
    shown = {tuple(r[d] for d in dims): r for r in fine}
    lines: dict[tuple[str, ...], tuple[int, list[tuple[str, ...]]]] = {}
    for cell in sorted(cells):
        line = cell[:free] + cell[free + 1:]
        total, missing = lines.get(line, (0, []))
        if cell in shown:
            total += shown[cell]["n"]
        else:
            missing = [*missing, cell]
        lines[line] = (total, missing)
    return lines


def _registry_cells(groups: pl.DataFrame, dims: list[str]) -> set[tuple[str, ...]]:
    return set(groups.select(dims).unique().iter_rows())


@pytest.mark.parametrize(("coarse", "fine"), [
    ("", "region"), ("region", "region,size_band"), ("product", "product,size_band")])
def test_a_coarser_table_minus_a_finer_one_gives_no_hidden_group(
        buyer: TestClient, truth: tuple[pl.DataFrame, pl.DataFrame], coarse: str,
        fine: str) -> None:
    groups, _ = truth
    fine_dims = fine.split(",")
    coarse_dims = coarse.split(",") if coarse else []
    free = next(i for i, d in enumerate(fine_dims) if d not in coarse_dims)
    cells = _registry_cells(groups, fine_dims)
    found = []
    for path, item in (("/benchmarks", {"metric": METRICS[0]}),
                       ("/benchmarks/practices", {"practice": "final_inspection"})):
        wide = get(buyer, path, by=coarse, **item)["rows"]
        narrow = get(buyer, path, by=fine, **item)
        for line, (shown_n, missing) in _lines(narrow["rows"], cells, fine_dims,
                                               free).items():
            total = _row_of({"rows": wide}, dict(zip(coarse_dims, line, strict=True)))
            if total is None or len(missing) != 1:
                continue
            derived = total["n"] - shown_n
            if derived > 0:  # the one hidden group's size (and, for practices, its shares)
                found.append((path, fine, missing[0], derived))
        if narrow["suppressed"]["groups"] == 1:
            found.append((path, fine, "suppressed count names the one hidden group",
                          narrow["suppressed"]["firms"]))
    assert found == []


def test_ladder_counts_by_region_or_product_do_not_give_a_hidden_group(
        web_app: Any, truth: tuple[pl.DataFrame, pl.DataFrame],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's ``ladder stats --json``: overall counts per level minus the groups shown."""
    settings: Settings = web_app.state.context.settings
    monkeypatch.setenv("ESCALERA_DATABASE_URL", settings.database_url)
    printed = CliRunner().invoke(cli, ["ladder", "stats", "--json"])
    assert printed.exit_code == 0, printed.output
    stats = json.loads(printed.output)
    groups, _ = truth
    found = []
    for name, column in (("region", "region"), ("product", "product")):
        cells = set(groups.get_column(column).unique().to_list())
        shown = stats["by_group"][name]
        missing = cells - set(shown)
        if len(missing) != 1:
            continue
        for ladder, overall in stats["ladders"].items():
            rest: Counter[str] = Counter()
            for counts in shown.values():
                rest.update(counts[ladder]["levels"])
            derived = {lv: overall["levels"][lv] - rest[lv] for lv in overall["levels"]}
            if any(derived.values()):
                found.append((name, missing, ladder, derived))
    assert found == []


def test_the_cli_publishes_what_the_api_does(web_app: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """``escalera bench --json``: no group of k firms with its five percentiles."""
    settings: Settings = web_app.state.context.settings
    monkeypatch.setenv("ESCALERA_DATABASE_URL", settings.database_url)
    found = []
    for by in ("region,size_band", "product,size_band", "region,product"):
        printed = CliRunner().invoke(cli, ["bench", "--metric", METRICS[0], "--by", by,
                                           "--json"])
        assert printed.exit_code == 0, printed.output
        for row in json.loads(printed.output)["rows"]:
            values = reconstruct_five(row)
            if values is not None and values == sorted(values):
                found.append((by, row))
    assert found == []


def test_a_firms_assessment_dates_are_not_shown_to_those_who_may_not_see_its_values(
        api_client: ApiClient, web_demo: WebDemo) -> None:
    def dates(role: str) -> set[str]:
        body = get(api_client(role), f"/firms/{web_demo.firm_id}")
        return {req["observed_on"] for ladder in body["evaluation"]["ladders"]
                for level in ladder["levels"] for req in level["requirements"]
                if req.get("observed_on")} | {
                    req["observed_on"] for ladder in body["evaluation"]["ladders"]
                    for req in ladder["gap"] if req.get("observed_on")}

    assert dates("producer")  # the firm itself sees them
    assert dates("buyer") == set() and dates("producer_other") == set()
