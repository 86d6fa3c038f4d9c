"""The demo's development programs, modelled on the ones the study describes, so a program
manager meets admission, follow-up and evaluation on believable data:

* two matchmaking fairs — the first aimed at large U.S. department stores (the 1994
  Bancomext fair), the second at Latin American buyers (the 1995 one) — whose funnels
  narrow from meetings to a few orders;
* a consultant program in a furniture cluster, as in the study: the furniture makers of
  Ciudad Hidalgo, Michoacán (:mod:`escalera.demo.furniture` registers them), about two in
  five of whom apply; the others are the firms the evaluation compares them with;
* a credit pilot for the producers that won orders from a Colombian department store at the
  second fair.

Dates sit inside the demo's three-year window before the reference date. The fairs and the
credit pilot draw on the garment producers, the consultant program on the furniture makers
only. The programs' evaluators visit participants and firms like them every quarter (three
ladder metrics); the values follow each firm's latest demo assessment with a common trend
and noise, and the program's effect is added after entry: a modest one for the consultant
program and the credit pilot, little for the first fair. Everything goes through the program
services (the evaluator admits or refuses). Deterministic for a seed; runs in the caller's
transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from sqlalchemy import insert
from sqlalchemy.orm import Session

from escalera.analytics.bulk_evaluation import (
    FIRM_ID,
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
)
from escalera.demo.furniture import TOWN, seed_furniture_cluster
from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import PRODUCER_ROLES
from escalera.domain.programs import (
    Activity,
    ActivityKind,
    Program,
    ProgramStandard,
    ProgramType,
    Threshold,
)
from escalera.services import programs as svc
from escalera.store.evidence import firms_frame, observations_frame
from escalera.store.firms import row_ids
from escalera.store.programs import delete_programs
from escalera.store.tables import AssessmentRow, ObservationRow

OTD, DEFECTS, TURNAROUND = "on_time_delivery_pct", "defect_rate_pct", "turnaround_days"
PANEL_METRICS = (OTD, DEFECTS, TURNAROUND)
ASSESSOR = "Equipo de evaluación de programas"
IDS = ("PRG-FERIA-EEUU", "PRG-FERIA-LATAM", "PRG-CONSULTORIA", "PRG-CREDITO")
US_BUYERS = ("Department store (Dallas)", "Department store (Chicago)",
             "Off-price chain (Houston)", "Department store (Nueva York)")
LATAM_BUYERS = ("Almacenes Andinos (Bogotá)", "Tiendas del Pacífico (Lima)",
                "Galerías del Caribe (Caracas)", "Almacenes del Plata (Buenos Aires)")
COLOMBIAN = LATAM_BUYERS[0]


@dataclass(frozen=True)
class Effect:
    """What a program does to its participants' metrics once fully under way (half a year
    after entry): points of on-time delivery, share of the defect rate removed, days of
    turnaround saved."""

    otd: float
    defects: float
    turnaround: float


@dataclass
class _Plan:
    """A program, its effect, and its intakes: (date, applicants' pool, how many of those
    at the admission level apply, how many below it apply and are refused)."""

    program: Program
    effect: Effect
    intakes: list[tuple[dt.date, list[str], int, int]]
    admitted: list[str] = field(default_factory=list)
    considered: set[str] = field(default_factory=set)


def _programs(r: dt.date) -> list[tuple[Program, Effect]]:
    def day(days_before: int) -> dt.date:
        return r - dt.timedelta(days=days_before)

    tier = ProgramStandard("buyer_tiers", "tier_3")
    return [
        (Program(
            id=IDS[0], name="Encuentro de negocios con tiendas departamentales de EE. UU.",
            type=ProgramType.MATCHMAKING_EVENT,
            sponsor="Banco de comercio exterior y Secretaría de Comercio",
            starts_on=day(820), ends_on=day(819), target_date=day(370), budget=4_500_000,
            admission=tier, target=ProgramStandard("buyer_tiers", "tier_1"),
            entry_segment="domestic_discount_chains", target_segment="large_us_dept_stores",
            description=(
                "Modelado sobre la feria de 1994 en Cancún organizada por Bancomext: "
                "compradores de grandes tiendas departamentales de EE. UU. revisan en "
                "reuniones individuales las colecciones de productores mexicanos. En 1994 "
                "nadie evaluó ni dio seguimiento; aquí cada reunión lleva su embudo.")),
         Effect(0.3, 0.0, 0.0)),
        (Program(
            id=IDS[1], name="Encuentro de negocios con compradores latinoamericanos",
            type=ProgramType.MATCHMAKING_EVENT,
            sponsor="Banco de comercio exterior y Secretaría de Comercio",
            starts_on=day(640), ends_on=day(639), target_date=day(190), budget=3_800_000,
            admission=tier, target=ProgramStandard("buyer_tiers", "tier_2"),
            entry_segment="domestic_discount_chains",
            target_segment="latin_american_dept_stores",
            description=(
                "Modelado sobre la segunda feria (1995), con la conclusión de la primera: "
                "las grandes cadenas de EE. UU. están fuera del alcance de la mayoría; "
                "compradores latinoamericanos, con gustos e ingresos más cercanos, sí.")),
         Effect(1.5, 0.05, 0.5)),
        (Program(
            id=IDS[2], name=f"Consultoría para el clúster mueblero de {TOWN} (Michoacán)",
            type=ProgramType.CONSULTANT_PROGRAM, sponsor="Gobierno del estado de Michoacán y "
            f"la asociación de fabricantes de muebles de {TOWN}", starts_on=day(720),
            ends_on=day(420), target_date=day(150), budget=2_400_000, admission=tier,
            target=ProgramStandard("buyer_tiers", "tier_2"),
            entry_segment="domestic_discount_chains",
            target_segment="latin_american_dept_stores",
            description=(
                "Modelado sobre la consultoría que contrató la asociación de fabricantes de "
                f"muebles de {TOWN}, Michoacán, para mejorar la calidad y la eficiencia de "
                "sus talleres. En el estudio los dueños cambiaron sus prácticas, pero las "
                "aprendieron de memoria: un taller rediseñó su flujo y tenía los pasillos "
                "llenos de trabajo en proceso. Lección que aplica este programa: antes de las "
                "sesiones, visitas a plantas de mejores prácticas y a los productos con que "
                "compiten, para que aprendan los principios y no sólo las recetas.")),
         Effect(4.5, 0.15, 3.0)),
        (Program(
            id=IDS[3], name="Piloto de crédito para pedidos de una tienda departamental "
            "colombiana", type=ProgramType.CREDIT_PILOT,
            sponsor="Banco de comercio exterior", starts_on=day(540), ends_on=day(360),
            target_date=day(180), budget=6_000_000,
            admission=ProgramStandard(thresholds=(
                Threshold(ItemKind.METRIC, OTD, 70),
                Threshold(ItemKind.PRACTICE, "separate_business_accounts", 1))),
            target=ProgramStandard(thresholds=(Threshold(ItemKind.METRIC, OTD, 85),)),
            entry_segment="domestic_discount_chains",
            target_segment="latin_american_dept_stores",
            description=(
                "Como el piloto de Bancomext de 1995: capital de trabajo a corto plazo para "
                "los productores que obtuvieron pedidos de una tienda departamental "
                "colombiana en el segundo encuentro, porque sin él no pueden surtirlos.")),
         Effect(3.0, 0.0, 1.0)),
    ]


def _producers(session: Session) -> pl.DataFrame:
    return (firms_frame(session)
            .filter(pl.col("roles").list.eval(pl.element().is_in(sorted(PRODUCER_ROLES)))
                    .list.any().fill_null(False), pl.col("products").list.len() > 0)
            .select("firm_id", "state", "employees",
                    pl.col("products").list.first().alias("product"))
            .sort("firm_id"))


def _base_values(session: Session, reference: dt.date) -> pl.DataFrame:
    """Each firm's latest demo value of each panel metric (wide; null where never seen)."""
    obs = observations_frame(session, until=reference).filter(
        pl.col("kind") == "metric", pl.col("item").is_in(PANEL_METRICS))
    latest = (obs.sort("observed_on", "assessment_id")
              .group_by("firm_id", "item").agg(pl.col("value").last()))
    wide = latest.pivot("item", index="firm_id", values="value", sort_columns=True)
    for metric in PANEL_METRICS:
        if metric not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(metric))
    return wide


