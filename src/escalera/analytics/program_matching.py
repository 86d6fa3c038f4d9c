"""A comparison group for a program: non-participants that looked like the participants
before the program started.

Matching is exact on the categorical columns the caller names (region, product, size band)
and, inside each exact cell, nearest-neighbour on the numeric ones (level rank, baseline
outcome) by standardised Euclidean distance (each column divided by its standard deviation
among all firms), greedily without replacement: the closest pair in the cell first, ties
broken by firm id, so the same baseline gives the same group. A firm with a missing
baseline value is never matched (nothing is filled in) and a participant left without a
comparison is listed. The balance table shows standardised mean differences,
(mean_participants − mean_comparison) / √((var_p + var_c)/2), for every numeric column and
every category (as a 0/1 share) before matching (all non-participants) and after.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from escalera.analytics.program_panel import FIRM_ID, ProgramEvaluationError
from escalera.errors import N_

PARTICIPANT_ID, CONTROL_ID, DISTANCE = "participant_id", "control_id", "distance"


BALANCE_COLUMNS = ("covariate", "participants_before", "comparison_before", "smd_before",
                   "participants_after", "comparison_after", "smd_after")
"""Columns of the balance table: means and standardised differences before and after."""


@dataclass(frozen=True)
class MatchedGroups:
    """``pairs``: participant_id, control_id, distance (one row per matched comparison);
    ``control_ids``: the comparison firms; ``unmatched``: participants with no comparison
    (none in their cell, within the caliper, or a missing baseline value); ``balance``:
    the table of :data:`BALANCE_COLUMNS`.
    """

    pairs: pl.DataFrame
    control_ids: tuple[object, ...]
    unmatched: tuple[object, ...]
    balance: pl.DataFrame


def _check(baseline: pl.DataFrame, participants: Collection[object], exact: Sequence[str],
           nearest: Sequence[str], ratio: int) -> None:
    for column in (FIRM_ID, *exact, *nearest):
        if column not in baseline.columns:
            raise ProgramEvaluationError(N_("the baseline table has no column {column}"),
                                         column=column)
    for column in nearest:
        if not baseline.schema[column].is_numeric():
            raise ProgramEvaluationError(
                N_("column {column} must be numeric to match on nearest values"),
                column=column)
    if ratio < 1:
        raise ProgramEvaluationError(
            N_("each participant needs at least one comparison firm (a ratio of 1 or more)"))
    known = set(baseline.get_column(FIRM_ID).to_list())
    for firm in sorted(participants, key=str):
        if firm not in known:
            raise ProgramEvaluationError(
                N_("participant {firm_id} is not in the baseline table"), firm_id=firm)


def match_comparison_group(baseline: pl.DataFrame, participants: Collection[object], *,
                           exact: Sequence[str], nearest: Sequence[str] = (), ratio: int = 1,
                           caliper: float | None = None) -> MatchedGroups:
    """Match ``ratio`` non-participants to each participant (see the module docstring).

    ``baseline`` has one row per firm (``firm_id`` plus the named columns), measured before
    the program; ``caliper`` is the largest distance accepted, in standard deviations.
    """
    _check(baseline, participants, exact, nearest, ratio)
    members = set(participants)
    frame = baseline.with_columns(
        pl.col(FIRM_ID).is_in(list(members)).alias("_participant"),
        pl.all_horizontal([pl.col(c).is_not_null() for c in (*exact, *nearest)]
                          or [pl.lit(True)]).alias("_complete"))
    if nearest:
        frame = frame.with_columns(pl.col(c).cast(pl.Float64).fill_nan(None) for c in nearest)
        scale = frame.select((pl.col(c).std().fill_null(1.0).fill_nan(1.0)
                              .replace(0.0, 1.0)).alias(c) for c in nearest).row(0)
    complete = frame.filter(pl.col("_complete"))
    pairs: list[tuple[object, object, float]] = []
    cells = complete.partition_by(list(exact), as_dict=False) if exact else [complete]
    for cell in cells:
        treated = cell.filter(pl.col("_participant")).sort(FIRM_ID)
        pool = cell.filter(~pl.col("_participant")).sort(FIRM_ID)
        if treated.is_empty() or pool.is_empty():
            continue
        if nearest:
            a = treated.select(nearest).to_numpy() / np.array(scale)
            b = pool.select(nearest).to_numpy() / np.array(scale)
            dist = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
        else:
            dist = np.zeros((treated.height, pool.height))
        pairs += _greedy(treated.get_column(FIRM_ID).to_list(),
                         pool.get_column(FIRM_ID).to_list(), dist, ratio, caliper)
    matched = pl.DataFrame(pairs, schema={PARTICIPANT_ID: baseline.schema[FIRM_ID],
                                          CONTROL_ID: baseline.schema[FIRM_ID],
                                          DISTANCE: pl.Float64}, orient="row")
    got = set(matched.get_column(PARTICIPANT_ID).to_list())
    controls = tuple(sorted(set(matched.get_column(CONTROL_ID).to_list()), key=str))
    unmatched = tuple(sorted((p for p in members if p not in got), key=str))
    before = (frame.filter(pl.col("_participant")), frame.filter(~pl.col("_participant")))
    after = (frame.filter(pl.col(FIRM_ID).is_in(list(got))),
             frame.filter(pl.col(FIRM_ID).is_in(list(controls))))
    return MatchedGroups(matched.sort(PARTICIPANT_ID, DISTANCE, CONTROL_ID), controls,
                         unmatched, balance_table(before, after, exact, nearest))


def _greedy(treated: list[object], pool: list[object], dist: np.ndarray, ratio: int,
            caliper: float | None) -> list[tuple[object, object, float]]:
    """Closest pairs first, each comparison firm used once, ``ratio`` rounds."""
    order = np.lexsort((np.arange(dist.size) % dist.shape[1],
                        np.arange(dist.size) // dist.shape[1], dist.ravel()))
    used: set[int] = set()
    out: list[tuple[object, object, float]] = []
    for _ in range(ratio):
        served: set[int] = set()
        for flat in order:
            i, j = divmod(int(flat), dist.shape[1])
            if i in served or j in used or (caliper is not None and dist[i, j] > caliper):
                continue
            served.add(i)
            used.add(j)
            out.append((treated[i], pool[j], float(dist[i, j])))
    return out


def _smd(a: pl.Series, b: pl.Series) -> tuple[float, float, float]:
    """Means of both groups and their standardised difference (nulls left out)."""
    ma, mb = a.mean(), b.mean()
    if not isinstance(ma, float) or not isinstance(mb, float):
        return float("nan"), float("nan"), float("nan")
    va, vb = (s.var() if s.len() > 1 else 0.0 for s in (a, b))
    pooled = np.sqrt(((va if isinstance(va, float) else 0.0)
                      + (vb if isinstance(vb, float) else 0.0)) / 2)
    if pooled == 0:
        return ma, mb, 0.0 if ma == mb else float("inf")
    return ma, mb, float((ma - mb) / pooled)


def balance_table(before: tuple[pl.DataFrame, pl.DataFrame],
                  after: tuple[pl.DataFrame, pl.DataFrame], exact: Sequence[str],
                  nearest: Sequence[str]) -> pl.DataFrame:
    """Standardised mean differences per covariate (categories as 0/1 shares)."""
    rows: list[tuple[object, ...]] = []
    series: list[tuple[str, pl.Expr]] = [(c, pl.col(c).cast(pl.Float64)) for c in nearest]
    for column in exact:
        levels = pl.concat([before[0], before[1]]).get_column(column).drop_nulls()
        for level in sorted(levels.unique().to_list(), key=str):
            expr = (pl.col(column) == level).cast(pl.Float64)
            series.append((f"{column}={level}", expr))
    for name, expr in series:
        values = [frame.select(expr.alias("v")).get_column("v")
                  for frame in (*before, *after)]
        rows.append((name, *_smd(values[0], values[1]), *_smd(values[2], values[3])))
    return pl.DataFrame(rows, schema=dict.fromkeys(BALANCE_COLUMNS, pl.Float64)
                        | {"covariate": pl.String}, orient="row")
