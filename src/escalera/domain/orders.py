"""Buyers' orders: what they ask for, and the requirement a producer must meet to take part.

An order names a required level on a ladder, or a market segment, which implies the level
(the segment's ladder and level), and brings its minimum order and its lead time as checks
of their own. Quantities are garments; money is in one currency per deployment (the demo:
Mexican pesos).

**Bounds.** Every new order keeps within the bounds below (``new_order_breaches``: the API,
the pages, the order file import and the CLI all ask it), and a run leaves out a stored
order that does not (``run_breaches``; an old database may hold one) instead of expanding
it. They are what a garment buyer asks for, with room to spare: a season or two ahead and a
yearly programme at most (a due date at most ``HORIZON_MONTHS`` months after today, an order
window of at most ``MAX_WINDOW_DAYS`` days), at most ``MAX_QUANTITY`` garments in one order
(a large retailer's yearly basics programme is a few million), and text and lists no longer
than the database and the interface hold. They also keep the matchmaking's memory bounded:
the capacity a run plans is per producer and month of an order's window. ``Order`` itself
checks only what any stored order satisfies (a positive quantity, a due date after the order
date), so an old database's orders still load; the bounds depend on today, and are
constants of the domain rather than settings (the API's schema publishes them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalera.domain.catalog_model import Catalog
from escalera.errors import N_, EscaleraError

DEFAULT_PAYMENT_DAYS = 60  # buyers usually pay 30-90 days after delivery
DEFAULT_MATERIALS_SHARE = 0.55  # fabric and trims: about half the price of a basic garment

HORIZON_MONTHS = 24  # due at most two years after today (next year's seasons and programmes)
PAST_DAYS = 366  # a new order's date at most a year back (an order entered late)
MAX_WINDOW_DAYS = 731  # order date to due date: at most two years
MAX_QUANTITY = 10_000_000  # garments in one order
MAX_UNIT_PRICE = 1_000_000.0  # per garment, in the deployment's currency
MAX_PAYMENT_DAYS = 365
MAX_PRODUCERS = 100  # producers one order may be split over
MAX_POOL_MEMBERS = 100  # members of an ad-hoc pool
MAX_POOL_REGIONS = 40  # the 32 Mexican states and a few hubs
MAX_ORDERS_PER_REQUEST = 5_000  # orders in one file, import or run request
MAX_ID_LENGTH = 40
MAX_NAME_LENGTH = 200  # buyer's name
MAX_PRODUCT_LENGTH = 40
MAX_CODE_LENGTH = 64  # segment, ladder and level ids
MAX_PLACE_LENGTH = 80  # destination and pool regions
TEXT_LIMITS = {"id": MAX_ID_LENGTH, "buyer_name": MAX_NAME_LENGTH,
               "product": MAX_PRODUCT_LENGTH,
               "segment": MAX_CODE_LENGTH, "ladder": MAX_CODE_LENGTH,
               "level": MAX_CODE_LENGTH, "destination": MAX_PLACE_LENGTH}
NUMBER_LIMITS = {"unit_price": MAX_UNIT_PRICE,
                 "materials_cost": MAX_UNIT_PRICE, "payment_days": MAX_PAYMENT_DAYS,
                 "max_producers": MAX_PRODUCERS, "max_pool_members": MAX_POOL_MEMBERS}

BOUND_TEMPLATES: dict[str, str] = {
    "due_beyond_horizon": N_("the due date {due} is beyond the planning horizon: at most "
                             "{months} months ahead, until {last}"),
    "window_too_long": N_("{days} days from the order date to the due date; at most {most} "
                          "are allowed"),
    "order_date_too_old": N_("the order date {date} is more than {days} days in the past"),
    "due_in_past": N_("the due date {due} is in the past (today is {today})"),
    "too_large": N_("{value} is more than the {most} allowed"),
    "too_long": N_("{length} characters; at most {most} are allowed"),
    "too_many": N_("{count} items; at most {most} are allowed"),
}


class OrderError(EscaleraError, ValueError):
    """An order that cannot be: bad dates, quantities, shares or an unknown requirement."""


class OrderBoundsError(OrderError):
    """A new order outside the bounds (``new_order_breaches``); each breach names its field."""

    def __init__(self, order_id: str, breaches: list[Breach]) -> None:
        self.breaches = breaches
        super().__init__(N_("order {order}: {reasons}"), order=order_id)

    def __str__(self) -> str:
        from escalera.i18n import gettext  # late: worded in the reader's language

        reasons = "; ".join(f"{b.field}: {b.text()}" for b in self.breaches)
        return gettext(self.message).format(order=self.params["order"], reasons=reasons)


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


# --- bounds ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Breach:
    """One bound an order does not keep: the field, a code of ``BOUND_TEMPLATES`` and its
    parameters (numbers and dates, so it reads in any language)."""

    field: str
    code: str
    params: dict[str, str | int | float]

    def text(self) -> str:
        """The reason in the interface language."""
        from escalera.i18n import gettext  # late: the domain stays free of interface state

        return gettext(BOUND_TEMPLATES[self.code]).format(**self.params)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months (the last day of a shorter month)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + dt.timedelta(days=day.day - 1),
               following - dt.timedelta(days=1))


def horizon_end(today: dt.date) -> dt.date:
    """The last due date an order may have on ``today``."""
    return add_months(today, HORIZON_MONTHS)


def run_breaches(order: Order, today: dt.date) -> list[Breach]:
    """The bounds a run needs kept before it plans an order's capacity: the due date within
    the horizon, the window and the quantity within their maximums (empty: allocable)."""
    out: list[Breach] = []
    last = horizon_end(today)
    if order.due_date > last:
        out.append(Breach("due_date", "due_beyond_horizon", {
            "due": order.due_date.isoformat(), "months": HORIZON_MONTHS,
            "last": last.isoformat()}))
    if order.window_days > MAX_WINDOW_DAYS:
        out.append(Breach("due_date", "window_too_long", {
            "days": order.window_days, "most": MAX_WINDOW_DAYS}))
    if order.quantity > MAX_QUANTITY:
        out.append(Breach("quantity", "too_large", {"value": order.quantity,
                                                    "most": MAX_QUANTITY}))
    return out


def new_order_breaches(order: Order, today: dt.date) -> list[Breach]:
    """Every bound a new order must keep on ``today`` (empty: it keeps them all)."""
    out = run_breaches(order, today)
    if order.due_date < today:
        out.append(Breach("due_date", "due_in_past", {"due": order.due_date.isoformat(),
                                                      "today": today.isoformat()}))
    if order.order_date < today - dt.timedelta(days=PAST_DAYS):
        out.append(Breach("order_date", "order_date_too_old", {
            "date": order.order_date.isoformat(), "days": PAST_DAYS}))
    for name, most in NUMBER_LIMITS.items():
        value = getattr(order, name)
        if value is not None and value > most:
            out.append(Breach(name, "too_large", {"value": value, "most": most}))
    for name, longest in TEXT_LIMITS.items():
        text = getattr(order, name)
        if text is not None and len(text) > longest:
            out.append(Breach(name, "too_long", {"length": len(text), "most": longest}))
    if len(order.pool_regions) > MAX_POOL_REGIONS:
        out.append(Breach("pool_regions", "too_many", {"count": len(order.pool_regions),
                                                       "most": MAX_POOL_REGIONS}))
    out.extend(Breach(f"pool_regions.{i}", "too_long", {"length": len(r),
                                                         "most": MAX_PLACE_LENGTH})
               for i, r in enumerate(order.pool_regions) if len(r) > MAX_PLACE_LENGTH)
    return out


def check_new_order(order: Order, today: dt.date) -> None:
    """Raise ``OrderBoundsError`` when a new order breaks a bound."""
    breaches = new_order_breaches(order, today)
    if breaches:
        raise OrderBoundsError(order.id, breaches)