def _pick(rng: np.random.Generator, ids: list[str], n: int) -> list[str]:
    """``n`` of ``ids`` at random (all when fewer), the same for the same seed."""
    ids = sorted(set(ids))
    return sorted(rng.choice(ids, size=min(n, len(ids)), replace=False).tolist()) if ids else []


def _plans(session: Session, rng: np.random.Generator, r: dt.date,
           specs: list[tuple[Program, Effect]], furniture: list[str]
           ) -> tuple[list[_Plan], pl.DataFrame]:
    producers = _producers(session).join(_base_values(session, r), on="firm_id", how="inner")
    garment = producers.filter(~pl.col("firm_id").is_in(furniture))
    larger = garment.filter(pl.col("employees") > 50).get_column("firm_id").to_list()
    smaller = garment.filter(pl.col("employees") <= 100).get_column("firm_id").to_list()
    cluster = producers.filter(pl.col("firm_id").is_in(furniture)).get_column(
        "firm_id").to_list()
    fair1 = _pick(rng, larger, 80)
    fair2 = _pick(rng, [f for f in smaller if f not in fair1], 120)
    start = specs[2][0].starts_on
    plans = [_Plan(specs[0][0], specs[0][1], [(specs[0][0].starts_on, fair1, 13, 4)]),
             _Plan(specs[1][0], specs[1][1], [(specs[1][0].starts_on, fair2, 24, 5)]),
             # two in five of the cluster apply; the others are the firms it is compared with
             _Plan(specs[2][0], specs[2][1], [(start, cluster, 7, 2),
                                               (start + dt.timedelta(days=180), cluster, 7, 2)]),
             _Plan(specs[3][0], specs[3][1], [])]  # applicants: the second fair's orders
    return plans, producers


