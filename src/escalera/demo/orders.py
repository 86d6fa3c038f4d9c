"""The demo's buyers' orders and a first allocation run, so a newcomer meets matchmaking:
orders that one producer fills, orders split over several, an order that cannot be split
and goes to a pool, and orders nobody can fill, each with its explanation.

The buyers are retailers and brands of the demo network; quantities, prices and dates
follow the market segments of the catalog (minimum orders, lead times). Runs in the
caller's transaction through the same services a program manager uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy.orm import Session

from escalera.domain.catalog_model import Catalog
from escalera.domain.orders import Order
from escalera.services import matching
from escalera.solve.allocation import Weights
from escalera.store.evidence import firms_frame


@dataclass(frozen=True)
class DemoOrder:
    """A template: what is ordered, by what kind of buyer, with which terms."""

    ref: str
    buyer_role: str
    buyer_fallback: str
    product: str
    quantity: int
    segment: str | None
    ladder: str | None
    level: str | None
    days: int  # order date to due date
    price: float
    splittable: bool = True
    max_producers: int = 4
    min_share: float = 0.1
    max_pool_members: int = 0
    destination: str = "Texas"
    payment_days: int = 60


TEMPLATES = (
    DemoOrder("CD-JEANS-01", "retailer", "Cadena de descuento del Bajío", "jeans", 9_000,
              "domestic_discount_chains", None, None, 75, 165.0, max_producers=5,
              destination="Ciudad de México", payment_days=90),
    DemoOrder("AL-CAMISA-02", "retailer", "Almacenes Andinos (Bogotá)", "shirts", 2_500,
              "latin_american_dept_stores", None, None, 80, 210.0, splittable=False,
              max_pool_members=3, destination="Ciudad de México", payment_days=75),
    DemoOrder("US-PUNTO-03", "retailer", "Department store (Dallas)", "knit_tops", 90_000,
              None, "buyer_tiers", "tier_1", 63, 138.0, max_producers=3, min_share=0.2),
    DemoOrder("NI-GALA-04", "retailer", "Boutique de bautizo (Guadalajara)",
              "childrens_formal_wear", 4_000, "national_style_niches", None, None, 70, 540.0,
              splittable=False, max_pool_members=4, destination="Jalisco", payment_days=30),
    DemoOrder("US-MEZCLILLA-05", "brand", "Marca de mezclilla (El Paso)", "jeans", 12_000,
              None, "buyer_tiers", "tier_2", 70, 190.0, max_producers=3, min_share=0.15),
    DemoOrder("UN-ESCOLAR-06", "retailer", "Uniformes escolares del Centro", "uniforms", 5_000,
              None, "buyer_tiers", "tier_3", 45, 120.0, destination="Puebla",
              payment_days=45),
    DemoOrder("US-RAPIDO-07", "retailer", "Off-price chain (Houston)", "sportswear", 8_000,
              None, "buyer_tiers", "tier_2", 21, 150.0, max_producers=2),
)


def seed_orders(session: Session, catalog: Catalog, *, reference_date: dt.date,
                time_limit: float = 10.0) -> dict[str, object]:
    """Store the demo orders (dated a few days before ``reference_date``) and run one
    allocation over them, left as proposed."""
    buyers = firms_frame(session).select("firm_id", "name", "roles")
    orders = []
    for index, template in enumerate(TEMPLATES):
        pick = buyers.filter(pl.col("roles").list.contains(template.buyer_role))
        buyer = pick.row(index % pick.height, named=True) if pick.height else None
        on = reference_date - dt.timedelta(days=3 + index)
        orders.append(Order(
            id=template.ref, buyer_id=buyer["firm_id"] if buyer else None,
            buyer_name=buyer["name"] if buyer else template.buyer_fallback,
            product=template.product, quantity=template.quantity, segment=template.segment,
            ladder=template.ladder, level=template.level, order_date=on,
            due_date=on + dt.timedelta(days=template.days), unit_price=template.price,
            splittable=template.splittable, max_producers=template.max_producers,
            min_share=template.min_share, max_pool_members=template.max_pool_members,
            destination=template.destination, payment_days=template.payment_days))
    matching.add_orders(session, catalog, orders, reference_date)
    view = matching.run(session, catalog, on=reference_date, weights=Weights(),
                        time_limit=time_limit,
                        now=dt.datetime.combine(reference_date, dt.time(9, 0)))
    summary = view.as_dict()
    return {"orders": len(orders), "run": summary["run"], "quantity": summary["quantity"],
            "filled": summary["filled"], "status": summary["status"],
            "unfilled_orders": sum(1 for o in view.orders if o["filled"] < o["quantity"])}
