"""A small hand-built registry for matchmaking tests: producers at known levels, capacities,
lead times and working capital, an integradora with members, and a buying agent.

Every firm's level is chosen by its observations (final diagnostics on ``ASSESSED``), so the
tests know independently who may take which order:

======  ==============  =========================  ========  ======  ====  ========
key     role            products                   level     cap/mo  lead  capital
======  ==============  =========================  ========  ======  ====  ========
ALFA    contractor      jeans                      tier_2    1000    14    100,000
BETA    manufacturer    jeans                      tier_1    800     14    (none)
GAMA    contractor      jeans                      tier_3    1500    (turnaround 25)
DELTA   contractor      jeans                      tier_2    1500    40    (none)
EPS     contractor      jeans                      tier_2    (none)  14    (none)
M1, M2  contractor      uniforms (integradora)     tier_2    600     14    (none)
M3      contractor      uniforms                   tier_2    700     14    (none)
INTEG   integradora     (none)                     -         -       -     -
AGENT   buying agent    jeans                      tier_1    5000    14    -
======  ==============  =========================  ========  ======  ====  ========
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from escalera.domain.chain import Link, LinkType
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms, insert_links

ASSESSED = dt.date(2026, 11, 2)
M, P = ItemKind.METRIC, ItemKind.PRACTICE

ALFA, BETA, GAMA, DELTA, EPS = (firm_id_from_int(n) for n in range(71_001, 71_006))
M1, M2, M3, INTEG, AGENT = (firm_id_from_int(n) for n in range(71_006, 71_011))

NAMES = {ALFA: "Taller Alfa", BETA: "Maquila Beta", GAMA: "Taller Gama",
         DELTA: "Taller Delta", EPS: "Taller Épsilon", M1: "Costura Uno", M2: "Costura Dos",
         M3: "Costura Tres", INTEG: "Integradora de Uniformes del Bajío",
         AGENT: "Agencia de Compras"}
RANK = {ALFA: 2, BETA: 3, GAMA: 1, DELTA: 2, EPS: 2, M1: 2, M2: 2, M3: 2}  # buyer_tiers
CAPACITY = {ALFA: 1000, BETA: 800, GAMA: 1500, DELTA: 1500, M1: 600, M2: 600, M3: 700}
PRODUCTS = {ALFA: {"jeans"}, BETA: {"jeans"}, GAMA: {"jeans"}, DELTA: {"jeans"},
            EPS: {"jeans"}, M1: {"uniforms"}, M2: {"uniforms"}, M3: {"uniforms"}}
CAPITAL = {ALFA: 100_000.0}
PRODUCERS = set(RANK)  # the agent is not a producer, the integradora makes nothing itself

TIER3 = {(M, "on_time_delivery_pct"): 86.0, (M, "defect_rate_pct"): 5.0,
         (M, "turnaround_days"): 25.0, (P, "final_inspection"): 1.0,
         (P, "production_planning"): 1.0, (P, "separate_business_accounts"): 1.0}
TIER2 = {(M, "on_time_delivery_pct"): 92.0, (M, "defect_rate_pct"): 3.0,
         (M, "lot_acceptance_rate_pct"): 93.0, (M, "defects_per_hundred_units"): 6.0,
         (M, "turnaround_days"): 18.0, (M, "lead_time_days"): 14.0,
         (M, "efficiency_pct"): 60.0, (M, "rework_pct"): 5.0, (M, "wip_days"): 7.0,
         (P, "final_inspection"): 2.0, (P, "inline_inspection"): 1.0,
         (P, "inventory_control"): 1.0, (P, "quality_control_system"): 1.0,
         (P, "production_planning"): 2.0, (P, "plant_layout_wip"): 1.0,
         (P, "separate_business_accounts"): 2.0}
TIER1 = {**TIER2, (M, "on_time_delivery_pct"): 97.0, (M, "defect_rate_pct"): 1.5,
         (M, "lot_acceptance_rate_pct"): 97.0, (M, "defects_per_hundred_units"): 3.0,
         (M, "turnaround_days"): 12.0, (M, "efficiency_pct"): 70.0, (M, "rework_pct"): 3.0,
         (M, "wip_days"): 4.0, (P, "inline_inspection"): 2.0, (P, "inventory_control"): 2.0,
         (P, "quality_control_system"): 2.0, (P, "quality_circles"): 1.0,
         (P, "kanban_jit"): 1.0, (P, "plant_layout_wip"): 2.0}
VALUES: dict[str, dict[tuple[ItemKind, str], float]] = {
    ALFA: TIER2, BETA: TIER1, GAMA: TIER3, DELTA: {**TIER2, (M, "lead_time_days"): 40.0},
    EPS: TIER2, M1: TIER2, M2: TIER2, M3: TIER2, AGENT: TIER1}


def firms() -> list[Firm]:
    """The registry's firms."""
    def producer(fid: str, role: Role, state: str, municipality: str = "",
                 **extra: Any) -> Firm:
        return Firm(id=fid, name=NAMES[fid], roles=(role,), state=state,
                    municipality=municipality, products=tuple(sorted(PRODUCTS.get(fid, ()))),
                    monthly_capacity=CAPACITY.get(fid), working_capital=CAPITAL.get(fid),
                    **extra)

    return [
        producer(ALFA, Role.CONTRACTOR, "Puebla", "Tehuacán", employees=20),
        producer(BETA, Role.MANUFACTURER, "Jalisco", "Guadalajara", employees=180),
        producer(GAMA, Role.CONTRACTOR, "Puebla", employees=12),
        producer(DELTA, Role.CONTRACTOR, "Puebla", employees=25),
        producer(EPS, Role.CONTRACTOR, "Tlaxcala", employees=9),
        producer(M1, Role.CONTRACTOR, "Guanajuato", employees=15),
        producer(M2, Role.CONTRACTOR, "Guanajuato", employees=15),
        producer(M3, Role.CONTRACTOR, "Guanajuato", employees=15),
        Firm(id=INTEG, name=NAMES[INTEG], roles=(Role.INTEGRADORA,), state="Guanajuato"),
        Firm(id=AGENT, name=NAMES[AGENT], roles=(Role.BUYING_AGENT,), state="Puebla",
             products=("jeans",), monthly_capacity=5000),
    ]


def seed(session: Session, assessed: dt.date = ASSESSED) -> None:
    """Store the registry: firms, one final diagnostic each (on ``assessed``), integradora
    memberships."""
    insert_firms(session, firms())
    for n, (fid, values) in enumerate(sorted(VALUES.items()), start=1):
        insert_assessment(session, public_id=f"A-{assessed:%Y%m%d}-{n:04d}", firm_id=fid,
                          stage=Stage.DIAGNOSTIC, assessed_on=assessed,
                          assessor="Ing. Ruiz", values=values)
    insert_links(session, [
        Link(source=member, target=INTEG, type=LinkType.INTEGRADORA_MEMBERSHIP,
             start=dt.date(2020, 1, 1)) for member in (M1, M2)])


def window_shares(start: dt.date, due: dt.date) -> dict[str, float]:
    """Days of ``start`` .. ``due`` (exclusive) per month over all days: counted one by one."""
    counts: dict[str, int] = defaultdict(int)
    day = start
    while day < due:
        counts[f"{day:%Y-%m}"] += 1
        day += dt.timedelta(days=1)
    total = (due - start).days
    return {month: n / total for month, n in counts.items()}
