"""Garment product types the catalog and the demo know, with their HS chapter and labels.

Firms may name other products (imports keep free text); those show as written.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    """A garment product type: id, HS chapter (61 knitted, 62 woven), labels."""

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

_LABELS = {p.id: p for p in PRODUCTS}


def product_label(product_id: str, lang: str) -> str:
    """A product's name in ``lang`` (Spanish unless ``en``), or the id as written."""
    product = _LABELS.get(product_id)
    if product is None:
        return product_id
    return product.en if lang == "en" else product.es
