"""Three years of assessments and their observations, column-wise.

Every producer has a latent *capability* (see ``escalera.demo.population``) that climbs
slowly: a few hundredths to a few tenths a year, faster under a foreign partner's tutelage
(12-18 months to learn) and while in an empresa integradora; a contractor who jumped ship
drifts back ("its capacity to compete ... must deteriorate progressively"). Visits sample
that capability with noise: metric values through monotone curves between anchor points,
practice maturities 0-3 through per-practice lines. Each firm also has lasting strengths
and weaknesses per item, so levels are not a single number in disguise.

The anchor scale: capability 0 is about the buyers' tier 3, 1 about tier 2, 2 about tier 1.
These curves describe the world, not a standard: they are not read from the catalog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from escalera.demo.network import YEAR, TutelageHistory
from escalera.demo.population import IS_PRODUCER, PROFILES, P, Population

WINDOW_DAYS = 3 * YEAR
CHUNK_ASSESSMENTS = 100_000  # observation chunks; fixed so every consumer sees the same data

_C = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0])


@dataclass(frozen=True)
class MetricModel:
    """Values at capability -2..3, whether to interpolate in log space, decimals."""

    id: str
    anchors: tuple[float, float, float, float, float, float]
    log: bool
    decimals: int
    maximum: float | None = None


METRICS: tuple[MetricModel, ...] = (
    MetricModel("on_time_delivery_pct", (48, 67, 82, 91.5, 96.5, 99), False, 1, 100),
    MetricModel("defect_rate_pct", (16, 9.5, 5.6, 3.6, 1.8, 0.9), True, 2, 100),
    MetricModel("lot_acceptance_rate_pct", (58, 77, 88, 93.5, 97.5, 99.5), False, 1, 100),
    MetricModel("defects_per_hundred_units", (32, 18, 10.5, 6.8, 3.4, 1.8), True, 1),
    MetricModel("turnaround_days", (56, 38, 26, 18.5, 12, 8), True, 0),
    MetricModel("lead_time_days", (135, 105, 84, 66, 45, 35), True, 0),
    MetricModel("capacity_units_month", (0, 0, 0, 0, 0, 0), False, 0),  # from the firm's size
    MetricModel("efficiency_pct", (24, 34, 45, 56, 70, 88), False, 1, 200),
    MetricModel("rework_pct", (21, 13, 8.8, 6.0, 3.2, 1.8), True, 1, 100),
    MetricModel("wip_days", (26, 16, 11, 7.5, 4.2, 2.8), True, 1),
    MetricModel("labour_turnover_pct", (13, 9.5, 7, 5, 3.4, 2.4), True, 1, 100),
    MetricModel("absenteeism_pct", (11, 8.5, 6.2, 4.6, 3.2, 2.4), True, 1, 100),
)
METRIC_IDS = tuple(m.id for m in METRICS)
CAPACITY_METRIC = "capacity_units_month"

# Practice maturity = floor(intercept + slope * capability + profile offset + noise), 0-3.
PRACTICES: tuple[tuple[str, float, float], ...] = (
    ("final_inspection", 1.45, 0.85),
    ("inline_inspection", 0.95, 0.75),
    ("inventory_control", 1.15, 0.75),
    ("quality_control_system", 0.85, 0.72),
    ("quality_circles", 0.15, 0.55),
    ("kanban_jit", 0.05, 0.55),
    ("production_planning", 1.45, 0.75),
    ("plant_layout_wip", 0.95, 0.72),
    ("separate_business_accounts", 1.35, 0.65),
    ("own_design", 0.35, 0.4),
)
PRACTICE_IDS = tuple(p[0] for p in PRACTICES)
ITEMS = METRIC_IDS + PRACTICE_IDS
ITEM_KINDS = ("metric",) * len(METRIC_IDS) + ("practice",) * len(PRACTICE_IDS)

# Profile offsets: corporate books in maquilas and manufacturers, intermingled household
# accounts in home workshops; design stays with manufacturers and jobbers ("maquiladoras
# give up design" when they enter a foreign partnership).
_PRACTICE_OFFSETS = {
    ("separate_business_accounts", "maquila"): 0.9,
    ("separate_business_accounts", "manufacturer"): 0.5,
    ("separate_business_accounts", "integradora"): 0.4,
    ("separate_business_accounts", "home_workshop"): -0.5,
    ("own_design", "manufacturer"): 1.0,
    ("own_design", "jobber"): 1.0,
    ("own_design", "maquila"): -0.9,
    ("own_design", "home_workshop"): -0.5,
    ("own_design", "contractor"): -0.4,
}

STAGES = ("screening", "diagnostic", "follow_up", "random_inspection")
_STAGE_ITEMS = {
    "screening": {"on_time_delivery_pct", "defect_rate_pct", "turnaround_days",
                  "lead_time_days", "capacity_units_month", "final_inspection",
                  "inventory_control", "production_planning", "separate_business_accounts"},
    "diagnostic": set(ITEMS),
    "follow_up": set(ITEMS) - {"labour_turnover_pct", "absenteeism_pct", "own_design"},
    "random_inspection": {"defect_rate_pct", "lot_acceptance_rate_pct",
                          "defects_per_hundred_units"},
}
STAGE_MASK = np.array([[item in _STAGE_ITEMS[s] for item in ITEMS] for s in STAGES])

# Who is visited: the share ever assessed, the share whose first visit is a half-day
# screening, the chance of coming back after each visit.
ASSESSED = {"home_workshop": 0.7, "contractor": 0.85, "manufacturer": 0.9, "maquila": 0.97,
            "jobber": 0.8, "integradora": 0.9}
SCREENED_FIRST = {"home_workshop": 0.9, "contractor": 0.75, "manufacturer": 0.5,
                  "maquila": 0.2, "jobber": 0.6, "integradora": 0.6}
RETURNS = {"home_workshop": 0.75, "contractor": 0.8, "manufacturer": 0.85, "maquila": 0.95,
           "jobber": 0.8, "integradora": 0.85}
MAX_VISITS = 8

ASSESSORS = (
    "Ing. Rosa Castañeda", "Ing. Héctor Zúñiga", "Lic. Marisol Peña", "Ing. Joaquín Ordóñez",
    "Ing. Araceli Muñoz", "Ing. Raúl Avendaño", "Lic. Teresa Ibáñez", "Ing. Martín Cetina",
    "Ing. Gabriela Núñez", "Ing. Efraín Montaño", "Lic. Rocío Villaseñor", "Ing. Tomás Pech",
    "Ing. Leticia Orozco", "Ing. Germán Solís", "Lic. Adriana Velázquez", "Ing. Julián Canché",
)
BUYER_INSPECTOR = "Control de calidad del comprador"


@dataclass(frozen=True)
class Latent:
    """Everything the observation chunks need about the firms."""

    capability: np.ndarray
    growth: np.ndarray
    profile: np.ndarray
    monthly_capacity: np.ndarray
    history: TutelageHistory
    tutelage_gain: np.ndarray
    item_effect: np.ndarray  # (firms, items) lasting strengths and weaknesses, float32


def latent(pop: Population, history: TutelageHistory, rng: np.random.Generator) -> Latent:
    """Draw each firm's lasting item effects and tutelage gain."""
    n = len(pop.profile)
    effect = rng.standard_normal((n, len(ITEMS)), dtype=np.float32)
    effect[:, : len(METRIC_IDS)] *= np.float32(0.2)
    effect[:, len(METRIC_IDS):] *= np.float32(0.25)
    return Latent(capability=pop.capability, growth=pop.growth, profile=pop.profile,
                  monthly_capacity=pop.monthly_capacity, history=history,
                  tutelage_gain=rng.uniform(0.8, 1.3, n), item_effect=effect)


