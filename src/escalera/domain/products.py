"""Product types the catalog and the demo know, with their HS chapter and labels.

``PRODUCTS`` are the garment types: the demo network draws from them, and orders and buyer
inspections accept only them. ``OTHER_PRODUCTS`` are products outside the garment chain that
only need a name on screen (the demo's furniture cluster, after the study's furniture makers
of Ciudad Hidalgo); nothing validates against them. Firms may name other products still
(imports keep free text); those show as written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    """A product type: id, HS chapter (garments: 61 knitted, 62 woven), labels."""

    id: str
    hs_chapter: int
    es: str
    en: str


PRODUCTS: tuple[Product, ...] = (
    Product("jeans", 62, "Pantalones de mezclilla", "Jeans"),
    Product("trousers", 62, "Pantalones y faldas", "Trousers and skirts"),
    Product("shirts", 62, "Camisas", "Shirts"),
    Product("guayaberas", 62, "Guayaberas", "Guayaberas"),
    Product("uniforms", 62, "Uniformes (escolares, de trabajo, médicos)", "Uniforms"),
    Product("childrens_formal_wear", 62, "Ropa infantil de gala (bautizo y primera comunión)",
            "Children's formal wear (baptism and communion)"),
    Product("handicraft_garments", 62, "Prendas de estilo artesanal (bordado, deshilado)",
            "Handicraft-style garments (embroidery, drawn-thread work)"),
    Product("womens_dresses", 62, "Vestidos y blusas de dama", "Women's dresses and blouses"),
    Product("knit_tops", 61, "Playeras y blusas de punto", "Knit tops and T-shirts"),
    Product("sweaters", 61, "Suéteres", "Sweaters"),
    Product("sportswear", 61, "Ropa deportiva", "Sportswear"),
    Product("underwear", 61, "Ropa interior", "Underwear"),
)

# Known for their labels only: not garments, so never offered for orders or inspections.
OTHER_PRODUCTS: tuple[Product, ...] = (
    Product("wood_furniture", 94, "Muebles de madera", "Wood furniture"),
)

_LABELS = {p.id: p for p in (*PRODUCTS, *OTHER_PRODUCTS)}


def product_label(product_id: str, lang: str) -> str:
    """A product's name in ``lang`` (Spanish unless ``en``), or the id as written."""
    product = _LABELS.get(product_id)
    if product is None:
        return product_id
    return product.en if lang == "en" else product.es
