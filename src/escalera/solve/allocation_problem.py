"""The order-allocation problem as data, its objective, and the shared preparation step.

Types and the one objective formula live here so that the model (``allocation_model``), the
greedy (``allocation_greedy``), the checker (``allocation_check``) and reporting all read the
same definitions; ``solve.allocation`` re-exports the public names and documents the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from escalera.errors import N_, EscaleraError
from escalera.solve.mip import FloatArray, IntArray

DIRECT = "direct"  # channel of a producer working on its own
ADHOC = "adhoc"  # channel of an ad-hoc pool formed by the solver for one order


class AllocationInputError(EscaleraError, ValueError):
    """The tables handed to the allocator do not fit together (a bug in whoever built them)."""


@dataclass(frozen=True)
class OrderSpec:
    """One order as the allocator sees it (requirements already turned into candidates)."""

    order_id: str
    quantity: int  # units the buyer wants
    min_units: int  # smallest quantity one participating producer may take (0: none)
    max_producers: int  # most producers the order may be split over in all (>= 1)
    splittable: bool  # False: one supplier only — a producer alone, or one pool
    max_pool_members: int  # largest ad-hoc pool the solver may form for this order (0: none)
    unit_price: float  # what the buyer pays per unit


@dataclass(frozen=True)
class Weights:
    """What a program manager picks and weighs (all >= 0); see ``solve.allocation``."""

    fill: float = 100.0  # units filled (share of demand)
    cost: float = 1.0  # producer price + transport (lower is better)
    margin: float = 0.0  # margin above the required level (candidate.margin, 0..1)
    small: float = 0.0  # work shared with smaller producers (candidate.small)
    fewest: float = 0.1  # fewer producers per order


CANDIDATES = {"order_id": pl.String, "producer_id": pl.String, "unit_cost": pl.Float64,
              "margin": pl.Float64, "small": pl.Boolean, "max_units": pl.Int64,
              "adhoc_ok": pl.Boolean}
CAPACITY = {"producer_id": pl.String, "bucket": pl.String, "free_units": pl.Int64}
LOAD = {"order_id": pl.String, "bucket": pl.String, "fraction": pl.Float64}
POOLS = {"pool_id": pl.String, "kind": pl.String, "producer_id": pl.String}
ASSIGNMENTS = {"order_id": pl.String, "producer_id": pl.String, "channel": pl.String,
               "units": pl.Int64}
FILLED = {"order_id": pl.String, "quantity": pl.Int64, "filled": pl.Int64}


def _empty(schema: Mapping[str, type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class AllocationProblem:
    """Orders, their eligible candidates, free capacity per time bucket, and pools.

    ``candidates`` lists only eligible (order, producer) pairs; ``capacity`` gives a
    producer's free units per bucket (a producer with no row for a bucket is not limited
    there, only by ``max_units``; negative free units count as none); ``load`` spreads each
    order's units over buckets; ``pools`` lists the members of integradoras and jobber
    networks. Column types are in ``CANDIDATES``, ``CAPACITY``, ``LOAD`` and ``POOLS``.
    """

    orders: tuple[OrderSpec, ...]
    candidates: pl.DataFrame = field(default_factory=lambda: _empty(CANDIDATES))
    capacity: pl.DataFrame = field(default_factory=lambda: _empty(CAPACITY))
    load: pl.DataFrame = field(default_factory=lambda: _empty(LOAD))
    pools: pl.DataFrame = field(default_factory=lambda: _empty(POOLS))
    weights: Weights = Weights()


@dataclass(frozen=True)
class AllocationResult:
    """An allocation and how good it is.

    ``status`` is a ``MipStatus`` value: ``optimal`` when ``objective`` equals the proven
    ``bound``; ``time_limit`` for a feasible allocation not proven optimal (always the case
    for the greedy unless its simple bound happens to meet it). ``source`` says which method
    produced the assignments: ``mip``, or ``greedy`` when the solver stopped with something
    worse than the greedy (or nothing) and the greedy's allocation is returned instead.
    """

    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    greedy_objective: float
    assignments: pl.DataFrame  # order_id, producer_id, channel, units
    filled: pl.DataFrame  # order_id, quantity, filled
    source: str = "mip"


def frame(df: pl.DataFrame, schema: Mapping[str, type[pl.DataType]], table: str) -> pl.DataFrame:
    """``df`` reduced to ``schema``'s columns, cast, every value present (and finite); a frame
    with no columns counts as empty."""
    if df.width == 0:
        return _empty(schema)
    missing = [name for name in schema if name not in df.columns]
    if missing:
        raise AllocationInputError(N_("allocation input: the {table} table lacks the column "
                                      "{column}"), table=table, column=missing[0])
    out = df.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
    for name in schema:
        column = out[name]
        if column.null_count() or (column.dtype == pl.Float64 and not column.is_finite().all()):
            raise AllocationInputError(N_("allocation input: the {table} table has a missing "
                                          "or not-a-number value in the column {column}"),
                                       table=table, column=name)
    return out


# -- the objective ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Scale:
    """The objective's terms divided by their normalisers: value per unit and per pair."""

    per_unit: float  # fill / total quantity
    per_cost: float  # cost / total order value
    per_margin: float  # margin / total quantity
    per_small: float  # small / total quantity
    per_pair: float  # fewest / number of orders

    @classmethod
    def of(cls, problem: AllocationProblem) -> Scale:
        """The normalisers of ``problem`` (each at least 1, so an empty problem divides)."""
        w = problem.weights
        quantity = max(1.0, float(sum(o.quantity for o in problem.orders)))
        value = sum(o.unit_price * o.quantity for o in problem.orders)
        value = value if value > 0 else 1.0
        return cls(w.fill / quantity, w.cost / value, w.margin / quantity, w.small / quantity,
                   w.fewest / max(1, len(problem.orders)))

    def unit_values(self, unit_cost: FloatArray, margin: FloatArray,
                    small: FloatArray) -> FloatArray:
        """Objective value of one unit made by each candidate (before the per-pair term)."""
        return (self.per_unit - self.per_cost * unit_cost + self.per_margin * margin
                + self.per_small * small)


