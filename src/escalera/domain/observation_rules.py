"""What makes an observed value or an assessment date acceptable: one rule for the importer
and for assessors entering values, with problems returned as data (code, limit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import ItemKind
from escalera.domain.measures import Maturity
from escalera.errors import N_, EscaleraError

MATURITY_MIN, MATURITY_MAX = int(min(Maturity)), int(max(Maturity))


@dataclass(frozen=True)
class Problem:
    """Why a value or date is refused: ``code`` plus the limit it broke, if any.

    Codes: unknown_item, not_a_number, below_minimum, above_maximum, maturity_range,
    future_date, before_founding.
    """

    code: str
    limit: float | dt.date | None = None


def value_problem(catalog: Catalog, kind: ItemKind, item: str, value: float) -> Problem | None:
    """Why ``value`` cannot be observed for ``item`` (unknown item, out of the metric's
    bounds, maturity not a whole number 0-3), or None when acceptable."""
    if kind is ItemKind.METRIC:
        try:
            metric = catalog.metric(item)
        except KeyError:
            return Problem("unknown_item")
        found = metric.violation(value)
        return None if found is None else Problem(found[0], found[1])
    try:
        catalog.practice(item)
    except KeyError:
        return Problem("unknown_item")
    return maturity_problem(value)


def maturity_problem(value: float) -> Problem | None:
    """A maturity is a whole number 0-3."""
    if value != value or not float(value).is_integer() or \
            not MATURITY_MIN <= value <= MATURITY_MAX:
        return Problem("maturity_range")
    return None


def date_problem(on: dt.date, today: dt.date, founded_on: dt.date | None) -> Problem | None:
    """An assessment cannot be dated in the future nor before the firm existed (when known)."""
    if on > today:
        return Problem("future_date", today)
    if founded_on is not None and on < founded_on:
        return Problem("before_founding", founded_on)
    return None


class InvalidObservation(EscaleraError, ValueError):
    """An assessment names an unknown item, an impossible value or an impossible date."""


_VALUE_MESSAGES = {
    "unknown_metric": N_("{item}: not a metric of the catalog"),
    "unknown_practice": N_("{item}: not a practice of the catalog"),
    "not_a_number": N_("{item}: not a number"),
    "below_minimum": N_("{item}: {value:g} is below the minimum {limit:g}"),
    "above_maximum": N_("{item}: {value:g} is above the maximum {limit:g}"),
    "maturity_range": N_("{item}: maturity is a whole number 0-3 (0 absent, 1 informal, "
                         "2 documented, 3 continuous improvement), got {value:g}"),
}


def check_values(catalog: Catalog, values: Mapping[tuple[ItemKind, str], float]) -> None:
    """Raise InvalidObservation for the first unacceptable value."""
    for (kind, item), value in values.items():
        found = value_problem(catalog, kind, item, value)
        if found is not None:
            code = f"unknown_{kind}" if found.code == "unknown_item" else found.code
            raise InvalidObservation(_VALUE_MESSAGES[code], item=item, value=value,
                                     limit=found.limit)


def check_date(on: dt.date, today: dt.date, founded_on: dt.date | None) -> None:
    """Raise InvalidObservation when the assessment date is impossible."""
    found = date_problem(on, today, founded_on)
    if found is None:
        return
    if found.code == "future_date":
        raise InvalidObservation(N_("the date {date} is in the future (today is {today})"),
                                 date=on.isoformat(), today=today.isoformat())
    raise InvalidObservation(N_("the date {date} is before the firm was founded ({founded})"),
                             date=on.isoformat(), founded=str(found.limit))
