"""Seeding the demo network into the database (SQLite or PostgreSQL, whichever is under test)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalera.demo.generator import generate_network
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import evaluate_firm
from escalera.domain.evidence import latest_evidence
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.services.demo import RegistryNotEmpty, registry_tables, seed_demo
from escalera.services.ladder_stats import ladder_stats
from escalera.store.evidence import firm_observations, observations_frame
from escalera.store.firms import firm_links, get_firm, insert_firms
from escalera.store.tables import AssessmentRow, FirmRow, LinkRow, ObservationRow

ON = dt.date(2026, 6, 1)


def _count(session: Session, row: type) -> int:
    return session.scalar(select(func.count()).select_from(row)) or 0


def test_seed_writes_every_row_and_reads_back(session: Session, catalog: Catalog) -> None:
    summary = seed_demo(session, firms=300, seed=11, reference_date=ON)
    assert summary.firms == _count(session, FirmRow) == 300
    assert summary.links == _count(session, LinkRow) > 0
    assert summary.assessments == _count(session, AssessmentRow) > 0
    assert summary.observations == _count(session, ObservationRow) > summary.assessments

    network = generate_network(300, 11, ON)
    stored = observations_frame(session).sort("assessment_id", "kind", "item")
    generated = network.observations().select(stored.columns).sort(
        "assessment_id", "kind", "item")
    assert stored.equals(generated)

    # One firm read back through the repositories judges as the generator's data does.
    maquila = network.firms.filter(network.firms["profile"] == "maquila")["firm_id"][0]
    firm = get_firm(session, maquila)
    assert firm.provenance["name"].ref == "seed 11"
    assert firm.export_regime == "temporary"
    evidence = latest_evidence(firm_observations(session, maquila), ON)
    expected = latest_evidence(network.firm_observations(maquila), ON)
    assert evidence == expected
    assert evaluate_firm(catalog, maquila, evidence, ON).ladder("buyer_tiers").attained
    jumped = network.links.filter(network.links["ended_reason"] == "jumped ship")
    tutee = jumped["target"][0]
    assert any(link.ended_reason == "jumped ship" for link in firm_links(session, tutee))

    stats = ladder_stats(session, catalog, ON, 730)
    assert 0 < stats["excluded_non_producers"] < 300 * 0.1  # buyers, agencies, consultants
    assert stats["firms"] + stats["excluded_non_producers"] == 300
    for counts in stats["ladders"].values():
        total = (sum(counts["levels"].values()) + counts["below_first_level"]
                 + counts["not_assessed"])
        assert total == stats["firms"]


def test_seeding_twice_needs_reset(session: Session) -> None:
    seed_demo(session, firms=120, seed=1, reference_date=ON)
    with pytest.raises(RegistryNotEmpty):
        seed_demo(session, firms=120, seed=2, reference_date=ON)
    summary = seed_demo(session, firms=150, seed=2, reference_date=ON, reset=True)
    assert _count(session, FirmRow) == summary.firms == 150
    assert _count(session, ObservationRow) == summary.observations
    # The demo wrote explicit row ids; ordinary inserts afterwards still get fresh ones.
    insert_firms(session, [Firm(id=firm_id_from_int(10**9), name="Taller Doña Ñeli",
                                roles=(Role.HOME_WORKSHOP,), state="Puebla")])
    session.flush()
    assert _count(session, FirmRow) == 151


def test_reset_covers_every_table_hanging_from_firms() -> None:
    names = [t.name for t in registry_tables()]
    assert names[-1] == "firms"
    assert {"links", "assessments", "observations"} <= set(names)
    assert names.index("observations") < names.index("assessments")
