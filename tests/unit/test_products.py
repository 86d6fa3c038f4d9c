"""Product labels: garments that orders and inspections accept, and other products (the demo's
furniture cluster) that only have a name on screen."""

from __future__ import annotations

from escalera.demo.places import PRODUCT_IDS
from escalera.domain.products import OTHER_PRODUCTS, PRODUCTS, product_label
from escalera.services import inspections, matching


def test_other_products_have_labels_in_both_languages() -> None:
    assert product_label("wood_furniture", "es") == "Muebles de madera"
    assert product_label("wood_furniture", "en") == "Wood furniture"
    assert product_label("jeans", "es") == "Pantalones de mezclilla"  # garments as before
    assert product_label("hamacas", "en") == "hamacas"  # unknown: as written


def test_other_products_are_not_garments() -> None:
    others = {p.id for p in OTHER_PRODUCTS}
    assert others and not others & {p.id for p in PRODUCTS}
    assert not others & set(PRODUCT_IDS)  # the demo network never draws them
    assert not others & matching.KNOWN_PRODUCTS  # orders refuse them
    assert not others & inspections.KNOWN_PRODUCTS  # so do buyers' inspections
    assert {p.hs_chapter for p in OTHER_PRODUCTS} == {94}  # furniture, not 61 or 62
