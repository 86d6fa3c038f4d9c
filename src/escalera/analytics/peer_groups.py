"""Peer groups: which firms a firm is compared with.

A peer group is any combination of these dimensions (``--by region,product``):

* ``region`` — the firm's state;
* ``product`` — the firm's *first* product (its main line), ``""`` when none is recorded.
  Firms are not exploded over all their products: each firm then sits in exactly one group
  per grouping, groups add up to the population, and overlapping groups cannot be subtracted
  from each other to single out a firm. The same rule as ``escalera ladder stats``;
* ``role`` — the firm's first role (its main place on the chain);
* ``size_band`` — INEGI's manufacturing size bands by employees: ``micro`` 0-10, ``small``
  11-50, ``medium`` 51-250, ``large`` 251 or more, ``unknown`` when not recorded;
* ``period`` — the calendar quarter of the observation, e.g. ``2026Q3``.

Everything here is a Polars expression over ``store.evidence.firms_frame`` /
``observations_frame`` columns, so a million firms are grouped without a Python loop.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from escalera.errors import N_, EscaleraError

FIRM_ID = "firm_id"
REGION, PRODUCT, ROLE, SIZE_BAND, PERIOD = "region", "product", "role", "size_band", "period"
FIRM_DIMENSIONS = (REGION, PRODUCT, ROLE, SIZE_BAND)
DIMENSIONS = (*FIRM_DIMENSIONS, PERIOD)
NO_PRODUCT = ""
NO_ROLE = ""

SIZE_BANDS = ("micro", "small", "medium", "large", "unknown")
"""INEGI manufacturing bands (upper bounds 10, 50, 250 employees), then unknown."""

class InvalidQuery(EscaleraError, ValueError):
    """A benchmark request names an unknown grouping, metric or period."""


_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def size_band(employees: pl.Expr) -> pl.Expr:
    """The size band of an employee count (``unknown`` when null)."""
    return (
        pl.when(employees.is_null()).then(pl.lit("unknown"))
        .when(employees <= 10).then(pl.lit("micro"))
        .when(employees <= 50).then(pl.lit("small"))
        .when(employees <= 250).then(pl.lit("medium"))
        .otherwise(pl.lit("large"))
    )


def quarter(day: pl.Expr) -> pl.Expr:
    """The calendar quarter of a date as text, e.g. ``2026Q3``."""
    return pl.concat_str(day.dt.year().cast(pl.String), pl.lit("Q"),
                         day.dt.quarter().cast(pl.String))


def quarter_of(day: dt.date) -> str:
    """:func:`quarter` for one date."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(label: str) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter label such as ``2026Q3`` (InvalidQuery otherwise)."""
    match = _QUARTER.match(label.strip().upper())
    if not match:
        raise InvalidQuery(N_("not a quarter: {text!r} (expected e.g. 2026Q3)"), text=label)
    year, q = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
    return start, end


def parse_dimensions(text: str | Sequence[str]) -> list[str]:
    """``"region,product"`` -> ``["region", "product"]``; InvalidQuery names an unknown one.

    Empty text means no grouping (the whole population is one group).
    """
    parts = text.split(",") if isinstance(text, str) else list(text)
    dims = [p.strip().lower().replace("-", "_") for p in parts if p.strip()]
    for dim in dims:
        if dim not in DIMENSIONS:
            raise InvalidQuery(N_("unknown grouping {name!r}; use {choices}"), name=dim,
                               choices=", ".join(DIMENSIONS))
    if len(set(dims)) != len(dims):
        raise InvalidQuery(N_("a grouping is repeated: {text}"), text=",".join(dims))
    return dims


def firm_groups(firms: pl.DataFrame) -> pl.DataFrame:
    """One row per firm: ``firm_id`` and its key on every firm dimension (all text)."""
    return firms.select(
        FIRM_ID,
        pl.col("state").alias(REGION),
        pl.col("products").list.first().fill_null(NO_PRODUCT).alias(PRODUCT),
        pl.col("roles").list.first().fill_null(NO_ROLE).alias(ROLE),
        size_band(pl.col("employees")).alias(SIZE_BAND),
    )


@dataclass(frozen=True)
class Window:
    """The observations a benchmark reads: those dated ``start``..``end`` (inclusive).

    ``label`` is what the user asked for: ``latest`` (each firm's latest value within the
    freshness window ending on the evaluation date, the evidence the evaluator uses) or a
    quarter such as ``2026Q3`` (each firm's latest value observed in that quarter).
    """

    label: str
    start: dt.date
    end: dt.date


LATEST = "latest"


def window(period: str, on: dt.date, stale_after_days: int) -> Window:
    """The :class:`Window` of ``--period latest|YYYYQn`` for an evaluation date."""
    if period.strip().lower() == LATEST:
        return Window(LATEST, on - dt.timedelta(days=stale_after_days), on)
    start, end = quarter_bounds(period)
    return Window(quarter_of(start), start, end)
