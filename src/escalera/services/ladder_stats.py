"""Use case "how many firms stand on each level": every registered firm judged in bulk.

Reads the whole registry and its observations as frames and applies the bulk evaluator
(same rules as the single-firm one). Only producers are counted (manufacturers, contractors,
home workshops, integradoras, jobbers); buyers, agencies and consultants climb no ladder and
are reported as ``excluded_non_producers``. Producers without any observation are counted
as not assessed. Breakdowns by region (state) and product (a firm's first product) leave out groups
smaller than ``min_group_size`` firms (``ESCALERA_MIN_GROUP_SIZE``), and with them the
smallest other groups where needed so that no hidden group is the overall count minus the
groups shown (``analytics.confidentiality.suppress_cells``, as every benchmark):
respondents were promised that small groups are never shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from escalera.analytics.bulk_evaluation import (
    CAPACITY_COLUMN,
    FIRM_ID,
    evaluate_bulk,
    latest_evidence_frame,
    level_column,
    status_column,
)
from escalera.analytics.confidentiality import MIN_GROUP_SIZE, suppress_cells
from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import LadderStatus
from escalera.domain.firms import PRODUCER_ROLES
from escalera.domain.standards import Ladder
from escalera.store.evidence import firms_frame, observations_frame

GROUPINGS = {"region": "state", "product": "first_product"}
NO_PRODUCT = ""  # group key of firms with no product recorded


def _empty_counts(ladder: Ladder) -> dict[str, Any]:
    return {"levels": {lv.id: 0 for lv in ladder.levels},
            str(LadderStatus.BELOW_FIRST_LEVEL): 0, str(LadderStatus.NOT_ASSESSED): 0}


def _add(counts: dict[str, Any], status: str, level: str | None, firms: int) -> None:
    if status == LadderStatus.ATTAINED:
        counts["levels"][level] += firms
    else:
        counts[status] += firms


def ladder_stats(session: Session, catalog: Catalog, on: dt.date, stale_after_days: int,
                 min_group_size: int = MIN_GROUP_SIZE) -> dict[str, Any]:
    """Firms per level of every ladder on ``on``, overall and by region and product.

    ``{"ladders": {ladder: {"levels": {level: firms}, "below_first_level": firms,
    "not_assessed": firms}}, "by_group": {"region" | "product": {group: {ladder: <same
    shape>}}}, ...}`` plus the date, the stale window, the number of producers counted, the
    non-producers left out, and how many groups were left out for being smaller than
    ``min_group_size``.
    """
    registry = firms_frame(session)
    producer = pl.col("roles").list.eval(
        pl.element().is_in(sorted(PRODUCER_ROLES))).list.any().fill_null(False)
    firms = registry.filter(producer).select(
        FIRM_ID, "state", CAPACITY_COLUMN,
        pl.col("products").list.first().fill_null(NO_PRODUCT).alias("first_product"),
    )
    wide = latest_evidence_frame(observations_frame(session, until=on), on)
    frame = firms.join(wide, on=FIRM_ID, how="left", maintain_order="left")
    judged = evaluate_bulk(catalog, frame, on, stale_after_days)
    table = pl.concat([firms.select("state", "first_product"), judged.drop(FIRM_ID)],
                      how="horizontal")

    ladders: dict[str, Any] = {}
    by_group: dict[str, dict[str, Any]] = {name: {} for name in GROUPINGS}
    suppressed: dict[str, dict[str, int]] = {}
    for ladder in catalog.ladders:
        status, level = status_column(ladder.id), level_column(ladder.id)
        counts = _empty_counts(ladder)
        for row in table.group_by(status, level).len().iter_rows():
            _add(counts, row[0], row[1], row[2])
        ladders[ladder.id] = counts
        for name, column in GROUPINGS.items():
            groups = by_group[name]
            for key, st, lv, n in table.group_by(column, status, level).len().iter_rows():
                _add(groups.setdefault(key, {}).setdefault(ladder.id, _empty_counts(ladder)),
                     st, lv, n)
    for name, column in GROUPINGS.items():
        sizes = table.group_by(column).len("n").sort(column)
        shown, hidden = suppress_cells(sizes, min_group_size, [column])
        suppressed[name] = hidden.as_dict()
        large = set(shown.get_column(column).to_list())
        by_group[name] = {k: by_group[name][k] for k in sorted(by_group[name]) if k in large}
    return {
        "on": on.isoformat(),
        "stale_after_days": stale_after_days,
        "firms": table.height,
        "excluded_non_producers": registry.height - table.height,
        "ladders": ladders,
        "by_group": by_group,
        "min_group_size": min_group_size,
        "suppressed": suppressed,
    }
