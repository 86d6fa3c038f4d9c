"""Where Mexican states and garment municipalities lie, so "nearest by region" is computable.

Coordinates are approximate (a state's rough centroid; a municipality's main town), good to
a few tens of kilometres: enough to rank hosts for a learning visit, not to route a trip. A
municipality not listed falls back to its state. Names match without accents or case, and
common variants are accepted ("CDMX", "Distrito Federal", "Edomex", "Michoacán de Ocampo").
"""

from __future__ import annotations

import math
import unicodedata

Point = tuple[float, float]  # latitude, longitude in degrees

EARTH_RADIUS_KM = 6371.0

STATE_CENTROIDS: dict[str, Point] = {
    "Aguascalientes": (21.88, -102.29),
    "Baja California": (30.84, -115.28),
    "Baja California Sur": (26.04, -111.67),
    "Campeche": (18.93, -90.39),
    "Chiapas": (16.75, -92.64),
    "Chihuahua": (28.63, -106.07),
    "Ciudad de México": (19.43, -99.13),
    "Coahuila": (27.06, -101.71),
    "Colima": (19.24, -103.72),
    "Durango": (24.56, -104.66),
    "Estado de México": (19.35, -99.63),
    "Guanajuato": (21.02, -101.26),
    "Guerrero": (17.44, -99.55),
    "Hidalgo": (20.09, -98.76),
    "Jalisco": (20.66, -103.60),
    "Michoacán": (19.57, -101.71),
    "Morelos": (18.68, -99.10),
    "Nayarit": (21.75, -104.85),
    "Nuevo León": (25.59, -99.99),
    "Oaxaca": (17.07, -96.72),
    "Puebla": (19.00, -97.89),
    "Querétaro": (20.59, -100.39),
    "Quintana Roo": (19.18, -88.48),
    "San Luis Potosí": (22.16, -100.99),
    "Sinaloa": (25.17, -107.48),
    "Sonora": (29.30, -110.33),
    "Tabasco": (17.84, -92.62),
    "Tamaulipas": (24.27, -98.84),
    "Tlaxcala": (19.32, -98.24),
    "Veracruz": (19.50, -96.90),
    "Yucatán": (20.71, -89.09),
    "Zacatecas": (22.77, -102.58),
}

# Garment municipalities of the study and the demo network (state, municipality).
MUNICIPALITY_POINTS: dict[tuple[str, str], Point] = {
    ("Ciudad de México", "Cuauhtémoc"): (19.433, -99.153),
    ("Ciudad de México", "Iztapalapa"): (19.357, -99.093),
    ("Ciudad de México", "Venustiano Carranza"): (19.430, -99.100),
    ("Ciudad de México", "Gustavo A. Madero"): (19.482, -99.113),
    ("Estado de México", "Naucalpan de Juárez"): (19.478, -99.239),
    ("Estado de México", "Nezahualcóyotl"): (19.400, -99.015),
    ("Estado de México", "Chiconcuac"): (19.557, -98.899),
    ("Puebla", "Tehuacán"): (18.462, -97.393),
    ("Puebla", "Puebla"): (19.041, -98.206),
    ("Puebla", "Ajalpan"): (18.376, -97.261),
    ("Puebla", "San Martín Texmelucan"): (19.284, -98.434),
    ("Aguascalientes", "Aguascalientes"): (21.882, -102.291),
    ("Aguascalientes", "Calvillo"): (21.847, -102.718),
    ("Jalisco", "Guadalajara"): (20.676, -103.347),
    ("Jalisco", "Zapopan"): (20.721, -103.392),
    ("Jalisco", "San Pedro Tlaquepaque"): (20.640, -103.312),
    ("Guanajuato", "León"): (21.122, -101.686),
    ("Guanajuato", "Moroleón"): (20.127, -101.191),
    ("Guanajuato", "Uriangato"): (20.140, -101.174),
    ("Guanajuato", "Irapuato"): (20.676, -101.355),
    ("Yucatán", "Mérida"): (20.967, -89.624),
    ("Yucatán", "Motul"): (21.095, -89.283),
    ("Baja California", "Tijuana"): (32.515, -117.038),
    ("Baja California", "Mexicali"): (32.625, -115.454),
    ("Chihuahua", "Juárez"): (31.690, -106.425),
    ("Morelos", "Cuernavaca"): (18.924, -99.221),
    ("Morelos", "Jiutepec"): (18.881, -99.177),
    ("Coahuila", "Torreón"): (25.543, -103.406),
    ("Durango", "Gómez Palacio"): (25.570, -103.496),
    ("Hidalgo", "Tepeji del Río"): (19.905, -99.343),
    ("Tlaxcala", "Apizaco"): (19.413, -98.141),
}


def fold(name: str) -> str:
    """``name`` without accents, case, dots or repeated spaces: the key names match on."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(plain.replace(".", " ").split())


_ALIASES = {
    "cdmx": "Ciudad de México", "df": "Ciudad de México",
    "distrito federal": "Ciudad de México", "mexico city": "Ciudad de México",
    "edomex": "Estado de México", "mexico": "Estado de México",
    "state of mexico": "Estado de México", "coahuila de zaragoza": "Coahuila",
    "michoacan de ocampo": "Michoacán", "veracruz de ignacio de la llave": "Veracruz",
    "nuevo leon": "Nuevo León", "queretaro de arteaga": "Querétaro",
}
_STATES = {fold(name): name for name in STATE_CENTROIDS} | {
    fold(alias): name for alias, name in _ALIASES.items()}
_MUNICIPALITIES = {(fold(s), fold(m)): p for (s, m), p in MUNICIPALITY_POINTS.items()}


def canonical_state(name: str) -> str | None:
    """The state's name as :data:`STATE_CENTROIDS` spells it, or None when unknown."""
    return _STATES.get(fold(name))


def locate(state: str, municipality: str = "") -> Point | None:
    """Where a firm is: its municipality when known, else its state's centroid, else None."""
    canonical = canonical_state(state)
    if canonical is None:
        return None
    if municipality:
        point = _MUNICIPALITIES.get((fold(canonical), fold(municipality)))
        if point is not None:
            return point
    return STATE_CENTROIDS[canonical]


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance between two points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_km(state_a: str, municipality_a: str, state_b: str,
                municipality_b: str) -> float | None:
    """Approximate distance between two firms' places; None when either place is unknown."""
    a, b = locate(state_a, municipality_a), locate(state_b, municipality_b)
    return None if a is None or b is None else haversine_km(a, b)
