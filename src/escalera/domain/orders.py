"""Buyers' orders: what they ask for, and the requirement a producer must meet to take part.

An order names a required level on a ladder, or a market segment, which implies the level
(the segment's ladder and level), and brings its minimum order and its lead time as checks
of their own. Quantities are garments; money is in one currency per deployment (the demo:
Mexican pesos).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalera.domain.catalog_model import Catalog
from escalera.errors import N_, EscaleraError

DEFAULT_PAYMENT_DAYS = 60  # buyers usually pay 30-90 days after delivery
DEFAULT_MATERIALS_SHARE = 0.55  # fabric and trims: about half the price of a basic garment


class OrderError(EscaleraError, ValueError):
    """An order that cannot be: bad dates, quantities, shares or an unknown requirement."""


class Order(BaseModel):
    """One buyer's order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=40)
    buyer_id: str | None = None  # a firm of the registry, when the buyer is one
    buyer_name: str = ""
    product: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    ladder: str | None = None
    level: str | None = None
    segment: str | None = None
    order_date: dt.date
    due_date: dt.date
    unit_price: float = Field(ge=0)
    materials_cost: float | None = Field(default=None, ge=0)  # per unit; default a share
    payment_days: int = Field(default=DEFAULT_PAYMENT_DAYS, ge=0)
    splittable: bool = True
    max_producers: int = Field(default=5, ge=1)
    min_share: float = Field(default=0.0, ge=0, le=1)  # of the quantity, per producer
    max_pool_members: int = Field(default=0, ge=0)  # ad-hoc pools the solver may form
    pool_regions: tuple[str, ...] = ()  # states an ad-hoc pool may draw from (empty: any)
    destination: str = "Texas"  # where the goods are delivered (a state or a hub)

    @model_validator(mode="after")
    def _dates(self) -> Order:
        if self.due_date <= self.order_date:
            raise ValueError(f"the due date {self.due_date} must come after the order date "
                             f"{self.order_date}")
        if self.segment is None and (self.ladder is None or self.level is None):
            raise ValueError("name a market segment, or a ladder and a level")
        return self

    @property
    def window_days(self) -> int:
        """Days from the order to its due date."""
        return (self.due_date - self.order_date).days

    @property
    def unit_materials_cost(self) -> float:
        """What a producer spends on materials per unit."""
        if self.materials_cost is not None:
            return self.materials_cost
        return round(self.unit_price * DEFAULT_MATERIALS_SHARE, 2)

    @property
    def min_units(self) -> int:
        """Smallest quantity one participating producer may take."""
        return round(self.min_share * self.quantity)


class Requirement(BaseModel):
    """What a producer must meet to take part: a level on a ladder, and, for a segment, its
    lead time (the segment's minimum order is the buyer's, so it is not asked of each
    producer)."""

    model_config = ConfigDict(frozen=True)

    ladder: str
    level: str | None  # None: open to firms below any level
    lead_time_days: int | None
    segment: str | None


def requirement(order: Order, catalog: Catalog) -> Requirement:
    """The ladder and level an order asks for, resolving its segment."""
    if order.segment is not None:
        segment = next((s for s in catalog.segments if s.id == order.segment), None)
        if segment is None:
            raise OrderError(N_("order {order}: unknown market segment {segment!r}; the "
                                "catalog has {valid}"), order=order.id, segment=order.segment,
                             valid=", ".join(s.id for s in catalog.segments))
        return Requirement(ladder=segment.ladder, level=segment.level,
                           lead_time_days=segment.lead_time_days, segment=segment.id)
    assert order.ladder is not None  # the validator asks for both
    try:
        ladder = catalog.ladder(order.ladder)
    except KeyError:
        raise OrderError(N_("order {order}: unknown ladder {ladder!r}; the catalog has "
                            "{valid}"), order=order.id, ladder=order.ladder,
                         valid=", ".join(ld.id for ld in catalog.ladders)) from None
    ids = [lv.id for lv in ladder.levels]
    if order.level not in ids:
        raise OrderError(N_("order {order}: ladder {ladder} has no level {level!r}; use one "
                            "of {valid}"), order=order.id, ladder=ladder.id, level=order.level,
                         valid=", ".join(ids))
    return Requirement(ladder=ladder.id, level=order.level, lead_time_days=None, segment=None)


def level_rank(catalog: Catalog, ladder_id: str, level: str | None) -> int:
    """0 below the first level, 1 for the first level, ... (None: 0)."""
    if level is None:
        return 0
    return catalog.ladder(ladder_id).level_index(level) + 1


def allowed_days(order: Order, need: Requirement) -> int:
    """The longest order-to-delivery time an order accepts: its window, or less when its
    segment asks for less."""
    if need.lead_time_days is None:
        return order.window_days
    return min(order.window_days, need.lead_time_days)