def _panel_firms(plans: list[_Plan], producers: pl.DataFrame, rng: np.random.Generator
                 ) -> list[str]:
    """Every applicant pool and, from their region and product, firms the evaluators also
    visit for comparison."""
    pools = {f for plan in plans for _, pool, _, _ in plan.intakes for f in pool}
    cells = producers.filter(pl.col("firm_id").is_in(sorted(pools))).select(
        "state", "product").unique()
    alike = producers.join(cells, on=["state", "product"]).filter(
        ~pl.col("firm_id").is_in(sorted(pools))).get_column("firm_id").to_list()
    return sorted(pools | set(_pick(rng, alike, len(pools))))


def _applicants(session: Session, catalog: Catalog, plan: _Plan, day: dt.date,
                pool: list[str], fits: int, unfit: int, rng: np.random.Generator,
                stale_after_days: int) -> list[str]:
    """Firms of ``pool`` that apply: ``fits`` at the admission level on ``day`` and ``unfit``
    below it (refused by the evaluator), judged on what is known that day."""
    pool = [f for f in pool if f not in plan.considered]
    wide = latest_evidence_frame(observations_frame(session, until=day), day)
    frame = pl.DataFrame({FIRM_ID: pool}, schema={FIRM_ID: pl.String}).join(
        wide, on=FIRM_ID, how="left", maintain_order="left")
    judged = evaluate_bulk(catalog, frame, day, stale_after_days)
    standard = plan.program.admission
    ladder = catalog.ladder(str(standard.ladder))
    need = ladder.level_index(str(standard.level))
    ok = {lv.id for lv in ladder.levels[need:]}
    at_level = (judged.get_column(level_column(ladder.id)).cast(pl.String)
                .is_in(sorted(ok)).fill_null(False))
    good = judged.filter(at_level).get_column(FIRM_ID).to_list()
    bad = judged.filter(~at_level).get_column(FIRM_ID).to_list()
    return sorted(_pick(rng, good, fits) + _pick(rng, bad, unfit))


@dataclass(frozen=True)
class _Visit:
    on: dt.date
    firm_id: str
    values: dict[str, float]


def _series(firms: list[str], producers: pl.DataFrame, r: dt.date,
            rng: np.random.Generator) -> list[_Visit]:
    """Quarterly visits over the window: latest demo value + trend + noise (no effect yet)."""
    base = {row["firm_id"]: row for row in producers.iter_rows(named=True)}
    start = r - dt.timedelta(days=3 * 365 - 40)
    quarters = (r - start).days // 91
    trend = np.cumsum(rng.normal(0.25, 0.4, quarters + 1))
    visits = []
    for firm in firms:
        offset = int(rng.integers(0, 50))
        for q in range(quarters + 1):
            on = start + dt.timedelta(days=91 * q + offset)
            if on >= r:
                break
            b, values = base[firm], {}
            if b[OTD] is not None:
                values[OTD] = float(b[OTD]) - 3.0 + trend[q] + rng.normal(0, 1.2)
            if b[DEFECTS] is not None:
                values[DEFECTS] = float(b[DEFECTS]) * (1.1 - 0.01 * q) * rng.normal(1, 0.06)
            if b[TURNAROUND] is not None:
                values[TURNAROUND] = float(b[TURNAROUND]) + 1.0 - 0.1 * q + rng.normal(0, 1.0)
            visits.append(_Visit(on, firm, values))
    return sorted(visits, key=lambda v: (v.on, v.firm_id))


