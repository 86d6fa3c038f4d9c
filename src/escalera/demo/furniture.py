"""The demo's furniture cluster: small furniture makers in Ciudad Hidalgo, Michoacán.

The study's consultant case is a furniture makers' association in Ciudad Hidalgo, "a
relatively remote city in Michoacan", that hired a consultant to upgrade the quality and
efficiency of its members' shops. The garment network has no furniture makers, so the demo's
consultant program gets its own cluster: 46 carpentry shops and furniture workshops, micro
and small, making wood furniture (HS chapter 94) for the domestic market. Enough of them stay
out of the program for the evaluation to find two comparison firms for most participants.

Their assessment histories come from the demo's own generator (the same capability model,
visits and evidence items as the garment firms), drawn from a stream of the seed of their
own: a pool of small producers is generated, judged on the day the program first admits, and
the cluster takes most of its firms at the admission level and the rest below it, so the
evaluator both admits and refuses. Garment buyers' random inspections and garment capacity
counts are left out; capacity is registered in pieces a month. Deterministic for a seed; a
few thousand rows, written in bulk in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
from sqlalchemy import Table
from sqlalchemy.orm import Session

from escalera.analytics.bulk_evaluation import (
    FIRM_ID,
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
    status_column,
)
from escalera.demo.assessments import CAPACITY_METRIC
from escalera.demo.generator import PROVENANCE_FIELDS, demo_source, generate_network
from escalera.demo.names import GIVEN_MALE, SURNAMES
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import LadderStatus
from escalera.domain.firms import normalise_name
from escalera.domain.products import OTHER_PRODUCTS
from escalera.store.bulk import bulk_insert, max_id, sync_id_sequence
from escalera.store.firms import count_firms, firm_names
from escalera.store.tables import Base

STATE, MUNICIPALITY, TOWN = "Michoacán", "Hidalgo", "Ciudad Hidalgo"
PRODUCT = next(p for p in OTHER_PRODUCTS if p.id == "wood_furniture")
CLUSTER_FIRMS = 46  # furniture makers the demo registers
AT_LEVEL = 40  # of them at the admission level on the first admission day; the rest below
POOL = 1500  # small producers generated to draw the cluster from
STREAM = 94  # the cluster's own stream of the seed (94: the HS chapter of furniture)
PIECES_PER_WORKER = (6, 14)  # pieces of furniture a worker makes in a month

TEMPLATES: dict[str, tuple[str, ...]] = {
    "home_workshop": ("Carpintería Don {gm}", "Taller de Carpintería {s}",
                      "Carpintería Familiar {s}", "Ebanistería {gm} {s}",
                      "Tallado en Madera Don {gm}"),
    "contractor": ("Carpintería {s} Hermanos", "Taller de Muebles {s} {s2}",
                   "Maquiladora de Muebles {s}", "Carpintería y Tallado {s}",
                   "Muebles y Acabados {s}", "Aserradero y Carpintería {s} {s2}",
                   "Torneados y Tallados {s}", "Carpintería El Pino {s}"),
    "manufacturer": ("Muebles Rústicos {s}", "Muebles Finos {s} {s2}",
                     "Fábrica de Muebles {s} e Hijos", "Muebles Coloniales {s}",
                     "Muebles de Madera {s} {s2}", "Muebles {town}",
                     "Mueblería {s} Hermanos", "Muebles Michoacanos {s}"),
}


def _names(profiles: list[str], rng: np.random.Generator) -> list[str]:
    """One distinct furniture maker's name per firm (a loop over a few dozen firms)."""
    taken: set[str] = set()
    names = []
    for profile in profiles:
        templates = TEMPLATES[profile]
        while True:
            s, s2 = rng.choice(len(SURNAMES), size=2, replace=False).tolist()
            name = str(rng.choice(templates)).format(
                gm=GIVEN_MALE[int(rng.integers(len(GIVEN_MALE)))], s=SURNAMES[s],
                s2=SURNAMES[s2], town=f"de {TOWN}")
            if normalise_name(name) not in taken:
                break
        taken.add(normalise_name(name))
        names.append(name)
    return names


def _pick(rng: np.random.Generator, frame: pl.DataFrame, n: int) -> list[str]:
    ids = sorted(frame.get_column(FIRM_ID).to_list())
    return sorted(rng.choice(ids, size=min(n, len(ids)), replace=False).tolist()) if ids else []


