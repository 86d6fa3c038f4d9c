"""CLI fixtures: a fresh database holding one workshop with one diagnostic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from escalera.config import Settings
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import ExportRegime, Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.services.context import AppContext
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms


@dataclass(frozen=True)
class Workshop:
    """Where the seeded workshop lives and who it is."""

    url: str
    firm_id: str
    name: str


@pytest.fixture()
def workshop(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workshop]:
    """A contractor in Tehuacán at tier 3, short of tier 2, and a maquila nearby that hosts
    learning visits; ESCALERA_DATABASE_URL points to the database."""
    url = fresh_database_url
    monkeypatch.setenv("ESCALERA_DATABASE_URL", url)
    firm_id, name = firm_id_from_int(4243), "Confecciones Peña & <Hijos>"
    m, p = ItemKind.METRIC, ItemKind.PRACTICE
    context = AppContext(Settings(database_url=url))
    with context.transaction() as session:
        insert_firms(session, [Firm(
            id=firm_id, name=name, roles=(Role.CONTRACTOR,), state="Puebla",
            municipality="Tehuacán", products=("jeans",), monthly_capacity=2500,
            export_regime=ExportRegime.DOMESTIC)])
        insert_assessment(session, public_id="A-20260301-0001", firm_id=firm_id,
                          stage=Stage.DIAGNOSTIC, assessed_on=dt.date(2026, 3, 1),
                          assessor="Ing. Ruiz", values={
                              (m, "on_time_delivery_pct"): 86.0, (m, "defect_rate_pct"): 4.5,
                              (m, "turnaround_days"): 21.0, (m, "lead_time_days"): 70.0,
                              (p, "final_inspection"): 1.0, (p, "production_planning"): 1.0,
                              (p, "separate_business_accounts"): 1.0})
        host_id = firm_id_from_int(4244)
        insert_firms(session, [Firm(
            id=host_id, name="Maquiladora Modelo de Tehuacán", roles=(Role.MANUFACTURER,),
            state="Puebla", municipality="Tehuacán", products=("jeans", "shirts"),
            monthly_capacity=40_000, export_regime=ExportRegime.TEMPORARY, hosts_visits=True)])
        insert_assessment(session, public_id="A-20260215-0002", firm_id=host_id,
                          stage=Stage.DIAGNOSTIC, assessed_on=dt.date(2026, 2, 15),
                          assessor="Ing. Ruiz", values={
                              (m, "on_time_delivery_pct"): 98.0, (m, "defect_rate_pct"): 1.2,
                              (m, "turnaround_days"): 12.0, (m, "lead_time_days"): 40.0,
                              (p, "final_inspection"): 3.0, (p, "production_planning"): 3.0,
                              (p, "separate_business_accounts"): 3.0})
    yield Workshop(url=url, firm_id=firm_id, name=name)
    context.engine.dispose()
