"""Certificates and learning visits from stored evidence (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.certificates import CertificateStatus
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.errors import NotFound
from escalera.services.certificates import certificate_counts, firm_certificates
from escalera.services.firm_view import show_firm
from escalera.services.visits import recommend_visits
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms

M, P = ItemKind.METRIC, ItemKind.PRACTICE
ON = dt.date(2026, 6, 1)
STALE = 730
TIER_1 = {(M, "on_time_delivery_pct"): 97.0, (M, "defect_rate_pct"): 1.5,
          (M, "lot_acceptance_rate_pct"): 97.0, (M, "defects_per_hundred_units"): 3.0,
          (M, "turnaround_days"): 12.0, (M, "lead_time_days"): 45.0,
          (M, "efficiency_pct"): 70.0, (M, "rework_pct"): 3.0, (M, "wip_days"): 4.0,
          (P, "final_inspection"): 2.0, (P, "inline_inspection"): 2.0,
          (P, "inventory_control"): 2.0, (P, "quality_control_system"): 2.0,
          (P, "quality_circles"): 1.0, (P, "kanban_jit"): 1.0,
          (P, "production_planning"): 2.0, (P, "plant_layout_wip"): 2.0,
          (P, "separate_business_accounts"): 2.0}
TIER_3 = {(M, "on_time_delivery_pct"): 86.0, (M, "defect_rate_pct"): 4.5,
          (M, "turnaround_days"): 21.0, (P, "final_inspection"): 1.0,
          (P, "production_planning"): 1.0, (P, "separate_business_accounts"): 1.0}

TALLER, STAR, FAR, SHY, KNITS, OLD, CLOSE = (firm_id_from_int(n) for n in range(501, 508))


def _firm(fid: str, municipality: str, state: str, products: tuple[str, ...],
          hosts: bool) -> Firm:
    return Firm(id=fid, name=f"Taller {municipality} {fid[-3:]}", roles=(Role.CONTRACTOR,),
                state=state, municipality=municipality, products=products, hosts_visits=hosts)


def _assess(session: Session, aid: str, fid: str, day: dt.date,
            values: dict[tuple[ItemKind, str], float]) -> None:
    insert_assessment(session, public_id=aid, firm_id=fid, stage=Stage.DIAGNOSTIC,
                      assessed_on=day, assessor="Ing. Ruiz", values=values)


@pytest.fixture()
def network(session: Session) -> Session:
    """A Tehuacán jeans workshop at tier 3 and hosts around it."""
    insert_firms(session, [
        _firm(TALLER, "Tehuacán", "Puebla", ("jeans",), False),
        _firm(STAR, "Ajalpan", "Puebla", ("jeans", "shirts"), True),
        _firm(FAR, "Guadalajara", "Jalisco", ("jeans",), True),
        _firm(SHY, "Ajalpan", "Puebla", ("jeans",), False),
        _firm(KNITS, "Ajalpan", "Puebla", ("sweaters",), True),
        _firm(OLD, "Ajalpan", "Puebla", ("jeans",), True),
        _firm(CLOSE, "Tehuacán", "Puebla", ("jeans",), True),
    ])
    _assess(session, "A-T1", TALLER, dt.date(2025, 3, 1), TIER_3)
    _assess(session, "A-T2", TALLER, dt.date(2026, 3, 1), {(M, "on_time_delivery_pct"): 87.0})
    strong = {(P, "final_inspection"): 3.0, (M, "defect_rate_pct"): 2.0}
    _assess(session, "A-S1", STAR, dt.date(2026, 1, 15), strong)
    _assess(session, "A-F1", FAR, dt.date(2026, 2, 1), {(P, "final_inspection"): 3.0})
    _assess(session, "A-Y1", SHY, dt.date(2026, 2, 1), strong)
    _assess(session, "A-K1", KNITS, dt.date(2026, 2, 1), strong)
    _assess(session, "A-O1", OLD, dt.date(2023, 2, 1), strong)  # stale by June 2026
    _assess(session, "A-C1", CLOSE, dt.date(2026, 2, 1), {(M, "defect_rate_pct"): 3.8})
    return session


def test_certificates_issue_and_renew_from_stored_assessments(network: Session,
                                                               catalog: Catalog) -> None:
    ladders = {c.ladder: c for c in firm_certificates(network, catalog, TALLER, ON, STALE)}
    tiers = ladders["buyer_tiers"]
    assert tiers.certified_level == "tier_3" and tiers.expired_levels == ()
    [cert] = tiers.certificates
    assert (cert.issued_on, cert.valid_until) == (dt.date(2025, 3, 1), dt.date(2028, 2, 29))
    assert [e.assessment_id for e in cert.earnings] == ["A-T1", "A-T2"]
    assert cert.standard_version == "2024.1"
    assert ladders["regional_state_iso"].certificates == ()  # never attained


def test_an_expired_top_level_is_expired_not_attained(session: Session,
                                                      catalog: Catalog) -> None:
    insert_firms(session, [_firm(STAR, "Ajalpan", "Puebla", ("jeans",), True)])
    _assess(session, "A-1", STAR, dt.date(2025, 1, 10), TIER_1)
    view = show_firm(session, catalog, STAR, ON, STALE)
    assert view.evaluation.ladder("buyer_tiers").attained == "tier_1"  # evidence still fresh
    tiers = next(c for c in view.certificates if c.ladder == "buyer_tiers")
    # 12 months for tier 1, 18 for tier 2, 24 for tier 3 (the catalog's certificate_months)
    assert tiers.certified_level == "tier_2" and tiers.expired_levels == ("tier_1",)
    status = {c.level: c.status_on(ON) for c in tiers.certificates}
    assert status["tier_1"] is CertificateStatus.EXPIRED
    assert status["tier_2"] is status["tier_3"] is CertificateStatus.VALID


def test_visits_pick_flagged_same_product_hosts_with_margin_nearest_first(
        network: Session, catalog: Catalog) -> None:
    plan = recommend_visits(network, catalog, TALLER, ON, STALE)
    assert [g.item for g in plan.gaps][:4] == [  # one maturity step each, then 12.5 %
        "final_inspection", "production_planning", "separate_business_accounts",
        "defect_rate_pct"]
    assert [v.host_id for v in plan.visits] == [STAR, FAR]
    star = plan.visits[0]
    assert [c.gap.item for c in star.covers] == ["final_inspection", "defect_rate_pct"]
    assert {c.assessment_id for c in star.covers} == {"A-S1"}
    assert star.shared_products == ("jeans",) and star.distance_km is not None
    assert plan.visits[1].distance_km is not None
    assert plan.visits[1].distance_km > star.distance_km


def test_visits_respect_the_limit_and_unknown_firms_fail(network: Session,
                                                         catalog: Catalog) -> None:
    assert len(recommend_visits(network, catalog, TALLER, ON, STALE, limit=1).visits) == 1
    with pytest.raises(NotFound):
        recommend_visits(network, catalog, firm_id_from_int(9999), ON, STALE)


def test_certificate_counts_column_wise(session: Session, catalog: Catalog) -> None:
    insert_firms(session, [_firm(STAR, "Ajalpan", "Puebla", ("jeans",), True),
                           _firm(TALLER, "Tehuacán", "Puebla", ("jeans",), False)])
    _assess(session, "A-1", STAR, dt.date(2025, 1, 10), TIER_1)
    _assess(session, "A-2", TALLER, dt.date(2026, 3, 1), TIER_3)
    counts = {(r["ladder"], r["level"]): (r["valid"], r["expired"])
              for r in certificate_counts(session, catalog, ON, STALE).iter_rows(named=True)}
    assert counts[("buyer_tiers", "tier_3")] == (2, 0)
    assert counts[("buyer_tiers", "tier_2")] == (1, 0)
    assert counts[("buyer_tiers", "tier_1")] == (0, 1)  # 12 months from January 2025
    assert counts[("regional_state_iso", "state")] == (1, 0)  # 24 months
    assert counts[("regional_state_iso", "iso9001_like")] == (0, 0)  # never attained