def seed_furniture_cluster(session: Session, catalog: Catalog, *, seed: int,
                           reference_date: dt.date, judged_on: dt.date, ladder: str,
                           level: str, stale_after_days: int) -> list[str]:
    """Register the cluster's furniture makers with their assessment histories, chosen so
    that most are at ``level`` of ``ladder`` or above on ``judged_on`` and the rest below it;
    returns their public ids."""
    first_serial = count_firms(session) + 1
    network = generate_network(POOL, seed * 1000 + STREAM, reference_date, first_serial)
    rng = np.random.default_rng([seed, STREAM])
    firms = network.firms.with_row_index("firm_index").filter(
        pl.col("profile").is_in(list(TEMPLATES)), pl.col("employees").is_between(2, 50))
    taken = firm_names(session, firms.get_column("firm_id").to_list())  # already registered
    firms = firms.filter(~pl.col("firm_id").is_in(sorted(taken)))
    assessments = network.assessments.with_row_index("assessment_index").filter(
        pl.col("stage") != "random_inspection",
        pl.col("firm_index").is_in(firms.get_column("firm_index").implode()))
    observations = network.observations().filter(
        pl.col("assessment_index").is_in(assessments.get_column("assessment_index").implode()),
        pl.col("item") != CAPACITY_METRIC)

    wide = latest_evidence_frame(observations.drop("assessment_index"), judged_on)
    judged = evaluate_bulk(catalog, firms.select(pl.col("firm_id").alias(FIRM_ID)).join(
        wide, on=FIRM_ID, how="left", maintain_order="left"), judged_on, stale_after_days)
    levels = [lv.id for lv in catalog.ladder(ladder).levels]
    at_level = (judged.get_column(level_column(ladder)).cast(pl.String)
                .is_in(levels[levels.index(level):]).fill_null(False))
    below = judged.get_column(status_column(ladder)).cast(pl.String) == str(
        LadderStatus.BELOW_FIRST_LEVEL)
    chosen = sorted(_pick(rng, judged.filter(at_level), AT_LEVEL)
                    + _pick(rng, judged.filter(below), CLUSTER_FIRMS - AT_LEVEL))
    cluster = firms.filter(pl.col("firm_id").is_in(chosen)).sort("firm_id")
    _write(session, cluster, assessments, observations, seed, rng)
    return cluster.get_column("firm_id").to_list()


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _write(session: Session, cluster: pl.DataFrame, assessments: pl.DataFrame,
           observations: pl.DataFrame, seed: int, rng: np.random.Generator) -> None:
    """The cluster's firms, assessments and observations, with explicit row ids."""
    source = demo_source(seed).model_dump(mode="json")
    provenance = json.dumps(dict.fromkeys(PROVENANCE_FIELDS, source), ensure_ascii=False)
    origin = json.dumps(source, ensure_ascii=False)
    firm_offset = max_id(session, _table("firms")) + 1
    assessment_offset = max_id(session, _table("assessments")) + 1
    n = cluster.height
    names = pl.Series("name", _names(cluster.get_column("profile").to_list(), rng),
                      dtype=pl.String)
    pieces = rng.uniform(*PIECES_PER_WORKER, n) * cluster.get_column("employees").to_numpy()
    firms = cluster.with_row_index("id", offset=firm_offset).select(
        pl.col("id").cast(pl.Int64), pl.col("firm_id").alias("public_id"), names,
        names.map_elements(normalise_name, return_dtype=pl.String).alias("name_key"),
        "roles", pl.lit(STATE).alias("state"), pl.lit(MUNICIPALITY).alias("municipality"),
        pl.lit([PRODUCT.id], pl.List(pl.String)).alias("products"),
        pl.lit([PRODUCT.hs_chapter], pl.List(pl.Int64)).alias("hs_chapters"), "employees",
        pl.Series(np.maximum(np.rint(pieces / 10) * 10, 10).astype(np.int64))
        .alias("monthly_capacity"),
        pl.lit("domestic").alias("export_regime"), pl.lit(False).alias("hosts_visits"),
        pl.lit(provenance).alias("provenance"), "working_capital")
    row_of = dict(zip(cluster.get_column("firm_index").to_list(),
                      firms.get_column("id").to_list(), strict=True))
    kept = assessments.filter(pl.col("firm_index").is_in(list(row_of))).sort(
        "assessed_on", "firm_index", "assessment_index")
    number = pl.int_range(1, pl.len() + 1, dtype=pl.Int64).cast(pl.String).str.zfill(7)
    rows = kept.with_row_index("id", offset=assessment_offset).select(
        pl.col("id").cast(pl.Int64),
        pl.concat_str(pl.lit("A-"), pl.col("assessed_on").dt.strftime("%Y%m%d"),
                      pl.lit("-8"), number).alias("public_id"),
        pl.col("firm_index").replace_strict(row_of, return_dtype=pl.Int64).alias("firm_id"),
        "stage", "assessed_on", "assessor", "status", pl.lit(origin).alias("origin"),
        "assessment_index")
    values = observations.drop("assessment_id").join(
        rows.select(pl.col("id").alias("assessment_id"), "assessment_index"),
        on="assessment_index")
    bulk_insert(session, _table("firms"), firms)
    bulk_insert(session, _table("assessments"), rows.drop("assessment_index"))
    bulk_insert(session, _table("observations"),
                values.select("assessment_id", "kind", "item", "value"))
    sync_id_sequence(session, _table("firms"))
    sync_id_sequence(session, _table("assessments"))