def objective_value(problem: AllocationProblem, assignments: pl.DataFrame) -> float:
    """The weighted objective of any assignment set (the formula in ``solve.allocation``).

    Rows with zero units do not count; a producer working on an order through more than one
    row counts as one pair. Pairs not among the candidates add their units to the fill term
    only (``check`` reports them).
    """
    scale = Scale.of(problem)
    rows = frame(assignments, ASSIGNMENTS, "assignments").filter(pl.col("units") > 0)
    if rows.height == 0:
        return 0.0
    cands = frame(problem.candidates, CANDIDATES, "candidates").unique(
        ["order_id", "producer_id"], keep="first")
    joined = rows.join(cands, on=["order_id", "producer_id"], how="left")
    units = joined["units"].to_numpy().astype(np.float64)
    values = scale.unit_values(joined["unit_cost"].fill_null(0.0).to_numpy(),
                               joined["margin"].fill_null(0.0).to_numpy(),
                               joined["small"].fill_null(False).cast(pl.Float64).to_numpy())
    pairs = rows.select(["order_id", "producer_id"]).unique().height
    return float(units @ values) - scale.per_pair * pairs


# -- preparation shared by the model and the greedy -----------------------------------------

@dataclass(frozen=True)
class Channel:
    """A group channel of one order that cannot be split: a pool, or the ad-hoc pool."""

    order: int  # index into Prepared.orders
    label: str  # the pool id, or ADHOC
    rows: IntArray  # candidate rows that may work through it
    size: int  # most members that may work through it