def capability_on(lat: Latent, firm: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Capability of ``firm`` on ``day`` (offset from the reference date, negative = past)."""
    years = (day + WINDOW_DAYS) / YEAR
    c: np.ndarray = lat.capability[firm] + lat.growth[firm] * years
    h = lat.history
    start, span, end = h.start[firm], h.span[firm], h.end[firm]
    tutored = ~np.isnan(start)
    if tutored.any():
        s, sp, e = start[tutored], span[tutored], end[tutored]
        d = day[tutored]
        gain = lat.tutelage_gain[firm[tutored]]
        stop = np.where(np.isnan(e), np.inf, e)
        learnt = gain * np.clip((np.minimum(d, stop) - s) / sp, 0, 1)
        after = np.maximum(d - stop, 0) / YEAR
        drift = np.where(h.jumped[firm[tutored]], 0.45 * after, 0.0)
        c[tutored] += np.maximum(learnt - drift, 0.0)
    joined, left = h.membership_start[firm], h.membership_end[firm]
    member = ~np.isnan(joined)
    if member.any():
        d = day[member]
        stop = np.where(np.isnan(left[member]), np.inf, left[member])
        c[member] += 0.15 * np.maximum(np.minimum(d, stop) - joined[member], 0) / YEAR
    return c


def generate_assessments(pop: Population, lat: Latent, inspected: np.ndarray,
                         rng: np.random.Generator, reference_date: dt.date, origin_json: str
                         ) -> pl.DataFrame:
    """Visits over the three years up to ``reference_date``, sorted by firm and date."""
    n = len(pop.profile)
    profile = pop.profile
    assessed_p = np.zeros(len(PROFILES))
    screened_p = np.zeros(len(PROFILES))
    returns_p = np.zeros(len(PROFILES))
    for name in ASSESSED:
        assessed_p[P[name]] = ASSESSED[name]
        screened_p[P[name]] = SCREENED_FIRST[name]
        returns_p[P[name]] = RETURNS[name]
    u = rng.random((4, n))
    firms = np.flatnonzero(IS_PRODUCER[profile] & (u[0] < assessed_p[profile]))
    k = len(firms)
    first = -WINDOW_DAYS + np.floor(rng.random(k) ** 1.2 * (WINDOW_DAYS - 30))
    gaps = rng.integers(150, 450, (k, MAX_VISITS - 1))
    days = np.concatenate([first[:, None], first[:, None] + np.cumsum(gaps, axis=1)], axis=1)
    back = rng.random((k, MAX_VISITS - 1)) < returns_p[profile[firms]][:, None]
    going = np.concatenate([np.ones((k, 1), dtype=bool), np.cumprod(back, axis=1) > 0], axis=1)
    keep = going & (days <= -1)
    visit_no = np.broadcast_to(np.arange(MAX_VISITS), (k, MAX_VISITS))
    screened = (u[1] < screened_p[profile])[firms][:, None]
    later = rng.random((k, MAX_VISITS)) < 0.7
    stage = np.where(visit_no == 0, np.where(screened, 0, 1),
                     np.where(visit_no == 1, np.where(screened, 1, 2), np.where(later, 2, 1)))
    firm_col = np.broadcast_to(firms[:, None], (k, MAX_VISITS))[keep]
    day_col = days[keep]
    stage_col = stage[keep]

    # Buyers' random quality inspections at firms with buyers on the floor.
    watched = firms[inspected[firms]]
    count = rng.poisson(2.0, len(watched))
    insp_firm = np.repeat(watched, count)
    insp_day = -rng.integers(1, WINDOW_DAYS, len(insp_firm))
    firm_col = np.concatenate([firm_col, insp_firm])
    day_col = np.concatenate([day_col, insp_day]).astype(np.int64)
    stage_col = np.concatenate([stage_col, np.full(len(insp_firm), 3)])

    order = np.lexsort((stage_col, day_col, firm_col))
    firm_col, day_col, stage_col = firm_col[order], day_col[order], stage_col[order]
    team = (pop.state[firm_col] * 3 + rng.integers(0, 3, len(firm_col))) % len(ASSESSORS)
    assessor = np.where(stage_col == 3, len(ASSESSORS), team)

    epoch = (reference_date - dt.date(1970, 1, 1)).days
    frame = pl.DataFrame({
        "firm_index": firm_col.astype(np.int64),
        "assessed_on": pl.Series((day_col + epoch).astype(np.int32)).cast(pl.Date),
        "stage": pl.Series(STAGES, dtype=pl.String).gather(stage_col),
        "assessor": pl.Series((*ASSESSORS, BUYER_INSPECTOR), dtype=pl.String).gather(assessor),
        "day": day_col,
    })
    number = pl.int_range(1, pl.len() + 1, dtype=pl.Int64).cast(pl.String).str.zfill(8)
    return frame.with_columns(
        assessment_id=pl.concat_str(pl.lit("A-"), pl.col("assessed_on").dt.strftime("%Y%m%d"),
                                    pl.lit("-"), number),
        firm_id=pop.firms["firm_id"].gather(frame["firm_index"]),
        status=pl.lit("final"),
        origin=pl.lit(origin_json),
    ).select("assessment_id", "firm_id", "stage", "assessed_on", "assessor", "status",
             "origin", "firm_index", "day")


def _metric_values(z: np.ndarray, model: MetricModel, rng: np.random.Generator) -> np.ndarray:
    anchors = np.asarray(model.anchors, dtype=np.float64)
    value: np.ndarray
    if model.log:
        value = np.exp(np.interp(z, _C, np.log(anchors)) + 0.05 * rng.standard_normal(len(z)))
    else:
        value = np.interp(z, _C, anchors) + 0.8 * rng.standard_normal(len(z))
    value = np.round(np.maximum(value, 0.0), model.decimals)
    if model.id.endswith("_days"):
        value = np.maximum(value, 1.0 if model.decimals == 0 else 0.5)
    if model.maximum is not None:
        value = np.minimum(value, model.maximum)
    return value


def observation_chunk(assessments: pl.DataFrame, lat: Latent, firm_ids: pl.Series,
                      rng: np.random.Generator) -> pl.DataFrame:
    """The observations of a slice of assessments (long: one row per item observed)."""
    firm = assessments["firm_index"].to_numpy()
    day = assessments["day"].to_numpy()
    stage = assessments["stage"].replace_strict(list(STAGES), list(range(len(STAGES))),
                                                return_dtype=pl.Int64).to_numpy()
    a = len(firm)
    c = capability_on(lat, firm, day)
    values = np.empty((a, len(ITEMS)), dtype=np.float64)
    effect = lat.item_effect[firm].astype(np.float64)
    noise = rng.standard_normal((a, len(ITEMS)))
    for j, model in enumerate(METRICS):
        if model.id == CAPACITY_METRIC:
            cap = lat.monthly_capacity[firm].astype(np.float64)
            values[:, j] = np.round(np.maximum(cap, 0) * np.exp(0.08 * noise[:, j]) / 10) * 10
            continue
        values[:, j] = _metric_values(c + effect[:, j] + 0.18 * noise[:, j], model, rng)
    profile = lat.profile[firm]
    for i, (pid, intercept, slope) in enumerate(PRACTICES):
        j = len(METRICS) + i
        offset = np.zeros(len(PROFILES))
        for (practice, prof), shift in _PRACTICE_OFFSETS.items():
            if practice == pid:
                offset[P[prof]] = shift
        score = intercept + slope * c + offset[profile] + effect[:, j] + 0.2 * noise[:, j]
        values[:, j] = np.clip(np.floor(score), 0, 3)
    observed = STAGE_MASK[stage]
    observed[:, METRIC_IDS.index(CAPACITY_METRIC)] &= lat.monthly_capacity[firm] >= 0
    rows, cols = np.nonzero(observed)
    return pl.DataFrame({
        "firm_id": firm_ids.gather(firm[rows]),
        "assessment_id": assessments["assessment_id"].gather(rows),
        "observed_on": assessments["assessed_on"].gather(rows),
        "kind": pl.Series(ITEM_KINDS, dtype=pl.String).gather(cols),
        "item": pl.Series(ITEMS, dtype=pl.String).gather(cols),
        "value": values[rows, cols],
        "assessment_index": (assessments["assessment_index"].to_numpy()[rows]
                             if "assessment_index" in assessments.columns else rows),
    })


def observation_chunks(assessments: pl.DataFrame, lat: Latent, firm_ids: pl.Series,
                       seed: int, stream: int) -> Iterator[pl.DataFrame]:
    """Observations in chunks of ``CHUNK_ASSESSMENTS`` visits, each from its own generator."""
    indexed = assessments.with_row_index("assessment_index").with_columns(
        pl.col("assessment_index").cast(pl.Int64))
    for number, start in enumerate(range(0, len(indexed), CHUNK_ASSESSMENTS)):
        rng = np.random.default_rng([seed, stream, number])
        yield observation_chunk(indexed.slice(start, CHUNK_ASSESSMENTS), lat, firm_ids, rng)
