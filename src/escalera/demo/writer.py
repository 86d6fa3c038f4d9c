"""Write a generated network to the database (one transaction) or to Parquet files.

Both writers stream observations chunk by chunk, so a million firms never hold every
observation in memory at once, and report progress per table through ``Progress``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol

import polars as pl
import pyarrow.parquet as pq
from sqlalchemy import Table
from sqlalchemy.orm import Session

from escalera.demo.assessments import CAPACITY_METRIC, ITEMS, STAGE_MASK, STAGES
from escalera.demo.generator import (
    ASSESSMENT_COLUMNS,
    FIRM_COLUMNS,
    LINK_COLUMNS,
    OBSERVATION_COLUMNS,
    DemoNetwork,
)
from escalera.domain.firms import normalise_name
from escalera.store.bulk import bulk_insert, max_id, sync_id_sequence
from escalera.store.tables import Base

TABLES = ("firms", "links", "assessments", "observations")


class Progress(Protocol):
    """Receives progress: ``start`` once per table with its row count, then ``advance``."""

    def start(self, table: str, total: int) -> None:
        """A table is about to be written."""

    def advance(self, table: str, rows: int) -> None:
        """``rows`` more rows of ``table`` are written."""


class NoProgress:
    """Progress that goes nowhere."""

    def start(self, table: str, total: int) -> None:
        """Ignore."""

    def advance(self, table: str, rows: int) -> None:
        """Ignore."""


@dataclass(frozen=True)
class WriteSummary:
    """Rows written per table."""

    firms: int
    links: int
    assessments: int
    observations: int

    def as_dict(self) -> dict[str, int]:
        """``{"firms": ..., "links": ..., "assessments": ..., "observations": ...}``."""
        return {"firms": self.firms, "links": self.links, "assessments": self.assessments,
                "observations": self.observations}


def observation_count(network: DemoNetwork) -> int:
    """How many observations the network's assessments hold (without generating them)."""
    per_stage = STAGE_MASK.sum(axis=1)
    capacity_col = ITEMS.index(CAPACITY_METRIC)
    stage = network.assessments["stage"].replace_strict(
        list(STAGES), list(range(len(STAGES))), return_dtype=pl.Int64).to_numpy()
    firm = network.assessments["firm_index"].to_numpy()
    no_capacity = network.latent.monthly_capacity[firm] < 0
    return int(per_stage[stage].sum() - (STAGE_MASK[stage, capacity_col] & no_capacity).sum())


def write_parquet(network: DemoNetwork, directory: Path,
                  progress: Progress | None = None) -> WriteSummary:
    """``firms.parquet``, ``links.parquet``, ``assessments.parquet`` and
    ``observations.parquet`` in ``directory`` (created if needed), zstd-compressed."""
    progress = progress or NoProgress()
    directory.mkdir(parents=True, exist_ok=True)
    frames = {"firms": network.firms.select(FIRM_COLUMNS),
              "links": network.links.select(LINK_COLUMNS),
              "assessments": network.assessments.select(ASSESSMENT_COLUMNS)}
    for table, frame in frames.items():
        progress.start(table, len(frame))
        frame.write_parquet(directory / f"{table}.parquet", compression="zstd")
        progress.advance(table, len(frame))
    progress.start("observations", observation_count(network))
    written = 0
    writer: pq.ParquetWriter | None = None
    try:
        for chunk in network.observation_chunks():
            table = chunk.select(OBSERVATION_COLUMNS).to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(directory / "observations.parquet", table.schema,
                                          compression="zstd")
            writer.write_table(table)
            written += len(chunk)
            progress.advance("observations", len(chunk))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # no assessments at all: still one (empty) file per table
        from escalera.demo.generator import observation_chunks_empty

        observation_chunks_empty().select(OBSERVATION_COLUMNS).write_parquet(
            directory / "observations.parquet")
    return WriteSummary(firms=len(frames["firms"]), links=len(frames["links"]),
                        assessments=len(frames["assessments"]), observations=written)


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _name_keys(names: pl.Series) -> pl.Series:
    """``normalise_name`` of each name, computed once per distinct name."""
    distinct = names.unique(maintain_order=True)
    keys = pl.Series([normalise_name(n) for n in distinct.to_list()], dtype=pl.String)
    return names.replace_strict(distinct, keys, return_dtype=pl.String)


def write_database(session: Session, network: DemoNetwork,
                   progress: Progress | None = None) -> WriteSummary:
    """Insert the network into the registry tables (no commit: the caller's transaction).

    Firms and assessments get explicit row ids after the largest existing one, so links,
    assessments and observations reference them without reading anything back.
    """
    progress = progress or NoProgress()
    firm_offset = max_id(session, _table("firms")) + 1
    assessment_offset = max_id(session, _table("assessments")) + 1

    firms = network.firms.with_row_index("id", offset=firm_offset).select(
        pl.col("id").cast(pl.Int64), pl.col("firm_id").alias("public_id"), "name",
        _name_keys(network.firms["name"]).alias("name_key"), "roles", "state",
        "municipality", "products", "hs_chapters", "employees", "monthly_capacity",
        "export_regime", "hosts_visits", "provenance", "working_capital",
    )
    links = network.links.select(
        (pl.col("source_index") + firm_offset).alias("source_id"),
        (pl.col("target_index") + firm_offset).alias("target_id"),
        "type", "start", "end", "exclusive", "volume_share", "ended_reason", "origin",
    )
    assessments = network.assessments.with_row_index("id", offset=assessment_offset).select(
        pl.col("id").cast(pl.Int64), pl.col("assessment_id").alias("public_id"),
        (pl.col("firm_index") + firm_offset).alias("firm_id"), "stage", "assessed_on",
        "assessor", "status", "origin",
    )
    for name, table, frame in (("firms", _table("firms"), firms),
                               ("links", _table("links"), links),
                               ("assessments", _table("assessments"), assessments)):
        progress.start(name, len(frame))
        bulk_insert(session, table, frame,
                    on_chunk=partial(progress.advance, name))
    sync_id_sequence(session, _table("firms"))
    sync_id_sequence(session, _table("assessments"))

    progress.start("observations", observation_count(network))
    written = 0
    for chunk in network.observation_chunks():
        rows = chunk.select(
            (pl.col("assessment_index") + assessment_offset).alias("assessment_id"),
            "kind", "item", "value",
        )
        written += bulk_insert(session, _table("observations"), rows,
                               on_chunk=partial(progress.advance, "observations"))
    return WriteSummary(firms=len(firms), links=len(links), assessments=len(assessments),
                        observations=written)
