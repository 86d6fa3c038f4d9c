"""Benchmarks, a firm's position, transitions and trends over stored firms (SQLite and
PostgreSQL), checked against hand computations; small groups never appear."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy.orm import Session
from tests.integration.test_ladder_stats import Values, bad_values, level_values, top_values

from escalera.analytics.peer_groups import InvalidQuery
from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.errors import UnknownReference
from escalera.services import benchmarks as service
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms

M, P = ItemKind.METRIC, ItemKind.PRACTICE
ON = dt.date(2026, 6, 1)
PUEBLA_ON_TIME = [81.0, 84.0, 88.0, 88.0, 95.0, 99.0]
PUEBLA_DEFECTS = [1.0, 2.5, 3.0, 4.0, 6.0, 9.0]
PUEBLA_MATURITY = [0.0, 1.0, 1.0, 2.0, 3.0, 3.0]


def make_firm(n: int, state: str, products: tuple[str, ...], employees: int | None,
              roles: tuple[Role, ...] = (Role.CONTRACTOR,)) -> Firm:
    return Firm(id=firm_id_from_int(n), name=f"Taller {n}", roles=roles, state=state,
                products=products, employees=employees, monthly_capacity=1000)


def seed_metrics(session: Session) -> dict[str, str]:
    """Six Puebla jeans workshops (micro), two in Yucatán, five shirt makers in Jalisco (the
    smallest group that can hide alongside Yucatán), one buyer in Puebla."""
    firms = [make_firm(200 + i, "Puebla", ("jeans",), 8) for i in range(6)]
    firms += [make_firm(210 + i, "Yucatán", ("guayaberas",), 30) for i in range(2)]
    firms += [make_firm(230 + i, "Jalisco", ("camisas",), 30) for i in range(5)]
    firms.append(make_firm(220, "Puebla", ("jeans",), 8, roles=(Role.RETAILER,)))
    insert_firms(session, firms)
    for i in range(6):
        fid = firm_id_from_int(200 + i)
        # An older visit with other values: only the latest counts.
        insert_assessment(session, public_id=f"B-old-{i}", firm_id=fid, stage=Stage.DIAGNOSTIC,
                          assessed_on=ON - dt.timedelta(days=200), assessor="x",
                          values={(M, "on_time_delivery_pct"): 50.0})
        insert_assessment(session, public_id=f"B-{i}", firm_id=fid, stage=Stage.DIAGNOSTIC,
                          assessed_on=ON - dt.timedelta(days=20), assessor="x", values={
                              (M, "on_time_delivery_pct"): PUEBLA_ON_TIME[i],
                              (M, "defect_rate_pct"): PUEBLA_DEFECTS[i],
                              (P, "final_inspection"): PUEBLA_MATURITY[i]})
    for i in range(2):
        insert_assessment(session, public_id=f"Y-{i}", firm_id=firm_id_from_int(210 + i),
                          stage=Stage.DIAGNOSTIC, assessed_on=ON - dt.timedelta(days=20),
                          assessor="x", values={(M, "on_time_delivery_pct"): 70.0 + i,
                                                (P, "final_inspection"): 2.0})
    for i in range(5):
        insert_assessment(session, public_id=f"J-{i}", firm_id=firm_id_from_int(230 + i),
                          stage=Stage.DIAGNOSTIC, assessed_on=ON - dt.timedelta(days=20),
                          assessor="x", values={(M, "on_time_delivery_pct"): 75.0 + i,
                                                (P, "final_inspection"): 1.0})
    insert_assessment(session, public_id="R-0", firm_id=firm_id_from_int(220),
                      stage=Stage.DIAGNOSTIC, assessed_on=ON - dt.timedelta(days=20),
                      assessor="x", values={(M, "on_time_delivery_pct"): 1.0})
    return {"puebla": firm_id_from_int(200), "yucatan": firm_id_from_int(210),
            "buyer": firm_id_from_int(220)}


def test_metric_table_matches_numpy_and_hides_small_groups(session: Session,
                                                           catalog: Catalog) -> None:
    seed_metrics(session)
    table = service.metric_table(session, catalog, "on_time_delivery_pct", "region",
                                 "latest", ON, 730, 5)
    # Yucatán (2 firms) is hidden, and Jalisco with it: otherwise the population minus
    # Puebla and Jalisco would be Yucatán.
    assert [r["region"] for r in table["rows"]] == ["Puebla"]
    row = table["rows"][0]
    values = np.array(PUEBLA_ON_TIME)  # the buyer is not a producer; old visits superseded
    assert row["n"] == 6
    # Six firms: the median only (the mean of the two middle values); the other
    # percentiles need 20 firms.
    assert row["median"] == pytest.approx(np.median(values))
    assert all(row[name] is None for name in ("p10", "p25", "p75", "p90", "best", "gap"))
    assert row["prevailing"] == row["median"]
    assert table["suppressed"] == {"groups": 2, "firms": 7}
    assert table["on"] == "2026-05-31"  # read at the last month end
    defects = service.metric_table(session, catalog, "defect_rate_pct", "region,product",
                                   "latest", ON, 730, 5)["rows"][0]
    assert defects["median"] == pytest.approx(np.median(PUEBLA_DEFECTS))
    # A quarter: the old visit's quarter holds only the 50s (the median of six, all 50).
    quarter = service.metric_table(session, catalog, "on_time_delivery_pct", "size_band",
                                   "2025Q4", ON, 730, 5)
    assert quarter["rows"][0]["median"] == 50.0 and quarter["rows"][0]["size_band"] == "micro"
    with pytest.raises(InvalidQuery):  # a quarter is published once it is over
        service.metric_table(session, catalog, "on_time_delivery_pct", "size_band",
                             "2026Q2", ON, 730, 5)
    with pytest.raises(UnknownReference):
        service.metric_table(session, catalog, "colour", "region", "latest", ON)


def test_practice_shares(session: Session, catalog: Catalog) -> None:
    seed_metrics(session)
    table = service.practice_table(session, catalog, "final_inspection", "region", "latest",
                                   ON, 730, 5)
    assert [r["region"] for r in table["rows"]] == ["Puebla"]
    row = table["rows"][0]
    # Six firms: shares need 20 (they would list every member's maturity); the median
    # maturity is the mean of the two middle ones.
    assert [row[f"share_{m}"] for m in range(4)] == [None] * 4
    assert row["median"] == pytest.approx(1.5) and row["n"] == 6
    assert table["suppressed"] == {"groups": 2, "firms": 7}
    everything = service.practice_table(session, catalog, "final_inspection", "region",
                                        "latest", ON, 730, 1)
    puebla = next(r for r in everything["rows"] if r["region"] == "Puebla")
    assert [puebla[f"share_{m}"] for m in range(4)] == pytest.approx(
        [1 / 6, 2 / 6, 1 / 6, 2 / 6])


def test_firm_benchmark_ranks_and_suppresses(session: Session, catalog: Catalog) -> None:
    ids = seed_metrics(session)
    puebla = service.firm_benchmark(session, catalog, ids["puebla"], ON)
    assert puebla["peer_group"] == {"region": "Puebla", "product": "jeans",
                                    "size_band": "micro"}
    on_time = {m["metric"]: m for m in puebla["metrics"]}["on_time_delivery_pct"]
    assert on_time["status"] == "ranked" and on_time["value"] == 81.0
    assert on_time["percentile_rank"] == 0.0  # the lowest on-time share of six
    assert on_time["group"]["n"] == 6
    defects = {m["metric"]: m for m in puebla["metrics"]}["defect_rate_pct"]
    assert defects["percentile_rank"] == 100.0  # fewest defects: beats all five others
    unmeasured = {m["metric"]: m for m in puebla["metrics"]}["wip_days"]
    assert unmeasured["status"] == "no_value" and unmeasured["group"] is None
    # A firm in a group under k gets its own value but no rank and no statistics.
    yucatan = service.firm_benchmark(session, catalog, ids["yucatan"], ON)
    mine = {m["metric"]: m for m in yucatan["metrics"]}["on_time_delivery_pct"]
    assert mine == {**mine, "status": "suppressed", "percentile_rank": None, "group": None,
                    "value": 70.0}
    assert all(m["percentile_rank"] is None for m in yucatan["metrics"])
    # With k = 3 nothing changes for Yucatán (two firms); a buyer has no peer group.
    assert all(m["group"] is None for m in service.firm_benchmark(
        session, catalog, ids["yucatan"], ON, min_group_size=3)["metrics"])
    buyer = service.firm_benchmark(session, catalog, ids["buyer"], ON)
    assert buyer["peer_group"] is None
    assert {m["status"] for m in buyer["metrics"]} == {"no_value"}


def seed_history(session: Session, catalog: Catalog) -> None:
    """Six Puebla firms climb: below the first level in January 2025, tier 3 in April,
    five of them tier 1 (tier 2 on the way) in October. Two Yucatán firms and five in
    Jalisco stay below (Jalisco: the complementary group hidden with Yucatán)."""
    insert_firms(session, [make_firm(300 + i, "Puebla", ("jeans",), 8) for i in range(6)]
                 + [make_firm(310 + i, "Yucatán", ("guayaberas",), 8) for i in range(2)]
                 + [make_firm(320 + i, "Jalisco", ("camisas",), 8) for i in range(5)])
    visits: list[tuple[int, dt.date, Values]] = []
    for i in range(6):
        visits += [(300 + i, dt.date(2025, 1, 15), bad_values(catalog)),
                   (300 + i, dt.date(2025, 4, 15), level_values(catalog, "buyer_tiers",
                                                                "tier_3"))]
        if i < 5:
            visits.append((300 + i, dt.date(2025, 10, 15), top_values(catalog)))
    visits += [(310 + i, dt.date(2025, 1, 20), bad_values(catalog)) for i in range(2)]
    visits += [(320 + i, dt.date(2025, 1, 20), bad_values(catalog)) for i in range(5)]
    for n, (firm, day, values) in enumerate(visits):
        insert_assessment(session, public_id=f"H-{n}", firm_id=firm_id_from_int(firm),
                          stage=Stage.DIAGNOSTIC, assessed_on=day, assessor="x",
                          values=values)


def test_transitions_and_months_to_climb(session: Session, catalog: Catalog) -> None:
    seed_history(session, catalog)
    result = service.transitions(session, catalog, "buyer_tiers", dt.date(2025, 2, 1),
                                 dt.date(2025, 11, 1), "", 730, 5)
    cells = {(r["from"], r["to"]): (r["firms"], r["share"]) for r in result["rows"]}
    assert cells == {("below_first_level", "below_first_level"): (7, 7 / 13),
                     ("below_first_level", "tier_3"): (1, 1 / 13),
                     ("below_first_level", "tier_1"): (5, 5 / 13)}
    climbs = {(r["from"], r["to"]): (r["n"], r["median_months"]) for r in result["climb"]}
    assert climbs == {("below_first_level", "tier_3"): (6, 3.0), ("tier_3", "tier_2"): (5, 6.0)}
    # By region: Yucatán (two firms) is left out of the matrix, and Jalisco with it (or
    # the overall matrix minus Puebla's and Jalisco's would be Yucatán's).
    by_region = service.transitions(session, catalog, "buyer_tiers", dt.date(2025, 2, 1),
                                    dt.date(2025, 11, 1), "region", 730, 5)
    assert {r["region"] for r in by_region["rows"]} == {"Puebla"}
    assert by_region["suppressed"] == {"groups": 2, "firms": 7}
    # k = 6: the step climbed by five firms is not shown.
    strict = service.transitions(session, catalog, "buyer_tiers", dt.date(2025, 2, 1),
                                 dt.date(2025, 11, 1), "", 730, 6)
    assert [(r["from"], r["to"]) for r in strict["climb"]] == [("below_first_level",
                                                                "tier_3")]
    assert strict["climb_suppressed"] == {"groups": 1, "firms": 5}


def test_metric_trend_per_quarter(session: Session, catalog: Catalog) -> None:
    seed_history(session, catalog)
    result = service.metric_trend(session, catalog, "on_time_delivery_pct", "region",
                                  dt.date(2025, 12, 31), 5)
    rows = [(r["region"], r["period"], r["n"]) for r in result["rows"]]
    assert rows == [("Puebla", "2025Q1", 6), ("Puebla", "2025Q2", 6), ("Puebla", "2025Q4", 5)]
    bad, tier3, top = (bad_values(catalog), level_values(catalog, "buyer_tiers", "tier_3"),
                       top_values(catalog))
    key = (M, "on_time_delivery_pct")
    medians = [r["median"] for r in result["rows"]]
    # The bad value is the metric's minimum: a median on a bound would say that half the
    # group sits there, so it is withheld.
    assert bad[key] == catalog.metric("on_time_delivery_pct").minimum
    assert medians == [None, tier3[key], top[key]]
    assert [r["change"] for r in result["rows"]] == [None, None, top[key] - tier3[key]]
    assert [r["previous_period"] for r in result["rows"]] == [None, "2025Q1", "2025Q2"]
    assert all(r["improvement"] is None or r["improvement"] > 0 for r in result["rows"])
    assert result["suppressed"]["groups"] == 2  # Yucatán 2025Q1, and Jalisco with it
