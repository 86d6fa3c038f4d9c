"""A small registry for program tests: 40 jeans workshops in Puebla assessed every quarter
for three years, 16 of them admitted to a consultant program in two cohorts, with a planted
effect of +8 points of on-time delivery from the quarter each entered."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy.orm import Session

from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import ExportRegime, Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.domain.programs import Program, ProgramStandard, ProgramType
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms

EFFECT = 8.0
START = dt.date(2024, 1, 1)  # first assessment quarter
QUARTERS = 12
FIRMS = [firm_id_from_int(7000 + i) for i in range(40)]
COHORT_1, COHORT_2 = FIRMS[:8], FIRMS[8:16]
ENTRY_1, ENTRY_2 = dt.date(2025, 1, 20), dt.date(2025, 7, 20)  # quarters 4 and 6
WEAK = firm_id_from_int(7100)  # on-time delivery 78 %: refused


def quarter_day(q: int) -> dt.date:
    year, quarter = START.year + q // 4, q % 4
    return dt.date(year, quarter * 3 + 2, 15)


def entry_of(firm: str) -> dt.date | None:
    return ENTRY_1 if firm in COHORT_1 else ENTRY_2 if firm in COHORT_2 else None


def seed_registry(session: Session, effect: float = EFFECT, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    m, p = ItemKind.METRIC, ItemKind.PRACTICE
    insert_firms(session, [Firm(
        id=f, name=f"Taller {i}", roles=(Role.CONTRACTOR,), state="Puebla",
        municipality="Tehuacán", products=("jeans",), employees=20, monthly_capacity=3000,
        export_regime=ExportRegime.DOMESTIC) for i, f in enumerate([*FIRMS, WEAK])])
    level = rng.normal(84, 2.5, len(FIRMS))
    trend = np.cumsum(rng.normal(0.3, 0.5, QUARTERS))
    for i, firm in enumerate([*FIRMS, WEAK]):
        entry = entry_of(firm)
        for q in range(QUARTERS):
            day = quarter_day(q)
            base = 78.0 if firm == WEAK else level[i] + trend[q] + rng.normal(0, 1.5)
            gain = effect if entry is not None and day >= entry.replace(day=1) else 0.0
            insert_assessment(
                session, public_id=f"A-{day:%Y%m%d}-{i:04d}{q:02d}", firm_id=firm,
                stage=Stage.FOLLOW_UP, assessed_on=day, assessor="Ing. Ruiz", values={
                    (m, "on_time_delivery_pct"): round(min(base + gain, 100.0), 1),
                    (m, "defect_rate_pct"): 5.0, (m, "turnaround_days"): 25.0,
                    (p, "final_inspection"): 1.0, (p, "production_planning"): 1.0,
                    (p, "separate_business_accounts"): 1.0})


def consultant_program(pid: str = "PRG-TEST-1") -> Program:
    return Program(
        id=pid, name="Consultoría en Tehuacán", type=ProgramType.CONSULTANT_PROGRAM,
        sponsor="Secretaría de Desarrollo Económico de Puebla", starts_on=dt.date(2025, 1, 10),
        ends_on=dt.date(2025, 12, 20), target_date=dt.date(2026, 6, 30), budget=1_200_000,
        admission=ProgramStandard("buyer_tiers", "tier_3"),
        target=ProgramStandard("buyer_tiers", "tier_2"),
        entry_segment="domestic_discount_chains", target_segment="latin_american_dept_stores")
