"""Working capital an order ties up, and who needs credit to take it.

A producer buys materials when the order is placed and is paid ``payment_days`` after it
delivers on the due date, so the materials cost of its units is financed for the order
window plus the payment terms. With real interest rates of up to 30 % a year (the study:
working capital is the binding constraint for small producers), the financing cost is that
need times the rate for those days. A producer whose need exceeds the working capital it
declared is a candidate for a credit program (the study's credit pilot); one that declared
none is reported as unknown, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

ANNUAL_RATE = 0.30


@dataclass(frozen=True)
class Financing:
    """The working capital one allocation needs."""

    need: float  # materials cost of the units
    days: int  # from materials bought to the buyer's payment
    cost: float  # interest on the need for those days
    working_capital: float | None  # what the producer declared
    credit_candidate: bool | None  # need > working capital (None: unknown)


def financing(units: int, materials_cost: float, window_days: int, payment_days: int,
              working_capital: float | None, rate: float = ANNUAL_RATE) -> Financing:
    """What ``units`` of an order cost a producer to finance."""
    need = round(units * materials_cost, 2)
    days = window_days + payment_days
    cost = round(need * rate * days / 365.0, 2)
    flag = None if working_capital is None else need > working_capital
    return Financing(need=need, days=days, cost=cost, working_capital=working_capital,
                     credit_candidate=flag)
