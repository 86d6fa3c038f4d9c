"""Why an order was not filled, or only in part, in words a person can act on.

Pure: the caller gives the numbers (from the candidate screening, the one evaluator and
the solver); each explanation is a translatable template code with its parameters — ids
and numbers, so a stored explanation reads in whatever language it is shown — and, where
it is about a firm, the firm's id so an interface can link to its gap table (``escalera
firm show``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from escalera.domain.orders import BOUND_TEMPLATES
from escalera.errors import N_

TEMPLATES: dict[str, str] = {
    "not_allocable": N_("left out of the allocation: the order is outside the bounds every "
                        "order keeps"),
    **BOUND_TEMPLATES,
    "no_maker": N_("no producer in the registry makes {product}"),
    "none_at_level": N_("no producer of {product} had reached {level} ({ladder}) by {date}"),
    "requirement": N_("{name} ({firm}): {item} {current} {relation} {required} required for "
                      "{level}"),
    "not_assessed": N_("{name} ({firm}): {item} not assessed (required for {level})"),
    "lead_time": N_("{name} ({firm}): {days} days from order to delivery, more than the "
                    "{allowed} days allowed"),
    "none_in_time": N_("none of the {count} producers that meet the level can deliver within "
                       "{allowed} days"),
    "none_with_capacity": N_("the {count} producers that meet the level and the date have no "
                             "capacity left between {start} and {due}"),
    "capacity_unknown": N_("{count} producers that meet the requirement have not declared "
                           "their monthly capacity"),
    "capacity_short": N_("capacity short by {short} units between {start} and {due}: "
                         "eligible producers can make {total} of {quantity}"),
    "single_supplier": N_("the order cannot be split, and the largest single supplier "
                          "(producer or pool) can make {largest} of {quantity}"),
    "split_limit": N_("the order may be split over at most {most} producers, who together "
                      "can make {total} of {quantity}"),
    "weights": N_("{units} units were left unfilled for the objectives chosen (fill weight "
                  "{fill}); raise the fill weight to place them"),
    "time_limit": N_("the solver stopped at its time limit with a gap of {gap}; a longer "
                     "run may place more"),
}


@dataclass(frozen=True)
class Explanation:
    """One reason, as a template code with parameters; ``firm_id`` when about a firm."""

    code: str
    params: dict[str, str | int | float] = field(default_factory=dict)
    firm_id: str | None = None

    @property
    def template(self) -> str:
        """The English template (a msgid)."""
        return TEMPLATES[self.code]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: code, parameters (ids and numbers), firm. The words are put together
        where the catalog is known (``services.matching.describe``)."""
        return {"code": self.code, "params": self.params, "firm_id": self.firm_id}


@dataclass(frozen=True)
class Shortfall:
    """What the screening and the solver found for one order."""

    quantity: int
    filled: int
    makers: int  # producers making the product
    at_level: int  # ... of which meet the level
    in_time: int  # ... of which also deliver in time
    allowed_days: int  # the longest order-to-delivery time accepted
    eligible: int  # ... of which pass every check
    capacity_unknown: int  # meet level and lead time but declared no capacity
    eligible_units: int  # what the eligible producers could make together
    largest_supplier: int  # the most one producer or pool could make alone
    split_units: int  # the most the best ``max_producers`` producers could make
    splittable: bool
    max_producers: int
    solver_status: str
    gap: float
    fill_weight: float


def explain(shortfall: Shortfall, *, product: str, ladder: str, level: str, on: str,
            start: str, due: str, blockers: list[Explanation]) -> list[Explanation]:
    """The explanations of an order filled short (empty when it is filled).

    ``blockers`` are the per-firm reasons of the nearest candidates (unmet requirements,
    lead times), already chosen by the caller; they are listed after the general reasons.
    """
    s = shortfall
    if s.filled >= s.quantity:
        return []
    out: list[Explanation] = []
    if s.makers == 0:
        return [Explanation("no_maker", {"product": product})]
    if s.at_level == 0:
        out.append(Explanation("none_at_level", {"product": product, "level": level,
                                                 "ladder": ladder, "date": on}))
    elif s.in_time == 0:
        out.append(Explanation("none_in_time", {"count": s.at_level,
                                                "allowed": s.allowed_days}))
    elif s.eligible == 0 and s.capacity_unknown < s.in_time:
        out.append(Explanation("none_with_capacity", {
            "count": s.in_time - s.capacity_unknown, "start": start, "due": due}))
    if s.capacity_unknown:
        out.append(Explanation("capacity_unknown", {"count": s.capacity_unknown}))
    if s.eligible and s.eligible_units < s.quantity:
        out.append(Explanation("capacity_short", {
            "short": s.quantity - s.eligible_units, "start": start, "due": due,
            "total": s.eligible_units, "quantity": s.quantity}))
    elif s.eligible and not s.splittable and s.largest_supplier < s.quantity:
        out.append(Explanation("single_supplier", {"largest": s.largest_supplier,
                                                   "quantity": s.quantity}))
    elif s.eligible and s.splittable and s.split_units < s.quantity:
        out.append(Explanation("split_limit", {"most": s.max_producers,
                                               "total": s.split_units,
                                               "quantity": s.quantity}))
    elif s.eligible and s.solver_status == "time_limit" and s.gap > 0:
        out.append(Explanation("time_limit", {"gap": f"{s.gap:.1%}"}))
    elif s.eligible:
        out.append(Explanation("weights", {"units": s.quantity - s.filled,
                                           "fill": s.fill_weight}))
    return out + blockers
