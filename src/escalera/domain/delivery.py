"""How long an order takes from a producer to the buyer, and what that means for capacity.

Transit by road: the great-circle distance times 1.25 (roads are not straight), 800 km a
day (a truck with two drivers), plus one day to cross the border when the destination is
outside Mexico. From central Mexico to a Texas warehouse that gives 4 days, what the study
reports ("4 days from Mexico, 30 from Korea").

A producer's order-to-delivery time is its own lead time (the ``lead_time_days`` metric,
when fresh evidence has it) or else its production cycle (``turnaround_days``) plus
``MATERIALS_DAYS`` to source fabric and trims; then transit. Production happens between the
order date and the due date less transit; an order's units are spread evenly over the days
of that window, month by month (``month_shares``), which is how orders share a producer's
monthly capacity.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from numpy.typing import NDArray

from escalera.domain.regions import EARTH_RADIUS_KM, Point, locate

ROAD_FACTOR = 1.25
KM_PER_DAY = 800.0
BORDER_DAYS = 1
MATERIALS_DAYS = 14
DEFAULT_PRODUCTION_DAYS = 45  # when a producer's cycle was never measured (flagged as such)
TRANSPORT_PER_UNIT_KM = 0.006  # pesos per garment and road km (a full truck, ~30 pesos/km)
LABOUR_SHARE = 0.35  # of a producer's price
PREVAILING_EFFICIENCY = 60.0  # % of standard minutes, the demo's median

# Delivery points outside Mexico; a Mexican state is located by its name.
HUBS: dict[str, Point] = {
    "Texas": (32.78, -96.80),  # a Dallas-Fort Worth distribution centre
    "California": (34.05, -118.24),  # Los Angeles
    "Arizona": (33.45, -112.07),  # Phoenix
}


def destination_point(name: str) -> tuple[Point | None, bool]:
    """Where a destination lies and whether it is abroad (None when unknown)."""
    for hub, point in HUBS.items():
        if hub.lower() == name.strip().lower():
            return point, True
    return locate(name), False


def transit_days(origin: Point | None, destination: str) -> int | None:
    """Days by road from ``origin`` to ``destination`` (None when either is unknown)."""
    if origin is None:
        return None
    days = transit_days_many(np.array([origin[0]]), np.array([origin[1]]), destination)
    return None if days is None else int(days[0])


def road_km_many(lat: NDArray[np.float64], lon: NDArray[np.float64],
                 destination: str) -> tuple[NDArray[np.float64], bool] | None:
    """Road kilometres from many origins to ``destination`` and whether it is abroad (None
    when the destination is unknown; NaN where an origin is)."""
    target, abroad = destination_point(destination)
    if target is None:
        return None
    la1, lo1 = np.radians(lat), np.radians(lon)
    la2, lo2 = math.radians(target[0]), math.radians(target[1])
    h = (np.sin((la2 - la1) / 2) ** 2
         + np.cos(la1) * math.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))) * ROAD_FACTOR, abroad


def transit_days_many(lat: NDArray[np.float64], lon: NDArray[np.float64],
                      destination: str) -> NDArray[np.int64] | None:
    """:func:`transit_days` for many origins at once (None when the destination is
    unknown; an origin with a NaN coordinate gets -1)."""
    road = road_km_many(lat, lon, destination)
    if road is None:
        return None
    days = transit_from_km(*road)
    return np.where(np.isfinite(days), days, -1).astype(np.int64)


def transit_from_km(km: NDArray[np.float64], abroad: bool) -> NDArray[np.float64]:
    """Days on the road for road kilometres (NaN stays NaN), plus the border when abroad."""
    return np.maximum(np.ceil(km / KM_PER_DAY), 1) + (BORDER_DAYS if abroad else 0)


def production_days(lead_time: NDArray[np.float64], turnaround: NDArray[np.float64]
                    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Producers' days from order to goods ready (own lead time, else production cycle plus
    materials, else the default), and whether each was measured (False: the default)."""
    lead, turn = np.asarray(lead_time, float), np.asarray(turnaround, float)
    days = np.where(np.isfinite(lead), np.ceil(lead),
                    np.where(np.isfinite(turn), np.ceil(turn) + MATERIALS_DAYS,
                             DEFAULT_PRODUCTION_DAYS))
    return days, np.isfinite(lead) | np.isfinite(turn)


def price_factor(efficiency: NDArray[np.float64]) -> NDArray[np.float64]:
    """A producer's price relative to the order's: labour (35 %) costs less where efficiency
    (% of standard minutes) is higher; unknown efficiency counts as prevailing."""
    eff = np.clip(np.nan_to_num(efficiency, nan=PREVAILING_EFFICIENCY), 20.0, 120.0)
    return (1 - LABOUR_SHARE) + LABOUR_SHARE * PREVAILING_EFFICIENCY / eff


def month_shares(start: dt.date, end: dt.date) -> dict[str, float]:
    """Share of the days ``start`` .. ``end`` (exclusive) falling in each month ("YYYY-MM")."""
    total = (end - start).days
    if total <= 0:
        return {f"{start:%Y-%m}": 1.0}
    shares: dict[str, float] = {}
    day = start
    while day < end:
        following = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        stop = min(following, end)
        shares[f"{day:%Y-%m}"] = (stop - day).days / total
        day = stop
    return shares


def month_capacity_factor(month: str, start: dt.date, end: dt.date) -> float:
    """Share of ``month`` ("YYYY-MM") that lies inside ``start`` .. ``end``."""
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first + dt.timedelta(days=32)).replace(day=1)
    inside = (min(following, end) - max(first, start)).days
    return max(inside, 0) / (following - first).days
