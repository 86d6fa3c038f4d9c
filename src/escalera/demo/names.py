"""Believable firm names, built column-wise.

Each profile has name templates ("Taller Doña {gf}", "Maquiladora {r} S.A. de C.V.") whose
slots take given names, surnames, places or English words. Every firm draws a template and
slot values as integer codes; only the distinct combinations are formatted as text (a
bounded set), and the names are gathered back to the firms. No Python loop runs per firm.
"""

from __future__ import annotations

import string

import numpy as np
import polars as pl

from escalera.demo.places import PLACES

GIVEN_FEMALE = (
    "Lupita", "María Elena", "Rosa", "Carmen", "Juana", "Guadalupe", "Socorro", "Rocío",
    "Patricia", "Verónica", "Leticia", "Concepción", "Alejandra", "Teresa", "Yolanda",
    "Martha", "Adriana", "Josefina", "Marisol", "Araceli", "Irma", "Gabriela", "Elvira",
    "Begoña", "Toñita", "Maricruz", "Ángeles", "Rebeca", "Esperanza", "Dolores",
)
GIVEN_MALE = (
    "José", "Juan", "Antonio", "Jesús", "Francisco", "Miguel Ángel", "Luis", "Alejandro",
    "Raúl", "Rubén", "Héctor", "Fernando", "Arturo", "Ramón", "Efraín", "Íñigo", "Nicolás",
    "Joaquín", "Andrés", "Martín", "Tomás", "Sebastián", "Germán", "Julián",
)
SURNAMES = (
    "López", "Hernández", "García", "Martínez", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Flores", "Gómez", "Díaz", "Cruz", "Morales", "Reyes", "Jiménez", "Ruiz",
    "Torres", "Vázquez", "Mendoza", "Castillo", "Ortiz", "Gutiérrez", "Chávez", "Ramos",
    "Núñez", "Muñoz", "Ibáñez", "Peña", "Castañeda", "Zúñiga", "Avendaño", "Montaño",
    "Aguilar", "Domínguez", "Herrera", "Medina", "Salazar", "Velázquez", "Cervantes",
    "Espinoza", "Rosales", "Solís", "Guzmán", "Méndez", "Orozco", "Villaseñor", "Ordóñez",
    "Cetina", "Canché", "Pech", "Sosa", "Arellano", "Campos", "Bautista", "Luna",
)
US_WORDS = (
    "Red Mesa", "Lone Star", "Blue Ridge", "Harbor Street", "Westfield", "Pine Creek",
    "Silver Lake", "Canyon Road", "Great Plains", "Bay Point", "Maple Lane", "Iron Horse",
    "Prairie Rose", "North Fork", "Sunset Trail", "Copper Hill",
)

