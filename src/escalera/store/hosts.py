"""Columnar read of the firms that agreed to host learning visits."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalera.store.tables import FirmRow

HOSTS_SCHEMA: dict[str, Any] = {"firm_id": pl.String, "name": pl.String, "state": pl.String,
                "municipality": pl.String, "products": pl.List(pl.String)}


def visit_hosts_frame(session: Session) -> pl.DataFrame:
    """Firms with ``hosts_visits`` set, as a frame (firm_id, name, state, municipality,
    products); the database does the filtering, so a large registry stays cheap."""
    stmt = (select(FirmRow.public_id, FirmRow.name, FirmRow.state, FirmRow.municipality,
                   FirmRow.products)
            .where(FirmRow.hosts_visits.is_(True)))
    rows = [tuple(r) for r in session.execute(stmt)]
    return pl.DataFrame(rows, schema=HOSTS_SCHEMA, orient="row")
