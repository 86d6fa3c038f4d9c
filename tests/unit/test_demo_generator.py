"""The demo network generator: deterministic, believable, within bounds, written to Parquet."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from escalera.demo.assessments import capability_on
from escalera.demo.generator import (
    ASSESSMENT_COLUMNS,
    FIRM_COLUMNS,
    LINK_COLUMNS,
    OBSERVATION_COLUMNS,
    DemoNetwork,
    generate_network,
)
from escalera.demo.population import firm_ids
from escalera.demo.writer import observation_count, write_parquet
from escalera.domain.catalog_model import Catalog
from escalera.domain.chain import Link
from escalera.domain.evaluation import LadderStatus, evaluate_firm
from escalera.domain.evidence import ItemKind, Observation, latest_evidence
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.domain.products import PRODUCTS
from escalera.store.evidence import OBSERVATION_SCHEMA

ON = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def network() -> DemoNetwork:
    return generate_network(2000, seed=42, reference_date=ON)


@pytest.fixture(scope="module")
def observations(network: DemoNetwork) -> pl.DataFrame:
    return network.observations()


def _same(a: DemoNetwork, b: DemoNetwork) -> bool:
    return (a.firms.equals(b.firms) and a.links.equals(b.links)
            and a.assessments.equals(b.assessments)
            and a.observations().equals(b.observations()))


def test_same_seed_gives_identical_frames() -> None:
    assert _same(generate_network(300, 7, ON), generate_network(300, 7, ON))


def test_different_seed_or_date_gives_a_different_network() -> None:
    base = generate_network(300, 7, ON)
    other = generate_network(300, 8, ON)
    assert not base.firms["name"].equals(other.firms["name"])
    assert not base.observations().equals(other.observations())
    later = generate_network(300, 7, ON + dt.timedelta(days=30))
    assert later.assessments["assessed_on"].max() != base.assessments["assessed_on"].max()


def test_vectorised_firm_ids_match_the_domain_function() -> None:
    serials = np.array([0, 1, 2, 41, 4242, 999_999, 123_456_789, 2**40 - 1])
    assert firm_ids(serials).to_list() == [firm_id_from_int(int(s)) for s in serials]


def test_a_hundred_firms_are_valid_domain_firms_and_links() -> None:
    small = generate_network(100, 1, ON)
    assert len(small.firms) == 100 and small.firms["firm_id"].n_unique() == 100
    for row in small.firms.select(FIRM_COLUMNS).iter_rows(named=True):
        firm = Firm.model_validate({**row, "id": row.pop("firm_id"),
                                    "provenance": json.loads(row.pop("provenance"))})
        assert firm.provenance["name"].ref == "seed 1"
    for row in small.links.select(LINK_COLUMNS[:-1]).iter_rows(named=True):
        Link.model_validate(row)
    assert len(small.assessments) > 0


def test_roles_regions_and_products_are_those_of_the_brief(network: DemoNetwork) -> None:
    roles = Counter(r for roles in network.firms["roles"].to_list() for r in roles)
    assert set(roles) == {str(r) for r in Role}
    assert roles["home_workshop"] > roles["contractor"] > roles["manufacturer"] > 0
    states = set(network.firms["state"].to_list())
    for state in ("Ciudad de México", "Puebla", "Aguascalientes", "Jalisco", "Guanajuato",
                  "Yucatán", "Baja California", "Morelos", "Coahuila", "Estado de México"):
        assert state in states
    municipalities = set(network.firms["municipality"].to_list())
    assert {"Tehuacán", "Moroleón", "Uriangato", "Mérida", "Tijuana", "Cuernavaca"} <= (
        municipalities)
    chapter = {p.id: p.hs_chapter for p in PRODUCTS}
    for products, chapters in network.firms.select("products", "hs_chapters").iter_rows():
        assert sorted({chapter[p] for p in products}) == chapters
    names = " ".join(network.firms["name"].to_list())
    assert "ñ" in names and "á" in names and "S.A. de C.V." in names


def test_maquilas_are_large_and_under_the_temporary_regime(network: DemoNetwork) -> None:
    maquilas = network.firms.filter(pl.col("profile") == "maquila")
    assert maquilas["export_regime"].unique().to_list() == ["temporary"]
    assert maquilas["employees"].min() >= 150  # type: ignore[operator]
    home = network.firms.filter(pl.col("profile") == "home_workshop")
    assert home["employees"].max() <= 6  # type: ignore[operator]
    assert network.firms["hosts_visits"].sum() > 0


def test_links_tell_the_studys_stories(network: DemoNetwork) -> None:
    links = network.links
    profile = dict(zip(network.firms["firm_id"], network.firms["profile"], strict=True))
    kinds = set(links["type"].to_list())
    assert kinds == {"subcontracting", "full_package", "tutelage", "integradora_membership",
                     "jobber_network"}
    for source, target, kind in links.select("source", "target", "type").iter_rows():
        if kind == "jobber_network":
            assert profile[source] == "jobber"
        if kind == "integradora_membership":
            assert profile[target] == "integradora"
        if kind == "tutelage":
            assert profile[source] == "us_brand"
            assert profile[target] in {"contractor", "manufacturer"}
    tutelage = links.filter(pl.col("type") == "tutelage")
    jumped = tutelage.filter(pl.col("ended_reason") == "jumped ship")
    assert len(jumped) >= 1 and tutelage["exclusive"].any()
    completed = tutelage.filter(pl.col("ended_reason") == "training completed")
    for start, end in completed.select("start", "end").iter_rows():
        assert (end - start).days >= 365  # 12-18 months of tutelage first
    # A contractor who jumped ship sells to other buyers afterwards.
    for target, end in jumped.select("target", "end").iter_rows():
        later = links.filter((pl.col("target") == target) & (pl.col("type") == "full_package")
                             & (pl.col("start") >= end))
        assert len(later) >= 1
    assert links["start"].min() >= ON - dt.timedelta(days=5 * 365)  # type: ignore[operator]
    assert links["start"].max() <= ON  # type: ignore[operator]


def test_jumping_ship_makes_capability_drift_back(network: DemoNetwork) -> None:
    history = network.latent.history
    firms = np.flatnonzero(history.jumped)
    assert len(firms) >= 1
    end = history.end[firms]
    at_jump = capability_on(network.latent, firms, end)
    two_years_on = capability_on(network.latent, firms, end + 730)
    assert np.all(two_years_on - at_jump < network.latent.growth[firms] * 2 - 0.5)


def test_observations_are_within_metric_bounds(network: DemoNetwork, observations: pl.DataFrame,
                                               catalog: Catalog) -> None:
    assert len(observations) == observation_count(network)
    metrics = observations.filter(pl.col("kind") == "metric")
    for item, values in metrics.group_by("item"):
        metric = catalog.metric(str(item[0]))
        low, high = values["value"].min(), values["value"].max()
        assert metric.check_value(float(low)) is None, (item, low)  # type: ignore[arg-type]
        assert metric.check_value(float(high)) is None, (item, high)  # type: ignore[arg-type]
    practices = observations.filter(pl.col("kind") == "practice")
    assert set(practices["item"].unique().to_list()) == {p.id for p in catalog.practices}
    assert set(practices["value"].unique().to_list()) <= {0.0, 1.0, 2.0, 3.0}
    assert set(practices["value"].unique().to_list()) == {0.0, 1.0, 2.0, 3.0}


def test_assessments_span_three_years_with_every_stage(network: DemoNetwork) -> None:
    dates = network.assessments["assessed_on"]
    assert dates.max() <= ON  # type: ignore[operator]
    assert dates.min() >= ON - dt.timedelta(days=3 * 365)  # type: ignore[operator]
    assert (dates.max() - dates.min()).days > 2.5 * 365  # type: ignore[operator, union-attr]
    assert set(network.assessments["stage"].to_list()) == {
        "screening", "diagnostic", "follow_up", "random_inspection"}
    assert network.assessments["assessment_id"].n_unique() == len(network.assessments)
    assessed = network.assessments["firm_id"].n_unique()
    assert 0.4 * len(network.firms) < assessed < 0.95 * len(network.firms)


def _levels(network: DemoNetwork, observations: pl.DataFrame, catalog: Catalog,
            on: dt.date, profiles: set[str]) -> dict[str, list[str]]:
    """Attained buyer tier (or ladder status) per firm of the given profiles."""
    groups = {key[0]: frame for key, frame in observations.group_by("firm_id")}
    out: dict[str, list[str]] = {p: [] for p in profiles}
    for firm_id, profile in network.firms.select("firm_id", "profile").iter_rows():
        if profile not in profiles:
            continue
        rows = groups.get(firm_id)
        obs = [] if rows is None else [
            Observation(firm_id=r[0], assessment_id=r[1], observed_on=r[2],
                        kind=ItemKind(r[3]), item=r[4], value=r[5])
            for r in rows.select(OBSERVATION_COLUMNS).iter_rows()]
        result = evaluate_firm(catalog, firm_id, latest_evidence(obs, on), on)
        tiers = result.ladder("buyer_tiers")
        out[profile].append(tiers.attained or str(tiers.status))
    return out


def test_level_distribution_is_believable(network: DemoNetwork, observations: pl.DataFrame,
                                          catalog: Catalog) -> None:
    levels = _levels(network, observations, catalog, ON,
                     {"maquila", "home_workshop", "contractor", "manufacturer"})
    maquilas = Counter(levels["maquila"])
    assert maquilas["tier_1"] > 0.6 * len(levels["maquila"])
    home = Counter(levels["home_workshop"])
    judged = len(levels["home_workshop"]) - home[LadderStatus.NOT_ASSESSED]
    assert home[LadderStatus.BELOW_FIRST_LEVEL] > 0.8 * judged
    assert home[LadderStatus.NOT_ASSESSED] > 0  # some never assessed
    everyone = Counter(v for values in levels.values() for v in values)
    assert everyone["tier_3"] > everyone["tier_2"] > 0
    producers = sum(everyone.values())
    assert 0.005 * producers < everyone["tier_1"] < 0.06 * producers


def test_firms_climb_slowly(network: DemoNetwork, observations: pl.DataFrame,
                            catalog: Catalog) -> None:
    profiles = {"contractor", "manufacturer"}
    now = Counter(v for vs in _levels(network, observations, catalog, ON, profiles).values()
                  for v in vs)
    year_ago = ON - dt.timedelta(days=365)
    then = Counter(v for vs in _levels(network, observations, catalog, year_ago,
                                       profiles).values() for v in vs)

    def share_up(counts: Counter[str]) -> float:
        judged = sum(counts.values()) - counts[LadderStatus.NOT_ASSESSED]
        return (counts["tier_3"] + counts["tier_2"] + counts["tier_1"]) / judged

    assert share_up(then) < share_up(now) < share_up(then) + 0.25


def test_parquet_holds_one_file_per_table(tmp_path: Path) -> None:
    net = generate_network(300, 3, ON)
    summary = write_parquet(net, tmp_path / "out")
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert files == {"firms.parquet", "links.parquet", "assessments.parquet",
                     "observations.parquet"}
    firms = pl.read_parquet(tmp_path / "out" / "firms.parquet")
    assert firms.columns == list(FIRM_COLUMNS) and len(firms) == summary.firms == 300
    assert pl.read_parquet(tmp_path / "out" / "links.parquet").columns == list(LINK_COLUMNS)
    assessments = pl.read_parquet(tmp_path / "out" / "assessments.parquet")
    assert assessments.columns == list(ASSESSMENT_COLUMNS)
    obs = pl.read_parquet(tmp_path / "out" / "observations.parquet")
    assert dict(obs.schema) == OBSERVATION_SCHEMA
    assert len(obs) == summary.observations == observation_count(net)
    assert obs.equals(net.observations().select(OBSERVATION_COLUMNS))


def test_too_few_firms_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_network(10, 1, ON)