# Template lists per profile, in the order of ``escalera.demo.population.PROFILES``.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "home_workshop": (
        "Taller Doña {gf}", "Taller de Costura {gf} {s}", "Costura {gf} {s}",
        "Taller Familiar {s}", "Costuras Don {gm}", "Taller de la Familia {s} {s2}",
        "Bordados y Costura Doña {gf}",
    ),
    "contractor": (
        "Confecciones {s}", "Confecciones Hermanos {s}", "Taller de Confección {s} {s2}",
        "Maquila {s} e Hijos", "Confecciones {gf}", "Taller {s} Hermanos",
        "Costura Industrial {s} {s2}", "Confecciones {r}",
    ),
    "manufacturer": (
        "Industrias {s} S.A. de C.V.", "Creaciones {gf}", "Manufacturas {s} {s2} S.A. de C.V.",
        "Textiles {r} S.A. de C.V.", "Modas {s}", "Novedades {gf} {s}",
        "Confecciones Finas {s} {s2}", "Fábrica de Ropa {s} e Hijos",
    ),
    "maquila": (
        "Maquiladora {r} S.A. de C.V.", "Maquiladora {s} {s2} S. de R.L. de C.V.",
        "Grupo Textil {r} S.A. de C.V.", "Operadora de Confección {s} S.A. de C.V.",
        "Manufacturera {r} S. de R.L. de C.V.",
    ),
    "jobber": (
        "Comercializadora {s}", "Distribuidora Textil {s} {s2}", "Casa {s}",
        "Mayoreo de Ropa {s}", "Comercializadora {r} S.A. de C.V.",
    ),
    "integradora": (
        "Integradora Textil {r}", "Empresa Integradora de Confección {r} S.A. de C.V.",
        "Integradora de Productores del Vestido {r}", "Integradora {s} y Asociados",
    ),
    "retailer": (
        "Tiendas {s}", "Almacenes {s} {s2}", "Bodegas de Descuento {s}",
        "Cadena Comercial {r}", "Boutiques {gf}",
    ),
    "us_brand": (
        "{us} Apparel Inc.", "{us} Denim Co.", "{us} Sportswear LLC", "{us} Outfitters",
    ),
    "buying_agent": (
        "Agencia de Compras {s}", "{us} Sourcing Group", "Servicios de Abastecimiento {s} {s2}",
    ),
    "consultant": (
        "Consultores en Calidad {s}", "Asesoría Industrial Ing. {gm} {s}",
        "Asesoría en Manufactura {s} {s2} S.C.", "Despacho {s} Consultores",
    ),
    "agency": (
        "Secretaría de Desarrollo Económico — {st}",
        "Cámara de la Industria del Vestido — Delegación {mun}",
        "Centro de Productividad Textil {r}", "Programa de Desarrollo de Proveedores — {st}",
    ),
}

_SLOTS = ("gf", "gm", "s", "s2", "us", "place")
_SIZES = (len(GIVEN_FEMALE), len(GIVEN_MALE), len(SURNAMES), len(SURNAMES), len(US_WORDS),
          len(PLACES))


def place_phrase(place_index: int) -> str:
    """How a firm names its place: the place's own phrase or ``de <municipality>``."""
    place = PLACES[place_index]
    return place.short or f"de {place.municipality}"


def _slots_used(template: str) -> set[str]:
    used = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    return {"place" if f in {"r", "mun", "st"} else f for f in used}


def _format(template: str, codes: tuple[int, ...]) -> str:
    gf, gm, s, s2, us, place = codes
    return template.format(
        gf=GIVEN_FEMALE[gf], gm=GIVEN_MALE[gm], s=SURNAMES[s], s2=SURNAMES[s2], us=US_WORDS[us],
        r=place_phrase(place), mun=PLACES[place].municipality, st=PLACES[place].state,
    )


def firm_names(profiles: np.ndarray, profile_ids: tuple[str, ...], place_index: np.ndarray,
               rng: np.random.Generator) -> pl.Series:
    """One name per firm; ``profiles`` indexes ``profile_ids``, ``place_index`` PLACES."""
    n = len(profiles)
    templates: list[str] = []
    first: list[int] = []
    for pid in profile_ids:
        first.append(len(templates))
        templates.extend(TEMPLATES[pid])
    counts = np.array([len(TEMPLATES[p]) for p in profile_ids])
    template = (np.asarray(first)[profiles]
                + np.floor(rng.random(n) * counts[profiles]).astype(np.int64))
    codes = np.empty((len(_SLOTS), n), dtype=np.int64)
    for i, size in enumerate(_SIZES[:-1]):
        codes[i] = rng.integers(0, size, n)
    codes[-1] = place_index
    # Two different surnames in one name.
    same = codes[3] == codes[2]
    codes[3][same] = (codes[3][same] + 1) % len(SURNAMES)
    used = np.array([[slot in _slots_used(t) for slot in _SLOTS] for t in templates])
    codes *= used[template].T
    key = template.astype(np.int64)
    for i, size in enumerate(_SIZES):
        key = key * size + codes[i]
    unique_keys, first_row, inverse = np.unique(key, return_index=True, return_inverse=True)
    texts = [
        _format(templates[template[row]], tuple(int(c) for c in codes[:, row]))
        for row in first_row
    ]
    del unique_keys
    return pl.Series("name", texts, dtype=pl.String).gather(inverse)
