"""Words people write for roles, regimes, link types, stages, yes/no and maturity.

Every lookup folds accents, case and punctuation (see :func:`escalera.ingest.text.fold`),
and the code value itself (``contractor``, ``temporary``...) is always accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from escalera.domain.chain import LinkType
from escalera.domain.evidence import Stage
from escalera.domain.firms import ExportRegime, Role
from escalera.ingest.text import fold

ROLE_WORDS: dict[Role, tuple[str, ...]] = {
    Role.RETAILER: ("minorista", "detallista", "cadena de descuento", "tienda departamental",
                    "tienda", "retail", "discount chain", "department store"),
    Role.BRAND: ("marca", "empresa de marca", "brand name", "brand company"),
    Role.BUYING_AGENT: ("agente de compras", "agente comprador", "agente", "buying agent",
                        "buyer agent"),
    Role.JOBBER: ("intermediario", "intermediario jobber", "jobber"),
    Role.MANUFACTURER: ("fabricante", "manufacturera", "manufacturero", "productor",
                        "manufacturer", "producer"),
    # "Taller" alone is the glossary's small producer working for others: a contractor.
    Role.CONTRACTOR: ("contratista", "maquila", "maquiladora", "maquilador", "subcontratista",
                      "taller", "taller de costura", "taller de confeccion", "contractor",
                      "subcontractor", "workshop", "sewing shop"),
    Role.HOME_WORKSHOP: ("taller domestico", "taller a domicilio", "trabajo a domicilio",
                         "taller familiar", "home workshop", "homeworker", "home worker"),
    Role.INTEGRADORA: ("integradora", "empresa integradora"),
    Role.CONSULTANT: ("consultor", "consultora", "consultoria", "consultant"),
    Role.AGENCY: ("agencia", "dependencia", "organismo", "camara", "agency", "chamber"),
}

REGIME_WORDS: dict[ExportRegime, tuple[str, ...]] = {
    ExportRegime.TEMPORARY: ("temporal", "importacion temporal", "maquila", "maquiladora",
                             "immex", "pitex", "temporary", "temporary import"),
    ExportRegime.DEFINITIVE: ("definitivo", "definitiva", "exportacion definitiva",
                              "definitive", "definitive export"),
    ExportRegime.DOMESTIC: ("nacional", "mercado nacional", "solo nacional", "domestico",
                            "interno", "mercado interno", "domestic", "domestic only", "none",
                            "ninguno"),
}

LINK_WORDS: dict[LinkType, tuple[str, ...]] = {
    LinkType.SUBCONTRACTING: ("subcontratacion", "subcontrato", "maquila de costura",
                              "subcontracting", "cut and sew"),
    LinkType.FULL_PACKAGE: ("paquete completo", "full package"),
    LinkType.TUTELAGE: ("tutoria", "tutelaje", "tutela", "socio extranjero",
                        "tutelage", "tutelage partnership"),
    LinkType.INTEGRADORA_MEMBERSHIP: ("membresia integradora", "miembro de integradora",
                                      "socio de integradora", "integradora",
                                      "integradora membership"),
    LinkType.JOBBER_NETWORK: ("red de intermediario", "red del intermediario", "red jobber",
                              "jobber network", "jobber"),
}

STAGE_WORDS: dict[Stage, tuple[str, ...]] = {
    Stage.SCREENING: ("preseleccion", "visita de preseleccion", "screening"),
    Stage.DIAGNOSTIC: ("diagnostico", "diagnostic"),
    Stage.FOLLOW_UP: ("seguimiento", "follow up", "followup"),
    Stage.RANDOM_INSPECTION: ("inspeccion aleatoria", "random inspection"),
}

STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "final": ("final", "definitiva"),
    "draft": ("borrador", "draft"),
    "submitted": ("enviada", "entregada", "submitted"),
    "reviewed": ("revisada", "reviewed"),
    "superseded": ("sustituida", "reemplazada", "superseded"),
}

TRUE_WORDS = frozenset({"si", "s", "yes", "y", "true", "verdadero", "v", "1", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "falso", "f", "0"})

MATURITY_WORDS: dict[int, tuple[str, ...]] = {
    0: ("ausente", "absent", "none"),
    1: ("informal", "tacita", "tacito", "tacit"),
    2: ("documentada", "documentado", "documented"),
    3: ("mejora continua", "en mejora continua", "continuous improvement",
        "continuously improved"),
}


E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def _index(words: dict[E, tuple[str, ...]]) -> dict[str, E]:
    table: dict[str, E] = {}
    for value, aliases in words.items():
        for alias in (str(value), *aliases):
            table[fold(alias)] = value
    return table


ROLES = _index(ROLE_WORDS)
REGIMES = _index(REGIME_WORDS)
LINK_TYPES = _index(LINK_WORDS)
STAGES = _index(STAGE_WORDS)
STATUSES = {fold(alias): code for code, aliases in STATUS_WORDS.items()
            for alias in (code, *aliases)}
MATURITIES = {fold(alias): level for level, aliases in MATURITY_WORDS.items()
              for alias in aliases}


def lookup(table: Mapping[str, T], text: str) -> T | None:
    """The value ``text`` names in ``table`` (folded), or None."""
    return table.get(fold(text))


def choices(values: Iterable[object]) -> str:
    """The accepted values for an error message: codes, with a Spanish word in Spanish."""
    from escalera.i18n import current_language

    spanish: dict[str, tuple[str, ...]] = {}
    for words in (ROLE_WORDS, REGIME_WORDS, LINK_WORDS, STAGE_WORDS, STATUS_WORDS):
        spanish.update({str(k): v for k, v in words.items()})
    if current_language() == "en":
        return ", ".join(str(v) for v in values)
    return ", ".join(f"{spanish[str(v)][0]} ({v})" if str(v) in spanish else str(v)
                     for v in values)