@dataclass(frozen=True)
class Prepared:
    """The problem as arrays: eligible candidate rows with tight bounds, loads, channels."""

    problem: AllocationProblem
    scale: Scale
    cands: pl.DataFrame  # order_id, producer_id, o, upper, value, adhoc_ok (eligible rows only)
    order: IntArray  # order index per candidate row
    upper: IntArray  # most units per candidate row
    lower: IntArray  # fewest units per candidate row when it works (>= 1)
    value: FloatArray  # objective value per unit per candidate row
    load: pl.DataFrame  # order_id, bucket, fraction (fraction > 0)
    capacity: pl.DataFrame  # producer_id, bucket, free (f64, >= 0)
    channels: tuple[Channel, ...]


def _validate(problem: AllocationProblem) -> None:
    seen: set[str] = set()
    for spec in problem.orders:
        if spec.order_id in seen:
            raise AllocationInputError(N_("allocation input: {what} {key} is listed more than "
                                          "once"), what="order", key=spec.order_id)
        seen.add(spec.order_id)
        for name, value, least in (("quantity", spec.quantity, 0),
                                   ("min_units", spec.min_units, 0),
                                   ("max_producers", spec.max_producers, 1),
                                   ("max_pool_members", spec.max_pool_members, 0),
                                   ("unit_price", spec.unit_price, 0)):
            if not (math.isfinite(value) and value >= least):
                raise AllocationInputError(N_("allocation input: order {order} has {name} "
                                              "{value}, which no order may have"),
                                           order=spec.order_id, name=name, value=value)
    for name in ("fill", "cost", "margin", "small", "fewest"):
        value = getattr(problem.weights, name)
        if not (math.isfinite(value) and value >= 0):
            raise AllocationInputError(N_("allocation input: the weight {name} is {value}; "
                                          "weights must be zero or more"),
                                       name=name, value=value)


def prepare(problem: AllocationProblem) -> Prepared:
    """Check the tables, drop candidates that can never work, bound every candidate tightly.

    A candidate's bound is the least of its ``max_units``, the order's quantity and, in each
    bucket its order loads, its free units there divided by the order's share in it. Rows
    whose bound is below the order's minimum units cannot take part and are dropped.
    """
    _validate(problem)
    scale = Scale.of(problem)
    cands = frame(problem.candidates, CANDIDATES, "candidates")
    load = frame(problem.load, LOAD, "load").filter(pl.col("fraction") > 0)
    capacity = frame(problem.capacity, CAPACITY, "capacity").select(
        "producer_id", "bucket", pl.col("free_units").clip(0).cast(pl.Float64).alias("free"))
    pools = frame(problem.pools, POOLS, "pools").unique(["pool_id", "producer_id"])
    duplicate = cands.filter(pl.struct("order_id", "producer_id").is_duplicated())
    if duplicate.height:
        raise AllocationInputError(N_("allocation input: {what} {key} is listed more than "
                                      "once"), what="candidate",
                                   key=f"{duplicate['order_id'][0]}/{duplicate['producer_id'][0]}")
    orders = pl.DataFrame(
        {"order_id": [o.order_id for o in problem.orders],
         "o": np.arange(len(problem.orders), dtype=np.int64),
         "quantity": [o.quantity for o in problem.orders],
         "least": [max(1, o.min_units) for o in problem.orders]},
        schema={"order_id": pl.String, "o": pl.Int64, "quantity": pl.Int64, "least": pl.Int64})
    cands = cands.join(orders, on="order_id", how="left")
    stray = cands.filter(pl.col("o").is_null())
    if stray.height:
        raise AllocationInputError(N_("allocation input: candidate {producer} names order "
                                      "{order}, which is not in the problem"),
                                   producer=stray["producer_id"][0], order=stray["order_id"][0])
    # The most units each candidate can make in the buckets its order loads.
    room = (cands.select("order_id", "producer_id")
            .join(load, on="order_id").join(capacity, on=["producer_id", "bucket"])
            .group_by("order_id", "producer_id")
            .agg((pl.col("free") / pl.col("fraction") + 1e-9).floor().min().alias("room")))
    cands = (cands.join(room, on=["order_id", "producer_id"], how="left")
             .with_columns(pl.min_horizontal(
                 pl.col("max_units"), pl.col("quantity"),
                 pl.col("room").fill_null(float(2**62)).clip(upper_bound=2**62).cast(pl.Int64))
                 .alias("upper"))
             .filter(pl.col("upper") >= pl.col("least"))
             .sort("o", "producer_id"))
    value = scale.unit_values(cands["unit_cost"].to_numpy(), cands["margin"].to_numpy(),
                              cands["small"].cast(pl.Float64).to_numpy())
    cands = cands.with_columns(pl.Series("value", value),
                               pl.int_range(pl.len(), dtype=pl.Int64).alias("row"))
    return Prepared(problem, scale, cands, cands["o"].to_numpy(),
                    cands["upper"].to_numpy(), cands["least"].to_numpy(), value, load, capacity,
                    _channels(problem, cands, pools))