def _apply(visit: _Visit, entries: dict[str, list[tuple[dt.date, Effect]]]) -> dict[str, float]:
    values = dict(visit.values)
    for entered, effect in entries.get(visit.firm_id, []):
        if visit.on < entered:
            continue
        ramp = min(1.0, 0.4 + (visit.on - entered).days / 180)
        if OTD in values:
            values[OTD] += effect.otd * ramp
        if DEFECTS in values:
            values[DEFECTS] *= 1 - effect.defects * ramp
        if TURNAROUND in values:
            values[TURNAROUND] -= effect.turnaround * ramp
    bounds = {OTD: (20.0, 100.0, 1), DEFECTS: (0.2, 100.0, 2), TURNAROUND: (3.0, 365.0, 1)}
    return {k: round(min(max(v, bounds[k][0]), bounds[k][1]), int(bounds[k][2]))
            for k, v in values.items()}


class _Writer:
    """Writes visits as final follow-up assessments, in date order, up to a date."""

    def __init__(self, session: Session, visits: list[_Visit]) -> None:
        self.session, self.visits, self.done = session, visits, 0
        self.ids = row_ids(session, sorted({v.firm_id for v in visits}))

    def until(self, day: dt.date | None,
              entries: dict[str, list[tuple[dt.date, Effect]]]) -> None:
        batch = []
        while self.done < len(self.visits) and (day is None or self.visits[self.done].on < day):
            batch.append(self.visits[self.done])
            self.done += 1
        if not batch:
            return
        start = self.done - len(batch)
        rows = [{"public_id": f"A-{v.on:%Y%m%d}-9{start + i:07d}",
                 "firm_id": self.ids[v.firm_id], "stage": str(Stage.FOLLOW_UP),
                 "assessed_on": v.on, "assessor": ASSESSOR, "status": "final",
                 "origin": {"demo": "programs"}} for i, v in enumerate(batch)]
        got = dict((pid, rid) for rid, pid in self.session.execute(
            insert(AssessmentRow).returning(AssessmentRow.id, AssessmentRow.public_id), rows))
        observations = [{"assessment_id": got[str(row["public_id"])], "kind": "metric",
                         "item": item, "value": value}
                        for row, v in zip(rows, batch, strict=True)
                        for item, value in _apply(v, entries).items()]
        if observations:
            self.session.execute(insert(ObservationRow), observations)


def _funnel(rng: np.random.Generator, firms: list[str], buyers: tuple[str, ...],
            start: dt.date, rates: tuple[float, ...], close: bool) -> list[Activity]:
    """Meetings with two or three buyers each, then each stage with its chance."""
    stages = (ActivityKind.SAMPLE, ActivityKind.QUOTE, ActivityKind.ORDER,
              ActivityKind.ON_TIME_DELIVERY, ActivityKind.REPEAT_ORDER)
    lags = (25, 50, 80, 150, 260)
    out = []
    for firm in firms:
        others = rng.choice(buyers[1:], size=int(rng.integers(1, 3)), replace=False).tolist()
        met = [buyers[0], *others] if close else [*others, str(rng.choice(buyers[:1] + buyers[3:]))]
        for buyer in dict.fromkeys(met):
            out.append(Activity(ActivityKind.MATCHMAKING_MEETING, start, firm, buyer))
            last = start
            for stage, lag, rate in zip(stages, lags, rates, strict=True):
                if rng.random() >= rate:
                    if close:
                        out.append(Activity(ActivityKind.NO_DEAL,
                                            last + dt.timedelta(days=20), firm, buyer))
                    break
                last = start + dt.timedelta(days=lag + int(rng.integers(0, 15)))
                units = int(rng.integers(8, 30)) * (1 if stage is ActivityKind.SAMPLE
                                                    else 100)
                out.append(Activity(stage, last, firm, buyer, units=units))
    return out


