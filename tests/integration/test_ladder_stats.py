"""``ladder_stats`` and ``escalera ladder stats`` over stored firms and assessments."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.conftest import Seeder
from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import evaluate_firm
from escalera.domain.evidence import ItemKind, Stage, latest_evidence
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.domain.measures import Direction
from escalera.services.ladder_stats import ladder_stats
from escalera.store.evidence import firm_observations, insert_assessment
from escalera.store.firms import insert_firms

ON = dt.date(2026, 6, 1)
STALE = 730
Values = dict[tuple[ItemKind, str], float]


def top_values(catalog: Catalog) -> Values:
    """The strictest threshold of every metric and maturity of every practice: meets the top
    level of every ladder, every requirement exactly on its threshold (ties count as met)."""
    values: Values = {}
    for ladder in catalog.ladders:
        for level in ladder.levels:
            std = level.standard_on(ON)
            for m in std.metrics:
                pick = max if catalog.metric(m.metric).direction is Direction.HIGHER else min
                key = (ItemKind.METRIC, m.metric)
                values[key] = pick(values.get(key, m.threshold), m.threshold)
            for p in std.practices:
                key = (ItemKind.PRACTICE, p.practice)
                values[key] = max(values.get(key, 0.0), float(p.min_maturity))
    return values


def level_values(catalog: Catalog, ladder_id: str, level_id: str) -> Values:
    """Exactly one level's thresholds."""
    std = catalog.ladder(ladder_id).levels[
        catalog.ladder(ladder_id).level_index(level_id)].standard_on(ON)
    return {**{(ItemKind.METRIC, m.metric): m.threshold for m in std.metrics},
            **{(ItemKind.PRACTICE, p.practice): float(p.min_maturity) for p in std.practices}}


def bad_values(catalog: Catalog) -> Values:
    """Every metric on the wrong side of every threshold, every practice absent."""
    return {**{(ItemKind.METRIC, m.id): 0.0 if m.direction is Direction.HIGHER else 1e6
               for m in catalog.metrics},
            **{(ItemKind.PRACTICE, p.id): 0.0 for p in catalog.practices}}


def firm(n: int, state: str, products: tuple[str, ...]) -> Firm:
    return Firm(id=firm_id_from_int(n), name=f"Taller {n}", roles=(Role.CONTRACTOR,),
                state=state, products=products, monthly_capacity=1000)


def seed(session: Session, catalog: Catalog) -> dict[str, str]:
    """Eleven firms: six in Puebla making jeans, four in Yucatán, one with no product (the
    two small groups hold five firms together, so Puebla can be shown beside them)."""
    names = "ABCDEFGHIJK"
    homes = [("Puebla", ("jeans", "shirts"))] * 6 + [("Yucatán", ("guayaberas",))] * 2 + [
        ("Jalisco", ())] + [("Yucatán", ("guayaberas",))] * 2
    ids = {name: firm_id_from_int(100 + i) for i, name in enumerate(names)}
    insert_firms(session, [firm(100 + i, *homes[i]) for i in range(len(names))])
    visits: list[tuple[str, dt.date, Values]] = [
        ("A", ON - dt.timedelta(days=30), top_values(catalog)),          # top of both
        ("B", ON - dt.timedelta(days=STALE), level_values(catalog, "buyer_tiers", "tier_3")),
        ("C", ON, bad_values(catalog)),                                   # below both
        # D: never assessed
        ("E", ON - dt.timedelta(days=STALE + 1), top_values(catalog)),    # stale
        ("F", ON - dt.timedelta(days=10), bad_values(catalog)),
        ("F", ON + dt.timedelta(days=1), top_values(catalog)),            # after ON
        ("G", ON - dt.timedelta(days=400), bad_values(catalog)),
        ("G", ON - dt.timedelta(days=40), top_values(catalog)),           # improved
        # H, I, J, K: never assessed
    ]
    for i, (name, day, values) in enumerate(visits):
        insert_assessment(session, public_id=f"A-{i}", firm_id=ids[name],
                          stage=Stage.DIAGNOSTIC, assessed_on=day, assessor="Ing. Ruiz",
                          values=values)
    return ids


def counts(levels: dict[str, int], below: int, not_assessed: int) -> dict[str, Any]:
    return {"levels": levels, "below_first_level": below, "not_assessed": not_assessed}


EXPECTED = {
    "buyer_tiers": counts({"tier_3": 1, "tier_2": 0, "tier_1": 2}, 2, 6),
    "regional_state_iso": counts({"regional": 0, "state": 0, "iso9001_like": 2}, 2, 7),
}