def _channels(problem: AllocationProblem, cands: pl.DataFrame,
              pools: pl.DataFrame) -> tuple[Channel, ...]:
    """Group channels of orders that cannot be split: each pool with two or more eligible
    members, and the ad-hoc pool where two or more candidates may join one. (A group of one
    is the same producer working directly, so it is left out; on a splittable order a pool
    is no different from its members working directly, so none are made there.)"""
    whole = {i for i, o in enumerate(problem.orders) if not o.splittable}
    rows = cands.filter(pl.col("o").is_in(list(whole)))
    out: list[Channel] = []
    by_pool = (rows.join(pools, on="producer_id")
               .group_by("o", "pool_id").agg(pl.col("row").sort())
               .filter(pl.col("row").list.len() >= 2).sort("o", "pool_id"))
    for o, pool_id, members in by_pool.iter_rows():
        size = min(len(members), problem.orders[o].max_producers)
        out.append(Channel(int(o), str(pool_id), np.asarray(members, dtype=np.int64), size))
    adhoc = (rows.filter(pl.col("adhoc_ok")).group_by("o").agg(pl.col("row").sort())
             .sort("o"))
    for o, members in adhoc.iter_rows():
        spec = problem.orders[o]
        size = min(len(members), spec.max_pool_members, spec.max_producers)
        if size >= 2:
            out.append(Channel(int(o), ADHOC, np.asarray(members, dtype=np.int64), size))
    return tuple(out)


def relaxed_bound(prep: Prepared) -> float:
    """An upper bound on the objective: every order filled by its best-valued candidates up
    to their bounds, ignoring shared capacity, minimum units, the one-supplier rule and the
    per-pair term (each only lowers the optimum)."""
    total = 0.0
    frame_ = prep.cands.select("o", "upper", "value").filter(pl.col("value") > 0)
    for (o,), part in frame_.sort("value", descending=True).group_by("o", maintain_order=True):
        need = prep.problem.orders[int(o)].quantity
        take = np.minimum(part["upper"].to_numpy(),
                          np.maximum(0, need - np.concatenate(
                              ([0], np.cumsum(part["upper"].to_numpy())[:-1]))))
        total += float(take @ part["value"].to_numpy())
    return total


def filled_table(problem: AllocationProblem, assignments: pl.DataFrame) -> pl.DataFrame:
    """Units filled per order, every order listed (0 when nothing)."""
    per = assignments.group_by("order_id").agg(pl.col("units").sum().alias("filled"))
    base = pl.DataFrame({"order_id": [o.order_id for o in problem.orders],
                         "quantity": [o.quantity for o in problem.orders]},
                        schema={"order_id": pl.String, "quantity": pl.Int64})
    return (base.join(per, on="order_id", how="left", maintain_order="left")
            .with_columns(pl.col("filled").fill_null(0).cast(pl.Int64)))