def seed_programs(session: Session, catalog: Catalog, *, seed: int, reference_date: dt.date,
                  stale_after_days: int) -> dict[str, int]:
    """Store the four demo programs with their admissions, records and follow-up visits."""
    delete_programs(session, IDS)  # a reset wipes firms, not programs
    rng = np.random.default_rng(seed + 7)
    specs = _programs(reference_date)
    consultant = specs[2][0].admission
    furniture = seed_furniture_cluster(
        session, catalog, seed=seed, reference_date=reference_date,
        judged_on=specs[2][0].starts_on, ladder=str(consultant.ladder),
        level=str(consultant.level), stale_after_days=stale_after_days)
    plans, producers = _plans(session, rng, reference_date, specs, furniture)
    credit = plans[3]
    for plan in plans:
        svc.create(session, catalog, plan.program)
    visits = _series(_panel_firms(plans, producers, rng), producers, reference_date, rng)
    writer = _Writer(session, visits)
    entries: dict[str, list[tuple[dt.date, Effect]]] = {}
    records: dict[str, list[Activity]] = {}
    events = sorted([(day, i, pool, fits, unfit) for i, plan in enumerate(plans)
                     for day, pool, fits, unfit in plan.intakes] +
                    [(credit.program.starts_on, 3, [], 0, 0)], key=lambda e: (e[0], e[1]))
    refused = 0
    for day, index, pool, fits, unfit in events:
        plan = plans[index]
        writer.until(day, entries)
        if index == 3:  # the firms with an order from the Colombian store apply
            firms = sorted({a.firm_id for a in records.get(IDS[1], [])
                            if a.kind is ActivityKind.ORDER and a.buyer == COLOMBIAN
                            and a.firm_id})
        else:
            firms = _applicants(session, catalog, plan, day, pool, fits, unfit, rng,
                                stale_after_days)
        if not firms:
            continue
        decisions = svc.admit(session, catalog, plan.program.id, firms, day, stale_after_days)
        admitted = [d.firm_id for d in decisions if d.admitted]
        refused += len(decisions) - len(admitted)
        plan.admitted += admitted
        plan.considered |= set(firms)
        for firm in admitted:
            entries.setdefault(firm, []).append((day, plan.effect))
        if index in (0, 1):
            records[plan.program.id] = _funnel(
                rng, admitted, US_BUYERS if index == 0 else LATAM_BUYERS, day,
                (0.35, 0.35, 0.3, 0.6, 0.0) if index == 0 else (0.75, 0.8, 0.65, 0.8, 0.6),
                close=index == 1)
    writer.until(None, entries)
    records.setdefault(IDS[2], []).extend(_consultant_records(plans[2], rng))
    records.setdefault(IDS[3], []).extend(_credit_records(credit, rng))
    for pid, activities in records.items():
        svc.record(session, pid, activities)
    return {"programs": len(plans), "furniture_firms": len(furniture),
            "admitted": sum(len(p.admitted) for p in plans),
            "refused": refused, "records": sum(len(a) for a in records.values()),
            "follow_up_visits": len(visits)}


def _consultant_records(plan: _Plan, rng: np.random.Generator) -> list[Activity]:
    start = plan.program.starts_on
    visits = ("Visita a una fábrica de muebles de exportación en Ocotlán, Jalisco",
              "Visita a salas de exhibición de muebles importados en la Ciudad de México, "
              "para ver los productos con que compiten")
    out = [Activity(ActivityKind.BEST_PRACTICE_VISIT, start + dt.timedelta(days=14 + 180 * k),
                    note=note) for k, note in enumerate(visits)]
    for firm in plan.admitted:
        out += [Activity(ActivityKind.CONSULTANT_SESSION,
                         start + dt.timedelta(days=30 * m + int(rng.integers(0, 10))), firm)
                for m in range(1, 9)]
    return [a for a in out if a.on <= plan.program.ends_on]


def _credit_records(plan: _Plan, rng: np.random.Generator) -> list[Activity]:
    out = []
    for firm in plan.admitted:
        amount = float(rng.integers(15, 45)) * 10_000
        paid_on = plan.program.starts_on + dt.timedelta(days=int(rng.integers(95, 140)))
        out.append(Activity(ActivityKind.CREDIT_DISBURSEMENT, plan.program.starts_on, firm,
                            amount=amount, note="Capital de trabajo para el pedido"))
        if rng.random() < 0.85:  # most repay on time; the rest are still owed
            out.append(Activity(ActivityKind.CREDIT_REPAYMENT, paid_on, firm, amount=amount))
    return out
