"""The firm × period panel that a program evaluation reads, checked and laid out as arrays.

A panel is a Polars frame with one row per firm and period: ``firm_id``, ``period`` (an
integer such as a quarter index), one column per outcome metric (null where it was not
measured) and ``cohort`` — the first period the firm took part in the program, null for a
firm that never did. Missing outcomes are dropped, counted and never filled in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from escalera.errors import N_, EscaleraError

FIRM_ID, PERIOD, COHORT = "firm_id", "period", "cohort"

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class ProgramEvaluationError(EscaleraError, ValueError):
    """The data given to a program evaluation cannot support it (the message says why)."""


@dataclass(frozen=True)
class PanelArrays:
    """One outcome of a panel as dense firm × period arrays (NaN where not observed).

    ``event_time`` is period minus cohort (NaN for never-treated firms); ``treated`` marks
    observed firm-periods at or after entry, ``untreated`` the other observed ones.
    """

    firm_ids: tuple[object, ...]
    periods: npt.NDArray[np.int64]
    outcome: FloatArray
    cohort: FloatArray
    event_time: FloatArray
    observed: BoolArray
    treated: BoolArray
    untreated: BoolArray
    n_missing: int

    @property
    def never_treated(self) -> BoolArray:
        return np.isnan(self.cohort)


def check_panel(panel: pl.DataFrame, metrics: Sequence[str]) -> None:
    """Refuse a panel without the needed columns, with repeated rows or shifting cohorts."""
    for column in (FIRM_ID, PERIOD, COHORT, *metrics):
        if column not in panel.columns:
            raise ProgramEvaluationError(N_("the panel has no column {column}"), column=column)
    repeated = panel.group_by(FIRM_ID, PERIOD).len().filter(pl.col("len") > 1)
    if repeated.height:
        row = repeated.sort(FIRM_ID, PERIOD).row(0, named=True)
        raise ProgramEvaluationError(
            N_("firm {firm_id} has more than one row for period {period}"),
            firm_id=row[FIRM_ID], period=row[PERIOD])
    shifting = (panel.group_by(FIRM_ID)
                .agg(pl.col(COHORT).n_unique().alias("n"))
                .filter(pl.col("n") > 1))
    if shifting.height:
        raise ProgramEvaluationError(
            N_("firm {firm_id} has more than one program entry period"),
            firm_id=shifting.sort(FIRM_ID).item(0, FIRM_ID))


def panel_arrays(panel: pl.DataFrame, metric: str) -> PanelArrays:
    """Lay out one metric of a checked panel as dense arrays; null or NaN outcomes dropped."""
    frame = panel.select(
        FIRM_ID, pl.col(PERIOD).cast(pl.Int64), pl.col(COHORT).cast(pl.Float64),
        pl.col(metric).cast(pl.Float64).fill_nan(None).alias("y"))
    n_missing = frame.get_column("y").null_count()
    firms = frame.get_column(FIRM_ID).unique().sort()
    periods = frame.get_column(PERIOD).unique().sort().to_numpy()
    rows = frame.join(firms.to_frame().with_row_index("i"), on=FIRM_ID)
    i = rows.get_column("i").to_numpy()
    t = np.searchsorted(periods, rows.get_column(PERIOD).to_numpy())
    outcome = np.full((firms.len(), periods.size), np.nan)
    outcome[i, t] = rows.get_column("y").to_numpy()
    cohort = np.full(firms.len(), np.nan)
    cohort[i] = rows.get_column(COHORT).fill_null(np.nan).to_numpy()
    event_time = periods[None, :] - cohort[:, None]
    observed = ~np.isnan(outcome)
    after_entry = np.nan_to_num(event_time, nan=-np.inf) >= 0
    return PanelArrays(
        firm_ids=tuple(firms.to_list()), periods=periods, outcome=outcome, cohort=cohort,
        event_time=event_time, observed=observed, treated=observed & after_entry,
        untreated=observed & ~after_entry, n_missing=n_missing)