def test_counts_firms_per_level(session: Session, catalog: Catalog) -> None:
    ids = seed(session, catalog)
    stats = ladder_stats(session, catalog, ON, STALE)
    assert stats["ladders"] == EXPECTED
    assert (stats["on"], stats["stale_after_days"], stats["firms"]) == ("2026-06-01", STALE, 11)
    # Groups under five firms are never shown.
    assert list(stats["by_group"]["region"]) == ["Puebla"]
    assert stats["by_group"]["region"]["Puebla"]["buyer_tiers"] == counts(
        {"tier_3": 1, "tier_2": 0, "tier_1": 1}, 2, 2)
    assert list(stats["by_group"]["product"]) == ["jeans"]
    assert stats["suppressed"] == {"region": {"groups": 2, "firms": 5},
                                   "product": {"groups": 2, "firms": 5}}
    # With the two small groups holding fewer than five firms together, Puebla would give
    # them away (overall minus Puebla): it is hidden too.
    assert ladder_stats(session, catalog, ON, STALE, min_group_size=6)["by_group"] == {
        "region": {}, "product": {}}
    # With no minimum group size every group shows and the groups add up to the total.
    everything = ladder_stats(session, catalog, ON, STALE, min_group_size=1)
    assert set(everything["by_group"]["region"]) == {"Puebla", "Yucatán", "Jalisco"}
    assert set(everything["by_group"]["product"]) == {"jeans", "guayaberas", ""}
    for grouping in ("region", "product"):
        for ladder_id, total in EXPECTED.items():
            summed: Counter[str] = Counter()
            for per_ladder in everything["by_group"][grouping].values():
                summed.update(per_ladder[ladder_id]["levels"])
                summed.update({k: per_ladder[ladder_id][k]
                               for k in ("below_first_level", "not_assessed")})
            assert summed == Counter({**total["levels"], "below_first_level": 2,
                                      "not_assessed": total["not_assessed"]})
    # The same firms through the single-firm evaluator give the same counts.
    single: dict[str, Counter[str]] = {lad.id: Counter() for lad in catalog.ladders}
    for public_id in ids.values():
        evidence = latest_evidence(firm_observations(session, public_id), ON)
        for result in evaluate_firm(catalog, public_id, evidence, ON, monthly_capacity=1000,
                                    stale_after_days=STALE).ladders:
            single[result.ladder][result.attained or str(result.status)] += 1
    for ladder_id, total in stats["ladders"].items():
        flat = {**total["levels"], "below_first_level": total["below_first_level"],
                "not_assessed": total["not_assessed"]}
        assert +Counter(flat) == single[ladder_id]


def test_a_past_date_and_a_longer_window(session: Session, catalog: Catalog) -> None:
    seed(session, catalog)
    # A day later F's better assessment counts; a longer window revives E.
    later = ladder_stats(session, catalog, ON + dt.timedelta(days=1), STALE + 2)
    assert later["ladders"]["buyer_tiers"]["levels"]["tier_1"] == 4  # A, E, F, G
    before_any = ladder_stats(session, catalog, dt.date(2020, 1, 1), STALE)
    for total in before_any["ladders"].values():
        assert total["not_assessed"] == 11


def test_an_empty_registry(session: Session, catalog: Catalog) -> None:
    stats = ladder_stats(session, catalog, ON, STALE)
    assert stats["firms"] == 0
    assert stats["ladders"]["buyer_tiers"] == counts(
        {"tier_3": 0, "tier_2": 0, "tier_1": 0}, 0, 0)
    assert stats["by_group"] == {"region": {}, "product": {}}


@pytest.fixture()
def seeded_url(seeded_database: Callable[[Seeder], str], catalog: Catalog) -> str:
    return seeded_database(lambda session: seed(session, catalog))


def test_cli_json_prints_the_contract(seeded_url: str) -> None:
    result = CliRunner().invoke(app, ["ladder", "stats", "--on", "2026-06-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ladders"] == EXPECTED
    assert data["on"] == "2026-06-01"
    assert list(data["by_group"]["region"]) == ["Puebla"]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("by", ["none", "region", "product"])
def test_cli_tables(seeded_url: str, lang: str, by: str) -> None:
    result = CliRunner().invoke(app, ["--lang", lang, "ladder", "stats", "--on", "2026-06-01",
                                      "--by", by])
    assert result.exit_code == 0, result.output
    assert ("Nivel 1" if lang == "es" else "Tier 1") in result.output
    if by == "region":
        assert "Puebla" in result.output and "Yucatán" not in result.output
    if by != "none":
        hidden = "no se muestran" if lang == "es" else "are not shown"
        assert hidden in result.output


def test_cli_rejects_a_bad_date(seeded_url: str) -> None:
    result = CliRunner().invoke(app, ["ladder", "stats", "--on", "junio"])
    assert result.exit_code != 0
