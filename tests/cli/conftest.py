"""CLI fixtures: a fresh database holding one workshop with one diagnostic; every CLI test
starts without ``ESCALERA_LANG`` and leaves the interface language as it found it (the
``--lang`` option sets it for the process)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import ExportRegime, Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.i18n import current_language, set_language
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms
from tests.conftest import Seeder


@pytest.fixture(autouse=True)
def _language(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("ESCALERA_LANG", raising=False)
    before = current_language()
    yield
    set_language(before)


@dataclass(frozen=True)
class Workshop:
    """Where the seeded workshop lives and who it is."""

    url: str
    firm_id: str
    name: str


FIRM_ID, HOST_ID = firm_id_from_int(4243), firm_id_from_int(4244)
NAME = "Confecciones Peña & <Hijos>"


def seed_workshop(session: Session) -> None:
    """A contractor in Tehuacán at tier 3, short of tier 2, and a maquila nearby that hosts
    learning visits."""
    m, p = ItemKind.METRIC, ItemKind.PRACTICE
    insert_firms(session, [Firm(
        id=FIRM_ID, name=NAME, roles=(Role.CONTRACTOR,), state="Puebla",
        municipality="Tehuacán", products=("jeans",), monthly_capacity=2500,
        export_regime=ExportRegime.DOMESTIC)])
    insert_assessment(session, public_id="A-20260301-0001", firm_id=FIRM_ID,
                      stage=Stage.DIAGNOSTIC, assessed_on=dt.date(2026, 3, 1),
                      assessor="Ing. Ruiz", values={
                          (m, "on_time_delivery_pct"): 86.0, (m, "defect_rate_pct"): 4.5,
                          (m, "turnaround_days"): 21.0, (m, "lead_time_days"): 70.0,
                          (p, "final_inspection"): 1.0, (p, "production_planning"): 1.0,
                          (p, "separate_business_accounts"): 1.0})
    insert_firms(session, [Firm(
        id=HOST_ID, name="Maquiladora Modelo de Tehuacán", roles=(Role.MANUFACTURER,),
        state="Puebla", municipality="Tehuacán", products=("jeans", "shirts"),
        monthly_capacity=40_000, export_regime=ExportRegime.TEMPORARY, hosts_visits=True)])
    insert_assessment(session, public_id="A-20260215-0002", firm_id=HOST_ID,
                      stage=Stage.DIAGNOSTIC, assessed_on=dt.date(2026, 2, 15),
                      assessor="Ing. Ruiz", values={
                          (m, "on_time_delivery_pct"): 98.0, (m, "defect_rate_pct"): 1.2,
                          (m, "turnaround_days"): 12.0, (m, "lead_time_days"): 40.0,
                          (p, "final_inspection"): 3.0, (p, "production_planning"): 3.0,
                          (p, "separate_business_accounts"): 3.0})


@pytest.fixture()
def workshop(seeded_database: Callable[[Seeder], str]) -> Workshop:
    """The seeded workshop; ESCALERA_DATABASE_URL points to its database."""
    return Workshop(url=seeded_database(seed_workshop), firm_id=FIRM_ID, name=NAME)
