"""Where the demo network's firms are and what they make.

Regions and their product specialities follow the study and the brief: Mexico City's
garment district and its home workers, Tehuacán and La Laguna (Torreón, Gómez Palacio) for
jeans, Moroleón and Uriangato for knitwear, Aguascalientes and Calvillo for embroidered
and children's formal wear, Mérida and Motul for guayaberas, the border maquilas of
Tijuana and Ciudad Juárez, and the five places where the study met empresas integradoras
(Cuernavaca, Puebla, Jalisco, Mexico City and Tijuana).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from escalera.domain.products import PRODUCTS

PRODUCT_IDS: tuple[str, ...] = tuple(p.id for p in PRODUCTS)
HS_CHAPTER_OF: np.ndarray = np.array([p.hs_chapter for p in PRODUCTS], dtype=np.int64)


def _mix(**weights: float) -> tuple[float, ...]:
    """A product mix: named weights on top of a small base weight for every product."""
    base = dict.fromkeys(PRODUCT_IDS, 0.3)
    for key, value in weights.items():
        if key not in base:
            raise KeyError(key)
        base[key] = value
    return tuple(base[p] for p in PRODUCT_IDS)


@dataclass(frozen=True)
class Place:
    """A municipality: its share of producers, its share of integradoras and its products."""

    state: str
    municipality: str
    weight: float
    integradora_weight: float
    products: tuple[float, ...]
    maquila_weight: float = 0.0
    short: str = ""  # how firms name the place ("del Bajío", "de La Laguna"...)


PLACES: tuple[Place, ...] = (
    Place("Ciudad de México", "Cuauhtémoc", 7.0, 3.0,
          _mix(shirts=3, womens_dresses=3, uniforms=2, trousers=2, underwear=1), 0.2),
    Place("Ciudad de México", "Iztapalapa", 5.0, 1.5,
          _mix(uniforms=2, knit_tops=2, trousers=2, sportswear=2), 0.1),
    Place("Ciudad de México", "Venustiano Carranza", 3.0, 1.0,
          _mix(womens_dresses=3, shirts=2, childrens_formal_wear=1), 0.0),
    Place("Ciudad de México", "Gustavo A. Madero", 3.0, 0.5,
          _mix(uniforms=2, trousers=2, underwear=1), 0.0),
    Place("Estado de México", "Naucalpan de Juárez", 3.0, 0.5,
          _mix(shirts=2, uniforms=2, sportswear=1), 0.5),
    Place("Estado de México", "Nezahualcóyotl", 4.0, 0.5,
          _mix(knit_tops=2, trousers=2, underwear=2), 0.0),
    Place("Estado de México", "Chiconcuac", 2.0, 0.3, _mix(sweaters=6, knit_tops=2), 0.0),
    Place("Puebla", "Tehuacán", 7.0, 2.0, _mix(jeans=10, trousers=2), 4.0, "de Tehuacán"),
    Place("Puebla", "Puebla", 4.0, 3.0, _mix(shirts=2, trousers=2, knit_tops=2, jeans=2), 1.0),
    Place("Puebla", "Ajalpan", 2.0, 0.3, _mix(jeans=8), 0.5, "de la Sierra Negra"),
    Place("Puebla", "San Martín Texmelucan", 2.0, 0.5, _mix(knit_tops=3, sweaters=2), 0.2),
    Place("Aguascalientes", "Aguascalientes", 4.5, 1.0,
          _mix(childrens_formal_wear=3, handicraft_garments=2, womens_dresses=2, knit_tops=2),
          1.0, "de Aguascalientes"),
    Place("Aguascalientes", "Calvillo", 1.5, 0.3,
          _mix(handicraft_garments=6, childrens_formal_wear=2), 0.0, "de Calvillo"),
    Place("Jalisco", "Guadalajara", 5.0, 2.0,
          _mix(childrens_formal_wear=3, womens_dresses=3, shirts=2), 0.8, "de Occidente"),
    Place("Jalisco", "Zapopan", 2.5, 1.0, _mix(womens_dresses=2, sportswear=2, shirts=1), 0.6),
    Place("Jalisco", "San Pedro Tlaquepaque", 2.0, 0.5,
          _mix(childrens_formal_wear=3, handicraft_garments=2), 0.0),
    Place("Guanajuato", "León", 4.0, 0.8, _mix(uniforms=2, sportswear=2, trousers=1), 0.8,
          "del Bajío"),
    Place("Guanajuato", "Moroleón", 3.5, 0.5, _mix(knit_tops=4, sweaters=5), 0.2, "del Bajío"),
    Place("Guanajuato", "Uriangato", 3.0, 0.5, _mix(knit_tops=4, sweaters=4), 0.2, "del Bajío"),
    Place("Guanajuato", "Irapuato", 1.5, 0.2, _mix(jeans=2, trousers=2), 0.5, "del Bajío"),
    Place("Yucatán", "Mérida", 3.0, 0.5,
          _mix(guayaberas=6, handicraft_garments=3, shirts=2), 1.5, "del Sureste"),
    Place("Yucatán", "Motul", 0.8, 0.2, _mix(guayaberas=5, handicraft_garments=4), 0.3,
          "del Mayab"),
    Place("Baja California", "Tijuana", 3.0, 2.0,
          _mix(jeans=3, knit_tops=3, uniforms=3, sportswear=2), 6.0, "del Pacífico"),
    Place("Baja California", "Mexicali", 1.0, 0.2, _mix(uniforms=3, knit_tops=2), 2.5,
          "de la Frontera"),
    Place("Chihuahua", "Juárez", 1.0, 0.1, _mix(jeans=3, uniforms=2, underwear=2), 4.0,
          "del Norte"),
    Place("Morelos", "Cuernavaca", 2.0, 3.0, _mix(womens_dresses=2, shirts=2, uniforms=2), 0.3,
          "de Morelos"),
    Place("Morelos", "Jiutepec", 1.0, 1.0, _mix(uniforms=2, knit_tops=2), 0.4, "de Morelos"),
    Place("Coahuila", "Torreón", 3.0, 0.3, _mix(jeans=10, trousers=2), 4.0, "de La Laguna"),
    Place("Durango", "Gómez Palacio", 2.0, 0.2, _mix(jeans=10), 3.0, "de La Laguna"),
    Place("Hidalgo", "Tepeji del Río", 1.0, 0.2, _mix(jeans=2, knit_tops=2, trousers=2), 1.0),
    Place("Tlaxcala", "Apizaco", 1.0, 0.2, _mix(knit_tops=3, sweaters=2, sportswear=2), 0.5),
)

# US and national buyers sit where their buying offices are.
US_PLACES: tuple[tuple[str, str], ...] = (
    ("Texas", "El Paso"), ("Texas", "Dallas"), ("California", "Los Ángeles"),
    ("Nueva York", "Nueva York"), ("Carolina del Norte", "Greensboro"),
)


def weights(values: list[float] | tuple[float, ...] | np.ndarray) -> np.ndarray:
    """Non-negative weights scaled to sum to one."""
    array = np.asarray(values, dtype=np.float64)
    scaled: np.ndarray = array / array.sum()
    return scaled
